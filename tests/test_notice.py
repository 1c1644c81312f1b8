"""Signed notices: the format read by an independent reader, and every refusal the issue names.

The keys are the real keygen's (conftest's session key pair, with its signing key); sites are
real site folders; refusals are checked in the operational log too.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PASSPHRASE, AdminKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from notice_spec import read_notice

from kiosk.admin.model import Cell, Measure
from kiosk.admin.notice_build import (
    HeadlineRequest,
    NoticeBuildError,
    build_notice,
    pick_headlines,
    sign_notice,
)
from kiosk.admin.plan import Action
from kiosk.cli import kiosk_main
from kiosk.instruments import Text
from kiosk.keyfiles import (
    SIGNING_KEY_FILE,
    add_signing_key,
    load_key_line_file,
    load_signing_key_file,
    write_keypair,
)
from kiosk.notice import (
    Headline,
    Notice,
    NoticeRefused,
    import_notice,
    load_stored,
    verify_notice,
)
from kiosk.oplog import read_log
from kiosk.sealing import (
    KeyFormatError,
    KeyLine,
    parse_key_line,
    public_key_of,
    signing_public_key_of,
)
from kiosk.site import SiteError, open_site, pin_signing_key

TODAY = date(2026, 3, 4)
SITE = "Testafdeling"


@pytest.fixture(scope="session")
def signing_key(key_files: tuple[Path, Path, X25519PrivateKey]) -> Ed25519PrivateKey:
    """The session key pair's signing key, as keygen wrote it."""
    pem, _, _ = key_files
    return load_signing_key_file(pem.parent / SIGNING_KEY_FILE, PASSPHRASE.encode())


@pytest.fixture
def key_line(admin_key: AdminKey) -> KeyLine:
    """The administrator's tkpub2- line (keygen's admin-key.pub)."""
    return load_key_line_file(admin_key.pub_path)


@pytest.fixture
def pinned(site_dir: Path, key_line: KeyLine) -> Path:
    """The test site with the administrator's signing key pinned."""
    assert pin_signing_key(site_dir, key_line)
    return site_dir


def action(status: str = "open", number: int = 1) -> Action:
    return Action(
        id=number,
        heard=Text("Travlt i perioder", "Busy at times"),
        do=Text("Fast ugemøde om opgaverne", "A weekly meeting about the work"),
        who="Teamleder",
        by=date(2026, 4, 1),
        status=status,
        focus="support",
        site=SITE,
        created=TODAY,
    )


def notice(**changes: object) -> Notice:
    made = build_notice(
        [action(), action("done", 2)],
        site=SITE,
        valid_from=date(2026, 3, 1),
        valid_until=date(2026, 4, 30),
        now=datetime(2026, 3, 1, 12, 0, 0),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def verify(data: bytes, line: KeyLine, *, site: str = SITE, today: date = TODAY) -> Notice:
    return verify_notice(
        data, signing_key=line.signing_key, site_name=site, min_group=5, today=today
    )


# --- the format, read from the spec ----------------------------------------------------------


def test_a_notice_reads_the_same_with_the_independent_reader(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    original = notice(
        headlines=(Headline("support", "total", "2026-02", Text("Støtte", "Support"), 12, 3.25),)
    )
    data = sign_notice(original, signing_key)
    assert verify(data, key_line) == original
    body = read_notice(data, key_line.line(), SITE, TODAY)
    assert isinstance(body, dict)
    assert body["title"] == {"da": "Det har I sagt – det gør vi", "en": original.title.en}
    assert [a["status"] for a in body["actions"]] == ["open", "done"]
    assert body["actions"][0]["do"]["en"] == "A weekly meeting about the work"
    assert body["headlines"][0]["n"] == 12
    assert read_notice(data, key_line.line(), "Andet sted", TODAY) == "site"
    assert read_notice(data, key_line.line(), SITE, date(2026, 5, 1)) == "dates"


def test_the_reader_refuses_what_the_kiosk_refuses(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    data = bytearray(sign_notice(notice(), signing_key))
    outer = json.loads(data)
    body = bytearray(base64.b64decode(outer["body"]))
    body[body.index(b"Travlt")] ^= 0x20
    outer["body"] = base64.b64encode(bytes(body)).decode()
    forged = json.dumps(outer).encode()
    assert read_notice(forged, key_line.line(), SITE, TODAY) == "signature"
    with pytest.raises(NoticeRefused) as refused:
        verify(forged, key_line)
    assert refused.value.reason == "signature"


# --- refusals ------------------------------------------------------------------------------


def test_every_single_bit_flip_is_refused(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    data = sign_notice(notice(), signing_key)
    reasons: set[str] = set()
    for position in range(len(data)):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[position] ^= 1 << bit
            with pytest.raises(NoticeRefused) as refused:
                verify(bytes(flipped), key_line)
            reasons.add(refused.value.reason)
    assert reasons == {"format", "signer", "signature"}


def test_a_notice_signed_with_another_key_is_refused(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    other = Ed25519PrivateKey.generate()
    honest = sign_notice(notice(), other)
    with pytest.raises(NoticeRefused, match="not signed by the administrator this kiosk trusts"):
        verify(honest, key_line)
    # A forger who copies the trusted key's fingerprint into the file gets no further.
    outer = json.loads(honest)
    outer["signer"] = signing_public_key_of(signing_key).fingerprint()
    lying = json.dumps(outer).encode()
    with pytest.raises(NoticeRefused) as refused:
        verify(lying, key_line)
    assert refused.value.reason == "signature"


def test_an_expired_notice_is_refused_and_the_last_day_is_not(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    data = sign_notice(notice(), signing_key)
    assert verify(data, key_line, today=date(2026, 4, 30)).valid_until == date(2026, 4, 30)
    with pytest.raises(NoticeRefused, match="valid until 2026-04-30 and has expired") as refused:
        verify(data, key_line, today=date(2026, 5, 1))
    assert refused.value.reason == "expired"


def test_a_notice_for_another_site_is_refused(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    data = sign_notice(notice(site="Lager Nord"), signing_key)
    with pytest.raises(NoticeRefused, match="for the site 'Lager Nord'; this kiosk is") as refused:
        verify(data, key_line)
    assert refused.value.reason == "site"


def test_a_signed_notice_with_a_small_groups_number_is_refused(
    signing_key: Ed25519PrivateKey, key_line: KeyLine
) -> None:
    small = Headline("support", "total", "2026-W09", Text("Støtte", "Support"), 3, 4.67)
    data = sign_notice(notice(headlines=(small,)), signing_key)
    with pytest.raises(NoticeRefused, match="no number for fewer than 5 people") as refused:
        verify(data, key_line)
    assert refused.value.reason == "small_group"


LABELS = {("support", "total"): Text("Støtte", "Support")}


def test_headlines_come_only_from_published_cells() -> None:
    cells = [
        Cell("support", SITE, "2026-02", 14, (Measure("total", 14, mean=3.5),)),
        Cell("support", SITE, "2026-W09", None, (Measure("total", None),)),
        Cell("support", SITE, "2026-W10", 9, (Measure("total", None),)),
        Cell("support", "Lager", "2026-02", 3, (Measure("total", 3, mean=1.0),)),
    ]

    def pick(text: str, site: str = SITE) -> tuple[Headline, ...]:
        return pick_headlines(
            cells, [HeadlineRequest.parse(text)], site=site, labels=LABELS, min_group=5
        )

    [headline] = pick("support/total/2026-02")
    assert (headline.n, headline.mean, headline.label.da) == (14, 3.5, "Støtte")
    for hidden in ("support/total/2026-W09", "support/total/2026-W10"):
        with pytest.raises(NoticeBuildError, match="hidden in the report"):
            pick(hidden)
    with pytest.raises(NoticeBuildError, match="fewer than 5 answers"):
        pick("support/total/2026-02", site="Lager")
    with pytest.raises(NoticeBuildError, match="no result"):
        pick("support/total/2026-03")


def test_a_refusal_is_logged_without_the_notices_words(
    signing_key: Ed25519PrivateKey, pinned: Path
) -> None:
    site = open_site(pinned)
    try:
        with pytest.raises(NoticeRefused):
            import_notice(site, sign_notice(notice(site="Lager Nord"), signing_key), TODAY)
        import_notice(site, sign_notice(notice(), signing_key), TODAY)
        older = notice(issued=datetime(2026, 2, 1, 8, 0, 0))
        with pytest.raises(NoticeRefused, match="before the one this kiosk shows"):
            import_notice(site, sign_notice(older, signing_key), TODAY)
    finally:
        site.close()
    log = "\n".join(read_log(pinned))
    assert "notice_refused reason=site" in log
    assert "notice_imported actions=2 headlines=0 until=2026-04-30" in log
    assert "notice_refused reason=older" in log
    assert "Travlt" not in log and "Lager" not in log


def test_nothing_of_a_refused_notice_is_kept(signing_key: Ed25519PrivateKey, pinned: Path) -> None:
    site = open_site(pinned)
    try:
        with pytest.raises(NoticeRefused):
            import_notice(site, sign_notice(notice(site="Lager Nord"), signing_key), TODAY)
        assert sorted(p.name for p in pinned.iterdir() if "notice" in p.name) == []
        assert (
            load_stored(
                pinned, signing_key=site.signing_key, site_name=SITE, min_group=5, today=TODAY
            )
            is None
        )
    finally:
        site.close()


# --- keys and sites from before signing keys -------------------------------------------------


def test_a_site_without_a_signing_key_runs_and_says_how_to_add_one(
    signing_key: Ed25519PrivateKey,
    site_dir: Path,
    admin_key: AdminKey,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # conftest's site is pinned with the 'tkpub1-' line, as every site before notices.
    assert re.search(r'public_key = "tkpub1-', (site_dir / "kiosk.toml").read_text())
    site = open_site(site_dir)
    assert site.signing_key is None
    site.close()
    path = tmp_path / "notice.tkn"
    today = date.today()
    current = notice(valid_from=today, valid_until=today + timedelta(days=30))
    path.write_bytes(sign_notice(current, signing_key))
    assert kiosk_main(["notice", "--data-dir", str(site_dir), str(path)]) == 1
    assert "kiosk pin-signing-key --data-dir" in capsys.readouterr().err
    assert "notice_refused reason=no_key" in "\n".join(read_log(site_dir))

    assert (
        kiosk_main(["pin-signing-key", "--data-dir", str(site_dir), str(admin_key.pub_path)]) == 0
    )
    assert "Pinned the administrator's signing key" in capsys.readouterr().out
    assert re.search(r'public_key = "tkpub2-', (site_dir / "kiosk.toml").read_text())
    assert kiosk_main(["notice", "--data-dir", str(site_dir), str(path)]) == 0
    assert "is shown on the welcome screen" in capsys.readouterr().out


def test_only_the_sites_own_administrator_can_pin_a_signing_key(
    site_dir: Path, tmp_path: Path
) -> None:
    stranger = KeyLine(
        public_key_of(X25519PrivateKey.generate()),
        signing_public_key_of(Ed25519PrivateKey.generate()),
    )
    with pytest.raises(SiteError, match="names another administrator key"):
        pin_signing_key(site_dir, stranger)
    with pytest.raises(SiteError, match="has no signing key"):
        pin_signing_key(site_dir, KeyLine(stranger.public_key))
    assert 'public_key = "tkpub1-' in (site_dir / "kiosk.toml").read_text()


def test_an_old_key_pair_gets_its_signing_key_and_keeps_its_sealing_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import admin_main

    keys = tmp_path / "keys"
    write_keypair(keys, PASSPHRASE.encode())
    # Make it a key pair from before signing keys: no signing file, a tkpub1- line.
    (keys / SIGNING_KEY_FILE).unlink()
    old = load_key_line_file(keys / "admin-key.pub").public_key
    (keys / "admin-key.pub").write_text(old.line() + "\n", encoding="utf-8")

    with pytest.raises(Exception, match="passphrase does not open"):
        add_signing_key(keys, b"not the passphrase at all")
    assert not (keys / SIGNING_KEY_FILE).exists()
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE)
    assert admin_main(["keygen", "--out", str(keys), "--add-signing-key"]) == 0
    assert "kiosk pin-signing-key --data-dir DIR" in capsys.readouterr().out
    line = load_key_line_file(keys / "admin-key.pub")
    assert line.public_key == old and line.signing_key is not None
    assert old.line() in (keys / "admin-key.pub").read_text()
    signing = load_signing_key_file(keys / SIGNING_KEY_FILE, PASSPHRASE.encode())
    assert signing_public_key_of(signing) == line.signing_key
    with pytest.raises(Exception, match="already exists"):
        add_signing_key(keys, PASSPHRASE.encode())


def test_the_version_2_line_catches_typos_and_keeps_version_1_working(key_line: KeyLine) -> None:
    text = key_line.line()
    assert text.startswith("tkpub2-") and parse_key_line(text) == key_line
    assert parse_key_line(text.upper().replace("-", " ")) == key_line
    assert parse_key_line(key_line.public_key.line()) == KeyLine(key_line.public_key)
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    positions = [i for i in range(len("tkpub2-"), len(text)) if text[i] != "-"]
    for i in positions[::3]:
        typo = text[:i] + alphabet[(alphabet.index(text[i]) + 1) % 32] + text[i + 1 :]
        with pytest.raises(KeyFormatError, match="checksum does not match"):
            parse_key_line(typo)


def test_kiosk_admin_signs_notices_with_the_key_beside_admin_key(
    admin_key: AdminKey,
    key_files: tuple[Path, Path, X25519PrivateKey],
    pinned: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.admin.adminstore import AdminStore
    from kiosk.cli import admin_main

    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE)
    store = tmp_path / "store"
    AdminStore.open(store, create=True).close()
    key = ["--store", str(store), "--key", str(admin_key.pem_path)]
    out = tmp_path / "n.tkn"
    notice_command = ["notice", *key, "--site", SITE, "--out", str(out)]
    assert admin_main(notice_command) == 2
    assert "admin-signing-key.pem does not exist" in capsys.readouterr().err
    shutil.copy2(key_files[0].parent / SIGNING_KEY_FILE, admin_key.pem_path.parent)
    assert admin_main(notice_command) == 2
    assert "no action for 'Testafdeling'" in capsys.readouterr().err
    assert not out.exists()
    add = ["plan", "add", *key, "--heard", "Travlt", "--do", "Ugemøde", "--focus", "support"]
    assert admin_main(add) == 0
    assert admin_main([*notice_command, "--headline", "support/practical/2026-W09"]) == 2
    assert "No report has been made from this store yet" in capsys.readouterr().err
    assert admin_main(notice_command) == 0
    assert kiosk_main(["notice", "--data-dir", str(pinned), str(out)]) == 0
    assert admin_main(notice_command) == 2
    assert "already exists" in capsys.readouterr().err


def test_the_worked_example_in_formats_md_reads_as_written() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Notice\n") :]
    example = section[section.index("```json\n") + 8 :]
    data = example[: example.index("```")].encode("utf-8")
    [line] = re.findall(r"^tkpub2-[a-z2-7-]+$", doc, flags=re.MULTILINE)
    body = read_notice(data, line, "Lager", date(2026, 3, 10))
    assert isinstance(body, dict) and body["actions"][0]["who"] == "Teamleder"
    # The kiosk's own writer makes exactly these bytes from the keys the page names.
    signing = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    sealing = public_key_of(X25519PrivateKey.from_private_bytes(bytes(range(32, 64))))
    assert KeyLine(sealing, signing_public_key_of(signing)).line() == line
    made = verify_notice(
        data,
        signing_key=parse_key_line(line).signing_key,
        site_name="Lager",
        min_group=5,
        today=date(2026, 3, 10),
    )
    assert sign_notice(made, signing) == data


def test_garbage_and_oversized_files_are_refused_by_name(tmp_path: Path, key_line: KeyLine) -> None:
    from kiosk.notice import read_notice_file

    huge = tmp_path / "huge.tkn"
    huge.write_bytes(b"{" * 200_000)
    with pytest.raises(NoticeRefused, match="a notice is at most 65,536") as refused:
        verify(read_notice_file(huge), key_line)
    assert refused.value.reason == "too_large"
    for garbage in (b"\xff\xfe\x00", b"[]", b'{"format": "trivselskiosk-notice", "version": 2}'):
        with pytest.raises(NoticeRefused) as refused:
            verify(garbage, key_line)
        assert refused.value.reason == "format"
    with pytest.raises(NoticeRefused, match="Cannot read"):
        read_notice_file(tmp_path / "missing.tkn")


def test_a_headline_repeats_a_number_the_report_published(
    admin_key: AdminKey,
    key_files: tuple[Path, Path, X25519PrivateKey],
    pinned: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.cli import admin_main

    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE)
    shutil.copy2(key_files[0].parent / SIGNING_KEY_FILE, admin_key.pem_path.parent)
    stick, store = tmp_path / "stick", tmp_path / "store"
    stick.mkdir()
    simulate = ["simulate", "--data-dir", str(pinned), "--count", "150", "--weeks", "4"]
    assert kiosk_main([*simulate, "--seed", "5"]) == 0
    assert kiosk_main(["export", "usb", "--data-dir", str(pinned), "--to", str(stick)]) == 0
    key = ["--store", str(store), "--key", str(admin_key.pem_path)]
    assert admin_main(["import", *key, *map(str, stick.glob("*.tkb"))]) == 0
    assert admin_main(["report", *key, "--format", "json", "--out", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    cell = next(
        c
        for c in report["instruments"]["support"]["cells"]
        if c["site"] == SITE and not c["hidden"] and c["measures"]["practical"]["mean"]
    )
    shown = cell["measures"]["practical"]
    add = ["plan", "add", *key, "--heard", "Travlt", "--do", "Ugemøde", "--focus", "support"]
    assert admin_main(add) == 0
    out = tmp_path / "n.tkn"
    command = ["notice", *key, "--site", SITE, "--out", str(out)]
    assert admin_main([*command, "--headline", f"support/practical/{cell['period']}"]) == 0
    assert kiosk_main(["notice", "--data-dir", str(pinned), str(out)]) == 0
    site = open_site(pinned)
    try:
        stored = load_stored(
            pinned, signing_key=site.signing_key, site_name=SITE, min_group=5, today=date.today()
        )
    finally:
        site.close()
    assert stored is not None
    [headline] = stored.headlines
    assert (headline.n, headline.mean, headline.label.en) == (
        shown["n"],
        shown["mean"],
        "Practical help",
    )
    capsys.readouterr()
    assert admin_main([*command, "--headline", "support/practical/1999-W01"]) == 2
    assert "The report has no result support/practical/1999-W01" in capsys.readouterr().err
