"""The outreach tracker (a section of My plan): who the student contacted, follow-ups due,
drafts and .ics, all kept in the browser (gr.BrowserState); the server only computes."""

from __future__ import annotations

from datetime import date

import gradio as gr

from coach.ask.answer import Coach
from coach.errors import CoachError
from coach.markdown import md_text, unbold
from coach.tracker import edit
from coach.tracker.models import STATUSES, Tracker, parse_tracker
from coach.web.storage import browser_state, download_js

PRIVATE = {"api_visibility": "private"}
ASK_CHOICES = [("Faculty mentor", "faculty"), ("Research mentor", "research"),
               ("Peer mentor", "peer"), ("Resident", "resident")]
KIND_CHOICES = [("Based on their status", ""), ("Follow-up", "follow_up"),
                ("Thank-you", "thank_you")]
ICON = {"follow_up": "📨", "thank_you": "🙏", "prepare": "🗓️", "send": "✉️"}
EMAIL_KINDS = {"faculty": "faculty", "research": "research", "peer": "peer"}


def tracker_state(coach: Coach) -> gr.BrowserState:
    """The tracker in local storage (create it outside the tabs so it stays mounted)."""
    return browser_state(coach.settings, "tracker", Tracker().model_dump(mode="json"))


def load(data: object) -> Tracker:
    """The stored tracker; anything unreadable starts empty rather than failing the tab."""
    try:
        return parse_tracker(data, source="Stored tracker")
    except CoachError:
        return Tracker()


def steps_markdown(tracker: Tracker, today: date) -> str:
    """Each person's next step, follow-ups due first, with the guide's advice when useful."""
    from coach.tracker.reminders import reminders

    if not tracker.entries:
        return ("*No one in your tracker yet.* Add the people you plan to contact or have "
                "written to; the tracker tells you when to follow up.")
    lines = []
    for item in reminders(tracker, today):
        flag = "**Due now** · " if item.is_due else ""
        when = f" (due {item.due:%b %d})" if item.due and not item.is_due else ""
        lines.append(f"- {ICON[item.action]} {flag}**{md_text(item.name)}** — {item.status}"
                     f"{when}: {md_text(item.next_step)}")
        if item.status in ("said no", "no reply") or (item.is_due and item.action == "follow_up"):
            lines.append(f"  > *From the guide:* {md_text(item.guide)}")
    return "\n".join(lines)


def view(tracker: Tracker, selected: str | None = None) -> tuple:
    """(next-steps Markdown, person dropdown update, .ics text) for the tracker."""
    from coach.tracker.calendar import to_ics

    today = date.today()
    names = [e.name for e in tracker.entries]
    person = gr.update(choices=names, value=selected) if selected else gr.update(choices=names)
    return steps_markdown(tracker, today), person, to_ics(tracker, today).decode("utf-8")


def build_tracker_tab(coach: Coach, state: gr.BrowserState, plan_state: gr.BrowserState) -> None:
    """The tracker's components and events (call inside a tab or accordion)."""
    from coach.web.api import chat_model

    gr.Markdown("Keep track of who you contacted and when to follow up. The guide: *be "
                "organized and persistent… reach out multiple times if you don't hear "
                "anything.* Your tracker stays in this browser; nothing is saved on the server. "
                "Fields marked * are required.")
    steps = gr.Markdown(steps_markdown(Tracker(), date.today()), elem_id="tracker-steps")
    person = gr.Dropdown([], value=None, label="Person (choose to edit or draft)",
                         elem_id="tracker-person", allow_custom_value=False)
    with gr.Accordion("Add or update a person", open=True):
        with gr.Row():
            name = gr.Textbox(label="Name *", elem_id="tracker-name", max_length=200)
            role = gr.Textbox(label="Role or title", elem_id="tracker-role", max_length=200)
        with gr.Row():
            ask = gr.Dropdown(ASK_CHOICES, value="faculty", label="Kind of ask",
                              elem_id="tracker-ask")
            status = gr.Dropdown(list(STATUSES), value="planned", label="Status",
                                 elem_id="tracker-status")
            sent = gr.Textbox(label="Date sent (YYYY-MM-DD)", elem_id="tracker-sent",
                              max_length=10, placeholder="today if empty and sent")
        with gr.Row():
            field = gr.Textbox(label="Their field", elem_id="tracker-field", max_length=200)
            focus = gr.Textbox(label="Their work you admire", elem_id="tracker-focus",
                               max_length=200)
        next_step = gr.Textbox(label="Next step (optional; the tracker suggests one)",
                               elem_id="tracker-next", max_length=200)
        with gr.Row():
            save = gr.Button("Save person", variant="primary", elem_id="tracker-save")
            remove = gr.Button("Remove person", elem_id="tracker-remove")
    with gr.Accordion("Draft a follow-up or thank-you", open=True):
        kind = gr.Dropdown(KIND_CHOICES, value="", label="Kind of email", elem_id="tracker-kind")
        with gr.Row():
            draft = gr.Button("Draft email", variant="primary", elem_id="tracker-draft")
            mark = gr.Button("I sent a follow-up today", elem_id="tracker-mark")
        subject = gr.Textbox(label="Subject", elem_id="tracker-subject", buttons=["copy"])
        body = gr.Textbox(label="Email body (edit freely)", lines=10, max_lines=30,
                          elem_id="tracker-body", buttons=["copy"])
    with gr.Accordion("Your details (to sign drafts)", open=False):
        with gr.Row():
            you = gr.Textbox(label="Your name *", elem_id="tracker-you", max_length=200)
            year = gr.Textbox(label="Year *", elem_id="tracker-year", max_length=200)
            school = gr.Textbox(label="School *", elem_id="tracker-school", max_length=200)
        email = gr.Textbox(label="Your email *", elem_id="tracker-email", max_length=200)
        goals = gr.Textbox(label="Your goals * (one per line)", lines=2, elem_id="tracker-goals")
        times = gr.Textbox(label="Times you are free (one per line; needed for follow-ups)",
                           lines=2, elem_id="tracker-times")
        prefill = gr.Button("Fill from My plan", elem_id="tracker-prefill")
    with gr.Accordion("Reminders and settings", open=False):
        days = gr.Slider(3, 21, value=8, step=1, label="Follow up after (days without reply)",
                         elem_id="tracker-days")
        ics_button = gr.Button("Download reminders (.ics calendar)", elem_id="tracker-ics")
    ics = gr.Textbox(visible=False, elem_id="tracker-ics-text")
    form = [name, role, ask, status, sent, field, focus, next_step]
    details = [you, year, school, email, goals, times]

    def with_details(data: object, *values) -> Tracker:
        tracker = load(data)
        *profile, follow = values
        keys = ["name", "year", "school", "email", "goals", "times"]
        student = dict(zip(keys, profile, strict=True))
        return parse_tracker({**tracker.model_dump(mode="json"), "student": student,
                              "follow_up_days": int(follow or 8)}, source="Your details")

    def refresh(data: object, loaded_yet: bool, *typed) -> tuple:
        """Show the stored tracker; fill the details form once from storage (later it would
        race the student's typing), keeping anything already typed."""
        tracker = load(data)
        if loaded_yet:
            return *view(tracker), *(gr.skip() for _ in typed), True
        s = tracker.student
        stored = [s.name, s.year, s.school, s.email, "\n".join(s.goals), "\n".join(s.times),
                  tracker.follow_up_days]
        filled = [value if value and not now else gr.skip()
                  for now, value in zip(typed[:-1], stored[:-1], strict=True)]
        filled.append(tracker.follow_up_days)  # a slider always has a value: storage wins
        return *view(tracker), *filled, True

    def save_person(data, n, r, a, st, d, f, fo, nx) -> tuple:
        tracker = load(data)
        when = (d or "").strip() or (date.today().isoformat() if st != "planned" else None)
        entry = {"name": n, "role": r, "ask": a, "status": st, "date_sent": when, "field": f,
                 "focus": fo, "next_step": nx}
        try:
            known = tracker.find(n)
            entry = {**known.model_dump(mode="json"), **entry}
        except CoachError:
            pass
        try:
            tracker = edit.upsert(tracker, entry)
        except CoachError as exc:
            gr.Warning(str(exc).replace("New entry: Entry 1 → ", ""))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return tracker.model_dump(mode="json"), *view(tracker, tracker.find(n).name)

    def remove_person(data, who) -> tuple:
        try:
            tracker = edit.remove(load(data), who or "")
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return tracker.model_dump(mode="json"), *view(tracker)

    def pick(data, who) -> tuple:
        try:
            e = load(data).find(who or "")
        except CoachError:
            return tuple(gr.skip() for _ in form)
        return (e.name, e.role, e.ask, e.status, e.date_sent.isoformat() if e.date_sent else "",
                e.field, e.focus, e.next_step)

    def make_draft(data, who, which, *values) -> tuple:
        from coach.tracker.drafts import draft_for

        try:
            tracker = with_details(data, *values)
            if not who:
                raise CoachError("Choose a person first (the Person list above).")
            result = draft_for(tracker, who, which or None, date.today(),
                               llm=chat_model(coach))
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip()
        if result.care:  # the safety gate was unsure about the notes: the resources, kept open
            gr.Warning(unbold(result.care), duration=None)
        return tracker.model_dump(mode="json"), result.subject, result.body

    def mark_sent(data, who) -> tuple:
        try:
            tracker = edit.record_follow_up(load(data), who or "", date.today())
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return tracker.model_dump(mode="json"), *view(tracker)

    def save_details(data, *values) -> object:
        try:
            return with_details(data, *values).model_dump(mode="json")
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip()

    def from_plan(plan_data: dict) -> tuple:
        from coach.plan import worksheet as p

        plan = p.load_plan(plan_data)
        goals_text = "\n".join(g.goal[:200] for g in plan.goals if g.goal.strip())
        return tuple(v or gr.skip() for v in (plan.name, plan.year, plan.school, goals_text))

    serial = {"concurrency_limit": 1, "concurrency_id": "tracker", **PRIVATE}
    shown = [steps, person, ics]
    loaded = gr.State(False)
    state.change(refresh, [state, loaded, *details, days], [*shown, *details, days, loaded],
                 **serial)
    save.click(save_person, [state, *form], [state, *shown], **serial)
    remove.click(remove_person, [state, person], [state, *shown], **serial)
    person.input(pick, [state, person], form, **serial)
    draft.click(make_draft, [state, person, kind, *details, days], [state, subject, body],
                **serial)
    mark.click(mark_sent, [state, person], [state, *shown], **serial)
    for box in details:
        box.blur(save_details, [state, *details, days], [state], **serial)
    days.release(save_details, [state, *details, days], [state], **serial)
    prefill.click(from_plan, [plan_state], [you, year, school, goals], **PRIVATE)
    ics_button.click(None, [ics], None, js=download_js("mentorship-reminders.ics",
                                                       "text/calendar"), **PRIVATE)


def offer_from_email(state: gr.BrowserState, kind, mentor, title, field, focus) -> None:
    """On the Email tab: add the person being written to the tracker (sent today, or planned)."""
    with gr.Row(equal_height=True):
        sent_yet = gr.Radio([("I have sent it", "sent"), ("I plan to send it", "planned")],
                            value="sent", label="Keep track of this email",
                            elem_id="email-track-status")
        add = gr.Button("Add to my outreach tracker", elem_id="email-track")

    def add_from_email(data, which, n, t, f, fo, st) -> object:
        tracker = load(data)
        entry = {"name": n, "role": t, "ask": EMAIL_KINDS.get(which, "faculty"), "field": f,
                 "focus": fo, "status": st,
                 "date_sent": date.today().isoformat() if st == "sent" else None}
        try:
            entry = {**tracker.find(n).model_dump(mode="json"), **entry}
        except CoachError:
            pass
        try:
            tracker = edit.upsert(tracker, entry)
        except CoachError:
            gr.Warning("Fill in the Mentor's name first.")
            return gr.skip()
        gr.Info(f"Added {tracker.find(n).name} to your outreach tracker (on My plan).")
        return tracker.model_dump(mode="json")

    add.click(add_from_email, [state, kind, mentor, title, field, focus, sent_yet],
              [state], concurrency_limit=1, concurrency_id="tracker", **PRIVATE)
