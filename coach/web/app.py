"""The Gradio web app: `build_app(coach)` assembles the tabs; `launch()` serves it.

Every tab is a thin layer over the features (coach.ask, coach.plan, coach.email,
coach.rehearsal). State lives per browser session (gr.State) or in the browser itself
(gr.BrowserState); nothing here is module-level mutable state.
"""

from __future__ import annotations

import html

import gradio as gr

from coach.ask.answer import Coach
from coach.errors import ConfigError
from coach.llm import model_label

QUEUE_SIZE = 64
FOOTER = (
    "**Not medical advice.** Mentor Coach offers mentorship coaching from the AMWA Medical "
    "Student Mentorship Guide; it is not a substitute for professional, medical or mental-"
    "health care. **In crisis?** Call or text **988** (Suicide & Crisis Lifeline, US) any time. "
    "**In immediate danger, call 911.**"
)
CSS = """
.gradio-container { max-width: 1000px !important; margin: 0 auto !important; }
#header h1 { margin-bottom: 0.2em; }
#notice:not(:empty) { color: #92400e; font-weight: 600; }
.crisis { border: 3px solid #b91c1c; border-radius: 10px; padding: 0.5em 1em;
          background: #fef2f2; color: #111; }
.crisis * { color: #111 !important; }
#footer { font-size: 0.9em; border-top: 1px solid #ccc; padding-top: 0.5em; }
@media (max-width: 640px) { .gradio-container { padding: 4px !important; } }
"""


def theme() -> gr.themes.Base:
    """The default look with system fonts only, so the page loads nothing from the internet."""
    return gr.themes.Soft(font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                                "sans-serif"],
                          font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"])


def engine_label(coach: Coach) -> str:
    """Which engine answers, for the header."""
    if coach.llm_engine is None:  # in a student's words, not "no LLM configured"
        return ("Guide engine: answers are put together from the AMWA guide's own text "
                "(no AI model is connected)")
    if coach.settings.llm_configured:
        return model_label(coach.settings)
    return f"LLM: {coach.llm_engine.model_name}"


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """COACH_AUTH="user:password" -> (user, password); unset -> no login."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigError('COACH_AUTH must look like "user:password" (both non-empty).')
    return user, password


def build_app(coach: Coach) -> gr.Blocks:
    """The whole web app over one Coach; importable for tests (no launch, no network)."""
    from coach.web.api import register
    from coach.web.ask import build_ask_tab
    from coach.web.history import UNSAVED_JS, build_chat_history, chats_state
    from coach.web.plan import build_plan_tab, plan_state
    from coach.web.rehearsals import rehearsals_state
    from coach.web.tracker import build_tracker_tab, tracker_state

    with gr.Blocks(title="Mentor Coach", analytics_enabled=False, fill_width=False) as app:
        gr.Markdown(
            "# Mentor Coach\nMentorship coaching for medical students, grounded in the AMWA "
            "*Medical Student Mentorship Guide*. "
            f"**Answering:** {html.escape(engine_label(coach))}",
            elem_id="header",
        )
        notice = gr.Markdown("", elem_id="notice")
        stored_plan = plan_state()
        stored_tracker = tracker_state(coach)
        stored_chats = chats_state(coach)
        stored_rehearsals = rehearsals_state(coach)
        with gr.Tabs():
            # render_children keeps every tab mounted, so form values and events stay stable
            # while the student switches tabs.
            with gr.Tab("Ask", id="ask", elem_id="tab-ask", render_children=True):
                ask_parts = build_ask_tab(coach, notice)
                build_chat_history(coach, stored_chats, *ask_parts)
            with gr.Tab("My plan", id="plan", elem_id="tab-plan", render_children=True):
                build_plan_tab(stored_plan)
                with gr.Accordion("Outreach tracker: who you contacted and when to follow up",
                                  open=True, elem_id="tracker-section"):
                    build_tracker_tab(coach, stored_tracker, stored_plan)
            _practice_tabs(coach, stored_plan, notice, stored_tracker, stored_rehearsals,
                           ask_turns=ask_parts[2])
        gr.Markdown(FOOTER, elem_id="footer")
        register(coach)
        app.load(None, js=UNSAVED_JS)
    # The chapter board's tools are a page of their own (/chapter): a fifth tab overflows the
    # tab bar on a 390 px phone screen, and students rarely need them.
    with app.route("Chapter", "/chapter"):
        from coach.web.chapter import build_chapter_tab

        build_chapter_tab(coach)
    app.queue(default_concurrency_limit=coach.settings.serve_concurrency, max_size=QUEUE_SIZE)
    # Every handler, UI and API, on every page: per client address or signed-in user, by work.
    from coach.web.ratelimit import RateLimiter, limit_handlers

    limiter = RateLimiter.from_settings(coach.settings)
    limit_handlers(app, limiter)
    app.mentor_coach = coach
    app.mentor_limiter = limiter  # launch() gives the same budget to POST /api/v1/ask
    return app


def _practice_tabs(coach: Coach, plan_state: gr.BrowserState, notice: gr.Markdown,
                   tracker_state: gr.BrowserState | None = None,
                   rehearsals: gr.BrowserState | None = None,
                   ask_turns: gr.State | None = None) -> None:
    """The Email and Rehearse tabs (the Ask tab's `ask_turns` set the kind of email asked for)."""
    from coach.web.practice import build_email_tab, build_rehearse_tab

    with gr.Tab("Email", id="email", elem_id="tab-email", render_children=True) as email_tab:
        build_email_tab(coach, email_tab, plan_state, notice, tracker_state, ask_turns)
    with gr.Tab("Rehearse", id="rehearse", elem_id="tab-rehearse",
                render_children=True) as rehearse_tab:
        parts = build_rehearse_tab(coach, rehearse_tab, notice)
        if rehearsals is not None:  # saved rehearsals and progress, kept in the browser
            from coach.web.rehearsals import build_rehearsal_history

            build_rehearsal_history(coach, rehearsals, *parts)


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           auth: tuple[str, str] | None = None, prevent_thread_lock: bool = False,
           quiet: bool = False) -> tuple:
    """Serve the app (a public share link only when asked); Gradio's (app, url, share_url)."""
    from starlette.middleware import Middleware

    from coach.config import get_settings
    from coach.web.health import healthz_route
    from coach.web.logins import LoginGuard, LoginThrottle

    coach = getattr(app, "mentor_coach", None)  # GET /healthz: 503 when no answer can be given
    settings = coach.settings if coach is not None else get_settings()
    # Wrong passwords: exponential backoff, one count per address for the sign-in form and the
    # JSON API's Basic credentials alike (two counters would double a guesser's free tries).
    throttle = LoginThrottle(free=settings.login_free_attempts)
    app_kwargs: dict = {"middleware": [Middleware(LoginGuard, throttle=throttle)]}
    if coach is not None:  # and POST /api/v1/ask: one HTTP round trip, no queue (web/rest.py)
        from coach.web.rest import ask_route

        app_kwargs["routes"] = [healthz_route(coach), ask_route(
            coach, auth, limiter=getattr(app, "mentor_limiter", None), throttle=throttle)]
    return app.launch(
        app_kwargs=app_kwargs,
        server_name=host, server_port=port, share=share, auth=auth,
        auth_message="Mentor Coach: please sign in." if auth else None,
        prevent_thread_lock=prevent_thread_lock, quiet=quiet, show_error=True,
        footer_links=["api"], ssr_mode=False, mcp_server=False, pwa=False,
        enable_monitoring=False, theme=theme(), css=CSS,
    )
