"""Run the benchmark parts in one process and write bench.md / bench.json."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks.context import SIZES, Bench, Params
from benchmarks.questions import load_questions
from benchmarks.report import Report, Row, machine_info

log = logging.getLogger(__name__)
PARTS = ("ingest", "warm", "baseline", "llm", "reingest", "cold", "synthetic", "served")


def _parts() -> dict[str, Callable[[Bench], None]]:
    from benchmarks import baseline, cold, ingest, llm_overhead, served, warm

    return {"ingest": ingest.run_guide, "warm": warm.run, "baseline": baseline.run,
            "llm": llm_overhead.run, "reingest": ingest.run_reingest, "cold": cold.run,
            "synthetic": ingest.run_synthetic, "served": served.run}


def _setup(bench: Bench) -> None:
    """Load the embedding model first, so no figure below pays for it."""
    from coach.embeddings import get_embeddings

    get_embeddings(bench.settings.embedding_model).embed_query("warm up")


def run(size: str = "full", out_dir: Path = Path("bench-out"), parts: tuple[str, ...] = PARTS,
        params: Params | None = None, echo: Callable[[str], None] | None = None) -> Report:
    """Run `parts` at `size` (or explicit `params`); write the table and JSON to `out_dir`."""
    from coach.config import Settings, disable_telemetry

    disable_telemetry()  # before chromadb/gradio are imported, here and in every child
    echo = echo or partial(print, flush=True)
    params = params or SIZES[size]
    questions, origin = load_questions()
    report = Report(size=size, params={**params.__dict__, "parts": list(parts)})
    report.notes.append(f"Questions: {len(questions)} from {origin}.")
    root = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    base = Settings()
    settings = base.model_copy(update={
        "data_dir": root / "guide", "engine": "guide", "chroma_host": None,
        "openai_api_key": None, "openai_base_url": None})
    bench = Bench(params, root, settings, questions, report)
    began = time.perf_counter()
    try:
        report.machine = machine_info()
        _setup(bench)
        table = _parts()
        for name in ("ingest", *[p for p in PARTS if p in parts and p != "ingest"]):
            echo(f"[bench] {name} ...")
            started = time.perf_counter()
            try:
                table[name](bench)
                if name == "ingest":  # every later part uses this index
                    from coach.answer import Coach

                    bench.coach = Coach.from_settings(settings)
            except Exception as exc:  # one broken part must not hide the others
                log.debug("part %s failed", name, exc_info=True)
                report.rows.append(Row(f"{name}: FAILED", None, None, "", met=False,
                                       note=f"{type(exc).__name__}: {exc}"[:300]))
                report.raw.setdefault("errors", {})[name] = traceback.format_exc()
                if name == "ingest":
                    break
            echo(f"[bench] {name} done in {time.perf_counter() - started:.1f} s")
    finally:
        report.seconds = time.perf_counter() - began
        shutil.rmtree(root, ignore_errors=True)
    md, js = report.write(Path(out_dir))
    echo(report.markdown())
    echo(f"Wrote {md} and {js}")
    return report
