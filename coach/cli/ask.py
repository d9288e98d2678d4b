"""`coach ask`: one question as an argument, or one per line on stdin."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from coach.cli.registry import add_engine_option
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.ask.result import Answer


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ask", help="ask a mentorship question",
                            description="Answer a mentorship question from the AMWA guide. With "
                            "no QUESTION, read one question per line from stdin.")
    parser.add_argument("question", nargs="?", help="the question (omit to read stdin)")
    parser.add_argument("--json", action="store_true", help="print JSON (JSON Lines for stdin)")
    add_engine_option(parser, "which engine answers (default: auto = LLM if configured)")
    parser.set_defaults(handler=run)


def _print(answer: Answer, as_json: bool) -> None:
    from coach.ask.present import as_terminal, json_line  # loaded with the coach, not for --help

    if as_json:
        print(json_line(answer), flush=True)
        return
    shown = as_terminal(answer)
    if shown.notice:
        print(shown.notice, file=sys.stderr)
    print(shown.text, flush=True)


def run(args: argparse.Namespace) -> int:
    from coach.ask.answer import Coach
    from coach.ask.inputs import clean_question
    from coach.config import get_settings

    settings = get_settings()
    if args.question is not None:
        clean_question(args.question, settings.max_question_chars)  # fail fast, before loading
        coach = Coach.from_settings(settings)
        _print(coach.ask(args.question, engine=args.engine), args.json)
        return 0
    coach = Coach.from_settings(settings)
    failures = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            _print(coach.ask(line, engine=args.engine), args.json)
        except CoachError as exc:
            failures += 1
            if args.json:
                from coach.ask.present import error_json_line

                print(error_json_line(str(exc)), flush=True)
            else:
                print(f"coach: error: {exc}", file=sys.stderr)
    return 1 if failures else 0
