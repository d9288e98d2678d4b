"""The student's journey in headless Chromium: the outreach tracker, chats and rehearsals that
survive reload and restart, feedback, phone width. Follows tests/test_ui_browser.py."""

# ruff: noqa: F811  (the imported browser fixtures are requested by name)
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from test_ui_browser import (  # noqa: F401  (fixtures used by name)
    ARGS,
    CHROMIUM,
    ask,
    box,
    browser,
    free_port,
    open_app,
    shot,
)

pytestmark = pytest.mark.browser


def launch_on(coach, port: int, tmp_path_factory):
    """A fresh app process-equivalent (new Blocks, new BrowserState objects) on `port`."""
    from coach.web.app import build_app, launch

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


def open_tracker(page) -> None:
    """The tracker is a section of the My plan tab."""
    page.get_by_role("tab", name="My plan").click()
    page.locator("#tracker-steps").scroll_into_view_if_needed()


def test_tracker_follow_up_due_draft_and_ics(journey_url, open_app):
    from icalendar import Calendar

    page = open_app(journey_url)
    open_tracker(page)
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
    open_tracker(page)
    page.wait_for_function(
        "document.querySelector('#tracker-steps').innerText.includes('Dr. Priya Raman')")
    assert "no reply" in page.inner_text("#tracker-steps")


def test_email_tab_offers_to_add_to_the_tracker(journey_url, open_app):
    page = open_app(journey_url)
    page.get_by_role("tab", name="Email").click()
    fill(page, [("mentor-name", "Dr. Kofi Osei"), ("mentor-field", "surgery"),
                ("mentor-focus", "global surgery")])
    page.click("#email-track")
    open_tracker(page)
    page.wait_for_function(
        "document.querySelector('#tracker-steps').innerText.includes('Dr. Kofi Osei')")
    assert "sent" in page.inner_text("#tracker-steps")


def test_a_write_request_in_ask_starts_the_email(journey_url, open_app):
    """"write me an email to dr. patel..." in Ask sets the Email tab's kind and the mentor's field
    (a new user got only a pointer to the Email tab); the name and context are not filled in
    (they missed their bars on a blind set: coach/email/prefill.py)."""
    page = open_app(journey_url)
    ask(page, "can you write me a research email to dr. patel (she's a pediatrician, i met her "
              "at the interest group lunch) asking to join her lab?")
    assert "can start a research email with their field (pediatrics)" in \
        page.inner_text("#chat")
    page.get_by_role("tab", name="Email").click()
    page.wait_for_function("document.querySelector('#mentor-field textarea, #mentor-field input')"
                           ".value === 'pediatrics'")
    assert page.input_value(box("mentor-name")) == ""
    assert page.input_value("#email-kind input") == "Research mentor"


def rehearse_once(page, lines: list[str]) -> None:
    """Start over, say each line (waiting for the mentor), then get the scorecard."""
    page.click("#rehearse-restart")
    page.wait_for_function(
        "document.querySelectorAll('#rehearse-chat [data-testid=\"bot\"]').length === 1")
    for number, line in enumerate(lines, start=1):
        page.fill(box("rehearse-input"), line)
        page.press(box("rehearse-input"), "Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('#rehearse-chat [data-testid=\"bot\"]').length > n",
            arg=number)
    page.click("#rehearse-feedback")
    page.wait_for_function("document.querySelector('#scorecard').innerText.includes('Score')")


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)",
                           arg=[selector, text])


def test_chat_and_rehearsal_survive_reload_and_server_restart(coach_instance, tmp_path_factory,
                                                              open_app):
    from test_ui_browser import ask

    port = free_port()
    app, url = launch_on(coach_instance, port, tmp_path_factory)
    try:
        page = open_app(url)
        ask(page, "How do I find a research mentor?", 1)
        page.wait_for_function("(document.querySelector('#chat-list input')?.value || '')"
                               ".includes('research mentor')")
        page.get_by_role("tab", name="Rehearse").click()
        rehearse_once(page, ["Hi Dr. Osei, my name is Ana, a second-year student at State.",
                             "Would you be willing to be my mentor? Thank you so much."])
        wait_text(page, "#rehearse-progress", "1 attempt")
        page.reload()
        page.wait_for_selector(box("question"))
        wait_text(page, "#chat", "How do I find a research mentor?")
        page.get_by_role("tab", name="Rehearse").click()
        wait_text(page, "#rehearse-chat", "my name is Ana")
        wait_text(page, "#scorecard", "Score")
    finally:
        app.close()
    app, url2 = launch_on(coach_instance, port, tmp_path_factory)  # a new process's objects
    try:
        assert url2 == url
        page.reload()
        page.wait_for_selector(box("question"))
        wait_text(page, "#chat", "How do I find a research mentor?")
        page.wait_for_selector('#chat [data-testid="bot"]')
        shot(page, "chat-after-restart")
        page.get_by_role("tab", name="Rehearse").click()
        wait_text(page, "#rehearse-chat", "my name is Ana")
        wait_text(page, "#scorecard", "Score")
        wait_text(page, "#rehearse-progress", "1 attempt")
        # the resumed role-play goes on where it stopped
        page.click("#rehearse-restart")
        page.wait_for_function(
            "document.querySelectorAll('#rehearse-chat [data-testid=\"bot\"]').length === 1")
        page.get_by_role("tab", name="Ask").click()
        page.click("#chat-new")
        page.wait_for_function("!document.querySelector('#chat [data-testid=\"bot\"]')")
        page.locator("#chat-list input").click()
        page.get_by_role("option").filter(has_text="research mentor").first.click()
        wait_text(page, "#chat", "How do I find a research mentor?")
    finally:
        app.close()


def test_thumbs_down_with_reason_becomes_an_eval_candidate(journey_url, open_app, tmp_path):
    import json

    import yaml
    from test_ui_browser import ask

    from coach.cli import main

    page = open_app(journey_url)
    ask(page, "Should I have more than one mentor?", 1)
    bot = page.locator('#chat [data-testid="bot"]').first
    bot.hover()
    page.locator("#chat button[aria-label='Dislike']").first.click()
    page.wait_for_selector("#feedback-reason textarea, #feedback-reason input")
    page.fill(box("feedback-reason"), "Too general for my situation")
    page.click("#feedback-save")
    page.wait_for_selector("#feedback-box", state="hidden")
    page.get_by_text("Manage saved chats").click()
    with page.expect_download() as download:
        page.click("#chat-candidates")
    cases = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))["cases"]
    assert [c["question"] for c in cases] == ["Should I have more than one mentor?"]
    assert cases[0]["feedback"]["reason"] == "Too general for my situation"
    with page.expect_download() as download:
        page.click("#chat-export-all")
    chats = tmp_path / "chats.json"
    chats.write_bytes(Path(download.value.path()).read_bytes())
    assert json.loads(chats.read_text())["chats"][0]["feedback"][0]["value"] == "dislike"
    out = tmp_path / "candidates.yaml"
    assert main(["feedback-export", "--chats", str(chats), "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["cases"][0]["feedback"]["reason"].startswith("Too")
    with page.expect_download() as download:
        page.click("#chat-export")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## You: Should I have more than one mentor?" in text and "not helpful" in text


def test_progress_after_three_rehearsals(journey_url, open_app):
    page = open_app(journey_url)
    page.get_by_role("tab", name="Rehearse").click()
    page.wait_for_selector('#rehearse-chat [data-testid="bot"]')
    rehearse_once(page, ["Hi, I'm Ana.", "ok"])
    rehearse_once(page, ["Hi Dr. Osei, my name is Ana, a second-year student at State.",
                         "Would you be willing to be my mentor?"])
    rehearse_once(page, ["Hi Dr. Osei, my name is Ana, a second-year student at State. I "
                         "admire your work as clerkship director.",
                         "My goal is choosing a specialty. Would you be willing to be my "
                         "mentor, maybe once a month? I'm flexible. Thank you so much."])
    wait_text(page, "#rehearse-progress", "3 attempt(s)")
    text = page.inner_text("#rehearse-progress")
    assert "first" in text and "best" in text and "latest" in text
    assert "Improved since last time" in text
    first, best, latest = (int(x) for x in __import__("re").search(
        r"first (\d+), best (\d+), latest (\d+)", text).groups())
    assert first < latest and best >= latest
    assert page.locator("#rehearse-chart canvas, #rehearse-chart svg").count() >= 1
    shot(page, "rehearse-progress")


def test_edited_question_regenerates_the_answer(journey_url, open_app):
    from test_ui_browser import ask

    page = open_app(journey_url)
    ask(page, "How do I find a research mentor?", 1)
    first_answer = page.inner_text('#chat [data-testid="bot"]')
    page.locator('#chat [data-testid="user"]').first.hover()
    page.locator("#chat button[aria-label='Edit']").first.click()
    page.locator("#chat textarea").first.fill("How can peer mentorship help me?")
    page.locator("#chat button[aria-label='Submit']").first.click()
    page.wait_for_function("""() => {
        const users = document.querySelectorAll('#chat [data-testid="user"]');
        const bots = document.querySelectorAll('#chat [data-testid="bot"]');
        return users.length === 1 && users[0].innerText.includes('peer mentorship')
          && bots.length >= 1 && bots[0].innerText.trim() !== '…'; }""")
    page.wait_for_function("t => document.querySelector('#chat [data-testid=\"bot\"]')"
                           ".innerText !== t", arg=first_answer)
    assert "research mentor" not in page.inner_text('#chat [data-testid="user"]')


PHONE_TABS = ("Ask", "My plan", "Email", "Rehearse")


def test_every_tab_at_phone_width_with_the_question_box_in_view(journey_url, open_app):
    """390 px wide: the Ask input (with its send button inside) is visible without scrolling;
    with COACH_WRITE_DOCS_SCREENSHOTS=1 a screenshot per tab goes to docs/."""
    import os

    page = open_app(journey_url, width=390, height=844)
    rect = page.locator(box("question")).first.bounding_box()
    assert rect["y"] + rect["height"] <= 844, f"question box below the fold: {rect}"
    docs = Path(__file__).resolve().parents[2] / "docs"
    for tab in PHONE_TABS:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(400)
        name = tab.lower().replace(" ", "-")
        shot(page, f"phone-{name}")
        if os.environ.get("COACH_WRITE_DOCS_SCREENSHOTS") == "1":
            path = docs / f"screenshot-phone-{name}.png"
            page.screenshot(path=str(path))
            assert path.stat().st_size < 500_000
    open_tracker(page)  # the tracker section, lower on My plan
    page.evaluate("document.querySelector('#tracker-section').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    shot(page, "phone-tracker")
    if os.environ.get("COACH_WRITE_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(docs / "screenshot-phone-tracker.png"))


def test_no_tab_scrolls_sideways_at_phone_width(journey_url, open_app):
    page = open_app(journey_url, width=390, height=844)
    for tab in PHONE_TABS:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{tab} scrolls sideways at phone width ({width}px)"
