"""Smoke test of the benchmark at its tiny size: it runs end to end and every row has a ratio.

No timing assertions: absolute numbers on a shared machine mean nothing; this only keeps the
benchmark from rotting.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.server
def test_tiny_benchmark_writes_table_and_json(tmp_path: Path) -> None:
    serve = importlib.util.find_spec("coach.web.app") is not None  # the web app may not exist yet
    out = tmp_path / "bench-out"
    # `python -m benchmarks` from the checkout, exactly as documented (and off pytest's process).
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "tiny", "--out", str(out), "--force",
         *([] if serve else ["--skip", "served"])],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, _failed_parts(out) + done.stdout[-3000:] + done.stderr[-3000:]

    markdown = (out / "bench.md").read_text(encoding="utf-8")
    data = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert "| figure | ours | floor/baseline | ratio | target | met? |" in markdown
    assert data["machine"]["cpu_count"] and data["machine"]["python"]
    rows = data["rows"]
    assert len(rows) >= 12
    missing = [r["figure"] for r in rows if r["ratio"] is None]
    assert not missing, f"rows without a ratio: {missing}"
    figures = " ".join(r["figure"] for r in rows)
    for expected in ("warm ask()", "cold start", "re-ingest", "synthetic chunks", "LLM mode",
                     "naive LangChain RAG", "peak RSS of `coach ask`"):
        assert expected in figures
    if serve:
        assert "peak RSS of `coach serve`" in figures


def _failed_parts(out: Path) -> str:
    """The rows of the parts that failed, with their notes, first in the failure message (the
    output's tail alone had cut them off once)."""
    try:
        rows = json.loads((out / "bench.json").read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError):
        return ""
    return "".join(f"{r['figure']}: {r.get('note', '')}\n" for r in rows
                   if str(r.get("figure", "")).endswith("FAILED"))
