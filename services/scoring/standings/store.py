"""Standings' own tables: runs, determinations, flag models, flags and bulletins (keyword-only
functions, one session each). The evidence behind a run is read in ``reads``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from runtime.errors import NotFound
from runtime.ids import new_id
from services.scoring.standings.models import (
    bulletin_files,
    bulletins,
    determinations,
    flag_models,
    flags,
    standing_runs,
)
from services.scoring.standings.runs import StoredRun


def insert_run(*, session: Session, values: dict[str, Any]) -> uuid.UUID:
    run_id = new_id()
    session.execute(insert(standing_runs).values(id=run_id, **values))
    return run_id


def newest_run(*, session: Session, period: str, kind: str) -> StoredRun | None:
    row = session.execute(
        select(standing_runs)
        .where(standing_runs.c.period == period, standing_runs.c.kind == kind)
        .order_by(standing_runs.c.create_time.desc(), standing_runs.c.id.desc())
        .limit(1)
    ).first()
    return StoredRun.from_row(row) if row is not None else None


def get_run(*, session: Session, run_id: uuid.UUID) -> StoredRun | None:
    row = session.execute(select(standing_runs).where(standing_runs.c.id == run_id)).first()
    return StoredRun.from_row(row) if row is not None else None


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
