"""The panel draw end to end through a real gRPC server, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from dgcp.assignment.v1 import assignment_pb2 as pb
from dgcp.assignment.v1 import assignment_pb2_grpc as pb_grpc
from runtime.calendar import cst_date
from runtime.resources import encode_page_token
from services.assignment import creditcode
from services.assignment.app import APP
from tests.support import Running, error_of, md, running

AUTH = md("authority")
SERVICE = md("service")
_rng = random.Random(7)


@pytest.fixture
def svc(db_url_factory) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("assignment")
    with running(APP, database_url=url, schema=schema) as s:
        yield s


@pytest.fixture
def stub(svc: Running) -> pb_grpc.AssignmentServiceStub:
    return pb_grpc.AssignmentServiceStub(svc.channel())


@dataclass
class World:
    lot: pb.Lot
    cases: list[pb.Case]
    experts: list[pb.Expert]
    consultancies: list[str]
    employer_of: dict[str, str] = field(default_factory=dict)
    specialties_of: dict[str, list[str]] = field(default_factory=dict)


def _org(stub: pb_grpc.AssignmentServiceStub, kind: str) -> str:
    code = creditcode.synthesize(_rng)
    if kind == "consultancy":
        return stub.CreateConsultancy(
            pb.CreateConsultancyRequest(consultancy=pb.Consultancy(credit_code=code, display_name="顾问")),
            metadata=AUTH,
        ).name
    return stub.CreateReviewAgency(
        pb.CreateReviewAgencyRequest(
            review_agency=pb.ReviewAgency(credit_code=code, display_name="评审机构")
        ),
        metadata=AUTH,
    ).name


def world(
    stub: pb_grpc.AssignmentServiceStub,
    *,
    n_cases: int = 6,
    n_experts: int = 14,
    n_employers: int = 7,
    cap: float = 0.5,
    industries: tuple[str, ...] = ("3360", "2614"),
    review_deadline: Timestamp | None = None,
    cap_policy: int = 0,
) -> World:
    agency = _org(stub, "agency")
    consultancies = [_org(stub, "consultancy") for _ in range(2)]
    employers = [creditcode.synthesize(_rng) for _ in range(n_employers)]
    experts, employer_of, specs = [], {}, {}
    for i in range(n_experts):
        spec = [industries[i % len(industries)]]
        e = stub.CreateExpert(
            pb.CreateExpertRequest(
                expert=pb.Expert(
                    display_name=f"专家{i}",
                    employer_name=f"单位{i % n_employers}",
                    employer_credit_code=employers[i % n_employers],
                    specialties=spec,
                )
            ),
            metadata=AUTH,
        )
        experts.append(e)
        employer_of[e.name] = employers[i % n_employers]
        specs[e.name] = spec
    lot = stub.CreateLot(
        pb.CreateLotRequest(
            lot=pb.Lot(
                year=2025,
                batch=_rng.randint(1, 10**6),
                lot_number=1,
                review_agency=agency,
                standard_rules=pb.PanelRules(probability_cap=cap, max_cases_per_lot=4),
                fast_rules=pb.PanelRules(probability_cap=cap),
                review_deadline=review_deadline,
                cap_policy=cap_policy,  # type: ignore[arg-type]
            )
        ),
        metadata=AUTH,
    )
    cases = []
    for i in range(n_cases):
        ent = stub.CreateEnterprise(
            pb.CreateEnterpriseRequest(
                enterprise=pb.Enterprise(
                    credit_code=creditcode.synthesize(_rng),
                    display_name=f"企业{i}",
                    town="长安镇",
                    industry_code=industries[i % len(industries)],
                    audit_category=pb.AUDIT_CATEGORY_DOUBLE_HAZARD,
                )
            ),
            metadata=AUTH,
        ).name
        cases.append(
            stub.CreateCase(
                pb.CreateCaseRequest(
                    parent=lot.name,
                    case=pb.Case(
                        enterprise=ent,
                        consultancy=consultancies[i % 2],
                        stage=pb.CASE_STAGE_EVALUATION,
                        track=pb.CASE_TRACK_FAST if i == 0 else pb.CASE_TRACK_STANDARD,
                    ),
                ),
                metadata=AUTH,
            )
        )
    return World(lot, cases, experts, consultancies, employer_of, specs)


def relate(stub: pb_grpc.AssignmentServiceStub, expert: str, org: str, kind: int, end: date | None) -> None:
    stub.CreateExpertRelation(
        pb.CreateExpertRelationRequest(
            parent=expert,
            relation=pb.ExpertRelation(kind=kind, organization=org, end_date=end.isoformat() if end else ""),  # type: ignore[arg-type]
        ),
        metadata=AUTH,
    )


def _forged_token(lot: str, key: str) -> str:
    """A token whose query digest matches but whose key is not a seat key."""
    filters = {"lot": lot, "case": "", "expert": "", "include_inactive": False}
    return encode_page_token(key, filters)


def test_relations_are_paged(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub, n_cases=1)
    expert = w.experts[0].name
    for org in [*w.consultancies, *(c.enterprise for c in w.cases)]:
        relate(stub, expert, org, pb.RELATION_KIND_EMPLOYMENT, cst_date(datetime.now(UTC)))
    whole = stub.ListExpertRelations(pb.ListExpertRelationsRequest(parent=expert), metadata=AUTH).relations
    first = stub.ListExpertRelations(pb.ListExpertRelationsRequest(parent=expert, page_size=2), metadata=AUTH)
    rest = stub.ListExpertRelations(
        pb.ListExpertRelationsRequest(parent=expert, page_token=first.next_page_token), metadata=AUTH
    )
    assert len(whole) == 3 and [*first.relations, *rest.relations] == list(whole)
    assert not rest.next_page_token


def test_draw_meets_every_rule_and_replays(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub)
    conflicted = w.experts[0].name
    relate(
        stub,
        conflicted,
        w.consultancies[0],
        pb.RELATION_KIND_EMPLOYMENT,
        cst_date(datetime.now(UTC)) - timedelta(days=300),
    )
    conflicts = stub.ListConflicts(pb.ListConflictsRequest(expert=conflicted), metadata=AUTH).conflicts
    assert {c.reason for c in conflicts} == {"EMPLOYED_BY_CONSULTANCY_WITHIN_36_MONTHS"}
    assert {c.case for c in conflicts} == {c.name for c in w.cases if c.consultancy == w.consultancies[0]}

    answer = stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="20250101"), metadata=AUTH)
    # the answer is a summary; the record with marginals and input document is GetDraw's
    assert not answer.marginals and not answer.inputs_json and not answer.lottery
    draw = stub.GetDraw(pb.GetDrawRequest(name=answer.name), metadata=AUTH)
    assert (answer.result_sha256, answer.method, answer.max_marginal) == (
        draw.result_sha256,
        draw.method,
        draw.max_marginal,
    )
    assert draw.marginals and draw.inputs_json
    assert (draw.seed, draw.seed_supplied) == ("20250101", True)
    assert len(draw.inputs_sha256) == len(draw.result_sha256) == 64
    assert draw.solver_versions["algorithm"] and draw.solver_versions["highs"]
    assert all(0 < m.probability <= 0.5 + 1e-9 for m in draw.marginals)
    assert draw.realised_objective > 0 and draw.expected_objective > 0
    # the record says which sampler ran, the largest marginal and how the load spread
    assert draw.method in ("dependent-rounding", "dependent-rounding-separated-groups", "lottery")
    assert draw.max_marginal == pytest.approx(max(m.probability for m in draw.marginals))
    assert draw.expected_objective >= 0.995 * draw.capped_optimum - 1e-9
    assert 1 <= draw.largest_load <= 4 and draw.experts_used >= 1
    assert draw.mean_load == pytest.approx(
        sum(3 if c.track == pb.CASE_TRACK_STANDARD else 1 for c in w.cases) / draw.experts_used
    )
    assert not draw.cap_raises
    if draw.method == "lottery":
        assert sum(a.weight for a in draw.lottery) == pytest.approx(1.0)

    seats = stub.ListPanelSeats(pb.ListPanelSeatsRequest(lot=w.lot.name), metadata=AUTH).seats
    load: dict[str, int] = {}
    for case in w.cases:
        panel = [s.expert for s in seats if s.case == case.name]
        assert len(panel) == (1 if case.track == pb.CASE_TRACK_FAST else 3)
        assert len({w.employer_of[e] for e in panel}) == len(panel)  # one per employer
        industry = stub.GetCase(pb.GetCaseRequest(name=case.name), metadata=AUTH).industry_code
        assert any(w.specialties_of[e][0] == industry for e in panel)  # a specialist
        if case.consultancy == w.consultancies[0]:
            assert conflicted not in panel
        for e in panel:
            load[e] = load.get(e, 0) + 1
    assert max(load.values()) <= 4

    # Pages of four give the same seats in the same order; a token only works for its own query.
    paged: list[pb.PanelSeat] = []
    request = pb.ListPanelSeatsRequest(lot=w.lot.name, page_size=4)
    while True:
        page = stub.ListPanelSeats(request, metadata=AUTH)
        assert len(page.seats) <= 4
        paged += page.seats
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    assert paged == list(seats) and len(seats) > 8
    token = stub.ListPanelSeats(pb.ListPanelSeatsRequest(lot=w.lot.name, page_size=4), metadata=AUTH)
    for bad in (
        pb.ListPanelSeatsRequest(case=w.cases[1].name, page_token=token.next_page_token),
        pb.ListPanelSeatsRequest(lot=w.lot.name, page_token=encode_page_token("not-a-key", {})),
        pb.ListPanelSeatsRequest(lot=w.lot.name, page_token=_forged_token(w.lot.name, "x:y")),
    ):
        err = error_of(stub.ListPanelSeats, bad, metadata=AUTH)
        assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN")

    member = seats[0]
    check = stub.CheckPanelMembership(
        pb.CheckPanelMembershipRequest(case=member.case, expert=member.expert), metadata=SERVICE
    )
    assert check.member and member.expert in check.panel
    case = stub.GetCase(pb.GetCaseRequest(name=member.case), metadata=AUTH)
    assert check.enterprise == case.enterprise and check.enterprise.startswith("enterprises/")
    mine = stub.ListPanelSeats(
        pb.ListPanelSeatsRequest(expert=member.expert), metadata=md("reviewer", subject=member.expert)
    ).seats
    assert member.case in {s.case for s in mine}
    err = error_of(
        stub.ListPanelSeats,
        pb.ListPanelSeatsRequest(lot=w.lot.name),
        metadata=md("reviewer", subject=member.expert),
    )
    assert err.code == grpc.StatusCode.PERMISSION_DENIED

    lot = stub.GetLot(pb.GetLotRequest(name=w.lot.name), metadata=AUTH)
    assert (lot.status, lot.draw) == (pb.LOT_STATUS_ASSIGNED, draw.name)
    replay = stub.ReplayDraw(pb.ReplayDrawRequest(name=draw.name), metadata=AUTH)
    assert replay.identical and replay.replayed_result_sha256 == draw.result_sha256

    again = error_of(stub.DrawPanels, pb.DrawPanelsRequest(lot=w.lot.name), metadata=AUTH)
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "LOT_ALREADY_DRAWN")
    assert again.metadata["draw"] == draw.name


def test_same_inputs_and_seed_give_the_same_panels(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub)
    draw = stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="99"), metadata=AUTH)
    stored = stub.GetDraw(pb.GetDrawRequest(name=draw.name), metadata=AUTH)
    assert stored.result_sha256 == draw.result_sha256
    assert stored.inputs_json and '"format":"dgcp-draw-input/1"' in stored.inputs_json
    generated = world(stub)
    d2 = stub.DrawPanels(pb.DrawPanelsRequest(lot=generated.lot.name), metadata=AUTH)
    assert d2.seed and not d2.seed_supplied


def test_recusal_redraws_that_seat_alone(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub, n_experts=16, n_employers=8)
    draw = stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="7"), metadata=AUTH)
    case = w.cases[1]
    before = stub.GetCase(pb.GetCaseRequest(name=case.name), metadata=AUTH).panel
    leaving = before[0]
    amend = stub.RecuseExpert(
        pb.RecuseExpertRequest(case=case.name, expert=leaving, reason="former colleague of the author"),
        metadata=md("reviewer", subject=leaving),
    )
    after = stub.GetCase(pb.GetCaseRequest(name=case.name), metadata=AUTH).panel
    assert amend.removed_expert == leaving and amend.added_expert not in before
    assert set(after) == (set(before) - {leaving}) | {amend.added_expert}
    assert len({w.employer_of[e] for e in after}) == 3
    gone = stub.CheckPanelMembership(
        pb.CheckPanelMembershipRequest(case=case.name, expert=leaving), metadata=SERVICE
    )
    assert not gone.member
    record = stub.GetDraw(pb.GetDrawRequest(name=draw.name), metadata=AUTH)
    assert [a.name for a in record.amendments] == [amend.name]
    assert stub.ReplayDraw(pb.ReplayDrawRequest(name=draw.name), metadata=AUTH).identical
    other = next(e.name for e in w.experts if e.name not in after)
    err = error_of(
        stub.RecuseExpert,
        pb.RecuseExpertRequest(case=case.name, expert=other, reason="x"),
        metadata=md("reviewer", subject=after[0]),
    )
    assert err.code == grpc.StatusCode.PERMISSION_DENIED


def test_reviewers_and_consultancies_read_only_their_own_cases(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub, n_experts=16, n_employers=8)
    stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="11"), metadata=AUTH)
    case = stub.GetCase(pb.GetCaseRequest(name=w.cases[0].name), metadata=AUTH)
    seated, outsider = case.panel[0], next(e.name for e in w.experts if e.name not in case.panel)
    request = pb.GetCaseRequest(name=case.name)
    assert stub.GetCase(request, metadata=md("reviewer", subject=seated)) == case
    err = error_of(stub.GetCase, request, metadata=md("reviewer", subject=outsider))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWN_CASE")
    as_firm = stub.GetCase(request, metadata=md("consultancy", org=case.consultancy))
    assert not as_firm.panel  # the firm learns its case, not who reviews it
    del case.panel[:]
    assert as_firm == case
    err = error_of(stub.GetCase, request, metadata=md("consultancy", org="consultancies/someone-else"))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWN_CASE")


def test_infeasible_lot_names_the_case_and_why(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub, n_cases=3)
    victim = w.cases[2]
    for e in w.experts[:-2]:  # all but two experts worked for the victim's consultancy
        relate(stub, e.name, victim.consultancy, pb.RELATION_KIND_CONTRACT, None)
    err = error_of(stub.DrawPanels, pb.DrawPanelsRequest(lot=w.lot.name, seed="1"), metadata=AUTH)
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NO_FEASIBLE_ASSIGNMENT")
    named = set(err.metadata["infeasible_cases"].split(","))
    # every standard case of that consultancy is left with two experts: too few for a
    # panel of 3 (a fast-track panel of 1 with too few specialists under the 0.5 cap is
    # no longer refused: the lot's default cap policy raises that case's cap)
    assert named == {
        c.name for c in w.cases if c.consultancy == victim.consultancy and c.track == pb.CASE_TRACK_STANDARD
    }
    assert "TOO_FEW_ELIGIBLE_EXPERTS" in err.metadata[victim.name]
    assert "CONTRACTED_BY_CONSULTANCY_WITHIN_36_MONTHS=12" in err.metadata[victim.name]
    assert stub.GetLot(pb.GetLotRequest(name=w.lot.name), metadata=AUTH).status == pb.LOT_STATUS_DRAFT


def test_concurrent_draws_of_one_lot_produce_one_draw(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub)

    def go(i: int) -> str:
        try:
            return stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed=str(i)), metadata=AUTH).name
        except grpc.RpcError as err:
            return f"error:{err.code().name}"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(go, range(4)))
    wins = [o for o in outcomes if not o.startswith("error:")]
    assert len(wins) == 1
    assert sorted(o for o in outcomes if o.startswith("error:")) == ["error:FAILED_PRECONDITION"] * 3
    seats = stub.ListPanelSeats(pb.ListPanelSeatsRequest(lot=w.lot.name), metadata=AUTH).seats
    assert len(seats) == 1 + 3 * (len(w.cases) - 1)


def test_rotation_availability_and_lot_status(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub)
    stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="5"), metadata=AUTH)
    seated = {
        s.expert for s in stub.ListPanelSeats(pb.ListPanelSeatsRequest(lot=w.lot.name), metadata=AUTH).seats
    }
    away = w.experts[-1].name
    today = cst_date(datetime.now(UTC))  # the draw's day is Beijing's, not the machine's
    stub.CreateUnavailability(
        pb.CreateUnavailabilityRequest(
            parent=away,
            unavailability=pb.Unavailability(start_date=today.isoformat(), end_date=today.isoformat()),
        ),
        metadata=md("reviewer", subject=away),
    )
    # a second lot whose rules allow one seat per consultancy within the window
    agency = stub.GetLot(pb.GetLotRequest(name=w.lot.name), metadata=AUTH).review_agency
    lot2 = stub.CreateLot(
        pb.CreateLotRequest(
            lot=pb.Lot(
                year=2025,
                batch=w.lot.batch,
                lot_number=2,
                review_agency=agency,
                standard_rules=pb.PanelRules(rotation_limit=1),
            )
        ),
        metadata=AUTH,
    )
    first = w.cases[1]
    case2 = stub.CreateCase(
        pb.CreateCaseRequest(
            parent=lot2.name,
            case=pb.Case(
                enterprise=first.enterprise,
                consultancy=first.consultancy,
                stage=pb.CASE_STAGE_ACCEPTANCE,
                track=pb.CASE_TRACK_STANDARD,
            ),
        ),
        metadata=AUTH,
    )
    found = stub.ListConflicts(pb.ListConflictsRequest(case=case2.name), metadata=AUTH).conflicts
    rotated = {c.expert for c in found if c.reason == "ROTATION_LIMIT"}
    on_that_consultancy = {
        s.expert
        for c in w.cases
        if c.consultancy == first.consultancy
        for s in stub.ListPanelSeats(pb.ListPanelSeatsRequest(case=c.name), metadata=AUTH).seats
    }
    assert rotated == on_that_consultancy and rotated <= seated
    assert ("UNAVAILABLE", away) in {(c.reason, c.expert) for c in found}

    moved = stub.TransitionLot(
        pb.TransitionLotRequest(name=w.lot.name, status=pb.LOT_STATUS_REVIEWING), metadata=AUTH
    )
    assert moved.status == pb.LOT_STATUS_REVIEWING
    err = error_of(
        stub.TransitionLot,
        pb.TransitionLotRequest(name=lot2.name, status=pb.LOT_STATUS_CLOSED),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVALID_LOT_TRANSITION")


def test_review_deadline_round_trips_and_rides_on_every_seat(stub: pb_grpc.AssignmentServiceStub) -> None:
    deadline = Timestamp(seconds=1_767_225_600, nanos=123_000)  # 2026-01-01T00:00:00.000123Z
    w = world(stub, n_experts=16, n_employers=8, review_deadline=deadline)
    assert w.lot.review_deadline == deadline
    assert stub.GetLot(pb.GetLotRequest(name=w.lot.name), metadata=AUTH).review_deadline == deadline
    stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="5"), metadata=AUTH)
    seats = stub.ListPanelSeats(pb.ListPanelSeatsRequest(lot=w.lot.name), metadata=AUTH).seats
    assert seats and all(s.review_deadline == deadline for s in seats)
    mine = stub.ListPanelSeats(
        pb.ListPanelSeatsRequest(expert=seats[0].expert), metadata=md("reviewer", subject=seats[0].expert)
    ).seats
    assert mine and all(s.review_deadline == deadline for s in mine)
    # each seat tells its case with names, and when the expert was drawn
    for seat in mine:
        case = stub.GetCase(pb.GetCaseRequest(name=seat.case), metadata=AUTH)
        ent = stub.GetEnterprise(pb.GetEnterpriseRequest(name=case.enterprise), metadata=AUTH)
        con = stub.GetConsultancy(pb.GetConsultancyRequest(name=case.consultancy), metadata=AUTH)
        assert seat.summary.enterprise_display_name == ent.display_name
        assert seat.summary.consultancy_display_name == con.display_name
        assert seat.summary.town == ent.town and seat.summary.industry_code
        assert (seat.summary.lot_year, seat.summary.lot_number) == (w.lot.year, w.lot.lot_number)
        assert seat.stage == case.stage and seat.track == case.track and seat.HasField("seated_time")
        assert case.summary == seat.summary
    # a lot without a deadline leaves it unset on the lot and on its seats
    other = world(stub, n_experts=16, n_employers=8)
    assert not other.lot.HasField("review_deadline")
    stub.DrawPanels(pb.DrawPanelsRequest(lot=other.lot.name, seed="5"), metadata=AUTH)
    seats = stub.ListPanelSeats(pb.ListPanelSeatsRequest(lot=other.lot.name), metadata=AUTH).seats
    assert seats and not any(s.HasField("review_deadline") for s in seats)


def test_consultancy_lists_only_its_own_cases_across_lots(stub: pb_grpc.AssignmentServiceStub) -> None:
    first = world(stub, n_cases=5)
    second = world(stub, n_cases=4)
    mine = first.consultancies[0]
    # the same consultancy audits cases in the second lot as well
    for case in second.cases[:2]:
        stub.CreateCase(
            pb.CreateCaseRequest(
                parent=second.lot.name,
                case=pb.Case(
                    enterprise=case.enterprise,
                    consultancy=mine,
                    stage=pb.CASE_STAGE_ACCEPTANCE,
                    track=pb.CASE_TRACK_STANDARD,
                ),
            ),
            metadata=AUTH,
        )
    as_mine = md("consultancy", org=mine)
    expected = {c.name for c in first.cases if c.consultancy == mine}
    got: list[pb.Case] = []
    token = ""
    while True:  # two at a time: keyset pages over the wildcard parent
        page = stub.ListCases(
            pb.ListCasesRequest(parent="lots/-", consultancy=mine, page_size=2, page_token=token),
            metadata=as_mine,
        )
        got.extend(page.cases)
        token = page.next_page_token
        if not token:
            break
    assert len(got) == len(expected) + 2 == len({c.name for c in got})
    assert all(c.consultancy == mine for c in got)
    assert all(c.summary.enterprise_display_name for c in got)
    assert not any(c.panel for c in got), "a consultancy must not learn who reviews it"
    assert expected < {c.name for c in got}
    assert {c.lot for c in got} == {first.lot.name, second.lot.name}
    # one lot, filtered, by the consultancy and by the authority
    one = stub.ListCases(pb.ListCasesRequest(parent=first.lot.name, consultancy=mine), metadata=as_mine)
    assert {c.name for c in one.cases} == expected
    by_authority = stub.ListCases(pb.ListCasesRequest(parent="lots/-", consultancy=mine), metadata=AUTH)
    assert {c.name for c in by_authority.cases} == {c.name for c in got}
    # another consultancy's filter, or none at all, is denied
    for request in (
        pb.ListCasesRequest(parent="lots/-", consultancy=first.consultancies[1]),
        pb.ListCasesRequest(parent=first.lot.name),
    ):
        err = error_of(stub.ListCases, request, metadata=as_mine)
        assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWN_CASE")
    # a page token is bound to its filter
    page = stub.ListCases(pb.ListCasesRequest(parent="lots/-", consultancy=mine, page_size=1), metadata=AUTH)
    err = error_of(
        stub.ListCases,
        pb.ListCasesRequest(
            parent="lots/-", consultancy=first.consultancies[1], page_token=page.next_page_token
        ),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN")
    # the wildcard needs the filter
    err = error_of(stub.ListCases, pb.ListCasesRequest(parent="lots/-"), metadata=AUTH)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in err.violations] == ["parent"]


def test_strict_cap_policy_refuses_what_the_default_raises(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub, n_cases=3, cap_policy=pb.CAP_POLICY_STRICT)
    assert stub.GetLot(pb.GetLotRequest(name=w.lot.name), metadata=AUTH).cap_policy == pb.CAP_POLICY_STRICT
    victim = w.cases[2]
    for e in w.experts[:-2]:
        relate(stub, e.name, victim.consultancy, pb.RELATION_KIND_CONTRACT, None)
    err = error_of(stub.DrawPanels, pb.DrawPanelsRequest(lot=w.lot.name, seed="1"), metadata=AUTH)
    named = set(err.metadata["infeasible_cases"].split(","))
    # strict: the fast-track cases (too few specialists under the 0.5 cap) are refused too
    assert named == {c.name for c in w.cases if c.consultancy == victim.consultancy}
    fast = [c.name for c in w.cases if c.consultancy == victim.consultancy and c.track == pb.CASE_TRACK_FAST]
    assert fast and all("PROBABILITY_CAP_TOO_TIGHT" in err.metadata[n] for n in fast)


def test_recusal_reason_above_its_maximum_is_refused_not_cut(stub: pb_grpc.AssignmentServiceStub) -> None:
    w = world(stub, n_experts=16, n_employers=8)
    stub.DrawPanels(pb.DrawPanelsRequest(lot=w.lot.name, seed="7"), metadata=AUTH)
    case = w.cases[1]
    before = stub.GetCase(pb.GetCaseRequest(name=case.name), metadata=AUTH).panel
    for reason, why in (
        ("回" * 501, "TEXT_TOO_LONG"),
        ("bad\u202ereason", "INVALID_CHARACTERS"),
        (" ", "REQUIRED"),
    ):
        err = error_of(
            stub.RecuseExpert,
            pb.RecuseExpertRequest(case=case.name, expert=before[0], reason=reason),
            metadata=AUTH,
        )
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT
        assert [(v.field, v.reason) for v in err.violations] == [("reason", why)]
    assert stub.GetCase(pb.GetCaseRequest(name=case.name), metadata=AUTH).panel == before
    amend = stub.RecuseExpert(
        pb.RecuseExpertRequest(case=case.name, expert=before[0], reason="回" * 500), metadata=AUTH
    )
    assert amend.reason == "回" * 500  # at the maximum: kept whole
