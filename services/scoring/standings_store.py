"""Data functions of standings, flags and bulletins (keyword-only, one session each).

The evidence queries read the scoring service's own score, case and rating tables (same service,
same schema); nothing here reaches another service.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from runtime.errors import NotFound
from runtime.ids import new_id
from services.scoring.models import cases, ratings, scores
from services.scoring.standings_models import (
    bulletin_files,
    bulletins,
    determinations,
    flag_models,
    flags,
    standing_runs,
)


@dataclass(frozen=True)
class ScoreEvidence:
    case_name: str
    expert: str
    total: float
    vetoed: bool
    consultancy: str
    agency: str


@dataclass(frozen=True)
class RatingEvidence:
    case_name: str
    direction: str
    ratee: str
    mean: float


def window_scores(*, session: Session, start: datetime, end: datetime) -> list[ScoreEvidence]:
    """Every locked score whose panel locked in [start, end)."""
    rows = session.execute(
        select(
            scores.c.case_name,
            scores.c.expert,
            scores.c.total,
            scores.c.vetoed,
            cases.c.consultancy,
            cases.c.agency,
        )
        .join(cases, cases.c.name == scores.c.case_name)
        .where(cases.c.lock_time >= start, cases.c.lock_time < end, scores.c.locked.is_(True))
        .order_by(scores.c.case_name, scores.c.expert)
    ).all()
    return [ScoreEvidence(r[0], r[1], float(r[2]), bool(r[3]), r[4], r[5]) for r in rows]


def window_rounds(*, session: Session, start: datetime, end: datetime) -> dict[str, bool]:
    """For each case locked in [start, end) whose enterprise is known: whether it is another round
    of review, i.e. the same enterprise's report at the same stage was locked before (at any time,
    so a first round in an earlier month still counts). The standings' rework evidence."""
    earlier = cases.alias("earlier")
    repeat = (
        select(earlier.c.name)
        .where(
            earlier.c.enterprise == cases.c.enterprise,
            earlier.c.stage == cases.c.stage,
            earlier.c.lock_time < cases.c.lock_time,
        )
        .exists()
    )
    rows = session.execute(
        select(cases.c.name, repeat).where(
            cases.c.lock_time >= start, cases.c.lock_time < end, cases.c.enterprise != ""
        )
    ).all()
    return {r[0]: bool(r[1]) for r in rows}


def window_ratings(*, session: Session, start: datetime, end: datetime) -> list[RatingEvidence]:
    """Mutual ratings of cases locked in [start, end), with whom they rate."""
    rows = session.execute(
        select(ratings.c.case_name, ratings.c.direction, ratings.c.ratee, ratings.c.mean)
        .join(cases, cases.c.name == ratings.c.case_name)
        .where(cases.c.lock_time >= start, cases.c.lock_time < end)
        .order_by(ratings.c.id)
    ).all()
    return [RatingEvidence(r[0], r[1], r[2], float(r[3])) for r in rows]


def insert_run(*, session: Session, values: dict[str, Any]) -> uuid.UUID:
    run_id = new_id()
    session.execute(insert(standing_runs).values(id=run_id, **values))
    return run_id


def newest_run(*, session: Session, period: str, kind: str) -> Any:
    return session.execute(
        select(standing_runs)
        .where(standing_runs.c.period == period, standing_runs.c.kind == kind)
        .order_by(standing_runs.c.create_time.desc(), standing_runs.c.id.desc())
        .limit(1)
    ).first()


def get_run(*, session: Session, run_id: uuid.UUID) -> Any:
    return session.execute(select(standing_runs).where(standing_runs.c.id == run_id)).first()


def insert_determination(*, session: Session, values: dict[str, Any]) -> Any:
    session.execute(insert(determinations).values(**values))
    return session.execute(select(determinations).where(determinations.c.id == values["id"])).one()


def list_determinations(
    *, session: Session, consultancy: str, after: uuid.UUID | None, limit: int
) -> Sequence[Any]:
    stmt = select(determinations)
    if consultancy:
        stmt = stmt.where(determinations.c.consultancy == consultancy)
    if after is not None:
        stmt = stmt.where(determinations.c.id < after)
    return session.execute(stmt.order_by(determinations.c.id.desc()).limit(limit)).all()


def all_determinations(*, session: Session) -> Sequence[Any]:
    return session.execute(select(determinations).order_by(determinations.c.id)).all()


def falsified_in(*, session: Session, start: datetime, end: datetime) -> set[str]:
    """Consultancies with verified falsification decided in [start, end)."""
    rows = session.execute(
        select(determinations.c.consultancy).where(
            determinations.c.kind == "FALSIFICATION",
            determinations.c.substandard.is_(True),
            determinations.c.decide_time >= start,
            determinations.c.decide_time < end,
        )
    ).all()
    return {r[0] for r in rows}


def insert_flag_model(*, session: Session, values: dict[str, Any]) -> Any:
    existing = session.execute(select(flag_models).where(flag_models.c.version == values["version"])).first()
    if existing is None:
        session.execute(insert(flag_models).values(**values))
    return session.execute(select(flag_models).where(flag_models.c.version == values["version"])).one()


def newest_flag_model(*, session: Session) -> Any:
    return session.execute(
        select(flag_models).order_by(flag_models.c.create_time.desc(), flag_models.c.version).limit(1)
    ).first()


def list_flag_models(*, session: Session, before: str | None, limit: int) -> Sequence[Any]:
    stmt = select(flag_models.c.version, flag_models.c.create_time).order_by(
        flag_models.c.create_time.desc(), flag_models.c.version
    )
    rows = session.execute(stmt).all()
    versions = [r[0] for r in rows]
    start = versions.index(before) + 1 if before in versions else 0
    chosen = versions[start : start + limit]
    if not chosen:
        return []
    found = {
        r.version: r
        for r in session.execute(select(flag_models).where(flag_models.c.version.in_(chosen))).all()
    }
    return [found[v] for v in chosen]


def flags_of_period(*, session: Session, period: str) -> dict[str, Any]:
    rows = session.execute(select(flags).where(flags.c.period == period)).all()
    return {r.consultancy: r for r in rows}


def insert_flag(*, session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(flags).values(**values))


def update_flag(*, session: Session, flag_id: uuid.UUID, values: dict[str, Any]) -> None:
    session.execute(update(flags).where(flags.c.id == flag_id).values(**values))


def get_flag(*, session: Session, flag_id: uuid.UUID, for_update: bool = False) -> Any:
    stmt = select(flags).where(flags.c.id == flag_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(
            "FLAG_NOT_FOUND", f"flags/{flag_id} does not exist", metadata={"resource": f"flags/{flag_id}"}
        )
    return row


def list_flags(
    *, session: Session, period: str, level: str, consultancy: str, after: str | None, limit: int
) -> Sequence[Any]:
    stmt = select(flags).where(flags.c.period == period)
    if level:
        stmt = stmt.where(flags.c.level == level)
    if consultancy:
        stmt = stmt.where(flags.c.consultancy == consultancy)
    if after is not None:
        stmt = stmt.where(flags.c.consultancy > after)
    return session.execute(stmt.order_by(flags.c.consultancy).limit(limit)).all()


def approved_notices(*, session: Session, period: str) -> Sequence[Any]:
    return session.execute(
        select(flags)
        .where(flags.c.period == period, flags.c.notice_state == "APPROVED")
        .order_by(flags.c.consultancy)
    ).all()


def newest_bulletin(*, session: Session, period: str) -> Any:
    return session.execute(
        select(bulletins).where(bulletins.c.period == period).order_by(bulletins.c.version.desc()).limit(1)
    ).first()


def insert_bulletin(
    *, session: Session, values: dict[str, Any], files: dict[str, tuple[str, str, bytes]]
) -> None:
    """Insert-only: a bulletin version and its files are written once, in one transaction."""
    session.execute(insert(bulletins).values(**values))
    session.execute(
        insert(bulletin_files),
        [
            {
                "bulletin_id": values["id"],
                "file": name,
                "media_type": media,
                "sha256": digest,
                "content": data,
            }
            for name, (media, digest, data) in sorted(files.items())
        ],
    )


def get_bulletin(*, session: Session, bulletin_id: uuid.UUID) -> Any:
    row = session.execute(select(bulletins).where(bulletins.c.id == bulletin_id)).first()
    if row is None:
        raise NotFound(
            "BULLETIN_NOT_FOUND",
            f"bulletins/{bulletin_id} does not exist",
            metadata={"resource": f"bulletins/{bulletin_id}"},
        )
    return row


def list_bulletins(*, session: Session, period: str, after: uuid.UUID | None, limit: int) -> Sequence[Any]:
    stmt = select(bulletins)
    if period:
        stmt = stmt.where(bulletins.c.period == period)
    if after is not None:
        stmt = stmt.where(bulletins.c.id < after)
    return session.execute(stmt.order_by(bulletins.c.id.desc()).limit(limit)).all()


def bulletin_file_meta(*, session: Session, bulletin_id: uuid.UUID) -> Sequence[Any]:
    return session.execute(
        select(
            bulletin_files.c.file,
            bulletin_files.c.media_type,
            bulletin_files.c.sha256,
            func.length(bulletin_files.c.content),
        )
        .where(bulletin_files.c.bulletin_id == bulletin_id)
        .order_by(bulletin_files.c.file)
    ).all()


def bulletin_contents(*, session: Session, bulletin_id: uuid.UUID) -> dict[str, bytes]:
    rows = session.execute(
        select(bulletin_files.c.file, bulletin_files.c.content).where(
            bulletin_files.c.bulletin_id == bulletin_id
        )
    ).all()
    return {r[0]: bytes(r[1]) for r in rows}


def bulletin_file(*, session: Session, bulletin_id: uuid.UUID, file: str) -> Any:
    row = session.execute(
        select(bulletin_files).where(
            bulletin_files.c.bulletin_id == bulletin_id, bulletin_files.c.file == file
        )
    ).first()
    if row is None:
        raise NotFound("BULLETIN_FILE_NOT_FOUND", f"bulletins/{bulletin_id} has no file {file!r}")
    return row
