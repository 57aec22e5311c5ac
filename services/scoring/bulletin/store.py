"""Data functions of the bulletin chain, stamped copies and deployment facts (keyword-only).

The bulletin tables are insert-only; these add what the signed chain needs: the newest link, every
link up to a version, the replacement of a version, cases locked after an instant (an interim
bulletin's staleness check) and the facts a deployment fixes at its first start.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from runtime.resources import utcnow
from services.scoring.bulletin.manifest import MANIFEST, SIGNATURE
from services.scoring.models import cases
from services.scoring.standings.models import bulletin_files, bulletins, deployment_facts


def chain_head(*, session: Session) -> Any:
    """The signed version with the highest sequence (None before the first)."""
    return session.execute(
        select(bulletins)
        .where(bulletins.c.sequence.is_not(None))
        .order_by(bulletins.c.sequence.desc())
        .limit(1)
    ).first()


def chain_upto(*, session: Session, sequence: int) -> list[tuple[Any, bytes | None, bytes | None]]:
    """Every signed version with sequence <= ``sequence``: (row, manifest bytes, signature bytes)."""
    rows = session.execute(
        select(bulletins).where(bulletins.c.sequence <= sequence).order_by(bulletins.c.sequence)
    ).all()
    ids = [r.id for r in rows]
    files: dict[tuple[uuid.UUID, str], bytes] = {}
    if ids:
        for bid, name, content in session.execute(
            select(bulletin_files.c.bulletin_id, bulletin_files.c.file, bulletin_files.c.content).where(
                bulletin_files.c.bulletin_id.in_(ids), bulletin_files.c.file.in_((MANIFEST, SIGNATURE))
            )
        ).all():
            files[(bid, name)] = bytes(content)
    return [(r, files.get((r.id, MANIFEST)), files.get((r.id, SIGNATURE))) for r in rows]


def published_in_year(*, session: Session, start: datetime, end: datetime) -> int:
    """How many signed versions were published in [start, end) (the document number's sequence)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(bulletins)
            .where(
                bulletins.c.sequence.is_not(None),
                bulletins.c.publish_time >= start,
                bulletins.c.publish_time < end,
            )
        ).scalar_one()
    )


def replacement_of(*, session: Session, bulletin_id: uuid.UUID) -> Any:
    return session.execute(select(bulletins).where(bulletins.c.replaces == bulletin_id).limit(1)).first()


def file_content(*, session: Session, bulletin_id: uuid.UUID, file: str) -> Any:
    return session.execute(
        select(bulletin_files).where(
            bulletin_files.c.bulletin_id == bulletin_id, bulletin_files.c.file == file
        )
    ).first()


def locked_since(*, session: Session, start: datetime, end: datetime) -> int:
    """Cases locked in [start, end): evidence an earlier computation could not have seen."""
    return int(
        session.execute(
            select(func.count()).select_from(cases).where(cases.c.lock_time >= start, cases.c.lock_time < end)
        ).scalar_one()
    )


def published_bulletins(*, session: Session, period: str) -> Sequence[Any]:
    return session.execute(
        select(bulletins).where(bulletins.c.period == period).order_by(bulletins.c.version)
    ).all()


def fact(*, session: Session, key: str, default: Any) -> Any:
    """The deployment's fact ``key``; the first reader stores ``default`` and every later one reads it."""
    row = session.execute(select(deployment_facts.c.value).where(deployment_facts.c.key == key)).first()
    if row is not None:
        return row[0]
    try:
        with session.begin_nested():
            session.execute(insert(deployment_facts).values(key=key, value=default, create_time=utcnow()))
    except IntegrityError:
        pass  # another process stored it first
    return session.execute(select(deployment_facts.c.value).where(deployment_facts.c.key == key)).scalar_one()
