"""The `coach` command: thin shells over the Python API."""

from __future__ import annotations

import argparse
import logging
import sys

from coach.config import disable_telemetry
from coach.errors import CoachError, InputError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Mentor Coach: mentorship coaching for medical students, grounded in the "
        "AMWA Medical Student Mentorship Guide.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Each feature module registers its own sub-command (see coach/cli/).
    from coach.cli.registry import register_all

    register_all(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    disable_telemetry()  # before chromadb/gradio/langchain are imported
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from coach.logs import install_redaction

    install_redaction()
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"coach: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CoachError as exc:
        print(f"coach: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
