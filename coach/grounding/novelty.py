"""Content-word checks that sentence similarity misses.

A small model writes fluent sentences in the guide's own vocabulary that the guide never says:
"Use online platforms that specialize in peer mentorship." Embedding similarity rates them
high because the topic words match. Three cheaper, more literal signals catch most of them:

- novelty: the share of a sentence's content words (stemmed) that the passages and the
  student's words never use;
- a recommendation of a resource (a site, app, platform, programme, book...) whose words are
  not all in the passages: the coach may only point students to what the guide names;
- degenerate text: the same two content words repeated inside one sentence ("a professional
  relationship that is not a professional relationship").
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
# Function words and the generic verbs/adjectives any answer uses; they carry no claim.
STOPWORDS = frozenset("""
a about above after again against all almost also although always am among an and another any
anyone anything are aren't around as at away be because been before being below between both
but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
either else enough especially even ever every everyone everything few first for from further
get gets getting give given gives giving go goes going gone got had has hasn't have haven't
having he her here hers herself him himself his how however i i'd i'll i'm i've if in into is
isn't it it's its itself just keep kind let let's like likely lot lots make makes making many
may maybe me might more most much must my myself need needs never new next no not nothing now
of off often on once one ones only or other others our ours ourselves out over own per perhaps
please quite rather really same say says see seem seems she should shouldn't since so some
someone something sometimes soon still such sure take takes taking than that that's the their
theirs them themselves then there there's these they they'll they're this those though through
thus to too toward towards try trying two under until up upon us use used using very via want
wants was wasn't way ways we we'll we're we've well were what what's when where whether which
while who who's whom whose why will with within without won't would wouldn't yes yet you
you'd you'll you're you've your yours yourself yourselves
able actually already approach better best certain clear different easy especially example
good great help helps helping here's important know let look looking means part possible
process right simply step steps thing things think tip tips time times tell understand
""".split())
SUFFIXES = ("ations", "ation", "ingly", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly",
            "ers", "er", "ment", "ments", "ness", "ful", "ive", "ity", "al", "ize", "izes",
            "ise", "ises", "ized", "ised")
# "Visit ...", "You can also join ...", "Try using ...", or a list "such as websites, apps".
RECOMMEND = re.compile(
    r"^\W*(?:\d+[.)]\s*)?(?:you\s+(?:can|could|should|might|may)\s+(?:also\s+)?|try\s+"
    r"(?:to\s+)?|consider\s+|be\s+sure\s+to\s+)?(?:visit|join|use|using|download|check\s+out|"
    r"sign\s+up|subscribe|follow|search|browse|look\s+(?:for|up|into|at)|explore|attend|read|"
    r"listen|register|enrol+|contact|google|install)\b"
    r"|\b(?:such as|including|like)\b.*\b(?:websites?|apps?|platforms?|forums?|podcasts?|"
    r"books?|courses?|webinars?|social media|online)\b", re.I)
RESOURCES = re.compile(
    r"\b(?:websites?|web\s*sites?|sites?|apps?|applications?|platforms?|forums?|podcasts?|"
    r"books?|courses?|webinars?|newsletters?|programs?|programmes?|organi[sz]ations?|"
    r"associations?|societ(?:y|ies)|networks?|groups?|communit(?:y|ies)|databases?|tools?|"
    r"resources?|journals?|conferences?|workshops?|social media|online|internet|linkedin|"
    r"reddit|twitter|facebook|instagram|youtube|tiktok|discord)\b", re.I)


OUT_OF_ROLE = re.compile(
    r"\b(?:I'?m|I am)\s+(?:so\s+|really\s+|very\s+)?(?:glad|happy|proud|sorry|here\s+to|not\s+"
    r"sure|not\s+here|a\s+(?:mentor|doctor|student|coach))\b|\bmy\s+(?:role|job|previous|"
    r"experience|mentee|mentor|own)\b|\bas\s+(?:a|your)\s+(?:mentor|coach),\s+(?:I|my)\b|"
    r"\bI(?:'d| would)\s+love\s+to\s+hear\b", re.I)
VERBS = frozenset("visit join download check sign subscribe follow search browse explore attend "
                  "read listen register enrol enroll contact google install consider".split())


def stem(word: str) -> str:
    """A crude stem: lower case, no possessive, one common suffix off (stems of 3+ letters)."""
    word = word.lower().removesuffix("'s").strip("'-")
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    """Stems of the content words of `text`, in order."""
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2]


class Vocabulary:
    """The stems the passages and the student's words use; built once per answer."""

    def __init__(self, known_text: str) -> None:
        self.stems = set(content_stems(known_text))
        self.prefixes = {s[:6] for s in self.stems if len(s) >= 6}

    def knows(self, word_stem: str) -> bool:
        return word_stem in self.stems or (len(word_stem) >= 6 and word_stem[:6] in self.prefixes)

    def novel(self, sentence: str) -> list[str]:
        """Content stems of `sentence` the passages and the student never use."""
        return list(dict.fromkeys(s for s in content_stems(sentence) if not self.knows(s)))


def repeated_phrase(sentence: str) -> str | None:
    """A phrase the sentence says twice, if any: two adjacent content words, three words with
    a content word ("trial basis for a trial basis"), or any four words ("someone who is
    someone who is someone")."""
    stems = content_stems(sentence)
    words = WORD.findall(sentence.lower())
    runs = [tuple(p) for p in zip(stems, stems[1:], strict=False) if p[0] != p[1]]
    runs += [t for t in zip(words, words[1:], words[2:], strict=False)
             if any(w not in STOPWORDS for w in t)]
    runs += list(zip(words, words[1:], words[2:], words[3:], strict=False))
    seen: set[tuple[str, ...]] = set()
    for run in runs:
        if run in seen:
            return " ".join(run)
        seen.add(run)
    return None


def out_of_role(sentence: str) -> bool:
    """The coach talking as a person with feelings, a role or a past ("I'm so glad you reached
    out to me", "As a mentor, my role is..."): the guide says none of it."""
    return bool(OUT_OF_ROLE.search(sentence))


def unnamed_resource(sentence: str, vocabulary: Vocabulary) -> list[str]:
    """When `sentence` recommends a resource: its content words the passages never use."""
    if not RECOMMEND.search(sentence) or not RESOURCES.search(sentence):
        return []
    return [w for w in vocabulary.novel(sentence) if w not in VERBS]
