"""The My plan tab: the guide's goals worksheet and mentorship team, kept in the browser."""

from __future__ import annotations

import gradio as gr

from coach.plan import worksheet as p
from coach.plan.present import gaps_markdown, team_markdown, to_markdown
from coach.web.render import download_js

PRIVATE = {"api_visibility": "private"}
AREA_CHOICES = [(label, key) for key, label in p.AREAS.items()]
# A constant, because the key only obfuscates localStorage (it is sent to the page anyway);
# a random one per process would make every plan unreadable after a server restart.
STORAGE_SECRET = "mentor-coach-plan-v1"
DOWNLOAD_JS = download_js("text/markdown;charset=utf-8", "mentorship-plan.md")


def plan_view(plan: p.Plan) -> tuple:
    """(team list, remove choices, gaps, markdown export) for the current plan."""
    names = [m.name for m in plan.team]
    return (team_markdown(plan), gr.update(choices=names, value=None), gaps_markdown(plan),
            to_markdown(plan))


def plan_state() -> gr.BrowserState:
    """The plan in the browser's local storage (create it outside the tabs: it must stay
    mounted while the student switches tabs)."""
    return gr.BrowserState(p.Plan().model_dump(), storage_key="mentor-coach-plan",
                           secret=STORAGE_SECRET)


def build_plan_tab(state: gr.BrowserState) -> None:
    """The My plan components and events over the browser-side plan state."""
    gr.Markdown("Your plan stays in this browser (local storage); nothing is saved on the "
                "server. The worksheet follows the guide's *Determining your goals* section: "
                + " ".join(f"({i}) {q}" for i, q in enumerate(p.WORKSHEET, 1)))
    with gr.Row():
        name = gr.Textbox(label="Your name", elem_id="plan-name", max_length=120)
        year = gr.Textbox(label="Year (e.g. MS1)", elem_id="plan-year", max_length=120)
        school = gr.Textbox(label="School", elem_id="plan-school", max_length=120)
    goals, helpers = [], []
    with gr.Accordion("Goals by area", open=True):
        for key, label in p.AREAS.items():
            with gr.Row(equal_height=True):
                goals.append(gr.Textbox(label=f"{label}: your goal", elem_id=f"goal-{key}",
                                        max_length=600, scale=3,
                                        placeholder="Concrete and measurable, if you can"))
                helpers.append(gr.Dropdown(list(p.HELPERS), multiselect=True, scale=2,
                                           label=f"{label}: who could help",
                                           elem_id=f"helpers-{key}"))
    with gr.Accordion("Mentorship team", open=True):
        team = gr.Markdown(team_markdown(p.Plan()), elem_id="team-list")
        with gr.Row():
            member = gr.Textbox(label="Name", elem_id="member-name", max_length=120)
            role = gr.Dropdown(list(p.HELPERS), value=None, label="Role", allow_custom_value=True,
                               elem_id="member-role")
            areas = gr.Dropdown(AREA_CHOICES, multiselect=True, label="Helps with",
                                elem_id="member-areas")
        with gr.Row():
            add = gr.Button("Add to team", variant="primary", elem_id="add-member")
            who = gr.Dropdown([], value=None, label="Remove someone", elem_id="remove-name")
            remove = gr.Button("Remove", elem_id="remove-member")
    gr.Markdown("### Gaps in your team")
    gaps = gr.Markdown(gaps_markdown(p.Plan()), elem_id="plan-gaps")
    with gr.Accordion("Export", open=False):
        export = gr.Code(label="Your plan as Markdown", language="markdown", interactive=False,
                         elem_id="plan-markdown")
        download = gr.Button("Download plan (.md)", elem_id="plan-download")
    fields = [name, year, school, *goals, *helpers]
    views = [team, who, gaps, export]

    def form_values(plan: p.Plan) -> list:
        """The plan as the form's field values, in `fields` order."""
        by_area = {g.area: g for g in plan.goals}
        return [plan.name, plan.year, plan.school,
                *[by_area[k].goal if k in by_area else "" for k in p.AREAS],
                *[by_area[k].helpers if k in by_area else [] for k in p.AREAS]]

    def current(data: dict, values: tuple, blanks_from_storage: bool = False) -> p.Plan:
        """The form's profile and goals with the stored team. The form wins, except where a
        field is None (not mounted yet) or, with `blanks_from_storage`, empty."""
        stored = p.load_plan(data)
        merged = [old if new is None or (blanks_from_storage and not new) else new
                  for new, old in zip(values, form_values(stored), strict=True)]
        plan = p.Plan(name=merged[0] or "", year=merged[1] or "", school=merged[2] or "",
                      team=stored.team)
        count = len(p.AREAS)
        for i, key in enumerate(p.AREAS):
            plan = p.set_goal(plan, key, merged[3 + i] or "", merged[3 + count + i] or [])
        return p.Plan.model_validate(plan.model_dump())  # re-apply the length limits

    def load(data: dict, loaded_yet: bool, *values) -> tuple:
        """Fill the form from local storage once, keeping anything typed in the meantime."""
        if loaded_yet:
            return tuple(gr.skip() for _ in range(len(fields) + len(views) + 2))
        plan = current(data, values, blanks_from_storage=True)
        # Only fill what storage has and the student has not typed: blanking a field could
        # land after the student's first keystrokes.
        filled = [value if value and not typed else gr.skip()
                  for typed, value in zip(values, form_values(plan), strict=True)]
        return (*filled, *plan_view(plan), True, plan.model_dump())

    def save(data: dict, loaded_yet: bool, *values) -> tuple:
        if not loaded_yet:  # fields mounting before local storage is read must not wipe it
            return tuple(gr.skip() for _ in range(2 + len(views)))
        plan = current(data, values)
        return plan.model_dump(), True, *plan_view(plan)

    def add_to_team(data: dict, loaded_yet: bool, *values) -> tuple:
        *form, person, kind, helps = values
        plan = current(data, tuple(form), blanks_from_storage=not loaded_yet)
        try:
            plan = p.add_member(plan, person or "", kind or "", helps or [])
        except ValueError as exc:
            gr.Warning(str(exc))
            return plan.model_dump(), True, gr.update(), gr.update(), gr.update(), *plan_view(plan)
        return plan.model_dump(), True, "", None, [], *plan_view(plan)

    def remove_from_team(data: dict, loaded_yet: bool, *values) -> tuple:
        *form, person = values
        plan = p.remove_member(current(data, tuple(form), blanks_from_storage=not loaded_yet),
                               person or "")
        return plan.model_dump(), True, *plan_view(plan)

    # The browser reads local storage after the page's load event, then fires `change`; that
    # first change fills the form (keeping anything already typed). Until then nothing saves.
    loaded = gr.State(False)
    # One at a time, in order: each event writes the whole plan, so a late one must not win.
    # `change` (not `blur`: leaving the tab can blur a field while it unmounts, and reading the
    # form then gives blanks; not `input`: pasting or autofill may not fire it).
    serial = {"concurrency_limit": 1, "concurrency_id": "plan", "show_progress": "hidden",
              **PRIVATE}
    for field in fields:
        field.change(save, [state, loaded, *fields], [state, loaded, *views],
                     trigger_mode="always_last", **serial)
    add.click(add_to_team, [state, loaded, *fields, member, role, areas],
              [state, loaded, member, role, areas, *views], **serial)
    remove.click(remove_from_team, [state, loaded, *fields, who], [state, loaded, *views],
                 **serial)
    download.click(None, [export], None, js=DOWNLOAD_JS, **PRIVATE)
    state.change(load, [state, loaded, *fields], [*fields, *views, loaded, state], **serial)
