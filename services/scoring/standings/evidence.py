"""Pure evidence building: a window's locked scores, rework rounds, ratings and survey aggregates
become the per-entity component evidence the standing model reads. No I/O here."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dgcp.surveys.v1 import surveys_pb2 as spb
from services.scoring.ranking.standing import (
    CONSULTANCY_RATING,
    FIRST_PASS,
    NO_REWORK,
    NO_VETO,
    PANEL_RATING,
    REPORT_QUALITY,
    SATISFACTION,
    Evidence,
    Observations,
    Summaries,
    adjust_for_outcome,
)
from services.scoring.ratings import CONSULTANCY_TO_REVIEW, EXPERT_TO_CONSULTANCY, RatingPolicy
from services.scoring.standings.config import StandingsConfig
from services.scoring.standings.reads import RatingEvidence, ScoreEvidence


@dataclass
class EvidenceBuilder:
    """Per-entity component evidence being assembled (entity names map to indices at the end)."""

    entities: set[str] = field(default_factory=set)
    columns: dict[str, tuple[list[str], list[float]]] = field(default_factory=dict)
    summaries: dict[str, tuple[list[str], list[int], list[float], list[float]]] = field(default_factory=dict)

    def add(self, component: str, entity: str, value: float) -> None:
        self.entities.add(entity)
        names, values = self.columns.setdefault(component, ([], []))
        names.append(entity)
        values.append(value)

    def add_summary(self, component: str, entity: str, n: int, mean: float, sd: float) -> None:
        self.entities.add(entity)
        rows = self.summaries.setdefault(component, ([], [], [], []))
        rows[0].append(entity)
        rows[1].append(n)
        rows[2].append(mean)
        rows[3].append(sd)

    def build(self) -> tuple[list[str], dict[str, Evidence]]:
        ids = sorted(self.entities)
        index = {e: i for i, e in enumerate(ids)}
        out: dict[str, Evidence] = {}
        for comp, (names, values) in self.columns.items():
            out[comp] = Observations.of([index[e] for e in names], values)
        for comp, (names, ns, means, sds) in self.summaries.items():
            out[comp] = Summaries.of([index[e] for e in names], ns, means, sds)
        return ids, out


def rating_to_100(mean: float, policy: RatingPolicy) -> float:
    return (mean - policy.min_value) / (policy.max_value - policy.min_value) * 100.0


def gather_evidence(
    scores: Sequence[ScoreEvidence],
    ratings: Sequence[RatingEvidence],
    cfg: StandingsConfig,
    rounds: Mapping[str, bool],
    calibrated: Mapping[str, float],
    calibration: str = "",
) -> tuple[EvidenceBuilder, EvidenceBuilder, list[str]]:
    """Consultancy and agency evidence from the window's locked scores and ratings.

    ``calibrated`` is each case's calibrated score read from the stored fit named ``calibration``
    (the same number ``GetCaseResult`` gives for that fit); a case it lacks adds no evidence.

    ``rounds`` says, per case whose enterprise is known, whether it is another round of review of
    the same enterprise's report at that stage (see ``reads.window_rounds``): the no-rework rate
    counts it against the consultancy whose report it is. Cases it does not name add no rework
    evidence either way."""
    notes: list[str] = []
    firms, agencies = EvidenceBuilder(), EvidenceBuilder()
    failed: dict[str, bool] = {}
    if scores:
        case_info: dict[str, tuple[str, str, bool]] = {}
        for s in scores:
            prev = case_info.get(s.case_name)
            case_info[s.case_name] = (s.consultancy, s.agency, s.vetoed or (prev[2] if prev else False))
        pass_line = cfg.consultancy.pass_line
        missing = 0
        for case, (consultancy, agency, vetoed) in sorted(case_info.items()):
            if case not in calibrated:
                missing += 1
                continue
            q = float(calibrated[case])
            firms.add(REPORT_QUALITY, consultancy, q)
            first = q >= pass_line and not vetoed
            failed[case] = not first
            firms.add(FIRST_PASS, consultancy, 100.0 if first else 0.0)
            firms.add(NO_VETO, consultancy, 0.0 if vetoed else 100.0)
            if case in rounds:
                firms.add(NO_REWORK, consultancy, 0.0 if rounds[case] else 100.0)
            agencies.entities.add(agency)
        notes.append(f"{len(case_info)} locked cases, {len(scores)} scores, calibration {calibration}")
        if missing:
            notes.append(f"{missing} cases outside the calibration fit left out")
        repeats = sum(rounds.get(case, False) for case in case_info)
        notes.append(f"{repeats} of them another round of review of the same report (rework)")
    else:
        notes.append("no locked case in the window")
    agency_values: list[tuple[str, float, bool]] = []
    for r in ratings:
        value = rating_to_100(r.mean, cfg.ratings)
        if r.direction == EXPERT_TO_CONSULTANCY:
            firms.add(PANEL_RATING, r.ratee, value)
        elif r.direction == CONSULTANCY_TO_REVIEW:
            agency_values.append((r.ratee, value, failed.get(r.case_name, False)))
    if agency_values:
        adjusted = adjust_for_outcome(
            np.array([v for _, v, _ in agency_values]),
            np.array([int(f) for _, _, f in agency_values], dtype=np.int64),
        )
        for (agency, _, _), value in zip(agency_values, adjusted.tolist(), strict=True):
            agencies.add(CONSULTANCY_RATING, agency, float(value))
    return firms, agencies, notes


def add_survey_aggregates(
    target: EvidenceBuilder,
    aggregates: Sequence[spb.PartyAggregate],
    cfg: StandingsConfig,
) -> int:
    """Unsuppressed monthly service-quality aggregates (0–100) as summaries; returns how many."""
    used = 0
    for agg in aggregates:
        est = agg.service_quality_score
        if agg.suppressed or est.n <= 0:
            continue
        sd = (est.upper - est.lower) / (2 * cfg.survey_interval_z) * math.sqrt(est.n)
        target.add_summary(SATISFACTION, agg.rated_party, int(est.n), float(est.mean), max(sd, 0.0))
        used += 1
    return used
