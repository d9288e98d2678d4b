"""A synthetic knowledge corpus of N chunks: shuffled, lightly paraphrased guide sentences.

Each H2 section holds one paragraph that fits the embedder's limit, so N sections make N chunks.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from coach.index.knowledge import FRONT_MATTER, SENTENCE_END

SECTIONS_PER_FILE = 100
PARAGRAPH_TOKENS = 200  # under 256 minus the heading prefix: one chunk per section
SYNONYMS = {
    "mentor": ["mentor", "adviser", "guide"],
    "mentors": ["mentors", "advisers", "guides"],
    "student": ["student", "trainee", "learner"],
    "students": ["students", "trainees", "learners"],
    "important": ["important", "essential", "key"],
    "help": ["help", "support", "assist"],
    "goals": ["goals", "aims", "objectives"],
    "find": ["find", "locate", "identify"],
    "research": ["research", "scholarship", "investigation"],
    "relationship": ["relationship", "partnership", "connection"],
    "time": ["time", "hours", "availability"],
    "ask": ["ask", "request", "invite"],
    "good": ["good", "strong", "effective"],
    "medical": ["medical", "clinical", "medical"],
}
WORD = re.compile(r"[A-Za-z]+")


def guide_sentences(knowledge_dir: Path) -> list[str]:
    """Prose sentences of the guide (no headings, fences or very short lines)."""
    sentences = []
    for path in sorted(knowledge_dir.glob("*.md")):
        text = re.sub(r"```.*?```", "", FRONT_MATTER.sub("", path.read_text("utf-8")), flags=re.S)
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*+>]|\d+[.)])\s*(?:[a-z][.)]\s+)?", "", line).strip()
            if not line or line.startswith("#"):
                continue
            sentences += [s for s in SENTENCE_END.split(line) if len(s.split()) >= 6]
    return sentences


def paraphrase(sentence: str, rng: random.Random) -> str:
    def swap(match: re.Match) -> str:
        word = match.group(0)
        options = SYNONYMS.get(word.lower())
        if not options:
            return word
        choice = rng.choice(options)
        return choice.capitalize() if word[0].isupper() else choice

    return WORD.sub(swap, sentence)


def write_corpus(target: Path, chunks: int, sentences: list[str],
                 count_tokens: Callable[[str], int], seed: int = 7) -> int:
    """Write `chunks` sections of paraphrased sentences as .md files under `target`."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    files = (chunks + SECTIONS_PER_FILE - 1) // SECTIONS_PER_FILE
    written = 0
    for f in range(files):
        parts = [f"# Synthetic mentorship notes {f}\n"]
        for s in range(min(SECTIONS_PER_FILE, chunks - written)):
            picked = rng.sample(sentences, rng.randint(3, 6))
            paragraph = ""
            for sentence in picked:
                candidate = f"{paragraph} {paraphrase(sentence, rng)}".strip()
                if paragraph and count_tokens(candidate) > PARAGRAPH_TOKENS:
                    break
                paragraph = candidate
            topic = " ".join(rng.sample(WORD.findall(paragraph), 3)).lower()
            parts.append(f"## Topic {f}.{s}: {topic}\n\n{paragraph}\n")
            written += 1
        (target / f"notes-{f:03d}.md").write_text("\n".join(parts), encoding="utf-8")
    return written
