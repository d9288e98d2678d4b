"""Write a run's table into README.md, between `<!-- bench:start -->` and `<!-- bench:end -->`."""

from __future__ import annotations

import datetime
from pathlib import Path

from benchmarks.report import Report

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def readme_block(report: Report) -> str:
    """The README's benchmark block: when, where, at what load, then the table."""
    day = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    command = f"`python -m benchmarks --size {report.size}`"
    return "\n".join([START, f"Latest figures ({day}, {command}). {report.heading()}", "",
                      *report.table(), END])


def update_readme(path: Path, report: Report) -> None:
    """Replace the block between the markers (an error when the markers are missing)."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{path} has no {START} ... {END} block to replace")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(head + readme_block(report) + tail, encoding="utf-8")
