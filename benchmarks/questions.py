"""The dev question set (evals/dev_questions.yaml), with a built-in fallback of 20 questions."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

log = logging.getLogger(__name__)
DEV_SET = Path(__file__).resolve().parent.parent / "evals" / "dev_questions.yaml"


@dataclass(frozen=True)
class Question:
    q: str
    sections: tuple[str, ...]


BUILTIN: list[tuple[str, str]] = [
    ("Why did AMWA make a mentorship guide?", "Why we created this guide"),
    ("Is having a mentor really that important?", "The importance of mentorship"),
    ("What do medical students usually look for in a mentor?", "The importance of mentorship"),
    ("How do I make it official that someone is my mentor?", "The importance of mentorship"),
    ("What should I expect from a good mentor?", "Characteristics of mentors and mentees"),
    ("What are my responsibilities as a mentee?", "Characteristics of mentors and mentees"),
    ("How often should a mentor and mentee meet?", "Characteristics of mentors and mentees"),
    ("How do I figure out what I want from a mentor?", "Determining your goals"),
    ("What goes on the goals worksheet?", "Determining your goals"),
    ("How do I approach a faculty member to be my mentor?", "Finding faculty mentors"),
    ("What should I put in an email asking for a mentorship meeting?", "Finding faculty mentors"),
    ("What if a faculty member says no to mentoring me?", "Finding faculty mentors"),
    ("How do I find a research mentor?", "Research mentorship"),
    ("What should I ask at a meeting with a potential research mentor?", "Research mentorship"),
    ("How can an upperclassman help me as a peer mentor?", "Peer mentorship"),
    ("How could our AMWA chapter start a peer mentorship program?", "Peer mentorship"),
    ("Are there books or podcasts about mentorship?", "Resources"),
    ("Give me the short version of the guide.", "The TL;DR"),
    ("My mentor stopped replying, what now?", "The TL;DR"),
    ("What is the difference between mentorship and sponsorship?", "The TL;DR"),
]


def variant(question: str, n: int) -> str:
    """The question with a distinct punctuation tail (n in base 3 over "?!."): the same meaning,
    words and retrieval, but new to every per-text cache, as a new student's question would be.

    Parts use their own ranges of n (warm 0-9, synthetic 10-99, baseline 100-101, LLM 200-999,
    served 1000+) so no part is served from another's cache.
    """
    tail = ""
    while True:
        n, digit = divmod(n, 3)
        tail += "?!."[digit]
        if n == 0:
            return f"{question.rstrip()} {tail}"
        n -= 1  # bijective numbering: every n gets a different tail


def load_questions(path: Path = DEV_SET) -> tuple[list[Question], str]:
    """The dev set as Questions and where it came from (the file, or the built-in list)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        questions = [Question(str(item["q"]), tuple(item.get("sections") or ()))
                     for item in data if isinstance(item, dict) and item.get("q")]
        if questions:
            return questions, str(path.name)
    except FileNotFoundError:
        pass
    except (OSError, yaml.YAMLError, TypeError, KeyError) as exc:
        log.warning("Cannot read %s (%s); using the built-in questions", path, exc)
    return [Question(q, (section,)) for q, section in BUILTIN], "built-in list"


# Ways students open and close a question: a run draws one of each per question, so each run asks
# text no earlier run (and no cache) has seen, with the meaning unchanged.
OPENERS = ("", "hey, ", "quick question: ", "honestly, ", "ok so ", "MS1 here - ", "MS2 here: ",
           "sorry if this is basic, ", "random question, ", "hi! ", "so ", "real talk: ")
CLOSERS = ("", " thanks!", " any advice?", " (asking for myself)", " lol", " thank you",
           " help", " please", " :)", " ty")


def fresh_sample(questions: list[Question], seed: int, limit: int | None = None
                 ) -> list[Question]:
    """A run's questions: `limit` drawn from the pool (all when None) in a seeded random order,
    each with a student-style opener and closer, so every run measures unseen text."""
    rng = random.Random(seed)
    pool = list(questions)
    rng.shuffle(pool)
    picked = pool[:limit] if limit else pool
    return [replace(q, q=f"{rng.choice(OPENERS)}{q.q}{rng.choice(CLOSERS)}") for q in picked]
