"""Score the coach on the blind QA splits: key-point coverage, honesty on not-covered questions,
follow-ups, verdicts, empathy, hand-offs, length and groundedness.

Coverage cannot be bought with length: answers are cut to MAX_SCORED_WORDS before scoring, and
a key point counts only when one answer sentence is close to it (MiniLM cosine >= threshold, to
the point or to its guide quote) or contains the quote's first sentence verbatim.
"""

from __future__ import annotations

import re
import statistics

from coach.ask.cards.model import normalise
from coach.evals.blind.data import BlindItem
from coach.evals.vectors import VectorCache
from coach.text import sentence_end

MAX_SCORED_WORDS = 180
POINT_SIMILARITY = 0.62  # sentence-to-point cosine that counts as conveying the point
REPEAT_SIMILARITY = 0.9  # a follow-up bullet this close to an earlier one is a repeat
ADMITS = re.compile(r"\b(?:doesn'?t|does not|don'?t|do not) (?:really )?cover\b|\bnot covered\b"
                    r"|\bisn'?t (?:in|covered)\b|\boutside (?:what|the guide)", re.I)
REDIRECTS = re.compile(r"\b(?:i can help with|what i can help with|i can help you with|"
                       r"happy to help with|ask me about)\b", re.I)
VERDICT = re.compile(r"^(?:yes|no|not|nope|yep|it depends|depends|short answer|it'?s (?:normal|"
                     r"fine|ok)|that'?s (?:normal|fine|ok)|normal|usually|generally|absolutely|"
                     r"definitely|trust)\b", re.I)
EMPATHY = re.compile(r"\b(?:sounds (?:really )?(?:hard|tough|rough|stressful|painful)|i'?m sorry"
                     r"|understandable|that'?s a lot|makes sense that)\b", re.I)
CITE = re.compile(r"^\s*\*?From the guide:.*$", re.M)
SENTENCE = sentence_end()


def _plain(text: str) -> str:
    return re.sub(r"\*\*|__|`|^\s*[-*]\s+", "", text, flags=re.M)


def capped(text: str) -> str:
    """The answer cut after MAX_SCORED_WORDS words, line breaks kept."""
    out, used = [], 0
    for line in text.splitlines():
        words = line.split()
        if used + len(words) > MAX_SCORED_WORDS:
            out.append(" ".join(words[:MAX_SCORED_WORDS - used]))
            break
        out.append(line)
        used += len(words)
    return "\n".join(out)


def sentences(text: str) -> list[str]:
    body = CITE.sub("", text)
    out = []
    for line in _plain(body).splitlines():
        out += [s.strip() for s in SENTENCE.split(line) if len(s.split()) >= 3]
    return out


def bullets(text: str) -> list[str]:
    return [ln[2:].strip() for ln in text.splitlines() if ln.startswith("- ")]


def first_line(text: str) -> str:
    """The answer's opening line, after an empathy sentence if there is one."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    parts = SENTENCE.split(line)
    while len(parts) > 1 and EMPATHY.search(parts[0]):
        parts = parts[1:]
    return " ".join(parts)


class Scorer(VectorCache):
    """Scores blind answers: which expected points each conveys, by embedding similarity."""

    def conveyed(self, answer: str, item: BlindItem) -> list[bool]:
        text = capped(answer)
        found = sentences(text)
        plain = normalise(text).lower()
        if not found:
            return [False] * len(item.key_points)
        vecs = self.vectors(found)
        out = []
        for kp in item.key_points:
            targets = [kp.point] + ([kp.guide_quote] if kp.guide_quote else [])
            best = float((vecs @ self.vectors(targets).T).max())
            quote_first = SENTENCE.split(normalise(kp.guide_quote))[0].lower() if kp.guide_quote \
                else ""
            out.append(best >= POINT_SIMILARITY or (len(quote_first) > 20 and quote_first in plain))
        return out

    def repeats(self, answer: str, previous: str) -> int:
        now, before = bullets(answer), bullets(previous)
        if not now or not before:
            return 0
        sims = self.vectors(now) @ self.vectors(before).T
        return int((sims.max(axis=1) >= REPEAT_SIMILARITY).sum())


def run_item(coach, item: BlindItem, engine: str) -> tuple[list, list[dict]]:  # noqa: ANN001
    """Ask every turn in order (earlier answers become history); all the answers and history."""
    return run_turns(coach, item.turns, engine)


def run_turns(coach, turns: list[str], engine: str = "guide") -> tuple[list, list[dict]]:  # noqa: ANN001
    """Ask `turns` in order, each with the earlier ones and their answers as history; (the
    answers, the history after the last). Training scripts ask all but an item's last turn."""
    history: list[dict] = []
    answers = []
    for turn in turns:
        answer = coach.ask(turn, history=history or None, engine=engine)
        answers.append(answer)
        history += [{"role": "user", "content": turn},
                    {"role": "assistant", "content": answer.answer}]
    return answers, history


def repeated_passage(points: list[str], card_says: dict[str, str]) -> bool:
    """Two bullets of one answer that rest on overlapping guide passages or say the same words
    (coach/ask/cards/ranker.restates): one passage given twice."""
    from coach.ask.cards.ranker import restates

    known = [(p, card_says[p]) for p in points if p in card_says]
    return any(restates(qa, qb, sa, sb) for n, (sa, qa) in enumerate(known)
               for sb, qb in known[n + 1:])


def score_split(coach, items: list[BlindItem], scorer: Scorer, guide_text: str,  # noqa: ANN001
                card_says: dict[str, str], engine: str = "guide", bar=None) -> dict:  # noqa: ANN001
    """Every item asked and scored; `card_says` maps each card point's text to its guide quote."""
    cases = []
    for item in items:
        answers, _ = run_item(coach, item, engine)
        last = answers[-1]
        text = last.answer
        record: dict = {"id": item.id, "kind": last.kind, "words": len(text.split()),
                        "answer": text,
                        "covered": item.covered}
        admits = bool(ADMITS.search(text)) or last.kind == "redirect"
        if item.covered:
            hits = scorer.conveyed(text, item)
            record["coverage"] = sum(hits) / len(hits) if hits else None
            record["missed"] = [k.point for k, h in zip(item.key_points, hits, strict=True)
                                if not h]
            record["false_not_covered"] = bool(ADMITS.search(text))
        else:
            record["honest"] = last.kind == "redirect" or (admits and bool(REDIRECTS.search(text)))
        if len(item.turns) > 1 and item.covered:
            wanted = item.new_points_only or list(range(len(item.key_points)))
            hits = scorer.conveyed(text, item)
            new = [hits[i] for i in wanted if i < len(hits)]
            repeats = scorer.repeats(text, answers[-2].answer)
            record["follow_up_ok"] = bool(new) and sum(new) / len(new) >= 0.5 and repeats == 0
        if item.yes_no and item.covered:
            record["verdict"] = bool(VERDICT.search(first_line(text)))
        record["empathy"] = bool(EMPATHY.search(first_line_raw(text)))
        record["distress"] = item.distress
        if item.write_request:
            record["handoff"] = last.handoff is not None
        points = bullets(text)
        record["traceable"] = [p in card_says or normalise(p) in guide_text for p in points]
        record["repeated_passage"] = repeated_passage(points, card_says)
        record["failures"] = failures(record)
        record["passed"] = not record["failures"]
        cases.append(record)
        if bar is not None:
            bar.update(1)
    return {"metrics": split_metrics(cases), "cases": cases}


def failures(record: dict) -> list[str]:
    """Why one item fell short (dev only; test items are never shown)."""
    out = []
    if record.get("coverage") is not None and record["coverage"] < 1:
        out.append(f"coverage {record['coverage']:.2f}")
    for key, message in (("honest", "not-covered question answered as covered"),
                         ("follow_up_ok", "follow-up repeated or missed the new points"),
                         ("verdict", "no verdict line"), ("handoff", "no email hand-off")):
        if record.get(key) is False:
            out.append(message)
    if record.get("false_not_covered"):
        out.append("covered question answered as not covered")
    if record["empathy"] != record["distress"]:
        out.append("empathy line missing" if record["distress"] else "empathy line misfired")
    return out


def first_line_raw(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _share(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 3) if values else None


def cards_verbatim(cards: list, guide_text: str) -> float:
    """Share of card passages found verbatim (normalised) in the guide text."""
    quotes = [p.quote for c in cards for p in c.points]
    return round(sum(normalise(q) in guide_text for q in quotes) / max(1, len(quotes)), 3)


def split_metrics(cases: list[dict]) -> dict:
    traced = [t for c in cases for t in c["traceable"]]
    return {
        "items": len(cases),
        "coverage": _share([c.get("coverage") for c in cases if c["covered"]]),
        "honesty": _share([c["honest"] for c in cases if "honest" in c]),
        "false_not_covered": _share([c["false_not_covered"] for c in cases if c["covered"]]),
        "follow_ups": _share([c["follow_up_ok"] for c in cases if "follow_up_ok" in c]),
        "verdict": _share([c["verdict"] for c in cases if "verdict" in c]),
        "empathy_recall": _share([c["empathy"] for c in cases if c["distress"]]),
        "empathy_false": _share([c["empathy"] for c in cases if not c["distress"]]),
        "handoff": _share([c["handoff"] for c in cases if "handoff" in c]),
        "median_words": statistics.median(c["words"] for c in cases) if cases else None,
        "points_traceable": _share(traced),
        "repeated_passage": _share([c["repeated_passage"] for c in cases
                                    if len(bullets(c["answer"])) > 1]),
    }
