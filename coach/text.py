"""The sentence splitter shared by the guide engine and the eval metrics.

A sentence ends at . ! ? followed by whitespace and a sentence start (a capital letter, a quote,
a bracket: `starts`), except after the abbreviations in `keep` ("Dr. Lee" stays whole). The
grounding guard (coach/grounding/sentences.py) and the rehearsal criteria
(coach/rehearsal/criteria/text.py) split differently on purpose and keep their own splitters.
"""

from __future__ import annotations

import re
from functools import lru_cache

STARTS = r'A-Z\"('  # the same pattern text as the splitters it replaced


@lru_cache(maxsize=16)
def sentence_end(starts: str = STARTS, keep: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The whitespace between two sentences, as a pattern for `re.split`."""
    behind = "".join(rf"(?<!\b{re.escape(word)}\.)" for word in keep)
    return re.compile(rf"(?<=[.!?]){behind}\s+(?=[{starts}])")


def split_sentences(text: str, starts: str = STARTS, keep: tuple[str, ...] = ()) -> list[str]:
    """The non-empty sentences of `text`, stripped."""
    return [s.strip() for s in sentence_end(starts, keep).split(text) if s.strip()]
