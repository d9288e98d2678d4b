"""`coach eval`: run the eval suites in evals/, write reports, fail when a threshold is missed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.errors import InputError

SHOW_FLIPS = 15  # per direction on the console; report.md lists them all


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval", help="run the eval suites and check thresholds",
        description="Run the eval datasets (evals/*.yaml) through the coach, write report.json, "
        "report.md and report.html, print a summary, and exit 1 when a threshold in "
        "thresholds.yaml is missed.")
    parser.add_argument("--engine", choices=["guide", "llm"], default="guide",
                        help="which engine answers the qa suite (default: guide)")
    parser.add_argument("--suite", default=None, metavar="LIST",
                        help="comma-separated suites: qa,safety,email,rehearsal,criteria,drafts "
                        "(default: all that exist here)")
    parser.add_argument("--out", type=Path, default=Path("eval-out"),
                        help="report directory (default: eval-out/)")
    parser.add_argument("--compare", type=Path, default=None, metavar="PREVIOUS.json",
                        help="a previous report.json: show what improved and regressed")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="dataset directory (default: the repo's evals/)")
    judge = parser.add_mutually_exclusive_group()
    judge.add_argument("--judge", dest="judge", action="store_true", default=None,
                       help="score answers with the LLM judge (default: when an LLM is set up)")
    judge.add_argument("--no-judge", dest="judge", action="store_false",
                       help="never call the LLM judge")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="hide the progress bar")
    parser.set_defaults(handler=run)


def parse_suites(value: str | None) -> tuple[str, ...]:
    from coach.evals.runner import SUITES

    if not value:
        return SUITES
    names = tuple(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    unknown = [s for s in names if s not in SUITES]
    if unknown or not names:
        raise InputError(f"unknown suite(s) {', '.join(unknown) or '(none)'}; choose from "
                         + ",".join(SUITES))
    return names


def run(args: argparse.Namespace) -> int:
    from coach.evals.report import compare, console_table, write_reports
    from coach.evals.runner import DEFAULT_DATA, EvalConfig, run_eval

    previous = None
    if args.compare is not None:  # read it first: a typo should not cost a whole run
        try:
            previous = json.loads(args.compare.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read --compare {args.compare}: {exc}") from None
    data_dir = args.data or DEFAULT_DATA
    if not data_dir.is_dir():
        raise InputError(f"--data {data_dir} is not a directory")
    if args.engine == "llm":  # a wrong COACH_LLM_MODEL would otherwise cost a whole run
        from coach.config import get_settings
        from coach.local_llm.check import verify_model

        settings = get_settings()
        if settings.llm_configured and settings.openai_base_url:
            key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
            verify_model(settings.openai_base_url, settings.llm_model, key)
    config = EvalConfig(engine=args.engine, suites=parse_suites(args.suite), data_dir=data_dir,
                        explicit_suites=args.suite is not None, judge=args.judge,
                        progress=args.progress)
    report = run_eval(config)
    comparison = compare(previous, report) if previous is not None else None
    paths = write_reports(report, args.out, comparison)
    print(console_table(report, comparison))
    if comparison:
        for label in ("regressed", "improved"):
            flips = comparison[label]
            for case in flips[:SHOW_FLIPS]:
                print(f"{label}: {case['suite']} {case['id']}")
            if len(flips) > SHOW_FLIPS:
                print(f"{label}: ... and {len(flips) - SHOW_FLIPS} more (see report.md)")
    print("reports: " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return 0 if report["passed"] else 1
