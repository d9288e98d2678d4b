"""The tracker endpoints through gradio_client: next steps, draft, .ics; errors name fields."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

pytest.importorskip("gradio_client")

from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402
from icalendar import Calendar  # noqa: E402
from test_ui_api import free_port  # noqa: E402

TODAY = date(2026, 11, 30)
TRACKER = {"follow_up_days": 7,
           "student": {"name": "Ana Diaz", "year": "MS2", "school": "Drexel University",
                       "email": "ana@example.edu", "goals": ["research in cardiology"],
                       "times": ["Tuesday 3-4 pm"]},
           "entries": [{"name": "Dr. Priya Raman", "field": "cardiology",
                        "focus": "heart failure outcomes", "status": "sent",
                        "date_sent": (TODAY - timedelta(days=10)).isoformat()},
                       {"name": "Sam Lee", "ask": "peer", "status": "said no"}]}


@pytest.fixture(scope="module")
def client(coach_instance, tmp_path_factory):
    from coach.web.app import build_app, launch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        app = build_app(coach_instance)
        _, url, _ = launch(app, port=free_port(), prevent_thread_lock=True, quiet=True)
        try:
            yield Client(url, verbose=False)
        finally:
            app.close()


def test_next_steps_draft_and_ics(client):
    data = json.dumps(TRACKER)
    steps = client.predict(data, TODAY.isoformat(), api_name="/tracker_next_steps")
    assert [s["name"] for s in steps] == ["Dr. Priya Raman", "Sam Lee"]
    assert steps[0]["is_due"] and steps[0]["days_waiting"] == 10
    assert "don't take it personally" in steps[1]["guide"]
    draft = client.predict(data, "dr. priya raman", "", TODAY.isoformat(),
                           api_name="/tracker_draft")
    assert draft["subject"].startswith("Following Up") and "10 days ago" in draft["body"]
    text = client.predict(data, TODAY.isoformat(), api_name="/tracker_ics")
    events = list(Calendar.from_ical(text).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Follow up with Dr. Priya Raman"]


def test_errors_are_messages_naming_the_field(client):
    bad = {"entries": [{"name": "X", "status": "ghosted"}]}
    with pytest.raises(AppError, match="Entry 1 → Status: must be one of"):
        client.predict(json.dumps(bad), "", api_name="/tracker_next_steps")
    with pytest.raises(AppError, match="not a date"):
        client.predict("[]", "tomorrow", api_name="/tracker_next_steps")
    with pytest.raises(AppError, match="No one called"):
        client.predict(json.dumps(TRACKER), "Nobody", "", "", api_name="/tracker_draft")
