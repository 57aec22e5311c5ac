"""Resource helpers (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf import timestamp_pb2
from hypothesis import given
from hypothesis import strategies as st

from runtime.errors import InvalidArgument
from runtime.resources import decode_page_token, encode_page_token, from_timestamp, to_timestamp

zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))])


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones))
def test_to_timestamp_matches_protobuf_and_round_trips(value: datetime) -> None:
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(value)
    assert to_timestamp(value) == expected
    assert from_timestamp(to_timestamp(value)) == value  # type: ignore[arg-type]


def test_naive_datetimes_are_utc_and_none_stays_none() -> None:
    naive = datetime(2026, 11, 25, 18, 0, 0, 123456)
    assert to_timestamp(naive) == to_timestamp(naive.replace(tzinfo=UTC))
    assert to_timestamp(None) is None


def test_a_page_token_must_match_its_query_and_its_key_type() -> None:
    key = str(uuid.uuid4())
    token = encode_page_token(key, {"lot": "lots/1"})
    assert decode_page_token(token, {"lot": "lots/1"}, uuid.UUID) == key
    assert decode_page_token("", {"lot": "lots/1"}, uuid.UUID) is None
    for bad_token, filters, kind in [
        (token, {"lot": "lots/2"}, uuid.UUID),  # another query
        (encode_page_token("7; DROP", {}), {}, uuid.UUID),  # a forged key
        (encode_page_token("x", {}), {}, int),
        ("%%%", {}, str),
    ]:
        with pytest.raises(InvalidArgument) as info:
            decode_page_token(bad_token, filters, kind)
        assert info.value.reason == "INVALID_PAGE_TOKEN"
