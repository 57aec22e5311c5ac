"""One calendar: standings and surveys cut a month at the same instants (00:00 Beijing time).

An invitation issued at 00:30 on 1 October in Beijing (16:30 UTC on 30 September) belongs to
October for the surveys service, and a panel locked at that instant belongs to October's window for
the standings; one second before midnight belongs to September in both.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from dgcp.surveys.v1 import surveys_pb2 as pb
from dgcp.surveys.v1 import surveys_pb2_grpc as pb_grpc
from runtime.calendar import Period
from runtime.db import transaction
from services.scoring.standings.servicer import month_field
from services.surveys.models import InvitationRow
from tests.support import Running
from tests.surveys.test_surveys_service import AUTH, case, issue, stub, svc  # noqa: F401 (fixtures)

AFTER = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 2026-10-01 00:30 CST
BEFORE = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)  # 2026-09-30 23:59:59 CST


def test_standings_and_surveys_cut_the_same_instants(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:  # noqa: F811
    kinds = [pb.RATED_PARTY_KIND_CONSULTANCY]
    issued = issue(stub, case(1), case(2, consultancy="consultancies/c2"), kinds=kinds)
    assert len(issued.invitations) == 2
    with transaction(svc.ctx.engine) as session:
        for party, at in (("consultancies/c1", AFTER), ("consultancies/c2", BEFORE)):
            session.execute(
                update(InvitationRow).where(col(InvitationRow.rated_party) == party).values(create_time=at)
            )

    def invitations(party: str, period: str) -> int:
        request = pb.GetPartyAggregateRequest(rated_party=party, period=period)
        return stub.GetPartyAggregate(request, metadata=AUTH).invitations

    assert (invitations("consultancies/c1", "2026-10"), invitations("consultancies/c1", "2026-09")) == (1, 0)
    assert (invitations("consultancies/c2", "2026-10"), invitations("consultancies/c2", "2026-09")) == (0, 1)
    assert invitations("consultancies/c1", "2026-Q4") == 1 and invitations("consultancies/c2", "2026-Q3") == 1

    october = month_field("2026-10")  # the standings' month, and its 12-month window
    assert october.start <= AFTER < october.end and not october.start <= BEFORE < october.end
    window = october.window(12)
    months = window.month_list()
    assert (str(months[0]), str(months[-1])) == ("2025-11", "2026-10")
    # the months standings ask surveys for tile the scores' window exactly, in the same instants
    assert months[0].start == window.start and months[-1].end == window.end
    assert all(a.end == b.start for a, b in itertools.pairwise(months))
    assert all(Period.parse(str(m)).start == m.start for m in months)
    assert window.end - window.start > timedelta(days=364)
