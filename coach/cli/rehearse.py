"""`coach rehearse` (interactive role-play) and `coach feedback` (score a saved transcript)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from coach.cli.registry import add_engine_option
from coach.errors import InputError
from coach.markdown import unbold

PERSONA_IDS = ("faculty", "research", "peer", "resident")


def add_parser(sub: argparse._SubParsersAction) -> None:
    rehearse = sub.add_parser(
        "rehearse", help="rehearse asking someone to be your mentor",
        description="Role-play the ask with a mentor persona, one line per turn. Type /feedback "
        "for your scorecard, /ooc QUESTION to ask the coach out of character, /quit to leave.")
    rehearse.add_argument("--persona", choices=PERSONA_IDS, default="faculty",
                          help="who you are asking (default: faculty)")
    rehearse.add_argument("--unavailable", action="store_true",
                          help="the mentor will kindly say no, so you can practise that")
    rehearse.add_argument("--seed", type=int, default=None, help="repeatable persona choices")
    add_engine_option(rehearse, "who voices the persona (default: auto = LLM if configured)")
    rehearse.set_defaults(handler=run_rehearse)

    feedback = sub.add_parser(
        "feedback", help="score a saved rehearsal transcript",
        description="Score a transcript (YAML or JSON list of {role: student|mentor, text}) "
        "against the guide's checklist for asking someone to be your mentor.")
    feedback.add_argument("--transcript", required=True, type=Path, help="YAML or JSON file")
    feedback.add_argument("--persona", choices=PERSONA_IDS, default=None,
                          help="persona scored against (default: the file's, else faculty)")
    feedback.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    feedback.set_defaults(handler=run_feedback)


def _chat_model(engine: str | None) -> Any:
    """The persona's chat model, or None for the scripted mentor (coach.engine decides)."""
    from coach.config import get_settings
    from coach.engine import chat_model

    return chat_model(get_settings(), engine, streaming=False)


def _show_feedback(session: Any) -> None:
    from coach.rehearsal.present import card_text

    card = session.feedback()
    if card.notice:
        print(f"[notice] {card.notice}", file=sys.stderr)
    print("\n" + card_text(card, session.persona.name), flush=True)


def run_rehearse(args: argparse.Namespace) -> int:
    from coach.rehearsal.session import start_rehearsal

    session = start_rehearsal(args.persona, unavailable=True if args.unavailable else None,
                              seed=args.seed, llm=_chat_model(args.engine))
    p = session.persona
    print(f"Rehearsing the ask with {p.name}, {p.title}.")
    print("Type what you'd say. /feedback ends with your scorecard, /ooc QUESTION asks the "
          "coach out of character, /quit leaves.\n")
    print(f"{p.short_name}> {session.opening}", flush=True)
    while True:
        sys.stdout.write("you> ")
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:  # EOF: finish gracefully with the scorecard
            print()
            _show_feedback(session)
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in ("/quit", "/exit", "/q"):
            print("Bye. Good luck with the real conversation!")
            return 0
        try:
            turn = session.reply(text)
        except InputError as exc:
            print(f"coach: {exc}", file=sys.stderr)
            continue
        if turn.notice:
            print(f"[notice] {turn.notice}", file=sys.stderr)
        label = p.short_name if turn.kind == "mentor" or turn.kind == "end" else "coach"
        print(f"{label}> {turn.text}", flush=True)
        if turn.care:  # the safety gate was unsure: the resources, set apart
            print(f"\ncoach> {unbold(turn.care)}\n", flush=True)
        if session.done:
            _show_feedback(session)
            return 0


def load_transcript(path: Path) -> tuple[list[dict[str, str]], str | None]:
    """(turns, persona or None) from a YAML/JSON file; InputError says what is wrong."""
    import yaml

    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"transcript file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read transcript {path}: {exc}") from None
    try:
        data = yaml.safe_load(raw)  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"transcript {path} is not valid YAML/JSON: {first}") from None
    persona = None
    if isinstance(data, dict):
        persona = data.get("persona")
        data = data.get("turns")
    if not isinstance(data, list) or not data:
        raise InputError(f"transcript {path} must be a list of {{role, text}} turns")
    turns = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or item.get("role") not in ("student", "mentor"):
            raise InputError(f"transcript turn {i}: needs role: student or mentor")
        if not isinstance(item.get("text"), str):
            raise InputError(f"transcript turn {i}: text must be a string")
        turns.append({"role": item["role"], "text": item["text"]})
    if not any(t["role"] == "student" and t["text"].strip() for t in turns):
        raise InputError(f"transcript {path} has no student turns to score")
    return turns, persona if isinstance(persona, str) else None


def run_feedback(args: argparse.Namespace) -> int:
    from coach.rehearsal.personas import get_persona
    from coach.rehearsal.present import card_json, card_text
    from coach.rehearsal.scorecard import score_transcript

    turns, file_persona = load_transcript(args.transcript)
    persona = get_persona(args.persona or file_persona or "faculty")
    card = score_transcript(turns, persona)
    if args.json:
        print(json.dumps(card_json(card, full=False), ensure_ascii=False))
    else:
        print(card_text(card, persona.name))
    return 0
