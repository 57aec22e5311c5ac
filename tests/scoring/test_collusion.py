"""Collusion statistic and retaliation view on planted data (pure)."""

from __future__ import annotations

import numpy as np

from services.scoring.collusion import (
    CollusionPolicy,
    RatedScore,
    collusion_report,
    retaliation_view,
)


def planted(seed: int = 0) -> list[RatedScore]:
    """Expert e0 adds +8 on consultancy c0's reports and both rate each other 5."""
    rng = np.random.default_rng(seed)
    rows = []
    for case in range(200):
        consultancy = f"c{case % 10}"
        agency = f"a{case % 3}"
        panel = rng.choice(20, 3, replace=False)
        if consultancy == "c0" and 0 not in panel:
            panel[0] = 0
        quality = rng.normal(78, 8)
        scores = {e: quality + rng.normal(0, 5) + (8 if e == 0 and consultancy == "c0" else 0) for e in panel}
        mean = float(np.mean(list(scores.values())))
        for e, s in scores.items():
            colluding = e == 0 and consultancy == "c0"
            rows.append(
                RatedScore(
                    case=case,
                    expert=f"e{e}",
                    agency=agency,
                    consultancy=consultancy,
                    score=float(s),
                    calibrated=mean,
                    expert_offset=0.0,
                    rating_given=5.0 if colluding else float(rng.integers(2, 6)),
                    rating_received=5.0 if colluding else float(rng.integers(2, 6)),
                )
            )
    return rows


def test_planted_pair_ranks_first_and_is_flagged() -> None:
    report = collusion_report(planted(), CollusionPolicy())
    top = report[0]
    assert (top.kind, top.rater, top.consultancy) == ("expert", "e0", "c0")
    assert top.flagged and top.q_value <= 0.1 and top.mean_excess > 3
    assert [f for f in report if f.flagged] == [top]


def test_high_ratings_alone_do_not_flag() -> None:
    rows = [RatedScore(**{**r.__dict__, "score": r.calibrated}) if r.expert == "e0" else r for r in planted()]
    assert not any(f.flagged for f in collusion_report(rows, CollusionPolicy()))


def test_retaliation_slope() -> None:
    rng = np.random.default_rng(1)
    outcome = rng.uniform(50, 95, 300)
    fair = retaliation_view(outcome, rng.integers(3, 6, 300).astype(float), 70)
    assert fair.slope_p_value > 0.01
    angry = np.clip(np.round(1 + (outcome - 50) / 11 + rng.normal(0, 0.3, 300)), 1, 5)
    view = retaliation_view(outcome, angry, 70)
    assert view.slope_per_point > 0 and view.slope_p_value < 1e-6
    assert view.mean_rating_failed is not None and view.mean_rating_passed is not None
    assert view.mean_rating_failed < view.mean_rating_passed
    assert view.n_failed + view.n_passed == 300


def test_single_expert_panels_neither_pair_nor_shrink_the_scale() -> None:
    """Fast-track rows (residual 0 by construction) must not make a pair look more extreme."""
    rows = planted()
    base = next(
        f for f in collusion_report(rows, CollusionPolicy()) if f.rater == "e0" and f.kind == "expert"
    )
    fast = [
        RatedScore(
            case=f"fast{i}",
            expert=f"e{i % 20}",
            agency="a0",
            consultancy="c-fast",
            score=80.0,
            calibrated=80.0 - 1.0,
            expert_offset=1.0,
            rating_given=None,
            rating_received=None,
        )
        for i in range(400)
    ]
    again = collusion_report(rows + fast, CollusionPolicy())
    same = next(f for f in again if f.rater == "e0" and f.kind == "expert" and f.consultancy == "c0")
    assert abs(same.z - base.z) < 1e-9
    assert not any(f.consultancy == "c-fast" and f.kind == "expert" for f in again)
