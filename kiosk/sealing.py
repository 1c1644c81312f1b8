"""Encryption at rest: answers are sealed with HPKE to the administrator's public key.

The kiosk holds only the public key, so it can never read what it stores. This module also
owns the administrator's key files, the typeable public key line and key fingerprints. The
byte formats are specified in docs/formats.md.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

# Only X25519 is needed to open a site (the pinned key is checked then). HPKE (the first
# submit) and the key-file ciphers (keygen, the admin's laptop) are imported where they are
# used, which keeps them out of the kiosk's start-up (docs/benchmarks.md).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives import hpke
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.durable import atomic_write

FORMAT_VERSION = 2
"""The sealed-record version this kiosk writes; 1 (payload with language) is still opened."""
OPENED_VERSIONS = (1, 2)
RECORD_ID_BYTES = 16

KEY_LINE_PREFIX = "tkpub1-"
KEY_LINE_PREFIX_V2 = "tkpub2-"
"""A version 2 line carries the sealing key and the administrator's Ed25519 signing key."""
PRIVATE_KEY_FILE = "admin-key.pem"
SIGNING_KEY_FILE = "admin-signing-key.pem"
PUBLIC_KEY_FILE = "admin-key.pub"
MIN_PASSPHRASE_CHARS = 12

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

# scrypt parameters for the admin key file. OpenSSL 3 reads a PEM only if scrypt's memory,
# 128·r·(N + 2) + 128·r·p bytes, stays under its 32 MiB cap: N = 2^14 with r = 15 uses 30 MiB
# (r = 16 or N = 2^15 is refused). p = 2 runs that twice over. Per guess this is 3.75 times the
# work, and 7 times the memory × time, of `openssl pkcs8 -topk8 -scrypt`'s N = 2^14, r = 8.
_SCRYPT_N = 2**14
_SCRYPT_R = 15
_SCRYPT_P = 2
_OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")
_OID_SCRYPT = bytes.fromhex("06092b06010401da47040b")
_OID_AES256_CBC = bytes.fromhex("060960864801650304012a")
_PRIVATE_KEY_PEM = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|PuTTY-User-Key-File-")
_HEAD_BYTES = 4096
_PEM_SCAN_BYTES = 1 << 20
MAX_SCANNED_FILES = 5000


class SealingError(Exception):
    """Base of every expected failure in this module; str() is a sentence for a human."""


class KeyFormatError(SealingError):
    """A public key line, public key file or private key PEM is malformed."""


class WrongPassphrase(SealingError):
    """The passphrase does not decrypt the private key file."""


class WeakPassphrase(SealingError):
    """The passphrase offered for a new key file is empty or too short."""


class KeyExistsError(SealingError):
    """A key file is already there; key files are never overwritten."""


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
                f"line from {PUBLIC_KEY_FILE} and keep the private key away from it"
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


def load_public_key_file(path: Path) -> PublicKey:
    """Read a public key file: one key line, with '#' comment lines and blank lines ignored."""
    return load_key_line_file(path).public_key


def load_key_line_file(path: Path) -> KeyLine:
    """Read a public key file (either line version); errors name the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFormatError(f"{path}: cannot read the public key file ({exc})") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if "-----BEGIN" in text:
        lines = [text]
    if not lines:
        raise KeyFormatError(f"{path}: the file holds no key line")
    if len(lines) > 1:
        raise KeyFormatError(f"{path}: the file should hold one key line; it holds {len(lines)}")
    try:
        return parse_key_line(lines[0])
    except KeyFormatError as exc:
        raise KeyFormatError(f"{path}: {exc}") from None


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


def check_passphrase(passphrase: bytes) -> None:
    """Refuse a passphrase too short to protect the key file."""
    try:
        length = len(passphrase.decode("utf-8"))
    except UnicodeDecodeError:
        length = len(passphrase)
    if length == 0:
        raise WeakPassphrase("the passphrase is empty; the private key needs one")
    if length < MIN_PASSPHRASE_CHARS:
        raise WeakPassphrase(
            f"the passphrase has {length} characters; use at least {MIN_PASSPHRASE_CHARS}"
        )


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    size_bytes = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size_bytes)]) + size_bytes + content


def _der_uint(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _der_seq(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _der_octets(value: bytes) -> bytes:
    return _der(0x04, value)


def private_key_pem(private_key: X25519PrivateKey | Ed25519PrivateKey, passphrase: bytes) -> bytes:
    """The private key as PKCS#8 PEM, encrypted with PBES2 (scrypt, AES-256-CBC).

    cryptography's own PKCS#8 encryption uses PBKDF2 with 2,048 rounds, too few for a
    passphrase; this builds the same standard container with scrypt, which OpenSSL reads.
    """
    from cryptography.hazmat.primitives import padding, serialization
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    check_passphrase(passphrase)
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    salt = secrets.token_bytes(16)
    iv = secrets.token_bytes(16)
    key = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(passphrase)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    scrypt_params = _der_seq(
        _der_octets(salt), _der_uint(_SCRYPT_N), _der_uint(_SCRYPT_R), _der_uint(_SCRYPT_P)
    )
    pbes2_params = _der_seq(
        _der_seq(_OID_SCRYPT, scrypt_params), _der_seq(_OID_AES256_CBC, _der_octets(iv))
    )
    info = _der_seq(_der_seq(_OID_PBES2, pbes2_params), _der_octets(encrypted))
    b64 = base64.b64encode(info).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    pem = "\n".join(
        ["-----BEGIN ENCRYPTED PRIVATE KEY-----", *lines, "-----END ENCRYPTED PRIVATE KEY-----", ""]
    )
    return pem.encode("ascii")


def _load_pem(pem: bytes, passphrase: bytes) -> object:
    from cryptography.hazmat.primitives import serialization

    if b"PRIVATE KEY-----" not in pem:
        raise KeyFormatError("this is not a private key PEM (no 'PRIVATE KEY' block)")
    encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem
    try:
        return serialization.load_pem_private_key(pem, password=passphrase if encrypted else None)
    except ValueError:
        if encrypted:
            # A wrong passphrase can fail the padding check or, rarely, only the DER that
            # follows, so every decryption failure is reported the same way.
            raise WrongPassphrase(
                "the passphrase does not open the private key (if it is right, the file is damaged)"
            ) from None
        raise KeyFormatError(
            "the private key PEM is damaged or in a format not read here"
        ) from None
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"the private key PEM cannot be read ({exc})") from None


def _kind(key: object) -> str:
    return type(key).__name__.removeprefix("_").replace("PrivateKey", "")


def load_private_key(pem: bytes, passphrase: bytes) -> X25519PrivateKey:
    """Decrypt the administrator's private key from its PEM.

    An unencrypted PKCS#8 PEM is read as well, so a key re-exported by OpenSSL still works.
    """
    key = _load_pem(pem, passphrase)
    if not isinstance(key, X25519PrivateKey):
        raise KeyFormatError(f"the PEM holds a {_kind(key)} key, not an X25519 key")
    return key


def load_signing_key(pem: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    """Decrypt the administrator's Ed25519 signing key (admin-signing-key.pem)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = _load_pem(pem, passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"the PEM holds a {_kind(key)} key, not an Ed25519 signing key")
    return key


def load_signing_key_file(path: Path, passphrase: bytes) -> Ed25519PrivateKey:
    """Read and decrypt the signing key file; errors name the file and how to make one."""
    try:
        pem = Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFormatError(
            f"{path} does not exist: this key pair has no signing key yet. Add one with "
            f"kiosk-admin keygen --add-signing-key --out {Path(path).parent}"
        ) from None
    except OSError as exc:
        raise KeyFormatError(f"{path}: cannot read the signing key file ({exc.strerror})") from None
    try:
        return load_signing_key(pem, passphrase)
    except SealingError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def signing_public_key_of(private_key: Ed25519PrivateKey) -> SigningPublicKey:
    """The public half of a signing key."""
    from cryptography.hazmat.primitives import serialization

    return SigningPublicKey(
        private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


def load_private_key_file(path: Path, passphrase: bytes) -> X25519PrivateKey:
    """Read and decrypt the private key file; errors name the file."""
    try:
        pem = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFormatError(f"{path}: cannot read the private key file ({exc.strerror})") from None
    try:
        return load_private_key(pem, passphrase)
    except SealingError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create path (never replacing anything) with data, durable before returning."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise KeyExistsError(f"{path} already exists; it was left unchanged") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _public_text(key_line: KeyLine, note: str = "") -> bytes:
    lines = [
        f"# Trivselskiosk administrator public key, fingerprint {key_line.public_key.fingerprint()}"
    ]
    if key_line.signing_key is not None:
        lines.append(f"# signing key fingerprint {key_line.signing_key.fingerprint()}")
    if note:
        lines.append(f"# {note}")
    return ("\n".join([*lines, key_line.line()]) + "\n").encode("ascii")


def write_keypair(out_dir: Path, passphrase: bytes) -> tuple[Path, Path, str]:
    """Make a new administrator key pair in out_dir, never overwriting a key file.

    Writes the X25519 key (admin-key.pem), the Ed25519 signing key (admin-signing-key.pem),
    both under the same passphrase, and the version 2 line naming both (admin-key.pub).

    Returns:
        (private key path, public key path, fingerprint).
    """
    check_passphrase(passphrase)
    out_dir = Path(out_dir)
    pem_path = out_dir / PRIVATE_KEY_FILE
    pub_path = out_dir / PUBLIC_KEY_FILE
    sign_path = out_dir / SIGNING_KEY_FILE
    for path in (pem_path, pub_path, sign_path):
        if os.path.lexists(path):
            raise KeyExistsError(
                f"{path} already exists and was left unchanged; move it away first if you "
                "really want a new key (records sealed to the old key need the old private key)"
            )
    if not out_dir.is_dir():
        out_dir.mkdir(mode=0o700, parents=True)
        # mkdir's mode passes through the umask; the folder of a private key is for its owner.
        out_dir.chmod(0o700)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_key = generate_private_key()
    signing_key = Ed25519PrivateKey.generate()
    key_line = KeyLine(public_key_of(private_key), signing_public_key_of(signing_key))
    written: list[Path] = []
    try:
        for path, data, mode in (
            (pem_path, private_key_pem(private_key, passphrase), 0o600),
            (sign_path, private_key_pem(signing_key, passphrase), 0o600),
            (pub_path, _public_text(key_line), 0o644),
        ):
            _write_new_file(path, data, mode)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    _fsync_dir(out_dir)
    return pem_path, pub_path, key_line.public_key.fingerprint()


def add_signing_key(out_dir: Path, passphrase: bytes) -> KeyLine:
    """Give an existing key pair (from before signing keys) its Ed25519 signing key.

    The passphrase must open admin-key.pem (the new file gets the same one). admin-key.pub is
    then replaced by the version 2 line, which names the same sealing key, so nothing a kiosk
    or an admin store relies on changes; the old line stays in the file as a comment.

    Returns:
        The new key line (sealing and signing key).
    """
    out_dir = Path(out_dir)
    pem_path = out_dir / PRIVATE_KEY_FILE
    pub_path = out_dir / PUBLIC_KEY_FILE
    sign_path = out_dir / SIGNING_KEY_FILE
    if os.path.lexists(sign_path):
        raise KeyExistsError(f"{sign_path} already exists; this key pair has its signing key")
    public_key = public_key_of(load_private_key_file(pem_path, passphrase))
    old = load_key_line_file(pub_path)
    if old.public_key != public_key:
        raise KeyFormatError(f"{pub_path} names another key than {pem_path}; nothing was changed")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signing_key = Ed25519PrivateKey.generate()
    key_line = KeyLine(public_key, signing_public_key_of(signing_key))
    _write_new_file(sign_path, private_key_pem(signing_key, passphrase), 0o600)
    try:
        atomic_write(pub_path, _public_text(key_line, f"before the signing key: {old.line()}"))
    except BaseException:
        sign_path.unlink(missing_ok=True)
        raise
    _fsync_dir(out_dir)
    return key_line


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


def _looks_like_private_key(path: Path) -> bool:
    limit = _PEM_SCAN_BYTES if path.suffix.lower() in (".pem", ".key") else _HEAD_BYTES
    try:
        with path.open("rb") as handle:
            head = handle.read(limit)
    except OSError:
        return False
    return _PRIVATE_KEY_PEM.search(head) is not None


def find_private_keys(*folders: Path, max_files: int = MAX_SCANNED_FILES) -> list[Path]:
    """Every file in folders that looks like a private key, so the kiosk can refuse to start.

    Symlinked folders are followed only when they stay inside the folder being searched; the
    walk stops after max_files files so a huge tree cannot stall the start.
    """
    found: list[Path] = []
    scanned = 0
    for folder in folders:
        folder = Path(folder)
        if folder.is_file():
            if _looks_like_private_key(folder):
                found.append(folder)
            continue
        if not folder.is_dir():
            continue
        root = folder.resolve()
        visited: set[Path] = set()
        pending = [folder]
        while pending:
            current = pending.pop()
            real = current.resolve()
            if real in visited:
                continue
            visited.add(real)
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                path = Path(entry.path)
                try:
                    is_dir = entry.is_dir()
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    if not entry.is_symlink() or path.resolve().is_relative_to(root):
                        pending.append(path)
                elif is_file:
                    scanned += 1
                    if scanned > max_files:
                        return found
                    if _looks_like_private_key(path):
                        found.append(path)
    return found
