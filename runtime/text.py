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
from typing import Any

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


# ---------------------------------------------------------------- every string of a request

#: Fields holding free text (by their short name, in any message): line breaks and tabs kept,
#: zero-width characters stripped, controls and bidi refused. Every other string field is held
#: to the name rules (controls, bidi and zero-width refused). Identifiers are ASCII, so the
#: rules cost them nothing.
FREE_TEXT_FIELDS = frozenset(
    {"comment", "reason", "statement", "note", "correction_note", "text", "text_zh", "text_en", "evidence"}
)


class _Plan:
    __slots__ = ("leaf", "steps")

    def __init__(self) -> None:
        self.steps: list[tuple[int, str, bool, _Plan | None]] = []
        self.leaf: tuple[tuple[str, bool], ...] | None = None  # only plain strings: (name, free)


_STR, _REP_STR, _MSG, _REP_MSG, _MAP = range(5)
_plans: dict[str, _Plan] = {}


def _plan(desc: Any) -> _Plan:
    cached = _plans.get(desc.full_name)
    if cached is not None:
        return cached
    plan = _Plan()
    _plans[desc.full_name] = plan  # before recursing (recursive types)
    for f in desc.fields:
        free = f.name in FREE_TEXT_FIELDS
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            value = f.message_type.fields_by_name["value"]
            if value.type == value.TYPE_STRING or value.message_type is not None:
                sub = _plan(value.message_type) if value.message_type is not None else None
                plan.steps.append((_MAP, f.name, free, sub))
        elif f.type == f.TYPE_STRING:
            plan.steps.append((_REP_STR if f.is_repeated else _STR, f.name, free, None))
        elif f.type == f.TYPE_MESSAGE and f.message_type.full_name.startswith("dgcp."):
            plan.steps.append((_REP_MSG if f.is_repeated else _MSG, f.name, free, _plan(f.message_type)))
    if all(kind == _STR for kind, *_ in plan.steps):
        plan.leaf = tuple((name, free) for _, name, free, _ in plan.steps)
    return plan


def _fix(value: str, free: bool) -> tuple[str, str]:
    """``value`` NFC-normalised (free text: zero-width stripped), and what is wrong with it."""
    text = unicodedata.normalize("NFC", value)
    if free:
        text = _FREE_STRIP.sub("", text)
        if _FREE_BAD.search(text):
            return text, "control or bidirectional characters"
    elif _NAME_BAD.search(text):
        return text, "control, bidirectional or zero-width characters"
    return text, ""


def _clean(value: str) -> bool:
    """Nothing to do: every character this module refuses or strips is unprintable (Cc, Cf, Zl,
    Zp), and the text is already NFC (ASCII always is)."""
    return value.isprintable() and (value.isascii() or unicodedata.is_normalized("NFC", value))


def _walk(plan: _Plan, msg: Any, path: list[str], out: list[FieldViolation]) -> None:
    """``path`` is the stack of segments to ``msg``: joined only when something is wrong."""
    if len(path) > 64 or len(out) > 100:
        return
    for kind, name, free, sub in plan.steps:
        if kind == _STR:
            value = getattr(msg, name)
            if value and not _clean(value):
                fixed, wrong = _fix(value, free)
                if wrong:
                    out.append(FieldViolation("".join(path) + name, wrong, "INVALID_CHARACTERS"))
                elif fixed != value:
                    setattr(msg, name, fixed)
        elif kind == _REP_STR:
            items = getattr(msg, name)
            for i, value in enumerate(items):
                if value and not _clean(value):
                    fixed, wrong = _fix(value, free)
                    if wrong:
                        out.append(FieldViolation(f"{''.join(path)}{name}[{i}]", wrong, "INVALID_CHARACTERS"))
                    elif fixed != value:
                        items[i] = fixed
        elif kind == _MSG:
            if msg.HasField(name):
                path.append(name + ".")
                _walk(sub, getattr(msg, name), path, out)  # type: ignore[arg-type]
                path.pop()
        elif kind == _REP_MSG and sub.leaf is not None:  # type: ignore[union-attr]
            # the common case (score items, veto findings): no recursion, no path until needed
            for i, item in enumerate(getattr(msg, name)):
                for field, is_free in sub.leaf:  # type: ignore[union-attr]
                    value = getattr(item, field)
                    if value and not _clean(value):
                        fixed, wrong = _fix(value, is_free)
                        if wrong:
                            where = f"{''.join(path)}{name}[{i}].{field}"
                            out.append(FieldViolation(where, wrong, "INVALID_CHARACTERS"))
                        elif fixed != value:
                            setattr(item, field, fixed)
        elif kind == _REP_MSG:
            items = getattr(msg, name)
            if items:
                path.append(name)
                for i, item in enumerate(items):
                    path.append(f"[{i}].")
                    _walk(sub, item, path, out)  # type: ignore[arg-type]
                    path.pop()
                path.pop()
        else:  # a map with string keys (names) and string or message values
            entries = getattr(msg, name)
            for key in list(entries):
                label = f"{name}[{key[:40] if isinstance(key, str) else key}]"
                if isinstance(key, str) and key and not _clean(key) and _NAME_BAD.search(key):
                    where = "".join(path) + label
                    out.append(FieldViolation(where, "invisible characters in a key", "INVALID_CHARACTERS"))
                    continue
                if sub is not None:
                    path.append(label + ".")
                    _walk(sub, entries[key], path, out)
                    path.pop()
                else:
                    value = entries[key]
                    if value and not _clean(value):
                        fixed, wrong = _fix(value, free)
                        if wrong:
                            out.append(FieldViolation("".join(path) + label, wrong, "INVALID_CHARACTERS"))
                        elif fixed != value:
                            entries[key] = fixed


def clean_message(msg: Any) -> list[FieldViolation]:
    """Every string of ``msg`` in place: NFC, zero-width stripped from free text; the fields that
    hold controls, bidi or (in names) zero-width characters come back as violations."""
    out: list[FieldViolation] = []
    _walk(_plan(msg.DESCRIPTOR), msg, [], out)
    return out
