"""Secrets are never displayed: endpoints are shown as host (and port) only."""

from __future__ import annotations

from urllib.parse import urlsplit


def endpoint_host(url: str | None) -> str:
    """'http://user:password@llm.example:8000/v1?key=x' -> 'llm.example:8000'; never a
    credential, path or query. An unparsable URL shows as 'custom endpoint'."""
    if not url:
        return ""
    try:
        parts = urlsplit(url if "//" in url else f"//{url}")
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "custom endpoint"
    if not host:
        return "custom endpoint"
    return f"{host}:{port}" if port else host
