"""`coach tracker`: the outreach tracker file: next steps, follow-ups due, drafts, .ics."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from coach.cli.registry import add_engine_option
from coach.errors import InputError
from coach.markdown import unbold


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-20") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "tracker", help="outreach tracker: who you contacted and what is due next",
        description="Read an outreach tracker (YAML/JSON: follow_up_days, student, entries) and "
        "print each person's next step, with follow-ups due first. Optionally add or update "
        "a person, draft their follow-up or thank-you, or export reminders as .ics.")
    parser.add_argument("--file", required=True, metavar="TRACKER",
                        help="the tracker file (created by --add if missing)")
    parser.add_argument("--today", type=_date, help="compute as of this date (YYYY-MM-DD)")
    parser.add_argument("--days", type=int, metavar="N",
                        help="follow up after N days without a reply (saved in the file)")
    parser.add_argument("--due", action="store_true", help="list only what is due")
    parser.add_argument("--add", metavar="JSON",
                        help='add or update a person, e.g. \'{"name": "Dr. Lee", "status": '
                        '"sent", "date_sent": "2026-11-20"}\'')
    parser.add_argument("--remove", metavar="NAME", help="remove a person")
    parser.add_argument("--draft", metavar="NAME", help="draft the email for this person")
    parser.add_argument("--kind", choices=["follow_up", "thank_you"],
                        help="with --draft: the kind of email (default: from their status)")
    add_engine_option(parser, "with --draft: who drafts (default: auto)")
    parser.add_argument("--sent-follow-up", metavar="NAME",
                        help="record that you sent NAME a follow-up today")
    parser.add_argument("--ics", metavar="OUT", help="write reminders as an .ics calendar file")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_tracker)


def run_tracker(args: argparse.Namespace) -> int:
    from coach.tracker import edit
    from coach.tracker.models import load_tracker, parse_tracker, save_tracker
    from coach.tracker.reminders import reminders

    path = Path(args.file)
    if not path.exists() and not args.add:
        raise InputError(f"{path}: no such file (create it with --add, or see README).")
    tracker = load_tracker(path)
    today = args.today or date.today()
    changed = False
    if args.days is not None:
        tracker = parse_tracker({**tracker.model_dump(), "follow_up_days": args.days},
                                source="--days")
        changed = True
    if args.add:
        try:
            data = json.loads(args.add)
        except ValueError as exc:
            raise InputError(f"--add: not valid JSON ({exc.msg}).") from None
        tracker, changed = edit.upsert(tracker, data), True
    if args.remove:
        tracker, changed = edit.remove(tracker, args.remove), True
    if args.sent_follow_up:
        tracker, changed = edit.record_follow_up(tracker, args.sent_follow_up, today), True
    if changed:
        save_tracker(tracker, path)
    if args.draft:
        return _print_draft(tracker, args, today)
    if args.ics:
        from coach.tracker.calendar import to_ics

        Path(args.ics).write_bytes(to_ics(tracker, today))
    items = [r for r in reminders(tracker, today) if r.is_due or not args.due]
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in items], indent=2))
        return 0
    if not items:
        print("Nothing due." if args.due and tracker.entries else "No one in the tracker yet.")
    for item in items:
        flag = "DUE  " if item.is_due else "     "
        when = f" (due {item.due.isoformat()})" if item.due else ""
        print(f"{flag}{item.name} [{item.status}]{when}: {item.next_step}")
        if item.status == "said no":
            print(f"     Guide: {item.guide}")
    if args.ics:
        print(f"Wrote {args.ics}")
    return 0


def _print_draft(tracker, args: argparse.Namespace, today: date) -> int:
    from coach.cli.email import draft_model
    from coach.email.present import draft_json
    from coach.tracker.drafts import draft_for

    draft = draft_for(tracker, args.draft, args.kind, today, llm=draft_model(args.engine))
    if args.json:
        print(json.dumps(draft_json(draft), indent=2))
    else:
        print(draft.text)
        if draft.care:  # the safety gate was unsure about something in the tracker's notes
            print(f"\n{unbold(draft.care)}")
    return 0
