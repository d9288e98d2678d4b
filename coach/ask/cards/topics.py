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


@lru_cache(maxsize=4)
def _pattern(path: Path, mtime: float) -> re.Pattern[str] | None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    terms = [t for t in data.get("terms", []) if isinstance(t, str) and t.strip()]
    if not terms:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(terms, key=len, reverse=True)) + r")\b", re.I)


def off_topic(question: str, knowledge_dir: Path) -> bool:
    """The question is about a topic the guide never addresses, not about mentoring."""
    path = knowledge_dir / "out_of_scope.yaml"
    if not path.is_file() or MENTORING.search(question):
        return False
    pattern = _pattern(path, path.stat().st_mtime)
    return bool(pattern and pattern.search(question))
