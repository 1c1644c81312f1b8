"""Admin mode in the real kiosk: the PIN door, facts, receipts, purge, USB export, idle reset."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import AdminKey
from helpers.clock import FakeClock
from helpers.pilot import wait_for_screen, wait_for_text, wait_until
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from kiosk.bundle import read_bundle
from kiosk.export import Export, apply_receipt, build_export, default_frame_count, record_export
from kiosk.pin import PinGuard
from kiosk.qrframes import encode_frames
from kiosk.qrrender import fit_version
from kiosk.simulate import simulate
from kiosk.site import Site
from kiosk.submit import Submitter
from kiosk.usb import Drive
from screens.admin import AdminScreen, ConfirmPurgeScreen
from screens.admin_pin import AdminPinScreen
from screens.app import KioskApp
from screens.qr_export import REFUSE_SECONDS, DrawnRate, QrExportScreen, progress_text
from screens.usb_export import UsbExportScreen
from screens.welcome import WelcomeScreen
from screens.widgets.qr_view import DEFAULT_RATE, QUIET_ZONE, QrView

PIN = "31415926"
SIZE = (100, 34)


def add_records(site: Site, count: int, seed: int) -> None:
    """Store `count` random answers through the real submit path."""
    submitter = Submitter(site.store, site.config, site.public_key)
    assert simulate(submitter, site.config.instruments, count, seed=seed) == count


def exported(site: Site) -> Export:
    """An export of the undelivered records that has left the kiosk (logged, as by USB)."""
    export = build_export(site, today=date(2026, 3, 4))
    record_export(site, export, channel="usb")
    return export


def fact(screen: Screen[Any], key: str) -> str:
    return str(screen.query_one(f"#fact-{key}", Static).content)


def admin_kiosk(
    site: Site, clock: FakeClock | None = None, today: Callable[[], date] = date.today
) -> KioskApp:
    """The kiosk as `kiosk run` starts it: admin mode only through its own F9 binding."""
    return KioskApp(site, today=today, clock=clock or FakeClock())


async def enter_admin(pilot: Pilot[Any], pin: str = PIN) -> AdminScreen:
    await pilot.press("f9")
    await wait_for_screen(pilot, AdminPinScreen)
    await pilot.press(*pin, "enter")
    screen = await wait_for_screen(pilot, AdminScreen)
    assert isinstance(screen, AdminScreen)
    return screen


def in_admin_mode(app: KioskApp) -> bool:
    return any(isinstance(s, AdminScreen | AdminPinScreen) for s in app.screen_stack)


async def test_wrong_pin_stays_out_and_right_pin_shows_the_facts(site: Site) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 6, seed=1)
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        await wait_for_screen(pilot, AdminPinScreen)
        await pilot.press(*"27182818", "enter")
        await wait_for_text(pilot, "#pin-message", "Forkert pinkode. 2 forkerte forsøg mere")
        assert not any(isinstance(s, AdminScreen) for s in app.screen_stack)
        assert app.screen.query_one("#pin", Input).value == ""
        await pilot.press(*PIN, "enter")
        screen = await wait_for_screen(pilot, AdminScreen)
        assert str(screen.query_one("#admin-title", Static).content) == "Administratortilstand"
        assert fact(screen, "stored") == "6"
        assert fact(screen, "undelivered") == "6"
        assert fact(screen, "site") == "Testafdeling"
        assert fact(screen, "kiosk-id") == site.store.kiosk_id
        assert fact(screen, "fingerprint") == site.public_key.fingerprint()
        assert fact(screen, "last-export") == "ingen endnu"
        assert fact(screen, "free-disk").endswith("B")
        assert PinGuard(site.store).lockout() == (0, 0.0)
        await pilot.click("#leave")
        await wait_for_screen(pilot, WelcomeScreen)
        assert not in_admin_mode(app)


@pytest.mark.parametrize("day", [date(1970, 1, 1), date(2150, 6, 1)])
async def test_a_clock_that_is_surely_wrong_is_shown_in_admin_mode(site: Site, day: date) -> None:
    PinGuard(site.store).set_pin(PIN)
    app = admin_kiosk(site, today=lambda: day)
    async with app.run_test(size=SIZE) as pilot:
        await enter_admin(pilot)
        shown = await wait_for_text(pilot, "#admin-message", day.isoformat())
        assert "timedatectl" in shown


async def test_pin_door_speaks_the_chosen_language_and_admin_mode_the_default(site: Site) -> None:
    PinGuard(site.store).set_pin(PIN)
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("f2")
        assert app.lang == "en"
        await pilot.press("f9")
        await wait_for_screen(pilot, AdminPinScreen)
        assert str(app.screen.query_one("#pin-title", Static).content) == "Admin mode"
        await pilot.press(*"27182818", "enter")
        await wait_for_text(pilot, "#pin-message", "Wrong PIN. 2 more wrong PINs lock admin mode.")
        await pilot.press(*PIN, "enter")
        screen = await wait_for_screen(pilot, AdminScreen)
        # The right PIN starts the kiosk over, and that is in the site's first language.
        assert app.lang == "da"
        assert fact(screen, "last-export") == "ingen endnu"
        await pilot.press("f2")
        assert app.lang == "da"
        assert str(screen.query_one("#admin-title", Static).content) == "Administratortilstand"


async def test_without_a_pin_admin_mode_is_not_set_up(site: Site) -> None:
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        await wait_for_screen(pilot, AdminPinScreen)
        await wait_for_text(pilot, "#pin-message", "ikke sat op")
        assert app.screen.query_one("#pin", Input).disabled
        await pilot.click("#pin-cancel")
        await wait_for_screen(pilot, WelcomeScreen)


async def test_lockout_shows_and_holds_the_pin_field(site: Site) -> None:
    guard = PinGuard(site.store)
    guard.set_pin(PIN)
    for _ in range(3):
        guard.check("00000000")
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        await wait_for_screen(pilot, AdminPinScreen)
        await wait_for_text(pilot, "#pin-message", "låst i")
        assert app.screen.query_one("#pin", Input).disabled
        await pilot.press(*PIN, "enter")
        # A PIN that got through would be checked in a worker: let every worker finish.
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not any(isinstance(s, AdminScreen) for s in app.screen_stack)


async def test_receipt_marks_the_export_delivered(site: Site, admin_key: AdminKey) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 4, seed=2)
    export = exported(site)
    code = admin_key.receipt(export.bundle)
    add_records(site, 2, seed=3)
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        screen = await enter_admin(pilot)
        assert fact(screen, "undelivered") == "6"
        # The kiosk cannot show the code: only the private key opens it.
        assert "4" in fact(screen, "last-export") and code not in fact(screen, "last-export")
        await pilot.click("#receipt")
        await pilot.press(*"ZZZZ-ZZZZ-ZZ", "enter")
        await wait_for_text(pilot, "#admin-message", "Kvitteringskoden er ikke rigtig")
        assert site.store.count_undelivered() == 6
        receipt = screen.query_one("#receipt", Input)
        receipt.value = code.lower().replace("-", " ")
        await pilot.click("#apply-receipt")
        await wait_for_text(pilot, "#admin-message", "4 svar er markeret som leveret")
        assert fact(screen, "undelivered") == "2"
        assert site.store.count_undelivered() == 2
        assert all(site.store.is_delivered(rid) for rid in export.record_ids)


async def test_purge_deletes_only_delivered_records_after_confirming(
    site: Site, admin_key: AdminKey
) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 5, seed=4)
    export = exported(site)
    add_records(site, 3, seed=5)
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        screen = await enter_admin(pilot)
        await pilot.click("#purge")
        await wait_for_text(pilot, "#admin-message", "Ingen svar er markeret som leveret")
        screen.query_one("#receipt", Input).value = admin_key.receipt(export.bundle)
        await pilot.click("#apply-receipt")
        await wait_for_text(pilot, "#admin-message", "5 svar er markeret som leveret")
        await pilot.click("#purge")
        await wait_for_screen(pilot, ConfirmPurgeScreen)
        await pilot.click("#confirm-keep")
        await wait_for_text(pilot, "#admin-message", "Intet blev slettet")
        assert site.store.count() == 8
        await pilot.click("#purge")
        await wait_for_screen(pilot, ConfirmPurgeScreen)
        await pilot.click("#confirm-delete")
        await wait_for_text(pilot, "#admin-message", "5 leverede svar er slettet; 3 svar")
        assert fact(screen, "stored") == "3"
    kept = {record.record_id for record in site.store.iter_records()}
    assert len(kept) == 3
    assert not kept & set(export.record_ids)


async def test_the_screen_answers_keys_while_a_purge_runs(site: Site, admin_key: AdminKey) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 4, seed=6)
    apply_receipt(site, admin_key.receipt(exported(site).bundle))
    app = admin_kiosk(site)
    # Another holder of the store (as a long write would) keeps the purge's worker waiting.
    store_busy, release = threading.Event(), threading.Event()

    def hold_the_store() -> None:
        with site.store._mutex:
            store_busy.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await enter_admin(pilot)
        await pilot.click("#purge")
        await wait_for_screen(pilot, ConfirmPurgeScreen)
        holder.start()
        try:
            assert store_busy.wait(10)
            await pilot.click("#confirm-delete")
            await wait_for_text(pilot, "#admin-message", "Arbejder")
            await pilot.click("#receipt")
            await pilot.press(*"abc")
            receipt = screen.query_one("#receipt", Input)
            await wait_until(
                pilot, lambda: receipt.value.lower() == "abc", lambda: f"typed {receipt.value!r}"
            )
            assert "Arbejder" in str(screen.query_one("#admin-message", Static).content)
            assert screen.has_class("-working")  # the purge is still waiting for the store
        finally:
            release.set()
            holder.join()
        await wait_for_text(pilot, "#admin-message", "4 leverede svar er slettet; 0 svar")
        assert not screen.has_class("-working")
        assert fact(screen, "stored") == "0"
    assert site.store.count() == 0


async def test_idle_reset_leaves_admin_mode(site: Site) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 2, seed=6)
    clock = FakeClock()
    app = admin_kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await enter_admin(pilot)
        await pilot.click("#export-qr")
        qr = await wait_for_screen(pilot, QrExportScreen)
        await wait_for_text(pilot, "#qr-status", "billede")
        # A playing transfer is activity: the admin's camera needs no key presses. Twice
        # almost the idle limit passes, a frame shown in between: without the frame the kiosk
        # would be idle past the limit. (Never past the limit at once: the app's own idle
        # check could run before the next frame and rightly start over.)
        view = qr.query_one(QrView)
        for _ in range(2):
            clock.now += site.config.idle_seconds - 1
            await wait_for_text(pilot, "#qr-status", f"billede {view.frames_shown + 1} ")
        await app.watch_for_idle()
        assert app.screen is qr
        await pilot.press("space")
        await wait_for_text(pilot, "#qr-status", "på pause")
        clock.now += site.config.idle_seconds + 1
        await app.watch_for_idle()
        await wait_for_screen(pilot, WelcomeScreen)
        assert not in_admin_mode(app)
        assert not qr.is_attached
        assert len(site.store.export_log()) == 1


async def test_usb_export_writes_a_verified_bundle(site: Site, tmp_path: Path) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 3, seed=8)
    stick = tmp_path / "stick"
    drives = [Drive(stick, "STICK", None, False, None)]
    app = admin_kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await enter_admin(pilot)
        await app.push_screen(UsbExportScreen(find=lambda: drives))
        await wait_for_text(pilot, "#usb-lead", "Vælg det stik")
        await pilot.click("#usb-write")
        await wait_for_text(pilot, "#usb-message", "No USB stick at")
        assert site.store.export_log() == []
        assert site.store.count_undelivered() == 3
        stick.mkdir()
        # A button ignores clicks during its pressed look (the -active class).
        write = app.screen.query_one("#usb-write", Button)
        await wait_until(pilot, lambda: not write.has_class("-active"), lambda: "still pressed")
        await pilot.click("#usb-write")
        message = await wait_for_text(pilot, "#usb-message", "Færdig")
        assert "3 svar" in message
    [written] = stick.iterdir()
    assert written.suffix == ".tkb"
    assert read_bundle(written.read_bytes()).count == 3
    assert site.store.export_log()[-1]["channel"] == "usb"


# --- the QR view's estimate, limits and idle warning; admin texts in the kiosk's language --


def danish(key: str, **values: object) -> str:
    """Admin mode's texts as a Danish kiosk shows them."""
    from kiosk.config import default_config_dir, load_texts

    return load_texts(default_config_dir() / "texts.toml")["da"][key].format(**values)


class SteppedClock:
    """A clock a test moves by hand, for measuring a rate."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_status_line_shows_the_rate_actually_drawn_and_estimates_from_it() -> None:
    clock = SteppedClock()
    drawn = DrawnRate(clock)
    assert drawn.rate(30.0) == 30.0  # nothing measured yet: the rate asked for
    for frame in range(17):  # 16 frames in 3 s, though 30 a second were asked for
        drawn.add(frame)
        clock.now += 3 / 16
    rate = drawn.rate(30.0)
    assert 5.2 < rate < 5.5
    k = 100  # 150 frames in all
    status = progress_text(50, k, rate, False, danish)
    assert status == "billede 50 / ~150 · ≈ 19 s · 5,3/s", status


def test_the_estimate_is_in_minutes_and_advises_usb_when_long() -> None:
    assert progress_text(0, 100, 5.0, False, danish) == "billede 0 / ~150 · ≈ 30 s · 5,0/s"
    # 1,410 frames at 5 a second: 4 minutes 42 seconds.
    long = progress_text(0, 1000, 5.0, False, danish)
    assert long == "billede 0 / ~1.41 K · ≈ 5 min · USB er hurtigere · 5,0/s", long
    assert progress_text(0, 1000, 5.0, True, danish).endswith("· på pause")


async def test_qr_status_and_keys_fit_80_columns(site: Site) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 3, seed=11)
    app = admin_kiosk(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await enter_admin(pilot)
        await pilot.click("#export-qr")
        await wait_for_screen(pilot, QrExportScreen)
        status = await wait_for_text(pilot, "#qr-status", "billede")
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        drawn = " ".join(" ".join(line.split()) for line in lines[-3:])
        assert " ".join(status.split()) in drawn, (status, lines[-3:])
        assert "mellemrum: pause · -: langsommere · +: hurtigere" in drawn


async def test_a_paused_qr_view_warns_before_the_idle_reset(site: Site) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 2, seed=12)
    clock = FakeClock()
    app = admin_kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await enter_admin(pilot)
        await pilot.click("#export-qr")
        qr = await wait_for_screen(pilot, QrExportScreen)
        await wait_for_text(pilot, "#qr-status", "billede")
        await pilot.press("space")
        await wait_for_text(pilot, "#qr-status", "på pause")
        clock.now += site.config.idle_seconds - 10
        await app.watch_for_idle()
        await pilot.pause()
        warning = qr.query_one("#idle-warning", Static)
        assert warning.display and warning.region.height >= 1
        assert "starter forfra om 10 sekunder" in str(warning.content)


async def test_an_export_too_long_for_qr_is_refused_in_the_kiosks_language(site: Site) -> None:
    PinGuard(site.store).set_pin(PIN)
    version = fit_version(80, 24 - 3, "M", QUIET_ZONE)
    assert version is not None
    seed = 20
    while True:  # enough answers that the transfer would take over half an hour at 80×24
        add_records(site, 200, seed=seed)
        seed += 1
        k = encode_frames(build_export(site).bundle, version=version, ecc="M").k
        if default_frame_count(k) / DEFAULT_RATE > REFUSE_SECONDS:
            break
        assert seed < 40, "could not make an export that large"
    app = admin_kiosk(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await enter_admin(pilot)
        await pilot.click("#export-qr")
        screen = await wait_for_screen(pilot, QrExportScreen)
        said = await wait_for_text(pilot, "#qr-status", "for stor til QR-koder")
        assert "minutter" in said and "USB-stik" in said
        await pilot.pause(0.5)
        assert not screen.query(QrView)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        assert "USB-stik i stedet." in " ".join(" ".join(line.split()) for line in lines)
    assert site.store.export_log() == []  # nothing was shown, so nothing counts as exported


async def test_nothing_new_to_export_is_said_in_danish_without_flags(
    site: Site, admin_key: AdminKey
) -> None:
    PinGuard(site.store).set_pin(PIN)
    add_records(site, 2, seed=13)
    export = exported(site)
    apply_receipt(site, admin_key.receipt(export.bundle))
    app = admin_kiosk(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await enter_admin(pilot)
        await pilot.click("#export-qr")
        await wait_for_screen(pilot, QrExportScreen)
        said = await wait_for_text(pilot, "#qr-status", "Der er intet nyt at eksportere")
        assert "--" not in said
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        assert "alle gemte svar er bekræftet leveret." in " ".join(
            " ".join(line.split()) for line in lines
        )
        await pilot.click("#qr-back")
        admin = await wait_for_screen(pilot, AdminScreen)
        await pilot.click("#receipt")
        await pilot.press(*"ZZZZ-ZZZZ-ZZ", "enter")
        said = await wait_for_text(pilot, "#admin-message", "Kvitteringskoden er ikke rigtig")
        assert admin.query_one("#admin-message", Static).region.width <= 80
