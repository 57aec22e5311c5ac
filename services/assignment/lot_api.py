"""gRPC handlers for lots, cases, avoidance, the panel draw, replay and recusal."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import Session, col, select

from dgcp.assignment.v1 import assignment_pb2 as pb
from runtime.auth import Role, current_caller
from runtime.calendar import cst_date
from runtime.db import read_transaction, transaction
from runtime.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied
from runtime.idempotency import Idempotency
from runtime.resources import (
    decode_page_token,
    encode_page_token,
    from_timestamp,
    page_size,
    parse_name,
    to_timestamp,
    utcnow,
)
from runtime.server import ServiceContext
from runtime.text import clean_text
from services.assignment import lot_store as ls
from services.assignment import notices, solver
from services.assignment.models import (
    AmendmentRecord,
    Case,
    Consultancy,
    DrawRecord,
    Enterprise,
    Expert,
    ExpertRelation,
    Lot,
    ReviewAgency,
    Unavailability,
    idempotency_keys,
)
from services.assignment.panels import (
    DEFAULT_RULES,
    TRACK_FAST,
    TRACK_STANDARD,
    AvoidancePolicy,
    LotRules,
    amendment_seed,
    canonical_json,
    instance_from_document,
    is_specialist,
    merge_rules,
    new_seed,
    parse_seed,
    result_pairs,
    result_sha256,
    sha256_text,
)
from services.assignment.registry import normalize_industry

_RULE_FIELDS = [f.name for f in pb.PanelRules.DESCRIPTOR.fields]
#: Documented maximum of a recusal's and an unavailability's reason (characters after NFC);
#: longer text is refused with TEXT_TOO_LONG, never cut.
RECUSAL_REASON_MAX = 500


def _rules_from_proto(lot: pb.Lot) -> LotRules:
    def one(msg: pb.PanelRules, track: int, field: str) -> Any:
        given = {name: getattr(msg, name) for name in _RULE_FIELDS}
        rules = merge_rules(given, DEFAULT_RULES[track])
        problems = rules.problems()
        if problems:
            raise InvalidArgument.fields([FieldViolation(f"lot.{field}.{f}", d) for f, d in problems])
        return rules

    if not 0 <= lot.balance_tolerance <= 0.1:
        raise InvalidArgument.fields(
            [FieldViolation("lot.balance_tolerance", "must lie in [0, 0.1]", "OUT_OF_RANGE")]
        )
    return LotRules(
        standard=one(lot.standard_rules, TRACK_STANDARD, "standard_rules"),
        fast=one(lot.fast_rules, TRACK_FAST, "fast_rules"),
        cap_policy="strict" if lot.cap_policy == pb.CAP_POLICY_STRICT else "raise",
        balance_tolerance=lot.balance_tolerance,
    )


def _rules_proto(rules: Any) -> pb.PanelRules:
    return pb.PanelRules(**{name: getattr(rules, name) for name in _RULE_FIELDS})


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.fields(
            [FieldViolation(field, "must be an ISO date YYYY-MM-DD", "INVALID_DATE")]
        ) from None


def _instant(ts: Timestamp, field: str) -> datetime:
    """A client's Timestamp as an aware datetime; out-of-range values are INVALID_ARGUMENT."""
    try:
        return from_timestamp(ts)
    except (ValueError, OverflowError):
        raise InvalidArgument.fields(
            [FieldViolation(field, "not a valid timestamp", "INVALID_TIMESTAMP")]
        ) from None


def _self_only(expert: str) -> None:
    caller = current_caller()
    if caller.role == Role.REVIEWER and caller.subject != expert:
        raise PermissionDenied("NOT_OWN_RECORD", "a reviewer may act only for herself")


class LotHandlers:
    """Mixed into the AssignmentServicer; needs ``self.ctx``."""

    ctx: ServiceContext
    policy = AvoidancePolicy()

    def _idem(self) -> Idempotency:
        return Idempotency(idempotency_keys)

    # --- lots ---------------------------------------------------------------------------
    def _lot_proto(self, session: Session, lot: Lot) -> pb.Lot:
        rules = LotRules.from_json(lot.rules_json)
        draw = ls.draw_of_lot(session=session, lot_id=lot.id)
        return pb.Lot(
            name=f"lots/{lot.id}",
            year=lot.year,
            batch=lot.batch,
            lot_number=lot.lot_number,
            review_agency=f"reviewAgencies/{lot.review_agency_id}",
            standard_rules=_rules_proto(rules.standard),
            fast_rules=_rules_proto(rules.fast),
            status=lot.status,  # type: ignore[arg-type]
            draw=f"draws/{draw.id}" if draw else "",
            create_time=to_timestamp(lot.create_time),
            review_deadline=to_timestamp(lot.review_deadline),
            cap_policy=pb.CAP_POLICY_STRICT if rules.cap_policy == "strict" else pb.CAP_POLICY_RAISE,
            balance_tolerance=rules.balance_tolerance,
        )

    def CreateLot(self, request: pb.CreateLotRequest, context: grpc.ServicerContext) -> pb.Lot:
        m = request.lot
        problems = [
            FieldViolation(f"lot.{f}", "is required", "REQUIRED")
            for f in ("year", "batch", "lot_number")
            if getattr(m, f) <= 0
        ]
        if problems:
            raise InvalidArgument.fields(problems)
        agency = parse_name(m.review_agency, "reviewAgencies", field="lot.review_agency")
        rules = _rules_from_proto(m)
        deadline = (
            _instant(m.review_deadline, "lot.review_deadline") if m.HasField("review_deadline") else None
        )

        def work(session: Session) -> pb.Lot:
            if session.get(ReviewAgency, agency) is None:
                raise NotFound("REVIEW_AGENCY_NOT_FOUND", f"{m.review_agency} does not exist")
            lot = ls.create_lot(
                session=session,
                lot=Lot(
                    year=m.year,
                    batch=m.batch,
                    lot_number=m.lot_number,
                    review_agency_id=agency,
                    rules_json=rules.to_json(),
                    review_deadline=deadline,
                ),
            )
            return self._lot_proto(session, lot)

        return self._idem().run(
            self.ctx.engine, method="CreateLot", request=request, response_type=pb.Lot, work=work
        )

    def GetLot(self, request: pb.GetLotRequest, context: grpc.ServicerContext) -> pb.Lot:
        id_ = parse_name(request.name, "lots")
        with read_transaction(self.ctx.engine) as session:
            return self._lot_proto(session, ls.get_lot(session=session, id=id_))

    def ListLots(self, request: pb.ListLotsRequest, context: grpc.ServicerContext) -> pb.ListLotsResponse:
        limit = page_size(request.page_size)
        after = decode_page_token(request.page_token, {}, uuid.UUID)
        with read_transaction(self.ctx.engine) as session:
            rows, more = ls.list_lots(session=session, after=after, limit=limit)
            items = [self._lot_proto(session, r) for r in rows]
        return pb.ListLotsResponse(
            lots=items, next_page_token=encode_page_token(str(rows[-1].id), {}) if more else ""
        )

    def TransitionLot(self, request: pb.TransitionLotRequest, context: grpc.ServicerContext) -> pb.Lot:
        id_ = parse_name(request.name, "lots")
        allowed = {pb.LOT_STATUS_REVIEWING: ls.LOT_ASSIGNED, pb.LOT_STATUS_CLOSED: ls.LOT_REVIEWING}
        if request.status not in allowed:
            raise InvalidArgument.fields([FieldViolation("status", "must be REVIEWING or CLOSED")])
        with transaction(self.ctx.engine) as session:
            lot = ls.get_lot(session=session, id=id_, for_update=True)
            if lot.status == request.status:  # a retry of a transition that happened: same answer
                return self._lot_proto(session, lot)
            if lot.status != allowed[request.status]:
                raise FailedPrecondition(
                    "INVALID_LOT_TRANSITION",
                    f"{request.name} is {pb.LotStatus.Name(lot.status)}",  # type: ignore[arg-type]
                    metadata={"status": pb.LotStatus.Name(lot.status)},  # type: ignore[arg-type]
                )
            lot.status = request.status
            session.add(lot)
            session.flush()
            return self._lot_proto(session, lot)

    # --- cases --------------------------------------------------------------------------
    def _case_proto(self, case: Case, panel: list[uuid.UUID], facts: ls.CaseNames | None = None) -> pb.Case:
        if current_caller().role == Role.CONSULTANCY:
            panel = []  # who reviews a firm's report is not the firm's to know
        return pb.Case(
            name=f"cases/{case.id}",
            lot=f"lots/{case.lot_id}",
            enterprise=f"enterprises/{case.enterprise_id}",
            consultancy=f"consultancies/{case.consultancy_id}",
            stage=case.stage,  # type: ignore[arg-type]
            track=case.track,  # type: ignore[arg-type]
            industry_code=case.industry_code,
            panel=[f"experts/{e}" for e in panel],
            create_time=to_timestamp(case.create_time),
            summary=_summary_fields(facts).get("summary"),
        )

    def CreateCase(self, request: pb.CreateCaseRequest, context: grpc.ServicerContext) -> pb.Case:
        lot_id = parse_name(request.parent, "lots", field="parent")
        m = request.case
        ent = parse_name(m.enterprise, "enterprises", field="case.enterprise")
        con = parse_name(m.consultancy, "consultancies", field="case.consultancy")
        problems = []
        if m.stage not in (pb.CASE_STAGE_EVALUATION, pb.CASE_STAGE_ACCEPTANCE):
            problems.append(FieldViolation("case.stage", "is required", "REQUIRED"))
        if m.track not in (pb.CASE_TRACK_STANDARD, pb.CASE_TRACK_FAST):
            problems.append(FieldViolation("case.track", "is required", "REQUIRED"))
        industry = normalize_industry(m.industry_code) if m.industry_code else ""
        if industry is None:
            problems.append(FieldViolation("case.industry_code", "not a GB/T 4754 code", "INVALID_INDUSTRY"))
        if problems:
            raise InvalidArgument.fields(problems)

        def work(session: Session) -> pb.Case:
            lot = ls.get_lot(session=session, id=lot_id, for_update=True)
            ls.require_draft(lot)
            enterprise = session.get(Enterprise, ent)
            if enterprise is None:
                raise NotFound("ENTERPRISE_NOT_FOUND", f"{m.enterprise} does not exist")
            if session.get(Consultancy, con) is None:
                raise NotFound("CONSULTANCY_NOT_FOUND", f"{m.consultancy} does not exist")
            case = Case(
                lot_id=lot.id,
                enterprise_id=ent,
                consultancy_id=con,
                stage=m.stage,
                track=m.track,
                industry_code=industry or enterprise.industry_code,
            )
            session.add(case)
            session.flush()
            return self._case_proto(case, [])

        return self._idem().run(
            self.ctx.engine, method="CreateCase", request=request, response_type=pb.Case, work=work
        )

    def GetCase(self, request: pb.GetCaseRequest, context: grpc.ServicerContext) -> pb.Case:
        id_ = parse_name(request.name, "cases")
        with read_transaction(self.ctx.engine) as session:
            case = ls.get_case(session=session, id=id_)
            found = self._case_proto(
                case,
                ls.active_panel(session=session, case_ids=[id_])[id_],
                ls.case_names(session=session, case_ids=[id_]).get(id_),
            )
        caller = current_caller()
        # A reviewer reads the cases she sits on; a consultancy reads its own cases.
        if (caller.role == Role.REVIEWER and caller.subject not in found.panel) or (
            caller.role == Role.CONSULTANCY and caller.org != found.consultancy
        ):
            raise PermissionDenied("NOT_OWN_CASE", "you may read only your own cases")
        return found

    def ListCases(self, request: pb.ListCasesRequest, context: grpc.ServicerContext) -> pb.ListCasesResponse:
        caller = current_caller()
        # A consultancy lists only the cases it audited: the filter is its own name.
        if caller.role == Role.CONSULTANCY and (not request.consultancy or request.consultancy != caller.org):
            raise PermissionDenied("NOT_OWN_CASE", "a consultancy may list only its own cases")
        consultancy_id = (
            parse_name(request.consultancy, "consultancies", field="consultancy")
            if request.consultancy
            else None
        )
        if request.parent == "lots/-":  # AIP-159: across lots, only with a narrowing filter
            if consultancy_id is None:
                raise InvalidArgument.fields(
                    [FieldViolation("parent", "'lots/-' needs a consultancy filter", "WILDCARD_NEEDS_FILTER")]
                )
            lot_id = None
        else:
            lot_id = parse_name(request.parent, "lots", field="parent")
        limit = page_size(request.page_size)
        filters = {"lot": request.parent, "consultancy": request.consultancy}
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        with read_transaction(self.ctx.engine) as session:
            if lot_id is not None:
                ls.get_lot(session=session, id=lot_id)
            rows, more = ls.list_cases(
                session=session, lot_id=lot_id, consultancy_id=consultancy_id, after=after, limit=limit
            )
            panels = ls.active_panel(session=session, case_ids=[r.id for r in rows])
            facts = ls.case_names(session=session, case_ids=[r.id for r in rows])
            items = [self._case_proto(r, panels[r.id], facts.get(r.id)) for r in rows]
        token = encode_page_token(str(rows[-1].id), filters) if more else ""
        return pb.ListCasesResponse(cases=items, next_page_token=token)

    # --- declared relations and availability ---------------------------------------------
    def CreateExpertRelation(
        self, request: pb.CreateExpertRelationRequest, context: grpc.ServicerContext
    ) -> pb.ExpertRelation:
        expert_id = parse_name(request.parent, "experts", field="parent")
        m = request.relation
        if m.kind not in (1, 2, 3, 4):
            raise InvalidArgument.fields([FieldViolation("relation.kind", "is required", "REQUIRED")])
        org_kind, _, _ = m.organization.partition("/")
        if org_kind not in ("enterprises", "consultancies"):
            raise InvalidArgument.fields(
                [
                    FieldViolation(
                        "relation.organization",
                        "must be enterprises/{id} or consultancies/{id}",
                        "INVALID_NAME",
                    )
                ]
            )
        org_id = parse_name(m.organization, org_kind, field="relation.organization")
        end = _date(m.end_date, "relation.end_date") if m.end_date else None

        def work(session: Session) -> pb.ExpertRelation:
            if session.get(Expert, expert_id) is None:
                raise NotFound("EXPERT_NOT_FOUND", f"{request.parent} does not exist")
            table = Enterprise if org_kind == "enterprises" else Consultancy
            if session.get(table, org_id) is None:
                raise NotFound("ORGANIZATION_NOT_FOUND", f"{m.organization} does not exist")
            row = ExpertRelation(
                expert_id=expert_id, kind=m.kind, org_kind=org_kind, org_id=org_id, end_date=end
            )
            session.add(row)
            session.flush()
            return _relation_proto(row)

        return self._idem().run(
            self.ctx.engine,
            method="CreateExpertRelation",
            request=request,
            response_type=pb.ExpertRelation,
            work=work,
        )

    def ListExpertRelations(
        self, request: pb.ListExpertRelationsRequest, context: grpc.ServicerContext
    ) -> pb.ListExpertRelationsResponse:
        expert_id = parse_name(request.parent, "experts", field="parent")
        _self_only(request.parent)
        limit = page_size(request.page_size)
        filters = {"parent": request.parent}
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        stmt = select(ExpertRelation).where(ExpertRelation.expert_id == expert_id)
        if after:
            stmt = stmt.where(col(ExpertRelation.id) > uuid.UUID(after))
        with read_transaction(self.ctx.engine) as session:
            rows = list(session.exec(stmt.order_by(col(ExpertRelation.id)).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return pb.ListExpertRelationsResponse(
            relations=[_relation_proto(r) for r in rows],
            next_page_token=encode_page_token(str(rows[-1].id), filters) if more else "",
        )

    def CreateUnavailability(
        self, request: pb.CreateUnavailabilityRequest, context: grpc.ServicerContext
    ) -> pb.Unavailability:
        expert_id = parse_name(request.parent, "experts", field="parent")
        _self_only(request.parent)
        m = request.unavailability
        start = _date(m.start_date, "unavailability.start_date")
        end = _date(m.end_date, "unavailability.end_date")
        if end < start:
            raise InvalidArgument.fields([FieldViolation("unavailability.end_date", "is before start_date")])
        problems: list[FieldViolation] = []
        why = clean_text(m.reason, "unavailability.reason", problems, max_len=RECUSAL_REASON_MAX)
        if problems:
            raise InvalidArgument.fields(problems)

        def work(session: Session) -> pb.Unavailability:
            if session.get(Expert, expert_id) is None:
                raise NotFound("EXPERT_NOT_FOUND", f"{request.parent} does not exist")
            row = Unavailability(expert_id=expert_id, start_date=start, end_date=end, reason=why)
            session.add(row)
            session.flush()
            return pb.Unavailability(
                name=f"experts/{expert_id}/unavailabilities/{row.id}",
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                reason=row.reason,
            )

        return self._idem().run(
            self.ctx.engine,
            method="CreateUnavailability",
            request=request,
            response_type=pb.Unavailability,
            work=work,
        )

    def ListConflicts(
        self, request: pb.ListConflictsRequest, context: grpc.ServicerContext
    ) -> pb.ListConflictsResponse:
        if bool(request.expert) == bool(request.case):
            raise InvalidArgument.fields([FieldViolation("expert", "give exactly one of expert or case")])
        today = cst_date(utcnow())
        out: list[pb.Conflict] = []
        with read_transaction(self.ctx.engine) as session:
            if request.case:
                case = ls.get_case(session=session, id=parse_name(request.case, "cases", field="case"))
                groups = [(ls.get_lot(session=session, id=case.lot_id), [case])]
                only = None
            else:
                only = parse_name(request.expert, "experts", field="expert")
                if session.get(Expert, only) is None:
                    raise NotFound("EXPERT_NOT_FOUND", f"{request.expert} does not exist")
                lots = session.exec(select(Lot).where(Lot.status == ls.LOT_DRAFT)).all()
                groups = [(lot, ls.list_cases(session=session, lot_id=lot.id)[0]) for lot in lots]
            for lot, cases in groups:
                rules = LotRules.from_json(lot.rules_json)
                found = ls.assess(session=session, cases=cases, rules=rules, as_of=today, policy=self.policy)
                for case, elig in zip(cases, found, strict=True):
                    for eid in sorted(elig.conflicts):
                        if only is not None and eid != only:
                            continue
                        for reason, org in elig.conflicts[eid]:
                            out.append(
                                pb.Conflict(
                                    expert=f"experts/{eid}",
                                    case=f"cases/{case.id}",
                                    reason=reason,
                                    organization=org,
                                )
                            )
        out.sort(key=lambda c: (c.case, c.expert, c.reason))
        return pb.ListConflictsResponse(conflicts=out)

    # --- the draw -----------------------------------------------------------------------
    def DrawPanels(self, request: pb.DrawPanelsRequest, context: grpc.ServicerContext) -> pb.Draw:
        lot_id = parse_name(request.lot, "lots", field="lot")
        supplied = bool(request.seed)
        seed = parse_seed(request.seed) if supplied else new_seed()
        if seed is None:
            raise InvalidArgument.fields(
                [FieldViolation("seed", "a decimal number below 2^128", "INVALID_SEED")]
            )

        def work(session: Session) -> pb.Draw:
            lot = ls.get_lot(session=session, id=lot_id, for_update=True)  # serialises draws of a lot
            existing = ls.draw_of_lot(session=session, lot_id=lot.id)
            if existing is not None:
                raise FailedPrecondition(
                    "LOT_ALREADY_DRAWN",
                    f"{request.lot} was drawn as draws/{existing.id}",
                    metadata={"draw": f"draws/{existing.id}"},
                )
            ls.require_draft(lot)
            cases, _ = ls.list_cases(session=session, lot_id=lot.id)
            if not cases:
                raise FailedPrecondition("LOT_HAS_NO_CASES", f"{request.lot} has no cases")
            today = cst_date(utcnow())
            doc_text, found = ls.lot_document(
                session=session, lot=lot, cases=cases, as_of=today, policy=self.policy
            )
            doc = instance_from_document(doc_text)
            try:
                result = _solve(doc, seed)
            except solver.InfeasibleError as err:
                raise _infeasible(err, doc.cases, cases, found) from None
            seats = result_pairs(doc, result.pairs)
            inst = doc.instance
            record = DrawRecord(
                lot_id=lot.id,
                seed=str(seed),
                seed_supplied=supplied,
                inputs_sha256=sha256_text(doc_text),
                result_sha256=result_sha256(seats),
                rules_json=lot.rules_json,
                versions_json=canonical_json(result.versions),
                inputs_json=doc_text,
                outcome_json=_outcome_json(doc, result),
                expected_objective=result.expected_objective,
                realised_objective=result.realised_objective,
                weakest_panel_fit=result.weakest_panel_fit,
            )
            session.add(record)
            session.flush()
            by_id = {c.id: c for c in cases}
            fit = dict(
                zip(
                    zip(inst.pair_case.tolist(), inst.pair_expert.tolist(), strict=True),
                    inst.fit.tolist(),
                    strict=True,
                )
            )
            case_ix = {n: i for i, n in enumerate(doc.cases)}
            exp_ix = {n: i for i, n in enumerate(doc.experts)}
            ls.save_seats(
                session=session,
                draw=record,
                lot=lot,
                cases=by_id,
                seats=[
                    (uuid.UUID(c.split("/")[1]), uuid.UUID(e.split("/")[1]), fit[(case_ix[c], exp_ix[e])])
                    for c, e in seats
                ],
            )
            lot.status = ls.LOT_ASSIGNED
            session.add(lot)
            session.flush()
            notices.queue_seat_notices(
                session=session,
                lot=lot,
                draw_id=record.id,
                cases=by_id,
                seats=[(uuid.UUID(c.split("/")[1]), uuid.UUID(e.split("/")[1])) for c, e in seats],
            )
            return _draw_proto(record, [], summary=True)

        return self._idem().run(
            self.ctx.engine, method="DrawPanels", request=request, response_type=pb.Draw, work=work
        )

    def GetDraw(self, request: pb.GetDrawRequest, context: grpc.ServicerContext) -> pb.Draw:
        id_ = parse_name(request.name, "draws")
        with read_transaction(self.ctx.engine) as session:
            record = ls.get_draw(session=session, id=id_)
            return _draw_proto(record, ls.amendments(session=session, draw_id=id_))

    def ReplayDraw(
        self, request: pb.ReplayDrawRequest, context: grpc.ServicerContext
    ) -> pb.ReplayDrawResponse:
        id_ = parse_name(request.name, "draws")
        with read_transaction(self.ctx.engine) as session:
            record = ls.get_draw(session=session, id=id_)
            amends = ls.amendments(session=session, draw_id=id_)
        replayed = _replay(record.inputs_json, int(record.seed))
        differing = [
            f"draws/{id_}/amendments/{a.number}"
            for a in amends
            if _replay(a.inputs_json, int(a.seed)) != a.result_sha256
        ]
        return pb.ReplayDrawResponse(
            draw=request.name,
            identical=replayed == record.result_sha256 and not differing,
            recorded_result_sha256=record.result_sha256,
            replayed_result_sha256=replayed,
            differing_amendments=differing,
            solver_versions=solver.solver_versions(),
        )

    # --- recusal ------------------------------------------------------------------------
    def RecuseExpert(self, request: pb.RecuseExpertRequest, context: grpc.ServicerContext) -> pb.Amendment:
        case_id = parse_name(request.case, "cases", field="case")
        expert_id = parse_name(request.expert, "experts", field="expert")
        _self_only(request.expert)
        problems: list[FieldViolation] = []
        reason = clean_text(request.reason, "reason", problems, max_len=RECUSAL_REASON_MAX, required=True)
        if problems:
            raise InvalidArgument.fields(problems)

        def work(session: Session) -> pb.Amendment:
            case = ls.get_case(session=session, id=case_id)
            lot = ls.get_lot(session=session, id=case.lot_id, for_update=True)
            session.refresh(case)  # read again under the lot's lock: a freeze may have won
            if case.frozen_time is not None:
                raise FailedPrecondition(
                    "PANEL_LOCKED",
                    f"{request.case}'s panel was locked by scoring; no recusal after the lock",
                    metadata={"case": request.case},
                )
            if lot.status not in (ls.LOT_ASSIGNED, ls.LOT_REVIEWING):
                raise FailedPrecondition("LOT_NOT_ASSIGNED", f"lots/{lot.id} has no live panels")
            record = ls.draw_of_lot(session=session, lot_id=lot.id)
            seats, _ = ls.seats(session=session, case_id=case_id)
            leaving = next((s for s in seats if s.expert_id == expert_id), None)
            if record is None or leaving is None:
                raise FailedPrecondition("NOT_ON_PANEL", f"{request.expert} does not sit on {request.case}")
            staying = [s.expert_id for s in seats if s.expert_id != expert_id]
            pool = ls.expert_facts(session=session, as_of=cst_date(utcnow()))
            staying_employers = {pool[e].employer_code for e in staying if e in pool}
            rules = LotRules.from_json(lot.rules_json).for_track(case.track)
            staying_spec = sum(
                1 for e in staying if e in pool and is_specialist(pool[e].specialties, case.industry_code)
            )
            exclude = (
                {e for e, f in pool.items() if f.employer_code in staying_employers}
                | set(staying)
                | {expert_id}
            )
            exclude |= {
                s.expert_id for s in ls.seats(session=session, case_id=case_id, include_inactive=True)[0]
            }
            doc_text, found = ls.lot_document(
                session=session,
                lot=lot,
                cases=[case],
                as_of=cst_date(utcnow()),
                policy=self.policy,
                exclude={case.id: exclude},
                specialist_min={case.id: max(0, rules.specialist_minimum - staying_spec)},
                panel_size={case.id: 1},
            )
            number = len(ls.amendments(session=session, draw_id=record.id)) + 1
            seed = amendment_seed(record.seed, number, request.case)
            doc = instance_from_document(doc_text)
            try:
                result = _solve(doc, seed)
            except solver.InfeasibleError as err:
                raise _infeasible(err, doc.cases, [case], found) from None
            (pair,) = result.pairs.tolist()
            new_expert = uuid.UUID(doc.experts[int(doc.instance.pair_expert[pair])].split("/")[1])
            leaving.active = False
            session.add(leaving)
            session.flush()
            ls.save_seats(
                session=session,
                draw=record,
                lot=lot,
                cases={case.id: case},
                seats=[(case.id, new_expert, float(doc.instance.fit[pair]))],
                amendment_number=number,
            )
            amend = AmendmentRecord(
                draw_id=record.id,
                number=number,
                case_id=case.id,
                removed_expert_id=expert_id,
                added_expert_id=new_expert,
                reason=reason,
                seed=str(seed),
                inputs_sha256=sha256_text(doc_text),
                result_sha256=result_sha256(result_pairs(doc, result.pairs)),
                inputs_json=doc_text,
            )
            session.add(amend)
            session.flush()
            notices.queue_seat_notices(
                session=session,
                lot=lot,
                draw_id=record.id,
                cases={case.id: case},
                seats=[(case.id, new_expert)],
                amendment_number=number,
            )
            return _amendment_proto(amend)

        return self._idem().run(
            self.ctx.engine, method="RecuseExpert", request=request, response_type=pb.Amendment, work=work
        )

    # --- reading panels ---------------------------------------------------------------
    def ListPanelSeats(
        self, request: pb.ListPanelSeatsRequest, context: grpc.ServicerContext
    ) -> pb.ListPanelSeatsResponse:
        given = [f for f in ("lot", "case", "expert") if getattr(request, f)]
        if len(given) != 1:
            raise InvalidArgument.fields([FieldViolation("lot", "give exactly one of lot, case or expert")])
        caller = current_caller()
        if caller.role == Role.REVIEWER and request.expert != caller.subject:
            raise PermissionDenied("NOT_OWN_RECORD", "a reviewer may list only her own seats")
        kw: dict[str, uuid.UUID] = {}
        if request.lot:
            kw["lot_id"] = parse_name(request.lot, "lots", field="lot")
        if request.case:
            kw["case_id"] = parse_name(request.case, "cases", field="case")
        if request.expert:
            kw["expert_id"] = parse_name(request.expert, "experts", field="expert")
        limit = page_size(request.page_size)
        filters = {f: getattr(request, f) for f in ("lot", "case", "expert", "include_inactive")}
        after = decode_page_token(request.page_token, filters, _seat_key)
        with read_transaction(self.ctx.engine) as session:
            rows, more = ls.seats(
                session=session,
                include_inactive=request.include_inactive,
                after=_seat_key(after) if after else None,
                limit=limit,
                **kw,  # type: ignore[arg-type]
            )
            deadlines = ls.lot_deadlines(session=session, lot_ids=[s.lot_id for s in rows])
            facts = ls.case_names(session=session, case_ids=[s.case_id for s in rows])
        token = encode_page_token(f"{rows[-1].case_id}:{rows[-1].expert_id}", filters) if more else ""
        return pb.ListPanelSeatsResponse(
            seats=[
                pb.PanelSeat(
                    case=f"cases/{s.case_id}",
                    expert=f"experts/{s.expert_id}",
                    lot=f"lots/{s.lot_id}",
                    fit=s.fit,
                    active=s.active,
                    from_amendment=s.amendment_number is not None,
                    review_deadline=to_timestamp(deadlines.get(s.lot_id)),
                    seated_time=to_timestamp(s.seated_time),
                    **_summary_fields(facts.get(s.case_id)),
                )
                for s in rows
            ],
            next_page_token=token,
        )

    def FreezePanel(
        self, request: pb.FreezePanelRequest, context: grpc.ServicerContext
    ) -> pb.PanelMembership:
        case_id = parse_name(request.case, "cases", field="case")
        expected = set(request.expected_panel)
        with transaction(self.ctx.engine) as session:
            case = ls.get_case(session=session, id=case_id)
            lot = ls.get_lot(session=session, id=case.lot_id, for_update=True)  # as RecuseExpert
            session.refresh(case)
            if lot.status not in (ls.LOT_ASSIGNED, ls.LOT_REVIEWING):
                raise FailedPrecondition("LOT_NOT_ASSIGNED", f"lots/{lot.id} has no live panels")
            panel = ls.active_panel(session=session, case_ids=[case.id])[case.id]
            names = sorted(f"experts/{e}" for e in panel)
            if case.frozen_time is None:
                if set(names) != expected:
                    raise FailedPrecondition(
                        "PANEL_CHANGED",
                        f"{request.case}'s panel is not the one given (a recusal got in first)",
                        metadata={"case": request.case, "panel": ",".join(names)},
                    )
                case.frozen_time = utcnow()
                session.add(case)
                session.flush()
            return self._membership_proto(request.case, "", case, lot, panel)

    def _membership_proto(
        self, name: str, expert_name: str, case: Case, lot: Lot, panel: list[uuid.UUID]
    ) -> pb.PanelMembership:
        expert = _uuid_of(expert_name, "experts")
        return pb.PanelMembership(
            case=name,
            expert=expert_name,
            member=expert is not None and expert in panel,
            stage=case.stage,  # type: ignore[arg-type]
            track=case.track,  # type: ignore[arg-type]
            consultancy=f"consultancies/{case.consultancy_id}",
            review_agency=f"reviewAgencies/{lot.review_agency_id}",
            panel=[f"experts/{e}" for e in panel],
            enterprise=f"enterprises/{case.enterprise_id}",
            panel_frozen=case.frozen_time is not None,
        )

    def CheckPanelMembership(
        self, request: pb.CheckPanelMembershipRequest, context: grpc.ServicerContext
    ) -> pb.PanelMembership:
        # Lenient on purpose: a name that is not a case is a case that does not exist
        # (NOT_FOUND, which callers such as scoring pass on), and a caller who is not an
        # expert sits on no panel.
        case_id = _uuid_of(request.case, "cases")
        with read_transaction(self.ctx.engine) as session:
            case = session.get(Case, case_id) if case_id else None
            if case is None:
                raise NotFound(
                    "CASE_NOT_FOUND", f"{request.case} does not exist", metadata={"case": request.case}
                )
            lot = ls.get_lot(session=session, id=case.lot_id)
            panel = ls.active_panel(session=session, case_ids=[case.id])[case.id]
            return self._membership_proto(request.case, request.expert, case, lot, panel)


def _seat_key(after: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A seat's page key, ``{case id}:{expert id}`` (ValueError if it is not one)."""
    case, sep, expert = after.partition(":")
    if not sep:
        raise ValueError(after)
    return uuid.UUID(case), uuid.UUID(expert)


def _uuid_of(name: str, collection: str) -> uuid.UUID | None:
    prefix = f"{collection}/"
    if not name.startswith(prefix):
        return None
    try:
        return uuid.UUID(name[len(prefix) :])
    except ValueError:
        return None


def _relation_proto(row: ExpertRelation) -> pb.ExpertRelation:
    return pb.ExpertRelation(
        name=f"experts/{row.expert_id}/relations/{row.id}",
        kind=row.kind,  # type: ignore[arg-type]
        organization=f"{row.org_kind}/{row.org_id}",
        end_date=row.end_date.isoformat() if row.end_date else "",
    )


def _solve(doc: Any, seed: int) -> solver.DrawResult:
    """The draw a document defines: its cap policy and balance tolerance included."""
    return solver.draw(doc.instance, seed, cap_policy=doc.cap_policy, balance_tolerance=doc.balance_tolerance)


def _replay(doc_text: str, seed: int) -> str:
    doc = instance_from_document(doc_text)
    try:
        result = _solve(doc, seed)
    except solver.InfeasibleError:
        return ""
    return result_sha256(result_pairs(doc, result.pairs))


def _outcome_json(doc: Any, result: solver.DrawResult) -> str:
    inst = doc.instance
    return canonical_json(
        {
            "method": result.method,
            "weakest_case": doc.cases[result.weakest_case] if result.weakest_case >= 0 else "",
            "marginals": [
                [doc.cases[c], doc.experts[e], round(float(p), 12)]
                for c, e, p in zip(
                    inst.pair_case[result.marginal_pairs].tolist(),
                    inst.pair_expert[result.marginal_pairs].tolist(),
                    result.marginal_values.tolist(),
                    strict=True,
                )
            ],
            "repairs": [
                [doc.cases[r.case], doc.experts[r.removed_expert], doc.experts[r.added_expert]]
                for r in result.repairs
            ],
            "max_marginal": round(result.max_marginal, 12),
            "cap_raises": [
                [doc.cases[r.case], r.scope.upper(), r.old_cap, round(r.new_cap, 12), r.reason]
                for r in result.cap_raises
            ],
            "lottery": [
                [round(float(w), 15), [[doc.cases[c], doc.experts[e]] for c, e in result_pairs_ix(inst, col)]]
                for col, w in zip(
                    result.lottery.columns if result.lottery else (),
                    result.lottery.weights.tolist() if result.lottery else (),
                    strict=True,
                )
            ],
            "loads": result.loads,
        }
    )


def result_pairs_ix(inst: Any, pairs: Any) -> list[tuple[int, int]]:
    return list(zip(inst.pair_case[pairs].tolist(), inst.pair_expert[pairs].tolist(), strict=True))


def _draw_proto(record: DrawRecord, amends: list[AmendmentRecord], *, summary: bool = False) -> pb.Draw:
    """The draw record; ``summary`` leaves out what grows with the lot (marginals, lottery,
    input document): DrawPanels answers small at any lot size, GetDraw has the rest."""
    outcome = json.loads(record.outcome_json)
    if summary:
        outcome = {**outcome, "marginals": [], "lottery": [], "repairs": []}
    loads = outcome.get("loads", {})
    return pb.Draw(
        name=f"draws/{record.id}",
        lot=f"lots/{record.lot_id}",
        seed=record.seed,
        seed_supplied=record.seed_supplied,
        inputs_sha256=record.inputs_sha256,
        result_sha256=record.result_sha256,
        rules_json=record.rules_json,
        solver_versions=json.loads(record.versions_json),
        expected_objective=record.expected_objective,
        realised_objective=record.realised_objective,
        weakest_panel_fit=record.weakest_panel_fit,
        weakest_case=outcome["weakest_case"],
        marginals=[pb.Marginal(case=c, expert=e, probability=p) for c, e, p in outcome["marginals"]],
        repairs=[pb.SeatRepair(case=c, removed_expert=o, added_expert=i) for c, o, i in outcome["repairs"]],
        inputs_json="" if summary else record.inputs_json,
        amendments=[_amendment_proto(a) for a in amends],
        create_time=to_timestamp(record.create_time),
        method=outcome.get("method", ""),
        max_marginal=outcome.get("max_marginal", 0.0),
        cap_raises=[
            pb.CapRaise(case=c, scope=sc, old_cap=o, new_cap=n, reason=why)
            for c, sc, o, n, why in outcome.get("cap_raises", [])
        ],
        lottery=[
            pb.LotteryAssignment(weight=w, seats=[pb.DrawnSeat(case=c, expert=e) for c, e in seats])
            for w, seats in outcome.get("lottery", [])
        ],
        largest_load=int(loads.get("largest", 0)),
        mean_load=float(loads.get("mean", 0.0)),
        experts_used=int(loads.get("experts_used", 0)),
        capped_optimum=float(loads.get("capped_optimum", record.expected_objective)),
    )


def _amendment_proto(a: AmendmentRecord) -> pb.Amendment:
    return pb.Amendment(
        name=f"draws/{a.draw_id}/amendments/{a.number}",
        case=f"cases/{a.case_id}",
        removed_expert=f"experts/{a.removed_expert_id}",
        added_expert=f"experts/{a.added_expert_id}",
        reason=a.reason,
        seed=a.seed,
        inputs_sha256=a.inputs_sha256,
        result_sha256=a.result_sha256,
        inputs_json=a.inputs_json,
        create_time=to_timestamp(a.create_time),
    )


def _infeasible(
    err: solver.InfeasibleError, doc_cases: list[str], cases: list[Case], found: list[ls.Eligibility]
) -> FailedPrecondition:
    """FAILED_PRECONDITION naming each infeasible case, its reason and the experts each
    avoidance rule removed (ErrorInfo metadata: one key per case)."""
    excluded: dict[str, str] = {}
    for case, elig in zip(cases, found, strict=True):
        counts: dict[str, int] = {}
        for reasons in elig.conflicts.values():
            for reason, _ in reasons:
                counts[reason] = counts.get(reason, 0) + 1
        excluded[f"cases/{case.id}"] = ",".join(f"{k}={v}" for k, v in sorted(counts.items()))
    meta: dict[str, str] = {}
    for d in err.diagnoses:
        name = doc_cases[d.case] if 0 <= d.case < len(doc_cases) else "lot"
        # machine-readable parts first: error details are bounded, the prose may be cut
        text = f"{d.reason} (required {d.required:g}, available {d.available:g})"
        if excluded.get(name):
            text += f"; excluded by avoidance: {excluded[name]}"
        text += f": {d.detail}"
        meta[name] = f"{meta[name]} | {text}" if name in meta else text
    names = sorted(meta)
    meta["infeasible_cases"] = ",".join(names)
    meta["reasons"] = ",".join(sorted({d.reason for d in err.diagnoses}))
    return FailedPrecondition(
        "NO_FEASIBLE_ASSIGNMENT",
        f"no assignment meets every rule; infeasible: {', '.join(names[:10])}",
        metadata=meta,
    )


def _summary_fields(facts: ls.CaseNames | None) -> dict[str, Any]:
    """``summary`` (and a seat's ``stage``/``track``) from a case's facts; nothing when unknown."""
    if facts is None:
        return {}
    return {
        "summary": pb.CaseSummary(
            enterprise_display_name=facts.enterprise_name,
            consultancy_display_name=facts.consultancy_name,
            town=facts.town,
            industry_code=facts.industry_code,
            lot_year=facts.lot_year,
            lot_batch=facts.lot_batch,
            lot_number=facts.lot_number,
        ),
        "stage": facts.stage,
        "track": facts.track,
    }
