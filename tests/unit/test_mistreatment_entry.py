"""Mistreatment described in a rehearsal line or an email field: support and reporting options
instead of the role-play or a draft (crisis still first), in every interface. The classifier's
scores and the criteria detector's embedder are faked (no MiniLM); the patterns are real."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import yaml

import coach.safety.gate as gate
from coach.config import Settings
from coach.email.drafting import Draft, SafetyStop, draft_email
from coach.email.request import parse_request
from coach.rehearsal.criteria.detector import CriterionDetector, standing_in
from coach.rehearsal.planner import CRISIS_PAUSE, MISTREATMENT_PAUSE
from coach.rehearsal.session import start_rehearsal
from coach.safety.mistreatment import mistreatment_reply
from coach.testing import FakeEmbeddings

HARASSED = "my attending keeps making sexual comments about me and I feel unsafe"
HARASSED_AND_CRISIS = ("my attending keeps making sexual comments about me and I want to kill "
                       "myself")
INTRO = "Hi Dr. Osei, I'm Priya Raman, a second-year here at Lakeview."
GUIDE_ONLY = SimpleNamespace(llm_engine=None, settings=Settings())  # the web/API coach, no LLM
REQUEST = {"kind": "faculty",
           "student": {"name": "Priya Nair", "year": "MS2", "school": "Lakeview School of Medicine",
                       "email": "pnair@lakeview.edu",
                       "goals": ["Get research experience in cardiology"]},
           "mentor": {"name": "Samuel Okafor", "title": "Dr.", "field": "Cardiology",
                      "focus": "heart failure readmissions"},
           "times": ["Tuesdays after 3pm"], "chosen_goals": [1]}  # ticked: no goal-fit model


@pytest.fixture(autouse=True)
def quiet_classifier(monkeypatch):
    """The gate's learned scores say "ok" for every text; its patterns still run."""
    row = (("ok", 1.0), ("crisis", 0.0), ("injection", 0.0), ("extraction", 0.0),
           ("dishonest", 0.0), ("clinical", 0.0), ("homework", 0.0), ("unrelated", 0.0),
           ("other_risk", 0.0), ("other_about", 0.0))
    monkeypatch.setattr(gate, "score", lambda texts: tuple(row for _ in texts))
    monkeypatch.setattr(gate, "thresholds", lambda: {"crisis": 0.6, "other": 0.5})
    monkeypatch.setattr(gate, "third_party_cuts", lambda: {})


@pytest.fixture
def fake_detector():
    """The scorecard's criteria detector over the fake embedder, for lines that reach it."""
    with standing_in(CriterionDetector.load(embed=FakeEmbeddings().embed_documents)):
        yield


def request(**student) -> dict:
    data = json.loads(json.dumps(REQUEST))
    data["student"].update(student)
    return data


# --- rehearsal -----------------------------------------------------------------------------

def test_a_rehearsal_line_describing_harassment_stops_the_role_play(fake_detector):
    session = start_rehearsal("faculty", unavailable=False, seed=1)
    turn = session.reply(HARASSED)
    assert turn.kind == "mistreatment" and turn.role == "mentor"
    assert turn.text == f"{mistreatment_reply()}\n\n{MISTREATMENT_PAUSE}"
    assert "Title IX" in turn.text and "911" in turn.text
    assert not session.done and session.student_turns == 0  # paused, not scored
    assert HARASSED not in [t["text"] for t in session.turns]
    assert session.history[-2:] == [{"role": "student", "text": HARASSED},
                                    {"role": "mentor", "text": turn.text}]
    # only the new line is read: the earlier disclosure does not stop the next ordinary line
    assert session.reply(INTRO).kind == "mentor"
    card = session.feedback()  # graded on the role-play turns only, never the disclosure
    assert all(HARASSED not in (c.evidence or "") for c in card.criteria)


def test_an_out_of_character_line_describing_harassment_is_read_too():
    session = start_rehearsal("research", unavailable=False, seed=1)
    turn = session.reply("(ooc) my PI harassed me last week, should I still ask him?")
    assert turn.kind == "mistreatment" and mistreatment_reply() in turn.text


def test_an_ordinary_rehearsal_line_carries_on(fake_detector):
    session = start_rehearsal("faculty", unavailable=False, seed=1)
    turn = session.reply(INTRO)
    assert turn.kind == "mentor" and mistreatment_reply() not in turn.text
    assert session.student_turns == 1


def test_crisis_beats_mistreatment_in_the_rehearsal():
    session = start_rehearsal("faculty", unavailable=False, seed=1)
    turn = session.reply(HARASSED_AND_CRISIS)
    assert turn.kind == "crisis" and "988" in turn.text and turn.text.endswith(CRISIS_PAUSE)
    # the crisis reply first, then the reporting options (a new user's "grabbed my arm... I'll
    # fail if I tell anyone" got the crisis reply alone)
    assert turn.text.index("988") < turn.text.index(mistreatment_reply())


def test_a_paused_disclosure_still_counts_as_said():
    from coach.rehearsal.planner import heard

    session = start_rehearsal("faculty", unavailable=False, seed=1)
    line = "Hi, I'm Sam, an MS3, and my attending has been harassing me on rotation."
    assert session.reply(line).kind == "mistreatment"
    assert heard(session.state) == [line]


def test_the_rehearse_cli_and_api_show_the_reply(monkeypatch, capsys):
    import io

    from coach.cli import main
    from coach.web.api import make_api

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{HARASSED}\n/quit\n"))
    assert main(["rehearse", "--persona", "resident"]) == 0
    out = capsys.readouterr().out
    assert f"coach> {mistreatment_reply().splitlines()[0]}" in out and "Title IX" in out
    result = make_api(GUIDE_ONLY)["rehearse"]("faculty", "[]", HARASSED)
    assert result["mentor"]["kind"] == "mistreatment" and "Title IX" in result["mentor"]["text"]
    assert result["transcript"] == [{"role": "mentor", "text": result["transcript"][0]["text"]}]


# --- email ---------------------------------------------------------------------------------

@pytest.mark.parametrize("student", [
    {"goals": ["Get research experience in cardiology",
               "figure out what to do because my PI keeps harassing me"]},
    {"background": "My mentor has been making sexual comments to me and I feel unsafe."},
    {"role": "chapter president; a resident threatened me after I spoke up"},
])
def test_an_email_field_describing_harassment_stops_the_draft(student):
    with pytest.raises(SafetyStop) as stop:
        draft_email(parse_request(request(**student)))
    assert stop.value.kind == "mistreatment" and stop.value.response == mistreatment_reply()


def test_the_email_context_is_read_too():
    data = {**request(), "context": "my attending touched me and i feel unsafe around him"}
    with pytest.raises(SafetyStop) as stop:
        draft_email(parse_request(data))
    assert stop.value.kind == "mistreatment"


def test_an_ordinary_email_request_drafts_normally():
    draft = draft_email(parse_request(request()))
    assert isinstance(draft, Draft) and draft.subject and "Dr. Okafor" in draft.body
    assert mistreatment_reply() not in draft.body


def test_crisis_beats_mistreatment_in_the_email():
    with pytest.raises(SafetyStop) as stop:
        draft_email(parse_request(request(goals=[HARASSED_AND_CRISIS])))
    assert stop.value.kind == "crisis" and "988" in stop.value.response
    assert stop.value.response.index("988") < stop.value.response.index(mistreatment_reply())


def test_the_care_note_travels_with_the_stop(monkeypatch):
    from coach.safety import care_note

    row = (("ok", 0.55), ("crisis", 0.45), ("injection", 0.0), ("extraction", 0.0),
           ("dishonest", 0.0), ("clinical", 0.0), ("homework", 0.0), ("unrelated", 0.0),
           ("other_risk", 0.0), ("other_about", 0.0))  # unsure: below the cut, above care
    monkeypatch.setattr(gate, "score", lambda texts: tuple(row for _ in texts))
    with pytest.raises(SafetyStop) as stop:
        draft_email(parse_request(request(background=HARASSED)))
    assert stop.value.response == f"{mistreatment_reply()}\n\n{care_note()}"


def test_every_email_interface_shows_the_reply(tmp_path, capsys):
    from coach.cli import main
    from coach.web.api import make_api
    from coach.web.practice import draft_outputs

    data = request(background=HARASSED)
    result = make_api(GUIDE_ONLY)["draft_email"](json.dumps(data))
    assert result == {"kind": "mistreatment", "response": mistreatment_reply()}
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["email", "--request", str(path)]) == 0
    out = capsys.readouterr().out
    assert mistreatment_reply() in out and "Subject:" not in out
    s = data["student"]
    m = data["mentor"]
    outputs = draft_outputs(GUIDE_ONLY, "faculty", s["name"], s["year"], s["school"], s["email"],
                            "\n".join(s["goals"]), "", HARASSED, m["name"], m["title"],
                            m["field"], m["focus"], "\n".join(data["times"]), "", "")
    banner = outputs[6]
    assert banner["visible"] and "Title IX" in banner["value"]
    assert outputs[0] == outputs[1] == {"__type__": "update"}  # no draft written


def test_a_classifier_crisis_about_someone_else_that_is_mistreatment_gets_support_with_care():
    """"my PI keeps texting me at night asking me to come to his apartment" was read by the
    classifier as someone else at risk: the student is the one harmed (support and reporting
    options, crisis resources beside them); a crisis pattern or a crisis about the student
    stays a crisis."""
    from coach.safety.gate import Verdict
    from coach.safety.mistreatment import reconcile

    other = Verdict(kind="crisis", category="crisis", reason="classifier:crisis p=0.73",
                    about="other")
    became = reconcile(other, mistreated=True)
    assert became.kind == "ok" and became.care and became.about == "self"
    assert reconcile(other, mistreated=False) == other
    own = other.model_copy(update={"about": "self"})
    assert reconcile(own, mistreated=True) == own
    pattern = other.model_copy(update={"reason": "pattern:crisis"})
    assert reconcile(pattern, mistreated=True) == pattern
