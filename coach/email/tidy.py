"""A request's free text as a draft should show it: what a hurried student typed into the form
("i read ur paper and its rly cool", "jamie lee", "ohio state") tidied before drafting ("I read
your paper and its really cool", "Jamie Lee", "Ohio State").

Shorthand and misspellings go through the same reading as the rest of the coach
(coach/spelling.py `tidy`: case kept, names and acronyms left alone). Names and schools typed all
in lowercase get capitals (a school's short unknown words read as acronyms: "ucsf" -> "UCSF").
Nothing is added or reworded, so every fact still comes from the request. The safety screen reads
the request as typed, before this; the goals a draft leaves out are reported as typed
(coach/email/goals.py `choose_goals`).
"""

from __future__ import annotations

import re

from coach.email.request import OutreachRequest
from coach.spelling import known, tidy

SMALL = {"of", "and", "at", "the", "in", "for", "on", "de", "la", "del", "y"}
ACRONYM_MAX = 4  # a school's unknown lowercase word this short is an acronym ("nyu", "ucsf")


def name_case(name: str) -> str:
    """"jamie lee" -> "Jamie Lee", "o'brien" -> "O'Brien"; a name with any capital as typed."""
    if name != name.lower():
        return name
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), name)


def school_case(school: str) -> str:
    """"ohio state" -> "Ohio State", "ucsf" -> "UCSF", "univ of michigan" -> "Univ of
    Michigan"; a school with any capital as typed."""
    if school != school.lower():
        return school

    def one(m: re.Match) -> str:
        word = m.group(0)
        if m.start() and word in SMALL:
            return word
        if len(word) <= ACRONYM_MAX and not known(word):
            return word.upper()
        return word.capitalize()

    return re.sub(r"[^\W\d_]+", one, school)


def tidy_request(request: OutreachRequest) -> OutreachRequest:
    """The request with its typed free text tidied (goals are tidied where they are chosen)."""
    st, mt = request.student, request.mentor
    student = st.model_copy(update={
        "name": name_case(st.name), "school": school_case(st.school),
        "role": st.role and tidy(st.role),
        "background": st.background and tidy(st.background, sentences=True)})
    mentor = mt.model_copy(update={"field": tidy(mt.field), "focus": tidy(mt.focus)})
    return request.model_copy(update={
        "student": student, "mentor": mentor,
        "context": request.context and tidy(request.context, sentences=True)})
