"""What kind of question this is: yes/no, distress, mentor or mentee side, a request to write,
a follow-up. Small, explicit patterns, measured on the blind dev split (evals/qa_blind)."""

from __future__ import annotations

import re

from pydantic import BaseModel

YES_NO = re.compile(
    r"(?:^|[.!?;:]\s+)(?:is|are|do|does|should|can|could|would|will|did)\s+\w+"
    r"|(?:^|[.!?,;:]\s*|\b(?:so|and|but|like|honestly|ok(?:ay)?|also|wait|or|just|seriously|"
    r"genuinely|really|um+|uh+|hey|hi|tbh)\s+)"
    r"(?:is|are|am|was|were|do|does|did|should|shall|can|could|would|will|has|have|must|"
    r"isn'?t|aren'?t|don'?t|doesn'?t|shouldn'?t|can'?t|won'?t|wouldn'?t)"
    r"\s+(?:i|it|that|this|there|they|he|she|we|you|my|a|an|the|someone|anyone|people|"
    r"mentors?|mentees?|one|peer|faculty|residents?|attendings?|doctors?|students?|being|"
    r"having|asking|emailing|going|getting|sending|[a-z]+ing)\b",
    re.I,
)
NORMALITY = re.compile(r"\b(?:is (?:this|that|it) (?:normal|ok(?:ay)?|weird|bad|fine|rude|too)"
                       r"|am i (?:wrong|crazy|overreacting|the only)|worth it|normal to)\b", re.I)
DISTRESS = re.compile(
    r"\b(?:stress(?:ed|ing)?|anxious|anxiety|panic\w*|overwhelm\w*|fail(?:ed|ing)|flunk\w*|"
    r"bomb(?:ed)?|burn(?:ed|t|ing)? ?out|awful|feel terrible|sad|scared|afraid|terrified|worried|"
    r"nervous|rejected|embarrass\w*|humiliat\w*|ashamed|shame|guilty|crying|cried|devastat\w*|"
    r"hopeless|miserable|lonely|alone|lost|struggl\w*|freak\w* out|spiral\w*|defeated|"
    r"overreact\w*|not cut out|everyone else (?:seems|has|is)|barely have|"
    r"doing all the work|heartbroken|died|passed away|"
    r"dying|imposter|impostor|can'?t stop thinking|not ok(?:ay)?|"
    r"falling apart|breaking down|dread\w*|upset|hurt|frustrat\w*|discourag\w*|insecure|"
    r"so behind|drowning|mortified|gutted|stung|feel (?:so |really )?bad|killing me|crushed|"
    r"laugh at me|(?:so|feel) stupid|shaking|not good enough|not special|worthless|can'?t cope)\b",
    re.I,
)
# A kind of mentor the student may be ("as a peer mentor", "as a research mentor").
ROLE = r"(?:peer|research|faculty|near[- ]peer|student|big[- ]sib|clinical|career)"
MENTOR_SIDE = re.compile(
    r"\bmy mentees?\b|\bi(?:'m| am) (?:now )?(?:a |an |the )?"
    r"(?:peer |research |faculty |big[- ]sib )?mentor(?:ing)?\b"
    r"|\bas (?:a|an|the|their|his|her) (?:" + ROLE + r" )?mentor\b|\bi mentor\b"
    r"|\b(?:i(?:'m| am)?|i'?ve|just) (?:been )?(?:agreed|asked|assigned|signed up|matched|paired)"
    r"\b[^.?!]{0,30}\bto (?:mentor|be (?:a|the|their|his|her) mentor)"
    r"|\bmentoring (?:a|an|my|some|two|three|this|first|younger|new)\b"
    r"|\b(?:mentees?|first[- ]years?|ms1s?|m1s?) "
    r"(?:i(?:'m| am)? (?:mentor|paired|matched)|assigned to me)"
    r"|\b(?:an?|my|our) (?:\w+ )?mentees?\b|\bbeing a mentor\b"
    r"|\b(?:can|could|should|do|would) i (?:\w+ ){0,2}(?:be|become) (?:a |an )?(?:\w+ )?"
    r"mentor\b(?!'s)|\bbecom(?:e|ing) a (?:\w+ )?mentor\b(?!'s)|\bqualified to mentor\b"
    r"|\b(?:asking|asked|asks|ask|want|wants|wanted) me to (?:mentor|be (?:a|an|the|their|his|"
    r"her|our) (?:\w+ )?(?:mentor|big[- ]sib))\b"
    r"|\b(?:chapter|executive|e-?)\s?board\b|\bhow (?:should|do|can) we (?:match|pair)\b"
    r"|\bwe (?:want|plan|are trying|'re trying) to (?:start|run|launch|build)\b",
    re.I,
)
WRITE = re.compile(
    r"\b(?:help me|can you|could you|would you|pls|please|let'?s|wanna|want to|need to|need you to)"
    r"\s+(?:\w+\s+){0,3}?(?:write|draft|word|compose|put together|phrase)\b"
    r"|\b(?:write|draft)\s+(?:me\s+|up\s+)?(?:a|an|the|my|this|that|some)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:e-?mail|message|note|letter|reply|text|dm)\b"
    # an order at the start of a sentence, article optional: "draft email.", "write a 3rd follow
    # up??", "type up an email to...", "write a quick thank you to..." (not "is it ok to write a
    # follow up after a week?", nor "should I type up my notes?")
    r"|(?:^|[.!?;]\s+|,\s*)(?:(?:ok|okay|so|pls|please|hey|now|also|and|then)[, ]+){0,2}"
    r"(?:write|draft|type up|type out)\s+(?:me\s+|up\s+)?(?:(?:a|an|the|my|this|that)\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:e-?mail|message|note|letter|follow[- ]?up|thank[- ]?you)\b"
    r"|\bhow (?:do|should|would) i word\b|\bwhat (?:do|should) i (?:write|say) in\b",
    re.I,
)
# "I'll write the email myself, I just want to know...": the student writes it
WRITES_IT = re.compile(r"\bi(?:'ll| will|'m going to| am going to| can) (?:just )?write\b[^.?!]*"
                       r"\bmyself\b", re.I)
# "make it shorter", "add that I'm free tuesdays": a revision of the draft asked for just before.
REVISE = re.compile(r"^(?:ok(?:ay)?,?\s+|now\s+|and\s+)?(?:can you\s+|could you\s+|pls\s+|"
                    r"please\s+)?(?:make (?:it|this|that)|add (?:that|in|a line)|change (?:it|the)|"
                    r"shorten|rewrite|redo|tweak|cut)\b", re.I)
FOLLOW_UP = re.compile(
    r"^(?:and|but|also|what about|how about|what if|same|ok(?:ay)?|so|then|wait|thanks?|cool|"
    r"got it|right|hmm+|also,|and if)\b"
    r"|\b(?:that|it|them|they|those|this one|he|she|him|her|instead|too|as well|either)\b",
    re.I,
)
# "someone I want as a mentor" is a mentee speaking; "as the mentee" / "my mentor" name the side.
WANTS_A_MENTOR = re.compile(r"\b(?:want|ask|asking|have|get|find|need|like|choose|pick|as)\b"
                            r"[^.?!]{0,25}\bas (?:a|my|the|her|his) (?:" + ROLE + r" )?mentor\b",
                            re.I)
# "how to be a good mentee", "as a mentee": a mentee asking, not someone who has "a mentee".
BE_A_MENTEE = re.compile(r"\b(?:be|being|become|becoming|as|i'?m|i am|makes?) (?:a|an|the) "
                         r"(?:\w+ )?mentee\b", re.I)
MY_MENTEE = re.compile(r"\bmy (?:\w+ )?mentees?\b", re.I)
MENTEE_SIDE = re.compile(r"\bas (?:a|the) mentee\b|\bi(?:'m| am) (?:a|the) mentee\b"
                         r"|\bthe mentee'?s (?:side|role|part|job|end|responsibilit\w*)\b"
                         r"|\bmy (?:\w+ )?mentor\b|" + BE_A_MENTEE.pattern, re.I)
KIND_WORDS = {"research": re.compile(r"\b(?:research|lab|pi|publications?|study|projects?|"
                                     r"(?:clinical )?trials?|chart review)\b", re.I),
              "peer": re.compile(r"\b(?:peer|upperclass\w*|classmate|big sib|fellow student|"
                                 r"(?:a|one|two) years? ahead)\b"
                                 r"|(?<!i'm )(?<!im )(?<!i am )(?<!i\u2019m )(?<!as )"
                                 r"\b(?:an?|the) (?:ms[1-4]|m[1-4]|(?:second|third|fourth)[- ]year)"
                                 r"\b(?!\s+(?:resident|attending|fellow))", re.I),
              # a thank-you note, or thanking someone; not a polite "thank you so much!!"
              "thank_you": re.compile(r"\bthank[- ]?you (?:e-?mail|note|message|letter|card)|"
                                      r"\bthank(?:s|ing)? (?:you )?(?:email|note)|\bthank "
                                      r"(?:him|her|them|my|dr|prof|professor|doctor)\b|"
                                      r"\b(?:write|draft|send|type up)\s+(?:me\s+)?(?:a\s+)?"
                                      r"(?:quick\s+|short\s+)?thank", re.I),
              "follow_up": re.compile(r"\bfollow[- ]?up|no (?:reply|response)|(?:didn|hasn|haven)"
                                      r"'?t (?:replied|reply|respond\w*|answer\w*)|haven'?t heard|"
                                      r"never (?:replied|responded|answered)", re.I)}


SHORT = 12  # words: a later question this short leans on the conversation so far
# A write request that points back at what was discussed ("ok can you draft it?") takes the kind
# of email asked about before; one that names its own ("an email asking Dr. Chen to mentor me",
# "an intro email to a faculty member") does not.
POINTS_BACK = re.compile(r"\b(?:it|that|this|that one|this one|the (?:email|message|note|draft))"
                         r"\b", re.I)
# What a yes/no question asks about: a worry ("is it weird/rude/bad to...?") or a permission ("is
# it ok/fine/normal to...?"), read in the asking clause only. Every card verdict tells the student
# they may go ahead, so its "Yes"/"No" has to follow the question (compose.agree).
# The asking clause: "is it / would it be / am I (being) / does it look" + up to two words + the
# quality + what the student would do ("to ...", "if I ...") or the end of the question.
_ASKING = (r"\b(?:is it|isn'?t it|would it be|will it be|is that|would that be|am i(?: being)?|"
           r"does it (?:look|seem|come (?:off|across))(?: as)?|would i (?:look|seem|be))\s+"
           r"(?:\w+\s+){0,2}?")
_STUDENT = r"(?=\s+(?:to|if i|for me|that i|when i)\b|\s*[?!.]|\s*$)"
WORRY = re.compile(_ASKING + r"(?:weird|rude|bad|wrong|awkward|annoying|strange|odd|"
                   r"unprofessional|creepy|inappropriate|disrespectful|pushy|desperate|cringe\w*|"
                   r"embarrassing|overstepping|selfish|presumptuous|needy|clingy|dumb|stupid|"
                   r"crazy|overreacting|bothering (?:them|him|her)|too (?:much|pushy|forward|late|"
                   r"soon|often|needy))" + _STUDENT, re.I)
PERMISSION = re.compile(_ASKING + r"(?:ok(?:ay)?|fine|alright|all right|acceptable|appropriate|"
                        r"normal|allowed|reasonable|a good idea|possible|legit)" + _STUDENT, re.I)


_ALTERNATIVE = re.compile(r"\bor\b[^.?!;]*", re.I)


def asks(question: str) -> str | None:
    """"worry" or "permission" when the question's asking clause says which (else None)."""
    main = _ALTERNATIVE.sub(" ", question)  # "should I ask... or is that cringe?" asks "should I"
    worry, permission = bool(WORRY.search(main)), bool(PERMISSION.search(main))
    if worry != permission:
        return "worry" if worry else "permission"
    return None


NAMES_FACULTY = re.compile(r"\b(?:faculty|professor|attending)\b", re.I)


class Intent(BaseModel):
    yes_no: bool
    distress: bool
    audience: str  # "mentee" or "mentor"
    write_request: bool
    email_kind: str = "faculty"
    # P(the right answer is "yes"), read by the polarity model for yes/no questions (polarity.py)
    yes_probability: float | None = None


TITLED = re.compile(r"\b(?:dr|doctor|prof|professor)\b\.?\s+[a-z]", re.I)


def email_kind(text: str) -> str:
    for kind in ("thank_you", "follow_up", "peer", "research"):
        if kind == "peer" and TITLED.search(text) and not re.search(r"\bpeer\b", text, re.I):
            continue  # "an MS4" beside "Dr. Lee" is who they are, not who the email is to
        if KIND_WORDS[kind].search(text):
            return kind
    return "faculty"


def side(text: str) -> str | None:
    """"mentor" or "mentee" when the text says which side the student is on, else None."""
    if BE_A_MENTEE.search(text) and not MY_MENTEE.search(text):
        return "mentee"
    cleaned = WANTS_A_MENTOR.sub(" ", text)
    if MENTOR_SIDE.search(cleaned):
        return "mentor"
    if MENTEE_SIDE.search(cleaned):
        return "mentee"
    return None


def read_intent(question: str) -> Intent:
    """The question's shape, read from its own words only."""
    return Intent(
        yes_no=not WRITE.search(question) and bool(YES_NO.search(question)
                                                      or NORMALITY.search(question)),
        distress=bool(DISTRESS.search(question)),
        audience=side(question) or "mentee",
        write_request=bool(WRITE.search(question)) and not WRITES_IT.search(question),
        email_kind=email_kind(question),
    )


def last_turn(history: list[dict], role: str) -> str:
    """The newest turn's text by `role` ("user": the previous question; "assistant": the last
    answer); "" when there is none."""
    return next((t["content"] for t in reversed(history) if t.get("role") == role), "")


def revises_draft(question: str, history: list[dict]) -> bool:
    """A request to change the draft the student asked for in the previous turn."""
    asked = last_turn(history, "user")
    return bool(asked) and bool(WRITE.search(asked)) and bool(REVISE.search(question))


def is_follow_up(question: str, history: list[dict]) -> bool:
    """A short or pointing question after an earlier user turn."""
    if not any(t.get("role") == "user" for t in history):
        return False
    return len(question.split()) <= SHORT or bool(FOLLOW_UP.search(question))
