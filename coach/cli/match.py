"""`coach match`: pair a chapter's mentors and mentees from the questionnaire export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.cli.registry import add_engine_option
from coach.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "match", help="pair chapter mentors and mentees (Find your FAMWA)",
        description="Read the board's questionnaire export (CSV), propose mentor-mentee pairs "
        "with scores and reasons, and write pairs.csv, reasons.md, family-tree.md and "
        "introductions.zip (.eml drafts; nothing is sent). Template: "
        "coach/matching/template.csv.")
    parser.add_argument("--roster", required=True, metavar="CSV", help="questionnaire export")
    parser.add_argument("--weights", metavar="YAML",
                        help="the board's weights (default: coach/matching/weights.yaml)")
    parser.add_argument("--out", default="match-out", metavar="DIR",
                        help="where to write the results (default: match-out/)")
    parser.add_argument("--fix", action="append", default=[], metavar="MENTOR>MENTEE",
                        help="keep this pair whatever the scores (repeatable)")
    parser.add_argument("--forbid", action="append", default=[], metavar="A>B",
                        help="never pair these two (repeatable)")
    parser.add_argument("--chapter", default="AMWA chapter", help="name used in the emails")
    add_engine_option(parser, "who drafts the introductions (default: guide)", default="guide")
    parser.set_defaults(handler=run_match)


def parse_pair(text: str, option: str) -> tuple[str, str]:
    """'Sam Chen > Alex Rivera' -> ('Sam Chen', 'Alex Rivera')."""
    left, sep, right = text.partition(">")
    if not sep or not left.strip() or not right.strip():
        raise InputError(f"{option} {text!r}: write it as \"Mentor Name > Mentee Name\".")
    return " ".join(left.split()), " ".join(right.split())


def print_summary(result, roster, stream=None) -> None:
    """The summary table: one line per pair, best first within each class."""
    out = stream or sys.stdout
    rows = sorted(result.pairs, key=lambda p: (p.mentee_year, -p.score))
    width = max([len("mentor"), *(len(p.mentor) for p in rows)])
    width_e = max([len("mentee"), *(len(p.mentee) for p in rows)])
    print(f"{'mentor':<{width}}  {'mentee':<{width_e}}  score  reasons", file=out)
    for p in rows:
        reasons = "; ".join(p.reasons)
        reasons = reasons if len(reasons) <= 70 else reasons[:69] + "…"
        mark = "*" if p.fixed else " "
        print(f"{p.mentor:<{width}}  {p.mentee:<{width_e}}  {p.score:>4.0f}{mark} {reasons}",
              file=out)
    print(f"\n{len(result.pairs)} pairs ({sum(p.kind == 'chain' for p in rows)} chain links, "
          f"{sum(p.fixed for p in rows)} fixed*), {len(result.unmatched)} not paired, "
          f"{len(roster.errors)} rows kept aside.", file=out)


def run_match(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from coach.cli.email import draft_model
    from coach.config import get_settings
    from coach.embeddings import get_embeddings
    from coach.matching.assign import Constraints, match
    from coach.matching.export import draft_all, write_outputs
    from coach.matching.roster import load_roster
    from coach.matching.weights import load_weights

    weights = load_weights(args.weights)
    constraints = Constraints(fixed=[parse_pair(t, "--fix") for t in args.fix],
                              forbidden=[parse_pair(t, "--forbid") for t in args.forbid])
    llm = draft_model(args.engine)
    roster = load_roster(args.roster)
    for error in roster.errors:
        print(f"coach: kept aside: {error.message}", file=sys.stderr)
    if not roster.students:
        raise InputError("No usable rows in the roster; see the errors above.")
    with tqdm(total=4, desc="matching", unit="step", file=sys.stderr, leave=False) as bar:
        def step(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1 if bar.n < bar.total - 1 else 0)

        result = match(roster.students, get_embeddings(get_settings().embedding_model),
                       weights, constraints, progress=step)
        bar.update(bar.total - bar.n)
    with tqdm(total=len(result.pairs), desc="introductions", unit="email", file=sys.stderr,
              leave=False) as bar:
        intros = draft_all(result, roster, args.chapter, llm, progress=lambda: bar.update(1))
    print_summary(result, roster)
    outputs = write_outputs(Path(args.out), result, roster, intros)
    notices = sum(1 for i in intros if i.notice)
    if notices:
        print(f"[notice] {notices} introduction(s) came from the guide engine because the "
              "model failed.", file=sys.stderr)
    print(f"\nWrote {outputs.pairs_csv}, {outputs.reasons_md}, {outputs.tree_md} and "
          f"{outputs.introductions_zip} ({len(intros)} drafts; nothing was sent)."
          + (f" Rows kept aside: {outputs.row_errors_csv}." if outputs.row_errors_csv else ""))
    return 0
