"""`coach ingest`: build or update the knowledge index."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="build or update the guide index",
                            description="Index knowledge/ (and --source files) into Chroma. "
                            "Unchanged chunks are not re-embedded. New or changed files are "
                            "screened first: a file with instructions to a model, requests for "
                            "credentials or personal data, or links outside "
                            "knowledge/allowed_links.yaml is quarantined (not indexed) until "
                            "you pass --allow FILE. Exit status 1 when a file was quarantined.")
    parser.add_argument("--source", action="append", type=Path, default=[],
                        help="extra .md/.txt/.pdf file or folder (repeatable)")
    parser.add_argument("--allow", action="append", default=[], metavar="FILE",
                        help="index this quarantined file anyway, as it is now (repeatable; "
                        "its name as reported, or its path)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild from scratch (built aside, then switched in)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from coach.config import get_settings
    from coach.index.store import ingest

    settings = get_settings()
    report = ingest(settings, sources=args.source, rebuild=args.rebuild, progress=not args.quiet,
                    allow=args.allow)
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host \
        else str(settings.chroma_dir)
    print(f"Indexed {report.summary()} -> {report.collection} ({where})")
    for name, reason in report.skipped:
        print(f"warning: skipped {name}: {reason}")
    for name in report.allowed:
        print(f"note: indexed {name} despite its findings (--allow)")
    for quarantine in report.quarantined:
        print(f"QUARANTINED {quarantine.name} (not indexed; check it, then "
              f"`coach ingest --allow {quarantine.name}` if it is safe):")
        for line in quarantine.lines():
            print(f"  {line}")
    return 1 if report.quarantined else 0
