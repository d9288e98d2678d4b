"""Fixed replies of the safety gate: crisis (English and Spanish), redirects and the
other-language fallback. Fixed text only: a reply never echoes the request or any prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.safety.third_party import third_party_care_note, third_party_response

if TYPE_CHECKING:
    from coach.safety.gate import Verdict

CRISIS_MARKERS: tuple[str, ...] = ("988", "911", "988lifeline.org")

_HELP = ("I can help with mentorship: finding and approaching mentors, mentor and mentee roles, "
         "setting goals, research and peer mentorship, outreach emails, rehearsing the ask, and "
         "planning a mentorship team.")
_REDIRECTS = {
    "clinical": "I can't give clinical or medical advice (diagnosis, treatment, drugs or doses). "
                "Please ask a clinician or pharmacist, or use your course resources. In an "
                "emergency, call 911.",
    "homework": "I can't do assignments, exam questions, essays or code for you; your course "
                "faculty, tutors or academic support office are the right place for that.",
    "unrelated": "That's outside what I can help with.",
    "dishonest": "I can't help with that: faking a letter, a signature, data or an application "
                 "can end a medical career. I can help with the honest route, such as how to ask "
                 "a mentor for a strong letter of recommendation.",
    "injection": "I can't change how I work or step outside my role.",
    "extraction": "I can't share or describe how I'm set up.",
    "empty": "Please type a question about mentorship.",
}

_CRISIS_EN = (
    "**You matter, and you're not alone.** I'm really sorry you're going through this. "
    "Please reach out to a person right now:\n\n"
    "- **Call or text 988** (Suicide & Crisis Lifeline), or chat at "
    "[988lifeline.org](https://988lifeline.org), any time, day or night.\n"
    "- **If you're in immediate danger, call 911** (or your local emergency number).\n"
    "- Contact your school's **counseling or wellness services**, or **student affairs**.\n"
    "- Tell someone you trust how you're feeling: a mentor, a friend or family.\n\n"
    "If you're worried about someone else, 988 can help you support them too. "
    "You deserve support, and help is available right now."
)
_CRISIS_ES = (
    "**Tu vida importa y no estás solo/a.** Siento mucho que estés pasando por esto. "
    "Por favor, busca a una persona ahora mismo:\n\n"
    "- **Llama o envía un mensaje de texto al 988** (Suicide & Crisis Lifeline) y pide "
    "**ayuda en español** (al llamar, marca la opción 2), o chatea en "
    "[988lifeline.org/es](https://988lifeline.org/es), a cualquier hora.\n"
    "- **Si estás en peligro inmediato, llama al 911.**\n"
    "- Contacta los **servicios de consejería o bienestar** de tu escuela, o **student "
    "affairs**.\n"
    "- Cuéntale a alguien de confianza cómo te sientes: un mentor, un amigo o tu familia.\n\n"
    "Mereces apoyo, y hay ayuda disponible ahora mismo."
)
_OTHER_LANGUAGE_ES = (
    "Por ahora solo puedo ayudar con la mentoría en inglés. **Si estás en crisis, llama o envía "
    "un mensaje de texto al 988** y pide **ayuda en español** (o chatea en "
    "[988lifeline.org/es](https://988lifeline.org/es)); si estás en peligro inmediato, llama al "
    "911. También puedes acudir a los servicios de consejería o bienestar de tu escuela."
)
_OTHER_LANGUAGE = (
    "I can help in English only, for now. **If you are in crisis, call or text 988** (Suicide & "
    "Crisis Lifeline; interpreters are available in many languages), or call 911 if you are in "
    "immediate danger, and reach out to your school's counseling or wellness services. "
    "Please write your mentorship question in English and I'll gladly help."
)


_CARE_EN = (
    "If anything is weighing on you more heavily than this question, you don't have to carry it "
    "alone: **call or text 988** (Suicide & Crisis Lifeline) any time, **call 911** if you are "
    "in immediate danger, and your school's counseling or wellness services are there for you."
)
_CARE_ES = (
    "Si algo te pesa más que esta pregunta, no tienes que cargarlo solo/a: **llama o envía un "
    "mensaje de texto al 988** (pide ayuda en español) a cualquier hora, **llama al 911** si "
    "estás en peligro inmediato, y acude a los servicios de consejería o bienestar de tu escuela."
)


_SHORT_EN = ("**Call or text 988** (Suicide & Crisis Lifeline) any time, **call 911** if you are "
             "in immediate danger, and reach out to your school's counseling or wellness "
             "services. You don't have to go through this alone.")
_SHORT_ES = ("**Llama o envía un mensaje de texto al 988** (pide ayuda en español) a cualquier "
             "hora, **llama al 911** si estás en peligro inmediato, y acude a los servicios de "
             "consejería o bienestar de tu escuela. No tienes que pasar por esto solo/a.")


def crisis_short(lang: str = "en") -> str:
    """The crisis reply in two sentences, for "make it shorter" after one: the resources stay."""
    return _SHORT_ES if lang == "es" else _SHORT_EN


def care_note(lang: str = "en", about: str = "self") -> str:
    """The resources shown beside a reply when the gate was not sure it wasn't a crisis (about
    someone else: how to help them, safety before confidentiality)."""
    if about == "other":
        return third_party_care_note(lang)
    return _CARE_ES if lang == "es" else _CARE_EN


def crisis_response(lang: str = "en", about: str = "self") -> str:
    """Warm, short, resources only: never a mentoring tip and never anything about means. About
    someone else at risk: how to help them (third_party.yaml)."""
    if about == "other":
        return third_party_response(lang)
    return _CRISIS_ES if lang == "es" else _CRISIS_EN


def crisis_reply(verdict: Verdict) -> str:
    """The crisis reply a crisis verdict gets, at every entry point (whom it is about, its
    language): the one place the choice is made."""
    return crisis_response(verdict.lang, getattr(verdict, "about", "self"))


def care_for(verdict: Verdict) -> str | None:
    """The care note a verdict carries (None when the gate was sure)."""
    return care_note(verdict.lang, getattr(verdict, "about", "self")) if verdict.care else None


def other_language_response(lang: str) -> str:
    """The safe reply to a language the coach doesn't serve: English only, 988 always."""
    return _OTHER_LANGUAGE_ES if lang == "es" else _OTHER_LANGUAGE


def redirect_response(verdict: Verdict) -> str:
    """Short Markdown reply for a non-ok verdict (a crisis verdict gets the crisis text)."""
    if verdict.kind == "crisis":
        return crisis_reply(verdict)
    if verdict.category == "language":
        return other_language_response(verdict.lang)
    lead = _REDIRECTS.get(verdict.category, _REDIRECTS["unrelated"])
    return f"{lead}\n\n{_HELP} What would you like to work on?"
