"""Sealing: HPKE records, key files, the public key line and the private-key guard."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from kiosk import records
from kiosk.keyfiles import (
    KeyExistsError,
    WeakPassphrase,
    WrongPassphrase,
    load_private_key,
    load_private_key_file,
    load_public_key_file,
    private_key_pem,
    write_keypair,
)
from kiosk.keyscan import find_private_keys
from kiosk.sealing import (
    FORMAT_VERSION,
    KEY_LINE_PREFIX,
    RECORD_ID_BYTES,
    SEALED_OVERHEAD,
    KeyFormatError,
    OpenError,
    PublicKey,
    generate_private_key,
    new_record_id,
    open_sealed,
    parse_public_key_line,
    public_key_of,
    seal,
)

FORMATS_MD = Path(__file__).resolve().parent.parent / "docs" / "formats.md"
PASSPHRASE = b"correct horse battery"
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


@pytest.fixture(scope="module")
def private_key() -> X25519PrivateKey:
    return generate_private_key()


@pytest.fixture(scope="module")
def public_key(private_key: X25519PrivateKey) -> PublicKey:
    return public_key_of(private_key)


@pytest.fixture(scope="module")
def sample(public_key: PublicKey) -> tuple[bytes, bytes, bytes]:
    """(record id, plaintext, sealed) for a 64-byte plaintext."""
    record_id = new_record_id()
    plaintext = bytes(range(64))
    return record_id, plaintext, seal(public_key, record_id, plaintext)


def independent_hpke_open(private_raw: bytes, info: bytes, enc: bytes, ct: bytes) -> bytes:
    """RFC 9180 base-mode OpenBase with the suite of docs/formats.md, no HPKE library."""

    def extract(salt: bytes, ikm: bytes) -> bytes:
        return hmac.new(salt, ikm, hashlib.sha256).digest()

    def expand(prk: bytes, info: bytes, length: int) -> bytes:
        out, block, counter = b"", b"", 1
        while len(out) < length:
            block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
            out, counter = out + block, counter + 1
        return out[:length]

    def labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
        return extract(salt, b"HPKE-v1" + suite + label + ikm)

    def labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, n: int) -> bytes:
        return expand(prk, n.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, n)

    sk = X25519PrivateKey.from_private_bytes(private_raw)
    pk_r = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    dh = sk.exchange(X25519PublicKey.from_public_bytes(enc))
    kem = b"KEM\x00\x20"
    eae_prk = labeled_extract(kem, b"", b"eae_prk", dh)
    shared = labeled_expand(kem, eae_prk, b"shared_secret", enc + pk_r, 32)
    hpke = b"HPKE\x00\x20\x00\x01\x00\x03"
    context = (
        b"\x00"
        + labeled_extract(hpke, b"", b"psk_id_hash", b"")
        + labeled_extract(hpke, b"", b"info_hash", info)
    )
    secret = labeled_extract(hpke, shared, b"secret", b"")
    key = labeled_expand(hpke, secret, b"key", context, 32)
    nonce = labeled_expand(hpke, secret, b"base_nonce", context, 12)
    return ChaCha20Poly1305(key).decrypt(nonce, ct, b"")


def independent_open(private_raw: bytes, info: bytes, sealed: bytes) -> bytes:
    """Open a sealed record from docs/formats.md alone: RFC 9180 written out, no HPKE library."""
    assert sealed[0] in (1, 2) and info[22] == sealed[0]
    return independent_hpke_open(private_raw, info, sealed[1:33], sealed[33:])


def record_info(record_id: bytes, version: int = FORMAT_VERSION) -> bytes:
    return b"trivselskiosk/record/v" + bytes([version]) + record_id


# --- sealing -----------------------------------------------------------------------------


def test_round_trip(private_key: X25519PrivateKey, public_key: PublicKey) -> None:
    record_id = new_record_id()
    for plaintext in (b"", b"x", "blåbærgrød".encode() * 100):
        sealed = seal(public_key, record_id, plaintext)
        assert len(sealed) == len(plaintext) + SEALED_OVERHEAD
        assert sealed[0] == FORMAT_VERSION
        assert open_sealed(private_key, record_id, sealed) == plaintext


def test_sealing_twice_gives_different_records(public_key: PublicKey) -> None:
    record_id = new_record_id()
    first = seal(public_key, record_id, b"same answer")
    second = seal(public_key, record_id, b"same answer")
    assert first != second
    assert first[1:33] != second[1:33]


def test_the_documented_construction_opens_a_fresh_record() -> None:
    raw = os.urandom(32)
    private_key = X25519PrivateKey.from_private_bytes(raw)
    record_id = new_record_id()
    sealed = seal(public_key_of(private_key), record_id, b'{"a":1}')
    assert independent_open(raw, record_info(record_id), sealed) == b'{"a":1}'


def test_record_ids_are_random_and_16_bytes() -> None:
    ids = {new_record_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(record_id) == RECORD_ID_BYTES for record_id in ids)


def test_every_bit_flip_is_rejected(
    private_key: X25519PrivateKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    record_id, plaintext, sealed = sample
    assert open_sealed(private_key, record_id, sealed) == plaintext
    for index in range(len(sealed)):
        for bit in range(8):
            flipped = bytearray(sealed)
            flipped[index] ^= 1 << bit
            with pytest.raises(OpenError):
                open_sealed(private_key, record_id, bytes(flipped))


def test_every_truncation_is_rejected(
    private_key: X25519PrivateKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    record_id, _, sealed = sample
    for length in range(len(sealed)):
        with pytest.raises(OpenError):
            open_sealed(private_key, record_id, sealed[:length])


def test_appended_bytes_are_rejected(
    private_key: X25519PrivateKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    record_id, _, sealed = sample
    for extra in (b"\x00", b"\x01", os.urandom(16)):
        with pytest.raises(OpenError):
            open_sealed(private_key, record_id, sealed + extra)


def test_a_record_moved_to_another_id_is_rejected(
    private_key: X25519PrivateKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    record_id, _, sealed = sample
    other = bytearray(record_id)
    other[-1] ^= 1
    with pytest.raises(OpenError, match="another record id"):
        open_sealed(private_key, bytes(other), sealed)
    with pytest.raises(OpenError):
        open_sealed(private_key, new_record_id(), sealed)


def test_the_wrong_private_key_is_rejected(sample: tuple[bytes, bytes, bytes]) -> None:
    record_id, _, sealed = sample
    with pytest.raises(OpenError, match="another key"):
        open_sealed(generate_private_key(), record_id, sealed)


def test_another_version_byte_is_rejected(
    private_key: X25519PrivateKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    record_id, _, sealed = sample
    for version in (0, 3, 255):
        with pytest.raises(OpenError, match=f"format version {version}"):
            open_sealed(private_key, record_id, bytes([version]) + sealed[1:])
    # The other known version is bound in info: relabelling a record makes it not open.
    with pytest.raises(OpenError, match="does not open"):
        open_sealed(private_key, record_id, b"\x01" + sealed[1:])


def test_record_ids_of_other_lengths_are_refused(
    private_key: X25519PrivateKey, public_key: PublicKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    _, _, sealed = sample
    for bad in (b"", bytes(15), bytes(17), bytes(32)):
        with pytest.raises(ValueError, match="16 bytes"):
            seal(public_key, bad, b"x")
        with pytest.raises(OpenError, match="16 bytes"):
            open_sealed(private_key, bad, sealed)


def test_short_and_empty_records_say_so(
    private_key: X25519PrivateKey, sample: tuple[bytes, bytes, bytes]
) -> None:
    record_id, _, sealed = sample
    with pytest.raises(OpenError, match="empty"):
        open_sealed(private_key, record_id, b"")
    with pytest.raises(OpenError, match="cut short: 20 bytes"):
        open_sealed(private_key, record_id, sealed[:20])


# --- the public key line -----------------------------------------------------------------


def test_key_line_round_trip(public_key: PublicKey) -> None:
    line = public_key.line()
    assert line.startswith(KEY_LINE_PREFIX)
    assert len(line) <= 80
    assert re.fullmatch(r"tkpub1(-[a-z2-7]{5}){11}-[a-z2-7]{3}", line)
    assert parse_public_key_line(line) == public_key


def test_every_single_character_substitution_is_rejected(public_key: PublicKey) -> None:
    line = public_key.line()
    start = len(KEY_LINE_PREFIX)
    positions = [i for i in range(start, len(line)) if line[i] != "-"]
    assert len(positions) == 58
    for i in positions:
        for ch in ALPHABET:
            if ch == line[i]:
                continue
            typo = line[:i] + ch + line[i + 1 :]
            with pytest.raises(KeyFormatError, match="checksum does not match"):
                parse_public_key_line(typo)


def test_key_line_ignores_case_spaces_and_dashes(public_key: PublicKey) -> None:
    line = public_key.line()
    body = line[len(KEY_LINE_PREFIX) :].replace("-", "")
    variants = [
        line.upper(),
        "tkpub1" + body,
        "  " + line.replace("-", " ") + "\n",
        "TkPub1-" + " - ".join(body[i : i + 4] for i in range(0, len(body), 4)),
        line.replace("-", "--"),
    ]
    for variant in variants:
        assert parse_public_key_line(variant) == public_key


def test_key_line_errors_say_what_is_wrong(public_key: PublicKey) -> None:
    line = public_key.line()
    body = line[len(KEY_LINE_PREFIX) :]
    with pytest.raises(
        KeyFormatError, match="starts with 'tkpub1-' or 'tkpub2-'; this one starts with 'tkpub3'"
    ):
        parse_public_key_line("tkpub3-" + body)
    with pytest.raises(KeyFormatError, match="empty"):
        parse_public_key_line(" - ")
    with pytest.raises(KeyFormatError, match=r"'0'; did you mean the letter 'o'"):
        parse_public_key_line(KEY_LINE_PREFIX + "0" + body[1:])
    with pytest.raises(KeyFormatError, match=r"cannot be in it: '!'"):
        parse_public_key_line(line + "!")
    with pytest.raises(KeyFormatError, match=r"57 letters and digits.*should have 58"):
        parse_public_key_line(line[:-1])
    with pytest.raises(KeyFormatError, match="59 letters"):
        parse_public_key_line(line + "a")
    pem = private_key_pem(generate_private_key(), PASSPHRASE).decode()
    with pytest.raises(KeyFormatError, match="private key, not the public key line"):
        parse_public_key_line(pem)


def test_the_last_character_must_have_zero_spare_bits(public_key: PublicKey) -> None:
    line = public_key.line()
    last = ALPHABET.index(line[-1])
    for spare in (1, 2, 3):
        typo = line[:-1] + ALPHABET[last ^ spare]
        with pytest.raises(KeyFormatError, match="checksum does not match"):
            parse_public_key_line(typo)


def test_fingerprint_shape_and_dependence_on_the_key(public_key: PublicKey) -> None:
    fingerprint = public_key.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){3}", fingerprint)
    expected = hashlib.sha256(b"trivselskiosk/fingerprint/v1" + public_key.raw).hexdigest()[:16]
    assert fingerprint.replace(" ", "") == expected
    assert public_key_of(generate_private_key()).fingerprint() != fingerprint


def test_unusable_public_keys_are_refused() -> None:
    with pytest.raises(KeyFormatError, match="31"):
        PublicKey(bytes(31))
    with pytest.raises(KeyFormatError, match="not a usable X25519 key"):
        PublicKey(bytes(32))


def test_public_key_file_with_comments(tmp_path: Path, public_key: PublicKey) -> None:
    path = tmp_path / "admin.pub"
    path.write_text(f"# a comment\n\n  # another\n{public_key.line()}\n", encoding="utf-8")
    assert load_public_key_file(path) == public_key
    path.write_text(f"{public_key.line()}\n{public_key.line()}\n", encoding="utf-8")
    with pytest.raises(KeyFormatError, match=r"admin\.pub: .*one key line; it holds 2"):
        load_public_key_file(path)
    path.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(KeyFormatError, match=r"admin\.pub: the file holds no key line"):
        load_public_key_file(path)
    with pytest.raises(KeyFormatError, match=r"missing\.pub: cannot read"):
        load_public_key_file(tmp_path / "missing.pub")


# --- the private key PEM -----------------------------------------------------------------


def test_pem_loads_with_the_right_passphrase(private_key: X25519PrivateKey) -> None:
    pem = private_key_pem(private_key, PASSPHRASE)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert PASSPHRASE not in pem
    loaded = load_private_key(pem, PASSPHRASE)
    assert public_key_of(loaded) == public_key_of(private_key)


def test_pem_refuses_a_wrong_passphrase(private_key: X25519PrivateKey) -> None:
    pem = private_key_pem(private_key, PASSPHRASE)
    with pytest.raises(WrongPassphrase, match="passphrase does not open"):
        load_private_key(pem, b"correct horse battery!")


def test_pem_refuses_other_keys_and_garbage() -> None:
    ed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )
    with pytest.raises(KeyFormatError, match="Ed25519 key, not an X25519 key"):
        load_private_key(ed, PASSPHRASE)
    with pytest.raises(KeyFormatError, match="not a private key PEM"):
        load_private_key(b"tkpub1-abc", PASSPHRASE)
    with pytest.raises(KeyFormatError, match="damaged"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", b"")


def test_pem_refuses_short_passphrases(private_key: X25519PrivateKey) -> None:
    with pytest.raises(WeakPassphrase, match="empty"):
        private_key_pem(private_key, b"")
    with pytest.raises(WeakPassphrase, match="7 characters; use at least 12"):
        private_key_pem(private_key, "æøåæøåæ".encode())
    with pytest.raises(WeakPassphrase, match="11 characters; use at least 12"):
        private_key_pem(private_key, b"hunter2hunt")


def scrypt_parameters(pem: bytes) -> tuple[int, int, int]:
    """(N, r, p) read back out of the PEM's DER, where the salt's OCTET STRING ends."""
    import base64

    der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    salt = der.index(bytes.fromhex("0410")) + 18  # OCTET STRING of the 16-byte salt
    values = []
    for _ in range(3):
        assert der[salt] == 0x02
        length = der[salt + 1]
        values.append(int.from_bytes(der[salt + 2 : salt + 2 + length], "big"))
        salt += 2 + length
    return values[0], values[1], values[2]


def test_the_key_file_costs_7_times_the_old_scrypt_and_stays_readable_by_openssl(
    private_key: X25519PrivateKey,
) -> None:
    n, r, p = scrypt_parameters(private_key_pem(private_key, PASSPHRASE))
    assert (n, r, p) == (2**14, 15, 2)
    memory = 128 * r * (n + 2) + 128 * r * p
    assert memory < 32 * 1024 * 1024  # OpenSSL 3's cap for a PEM (test below reads it)
    old_memory_time = (2**14 * 8) ** 2
    assert (n * r) ** 2 * p >= 7 * old_memory_time


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_reads_the_pem(tmp_path: Path, private_key: X25519PrivateKey) -> None:
    path = tmp_path / "admin-key.pem"
    path.write_bytes(private_key_pem(private_key, PASSPHRASE))
    passin = "pass:" + PASSPHRASE.decode()
    check = subprocess.run(
        ["openssl", "pkey", "-in", str(path), "-passin", passin, "-noout"],
        capture_output=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr.decode()
    wrong = subprocess.run(
        ["openssl", "pkey", "-in", str(path), "-passin", "pass:nope-nope", "-noout"],
        capture_output=True,
        check=False,
    )
    assert wrong.returncode != 0
    spki = subprocess.run(
        ["openssl", "pkey", "-in", str(path), "-passin", passin, "-pubout", "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout
    assert spki[-32:] == public_key_of(private_key).raw


# --- key files ---------------------------------------------------------------------------


def test_write_keypair_makes_matching_files(tmp_path: Path) -> None:
    out = tmp_path / "keys"
    pem_path, pub_path, fingerprint = write_keypair(out, PASSPHRASE)
    assert (pem_path, pub_path) == (out / "admin-key.pem", out / "admin-key.pub")
    assert stat.S_IMODE(pem_path.stat().st_mode) == 0o600
    public_key = load_public_key_file(pub_path)
    assert public_key.fingerprint() == fingerprint
    assert fingerprint in pub_path.read_text(encoding="utf-8").splitlines()[0]
    private_key = load_private_key_file(pem_path, PASSPHRASE)
    record_id = new_record_id()
    assert open_sealed(private_key, record_id, seal(public_key, record_id, b"hi")) == b"hi"
    with pytest.raises(WrongPassphrase, match=r"admin-key\.pem: "):
        load_private_key_file(pem_path, b"not the passphrase")


def test_write_keypair_never_overwrites(tmp_path: Path) -> None:
    pem_path, pub_path, _ = write_keypair(tmp_path, PASSPHRASE)
    before = pem_path.read_bytes(), pub_path.read_bytes()
    with pytest.raises(KeyExistsError, match=r"admin-key\.pem already exists"):
        write_keypair(tmp_path, PASSPHRASE)
    assert (pem_path.read_bytes(), pub_path.read_bytes()) == before

    only_pub = tmp_path / "only-pub"
    only_pub.mkdir()
    (only_pub / "admin-key.pub").write_text("old key line\n", encoding="utf-8")
    with pytest.raises(KeyExistsError, match=r"admin-key\.pub already exists"):
        write_keypair(only_pub, PASSPHRASE)
    assert sorted(p.name for p in only_pub.iterdir()) == ["admin-key.pub"]
    assert (only_pub / "admin-key.pub").read_text(encoding="utf-8") == "old key line\n"


def test_keygen_makes_its_keys_folder_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.cli import admin_main

    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE.decode())
    assert admin_main(["keygen", "--out", str(tmp_path / "home" / "keys")]) == 0
    assert stat.S_IMODE((tmp_path / "home" / "keys").stat().st_mode) == 0o700
    old = os.umask(0)
    try:
        write_keypair(tmp_path / "wide-open-umask", PASSPHRASE)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "wide-open-umask").stat().st_mode) == 0o700


def test_write_keypair_refuses_short_passphrases(tmp_path: Path) -> None:
    for weak in (b"", b"1234567", b"12345678901"):
        with pytest.raises(WeakPassphrase):
            write_keypair(tmp_path / "keys", weak)
    assert not (tmp_path / "keys").exists()


# --- the private key guard ---------------------------------------------------------------


def test_find_private_keys_finds_a_planted_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    nested = data / "segments" / "old" / "deep"
    nested.mkdir(parents=True)
    (data / "segments" / "0001.json").write_text('{"records": []}', encoding="utf-8")
    planted = nested / "backup.txt"
    planted.write_bytes(private_key_pem(generate_private_key(), PASSPHRASE))
    _, pub_path, _ = write_keypair(data / "keys", PASSPHRASE)
    public_pem = (
        generate_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (data / "public.pem").write_bytes(public_pem)
    ssh = data / "id_ed25519"
    ssh.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", encoding="utf-8")
    chain = data / "chain.pem"
    chain.write_bytes(b"x" * 10_000 + b"\n-----BEGIN PRIVATE KEY-----\n")

    found = find_private_keys(data, tmp_path / "missing")
    keys = [data / "keys" / "admin-key.pem", data / "keys" / "admin-signing-key.pem"]
    assert sorted(found) == sorted([planted, *keys, ssh, chain])
    assert pub_path not in found
    assert find_private_keys(tmp_path / "missing") == []


def test_find_private_keys_stays_inside_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "admin-key.pem").write_bytes(private_key_pem(generate_private_key(), PASSPHRASE))
    config = tmp_path / "config"
    (config / "inner").mkdir(parents=True)
    (config / "inner" / "k.pem").write_text("-----BEGIN EC PRIVATE KEY-----\n", encoding="utf-8")
    (config / "elsewhere").symlink_to(outside, target_is_directory=True)
    (config / "loop").symlink_to(config, target_is_directory=True)
    assert find_private_keys(config) == [config / "inner" / "k.pem"]


def test_find_private_keys_caps_the_walk(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i:02}.txt").write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    assert len(find_private_keys(tmp_path)) == 30
    assert len(find_private_keys(tmp_path, max_files=10)) == 10


# --- docs/formats.md ---------------------------------------------------------------------


def test_the_worked_example_in_formats_md_opens() -> None:
    text = FORMATS_MD.read_text(encoding="utf-8")

    def field(label: str) -> str:
        match = re.search(rf"^{re.escape(label)}\s*: (.+)$", text, re.MULTILINE)
        assert match, label
        return match.group(1).strip()

    private_raw = bytes.fromhex(field("private key (raw X25519)"))
    record_id = bytes.fromhex(field("record id"))
    block = re.search(r"```sealed-record\n(.+?)```", text, re.DOTALL)
    assert block
    sealed = bytes.fromhex("".join(block.group(1).split()))
    private_key = X25519PrivateKey.from_private_bytes(private_raw)
    public_key = public_key_of(private_key)

    assert public_key.raw.hex() == field("public key (raw X25519)")
    assert public_key.line() == field("public key line")
    assert public_key.fingerprint() == field("fingerprint")
    assert record_info(record_id, 1).hex() == field("info")
    plaintext = bytes.fromhex(field("plaintext"))
    assert open_sealed(private_key, record_id, sealed) == plaintext
    assert independent_open(private_raw, bytes.fromhex(field("info")), sealed) == plaintext


def independent_payload(plaintext: bytes, instrument_file: Path) -> dict[str, object]:
    """Decode a format-2 payload from docs/formats.md and the instrument's TOML alone."""
    import json
    import tomllib

    body = plaintext.rstrip(b"\x00")
    assert body[-1] == 0x80
    raw = json.loads(body[:-1])
    assert (
        json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        == (body[:-1])
    )
    assert sorted(raw) == ["a", "d", "h", "i", "iv", "k", "s", "v"] and raw["v"] == 2
    spec = tomllib.loads(instrument_file.read_text(encoding="utf-8"))
    assert (raw["i"], raw["iv"]) == (spec["id"], spec["version"])
    shared = [option["id"] for option in spec.get("options", [])]
    items = [
        (item["id"], item["kind"], [o["id"] for o in item.get("options", [])] or (
            shared if item["kind"] == "choice" else []))
        for item in spec["items"]
    ]  # fmt: skip
    shape = json.dumps([list(item) for item in items], separators=(",", ":")).encode()
    tag = hashlib.sha256(b"trivselskiosk/instrument-shape/v1" + shape).hexdigest()[:8]
    assert raw["h"] == tag
    assert len(raw["a"]) == len(items)
    answers = {
        item_id: (options[value] if kind == "choice" and value is not None else value)
        for (item_id, kind, options), value in zip(items, raw["a"], strict=True)
    }
    return {"kiosk": raw["k"], "site": raw["s"], "week": raw["d"], "answers": answers}


def test_the_format_2_worked_example_in_formats_md_opens_and_decodes() -> None:
    text = FORMATS_MD.read_text(encoding="utf-8")

    def field(label: str) -> str:
        match = re.search(rf"^{re.escape(label)}\s*: (.+)$", text, re.MULTILINE)
        assert match, label
        return match.group(1).strip()

    private_raw = bytes.fromhex(field("private key (raw X25519)"))
    record_id = bytes.fromhex(field("record id (v2)"))
    info = bytes.fromhex(field("info (v2)"))
    block = re.search(r"```sealed-record-v2\n(.+?)```", text, re.DOTALL)
    assert block
    sealed = bytes.fromhex("".join(block.group(1).split()))
    assert sealed[0] == 2 and info == record_info(record_id, 2) and len(sealed) == 305
    plaintext = independent_open(private_raw, info, sealed)
    assert len(plaintext) == 256
    instrument_file = FORMATS_MD.parent.parent / "config" / "instruments" / "psych_safety.toml"
    decoded = independent_payload(plaintext, instrument_file)
    assert decoded == {
        "kiosk": "3c9e0a51d2f4b867",
        "site": "Testafdeling",
        "week": "2026-W10",
        "answers": {
            "mistakes_held_against": "uenig",
            "raise_problems": "enig",
            "reject_different": "meget_uenig",
            "safe_to_take_risk": "enig",
            "hard_to_ask_for_help": None,
            "no_undermining": "neutral",
            "skills_valued": "meget_enig",
        },
    }
    # The program's own reader agrees with the independent one.
    opened = records.parse(
        open_sealed(X25519PrivateKey.from_private_bytes(private_raw), record_id, sealed)
    )
    assert (opened.kiosk_id, opened.site, opened.period, opened.answers) == (
        decoded["kiosk"], decoded["site"], decoded["week"], decoded["answers"])  # fmt: skip


def test_the_independent_reader_decodes_fresh_kiosk_records() -> None:
    from datetime import date

    from kiosk.simulate import random_answer

    raw = os.urandom(32)
    private_key = X25519PrivateKey.from_private_bytes(raw)
    rng = __import__("random").Random(3)
    folder = FORMATS_MD.parent.parent / "config" / "instruments"
    for instrument in records.default_catalogue().values():
        answers = {item.id: random_answer(item, rng) for item in instrument.items}
        plaintext = records.build(
            instrument, answers, date(2026, 3, 2), kiosk_id="00112233445566ff", site="Aftryk Ø"
        )
        record_id = new_record_id()
        sealed = seal(public_key_of(private_key), record_id, plaintext)
        opened = independent_open(raw, record_info(record_id), sealed)
        decoded = independent_payload(opened, folder / f"{instrument.id}.toml")
        assert decoded["answers"] == answers and decoded["site"] == "Aftryk Ø"
