"""Data functions of the registry (keyword-only, one session each)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from runtime.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound
from runtime.resources import utcnow
from services.assignment.models import Enterprise, Expert, ExpertSpecialty
from services.assignment.registry import ResourceKind, normalize_industry


def create(*, session: Session, kind: ResourceKind[Any, Any], message: Any, paths: Collection[str]) -> Any:
    problems = kind.validate(message, paths)
    if problems:
        raise InvalidArgument.fields(problems)
    code = getattr(message, "credit_code", "")
    if code and session.exec(select(kind.table).where(kind.table.credit_code == code)).first():  # type: ignore[attr-defined]
        raise _taken(kind, code)
    row = kind.table(credit_code=code) if code else kind.table()
    kind.apply(session, row, message, [p for p in paths if p != "credit_code"])
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _taken(kind, code) from None
    return row


def _taken(kind: ResourceKind[Any, Any], code: str) -> AlreadyExists:
    return AlreadyExists(
        "CREDIT_CODE_TAKEN",
        f"a {kind.noun.lower().replace('_', ' ')} with credit code {code} exists",
        metadata={"credit_code": code},
    )


def get(*, session: Session, kind: ResourceKind[Any, Any], id: uuid.UUID, for_update: bool = False) -> Any:
    stmt = select(kind.table).where(kind.table.id == id)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(
            f"{kind.noun}_NOT_FOUND",
            f"{kind.collection}/{id} does not exist",
            metadata={"resource": f"{kind.collection}/{id}"},
        )
    return row


def update(
    *, session: Session, kind: ResourceKind[Any, Any], id: uuid.UUID, message: Any, paths: Collection[str]
) -> Any:
    problems = kind.validate(message, paths)
    if problems:
        raise InvalidArgument.fields(problems)
    row = get(session=session, kind=kind, id=id, for_update=True)
    kind.apply(session, row, message, paths)
    row.update_time = utcnow()
    session.add(row)
    session.flush()
    return row


def list_page(
    *,
    session: Session,
    kind: ResourceKind[Any, Any],
    after: str | None,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Any], bool]:
    """Keyset page by id (UUIDv7, so creation order); returns (rows, more)."""
    stmt = select(kind.table).where(*where)
    if after:  # checked to be a UUID by decode_page_token
        stmt = stmt.where(kind.table.id > uuid.UUID(after))  # type: ignore[attr-defined]
    rows = list(session.exec(stmt.order_by(kind.table.id).limit(limit + 1)))  # type: ignore[attr-defined]
    return rows[:limit], len(rows) > limit


def enterprise_filters(*, town: str, industry_code: str, audit_category: int) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if town:
        where.append(col(Enterprise.town) == town)
    if industry_code:
        code = normalize_industry(industry_code)
        if code is None:
            raise InvalidArgument.fields(
                [FieldViolation("industry_code", "not a GB/T 4754 code", "INVALID_INDUSTRY")]
            )
        where.append(col(Enterprise.industry_code).startswith(code))
    if audit_category:
        where.append(col(Enterprise.audit_category) == audit_category)
    return where


def expert_filters(*, specialty: str, active_only: bool) -> list[ColumnElement[bool]]:
    """A specialty matches an industry when one code is a prefix of the other."""
    where: list[ColumnElement[bool]] = []
    if specialty:
        code = normalize_industry(specialty) or specialty
        match = select(ExpertSpecialty.expert_id).where(
            or_(
                col(ExpertSpecialty.code).startswith(code),
                literal(code).startswith(col(ExpertSpecialty.code)),
            )
        )
        where.append(col(Expert.id).in_(match))
    if active_only:
        where.append(col(Expert.active).is_(True))
    return where
