"""What the board takes away: pairs CSV, reasons, family tree, rows kept aside, and the
introduction drafts as .eml files in a zip. Written only where the board asks."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from coach.errors import InputError
from coach.matching.assign import MatchResult
from coach.matching.intro import (
    DEFAULT_CHAPTER,
    Introduction,
    draft_introduction,
    introductions_zip,
)
from coach.matching.roster import Roster
from coach.matching.tree import family_tree

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PAIR_COLUMNS = ["mentor", "mentor_year", "mentee", "mentee_year", "score", "kind", "fixed",
                "reasons"]


class Outputs(BaseModel):
    pairs_csv: Path
    reasons_md: Path
    tree_md: Path
    introductions_zip: Path
    row_errors_csv: Path | None = None


def pairs_csv(result: MatchResult) -> str:
    """One line per pair: names, classes, score, kind (mentee/chain), fixed, reasons."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PAIR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for pair in sorted(result.pairs, key=lambda p: (p.mentee_year, -p.score)):
        writer.writerow({**pair.model_dump(include=set(PAIR_COLUMNS) - {"reasons"}),
                         "mentor_year": f"MS{pair.mentor_year}",
                         "mentee_year": f"MS{pair.mentee_year}",
                         "fixed": "yes" if pair.fixed else "no",
                         "reasons": "; ".join(pair.reasons)})
    return buffer.getvalue()


def reasons_markdown(result: MatchResult, roster: Roster | None = None) -> str:
    """The board's review sheet: every pair with its score parts and reasons, then who is
    unpaired, mentors with places left, and the rows kept aside."""
    lines = ["# Proposed pairs", ""]
    for pair in sorted(result.pairs, key=lambda p: (p.mentee_year, -p.score)):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in pair.parts.items())
        flag = " — fixed by the board" if pair.fixed else ""
        lines += [f"## {pair.mentor} (MS{pair.mentor_year}) → {pair.mentee} "
                  f"(MS{pair.mentee_year}): {pair.score:.0f}{flag}", "",
                  *[f"- {r}" for r in pair.reasons], f"- parts: {parts}", ""]
    if result.unmatched:
        lines += ["# Not paired", "", *[f"- {u.name} (MS{u.year}): {u.reason}"
                                        for u in result.unmatched], ""]
    if result.spare_mentors:
        lines += ["# Mentors with places left", "",
                  *[f"- {u.name} (MS{u.year}): {u.reason}" for u in result.spare_mentors], ""]
    if roster and roster.errors:
        lines += ["# Rows kept aside (fix them and re-run)", "",
                  *[f"- {e.message}" for e in roster.errors], ""]
    return "\n".join(lines)


def row_errors_csv(roster: Roster) -> str:
    """The rows kept aside with their original values and the problem, to fix and re-import."""
    columns = list(dict.fromkeys(k for e in roster.errors for k in e.values))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["row", "problems", *columns],
                            lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for error in roster.errors:
        writer.writerow({**error.values, "row": error.row, "problems": "; ".join(error.problems)})
    return buffer.getvalue()


def draft_all(result: MatchResult, roster: Roster, chapter: str = DEFAULT_CHAPTER,
              llm: BaseChatModel | None = None,
              progress: Callable[[], None] | None = None) -> list[Introduction]:
    """An introduction for every pair, in the order of the pairs CSV."""
    rows = {s.name: s for s in roster.students}
    intros = []
    for pair in sorted(result.pairs, key=lambda p: (p.mentee_year, -p.score)):
        intros.append(draft_introduction(pair, rows[pair.mentor], rows[pair.mentee], chapter, llm))
        if progress:
            progress()
    return intros


def write_outputs(out_dir: Path, result: MatchResult, roster: Roster,
                  intros: list[Introduction]) -> Outputs:
    """Write everything to `out_dir` (created if needed); file names are fixed."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        outputs = Outputs(pairs_csv=out_dir / "pairs.csv", reasons_md=out_dir / "reasons.md",
                          tree_md=out_dir / "family-tree.md",
                          introductions_zip=out_dir / "introductions.zip")
        outputs.pairs_csv.write_text(pairs_csv(result), encoding="utf-8")
        outputs.reasons_md.write_text(reasons_markdown(result, roster), encoding="utf-8")
        outputs.tree_md.write_text(family_tree(result), encoding="utf-8")
        outputs.introductions_zip.write_bytes(introductions_zip(intros))
        if roster.errors:
            outputs.row_errors_csv = out_dir / "row-errors.csv"
            outputs.row_errors_csv.write_text(row_errors_csv(roster), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write to {out_dir}: {exc.strerror or exc}") from None
    return outputs
