"""Possible collusion between raters and consultancies, and retaliation in mutual ratings.

Collusion, stated statistic.  For an (expert, consultancy) pair the evidence is the expert's
*deviation* on that consultancy's reports, ``d = score - mean(other panelists' score - their
offset)``: how far the expert scored above the rest of the panel's bias-corrected view, compared
with the same expert's deviations on other consultancies' reports (their own usual leniency,
measured without the pair, so a specialist who meets a firm often cannot hide the uplift in their
offset). ``z = (mean d on the pair - mean d elsewhere) / se``, one-sided p from the normal, and a
Benjamini-Hochberg q over all pairs tested.  A pair is *flagged* when it has at least
``min_cases`` cases, both sides' mean mutual ratings are at or above ``high_rating``, and
``q <= alpha``.  Residuals sum to zero within a panel, so for an (agency, consultancy) pair a whole
panel's uplift is measured differently: the calibrated scores of the consultancy's cases reviewed
by that agency against the same consultancy's cases reviewed by other agencies, scaled by the
pooled within-consultancy spread of calibrated scores.

Retaliation: the consultancy's rating of the review side regressed on the case outcome (the
calibrated score), plus the mean rating after a failed versus a passed report.  A clearly positive
slope means reviewers who score low are rated low in return.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CollusionPolicy:
    min_cases: int = 3
    high_rating: float = 4.5
    alpha: float = 0.1


@dataclass(frozen=True)
class RatedScore:
    """One locked score joined with its case's calibration and both sides' mutual ratings.

    ``rating_given``: this expert's mean rating of the consultancy (None if not rated);
    ``rating_received``: the consultancy's mean rating of the review side on this case.
    """

    case: Hashable
    expert: Hashable
    agency: Hashable
    consultancy: Hashable
    score: float
    calibrated: float
    expert_offset: float
    rating_given: float | None
    rating_received: float | None


@dataclass(frozen=True)
class PairFinding:
    kind: str  # "expert" or "agency"
    rater: Hashable
    consultancy: Hashable
    n_cases: int
    mean_rating_given: float | None
    mean_rating_received: float | None
    mean_excess: float
    z: float
    p_value: float
    q_value: float
    flagged: bool


def collusion_report(rows: Sequence[RatedScore], policy: CollusionPolicy) -> list[PairFinding]:
    """All pairs with enough cases, ranked by z (largest first); ``flagged`` marks the suspects."""
    findings = _expert_pairs(rows, policy) + _agency_pairs(rows, policy)
    if not findings:
        return []
    q = _benjamini_hochberg(np.array([f.p_value for f in findings]))
    out = [
        PairFinding(
            **{
                **f.__dict__,
                "q_value": float(qv),
                "flagged": _mutually_high(f, policy) and qv <= policy.alpha,
            }
        )
        for f, qv in zip(findings, q, strict=True)
    ]
    return sorted(out, key=lambda f: (-f.z, f.kind, str(f.rater), str(f.consultancy)))


def _mutually_high(f: PairFinding, policy: CollusionPolicy) -> bool:
    given, received = f.mean_rating_given, f.mean_rating_received
    return (
        given is not None
        and received is not None
        and given >= policy.high_rating
        and received >= policy.high_rating
    )


def _mean_or_none(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _expert_pairs(rows: Sequence[RatedScore], policy: CollusionPolicy) -> list[PairFinding]:
    """Each score's deviation from the rest of its panel (their scores less their offsets), for the
    pair's cases against the same expert's cases of other consultancies.

    Comparing an expert with their own other work, not with their fitted offset, keeps the uplift
    visible where pairs meet often (a specialist in a small industry): there the calibration
    absorbs much of a colluding specialist's uplift into their offset. An expert with fewer than
    ``min_cases`` other cases is compared with the typical expert (baseline 0, with the spread of
    the experts' offsets as its uncertainty). Panels of one carry no evidence and are left out."""
    by_case: dict[Hashable, list[int]] = {}
    for i, r in enumerate(rows):
        by_case.setdefault(r.case, []).append(i)
    dev: dict[int, float] = {}
    for idx in by_case.values():
        if len(idx) < 2:
            continue
        for i in idx:
            others = [rows[j].score - rows[j].expert_offset for j in idx if j != i]
            dev[i] = rows[i].score - float(np.mean(others))
    if not dev:
        return []
    by_expert: dict[Hashable, list[int]] = {}
    for i in dev:
        by_expert.setdefault(rows[i].expert, []).append(i)
    centred = [dev[i] - np.mean([dev[j] for j in idx]) for idx in by_expert.values() for i in idx]
    dof = len(centred) - len(by_expert)
    sigma2 = float(np.sum(np.square(centred)) / dof) if dof > 0 else 0.0
    offsets = {r.expert: r.expert_offset for r in rows}
    tau2 = float(np.var(list(offsets.values()))) if len(offsets) > 1 else 0.0
    out = []
    for expert, idx in by_expert.items():
        by_consultancy: dict[Hashable, list[int]] = {}
        for i in idx:
            by_consultancy.setdefault(rows[i].consultancy, []).append(i)
        for consultancy, mine in by_consultancy.items():
            n_cases = len({rows[i].case for i in mine})
            if n_cases < policy.min_cases or sigma2 <= 0:
                continue
            rest = [dev[i] for i in idx if rows[i].consultancy != consultancy]
            if len(rest) >= policy.min_cases:
                baseline, base_var = float(np.mean(rest)), sigma2 / len(rest)
            else:
                baseline, base_var = 0.0, tau2 + sigma2
            excess = float(np.mean([dev[i] for i in mine])) - baseline
            z = excess / float(np.sqrt(sigma2 / len(mine) + base_var))
            out.append(
                PairFinding(
                    kind="expert",
                    rater=expert,
                    consultancy=consultancy,
                    n_cases=n_cases,
                    mean_rating_given=_mean_or_none([rows[i].rating_given for i in mine]),
                    mean_rating_received=_mean_or_none([rows[i].rating_received for i in mine]),
                    mean_excess=excess,
                    z=z,
                    p_value=float(stats.norm.sf(z)),
                    q_value=1.0,
                    flagged=False,
                )
            )
    return out


@dataclass(frozen=True)
class _Case:
    agency: Hashable
    consultancy: Hashable
    calibrated: float
    given: float | None
    received: float | None


def _cases(rows: Sequence[RatedScore]) -> dict[Hashable, _Case]:
    """Collapse score rows to one record per case (the panel's mean rating given)."""
    by_case: dict[Hashable, list[RatedScore]] = {}
    for r in rows:
        by_case.setdefault(r.case, []).append(r)
    return {
        case: _Case(
            agency=rs[0].agency,
            consultancy=rs[0].consultancy,
            calibrated=rs[0].calibrated,
            given=_mean_or_none([r.rating_given for r in rs]),
            received=_mean_or_none([r.rating_received for r in rs]),
        )
        for case, rs in by_case.items()
    }


def _agency_pairs(rows: Sequence[RatedScore], policy: CollusionPolicy) -> list[PairFinding]:
    cases = list(_cases(rows).values())
    by_consultancy: dict[Hashable, list[_Case]] = {}
    for c in cases:
        by_consultancy.setdefault(c.consultancy, []).append(c)
    within = [
        c.calibrated - np.mean([d.calibrated for d in cs]) for cs in by_consultancy.values() for c in cs
    ]
    dof = len(cases) - len(by_consultancy)
    if dof <= 0:
        return []
    sigma = float(np.sqrt(np.sum(np.square(within)) / dof))
    out = []
    for consultancy, cs in by_consultancy.items():
        for agency in {c.agency for c in cs}:
            mine = [c for c in cs if c.agency == agency]
            others = [c.calibrated for c in cs if c.agency != agency]
            if len(mine) < policy.min_cases or not others or sigma <= 0:
                continue
            excess = float(np.mean([c.calibrated for c in mine]) - np.mean(others))
            se = sigma * np.sqrt(1.0 / len(mine) + 1.0 / len(others))
            z = excess / float(se)
            out.append(
                PairFinding(
                    kind="agency",
                    rater=agency,
                    consultancy=consultancy,
                    n_cases=len(mine),
                    mean_rating_given=_mean_or_none([c.given for c in mine]),
                    mean_rating_received=_mean_or_none([c.received for c in mine]),
                    mean_excess=excess,
                    z=z,
                    p_value=float(stats.norm.sf(z)),
                    q_value=1.0,
                    flagged=False,
                )
            )
    return out


def _benjamini_hochberg(p: FloatArray) -> FloatArray:
    """Step-up BH q-values (monotone, capped at 1)."""
    n = len(p)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


@dataclass(frozen=True)
class Retaliation:
    """How the consultancy's rating of the review side moves with the case outcome."""

    n_cases: int
    slope_per_point: float
    slope_stderr: float
    slope_p_value: float
    mean_rating_failed: float | None
    mean_rating_passed: float | None
    n_failed: int
    n_passed: int


def retaliation_view(outcomes: npt.ArrayLike, ratings: npt.ArrayLike, pass_line: float) -> Retaliation:
    """Regress rating (of the review side) on calibrated score, and compare failed vs passed."""
    x = np.asarray(outcomes, dtype=np.float64)
    y = np.asarray(ratings, dtype=np.float64)
    failed = x < pass_line
    slope = stderr = float("nan")
    p_value = 1.0
    if len(x) >= 3 and np.ptp(x) > 0:
        fit = stats.linregress(x, y)
        slope, stderr, p_value = float(fit.slope), float(fit.stderr), float(fit.pvalue)
    return Retaliation(
        n_cases=len(x),
        slope_per_point=slope,
        slope_stderr=stderr,
        slope_p_value=p_value,
        mean_rating_failed=float(y[failed].mean()) if failed.any() else None,
        mean_rating_passed=float(y[~failed].mean()) if (~failed).any() else None,
        n_failed=int(failed.sum()),
        n_passed=int((~failed).sum()),
    )


@dataclass(frozen=True)
class RaterRetaliation:
    """One rater's (a consultancy's) drop in its rating of the review side after its failed reports,
    beyond the city-wide drop: the raters a reader can name, not only a slope."""

    rater: Hashable
    n_failed: int
    n_passed: int
    mean_rating_failed: float
    mean_rating_passed: float
    excess_drop: float  # (passed - failed) minus the city-wide (passed - failed)
    z: float
    q_value: float
    flagged: bool


def retaliating_raters(
    raters: Sequence[Hashable],
    outcomes: npt.ArrayLike,
    ratings: npt.ArrayLike,
    pass_line: float,
    policy: CollusionPolicy,
) -> list[RaterRetaliation]:
    """Per rater with at least two failed and two passed cases: its drop after failure against the
    city-wide drop, z from the pooled within-group spread, Benjamini-Hochberg q over raters; flagged
    at ``q <= alpha``. Largest z first."""
    x = np.asarray(outcomes, dtype=np.float64)
    y = np.asarray(ratings, dtype=np.float64)
    failed = x < pass_line
    if not failed.any() or failed.all():
        return []
    city = float(y[~failed].mean() - y[failed].mean())
    groups: dict[Hashable, list[int]] = {}
    for i, r in enumerate(raters):
        groups.setdefault(r, []).append(i)
    resid: list[float] = []
    for idx in groups.values():
        for mask in (failed[idx], ~failed[idx]):
            vals = y[idx][mask]
            resid.extend((vals - vals.mean()).tolist() if vals.size else [])
    dof = len(resid) - 2 * len(groups)
    sigma = float(np.sqrt(np.sum(np.square(resid)) / dof)) if dof > 0 else 0.0
    found = []
    for rater, idx in groups.items():
        f, p = y[idx][failed[idx]], y[idx][~failed[idx]]
        if f.size < 2 or p.size < 2 or sigma <= 0:
            continue
        excess = float(p.mean() - f.mean()) - city
        z = excess / (sigma * float(np.sqrt(1 / f.size + 1 / p.size)))
        found.append((rater, f, p, excess, z, float(stats.norm.sf(z))))
    if not found:
        return []
    q = _benjamini_hochberg(np.array([row[5] for row in found]))
    out = [
        RaterRetaliation(
            rater=rater,
            n_failed=int(f.size),
            n_passed=int(p.size),
            mean_rating_failed=float(f.mean()),
            mean_rating_passed=float(p.mean()),
            excess_drop=excess,
            z=z,
            q_value=float(qv),
            flagged=bool(qv <= policy.alpha),
        )
        for (rater, f, p, excess, z, _), qv in zip(found, q, strict=True)
    ]
    return sorted(out, key=lambda r: (-r.z, str(r.rater)))
