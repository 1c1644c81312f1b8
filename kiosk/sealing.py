"""Encryption at rest: answers are sealed with HPKE to the administrator's public key.

The kiosk holds only the public key, so it can never read what it stores. This module also
owns the keys as values: the typeable public key line (both ways) and key fingerprints. Key
files on disk are kiosk/keyfiles.py; the scan for planted private keys is kiosk/keyscan.py.
The byte formats are specified in docs/formats.md.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

# Only X25519 is needed to open a site (the pinned key is checked then). HPKE (the first
# submit) and Ed25519 are imported where they are used, which keeps them out of the kiosk's
# start-up (docs/benchmarks.md).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives import hpke
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT_VERSION = 2
"""The sealed-record version this kiosk writes; 1 (payload with language) is still opened."""
OPENED_VERSIONS = (1, 2)
RECORD_ID_BYTES = 16

KEY_LINE_PREFIX = "tkpub1-"
KEY_LINE_PREFIX_V2 = "tkpub2-"
"""A version 2 line carries the sealing key and the administrator's Ed25519 signing key."""

_INFO_PREFIX = b"trivselskiosk/record/v"
_KEY_BYTES = 32
_ENC_BYTES = 32
_TAG_BYTES = 16
SEALED_OVERHEAD = 1 + _ENC_BYTES + _TAG_BYTES
"""Bytes a sealed record adds to its plaintext: version byte, HPKE enc, AEAD tag."""

_CHECKSUM_DOMAIN = b"trivselskiosk/key-line/v1"
_CHECKSUM_DOMAIN_V2 = b"trivselskiosk/key-line/v2"
_SIGNING_FINGERPRINT_DOMAIN = b"trivselskiosk/signing-fingerprint/v1"
_CHECKSUM_BYTES = 4
_FINGERPRINT_DOMAIN = b"trivselskiosk/fingerprint/v1"
_FINGERPRINT_BYTES = 8
_LINE_GROUP = 5
_B32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_LINE_CHARS = -(-(_KEY_BYTES + _CHECKSUM_BYTES) * 8 // 5)
_LINE_CHARS_V2 = -(-(2 * _KEY_BYTES + _CHECKSUM_BYTES) * 8 // 5)
# Letters people type for the digits base32 leaves out.
_LOOKALIKES = {"0": "o", "1": "l", "8": "b", "9": "g"}


class SealingError(Exception):
    """Base of every expected failure here and in keyfiles; str() is a sentence for a human."""


class KeyFormatError(SealingError):
    """A public key line, public key file or private key PEM is malformed."""


class OpenError(SealingError):
    """A sealed record does not open: tampered, truncated, wrong id or wrong key."""


def new_record_id() -> bytes:
    """A fresh random record id; random so that ids reveal nothing about order or count."""
    return secrets.token_bytes(RECORD_ID_BYTES)


@dataclass(frozen=True)
class PublicKey:
    """The administrator's X25519 public key, the only key a kiosk ever holds."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _KEY_BYTES:
            raise KeyFormatError(
                f"an X25519 public key is {_KEY_BYTES} bytes; this one is {len(self.raw)}"
            )
        try:
            # A low-order point would make every seal fail (or be readable by anyone).
            X25519PrivateKey.generate().exchange(self.x25519())
        except ValueError:
            raise KeyFormatError("this public key is not a usable X25519 key") from None

    def x25519(self) -> X25519PublicKey:
        """The key as a cryptography object, for HPKE."""
        return X25519PublicKey.from_public_bytes(self.raw)

    def line(self) -> str:
        """The one typeable line, e.g. 'tkpub1-abcde-…', with a checksum against typos."""
        return _grouped(KEY_LINE_PREFIX, self.raw + _checksum(self.raw))

    def fingerprint(self) -> str:
        """A short form to compare by eye, e.g. '3f2a 9c01 77be 0d45'."""
        digest = hashlib.sha256(_FINGERPRINT_DOMAIN + self.raw).digest()[:_FINGERPRINT_BYTES]
        text = digest.hex()
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@cache
def _suite() -> hpke.Suite:
    """The HPKE suite every record is sealed with: X25519, HKDF-SHA256, ChaCha20-Poly1305."""
    from cryptography.hazmat.primitives import hpke

    return hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


def _checksum(raw: bytes, domain: bytes = _CHECKSUM_DOMAIN) -> bytes:
    return hashlib.sha256(domain + raw).digest()[:_CHECKSUM_BYTES]


def _grouped(prefix: str, data: bytes) -> str:
    body = base64.b32encode(data).decode("ascii").rstrip("=").lower()
    return prefix + "-".join(body[i : i + _LINE_GROUP] for i in range(0, len(body), _LINE_GROUP))


@dataclass(frozen=True)
class SigningPublicKey:
    """The administrator's Ed25519 public key: a kiosk shows a notice only if it verifies."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _KEY_BYTES:
            raise KeyFormatError(
                f"an Ed25519 public key is {_KEY_BYTES} bytes; this one is {len(self.raw)}"
            )
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw)
        except ValueError:
            raise KeyFormatError("this signing key is not a usable Ed25519 key") from None

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether signature is this key's Ed25519 signature of message."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def fingerprint(self) -> str:
        """A short form to compare by eye, as PublicKey.fingerprint (another domain)."""
        digest = hashlib.sha256(_SIGNING_FINGERPRINT_DOMAIN + self.raw).digest()
        text = digest[:_FINGERPRINT_BYTES].hex()
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass(frozen=True)
class KeyLine:
    """What a public key line names: the sealing key and, in version 2, the signing key."""

    public_key: PublicKey
    signing_key: SigningPublicKey | None = None

    def line(self) -> str:
        """'tkpub1-…' for the sealing key alone, 'tkpub2-…' with the signing key as well."""
        if self.signing_key is None:
            return self.public_key.line()
        data = self.public_key.raw + self.signing_key.raw
        return _grouped(KEY_LINE_PREFIX_V2, data + _checksum(data, _CHECKSUM_DOMAIN_V2))


def parse_public_key_line(text: str) -> PublicKey:
    """Read a public key line as typed or pasted; case, spaces and dashes do not matter.

    Both line versions name the sealing key; parse_key_line also returns the signing key.
    """
    return parse_key_line(text).public_key


def parse_key_line(text: str) -> KeyLine:
    """Read a 'tkpub1-' or 'tkpub2-' line; case, spaces and dashes do not matter."""
    if "-----BEGIN" in text:
        if "PRIVATE" in text:
            raise KeyFormatError(
                "this is a private key, not the public key line; give the kiosk only the "
                "line from admin-key.pub and keep the private key away from it"
            )
        raise KeyFormatError(f"this is a PEM block, not a key line ({KEY_LINE_PREFIX}…)")
    compact = "".join(ch for ch in text.lower() if not ch.isspace() and ch != "-")
    if not compact:
        raise KeyFormatError("the key line is empty")
    versions = {
        KEY_LINE_PREFIX.rstrip("-"): (KEY_LINE_PREFIX, _LINE_CHARS, _CHECKSUM_DOMAIN),
        KEY_LINE_PREFIX_V2.rstrip("-"): (KEY_LINE_PREFIX_V2, _LINE_CHARS_V2, _CHECKSUM_DOMAIN_V2),
    }
    found = next((v for p, v in versions.items() if compact.startswith(p)), None)
    if found is None:
        raise KeyFormatError(
            f"a key line starts with '{KEY_LINE_PREFIX}' or '{KEY_LINE_PREFIX_V2}'; this one "
            f"starts with '{compact[: len(KEY_LINE_PREFIX) - 1]}'"
        )
    prefix, chars, domain = found
    body = compact[len(prefix) - 1 :]
    for ch in body:
        if ch not in _B32_ALPHABET:
            hint = _LOOKALIKES.get(ch)
            extra = f"; did you mean the letter '{hint}'?" if hint else ""
            raise KeyFormatError(
                f"the key line has a character that cannot be in it: {ch!r}{extra}"
            )
    if len(body) != chars:
        which = "missing" if len(body) < chars else "too many"
        raise KeyFormatError(
            f"the key line has {len(body)} letters and digits after '{prefix}', "
            f"it should have {chars} ({which})"
        )
    data = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    raw, check = data[:-_CHECKSUM_BYTES], data[-_CHECKSUM_BYTES:]
    # The unused low bits of the last character must be zero, or two lines would name one key.
    canonical = base64.b32encode(data).decode("ascii").rstrip("=").lower()
    if canonical != body or check != _checksum(raw, domain):
        raise KeyFormatError("the key line has a typo: the checksum does not match")
    if len(raw) == _KEY_BYTES:
        return KeyLine(PublicKey(raw))
    return KeyLine(PublicKey(raw[:_KEY_BYTES]), SigningPublicKey(raw[_KEY_BYTES:]))


def generate_private_key() -> X25519PrivateKey:
    """A new administrator private key."""
    return X25519PrivateKey.generate()


def public_key_of(private_key: X25519PrivateKey) -> PublicKey:
    """The public key that belongs to a private key."""
    from cryptography.hazmat.primitives import serialization

    return PublicKey(
        private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


def signing_public_key_of(private_key: Ed25519PrivateKey) -> SigningPublicKey:
    """The public half of a signing key."""
    from cryptography.hazmat.primitives import serialization

    return SigningPublicKey(
        private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


def _record_info(version: int, record_id: bytes) -> bytes:
    return _INFO_PREFIX + bytes([version]) + record_id


def seal(public_key: PublicKey, record_id: bytes, plaintext: bytes) -> bytes:
    """Encrypt one record to the administrator; only the private key can open it.

    Layout: version byte (1) || HPKE enc (32) || ChaCha20-Poly1305 ciphertext and tag. The
    version and the record id are bound in HPKE's info, so neither can be changed.
    """
    if len(record_id) != RECORD_ID_BYTES:
        raise ValueError(f"a record id is {RECORD_ID_BYTES} bytes; got {len(record_id)}")
    sealed = _suite().encrypt(
        plaintext, public_key.x25519(), info=_record_info(FORMAT_VERSION, record_id)
    )
    return bytes([FORMAT_VERSION]) + sealed


def seal_blob(public_key: PublicKey, info: bytes, plaintext: bytes) -> bytes:
    """HPKE-seal a small secret that is not a record (a receipt challenge): enc || ct."""
    return _suite().encrypt(plaintext, public_key.x25519(), info=info)


def open_blob(private_key: X25519PrivateKey, info: bytes, blob: bytes) -> bytes:
    """Open what seal_blob sealed with the same info, or raise OpenError."""
    if len(blob) < _ENC_BYTES + _TAG_BYTES:
        raise OpenError("the sealed value is cut short")
    try:
        return _suite().decrypt(blob, private_key, info=info)
    except Exception:
        raise OpenError("the sealed value does not open with this key and context") from None


def open_sealed(private_key: X25519PrivateKey, record_id: bytes, sealed: bytes) -> bytes:
    """Decrypt one sealed record, or raise OpenError if anything about it is wrong."""
    if len(record_id) != RECORD_ID_BYTES:
        raise OpenError(f"a record id is {RECORD_ID_BYTES} bytes; this one is {len(record_id)}")
    if not sealed:
        raise OpenError("the sealed record is empty")
    if sealed[0] not in OPENED_VERSIONS:
        raise OpenError(
            f"the sealed record has format version {sealed[0]}; "
            f"this program opens versions {' and '.join(map(str, OPENED_VERSIONS))}"
        )
    if len(sealed) < SEALED_OVERHEAD:
        raise OpenError(
            f"the sealed record is cut short: {len(sealed)} bytes, "
            f"at least {SEALED_OVERHEAD} expected"
        )
    try:
        return _suite().decrypt(sealed[1:], private_key, info=_record_info(sealed[0], record_id))
    except Exception:
        raise OpenError(
            "the sealed record does not open: it was changed, belongs to another record id, "
            "or was sealed to another key"
        ) from None
