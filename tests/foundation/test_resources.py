"""Resource helpers (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from google.protobuf import timestamp_pb2
from hypothesis import given
from hypothesis import strategies as st

from runtime.resources import from_timestamp, to_timestamp

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
