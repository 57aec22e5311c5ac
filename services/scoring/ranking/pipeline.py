"""One period end to end: standing, model features and risk, flags. The servicer runs the same two
steps (``ComputeStandings``: :func:`compute_standings`; ``ScoreFlags``: :func:`flag_period` on the
stored run), and the benchmark and the simulations run :func:`run_period`, so they all judge a
period by the same code."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from services.scoring.ranking.flagmodel import FlagModel, feature_matrix
from services.scoring.ranking.flags import Flag, FlagConfig, ModelEvidence, decide_flags, evaluate_model
from services.scoring.ranking.standing import (
    Evidence,
    FloatArray,
    StandingConfig,
    Standings,
    compute_standings,
)


@dataclass(frozen=True)
class PeriodResult:
    standings: Standings
    features: FloatArray
    evidence: ModelEvidence | None
    flags: list[Flag]


def run_period(
    firm_ids: Sequence[str],
    observations: Mapping[str, Evidence],
    *,
    standing_config: StandingConfig | None = None,
    flag_config: FlagConfig | None = None,
    model: FlagModel | None = None,
    falsified: Collection[str] = (),
) -> PeriodResult:
    """Without a model (too few determinations so far) the statistical rule alone decides."""
    standings = compute_standings(firm_ids, observations, standing_config)
    return flag_period(
        standings, feature_matrix(standings), flag_config=flag_config, model=model, falsified=falsified
    )


def flag_period(
    standings: Standings,
    features: FloatArray,
    *,
    flag_config: FlagConfig | None = None,
    model: FlagModel | None = None,
    falsified: Collection[str] = (),
) -> PeriodResult:
    """The flags of a computed standing (fresh, or read back from a stored run)."""
    evidence = evaluate_model(model, features) if model is not None else None
    flags = decide_flags(standings, flag_config, evidence, falsified)
    return PeriodResult(standings, features, evidence, flags)
