"""The web app in headless Chromium: Ask, My plan, Email, Rehearse, XSS, labels, phone width.

Screenshots go to test-artifacts/; with COACH_WRITE_DOCS_SCREENSHOTS=1 one per tab also goes
to docs/ (docs/screenshot-<tab>.png).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
SLOW = int(os.environ.get("COACH_UI_TIMEOUT_MS", "180000"))  # answers are slow on busy CI
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"


def box(elem_id: str) -> str:
    """Gradio puts elem_id on the wrapper; the field inside is a textarea (or input)."""
    return f"#{elem_id} textarea, #{elem_id} input"


def shot(page, name: str, docs_name: str | None = None, scroll_js: str = "") -> None:
    """A full-page screenshot in test-artifacts/; with COACH_WRITE_DOCS_SCREENSHOTS=1 also a
    1100x1000 one in docs/ after running `scroll_js` (to frame what the tab is about)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if docs_name and os.environ.get("COACH_WRITE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        path = DOCS / f"screenshot-{docs_name}.png"
        size = page.viewport_size
        page.set_viewport_size({"width": 1100, "height": 1000})
        if scroll_js:
            page.evaluate(scroll_js)
        page.wait_for_timeout(400)
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
        assert path.stat().st_size < 500_000, f"{path} is over 500 KB"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(coach, tmp_path_factory):
    from coach.web.app import build_app, launch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        app = build_app(coach)
        _, url, _ = launch(app, port=free_port(), prevent_thread_lock=True, quiet=True)
    return app, url


@pytest.fixture(scope="module")
def guide_url(coach_instance, tmp_path_factory):
    app, url = serve(coach_instance, tmp_path_factory)
    yield url
    app.close()


@pytest.fixture(scope="module")
def llm_url(coach_instance, tmp_path_factory):
    """The app over a Coach whose LLM streams one answer slowly, then fails."""
    from coach.ask.answer import Coach
    from coach.testing import ScriptedChatModel

    words = ("Start with your goals, then look for different mentors for different things, "
             "as the guide suggests. ") * 3 + "STREAM-END"
    # 40 ms a chunk: long enough for the browser to paint partial answers
    fake = ScriptedChatModel(words, chunk_delay=0.04)
    coach = Coach(coach_instance.settings, coach_instance.retriever, llm=fake)
    app, url = serve(coach, tmp_path_factory)
    yield url
    app.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    home = tmp_path_factory.mktemp("chromium")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        mp.setenv("XDG_CACHE_HOME", str(home / "cache"))
        with sync_api.sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield instance
            instance.close()


@pytest.fixture
def open_app(browser):
    """open_app(url, width=1100) -> page in a fresh context; checks no request leaves the app."""
    contexts, requests = [], []

    def opener(url: str, width: int = 1100, height: int = 950):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      accept_downloads=True)
        contexts.append(context)
        context.set_default_timeout(SLOW)
        page = context.new_page()
        page.on("request", lambda request: requests.append((url, request.url)))
        page.goto(url)
        page.wait_for_selector(box("question"))
        page.wait_for_timeout(500)  # let the page's load events (local storage) settle
        return page

    yield opener
    for context in contexts:
        context.close()
    outside = [r for base, r in requests if not r.startswith((base, "blob:", "data:"))]
    assert not outside, f"the page contacted other hosts: {outside}"


def ask(page, question: str, count: int | None = None) -> None:
    """Type a question, press Enter, wait until a new answer is complete (and, when `count` is
    given, at least that many bot bubbles: an answer has 1 or 2, a redirect or crisis reply 1)."""
    before = page.locator('#chat [data-testid="bot"]').count()
    page.fill(box("question"), question)
    page.press(box("question"), "Enter")
    page.wait_for_function(
        """([before]) => { const bots = document.querySelectorAll('#chat [data-testid="bot"]');
                  return bots.length > before && bots[bots.length - 1].innerText.trim() !== '…'
                    && document.querySelector('#question textarea').value === ''; }""",
        arg=[before])
    page.wait_for_timeout(300)  # a sources bubble follows its answer


def add_member(page, name: str, area: str) -> None:
    page.fill(box("member-name"), name)
    page.locator("#member-areas input").click()
    page.keyboard.type(area)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.click("#add-member")
    page.wait_for_function("n => document.querySelector('#team-list').innerText.includes(n)",
                           arg=name)


def assert_inert(page, *texts: str) -> None:
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    body = page.inner_text("body")
    for text in texts:
        assert text in body, f"literal text not visible: {text}"


def test_ask_streams_an_answer_with_sources_then_shows_the_fallback_notice(llm_url, open_app):
    page = open_app(llm_url)
    assert "LLM:" in page.inner_text("#header")
    page.evaluate("""() => { window.__lengths = [];
        new MutationObserver(() => { const bots = document.querySelectorAll(
            '#chat [data-testid="bot"]'); if (bots.length) window.__lengths.push(
            bots[0].innerText.length); }).observe(document.querySelector('#chat'),
            {subtree: true, childList: true, characterData: true}); }""")
    page.fill(box("question"), "How many mentors should I have?")
    page.press(box("question"), "Enter")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('STREAM-END')")
    partial = {n for n in page.evaluate("window.__lengths") if n > 5}
    assert len(partial) >= 3, f"answer was not streamed: {sorted(partial)}"
    sources = page.get_by_text("Sources from the guide").first
    sources.wait_for()
    sources.click()
    page.wait_for_selector("#chat blockquote")
    assert page.inner_text("#chat blockquote").strip()
    shot(page, "ask-streamed")
    ask(page, "And what about peers?", 3)  # the fake LLM has nothing left: guide engine answers
    page.wait_for_function("document.querySelector('#notice').innerText.includes('guide engine')")
    assert "From the guide" in page.inner_text("#chat")


def test_ask_crisis_clear_xss_and_labels(guide_url, open_app):
    page = open_app(guide_url)
    assert "Guide engine" in page.inner_text("#header")
    assert "988" in page.inner_text("#footer") and "911" in page.inner_text("#footer")
    ask(page, "How do I find a research mentor?", 1)
    page.get_by_text("Sources from the guide").first.click()
    page.wait_for_selector("#chat blockquote")
    shot(page, "ask", docs_name="ask", scroll_js="""() => {
        document.querySelector('#chat [data-testid="user"]').scrollIntoView({block: 'start'});
        window.scrollTo(0, 0); }""")
    ask(page, f"What about peers? {XSS_IMG} {XSS_SCRIPT}", 3)  # answers have 2 bubbles each
    assert_inert(page, XSS_IMG, XSS_SCRIPT)
    ask(page, "I want to kill myself", 5)
    banner = page.locator("#crisis-banner")
    banner.wait_for()
    assert "988" in banner.inner_text() and "911" in banner.inner_text()
    shot(page, "ask-crisis")
    page.click("#clear-btn")
    page.wait_for_function("!document.querySelector('#chat [data-testid=\"bot\"]')")
    assert not page.locator("#crisis-banner").is_visible()
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'textarea, input:not([type=hidden]):not([type=file]), select')].filter(el => {
          const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
            || el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
          return !named; }).map(el => el.outerHTML.slice(0, 120))""")
    assert unlabelled == []


def test_plan_gaps_team_persistence_export_and_xss(guide_url, open_app):
    page = open_app(guide_url)
    page.get_by_role("tab", name="My plan").click()
    for elem_id, value in [("plan-name", "Ana Lopez"), ("plan-year", "MS2"),
                           ("plan-school", "State University School of Medicine"),
                           ("goal-research", "Join a cardiology research project this year"),
                           ("goal-balance", "Exercise three times a week")]:
        page.fill(box(elem_id), value)
    page.wait_for_function("document.querySelector('#plan-gaps').innerText.includes('Balance')")
    gaps = page.inner_text("#plan-gaps")
    assert "2 goal(s) with nobody" in gaps and "Create a mentorship team" in gaps
    add_member(page, "Dr. Lee", "Research")
    page.wait_for_function("document.querySelector('#plan-gaps').innerText.includes('1 goal(s)')")
    shot(page, "plan", docs_name="plan", scroll_js="""() => document.querySelector(
        '#goal-balance').scrollIntoView({block: 'start'})""")
    page.fill(box("goal-research"), f"Publish a paper {XSS_IMG}")
    add_member(page, f"Sam {XSS_SCRIPT}", "Balance")
    page.wait_for_function("document.querySelector('#plan-gaps').innerText.includes('No gaps')")
    assert_inert(page, XSS_SCRIPT)  # in the team list (the goal's markup stays in its field)
    with page.expect_download() as download:
        page.get_by_text("Export", exact=True).click()
        page.click("#plan-download")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Exercise three times a week" in text and "Dr. Lee" in text
    assert "Publish a paper &lt;img" in text and "<img" not in text and "<script" not in text
    page.reload()
    page.wait_for_selector(box("question"))
    page.get_by_role("tab", name="My plan").click()
    page.wait_for_function("document.querySelector('#team-list').innerText.includes('Dr. Lee')")
    assert page.input_value(box("goal-balance")) == "Exercise three times a week"
    page.get_by_role("tab", name="Email").click()  # the Email form prefills from the plan
    page.wait_for_function("document.querySelector('#email-goals textarea').value !== ''")
    assert "Exercise three times a week" in page.input_value(box("email-goals"))
    assert_inert(page)


def test_email_draft_checks_recheck_exports_and_pasted_draft(guide_url, open_app):
    page = open_app(guide_url)
    page.get_by_role("tab", name="Email").click()
    for elem_id, value in [("email-name", "Ana Lopez"), ("email-year", "MS2"),
                           ("email-school", "State University School of Medicine"),
                           ("email-from", "ana@example.edu"),
                           ("email-goals", "choosing a specialty\nbetter clinical skills"),
                           ("mentor-name", "Dr. Priya Raman"), ("mentor-field", "cardiology"),
                           ("mentor-focus", "heart failure outcomes"),
                           ("email-times", "Tuesday at 3 pm\nThursday at noon")]:
        page.fill(box(elem_id), value)
    page.click("#email-draft")
    page.wait_for_function("document.querySelector('#email-checks').innerText.includes('pass')")
    assert "Dear Dr. Raman," in page.input_value(box("email-body"))
    assert page.input_value(box("email-subject"))
    assert "Tip:" not in page.inner_text("#email-checks")  # every check passes
    shot(page, "email", docs_name="email", scroll_js="""() => document.querySelector(
        '#email-draft').scrollIntoView({block: 'start'})""")
    page.fill(box("email-name"), f"Ana {XSS_IMG}")
    page.click("#email-draft")
    page.wait_for_function("document.querySelector('#email-checks').innerText.includes('Tip:')")
    checks = page.inner_text("#email-checks")
    assert "✓ Greeting by name" in checks and "✓ Only true facts" in checks
    assert "<img" in checks  # the checker quotes the markup in the name, as text
    assert_inert(page)
    body = page.input_value(box("email-body")).replace("Dear Dr. Raman,", "Hey,")
    page.fill(box("email-body"), body)
    page.click("#email-recheck")
    page.wait_for_function(
        "document.querySelector('#email-checks').innerText.includes('Missing: Greeting')")
    href = page.locator("#email-mailto a").get_attribute("href")
    assert href.startswith("mailto:") and "Hey%2C" in href
    with page.expect_download() as download:
        page.click("#email-download")
    eml = Path(download.value.path()).read_bytes()
    assert b"Subject:" in eml and download.value.suggested_filename.endswith(".eml")
    page.get_by_text("Check a draft you wrote yourself").click()
    page.fill(box("paste-draft"), f"hey can u mentor me {XSS_SCRIPT}")
    page.click("#paste-check")
    page.wait_for_function("document.querySelector('#paste-checks').innerText.includes('Tip:')")
    assert_inert(page, XSS_SCRIPT)


def test_rehearse_two_turns_then_get_a_scorecard(guide_url, open_app):
    page = open_app(guide_url)
    page.get_by_role("tab", name="Rehearse").click()
    page.wait_for_selector('#rehearse-chat [data-testid="bot"]')
    lines = ["Hi Dr. Osei, my name is Ana, a second-year student at State. I admire your work "
             "as clerkship director.",
             "My goal is choosing a specialty. Would you be willing to be my mentor, maybe once "
             "a month? Thank you so much."]
    for number, line in enumerate(lines, start=1):
        page.fill(box("rehearse-input"), line)
        page.press(box("rehearse-input"), "Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('#rehearse-chat [data-testid=\"bot\"]').length > n",
            arg=number)
    page.click("#rehearse-feedback")
    page.wait_for_function("document.querySelector('#scorecard').innerText.includes('Score')")
    card = page.text_content("#scorecard")  # includes the folded "Also for next time" part
    assert "Introduced yourself" in card and "Asked directly" in card and "Tip:" in card
    shot(page, "rehearse", docs_name="rehearse", scroll_js="""() => document.querySelector(
        '#rehearse-chat').scrollIntoView({block: 'start'})""")
    page.fill(box("rehearse-input"), f"I'm flexible {XSS_IMG} {XSS_SCRIPT}")
    page.press(box("rehearse-input"), "Enter")
    page.wait_for_function(
        "document.querySelectorAll('#rehearse-chat [data-testid=\"bot\"]').length > 3")
    assert_inert(page, XSS_IMG, XSS_SCRIPT)


def test_every_tab_fits_a_phone_screen(guide_url, open_app):
    page = open_app(guide_url, width=390, height=844)
    for tab in ("Ask", "My plan", "Email", "Rehearse"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{tab} scrolls sideways at phone width ({width}px)"
        shot(page, f"phone-{tab.lower().replace(' ', '-')}")
