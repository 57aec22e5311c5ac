"""Data functions of lots, cases, avoidance facts, draws and panel seats (keyword-only)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from runtime.calendar import Period
from runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from services.assignment.models import (
    AmendmentRecord,
    Case,
    Consultancy,
    DrawRecord,
    Enterprise,
    Expert,
    ExpertRelation,
    ExpertSpecialty,
    Lot,
    PanelSeat,
    Unavailability,
)
from services.assignment.panels import (
    AvoidancePolicy,
    CaseFacts,
    DocCase,
    DocExpert,
    ExpertFacts,
    LotRules,
    Relation,
    build_document,
    conflicts,
    is_specialist,
    months_before,
)

LOT_DRAFT, LOT_ASSIGNED, LOT_REVIEWING, LOT_CLOSED = 1, 2, 3, 4


def _missing(noun: str, collection: str, id_: uuid.UUID) -> NotFound:
    return NotFound(
        f"{noun}_NOT_FOUND",
        f"{collection}/{id_} does not exist",
        metadata={"resource": f"{collection}/{id_}"},
    )


def get_lot(*, session: Session, id: uuid.UUID, for_update: bool = False) -> Lot:
    stmt = select(Lot).where(Lot.id == id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise _missing("LOT", "lots", id)
    return row


def create_lot(*, session: Session, lot: Lot) -> Lot:
    session.add(lot)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise AlreadyExists(
            "LOT_EXISTS",
            f"lot {lot.year}/{lot.batch}/{lot.lot_number} exists",
            metadata={"year": str(lot.year), "batch": str(lot.batch), "lot_number": str(lot.lot_number)},
        ) from None
    return lot


def list_lots(*, session: Session, after: str | None, limit: int) -> tuple[list[Lot], bool]:
    stmt = select(Lot)
    if after:
        stmt = stmt.where(Lot.id > uuid.UUID(after))
    rows = list(session.exec(stmt.order_by(col(Lot.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def get_case(*, session: Session, id: uuid.UUID) -> Case:
    row = session.get(Case, id)
    if row is None:
        raise _missing("CASE", "cases", id)
    return row


def list_cases(
    *,
    session: Session,
    lot_id: uuid.UUID | None,
    consultancy_id: uuid.UUID | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> tuple[list[Case], bool]:
    """Cases of one lot (or of every lot when ``lot_id`` is None), optionally only one
    consultancy's, in id order (keyset pages)."""
    stmt = select(Case)
    if lot_id is not None:
        stmt = stmt.where(Case.lot_id == lot_id)
    if consultancy_id is not None:
        stmt = stmt.where(Case.consultancy_id == consultancy_id)
    if after:
        stmt = stmt.where(Case.id > uuid.UUID(after))
    stmt = stmt.order_by(col(Case.id))
    if limit is None:
        return list(session.exec(stmt)), False
    rows = list(session.exec(stmt.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def active_panel(*, session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not case_ids:
        return out
    rows = session.exec(
        select(PanelSeat.case_id, PanelSeat.expert_id)
        .where(col(PanelSeat.case_id).in_(case_ids), col(PanelSeat.active).is_(True))
        .order_by(col(PanelSeat.case_id), col(PanelSeat.expert_id))
    )
    for case_id, expert_id in rows:
        out[case_id].append(expert_id)
    return out


def draw_of_lot(*, session: Session, lot_id: uuid.UUID) -> DrawRecord | None:
    return session.exec(select(DrawRecord).where(DrawRecord.lot_id == lot_id)).first()


def get_draw(*, session: Session, id: uuid.UUID) -> DrawRecord:
    row = session.get(DrawRecord, id)
    if row is None:
        raise _missing("DRAW", "draws", id)
    return row


def amendments(*, session: Session, draw_id: uuid.UUID) -> list[AmendmentRecord]:
    return list(
        session.exec(
            select(AmendmentRecord)
            .where(AmendmentRecord.draw_id == draw_id)
            .order_by(col(AmendmentRecord.number))
        )
    )


# --- facts for avoidance and load ------------------------------------------------------


def expert_facts(*, session: Session, as_of: date) -> dict[uuid.UUID, ExpertFacts]:
    """Every expert in the pool with specialties, relations and availability on ``as_of``."""
    specs: dict[uuid.UUID, list[str]] = defaultdict(list)
    for expert_id, code in session.exec(select(ExpertSpecialty.expert_id, ExpertSpecialty.code)):
        specs[expert_id].append(code)
    rels: dict[uuid.UUID, list[Relation]] = defaultdict(list)
    for r in session.exec(select(ExpertRelation)):
        rels[r.expert_id].append(Relation(r.kind, f"{r.org_kind}/{r.org_id}", r.end_date))
    away = set(
        session.exec(
            select(Unavailability.expert_id).where(
                Unavailability.start_date <= as_of, Unavailability.end_date >= as_of
            )
        )
    )
    return {
        e.id: ExpertFacts(
            name=f"experts/{e.id}",
            employer_code=e.employer_credit_code,
            specialties=tuple(sorted(specs[e.id])),
            active=e.active,
            unavailable=e.id in away,
            relations=tuple(rels[e.id]),
        )
        for e in session.exec(select(Expert).order_by(col(Expert.id)))
    }


def case_facts(*, session: Session, cases: Sequence[Case]) -> list[CaseFacts]:
    ent_ids = {c.enterprise_id for c in cases}
    con_ids = {c.consultancy_id for c in cases}
    ent = {
        e.id: e.credit_code for e in session.exec(select(Enterprise).where(col(Enterprise.id).in_(ent_ids)))
    }
    con = {
        c.id: c.credit_code for c in session.exec(select(Consultancy).where(col(Consultancy.id).in_(con_ids)))
    }
    return [
        CaseFacts(
            name=f"cases/{c.id}",
            enterprise=f"enterprises/{c.enterprise_id}",
            enterprise_code=ent.get(c.enterprise_id, ""),
            consultancy=f"consultancies/{c.consultancy_id}",
            consultancy_code=con.get(c.consultancy_id, ""),
            industry=c.industry_code,
            track=c.track,
        )
        for c in cases
    ]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def rotation_counts(*, session: Session, since: date) -> Counter[tuple[uuid.UUID, uuid.UUID]]:
    """Active seats per (expert, consultancy) seated on or after ``since``."""
    rows = session.exec(
        select(PanelSeat.expert_id, PanelSeat.consultancy_id, func.count())
        .where(col(PanelSeat.active).is_(True), PanelSeat.seated_time >= _start_of(since))
        .group_by(col(PanelSeat.expert_id), col(PanelSeat.consultancy_id))
    )
    return Counter({(e, c): int(n) for e, c, n in rows})


def seat_counts(
    *, session: Session, lot_id: uuid.UUID | None = None, since: datetime | None = None
) -> Counter[uuid.UUID]:
    """Active seats per expert, in one lot or since an instant (the month's load)."""
    stmt = select(PanelSeat.expert_id, func.count()).where(col(PanelSeat.active).is_(True))
    if lot_id is not None:
        stmt = stmt.where(PanelSeat.lot_id == lot_id)
    if since is not None:
        stmt = stmt.where(PanelSeat.seated_time >= since)
    return Counter({e: int(n) for e, n in session.exec(stmt.group_by(col(PanelSeat.expert_id)))})


@dataclass(frozen=True)
class Eligibility:
    """One case's avoidance outcome over the pool."""

    conflicts: dict[uuid.UUID, list[tuple[str, str]]]  # expert -> reasons
    fit: dict[uuid.UUID, tuple[float, bool]]  # eligible expert -> (fit, specialist)


def assess(
    *,
    session: Session,
    cases: Sequence[Case],
    rules: LotRules,
    as_of: date,
    policy: AvoidancePolicy,
    experts: dict[uuid.UUID, ExpertFacts] | None = None,
) -> list[Eligibility]:
    """Avoidance, rotation and fit of every expert for every case."""
    pool = experts if experts is not None else expert_facts(session=session, as_of=as_of)
    facts = case_facts(session=session, cases=cases)
    windows = {rules.standard.rotation_window_months, rules.fast.rotation_window_months}
    history = {w: rotation_counts(session=session, since=months_before(as_of, w)) for w in windows}
    out = []
    for case, cf in zip(cases, facts, strict=True):
        tr = rules.for_track(case.track)
        seen = history[tr.rotation_window_months]
        bad: dict[uuid.UUID, list[tuple[str, str]]] = {}
        fit: dict[uuid.UUID, tuple[float, bool]] = {}
        for eid, ef in pool.items():
            reasons = conflicts(ef, cf, as_of=as_of, policy=policy)
            times = seen[(eid, case.consultancy_id)]
            if times >= tr.rotation_limit:
                reasons.append(("ROTATION_LIMIT", cf.consultancy))
            if reasons:
                bad[eid] = reasons
                continue
            spec = is_specialist(ef.specialties, cf.industry)
            fit[eid] = (tr.specialty_fit * spec - tr.rotation_penalty * times, spec)
        out.append(Eligibility(bad, fit))
    return out


def lot_document(
    *,
    session: Session,
    lot: Lot,
    cases: Sequence[Case],
    as_of: date,
    policy: AvoidancePolicy,
    exclude: dict[uuid.UUID, set[uuid.UUID]] | None = None,
    specialist_min: dict[uuid.UUID, int] | None = None,
    panel_size: dict[uuid.UUID, int] | None = None,
) -> tuple[str, list[Eligibility]]:
    """The canonical document for drawing ``cases`` (all of a lot, or one seat of one)."""
    rules = LotRules.from_json(lot.rules_json)
    pool = expert_facts(session=session, as_of=as_of)
    found = assess(session=session, cases=cases, rules=rules, as_of=as_of, policy=policy, experts=pool)
    in_lot = seat_counts(session=session, lot_id=lot.id)
    # the month is China Standard Time's: a seat taken at 07:00 Beijing time on the 1st
    # counts in the new month, though it is still the previous month in UTC
    in_month = seat_counts(session=session, since=Period.month(as_of.year, as_of.month).start)
    loads = rules.standard
    doc_experts = [
        DocExpert(
            name=f"experts/{eid}",
            employer=ef.employer_code,
            load_cap=max(
                0, min(loads.max_cases_per_lot - in_lot[eid], loads.max_cases_per_month - in_month[eid])
            ),
        )
        for eid, ef in pool.items()
    ]
    doc_cases, pairs = [], []
    for case, elig in zip(cases, found, strict=True):
        tr = rules.for_track(case.track)
        name = f"cases/{case.id}"
        doc_cases.append(
            DocCase(
                name=name,
                panel_size=(panel_size or {}).get(case.id, tr.panel_size),
                specialist_min=(specialist_min or {}).get(case.id, tr.specialist_minimum),
                prob_cap=tr.probability_cap,
                floor_tau=tr.floor_fraction,
            )
        )
        skip = (exclude or {}).get(case.id, set())
        for eid, (fit, spec) in elig.fit.items():
            if eid not in skip:
                pairs.append((name, f"experts/{eid}", fit, spec))
    doc = build_document(
        lot=f"lots/{lot.id}", as_of=as_of, rules=rules, cases=doc_cases, experts=doc_experts, pairs=pairs
    )
    return doc, found


def save_seats(
    *,
    session: Session,
    draw: DrawRecord,
    lot: Lot,
    cases: dict[uuid.UUID, Case],
    seats: Sequence[tuple[uuid.UUID, uuid.UUID, float]],
    amendment_number: int | None = None,
) -> None:
    for case_id, expert_id, fit in seats:
        session.add(
            PanelSeat(
                draw_id=draw.id,
                lot_id=lot.id,
                case_id=case_id,
                expert_id=expert_id,
                consultancy_id=cases[case_id].consultancy_id,
                fit=fit,
                amendment_number=amendment_number,
            )
        )
    session.flush()


def seats(
    *,
    session: Session,
    lot_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    expert_id: uuid.UUID | None = None,
    include_inactive: bool = False,
    after: tuple[uuid.UUID, uuid.UUID] | None = None,
    limit: int | None = None,
) -> tuple[list[PanelSeat], bool]:
    """Seats by case then expert (keyset pages on that pair, which is unique)."""
    stmt = select(PanelSeat)
    if lot_id is not None:
        stmt = stmt.where(PanelSeat.lot_id == lot_id)
    if case_id is not None:
        stmt = stmt.where(PanelSeat.case_id == case_id)
    if expert_id is not None:
        stmt = stmt.where(PanelSeat.expert_id == expert_id)
    if not include_inactive:
        stmt = stmt.where(col(PanelSeat.active).is_(True))
    if after is not None:
        stmt = stmt.where(tuple_(col(PanelSeat.case_id), col(PanelSeat.expert_id)) > tuple_(*after))
    stmt = stmt.order_by(col(PanelSeat.case_id), col(PanelSeat.expert_id))
    if limit is None:
        return list(session.exec(stmt)), False
    rows = list(session.exec(stmt.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def lot_deadlines(*, session: Session, lot_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime | None]:
    """Review deadline of each lot, for stamping seats without one query per seat."""
    if not lot_ids:
        return {}
    rows = session.exec(select(Lot.id, Lot.review_deadline).where(col(Lot.id).in_(set(lot_ids))))
    return dict(rows.all())


def require_draft(lot: Lot) -> None:
    if lot.status != LOT_DRAFT:
        raise FailedPrecondition(
            "LOT_NOT_DRAFT", f"lots/{lot.id} is no longer a draft", metadata={"lot": f"lots/{lot.id}"}
        )


@dataclass(frozen=True)
class CaseNames:
    """A case told with names (for the pages of the people on it), read in one query."""

    enterprise_name: str
    consultancy_name: str
    town: str
    industry_code: str
    lot_year: int
    lot_batch: int
    lot_number: int
    stage: int
    track: int


def case_names(*, session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, CaseNames]:
    """Names, town, industry and lot of each case (one join, whatever the number of cases)."""
    if not case_ids:
        return {}
    stmt = (
        sa_select(
            col(Case.id),
            col(Enterprise.display_name),
            col(Consultancy.display_name),
            col(Enterprise.town),
            col(Case.industry_code),
            col(Enterprise.industry_code),
            col(Lot.year),
            col(Lot.batch),
            col(Lot.lot_number),
            col(Case.stage),
            col(Case.track),
        )
        .join(Enterprise, col(Enterprise.id) == col(Case.enterprise_id))
        .join(Consultancy, col(Consultancy.id) == col(Case.consultancy_id))
        .join(Lot, col(Lot.id) == col(Case.lot_id))
        .where(col(Case.id).in_(set(case_ids)))
    )
    out: dict[uuid.UUID, CaseNames] = {}
    for cid, ent, con, town, ind, ent_ind, year, batch, number, stage, track in session.execute(stmt).all():
        out[cid] = CaseNames(ent, con, town, ind or ent_ind, year, batch, number, stage, track)
    return out
