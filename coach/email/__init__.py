"""Outreach emails: the request, guide and LLM drafts, the checklist, exports."""
