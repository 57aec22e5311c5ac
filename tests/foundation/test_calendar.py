"""The one calendar: periods are cut at 00:00 Beijing time, whatever the caller's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.calendar import Period, cst_date_label, cst_time_label
from runtime.errors import InvalidArgument


def test_month_bounds_are_beijing_midnight() -> None:
    p = Period.parse("2026-10")
    assert p.start == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert p.end == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert str(p) == "2026-10" and p.kind == "month"
    assert p.label() == "2026年10月" and p.label("en") == "October 2026"


def test_instant_near_midnight_belongs_to_the_beijing_month() -> None:
    # 2026-10-31 16:30 UTC is 2026-11-01 00:30 in Beijing
    assert str(Period.of(datetime(2026, 10, 31, 16, 30, tzinfo=UTC))) == "2026-11"
    assert str(Period.of(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))) == "2026-10"


def test_quarters_years_shift_and_windows() -> None:
    assert str(Period.parse("2026-Q4")) == "2026-Q4"
    assert Period.parse("2026-Q4").month_list()[0] == Period.parse("2026-10")
    assert str(Period.parse("2026")) == "2026" and Period.parse("2026").label() == "2026年"
    assert str(Period.parse("2026-01").shift(-1)) == "2025-12"
    assert str(Period.parse("2026-03").window(12).month_list()[0]) == "2025-04"
    assert Period.parse("2026-03").window(12).end == Period.parse("2026-03").end


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-1", "２０２６-01", "2026-0١", "1999-01", "2026-Q5", "", "x" * 9999]
)
def test_bad_periods_are_typed_errors(bad: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        Period.parse_field(bad)
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT and info.value.reason == "INVALID_PERIOD"


def test_kinds_can_be_restricted() -> None:
    with pytest.raises(ValueError):
        Period.parse("2026", kinds=("month",))


def test_date_labels_are_beijing_days() -> None:
    t = datetime(2026, 11, 30, 17, 5, tzinfo=UTC)
    assert cst_date_label(t) == "2026年12月1日"
    assert cst_date_label(t, "en") == "1 December 2026"
    assert cst_time_label(t) == "2026年12月1日 01:05（北京时间）"


@given(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2999, 12, 1)))
def test_every_instant_lies_in_its_period(naive: datetime) -> None:
    t = naive.replace(tzinfo=UTC)
    for kind in ("month", "quarter", "year"):
        p = Period.of(t, kind)  # type: ignore[arg-type]
        assert p.contains(t) and p.shift(1).start == p.end
        assert Period.parse(str(p)) == p
