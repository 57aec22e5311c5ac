"""What a bulletin says, independent of how it is rendered.

The payload is the single source for every format (HTML, PDF, CSV, JSON), so the formats cannot
disagree; its JSON form is what ``schema/bulletin.schema.json`` documents.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from runtime.calendar import Period
from services.scoring.ranking.flags import Flag, FlagConfig
from services.scoring.ranking.standing import StandingConfig, Standings

SCHEMA_VERSION = "2.0"

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
    # 统一社会信用代码 from the registry (what the public can look a firm up by)
    credit_code: str = ""


@dataclass(frozen=True)
class NoticeRow:
    """An approved notice: only these are published."""

    entity_id: str
    name: str
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    decision_reason: str
    statement: str | None = None
    credit_code: str = ""
    kind: str = "CONSULTANCY"  # CONSULTANCY or REVIEW_AGENCY


@dataclass(frozen=True)
class WatchRow:
    """A firm on the watch list (重点关注名单): named with the reason, no sanction."""

    entity_id: str
    name: str
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    credit_code: str = ""
    kind: str = "CONSULTANCY"


@dataclass(frozen=True)
class GroupStat:
    """Cases of one town or industry in the window: how many, how many passed at the first try."""

    key: str
    label_zh: str
    label_en: str
    cases: int
    passed: int


@dataclass(frozen=True)
class Summary:
    """The period's overall figures (reports reviewed, pass rate, vetoes) and their breakdowns."""

    cases: int = 0
    passed: int = 0
    vetoed: int = 0
    consultancies: int = 0
    agencies: int = 0
    by_town: tuple[GroupStat, ...] = ()
    by_industry: tuple[GroupStat, ...] = ()


@dataclass(frozen=True)
class Official:
    """The official-document frame (GB/T 9704-2012): who issues it, its number and date, to whom,
    how to object and the legal remedies. Deployment configuration fills it (``official.py``)."""

    authority_zh: str
    authority_en: str
    document_number: str
    issue_date_zh: str
    issue_date_en: str
    addressees_zh: str
    addressees_en: str
    basis_zh: str
    basis_en: str
    objection_zh: str
    objection_en: str
    remedy_zh: str
    remedy_en: str
    copy_to_zh: str
    copy_to_en: str
    printed_by_zh: str
    printed_by_en: str


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
    # monthly | interim (期中: published before the period ended, cut off at publication) | annual
    kind: str = "monthly"
    official: Official | None = None
    summary: Summary = field(default_factory=Summary)
    watch: tuple[WatchRow, ...] = ()
    key_fingerprint: str = ""
    public_key_pem: str = ""
    # set only on the stamped copy served once a later version replaced this one
    superseded_by_version: int | None = None
    superseded_by_name: str | None = None

    @property
    def period_label_zh(self) -> str:
        return _period_label(self.period, "zh-CN")

    @property
    def period_label_en(self) -> str:
        return _period_label(self.period, "en")

    @property
    def title_zh(self) -> str:
        if self.kind == "annual":
            what = "清洁生产审核技术服务年度统计报告"
        elif self.kind == "interim":
            what = "清洁生产审核技术服务质量期中情况"
        else:
            what = "清洁生产审核技术服务质量情况"
        return f"关于{self.period_label_zh}{what}的通报"

    @property
    def title_en(self) -> str:
        if self.kind == "annual":
            what = "Annual Statistical Report on Clean-Production Audit Services"
        elif self.kind == "interim":
            what = "Interim Notice on Clean-Production Audit Service Quality"
        else:
            what = "Notice on Clean-Production Audit Service Quality"
        return f"{what}, {self.period_label_en}"

    @property
    def interim(self) -> bool:
        return self.kind == "interim"

    def to_json_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["title_zh"] = self.title_zh
        data["title_en"] = self.title_en
        data["period_label_zh"] = self.period_label_zh
        data["period_label_en"] = self.period_label_en
        return data


def payload_from_json(data: dict[str, Any]) -> BulletinPayload:
    """The payload back from its ``bulletin.json`` (to stamp a superseded version, unchanged)."""
    d = dict(data)
    for derived in ("title_zh", "title_en", "period_label_zh", "period_label_en"):
        d.pop(derived, None)
    m = dict(d.pop("method"))
    m["weights"] = tuple(tuple(w) for w in m["weights"])
    m["grade_bands"] = tuple((g, float("-inf") if low is None else low) for g, low in m["grade_bands"])
    summary = dict(d.pop("summary"))
    for key in ("by_town", "by_industry"):
        summary[key] = tuple(GroupStat(**g) for g in summary[key])
    official = d.pop("official")

    def rows(cls: Any, items: list[dict[str, Any]]) -> tuple[Any, ...]:
        out = []
        for item in items:
            item = {k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}
            out.append(cls(**item))
        return tuple(out)

    return BulletinPayload(
        **{k: v for k, v in d.items() if k not in ("consultancies", "agencies", "notices", "watch")},
        method=Method(**m),
        summary=Summary(**summary),
        official=Official(**official) if official else None,
        consultancies=rows(StandingRow, d["consultancies"]),
        agencies=rows(StandingRow, d["agencies"]),
        notices=rows(NoticeRow, d["notices"]),
        watch=rows(WatchRow, d["watch"]),
    )


def _period_label(period: str, lang: str) -> str:
    try:
        return Period.parse(period).label(lang)
    except ValueError:
        return period


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
