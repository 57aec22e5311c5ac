"""Clients of the peers standings read: survey aggregates (surveys). Registered names and credit
codes are read by the bulletin's publisher (bulletin/publish.py)."""

from __future__ import annotations

from collections.abc import Callable

from dgcp.surveys.v1 import surveys_pb2 as spb
from dgcp.surveys.v1 import surveys_pb2_grpc as spb_grpc
from runtime.clients import service_channel
from runtime.server import ServiceContext

SurveysFetch = Callable[[int, str], list[spb.PartyAggregate]]


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
