"""The Chapter tab in headless Chromium: board password, roster upload, proposed pairs with
scores and reasons, forbid / swap and re-run, exports; and the students' questionnaire form.

With COACH_WRITE_DOCS_SCREENSHOTS=1 the board view also goes to docs/screenshot-chapter.png.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from pydantic import SecretStr
from test_ui_browser import box, browser, free_port, open_app, shot  # noqa: F401 - fixtures

from benchmarks.synthetic_roster import synthetic_roster
from coach.matching.roster import parse_roster

pytestmark = pytest.mark.browser
PASSWORD = "board-secret-17"


@pytest.fixture(scope="module")
def served(coach_instance, tmp_path_factory):
    """(url, Gradio temp dir): the app with a board password."""
    from coach.ask.answer import Coach
    from coach.web.app import build_app, launch

    settings = coach_instance.settings.model_copy(update={"board_password": SecretStr(PASSWORD)})
    temp = tmp_path_factory.mktemp("gradio-chapter")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(temp))
        app = build_app(Coach(settings, coach_instance.retriever, llm=None))
        _, url, _ = launch(app, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url, temp
    app.close()


@pytest.fixture
def chapter_url(served, monkeypatch):
    # Gradio checks uploads against GRADIO_TEMP_DIR when the event runs: keep the server's.
    url, temp = served
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(temp))
    return url


@pytest.fixture
def roster(tmp_path):
    data = synthetic_roster(pairs=6, upper=2, upper_capacity=3, seed=3)
    path = tmp_path / "responses.csv"
    path.write_text(data.csv_text() + "Row With Typo,,MS11,mentee" + "," * 10 + "\n",
                    encoding="utf-8")
    return data, path


def export_href(page) -> str:
    return page.get_attribute('#board-exports a[download="pairs.csv"]', "href")


def download(page, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'#board-exports a[download="{link_text}"]').click()
    return Path(info.value.path()).read_bytes()


def pairs_made(page) -> dict[tuple[str, str], bool]:
    """(mentor, mentee) -> fixed, from the exported pairs.csv."""
    rows = csv.DictReader(io.StringIO(download(page, "pairs.csv").decode("utf-8")))
    return {(r["mentor"], r["mentee"]): r["fixed"] == "yes" for r in rows}


def test_board_reviews_forbids_swaps_and_exports(chapter_url, open_app, roster):  # noqa: F811
    data, path = roster
    page = open_app(chapter_url)
    page.goto(chapter_url.rstrip("/") + "/chapter")  # the board's tools are a page of their own
    page.get_by_role("tab", name="Board: matching").wait_for()
    page.get_by_role("tab", name="Board: matching").click()
    assert not page.locator("#board-panel").is_visible()
    page.fill(box("board-password"), "wrong")
    page.click("#board-unlock")
    page.wait_for_selector("text=not the board password")
    assert not page.locator("#board-panel").is_visible()
    page.fill(box("board-password"), PASSWORD)
    page.click("#board-unlock")
    page.wait_for_selector("#board-panel", state="visible")

    page.locator("#board-roster input[type=file]").set_input_files(str(path))
    page.wait_for_selector("#board-roster :text('responses.csv')")
    page.click("#board-propose")
    page.wait_for_selector("#board-status :text('12 pairs')")
    status = page.inner_text("#board-status")
    assert "6 chain links" in status and "Kept aside: Row 16 (Row With Typo)" in status
    assert page.get_attribute("#board-pairs [role=grid]", "aria-rowcount") == "13"  # + header
    table = page.inner_text("#board-pairs")
    assert "(MS1)" in table and "(MS2)" in table and "both interested in" in table
    mentor, mentee = data.planted[0]
    assert (mentor, mentee) in pairs_made(page)  # a planted pair is proposed

    page.fill(box("board-forbidden"), f"{mentor} > {mentee}")
    before = export_href(page)
    page.click("#board-propose")
    page.wait_for_function(f"() => !document.querySelector('#board-exports a[href=\"{before}\"]')")
    assert (mentor, mentee) not in pairs_made(page)
    first, second = data.planted[1][1], data.planted[2][1]
    page.fill(box("swap-a"), first)
    page.fill(box("swap-b"), second)
    page.click("#board-swap")
    page.wait_for_selector("#board-status :text('2 fixed')")
    fixed = page.input_value("#board-fixed textarea")
    assert fixed.splitlines() == [f"{data.planted[2][0]} > {first}",
                                  f"{data.planted[1][0]} > {second}"]
    page.evaluate("document.querySelectorAll('[data-testid=toast-body], .toast-wrap')"
                  ".forEach(e => e.remove())")  # the wrong-password warning, for the picture
    shot(page, "chapter", docs_name="chapter", scroll_js="""() => document.querySelector(
        '#board-status').scrollIntoView({block: 'start'})""")

    made = pairs_made(page)
    assert len(made) == 12 and (mentor, mentee) not in made
    assert {pair for pair, fixed in made.items() if fixed} == {
        (data.planted[2][0], first), (data.planted[1][0], second)}
    with zipfile.ZipFile(io.BytesIO(download(page, "introductions.zip"))) as archive:
        assert len(archive.namelist()) == 12
    assert download(page, "family-tree.md").decode("utf-8").startswith("# Mentorship family tree")


def test_questionnaire_downloads_one_valid_row(chapter_url, open_app):  # noqa: F811
    page = open_app(chapter_url)
    page.goto(chapter_url.rstrip("/") + "/chapter")  # the board's tools are a page of their own
    page.get_by_role("tab", name="Board: matching").wait_for()
    page.click("#form-download")
    page.wait_for_selector("#form-message :text('Please check')")
    assert "name" in page.inner_text("#form-message")
    page.fill(box("form-name"), "Ana <b>Ruiz</b>")
    page.fill(box("form-email"), "ana@example.edu")
    page.fill(box("form-matters"), "Family and faith")
    page.fill(box("form-interests"), "Pediatrics; global health")
    page.click("#form-download")
    page.wait_for_selector("#form-message :text('Nothing was saved')")
    with page.expect_download() as info:
        page.locator("#form-file a").first.click()
    parsed = parse_roster(Path(info.value.path()).read_text(encoding="utf-8"))
    assert not parsed.errors
    (student,) = parsed.students
    assert (student.name, student.class_year, student.role) == ("Ana <b>Ruiz</b>", 1, "mentee")
    assert student.interests == ["pediatrics", "global health"]
    assert page.evaluate("document.querySelectorAll('#form-message b').length") == 0
    page.fill(box("form-matters"), "Honestly I want to kill myself this semester")
    page.click("#form-download")
    page.wait_for_selector("#form-message :text('988')")
    assert "911" in page.inner_text("#form-message")
