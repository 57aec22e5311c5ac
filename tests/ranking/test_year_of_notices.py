"""A year of notices without naming the wrong firm: twelve monthly bulletins in four seeded worlds
(expert-bias SD 5 and 10, mean true quality 78 and 74), through the production path of a month
(``tests/ranking/_year.py``), every proposed notice approved. Prints its figures."""

from __future__ import annotations

import pytest

from tests.ranking._year import World, simulate


@pytest.mark.parametrize("mean", [78.0, 74.0])
@pytest.mark.parametrize("bias_sd", [5.0, 10.0])
def test_a_year_names_no_wrong_firm(mean: float, bias_sd: float) -> None:
    year = simulate(World(quality_mean=mean, expert_bias_sd=bias_sd, seed=19))
    final = {int(r.entity.split("/")[1]): r for r in year.final}
    reachable = {f for f in year.bad if f in final and final[f].n >= 10}  # >= 10 reports in the year
    recall_reachable = len(year.named & reachable) / max(len(reachable), 1)
    print(f"\n{year.line()}; recall {recall_reachable:.1%} of the {len(reachable)} with >= 10 reports")
    assert year.named, "the rule names truly substandard firms"
    assert year.wrong_share <= 0.01  # distinct firms wrongly named over the year
    assert all(n >= 10 and p > 0.99 for _, _, n, p in year.notices)
    assert year.spearman >= 0.9
    assert year.rmse_calibrated < year.rmse_raw
    # what the evidence can reach: substandard firms with at least the reports a notice needs
    assert recall_reachable >= 0.45  # measured 50-62 %: below the 70 % target, see the README
    # grades follow the same discipline: never "fail" for a firm at or above the line
    assert all(r.grade != "fail" for f, r in final.items() if year.true_quality[f] >= 70)
    assert all(r.grade == "insufficient" for r in year.final if r.n < 10)
