"""Figure 6: a naive LangChain RAG (fixed-size chunks, Chroma dense top-4) beside our retrieval."""

from __future__ import annotations

import bisect
import re
import time
from pathlib import Path

from benchmarks.context import Bench
from benchmarks.questions import variant
from benchmarks.report import ratio_row
from benchmarks.timing import percentile

H2 = re.compile(r"^## (.+?)\s*$", re.M)


def naive_store(knowledge_dir: Path, persist_dir: Path, embeddings):  # noqa: ANN001, ANN201
    """The tutorial pipeline: whole files, 1000/200 character chunks, default Chroma (L2)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
                                              add_start_index=True)
    docs = []
    for path in sorted(knowledge_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        starts = [(m.start(), m.group(1)) for m in H2.finditer(text)]
        for doc in splitter.create_documents([text], metadatas=[{"source": path.name}]):
            # The section a chunk starts in: for scoring only, the naive retriever never sees it.
            i = bisect.bisect_right([s for s, _ in starts], doc.metadata["start_index"]) - 1
            doc.metadata["section"] = starts[i][1] if i >= 0 else ""
            docs.append(doc)
    client = chromadb.PersistentClient(path=str(persist_dir),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(client=client, collection_name="naive-baseline", embedding_function=embeddings)
    store.add_documents(docs)
    return store, len(docs)


def hit_at_3(sections: list[str], expected: tuple[str, ...]) -> bool:
    return any(s in expected for s in sections[:3])


def run(bench: Bench) -> None:
    coach = bench.coach
    store, chunks = naive_store(bench.settings.knowledge_dir, bench.root / "naive",
                                coach.retriever.store.embeddings)
    questions = bench.questions_subset()
    ours_hits = naive_hits = 0
    for q in questions:  # quality on the exact questions
        naive_hits += hit_at_3([d.metadata["section"] for d in store.similarity_search(q.q, k=4)],
                               q.sections)
        hits, _ = coach.retrieve(q.q)
        ours_hits += hit_at_3([d.metadata.get("section", "") for d in hits], q.sections)
    ours_t, naive_t = [], []
    for q in questions:  # latency on variants: each side embeds a new text
        start = time.perf_counter()
        store.similarity_search(variant(q.q, 100), k=4)
        naive_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        coach.retrieve(variant(q.q, 101))
        ours_t.append(time.perf_counter() - start)
    n = len(questions)
    bench.report.raw["baseline"] = {"questions": n, "naive_chunks": chunks, "ours_hits": ours_hits,
                                    "naive_hits": naive_hits, "ours_s": ours_t, "naive_s": naive_t}
    bench.report.rows += [
        ratio_row("retrieval hit@3 vs naive LangChain RAG (Chroma top-4)", ours_hits / n,
                  naive_hits / n, "%", at_least=1.0, note=f"{n} dev questions"),
        ratio_row("retrieval latency p50 vs naive similarity_search", percentile(ours_t, 50),
                  percentile(naive_t, 50), "ms",
                  note="both embed the question; hybrid dense+BM25 vs dense only"),
        ratio_row("retrieval latency p95 vs naive similarity_search", percentile(ours_t, 95),
                  percentile(naive_t, 95), "ms"),
    ]
