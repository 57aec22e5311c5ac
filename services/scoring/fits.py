"""Calibration fits, stored once: the one source of every calibrated case score.

A fit is identified by its window and a digest of the locked scores it was fitted on, so the same
window over the same data is one row however many callers ask for it (``GetCaseResult``,
``GetCalibration``, the standings of a month). Its estimates are stored with it: a case's
calibrated score is read from the fit, never recomputed, so it is the same number everywhere for
the same fit, and a bulletin or a result can name the fit it used (``calibrations/{id}``).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session

from runtime.calendar import Period
from runtime.db import read_transaction, transaction
from runtime.errors import NotFound
from runtime.ids import new_id
from runtime.resources import aware, utcnow
from services.scoring import store
from services.scoring.calibration import CalibrationConfig, CalibrationResult, calibrate
from services.scoring.models import Base


class CalibrationFitRow(Base, table=True):
    __tablename__ = "calibration_fits"
    __table_args__ = (UniqueConstraint("window_start", "window_end", "scores_sha256"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    window_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    window_end: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    scores_sha256: str = Field(max_length=64)
    score_count: int
    method: str = Field(max_length=40)
    sigma2: float
    tau2: float
    connected: bool
    # per case: [calibrated score, component index (0 = the main expert-case component)]
    estimates: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    create_time: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


calibration_fits = CalibrationFitRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredFit:
    id: uuid.UUID
    window_start: datetime
    window_end: datetime
    scores_sha256: str
    score_count: int
    method: str
    connected: bool
    estimates: dict[str, tuple[float, int]]

    @property
    def name(self) -> str:
        return f"calibrations/{self.id}"

    def calibrated(self, case: str) -> float | None:
        found = self.estimates.get(case)
        return found[0] if found is not None else None

    def in_main_component(self, case: str) -> bool:
        found = self.estimates.get(case)
        return found is not None and found[1] == 0

    @staticmethod
    def from_row(row: Any) -> StoredFit:
        return StoredFit(
            id=row.id,
            window_start=aware(row.window_start),
            window_end=aware(row.window_end),
            scores_sha256=row.scores_sha256,
            score_count=int(row.score_count),
            method=row.method,
            connected=bool(row.connected),
            estimates={k: (float(v[0]), int(v[1])) for k, v in row.estimates.items()},
        )


def scores_digest(cases: Sequence[str], experts: Sequence[str], totals: Sequence[float]) -> str:
    """SHA-256 of the (case, expert, total) rows a fit is made from, in a canonical order."""
    h = hashlib.sha256()
    for case, expert, total in sorted(zip(cases, experts, totals, strict=True)):
        h.update(f"{case}\x1f{expert}\x1f{float(total)!r}\x1e".encode())
    return h.hexdigest()


def find(*, session: Session, start: datetime, end: datetime, digest: str) -> StoredFit | None:
    row = session.execute(
        select(calibration_fits).where(
            calibration_fits.c.window_start == start,
            calibration_fits.c.window_end == end,
            calibration_fits.c.scores_sha256 == digest,
        )
    ).first()
    return StoredFit.from_row(row) if row is not None else None


def record(
    *, engine: Any, start: datetime, end: datetime, digest: str, score_count: int, result: CalibrationResult
) -> StoredFit:
    """The stored fit of this window and data: found, or inserted once (a concurrent insert of the
    same fit loses the unique constraint and reads the winner's row)."""
    values = {
        "id": new_id(),
        "window_start": start,
        "window_end": end,
        "scores_sha256": digest,
        "score_count": score_count,
        "method": result.method,
        "sigma2": float(result.sigma2) if result.sigma2 == result.sigma2 else 0.0,
        "tau2": float(result.tau2) if result.tau2 == result.tau2 else 0.0,
        "connected": result.connected,
        "estimates": {
            str(c): [float(v), int(k)]
            for c, v, k in zip(
                result.case_ids, result.calibrated.tolist(), result.case_component.tolist(), strict=True
            )
        },
        "create_time": utcnow(),
    }
    with read_transaction(engine) as session:
        found = find(session=session, start=start, end=end, digest=digest)
    if found is not None:
        return found
    try:
        with transaction(engine) as session:
            session.execute(insert(calibration_fits).values(**values))
    except IntegrityError:
        pass  # the same fit was stored meanwhile: read it below
    with read_transaction(engine) as session:
        found = find(session=session, start=start, end=end, digest=digest)
    if found is None:  # pragma: no cover - the insert or the concurrent one committed
        raise RuntimeError("calibration fit vanished after insert")
    return found


@dataclass(frozen=True)
class Fit:
    """A calibration over one window: the full result (offsets, components), the scores behind it,
    each case's row in it, and the stored fit every published number is read from."""

    result: CalibrationResult
    scores: list[store.LockedScore]
    case_index: dict[str, int]
    stored: StoredFit


class CalibrationCache:
    """Fits are cached per window until a panel locks or a locked score is amended, and stored once.

    A hit costs one aggregate query (the fingerprint); a miss reads the window's scores, fits, and
    finds or stores the fit (:func:`record`).
    """

    def __init__(self, engine: Any, config: CalibrationConfig) -> None:
        self._engine = engine
        self._config = config
        self._lock = threading.Lock()
        self._fits: dict[tuple[Any, ...], Fit] = {}

    def fit(self, start: datetime, end: datetime) -> Fit:
        with read_transaction(self._engine) as session:
            fingerprint = store.locked_fingerprint(session=session)
            key = (start, end, fingerprint)
            with self._lock:
                hit = self._fits.get(key)
            if hit is not None:
                return hit
            rows = store.locked_scores(session=session, start=start, end=end)
        cases, experts = [r.case_name for r in rows], [r.expert for r in rows]
        totals = [r.total for r in rows]
        result = calibrate(cases, experts, totals, self._config)
        stored = record(
            engine=self._engine,
            start=start,
            end=end,
            digest=scores_digest(cases, experts, totals),
            score_count=len(rows),
            result=result,
        )
        fit = Fit(result, rows, {str(c): i for i, c in enumerate(result.case_ids)}, stored)
        with self._lock:
            self._fits = {k: v for k, v in self._fits.items() if k[2] == fingerprint}
            self._fits[key] = fit
        return fit


def period_window(period: Period, window: timedelta) -> tuple[datetime, datetime]:
    """The window of a period's fit: ``window`` long, ending when the period ends (its data
    cut-off). ``GetCaseResult`` uses the fit of the month a case was locked in, and a month's
    standing the fit of that month, so both read the same stored fit."""
    return period.end - window, period.end


def get(*, session: Session, fit_id: uuid.UUID) -> StoredFit:
    row = session.execute(select(calibration_fits).where(calibration_fits.c.id == fit_id)).first()
    if row is None:
        raise NotFound(
            "CALIBRATION_NOT_FOUND",
            f"calibrations/{fit_id} does not exist",
            metadata={"resource": f"calibrations/{fit_id}"},
        )
    return StoredFit.from_row(row)
