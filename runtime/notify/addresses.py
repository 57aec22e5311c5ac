"""Checks for where notifications go: an e-mail address safe to put in a header, a phone number."""

from __future__ import annotations

import re

MAX_EMAIL = 200
MAX_PHONE = 40
_EMAIL = re.compile(r"^[^@\s<>\",;()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]{2,}$")
_PHONE = re.compile(r"^[0-9 +()\-]*$")


def email_problem(address: str) -> str | None:
    """Why ``address`` is not a usable e-mail address; None when it is (or is empty)."""
    if not address:
        return None
    if len(address) > MAX_EMAIL or not _EMAIL.match(address) or ".." in address:
        return "not an e-mail address"
    return None


def phone_problem(phone: str) -> str | None:
    if len(phone) > MAX_PHONE or not _PHONE.match(phone):
        return f"digits, spaces, + - ( ); at most {MAX_PHONE}"
    return None
