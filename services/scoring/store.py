"""Data functions of the scoring service (keyword-only, one session each).

The score write path: the case row is upserted first (``INSERT .. ON CONFLICT DO UPDATE ..
RETURNING lock_time``), which both creates it and takes its row lock, so a submit and a LockPanel
on the same case serialise on PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` serialises all writers
anyway). The score is then upserted in one statement that refuses to touch a locked row or one
citing another rubric version, and the revision row is appended. On PostgreSQL the three steps
(and, on the hot path, the runtime's idempotency row) are one statement of data-modifying CTEs.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from runtime.ids import new_id
from runtime.resources import utcnow
from services.scoring.models import (
    cases,
    ratings,
    rubric_versions,
    score_revisions,
    scores,
)
from services.scoring.rubrics import DEFAULT_RUBRICS, Checked, Rubric, rubric_key

SUBMITTED, REVISED, AMENDED = "submitted", "revised", "amended"


@dataclass(frozen=True)
class CaseFacts:
    """What scoring needs to know about a case, as the assignment service reports it."""

    name: str
    stage: str
    track: str
    consultancy: str
    agency: str
    panel: tuple[str, ...]
    enterprise: str = ""  # whose report; empty where the assignment service did not say


@dataclass(frozen=True)
class StoredRubric:
    name: str
    series: str
    version: int
    rubric: Rubric
    sha256: str
    create_time: datetime


def _dialect(session: Any) -> str:
    """Dialect name of an ORM session or a Core connection."""
    bind = session.get_bind() if isinstance(session, Session) else session
    return str(bind.dialect.name)


def _insert(session: Any, table: Any) -> Any:
    """A dialect insert with ON CONFLICT support (PostgreSQL or SQLite)."""
    return (postgresql if _dialect(session) == "postgresql" else sqlite).insert(table)


def rubric_name(series: str, version: int) -> str:
    return f"rubrics/{series}/versions/{version}"


def _stored_rubric(row: Any) -> StoredRubric:
    return StoredRubric(
        name=rubric_name(row.series, row.version),
        series=row.series,
        version=row.version,
        rubric=Rubric.from_json(row.body),
        sha256=row.sha256,
        create_time=row.create_time,
    )


def install_default_rubrics(*, session: Session) -> int:
    """Version 1 of every default series that has no version yet; returns how many were added."""
    present = set(session.execute(select(rubric_versions.c.series).distinct()).scalars())
    added = 0
    for rubric in DEFAULT_RUBRICS:
        series = rubric_key(rubric.stage, rubric.track)
        if series not in present:
            create_rubric_version(session=session, rubric=rubric)
            added += 1
    return added


def create_rubric_version(*, session: Session, rubric: Rubric) -> StoredRubric:
    """Append a version; a concurrent twin loses on the unique key (ABORTED, retry)."""
    series = rubric_key(rubric.stage, rubric.track)
    latest = session.execute(
        select(func.max(rubric_versions.c.version)).where(rubric_versions.c.series == series)
    ).scalar()
    row = {
        "id": new_id(),
        "series": series,
        "version": (latest or 0) + 1,
        "stage": rubric.stage,
        "track": rubric.track,
        "body": rubric.to_json(),
        "sha256": rubric.digest(),
        "create_time": utcnow(),
    }
    session.execute(rubric_versions.insert().values(**row))
    return _stored_rubric(_Row(row))


class _Row:
    """Attribute access over a dict, so fresh inserts map like fetched rows."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)


def get_rubric_version(*, session: Session, series: str, version: int | None) -> StoredRubric:
    """One version, or the newest of the series when ``version`` is None."""
    stmt = select(rubric_versions).where(rubric_versions.c.series == series)
    if version is None:
        stmt = stmt.order_by(rubric_versions.c.version.desc()).limit(1)
    else:
        stmt = stmt.where(rubric_versions.c.version == version)
    row = session.execute(stmt).first()
    if row is None:
        label = "latest" if version is None else str(version)
        raise NotFound(
            "RUBRIC_NOT_FOUND",
            f"rubrics/{series}/versions/{label} does not exist",
            metadata={"resource": f"rubrics/{series}/versions/{label}"},
        )
    return _stored_rubric(row)


def list_rubric_versions(
    *, session: Session, series: str | None, after: tuple[str, int] | None, limit: int
) -> list[StoredRubric]:
    """Ordered by series, then version descending; ``after`` is the last (series, version) seen."""
    stmt = select(rubric_versions)
    if series is not None:
        stmt = stmt.where(rubric_versions.c.series == series)
    if after is not None:
        s, v = after
        stmt = stmt.where(
            (rubric_versions.c.series > s)
            | and_(rubric_versions.c.series == s, rubric_versions.c.version < v)
        )
    stmt = stmt.order_by(rubric_versions.c.series, rubric_versions.c.version.desc()).limit(limit)
    return [_stored_rubric(r) for r in session.execute(stmt)]


def ensure_case(*, session: Session, facts: CaseFacts, now: datetime) -> datetime | None:
    """Create or refresh the case row, taking its row lock; return its lock time."""
    stmt = _insert(session, cases).values(
        name=facts.name,
        stage=facts.stage,
        track=facts.track,
        consultancy=facts.consultancy,
        agency=facts.agency,
        panel=list(facts.panel),
        enterprise=facts.enterprise,
        locked_by="",
        create_time=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[cases.c.name],
        set_={"panel": stmt.excluded.panel, "enterprise": stmt.excluded.enterprise},
    ).returning(cases.c.lock_time)
    lock_time: datetime | None = session.execute(stmt).scalar_one()
    return lock_time


def get_case(*, session: Session, case_name: str, for_update: bool = False) -> Any:
    stmt = select(cases).where(cases.c.name == case_name)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound("CASE_NOT_SCORED", f"{case_name} has no scores yet", metadata={"case": case_name})
    return row


def case_rubric_version(*, session: Session, case_name: str) -> str | None:
    """The rubric version the case's panel scores on (that of its first score), if any."""
    version: str | None = session.execute(
        select(scores.c.rubric_version).where(scores.c.case_name == case_name).limit(1)
    ).scalar()
    return version


@dataclass(frozen=True)
class WrittenScore:
    id: uuid.UUID
    case_name: str
    expert: str
    rubric_version: str
    checked: Checked
    revision: int
    locked: bool
    create_time: datetime
    update_time: datetime


def _items_json(checked: Checked) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = [
        {"criterion_id": i.criterion_id, "points": i.points, "comment": i.comment} for i in checked.items
    ]
    vetoes = [{"veto_id": v.veto_id, "reason": v.reason} for v in checked.vetoes]
    return items, vetoes


def upsert_open_score(
    *,
    session: Session,
    case_name: str,
    expert: str,
    rubric_version: str,
    checked: Checked,
    now: datetime,
) -> WrittenScore | None:
    """Insert or revise an open score citing ``rubric_version`` in one statement.

    Returns None when a row exists that this statement may not touch (locked, or citing another
    rubric version); the caller then decides which error applies.
    """
    items, vetoes = _items_json(checked)
    values = {
        "id": new_id(),
        "case_name": case_name,
        "expert": expert,
        "rubric_version": rubric_version,
        "items": items,
        "vetoes": vetoes,
        "total": checked.total,
        "vetoed": checked.vetoed,
        "grade": checked.grade,
        "revision": 1,
        "locked": False,
        "create_time": now,
        "update_time": now,
    }
    stmt = _insert(session, scores).values(**values)
    ex = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[scores.c.case_name, scores.c.expert],
        set_={
            "items": ex["items"],
            "vetoes": ex.vetoes,
            "total": ex.total,
            "vetoed": ex.vetoed,
            "grade": ex.grade,
            "revision": scores.c.revision + 1,
            "update_time": ex.update_time,
        },
        where=and_(scores.c.locked.is_(False), scores.c.rubric_version == ex.rubric_version),
    ).returning(scores.c.id, scores.c.revision, scores.c.create_time)
    row = session.execute(stmt).first()
    if row is None:
        return None
    written = WrittenScore(
        id=row.id,
        case_name=case_name,
        expert=expert,
        rubric_version=rubric_version,
        checked=checked,
        revision=row.revision,
        locked=False,
        create_time=row.create_time,
        update_time=now,
    )
    append_revision(
        session=session,
        written=written,
        kind=SUBMITTED if row.revision == 1 else REVISED,
        reason="",
        actor=expert,
        now=now,
    )
    return written


_PG_WORK = """
WITH c AS (
  INSERT INTO cases (name, stage, track, consultancy, agency, panel, enterprise, locked_by,
                     create_time)
  VALUES (:case_name, :stage, :track, :consultancy, :agency, CAST(:panel AS JSON), :enterprise, '',
          :now)
  ON CONFLICT (name) DO UPDATE SET panel = EXCLUDED.panel, enterprise = EXCLUDED.enterprise
    WHERE cases.lock_time IS NULL
  RETURNING lock_time
), s AS (
  INSERT INTO scores (id, case_name, expert, rubric_version, items, vetoes, total, vetoed, grade,
                      revision, locked, create_time, update_time)
  SELECT :score_id, :case_name, :expert, :rubric_version, CAST(:items AS JSON),
         CAST(:vetoes AS JSON), :total, :vetoed, :grade, 1, false, :now, :now
  FROM c
  WHERE NOT EXISTS (SELECT 1 FROM scores AS x
                    WHERE x.case_name = :case_name
                      AND x.rubric_version <> CAST(:rubric_version AS VARCHAR))
  ON CONFLICT (case_name, expert) DO UPDATE SET
    items = EXCLUDED.items, vetoes = EXCLUDED.vetoes, total = EXCLUDED.total,
    vetoed = EXCLUDED.vetoed, grade = EXCLUDED.grade, revision = scores.revision + 1,
    update_time = EXCLUDED.update_time
  WHERE scores.locked = false AND scores.rubric_version = EXCLUDED.rubric_version
  RETURNING id, revision, create_time
), r AS (
  INSERT INTO score_revisions (id, score_id, revision, kind, items, vetoes, total, vetoed, reason,
                               actor, create_time, request_key)
  SELECT :revision_id, s.id, s.revision,
         CASE WHEN s.revision = 1 THEN 'submitted' ELSE 'revised' END,
         CAST(:items AS JSON), CAST(:vetoes AS JSON), :total, :vetoed, '', :expert, :now,
         CAST(:request_key AS VARCHAR)
  FROM s
  RETURNING id
){key}
SELECT s.id, s.revision, s.create_time FROM (SELECT 1) AS one LEFT JOIN s ON true
"""

# The idempotency row goes in last, from the revision row, and without ON CONFLICT: a key already
# taken raises unique_violation, which undoes the whole statement (nothing written twice), and a
# submit that wrote nothing leaves no key behind. The answer is stored by reference (``response``
# stays NULL; the revision row carries the key, and :func:`submitted` rebuilds the answer).
_PG_KEYED = """,
k AS (
  INSERT INTO idempotency_keys (key, method, request_hash, created_at)
  SELECT :request_key, :method, :request_hash, :now FROM r
), ae AS (
  INSERT INTO audit_events (at, service, method, request_id, subject, role, org, client, peer,
                            forwarded_for, resources, code, reason)
  SELECT :audit_at, :audit_service, :audit_method, :audit_request_id, :audit_subject, :audit_role,
         :audit_org, :audit_client, :audit_peer, :audit_forwarded_for,
         :audit_resources || 'scores/' || s.id || chr(10), :audit_code, :audit_reason
  FROM s
)"""
# ``ae`` is the call's audit event (runtime/audit.py), in the same statement as the change: the
# general path gets it from runtime.db.transaction, a hand-written statement must write it itself.

_PG_SUBMIT = text(_PG_WORK.format(key=""))
# The keyed statement for a psycopg cursor: ``:name`` placeholders become ``%(name)s``.
_PG_SUBMIT_KEYED_DRIVER = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", _PG_WORK.format(key=_PG_KEYED))


@dataclass(frozen=True)
class IdempotencyKey:
    """The runtime's idempotency row for this call (key, method, hash of the request)."""

    key: str
    method: str
    request_hash: str


def submit_open_score(
    *,
    session: Any,
    facts: CaseFacts,
    expert: str,
    rubric_version: str,
    checked: Checked,
    now: datetime,
) -> WrittenScore | None:
    """Upsert the case (taking its row lock), upsert the open score, append its history.

    None when nothing was written: the case is locked, the score is locked, or the panel scores
    on another rubric version (the caller tells which). On PostgreSQL this is one statement of
    data-modifying CTEs (one round trip); elsewhere the same steps run in turn.
    """
    if _dialect(session) != "postgresql":
        if ensure_case(session=session, facts=facts, now=now) is not None:
            return None
        return upsert_open_score(
            session=session,
            case_name=facts.name,
            expert=expert,
            rubric_version=rubric_version,
            checked=checked,
            now=now,
        )
    params = _submit_params(facts, expert, rubric_version, checked, now)
    params["request_key"] = None
    row = session.execute(_PG_SUBMIT, params).one()
    return _written(tuple(row), facts, expert, rubric_version, checked, now)


def submit_keyed_pg(
    *,
    cursor: Any,
    facts: CaseFacts,
    expert: str,
    rubric_version: str,
    checked: Checked,
    now: datetime,
    key: IdempotencyKey,
    audit_values: dict[str, Any],
) -> WrittenScore | None:
    """The PostgreSQL hot path on an autocommit psycopg cursor: case, score, history, the
    idempotency row and the audit event in one statement, which is one transaction and one round
    trip (``audit_values``: :func:`runtime.audit.statement_values`).

    None when nothing was written (see :func:`submit_open_score`); a taken key raises
    ``psycopg.errors.UniqueViolation`` with nothing written. A driver cursor skips SQLAlchemy's
    per-statement work, which on this path cost as much as the database round trip itself.
    """
    params = _submit_params(facts, expert, rubric_version, checked, now)
    params.update(request_key=key.key, method=key.method, request_hash=key.request_hash)
    params.update(audit_values)
    cursor.execute(_PG_SUBMIT_KEYED_DRIVER, params)
    return _written(tuple(cursor.fetchone()), facts, expert, rubric_version, checked, now)


def submitted(*, session: Session, request_key: str) -> Any:
    """The revision a SubmitScore call wrote under ``request_key``, shaped as the score row was
    right after it (None if that call stored its answer in full instead); no grade column: the
    grade follows from the rubric version."""
    r, s = score_revisions, scores
    return session.execute(
        select(
            r.c.score_id.label("id"),
            s.c.case_name,
            s.c.expert,
            s.c.rubric_version,
            r.c["items"],
            r.c.vetoes,
            r.c.total,
            r.c.vetoed,
            r.c.revision,
            s.c.create_time,
            r.c.create_time.label("update_time"),
        )
        .join(s, s.c.id == r.c.score_id)
        .where(r.c.request_key == request_key)
    ).first()


def _submit_params(
    facts: CaseFacts, expert: str, rubric_version: str, checked: Checked, now: datetime
) -> dict[str, Any]:
    items, vetoes = _items_json(checked)
    return {
        "case_name": facts.name,
        "stage": facts.stage,
        "track": facts.track,
        "consultancy": facts.consultancy,
        "agency": facts.agency,
        "panel": json.dumps(list(facts.panel)),
        "enterprise": facts.enterprise,
        "now": now,
        "score_id": new_id(),
        "revision_id": new_id(),
        "expert": expert,
        "rubric_version": rubric_version,
        "items": json.dumps(items),
        "vetoes": json.dumps(vetoes),
        "total": checked.total,
        "vetoed": checked.vetoed,
        "grade": checked.grade,
    }


def _written(
    row: tuple[Any, ...],
    facts: CaseFacts,
    expert: str,
    rubric_version: str,
    checked: Checked,
    now: datetime,
) -> WrittenScore | None:
    score_id, revision, create_time = row
    if score_id is None:
        return None
    return WrittenScore(
        id=score_id,
        case_name=facts.name,
        expert=expert,
        rubric_version=rubric_version,
        checked=checked,
        revision=revision,
        locked=False,
        create_time=create_time,
        update_time=now,
    )


def append_revision(
    *, session: Session, written: WrittenScore, kind: str, reason: str, actor: str, now: datetime
) -> None:
    items, vetoes = _items_json(written.checked)
    session.execute(
        score_revisions.insert().values(
            id=new_id(),
            score_id=written.id,
            revision=written.revision,
            kind=kind,
            items=items,
            vetoes=vetoes,
            total=written.checked.total,
            vetoed=written.checked.vetoed,
            reason=reason,
            actor=actor,
            create_time=now,
        )
    )


def amend_score(
    *, session: Session, score: Any, checked: Checked, reason: str, actor: str, now: datetime
) -> WrittenScore:
    """A new version of a locked score, with its reason; the row stays locked."""
    items, vetoes = _items_json(checked)
    revision = session.execute(
        update(scores)
        .where(scores.c.id == score.id, scores.c.revision == score.revision)
        .values(
            items=items,
            vetoes=vetoes,
            total=checked.total,
            vetoed=checked.vetoed,
            grade=checked.grade,
            revision=scores.c.revision + 1,
            update_time=now,
        )
        .returning(scores.c.revision)
    ).scalar()
    if revision is None:
        raise FailedPrecondition("SCORE_CHANGED", "the score changed meanwhile; read and retry")
    written = WrittenScore(
        id=score.id,
        case_name=score.case_name,
        expert=score.expert,
        rubric_version=score.rubric_version,
        checked=checked,
        revision=revision,
        locked=True,
        create_time=score.create_time,
        update_time=now,
    )
    append_revision(session=session, written=written, kind=AMENDED, reason=reason, actor=actor, now=now)
    return written


def _scores_with_case_lock() -> Any:
    """Score rows with their case's lock time (``case_lock_time``), which tells a score set aside
    at the lock (unlocked, case locked) from an open one."""
    return select(scores, cases.c.lock_time.label("case_lock_time")).join(
        cases, cases.c.name == scores.c.case_name
    )


def get_score(*, session: Session, score_id: uuid.UUID, for_update: bool = False) -> Any:
    stmt = _scores_with_case_lock().where(scores.c.id == score_id)
    if for_update:
        stmt = stmt.with_for_update(of=scores)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(
            "SCORE_NOT_FOUND",
            f"scores/{score_id} does not exist",
            metadata={"resource": f"scores/{score_id}"},
        )
    return row


def list_scores(*, session: Session, case_name: str, after: uuid.UUID | None, limit: int) -> Sequence[Any]:
    stmt = _scores_with_case_lock().where(scores.c.case_name == case_name)
    if after is not None:
        stmt = stmt.where(scores.c.id > after)
    return session.execute(stmt.order_by(scores.c.id).limit(limit)).all()


def list_revisions(*, session: Session, score_id: uuid.UUID, after: int, limit: int) -> Sequence[Any]:
    return session.execute(
        select(score_revisions)
        .where(score_revisions.c.score_id == score_id, score_revisions.c.revision > after)
        .order_by(score_revisions.c.revision)
        .limit(limit)
    ).all()


def lock_panel(*, session: Session, case_name: str, panel: Sequence[str], actor: str) -> datetime:
    """Lock the case and its panel's scores once every current panel member has scored.

    A second lock keeps the first lock time. ``panel`` is the assignment service's answer at
    lock time (recusals included); it also refreshes the case row's copy. The score of an expert
    who left the panel before the lock stays unlocked and is set aside: it counts nowhere. The
    lock time is taken after the case row lock is held, so every revision that got in first is
    older than it.
    """
    case = get_case(session=session, case_name=case_name, for_update=True)
    now = utcnow()
    if case.lock_time is not None:
        return case.lock_time  # type: ignore[no-any-return]
    scored = set(session.execute(select(scores.c.expert).where(scores.c.case_name == case_name)).scalars())
    missing = sorted(set(panel) - scored)
    if not scored or missing:
        raise FailedPrecondition(
            "PANEL_INCOMPLETE",
            f"{len(missing)} panel member(s) of {case_name} have not scored yet",
            metadata={"case": case_name, "missing": ",".join(missing)},
        )
    session.execute(
        update(cases)
        .where(cases.c.name == case_name)
        .values(lock_time=now, locked_by=actor, panel=list(panel))
    )
    session.execute(
        update(scores)
        .where(scores.c.case_name == case_name, scores.c.expert.in_(list(panel)))
        .values(locked=True)
    )
    return now


def case_scores(*, session: Session, case_name: str, locked_only: bool = False) -> Sequence[Any]:
    """A case's scores; once its panel locked, only the locked ones count (``locked_only``)."""
    stmt = select(scores).where(scores.c.case_name == case_name)
    if locked_only:
        stmt = stmt.where(scores.c.locked.is_(True))
    return session.execute(stmt.order_by(scores.c.expert)).all()


@dataclass(frozen=True)
class LockedScore:
    case_name: str
    expert: str
    total: float
    consultancy: str
    agency: str
    lock_time: datetime
    vetoed: bool = False


def locked_scores(*, session: Session, start: datetime, end: datetime) -> list[LockedScore]:
    """Totals of every score whose panel locked in [start, end), by case and expert: the one query
    behind both calibration (``GetCaseResult``) and the standings' evidence."""
    rows = session.execute(
        select(
            scores.c.case_name,
            scores.c.expert,
            scores.c.total,
            cases.c.consultancy,
            cases.c.agency,
            cases.c.lock_time,
            scores.c.vetoed,
        )
        .join(cases, cases.c.name == scores.c.case_name)
        .where(cases.c.lock_time >= start, cases.c.lock_time < end, scores.c.locked.is_(True))
        .order_by(scores.c.case_name, scores.c.expert)
    ).all()
    return [LockedScore(r[0], r[1], float(r[2]), r[3], r[4], r[5], bool(r[6])) for r in rows]


def locked_fingerprint(*, session: Session) -> tuple[int, int, Any]:
    """Changes whenever a panel locks or a locked score is amended (cache key for calibration)."""
    row = session.execute(
        select(
            func.count(), func.coalesce(func.sum(scores.c.revision), 0), func.max(scores.c.update_time)
        ).where(scores.c.locked.is_(True))
    ).one()
    return int(row[0]), int(row[1]), row[2]


def open_rating_window(*, session: Session, case_name: str, now: datetime) -> datetime:
    """The window opens with the first rating; return when it opened."""
    session.execute(
        update(cases)
        .where(cases.c.name == case_name, cases.c.rating_window_open.is_(None))
        .values(rating_window_open=now)
    )
    opened: datetime = session.execute(
        select(cases.c.rating_window_open).where(cases.c.name == case_name)
    ).scalar_one()
    return opened


def insert_rating(
    *,
    session: Session,
    case_name: str,
    direction: str,
    rater: str,
    ratee: str,
    items: dict[str, int],
    comment: str,
    now: datetime,
) -> Any:
    values = {
        "id": new_id(),
        "case_name": case_name,
        "direction": direction,
        "rater": rater,
        "ratee": ratee,
        "items": dict(items),
        "comment": comment,
        "mean": sum(items.values()) / len(items),
        "create_time": now,
    }
    try:
        with session.begin_nested():
            session.execute(ratings.insert().values(**values))
    except IntegrityError:
        raise AlreadyExists(
            "RATING_EXISTS",
            f"{rater} has already rated this case; ratings are never changed",
            metadata={"case": case_name, "rater": rater},
        ) from None
    return _Row(values)


def case_ratings(*, session: Session, case_name: str, direction: str | None = None) -> Sequence[Any]:
    stmt = select(ratings).where(ratings.c.case_name == case_name)
    if direction is not None:
        stmt = stmt.where(ratings.c.direction == direction)
    return session.execute(stmt.order_by(ratings.c.create_time, ratings.c.id)).all()


def ratings_in_period(*, session: Session, start: datetime, end: datetime) -> Sequence[Any]:
    """Ratings of every case whose panel locked in [start, end)."""
    return session.execute(
        select(ratings.c.case_name, ratings.c.direction, ratings.c.rater, ratings.c.mean)
        .join(cases, cases.c.name == ratings.c.case_name)
        .where(cases.c.lock_time >= start, cases.c.lock_time < end)
    ).all()
