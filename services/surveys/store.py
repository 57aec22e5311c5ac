"""Data functions of the surveys service (keyword-only, one session each)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from runtime.ids import new_id
from runtime.resources import aware, utcnow
from services.surveys.models import InvitationLinkRow, InvitationRow, ResponseRow, SurveyTemplateRow
from services.surveys.policy import SurveyPolicy
from services.surveys.stats import ResponseData
from services.surveys.templates import (
    Answer,
    Content,
    PartyKind,
    check_answers,
    default_template,
    pattern_digest,
    straight_lining,
)

MAX_TOKEN = 128


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- templates ------------------------------------------------------------------


def _template_not_found(template_id: str, version: int | None = None) -> NotFound:
    what = f"surveyTemplates/{template_id}" + (f"/versions/{version}" if version else "")
    return NotFound("TEMPLATE_NOT_FOUND", f"{what} does not exist", metadata={"resource": what})


def ensure_default_templates(*, session: Session, policy: SurveyPolicy) -> None:
    """Install version 1 of each default template unless the id exists (replicas may race)."""
    for kind, template_id in (
        (PartyKind.CONSULTANCY, policy.consultancy_template),
        (PartyKind.REVIEW_AGENCY, policy.review_agency_template),
    ):
        if latest_template(session=session, template_id=template_id) is not None:
            continue
        title_zh, title_en, content = default_template(kind, comment_max_length=policy.comment_max_length)
        try:
            with session.begin_nested():
                _insert_template(session, template_id, 1, kind, title_zh, title_en, content)
        except IntegrityError:
            pass  # another replica installed it first


def _insert_template(
    session: Session,
    template_id: str,
    version: int,
    kind: int,
    title_zh: str,
    title_en: str,
    content: Content,
) -> SurveyTemplateRow:
    row = SurveyTemplateRow(
        template_id=template_id,
        version=version,
        rated_party_kind=int(kind),
        title_zh=title_zh,
        title_en=title_en,
        content=content.to_json(),
    )
    session.add(row)
    session.flush()
    return row


def latest_template(*, session: Session, template_id: str) -> SurveyTemplateRow | None:
    stmt = (
        select(SurveyTemplateRow)
        .where(SurveyTemplateRow.template_id == template_id)
        .order_by(col(SurveyTemplateRow.version).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def get_template(
    *, session: Session, template_id: str, version: int | None, for_update: bool = False
) -> SurveyTemplateRow:
    """One version (the newest when ``version`` is None)."""
    if version is None:
        row = latest_template(session=session, template_id=template_id)
        if row is None:
            raise _template_not_found(template_id)
        version = row.version
    stmt = select(SurveyTemplateRow).where(
        SurveyTemplateRow.template_id == template_id, SurveyTemplateRow.version == version
    )
    if for_update:
        stmt = stmt.with_for_update()
    found = session.exec(stmt).first()
    if found is None:
        raise _template_not_found(template_id, version)
    return found


def create_template(
    *, session: Session, template_id: str, kind: int, title_zh: str, title_en: str, content: Content
) -> SurveyTemplateRow:
    if latest_template(session=session, template_id=template_id) is not None:
        raise AlreadyExists(
            "TEMPLATE_EXISTS",
            f"surveyTemplates/{template_id} exists; create a new version instead",
            metadata={"resource": f"surveyTemplates/{template_id}"},
        )
    return _insert_template(session, template_id, 1, kind, title_zh, title_en, content)


def create_version(
    *, session: Session, template_id: str, kind: int, title_zh: str, title_en: str, content: Content
) -> SurveyTemplateRow:
    """The next version; two racing creators collide on (template_id, version) and one retries."""
    latest = latest_template(session=session, template_id=template_id)
    if latest is None:
        raise _template_not_found(template_id)
    if kind != latest.rated_party_kind:
        raise FailedPrecondition(
            "RATED_PARTY_KIND_CHANGED",
            "a new version must rate the same kind of party; create a new template instead",
        )
    return _insert_template(session, template_id, latest.version + 1, kind, title_zh, title_en, content)


def template_in_use(*, session: Session, template_pk: uuid.UUID) -> bool:
    stmt = select(InvitationRow.id).where(InvitationRow.template_pk == template_pk).limit(1)
    return session.exec(stmt).first() is not None


def in_use_set(*, session: Session, template_pks: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not template_pks:
        return set()
    stmt = (
        select(InvitationRow.template_pk).where(col(InvitationRow.template_pk).in_(template_pks)).distinct()
    )
    return set(session.exec(stmt))


def update_template(
    *, session: Session, row: SurveyTemplateRow, changes: Mapping[str, Any]
) -> SurveyTemplateRow:
    """Edit a version in place, which only a version nobody uses allows (row locked first)."""
    if template_in_use(session=session, template_pk=row.id):
        raise FailedPrecondition(
            "TEMPLATE_IN_USE",
            f"surveyTemplates/{row.template_id}/versions/{row.version} is in use; create a new version",
            metadata={"resource": f"surveyTemplates/{row.template_id}/versions/{row.version}"},
        )
    for key, value in changes.items():
        setattr(row, key, value)
    row.update_time = utcnow()
    session.add(row)
    session.flush()
    return row


def list_templates(
    *, session: Session, template_id: str, kind: int, after: str | None, limit: int
) -> tuple[list[SurveyTemplateRow], bool]:
    stmt = select(SurveyTemplateRow)
    if template_id:
        stmt = stmt.where(SurveyTemplateRow.template_id == template_id)
    if kind:
        stmt = stmt.where(SurveyTemplateRow.rated_party_kind == kind)
    if after:
        stmt = stmt.where(col(SurveyTemplateRow.id) > uuid.UUID(after))
    rows = list(session.exec(stmt.order_by(col(SurveyTemplateRow.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


# --- invitations -------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    """One invitation to create: the case facts for one party rated."""

    case: str
    case_display_name: str
    lot: str
    enterprise: str
    enterprise_display_name: str
    kind: PartyKind
    party: str
    party_display_name: str
    enterprise_email: str = ""


def _new_link(session: Session, invitation_id: uuid.UUID, policy: SurveyPolicy) -> str:
    token = secrets.token_urlsafe(policy.token_bytes)
    session.add(InvitationLinkRow(token_sha256=token_digest(token), invitation_id=invitation_id))
    return token


def issue(
    *,
    session: Session,
    wanted: Sequence[NewInvitation],
    templates: Mapping[PartyKind, SurveyTemplateRow],
    deadline: datetime,
    policy: SurveyPolicy,
) -> tuple[list[tuple[InvitationRow, str]], list[InvitationRow]]:
    """Create what does not exist yet: ([(invitation, token)], [existing invitations])."""
    cases = sorted({w.case for w in wanted})
    existing: dict[tuple[str, int], InvitationRow] = {}
    for chunk in range(0, len(cases), 500):
        stmt = select(InvitationRow).where(col(InvitationRow.case_name).in_(cases[chunk : chunk + 500]))
        existing.update({(r.case_name, r.rated_party_kind): r for r in session.exec(stmt)})
    created: list[InvitationRow] = []
    skipped: list[InvitationRow] = []
    for w in wanted:
        if (w.case, int(w.kind)) in existing:
            skipped.append(existing[(w.case, int(w.kind))])
            continue
        row = InvitationRow(
            case_name=w.case,
            case_display_name=w.case_display_name,
            lot_name=w.lot,
            enterprise=w.enterprise,
            enterprise_display_name=w.enterprise_display_name,
            rated_party_kind=int(w.kind),
            rated_party=w.party,
            rated_party_display_name=w.party_display_name,
            enterprise_email=w.enterprise_email,
            template_pk=templates[w.kind].id,
            deadline=deadline,
        )
        session.add(row)
        created.append(row)
    session.flush()  # a concurrent twin collides on (case, kind): ABORTED, retry skips it
    out = [(row, _new_link(session, row.id, policy)) for row in created]
    session.flush()  # links after their invitations (no ORM relationship orders them)
    return out, skipped


def get_invitation(*, session: Session, id: uuid.UUID) -> InvitationRow:
    row = session.get(InvitationRow, id)
    if row is None:
        raise NotFound(
            "INVITATION_NOT_FOUND",
            f"invitations/{id} does not exist",
            metadata={"resource": f"invitations/{id}"},
        )
    return row


def state_filter(state: str, now: datetime) -> list[Any]:
    """SQL conditions for one derived state (see :func:`state_of`)."""
    answered = col(InvitationRow.respond_time).is_not(None)
    closed = col(InvitationRow.close_time).is_not(None)
    late = col(InvitationRow.deadline) <= now
    conditions: dict[str, list[Any]] = {
        "RESPONDED": [answered],
        "CLOSED": [~answered, closed],
        "EXPIRED": [~answered, ~closed, late],
        "PENDING": [~answered, ~closed, ~late],
    }
    return conditions[state]


def state_of(row: InvitationRow, now: datetime) -> str:
    if row.respond_time is not None:
        return "RESPONDED"
    if row.close_time is not None:
        return "CLOSED"
    if aware(row.deadline) <= now:
        return "EXPIRED"
    return "PENDING"


def list_invitations(
    *,
    session: Session,
    lot: str,
    case: str,
    party: str,
    state: str,
    after: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[InvitationRow], bool]:
    stmt = select(InvitationRow).where(*scope(lot=lot, case=case))
    if party:
        stmt = stmt.where(InvitationRow.rated_party == party)
    if state:
        stmt = stmt.where(*state_filter(state, now))
    if after:
        stmt = stmt.where(col(InvitationRow.id) > uuid.UUID(after))
    rows = list(session.exec(stmt.order_by(col(InvitationRow.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def scope(*, lot: str = "", case: str = "", names: Sequence[uuid.UUID] = ()) -> list[Any]:
    where: list[Any] = []
    if lot:
        where.append(InvitationRow.lot_name == lot)
    if case:
        where.append(InvitationRow.case_name == case)
    if names:
        where.append(col(InvitationRow.id).in_(names))
    return where


def remind(
    *, session: Session, where: Sequence[Any], now: datetime, policy: SurveyPolicy
) -> list[tuple[InvitationRow, str]]:
    """Count a reminder on every pending invitation in scope and give each a fresh link."""
    stmt = select(InvitationRow).where(*where, *state_filter("PENDING", now)).order_by(col(InvitationRow.id))
    out = []
    for row in session.exec(stmt.with_for_update()):
        row.reminder_count += 1
        row.last_remind_time = now
        session.add(row)
        out.append((row, _new_link(session, row.id, policy)))
    session.flush()
    return out


def close_window(*, session: Session, where: Sequence[Any], now: datetime) -> int:
    stmt = (
        update(InvitationRow)
        .where(*where, col(InvitationRow.respond_time).is_(None), col(InvitationRow.close_time).is_(None))
        .values(close_time=now)
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


# --- the enterprise's side -------------------------------------------------------------


def _invitation_not_found() -> NotFound:
    # Never echo the token: it is a credential.
    return NotFound("INVITATION_NOT_FOUND", "no invitation has this link")


_BY_TOKEN = (
    select(InvitationRow)
    .join(InvitationLinkRow, col(InvitationLinkRow.invitation_id) == InvitationRow.id)
    .where(InvitationLinkRow.token_sha256 == bindparam("digest"))
)
_BY_TOKEN_FOR_UPDATE = _BY_TOKEN.with_for_update(of=InvitationRow)


def invitation_for_token(*, session: Session, token: str, for_update: bool = False) -> InvitationRow:
    """The invitation a link belongs to, found by the token's hash in one query (the statement is
    built once: every survey page view and answer runs it)."""
    if len(token) > MAX_TOKEN:
        raise _invitation_not_found()
    stmt = _BY_TOKEN_FOR_UPDATE if for_update else _BY_TOKEN
    row = session.exec(stmt, params={"digest": token_digest(token)}).first()
    if row is None:
        raise _invitation_not_found()
    return row


def check_open(row: InvitationRow, now: datetime) -> None:
    """Refuse an invitation that cannot take an answer, with a reason the page can show."""
    state = state_of(row, now)
    meta = {"invitation": f"invitations/{row.id}"}
    if state == "RESPONDED":
        raise FailedPrecondition("INVITATION_USED", "this survey has already been answered", metadata=meta)
    if state == "CLOSED":
        raise FailedPrecondition("INVITATION_CLOSED", "this survey has been closed", metadata=meta)
    if state == "EXPIRED":
        raise FailedPrecondition(
            "INVITATION_EXPIRED", "the deadline of this survey has passed", metadata=meta
        )


class TemplateCache:
    """Templates as the survey paths need them, read once per process.

    A template that invitations cite never changes (UpdateSurveyTemplate refuses it with
    TEMPLATE_IN_USE; a change is a new version), so its row and parsed content are kept for good.
    """

    def __init__(self) -> None:
        self._by_pk: dict[uuid.UUID, tuple[SurveyTemplateRow, Content]] = {}

    def get(self, *, session: Session, template_pk: uuid.UUID) -> tuple[SurveyTemplateRow, Content]:
        hit = self._by_pk.get(template_pk)
        if hit is None:
            row = session.get(SurveyTemplateRow, template_pk)
            assert row is not None  # foreign key
            session.expunge(row)  # a detached snapshot, safe to share between threads
            hit = self._by_pk[template_pk] = (row, Content.from_json(row.content))
        return hit


def open_survey(
    *, session: Session, token: str, now: datetime, templates: TemplateCache
) -> tuple[InvitationRow, SurveyTemplateRow]:
    row = invitation_for_token(session=session, token=token)
    check_open(row, now)
    if row.open_time is None:
        session.execute(
            update(InvitationRow)
            .where(col(InvitationRow.id) == row.id, col(InvitationRow.open_time).is_(None))
            .values(open_time=now)
            .execution_options(synchronize_session=False)
        )
    template, _ = templates.get(session=session, template_pk=row.template_pk)
    return row, template


_INV = InvitationRow.__table__  # type: ignore[attr-defined]
_RESP = ResponseRow.__table__  # type: ignore[attr-defined]
# The answer path's statements, built once (parameters named apart from their columns).
_CLAIM = (
    update(_INV)
    .where(_INV.c.id == bindparam("b_id"), _INV.c.respond_time.is_(None), _INV.c.close_time.is_(None))
    .values(respond_time=bindparam("b_now"))
)
_TWINS = (
    _RESP.c.rated_party == bindparam("b_party"),
    _RESP.c.pattern_sha256 == bindparam("b_digest"),
    _RESP.c.enterprise != bindparam("b_enterprise"),
)
_TWIN_EXISTS = select(_RESP.c.id).where(*_TWINS).limit(1)
_MARK_TWINS = (
    update(_RESP).where(*_TWINS, _RESP.c.duplicate_pattern.is_(False)).values(duplicate_pattern=True)
)


@dataclass(frozen=True)
class Submitted:
    invitation_id: uuid.UUID
    submit_time: datetime


def submit(
    *,
    session: Session,
    token: str,
    answers: Mapping[str, Answer],
    now: datetime,
    policy: SurveyPolicy,
    templates: TemplateCache,
) -> tuple[Submitted, SurveyTemplateRow]:
    """Check, claim the invitation, store the answers with their quality signals.

    The claim is ``UPDATE … SET respond_time WHERE respond_time IS NULL``: on
    PostgreSQL a racing twin blocks on the row lock, re-reads the row after the
    first commits and updates nothing; on SQLite ``BEGIN IMMEDIATE`` serialises
    the two. Either way exactly one response is stored; the other sees
    INVITATION_USED. Any failure rolls the whole transaction back.
    """
    row = invitation_for_token(session=session, token=token, for_update=True)
    check_open(row, now)
    template, content = templates.get(session=session, template_pk=row.template_pk)
    clean, problems = check_answers(content, answers, comment_max_length=policy.comment_max_length)
    if problems:
        raise InvalidArgument.fields(problems, reason="INVALID_ANSWERS")
    claimed = cast(CursorResult[Any], session.execute(_CLAIM, {"b_id": row.id, "b_now": now}))
    if claimed.rowcount != 1:
        raise FailedPrecondition("INVITATION_USED", "this survey has already been answered")
    digest = pattern_digest(content, clean)
    twin = {"b_party": row.rated_party, "b_digest": digest, "b_enterprise": row.enterprise}
    duplicate = session.execute(_TWIN_EXISTS, twin).first() is not None
    if duplicate:  # mark the earlier twins too, in one statement (identical all-5 answers are common)
        session.execute(_MARK_TWINS, twin)
    # A form submitted without being opened counts as completed instantly (a script, not a person).
    seconds = (now - aware(row.open_time)).total_seconds() if row.open_time else 0.0
    session.execute(
        insert(_RESP).values(
            id=new_id(),
            invitation_id=row.id,
            template_pk=template.id,
            rated_party=row.rated_party,
            enterprise=row.enterprise,
            answers=clean,
            pattern_sha256=digest,
            completion_seconds=seconds,
            straight_lining=straight_lining(content, clean, min_items=policy.straight_line_min_items),
            too_fast=seconds < policy.too_fast_seconds,
            duplicate_pattern=duplicate,
            submit_time=now,
        )
    )
    return Submitted(row.id, now), template


# --- aggregates ---------------------------------------------------------------------


@dataclass
class PartyData:
    party: str
    display_name: str
    kind: int
    invitations: int
    responses: list[ResponseData]


def party_data(
    *,
    session: Session,
    parties: Sequence[str],
    start: datetime,
    end: datetime,
    kind: int = 0,
) -> dict[str, PartyData]:
    """Invitation counts and responses per party for invitations issued in [start, end)."""
    if not parties:
        return {}
    issued: list[Any] = [
        col(InvitationRow.rated_party).in_(parties),
        col(InvitationRow.create_time) >= start,
        col(InvitationRow.create_time) < end,
    ]
    if kind:
        issued.append(InvitationRow.rated_party_kind == kind)
    counts = session.exec(
        select(
            InvitationRow.rated_party,
            InvitationRow.rated_party_kind,
            func.count(),
            func.max(InvitationRow.rated_party_display_name),
        )
        .where(*issued)
        .group_by(col(InvitationRow.rated_party), col(InvitationRow.rated_party_kind))
    ).all()
    out = {p: PartyData(p, name, k, int(n), []) for p, k, n, name in counts}
    rows = session.exec(
        select(ResponseRow, InvitationRow.rated_party_kind)
        .join(InvitationRow, col(InvitationRow.id) == ResponseRow.invitation_id)
        .where(*issued)
        .order_by(col(ResponseRow.submit_time))
    ).all()
    contents: dict[uuid.UUID, tuple[Content, str]] = {}
    for resp, _ in rows:
        if resp.template_pk not in contents:
            t = session.get(SurveyTemplateRow, resp.template_pk)
            assert t is not None
            contents[resp.template_pk] = (
                Content.from_json(t.content),
                f"surveyTemplates/{t.template_id}/versions/{t.version}",
            )
        content, name = contents[resp.template_pk]
        if resp.rated_party in out:
            out[resp.rated_party].responses.append(
                ResponseData(
                    answers=resp.answers,
                    content=content,
                    template=name,
                    straight_lining=resp.straight_lining,
                    too_fast=resp.too_fast,
                    duplicate_pattern=resp.duplicate_pattern,
                )
            )
    return out


def parties_page(
    *, session: Session, kind: int, start: datetime, end: datetime, after: str | None, limit: int
) -> tuple[list[str], bool]:
    stmt = (
        select(InvitationRow.rated_party)
        .where(
            InvitationRow.rated_party_kind == kind,
            col(InvitationRow.create_time) >= start,
            col(InvitationRow.create_time) < end,
        )
        .distinct()
    )
    if after:
        stmt = stmt.where(col(InvitationRow.rated_party) > after)
    names = list(session.exec(stmt.order_by(col(InvitationRow.rated_party)).limit(limit + 1)))
    return names[:limit], len(names) > limit
