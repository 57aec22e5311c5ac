"""One period end to end: standing, model features and risk, flags. Shared by the servicer, the
monthly job, the benchmark and the simulation test so that they all run the same steps."""

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
    features = feature_matrix(standings)
    evidence = evaluate_model(model, features) if model is not None else None
    flags = decide_flags(standings, flag_config, evidence, falsified)
    return PeriodResult(standings, features, evidence, flags)
