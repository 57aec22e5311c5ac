"""The panel-membership cache in front of the assignment service (pure: fake clock and fetch)."""

from __future__ import annotations

from services.scoring.panels import CacheConfig, Membership, MembershipCache
from services.scoring.store import CaseFacts

CASE = "cases/0190a000-0000-7000-8000-000000000001"
A, B, C, D = (f"experts/0190a000-0000-7000-8000-00000000000{i}" for i in range(4))


class Directory:
    """Stands in for CheckPanelMembership: answers from ``panels`` and counts the calls."""

    def __init__(self) -> None:
        self.panels = {CASE: (A, B, C)}
        self.calls: list[tuple[str, str]] = []

    def __call__(self, case: str, expert: str) -> Membership:
        self.calls.append((case, expert))
        panel = self.panels[case]
        facts = CaseFacts(
            name=case, stage="evaluation", track="standard", consultancy="c", agency="a", panel=panel
        )
        return Membership(member=expert in panel, facts=facts)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(max_entries: int = 100) -> tuple[MembershipCache, Directory, Clock]:
    directory, clock = Directory(), Clock()
    config = CacheConfig(positive_ttl_seconds=10, negative_ttl_seconds=2, max_entries=max_entries)
    return MembershipCache(directory, config, clock=clock), directory, clock


def test_each_expert_is_asked_about_once_per_positive_ttl() -> None:
    cache, directory, clock = make()
    assert [cache.check(CASE, e).member for e in (A, A, B)] == [True] * 3
    assert directory.calls == [(CASE, A), (CASE, B)]
    clock.now += 9.9
    cache.check(CASE, A)
    assert len(directory.calls) == 2
    clock.now += 0.2
    cache.check(CASE, A)
    assert directory.calls[-1] == (CASE, A) and len(directory.calls) == 3


def test_a_recused_expert_not_asked_about_lately_is_refused_at_once() -> None:
    cache, directory, _ = make()
    cache.check(CASE, A)  # A's answer carries the whole panel, C included
    directory.panels[CASE] = (A, B, D)  # C recused, D drawn in
    assert cache.check(CASE, C).member is False
    assert cache.check(CASE, D).member is True  # the replacement scores at once


def test_a_no_is_kept_briefly() -> None:
    cache, directory, clock = make()
    assert cache.check(CASE, D).member is False
    directory.panels[CASE] = (A, B, D)
    clock.now += 1.9
    assert cache.check(CASE, D).member is False
    clock.now += 0.2
    assert cache.check(CASE, D).member is True
    assert len(directory.calls) == 2


def test_forget_asks_afresh_and_the_cache_is_bounded() -> None:
    cache, directory, _ = make(max_entries=2)
    cache.check(CASE, A)
    cache.forget(CASE)
    cache.check(CASE, A)
    assert len(directory.calls) == 2
    cache.check(CASE, B)
    cache.check(CASE, C)  # three entries for two places: A's is the oldest
    cache.check(CASE, A)
    assert len(directory.calls) == 5
