"""Clients of the peers standings read: survey aggregates (surveys) and registered names (assignment)."""

from __future__ import annotations

from collections.abc import Callable

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.surveys.v1 import surveys_pb2 as spb
from dgcp.surveys.v1 import surveys_pb2_grpc as spb_grpc
from runtime.clients import service_channel
from runtime.server import ServiceContext

SurveysFetch = Callable[[int, str], list[spb.PartyAggregate]]
NamesFetch = Callable[[], dict[str, str]]


def surveys_fetch(ctx: ServiceContext, exclude_flagged: bool = True) -> SurveysFetch | None:
    """ListPartyAggregates over every page, for one kind of party and one month (None: no peer)."""
    address = ctx.settings.peers.get("surveys", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = spb_grpc.SurveysServiceStub(channel)

    def fetch(kind: int, period: str) -> list[spb.PartyAggregate]:
        out: list[spb.PartyAggregate] = []
        token = ""
        while True:
            resp = stub.ListPartyAggregates(
                spb.ListPartyAggregatesRequest(
                    rated_party_kind=kind,  # type: ignore[arg-type]
                    period=period,
                    exclude_flagged=exclude_flagged,
                    page_size=1000,
                    page_token=token,
                )
            )
            out.extend(resp.party_aggregates)
            token = resp.next_page_token
            if not token:
                return out

    return fetch


def names_fetch(ctx: ServiceContext) -> NamesFetch | None:
    """Registered names of every consultancy and review agency, from the assignment service."""
    address = ctx.settings.peers.get("assignment", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = apb_grpc.AssignmentServiceStub(channel)

    def fetch() -> dict[str, str]:
        names: dict[str, str] = {}
        for method, request_type, attr in (
            (stub.ListConsultancies, apb.ListConsultanciesRequest, "consultancies"),
            (stub.ListReviewAgencies, apb.ListReviewAgenciesRequest, "review_agencies"),
        ):
            token = ""
            while True:
                resp = method(request_type(page_size=1000, page_token=token))
                names.update((o.name, o.display_name) for o in getattr(resp, attr))
                token = resp.next_page_token
                if not token:
                    break
        return names

    return fetch
