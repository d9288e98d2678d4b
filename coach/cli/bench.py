"""`coach bench`: run the benchmarks (the `benchmarks` package) into bench-out/."""

from __future__ import annotations

import argparse
import sys

from coach.errors import ConfigError
from coach.paths import REPO_ROOT, in_checkout


def _benchmarks_importable() -> None:
    """`benchmarks/` is not installed (pyproject includes coach only): reach it in a checkout."""
    if in_checkout() and (REPO_ROOT / "benchmarks").is_dir() and str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="measure speed and memory against floors",
                            description="Benchmark answer latency, cold start, ingest, LLM "
                            "overhead, the served app and memory, each as a ratio to a floor "
                            "measured in the same run.")
    _benchmarks_importable()
    try:
        from benchmarks.__main__ import add_arguments
    except ModuleNotFoundError as exc:  # an install that predates benchmarks/
        if exc.name != "benchmarks":
            raise
        for flag in ("--size", "--out", "--only", "--skip"):  # accepted, to reach the message
            parser.add_argument(flag, nargs="*", help=argparse.SUPPRESS)
        parser.set_defaults(handler=_missing)
        return
    add_arguments(parser)
    parser.set_defaults(handler=run)


def _missing(args: argparse.Namespace) -> int:
    raise ConfigError("The benchmarks package is not installed: run `coach bench` or "
                      "`python -m benchmarks` from a checkout of the repository.")


def run(args: argparse.Namespace) -> int:
    from benchmarks.__main__ import run_from_args

    return run_from_args(args)
