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
from typing import Literal

import yaml
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, TypeAdapter

from coach.email.drafting import parse_llm_reply
from coach.email.check import split_draft
from coach.matching.assign import Pair
from coach.matching.roster import StudentRow

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


def _guide_draft(pair: Pair, mentor: StudentRow, mentee: StudentRow, chapter: str) -> tuple:
    from coach.prompts import render

    shared = [t for t in mentee.availability if t in mentor.availability]
    text = render("match_intro_guide", pair=pair, mentor=mentor, mentee=mentee,
                  shared_times=shared, tips=guide_tips(), chapter=chapter)
    subject, body = split_draft(re.sub(r"\n{3,}", "\n\n", text))
    return subject or f"{chapter} peer mentorship", body


def draft_introduction(pair: Pair, mentor: StudentRow, mentee: StudentRow,
                       chapter: str = DEFAULT_CHAPTER, llm: BaseChatModel | None = None
                       ) -> Introduction:
    """Draft the introduction for one pair; an LLM draft that drops a name falls back."""
    to = [s.email for s in (mentee, mentor) if s.email]
    subject, body = _guide_draft(pair, mentor, mentee, chapter)
    guide = Introduction(mentor=mentor.name, mentee=mentee.name, subject=subject, body=body, to=to)
    if llm is None:
        return guide
    from langchain_core.messages import HumanMessage, SystemMessage

    from coach.llm import describe_failure
    from coach.prompts import render

    facts = json.dumps({"mentor": {"name": mentor.name, "class": f"MS{mentor.class_year}"},
                        "mentee": {"name": mentee.name, "class": f"MS{mentee.class_year}"},
                        "what they share": pair.reasons,
                        "shared free times": [t for t in mentee.availability
                                              if t in mentor.availability],
                        "guide tips": {k: [t.text for t in v] for k, v in guide_tips().items()}},
                       ensure_ascii=False, indent=2)
    try:
        reply = llm.invoke([SystemMessage(render("match_intro", part="system", chapter=chapter,
                                                 facts=facts)),
                            HumanMessage(render("match_intro", part="user", chapter=chapter,
                                                facts=facts))])
        llm_subject, llm_body = parse_llm_reply(reply.text)
    except Exception as exc:  # any model failure: the guide draft is always there
        return guide.model_copy(update={"notice": describe_failure(exc)})
    names = (mentor.name.split()[0], mentee.name.split()[0])
    if not llm_body or not all(n.lower() in llm_body.lower() for n in names):
        return guide.model_copy(update={"notice": "The model's draft did not name both students; "
                                        "the guide draft is shown instead."})
    return Introduction(mentor=mentor.name, mentee=mentee.name, to=to, engine="llm",
                        subject=" ".join(_BREAKS.sub(" ", llm_subject or subject).split()),
                        body=llm_body)


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
