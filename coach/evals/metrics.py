"""Deterministic eval metrics: retrieval, coverage, length, safety, criteria, thresholds.

Pure functions of an answer and its data. Claims, citations and groundedness live in
coach.evals.claims, the optional LLM judge in coach.evals.judge (both re-exported here).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from coach.evals.claims import (  # noqa: F401 - re-exported: the runner and tests use m.<name>
    Grounder,
    answer_claims,
    citation_problems,
    cited_sections,
    source_units,
)
from coach.evals.judge import judge_answer, judge_principle, parse_judgement  # noqa: F401


def retrieval_rank(retrieved: list[str], expected: list[str]) -> int | None:
    """1-based rank of the first retrieved section that is an expected one, else None."""
    wanted = set(expected)
    return next((i for i, section in enumerate(retrieved, 1) if section in wanted), None)


def principle_coverage(answer: str, principles: list[dict]) -> list[dict]:
    """For each principle: covered when any of its regex alternatives matches the answer."""
    out = []
    for principle in principles:
        match = next((m for p in principle["any"] if (m := re.search(p, answer, re.I))), None)
        out.append({"name": principle["name"], "covered": match is not None,
                    "matched": match.group(0) if match else None})
    return out


def must_not_hits(answer: str, patterns: list[str]) -> list[str]:
    """The text each forbidden pattern matched (empty when the answer is clean)."""
    return [m.group(0) for p in patterns if (m := re.search(p, answer, re.I))]


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


def qa_failures(case: dict, k: int, answer_words: tuple[int, int]) -> list[str]:
    """Why a scored qa case fails (empty when it passes)."""
    failures = []
    if case["kind"] != "answer":
        failures.append(f"not answered: kind={case['kind']}")
    if not case["rank"] or case["rank"] > k:
        failures.append(f"retrieval: none of {case['expected_sections']} in top {k} "
                        f"(got {case['retrieved_sections'][:k]})")
    failures += [f"missing principle: {c['name']}" for c in case["coverage"] if not c["covered"]]
    failures += [f"must_not matched: {hit!r}" for hit in case["must_not"]]
    failures += [f"unsupported ({s['score']:.2f}): {s['sentence']}"
                 for s in case["support"] if not s["supported"]]
    failures += [f"citation: {p}" for p in case["citation_problems"]]
    low, high = answer_words
    if case["kind"] == "answer" and not low <= case["words"] <= high:
        failures.append(f"length: {case['words']} words (allowed {low}-{high})")
    return failures


def mean(values: list) -> float:
    """Mean of the non-missing values (NaN when there are none)."""
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else float("nan")


def qa_metrics(cases: list[dict], answer_words: tuple[int, int]) -> dict:
    """Suite-level qa metrics (micro-averaged over principles and claims)."""
    ranks = [c["rank"] for c in cases]
    principles = [p["covered"] for c in cases for p in c["coverage"]]
    claims = [s["supported"] for c in cases for s in c["support"]]
    answered = [c for c in cases if c["kind"] == "answer"]
    low, high = answer_words
    out = {f"hit@{k}": mean([1.0 if r and r <= k else 0.0 for r in ranks]) for k in (1, 3, 5)}
    out.update({
        "mrr": mean([1.0 / r if r else 0.0 for r in ranks]),
        "coverage": mean([1.0 if p else 0.0 for p in principles]),
        "groundedness": mean([1.0 if s else 0.0 for s in claims]),
        "citation_validity": mean([0.0 if c["citation_problems"] else 1.0 for c in answered]),
        "answered": len(answered) / len(cases) if cases else float("nan"),
        "length_ok": mean([1.0 if low <= c["words"] <= high else 0.0 for c in answered]),
        "mean_words": mean([c["words"] for c in answered]),
        "must_not_clean": mean([0.0 if c["must_not"] else 1.0 for c in cases]),
        "case_pass_rate": mean([1.0 if c["passed"] else 0.0 for c in cases]),
        "cases": len(cases),
    })
    scores = [j["score"] for c in cases for j in c.get("judge", []) if j["score"] is not None]
    if any("judge" in c for c in cases):
        out["judge_mean"] = mean(scores)  # 1-5, reported beside the deterministic metrics
    return out


def per_section(cases: list[dict], k: int) -> dict:
    """Metrics per primary (first-listed) section."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        groups[case["section"]].append(case)
    return {
        section: {
            "n": len(items),
            f"hit@{k}": mean([1.0 if c["rank"] and c["rank"] <= k else 0.0 for c in items]),
            "mrr": mean([1.0 / c["rank"] if c["rank"] else 0.0 for c in items]),
            "coverage": mean([1.0 if p["covered"] else 0.0 for c in items for p in c["coverage"]]),
            "groundedness": mean([1.0 if s["supported"] else 0.0
                                  for c in items for s in c["support"]]),
            "pass_rate": mean([1.0 if c["passed"] else 0.0 for c in items]),
        }
        for section, items in groups.items()
    }



def check_thresholds(suites: dict, thresholds: dict) -> list[dict]:
    """One row per configured threshold; a metric that is missing or NaN fails."""
    rows = []
    for suite, metrics in thresholds.items():
        result = suites.get(suite)
        for metric, bound in (metrics or {}).items():
            if result is None or result.get("skipped"):
                rows.append({"suite": suite, "metric": metric, "value": None, "op": "",
                             "target": None, "passed": None})
                continue
            value = result["metrics"].get(metric)
            op, target = (">=", bound["min"]) if "min" in bound else ("<=", bound["max"])
            ok = value is not None and not math.isnan(value) and (
                value >= target - 1e-9 if op == ">=" else value <= target + 1e-9)
            rows.append({"suite": suite, "metric": metric, "value": value, "op": op,
                         "target": target, "passed": ok})
    return rows


def email_facts(request, expect: dict) -> list[str]:  # noqa: ANN001 - coach.email.request.OutreachRequest
    """What every draft must state: who, where, the mentor, every goal and time, extras."""
    st, mt = request.student, request.mentor
    addressed = mt.first_name if request.kind == "peer" else mt.surname  # "Hi Maya," for peers
    facts = [st.name, expect.get("year_phrase") or st.year_phrase, st.school, st.email,
             addressed, *st.goals, *request.times, *expect.get("contains", [])]
    if expect.get("salutation"):
        facts.append(expect["salutation"])
    return [f for f in facts if f]


def criterion_results(criteria: list, expect: dict) -> list[dict]:
    """Each listed expectation (met / missing) against the scorecard's criterion verdicts."""
    verdicts = {c.id: c for c in criteria}
    out = []
    for want, ids in (("met", expect.get("met") or []), ("missing", expect.get("missing") or [])):
        for cid in ids:
            got = verdicts.get(cid)
            correct = got is not None and got.met == (want == "met")
            state = "absent" if got is None else ("met" if got.met else "missing")
            evidence = f" (evidence: {got.evidence!r})" if got is not None and got.evidence else ""
            out.append({"id": cid, "expected": want, "got": state, "correct": correct,
                        "failure": f"criterion {cid}: expected {want}, got {state}{evidence}"})
    return out


@dataclass(frozen=True)
class SafetyScore:
    accuracy: float
    category_accuracy: float
    crisis_recall: float
    false_positive_rate: float
    n: int


def safety_scores(rows: list[dict]) -> SafetyScore:
    """Rows carry expected `kind`/`category` and predicted `got_kind`/`got_category`."""
    n = len(rows)
    crisis = [r for r in rows if r["kind"] == "crisis"]
    benign = [r for r in rows if r["kind"] == "ok"]

    def share(items: list[dict], test) -> float:  # noqa: ANN001
        return sum(1 for r in items if test(r)) / len(items) if items else float("nan")

    return SafetyScore(
        accuracy=share(rows, lambda r: r["got_kind"] == r["kind"]),
        category_accuracy=share(rows, lambda r: r["got_category"] == r["category"]),
        crisis_recall=share(crisis, lambda r: r["got_kind"] == "crisis"),
        false_positive_rate=share(benign, lambda r: r["got_kind"] != "ok"),
        n=n,
    )
