"""The Chapter tab: the students' questionnaire form and the board's matching review.

The app keeps no roster: an uploaded roster is read into this browser session's memory and its
uploaded copy deleted; exports are written to a fresh temporary folder per run.
"""

from __future__ import annotations

import hmac
import logging
import tempfile
from pathlib import Path

import gradio as gr

from coach.ask.answer import Coach
from coach.errors import CoachError
from coach.matching.assign import Constraints, MatchResult, match
from coach.matching.export import draft_all, write_outputs
from coach.matching.roster import Roster, StudentRow, load_roster, to_csv
from coach.matching.tree import family_tree
from coach.matching.weights import PARTS, Weights
from coach.web.logins import LoginThrottle, wait_message

log = logging.getLogger(__name__)
PRIVATE = {"api_visibility": "private"}
COLUMNS = ["mentor", "mentee", "score", "reasons"]
ROLES = [("Mentee: I'd like a mentor", "mentee"), ("Mentor: I'd like a mentee", "mentor"),
         ("Both", "both")]
PREFERENCE_CHOICES = ["same school", "shared background", "shared interests",
                      "same availability"]


def parse_pairs(text: str | None, label: str) -> list[tuple[str, str]]:
    """Lines of 'Mentor Name > Mentee Name'; a malformed line is a clear error."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        left, sep, right = line.partition(">")
        if not sep or not left.strip() or not right.strip():
            raise CoachError(f"{label}, line {number}: write it as \"Mentor Name > Mentee Name\".")
        pairs.append((" ".join(left.split()), " ".join(right.split())))
    return pairs


def pairs_table(result: MatchResult) -> list[list]:
    rows = sorted(result.pairs, key=lambda p: (p.mentee_year, -p.score))
    return [[f"{p.mentor} (MS{p.mentor_year})", f"{p.mentee} (MS{p.mentee_year})",
             round(p.score), "; ".join(p.reasons)] for p in rows]


def run_matching(roster: Roster, weights: Weights, fixed: str, forbidden: str, chapter: str,
                 embedder) -> tuple[MatchResult, list[str]]:
    """Match and write the exports; returns the result and the export file paths."""
    constraints = Constraints(fixed=parse_pairs(fixed, "Fixed pairs"),
                              forbidden=parse_pairs(forbidden, "Forbidden pairs"))
    result = match(roster.students, embedder, weights, constraints)
    intros = draft_all(result, roster, chapter.strip() or "AMWA chapter")
    out = write_outputs(Path(tempfile.mkdtemp(prefix="coach-match-")), result, roster, intros)
    files = [out.pairs_csv, out.tree_md, out.introductions_zip, out.reasons_md]
    return result, [str(f) for f in files + ([out.row_errors_csv] if out.row_errors_csv else [])]


def status_markdown(result: MatchResult, roster: Roster) -> str:
    chain = sum(p.kind == "chain" for p in result.pairs)
    read = len(roster.students) + len(roster.errors)
    lines = [f"Roster: {read} rows, held in this session's memory only (the uploaded file was "
             "deleted; upload it again to change it).", "",
             f"**{len(result.pairs)} pairs** ({chain} chain links to the class above, "
             f"{sum(p.fixed for p in result.pairs)} fixed) · {len(result.unmatched)} not paired "
             f"· {len(roster.errors)} rows kept aside"]
    lines += [f"- Kept aside: {e.message}" for e in roster.errors]
    lines += [f"- Not paired: {u.name} (MS{u.year}): {u.reason}" for u in result.unmatched]
    return "\n".join(lines)


def student_row_csv(name, email, year, role, school, matters, favourite, goals, interests,
                    background, availability, preferences, capacity) -> tuple[str, str]:
    """Validate the form and write the student's row as a one-line CSV; (path, message)."""
    from pydantic import ValidationError

    try:
        row = StudentRow.model_validate({
            "name": name, "email": email, "class_year": year, "role": role,
            "undergraduate_school": school, "what_matters": matters,
            "favourite_things": favourite, "goals": goals, "interests": interests,
            "background": background, "availability": availability,
            "preferences": preferences or [], "capacity": capacity or 1})
    except ValidationError as exc:
        raise CoachError("Please check: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors())) from None
    path = Path(tempfile.mkdtemp(prefix="coach-form-")) / "my-mentorship-answers.csv"
    path.write_text(to_csv([row]), encoding="utf-8")
    return str(path), ("Your answers are ready: download the CSV and send it to your chapter "
                       "board. Nothing was saved here.")


def build_chapter_tab(coach: Coach) -> None:
    """Two sub-tabs: the questionnaire (students) and matching (the board)."""
    with gr.Tabs():
        with gr.Tab("Questionnaire", elem_id="chapter-form-tab"):
            _questionnaire()
        with gr.Tab("Board: matching", elem_id="chapter-board-tab"):
            _board(coach)


def _questionnaire() -> None:
    gr.Markdown("The peer mentorship form (the guide's *Find your FAMWA*). Fill it in, download "
                "your answers and send the file to your chapter board: this app keeps nothing.")
    with gr.Row():
        name = gr.Textbox(label="Name", elem_id="form-name", max_length=120)
        email = gr.Textbox(label="School email", elem_id="form-email", max_length=120)
        year = gr.Dropdown(["MS1", "MS2", "MS3", "MS4"], value="MS1", label="Class",
                           elem_id="form-year")
        role = gr.Dropdown(ROLES, value="mentee", label="Role", elem_id="form-role")
    school = gr.Textbox(label="Where did you go to school (undergraduate)?", max_length=120)
    matters = gr.Textbox(label="What is important to you?", lines=2, max_length=1000,
                         elem_id="form-matters")
    favourite = gr.Textbox(label="Favourite things to do", lines=2, max_length=1000)
    goals = gr.Textbox(label="Your goals as a mentor or mentee", lines=2, max_length=1000)
    with gr.Row():
        interests = gr.Textbox(label="Interests / specialties (separate with ;)", max_length=500,
                               elem_id="form-interests")
        background = gr.Textbox(label="Background (optional, e.g. first-generation)",
                                max_length=300)
        availability = gr.Textbox(label="When are you free? (e.g. weekday evenings; sunday)",
                                  max_length=300)
    with gr.Row():
        preferences = gr.CheckboxGroup(PREFERENCE_CHOICES, label="I'd prefer a match with")
        capacity = gr.Number(value=1, minimum=0, maximum=10, precision=0,
                             label="Mentors: how many mentees can you take?")
    make = gr.Button("Download my answers (CSV)", variant="primary", elem_id="form-download")
    message = gr.Markdown(elem_id="form-message")
    file = gr.File(label="Your answers", elem_id="form-file", interactive=False)

    def submit(*values):
        from coach.safety import classify, crisis_reply

        # The form is a student's own words: crisis language gets support resources first.
        free_text = [v for v in values[4:11] if isinstance(v, str) and v.strip()]
        verdicts = (classify(v) for v in free_text)
        support = next((crisis_reply(v) + "\n\n" for v in verdicts if v.kind == "crisis"), "")
        try:
            path, text = student_row_csv(*values)
        except CoachError as exc:
            return gr.update(value=None), support + str(exc)
        return path, support + text

    make.click(submit, [name, email, year, role, school, matters, favourite, goals, interests,
                        background, availability, preferences, capacity], [file, message],
               **PRIVATE)


def _board(coach: Coach) -> None:
    settings = coach.settings
    password = settings.board_password.get_secret_value() if settings.board_password else None
    open_by_default = password is None
    unlocked = gr.State(open_by_default)
    roster_state = gr.State(None)
    with gr.Row(visible=not open_by_default, elem_id="board-lock") as lock_row:
        secret = gr.Textbox(label="Board password", type="password", elem_id="board-password")
        unlock = gr.Button("Unlock", elem_id="board-unlock")
    with gr.Column(visible=open_by_default, elem_id="board-panel") as panel:
        gr.Markdown("Upload the questionnaire export (CSV; columns as in the template). The "
                    "roster stays in this session's memory only. Pairs stay proposals until you "
                    "export them; nothing is emailed.")
        with gr.Row():
            upload = gr.File(label="Roster (CSV)", file_types=[".csv"], elem_id="board-roster")
            chapter = gr.Textbox(label="Chapter name (for the emails)", value="AMWA chapter",
                                 max_length=120, elem_id="board-chapter")
        defaults = Weights()
        with gr.Accordion("Weights", open=False):
            with gr.Row():
                sliders = [gr.Slider(0, 1, value=getattr(defaults, part), step=0.05, label=part,
                                     elem_id=f"weight-{part}") for part in PARTS]
        with gr.Row():
            fixed = gr.Textbox(label="Fixed pairs (one 'Mentor > Mentee' per line)", lines=3,
                               elem_id="board-fixed")
            forbidden = gr.Textbox(label="Forbidden pairs (one 'A > B' per line)", lines=3,
                                   elem_id="board-forbidden")
        with gr.Row():
            swap_a = gr.Textbox(label="Swap the mentors of mentee…", elem_id="swap-a")
            swap_b = gr.Textbox(label="…and mentee", elem_id="swap-b")
            swap = gr.Button("Swap and re-run", elem_id="board-swap")
        propose = gr.Button("Propose pairs", variant="primary", elem_id="board-propose")
        status = gr.Markdown(elem_id="board-status")
        table = gr.Dataframe(headers=COLUMNS, datatype=["str", "str", "number", "str"],
                             interactive=False, wrap=True, elem_id="board-pairs",
                             column_widths=["20%", "20%", "8%", "52%"])
        with gr.Accordion("Family tree", open=False):
            tree = gr.Markdown(elem_id="board-tree")
        exports = gr.File(label="Exports: pairs.csv, family-tree.md, introductions.zip, "
                          "reasons.md", file_count="multiple", interactive=False,
                          elem_id="board-exports")
    last = gr.State(None)

    throttle = LoginThrottle(free=settings.login_free_attempts)  # guessing: exponential backoff

    def do_unlock(given: str, request: gr.Request):
        host = getattr(getattr(request, "client", None), "host", None) or "unknown"
        wait = throttle.wait(host)
        if wait > 0:  # refused unread, so guessing gets slower and slower
            gr.Warning(wait_message(wait))
            return False, gr.update(), gr.update(), ""
        if password is not None and hmac.compare_digest(given or "", password):
            throttle.succeeded(host)
            return True, gr.update(visible=False), gr.update(visible=True), ""
        throttle.failed(host)
        gr.Warning("That is not the board password.")
        return False, gr.update(), gr.update(), ""

    unlock.click(do_unlock, [secret], [unlocked, lock_row, panel, secret], **PRIVATE)

    def propose_pairs(is_open, roster, path, chapter_name, fixed_text, forbidden_text, *weights):
        if not is_open:
            raise gr.Error("The board tools are locked.")
        try:
            if path and Path(path).exists():  # a new upload: read it, keep no copy on disk
                try:
                    roster = load_roster(path)
                finally:
                    Path(path).unlink(missing_ok=True)
            if roster is None or not roster.students:
                raise CoachError("Upload a roster CSV with at least one valid row first.")
            chosen = Weights(**{**Weights().model_dump(), **dict(zip(PARTS, weights, strict=True))})
            result, files = run_matching(roster, chosen, fixed_text, forbidden_text,
                                         chapter_name, coach.retriever.store.embeddings)
        except (CoachError, ValueError) as exc:
            raise gr.Error(str(exc).splitlines()[0]) from None
        return (status_markdown(result, roster), pairs_table(result), family_tree(result),
                files, result, roster, None)  # None clears the (deleted) upload

    inputs = [unlocked, roster_state, upload, chapter, fixed, forbidden, *sliders]
    outputs = [status, table, tree, exports, last, roster_state, upload]
    propose.click(propose_pairs, inputs, outputs, **PRIVATE)

    def swap_mentors(result, fixed_text, a, b):
        if result is None:
            raise gr.Error("Propose pairs first.")
        mentor_of = {p.mentee.lower(): p.mentor for p in result.pairs}
        a, b = " ".join((a or "").split()), " ".join((b or "").split())
        if a.lower() not in mentor_of or b.lower() not in mentor_of:
            raise gr.Error("Give the names of two paired mentees.")
        lines = [ln for ln in (fixed_text or "").splitlines() if ln.strip()
                 and ln.split(">")[-1].strip().lower() not in (a.lower(), b.lower())]
        lines += [f"{mentor_of[b.lower()]} > {a}", f"{mentor_of[a.lower()]} > {b}"]
        return "\n".join(lines)

    swap.click(swap_mentors, [last, fixed, swap_a, swap_b], [fixed], **PRIVATE).success(
        propose_pairs, inputs, outputs, **PRIVATE)
