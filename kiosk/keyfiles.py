"""The administrator's key files: passphrase-protected PEMs, the public key file, keygen.

The private keys are PKCS#8 PEMs encrypted with scrypt (OpenSSL reads them); the public key
file holds one key line (kiosk/sealing.py reads and writes the line itself). Key files are
made once and never overwritten. The byte formats are specified in docs/formats.md.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

# The key-file ciphers and Ed25519 (keygen, the admin's laptop) are imported where they are
# used, which keeps them out of the kiosk's start-up (docs/benchmarks.md).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.durable import atomic_write
from kiosk.sealing import (
    KeyFormatError,
    KeyLine,
    PublicKey,
    SealingError,
    generate_private_key,
    parse_key_line,
    public_key_of,
    signing_public_key_of,
)

PRIVATE_KEY_FILE = "admin-key.pem"
SIGNING_KEY_FILE = "admin-signing-key.pem"
PUBLIC_KEY_FILE = "admin-key.pub"
MIN_PASSPHRASE_CHARS = 12

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


class WrongPassphrase(SealingError):
    """The passphrase does not decrypt the private key file."""


class WeakPassphrase(SealingError):
    """The passphrase offered for a new key file is empty or too short."""


class KeyExistsError(SealingError):
    """A key file is already there; key files are never overwritten."""


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
