"""The eval suites: each runs its dataset through the real pipeline and scores the results."""

from __future__ import annotations

from pathlib import Path

from coach.evals import metrics as m
from coach.evals.datasets import BLIND, HIDDEN, SAFETY_BLIND, VERDICTS, Params, QASet


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
    from coach.email.check import mentions
    from coach.email.drafting import draft_email
    from coach.email.goals import as_clause
    from coach.email.request import parse_request

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


def run_blind(coach, suite: str, items: list, engine: str, bar=None,  # noqa: ANN001
              labels: Path | None = None) -> dict:
    """The blind split through the full pipeline. The test split reports aggregates only: its
    individual items and failures are never written out (we must not tune on them). With a
    `labels` file (the answer a labeller expected to each yes/no item), whether each answer
    opened with the right word too (coach/evals/blind/polarity.py)."""
    from coach.ask.cards.model import normalise
    from coach.evals.blind.evaluate import Scorer, cards_verbatim, score_split

    guide = "\n".join(normalise(p.read_text(encoding="utf-8"))
                      for p in sorted(coach.settings.knowledge_dir.glob("*.md")))
    says = {p.say: p.quote for c in coach.cards.cards.values() for p in c.points}
    result = score_split(coach, items, Scorer(coach.retriever.store.embeddings), guide, says,
                         engine, bar)
    result["metrics"]["cards_verbatim"] = cards_verbatim(list(coach.cards.cards.values()), guide)
    if labels is not None and labels.exists():
        from coach.evals.blind.polarity import label_metrics, load_labels

        result["metrics"].update(label_metrics(result["cases"], load_labels(labels)))
    if suite in HIDDEN:
        result["cases"] = []
    return result


def _one_unit(result: dict, bar) -> dict:  # noqa: ANN001 - tqdm
    """A suite run as one unit (a folder of blind splits) counts as one step of progress."""
    bar.update(1)
    return result


def run_suite(suite: str, data, coach, params: Params, engine: str, judge_llm,  # noqa: ANN001
              bar, labels: Path | None = None) -> dict:  # noqa: ANN001
    """Run one loaded suite and return its result (metrics and cases)."""
    if suite == "qa":
        return run_qa(coach, data, params, engine, judge_llm, bar)
    if suite in BLIND:
        return run_blind(coach, suite, data, engine, bar, labels)
    if suite in VERDICTS:
        from coach.evals.blind.polarity import score_polarity

        result = score_polarity(coach, data, engine, bar)
        return {**result, "cases": []} if suite in HIDDEN else result
    if suite == "safety":
        return run_safety(data, bar)
    if suite == "email":
        return run_email(data, bar)
    if suite in SAFETY_BLIND:
        from coach.safety.evaluation import run_blind as run_safety_blind

        return run_safety_blind(data, bar)
    if suite == "criteria":
        from coach.rehearsal.criteria.evaluate import run_blind as run_criteria_blind

        return _one_unit(run_criteria_blind(data[0]["path"]), bar)
    if suite == "prefill":
        from coach.email.prefill_eval import run_prefill

        return _one_unit(run_prefill(data[0]["path"]), bar)
    if suite == "drafts":
        from coach.email.evaluate import run_drafts

        return _one_unit(run_drafts(data[0]["path"]), bar)
    return run_rehearsal(data, bar)
