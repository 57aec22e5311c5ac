"""Sealed mutual rating between a case's review side and its consultancy (互评互论).

Each side rates the other on its own items (1..5).  Neither side may read the other's ratings
until both sides have rated or the window has closed: a simultaneous reveal, so a rating cannot be
an answer to the other side's rating.  The review side has rated once every panel member has.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from runtime.errors import FieldViolation
from runtime.text import clean_text

EXPERT_TO_CONSULTANCY = "expert_to_consultancy"
CONSULTANCY_TO_REVIEW = "consultancy_to_review"
DIRECTIONS = (EXPERT_TO_CONSULTANCY, CONSULTANCY_TO_REVIEW)


@dataclass(frozen=True)
class RatingPolicy:
    """Items per direction, the scale and the window (which opens with the first rating)."""

    items: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            EXPERT_TO_CONSULTANCY: ("technical_capability", "service_quality"),
            CONSULTANCY_TO_REVIEW: ("professionalism", "fairness", "timeliness", "communication"),
        }
    )
    min_value: int = 1
    max_value: int = 5
    window: timedelta = timedelta(days=14)
    max_comment_chars: int = 2000


def rating_problems(
    policy: RatingPolicy, direction: str, items: Mapping[str, int], comment: str
) -> list[FieldViolation]:
    """One violation per missing, unknown or out-of-scale item."""
    expected = policy.items.get(direction)
    if expected is None:
        return [FieldViolation("direction", f"must be one of {DIRECTIONS}", "BAD_DIRECTION")]
    out = [
        FieldViolation(f"items[{key}]", f"unknown item for {direction}", "UNKNOWN_ITEM")
        for key in items
        if key not in expected
    ]
    for key in expected:
        if key not in items:
            out.append(FieldViolation(f"items[{key}]", "missing", "MISSING_ITEM"))
        elif not policy.min_value <= items[key] <= policy.max_value:
            out.append(
                FieldViolation(
                    f"items[{key}]",
                    f"{items[key]} outside {policy.min_value}..{policy.max_value}",
                    "VALUE_OUT_OF_RANGE",
                )
            )
    clean_text(comment, "comment", out, max_len=policy.max_comment_chars)
    return out


@dataclass(frozen=True)
class SealState:
    """What the store knows about a case's ratings at one moment."""

    window_opened: datetime | None
    panel: frozenset[str]
    experts_rated: frozenset[str]
    consultancy_rated: bool

    def window_closes(self, policy: RatingPolicy) -> datetime | None:
        return None if self.window_opened is None else self.window_opened + policy.window

    def window_closed(self, policy: RatingPolicy, now: datetime) -> bool:
        closes = self.window_closes(policy)
        return closes is not None and now >= closes

    def review_side_done(self) -> bool:
        return bool(self.panel) and self.panel <= self.experts_rated

    def revealed(self, policy: RatingPolicy, now: datetime) -> bool:
        """Both sides have rated, or time is up."""
        both = self.review_side_done() and self.consultancy_rated
        return both or self.window_closed(policy, now)


def readable_directions(
    state: SealState,
    policy: RatingPolicy,
    now: datetime,
    *,
    is_authority: bool,
    own_directions: Collection[str],
) -> set[str]:
    """Directions the caller may read now: the authority always, a side its own, both at reveal."""
    if is_authority or state.revealed(policy, now):
        return set(DIRECTIONS)
    return set(own_directions)
