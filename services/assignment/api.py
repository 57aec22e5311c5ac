"""gRPC API of the assignment service: thin handlers over the store."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import grpc
from sqlalchemy import ColumnElement

from dgcp.assignment.v1 import assignment_pb2 as pb
from dgcp.assignment.v1 import assignment_pb2_grpc as pb_grpc
from runtime.auth import AccessTable, Role, current_caller
from runtime.db import read_transaction
from runtime.errors import FieldViolation, InvalidArgument, PermissionDenied
from runtime.idempotency import Idempotency
from runtime.resources import (
    decode_page_token,
    encode_page_token,
    mask_paths,
    page_size,
    parse_name,
)
from runtime.server import ServiceContext
from services.assignment import store
from services.assignment.lot_api import LotHandlers
from services.assignment.models import idempotency_keys
from services.assignment.registry import (
    CONSULTANCIES,
    ENTERPRISES,
    EXPERTS,
    REVIEW_AGENCIES,
    ResourceKind,
)

A, S, R, C = Role.AUTHORITY, Role.SERVICE, Role.REVIEWER, Role.CONSULTANCY

ACCESS: AccessTable = {
    "CreateEnterprise": frozenset({A}),
    "GetEnterprise": frozenset({A, S}),
    "ListEnterprises": frozenset({A, S}),
    "UpdateEnterprise": frozenset({A}),
    "CreateConsultancy": frozenset({A}),
    "GetConsultancy": frozenset({A, S, C}),  # a consultancy reads only itself
    "ListConsultancies": frozenset({A, S}),
    "UpdateConsultancy": frozenset({A}),
    "CreateReviewAgency": frozenset({A}),
    "GetReviewAgency": frozenset({A, S}),
    "ListReviewAgencies": frozenset({A, S}),
    "UpdateReviewAgency": frozenset({A}),
    "CreateExpert": frozenset({A}),
    "GetExpert": frozenset({A, S, R}),  # a reviewer reads only herself
    "ListExperts": frozenset({A, S}),
    "UpdateExpert": frozenset({A}),
    "CheckPanelMembership": frozenset({A, S}),
    "FreezePanel": frozenset({A, S}),
    # lots, cases, avoidance, draws (a reviewer acts only for herself: see lot_api)
    "CreateLot": frozenset({A}),
    "GetLot": frozenset({A, S}),
    "ListLots": frozenset({A, S}),
    "TransitionLot": frozenset({A}),
    "CreateCase": frozenset({A}),
    "GetCase": frozenset({A, S, R, C}),  # reviewers and consultancies: their own cases only
    "ListCases": frozenset({A, S, C}),  # a consultancy: its own cases only (see lot_api)
    "CreateExpertRelation": frozenset({A}),
    "ListExpertRelations": frozenset({A, R}),
    "CreateUnavailability": frozenset({A, R}),
    "ListConflicts": frozenset({A}),
    "DrawPanels": frozenset({A}),
    "GetDraw": frozenset({A, S}),
    "ReplayDraw": frozenset({A, S}),
    "RecuseExpert": frozenset({A, R}),
    "ListPanelSeats": frozenset({A, S, R}),
}


def _own_only(role: Role, name: str) -> None:
    caller = current_caller()
    if caller.role == role and name not in (caller.subject, caller.org):
        raise PermissionDenied("NOT_OWN_RECORD", "you may read only your own record")


class Registry:
    """Create/Get/List/Update for one resource kind, shared by the four kinds."""

    def __init__(self, ctx: ServiceContext, kind: ResourceKind[Any, Any]) -> None:
        self.ctx = ctx
        self.kind = kind
        self.idem = Idempotency(idempotency_keys)

    def create(self, request: Any, method: str, *, defaults: dict[str, Any] | None = None) -> Any:
        kind = self.kind
        if not request.HasField(kind.field):
            raise InvalidArgument.fields([FieldViolation(kind.field, "is required", "REQUIRED")])
        message = getattr(request, kind.field)
        paths = [*kind.immutable, *(p for p in kind.mutable if p not in (defaults or {}))]

        def work(session: Any) -> Any:
            row = store.create(session=session, kind=kind, message=message, paths=paths)
            for key, value in (defaults or {}).items():
                setattr(row, key, value)
            session.flush()
            return kind.to_proto(session, row)

        return self.idem.run(
            self.ctx.engine, method=method, request=request, response_type=kind.message, work=work
        )

    def get(self, name: str) -> Any:
        id_ = parse_name(name, self.kind.collection)
        with read_transaction(self.ctx.engine) as session:
            return self.kind.to_proto(session, store.get(session=session, kind=self.kind, id=id_))

    def list(
        self, request: Any, where: Sequence[ColumnElement[bool]], filters: dict[str, Any]
    ) -> tuple[list[Any], str]:
        limit = page_size(request.page_size)
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        with read_transaction(self.ctx.engine) as session:
            rows, more = store.list_page(
                session=session, kind=self.kind, after=after, limit=limit, where=where
            )
            items = [self.kind.to_proto(session, r) for r in rows]
        token = encode_page_token(str(rows[-1].id), filters) if more else ""
        return items, token

    def update(self, request: Any, method: str) -> Any:
        kind = self.kind
        if not request.HasField(kind.field):
            raise InvalidArgument.fields([FieldViolation(kind.field, "is required", "REQUIRED")])
        message = getattr(request, kind.field)
        id_ = parse_name(message.name, kind.collection, field=f"{kind.field}.name")
        paths = mask_paths(
            request.update_mask, message, mutable=kind.mutable, immutable=kind.immutable, prefix=kind.field
        )

        def work(session: Any) -> Any:
            row = store.update(session=session, kind=kind, id=id_, message=message, paths=paths)
            return kind.to_proto(session, row)

        return self.idem.run(
            self.ctx.engine, method=method, request=request, response_type=kind.message, work=work
        )


class AssignmentServicer(LotHandlers, pb_grpc.AssignmentServiceServicer):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.enterprises = Registry(ctx, ENTERPRISES)
        self.consultancies = Registry(ctx, CONSULTANCIES)
        self.agencies = Registry(ctx, REVIEW_AGENCIES)
        self.experts = Registry(ctx, EXPERTS)

    # enterprises
    def CreateEnterprise(
        self, request: pb.CreateEnterpriseRequest, context: grpc.ServicerContext
    ) -> pb.Enterprise:
        return self.enterprises.create(request, "CreateEnterprise")

    def GetEnterprise(self, request: pb.GetEnterpriseRequest, context: grpc.ServicerContext) -> pb.Enterprise:
        return self.enterprises.get(request.name)

    def ListEnterprises(
        self, request: pb.ListEnterprisesRequest, context: grpc.ServicerContext
    ) -> pb.ListEnterprisesResponse:
        filters = {"town": request.town, "industry": request.industry_code, "cat": request.audit_category}
        where = store.enterprise_filters(
            town=request.town, industry_code=request.industry_code, audit_category=request.audit_category
        )
        items, token = self.enterprises.list(request, where, filters)
        return pb.ListEnterprisesResponse(enterprises=items, next_page_token=token)

    def UpdateEnterprise(
        self, request: pb.UpdateEnterpriseRequest, context: grpc.ServicerContext
    ) -> pb.Enterprise:
        return self.enterprises.update(request, "UpdateEnterprise")

    # consultancies
    def CreateConsultancy(
        self, request: pb.CreateConsultancyRequest, context: grpc.ServicerContext
    ) -> pb.Consultancy:
        return self.consultancies.create(request, "CreateConsultancy")

    def GetConsultancy(
        self, request: pb.GetConsultancyRequest, context: grpc.ServicerContext
    ) -> pb.Consultancy:
        _own_only(Role.CONSULTANCY, request.name)
        return self.consultancies.get(request.name)

    def ListConsultancies(
        self, request: pb.ListConsultanciesRequest, context: grpc.ServicerContext
    ) -> pb.ListConsultanciesResponse:
        items, token = self.consultancies.list(request, [], {})
        return pb.ListConsultanciesResponse(consultancies=items, next_page_token=token)

    def UpdateConsultancy(
        self, request: pb.UpdateConsultancyRequest, context: grpc.ServicerContext
    ) -> pb.Consultancy:
        return self.consultancies.update(request, "UpdateConsultancy")

    # review agencies
    def CreateReviewAgency(
        self, request: pb.CreateReviewAgencyRequest, context: grpc.ServicerContext
    ) -> pb.ReviewAgency:
        return self.agencies.create(request, "CreateReviewAgency")

    def GetReviewAgency(
        self, request: pb.GetReviewAgencyRequest, context: grpc.ServicerContext
    ) -> pb.ReviewAgency:
        return self.agencies.get(request.name)

    def ListReviewAgencies(
        self, request: pb.ListReviewAgenciesRequest, context: grpc.ServicerContext
    ) -> pb.ListReviewAgenciesResponse:
        items, token = self.agencies.list(request, [], {})
        return pb.ListReviewAgenciesResponse(review_agencies=items, next_page_token=token)

    def UpdateReviewAgency(
        self, request: pb.UpdateReviewAgencyRequest, context: grpc.ServicerContext
    ) -> pb.ReviewAgency:
        return self.agencies.update(request, "UpdateReviewAgency")

    # experts
    def CreateExpert(self, request: pb.CreateExpertRequest, context: grpc.ServicerContext) -> pb.Expert:
        return self.experts.create(request, "CreateExpert", defaults={"active": True})

    def GetExpert(self, request: pb.GetExpertRequest, context: grpc.ServicerContext) -> pb.Expert:
        _own_only(Role.REVIEWER, request.name)
        return self.experts.get(request.name)

    def ListExperts(
        self, request: pb.ListExpertsRequest, context: grpc.ServicerContext
    ) -> pb.ListExpertsResponse:
        filters = {"specialty": request.specialty, "active": request.active_only}
        where = store.expert_filters(specialty=request.specialty, active_only=request.active_only)
        items, token = self.experts.list(request, where, filters)
        return pb.ListExpertsResponse(experts=items, next_page_token=token)

    def UpdateExpert(self, request: pb.UpdateExpertRequest, context: grpc.ServicerContext) -> pb.Expert:
        return self.experts.update(request, "UpdateExpert")


def register(server: grpc.Server, ctx: ServiceContext) -> list[str]:
    pb_grpc.add_AssignmentServiceServicer_to_server(AssignmentServicer(ctx), server)
    return [pb.DESCRIPTOR.services_by_name["AssignmentService"].full_name]
