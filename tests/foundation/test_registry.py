"""The registry end to end through real gRPC servers, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from google.protobuf import field_mask_pb2

from dgcp.assignment.v1 import assignment_pb2 as pb
from dgcp.assignment.v1 import assignment_pb2_grpc as pb_grpc
from services.assignment import creditcode
from services.assignment.app import APP
from tests.support import Running, error_of, md, running

AUTH = md("authority")


@pytest.fixture
def svc(db_url_factory) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("assignment")
    with running(APP, database_url=url, schema=schema) as s:
        yield s


@pytest.fixture
def stub(svc: Running) -> pb_grpc.AssignmentServiceStub:
    return pb_grpc.AssignmentServiceStub(svc.channel())


_rng = random.Random()


def code() -> str:
    return creditcode.synthesize(_rng)


def enterprise(**over: object) -> pb.Enterprise:
    fields: dict[str, object] = dict(
        credit_code=code(),
        display_name="东莞市示例五金制品有限公司",
        town="长安镇",
        industry_code="C3360",
        audit_category=pb.AUDIT_CATEGORY_DOUBLE_HAZARD,
    )
    fields.update(over)
    return pb.Enterprise(**fields)  # type: ignore[arg-type]


def test_enterprise_create_get_update(stub: pb_grpc.AssignmentServiceStub) -> None:
    created = stub.CreateEnterprise(pb.CreateEnterpriseRequest(enterprise=enterprise()), metadata=AUTH)
    assert created.name.startswith("enterprises/")
    assert created.industry_code == "3360"  # canonical GB/T 4754 form
    assert created.create_time.seconds > 0
    got = stub.GetEnterprise(pb.GetEnterpriseRequest(name=created.name), metadata=AUTH)
    assert got == created
    changed = stub.UpdateEnterprise(
        pb.UpdateEnterpriseRequest(
            enterprise=pb.Enterprise(name=created.name, town="虎门镇", display_name="ignored"),
            update_mask=field_mask_pb2.FieldMask(paths=["town"]),
        ),
        metadata=AUTH,
    )
    assert (changed.town, changed.display_name) == ("虎门镇", created.display_name)
    err = error_of(
        stub.UpdateEnterprise,
        pb.UpdateEnterpriseRequest(
            enterprise=pb.Enterprise(name=created.name, credit_code=code()),
            update_mask=field_mask_pb2.FieldMask(paths=["credit_code"]),
        ),
        metadata=AUTH,
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.reason) for v in err.violations] == [("update_mask.credit_code", "IMMUTABLE")]


def test_list_is_paginated_and_filtered(stub: pb_grpc.AssignmentServiceStub) -> None:
    towns = ["长安镇", "虎门镇", "长安镇", "塘厦镇", "长安镇"]
    names = [
        stub.CreateEnterprise(pb.CreateEnterpriseRequest(enterprise=enterprise(town=t)), metadata=AUTH).name
        for t in towns
    ]
    seen, token, pages = [], "", 0
    while True:
        page = stub.ListEnterprises(pb.ListEnterprisesRequest(page_size=2, page_token=token), metadata=AUTH)
        seen += [e.name for e in page.enterprises]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert seen == names and pages == 3
    only = stub.ListEnterprises(pb.ListEnterprisesRequest(town="长安镇"), metadata=AUTH)
    assert [e.name for e in only.enterprises] == [names[0], names[2], names[4]]
    by_industry = stub.ListEnterprises(pb.ListEnterprisesRequest(industry_code="C33"), metadata=AUTH)
    assert len(by_industry.enterprises) == 5
    first = stub.ListEnterprises(pb.ListEnterprisesRequest(page_size=1, town="长安镇"), metadata=AUTH)
    err = error_of(
        stub.ListEnterprises,
        pb.ListEnterprisesRequest(page_token=first.next_page_token, town="虎门镇"),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN")


def test_experts_filter_by_specialty(stub: pb_grpc.AssignmentServiceStub) -> None:
    def expert(specialties: list[str]) -> str:
        e = pb.Expert(
            display_name="张工",
            employer_name="华南某研究院",
            employer_credit_code=code(),
            specialties=specialties,
        )
        return stub.CreateExpert(pb.CreateExpertRequest(expert=e), metadata=AUTH).name

    metal, paper = expert(["C33", "C34"]), expert(["C22"])
    assert stub.GetExpert(pb.GetExpertRequest(name=metal), metadata=AUTH).active
    found = stub.ListExperts(pb.ListExpertsRequest(specialty="C3360"), metadata=AUTH)
    assert [e.name for e in found.experts] == [metal]
    found = stub.ListExperts(pb.ListExpertsRequest(specialty="22"), metadata=AUTH)
    assert [e.name for e in found.experts] == [paper]


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (dict(credit_code="91441900MA4UJ1234X"), "enterprise.credit_code", "INVALID_CREDIT_CODE"),
        (dict(credit_code="123"), "enterprise.credit_code", "INVALID_CREDIT_CODE"),
        (dict(credit_code=""), "enterprise.credit_code", "REQUIRED"),
        (dict(display_name=""), "enterprise.display_name", "REQUIRED"),
        (dict(town="北京"), "enterprise.town", "UNKNOWN_TOWN"),
        (dict(industry_code="X99"), "enterprise.industry_code", "INVALID_INDUSTRY"),
        (dict(audit_category=0), "enterprise.audit_category", "REQUIRED"),
    ],
)
def test_bad_input_names_the_field(
    stub: pb_grpc.AssignmentServiceStub, bad: dict[str, object], field: str, reason: str
) -> None:
    err = error_of(
        stub.CreateEnterprise, pb.CreateEnterpriseRequest(enterprise=enterprise(**bad)), metadata=AUTH
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "INVALID_FIELD"
    assert [(v.field, v.reason) for v in err.violations] == [(field, reason)]
    assert stub.ListEnterprises(pb.ListEnterprisesRequest(), metadata=AUTH).enterprises == []


def test_missing_resource_and_unknown_id(stub: pb_grpc.AssignmentServiceStub) -> None:
    err = error_of(stub.CreateEnterprise, pb.CreateEnterpriseRequest(), metadata=AUTH)
    assert (err.code, err.violations[0].field) == (grpc.StatusCode.INVALID_ARGUMENT, "enterprise")
    err = error_of(
        stub.GetEnterprise,
        pb.GetEnterpriseRequest(name="enterprises/01900000-0000-7000-8000-000000000000"),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.NOT_FOUND, "ENTERPRISE_NOT_FOUND")
    err = error_of(stub.GetEnterprise, pb.GetEnterpriseRequest(name="enterprises/nope"), metadata=AUTH)
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_NAME")
    err = error_of(stub.ListExperts, pb.ListExpertsRequest(page_size=-1), metadata=AUTH)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT


def test_duplicate_credit_code_is_already_exists(stub: pb_grpc.AssignmentServiceStub) -> None:
    c = code()
    stub.CreateConsultancy(
        pb.CreateConsultancyRequest(consultancy=pb.Consultancy(credit_code=c, display_name="甲")),
        metadata=AUTH,
    )
    err = error_of(
        stub.CreateConsultancy,
        pb.CreateConsultancyRequest(consultancy=pb.Consultancy(credit_code=c, display_name="乙")),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.ALREADY_EXISTS, "CREDIT_CODE_TAKEN")


def test_idempotent_create_under_concurrency(stub: pb_grpc.AssignmentServiceStub) -> None:
    request = pb.CreateReviewAgencyRequest(
        review_agency=pb.ReviewAgency(credit_code=code(), display_name="某评审技术服务机构"),
        request_id="retry-me-1",
    )
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: stub.CreateReviewAgency(request, metadata=AUTH), range(16)))
    assert len({a.name for a in answers}) == 1
    assert len(stub.ListReviewAgencies(pb.ListReviewAgenciesRequest(), metadata=AUTH).review_agencies) == 1
    other = pb.CreateReviewAgencyRequest(
        review_agency=pb.ReviewAgency(credit_code=code(), display_name="另一机构"), request_id="retry-me-1"
    )
    err = error_of(stub.CreateReviewAgency, other, metadata=AUTH)
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")


def test_authentication_and_roles(stub: pb_grpc.AssignmentServiceStub) -> None:
    request = pb.ListEnterprisesRequest()
    err = error_of(stub.ListEnterprises, request)
    assert (err.code, err.reason) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING")
    err = error_of(stub.ListEnterprises, request, metadata=[("authorization", "Bearer not.a.jwt")])
    assert (err.code, err.reason) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    err = error_of(stub.ListEnterprises, request, metadata=md("reviewer"))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    err = error_of(
        stub.CreateEnterprise, pb.CreateEnterpriseRequest(enterprise=enterprise()), metadata=md("service")
    )
    assert err.code == grpc.StatusCode.PERMISSION_DENIED
    me = stub.CreateExpert(
        pb.CreateExpertRequest(
            expert=pb.Expert(
                display_name="李工", employer_name="某院", employer_credit_code=code(), specialties=["C26"]
            )
        ),
        metadata=AUTH,
    )
    assert stub.GetExpert(pb.GetExpertRequest(name=me.name), metadata=md("reviewer", subject=me.name)) == me
    err = error_of(stub.GetExpert, pb.GetExpertRequest(name=me.name), metadata=md("reviewer"))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWN_RECORD")


def test_request_id_is_echoed(stub: pb_grpc.AssignmentServiceStub) -> None:
    _, call = stub.ListConsultancies.with_call(
        pb.ListConsultanciesRequest(), metadata=[*AUTH, ("x-request-id", "abc-123")]
    )
    assert ("x-request-id", "abc-123") in list(call.trailing_metadata())
