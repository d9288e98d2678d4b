"""What an answer claims and cites, and how well the retrieved text supports each claim."""

from __future__ import annotations

import re

from coach.evals.vectors import VectorCache
from coach.text import BULLET, INLINE_CITE, plain, sentences, source_units  # noqa: F401

CITE_LINE = re.compile(r"^\s*\*?\s*From the guide:\s*(?P<sections>.+?)\.?\s*\*?\s*$", re.I | re.M)


def answer_claims(answer: str) -> list[str]:
    """The sentences an answer asserts: its bullet sentences (without the framing opener and
    the "From the guide" line); for prose answers, every sentence after an opener line."""
    lines = [line for line in answer.splitlines() if line.strip() and not CITE_LINE.match(line)]
    bullets = [BULLET.sub("", line) for line in lines if BULLET.match(line)]
    if bullets:
        texts = bullets
    else:
        if lines and lines[0].rstrip().endswith(":"):
            lines = lines[1:]  # "Here's what the guide suggests:" frames, it does not claim
        texts = lines
    claims = [plain(s) for text in texts for s in sentences(text)]
    return [c for c in claims if len(c.split()) >= 4]


def cited_sections(answer: str) -> list[str]:
    """Sections named in the "*From the guide: A; B.*" line (empty when there is none)."""
    match = CITE_LINE.search(answer)
    if not match:
        return []
    return [s.strip().strip("*").strip() for s in match.group("sections").split("; ") if s.strip()]


def citation_problems(answer: str, source_sections: list[str]) -> list[str]:
    """Citations that point outside what was retrieved: unretrieved sections or bad [n]."""
    problems = [f"cites '{s}', which was not retrieved"
                for s in cited_sections(answer) if s not in set(source_sections)]
    for number in sorted({int(n) for n in INLINE_CITE.findall(answer)}):
        if not 1 <= number <= len(source_sections):
            problems.append(f"cites [{number}] but only {len(source_sections)} passages were given")
    return problems


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Grounder(VectorCache):
    """Scores each claim by its best cosine similarity to the retrieved text (cached vectors)."""

    def __init__(self, embeddings, threshold: float) -> None:  # noqa: ANN001 - LangChain Embeddings
        super().__init__(embeddings)
        self.threshold = threshold

    def support(self, claims: list[str], sources: list[str]) -> list[dict]:
        """[{sentence, score, supported}] for each claim against the source texts.

        A claim whose every fragment (split at ':' and ';') is a verbatim quote of the sources
        scores 1.0 without embedding; the rest score their best cosine similarity to a source
        line, sentence or run of lines.
        """
        haystack = " " + " ".join(_normal(s) for s in sources) + " "
        scores = {c: 1.0 for c in claims if _quoted(c, haystack)}
        rest = [c for c in dict.fromkeys(claims) if c not in scores]
        units = [u for text in sources for u in source_units(text)] if rest else []
        if rest and units:
            sims = self.vectors(rest) @ self.vectors(units).T
            scores.update({c: float(row.max()) for c, row in zip(rest, sims, strict=True)})
        return [{"sentence": c, "score": round(scores.get(c, 0.0), 3),
                 "supported": scores.get(c, 0.0) >= self.threshold} for c in claims]


def _quoted(claim: str, haystack: str) -> bool:
    """Every fragment of >= 3 words appears verbatim (after normalising) in the haystack."""
    fragments = [_normal(f) for f in re.split(r"[:;]", claim)]
    fragments = [f for f in fragments if len(f.split()) >= 3]
    return bool(fragments) and all(f" {f} " in haystack for f in fragments)
