"""The eval scorers' shared vector cache: each distinct text is embedded once, order kept."""

from __future__ import annotations

from coach.evals.blind.evaluate import Scorer
from coach.evals.claims import Grounder


class CountingEmbeddings:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.seen += texts
        return [[float(len(t)), 1.0] for t in texts]


def test_each_text_is_embedded_once_and_rows_follow_the_request():
    embeddings = CountingEmbeddings()
    scorer = Scorer(embeddings)
    rows = scorer.vectors(["ab", "abc", "ab"])
    assert rows[:, 0].tolist() == [2.0, 3.0, 2.0]
    scorer.vectors(["abc", "abcd"])
    assert embeddings.seen == ["ab", "abc", "abcd"]
    assert scorer.vectors([]).shape == (0, 384)


def test_grounder_shares_the_cache_and_quotes_skip_embedding():
    embeddings = CountingEmbeddings()
    grounder = Grounder(embeddings, threshold=0.5)
    claim = "Reach out to several mentors early"
    (verdict,) = grounder.support([claim], [f"Tip: {claim.lower()} in the year."])
    assert verdict == {"sentence": claim, "score": 1.0, "supported": True}
    assert embeddings.seen == []
