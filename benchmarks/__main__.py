"""`python -m benchmarks [--size tiny|small|full] [--out DIR] [--only PART ...]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from benchmarks.context import SIZES
from benchmarks.runner import EXTRA_PARTS, PARTS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (shared with `coach bench`)."""
    parser.add_argument("--size", choices=list(SIZES), default="full",
                        help="tiny: smoke run (~1 min); small; full: 10,000-chunk corpus, "
                        "15 s per load level (default)")
    parser.add_argument("--out", type=Path, default=Path("bench-out"),
                        help="where bench.md and bench.json go (default: bench-out/)")
    parser.add_argument("--only", nargs="+", choices=PARTS + EXTRA_PARTS, default=list(PARTS),
                        metavar="PART",
                        help=f"run only these parts ({', '.join(PARTS)}); the guide ingest "
                        "always runs")
    parser.add_argument("--with", dest="extra", nargs="+", choices=EXTRA_PARTS, default=[],
                        metavar="PART", help="also run these opt-in parts (sweep: the serving "
                        "settings, torch threads x answers at once)")
    parser.add_argument("--skip", nargs="+", choices=PARTS, default=[], metavar="PART",
                        help="leave out these parts")
    parser.add_argument("--seed", type=int, default=None,
                        help="the question sample's seed (default: a new one each run)")
    parser.add_argument("--readme", type=Path, default=None, metavar="README.md",
                        help="also write the table between the bench markers of this file")
    parser.add_argument("--force", action="store_true",
                        help="run even when the machine is busy (the report is flagged)")


def run_from_args(args: argparse.Namespace) -> int:
    """Run the benchmark; exit 1 when a part failed (a missing ratio), else 0."""
    from benchmarks.report import BUSY_PER_CORE, is_busy, load_average
    from benchmarks.runner import run

    if is_busy() and not args.force:
        print(f"The machine is busy (load average {load_average()}, {os.cpu_count()} CPU; "
              f"quiet means below {BUSY_PER_CORE:g} per core): timings would be distorted. "
              "Wait for a quiet machine, or pass --force to run anyway (the report is flagged).",
              file=sys.stderr)
        return 2
    parts = tuple(p for p in (*args.only, *args.extra) if p not in args.skip)
    report = run(size=args.size, out_dir=args.out, parts=parts, seed=args.seed,
                 readme=args.readme)
    failed = [r.figure for r in report.rows if r.figure.endswith("FAILED")]
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Mentor Coach benchmarks (ratios to floors).")
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
