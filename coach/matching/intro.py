"""Introduction emails for final pairs: the guide engine's template by default, an LLM when
given (checked, with the guide draft as fallback), exported as .eml files in a zip. Nothing is
sent: the board opens the files in its mail app."""

from __future__ import annotations

import io
import json
import re
import zipfile
from email.headerregistry import Address
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

from coach.email.check import split_draft
from coach.email.drafting import parse_llm_reply
from coach.email.engines import INSTEAD
from coach.email.request import header_line
from coach.engine import EngineName, Fallback
from coach.engine.contract import OneShot
from coach.errors import LLMError
from coach.matching.assign import Pair
from coach.matching.roster import StudentRow

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

TIPS_FILE = Path(__file__).with_name("tips.yaml")
DEFAULT_CHAPTER = "AMWA chapter"
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")


class Tip(BaseModel):
    text: str
    section: str


class Introduction(BaseModel):
    """One drafted introduction email (never sent by the app)."""

    mentor: str
    mentee: str
    subject: str
    body: str
    to: list[str] = []
    engine: Literal["guide", "llm"] = "guide"
    notice: str | None = None


@lru_cache(maxsize=1)
def guide_tips() -> dict[str, list[Tip]]:
    """The guide's tips per role from tips.yaml, validated (errors name the file)."""
    from pydantic import ValidationError

    from coach.errors import ConfigError

    try:
        data = yaml.safe_load(TIPS_FILE.read_text(encoding="utf-8"))
        return TypeAdapter(dict[Literal["mentee", "mentor"], list[Tip]]).validate_python(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{TIPS_FILE}: {exc}") from None


class IntroRequest(BaseModel):
    """One final pair to introduce, with both students' roster rows."""

    model_config = ConfigDict(frozen=True)
    pair: Pair
    mentor: StudentRow
    mentee: StudentRow
    chapter: str = DEFAULT_CHAPTER

    @property
    def shared_times(self) -> list[str]:
        return [t for t in self.mentee.availability if t in self.mentor.availability]

    def introduction(self, subject: str, body: str, engine: EngineName = "guide") -> Introduction:
        to = [s.email for s in (self.mentee, self.mentor) if s.email]
        return Introduction(mentor=self.mentor.name, mentee=self.mentee.name, subject=subject,
                            body=body, to=to, engine=engine)


class GuideIntroEngine(OneShot):
    """The guide's introduction template, with the guide's tips for each role."""

    name: EngineName = "guide"

    def run(self, request: IntroRequest) -> Introduction:
        from coach.prompts import render

        text = render("match_intro_guide", pair=request.pair, mentor=request.mentor,
                      mentee=request.mentee, shared_times=request.shared_times,
                      tips=guide_tips(), chapter=request.chapter)
        subject, body = split_draft(re.sub(r"\n{3,}", "\n\n", text))
        return request.introduction(subject or f"{request.chapter} peer mentorship", body)


class LLMIntroEngine(OneShot):
    """The model's introduction; one that does not name both students raises `LLMError`."""

    name: EngineName = "llm"

    def __init__(self, llm: BaseChatModel):
        self.llm = llm

    def run(self, request: IntroRequest) -> Introduction:
        from langchain_core.messages import HumanMessage, SystemMessage

        from coach.prompts import render

        mentor, mentee, chapter = request.mentor, request.mentee, request.chapter
        facts = json.dumps({"mentor": {"name": mentor.name, "class": f"MS{mentor.class_year}"},
                            "mentee": {"name": mentee.name, "class": f"MS{mentee.class_year}"},
                            "what they share": request.pair.reasons,
                            "shared free times": request.shared_times,
                            "guide tips": {k: [t.text for t in v]
                                           for k, v in guide_tips().items()}},
                           ensure_ascii=False, indent=2)
        reply = self.llm.invoke([
            SystemMessage(render("match_intro", part="system", chapter=chapter, facts=facts)),
            HumanMessage(render("match_intro", part="user", chapter=chapter, facts=facts))])
        subject, body = parse_llm_reply(reply.text)
        names = (mentor.name.split()[0], mentee.name.split()[0])
        if not body or not all(n.lower() in body.lower() for n in names):
            raise LLMError(reason="wrote an introduction that did not name both students")
        subject = header_line(subject) if subject else GuideIntroEngine().run(request).subject
        return request.introduction(subject, body, engine="llm")


def draft_introduction(pair: Pair, mentor: StudentRow, mentee: StudentRow,
                       chapter: str = DEFAULT_CHAPTER, llm: BaseChatModel | None = None
                       ) -> Introduction:
    """Draft the introduction for one pair; an LLM draft that fails falls back to the guide's."""
    request = IntroRequest(pair=pair, mentor=mentor, mentee=mentee, chapter=chapter)
    if llm is None:
        return GuideIntroEngine().run(request)
    return Fallback(LLMIntroEngine(llm), GuideIntroEngine(), instead=INSTEAD).run(request)


def to_eml(intro: Introduction) -> bytes:
    """An RFC 5322 message addressed to both students (when their emails are known)."""
    message = EmailMessage()
    message["Subject"] = " ".join(_BREAKS.sub(" ", intro.subject).split())
    recipients = [(intro.mentee, intro.to[0])] if intro.to else []
    if len(intro.to) > 1:
        recipients.append((intro.mentor, intro.to[1]))
    if recipients:
        message["To"] = [Address(" ".join(_BREAKS.sub(" ", n).split()), addr_spec=a)
                         for n, a in recipients]
    message.set_content(intro.body.replace("\r\n", "\n") + "\n")
    return bytes(message)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "student"


def introductions_zip(intros: list[Introduction]) -> bytes:
    """All drafts as `NN-mentor--mentee.eml` in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, intro in enumerate(intros, start=1):
            name = f"{number:03d}-{_slug(intro.mentor)}--{_slug(intro.mentee)}.eml"
            archive.writestr(name, to_eml(intro))
    return buffer.getvalue()
