"""Standing math: shrinkage by evidence, intervals, grades, ranks, P(below the pass line)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.ranking.standing import (
    AGENCY_CONFIG,
    CONSULTANCY_RATING,
    REPORT_QUALITY,
    SATISFACTION,
    Observations,
    StandingConfig,
    adjust_for_outcome,
    compute_standings,
    evidenced_grades,
    rank_descending,
    shrink,
)


def _population(seed: int = 0, n_firms: int = 40) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.normal(78, 6, n_firms)
    counts = rng.integers(1, 30, n_firms)
    idx = np.repeat(np.arange(n_firms), counts)
    values = truth[idx] + rng.normal(0, 6, idx.size)
    return [f"F{i}" for i in range(n_firms)], idx, values


def test_small_firm_is_shrunk_more_than_large_firm_with_same_mean() -> None:
    _ids, idx, values = _population()
    # two extra firms with the same raw mean 95: one with 2 reports, one with 40
    idx = np.concatenate([idx, np.full(2, 40), np.full(40, 41)])
    values = np.concatenate([values, np.full(2, 95.0), np.full(40, 95.0)])
    post = shrink(Observations.of(idx, values), 42, StandingConfig())
    assert post.raw_mean[40] == post.raw_mean[41] == 95.0
    assert post.mean[40] < post.mean[41] < 95.0
    assert post.sd[40] > post.sd[41]
    assert 0 < post.prior_weight < 50


def test_firm_without_observations_gets_the_prior() -> None:
    post = shrink(Observations.of([0, 0, 1, 1], [80.0, 82.0, 60.0, 62.0]), 3, StandingConfig())
    assert post.n[2] == 0
    assert np.isnan(post.raw_mean[2])
    assert post.mean[2] == post.population_mean


def test_composite_interval_grade_rank_and_missing_component() -> None:
    ids, idx, values = _population()
    obs = {REPORT_QUALITY: Observations.of(idx, values)}  # no satisfaction etc.: weights renormalise
    s = compute_standings(ids, obs)
    np.testing.assert_allclose(s.composite, s.components[REPORT_QUALITY].mean)
    assert np.all((s.lower <= s.composite) & (s.composite <= s.upper))
    assert np.all((s.rank_lower <= s.rank) | (s.rank_upper >= s.rank))
    assert np.all(s.rank_lower <= s.rank_upper)
    best = int(np.argmax(s.composite))
    assert s.rank[best] == 1
    assert set(s.grade) <= {"excellent", "good", "pass", "fail", "insufficient"}


def test_rank_interval_is_reproducible_and_wider_for_less_evidence() -> None:
    ids, idx, values = _population(3)
    obs = {REPORT_QUALITY: Observations.of(idx, values)}
    a, b = compute_standings(ids, obs), compute_standings(ids, obs)
    np.testing.assert_array_equal(a.rank_lower, b.rank_lower)
    width = a.rank_upper - a.rank_lower
    n = a.n_quality
    assert width[n <= np.quantile(n, 0.25)].mean() > width[n >= np.quantile(n, 0.75)].mean()


def test_p_below_pass_tracks_the_evidence() -> None:
    idx = np.repeat(np.arange(3), 20)
    values = np.concatenate([np.full(20, 55.0), np.full(20, 70.0), np.full(20, 90.0)])
    values = values + np.tile(np.linspace(-3, 3, 20), 3)
    s = compute_standings(["low", "line", "high"], {REPORT_QUALITY: Observations.of(idx, values)})
    assert s.p_below_pass[0] > 0.99
    assert s.p_below_pass[2] < 0.01
    assert 0.1 < s.p_below_pass[1] < 0.9


def test_a_grade_only_where_the_evidence_supports_it() -> None:
    cfg = StandingConfig(grade_bands=(("A", 85.0), ("B", 60.0), ("C", float("-inf"))))
    mean = np.array([95.0, 86.0, 72.0, 40.0, 57.0, 40.0])
    sd = np.array([2.0, 2.0, 3.0, 5.0, 1.5, 5.0])
    n = np.array([12, 12, 12, 12, 12, 4])
    assert evidenced_grades(mean, sd, n, cfg) == (
        "A",  # P(>= 85) ~ 1
        "insufficient",  # P(>= 85) = 0.69: the interval spans two bands
        "B",
        "C",  # the lowest band needs the certainty of a notice: P(< 60) > 0.99
        "insufficient",  # P(< 60) = 0.977: likely, not certain
        "insufficient",  # 4 reports: too few for any grade
    )
    default = StandingConfig()
    assert default.fail_probability >= 0.99 and default.grade_min_reports >= 10


def test_ties_share_the_better_rank() -> None:
    np.testing.assert_array_equal(rank_descending(np.array([5.0, 9.0, 5.0, 1.0])), [2, 1, 2, 4])


def test_outcome_adjustment_removes_revenge_but_keeps_agency_differences() -> None:
    rng = np.random.default_rng(1)
    agency = rng.integers(0, 2, 4000)
    failed = rng.integers(0, 2, 4000)
    rating = 70 + 10 * agency - 15 * failed + rng.normal(0, 3, 4000)
    adj = adjust_for_outcome(rating, failed)
    assert abs(adj[failed == 1].mean() - adj[failed == 0].mean()) < 1e-9
    assert abs((adj[agency == 1].mean() - adj[agency == 0].mean()) - 10) < 0.5
    s = compute_standings(
        ["A0", "A1"],
        {CONSULTANCY_RATING: Observations.of(agency, adj), SATISFACTION: Observations.of(agency, rating)},
        AGENCY_CONFIG,
    )
    assert s.rank[1] == 1


@settings(max_examples=40, deadline=None)
@given(
    firm=st.integers(0, 11),
    bump=st.floats(0.5, 30.0),
    seed=st.integers(0, 10_000),
)
def test_better_reports_never_raise_p_below_pass(firm: int, bump: float, seed: int) -> None:
    """Raising one firm's report scores (others unchanged) never raises its P(below the line)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 12, 12)
    idx = np.repeat(np.arange(12), counts)
    values = rng.normal(75, 8, idx.size)
    ids = [f"F{i}" for i in range(12)]
    before = compute_standings(ids, {REPORT_QUALITY: Observations.of(idx, values)})
    raised = np.where(idx == firm, values + bump, values)
    after = compute_standings(ids, {REPORT_QUALITY: Observations.of(idx, raised)})
    assert after.p_below_pass[firm] <= before.p_below_pass[firm] + 1e-12
    assert after.composite[firm] >= before.composite[firm] - 1e-12


def test_summaries_give_the_same_posterior_as_the_raw_observations() -> None:
    """Survey aggregates arrive as (n, mean, sd) per month; two months of one firm combine exactly."""
    from services.scoring.ranking.standing import Summaries

    _ids, idx, values = _population(4, n_firms=10)
    raw = shrink(Observations.of(idx, values), 10, StandingConfig())
    rows_f, rows_n, rows_m, rows_sd = [], [], [], []
    for f in range(10):
        v = values[idx == f]
        for part in (v[: len(v) // 2], v[len(v) // 2 :]):
            if part.size:
                rows_f.append(f)
                rows_n.append(part.size)
                rows_m.append(float(part.mean()))
                rows_sd.append(float(part.std(ddof=1)) if part.size > 1 else 0.0)
    agg = shrink(Summaries.of(rows_f, rows_n, rows_m, rows_sd), 10, StandingConfig())
    np.testing.assert_allclose(agg.mean, raw.mean)
    np.testing.assert_allclose(agg.sd, raw.sd)
