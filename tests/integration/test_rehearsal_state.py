"""Rehearsal as state + step: a serialisable state, validated when it comes from a client, and
the API round-tripping it instead of replaying the transcript."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from coach.errors import InputError
from coach.rehearsal.session import new_state, start_rehearsal, step
from coach.rehearsal.state import MAX_TURNS, RehearsalState, load_state

LINES = ["Hi, I'm Jordan, a second-year.", "ok", "I'd like help choosing a specialty.",
         "(ooc) what should I say next?", "I read your paper on sepsis and loved it.",
         "Would you be willing to be my mentor?", "Maybe once a month?", "Thank you so much!"]


@pytest.mark.parametrize("persona", ["faculty", "research"])
def test_a_state_sent_as_json_each_turn_continues_exactly_like_one_session(persona):
    session = start_rehearsal(persona, seed=5)
    state = load_state(session.state.model_dump_json())
    for line in LINES:
        expected = session.reply(line)
        state, turn = step(load_state(state.model_dump_json()), line)
        assert turn == expected
    assert state == session.state
    assert state.answer == session.answer and state.turns == session.turns


def test_step_leaves_the_given_state_unchanged():
    state = new_state("faculty", unavailable=False, seed=1)
    before = state.model_dump()
    after, turn = step(state, "Hi, I'm Jordan, a second-year.")
    assert state.model_dump() == before
    assert after.student_turns == 1 and after.turns[-1]["text"] == turn.text


@pytest.mark.parametrize("change, where", [
    ({"persona": "astronaut"}, "persona"),
    ({"extra": 1}, "extra"),
    ({"rng": "bm90IGEgZ2VuZXJhdG9y"}, "rng"),
    ({"turns": [{"role": "narrator", "text": "hi"}]}, "turns"),
    ({"turns": [{"role": "student", "text": "hi"}] * (MAX_TURNS + 1)}, "turns"),
    ({"asks": -1}, "asks"),
])
def test_a_bad_state_from_a_client_is_refused_with_the_field_named(change, where):
    data = {**new_state("faculty", seed=1).model_dump(mode="json"), **change}
    with pytest.raises(InputError, match=f"state_json: {where}"):
        load_state(json.dumps(data))


def test_an_oversized_state_is_refused_unread():
    with pytest.raises(InputError, match="too large"):
        load_state("{" + " " * 200_000 + "}")


def api():
    from coach.web.api import make_api

    return make_api(SimpleNamespace(llm_engine=None))["rehearse"]


def test_api_round_trips_the_state_and_never_replays_it(monkeypatch):
    rehearse = api()
    opening = rehearse("faculty", "[]", "")
    assert opening["mentor"]["text"] == opening["transcript"][0]["text"]
    by_state, by_transcript = opening, opening
    for line in LINES[:4]:
        by_transcript = rehearse("faculty", json.dumps(by_transcript["transcript"]), line)
        monkeypatch.setattr("coach.rehearsal.session.replay", pytest.fail)
        by_state = rehearse("faculty", "", line, json.dumps(by_state["state"]))
        monkeypatch.undo()
        assert by_state["mentor"] == by_transcript["mentor"]
        assert by_state["transcript"] == by_transcript["transcript"]
    RehearsalState.model_validate(by_state["state"])


def test_api_refuses_a_state_for_another_persona():
    import gradio as gr

    state = json.dumps(new_state("peer", seed=1).model_dump(mode="json"))
    with pytest.raises(gr.Error, match="not 'faculty'"):
        api()("faculty", "[]", "hello", state)


def test_each_llm_engine_falls_back_to_its_scripted_twin_with_its_own_notice():
    from coach.rehearsal.engines import rehearsal_engines
    from coach.rehearsal.scorecard import score_transcript
    from coach.testing import ScriptedChatModel

    engines = rehearsal_engines(ScriptedChatModel(RuntimeError("model down"), repeat=True))
    state, turn = step(new_state("faculty", unavailable=False, seed=1), "Hi, I'm Jordan.", engines)
    _, plain = step(new_state("faculty", unavailable=False, seed=1), "Hi, I'm Jordan.")
    assert turn.text == plain.text and turn.notice.endswith("; the scripted mentor replied.")
    _, coach = step(state, "/ooc what next?", engines)
    assert coach.kind == "coach" and coach.notice.endswith("; the guide engine replied.")
    card = score_transcript(state.turns, "faculty", engine=engines.narrative)
    assert card.narrative == ""
    assert card.notice.endswith("; the scorecard comes from the guide engine instead.")


def test_a_bad_personas_file_names_the_file_and_the_field(tmp_path, monkeypatch):
    from importlib import resources

    import yaml

    from coach.datafiles import load_data
    from coach.errors import ConfigError
    from coach.rehearsal.personas import PersonaFile

    data = yaml.safe_load(resources.files("coach.rehearsal").joinpath(
        "data", "personas.yaml").read_text("utf-8"))
    PersonaFile.model_validate(data)  # the shipped file is valid
    data["personas"][1]["accept"] = []
    package = tmp_path / "badpersonas"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "personas.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    where = r"(?s)badpersonas/data/personas\.yaml.*personas\.1\.accept"
    with pytest.raises(ConfigError, match=where):
        load_data("badpersonas", "personas.yaml", PersonaFile)
