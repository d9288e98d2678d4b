"""Mentor personas for rehearsing the ask, drawn from the situations in the AMWA guide.

Each persona carries its own voice: several phrasings per probe (so the scripted mentor never
repeats itself), acknowledgements, and how it accepts or kindly declines ("If they say no, don't
take it personally; it may have to do with their schedule and their timing").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coach.errors import InputError

# Probes shared by every persona; a persona's own `probes` entries replace these per key.
COMMON_PROBES: dict[str, tuple[str, ...]] = {
    "intro": (
        "Tell me a bit about yourself — where are you in training?",
        "Before we go further, remind me who you are and what year you're in?",
        "I don't think we've properly met. What's your background, and how did you get here?",
        "Start me off with you: your name, your year, and what brought you to medical school.",
        "I'm meeting a lot of students this month. Who are you, and where are you in school?",
    ),
    "goals": (
        "What are you hoping to get out of this?",
        "What would you actually want help with? Specialty choice, research, something else?",
        "If this went well, what would be different for you a year from now?",
        "What are the two or three things you most want guidance on right now?",
        "Help me understand your goals. What do you need from a mentor at this stage?",
    ),
    "interest": (
        "Why me, out of curiosity?",
        "What made you come to me rather than someone else in the department?",
        "How did you hear about me? I'm curious what drew you here.",
        "There are plenty of people you could talk to. What made you pick me?",
        "Is there something about my work or path that caught your eye?",
    ),
    "ask_hint": (
        "So, what is it you're asking of me, exactly?",
        "I'm happy to chat. Was there something specific you wanted to ask me?",
        "Where would you like this to go? Are you looking for a one-off chat or something longer?",
        "I'm not quite sure what you're hoping I'll say yes to. Can you spell it out for me?",
        "It sounds like you have something in mind. Go ahead and ask.",
    ),
    "frequency": (
        "How often were you thinking of meeting?",
        "What kind of time commitment did you have in mind? Weekly, monthly?",
        "How often would you want to check in?",
        "Let's be practical: how frequently were you picturing us meeting?",
    ),
    "flexibility": (
        "My schedule changes a lot month to month. How would that work for you?",
        "Fair warning, some months I'm hard to pin down. Is that going to be a problem?",
        "What happens when I have to cancel on short notice? It will happen.",
        "My calendar is not very predictable. How do you feel about working around that?",
    ),
    "wrap_up": (
        "Anything else you wanted to cover before I have to run?",
        "Is there anything else on your mind?",
        "What else can I help with today?",
        "Anything you'd like to ask me before we wrap up?",
    ),
    "after_decline": (
        "Is there anything else I can help with today?",
        "Please do keep me posted on how things go. Anything else for now?",
        "I'm glad you came by, and I'm happy to answer a quick question if you have one.",
        "Feel free to email me an update in a few months. Anything else?",
    ),
}

# Short acknowledgements of what the student just did; several each, picked without repeats.
COMMON_ACKS: dict[str, tuple[str, ...]] = {
    "intro": ("Nice to meet you.", "Good to put a face to the name.", "Thanks, that helps."),
    "goals": ("That's a good thing to be thinking about now.", "Those sound like clear goals.",
              "That's helpful to know."),
    "interest": ("Oh, that's kind of you to say.", "I'm glad that resonated with you.",
                 "Not many students mention that. I appreciate it."),
    "gratitude": ("Of course.", "You're very welcome.", "My pleasure."),
    "flexibility": ("I appreciate that; it makes things much easier on my end.",
                    "That flexibility helps a lot.", "Thanks, that really helps."),
    "frequency": ("That seems reasonable.", "That's a realistic rhythm.", "That could work."),
    "short": ("Take your time.", "No rush.", "Mm-hm.", "Go on.", "Okay."),
}


@dataclass(frozen=True)
class Persona:
    """A mentor the student rehearses with; `probes` lists what it asks about."""

    id: str
    name: str
    short_name: str  # the CLI prompt label, e.g. "Dr. Osei"
    title: str
    field: str
    manner: str
    opening: str
    probes: dict[str, tuple[str, ...]]
    accept: tuple[str, ...]
    decline: tuple[str, ...]
    frequency_answer: tuple[str, ...]
    style: str | None = None  # research PIs: "hands-on" or "hands-off"
    style_answer: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expectations_answer: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    research: bool = False

    def phrasings(self, probe: str) -> tuple[str, ...]:
        """The persona's phrasings for a probe, falling back to the shared ones."""
        return self.probes.get(probe) or COMMON_PROBES.get(probe, ())

    def questions(self) -> list[str]:
        """The first phrasing of each probe this persona uses (for prompts and docs)."""
        keys = ["intro", "goals", "interest", "ask_hint", "frequency", "flexibility"]
        if self.research:
            keys[3:3] = ["expectations", "style"]
        return [self.phrasings(k)[0] for k in keys if self.phrasings(k)]


FACULTY = Persona(
    id="faculty",
    name="Dr. Amara Osei",
    short_name="Dr. Osei",
    title="Associate Professor of Internal Medicine and clerkship director",
    field="internal medicine",
    manner="warm but busy: glances at the clock, keeps answers short, appreciates students who "
    "come prepared and say plainly what they want",
    opening="Come on in. I've got about fifteen minutes before clinic. What can I do for you?",
    probes={},
    accept=(
        "I'd be glad to. You've clearly thought about what you want, which makes this easy.",
        "Yes, I'd be happy to mentor you. Thank you for asking so directly.",
        "I think I can help with that. Let's give it a try.",
    ),
    decline=(
        "I'm honored you asked, truly. But I'm on service most of this year and I wouldn't be "
        "able to give you the time you deserve. It's my schedule, not you, so please don't take "
        "it personally. Dr. Kim in our "
        "department loves working with students; would you like me to introduce you?",
        "That means a lot, and I wish the timing were better. I've just taken on the clerkship "
        "and I'm stretched thin until spring. Please don't take it personally. The internal "
        "medicine interest group keeps a list of faculty looking for mentees, and I'd be happy "
        "to point you to a colleague.",
    ),
    frequency_answer=(
        "Once a month works for me, maybe a quick email in between if something comes up.",
        "Realistically, every four to six weeks. My assistant can help us find times.",
    ),
    closing=(
        "I need to head to clinic now. Thanks for coming by.",
        "That's my pager, I have to run. Good talking with you.",
    ),
)

RESEARCH = Persona(
    id="research",
    name="Dr. Lena Hoffmann",
    short_name="Dr. Hoffmann",
    title="Principal investigator, Sepsis Outcomes Lab, Department of Emergency Medicine",
    field="emergency medicine research (sepsis outcomes)",
    manner="direct and curious; wants to know whether you've read the lab's work and what "
    "you expect from research before committing",
    opening="Thanks for your email. I only skimmed it, so tell me: you're interested in "
    "doing research with us?",
    probes={
        "goals": (
            "What are you hoping to get out of this?",
            "What would you want to learn from working in a lab like ours?",
            "What are your goals, research-wise and beyond?",
            "Where does research fit into your plans for the next couple of years?",
        ),
        "interest": (
            "Have you read any of our work?",
            "What do you know about what we do in this lab?",
            "Why this lab in particular? There are a lot of groups doing research here.",
            "Which of our projects caught your attention?",
        ),
        "expectations": (
            "What do you want from research? A publication? A poster?",
            "What would make this a success for you: a paper, a conference abstract, skills?",
            "Are you hoping to present somewhere, or is this more about learning the methods?",
            "Be honest: are you after a publication, or the experience itself?",
        ),
        "style": (
            "Have you thought about how hands-on you'd like me to be?",
            "Some students want me looking over their shoulder, others want space. Which are you?",
            "Do you have questions for me about how I run things or how I work with students?",
            "Would it help to talk to students who've worked with me before?",
        ),
    },
    accept=(
        "We could use help on our readmissions project, so yes, I'd be open to mentoring you.",
        "Yes, I think there's a good fit here. Let's talk about a project.",
    ),
    decline=(
        "I appreciate you asking, and your interest is clear. Unfortunately the lab is full "
        "this cycle and I can't take on another student right now. That's about timing, not "
        "you, so please don't take it personally. The emergency medicine interest group keeps "
        "a list of faculty recruiting students, and Dr. Patel's group is looking for help.",
        "I'd like to say yes, but I have two students finishing projects and no bandwidth until "
        "next year. It's timing, so please don't take it personally. Try the research "
        "coordinator; she knows which labs have room, and I'm happy to send an introduction.",
    ),
    frequency_answer=(
        "We have lab meeting every other week, and I'd want a one-on-one with you monthly.",
        "Every two weeks at first while you learn the data, then monthly.",
    ),
    style="hands-on",
    style_answer={
        "hands-on": (
            "I'm pretty hands-on: we meet weekly at the start and I review every draft closely. "
            "And yes, I've mentored several students; I can connect you with two of them.",
            "I like to stay close to the work, so expect a lot of direct feedback early on. "
            "Happy to put you in touch with students I've mentored.",
        ),
        "hands-off": (
            "I'm fairly hands-off. Our research coordinator runs day-to-day work and I check in "
            "every few weeks. I've mentored students before; talk to them about whether that "
            "suits you.",
            "I give students a lot of independence and check in periodically, so you'd need to "
            "be self-directed. My former students can tell you what that's like.",
        ),
    },
    expectations_answer=(
        "An abstract for the spring conference is realistic if you start soon; a paper takes "
        "longer, but it's possible.",
        "A poster is very doable this year. Authorship on the paper depends on how much you "
        "contribute, and we'll be clear about that up front.",
    ),
    closing=(
        "I have a grant call in five minutes, so let's stop here. Thanks for coming in.",
        "I need to get back to the lab. Good to meet you.",
    ),
    research=True,
)

PEER = Persona(
    id="peer",
    name="Priya Nair",
    short_name="Priya",
    title="Third-year medical student (MS3) and AMWA chapter peer mentor",
    field="peer mentorship: study strategies, Step 1, research and balance",
    manner="friendly and casual, remembers being an MS1, honest that what worked for her may "
    "not work for you",
    opening="Hey! Grab a seat. What's up?",
    probes={
        "intro": (
            "Wait, remind me, are you an MS1? I don't think we've met properly.",
            "Tell me about yourself! What year are you, and what are you into?",
            "I feel like I've seen you at AMWA events. What's your name again, and what year?",
            "So who am I talking to? Give me the quick version.",
        ),
        "interest": (
            "Why me, out of curiosity?",
            "How'd you end up asking me? Did someone point you my way?",
            "What made you think I'd be a good fit?",
            "There are a lot of MS3s around. Why me?",
        ),
    },
    accept=(
        "Yes, I'd love to! Someone did this for me as an MS1 and it made a huge difference.",
        "Of course, I'd be happy to be your mentor.",
    ),
    decline=(
        "Aw, I'm really flattered. But I'm on my surgery rotation with Step 2 coming up and my "
        "schedule won't let me commit right now. Don't take it personally! Check out the AMWA "
        "Find your FAMWA pairing, or ask Sam in the class above me.",
        "I wish I could. My schedule is wild until after my sub-internship. It's just timing, "
        "not you, so please don't take it personally. "
        "Our AMWA chapter pairs MS1s with MS2s every fall, and I can introduce you to a couple "
        "of people.",
    ),
    frequency_answer=(
        "Every couple of weeks over coffee works for me, and you can text me in between.",
        "Maybe once a month, more around exams?",
    ),
    closing=("I have to get to the hospital. This was fun!",
             "I'm off to a study group. Glad you reached out!"),
)

RESIDENT = Persona(
    id="resident",
    name="Dr. Marcus Bell",
    short_name="Dr. Bell",
    title="Internal medicine resident (PGY-2)",
    field="internal medicine residency, clerkships and the match",
    manner="relaxed but pulled in several directions; generous with practical advice about "
    "rotations and the match",
    opening="Hey, good to meet you. I've got a few minutes between admissions. "
    "What's on your mind?",
    probes={
        "intro": (
            "Remind me, are you on the medicine clerkship, or earlier?",
            "Tell me about yourself. What year are you, and what are you interested in?",
            "Have we worked together? Where are you in training?",
            "Quick background: who are you and what year are you?",
        ),
    },
    accept=(
        "Sure, I'd be happy to. I had a resident mentor as a student and it helped a lot.",
        "Yeah, let's do it. I like working with students.",
    ),
    decline=(
        "I'm really glad you asked, but I'm on nights and then ICU for the next few months, so "
        "I'd be a pretty unreliable mentor. That's timing, not you, so don't take it "
        "personally. Our chief residents run a student mentoring program, and the medicine "
        "interest group can match you.",
        "I'd love to, honestly, but my schedule this year is brutal. Don't take it personally. "
        "Let me connect you with one of the other residents who mentors students.",
    ),
    frequency_answer=(
        "Once a month is realistic for me, and I can answer quick texts between.",
        "Maybe every few weeks, depending on my rotation.",
    ),
    closing=("That's my pager; gotta go. Good talking with you.",
             "I need to see a new admission. Nice meeting you."),
)

PERSONAS: dict[str, Persona] = {p.id: p for p in (FACULTY, RESEARCH, PEER, RESIDENT)}


def get_persona(persona: str | Persona) -> Persona:
    """A Persona from its id (faculty, research, peer, resident) or the Persona itself."""
    if isinstance(persona, Persona):
        return persona
    key = (persona or "").strip().lower()
    if key not in PERSONAS:
        raise InputError(f"unknown persona {persona!r}; choose one of: {', '.join(PERSONAS)}")
    return PERSONAS[key]
