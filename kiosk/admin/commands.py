"""The administrator's import, report and receipt commands (`kiosk-admin …`)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.admin import report_csv, report_html, report_json, report_text
from kiosk.admin.adminstore import CACHE_DIR, AdminStore, ImportEntry
from kiosk.admin.aggregate import Opened, Period, Rules, build_report
from kiosk.admin.importer import Importer, Outcome, shown
from kiosk.admin.opencache import CacheUnreadable, cache_key, open_cache, seal_cache
from kiosk.admin.opening import Failure, Invalid, open_records
from kiosk.admin.report_html import ChartsUnavailable
from kiosk.config import MIN_GROUP_FLOOR, default_config_dir, load_instruments, load_site
from kiosk.durable import StoreError
from kiosk.records import Payload, default_catalogue
from kiosk.sealing import load_private_key_file

PASSPHRASE_ENV = "KIOSK_ADMIN_PASSPHRASE"
EXIT_FAILED = 1
EXIT_USAGE = 2
RAW_WARNING = (
    "WARNING: --raw writes every answer on its own line. Even without names, single answers "
    "(a rare score, a note's wording, a small site's week) can point to a person. Keep the "
    "file to yourself and delete it after use; never show it in a meeting."
)


def _command_error(message: str, exit_code: int = EXIT_USAGE) -> Exception:
    from kiosk.cli import CommandError

    return CommandError(message, exit_code)


def ask_passphrase(key_path: Path) -> bytes:
    """The private key's passphrase, from $KIOSK_ADMIN_PASSPHRASE or asked once."""
    if env := os.environ.get(PASSPHRASE_ENV):
        return env.encode()
    if not sys.stdin.isatty():
        raise _command_error(
            f"No terminal to ask for the passphrase of {key_path}: set {PASSPHRASE_ENV}."
        )
    return getpass.getpass(f"Passphrase for {key_path}: ").encode()


def load_key(args: argparse.Namespace) -> X25519PrivateKey:
    """Read and decrypt --key (WrongPassphrase and KeyFormatError reach the CLI as one line)."""
    return load_private_key_file(args.key, ask_passphrase(args.key))


def _print_outcome(outcome: Outcome) -> None:
    """One line for an imported bundle, and notes on quarantined or oddly dated records."""
    entry = outcome.entry
    assert entry is not None
    if outcome.already:
        print(f"{outcome.source}: already imported; receipt code {entry.receipt}")
        return
    known = entry.count - entry.new
    print(
        f"{outcome.source}: imported {entry.new - entry.quarantined} new records"
        + (f" ({known} already in the store)" if known else "")
        + f" from site '{report_text.safe(entry.site)}'; receipt code {entry.receipt}"
    )
    if outcome.quarantined:
        reasons = "; ".join(
            f"{count} × {report_text.safe(reason)}"
            for reason, count in outcome.quarantined.most_common(5)
        )
        print(
            f"kiosk-admin: {outcome.source}: {entry.quarantined} record(s) QUARANTINED: kept "
            f"sealed but not counted in any report, because {reasons}",
            file=sys.stderr,
        )
    if outcome.future or outcome.early:
        print(
            f"kiosk-admin: note: {outcome.source}: {outcome.future} record(s) are dated after "
            f"the export and {outcome.early} before the kiosk's first export: the kiosk's "
            "clock was probably wrong when they were made (check it with `kiosk doctor`); "
            "they are counted under the dates they carry.",
            file=sys.stderr,
        )
    if outcome.legacy:
        print(
            f"kiosk-admin: note: {outcome.source} is an export from before receipts needed "
            "the key: its code works only on a kiosk not yet updated. An updated kiosk "
            "exports these records again in a new bundle; import that one for its code.",
            file=sys.stderr,
        )


def cmd_import(args: argparse.Namespace) -> int:
    """kiosk-admin import: check and store bundles, QR frame images or frame text."""
    if args.paths.count("-") > 1:
        raise _command_error("Standard input ('-') can be named only once.")
    if "-" in args.paths and sys.stdin.isatty() and not os.environ.get(PASSPHRASE_ENV):
        raise _command_error(f"Reading frames from standard input needs {PASSPHRASE_ENV} set.")
    private_key = load_key(args)
    failed = skipped = imported = 0
    with AdminStore.open(args.store, create=True) as store:
        importer = Importer(store, private_key)
        for outcome in importer.run(args.paths):
            if outcome.error is None:
                imported += 1
                _print_outcome(outcome)
                continue
            if outcome.skipped:
                skipped += 1
                print(f"kiosk-admin: {outcome.source}: skipped: {outcome.error}", file=sys.stderr)
                continue
            failed += 1
            print(f"kiosk-admin: {outcome.source}: not imported: {outcome.error}", file=sys.stderr)
        total = store.record_count
        quarantined = store.quarantined_count
    print(
        f"The admin store {shown(str(args.store))} holds {total - quarantined} records"
        + (f" (and {quarantined} quarantined)." if quarantined else ".")
    )
    if failed or (skipped and not imported):
        print(
            f"kiosk-admin: {failed + skipped} source(s) were not imported; see above.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def _open_sealed(
    store: AdminStore, entry: ImportEntry, private_key: X25519PrivateKey
) -> list[tuple[bytes, Payload]]:
    """Open an import's sealed records with HPKE; a record that does not open ends the command."""
    quarantined = store.quarantined_ids(entry)
    sealed = [pair for pair in store.sealed_records(entry) if pair[0] not in quarantined]
    result = open_records(private_key, sealed, default_catalogue())
    if isinstance(result, Failure):
        raise _command_error(
            f"A stored record ({result.record_id.hex()}, from bundle {entry.bundle_id}) does "
            f"not open with this key: {result.reason}. Is --key the key the records were "
            "imported with?",
            EXIT_FAILED,
        )
    opened: list[tuple[bytes, Payload]] = []
    for (rid, _), payload in zip(sealed, result, strict=True):
        if isinstance(payload, Invalid):
            raise _command_error(
                f"A stored record ({rid.hex()}, from bundle {entry.bundle_id}) is no longer "
                f"a valid answer ({payload.reason}); were the instrument files changed?",
                EXIT_FAILED,
            )
        opened.append((rid, payload))
    return opened


def opened_records(
    store: AdminStore, private_key: X25519PrivateKey
) -> tuple[list[Opened], list[str]]:
    """Every stored record opened, with its bundle's site, and notes on caches rebuilt.

    Each import's records come from its opened cache; an import whose cache is missing,
    damaged or made with another key is opened from its sealed records instead, and its
    cache rebuilt, so the numbers are the same either way.
    """
    cipher = cache_key(private_key)
    records: list[Opened] = []
    notes: list[str] = []
    for entry in store.imports():
        if not entry.segment:
            continue
        blob = store.read_cache(entry)
        try:
            if blob is None:
                raise CacheUnreadable(
                    "its file is missing" if entry.cache else "the import predates the cache"
                )
            opened = open_cache(cipher, entry.digest, blob)
            if len(opened) != entry.new - entry.quarantined:
                raise CacheUnreadable(
                    f"it holds {len(opened)} records, not {entry.new - entry.quarantined}"
                )
        except CacheUnreadable as why:
            opened = _open_sealed(store, entry, private_key)
            try:
                store.write_cache(entry, seal_cache(cipher, entry.digest, opened))
                outcome = "rebuilt"
            except StoreError as error:
                outcome = f"not rebuilt ({error})"
            notes.append(
                f"the opened cache of bundle {entry.bundle_id} ({store.folder / CACHE_DIR}) "
                f"was not used: {why}. Its {len(opened)} records were opened from their sealed "
                f"copies instead, and the cache {outcome}."
            )
        # Format-2 records name their own site (authenticated); format 1 takes the bundle's.
        records.extend(Opened(payload, payload.site or entry.site) for _, payload in opened)
    return records, notes


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-03-02") from None


def _min_group(text: str) -> int:
    value = int(text)
    if value < MIN_GROUP_FLOOR:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_GROUP_FLOOR} (got {value})")
    return value


def site_rules(args: argparse.Namespace) -> Rules:
    """Thresholds from the site config (--config, else the embedded one), raised by options."""
    config = load_site(args.config or default_config_dir() / "kiosk.toml")
    min_group = max(config.min_group, args.min_group or 0)
    return Rules(min_group, max(config.min_group_text, args.min_group_text or 0, min_group))


def _raw(records: list[Opened], fmt: str, excel_da: bool) -> str:
    rows: list[dict[str, Any]] = [
        {
            "site": record.site,
            "period": record.payload.period,
            "instrument": record.payload.instrument_id,
            "version": record.payload.instrument_version,
            "lang": record.payload.lang,
            "answers": record.payload.answers,
        }
        for record in records
    ]
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";" if excel_da else ",", lineterminator="\r\n")
        writer.writerow(["site", "period", "instrument", "version", "lang", "answers"])
        for row in rows:
            answers = json.dumps(row["answers"], ensure_ascii=False, sort_keys=True)
            writer.writerow(
                [
                    report_text.safe(row["site"]),
                    row["period"],
                    row["instrument"],
                    row["version"],
                    row["lang"],
                    answers,
                ]
            )
        return ("\ufeff" if excel_da else "") + buffer.getvalue()
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    raise _command_error("--raw works with --format json or csv.")


def cmd_report(args: argparse.Namespace) -> int:
    """kiosk-admin report: the anonymity-safe report in text, JSON, CSV or HTML."""
    rules = site_rules(args)
    instruments = load_instruments(default_config_dir() / "instruments")
    private_key = load_key(args)
    with AdminStore.open(args.store) as store:
        records, notes = opened_records(store, private_key)
    for note in notes:
        print(f"kiosk-admin: note: {note}", file=sys.stderr)
    if args.raw:
        print(RAW_WARNING, file=sys.stderr)
        text = _raw(records, args.format, args.excel_da)
    else:
        period: Period = args.period
        report = build_report(
            records,
            instruments,
            rules=rules,
            by=period,
            since=args.since,
            until=args.until,
            site=args.site,
            lang=args.lang,
        )
        try:
            if args.format == "csv":
                text = report_csv.render(report, args.excel_da)
            else:
                renderers = {"text": report_text, "json": report_json, "html": report_html}
                text = renderers[args.format].render(report)
        except ChartsUnavailable as error:
            raise _command_error(str(error)) from None
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as error:
        raise _command_error(
            f"Cannot write {args.out}: {error.strerror or error}", EXIT_FAILED
        ) from None
    print(f"Wrote the {args.format} report of {len(records)} records to {args.out}")
    return 0


def cmd_receipts(args: argparse.Namespace) -> int:
    """kiosk-admin receipt: list imported bundles with their receipt codes."""
    with AdminStore.open(args.store) as store:
        entries = store.imports()
    if not entries:
        print(f"No bundles have been imported into {args.store} yet.")
        return 0
    print("imported    receipt       site / kiosk / bundle                          records (new)")
    for entry in entries:
        print(
            f"{entry.imported}  {entry.receipt}  {report_text.safe(entry.site)[:24]:<24} "
            f"{report_text.safe(entry.kiosk_id)[:8]} {entry.bundle_id[:8]}  "
            f"{entry.count} ({entry.new})"
        )
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the administrator's sub-commands on the `kiosk-admin` parser."""
    imp = commands.add_parser(
        "import", help="import bundles, QR frame images or frame text ('-': standard input)"
    )
    imp.add_argument("--store", type=Path, required=True, help="the admin store folder")
    imp.add_argument("--key", type=Path, required=True, help="admin-key.pem")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="bundle, image or text file, or -")
    imp.set_defaults(handler=cmd_import)

    rep = commands.add_parser("report", help="write a report that hides groups too small")
    rep.add_argument("--store", type=Path, required=True, help="the admin store folder")
    rep.add_argument("--key", type=Path, required=True, help="admin-key.pem")
    rep.add_argument("--format", choices=("text", "json", "csv", "html"), default="text")
    rep.add_argument("--out", type=Path, default=None, help="write to this file, not stdout")
    rep.add_argument("--period", choices=("week", "month"), default="week")
    rep.add_argument("--since", type=_day, default=None, help="first day, e.g. 2026-01-01")
    rep.add_argument("--until", type=_day, default=None, help="last day, e.g. 2026-03-31")
    rep.add_argument("--site", default=None, help="only this site")
    rep.add_argument("--lang", choices=("da", "en"), default="da")
    rep.add_argument("--excel-da", action="store_true", help="CSV for Danish Excel (; and ,)")
    rep.add_argument("--raw", action="store_true", help="one line per answer (re-identifiable!)")
    rep.add_argument("--config", type=Path, default=None, help="a kiosk.toml with [report]")
    rep.add_argument("--min-group", type=_min_group, default=None, help="raise min_group")
    rep.add_argument("--min-group-text", type=_min_group, default=None, help="raise it for text")
    rep.set_defaults(handler=cmd_report)

    rec = commands.add_parser("receipt", help="list imported bundles and their receipt codes")
    rec.add_argument("--store", type=Path, required=True, help="the admin store folder")
    rec.set_defaults(handler=cmd_receipts)

    from kiosk.admin.plan_commands import add_plan_commands

    add_plan_commands(commands)
