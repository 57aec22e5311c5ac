"""Possible collusion between raters and consultancies, and retaliation in mutual ratings.

Collusion, stated statistic.  For an (expert, consultancy) pair the evidence is the expert's
*residual* on that consultancy's reports, ``r = score - calibrated case score - expert offset``:
how far the expert scored above both the panel's consensus and their own usual leniency.
``z = sum(r) / (sigma_r * sqrt(m))`` over the pair's m scores, one-sided p from the normal, and a
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

from collections import Counter
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
    """Residuals of panels of one (fast track) are zero by construction and carry no evidence:
    they are left out of both the pairs and the residual SD, which they would shrink."""
    panel_size = Counter(r.case for r in rows)
    rows = [r for r in rows if panel_size[r.case] > 1]
    if not rows:
        return []
    residual = np.array([r.score - r.calibrated - r.expert_offset for r in rows])
    sigma = float(np.sqrt(np.mean(residual**2)))
    groups: dict[tuple[Hashable, Hashable], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r.expert, r.consultancy), []).append(i)
    out = []
    for (expert, consultancy), idx in groups.items():
        if len({rows[i].case for i in idx}) < policy.min_cases or sigma <= 0:
            continue
        z = float(residual[idx].sum() / (sigma * np.sqrt(len(idx))))
        out.append(
            PairFinding(
                kind="expert",
                rater=expert,
                consultancy=consultancy,
                n_cases=len({rows[i].case for i in idx}),
                mean_rating_given=_mean_or_none([rows[i].rating_given for i in idx]),
                mean_rating_received=_mean_or_none([rows[i].rating_received for i in idx]),
                mean_excess=float(residual[idx].mean()),
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
