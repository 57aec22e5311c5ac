"""Helpers every API mapping needs: resource names, pages, masks, timestamps."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, overload

from google.protobuf import field_mask_pb2, timestamp_pb2
from google.protobuf.message import Message

from runtime.errors import FieldViolation, InvalidArgument

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def parse_name(name: str, collection: str, *, field: str = "name") -> uuid.UUID:
    """``experts/0190…`` → UUID; a malformed name is INVALID_ARGUMENT on ``field``."""
    prefix = f"{collection}/"
    if not name.startswith(prefix):
        raise InvalidArgument.fields(
            [FieldViolation(field, f"must look like '{collection}/{{id}}'", "INVALID_NAME")],
            reason="INVALID_NAME",
        )
    try:
        return uuid.UUID(name[len(prefix) :])
    except ValueError:
        raise InvalidArgument.fields(
            [FieldViolation(field, f"'{name}' has no valid id", "INVALID_NAME")],
            reason="INVALID_NAME",
        ) from None


def required(value: str, field: str) -> str:
    """``value`` itself, or INVALID_ARGUMENT naming ``field`` when it is empty or blank."""
    if not value.strip():
        raise InvalidArgument.fields([FieldViolation(field, "is required", "REQUIRED")])
    return value


def page_size(value: int) -> int:
    if value < 0:
        raise InvalidArgument.fields([FieldViolation("page_size", "must not be negative")])
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _filter_digest(filters: Mapping[str, Any]) -> str:
    blob = json.dumps(filters, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def encode_page_token(after: str, filters: Mapping[str, Any]) -> str:
    raw = json.dumps({"a": after, "f": _filter_digest(filters)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(
    token: str, filters: Mapping[str, Any], kind: Callable[[str], object] = str
) -> str | None:
    """The key to continue after. The token must come from the same query, and its key must
    parse as ``kind`` (``uuid.UUID``, ``int``, ...): a forged key is INVALID_PAGE_TOKEN too."""
    if not token:
        return None
    bad = InvalidArgument(
        "INVALID_PAGE_TOKEN",
        "page_token is not valid for this query",
        violations=[FieldViolation("page_token", "not a token from this query")],
    )
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("f") != _filter_digest(filters):
        raise bad
    after = data.get("a")
    if not isinstance(after, str):
        raise bad
    try:
        kind(after)
    except (ValueError, TypeError):
        raise bad from None
    return after


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes, PostgreSQL aware ones; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def to_timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    value = aware(value)
    # Timestamp.FromDatetime, without its pure-Python detour through a time tuple.
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def from_timestamp(ts: timestamp_pb2.Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def mask_paths(
    mask: field_mask_pb2.FieldMask,
    message: Message,
    *,
    mutable: Iterable[str],
    immutable: Iterable[str] = (),
    prefix: str,
) -> list[str]:
    """Validate an update mask; an empty mask means every populated mutable field."""
    mutable, immutable = set(mutable), set(immutable)
    if not mask.paths:
        return sorted(f.name for f, _ in message.ListFields() if f.name in mutable)
    problems = []
    for path in mask.paths:
        if path in immutable:
            problems.append(FieldViolation(f"update_mask.{path}", "field is immutable", "IMMUTABLE"))
        elif path not in mutable:
            problems.append(FieldViolation(f"update_mask.{path}", f"no mutable field {prefix}.{path}"))
    if problems:
        raise InvalidArgument.fields(problems)
    return list(dict.fromkeys(mask.paths))
