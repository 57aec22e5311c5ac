"""A seeded synthetic world for tests, the benchmark and demo bulletins (always labelled synthetic).

Consultancies have a known true report quality; case volumes are skewed (log-normal), experts have
a leniency bias (removed by the scoring service's own calibration, as in production), some firms
are truly below the pass line, and failed consultancies rate the review side lower (revenge), so
every correction the standing makes has something to correct.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from services.scoring.calibration import calibrate
from services.scoring.ranking.standing import (
    CONSULTANCY_RATING,
    FIRST_PASS,
    NO_REWORK,
    NO_VETO,
    PANEL_RATING,
    REPORT_QUALITY,
    SATISFACTION,
    Observations,
    adjust_for_outcome,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_TOWNS = ("莞城", "南城", "东城", "万江", "石龙", "虎门", "长安", "常平", "塘厦", "松山湖", "大朗", "厚街")
_WORDS = ("绿源", "清源", "碧水", "蓝天", "恒信", "华清", "中环", "粤环", "佳境", "泰和", "启明", "汇能")


@dataclass(frozen=True)
class SyntheticConfig:
    n_firms: int = 150
    n_agencies: int = 12
    n_experts: int = 300
    months: int = 12
    cases_per_month: int = 150
    panel_size: int = 3
    # true quality: a mixture of regular firms and a truly substandard group
    quality_mean: float = 81.0
    quality_sd: float = 5.0
    substandard_share: float = 0.12
    substandard_mean: float = 61.0
    substandard_sd: float = 5.0
    case_sd: float = 6.0
    expert_bias_sd: float = 4.0
    score_noise_sd: float = 3.0
    volume_sigma: float = 1.0
    survey_response_rate: float = 0.6
    seed: int = 7


@dataclass(frozen=True)
class SyntheticWorld:
    """Cases over all months; per-case arrays are aligned, firm/agency values index the id tuples."""

    firm_ids: tuple[str, ...]
    firm_names: tuple[str, ...]
    agency_ids: tuple[str, ...]
    agency_names: tuple[str, ...]
    true_quality: FloatArray
    month: IntArray
    firm: IntArray
    agency: IntArray
    calibrated: FloatArray
    panel_rating: FloatArray
    satisfaction: FloatArray  # NaN where the enterprise did not answer
    first_pass: FloatArray
    no_rework: FloatArray
    no_veto: FloatArray
    rating_of_agency: FloatArray
    agency_satisfaction: FloatArray
    # the experts' raw totals behind ``calibrated`` (case index, expert index, score)
    score_case: IntArray
    score_expert: IntArray
    score_value: FloatArray


def _names(prefix: str, n: int, suffix: str) -> tuple[str, ...]:
    return tuple(
        f"{prefix}{_TOWNS[i % len(_TOWNS)]}{_WORDS[(i // len(_TOWNS)) % len(_WORDS)]}{suffix}{i:04d}"
        for i in range(n)
    )


def generate(config: SyntheticConfig | None = None) -> SyntheticWorld:
    cfg = config or SyntheticConfig()
    rng = np.random.default_rng(cfg.seed)
    weak = rng.random(cfg.n_firms) < cfg.substandard_share
    quality = np.where(
        weak,
        rng.normal(cfg.substandard_mean, cfg.substandard_sd, cfg.n_firms),
        rng.normal(cfg.quality_mean, cfg.quality_sd, cfg.n_firms),
    )
    quality = np.clip(quality, 35, 98)
    volume = rng.lognormal(0.0, cfg.volume_sigma, cfg.n_firms)
    n_cases = cfg.cases_per_month * cfg.months
    month = np.sort(rng.integers(0, cfg.months, n_cases))
    firm = rng.choice(cfg.n_firms, size=n_cases, p=volume / volume.sum())
    agency = rng.integers(0, cfg.n_agencies, n_cases)
    agency_quality = rng.normal(80, 6, cfg.n_agencies)
    case_q = quality[firm] + rng.normal(0, cfg.case_sd, n_cases)
    bias = rng.normal(0, cfg.expert_bias_sd, cfg.n_experts)
    # a few lenient experts review more often: bias and load correlate, as in real pools
    load = np.exp(0.3 * bias / cfg.expert_bias_sd)
    expert = rng.choice(cfg.n_experts, size=(n_cases, cfg.panel_size), p=load / load.sum())
    raw = case_q[:, None] + bias[expert] + rng.normal(0, cfg.score_noise_sd, expert.shape)
    case_idx = np.repeat(np.arange(n_cases), cfg.panel_size)
    calibrated = calibrate(case_idx, expert.ravel(), raw.ravel()).calibrated
    veto = rng.random(n_cases) < 0.5 / (1 + np.exp((case_q - 58) / 4))
    first = (~veto) & (case_q + rng.normal(0, 4, n_cases) >= 72)
    rework = (~first) & (rng.random(n_cases) < 0.7)
    panel = np.clip(quality[firm] + rng.normal(0, 10, n_cases), 0, 100)
    answered = rng.random(n_cases) < cfg.survey_response_rate
    satisfaction = np.where(
        answered, np.clip(60 + 0.4 * quality[firm] + rng.normal(0, 10, n_cases), 0, 100), np.nan
    )
    revenge = np.where(first, 0.0, -12.0)
    rating_of_agency = np.clip(agency_quality[agency] + revenge + rng.normal(0, 8, n_cases), 0, 100)
    agency_sat = np.where(
        answered, np.clip(agency_quality[agency] + rng.normal(0, 8, n_cases), 0, 100), np.nan
    )
    return SyntheticWorld(
        firm_ids=tuple(f"C{i:05d}" for i in range(cfg.n_firms)),
        firm_names=_names("东莞市", cfg.n_firms, "环保科技有限公司"),
        agency_ids=tuple(f"A{i:04d}" for i in range(cfg.n_agencies)),
        agency_names=_names("广东", cfg.n_agencies, "评估咨询有限公司"),
        true_quality=quality,
        month=month.astype(np.int64),
        firm=firm.astype(np.int64),
        agency=agency.astype(np.int64),
        calibrated=calibrated,
        panel_rating=panel,
        satisfaction=satisfaction,
        first_pass=np.where(first, 100.0, 0.0),
        no_rework=np.where(rework, 0.0, 100.0),
        no_veto=np.where(veto, 0.0, 100.0),
        rating_of_agency=rating_of_agency,
        agency_satisfaction=agency_sat,
        score_case=case_idx.astype(np.int64),
        score_expert=expert.ravel().astype(np.int64),
        score_value=raw.ravel(),
    )


def columns_to_observations(index: IntArray, columns: Mapping[str, FloatArray]) -> dict[str, Observations]:
    """Per-case columns to per-component observations, dropping missing (NaN) values."""
    out = {}
    for name, values in columns.items():
        keep = ~np.isnan(values)
        out[name] = Observations.of(index[keep], values[keep])
    return out


def window_mask(world: SyntheticWorld, month: int, window: int) -> NDArray[np.bool_]:
    return (world.month <= month) & (world.month > month - window)


def consultancy_observations(world: SyntheticWorld, month: int, window: int = 12) -> dict[str, Observations]:
    m = window_mask(world, month, window)
    return columns_to_observations(
        world.firm[m],
        {
            REPORT_QUALITY: world.calibrated[m],
            PANEL_RATING: world.panel_rating[m],
            SATISFACTION: world.satisfaction[m],
            FIRST_PASS: world.first_pass[m],
            NO_REWORK: world.no_rework[m],
            NO_VETO: world.no_veto[m],
        },
    )


def agency_observations(world: SyntheticWorld, month: int, window: int = 12) -> dict[str, Observations]:
    m = window_mask(world, month, window)
    failed = (world.first_pass[m] == 0).astype(np.int64)
    return columns_to_observations(
        world.agency[m],
        {
            CONSULTANCY_RATING: adjust_for_outcome(world.rating_of_agency[m], failed),
            SATISFACTION: world.agency_satisfaction[m],
        },
    )
