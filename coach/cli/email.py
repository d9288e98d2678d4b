"""`coach email` drafts a mentorship outreach email; `coach check-email` reviews any draft."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.cli.registry import add_engine_option
from coach.errors import InputError

# = coach.email.request.KINDS; not imported here so other sub-commands don't load the email module
KINDS = ("faculty", "research", "peer", "follow_up", "thank_you")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "email", help="draft a mentorship outreach email",
        description="Draft an outreach email (faculty, research, peer, follow_up or thank_you) "
        "from a YAML or JSON request, with a checklist grounded in the AMWA guide.")
    parser.add_argument("--request", required=True, metavar="FILE",
                        help="YAML or JSON outreach request")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--goals", metavar="N,N", default=None,
                        help="which of your goals to include, by number (1-based, at most 3); "
                        "default: the ones that fit this kind of email")
    parser.add_argument("--eml", metavar="OUT", help="also write the draft as an .eml file")
    parser.add_argument("--to", metavar="ADDRESS", help="recipient for the .eml file")
    add_engine_option(parser, "who drafts (default: auto = LLM if configured, checked by the "
                      "guide)")
    parser.set_defaults(handler=run_email)

    check = sub.add_parser(
        "check-email", help="check an outreach email draft against the AMWA guide",
        description="Print a checklist for a draft (a file, or - for stdin). The draft may "
        "start with a 'Subject:' line. With --request, also check its facts.")
    check.add_argument("draft", metavar="DRAFT_FILE", help="the draft, or - to read stdin")
    check.add_argument("--request", metavar="FILE", help="the outreach request it was written for")
    check.add_argument("--kind", choices=KINDS, help="the kind of email (default: from --request)")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=run_check)


def load_request(path: str | Path):
    """Read and validate a YAML/JSON request file; problems become `InputError` (exit 2)."""
    from coach.email.request import parse_request
    from coach.yamlio import read_file

    return parse_request(read_file(path, "Request"))


def draft_model(engine: str | None):
    """The chat model that drafts (None: the guide engine), decided by `coach.engine`."""
    from coach.config import get_settings
    from coach.email.engines import draft_model as choose_model

    return choose_model(get_settings(), engine)


def run_email(args: argparse.Namespace) -> int:
    from coach.email.drafting import SafetyStop, draft_email
    from coach.email.export import to_eml
    from coach.email.present import draft_json, draft_text

    request = load_request(args.request)
    if args.goals:
        try:
            chosen = [int(x) for x in args.goals.split(",") if x.strip()]
        except ValueError:
            raise InputError(f"--goals takes numbers like 1,3 (got {args.goals!r})") from None
        request = request.model_copy(update={"chosen_goals": chosen})
    try:
        draft = draft_email(request, llm=draft_model(args.engine))
    except SafetyStop as stop:
        print(stop.response)
        return 0
    if args.eml:
        try:
            Path(args.eml).write_bytes(to_eml(draft, request, to=args.to))
        except OSError as exc:
            raise InputError(f"Cannot write {args.eml}: {exc}") from None
    if args.json:
        print(json.dumps(draft_json(draft), ensure_ascii=False))
        return 0
    if draft.notice:
        print(f"[notice] {draft.notice}", file=sys.stderr)
    print(draft_text(draft))
    if args.eml:
        print(f"\nSaved {args.eml} (open it in your mail app to send).")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from coach.email.check import MAX_DRAFT_CHARS, check_email
    from coach.email.present import checklist_json, checklist_text

    request = load_request(args.request) if args.request else None
    if args.draft == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.draft).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"Draft file not found: {args.draft}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"Cannot read draft file {args.draft}: {exc}") from None
    if not text.strip():
        raise InputError("The draft is empty.")
    if len(text) > MAX_DRAFT_CHARS:
        raise InputError(f"The draft is {len(text):,} characters; the limit is "
                         f"{MAX_DRAFT_CHARS:,}. Is this the right file?")
    checks = check_email(text, request, kind=args.kind)
    assumed = args.kind is None and request is None  # checked as a first faculty request
    if args.json:
        out = {"checks": checklist_json(checks)}
        if assumed:
            out["kind_assumed"] = "faculty"
        print(json.dumps(out, ensure_ascii=False))
    else:
        if assumed:  # a new user's thank-you note was failed on times and goals without a word
            print("Checked as a first request to a faculty mentor; for another kind of email "
                  "add --kind research, peer, follow_up or thank_you.\n")
        print(checklist_text(checks))
    return 0
