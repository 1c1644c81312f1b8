"""Admin mode's one service on a real site and store: facts, receipts, purge, refusals."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.admin_mode import AdminService
from kiosk.export import Export, ExportError, NothingToExport
from kiosk.receipts import ReceiptError, code_of_value
from kiosk.simulate import simulate
from kiosk.site import Site
from kiosk.submit import Submitter

SCREENS = Path(__file__).resolve().parent.parent / "screens"
ADMIN_SCREENS = ("admin.py", "admin_texts.py", "usb_export.py", "qr_export.py", "notice_import.py")


def add_records(site: Site, count: int, seed: int) -> None:
    submitter = Submitter(site.store, site.config, site.public_key)
    assert simulate(submitter, site.config.instruments, count, seed=seed) == count


def shown_by_qr(service: AdminService) -> Export:
    export = service.build_export()
    service.record_export(export, channel="qr")
    return export


def test_facts_count_what_the_store_holds(site: Site) -> None:
    service = AdminService(site)
    empty = service.facts()
    assert (empty.stored, empty.undelivered, empty.delivered) == (0, 0, 0)
    assert empty.last_export is None
    assert empty.site_name == site.config.site_name
    assert empty.kiosk_id == site.store.kiosk_id
    assert empty.fingerprint == site.public_key.fingerprint()
    assert empty.free_disk > 0
    assert not service.has_records()
    with pytest.raises(NothingToExport):
        service.build_export()

    add_records(site, 4, seed=1)
    shown_by_qr(service)
    facts = service.facts()
    assert (facts.stored, facts.undelivered, facts.delivered) == (4, 4, 0)
    assert facts.last_export is not None
    assert facts.last_export.get("channel") == "qr"
    assert facts.last_export.get("count") == 4
    assert service.has_records()


def test_a_receipt_then_a_purge_delete_only_what_was_delivered(
    site: Site, admin_key: AdminKey
) -> None:
    service = AdminService(site)
    add_records(site, 5, seed=2)
    export = shown_by_qr(service)
    add_records(site, 3, seed=3)
    assert service.delivered_count() == 0
    assert service.purge().deleted == 0

    result = service.apply_receipt(admin_key.receipt(export.bundle))
    assert (result.total, result.marked, result.already_applied) == (5, 5, False)
    assert service.delivered_count() == 5
    again = service.apply_receipt(admin_key.receipt(export.bundle).lower())
    assert again.already_applied

    purged = service.purge()
    assert (purged.deleted, purged.remaining) == (5, 3)
    facts = service.facts()
    assert (facts.stored, facts.undelivered) == (3, 3)
    kept = {record.record_id for record in site.store.iter_records()}
    assert len(kept) == 3
    assert not kept & set(export.record_ids)


def test_refused_receipts_change_nothing(site: Site) -> None:
    service = AdminService(site)
    add_records(site, 2, seed=4)
    shown_by_qr(service)
    with pytest.raises(ReceiptError):
        service.apply_receipt("ZZZZ-ZZZZ-ZZ")
    with pytest.raises(ExportError):  # well formed, but no export of this kiosk has it
        service.apply_receipt(code_of_value(bytes(8)))
    assert service.delivered_count() == 0
    assert service.facts().undelivered == 2


def test_the_clock_check_flags_only_impossible_days() -> None:
    assert AdminService.clock_is_wrong(date(1970, 1, 1))
    assert not AdminService.clock_is_wrong(date(2026, 3, 4))


@pytest.mark.parametrize("name", ADMIN_SCREENS)
def test_admin_screens_reach_the_store_only_through_the_service(name: str) -> None:
    source = (SCREENS / name).read_text(encoding="utf-8")
    assert not re.search(r"site\.store\b", source)
    assert not re.search(r"import[^\n]*\b(apply_receipt|purge|export_to_usb|build_export)", source)
