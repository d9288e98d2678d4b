"""`python -m benchmarks [--size tiny|small|full] [--out DIR] [--only PART ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.context import SIZES
from benchmarks.runner import PARTS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (shared with `coach bench`)."""
    parser.add_argument("--size", choices=list(SIZES), default="full",
                        help="tiny: smoke run (~1 min); small; full: 10,000-chunk corpus, "
                        "15 s per load level (default)")
    parser.add_argument("--out", type=Path, default=Path("bench-out"),
                        help="where bench.md and bench.json go (default: bench-out/)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), metavar="PART",
                        help=f"run only these parts ({', '.join(PARTS)}); the guide ingest "
                        "always runs")
    parser.add_argument("--skip", nargs="+", choices=PARTS, default=[], metavar="PART",
                        help="leave out these parts")


def run_from_args(args: argparse.Namespace) -> int:
    """Run the benchmark; exit 1 when a part failed (a missing ratio), else 0."""
    from benchmarks.runner import run

    parts = tuple(p for p in args.only if p not in args.skip)
    report = run(size=args.size, out_dir=args.out, parts=parts)
    failed = [r.figure for r in report.rows if r.figure.endswith("FAILED")]
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Mentor Coach benchmarks (ratios to floors).")
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
