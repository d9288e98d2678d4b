"""A request's free text as a draft should show it: what a hurried student typed into the form
("i read ur paper and its rly cool", "jamie lee", "ohio state") tidied before drafting ("I read
your paper and its really cool", "Jamie Lee", "Ohio State").

Texting shorthand is written out (coach/spelling.py `tidy`: case kept, nothing spell-corrected,
addresses and links as typed). Names and schools typed all in lowercase get capitals (a school's
short unknown words read as acronyms: "ucsf" -> "UCSF"). Nothing else is added or reworded, and
the fact check reads the request as typed. The safety screen reads the request as typed, before
this; the goals a draft leaves out are reported as typed (coach/email/goals.py `choose_goals`).
"""

from __future__ import annotations

import re

from coach.email.request import OutreachRequest
from coach.spelling import dictionary_word, tidy

SMALL = {"of", "and", "at", "the", "in", "for", "on", "de", "la", "del", "y", "des", "du", "da",
         "di", "van", "von", "le"}
ACRONYM_MAX = 4  # a school's unknown lowercase word this short may be an acronym ("nyu", "ucsf")


def _capital(word: str) -> str:
    if word.startswith("mc") and len(word) > 3:  # "mcdonald" -> "McDonald"
        return "Mc" + word[2:].capitalize()
    return word.capitalize()


NOT_A_NAME = re.compile(r"[^\w\s.'’,\-]")  # "<img src=x>" is not a name to capitalise


def name_case(name: str) -> str:
    """Each word typed all in lowercase gets its capital: "jamie lee" -> "Jamie Lee", "Dr.
    stein" -> "Dr. Stein", "juan de la cruz" -> "Juan de la Cruz"; a word with any capital
    ("McKenzie", "deMarco") as typed, and so is anything that is not just a name (markup)."""
    if NOT_A_NAME.search(name):
        return name

    def one(m: re.Match) -> str:
        word = m.group(0)
        if word != word.lower() or m.start() and word in SMALL:
            return word
        return _capital(word)

    return re.sub(r"[^\W\d_]+", one, name)


WORD_SHAPED = re.compile(r"[^aeiou][aeiou][^aeiou][aeiou]?")  # "loma", "des": not acronyms


def _acronym(word: str) -> bool:
    """"ucsf", "nyu", "ohsu": unknown, short, and not shaped like a word ("loma" is one)."""
    return len(word) <= ACRONYM_MAX and not dictionary_word(word) and \
        not WORD_SHAPED.fullmatch(word)


def school_case(school: str) -> str:
    """"ohio state" -> "Ohio State", "ucsf" -> "UCSF", "univ of michigan" -> "Univ of
    Michigan", "loma linda" -> "Loma Linda"; a school with any capital as typed."""
    if school != school.lower() or NOT_A_NAME.search(school):
        return school

    def one(m: re.Match) -> str:
        word = m.group(0)
        if word in SMALL:
            return _capital(word) if not m.start() else word
        return word.upper() if _acronym(word) else _capital(word)

    return re.sub(r"[^\W\d_]+", one, school)


# A goal is said to the mentor: "join a research project in her lab" is in *your* lab (a new
# user's follow-up to Dr. Reyes said "her lab"). Only her/his before the mentor's own things.
_THEIR_THINGS = re.compile(r"\b(?:her|his)(?= (?:lab|research|work|clinic|team|project|"
                           r"projects|group|practice|studies|study|papers?|publications?|"
                           r"specialty|field|department|program|trial|trials)\b)", re.I)


_SOMEONE = re.compile(r"\b(?:she|he|my \w+|\w+'s)\b", re.I)


def _yours(goal: str) -> str:
    """her/his -> your, unless someone else is named before it ("how my sister chose her
    specialty", "how she balanced her research")."""
    return _THEIR_THINGS.sub(lambda m: m.group(0) if _SOMEONE.search(goal, 0, m.start())
                             else "your", goal)


def tidy_request(request: OutreachRequest) -> OutreachRequest:
    """The request with its typed free text tidied."""
    st, mt = request.student, request.mentor
    student = st.model_copy(update={
        "name": name_case(st.name), "school": school_case(st.school),
        "goals": [_yours(tidy(g)) for g in st.goals],
        "role": st.role and tidy(st.role),
        "background": st.background and tidy(st.background, sentences=True)})
    mentor = mt.model_copy(update={"name": name_case(mt.name), "field": tidy(mt.field),
                                   "focus": tidy(mt.focus)})
    return request.model_copy(update={
        "student": student, "mentor": mentor, "times": [tidy(t) for t in request.times],
        "context": request.context and tidy(request.context, sentences=True),
        "thanks_for": request.thanks_for and tidy(request.thanks_for),
        "news": request.news and tidy(request.news)})
