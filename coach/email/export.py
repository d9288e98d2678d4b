"""Exports of a draft: an .eml message and a mailto: link (re-exported by coach.email.drafting)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import quote

from coach.email.request import header_line as _header

if TYPE_CHECKING:
    from coach.email.drafting import Draft
    from coach.email.request import OutreachRequest


def to_eml(draft: Draft, request: OutreachRequest | None = None, to: str | None = None) -> bytes:
    """An RFC 5322 message: Subject, From (when the request is known), To (when given), body."""
    msg = EmailMessage()
    msg["Subject"] = _header(draft.subject)
    if request:
        msg["From"] = Address(_header(request.student.name), addr_spec=request.student.email)
    if to:
        msg["To"] = _header(to)
    msg.set_content(draft.body.replace("\r\n", "\n") + "\n")
    return bytes(msg)


def mailto_link(draft: Draft, to: str | None = None) -> str:
    """A mailto: link with subject and body percent-encoded (line breaks as CRLF, RFC 6068)."""
    body = quote(draft.body.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")
    address = quote(_header(to), safe="@") if to else ""
    return f"mailto:{address}?subject={quote(_header(draft.subject), safe='')}&body={body}"
