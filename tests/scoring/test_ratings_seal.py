"""Sealed mutual ratings: validation and reveal rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scoring.ratings import (
    CONSULTANCY_TO_REVIEW,
    DIRECTIONS,
    EXPERT_TO_CONSULTANCY,
    RatingPolicy,
    SealState,
    rating_problems,
    readable_directions,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
POLICY = RatingPolicy()


def test_items_checked_per_direction() -> None:
    ok = {"technical_capability": 5, "service_quality": 1}
    assert rating_problems(POLICY, EXPERT_TO_CONSULTANCY, ok, "") == []
    bad = {"technical_capability": 6, "fairness": 3}
    reasons = {(p.field, p.reason) for p in rating_problems(POLICY, EXPERT_TO_CONSULTANCY, bad, "")}
    assert reasons == {
        ("items[technical_capability]", "VALUE_OUT_OF_RANGE"),
        ("items[fairness]", "UNKNOWN_ITEM"),
        ("items[service_quality]", "MISSING_ITEM"),
    }
    assert rating_problems(POLICY, "sideways", {}, "")[0].reason == "BAD_DIRECTION"


def state(experts: set[str], consultancy: bool) -> SealState:
    return SealState(T0, frozenset({"e1", "e2"}), frozenset(experts), consultancy)


def test_sealed_until_both_sides_rated() -> None:
    now = T0 + timedelta(days=1)
    assert not state({"e1"}, True).revealed(POLICY, now)  # one expert still to rate
    assert not state({"e1", "e2"}, False).revealed(POLICY, now)
    assert state({"e1", "e2"}, True).revealed(POLICY, now)


def test_window_close_reveals() -> None:
    s = state(set(), True)
    assert not s.revealed(POLICY, T0 + POLICY.window - timedelta(seconds=1))
    assert s.revealed(POLICY, T0 + POLICY.window)


def test_who_reads_what() -> None:
    s = state({"e1"}, True)
    now = T0 + timedelta(days=1)
    mine = {EXPERT_TO_CONSULTANCY}
    assert readable_directions(s, POLICY, now, is_authority=False, own_directions=mine) == mine
    assert readable_directions(s, POLICY, now, is_authority=True, own_directions=()) == set(DIRECTIONS)
    done = state({"e1", "e2"}, True)
    assert readable_directions(
        done, POLICY, now, is_authority=False, own_directions={CONSULTANCY_TO_REVIEW}
    ) == set(DIRECTIONS)
