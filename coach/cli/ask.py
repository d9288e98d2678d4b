"""`coach ask`: one question as an argument, or one per line on stdin; with --chat, the lines
are one conversation (each question follows up on the answers before it), typed at a prompt
when stdin is a terminal."""

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
    parser.add_argument("--chat", action="store_true",
                        help="a conversation: each question read from stdin (or typed at the "
                        "prompt) follows up on the questions and answers before it, as in the "
                        "web app; an empty line or Ctrl-D ends it")
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
    from coach.ask.inputs import MAX_HISTORY_TURNS, clean_question
    from coach.config import get_settings

    settings = get_settings()
    if args.chat and args.question is not None:
        print("coach: error: --chat reads the conversation from stdin or the prompt; leave out "
              "QUESTION", file=sys.stderr)
        return 2
    if args.question is not None:
        clean_question(args.question, settings.max_question_chars)  # fail fast, before loading
        coach = Coach.from_settings(settings)
        _print(coach.ask(args.question, engine=args.engine), args.json)
        return 0
    coach = Coach.from_settings(settings)
    failures = 0
    history: list[dict] = []
    for line in _lines(args.chat):
        if not line.strip():
            if args.chat and sys.stdin.isatty():
                break  # an empty line at the prompt ends the conversation
            continue
        try:
            answer = coach.ask(line, history=history if args.chat else None, engine=args.engine)
        except CoachError as exc:
            failures += 1
            if args.json:
                from coach.ask.present import error_json_line

                print(error_json_line(str(exc)), flush=True)
            else:
                print(f"coach: error: {exc}", file=sys.stderr)
            continue
        _print(answer, args.json)
        if args.chat and not args.json:
            print(flush=True)  # a blank line between the turns of a conversation
        if args.chat:  # no more than the coach reads (it keeps the newest turns)
            history = [*history, {"role": "user", "content": line.strip()},
                       {"role": "assistant", "content": answer.answer}][-MAX_HISTORY_TURNS:]
    return 1 if failures else 0


def _lines(chat: bool):  # noqa: ANN202 - an iterator of lines
    """stdin's lines; at a terminal in a chat, each read after a "you> " prompt on stderr."""
    if not (chat and sys.stdin.isatty()):
        yield from sys.stdin
        return
    print("Mentor Coach: ask a question; follow-ups build on the answers. An empty line ends.",
          file=sys.stderr)
    while True:
        print("you> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            print(file=sys.stderr)
            return
        yield line
