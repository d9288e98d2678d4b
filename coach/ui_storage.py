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
