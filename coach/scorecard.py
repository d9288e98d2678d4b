"""The rehearsal scorecard: which parts of the guide's ask the student's own words covered.

Each criterion has a pattern detector (clear phrasings, with vetoes for near-misses such as
"no thanks" or "I'm not flexible") and a semantic detector (MiniLM similarity to exemplar
sentences: a sentence counts when its best exemplar clears the criterion's threshold AND beats
the best near-miss exemplar by a margin). Verdicts are deterministic and never use an LLM; an LLM
may only add a `narrative`.

Score: the weighted share of criteria met, 0-100. The ask itself weighs most (direct_ask 3,
goals 2, expectations 1.5 for research, every other criterion 1), because the guide stresses
asking directly and being direct about goals ("The importance of mentorship").
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.personas import Persona, get_persona

log = logging.getLogger(__name__)

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

FACULTY_SECTION = "Finding faculty mentors"
RESEARCH_SECTION = "Research mentorship"
PEER_SECTION = "Peer mentorship"
IMPORTANCE_SECTION = "The importance of mentorship"
CHARACTERISTICS_SECTION = "Characteristics of mentors and mentees"


def _section(cid: str, persona: Persona) -> str:
    """The guide section behind a criterion, for this kind of mentor."""
    if cid in ("style", "expectations"):
        return RESEARCH_SECTION
    if cid in ("direct_ask", "goals"):
        return PEER_SECTION if persona.id == "peer" and cid == "goals" else IMPORTANCE_SECTION
    if cid == "gratitude":
        return CHARACTERISTICS_SECTION
    if persona.research and cid in ("intro", "interest"):
        return RESEARCH_SECTION
    if persona.id == "peer" and cid == "interest":
        return PEER_SECTION
    return FACULTY_SECTION


def _tip(cid: str, persona: Persona) -> str:
    """An example of what to say next time, in this persona's setting."""
    who = persona.short_name
    if cid == "intro":
        return (f"Introduce yourself first: \"Hi {who}, I'm [name], a second-year here. Before "
                "medical school I worked as an EMT, and I care most about [what matters to you].\"")
    if cid == "interest":
        if persona.research:
            return ("Show you've read their work: \"I read your paper on sepsis readmissions, and "
                    "that follow-up design is exactly what I want to learn.\"")
        if persona.id == "peer":
            return ("Say why them: \"You balanced Step 1 with research so well, and that's why I "
                    "wanted to ask you.\"")
        return (f"Say why them specifically: \"I heard your talk on [topic], and your work on "
                f"[area] is why I reached out to you, {who}.\"")
    if cid == "goals":
        return ("Name your goals plainly: \"I'm hoping for guidance on three things: choosing a "
                "specialty, getting started in research, and keeping some balance.\"")
    if cid == "direct_ask":
        ask = {
            "research": "\"Would you be open to mentoring me on a project in your lab?\"",
            "peer": "\"Would you be up for being my peer mentor this year?\"",
        }.get(persona.id, "\"Would you be willing to be my mentor?\"")
        return f"Ask directly rather than hinting: {ask}"
    if cid == "frequency":
        return ("Propose a rhythm and let them lead: \"Would meeting about once a month work, or "
                "how often would suit you?\"")
    if cid == "flexibility":
        return ("Show you're flexible: \"I'm happy to adjust to your schedule, and we can change "
                "the plan if it isn't working.\"")
    if cid == "gratitude":
        return ("Close with thanks: \"Thank you so much for your time today; I really "
                "appreciate it.\"")
    if cid == "style":
        return ("Ask about their mentoring style: \"How hands-on do you like to be with students? "
                "Could I talk to someone you've mentored before?\"")
    return ("Say what you want from the research: \"I'd love to work toward an abstract or a "
            "poster. Is that realistic at this stage of the project?\"")


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


_YEAR = r"(?:first|second|third|fourth|final|1st|2nd|3rd|4th)"
_GOAL_TOPIC = (
    r"(?:specialt(?:y|ies)|residenc(?:y|ies)|the match|matching|match into|research|"
    r"careers?|shadow\w*|study(?:ing)?(?: habits| strategies| tips)?|step ?[123]|boards?|usmle|"
    r"shelfs?|shelves|exams?|clinical skills|rotations?|clerkships?|balance|wellness|burnout|"
    r"letters?(?: of rec\w*)?|lors?|recommendations?|applications?|apply(?:ing)?|eras|personal "
    r"statement|interviews?|leadership|community service|surgery|medicine|pediatrics|psychiatry|"
    r"\w+ology|cardiology|oncology|field|specializ\w*|cv|projects?|skills|procedures|"
    r"sub-?i(?:nternships?)?|away rotations?|mentorship in|path|time management|electives?)"
)
# Per criterion: (positive patterns, veto/strip patterns). Text is lowercased first.
_PATTERNS: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]] = {
    "intro": (_rx(
        r"\bmy name(?:'s| is)\b", r"\bname's [a-z]+\b",
        rf"\b(?:i'?m|i am|as|currently)\s+(?:a|an|in my)\s+(?:\w+\s+)?{_YEAR}[- ]?(?:year|yr)\b",
        rf"\b{_YEAR}[- ](?:year|yr)\s+(?:medical |med )?(?:student|at|here|in|from)\b",
        r"\b(?:i'?m|i am)\s+(?:a|an)\s+(?:\w+\s+){0,2}(?:ms-?[1-4]|m[1-4]|medical student|"
        r"med student|student (?:at|here|in|from))\b",
        r"\b(?:i'?m|i am|currently|now)\s+(?:an?\s+)?(?:ms-?[1-4]|m[1-4])\b",
        r"\bi (?:study|go to school|am studying|'m studying) (?:at|medicine at)\b",
        r"\b(?:before|prior to) (?:med|medical) school,? i\b",
        r"\bmy (?:background|path to medicine)\b", rf"\bin my {_YEAR} year\b",
        # "hey, i'm Maya, first year" but not "this is my first year of research"
        rf"(?<!my )(?<!the )(?<!this )\b{_YEAR}[- ]?(?:year|yr)\s*"
        r"(?:medical |med )?(?:student)?\s*(?:[,.!]|$)",
        rf"\ban? {_YEAR}[- ]?(?:year|yr)\b(?!\s+(?:of|project|course))",
    ), None),
    "interest": (_rx(
        r"\b(?:read|reading|saw|heard|attended|watched|loved|enjoyed|admire[ds]?|followed|came "
        r"across)\b.{0,30}\byour\s+(?:\w+\s+){0,2}(?:work|research|papers?|study|studies|"
        r"lectures?|talks?|lab|articles?|publications?|trial|project|presentations?|book|"
        r"podcast|posts?|clinic|program)\b",
        r"\byour\s+(?:\w+\s+){0,4}(?:work|research|papers?|study|studies|lectures?|talks?|lab|"
        r"experience|expertise|career|path|journey|story|advice)\b.{0,60}\b(?:why i|reason i|"
        r"inspir\w*|impress\w*|fascinat\w*|interest(?:s|ed|ing) me|resonat\w*|stood out|drew me|"
        r"aligns?|excit\w*|really (?:liked|enjoyed|helped))",
        r"\b(?:admire|respect|love)[ds]?\s+(?:\w+\s+){0,2}(?:how you|the way you|"
        r"your\b(?!\s+(?:time|schedule|calendar)))",
        r"\b(?:because|since)\s+you(?:'ve| have)?\s+(?:\w+\s+){0,3}(?:done|been|built|published|"
        r"matched|balanced|led|worked|known|studied|research)",
        r"\byou(?:'d| would)? (?:be|make) (?:a |an )?(?:great|excellent|perfect|wonderful|ideal|"
        r"good) (?:mentor|fit|person)\b",
        r"\b(?:interested|excited)\s+(?:in|about)\s+your\s+(?:\w+\s+){0,2}(?:work|research|lab|"
        r"papers?|projects?|studies|approach)\b",
        r"\bwhy i (?:reached out|wanted to (?:talk|ask|meet)|came to you|asked you)\b",
        r"\bi(?:'ve)? heard (?:that )?you\b", r"\byou(?:'re| are) known for\b",
        r"\b(?:impressed|inspired|fascinated|struck|moved|excited) (?:by|with) (?:how you|your)\b",
        r"\bi know you(?:'ve| have)? (?:\w+\s+){0,2}(?:worked|published|built|led|studied|done|"
        r"matched|researched|run|started)\b",
    ), _rx(r"\b(?:what|tell me|explain)\b.{0,20}\byour (?:work|research|lab)\b.{0,20}\?")),
    "goals": (_rx(
        r"\b(?:hop(?:e|ing)|want(?:ed)?|would like|'d like|'d love|aim(?:ing)?|trying|"
        r"plan(?:ning)?|need)\s+(?:to|some|for)\b.{0,60}\b" + _GOAL_TOPIC + r"\b",
        r"\bmy (?:main |biggest |three |top |two |first |real )?"
        r"(?:goals?|aims?|priorit(?:y|ies))\b",
        r"\b(?:looking for|seeking|need|want|would like|'d like|'d love|hoping for)\s+"
        r"(?:\w+\s+){0,3}(?:help|guidance|advice|support|direction|feedback|input|mentorship)\s+(?:on|with|about|"
        r"for|in|around|\w+ing)\b.{0,60}\b" + _GOAL_TOPIC + r"\b",
        r"\b(?:interested in|thinking about|leaning toward|considering|drawn to)\s+(?:\w+\s+){0,2}"
        + _GOAL_TOPIC + r"\b",
        r"\b(?:get|getting)\s+(?:involved in|into|started (?:in|with))\s+(?:\w+\s+){0,2}"
        + _GOAL_TOPIC + r"\b",
        r"\b(?:figure out|decide|choose|explore|learn (?:more )?about|get better at|improve|"
        r"work on|"
        r"prepare for|match (?:in|into))\b.{0,40}\b" + _GOAL_TOPIC + r"\b",
    ), _rx(r"\byour\s+(?:\w+\s+)?(?:research|work|lab|projects?|papers?)\b")),
    "direct_ask": (_rx(
        r"\b(?:would|could|will|can|might)\s+(?:you|u)\b.{0,50}\b(?:mentor(?:ing)?\s+me|"
        r"(?:be|become|serve as|act as)\s+(?:my|a)\s+(?:\w+\s+){0,2}(?:mentor|advisor|pi)|"
        r"take me on|tak(?:e|ing) on (?:a|another|one more) (?:\w+\s+)?(?:mentee|student)|"
        r"supervis\w*\s+(?:me|my)|have me (?:join|in|on)|work(?:ing)? with me|guid(?:e|ing) me)\b",
        r"\b(?:open|willing|able|interested|available|up for|have time|have the bandwidth|have "
        r"capacity|have room|consider|mind)\b.{0,30}\b(?:mentor(?:ing)?\s+me|"
        r"be(?:ing|come|coming)?\s+my\s+(?:\w+\s+){0,2}(?:mentor|advisor)|tak(?:e|ing) me on|"
        r"hav(?:e|ing) me (?:join|in|on)|supervis\w+\s+(?:me|my)|work(?:ing)? with me)\b",
        r"\byou(?:'d|'ll)?\b.{0,40}\b(?:be|become|serve as)\s+my\s+(?:\w+\s+){0,2}"
        r"(?:mentor|advisor)\b",
        r"\bhave you as (?:my|a) (?:\w+\s+)?mentor\b",
        r"\byou(?:'d| would| might| could)\s+(?:be able to\s+)?(?:take me on|mentor me|supervise "
        r"me|have me)\b",
        r"\b(?:would|could|can|may|might)\s+i\s+(?:join|work (?:with you|in your|"
        r"on (?:one of )?your|under you)|help (?:with|on) (?:one of )?your|"
        r"come to you (?:for|regularly|with))\b",
        r"\b(?:room|space|a spot|an opening|a place)\s+(?:for (?:me|a student|another student)\s+)?"
        r"(?:in|on)\s+your\s+(?:\w+\s+)?(?:lab|team|group|projects?|study|trial)",
        r"\b(?:asking|ask) (?:you )?(?:if|whether) you(?:'d| would)?\b.{0,30}\bmentor",
    ), _rx(r"\b(?:not|never|don'?t|wasn'?t|isn'?t)\s+(?:\w+\s+){0,2}"
           r"(?:asking|want|need|looking)\b")),
    "frequency": (_rx(
        r"\bonce (?:a|per|every) (?:\w+ )?(?:week|month|semester|block|quarter|term|year|"
        r"rotation)\b",
        r"\b(?:twice|two times|three times|a few times|a couple (?:of )?times|\w+ times) (?:a|per|"
        r"each|every) (?:\w+ )?(?:week|month|semester|block|term|year|rotation)\b",
        r"\bevery (?:\w+ ){0,2}(?:weeks?|months?|semester|block|rotation)\b",
        r"\b(?:weekly|biweekly|bi-weekly|monthly|bimonthly|quarterly|fortnightly)\b",
        r"\bhow (?:often|frequently|regularly)\b.{0,50}\b(?:meet|check|talk|touch base|catch up|"
        r"connect|chat|work for you|would|should|we|you like|you prefer|suits?|do you usually)\b",
        r"\b(?:frequency|cadence|regular (?:meetings?|check-?ins?))\b",
        r"\b(?:meet|check[- ]?ins?|chat|call|talk|touch base)\b.{0,20}\beach (?:week|month|"
        r"semester|block|rotation)\b",
    ), _rx(r"\b(?:once|twice|times) (?:a|per) (?:week|month)\b.{0,20}\b(?:gym|run|exercise|"
           r"workout|call home|shift)", r"\b(?:gym|run|exercise|work out|workout|yoga|call home|"
           r"shifts?)\b.{0,20}\b(?:once|twice|times|every|weekly|monthly)\b")),
    "flexibility": (_rx(
        r"\b(?:i'?m|i am|we can be|i can be|i'll be|totally|very|pretty|really)\s+(?:\w+\s+)?"
        r"flexible\b",
        r"\bflexib(?:le|ility)\b.{0,30}\b(?:your|you|schedule|time|timing|whatever)\b",
        r"\b(?:adjust|adapt|accommodate|work around|fit (?:around|into|in with)|defer to|go with|"
        r"follow)\b.{0,25}\b(?:your|you)\b",
        r"\bwhatever (?:works|suits|is (?:best|easiest|convenient))\b",
        r"\b(?:at|whenever is) (?:your|most) convenien(?:ce|t)\b",
        r"\b(?:open|happy|glad|willing|fine) (?:to|with) (?:any )?(?:adjust\w*|adapt\w*|chang\w*|"
        r"tweak\w*|revisit\w*|whatever|modif\w*|revis\w*)\b",
        r"\b(?:you|your schedule) (?:can |should )?(?:lead|decide|set the pace)\b",
        r"\btrial (?:basis|run|period)\b", r"\badjust as (?:needed|we go)\b",
        r"\b(?:you|feel free to)\s+(?:can\s+|should\s+)?(?:lead|decide|set the pace|take the lead|"
        r"choose|pick)\b", r"\b(?:up to you|your call)\b",
        r"\bif (?:that'?s|it'?s|this is|that is) too much\b",
        r"\bwe (?:could|can) do (?:less|fewer)\b",
        r"\b(?:around|fit) your (?:schedule|calendar|availability|time)\b",
        r"\b(?:change|adjust|revisit) (?:it|that|the plan|things) (?:if|as|whenever)\b",
    ), _rx(r"\b(?:not|isn'?t|aren'?t|can'?t|cannot|won'?t|wouldn'?t|un)\s*(?:\w+\s+){0,2}"
           r"(?:flexib\w*|adjust|change|adapt|accommodate)\b", r"\bonly (?:free|available)\b",
           r"\bhas to be\b")),
    "gratitude": (_rx(
        r"\bthank(?:s| you)\b", r"\bthx\b", r"\bty\b",
        r"\b(?:really |truly |so |very )?(?:appreciate|grateful|thankful)\b",
        r"\bmeans (?:a lot|so much)\b", r"\bmuch appreciated\b",
    ), _rx(r"\bthanks,? but no thanks\b", r"\bno,? thank(?:s| you)\b", r"\bthanks,? but no\b",
           r"\bthanks to\b",
           r"\bthank you,? but no\b", r"\b(?:would|'d) appreciate (?:it )?if\b",
           r"\bappreciate (?:any|some)\b", r"\bthanks for nothing\b")),
    "style": (_rx(
        r"\b(?:mentor(?:ing|ship)?|supervis(?:ing|ory|ion)|advising|teaching|management|working|"
        r"leadership) (?:style|approach|philosophy)\b",
        r"\bhow hands[- ]?(?:on|off)\b",
        r"\bhands[- ]?(?:on|off)\b.{0,40}\b(?:you|your|mentor|approach|style|oversight|guidance|"
        r"supervision|prefer|check)",
        r"\b(?:you|your|mentor)\b.{0,40}\bhands[- ]?(?:on|off)\b",
        r"\b(?:prefer|want|like|need)\b.{0,30}\bhands[- ]?(?:on|off)\b(?!\s+(?:learn\w*|experience|"
        r"procedur\w*|skills|practice|work|training))",
        r"\b(?:have|did) you (?:\w+\s+)?mentored\b",
        r"\bmentored (?:\w+\s+)?(?:students|before|anyone)\b",
        r"\b(?:former|previous|past|current|other|older) "
        r"(?:students|mentees|trainees|lab members)\b"
        r".{0,40}\b(?:talk|speak|reach out|contact|connect|ask)\b",
        r"\b(?:talk|speak|reach out|connect) (?:to|with) (?:some of )?(?:your )?(?:former|previous|"
        r"past|current|other|older) (?:students|mentees|trainees|lab members)\b",
        r"\bhow (?:involved|closely|much oversight|much independence|do you (?:usually|"
        r"typically|like to) (?:work|supervise|mentor|run))\b",
        r"\b(?:how|what) (?:do|does) (?:your )?(?:mentoring|mentorship|supervision) (?:usually )?"
        r"(?:look|work)\b",
        r"\bapproach to (?:mentoring|mentorship|supervis\w+|working with students)\b",
    ), None),
    "expectations": (_rx(
        r"\b(?:hop(?:e|ing)|want|would like|'d like|'d love|goal|aim\w*|chance|possible|"
        r"possibility|opportunit\w*|could|would|interested|expect\w*|realistic|is there|might|"
        r"looking|work toward|my)\b.{0,60}\b(?:publications?|publish\w*|posters?|conferences?|"
        r"abstracts?|"
        r"manuscripts?|first[- ]author\w*|authors?|authorship|co-?author\w*|"
        r"present(?:ing|ation)?s?)\b",
        r"\b(?:publications?|publish\w*|posters?|conferences?|abstracts?|authorship)\b.{0,40}\b(?:"
        r"goal|hope|realistic|possible|would love|want|my aim)\b",
    ), _rx(r"\b(?:your|you)\s+(?:\w+\s+){0,2}(?:publications?|papers?|posters?|abstracts?|"
           r"presentations?)\b", r"\bi (?:presented|published)\b",
           r"\byou (?:published|presented)\b")),
}
# Veto patterns that are stripped (a veto span can't count) vs. that block the whole sentence.
_STRIP_VETO = {"gratitude", "expectations", "goals"}

# A capitalised name after "I'm": "I'm Jordan, a second-year..." (checked on the original case).
_NAME = re.compile(
    r"\b(?i:i'm|i am|im|this is|it's|name's)\s+([A-Z][a-z]{1,20})\b(?:\s+[A-Z][a-z]+)?"
    r"\s*(?:[,.!;:—–-]|$)"
)
_NOT_NAMES = {
    "Here", "Sorry", "Glad", "Happy", "So", "Just", "Really", "Not", "Hoping", "Looking", "Excited",
    "Nervous", "Good", "Fine", "Great", "Well", "Doing", "Thinking", "Wondering", "Currently",
    "Also", "Still", "Very", "Interested", "Ready", "Okay", "Ok", "Free", "Busy", "Tired", "Back",
    "Done", "Sure", "Honored", "Curious", "Grateful", "Thankful", "Available", "Flexible",
    "Open", "Late", "Early", "New", "Lost", "Stuck", "Confused", "Worried", "Around", "Listening",
}

# --- semantic layer -------------------------------------------------------------------------
_EXEMPLARS: dict[str, tuple[str, ...]] = {
    "intro": (
        "hi, my name is Sam and I'm a first-year medical student",
        "I'm a second-year med student here",
        "a bit about me: I came to medicine after working as a paramedic",
        "I'm currently an MS2 and before med school I taught high school chemistry",
        "I'm in my third year, on my surgery rotation right now",
    ),
    "interest": (
        "I read your paper on sepsis outcomes and it really stuck with me",
        "your work on health equity is why I reached out to you",
        "I really admire how you built the student-run clinic",
        "I loved your lecture on heart failure last semester",
        "you'd be a great mentor because you've balanced research and clinical work",
        "I chose you because of your experience matching into surgery",
    ),
    "goals": (
        "I'm hoping to get guidance on choosing a specialty",
        "my goals are to get involved in research and prepare for Step 1",
        "I want help figuring out whether surgery is right for me",
        "I'd like advice on applying to residency in pediatrics",
        "I want to work on my clinical skills before rotations",
        "I'm trying to find balance between studying and my life outside medicine",
    ),
    "direct_ask": (
        "would you be willing to be my mentor?",
        "would you be open to mentoring me?",
        "would you consider being my mentor?",
        "I was hoping you might agree to mentor me",
        "could you take me on as a mentee?",
        "would you have room for me to join your lab as a student researcher?",
        "would you be up for being my peer mentor?",
    ),
    "frequency": (
        "maybe we could meet once a month?",
        "how often would work for you to meet?",
        "could we check in every couple of weeks?",
        "I was thinking monthly meetings",
        "how frequently should we get together?",
    ),
    "flexibility": (
        "I'm happy to adjust to your schedule",
        "whatever works best for you",
        "I can work around your calendar",
        "we can change the plan if it isn't working",
        "feel free to take the lead on when we meet",
        "I know you're busy, so I'll fit around your availability",
    ),
    "gratitude": (
        "thank you so much for your time",
        "I really appreciate you meeting with me",
        "thanks for taking the time to talk",
        "I'm grateful for your help",
    ),
    "style": (
        "what is your mentoring style like?",
        "how hands-on do you usually like to be?",
        "have you mentored students before?",
        "could I talk to some of your former mentees?",
        "how closely do you usually supervise students in the lab?",
    ),
    "expectations": (
        "I'm hoping this could lead to a publication",
        "I'd love to present a poster at a conference",
        "is there a chance I could be an author on a paper?",
        "my goal is to submit an abstract by spring",
    ),
}
_NEAR_MISSES: tuple[str, ...] = (
    "I'm here", "I'm here to talk", "I'm nervous", "I'm interested in this", "I'm a big fan",
    "I'd like some advice", "do you have any advice?", "what makes a good mentor?",
    "I'm looking for a mentor", "I need a mentor", "can you give me some tips?",
    "no thanks", "thanks but no thanks", "thanks to my advisor I found you", "okay",
    "I'm not flexible about that", "it has to be Mondays", "I'm only free on Fridays",
    "what do you work on?", "tell me about your research", "what does your lab do?",
    "once I finish my exams", "every time I see a patient", "how often do you see patients?",
    "I presented at a conference last year", "you published a lot", "sure", "yes", "hmm",
    "I don't know", "what's your name?", "I have a question", "I was wondering about something",
    "can I ask you something?", "it's nice to meet you", "how are you?", "good morning",
)
# (threshold, margin over the best near miss); tuned on tests/test_rehearsal.py paraphrases.
_THRESHOLDS: dict[str, tuple[float, float]] = {
    "intro": (0.62, 0.08), "interest": (0.62, 0.08), "goals": (0.62, 0.08),
    "direct_ask": (0.70, 0.10), "frequency": (0.66, 0.08), "flexibility": (0.66, 0.08),
    "gratitude": (0.70, 0.10), "style": (0.66, 0.08), "expectations": (0.64, 0.08),
}


class _Semantic:
    """Exemplar embeddings, built once per process behind a lock; absent model -> patterns only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: tuple[Any, list[str], Any] | None = None
        self._failed = False

    def _load(self) -> tuple[Any, list[str], Any] | None:
        if self._state is None and not self._failed:
            with self._lock:
                if self._state is None and not self._failed:
                    try:
                        import numpy as np

                        from coach.embeddings import get_embeddings

                        labels = [c for c, xs in _EXEMPLARS.items() for _ in xs]
                        labels += ["near"] * len(_NEAR_MISSES)
                        texts = [x for xs in _EXEMPLARS.values() for x in xs] + list(_NEAR_MISSES)
                        emb = get_embeddings()
                        matrix = np.asarray(emb.embed_documents(texts), dtype=np.float32)
                        self._state = (emb, labels, matrix)
                    except Exception:  # no model on disk: the pattern detectors still work
                        log.exception("rehearsal: semantic detectors unavailable, patterns only")
                        self._failed = True
        return self._state

    def best(self, units: Sequence[str]) -> list[dict[str, float]]:
        """Per unit: the best similarity per criterion and to the near misses ('near')."""
        state = self._load()
        if state is None or not units:
            return [{} for _ in units]
        import numpy as np

        emb, labels, matrix = state
        sims = np.asarray(emb.embed_documents(list(units)), dtype=np.float32) @ matrix.T
        out = []
        for row in sims.tolist():
            best: dict[str, float] = {}
            for label, s in zip(labels, row, strict=True):
                if s > best.get(label, -1.0):
                    best[label] = s
            out.append(best)
        return out


_SEM = _Semantic()
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_ABBREV = re.compile(r"\b(?:dr|mr|mrs|ms|prof|st|vs|e\.g|i\.e|approx|dept)\.$", re.IGNORECASE)
_CLAUSES = re.compile(r",\s+(?:and|but|so)\s+|;\s+|\s+[—–-]{1,2}\s+|\s+but\s+")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """A student turn split into sentences (the unit of evidence); "Dr. Osei" stays whole."""
    out: list[str] = []
    for piece in (p.strip() for p in _SPLIT.split(_norm(text))):
        if piece and out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        elif piece:
            out.append(piece)
    return out


def _pattern_hits(sentence: str) -> tuple[set[str], set[str]]:
    """(criteria a pattern matched, criteria vetoed for the semantic layer) for one sentence."""
    low = sentence.lower()
    hits: set[str] = set()
    vetoed: set[str] = set()
    for cid, (positive, veto) in _PATTERNS.items():
        text = low
        if veto is not None and veto.search(low):
            if cid not in _STRIP_VETO:
                vetoed.add(cid)
                continue
            text = veto.sub(" ", low)
            vetoed.add(cid)
        if positive.search(text):
            hits.add(cid)
    name = _NAME.search(sentence)
    if name and name.group(1) not in _NOT_NAMES:
        hits.add("intro")
    return hits, vetoed - hits


_CACHE: dict[str, frozenset[str]] = {}  # role-play re-scores the same sentences every turn
_CACHE_LOCK = threading.Lock()


def detect_sentences(items: Sequence[str]) -> list[frozenset[str]]:
    """Per sentence, every criterion id (research ones included) it satisfies; one embed batch."""
    todo = [s for s in dict.fromkeys(items) if s not in _CACHE]
    if todo:
        found: dict[str, set[str]] = {}
        vetoes: dict[str, set[str]] = {}
        owners: list[str] = []
        units: list[str] = []
        for sentence in todo:
            found[sentence], vetoes[sentence] = _pattern_hits(sentence)
            if len(sentence.split()) < 2:
                continue  # one word ("thanks" is caught by patterns) is too thin to embed
            parts = [sentence] + [c for c in _CLAUSES.split(sentence) if len(c.split()) >= 3][:4]
            for unit in dict.fromkeys(parts):
                owners.append(sentence)
                units.append(unit)
        for sentence, best in zip(owners, _SEM.best(units), strict=True):
            near = best.get("near", -1.0)
            for cid, (threshold, margin) in _THRESHOLDS.items():
                s = best.get(cid, -1.0)
                if cid not in vetoes[sentence] and s >= threshold and s - near >= margin:
                    found[sentence].add(cid)
        with _CACHE_LOCK:
            if len(_CACHE) > 8192:
                _CACHE.clear()
            _CACHE.update({k: frozenset(v) for k, v in found.items()})
    return [_CACHE.get(s) or frozenset() for s in items]


def detect_sentence(sentence: str) -> frozenset[str]:
    """Every criterion id (research ones included) this one sentence satisfies."""
    return detect_sentences([sentence])[0]


def detect(texts: Iterable[str], criteria: Sequence[str] = RESEARCH_IDS) -> dict[str, str]:
    """{criterion id: first sentence that satisfied it} over the given student texts."""
    items = [s for text in texts for s in sentences(text)]
    found: dict[str, str] = {}
    for sentence, hits in zip(items, detect_sentences(items), strict=True):
        for cid in sorted(hits, key=RESEARCH_IDS.index):
            if cid in criteria and cid not in found:
                found[cid] = sentence
    return found


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


@dataclass
class Scorecard:
    """The verdicts (deterministic), score 0-100, what to fix first, and optional narrative."""

    persona: str
    score: int
    criteria: list[Criterion]
    first_fix: str
    strengths: list[str] = field(default_factory=list)
    narrative: str = ""
    notice: str | None = None

    def public(self) -> dict[str, Any]:
        """The `coach feedback --json` shape."""
        return {
            "score": self.score,
            "criteria": [{"id": c.id, "met": c.met, "evidence": c.evidence, "tip": c.tip,
                          "section": c.section} for c in self.criteria],
            "first_fix": self.first_fix,
        }

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


def score_transcript(turns: Iterable[Any], persona: str | Persona = "faculty",
                     llm: Any = None) -> Scorecard:
    """Score the student's turns against the guide's ask; `llm` may add a narrative only."""
    p = get_persona(persona)
    ids = criteria_for(p)
    turns = list(turns)
    found = detect(student_texts(turns), ids)
    criteria = [
        Criterion(id=cid, label=LABELS[cid], met=cid in found, evidence=found.get(cid, ""),
                  tip=_tip(cid, p), section=_section(cid, p), weight=WEIGHTS.get(cid, 1.0))
        for cid in ids
    ]
    total = sum(c.weight for c in criteria)
    score = round(100 * sum(c.weight for c in criteria if c.met) / total)
    missed = [cid for cid in PRIORITY if cid in ids and cid not in found]
    if missed:
        first_fix = _tip(missed[0], p)
    else:
        first_fix = ("You covered every part of the ask. Keep it up, and follow up with a short "
                     "thank-you note after the meeting.")
    strengths = [f"{c.label}: \"{_clip(c.evidence)}\"" for c in criteria if c.met]
    card = Scorecard(persona=p.id, score=score, criteria=criteria, first_fix=first_fix,
                     strengths=strengths)
    if llm is not None:
        _add_narrative(card, turns, p, llm)
    return card


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _add_narrative(card: Scorecard, turns: list[Any], persona: Persona, llm: Any) -> None:
    """An LLM-written paragraph on top of the fixed verdicts; on failure, a notice instead."""
    from langchain_core.messages import HumanMessage
    from langchain_core.output_parsers import StrOutputParser

    from coach.llm import describe_failure
    from coach.prompts import render
    from coach.safety.untrusted import screen_history  # flagged lines never reach the prompt

    try:
        prompt = render(
            "rehearsal_feedback", persona=persona, criteria=card.criteria, score=card.score,
            first_fix=card.first_fix,
            transcript=screen_history([{"role": _field(t, "role"), "text": _field(t, "text")}
                                       for t in turns], key="text"),
        )
        text = (llm | StrOutputParser()).invoke([HumanMessage(prompt)]).strip()
        from coach.safety.output import clean_output
        from coach.grounding.turns import guard_narrative

        said = "\n".join(str(_field(t, "text") or "") for t in turns)
        narrative, _ = guard_narrative(text, card, persona, prompt, said)
        card.narrative = clean_output(narrative) if narrative else narrative
        if not card.narrative:
            card.notice = ("The written feedback was left out because it did not hold up "
                           "against the checklist; the verdicts above are complete.")
    except Exception as exc:  # the verdicts stand without a narrative
        log.warning("rehearsal: feedback narrative failed: %s", type(exc).__name__)
        card.notice = describe_failure(exc).replace("this answer", "the scorecard")
