"""The student's context in the draft, in a natural sentence, or reported as not used.

The context is rewritten to speak to the mentor (the mentor's name and third-person pronouns
become "you"/"your"; "she was" -> "you were") and placed with the lead of the sentence frame its
meaning is closest to (data/context_frames.yaml, MiniLM). Nothing is added that is not in the
request: leads carry no facts. Text that is not for the mentor (a note to oneself, an instruction
to the drafter, a question) is left out, and the draft's "not used" note says so.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from coach.datafiles import load_data
from coach.errors import ConfigError
from coach.text import STRAIGHT_APOSTROPHES, not_after

FRAMES_FILE = "context_frames.yaml"
PRIVATE_MARGIN = 0.05  # leave text out only when it is clearly a note to oneself
MAX_WORDS = 70  # a longer context is a paragraph of its own: the student places it better
_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do", "says": "say",
          "seems": "seem", "runs": "run", "leads": "lead", "works": "work", "knows": "know",
          "teaches": "teach", "gets": "get", "wants": "want", "likes": "like", "loves": "love"}
_PAST = frozenset("got took began won made found became gave wrote sent met had did saw heard "
                  "spoke read".split())
_OBJECT_NEXT = frozenset("""and about to for at in on with that if after before when a an the my
some again last today yesterday back how why what i so but or this next know""".split())
_INSTRUCTION = re.compile(r"^\s*(?:please\s+)?(?:mention|say|include|add|don'?t|do not|make "
                          r"(?:sure|it)|keep it|tell (?:him|her|them)|write|note to self)\b", re.I)


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead: str
    examples: list[str]
    use: bool = True


class Frames(BaseModel):
    """data/context_frames.yaml."""

    model_config = ConfigDict(extra="forbid")
    frames: dict[str, Frame]


@lru_cache(maxsize=1)
def frames() -> Frames:
    """The sentence frames, validated (errors name the file)."""
    spec = load_data("coach.email", FRAMES_FILE, Frames)
    bad = [k for k, f in spec.frames.items() if f.use and "{sentence}" not in f.lead]
    if bad:
        raise ConfigError(f"coach/email/data/{FRAMES_FILE}: lead without {{sentence}}: {bad}")
    return spec


class _Picker:
    def __init__(self) -> None:
        self._state: tuple[Any, list[str], np.ndarray] | None = None

    def scores(self, text: str, embed: Any = None) -> dict[str, float]:
        """Each frame's score: the mean of its two examples most similar to `text`."""
        if self._state is None or embed is not None:
            from coach.embeddings import get_embeddings

            fn = embed or get_embeddings().embed_documents
            names = [n for n, f in frames().frames.items() for _ in f.examples]
            matrix = np.asarray(fn([x for f in frames().frames.values() for x in f.examples]))
            self._state = (fn, names, matrix)
        fn, names, matrix = self._state
        sims = matrix @ np.asarray(fn([text]))[0]
        per: dict[str, list[float]] = {}
        for name, s in zip(names, sims, strict=True):
            per.setdefault(name, []).append(float(s))
        return {n: float(np.mean(sorted(v)[-2:])) for n, v in per.items()}

    def pick(self, text: str, embed: Any = None) -> str:
        score = self.scores(text, embed)
        usable = {n: v for n, v in score.items() if frames().frames[n].use}
        best = max(usable, key=usable.get)
        unusable = max((n for n in score if n not in usable), key=score.get, default=None)
        if unusable and score[unusable] > usable[best] + PRIVATE_MARGIN:
            return unusable
        return best


_PICKER = _Picker()


# "she's been", "Dr. Lee's always helped": 's is has before a past participle ("you've")
# (not "done", "seen", "made", "given": "she's done with rounds", "she's seen as the expert")
_HAS = (r"(?=\s+(?:(?:always|never|really|just|also|already|truly)\s+)?(?:(?:been|had|got|"
        r"gotten)\b|(?:helped|taught|shown|written|supported|pushed|guided|mentored|spent|put)\b"
        r"(?!\s+(?:by|with|as|of)\b)))")


def to_second_person(text: str, names: list[str]) -> str:
    """Speak to the mentor: their name(s) and she/he/her/him/his become you/your."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])'s{_HAS}", "you've", text)
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])(?:'s\b)?",
                      lambda m: "your" if m.group(0).endswith("'s") else "you", text)
    text = re.sub(r"\b(?:she|he)(?='(?:s|d|ll)\b)", "you", text, flags=re.I)
    # "she's been my mentor" has, not is: "you've been" (a new user got "You're been")
    text = re.sub(rf"\byou's{_HAS}", "you've", text, flags=re.I)
    text = re.sub(r"\byou's\b", "you're", text, flags=re.I)
    text = re.sub(r"\b(?:she|he)\b", "you", text, flags=re.I)
    text = re.sub(r"\b(?:herself|himself)\b", "yourself", text, flags=re.I)
    text = re.sub(r"\b(?:his|hers)\b", "your", text, flags=re.I)

    def her(m: re.Match) -> str:
        after = re.match(r"\W*(\w*)", text[m.end():]).group(1).lower()  # type: ignore[union-attr]
        return "you" if after in _OBJECT_NEXT or not after else "your"
    text = re.sub(r"\bher\b|\bhim\b", lambda m: "you" if m.group(0).lower() == "him"
                  else her(m), text, flags=re.I)
    text = re.sub(r"\b(you)\s+(" + "|".join(_VERBS) + r")\b",
                  lambda m: f"{m.group(1)} {_VERBS[m.group(2).lower()]}", text, flags=re.I)
    return re.sub(r"(^|[.!?]\s+)you\b", lambda m: m.group(1) + "You", text)


# "she has not replied to my last two emails" told to her is an accusation ("you have not
# replied..."; a new user's follow-up draft said it, and its tone check passed it): the same fact in
# the student's voice is "I haven't heard back on my last two emails".
_NOT = (r"(?:has|have|had|did|does|do)\s*(?:not|n'?t)|(?:has|have)\s+never|hasn'?t|haven'?t|"
        r"hadn'?t|didn'?t|doesn'?t|never|still\s+(?:has\s*not|hasn'?t|hasnt)")
_REPLY = (r"(?:replied|replies|reply|responded|responds|respond|answered|answers|answer|"
          r"(?:gotten|got|gets|get|written|writes|write|wrote)\s+back)\b")
_IGNORED = r"(?:(?:has|have)\s+been\s+|keeps\s+|is\s+)?ignor(?:ed|ing|es)\b(?=\s+(?:me|my)\b)"
# ...only about the student's own messages: "she didn't respond well to my idea", "she doesn't
# answer her pages", "he never responds to emails on weekends" are left as said
_ABOUT_ME = (r"(?=\s+(?:to\s+)?(?:me|my|any of my|the email|the message|our)\b|\s*(?:[.,;!?]|$)|"
             r"\s+(?:yet|since|for|in|after|at all)\b)")


def in_my_words(text: str, names: list[str]) -> str:
    """Their silence told as the student's: "she hasn't replied to my emails" -> "I haven't
    heard back on my emails"; "he ignored my message" -> "I haven't heard back on my message"."""
    who = "|".join([r"she|he|they", *(re.escape(n) for n in sorted(
        {n for n in names if n}, key=len, reverse=True))])
    pattern = re.compile(
        rf"(?<![\w-])(?:{who})(?![\w-])\s+(?:(?:{_NOT})\s+(?:yet\s+|even\s+|ever\s+|really\s+)?"
        rf"{_REPLY}{_ABOUT_ME}|{_IGNORED})(?:\s+yet)?(?:\s+(?:to\s+)?(me|my|any of my|the|our)\b)?",
        re.I)
    text = text.translate(STRAIGHT_APOSTROPHES)  # "hasn’t" typed on a phone
    # ...and with the subject left out, as notes are typed: "hasn't answered my last 2 emails"
    bare = re.compile(rf"(?:^|(?<=; )|(?<=, )|(?<=\. )|(?<=but )|(?<=and ))(?:{_NOT})\s+"
                      rf"(?:yet\s+|even\s+|ever\s+|really\s+)?{_REPLY}{_ABOUT_ME}(?:\s+yet)?"
                      rf"(?:\s+(?:to\s+)?(me|my|any of my|the|our)\b)?", re.I)
    text = bare.sub(lambda m: "I haven't heard back" + (
        f" on {m.group(1).lower()}" if m.group(1) and m.group(1).lower() != "me" else ""), text)

    def mine(m: re.Match) -> str:
        after = (m.group(1) or "").lower()
        if after in ("", "me"):
            return "I haven't heard back"
        return f"I haven't heard back on {after}"
    return pattern.sub(mine, text)


ONGOING_MIN, ONGOING_MARGIN = 0.5, 0.1  # clearly 'ongoing': "we met at the conference" is 'met'


def _is_ongoing(score: dict[str, float]) -> bool:
    other = max(v for n, v in score.items() if n != "ongoing")
    return score["ongoing"] >= ONGOING_MIN and score["ongoing"] >= other + ONGOING_MARGIN


_TITLES = ("dr", "ms", "mr", "mrs", "prof", "st")  # "Dr. Okafor has been my mentor" is one clause
_CLAUSES = re.compile(rf"\s*(?:;|(?<=[.!]){not_after(_TITLES)}\s|,?\s+but\s+|,\s+and\s+)\s*",
                      re.I)


def split_ongoing(context: str | None, embed: Any = None) -> tuple[list[str], str]:
    """Whether the context says the mentorship is under way ("she has been my mentor", "we meet
    monthly": MiniLM frame 'ongoing', clause by clause) -- those clauses -- and the rest of the
    context (the clauses that say something else), for a follow-up worded as a check-in."""
    text = " ".join((context or "").split())
    clauses = [c.strip(" .;,") for c in _CLAUSES.split(text) if c and c.strip(" .;,")]
    ongoing = [c for c in clauses if len(c.split()) >= 2 and _is_ongoing(_PICKER.scores(c, embed))]
    if not ongoing:
        return [], text
    return ongoing, ". ".join(c for c in clauses if c not in ongoing)


class ContextUse(BaseModel):
    """The sentence for the draft ('' when not used) and the note when it was left out."""

    sentence: str = ""
    frame: str = ""
    note: str = ""


def use_context(context: str | None, mentor_names: list[str], embed: Any = None) -> ContextUse:
    """The context as a sentence for the draft, or why it was left out."""
    text = " ".join((context or "").split())
    if not text:
        return ContextUse()
    why = ""
    if "?" in text:
        why = "it reads like a question"
    elif _INSTRUCTION.search(text):
        why = "it reads like an instruction for the draft, not something to tell them"
    elif len(text.split()) > MAX_WORDS:
        why = f"it is longer than {MAX_WORDS} words"
    frame = "" if why else _PICKER.pick(text, embed)
    if frame and not frames().frames[frame].use:
        why = "it reads like a note to yourself rather than something to tell them"
    if why:
        return ContextUse(frame=frame, note=f"Your context was not used: \"{text}\" ({why}; "
                          "add it in your own words if you want it in, e.g. after the greeting).")
    sentence = to_second_person(in_my_words(text, mentor_names), mentor_names)
    first = sentence.split()[0]
    if first.islower() and (first.endswith("ed") or first in _PAST):
        sentence = f"I {sentence}"  # "passed my exam" -> "I passed my exam."
    sentence = sentence[:1].upper() + sentence[1:]
    if sentence[-1] not in ".!":
        sentence += "."
    return ContextUse(sentence=frames().frames[frame].lead.format(sentence=sentence), frame=frame)
