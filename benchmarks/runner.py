"""Run the benchmark parts in one process and write bench.md / bench.json."""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks.context import SIZES, Bench, Params
from benchmarks.questions import fresh_sample, load_questions
from benchmarks.report import Report, Row, load_average, machine_info

log = logging.getLogger(__name__)
PARTS = ("ingest", "warm", "baseline", "llm", "reingest", "cold", "synthetic", "served")
# Opt-in (`--with sweep`): six fresh servers under load, several minutes on two cores.
EXTRA_PARTS = ("sweep",)


def _parts() -> dict[str, Callable[[Bench], None]]:
    from benchmarks import baseline, cold, ingest, llm_overhead, served, sweep, warm

    return {"ingest": ingest.run_guide, "warm": warm.run, "baseline": baseline.run,
            "llm": llm_overhead.run, "reingest": ingest.run_reingest, "cold": cold.run,
            "synthetic": ingest.run_synthetic, "served": served.run, "sweep": sweep.run}


def _setup(bench: Bench) -> None:
    """Load the embedding model first, so no figure below pays for it."""
    from coach.embeddings import get_embeddings, load_full_model, set_torch_threads

    # The same torch threads as `coach serve` (children get them from the same settings).
    bench.report.raw["torch_threads"] = set_torch_threads(bench.settings.intra_op_threads)
    embeddings = get_embeddings(bench.settings.embedding_model)
    load_full_model(embeddings)  # as `coach serve` does: warm figures are torch's, not numpy's
    embeddings.embed_query("warm up")


def run(size: str = "full", out_dir: Path = Path("bench-out"), parts: tuple[str, ...] = PARTS,
        params: Params | None = None, echo: Callable[[str], None] | None = None,
        seed: int | None = None, readme: Path | None = None) -> Report:
    """Run `parts` at `size` (or explicit `params`) on a fresh question sample (`seed`, random
    when None); write the table and JSON to `out_dir`, and the table into `readme` if given."""
    from coach.config import Settings, disable_telemetry

    disable_telemetry()  # before chromadb/gradio are imported, here and in every child
    echo = echo or partial(print, flush=True)
    params = params or SIZES[size]
    seed = random.SystemRandom().randrange(10**6) if seed is None else seed
    pool, origin = load_questions()
    questions = fresh_sample(pool, seed)
    report = Report(size=size, params={**params.__dict__, "parts": list(parts)}, seed=seed)
    report.notes.append(f"Questions: {len(questions)} from {origin}, drawn and reworded afresh "
                        f"for this run (seed {seed}): no cache has seen them.")
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
        for name in ("ingest", *[p for p in PARTS + EXTRA_PARTS if p in parts and p != "ingest"]):
            echo(f"[bench] {name} ...")
            started = time.perf_counter()
            try:
                table[name](bench)
                if name == "ingest":  # every later part uses this index
                    from coach.ask.answer import Coach

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
        report.machine["load_avg_after"] = load_average()
        shutil.rmtree(root, ignore_errors=True)
    md, js = report.write(Path(out_dir))
    echo(report.markdown())
    echo(f"Wrote {md} and {js}")
    if readme is not None:
        from benchmarks.readme import update_readme

        update_readme(readme, report)
        echo(f"Updated the benchmark table in {readme}")
    return report
