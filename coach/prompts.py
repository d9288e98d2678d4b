"""Prompt files from `prompts/`, rendered with Jinja2 StrictUndefined (a missing variable fails)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from coach.paths import shipped

PROMPTS_DIR = shipped("prompts")
# Planted in the system prompts; if it ever shows up in output, the prompt leaked.
CANARY = "MC-CANARY-7f3a91e2"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(PROMPTS_DIR)),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,  # plain text for a model, not HTML
    )


def render(name: str, **variables: object) -> str:
    """Render `prompts/<name>.md`; raises `jinja2.UndefinedError` when a variable is missing."""
    return _environment().get_template(f"{name}.md").render(**variables).strip()
