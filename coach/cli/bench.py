"""`coach bench`: run the benchmarks (the `benchmarks` package) into bench-out/."""

from __future__ import annotations

import argparse

from coach.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="measure speed and memory against floors",
                            description="Benchmark answer latency, cold start, ingest, LLM "
                            "overhead, the served app and memory, each as a ratio to a floor "
                            "measured in the same run.")
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
    raise ConfigError("The benchmarks package is not installed: run `python -m benchmarks` from "
                      "the repository root, or reinstall with `pip install -e .`.")


def run(args: argparse.Namespace) -> int:
    from benchmarks.__main__ import run_from_args

    return run_from_args(args)
