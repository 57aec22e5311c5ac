"""Shared, cached synthetic data for the ranking tests (module-level cache: built once per run)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from services.scoring.ranking import synthetic
from services.scoring.ranking.flagmodel import FlagModel, FlagModelConfig, train_flag_model
from services.scoring.ranking.pipeline import run_period


@dataclass(frozen=True)
class Labelled:
    x: np.ndarray
    y: np.ndarray
    periods: list[str]


@cache
def world() -> synthetic.SyntheticWorld:
    return synthetic.generate(synthetic.SyntheticConfig(seed=11))


@cache
def labelled() -> Labelled:
    """Spot-check determinations over 12 months: 20% of active firms a month, truth revealed."""
    w = world()
    rng = np.random.default_rng(5)
    xs, ys, periods = [], [], []
    for month in range(12):
        result = run_period(w.firm_ids, synthetic.consultancy_observations(w, month))
        n = result.standings.n_quality
        checked = np.flatnonzero((n >= 1) & (rng.random(n.size) < 0.2))
        xs.append(result.features[checked])
        ys.append((w.true_quality[checked] < 70).astype(np.int64))
        periods += [f"2026-{month + 1:02d}"] * checked.size
    return Labelled(np.vstack(xs), np.concatenate(ys), periods)


@cache
def model() -> FlagModel:
    data = labelled()
    return train_flag_model(data.x, data.y, data.periods, FlagModelConfig())


def payload(synthetic_flag: bool = True, version: int = 1, replaces: str | None = None):
    """A bulletin payload for month 11 of the synthetic world, proposals approved."""
    from services.scoring.bulletin.payload import BulletinPayload, method_from, notice_row, standing_rows
    from services.scoring.ranking.flags import FlagConfig, FlagLevel
    from services.scoring.ranking.standing import AGENCY_CONFIG, StandingConfig, compute_standings

    w = world()
    result = run_period(w.firm_ids, synthetic.consultancy_observations(w, 11))
    agencies = compute_standings(w.agency_ids, synthetic.agency_observations(w, 11), AGENCY_CONFIG)
    names = dict(zip(w.firm_ids, w.firm_names, strict=True))
    notices = tuple(
        notice_row(f, names[f.firm_id], "经抽查核实，报告质量低于合格线。", statement="我司已整改。")
        for f in result.flags
        if f.level is FlagLevel.PROPOSE_NOTICE
    )
    return BulletinPayload(
        period="2026-10",
        version=version,
        window_start="2025-11",
        window_end="2026-10",
        data_cutoff="2026-11-01T00:00:00+08:00",
        published_at="2026-11-12T10:00:00+08:00",
        synthetic=synthetic_flag,
        method=method_from(StandingConfig(), FlagConfig(), 12, None),
        consultancies=standing_rows(result.standings, names),
        agencies=standing_rows(agencies, dict(zip(w.agency_ids, w.agency_names, strict=True))),
        notices=notices,
        funnel_center=result.standings.funnel_center,
        funnel_sigma=result.standings.funnel_sigma,
        replaces_version=version - 1 if replaces else None,
        replaces_sha256=replaces,
        correction_note="更正排名表中的一处笔误" if replaces else None,
    )
