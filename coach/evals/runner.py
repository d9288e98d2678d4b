"""The eval runner: datasets in evals/ -> per-suite metrics, threshold checks and a report.

Suites: qa (retrieval, principle coverage, groundedness, length; optional LLM judge), safety
(classification), email (drafts pass their checklist), rehearsal (criteria vs expectations).
Datasets load in coach.evals.datasets, suites run in coach.evals.suites, the metrics live in
coach.evals.metrics and the report files are written by coach.evals.report.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from coach.config import REPO_ROOT
from coach.errors import InputError
from coach.evals import metrics as m
from coach.evals.blind.polarity import labels_for
from coach.evals.datasets import (  # noqa: F401 - load_qa/load_safety re-exported for callers
    BLIND,
    SUITE_FILES,
    VERDICTS,
    QASet,
    load_qa,
    load_safety,
    load_suite,
    load_thresholds,
    missing,
)
from coach.evals.suites import run_suite

SUITES = ("qa", "qa_dev", "qa_train2", "qa_test", "qa_dev_typo", "qa_test_typo", "safety", "email",
          "rehearsal", "safety_blind", "safety_blind_typo", "criteria", "drafts", "prefill",
          "verdicts_dev", "verdicts_test")
DEFAULT_DATA = REPO_ROOT / "evals"


@dataclass
class EvalConfig:
    engine: str = "guide"
    suites: tuple[str, ...] = SUITES
    data_dir: Path = DEFAULT_DATA
    explicit_suites: bool = False  # a suite the user named must run; defaults may be skipped
    judge: bool | None = None  # None: judge when an LLM is configured
    progress: bool = True


def judge_model(settings, engine: str, wanted: bool | None):  # noqa: ANN001, ANN201
    """The judge's chat model: on when asked, or by default when an LLM is configured."""
    if wanted is False or (wanted is None and not (settings.llm_configured or engine == "llm")):
        return None
    from coach.engine import chat_model

    return chat_model(settings, "llm", streaming=False)  # ConfigError when none is configured


def run_eval(config: EvalConfig, coach=None, judge_llm=None) -> dict:  # noqa: ANN001
    """Run the chosen suites and return the report (a JSON-able dict)."""
    started = time.perf_counter()
    thresholds, params = load_thresholds(config.data_dir)
    suites: dict[str, dict] = {}
    loaded = {}
    for suite in config.suites:
        path = config.data_dir / SUITE_FILES[suite]
        if why := missing(suite, path):
            if config.explicit_suites:
                raise InputError(f"cannot run the {suite} suite: {why}")
            suites[suite] = {"skipped": why}
        else:
            loaded[suite] = load_suite(suite, path)
    needs_coach = any(s in loaded for s in ("qa", *BLIND, *VERDICTS))
    if needs_coach and coach is None:
        from coach.ask.answer import Coach
        from coach.config import get_settings
        from coach.engine import choose

        choose(get_settings(), config.engine)  # an unconfigured LLM says so before the index loads
        coach = Coach.from_settings()
    if judge_llm is None and "qa" in loaded and coach is not None:
        judge_llm = judge_model(coach.settings, config.engine, config.judge)
    total = sum(len(d.cases) if isinstance(d, QASet) else len(d) for d in loaded.values())
    with tqdm(total=total, desc="coach eval", unit="case", disable=not config.progress,
              mininterval=0.1 if sys.stderr.isatty() else 5.0) as bar:  # few lines in CI logs
        for suite, data in loaded.items():
            bar.set_postfix_str(suite)
            began, cpu = time.perf_counter(), time.process_time()
            suites[suite] = run_suite(suite, data, coach, params, config.engine, judge_llm, bar,
                                      labels_for(config.data_dir / SUITE_FILES[suite]))
            suites[suite]["duration_s"] = round(time.perf_counter() - began, 1)
            suites[suite]["cpu_s"] = round(time.process_time() - cpu, 1)  # robust to busy hosts
    suites = {name: suites[name] for name in config.suites}  # skipped ones in their place
    rows = m.check_thresholds(suites, {k: v for k, v in thresholds.items() if k in suites})
    return {
        "version": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": config.engine,
        "data_dir": str(config.data_dir),
        "judge": judge_llm is not None,
        "params": {"k": params.k, "grounding_similarity": params.grounding_similarity,
                   "answer_words": list(params.answer_words)},
        "duration_s": round(time.perf_counter() - started, 1),
        "suites": suites,
        "thresholds": rows,
        "passed": all(r["passed"] is not False for r in rows),
    }
