"""Mistreatment (harassment, assault, threats, discrimination) described by the student: support
and reporting options instead of mentoring tips (mistreatment.yaml: patterns and replies)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import ConfigError
from coach.safety.gate import Verdict
from coach.safety.normalise import normalize
from coach.safety.third_party import Localised
from coach.yamlio import safe_load

FILE = "mistreatment.yaml"


class Mistreatment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patterns: list[str] = Field(min_length=1)
    reply: Localised


@lru_cache(maxsize=1)
def _data() -> tuple[re.Pattern, Localised]:
    from coach.safety.patterns import compile_checked

    text = resources.files("coach.safety").joinpath(FILE).read_text(encoding="utf-8")
    try:
        data = Mistreatment.model_validate(safe_load(text))
    except ValidationError as exc:
        raise ConfigError(f"{FILE}: {exc}") from None
    pattern = compile_checked(r"\b(?:" + "|".join(data.patterns) + r")\b", data.patterns,
                              f"{FILE}: field patterns")
    return pattern, data.reply


# A description that is not done to the student ("attending physicians make sexist comments")
# counts only from a student speaking of themselves, and not inside a research or advocacy frame.
_TO_ME = re.compile(r"\b(?:me|i)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'?m|i'?ve|me|my)\b", re.I)
_STUDY = re.compile(r"\b(?:stud(?:y|ies|ying)|research\w*|surveys?|prevalence|how often|"
                    r"rates? of|papers?|thesis|literature|advoca\w+|curriculum|workshops?|"
                    r"training on)\b", re.I)


def describes_mistreatment(text: str) -> bool:
    pattern, _ = _data()
    text = normalize(text)
    for found in pattern.finditer(text):
        if _TO_ME.search(text, found.start(), found.end() + 12):  # "... jokes about me"
            return True
        if _FIRST_PERSON.search(text) and not _STUDY.search(text):
            return True
    return False


def reconcile(verdict: Verdict, mistreated: bool) -> Verdict:
    """The gate's verdict for a line that also describes mistreatment. A crisis the classifier
    read as about someone else ("my PI keeps texting me at night asking me to come to his
    apartment", p 0.73) is the student describing what a person does to them: the reply is the
    support and reporting options, with the crisis resources beside them (care, about the student)
    instead of advice on helping a friend at risk. A crisis pattern, or a crisis about the student
    themselves, stays a crisis (its reply adds the reporting options)."""
    if mistreated and verdict.kind == "crisis" and verdict.about == "other" and \
            verdict.reason.startswith("classifier"):
        return Verdict(kind="ok", category="ok", reason="mistreatment, not someone else at risk",
                       lang=verdict.lang, care=True, about="self")
    return verdict


def mistreatment_reply(lang: str = "en") -> str:
    _, reply = _data()
    return reply.get(lang)
