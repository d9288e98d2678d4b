"""Hybrid retrieval: the dev-set hit@3 gate (with a per-section table), fusion and diversity."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from coach.config import REPO_ROOT
from coach.retrieval import HybridRetriever, expand, tokenize

DEV = REPO_ROOT / "evals" / "dev_questions.yaml"
SECTIONS = [
    "Why we created this guide", "The importance of mentorship",
    "Characteristics of mentors and mentees", "Determining your goals", "Finding faculty mentors",
    "Research mentorship", "Peer mentorship", "Resources", "The TL;DR",
]


_RETRIEVED: dict[str, tuple[list, list[float]]] = {}


def load_dev(path: Path = DEV) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def retrieve(coach, question: str) -> tuple[list, list[float]]:
    """coach.retrieve(), memoised; the dev questions are embedded in one batch (much cheaper
    than one call each) and the guide-engine tests reuse the same retrievals."""
    if question not in _RETRIEVED:
        questions = [item["q"] for item in load_dev() if item["q"] not in _RETRIEVED]
        if question not in questions:
            questions.append(question)
        vectors = coach.retriever.store.embeddings.embed_documents(questions)
        for text, vector in zip(questions, vectors, strict=True):
            _RETRIEVED[text] = (coach.retriever.search(text, vector), vector)
    return _RETRIEVED[question]


def report(request: pytest.FixtureRequest, lines: list[str]) -> None:
    """Show `lines` on the terminal whether or not output is captured (-s not needed)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    terminal = request.config.pluginmanager.getplugin("terminalreporter")
    if capture is None or terminal is None:
        print("\n".join(lines))
        return
    with capture.global_and_fixture_disabled():
        terminal.write_line("")
        for line in lines:
            terminal.write_line(line)


def test_dev_set_is_well_formed():
    dev = load_dev()
    assert len(dev) >= 48
    primary = defaultdict(int)
    for item in dev:
        assert set(item) == {"q", "sections", "points"}, item
        assert item["q"].strip() and item["points"], item
        assert set(item["sections"]) <= set(SECTIONS), item
        primary[item["sections"][0]] += 1
    assert all(primary[s] >= 4 for s in SECTIONS), dict(primary)
    questions = [item["q"] for item in dev]
    assert "How do I find a research mentor?" in questions
    assert "My mentor stopped replying, what now?" in questions
    assert len(set(questions)) == len(questions)


def test_dev_set_hit_at_3_is_at_least_0_9(coach_instance, request):
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for item in load_dev():
        hits, _ = retrieve(coach_instance, item["q"])
        top3 = [h.metadata["section"] for h in hits[:3]]
        hit = any(section in item["sections"] for section in top3)
        row = table[item["sections"][0]]  # the primary section
        row[0] += hit
        row[1] += 1
        if not hit:
            misses.append(f"  miss: {item['q']!r} -> {top3}")
    found = sum(r[0] for r in table.values())
    total = sum(r[1] for r in table.values())
    lines = ["hit@3 on evals/dev_questions.yaml (by primary section)"]
    lines += [f"  {s:<40} {table[s][0]:>2}/{table[s][1]:<2} {table[s][0] / table[s][1]:.2f}"
              for s in SECTIONS]
    lines += [f"  {'overall':<40} {found:>2}/{total:<2} {found / total:.2f}", *misses]
    report(request, lines)
    assert found / total >= 0.9, "\n".join(lines)


def test_search_returns_k_diverse_scored_hits(coach_instance):
    store = coach_instance.retriever.store
    retriever = HybridRetriever(store=store, k=5, max_per_section=2)
    hits = retriever.search("How do I find a research mentor?")
    assert len(hits) == 5
    sections = [h.metadata["section"] for h in hits]
    assert sections[0] == "Research mentorship"
    assert max(sections.count(s) for s in sections) <= 2
    scores = [h.metadata["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < h.metadata["dense"] <= 1 for h in hits)
    assert all(h.metadata["heading_trail"] and h.metadata["source"] for h in hits)


def test_one_per_section_diversity(coach_instance):
    retriever = HybridRetriever(store=coach_instance.retriever.store, k=4, max_per_section=1)
    sections = [h.metadata["section"] for h in retriever.search("finding a mentor")]
    assert len(sections) == len(set(sections)) == 4


def test_search_finds_the_resources_section(coach_instance):
    docs = coach_instance.retriever.search("books about mentoring")
    assert docs and docs[0].metadata["section"] == "Resources"


def test_student_vocabulary_reaches_the_guides_words(coach_instance):
    """Slang the embedder does not know is bridged by EXPANSIONS on the lexical side."""
    hits, _ = coach_instance.retrieve("my PI ghosted me after our first meeting")
    assert {"The TL;DR", "Characteristics of mentors and mentees"} & {
        h.metadata["section"] for h in hits[:3]
    }


def test_expansions_match_whole_words_only():
    assert expand("my PI ghosted me") != "my PI ghosted me"
    assert "research" in expand("joining a lab")
    assert expand("what is your opinion on labels?") == "what is your opinion on labels?"
    assert "tl dr" in expand("tl;dr please") and "tl dr" in expand("quick summary?")
    assert "follow up" in expand("she hasn't replied in two weeks")


def test_tokenize_drops_stop_words_and_stems_lightly():
    assert tokenize("The mentors are finding opportunities") == ["mentor", "find", "opportunity"]
    assert tokenize("expected replies") == ["expect", "reply"]
    assert tokenize("status address") == ["status", "address"]  # not over-stemmed


def test_a_bad_expansions_file_names_the_file_and_the_field(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import coach.datafiles
    import coach.retrieval
    from coach.errors import ConfigError

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "expansions.yaml").write_text(
        "expansions:\n  - words: research mentor\n    phrases: ['labs?', 'pis?(']\n",
        encoding="utf-8")
    monkeypatch.setattr(coach.datafiles, "resources", SimpleNamespace(files=lambda _: tmp_path))
    coach.retrieval._expansion_patterns.cache_clear()
    try:
        where = r"(?s)coach/data/expansions\.yaml.*expansions\.0\.phrases.*phrases\[1\]"
        with pytest.raises(ConfigError, match=where):
            expand("my PI")
    finally:
        monkeypatch.undo()
        coach.retrieval._expansion_patterns.cache_clear()
    assert "research mentor" in expand("my PI")
