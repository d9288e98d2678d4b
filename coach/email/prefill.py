"""What a "help me write..." chat message already says, for the Email tab: the mentor's name, the
mentor's field and the context (where they met, who referred, what happened before). Only the
field is used (SHIPPED); the name and context are measured, not yet good enough to fill in.

"can you write me an email to dr. patel (she's a pediatrician, i met her at the interest group
lunch)" -> Dr. Patel / pediatrics / "i met her at the interest group lunch". Nothing is invented:
each value is a span of the message (the field in its usual name, data/specialties.yaml). A value
the message does not clearly give is left empty for the student to fill in.

- Name: a title (Dr., Doctor, Prof., Professor) and the name after it, whole ("Dr. De La Cruz",
  "Dr. Nguyen-Tran"; "dr. kwame asante" -> "Dr. Asante"); or a first name after "named", "name is",
  "to", "my mentor" (capitalised mid-sentence, or a word the English frequency list rarely sees).
- Field: the longest specialty match the message attributes to the mentor, not to the student
  ("He's an anesthesiologist. I'm more interested in IM" -> anesthesiology).
- Context: the message's clauses that read like context for an email (MiniLM, the drafter's own
  context frames, coach/email/context.py), without the request itself, the field and feelings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from coach.datafiles import load_data
from coach.errors import ConfigError

SPECIALTIES_FILE = "specialties.yaml"
# What the Email tab is pre-filled with: the fields that met their declared bars on a fresh blind
# set written after this extractor was frozen (evals/write_blind/test2.yaml, measured once: field
# 0.809 with no false fills). The name (0.785, bar 0.80) and the context (recall 0.550, but 45% of
# messages without context got some, bar 20%) missed theirs: measured by `coach eval --suite
# prefill`, not used.
SHIPPED: tuple[str, ...] = ("field",)
COMMON = 20_000  # a lowercase word the frequency list sees this often is a word, not a name
PRIVATE_MARGIN = 0.05  # a clause this close to the drafter's 'private' frame is a feeling
TITLES = {"dr": "Dr.", "doctor": "Doctor", "prof": "Prof.", "professor": "Professor"}
PARTICLES = frozenset("de la del da di van der von le st du dos das".split())
NOT_NAMES = frozenset("""hes shes pls plz im ive id ill u ur w lol abt bc idk tho asap rn btw
thx ty dm re""".split())
FUNCTION_WORDS = frozenset("""the a an i my to me you your our their his her him them this that
be ask see meet if whether who about and or at in on for of from with there here is was are
mentor mentee mentors attending resident student students faculty professor doctor pi advisor
someone somebody anyone everyone people""".split())
_TOKEN = r"[A-Za-z][A-Za-z'’-]*"
_TITLED = re.compile(rf"\b(dr|doctor|prof|professor)\b\.?\s+((?:{_TOKEN})(?:\s+{_TOKEN}){{0,3}})",
                     re.I)
_CUED = re.compile(rf"\b(?:named|name is|name's|to|my (?:peer )?mentor|mentor)\s+({_TOKEN})", re.I)
_MINE = re.compile(r"\b(?:i|i'?m|i am|i'?d|i'?ll|me|my|we)\b", re.I)
_THEIRS = re.compile(r"\b(?:he|she|they|his|her|their|he'?s|she'?s|hes|shes|dr|doctor|prof|"
                     r"professor|attending|pi|who|department|dept)\b", re.I)
_INTEREST = re.compile(r"\b(?:interested|interest|into|want|wanna|thinking|leaning|applying|"
                       r"considering|pursu\w*|love|career|going)\b", re.I)
_SAID_OF_THEM = re.compile(r"\b(?:(?:he|she|they)(?:'s| is| are|’s)|hes|shes)\s+"
                           r"(?:an?\s+|in\s+(?:the\s+)?)?(?:\w+\s+)?$"
                           r"|\b(?:who|that)\s+(?:does|works in|practices)\s+$|"
                           r"\b(?:he|she|they)\s+(?:does|works in|practices)\s+$", re.I)
_THEIR_TITLE = re.compile(r"\s+(?:doc|doctor|attending|physician|surgeon|specialist)\b", re.I)
_REQUEST = re.compile(r"\b(?:write|draft|compose|type up|put together|help me|can u|can you|"
                      r"could you|ask(?:ing)? (?:if|whether|to|for|about|her|him|them)|"
                      r"e-?mail (?:to|for)|message to|note to|follow[ -]?up (?:email|to|with))\b",
                      re.I)
_ABOUT_THEM = re.compile(r"\b(?:he|she|they|him|her|his|hers|them|their|he'?s|she'?s|hes|shes|"
                         r"we|us|our|we'?re)\b", re.I)
_CONTACT = re.compile(r"\b(?:met|e-?mailed|sent|wrote|talked|spoke|shadowed|heard|saw|"
                      r"volunteered|worked|reached out|repl(?:ied|y)|respon(?:ded|se)|answered|"
                      r"ghosted|referred|suggested|recommended|introduced|connected|"
                      r"no (?:reply|response|answer))\b", re.I)
_ASK_TAIL = re.compile(r"\s+and\s+(?:i\s+|i'?d\s+)?(?:really\s+)?(?:want|wanna|would like|like|"
                       r"hope|am hoping|need)?\s*(?:to\s+)?(?:ask|write|email|reach out)\b.*$",
                       re.I)
WHO_WORDS = frozenset("""he she they he's she's hes shes they're i i'm im am is are was a an the
who does do works work in at of dept department doc doctor attending physician surgeon resident
fellow student medical med school going into interested leaning toward towards applying
thinking about also maybe my his her their our and or s really super very""".split())


class Prefill(BaseModel):
    """The Email tab's fields the message gives (None: not given)."""

    model_config = ConfigDict(frozen=True)
    mentor_name: str | None = None
    field: str | None = None
    context: str | None = None


class Specialties(BaseModel):
    """data/specialties.yaml."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[str, list[str]]


@lru_cache(maxsize=1)
def _fields() -> list[tuple[str, re.Pattern[str]]]:
    spec = load_data("coach.email", SPECIALTIES_FILE, Specialties)
    out = []
    for name, forms in spec.fields.items():
        try:
            out.append((name, re.compile(r"(?<![\w/-])(?:" + "|".join(forms) + r")(?![\w/-])",
                                         re.I)))
        except re.error as exc:
            raise ConfigError(f"coach/email/data/{SPECIALTIES_FILE}: fields.{name}: invalid "
                              f"regular expression ({exc})") from None
    return out


@lru_cache(maxsize=1)
def _frequency() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker().word_frequency


def _common(word: str) -> bool:
    return _frequency()[word.casefold()] >= COMMON


def _name_like(word: str, typed_lower: bool) -> bool:
    w = word.strip("'’-")
    if not w.isalpha() and not re.fullmatch(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", w):
        return False
    if w.casefold() in NOT_NAMES or any(p.fullmatch(w) for _, p in _fields()):
        return False
    if w[0].isupper() and not typed_lower:  # "to Hannah", not "to AMWA" or "to The"
        return not w.isupper() and w.casefold() not in FUNCTION_WORDS
    return not _common(w)


def _cap(word: str) -> str:
    return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))


def mentor_name(message: str) -> str | None:
    """The mentor's name as the greeting would use it (see the module docstring)."""
    lower = message == message.lower()
    m = next((m for m in _TITLED.finditer(message) if not re.search(
        r"\b(?:a|an|the|any|some|another|which|what)\s+$", message[:m.start()], re.I)), None)
    if m:
        title = TITLES[m.group(1).lower()]
        words = m.group(2).split()
        name: list[str] = []
        for i, w in enumerate(words):
            if w.lower() in PARTICLES and i + 1 < len(words) and (i == 0 or name):
                name.append(w)  # "van der Berg", "De La Cruz"
                continue
            caps = w[:1].isupper() and not lower
            if i and not (caps and w.casefold() not in FUNCTION_WORDS or _name_like(w, True)):
                break
            if i == 0 and (w.casefold() in NOT_NAMES or w.casefold() in FUNCTION_WORDS):
                return None
            name.append(w)
        while name and name[-1].lower() in PARTICLES:
            name.pop()
        if not name:
            return None
        if len(name) > 1 and not any(w.lower() in PARTICLES for w in name):
            name = name[-1:]  # "Dr. Kwame Asante" -> "Dr. Asante"
        return f"{title} " + " ".join(w if w.lower() in PARTICLES else _cap(w) for w in name)
    for m in _CUED.finditer(message):
        word = m.group(1)
        typed_lower = not word[:1].isupper() or lower
        if _name_like(word, typed_lower) and not re.match(r"(?i)dr|doctor|prof", word):
            return _cap(word.strip("'’"))
    return None


def mentor_field(message: str) -> str | None:
    """The field the message gives the mentor (not the student's own interest): one said of
    them outright ("she's a nephrologist", "a GI doc", "who does sports medicine") first, else
    the first one not said of the student."""
    found = []
    for name, pattern in _fields():
        found += [(m.start(), m.end(), name) for m in pattern.finditer(message)]
    found = sorted((f for f in found if not any(  # not inside a longer match
        s < f[0] < e for s, e, _ in found if (s, e) != f[:2])), key=lambda f: (f[0], f[0] - f[1]))
    for start, end, name in found:
        if _SAID_OF_THEM.search(message[max(0, start - 40):start]) or \
                _THEIR_TITLE.match(message[end:]):
            return name
    for start, _end, name in found:
        sentence_start = max(message.rfind(c, 0, start) for c in ".!?;") + 1
        before = message[sentence_start:start]
        mine = [m.end() for m in _MINE.finditer(before) if _INTEREST.search(before[m.end():])]
        theirs = [m.end() for m in _THEIRS.finditer(before)]
        if not mine or (theirs and max(theirs) >= max(mine)):  # else the student's own interest
            return name
    return None


def _mentions(clause: str, name: str) -> bool:
    surname = name.replace(".", " ").split()[-1]
    return bool(re.search(rf"(?i)\b{re.escape(surname)}\b", clause))


def _clauses(message: str) -> list[str]:
    """Sentences, then their comma and parenthesis parts ("Dr." and "Prof." do not end one)."""
    text = re.sub(r"\b(dr|prof|st|mr|mrs|ms)\.", r"\1<dot>", message, flags=re.I)
    parts = re.split(r"[.!?;()]+\s*|,\s+|\s+but\s+|\s+-+\s+", text)
    return [p.replace("<dot>", ".").strip(" ,.'\"") for p in parts if p and p.strip(" ,.'\"")]


def _says_only_who(clause: str, name: str | None) -> bool:
    """"she's a pediatrician", "an MS4 going into ortho", "I'm an MS1 leaning toward primary
    care": the field, the name and who someone is, which the form has other boxes for."""
    rest = clause
    for _, pattern in _fields():
        rest = pattern.sub(" ", rest)
    for part in (name or "").replace(".", " ").split():
        rest = re.sub(rf"(?i)\b{re.escape(part)}\b", " ", rest)
    rest = re.sub(r"(?i)\b(?:ms|m)[1-4]\b|\b(?:first|second|third|fourth)[- ]year\b", " ", rest)
    words = [w for w in re.findall(r"[a-z']+", rest.lower()) if w not in WHO_WORDS]
    return len(words) < 2


def mentor_context(message: str, name: str | None = None, embed: Any = None) -> str | None:
    """The clauses that can tell the mentor something (where they met, who referred, what
    happened before), as the student typed them: not the request, not who is who (the name,
    field and year boxes), not feelings or notes to oneself (the drafter's own 'private' frame),
    not questions."""
    from coach.email.context import _PICKER, frames

    kept = []
    for clause in _clauses(message):
        clause = _ASK_TAIL.sub("", clause)  # "...where i volunteered and i want to ask her to"
        if len(clause.split()) < 3 or _REQUEST.search(clause) or _says_only_who(clause, name):
            continue
        if not (_ABOUT_THEM.search(clause) or _CONTACT.search(clause) or
                (name and _mentions(clause, name))):
            continue  # about the student alone ("I have R experience"): the background box
        scores = _PICKER.scores(clause, embed)
        usable = max(v for n, v in scores.items() if frames().frames[n].use)
        if max(v for n, v in scores.items() if not frames().frames[n].use) >= usable - \
                PRIVATE_MARGIN:
            continue  # a feeling or a note to oneself
        kept.append(clause)
    return "; ".join(kept) or None


ALL = ("mentor_name", "field", "context")


def prefill(message: str, embed: Any = None, wanted: tuple[str, ...] = ALL) -> Prefill:
    """What the message gives the Email tab, of the `wanted` fields (the rest is not computed;
    the eval measures all, the app uses SHIPPED)."""
    text = " ".join((message or "").split())
    name = mentor_name(text) if {"mentor_name", "context"} & set(wanted) else None
    return Prefill(mentor_name=name if "mentor_name" in wanted else None,
                   field=mentor_field(text) if "field" in wanted else None,
                   context=mentor_context(text, name, embed) if "context" in wanted else None)


def for_email_tab(message: str) -> Prefill | None:
    """The shipped fields (SHIPPED), or None when the message gives none of them."""
    kept = prefill(message, wanted=SHIPPED)
    return kept if any(getattr(kept, k) for k in SHIPPED) else None


def described(found: Prefill) -> str:
    """"Dr. Patel, their field (pediatrics) and "..." as the context": what was filled in."""
    parts = [p for p in (found.mentor_name, found.field and f"their field ({found.field})") if p]
    if found.context:
        said = found.context if len(found.context) <= 90 else found.context[:87].rstrip() + "..."
        parts.append(f"\"{said}\" as the context")
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
