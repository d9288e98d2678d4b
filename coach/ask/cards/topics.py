"""Topics the guide never addresses, named by their own words (knowledge/out_of_scope.yaml,
`terms`). MiniLM knows little of acronyms like VSLO or PSLF, so a question built around one of
them can sit closer to a card than to any out-of-scope example; these words settle it."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

# A question that talks about mentoring itself ("can my mentor help with ERAS?") is still read
# against the cards: the guide does cover asking a mentor for residency-application advice.
MENTORING = re.compile(r"\b(?:mentor\w*|mentees?|big sibs?|advisors?|upperclass\w*|peers?)\b", re.I)


@lru_cache(maxsize=8)
def _pattern(path: Path, mtime: float, key: str = "terms") -> re.Pattern[str] | None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    terms = [t for t in data.get(key) or [] if isinstance(t, str) and t.strip()]
    if not terms:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(terms, key=len, reverse=True)) + r")\b", re.I)


# "this shelf exam is going to kill me lol. anyway how do i ask an attending for research": the
# question asked is the part after the turn, and the cards are matched on it (a new user was
# sent to academic support); off-topic words are still looked for in the whole message
PIVOT = re.compile(r"(?:^|(?<=[.!?,;:])\s*|\s+-+\s+)(?:anyway|anyways|anyhow|btw|by the way|that "
                   r"said|my (?:real |actual )?question is|but (?:my )?(?:real |actual )?question)"
                   r"\b(?!\s*\?)[,:.!]*\s*", re.I)  # opening a clause ("who is it for anyway?" no)


_QUESTION = re.compile(r"(?:how|what|what's|whats|when|where|who|why|which|should|can|could|do|"
                       r"does|is|are|would|will|any)\b|.*\?\s*$", re.I)


def asked_part(question: str) -> str:
    """The question after its last turn of topic ("..., anyway how do I ..."), when that part is
    itself a question of 3+ words ("should i email him anyway even though..." is not cut);
    else the whole question."""
    turns = list(PIVOT.finditer(question))
    rest = question[turns[-1].end():] if turns else ""
    return rest if len(rest.split()) >= 3 and _QUESTION.match(rest) else question


def off_topic(question: str, knowledge_dir: Path) -> bool:
    """The question is about a topic the guide never addresses, not about mentoring."""
    path = knowledge_dir / "out_of_scope.yaml"
    if not path.is_file():
        return False
    always = _pattern(path, path.stat().st_mtime, "always")  # even beside "my mentor"
    if always and always.search(question):
        return True
    if MENTORING.search(question):
        return False
    pattern = _pattern(path, path.stat().st_mtime)
    return bool(pattern and pattern.search(question))
