"""One text-field validator for every service: NFC, no invisible tricks, documented maxima.

Names (of firms, people, lots, criteria) are published, so a name that hides text from its
reader is refused: C0/C1 control characters (NUL included), bidirectional overrides, embeddings
and isolates, and zero-width characters are ``INVALID_ARGUMENT`` with reason
``INVALID_CHARACTERS``. Free text (comments, reasons, statements) keeps line breaks and tabs,
loses zero-width characters, and is refused for the rest. Text longer than its documented maximum
is ``TEXT_TOO_LONG``: it is never cut. Everything is NFC-normalised first, so the same name typed
two ways is stored once.
"""

from __future__ import annotations

import re
import unicodedata

from runtime.errors import FieldViolation

#: Bidirectional formatting (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM).
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
#: Zero-width and invisible joiners/spaces (ZWSP ZWNJ ZWJ WJ, BOM, soft hyphen, invisible operators).
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u2061\u2062\u2063\u2064\u180e"
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)])

_NAME_BAD = re.compile(f"[{re.escape(_BIDI + _ZERO_WIDTH + _CONTROLS)}\u2028\u2029]")
_FREE_BAD = re.compile(
    f"[{re.escape(_BIDI + ''.join(c for c in _CONTROLS if c not in chr(9) + chr(10) + chr(13)))}]"
)
_FREE_STRIP = re.compile(f"[{re.escape(_ZERO_WIDTH)}]")

#: Documented maxima (characters, after NFC) that services use unless a field says otherwise.
NAME_MAX = 200
TITLE_MAX = 500
REASON_MAX = 2000
COMMENT_MAX = 5000
STATEMENT_MAX = 10000


def _too_long(field: str, limit: int) -> FieldViolation:
    return FieldViolation(field, f"at most {limit} characters", "TEXT_TOO_LONG")


def clean_name(
    value: str,
    field: str,
    violations: list[FieldViolation],
    *,
    max_len: int = NAME_MAX,
    required: bool = True,
) -> str:
    """NFC-normalised, trimmed ``value``; on a bad name, appends a violation and returns ``""``."""
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        if required:
            violations.append(FieldViolation(field, "required", "REQUIRED"))
        return ""
    if _NAME_BAD.search(text):
        violations.append(
            FieldViolation(field, "control, bidirectional or zero-width characters", "INVALID_CHARACTERS")
        )
        return ""
    if len(text) > max_len:
        violations.append(_too_long(field, max_len))
        return ""
    return text


def clean_text(
    value: str,
    field: str,
    violations: list[FieldViolation],
    *,
    max_len: int = COMMENT_MAX,
    required: bool = False,
) -> str:
    """Free text: NFC, zero-width characters stripped, line breaks kept; controls and bidi refused."""
    text = _FREE_STRIP.sub("", unicodedata.normalize("NFC", value)).replace("\r\n", "\n").strip()
    if not text:
        if required:
            violations.append(FieldViolation(field, "required", "REQUIRED"))
        return ""
    if _FREE_BAD.search(text):
        violations.append(FieldViolation(field, "control or bidirectional characters", "INVALID_CHARACTERS"))
        return ""
    if len(text) > max_len:
        violations.append(_too_long(field, max_len))
        return ""
    return text


def is_clean_name(value: str) -> bool:
    return not _NAME_BAD.search(value)
