"""Aggregates of survey responses: means with intervals, Cronbach's alpha, response rate, suppression.

Pure functions over plain data, so the formulas can be checked by hand:

* a respondent's dimension score is the mean of her answers to that
  dimension's items; the dimension's estimate is the mean of those scores with
  a Student-t interval (clipped to the scale);
* "would hire again" is a proportion with a Wilson score interval;
* Cronbach's alpha = k/(k-1) · (1 − Σ var(item) / var(total)), sample
  variances (ddof 1), over the respondents who answered the dimension's most
  common item set (template versions may differ);
* response rate is AAPOR RR1: complete responses / all invitations issued
  (no partial completes exist here; open invitations count as non-response);
* any aggregate over fewer than ``min_responses`` is suppressed: counts are
  shown, means, intervals and alpha are not.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from services.surveys.templates import Content, Purpose

SIGNALS = ("straight_lining", "too_fast", "duplicate_pattern")


@dataclass(frozen=True)
class Estimate:
    mean: float
    lower: float
    upper: float
    n: int


def mean_interval(
    values: Sequence[float], confidence: float, *, low: float = -math.inf, high: float = math.inf
) -> Estimate | None:
    """Mean and Student-t interval, clipped to [low, high]; one value gives a point."""
    n = len(values)
    if n == 0:
        return None
    arr = np.asarray(values, dtype=float)
    mean = float(arr.mean())
    if n == 1:
        return Estimate(mean, mean, mean, 1)
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1) * arr.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, max(low, mean - half), min(high, mean + half), n)


def wilson(successes: int, n: int, confidence: float) -> Estimate | None:
    """Proportion with the Wilson score interval (sane at 0 and 1, unlike the Wald interval)."""
    if n == 0:
        return None
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def cronbach_alpha(matrix: Sequence[Sequence[float]]) -> float | None:
    """Alpha of an n×k answer matrix; None with fewer than 2 items or respondents, or no variance."""
    arr = np.asarray(matrix, dtype=float)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        return None
    k = arr.shape[1]
    total_var = float(arr.sum(axis=1).var(ddof=1))
    if total_var == 0.0:
        return None
    return k / (k - 1) * (1.0 - float(arr.var(axis=0, ddof=1).sum()) / total_var)


@dataclass(frozen=True)
class ResponseData:
    """One response as the aggregates see it."""

    answers: Mapping[str, Any]
    content: Content
    template: str
    straight_lining: bool = False
    too_fast: bool = False
    duplicate_pattern: bool = False

    @property
    def flagged(self) -> bool:
        return self.straight_lining or self.too_fast or self.duplicate_pattern


@dataclass(frozen=True)
class DimensionResult:
    key: str
    name_zh: str
    name_en: str
    score: Estimate | None
    alpha: float | None
    alpha_items: int
    alpha_n: int


@dataclass
class Aggregate:
    invitations: int
    n: int
    response_rate: float
    suppressed: bool
    min_responses: int
    confidence: float
    signals: dict[str, int]
    excluded: int
    templates: list[str]
    dimensions: list[DimensionResult] = field(default_factory=list)
    overall: Estimate | None = None
    quality: Estimate | None = None
    hire_again: Estimate | None = None


def aggregate(
    responses: Sequence[ResponseData],
    *,
    invitations: int,
    min_responses: int,
    confidence: float,
    exclude_flagged: bool = False,
) -> Aggregate:
    signals = {s: sum(1 for r in responses if getattr(r, s)) for s in SIGNALS}
    signals["any"] = sum(1 for r in responses if r.flagged)
    kept = [r for r in responses if not (exclude_flagged and r.flagged)]
    out = Aggregate(
        invitations=invitations,
        n=len(kept),
        response_rate=len(responses) / invitations if invitations else 0.0,
        suppressed=len(kept) < min_responses,
        min_responses=min_responses,
        confidence=confidence,
        signals=signals,
        excluded=len(responses) - len(kept),
        templates=sorted({r.template for r in kept}),
    )
    if out.suppressed:
        return out
    out.dimensions = _dimensions(kept, confidence)
    out.overall = _single(kept, Purpose.OVERALL_SATISFACTION, confidence)
    out.quality = _single(kept, Purpose.SERVICE_QUALITY_SCORE, confidence)
    yes = [
        r.answers[i.key]
        for r in kept
        if (i := r.content.item_of(Purpose.WOULD_HIRE_AGAIN)) and i.key in r.answers
    ]
    out.hire_again = wilson(sum(1 for v in yes if v), len(yes), confidence)
    return out


def _single(rows: Sequence[ResponseData], purpose: Purpose, confidence: float) -> Estimate | None:
    values, low, high = [], math.inf, -math.inf
    for r in rows:
        item = r.content.item_of(purpose)
        if item is not None and item.key in r.answers:
            values.append(float(r.answers[item.key]))
            low, high = min(low, item.scale_min), max(high, item.scale_max)
    return mean_interval(values, confidence, low=low, high=high)


def _dimensions(rows: Sequence[ResponseData], confidence: float) -> list[DimensionResult]:
    names: dict[str, tuple[str, str]] = {}
    for r in rows:  # newest template's wording wins; order of first appearance
        for d in r.content.dimensions:
            names[d.key] = (d.name_zh, d.name_en)
    out = []
    for key, (zh, en) in names.items():
        scores: list[float] = []
        item_sets: Counter[tuple[str, ...]] = Counter()
        low, high = math.inf, -math.inf
        for r in rows:
            keys = tuple(k for k in r.content.dimension_items().get(key, []) if k in r.answers)
            if not keys:
                continue
            scores.append(sum(float(r.answers[k]) for k in keys) / len(keys))
            item_sets[keys] += 1
            for item in r.content.items:
                if item.key in keys:
                    low, high = min(low, item.scale_min), max(high, item.scale_max)
        alpha, k, n = None, 0, 0
        if item_sets:
            common = max(item_sets.items(), key=lambda kv: (kv[1], len(kv[0])))[0]
            matrix = [
                [float(r.answers[c]) for c in common]
                for r in rows
                if tuple(x for x in r.content.dimension_items().get(key, []) if x in r.answers) == common
            ]
            alpha, k, n = cronbach_alpha(matrix), len(common), len(matrix)
        out.append(
            DimensionResult(key, zh, en, mean_interval(scores, confidence, low=low, high=high), alpha, k, n)
        )
    return out
