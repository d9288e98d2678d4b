"""The eval runner: datasets in evals/ -> per-suite metrics, threshold checks and a report.

Suites: qa (retrieval, principle coverage, groundedness, length; optional LLM judge), safety
(classification), email (drafts pass their checklist), rehearsal (criteria vs expectations).
The report files are written by coach.evals.report; the metrics live in coach.evals.metrics.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from tqdm import tqdm

from coach.evals import metrics as m
from coach.config import REPO_ROOT
from coach.errors import InputError

SUITES = ("qa", "qa_dev", "qa_train2", "qa_test", "safety", "email", "rehearsal", "safety_blind",
          "criteria", "drafts")
DEFAULT_DATA = REPO_ROOT / "evals"


def _regexes(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        re.compile(pattern)  # a typo in a dataset fails at load, not silently at match time
    return patterns


Patterns = Annotated[list[str], AfterValidator(_regexes)]


class Principle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    any: Annotated[Patterns, Field(min_length=1)]


class QACase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    question: str
    history: list[dict] = []
    sections: Annotated[list[str], Field(min_length=1)]
    principles: Annotated[list[Principle], Field(min_length=1)]
    must_not: Patterns = []


class QASet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    must_not: Patterns = []
    cases: list[QACase]


@dataclass
class EvalConfig:
    engine: str = "guide"
    suites: tuple[str, ...] = SUITES
    data_dir: Path = DEFAULT_DATA
    explicit_suites: bool = False  # a suite the user named must run; defaults may be skipped
    judge: bool | None = None  # None: judge when an LLM is configured
    progress: bool = True


@dataclass
class Params:
    k: int = 3
    grounding_similarity: float = 0.75
    answer_words: tuple[int, int] = (40, 250)


def read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from None


def load_qa(path: Path) -> QASet:
    data = read_yaml(path)
    try:
        qa = QASet.model_validate({"cases": data} if isinstance(data, list) else data)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    ids = [c.id for c in qa.cases]
    if len(ids) != len(set(ids)):
        raise InputError(f"{path}: duplicate case ids")
    return qa


def load_thresholds(data_dir: Path) -> tuple[dict, Params]:
    """Thresholds per suite/metric ({min:}/{max:}) and the metric parameters."""
    path = data_dir / "thresholds.yaml"
    data = read_yaml(path) if path.exists() else {}
    data = dict(data or {})
    raw = data.pop("params", {}) or {}
    low, high = raw.get("answer_words", (40, 250))
    params = Params(k=int(raw.get("k", 3)),
                    grounding_similarity=float(raw.get("grounding_similarity", 0.75)),
                    answer_words=(int(low), int(high)))
    return data, params


def _card_texts(coach, answer) -> list[str]:  # noqa: ANN001
    """The coaching text of the advice cards behind an answer's sources: a card answer's lines
    are traceable to its card (whose passages ingest verified verbatim in the guide)."""
    cards = getattr(coach, "cards", None)
    quotes = {s.text for s in answer.sources}
    texts = []
    for card in (cards.cards.values() if cards else []):
        if any(p.quote in quotes for p in card.points):
            texts += [card.answer, card.next_step, *(p.say for p in card.points)]
            texts += [card.verdict] if card.verdict else []
    return texts


def run_qa(coach, qa: QASet, params: Params, engine: str, judge_llm=None,  # noqa: ANN001
           bar=None) -> dict:
    """Ask every question through the full pipeline and score the answers."""
    from coach.embeddings import get_embeddings
    from coach.grounding.evaluation import grounding_metrics, grounding_record

    grounder = m.Grounder(get_embeddings(coach.settings.embedding_model),
                          params.grounding_similarity)
    cases = []
    for case in qa.cases:
        answer = coach.ask(case.question, history=case.history or None, engine=engine)
        sections = [s.section for s in answer.sources]
        rank = m.retrieval_rank(sections, case.sections)
        coverage = m.principle_coverage(answer.answer, [p.model_dump() for p in case.principles])
        answered = answer.kind == "answer"  # a redirect already fails; its fixed text is not judged
        forbidden = m.must_not_hits(answer.answer, qa.must_not + case.must_not) if answered else []
        support = grounder.support(m.answer_claims(answer.answer),
                                   [s.text for s in answer.sources] + _card_texts(coach, answer)
                                   ) if answered else []
        cites = m.citation_problems(answer.answer, sections) if answered else []
        words = m.word_count(answer.answer)
        record = {
            "id": case.id, "question": case.question, "section": case.sections[0],
            "expected_sections": case.sections, "retrieved_sections": sections,
            "kind": answer.kind, "answer": answer.answer, "rank": rank,
            "coverage": coverage, "must_not": forbidden, "support": support,
            "citation_problems": cites, "words": words,
        }
        record["grounding"] = grounding_record(answer)  # the runtime guard's counts (LLM)
        record["failures"] = m.qa_failures(record, params.k, params.answer_words)
        record["passed"] = not record["failures"]
        if judge_llm is not None and answered:
            record["judge"] = m.judge_answer(judge_llm, case.question, answer.answer,
                                             [p.name for p in case.principles],
                                             [s.text for s in answer.sources])
        cases.append(record)
        if bar is not None:
            bar.update(1)
    return {"metrics": {**m.qa_metrics(cases, params.answer_words), **grounding_metrics(cases)},
            "per_section": m.per_section(cases, params.k), "cases": cases}


def load_safety(path: Path, seen: frozenset[Path] = frozenset()) -> list[dict]:
    """Rows of {text, kind, category, origin}; `include:` files are read by reference."""
    data = read_yaml(path)
    if isinstance(data, list):
        data = {"cases": data}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a list of rows or a mapping with include/cases")
    rows = []
    for name in data.get("include") or []:
        target = (path.parent / name).resolve()
        if target in seen or not target.exists():
            raise InputError(f"{path}: cannot include {name} (missing or circular)")
        rows += load_safety(target, seen | {path.resolve()})
    for row in data.get("cases") or []:
        if not isinstance(row, dict) or not {"text", "kind"} <= set(row):
            raise InputError(f"{path}: every safety row needs text and kind: {row!r}")
        rows.append({"text": str(row["text"]), "kind": row["kind"],
                     "category": row.get("category", row["kind"]), "origin": path.name})
    return rows


def run_safety(rows: list[dict], bar=None) -> dict:  # noqa: ANN001
    """classify() every row; accuracy on kind, crisis recall, false positives, per origin."""
    from coach.safety import classify

    cases = []
    for row in rows:
        verdict = classify(row["text"])
        ok = verdict.kind == row["kind"]
        cases.append({**row, "id": f"{row['origin']}: {row['text']}", "got_kind": verdict.kind,
                      "got_category": verdict.category, "reason": verdict.reason, "passed": ok,
                      "failures": [] if ok else [f"expected {row['kind']}, got {verdict.kind} "
                                                 f"({verdict.category}; {verdict.reason})"]})
        if bar is not None:
            bar.update(1)
    by_origin = {o: vars(m.safety_scores([c for c in cases if c["origin"] == o]))
                 for o in dict.fromkeys(c["origin"] for c in cases)}
    return {"metrics": vars(m.safety_scores(cases)), "by_origin": by_origin, "cases": cases}


def run_email(cases_data: list[dict], bar=None) -> dict:  # noqa: ANN001
    """Draft every case with the guide engine; it passes when every check passes and every
    required fact is present."""
    from coach.email.drafting import draft_email, parse_request
    from coach.email.check import mentions
    from coach.email.goals import as_clause

    cases = []
    for case in cases_data:
        request = parse_request(case["request"])
        draft = draft_email(request)
        text = draft.text
        failed = [f"check {c.id}: {c.evidence}" for c in draft.checks if not c.passed]
        mentor = request.mentor
        goals = set(request.student.goals)  # issue 14: a goal is used as a clause or reported
        missing = [f"missing fact: {f!r}" for f in m.email_facts(request, case.get("expect") or {})
                   if f not in goals and not mentions(text, f)]
        missing += [f"goal neither used nor reported: {g!r}" for g in request.student.goals
                    if not mentions(text, as_clause(g))
                    and not any(f'"{g}"' in note for note in draft.not_used)]
        if not (mentions(text, mentor.field) or mentions(text, mentor.focus)):
            missing.append(f"missing fact: mentor field or focus ({mentor.field!r})")
        failures = failed + missing
        cases.append({"id": case["id"], "kind": request.kind, "answer": text,
                      "checks_passed": sum(c.passed for c in draft.checks),
                      "checks": len(draft.checks), "passed": not failures, "failures": failures})
        if bar is not None:
            bar.update(1)
    metrics = {"pass_rate": m.mean([1.0 if c["passed"] else 0.0 for c in cases]),
               "check_pass_rate": sum(c["checks_passed"] for c in cases)
               / max(1, sum(c["checks"] for c in cases)),
               "cases": len(cases)}
    return {"metrics": metrics, "cases": cases}


def run_rehearsal(cases_data: list[dict], bar=None) -> dict:  # noqa: ANN001
    """Score each transcript and compare every listed criterion with `expect`; lines marked
    `expect_kind` are replayed through a Session and must be stopped by the safety gate."""
    from coach.rehearsal.session import score_transcript, start_rehearsal

    cases, gates = [], []
    for case in cases_data:
        gated = [t for t in case["turns"] if t.get("expect_kind")]
        failures = []
        for turn in gated:
            session = start_rehearsal(case["persona"], unavailable=False, seed=0)
            got = session.reply(turn["text"])
            ok = got.kind == turn["expect_kind"] and all(
                t["text"] != turn["text"] for t in session.turns)
            gates.append(ok)
            if not ok:
                failures.append(f"gate: expected {turn['expect_kind']}, got {got.kind}: "
                                f"{turn['text']!r}")
        # Gated lines never reach the scored transcript (the session keeps them out).
        turns = [t for t in case["turns"] if not t.get("expect_kind")]
        card = score_transcript(turns, case["persona"])
        judged = m.criterion_results(card.criteria, case.get("expect") or {})
        failures += [j["failure"] for j in judged if not j["correct"]]
        cases.append({"id": case["id"], "persona": case["persona"], "score": card.score,
                      "criteria": judged, "passed": not failures, "failures": failures})
        if bar is not None:
            bar.update(1)
    verdicts = [j["correct"] for c in cases for j in c["criteria"]]
    metrics = {"accuracy": m.mean([1.0 if v else 0.0 for v in verdicts]),
               "gate_accuracy": m.mean([1.0 if g else 0.0 for g in gates]),
               "case_pass_rate": m.mean([1.0 if c["passed"] else 0.0 for c in cases]),
               "criteria": len(verdicts), "cases": len(cases)}
    return {"metrics": metrics, "cases": cases}


SUITE_FILES = {"qa": "qa.yaml", "qa_dev": "qa_blind/dev.yaml",
               "qa_train2": "qa_blind/train2.yaml", "qa_test": "qa_blind/test.yaml",
               "safety": "safety.yaml", "email": "email_cases.yaml",
               "rehearsal": "rehearsal_cases.yaml", "safety_blind": "safety_blind/test.yaml",
               "criteria": "rehearsal_blind", "drafts": "email_blind"}
SUITE_MODULES = {"safety": "coach.safety", "safety_blind": "coach.safety.evaluation",
                 "email": "coach.email.drafting", "rehearsal": "coach.rehearsal.session",
                 "criteria": "coach.rehearsal.criteria", "drafts": "coach.email"}


def _missing(suite: str, path: Path) -> str | None:
    """Why a suite cannot run here (its data file or module is absent), else None."""
    import importlib.util

    if not path.exists():
        return f"{path} not found"
    module = SUITE_MODULES.get(suite)
    if module and importlib.util.find_spec(module) is None:
        return f"{module} is not installed"
    return None


def _load(suite: str, path: Path):  # noqa: ANN202
    if suite == "qa":
        return load_qa(path)
    if suite in BLIND:
        from coach.evals.blind.data import load_split

        return load_split(path)
    if suite == "safety":
        return load_safety(path)
    if suite == "safety_blind":  # aggregate figures only: no test item is ever shown
        from coach.safety.evaluation import load_blind

        return load_blind(path)
    if suite in ("criteria", "drafts"):  # a folder of blind dev/test splits, run as one unit
        return [{"id": suite, "path": path}]
    data = read_yaml(path)
    if not isinstance(data, list) or not all(isinstance(c, dict) and "id" in c for c in data):
        raise InputError(f"{path}: expected a list of cases, each with an id")
    return data


def judge_model(settings, engine: str, wanted: bool | None):  # noqa: ANN001, ANN201
    """The judge's chat model: on when asked, or by default when an LLM is configured."""
    if wanted is False or (wanted is None and not (settings.llm_configured or engine == "llm")):
        return None
    from coach.llm import make_chat_model

    settings.require_llm()
    return make_chat_model(settings, streaming=False)


BLIND = ("qa_dev", "qa_train2", "qa_test")  # train2: a second blind writer's set, tuned on too


def run_blind(coach, suite: str, items: list, engine: str, bar=None) -> dict:  # noqa: ANN001
    """The blind split through the full pipeline. The test split reports aggregates only: its
    individual items and failures are never written out (we must not tune on them)."""
    from coach.evals.blind.evaluate import Scorer, cards_verbatim, score_split
    from coach.ask.cards.model import normalise

    guide = "\n".join(normalise(p.read_text(encoding="utf-8"))
                      for p in sorted(coach.settings.knowledge_dir.glob("*.md")))
    says = {p.say for c in coach.cards.cards.values() for p in c.points}
    result = score_split(coach, items, Scorer(coach.retriever.store.embeddings), guide, says,
                         engine, bar)
    result["metrics"]["cards_verbatim"] = cards_verbatim(list(coach.cards.cards.values()), guide)
    if suite == "qa_test":
        result["cases"] = []
    return result


def run_eval(config: EvalConfig, coach=None, judge_llm=None) -> dict:  # noqa: ANN001
    """Run the chosen suites and return the report (a JSON-able dict)."""
    started = time.perf_counter()
    thresholds, params = load_thresholds(config.data_dir)
    suites: dict[str, dict] = {}
    loaded = {}
    for suite in config.suites:
        path = config.data_dir / SUITE_FILES[suite]
        if why := _missing(suite, path):
            if config.explicit_suites:
                raise InputError(f"cannot run the {suite} suite: {why}")
            suites[suite] = {"skipped": why}
        else:
            loaded[suite] = _load(suite, path)
    needs_coach = any(s in loaded for s in ("qa", *BLIND))
    if needs_coach and coach is None:
        from coach.ask.answer import Coach
        from coach.config import get_settings

        if config.engine == "llm":
            get_settings().require_llm()  # say so before loading the index and model
        coach = Coach.from_settings()
    if judge_llm is None and "qa" in loaded and coach is not None:
        judge_llm = judge_model(coach.settings, config.engine, config.judge)
    total = sum(len(d.cases) if isinstance(d, QASet) else len(d) for d in loaded.values())
    with tqdm(total=total, desc="coach eval", unit="case", disable=not config.progress,
              mininterval=0.1 if sys.stderr.isatty() else 5.0) as bar:  # few lines in CI logs
        for suite, data in loaded.items():
            bar.set_postfix_str(suite)
            began, cpu = time.perf_counter(), time.process_time()
            if suite == "qa":
                suites[suite] = run_qa(coach, data, params, config.engine, judge_llm, bar)
            elif suite in BLIND:
                suites[suite] = run_blind(coach, suite, data, config.engine, bar)
            elif suite == "safety":
                suites[suite] = run_safety(data, bar)
            elif suite == "email":
                suites[suite] = run_email(data, bar)
            elif suite == "safety_blind":
                from coach.safety.evaluation import run_blind as run_safety_blind

                suites[suite] = run_safety_blind(data, bar)
            elif suite == "criteria":
                from coach.rehearsal.criteria.evaluate import run_blind as run_criteria_blind

                suites[suite] = run_criteria_blind(data[0]["path"])
                bar.update(1)
            elif suite == "drafts":
                from coach.email.evaluate import run_drafts

                suites[suite] = run_drafts(data[0]["path"])
                bar.update(1)
            else:
                suites[suite] = run_rehearsal(data, bar)
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
