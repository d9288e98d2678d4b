"""The mentorship family tree: each mentor with their mentees, and those mentees' mentees."""

from __future__ import annotations

from coach.matching.assign import MatchResult


def family_tree(result: MatchResult, title: str = "Mentorship family tree") -> str:
    """Markdown nested lists, one tree per top mentor (the chain reads downwards)."""
    children: dict[str, list] = {}
    years: dict[str, int] = {}
    for pair in result.pairs:
        children.setdefault(pair.mentor, []).append(pair)
        years[pair.mentor], years[pair.mentee] = pair.mentor_year, pair.mentee_year
    mentees = {p.mentee for p in result.pairs}
    roots = sorted((m for m in children if m not in mentees), key=lambda m: (-years[m], m))
    lines = [f"# {title}", ""]

    def walk(name: str, depth: int, pair=None, seen: frozenset = frozenset()) -> None:
        note = ""
        if pair is not None:
            note = f" — score {pair.score:.0f}" + (" (fixed by the board)" if pair.fixed else "")
        lines.append(f"{'  ' * depth}- **{name}** (MS{years[name]}){note}")
        if name in seen:
            return  # cannot happen with classes strictly rising, but never loop
        for child in sorted(children.get(name, []), key=lambda p: p.mentee):
            walk(child.mentee, depth + 1, child, seen | {name})

    for root in roots:
        walk(root, 0)
    if not roots:
        lines.append("_No pairs yet._")
    if result.unmatched:
        lines += ["", "## Not paired", ""]
        lines += [f"- {u.name} (MS{u.year}): {u.reason}" for u in result.unmatched]
    return "\n".join(lines) + "\n"
