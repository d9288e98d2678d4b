"""The rehearsal scorecard: which parts of the guide's ask the student's own words covered.

Verdicts come from the criterion classifier in coach/rehearsal/criteria/ (MiniLM features +
exact-pattern flags, trained on blind dev utterances); they are deterministic and never use an
LLM, which may only add a `narrative`. Each student turn is classified whole; the evidence
shown is the sentence of that turn that scores highest for the criterion.

Score: the weighted share of criteria met, 0-100, where a criterion the student reached for but
did not quite make ("partly", classifier probability at least half its threshold) earns half.
The ask itself weighs most (direct_ask 3, goals 2, expectations 1.5 for research, others 1),
because the guide stresses asking directly and being direct about goals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.rehearsal.criteria import get_detector, sentences
from coach.rehearsal.criteria.feedback import clip, tip_text, tips
from coach.rehearsal.personas import Persona, get_persona

BASE_IDS: tuple[str, ...] = (
    "intro", "interest", "goals", "direct_ask", "frequency", "flexibility", "gratitude",
)
RESEARCH_IDS: tuple[str, ...] = (*BASE_IDS, "style", "expectations")
# Which missed criterion to fix first: the ask, then what the ask is for, then why them...
PRIORITY: tuple[str, ...] = (
    "direct_ask", "goals", "intro", "interest", "expectations", "frequency", "style",
    "flexibility", "gratitude",
)
WEIGHTS: dict[str, float] = {"direct_ask": 3.0, "goals": 2.0, "expectations": 1.5}
PARTIAL_CREDIT = 0.5
LABELS: dict[str, str] = {
    "intro": "Introduced yourself",
    "interest": "Said why them (genuine interest in their work)",
    "goals": "Named your goals",
    "direct_ask": "Asked directly",
    "frequency": "Discussed how often to meet",
    "flexibility": "Offered flexibility",
    "gratitude": "Thanked them",
    "style": "Asked about their mentoring style",
    "expectations": "Shared your research expectations",
}
_ASK = {"research": "Would you be open to mentoring me on a project in your lab?",
        "peer": "Would you be up for being my peer mentor this year?",
        "faculty": "Would you be willing to be my mentor?",
        "resident": "Would you be willing to be my mentor?"}
_ALL_MET = ("You covered every part of the ask. Keep it up, and follow up with a short "
            "thank-you note after the meeting.")


def _tip(cid: str, persona: Persona, evidence: dict[str, str] | None = None) -> str:
    """The guide's words and an example line for `cid`, after the student's own sentence."""
    return tip_text(cid, persona.short_name, evidence or {}, _ASK.get(persona.id, ""))


def _section(cid: str, persona: Persona) -> str:
    """The guide section behind a criterion, for this kind of mentor."""
    if persona.research and cid in ("intro", "interest"):
        return "Research mentorship"
    return tips()[cid].section


def detect_sentences(items: Sequence[str], memory: bool = False) -> list[frozenset[str]]:
    """Per text, every criterion id (research ones included) it satisfies."""
    return get_detector().detect(items, memory=memory)


def detect_sentence(sentence: str) -> frozenset[str]:
    """Every criterion id (research ones included) this one text satisfies."""
    return detect_sentences([sentence])[0]


def _best_sentence(turn: str, cid: str) -> str:
    """The sentence of a turn that scores highest for `cid` (the evidence to quote)."""
    parts = sentences(turn)
    if len(parts) <= 1:
        return parts[0] if parts else turn
    column = RESEARCH_IDS.index(cid)
    probs = get_detector().probabilities(parts)[:, column]
    return parts[int(probs.argmax())]


def detect(texts: Iterable[str], criteria: Sequence[str] = RESEARCH_IDS,
           memory: bool = False) -> dict[str, str]:
    """{criterion id: the student's sentence that first satisfied it} over the given turns;
    `memory` uses the recall-biased cuts (what the persona treats as already said)."""
    turns = [t for t in texts if t and t.strip()]
    found: dict[str, str] = {}
    for turn, hits in zip(turns, detect_sentences(turns, memory), strict=True):
        for cid in sorted(hits, key=RESEARCH_IDS.index):
            if cid in criteria and cid not in found:
                found[cid] = _best_sentence(turn, cid)
    return found


def _partial(turns: list[str], criteria: Sequence[str], found: dict[str, str]) -> dict[str, str]:
    """Criteria not met but reached for: probability >= half the threshold in some turn."""
    if not turns:
        return {}
    detector = get_detector()
    probs = detector.probabilities(turns)
    out: dict[str, str] = {}
    for cid in criteria:
        if cid in found:
            continue
        j = RESEARCH_IDS.index(cid)
        best = int(probs[:, j].argmax())
        if probs[best, j] >= detector.thresholds[j] / 2:
            out[cid] = _best_sentence(turns[best], cid)
    return out


@dataclass
class Criterion:
    """One scored element of the ask; `evidence` is the student's own sentence ("" if missed)."""

    id: str
    label: str
    met: bool
    evidence: str
    tip: str
    section: str
    weight: float = 1.0
    partly: bool = False  # reached for but not quite made; `evidence` is that attempt


@dataclass
class Scorecard:
    """Verdicts (deterministic), score 0-100, what went well, the one fix, optional narrative."""

    persona: str
    score: int
    criteria: list[Criterion]
    first_fix: str
    strengths: list[str] = field(default_factory=list)
    narrative: str = ""
    notice: str | None = None

    def get(self, cid: str) -> Criterion:
        """The criterion with this id (KeyError if the persona doesn't score it)."""
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    @property
    def met(self) -> list[str]:
        return [c.id for c in self.criteria if c.met]

    @property
    def missing(self) -> list[str]:
        return [c.id for c in self.criteria if not c.met]


def criteria_for(persona: str | Persona) -> tuple[str, ...]:
    """The criterion ids scored for this persona, in order."""
    return RESEARCH_IDS if get_persona(persona).research else BASE_IDS


def _field(turn: Any, key: str) -> Any:
    return turn.get(key) if isinstance(turn, dict) else getattr(turn, key, None)


def student_texts(turns: Iterable[Any]) -> list[str]:
    """The text of the student's turns only (mentor lines never earn credit)."""
    return [str(_field(t, "text") or "") for t in turns if _field(t, "role") == "student"]


def _went_well(criteria: list[Criterion], spoke: bool) -> list[str]:
    """What went well, quoting the student; never empty once they have said something."""
    out = [f"{c.label}: \"{clip(c.evidence)}\"" for c in criteria if c.met]
    out += [f"A start on \"{c.label.lower()}\": \"{clip(c.evidence)}\"" for c in criteria
            if c.partly]
    if not out and spoke:
        out.append("You started the conversation, and asking is the hardest step.")
    return out


def score_transcript(turns: Iterable[Any], persona: str | Persona = "faculty",
                     llm: Any = None, engine: Any = None) -> Scorecard:
    """Score the student's turns against the guide's ask; an LLM (`llm`, or a narrative
    `engine` from coach.rehearsal.engines) may add a narrative only."""
    p = get_persona(persona)
    ids = criteria_for(p)
    turns = list(turns)
    said = [t for t in student_texts(turns) if t.strip()]
    found = detect(said, ids)
    partly = _partial(said, ids, found)
    criteria = [
        Criterion(id=cid, label=LABELS[cid], met=cid in found,
                  evidence=found.get(cid) or partly.get(cid, ""), tip=_tip(cid, p, found),
                  section=_section(cid, p), weight=WEIGHTS.get(cid, 1.0), partly=cid in partly)
        for cid in ids
    ]
    total = sum(c.weight for c in criteria)
    earned = sum(c.weight * (1.0 if c.met else PARTIAL_CREDIT if c.partly else 0.0)
                 for c in criteria)
    missed = [cid for cid in PRIORITY if cid in ids and cid not in found]
    first_fix = f"{LABELS[missed[0]]}. {_tip(missed[0], p, found)}" if missed else _ALL_MET
    card = Scorecard(persona=p.id, score=round(100 * earned / total), criteria=criteria,
                     first_fix=first_fix, strengths=_went_well(criteria, bool(said)))
    if llm is not None or engine is not None:
        from coach.rehearsal.engines import NarrativeRequest, rehearsal_engines

        lines = [{"role": _field(t, "role"), "text": _field(t, "text")} for t in turns]
        narrate = engine or rehearsal_engines(llm).narrative
        written = narrate.run(NarrativeRequest(persona=p, card=card, turns=lines))
        card.narrative, card.notice = written.text, written.notice
    return card
