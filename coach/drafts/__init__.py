"""LLM drafts as structured output, checked, re-asked once, then the guide draft."""
