"""CLI sub-commands, one module per feature; each exposes `add_parser(subparsers)`.

A sub-command sets `handler=fn(args) -> int` with `parser.set_defaults(handler=...)`.
"""

from __future__ import annotations

import argparse
import importlib

MODULES = ["ask", "ingest", "email", "rehearse", "serve", "evaluate", "bench", "match",
           "tracker", "feedback", "local_llm"]


def register_all(sub: argparse._SubParsersAction) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(f"coach.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"coach.cli.{name}":
                continue  # feature not installed in this build
            raise
        module.add_parser(sub)


def add_engine_option(parser: argparse.ArgumentParser, help: str,  # noqa: A002 - argparse's name
                      default: str | None = None) -> None:
    """The `--engine auto|guide|llm` option every model-using sub-command takes."""
    parser.add_argument("--engine", choices=["auto", "guide", "llm"], default=default, help=help)
