"""Figure 3: ingest. Full guide ingest (fresh), unchanged re-ingest in a fresh process, a synthetic
N-chunk corpus against raw SentenceTransformer.encode, and ask() p95 at N chunks.
"""

from __future__ import annotations

import re
import time

from benchmarks.context import Bench
from benchmarks.corpus import guide_sentences, write_corpus
from benchmarks.questions import variant
from benchmarks.report import Row, ratio_row
from benchmarks.timing import median, percentile, python_cmd, run_child

REINGEST_CODE = (
    "import sys\n"
    "from coach.cli import main\n"  # exactly what the `coach` console script runs
    "rc = main(['ingest', '--quiet'])\n"
    "print('BENCH-MODULES', int('torch' in sys.modules),"
    " int('sentence_transformers' in sys.modules), flush=True)\n"
    "sys.exit(rc)\n"
)


def _timed_ingest(settings) -> tuple[float, object, list[str]]:  # noqa: ANN001
    from coach.index.store import active_collection_name, ingest, open_client

    client = open_client(settings)
    start = time.perf_counter()
    report = ingest(settings, progress=False, client=client)
    seconds = time.perf_counter() - start
    name = active_collection_name(client, settings)
    texts = client.get_collection(name).get(include=["documents"])["documents"]
    return seconds, report, texts


def _raw_encode(settings, texts: list[str]) -> float:  # noqa: ANN001
    """Seconds for plain SentenceTransformer.encode over `texts` (the same loaded model)."""
    from coach.embeddings import get_embeddings

    model = get_embeddings(settings.embedding_model).model
    start = time.perf_counter()
    model.encode(texts, batch_size=32, show_progress_bar=False)
    return time.perf_counter() - start


def run_guide(bench: Bench) -> None:
    """Fresh ingest of the guide (the model already loaded) vs raw encode of its chunk texts."""
    seconds, report, texts = _timed_ingest(bench.settings)
    raw = _raw_encode(bench.settings, texts)
    n = len(texts)
    bench.report.raw["guide_ingest"] = {"seconds": seconds, "raw_encode_s": raw, "chunks": n,
                                        "embedded": report.embedded}
    bench.report.rows.append(ratio_row(
        "guide ingest throughput vs raw encode (fresh index)", n / seconds, n / raw, "chunks/s",
        note=f"{n} chunks; includes Chroma collection setup; informational"))


def run_reingest(bench: Bench) -> None:
    """`coach ingest --quiet` over an unchanged index, in a fresh process, vs `python -c pass`."""
    ours, floor, embedded, modules = [], [], set(), set()
    for _ in range(bench.params.reingest_runs):
        floor.append(run_child(python_cmd("pass"), bench.env(), marker=False).seconds)
        child = run_child(python_cmd(REINGEST_CODE), bench.env(), marker=False, cwd=bench.root)
        ours.append(child.seconds)
        embedded.add(int(re.search(r"(\d+) embedded", child.stdout).group(1)))
        modules.add(re.search(r"BENCH-MODULES (\d) (\d)", child.stdout).groups())
    model_loaded = any(m != ("0", "0") for m in modules)
    bench.report.raw["reingest"] = {"ours_s": ours, "floor_s": floor, "embedded": sorted(embedded),
                                    "torch_or_st_imported": model_loaded}
    ok = embedded == {0} and not model_loaded
    bench.report.rows.append(Row(
        "unchanged re-ingest, fresh process vs `python -c pass`", median(ours), median(floor), "s",
        target="0 re-embedded, model not loaded", met=ok,
        note=f"re-embedded {sorted(embedded)}, torch imported: {'yes' if model_loaded else 'no'}"))


def run_synthetic(bench: Bench) -> None:
    """Ingest N synthetic chunks vs raw encode of the same texts; ask() p95 at N vs guide size."""
    from coach.ask.answer import Coach

    emb = bench.coach.retriever.store.embeddings
    corpus = bench.root / "synthetic-knowledge"
    write_corpus(corpus, bench.params.synthetic_chunks,
                 guide_sentences(bench.settings.knowledge_dir), emb.count_tokens)
    settings = bench.settings.model_copy(update={"knowledge_dir": corpus,
                                                 "data_dir": bench.root / "synthetic-data"})
    seconds, report, texts = _timed_ingest(settings)
    raw = _raw_encode(bench.settings, texts)
    n = len(texts)
    bench.report.rows.append(ratio_row(
        f"ingest throughput, {n:,} synthetic chunks vs raw encode", n / seconds, n / raw,
        "chunks/s", at_least=0.8, note=f"{report.embedded:,} embedded"))

    big = Coach.from_settings(settings)
    questions = [q.q for q in bench.questions_subset()]
    for q in questions:  # warm: BM25 corpus, guide-sentence vectors
        big.ask(q)
        bench.coach.ask(q)
    at_n, at_guide = [], []
    for p in range(bench.params.passes):
        for q in questions:  # each ask new to the per-text caches, as in the warm figure
            start = time.perf_counter()
            bench.coach.ask(variant(q, 2 * p + 10))
            at_guide.append(time.perf_counter() - start)
            start = time.perf_counter()
            big.ask(variant(q, 2 * p + 11))
            at_n.append(time.perf_counter() - start)
    guide_chunks = bench.report.raw.get("guide_ingest", {}).get("chunks", "?")
    bench.report.raw["synthetic"] = {"chunks": n, "ingest_s": seconds, "raw_encode_s": raw,
                                     "ask_at_n_s": at_n, "ask_at_guide_s": at_guide}
    bench.report.rows.append(ratio_row(
        f"ask() p95 at {n:,} chunks vs at guide size ({guide_chunks} chunks)",
        percentile(at_n, 95), percentile(at_guide, 95), "ms", note="informational"))
