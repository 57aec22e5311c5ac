"""Typed stored runs: what one computation of a period's standings stored, and the arrays the flag
rule reads back from it (exactly what was computed, never recomputed)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from services.scoring.ranking.flagmodel import FEATURES, feature_matrix
from services.scoring.ranking.standing import ComponentPosterior, StandingConfig, Standings

CONSULTANCY, AGENCY = "CONSULTANCY", "REVIEW_AGENCY"


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class StoredComponent:
    component: str
    n: int
    raw_mean: float | None
    estimate: float
    sd: float

    def to_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "n": self.n,
            "raw_mean": self.raw_mean,
            "estimate": self.estimate,
            "sd": self.sd,
        }

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> StoredComponent:
        raw = d.get("raw_mean")
        return StoredComponent(
            d["component"],
            int(d["n"]),
            None if raw is None else float(raw),
            float(d["estimate"]),
            float(d["sd"]),
        )


@dataclass(frozen=True)
class StoredStanding:
    """One entity's row of a run: its composite, interval, grade, rank and component posteriors."""

    entity: str
    n: int
    composite: float
    composite_sd: float
    lower: float
    upper: float
    grade: str
    rank: int
    rank_lower: int
    rank_upper: int
    p_below_pass: float  # NaN where no pass line applies
    components: tuple[StoredComponent, ...]
    features: tuple[float | None, ...] | None = None  # the flag model's inputs (consultancies only)

    def component(self, name: str) -> StoredComponent | None:
        return next((c for c in self.components if c.component == name), None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity": self.entity,
            "n": self.n,
            "composite": self.composite,
            "composite_sd": self.composite_sd,
            "lower": self.lower,
            "upper": self.upper,
            "grade": self.grade,
            "rank": self.rank,
            "rank_lower": self.rank_lower,
            "rank_upper": self.rank_upper,
            "p_below_pass": self.p_below_pass,
            "components": [c.to_json() for c in self.components],
        }
        if self.features is not None:
            out["features"] = list(self.features)
        return out

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> StoredStanding:
        p = d.get("p_below_pass")
        features = d.get("features")
        return StoredStanding(
            entity=d["entity"],
            n=int(d["n"]),
            composite=float(d["composite"]),
            composite_sd=float(d["composite_sd"]),
            lower=float(d["lower"]),
            upper=float(d["upper"]),
            grade=d["grade"],
            rank=int(d["rank"]),
            rank_lower=int(d["rank_lower"]),
            rank_upper=int(d["rank_upper"]),
            p_below_pass=float("nan") if p is None else float(p),
            components=tuple(StoredComponent.from_json(c) for c in d["components"]),
            features=None if not features else tuple(None if v is None else float(v) for v in features),
        )


@dataclass(frozen=True)
class RunSummary:
    notes: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    funnel_center: float = 0.0
    funnel_sigma: float = 0.0
    calibration: str = ""  # the stored fit the case scores came from (calibrations/{id})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"notes": list(self.notes), "components": list(self.components)}
        if self.calibration:
            out["calibration"] = self.calibration
        if self.components:
            out["funnel_center"] = self.funnel_center
            out["funnel_sigma"] = self.funnel_sigma
        return out

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> RunSummary:
        return RunSummary(
            notes=tuple(d.get("notes", ())),
            components=tuple(d.get("components", ())),
            funnel_center=float(d.get("funnel_center", 0.0)),
            funnel_sigma=float(d.get("funnel_sigma", 0.0)),
            calibration=str(d.get("calibration", "")),
        )


@dataclass(frozen=True)
class StoredRun:
    """One computation of a period's standings for one kind of entity (newest wins)."""

    id: uuid.UUID
    period: str
    kind: str
    window_months: int
    data_cutoff: datetime
    rows: tuple[StoredStanding, ...]
    summary: RunSummary = field(default_factory=RunSummary)
    create_time: datetime | None = None

    @staticmethod
    def from_row(row: Any) -> StoredRun:
        return StoredRun(
            id=row.id,
            period=row.period,
            kind=row.kind,
            window_months=int(row.window_months),
            data_cutoff=row.data_cutoff,
            rows=tuple(StoredStanding.from_json(r) for r in row.rows),
            summary=RunSummary.from_json(row.summary),
            create_time=row.create_time,
        )

    def row_of(self, entity: str) -> StoredStanding | None:
        return next((r for r in self.rows if r.entity == entity), None)


def stored_rows(st: Standings, kind: str) -> list[StoredStanding]:
    """The rows a run stores, in rank order (consultancies carry the flag model's features)."""
    x = feature_matrix(st) if kind == CONSULTANCY else None
    rows = []
    for i, entity in enumerate(st.firm_ids):
        comps = tuple(
            StoredComponent(
                component=name,
                n=int(post.n[i]),
                raw_mean=_opt(post.raw_mean[i]),
                estimate=float(post.mean[i]),
                sd=float(post.sd[i]),
            )
            for name, post in st.components.items()
        )
        rows.append(
            StoredStanding(
                entity=entity,
                n=int(st.n_quality[i]),
                composite=float(st.composite[i]),
                composite_sd=float(st.composite_sd[i]),
                lower=float(st.lower[i]),
                upper=float(st.upper[i]),
                grade=st.grade[i],
                rank=int(st.rank[i]),
                rank_lower=int(st.rank_lower[i]),
                rank_upper=int(st.rank_upper[i]),
                p_below_pass=float(st.p_below_pass[i]),
                components=comps,
                features=tuple(_opt(v) for v in x[i]) if x is not None else None,
            )
        )
    rows.sort(key=lambda r: (r.rank, r.entity))
    return rows


def standings_of(rows: Sequence[StoredStanding], config: StandingConfig) -> Standings:
    """Rebuild the arrays the flag rule reads from a stored run (exactly what was computed)."""
    ids = tuple(r.entity for r in rows)
    names = sorted({c.component for r in rows for c in r.components})

    def comp(name: str) -> ComponentPosterior:
        cells = [r.component(name) for r in rows]
        n = np.array([c.n if c else 0 for c in cells], dtype=np.int64)
        raw = np.array([c.raw_mean if c and c.raw_mean is not None else np.nan for c in cells])
        mean = np.array([c.estimate if c else np.nan for c in cells])
        sd = np.array([c.sd if c else np.nan for c in cells])
        return ComponentPosterior(n, raw, mean, sd, float("nan"), float("nan"), float("nan"))

    def col(values: list[Any], dtype: Any = np.float64) -> Any:
        return np.array(values, dtype=dtype)

    return Standings(
        firm_ids=ids,
        components={name: comp(name) for name in names},
        composite=col([r.composite for r in rows]),
        composite_sd=col([r.composite_sd for r in rows]),
        lower=col([r.lower for r in rows]),
        upper=col([r.upper for r in rows]),
        grade=tuple(r.grade for r in rows),
        rank=col([r.rank for r in rows], np.int64),
        rank_lower=col([r.rank_lower for r in rows], np.int64),
        rank_upper=col([r.rank_upper for r in rows], np.int64),
        p_below_pass=col([r.p_below_pass for r in rows]),
        n_quality=col([r.n for r in rows], np.int64),
        funnel_sigma=float("nan"),
        funnel_center=float("nan"),
        config=config,
    )


def features_of(rows: Sequence[StoredStanding]) -> np.ndarray:
    """The flag model's feature matrix of stored rows (NaN where a feature was missing)."""
    return np.array(
        [[np.nan if v is None else v for v in (r.features or (None,) * len(FEATURES))] for r in rows],
        dtype=np.float64,
    ).reshape(len(rows), len(FEATURES))
