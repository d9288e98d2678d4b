"""Outreach-email helpers that belong to no single draft step (addresses)."""
