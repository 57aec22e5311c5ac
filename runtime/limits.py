"""Request limits every service enforces before any domain work.

A request is refused as ``INVALID_ARGUMENT`` before its handler runs when

* its encoded size exceeds the method's byte limit (``REQUEST_TOO_LARGE``; checked on the raw
  bytes, before decoding, so a 14 MB ``SubmitScore`` costs a ``len()``, not a parse);
* it cannot be decoded (``MALFORMED_REQUEST``: truncated or garbage bytes, invalid UTF-8 inside a
  string field);
* a repeated field, a map or a string/bytes field holds more than its maximum
  (``LIMIT_EXCEEDED``, one field violation per offending field, reasons ``TOO_MANY_ITEMS`` and
  ``TEXT_TOO_LONG``).

Maxima come from :class:`Limits`: defaults for every field of every message (so a field added
later is bounded without anyone remembering it), plus overrides by full field name
(``dgcp.scoring.v1.SubmitScoreRequest.items``). The walk over a decoded message is compiled once
per message type and skipped entirely when the encoded request is too small to break any
maximum in its tree (a string of *n* characters needs at least *n* bytes; a repeated element at
least one), which keeps it off the hot path for ordinary requests.

The finer rules of a field (a name's 200 characters, its characters) stay with the field's
validator (:mod:`runtime.text`); these limits only bound the work a request can cause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor
from google.protobuf.message import Message

from runtime.errors import FieldViolation, InvalidArgument

FD = descriptor.FieldDescriptor

#: Defaults (documented in the top README, "Request limits").
MAX_REQUEST_BYTES = 1024 * 1024
MAX_STRING_CHARS = 10_000
MAX_REPEATED = 1_000
MAX_MAP_ENTRIES = 1_000
#: Fields bounded by their short name in every message.
BY_NAME = {"request_id": 128, "page_token": 2_048}
#: How far nested messages are walked (protobuf itself refuses nesting beyond 100).
MAX_DEPTH = 32

#: Transport ceilings set on every server unless a service says otherwise. The receive ceiling is
#: above every method's byte limit, so an oversized request normally gets the typed
#: ``REQUEST_TOO_LARGE``; only one beyond the ceiling meets gRPC's own ``RESOURCE_EXHAUSTED``.
MAX_RECEIVE_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_SEND_MESSAGE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """One service's request limits: defaults, per-field and per-method overrides."""

    request_bytes: int = MAX_REQUEST_BYTES
    string_chars: int = MAX_STRING_CHARS
    repeated: int = MAX_REPEATED
    map_entries: int = MAX_MAP_ENTRIES
    #: Full field name -> maximum (characters for strings, bytes for bytes, entries otherwise).
    fields: Mapping[str, int] = field(default_factory=dict)
    #: Short field name -> maximum, for every message (``request_id``: 128 characters).
    names: Mapping[str, int] = field(default_factory=lambda: dict(BY_NAME))
    #: Method name (short, e.g. ``SubmitScore``) -> request byte limit.
    methods: Mapping[str, int] = field(default_factory=dict)
    max_receive_message_bytes: int = MAX_RECEIVE_MESSAGE_BYTES
    max_send_message_bytes: int = MAX_SEND_MESSAGE_BYTES

    def request_bytes_for(self, method: str) -> int:
        return self.methods.get(method, self.request_bytes)

    def field_max(self, f: descriptor.FieldDescriptor) -> int | None:
        """The maximum for ``f``, or None when it holds no text, bytes or list."""
        override = self.fields.get(f.full_name)
        if override is not None:
            return override
        by_name = self.names.get(f.name)
        if by_name is not None and not f.is_repeated:
            return by_name
        if _is_map(f):
            return self.map_entries
        if f.is_repeated:
            return self.repeated
        if f.type in (FD.TYPE_STRING, FD.TYPE_BYTES):
            return self.string_chars
        return None


DEFAULT_LIMITS = Limits()


def _is_map(f: descriptor.FieldDescriptor) -> bool:
    return f.message_type is not None and f.message_type.GetOptions().map_entry


Check = Callable[[Message, str, list[FieldViolation]], None]


class _Plan:
    """A compiled walk of one message type, and the smallest maximum anywhere in its tree."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str, int | None, Any]] = []
        self.floor: int = 0  # while being built (a recursive type): always walk


class Checker:
    """Compiled, cached walks per message type for one :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._plans: dict[str, _Plan] = {}

    def _plan(self, desc: Any, depth: int = 0) -> _Plan:
        cached = self._plans.get(desc.full_name)
        if cached is not None:
            return cached
        plan = _Plan()
        self._plans[desc.full_name] = plan  # before recursing: recursive types end here
        if depth > MAX_DEPTH:
            return plan
        floor = 1 << 62
        for f in desc.fields:
            limit = self.limits.field_max(f)
            if _is_map(f):
                entry: Any = f.message_type
                value_field = entry.fields_by_name["value"]
                key_field = entry.fields_by_name["key"]
                sub = (
                    self._plan(value_field.message_type, depth + 1)
                    if value_field.message_type is not None
                    else None
                )
                kinds = (
                    self.limits.field_max(key_field) if key_field.type == FD.TYPE_STRING else None,
                    self.limits.field_max(value_field)
                    if value_field.type in (FD.TYPE_STRING, FD.TYPE_BYTES)
                    else None,
                    sub,
                )
                plan.steps.append(("map", f.name, limit, kinds))
                for k in kinds[:2]:
                    if isinstance(k, int):
                        floor = min(floor, k)
                if sub is not None:
                    floor = min(floor, sub.floor)
            elif f.is_repeated:
                sub = self._plan(f.message_type, depth + 1) if f.type == FD.TYPE_MESSAGE else None
                text = self.limits.string_chars if f.type in (FD.TYPE_STRING, FD.TYPE_BYTES) else None
                plan.steps.append(("repeated", f.name, limit, (text, sub)))
                if text is not None:
                    floor = min(floor, text)
                if sub is not None:
                    floor = min(floor, sub.floor)
            elif f.type == FD.TYPE_MESSAGE:
                sub = self._plan(f.message_type, depth + 1)
                plan.steps.append(("message", f.name, None, sub))
                floor = min(floor, sub.floor)
            elif limit is not None:
                plan.steps.append(("text", f.name, limit, None))
            if limit is not None:
                floor = min(floor, limit)
        plan.floor = floor
        return plan

    def violations(self, msg: Message, encoded_size: int) -> list[FieldViolation]:
        """Every field of ``msg`` above its maximum (empty when the request is within limits)."""
        plan = self._plan(msg.DESCRIPTOR)
        out: list[FieldViolation] = []
        if encoded_size > plan.floor:
            _walk(plan, msg, "", out, 0, encoded_size)
        return out

    def check(self, msg: Message, encoded_size: int) -> None:
        found = self.violations(msg, encoded_size)
        if found:
            raise limit_exceeded(found)


def _too_many(path: str, limit: int) -> FieldViolation:
    return FieldViolation(path, f"at most {limit} items", "TOO_MANY_ITEMS")


def _too_long(path: str, limit: int) -> FieldViolation:
    return FieldViolation(path, f"at most {limit} characters", "TEXT_TOO_LONG")


def _walk(plan: _Plan, msg: Any, prefix: str, out: list[FieldViolation], depth: int, size: int) -> None:
    """Checks ``msg``; a part whose smallest maximum the request's ``size`` cannot reach is
    skipped (an ordinary SubmitScore checks one list length and descends no further)."""
    if depth > MAX_DEPTH or len(out) > 100:
        return
    for kind, name, limit, extra in plan.steps:
        if kind == "text":
            if limit < size and len(getattr(msg, name)) > limit:  # type: ignore[operator]
                out.append(_too_long(prefix + name, limit))  # type: ignore[arg-type]
        elif kind == "message":
            if extra.floor < size and msg.HasField(name):
                _walk(extra, getattr(msg, name), f"{prefix}{name}.", out, depth + 1, size)
        elif kind == "repeated":
            items = getattr(msg, name)
            if limit is not None and len(items) > limit:
                out.append(_too_many(prefix + name, limit))
                continue  # never walk a list already refused
            text, sub = extra
            if text is not None and text < size:
                for i, item in enumerate(items):
                    if len(item) > text:
                        out.append(_too_long(f"{prefix}{name}[{i}]", text))
            elif sub is not None and sub.steps and sub.floor < size:
                for i, item in enumerate(items):
                    _walk(sub, item, f"{prefix}{name}[{i}].", out, depth + 1, size)
        else:  # map
            entries = getattr(msg, name)
            if limit is not None and len(entries) > limit:
                out.append(_too_many(prefix + name, limit))
                continue
            key_max, value_max, sub = extra
            floors = [
                m for m in (key_max, value_max, sub.floor if sub is not None else None) if m is not None
            ]
            if not floors or min(floors) >= size:
                continue
            for key in entries:
                if key_max is not None and len(key) > key_max:
                    out.append(
                        FieldViolation(
                            prefix + name, f"keys of at most {key_max} characters", "TEXT_TOO_LONG"
                        )
                    )
                    break
                if value_max is not None and len(entries[key]) > value_max:
                    out.append(_too_long(f"{prefix}{name}[{key[:40]}]", value_max))
                elif sub is not None and sub.steps:
                    _walk(sub, entries[key], f"{prefix}{name}[{key[:40]}].", out, depth + 1, size)


def limit_exceeded(violations: list[FieldViolation]) -> InvalidArgument:
    return InvalidArgument.fields(violations, reason="LIMIT_EXCEEDED")


def too_large(size: int, limit: int) -> InvalidArgument:
    return InvalidArgument(
        "REQUEST_TOO_LARGE",
        f"the request is {size} bytes; at most {limit} bytes are accepted",
        metadata={"size": str(size), "limit": str(limit)},
    )


def malformed(size: int) -> InvalidArgument:
    return InvalidArgument(
        "MALFORMED_REQUEST",
        "the request could not be decoded (truncated or invalid bytes, or text that is not UTF-8)",
        metadata={"size": str(size)},
    )
