"""Collusion where pairs meet: a small industry with few specialists (seeded).

Thirty consultancies, forty experts with leniency SD 5, panels of three. Five (specialist,
consultancy) pairs meet on most of the consultancy's cases, the specialist scores those reports
6 points above what they are worth and both sides rate each other 5 of 5. The report must put at
least four of the five planted pairs in its top 5 %. Calibration and the report's rows are built
as ``GetCollusionReport`` builds them (``calibrate`` then ``RatedScore`` per locked score).
"""

from __future__ import annotations

import numpy as np

from services.scoring.calibration import calibrate
from services.scoring.collusion import CollusionPolicy, RatedScore, collusion_report, retaliating_raters

PLANTED = {(f"experts/{k}", f"consultancies/{k}") for k in range(5)}


def small_industry(seed: int = 5, inflation: float = 6.0) -> list[RatedScore]:
    rng = np.random.default_rng(seed)
    n_firms, n_experts, n_cases = 30, 40, 900
    quality = rng.normal(76, 8, n_firms)
    bias = rng.normal(0, 5, n_experts)
    firm = rng.choice(n_firms, n_cases, p=np.r_[np.full(5, 3.0), np.ones(n_firms - 5)] / (15 + n_firms - 5))
    rows: list[tuple[int, int, int, float, float, float]] = []  # case, expert, firm, score, given, received
    for c in range(n_cases):
        f = int(firm[c])
        panel = list(rng.choice(n_experts, 3, replace=False))
        colluding = f < 5 and rng.random() < 0.7  # the firm's specialist sits on most of its panels
        if colluding and f not in panel:
            panel[0] = f
        q = quality[f] + rng.normal(0, 6)
        for e in panel:
            inflated = colluding and e == f
            score = q + bias[e] + rng.normal(0, 3) + (inflation if inflated else 0.0)
            given = (
                5.0 if inflated else float(np.clip(np.rint(1 + 4 * (q - 40) / 60 + rng.normal(0, 0.7)), 1, 5))
            )
            received = 5.0 if colluding else float(rng.integers(2, 6))
            rows.append((c, int(e), f, float(score), given, received))
    fit = calibrate([r[0] for r in rows], [r[1] for r in rows], [r[3] for r in rows])
    calibrated = dict(zip(fit.case_ids, fit.calibrated.tolist(), strict=True))
    offsets = dict(zip(fit.expert_ids, fit.expert_offset.tolist(), strict=True))
    return [
        RatedScore(
            case=f"cases/{c}",
            expert=f"experts/{e}",
            agency="reviewAgencies/a",
            consultancy=f"consultancies/{f}",
            score=s,
            calibrated=float(calibrated[c]),
            expert_offset=float(offsets[e]),
            rating_given=g,
            rating_received=r,
        )
        for c, e, f, s, g, r in rows
    ]


def test_planted_pairs_rank_in_the_top_five_percent() -> None:
    report = [f for f in collusion_report(small_industry(), CollusionPolicy()) if f.kind == "expert"]
    top = report[: max(1, int(np.ceil(0.05 * len(report))))]
    found = {(str(f.rater), str(f.consultancy)) for f in top} & PLANTED
    ranks = {(str(f.rater), str(f.consultancy)): i + 1 for i, f in enumerate(report)}
    print(
        f"\n{len(report)} expert pairs; top 5 % = {len(top)}; "
        f"planted ranks {sorted(ranks[p] for p in PLANTED)}"
    )
    assert len(found) >= 4
    assert sum(f.flagged for f in report if (str(f.rater), str(f.consultancy)) in PLANTED) >= 4
    assert not any(f.flagged for f in report if (str(f.rater), str(f.consultancy)) not in PLANTED)


def test_retaliation_view_names_the_raters() -> None:
    """Every consultancy rates the review side a little lower after a failed report; three rate it
    1 of 5 whenever they fail. The view names those three, not only a city-wide slope."""
    rng = np.random.default_rng(8)
    raters, outcomes, ratings = [], [], []
    for _ in range(1200):
        firm = int(rng.integers(0, 30))
        score = float(rng.normal(74, 8))
        failed = score < 70
        rating = float(np.clip(np.rint(4 - (0.5 if failed else 0) + rng.normal(0, 0.8)), 1, 5))
        if failed and firm < 3:
            rating = 1.0
        raters.append(f"consultancies/{firm}")
        outcomes.append(score)
        ratings.append(rating)
    named = retaliating_raters(raters, outcomes, ratings, 70.0, CollusionPolicy())
    flagged = {str(r.rater) for r in named if r.flagged}
    print(f"\nflagged raters: {sorted(flagged)}; top z {[round(r.z, 1) for r in named[:5]]}")
    assert flagged == {f"consultancies/{k}" for k in range(3)}
    assert all(r.excess_drop > 1.5 for r in named if r.flagged)
