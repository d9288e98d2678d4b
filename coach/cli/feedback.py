"""`coach feedback-export`: down-voted answers from a chats export -> eval candidates (YAML)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "feedback-export", help="turn answers marked 'not helpful' into eval candidates",
        description="Read the chats JSON saved by the web app (Ask tab → Saved chats → "
        "Download all chats) and write each thumbs-down answer as a case in the evals/qa.yaml "
        "format, for a reviewer to finish. Nothing is sent anywhere.")
    parser.add_argument("--chats", required=True, metavar="FILE", help="the chats JSON export")
    parser.add_argument("--out", metavar="FILE",
                        help="write here (default: print), e.g. evals/feedback_candidates.yaml")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    import sys

    from coach.history.feedback import candidates, candidates_yaml, read_export

    store = read_export(args.chats)
    text = candidates_yaml(store)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {len(candidates(store))} candidate(s) to {args.out}", file=sys.stderr)
    else:
        print(text, end="")
    return 0
