"""What `coach eval` reports about the runtime guard (LLM engine): counts, never text."""

from __future__ import annotations

from typing import Any

METRICS = ("grounding_kept", "grounding_caught", "grounding_fallbacks", "grounding_answers")


def grounding_record(answer: Any) -> dict | None:
    """The guard's counts for one answer (None when no LLM answer was checked)."""
    report = getattr(answer, "grounding", None)
    if report is None:
        return None
    return {**report.counts(), "fallback": not report.enough}


def grounding_metrics(cases: list[dict]) -> dict[str, float]:
    """Share of LLM claims kept, sentences caught, answers the guide took over."""
    records = [c["grounding"] for c in cases if c.get("grounding")]
    if not records:
        return {}
    claims = sum(r["claims"] for r in records)
    return {
        "grounding_kept": sum(r["kept"] for r in records) / claims if claims else float("nan"),
        "grounding_caught": float(sum(r["dropped"] for r in records)),
        "grounding_fallbacks": sum(r["fallback"] for r in records) / len(records),
        "grounding_answers": float(len(records)),
    }
