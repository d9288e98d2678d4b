"""The safety gate run before every answer, role-play turn and email draft.

Two layers over the whole conversation window (the new line plus the student's recent lines):
1. a few high-precision patterns (patterns.yaml) for unmistakable phrases and masked
   combinations (means + distress, farewell + absence), on every reading of the text (as typed,
   look-alike letters folded, leetspeak undone, base64 decoded);
2. a learned classifier (classifier.py) over MiniLM embeddings of the line and of the window.
Precedence: crisis > other language > injection/extraction > out_of_scope > ok. A verdict
below the crisis cut but with p(crisis) >= CARE_CUT carries `care`: the reply goes ahead and
the crisis resources are shown beside it. A third, learned detector (third_party.py) reads the
same vectors for someone else at risk (a mentee, roommate, friend): a care verdict of its own
(never a crisis reply alone), and `about="other"` on any crisis the new line says concerns
someone else, so the reply tells the student how to help them (responses.crisis_reply).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel

from coach.safety.classifier import score, thresholds, window_text
from coach.safety.language import detect_language
from coach.safety.normalise import normalize, variants
from coach.safety.patterns import patterns
from coach.safety.third_party import cuts as third_party_cuts

Kind = Literal["ok", "crisis", "out_of_scope", "injection"]
ANCHORED_INJECTION_P = 0.8  # classifier-only injection verdict on a mentorship-anchored question
ANCHORED_DISHONEST_P = 0.8  # ...and "dishonest": a new user's "can a resident write me a letter
# of recommendation" (p 0.54) was told faking a letter ends careers; dev's dishonest rows: 0.99+
WINDOW_TURNS = 4  # earlier student lines the gate reads with the new one
MIN_WORDS = 3  # below this the classifier decides crisis only
SEMANTIC_CHARS = 1000  # only this much is embedded; the patterns see everything
LONG_SENTENCE = 20  # words: a longer sentence is also read clause by clause
LONG_MESSAGE = 40  # words: a longer message is also read sentence by sentence
FRAME_CHARS = 40  # how near a research word must be to a topic noun (see _topic_in_frame)
MAX_PARTS = 48  # sentences of a message at the 4,000-character limit, embedded in one batch
# A clause read alone has lost its context ("I'd kill for that spot"): it calls a crisis only
# at this surer probability. Held out by writer (train on all but one blind writer, score that
# writer): recall +2.1 / +0.6 points, false crises +0.8 / +0.0 points (0.8: +2.6 / +1.1, +2.6
# / +0.5).
PART_CUT = 0.9
# Below the crisis cut but at or above this p(crisis), the reply carries the 988 / 911 / school
# resources beside it. Held out by writer: crises given the resources 0.895 -> 0.974 and
# 0.935 -> 0.968, benign replies that carry them 0.017 -> 0.074 and 0.135 -> 0.302 (the second
# writer's benign rows are the hard kind: dark figurative Spanish, distress told and resolved).
CARE_CUT = 0.3
# The someone-else-at-risk detector adds the care note alone only on a line of at least this
# many words: on shorter ones it mostly reads the pronoun ("and if she says no?" 0.90, "what if
# he says he's too busy?" 0.84, "he's ignoring me" 0.92), while at 8+ words ordinary questions
# about a mentor or mentee score 0.1-0.5 and a mentee's "dark thoughts" 0.85-0.99. Over 1,763
# blind qa dev/train2 turns and rehearsal dev lines it fired alone on 1 of 127 short lines (a
# follow-up, "and if she says no?") and on 4 of 1,636 longer ones (1 a real third-party risk).
THIRD_PARTY_MIN_WORDS = 8
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s+[-–—]+\s+|\.\.\.+")
_MD_LINK = re.compile(r"!?\[([^\]\n]{0,300})\]\([^)\n]{0,1000}\)")
_CLAUSE = re.compile(r",\s+|\s+(?:and|but|also|plus|y|pero)\s+")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|myself|yo|me|mi)\b")
# a person pointed back at (the mentor just talked about); "it"/"that" may be anything ("how do
# I write the budget section for it?" after a grant came up is still not mentorship)
_POINTS_BACK = re.compile(r"\b(?:her|him|them|they|she|he)\b")
FOLLOW_UP_WORDS = 12  # a line this short may lean on the conversation before it
LEANS_ON_MAX = 0.8  # "should i just give up on her" p(unrelated) 0.71; a poem for her 0.82-1.00
_ASKS_ADVICE = re.compile(r"(?:(?:ok(?:ay)?|so|but|and|then|hmm+|wait|ugh),?\s+)*(?:should i|"
                          r"how (?:do|should|can|would) i|what (?:do|should|can) i|is it (?:ok|"
                          r"okay|fine|bad|rude|weird)|do i|can i|would it be|what if)\b")
_JOKING = re.compile(r"\b(?:lol|lmao|haha\w*|jk|just kidding|kidding)\b|😂|🤣")
_OOS = ("dishonest", "clinical", "homework", "unrelated")


class Verdict(BaseModel):
    kind: Kind
    category: str  # ok crisis clinical homework unrelated dishonest injection extraction
    # language empty
    reason: str  # short, for logs/evals; never the user's raw text
    lang: str = "en"
    confidence: float = 1.0  # the classifier's probability when it decided; 1.0 for patterns
    # Not a crisis by the classifier's cut, but not far below it: the reply goes ahead with the
    # crisis resources beside it (responses.care_note), since a missed crisis costs most.
    care: bool = False
    # Whom the crisis (or the care) is about: the student, or someone else they are worried for.
    about: Literal["self", "other"] = "self"


def _crisis(reason: str, lang: str = "en", about: str = "self") -> Verdict:
    return Verdict(kind="crisis", category="crisis", reason=reason, lang=lang, about=about)


def _about(rows: list[dict]) -> str:
    """"other" when the third-party detector's about head says the line (or its window) is
    about someone else at risk; "self" otherwise, and when the detector is unavailable."""
    cut = third_party_cuts().get("about")
    p = max((row.get("other_about", 0.0) for row in rows), default=0.0)
    return "other" if cut is not None and p >= cut else "self"


def crisis_pattern(text: str) -> str | None:
    """Why a normalised text is unmistakably a crisis by the patterns, else None."""
    p = patterns()
    own = p.patient.sub(" ", text)  # a patient's overdose is a hard day, not the student's crisis
    hit = p.crisis.search(own)
    # "suicide-prevention research", "a toxicology lab's overdose cases": a keyword inside a
    # research or teaching frame, not in the first person, is left to the classifier.
    if hit and not (p.clinical_context.search(own) and not _FIRST_PERSON.search(hit.group(0))):
        return "pattern:crisis"
    if p.harm_others.search(own) and not _JOKING.search(own):
        return "pattern:harm_others"
    for name in ("crisis_es", "crisis_ml"):
        if any(not _topic_in_frame(p, own, h) for h in getattr(p, name).finditer(own)):
            return f"pattern:{name}"
    if p.means.search(own) and p.distress.search(own):
        return "pattern:means+distress"
    anchored = bool(p.anchor.search(text))
    # "saying goodbye to my lab, I won't be around after June" is a mentorship question.
    if p.farewell.search(text) and (p.final.search(text) or p.absence.search(text) and (
            p.distress.search(text) or not anchored)):
        return "pattern:farewell+absence"
    return None


def _topic_in_frame(p, text: str, hit: re.Match) -> bool:  # noqa: ANN001 - Patterns
    """A topic noun ("suicidio") with a research or teaching word right beside it and no
    feeling or intent cue beside it: not the writer's own intent."""
    near = text[max(0, hit.start() - FRAME_CHARS):hit.end() + FRAME_CHARS]
    return bool(p.topic_noun.fullmatch(hit.group(0).strip())
                and (p.clinical_context.search(near) or p.clinical_context_ml.search(near))
                and not p.feeling_ml.search(near))


def _pattern_scope(text: str) -> str | None:
    """The first redirect category whose patterns match (a mentorship word cancels the soft
    ones: "explain emergency mentoring", "my mentor and I talk about the NBA")."""
    p = patterns()
    anchored = bool(p.anchor.search(text))
    order = (("injection", p.injection, False), ("extraction", p.extraction, False),
             ("dishonest", p.dishonest, False), ("homework", p.homework, False),
             ("clinical", p.clinical, False), ("unrelated", p.unrelated, True),
             ("homework", p.tutoring, True), ("clinical", p.case, True))
    return next((c for c, rx, soft in order if not (soft and anchored) and rx.search(text)), None)


def _language(text: str, folded: str) -> str:
    """Language of the student's text; look-alike letters in an English sentence stay English."""
    lang = detect_language(unicodedata.normalize("NFKC", text))
    if lang not in ("en", "es") and detect_language(folded) == "en":
        return "en"
    return lang


def _earlier(history: list[str] | None) -> list[str]:
    return [h for h in (normalize(x) for x in (history or [])[-WINDOW_TURNS:]) if h]


def _semantic_units(readings: list[str],
                    earlier: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The texts the classifier embeds: (the prose of the line and of its decoded readings, the
    line with the student's earlier lines; the parts of a long line, read one by one)."""
    prose = _prose(readings)
    units = [window_text(prose)] + [window_text(r[:SEMANTIC_CHARS]) for r in readings[2:]]
    if earlier:  # the window as a whole, and each earlier line alone: a crisis said two turns
        # ago is not diluted by the benign question that follows it
        units += [window_text(prose, earlier)] + [window_text(h[:SEMANTIC_CHARS]) for h in earlier]
    typed = window_text(prose, fixed=False)  # the line as typed too (crisis only): a spelling
    if typed not in units:  # fix must never lower a crisis score ("ambien" -> "ambient" did)
        units.append(typed)
    parts = [window_text(part) for part in _parts(_prose(readings, whole=True))]
    return tuple(units), tuple(parts)


def _prose(readings: list[str], whole: bool = False) -> str:
    """The line as typed, markup dropped (HTML tags; a Markdown link or image keeps its text, not
    its address): its first SEMANTIC_CHARS, or all of it (`whole`, for the sentence-by-sentence
    reading, so a crisis late in a long message is read too). The patterns read everything."""
    text = _MD_LINK.sub(r" \1 ", re.sub(r"<[^<>]{0,500}>", " ", readings[0]))
    prose = " ".join(text.split())
    return prose if whole else prose[:SEMANTIC_CHARS]


def _parts(prose: str) -> list[str]:
    """The sentences of a long message (long sentences also cut at commas), so one clause in
    the middle of a long, ordinary message is read on its own too."""
    if len(prose.split()) < LONG_MESSAGE:  # a short message is read whole well enough
        return []
    pieces = []
    for sentence in _SENTENCE.split(prose):
        cut = _CLAUSE.split(sentence) if len(sentence.split()) > LONG_SENTENCE else [sentence]
        pieces += [p.strip() for p in cut if len(p.split()) >= MIN_WORDS]
    if len(pieces) > MAX_PARTS:  # the beginning and the end: a farewell often closes a message
        pieces = pieces[:MAX_PARTS // 2] + pieces[-(MAX_PARTS - MAX_PARTS // 2):]
    return pieces if len(pieces) > 1 else []


def semantic_texts(text: str, history: list[str] | None = None) -> tuple[str, ...]:
    """What `classify` would embed for this line and window, so a caller can embed them in the
    same model call as the question (see LocalEmbeddings.prefetch)."""
    readings = variants(text)
    if not readings:
        return ()
    whole, parts = _semantic_units(readings, _earlier(history))
    return whole + parts


def classify(text: str, history: list[str] | None = None) -> Verdict:
    """Crisis > other language > injection > out_of_scope > ok, over the text and the
    student's recent lines (`history`, oldest first). Thread-safe."""
    readings = variants(text)
    if not readings:
        return Verdict(kind="ok", category="empty", reason="empty input")
    t = readings[0]
    earlier = _earlier(history)
    joined = " . ".join([*earlier, t])
    for reading in [*readings, *([joined] if earlier else [])]:
        why = crisis_pattern(reading)
        if why:  # whom it is about: the new line's own readings, never the window's
            units, _ = _semantic_units(readings, earlier)
            own = units[:1 + len(readings[2:])]
            return _crisis(why, "es" if why.endswith("_es") else _language(text, t),
                           _about([dict(row) for row in score(own)]))
    units, part_units = _semantic_units(readings, earlier)
    own = 1 + len(readings[2:])  # readings of the new line; the rest is the window (crisis only)
    probs = [dict(row) for row in score(units + part_units)]  # one call: cached, prefetched
    cuts = thresholds()
    lang = _language(text, t)
    whole, parts = probs[:len(units)], probs[len(units):]
    crisis_p = max((row["crisis"] for row in whole), default=0.0)
    about = _about(probs[:own])  # the new line says whom; an earlier line about a friend
    # must not turn the student's own "I want to die too" into advice on helping someone else
    if probs and crisis_p >= cuts.get("crisis", 1.0):
        return _crisis(f"classifier:crisis p={crisis_p:.2f}", lang, about)
    part_p = max((row["crisis"] for row in parts), default=0.0)
    if part_p >= max(cuts.get("crisis", 1.0), PART_CUT):
        return _crisis(f"classifier:crisis in part p={part_p:.2f}", lang, about)
    other = third_party_cuts()
    alone = len(t.split()) >= THIRD_PARTY_MIN_WORDS  # short lines: it only says whom
    other_p = max((row.get("other_risk", 0.0) for row in whole), default=0.0) if alone else 0.0
    verdict = _scope(t, readings, probs[:own], lang, cuts, earlier)
    if other and other_p >= other["crisis"]:  # "my mentee has dark thoughts, what do I do"
        # Never a crisis reply on its own: it also fires on a mentee who stopped answering
        # texts (p 0.94); the answer goes ahead with how to help someone at risk beside it.
        return verdict.model_copy(update={"care": True, "about": "other"})
    if crisis_p >= CARE_CUT or part_p >= cuts.get("crisis", 1.0):  # not sure: answer, with care
        # ...about someone else only when the detector also sees them at risk: "she said no"
        # is about her, but the worry is the student's (it got "safety comes before
        # confidentiality", the note for a friend at risk)
        at_risk = bool(other) and other_p >= other.get("care", 1.0)
        return verdict.model_copy(update={"care": True,
                                          "about": about if at_risk else "self"})
    return verdict


def _leans_on(t: str, earlier: list[str] | None) -> bool:
    """A short line pointing back at a conversation about mentorship ("my mentor hasn't
    answered in 3 weeks" then "should i just give up on her"): its "her" is the mentor, so its
    own words need no mentorship anchor to be in scope (a new user was told it was unrelated).
    Only a question asking the student's own way forward ("should i", "how do i"), only against
    the classifier's "unrelated" and only when it is not sure (a review found "write her a
    birthday poem" and "what stocks should she buy" let through)."""
    return len(t.split()) <= FOLLOW_UP_WORDS and bool(_POINTS_BACK.search(t)) and \
        bool(_ASKS_ADVICE.match(t)) and any(patterns().anchor.search(h) for h in earlier or [])


def _scope(t: str, readings: list[str], own: list[dict], lang: str, cuts: dict,
           earlier: list[str] | None = None) -> Verdict:
    """Other language > injection > out_of_scope > ok, for a line that is not a crisis
    (`own`: the classifier's rows for the new line's readings; `earlier`: the student's lines
    before it)."""
    p = patterns()
    if lang != "en" and any(p.injection_multilingual.search(r) for r in readings):
        return Verdict(kind="injection", category="injection", reason="pattern:injection_ml",
                       lang=lang)
    if lang != "en":
        return Verdict(kind="out_of_scope", category="language", reason=f"language:{lang}",
                       lang=lang)
    hit = next((h for h in map(_pattern_scope, readings) if h in ("injection", "extraction")),
               None) or _pattern_scope(t)
    if hit in ("injection", "extraction"):
        return Verdict(kind="injection", category=hit, reason=f"pattern:{hit}")
    other = cuts.get("other", 0.5)
    if len(t.split()) < MIN_WORDS:  # "ok", "thanks!": too little for anything but crisis
        return Verdict(kind="out_of_scope", category=hit, reason=f"pattern:{hit}") if hit else \
            Verdict(kind="ok", category="ok", reason="short input")
    # A question anchored in mentorship ("why did AMWA make this guide?") needs a surer
    # classifier to be called an injection: no pattern matched it, and a false redirect on a
    # real question costs the student an answer.
    need = max(other, ANCHORED_INJECTION_P) if p.anchor.search(t) else other
    for row in own:  # the window is for crisis only
        for cls in ("injection", "extraction"):
            if row[cls] >= need:
                return Verdict(kind="injection", category=cls, confidence=row[cls],
                               reason=f"classifier:{cls} p={row[cls]:.2f}")
    if hit:
        return Verdict(kind="out_of_scope", category=hit, reason=f"pattern:{hit}")
    if own and p.request.search(t):
        row = own[0]
        best = max(_OOS, key=row.__getitem__)
        anchored = bool(p.anchor.search(t)) or best == "unrelated" and \
            row[best] < LEANS_ON_MAX and _leans_on(t, earlier)
        # refused in a mentorship question too, when sure ("can a resident write me a letter")
        sure = max(other, ANCHORED_DISHONEST_P) if best == "dishonest" and anchored else other
        if row[best] >= sure and (best == "dishonest" or not anchored):
            return Verdict(kind="out_of_scope", category=best,
                           reason=f"classifier:{best} p={row[best]:.2f}")
    return Verdict(kind="ok", category="ok", reason="in scope")
