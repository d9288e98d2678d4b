"""Browser-side storage for the web app: gr.BrowserState with a key that survives restarts."""

from __future__ import annotations

import gradio as gr

from coach.config import Settings

PREFIX = "mentor-coach-"


def browser_state(settings: Settings, name: str, default: object) -> gr.BrowserState:
    """A value kept in this browser's local storage under `mentor-coach-<name>`.

    Gradio encrypts it with `secret`, a random one per process unless given: the stable
    `COACH_BROWSER_SECRET` setting is what lets saved data survive a server restart.
    """
    return gr.BrowserState(default, storage_key=PREFIX + name,
                           secret=settings.browser_secret.get_secret_value())


DOWNLOAD_JS = """(text, name, kind) => {
  if (!text) { return; }
  const blob = new Blob([text], {type: kind});
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}"""


def download_js(filename: str, mime: str) -> str:
    """JS for a button that downloads its one text input as `filename`."""
    return f"(text) => ({DOWNLOAD_JS})(text, {filename!r}, {mime!r})"


# The Email form's labels for the outreach request's fields (named by path in coach.email).
EMAIL_LABELS = {"student.name": "Your name", "student.year": "Year", "student.school": "School",
                "student.email": "Your email", "student.goals": "Your goals",
                "student.role": "Leadership role", "student.background": "Background",
                "mentor.name": "Mentor's name", "mentor.field": "Mentor's field",
                "mentor.focus": "Their work you admire", "mentor.title": "Mentor's title",
                "times": "Times you are free", "context": "Context", "kind": "Kind of email"}


def form_labels(message: str) -> str:
    """An error message with field paths (student.email, times[2]) named as the form does."""
    import re

    def label(match: re.Match) -> str:
        path, index = match.group(1), match.group(2)
        name = EMAIL_LABELS.get(path, path)
        return f"{name} (line {int(index) })" if index else name

    keys = "|".join(re.escape(k) for k in sorted(EMAIL_LABELS, key=len, reverse=True))
    return re.sub(rf"\b({keys})(?:\[(\d+)\])?", label, message)
