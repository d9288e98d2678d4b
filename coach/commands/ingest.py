"""`coach ingest`: build or update the knowledge index."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="build or update the guide index",
                            description="Index knowledge/ (and --source files) into Chroma. "
                            "Unchanged chunks are not re-embedded.")
    parser.add_argument("--source", action="append", type=Path, default=[],
                        help="extra .md/.txt/.pdf file or folder (repeatable)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild from scratch (built aside, then switched in)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from coach.config import get_settings
    from coach.index import ingest

    settings = get_settings()
    report = ingest(settings, sources=args.source, rebuild=args.rebuild, progress=not args.quiet)
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host \
        else str(settings.chroma_dir)
    print(f"Indexed {report.summary()} -> {report.collection} ({where})")
    for name, reason in report.skipped:
        print(f"warning: skipped {name}: {reason}")
    return 0
