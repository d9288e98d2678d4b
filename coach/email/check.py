"""A deterministic, pattern-based checklist for mentorship outreach emails (no LLM involved)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from coach.email.check_rules import CHECK_IDS, check_rules
from coach.text import STRAIGHT_QUOTES

if TYPE_CHECKING:
    from coach.email.request import OutreachRequest

# Failing one of these makes an LLM draft unusable (it falls back to the guide draft).
HARD_CHECKS = frozenset({"placeholders", "facts"})
MIN_WORDS, MAX_WORDS = 80, 350
MAX_DRAFT_CHARS = 20_000  # beyond this it is not an email: the CLI refuses it, the web cuts it
RULES = check_rules()  # sections, tips, patterns and claims: coach/email/data/checks.yaml
TIPS = RULES.tips  # one concrete fix per failing check


class Check(BaseModel):
    """One checklist item: whether the draft does it, the evidence, and a tip when it doesn't."""

    id: str
    passed: bool
    evidence: str
    tip: str = ""
    section: str


EMAIL_RE = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def norm(text: str) -> str:
    """NFC, straight quotes, single spaces, casefolded: how drafts and facts are compared."""
    text = unicodedata.normalize("NFC", text or "").translate(STRAIGHT_QUOTES)
    return " ".join(text.split()).casefold()


def mentions(haystack: str, needle: str) -> bool:
    """Whole-phrase containment, insensitive to case, curly quotes and accent encoding."""
    n = norm(needle)
    return bool(n) and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", norm(haystack)) is not None


def split_draft(text: str) -> tuple[str | None, str]:
    """(subject or None, body) from pasted text that may start with a 'Subject:' line."""
    lines = (text or "").replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and (m := re.match(r"(?i)\s*subject\s*:\s*(.*)$", lines[0])):
        return m.group(1).strip() or None, "\n".join(lines[1:]).strip()
    return None, "\n".join(lines).strip()


@dataclass
class _Draft:
    subject: str | None
    body: str
    req: OutreachRequest | None
    lines: list[str]  # the body's non-blank lines, stripped


_rx = RULES.rx


def _subject(d: _Draft) -> tuple[bool, str]:
    if not d.subject:
        return False, "No 'Subject:' line at the top of the draft."
    words = len(d.subject.split())
    weak = not 2 <= words <= 12 or d.subject.isupper() or _rx("casual").search(d.subject)
    return not weak, f"Subject: '{d.subject}'"


def _greeting(d: _Draft) -> tuple[bool, str]:
    first = d.lines[0] if d.lines else ""
    m = _rx("greeting").match(first)
    rest = m.group(2).strip(" ,:!") if m else ""
    if not d.req:
        ok = bool(m and rest and rest[0].isupper() and not _rx("generic").match(rest))
        return ok, f"Opening line: '{first[:70]}'"
    mentor = d.req.mentor
    expected = mentor.salutation(d.req.kind == "peer")
    named = m and any(mentions(rest, n) for n in (mentor.surname, mentor.first_name))
    title = re.match(r"(dr|doctor|prof|professor|mr|ms|mrs|mx)\b\.?", rest, re.I)
    wrong_title = bool(title and mentor.honorific and not mentions(
        mentor.honorific, title.group(0).rstrip(".")) and not (
        mentor.honorific == "Dr." and title.group(1).lower() in ("dr", "doctor")) and not (
        mentor.honorific == "Professor" and title.group(1).lower().startswith("prof")))
    ok = bool(named) and not wrong_title
    why = (f"you gave the title '{mentor.honorific}'" if mentor.honorific
           else "no title given, so the full name (add their title, e.g. 'Dr.', if they have one)"
           if not expected.startswith("Hi") else "a fellow student: first name")
    return ok, f"Opening line: '{first[:70]}' (expected '{expected}': {why})"


def _introduction(d: _Draft) -> tuple[bool, str]:
    if d.req:
        st = d.req.student
        found = {"your name": mentions(d.body, st.name), "your school": mentions(d.body, st.school),
                 "your year": any(mentions(d.body, t) for t in st.year_terms())}
    else:
        found = {"who you are": bool(_rx("intro").search(d.body)),
                 "your year": bool(_rx("year").search(d.body)),
                 "your school": bool(_rx("school").search(d.body))}
    missing = [k for k, v in found.items() if not v]
    return not missing, ("Missing " + ", ".join(missing) + "." if missing
                         else "Introduces the student: name, year and school.")


def _why_mentor(d: _Draft) -> tuple[bool, str]:
    if d.req:
        m = d.req.mentor
        ok = mentions(d.body, m.field) or mentions(d.body, m.focus)
        if not m.focus:
            return ok, (f"Names their field ('{m.field}')." if ok
                        else f"Never names their field ('{m.field}').")
        return ok, (f"Names their field or focus ('{m.field}' / '{m.focus}')." if ok
                    else f"Never names their field ('{m.field}') or focus ('{m.focus}').")
    hit = _rx("why").search(d.body)
    return bool(hit), f"Found '{hit.group(0)}'." if hit else "Doesn't say why this person."


def _all_present(items: list[str], body: str, what: str) -> tuple[bool, str]:
    missing = [i for i in items if not mentions(body, i.rstrip(".;"))]
    if missing:
        return False, f"Missing {what}: " + "; ".join(f"'{i}'" for i in missing)
    return True, f"Mentions all {len(items)} {what}."


def _some_goals(d: _Draft) -> tuple[bool, str]:
    """A draft takes the goals that fit its kind (at most three): one or more, raw or as clauses."""
    from coach.email.goals import as_clause

    goals = d.req.student.goals
    if not goals:  # only a thank-you note is drafted without goals: none fit it clearly
        return True, "No goals restated; a thank-you note need not restate them."
    hits = [g for g in goals if mentions(d.body, g.rstrip(".;")) or mentions(d.body, as_clause(g))]
    if not hits:
        return False, "None of your goals is mentioned."
    return True, (f"Mentions all {len(goals)} goal(s)." if len(hits) == len(goals)
                  else f"Mentions {len(hits)} of your {len(goals)} goals.")


def _found(pattern: str, text: str, missing: str) -> tuple[bool, str]:
    hit = _rx(pattern).search(text)
    return (True, f"Found '{hit.group(0)}'.") if hit else (False, missing)


def _length(d: _Draft) -> tuple[bool, str]:
    n = len(re.findall(r"[\w'’-]+", d.body))
    return MIN_WORDS <= n <= MAX_WORDS, f"{n} words (aim for {MIN_WORDS}-{MAX_WORDS})."


def _signoff(d: _Draft) -> tuple[bool, str]:
    lines = d.lines
    idx = next((i for i in range(len(lines) - 1, max(-1, len(lines) - 9), -1)
                if _rx("closing").match(lines[i])), None)
    if idx is None:
        return False, "No closing such as 'Best regards,' near the end."
    tail = "\n".join(lines[idx + 1:])
    if d.req:
        ok = mentions(tail, d.req.student.name) and d.req.student.email.casefold() in norm(tail)
    else:
        ok = bool(EMAIL_RE.search(tail) or _rx("phone").search(tail))
    return ok, f"Closing '{lines[idx]}' then {'name and contact' if ok else 'no full contact'}."


def _placeholders(d: _Draft) -> tuple[bool, str]:
    found = {m.group(0) for m in _rx("placeholder").finditer(f"{d.subject or ''}\n{d.body}")}
    if d.req and re.search(r"\b(?:her|his|their|your) name\b", d.req.context or "", re.I):
        found = {f for f in found if f.casefold() != "your name"}  # the context, told to them
    found = sorted(found)
    return (not found, "Left in: " + ", ".join(f"'{f}'" for f in found) if found
            else "No template placeholders left.")


def _tone(d: _Draft) -> tuple[bool, str]:
    text = f"{d.subject or ''}\n{d.body}".translate(STRAIGHT_QUOTES)  # "You haven’t replied"
    allowed = RULES.acronyms | (set(_rx("caps").findall(d.req.fact_text())) if d.req else set())
    issues = [f"casual '{m.group(0)}'" for m in _rx("casual").finditer(text)]
    issues += [f"demanding '{m.group(0)}'" for m in _rx("demand").finditer(text)]
    issues += [f"reproachful '{m.group(0)}'" for m in _rx("reproach").finditer(text)]
    issues += [f"all-caps '{w}'" for w in _rx("caps").findall(text) if w not in allowed]
    issues += ["too many '!'"] if "!!" in text or text.count("!") > 3 else []
    return (not issues, "Tone: " + ", ".join(dict.fromkeys(issues)) + "." if issues
            else "Respectful, professional tone.")


def _facts(d: _Draft) -> tuple[bool, str]:
    assert d.req is not None
    text = unicodedata.normalize("NFC", f"{d.subject or ''}\n{d.body}")
    facts, st, mt = norm(d.req.fact_text()), d.req.student, d.req.mentor
    problems = [f"missing {label}" for label, ok in (
        ("your name", mentions(text, st.name)), ("your email", st.email.casefold() in norm(text)),
        ("your school", mentions(text, st.school)),
        ("the mentor's name", mentions(text, mt.surname) or mentions(text, mt.first_name)),
        ("their field or focus", mentions(text, mt.field) or mentions(text, mt.focus))) if not ok]
    for claim in RULES.claims:
        if not claim.allow.search(facts):
            hits = dict.fromkeys(m.group(0) for m in claim.found.finditer(text))
            problems += [f"'{h}' ({claim.what}) is not in the request" for h in hits]
    digits = set(re.findall(r"\d+", facts)) | {str(st.year_number or "")}
    extra = dict.fromkeys(n for n in re.findall(r"\d+", text) if n not in digits)
    problems += [f"the number '{n}' is not in the request" for n in extra]
    summary = "; ".join(problems)
    return (not problems, summary[:1].upper() + summary[1:] + "." if problems
            else "Every fact comes from the request; name and contact included.")


def _goals(d: _Draft) -> tuple[bool, str]:
    return _some_goals(d) if d.req else _found("goals", d.body, "No goals stated.")


def _times_offered(d: _Draft) -> tuple[bool, str]:
    if d.req and d.req.times:
        return _all_present(d.req.times, d.body, "time(s)")
    return _found("times", d.body, "No specific times offered.")


def _time_commitment(d: _Draft) -> tuple[bool, str]:
    return _found("frequency", d.body, "No meeting frequency or time commitment mentioned.")


def _gratitude(d: _Draft) -> tuple[bool, str]:
    return _found("thanks", _rx("no_thanks").sub(" ", d.body), "No thanks.")


_CHECKS = {"subject": _subject, "greeting": _greeting, "introduction": _introduction,
           "why_mentor": _why_mentor, "goals": _goals, "times_offered": _times_offered,
           "time_commitment": _time_commitment, "gratitude": _gratitude, "signoff": _signoff,
           "length": _length, "placeholders": _placeholders, "tone": _tone, "facts": _facts}


def _tip_for(cid: str, request: OutreachRequest | None) -> str:
    if cid == "greeting" and request:  # the same greeting rule as the drafts
        return f"Open with '{request.mentor.salutation(request.kind == 'peer')}'."
    return TIPS[cid]


def applicable_checks(kind: str | None, with_request: bool) -> list[str]:
    """The check ids that apply to an email of this kind (None = unknown kind)."""
    ids = [i for i in CHECK_IDS if i != "facts" or with_request]
    if kind not in (None, "faculty", "peer"):
        ids.remove("time_commitment")
    if kind == "thank_you":
        ids.remove("times_offered")
    return ids


def check_email(text: str, request: OutreachRequest | None = None,
                kind: str | None = None) -> list[Check]:
    """Run the checklist on any draft; with a request, also check its facts against it."""
    subject, body = split_draft(text)
    kind = kind or (request.kind if request else None)
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    draft = _Draft(subject, body, request, lines)
    checks = []
    for cid in applicable_checks(kind, request is not None):
        passed, evidence = _CHECKS[cid](draft)
        checks.append(Check(id=cid, passed=passed, evidence=evidence,
                            tip="" if passed else _tip_for(cid, request),
                            section=RULES.sections.for_check(cid, kind)))
    return checks
