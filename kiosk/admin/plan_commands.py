"""`kiosk-admin plan add|list|edit|done` and `kiosk-admin notice`: close the loop, offline."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.model import Rules
from kiosk.admin.notice_build import (
    DEFAULT_TITLE,
    HeadlineRequest,
    NoticeBuildError,
    actions_for,
    build_notice,
    pick_headlines,
    sign_notice,
    write_notice,
)
from kiosk.admin.opencache import cache_key
from kiosk.admin.plan import (
    Action,
    PlanError,
    checked_text,
    find,
    list_actions,
    new_action,
    plan_lines,
    plan_row,
    save_actions,
    with_status,
)
from kiosk.admin.publication import instrument_info
from kiosk.admin.releases import read_releases
from kiosk.admin.report_text import safe
from kiosk.admin.thresholds import store_thresholds
from kiosk.cli_common import CommandError, ask_passphrase
from kiosk.config import default_config_dir, load_instruments
from kiosk.instruments import Text
from kiosk.keyfiles import SIGNING_KEY_FILE, load_private_key_file, load_signing_key_file
from kiosk.notice import LIMITS, STATUSES, Headline

EXIT_FAILED = 1
DEFAULT_DAYS = 56


def _error(message: str, exit_code: int = 2) -> Exception:
    return CommandError(message, exit_code)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-03-02") from None


def cmd_plan(args: argparse.Namespace) -> int:
    """kiosk-admin plan …: add, list, edit or close actions of the handleplan."""
    private_key = load_private_key_file(args.key, ask_passphrase(args.key))
    today = date.today()
    with AdminStore.open(args.store) as store:
        actions = list_actions(store, private_key)
        try:
            if args.plan_command == "list":
                shown = [a for a in actions if args.site is None or a.site in (None, args.site)]
                if args.json:
                    print(json.dumps([plan_row(a) for a in shown], ensure_ascii=False, indent=1))
                    return 0
                if not shown:
                    print("The plan has no actions yet: add one with kiosk-admin plan add.")
                for line in plan_lines(shown, args.lang):
                    print(safe(line))
                return 0
            if args.plan_command == "add":
                action = new_action(
                    actions,
                    heard=Text(args.heard, args.heard_en or ""),
                    do=Text(args.do, args.do_en or ""),
                    who=args.who or "",
                    by=args.by,
                    focus=args.focus,
                    site=args.site,
                    today=today,
                )
                actions.append(action)
                verb = "Added"
            else:
                position = find(actions, args.number)
                action = actions[position]
                if args.plan_command == "done":
                    action = with_status(action, "done", today)
                else:
                    action = _edited(action, args, today)
                actions[position] = action
                verb = "Marked done" if args.plan_command == "done" else "Changed"
        except PlanError as error:
            raise _error(str(error)) from None
        save_actions(store, private_key, actions)
    print(f"{verb}: {safe(plan_lines([action], args.lang)[0])}")
    return 0


def _edited(action: Action, args: argparse.Namespace, today: date) -> Action:
    changes: dict[str, object] = {}
    if args.heard is not None or args.heard_en is not None:
        changes["heard"] = Text(
            checked_text(args.heard or action.heard.da, LIMITS["heard"], "--heard"),
            checked_text(
                action.heard.en if args.heard_en is None else args.heard_en,
                LIMITS["heard"],
                "--heard-en",
            ),
        )
    if args.do is not None or args.do_en is not None:
        changes["do"] = Text(
            checked_text(args.do or action.do.da, LIMITS["do"], "--do"),
            checked_text(
                action.do.en if args.do_en is None else args.do_en, LIMITS["do"], "--do-en"
            ),
        )
    if args.who is not None:
        changes["who"] = checked_text(args.who, LIMITS["who"], "--who")
    if args.by is not None:
        changes["by"] = args.by
    if args.focus is not None:
        changes["focus"] = args.focus
    if args.site is not None:
        changes["site"] = args.site or None
    edited = replace(action, **changes)  # type: ignore[arg-type]
    if args.status is not None:
        edited = with_status(edited, args.status, today)
    return edited


def cmd_notice(args: argparse.Namespace) -> int:
    """kiosk-admin notice: sign a notice of the plan for one site, to carry to its kiosk."""
    passphrase = ask_passphrase(args.key)
    private_key = load_private_key_file(args.key, passphrase)
    signing_path = args.signing_key or Path(args.key).parent / SIGNING_KEY_FILE
    signing_key = load_signing_key_file(signing_path, passphrase)
    valid_from = args.valid_from or date.today()
    valid_until = args.valid_until or valid_from + timedelta(days=DEFAULT_DAYS)
    try:
        requests = [HeadlineRequest.parse(text) for text in args.headline]
        with AdminStore.open(args.store) as store:
            actions = list_actions(store, private_key)
            headlines = published_headlines(store, private_key, requests, args.site)
        chosen = actions_for(actions, args.site, args.action)
        title = Text(
            args.title or DEFAULT_TITLE.da, args.title_en or args.title or DEFAULT_TITLE.en
        )
        notice = build_notice(
            chosen,
            site=args.site,
            valid_from=valid_from,
            valid_until=valid_until,
            title=Text(
                checked_text(title.da, LIMITS["title"], "--title"),
                checked_text(title.en, LIMITS["title"], "--title-en"),
            ),
            headlines=headlines,
        )
        write_notice(args.out, sign_notice(notice, signing_key))
    except (NoticeBuildError, PlanError) as error:
        raise _error(str(error)) from None
    print(
        f"Wrote the notice for '{safe(args.site)}' with {len(chosen)} action"
        f"{'' if len(chosen) == 1 else 's'}, valid "
        f"{valid_from.isoformat()} to {valid_until.isoformat()}, to {args.out}"
    )
    print(
        "Copy it to a USB stick and import it in the kiosk's admin mode (or run: kiosk notice "
        f"--data-dir DIR {Path(args.out).name})."
    )
    return 0


def published_headlines(
    store: AdminStore,
    private_key: X25519PrivateKey,
    requests: list[HeadlineRequest],
    site: str,
) -> tuple[Headline, ...]:
    """The requested results as the last report published them (its release), or refuse.

    A notice repeats only numbers a report has already published: the latest release of the
    store's publication table holds exactly those, so nothing new is published here.
    """
    if not requests:
        return ()
    releases = read_releases(store.folder, cache_key(private_key))
    if not releases:
        raise NoticeBuildError(
            "No report has been made from this store yet: a notice repeats only results a "
            "report has published. Run kiosk-admin report first."
        )
    config = store_thresholds(store)
    rules = Rules(config.min_group, config.min_group_text)
    instruments = load_instruments(default_config_dir() / "instruments")
    labels = {
        (instrument.id, question.id): question.label
        for instrument in instruments.values()
        for question in instrument_info(instrument, rules).questions
    }
    return pick_headlines(
        releases[-1].cells, requests, site=site, labels=labels, min_group=config.min_group
    )


def _store_and_key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, required=True, help="the admin store folder")
    parser.add_argument("--key", type=Path, required=True, help="admin-key.pem")


def _texts(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--heard", required=required, help="what we heard (Danish)")
    parser.add_argument("--heard-en", default=None, help="what we heard, in English")
    parser.add_argument("--do", required=required, help="what we do (Danish)")
    parser.add_argument("--do-en", default=None, help="what we do, in English")
    parser.add_argument("--who", default=None, help="who is responsible (a role)")
    parser.add_argument("--by", type=_day, default=None, help="done by this day, e.g. 2027-01-31")
    parser.add_argument("--site", default=None, help="the site it is for (default: every site)")


def add_plan_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `plan` and `notice` on the `kiosk-admin` parser."""
    plan = commands.add_parser("plan", help="the action plan: add, list, edit, done")
    actions = plan.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add an agreed action")
    _store_and_key(add)
    _texts(add, required=True)
    add.add_argument(
        "--focus",
        required=True,
        help="the report's focus area: instrument or instrument/site/period",
    )
    listing = actions.add_parser("list", help="list the actions, open first")
    _store_and_key(listing)
    listing.add_argument("--site", default=None, help="only this site's (and every site's)")
    listing.add_argument("--json", action="store_true", help="as JSON, for other tools")
    edit = actions.add_parser("edit", help="change an action")
    _store_and_key(edit)
    edit.add_argument("number", type=int, help="the action's number (plan list)")
    _texts(edit, required=False)
    edit.add_argument("--focus", default=None, help="the report's focus area")
    edit.add_argument("--status", choices=STATUSES, default=None)
    done = actions.add_parser("done", help="mark an action done")
    _store_and_key(done)
    done.add_argument("number", type=int, help="the action's number (plan list)")
    for sub in (add, listing, edit, done):
        sub.add_argument("--lang", choices=("da", "en"), default="da")
    plan.set_defaults(handler=cmd_plan)
    for sub in (add, listing, edit, done):
        sub.set_defaults(handler=cmd_plan)

    notice = commands.add_parser("notice", help="sign a notice of the plan for a site's kiosk")
    _store_and_key(notice)
    notice.add_argument("--site", required=True, help="the site's name, as its kiosk has it")
    notice.add_argument("--out", type=Path, required=True, help="the notice file to write (.tkn)")
    notice.add_argument("--signing-key", type=Path, default=None, help="admin-signing-key.pem")
    notice.add_argument(
        "--from", dest="valid_from", type=_day, default=None, help="first day shown"
    )
    notice.add_argument("--until", dest="valid_until", type=_day, default=None, help="last day")
    notice.add_argument("--title", default=None, help="the title (Danish)")
    notice.add_argument("--title-en", default=None, help="the title in English")
    notice.add_argument(
        "--action", type=int, action="append", default=[], help="show this action (repeatable)"
    )
    notice.add_argument(
        "--headline",
        action="append",
        default=[],
        help="a published result: instrument/question/period, e.g. support/total/2026-11",
    )
    notice.set_defaults(handler=cmd_notice)
