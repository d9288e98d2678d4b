"""The student's journey in headless Chromium: the outreach tracker, chats and rehearsals that
survive reload and restart, feedback, phone width. Follows tests/test_ui_browser.py."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from test_ui_browser import (  # noqa: F401  (fixtures used by name)
    ARGS,
    CHROMIUM,
    box,
    browser,
    free_port,
    open_app,
    shot,
)

pytestmark = pytest.mark.browser


def launch_on(coach, port: int, tmp_path_factory):
    """A fresh app process-equivalent (new Blocks, new BrowserState objects) on `port`."""
    from coach.ui import build_app, launch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        app = build_app(coach)
        _, url, _ = launch(app, port=port, prevent_thread_lock=True, quiet=True)
    return app, url


@pytest.fixture(scope="module")
def journey_url(coach_instance, tmp_path_factory):
    app, url = launch_on(coach_instance, free_port(), tmp_path_factory)
    yield url
    app.close()


def fill(page, values: list[tuple[str, str]]) -> None:
    for elem_id, value in values:
        page.fill(box(elem_id), value)


def choose(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_tracker_follow_up_due_draft_and_ics(journey_url, open_app):
    from icalendar import Calendar

    page = open_app(journey_url)
    page.get_by_role("tab", name="Tracker").click()
    page.get_by_text("Your details (to sign drafts)").click()
    fill(page, [("tracker-you", "Ana Diaz"), ("tracker-year", "MS2"),
                ("tracker-school", "Drexel University"), ("tracker-email", "ana@example.edu"),
                ("tracker-goals", "research in cardiology"), ("tracker-times", "Tuesday 3 pm")])
    page.locator(box("tracker-name")).first.click()  # blur the last field: details are saved
    sent = (date.today() - timedelta(days=10)).isoformat()
    fill(page, [("tracker-name", "Dr. Priya Raman"), ("tracker-role", "Cardiology attending"),
                ("tracker-sent", sent), ("tracker-field", "cardiology"),
                ("tracker-focus", "heart failure outcomes")])
    choose(page, "tracker-status", "sent")
    page.click("#tracker-save")
    shot(page, "tracker-saved")
    page.wait_for_function(
        "document.querySelector('#tracker-steps').innerText.includes('Due now')")
    steps = page.inner_text("#tracker-steps")
    assert "Dr. Priya Raman" in steps and "No reply for 10 days" in steps
    page.click("#tracker-draft")
    page.wait_for_function("document.querySelector('#tracker-body textarea').value !== ''")
    body = page.input_value(box("tracker-body"))
    assert "Dear Dr. Raman" in body and "10 days ago" in body and "Ana Diaz" in body
    shot(page, "tracker")
    page.get_by_text("Reminders and settings").click()
    with page.expect_download() as download:
        page.click("#tracker-ics")
    assert download.value.suggested_filename.endswith(".ics")
    cal = Calendar.from_ical(Path(download.value.path()).read_bytes())
    events = list(cal.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Follow up with Dr. Priya Raman"]
    assert events[0].decoded("dtstart") == date.today()
    page.click("#tracker-mark")  # sent it: the clock restarts, nothing is due
    page.wait_for_function(
        "!document.querySelector('#tracker-steps').innerText.includes('Due now')")
    page.reload()
    page.wait_for_selector(box("question"))
    page.get_by_role("tab", name="Tracker").click()
    page.wait_for_function(
        "document.querySelector('#tracker-steps').innerText.includes('Dr. Priya Raman')")
    assert "no reply" in page.inner_text("#tracker-steps")


def test_email_tab_offers_to_add_to_the_tracker(journey_url, open_app):
    page = open_app(journey_url)
    page.get_by_role("tab", name="Email").click()
    fill(page, [("mentor-name", "Dr. Kofi Osei"), ("mentor-field", "surgery"),
                ("mentor-focus", "global surgery")])
    page.click("#email-track")
    page.get_by_role("tab", name="Tracker").click()
    page.wait_for_function(
        "document.querySelector('#tracker-steps').innerText.includes('Dr. Kofi Osei')")
    assert "sent" in page.inner_text("#tracker-steps")
