"""The Email and Rehearse tabs: thin forms over coach.email.drafting and coach.rehearsal.session."""

from __future__ import annotations

import gradio as gr

from coach.ask.answer import Coach
from coach.ask.present import crisis_banner, safe_markdown
from coach.errors import CoachError
from coach.plan import worksheet as p
from coach.web.api import chat_model
from coach.web.render import download_js, notice_line, user_text
from coach.web.storage import form_labels

PRIVATE = {"api_visibility": "private"}
KIND_CHOICES = [("Faculty mentor: meeting request", "faculty"), ("Research mentor", "research"),
                ("Peer mentor", "peer"), ("Follow-up", "follow_up"),
                ("Thank-you note", "thank_you")]
EML_JS = download_js("message/rfc822", "mentorship-email.eml")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def request_data(kind, name, year, school, email, goals, role, background, mentor, title, field,
                 focus, times, context, chosen=None) -> dict:
    """The outreach request mapping (coach.email.request.parse_request validates it)."""
    student = {"name": name, "year": year, "school": school, "email": email,
               "goals": _lines(goals), "role": role or None, "background": background or None}
    about_mentor = {"name": mentor, "field": field, "focus": focus, "title": title or None}
    data = {"kind": kind, "student": {k: v for k, v in student.items() if v is not None},
            "mentor": {k: v for k, v in about_mentor.items() if v is not None},
            "times": _lines(times)}
    if context:
        data["context"] = context
    picked = [int(c.split(".")[0]) for c in chosen or [] if str(c).split(".")[0].isdigit()]
    if picked:
        data["chosen_goals"] = picked
    return data


def crisis_update(text: str | None) -> dict:
    if not text:
        return gr.update(visible=False)
    return gr.update(visible=True, value=crisis_banner(text))


def exports(subject: str, body: str, request: dict | None, to: str) -> tuple[str, str]:
    """(mailto Markdown link, .eml text) for the current, possibly edited, draft."""
    from coach.email.drafting import Draft
    from coach.email.export import mailto_link, to_eml
    from coach.email.request import parse_request

    draft = Draft(subject=subject or "", body=body or "", checks=[])
    from coach.email.addresses import is_valid_address

    address = to.strip() if to and is_valid_address(to.strip()) else None
    try:
        req = parse_request(request) if request else None
    except CoachError:
        req = None
    eml = to_eml(draft, req, address).decode("utf-8", errors="replace")
    return f"[Open in your email app]({mailto_link(draft, address)})", eml


def draft_outputs(coach: Coach, *values) -> tuple:
    """The Draft button: form values + 'to' address -> the eight outputs; never raises on bad
    input (a bad address or field becomes a 'Cannot draft yet' message)."""
    from coach.email.drafting import SafetyStop, draft_email
    from coach.email.present import draft_markdown
    from coach.email.request import parse_request

    *fields, address = values
    data = request_data(*fields)
    try:
        result = draft_email(parse_request(data), llm=chat_model(coach))
    except SafetyStop as stop:  # support replaces the draft, in the banner above it
        banner = crisis_update(str(stop)) if stop.kind != "mistreatment" else gr.update(
            visible=True, value=safe_markdown(str(stop)))  # as in the ask tab: no crisis title
        return (gr.update(), gr.update(), "", "", "", None, banner, gr.update())
    except CoachError as exc:
        message = form_labels(str(exc))  # "student.email" -> "Your email"
        gr.Warning(message)
        return (gr.update(), gr.update(), f"**Cannot draft yet:** {safe_markdown(message)}", "",
                "", None, crisis_update(None), gr.update())
    link, text = exports(result.subject, result.body, data, address)
    checks = draft_markdown(result, with_text=False)
    return (result.subject, result.body, checks, link, text, data, crisis_update(None),
            notice_line(result.notice))


PREFILLED = ("mentor_name", "field", "context")  # the Email tab's boxes a handoff may fill


def handoff_kind(turns: list[dict] | None, seen: int = 0) -> tuple:
    """The Email tab after a new Ask answer that hands a write request over (one turn more than
    `seen`: a restored, undone or cleared chat changes nothing): its kind of email and the
    mentor's name, field and context the question gave (coach/email/prefill.py); then the
    number of turns now seen."""
    turns = turns or []
    same = (gr.update(),) * (1 + len(PREFILLED))
    if len(turns) != seen + 1:
        return (*same, len(turns))
    handoff = (turns[-1].get("answer") or {}).get("handoff") or {}
    if handoff.get("kind") not in {k for _, k in KIND_CHOICES}:
        return (*same, len(turns))
    given = handoff.get("prefill") or {}
    boxes = tuple(gr.update(value=given[k]) if isinstance(given.get(k), str) and given[k]
                  else gr.update() for k in PREFILLED)
    return (gr.update(value=handoff["kind"]), *boxes, len(turns))


def build_email_tab(coach: Coach, tab: gr.Tab, plan_state: gr.BrowserState,
                    notice: gr.Markdown, tracker_state: gr.BrowserState | None = None,
                    ask_turns: gr.State | None = None) -> None:
    """The outreach-email form, the editable draft, its checklist and exports; `ask_turns` (the
    Ask tab's conversation) sets the kind of email when an answer hands a write request over."""
    from coach.email.check import MAX_DRAFT_CHARS, check_email
    from coach.email.present import checklist_markdown
    from coach.email.request import parse_request

    gr.Markdown("Fill in what you know; the draft states only these facts. Name, year, school "
                "and goals come from **My plan** when those fields are empty.")
    kind = gr.Dropdown(KIND_CHOICES, value="faculty", label="Kind of email", elem_id="email-kind")
    with gr.Row():
        name = gr.Textbox(label="Your name *", elem_id="email-name", max_length=200)
        year = gr.Textbox(label="Year (e.g. MS2) *", elem_id="email-year", max_length=200)
        school = gr.Textbox(label="School *", elem_id="email-school", max_length=200)
    with gr.Row():
        email = gr.Textbox(label="Your email *", type="email", elem_id="email-from", max_length=200)
        role = gr.Textbox(label="Leadership role (optional)", elem_id="email-role", max_length=200)
    goals = gr.Textbox(label="Your goals (one per line) *", lines=3, elem_id="email-goals")
    chosen = gr.CheckboxGroup([], label="Goals to include (optional, at most 3; by default the "
                              "draft takes the goals that fit this kind of email)",
                              elem_id="email-goal-choice")
    background = gr.Textbox(label="Background (optional)", lines=2, elem_id="email-background")
    with gr.Row():
        mentor = gr.Textbox(label="Mentor's name *", elem_id="mentor-name", max_length=200)
        title = gr.Textbox(label="Mentor's title (optional)", elem_id="mentor-title",
                           max_length=200)
    with gr.Row():
        field = gr.Textbox(label="Mentor's field *", elem_id="mentor-field", max_length=200)
        focus = gr.Textbox(label="Their work you admire (not needed for thank-you, peer or "
                           "follow-up notes)",
                           elem_id="mentor-focus", max_length=200)
    times = gr.Textbox(label="Times you are free (one per line) *", lines=3, elem_id="email-times")
    context = gr.Textbox(label="Context (optional, e.g. where you met)", elem_id="email-context")
    with gr.Row():
        prefill = gr.Button("Fill from My plan", elem_id="email-prefill")
        make = gr.Button("Draft email", variant="primary", elem_id="email-draft")
    banner = gr.Markdown(visible=False, elem_classes=["crisis"], elem_id="email-crisis")
    subject = gr.Textbox(label="Subject", elem_id="email-subject", buttons=["copy"])
    body = gr.Textbox(label="Email body (edit freely)", lines=12, max_lines=30,
                      elem_id="email-body", buttons=["copy"])
    to = gr.Textbox(label="Mentor's email address (optional, for the .eml and mailto link)",
                    elem_id="email-to", max_length=200)
    with gr.Row():
        recheck = gr.Button("Re-check my edits", elem_id="email-recheck")
        download = gr.Button("Download .eml", elem_id="email-download")
    mailto = gr.Markdown(elem_id="email-mailto")
    checks = gr.Markdown(elem_id="email-checks")
    if tracker_state is not None:  # offer to add the person to the outreach tracker
        from coach.web.tracker import offer_from_email

        offer_from_email(tracker_state, kind, mentor, title, field, focus)
    eml = gr.Textbox(visible=False)
    request = gr.State(None)
    with gr.Accordion("Check a draft you wrote yourself", open=False):
        pasted = gr.Textbox(label="Your draft (start with 'Subject:' if it has one)", lines=10,
                            elem_id="paste-draft")
        pasted_kind = gr.Dropdown([("Not sure", ""), *KIND_CHOICES], value="",
                                  label="Kind of email", elem_id="paste-kind")
        check_pasted = gr.Button("Check this draft", elem_id="paste-check")
        pasted_checks = gr.Markdown(elem_id="paste-checks")
    form = [kind, name, year, school, email, goals, role, background, mentor, title, field,
            focus, times, context, chosen]

    def from_plan(data: dict, *current, only_empty: bool = False) -> tuple:
        plan = p.load_plan(data)
        wanted = [plan.name, plan.year, plan.school,
                  "\n".join(g.goal[:200] for g in plan.goals if g.goal.strip())]
        return tuple(gr.update() if (only_empty and now) or not new else new
                     for now, new in zip(current, wanted, strict=True))

    def draft(*values) -> tuple:
        return draft_outputs(coach, *values)

    def recheck_draft(subj: str, text: str, data: dict | None, address: str) -> tuple:
        req = None
        try:
            req = parse_request(data) if data else None
        except CoachError:
            pass
        found = check_email(f"Subject: {subj}\n\n{text}"[:MAX_DRAFT_CHARS], req)
        return (checklist_markdown(found),
                *exports(subj, text, data, address))

    def check_own(text: str, which: str) -> str:
        if not (text or "").strip():
            return "*Paste a draft to check.*"
        return checklist_markdown(check_email(text[:MAX_DRAFT_CHARS], None, kind=which or None))

    goals.change(lambda text: gr.update(choices=[f"{i}. {g[:80]}" for i, g in
                                                 enumerate(_lines(text), 1)], value=[]),
                 [goals], [chosen], **PRIVATE)
    profile = [name, year, school, goals]
    prefill.click(from_plan, [plan_state, *profile], profile, **PRIVATE)
    tab.select(lambda data, *now: from_plan(data, *now, only_empty=True), [plan_state, *profile],
               profile, **PRIVATE)
    make.click(draft, [*form, to], [subject, body, checks, mailto, eml, request, banner, notice],
               **PRIVATE)
    recheck.click(recheck_draft, [subject, body, request, to], [checks, mailto, eml], **PRIVATE)
    download.click(None, [eml], None, js=EML_JS, **PRIVATE)
    check_pasted.click(check_own, [pasted, pasted_kind], [pasted_checks], **PRIVATE)
    if ask_turns is not None:
        seen = gr.State(0)
        ask_turns.change(handoff_kind, [ask_turns, seen], [kind, mentor, field, context, seen],
                         **PRIVATE)


def build_rehearse_tab(coach: Coach, tab: gr.Tab, notice: gr.Markdown) -> tuple:
    """Role-play the ask with a mentor persona, then a scorecard; returns (persona, session,
    chat, scorecard) for the saved-rehearsals panel (coach.web.rehearsals)."""
    from coach.rehearsal.personas import PERSONAS
    from coach.rehearsal.present import card_json, card_markdown
    from coach.rehearsal.session import start_rehearsal

    persona = gr.Dropdown([(f"{x.name}: {x.title}", x.id) for x in PERSONAS.values()],
                          value="faculty", label="Rehearse with", elem_id="persona")
    gr.Markdown("Practise asking for mentorship. Type **/feedback** (or press *Get feedback*) "
                "when done; start a line with **(ooc)** to ask the coach out of character.")
    banner = gr.Markdown(visible=False, elem_classes=["crisis"], elem_id="rehearse-crisis")
    chat = gr.Chatbot(label="Role-play", show_label=False, elem_id="rehearse-chat", height=380,
                      feedback_options=None, allow_tags=False, buttons=["copy_all"])
    said = gr.Textbox(label="What you say to the mentor", elem_id="rehearse-input", lines=1,
                      max_lines=6, placeholder="e.g. Hi Dr. Osei, my name is…")
    with gr.Row():
        send = gr.Button("Say it", variant="primary", elem_id="rehearse-send")
        score = gr.Button("Get feedback", elem_id="rehearse-feedback")
        restart = gr.Button("Start over", elem_id="rehearse-restart")
    scorecard = gr.Markdown(elem_id="scorecard")
    session = gr.State(None)

    def start(which: str) -> tuple:
        new = start_rehearsal(which or "faculty", llm=chat_model(coach))
        opening = [{"role": "assistant", "content": safe_markdown(new.opening)}]
        return new, opening, "", crisis_update(None)

    def ensure(current, which: str, messages: list) -> tuple:
        if current is not None:
            return current, messages, gr.update(), gr.update()
        return start(which)

    def say(text: str, current, which: str, messages: list) -> tuple:
        if current is None:
            current, messages, _, _ = start(which)
        try:
            turn = current.reply(text)
        except CoachError as exc:
            gr.Warning(str(exc))
            return text, current, messages, gr.update(), gr.update(), gr.update()
        shown = safe_markdown(turn.text)
        if turn.care:  # the safety gate was unsure: the resources, set apart, from the coach
            shown += f"\n\n---\n\n*From the coach:* {turn.care}"
        messages = [*messages, {"role": "user", "content": user_text(text)},
                    {"role": "assistant", "content": shown}]
        card = gr.update()
        if turn.kind == "end":  # "/feedback" or the turn limit ends the role-play
            card = card_markdown(card_json(current.feedback()))
        crisis = crisis_update(turn.text if turn.kind == "crisis" else None)
        return "", current, messages, card, crisis, notice_line(turn.notice)

    def get_feedback(current) -> str:
        if current is None or not current.student_turns:
            return "*Say something to the mentor first, then ask for feedback.*"
        return card_markdown(card_json(current.feedback()))

    for trigger in (said.submit, send.click):
        trigger(say, [said, session, persona, chat],
                [said, session, chat, scorecard, banner, notice], **PRIVATE)
    score.click(get_feedback, [session], [scorecard], **PRIVATE)
    persona.input(start, [persona], [session, chat, scorecard, banner], **PRIVATE)
    restart.click(start, [persona], [session, chat, scorecard, banner], **PRIVATE)
    tab.select(ensure, [session, persona, chat], [session, chat, scorecard, banner], **PRIVATE)
    return persona, session, chat, scorecard
