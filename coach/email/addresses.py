"""Email addresses checked with `email-validator` (syntax only, never a network look-up)."""

from __future__ import annotations

import unicodedata
from email.headerregistry import Address

from email_validator import EmailNotValidError, validate_email

from coach.errors import InputError

MAX_LENGTH = 254


def normalise_address(text: object, what: str = "email address") -> str:
    """The address in normal form, or InputError with one clear sentence (never a crash)."""
    value = " ".join(str(text or "").split())
    if not value:
        raise InputError(f"The {what} is empty.")
    if len(value) > MAX_LENGTH:
        raise InputError(f"The {what} is longer than {MAX_LENGTH} characters.")
    scripts = {unicodedata.name(c, "?").split()[0] for c in value if c.isalpha()}
    if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK", "ARMENIAN"}:
        raise InputError(f"'{_shown(value)}' is not a valid {what}: it mixes alphabets (e.g. a "
                         "Cyrillic 'е' that looks like a Latin 'e'); retype it by hand.")
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=True)
        Address(addr_spec=result.normalized)  # what the .eml export will need
    except EmailNotValidError as exc:
        raise InputError(f"'{_shown(value)}' is not a valid {what}: {exc}") from None
    except (ValueError, TypeError, IndexError) as exc:  # the stdlib parser is stricter
        raise InputError(f"'{_shown(value)}' is not a valid {what} ({type(exc).__name__}).") \
            from None
    return result.normalized


def address_field(value: str) -> str:
    """A pydantic validator: the normal form, or ValueError with the one clear sentence."""
    try:
        return normalise_address(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


def is_valid_address(text: object) -> bool:
    """True when normalise_address would accept it."""
    try:
        normalise_address(text)
    except InputError:
        return False
    return True


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
