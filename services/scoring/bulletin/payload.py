"""What a bulletin says, independent of how it is rendered.

The payload is the single source for every format (HTML, PDF, CSV, JSON), so the formats cannot
disagree; its JSON form is what ``schema/bulletin.schema.json`` documents.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from services.scoring.ranking.flags import Flag, FlagConfig
from services.scoring.ranking.standing import StandingConfig, Standings

SCHEMA_VERSION = "1.0"

GRADE_LABELS: dict[str, tuple[str, str]] = {
    "excellent": ("优秀", "Excellent"),
    "good": ("良好", "Good"),
    "pass": ("合格", "Pass"),
    "fail": ("不合格", "Fail"),
    "insufficient": ("证据不足", "Insufficient evidence"),
}


@dataclass(frozen=True)
class StandingRow:
    entity_id: str
    name: str
    n: int
    composite: float
    lower: float
    upper: float
    grade: str
    rank: int
    rank_lower: int
    rank_upper: int


@dataclass(frozen=True)
class NoticeRow:
    """An approved notice: only these are published."""

    entity_id: str
    name: str
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    decision_reason: str
    statement: str | None = None


@dataclass(frozen=True)
class Method:
    """Method statement numbers, so the text is generated from the configuration actually used."""

    window_months: int
    pass_line: float
    interval_level: float
    min_reports: int
    propose_probability: float
    watch_probability: float
    weights: tuple[tuple[str, str, str, float], ...]  # (name, label_zh, label_en, weight)
    grade_bands: tuple[tuple[str, float], ...]
    model_min_probability: float
    model_version: str | None = None
    calibration: str | None = None  # the stored calibration fit behind the case scores


@dataclass(frozen=True)
class BulletinPayload:
    period: str
    version: int
    window_start: str
    window_end: str
    data_cutoff: str
    published_at: str
    synthetic: bool
    method: Method
    consultancies: tuple[StandingRow, ...]
    agencies: tuple[StandingRow, ...]
    notices: tuple[NoticeRow, ...]
    funnel_center: float
    funnel_sigma: float
    region_zh: str = "东莞市"
    region_en: str = "Dongguan"
    replaces_version: int | None = None
    replaces_sha256: str | None = None
    correction_note: str | None = None
    schema_version: str = field(default=SCHEMA_VERSION)

    @property
    def title_zh(self) -> str:
        return f"{self.region_zh}清洁生产审核技术服务质量月度通报（{self.period}）"

    @property
    def title_en(self) -> str:
        return f"{self.region_en} Clean-Production Audit Service Quality Bulletin ({self.period})"

    def to_json_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["title_zh"] = self.title_zh
        data["title_en"] = self.title_en
        return data


def standing_rows(standings: Standings, names: dict[str, str]) -> tuple[StandingRow, ...]:
    """Rows ordered by rank (best first), values rounded as published."""
    order = np.lexsort((np.asarray(standings.firm_ids), standings.rank))
    return tuple(
        StandingRow(
            entity_id=standings.firm_ids[i],
            name=names.get(standings.firm_ids[i], standings.firm_ids[i]),
            n=int(standings.n_quality[i]),
            composite=round(float(standings.composite[i]), 1),
            lower=round(float(standings.lower[i]), 1),
            upper=round(float(standings.upper[i]), 1),
            grade=standings.grade[i],
            rank=int(standings.rank[i]),
            rank_lower=int(standings.rank_lower[i]),
            rank_upper=int(standings.rank_upper[i]),
        )
        for i in order
    )


def notice_row(flag: Flag, name: str, decision_reason: str, statement: str | None = None) -> NoticeRow:
    return NoticeRow(
        entity_id=flag.firm_id,
        name=name,
        reasons_zh=tuple(r.zh for r in flag.reasons),
        reasons_en=tuple(r.en for r in flag.reasons),
        decision_reason=decision_reason,
        statement=statement,
    )


def method_from(
    standing: StandingConfig,
    flags: FlagConfig,
    window_months: int,
    model_version: str | None,
    calibration: str | None = None,
) -> Method:
    """The method block from the configurations actually used (weights renormalised as applied)."""
    total = sum(c.weight for c in standing.components)
    return Method(
        window_months=window_months,
        pass_line=standing.pass_line,
        interval_level=standing.interval_level,
        min_reports=flags.min_reports,
        propose_probability=flags.propose_probability,
        watch_probability=flags.watch_probability,
        weights=tuple((c.name, c.label_zh, c.label_en, c.weight / total) for c in standing.components),
        grade_bands=standing.grade_bands,
        model_min_probability=flags.model_min_probability,
        model_version=model_version,
        calibration=calibration,
    )
