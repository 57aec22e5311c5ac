"""The two steps of a month, as the servicer runs them and the year simulations replay them.

``rank`` turns built evidence into the stored rows of each kind of entity (``ComputeStandings``);
``judge`` turns a stored run back into flags (``ScoreFlags``), through the same
``ranking.pipeline.flag_period`` the simulations call. No I/O here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from services.scoring.ranking.flagmodel import FlagModel
from services.scoring.ranking.hardrules import Outcomes, apply_hard_rules
from services.scoring.ranking.pipeline import PeriodResult, flag_period
from services.scoring.ranking.standing import compute_standings
from services.scoring.standings.config import StandingsConfig
from services.scoring.standings.evidence import EvidenceBuilder
from services.scoring.standings.runs import (
    AGENCY,
    CONSULTANCY,
    RunSummary,
    StoredStanding,
    features_of,
    standings_of,
    stored_rows,
)


@dataclass(frozen=True)
class Ranked:
    kind: str
    rows: list[StoredStanding]
    summary: RunSummary


def rank(
    firms: EvidenceBuilder,
    agencies: EvidenceBuilder,
    cfg: StandingsConfig,
    notes: Sequence[str],
    calibration: str,
) -> list[Ranked]:
    """Consultancies' and agencies' standings of one month from their evidence, as stored."""
    out = []
    for kind, ev, config in ((CONSULTANCY, firms, cfg.consultancy), (AGENCY, agencies, cfg.agency)):
        ids, obs = ev.build()
        rows: list[StoredStanding] = []
        summary = RunSummary(notes=tuple(notes), calibration=calibration)
        usable = {k: v for k, v in obs.items() if k in {c.name for c in config.components}}
        if ids and usable:
            st = compute_standings(ids, usable, config)
            rows = stored_rows(st, kind)
            summary = RunSummary(
                notes=tuple(notes),
                components=tuple(sorted(st.components)),
                funnel_center=st.funnel_center,
                funnel_sigma=st.funnel_sigma,
                calibration=calibration,
            )
        out.append(Ranked(kind, rows, summary))
    return out


def judge(
    rows: Sequence[StoredStanding],
    cfg: StandingsConfig,
    model: FlagModel | None = None,
    falsified: Collection[str] = (),
    falsified_vetoes: Mapping[str, Sequence[str]] | None = None,
) -> PeriodResult:
    """The flags of a stored consultancy run (exactly what was computed, never recomputed), with
    the hard rules applied."""
    result = flag_period(
        standings_of(rows, cfg.consultancy),
        features_of(rows),
        flag_config=cfg.flags,
        model=model,
        falsified=falsified,
    )
    return replace(result, flags=apply_hard_rules(result.flags, falsified_vetoes or {}, outcomes_of(rows)))


def outcomes_of(rows: Sequence[StoredStanding]) -> dict[str, Outcomes]:
    """Reports, failures and vetoes per consultancy from a stored run's component counts."""
    out = {}
    for r in rows:
        first, veto = r.component("first_pass"), r.component("no_veto")
        if first is None or not first.n or first.raw_mean is None:
            continue
        vetoed = round(veto.n * (100 - veto.raw_mean) / 100) if veto and veto.raw_mean is not None else 0
        out[r.entity] = Outcomes(first.n, first.n - round(first.n * first.raw_mean / 100), vetoed)
    return out
