"""Receipt codes: short, typeable, checked codes that only the administrator's key can produce.

For every bundle, the kiosk draws a random secret, seals it to the administrator's public
key into the bundle (the receipt challenge) and keeps only a hash of the code it leads to.
`kiosk-admin import` opens the challenge with the private key and prints the code; typed on
the kiosk, it marks that bundle's records delivered. A copy of the stick alone gives no code.
The challenge is bound to the bundle's header and records, so a bundle edited on the way does
not yield one either. Bundles of format 1 carried no challenge; their code was taken from
the file's SHA-256, which anyone could compute, and an updated kiosk no longer accepts those.
docs/formats.md specifies the codes and the challenge.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.sealing import OpenError, PublicKey, open_blob, seal_blob

# Crockford's base32 (no I, L, O, U), so codes read aloud and type cleanly.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_DATA_CHARS = 8
RECEIPT_CHECK_CHARS = 2
RECEIPT_CHARS = RECEIPT_DATA_CHARS + RECEIPT_CHECK_CHARS
VALUE_BYTES = 5
SECRET_BYTES = 32
CHALLENGE_BYTES = 32 + SECRET_BYTES + 16
"""A sealed challenge: HPKE enc (32), the sealed secret (32) and its tag (16)."""
EXAMPLE_CODE = "JCA4-3ZJV-9P"
"""A valid code for help texts and messages (an invalid example would teach a typo)."""

CHALLENGE_INFO = b"trivselskiosk/receipt/v2"
_CODE_DOMAIN = b"trivselskiosk/receipt-code/v2"
_CHECK_DOMAIN = b"trivselskiosk/receipt-check/v2"
_CONFUSABLES = {"O": "0", "I": "1", "L": "1"}
_SEPARATORS = frozenset(" -_.\t")
# GF(32) with the primitive polynomial x^5 + x^2 + 1; the two check characters make every
# receipt code a Reed-Solomon codeword, so any one or two mistyped characters (and any swap of
# two neighbours) are caught.
_GF_POLY = 0b100101


class ReceiptError(ValueError):
    """A receipt code as typed is not a valid code; str() says what is wrong with it."""


class ChallengeError(ValueError):
    """A bundle's receipt challenge does not open: changed, or sealed to another key."""


class Challenge(NamedTuple):
    """What the kiosk puts into a bundle (sealed) and what it keeps (a hash of the code)."""

    sealed: bytes
    check: str


def _gf_tables() -> tuple[list[int], list[int]]:
    """Powers of α (twice over, so products need no modulo) and their logarithms."""
    exp, log = [0] * 62, [0] * 32
    value = 1
    for power in range(31):
        exp[power] = exp[power + 31] = value
        log[value] = power
        value <<= 1
        if value & 32:
            value ^= _GF_POLY
    return exp, log


_GF_EXP, _GF_LOG = _gf_tables()


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _GF_EXP[_GF_LOG[a] + _GF_LOG[b]]


def _gf_eval(symbols: list[int], x: int) -> int:
    """The polynomial with these coefficients (highest power first) at x, by Horner's rule."""
    result = 0
    for symbol in symbols:
        result = _gf_mul(result, x) ^ symbol
    return result


def _check_symbols(data: list[int]) -> list[int]:
    """The two Reed-Solomon check symbols: the remainder of data(x)·x² by (x − α)(x − α²)."""
    g1 = _GF_EXP[1] ^ _GF_EXP[2]
    g0 = _GF_EXP[3]
    high = low = 0
    for symbol in data:
        feedback = symbol ^ high
        high = low ^ _gf_mul(feedback, g1)
        low = _gf_mul(feedback, g0)
    return [high, low]


def _format(chars: str) -> str:
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def code_of_value(value: bytes) -> str:
    """The printed code of a 40-bit value: 8 data characters and 2 check characters."""
    number = int.from_bytes(value[:VALUE_BYTES], "big")
    data = [(number >> (5 * (RECEIPT_DATA_CHARS - 1 - i))) & 31 for i in range(RECEIPT_DATA_CHARS)]
    return _format("".join(RECEIPT_ALPHABET[s] for s in data + _check_symbols(data)))


def value_of_code(code: str) -> bytes:
    """The 40-bit value of a code in its printed form (as parse_receipt_code returns it)."""
    number = 0
    for ch in code.replace("-", "")[:RECEIPT_DATA_CHARS]:
        number = number << 5 | RECEIPT_ALPHABET.index(ch)
    return number.to_bytes(VALUE_BYTES, "big")


def legacy_code(file_sha256: bytes) -> str:
    """A format-1 bundle's code: the first 40 bits of the whole file's SHA-256."""
    return code_of_value(file_sha256)


def check_of(code: str) -> str:
    """What the kiosk keeps of a code: SHA-256 over a domain and the code's value, in hex."""
    return hashlib.sha256(_CHECK_DOMAIN + value_of_code(code)).hexdigest()


def _code_of_secret(secret: bytes) -> str:
    return code_of_value(hashlib.sha256(_CODE_DOMAIN + secret).digest())


def new_challenge(public_key: PublicKey, bound: bytes) -> Challenge:
    """Seal a fresh secret to the administrator, bound to a bundle's contents.

    Args:
        public_key: the administrator's public key.
        bound: SHA-256 of the bundle's header length, header and entries (bundle.py).
    """
    secret = secrets.token_bytes(SECRET_BYTES)
    sealed = seal_blob(public_key, CHALLENGE_INFO + bound, secret)
    return Challenge(sealed, check_of(_code_of_secret(secret)))


def open_challenge(private_key: X25519PrivateKey, bound: bytes, sealed: bytes) -> str:
    """The receipt code of a bundle whose challenge opens with this key and these contents.

    Raises:
        ChallengeError: the challenge, the header or the records were changed, or the
            bundle is sealed to another key.
    """
    try:
        secret = open_blob(private_key, CHALLENGE_INFO + bound, sealed)
    except OpenError:
        raise ChallengeError(
            "its receipt challenge does not open: the bundle's header or records were changed "
            "after the kiosk wrote it, or it was not made for this key"
        ) from None
    if len(secret) != SECRET_BYTES:
        raise ChallengeError("its receipt challenge is malformed")
    return _code_of_secret(secret)


def parse_receipt_code(text: str) -> str:
    """Read a receipt code as typed: any case, spaces and dashes anywhere, O for 0, I or L for 1.

    Returns:
        The code in its printed form, e.g. 'JCA4-3ZJV-9P'.

    Raises:
        ReceiptError: an impossible character, the wrong length, or a typo (the check
            characters do not match).
    """
    chars: list[str] = []
    for ch in text.upper():
        if ch in _SEPARATORS:
            continue
        ch = _CONFUSABLES.get(ch, ch)
        if ch not in RECEIPT_ALPHABET:
            shown = ch if ch.isprintable() else ascii(ch)
            raise ReceiptError(f"a receipt code cannot contain {shown!r}; check the code")
        chars.append(ch)
    if not chars:
        raise ReceiptError("the receipt code is empty")
    if len(chars) != RECEIPT_CHARS:
        raise ReceiptError(
            f"a receipt code has {RECEIPT_CHARS} letters and digits (like {EXAMPLE_CODE}); "
            f"this one has {len(chars)}"
        )
    symbols = [RECEIPT_ALPHABET.index(ch) for ch in chars]
    if _gf_eval(symbols, _GF_EXP[1]) or _gf_eval(symbols, _GF_EXP[2]):
        raise ReceiptError(
            f"the receipt code {_format(''.join(chars))} has a typo: its check "
            "characters do not match; compare it with the code kiosk-admin printed"
        )
    return _format("".join(chars))
