"""Every avoidance rule of ``panels.conflicts``, table-driven: each relation kind on each side
(enterprise, consultancy), both sides of the 36-month boundary, employers, availability."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.assignment.panels import (
    CONTRACT,
    EMPLOYMENT,
    FAMILY,
    SHAREHOLDING,
    AvoidancePolicy,
    CaseFacts,
    ExpertFacts,
    Relation,
    conflicts,
    months_before,
)

AS_OF = date(2026, 12, 2)
POLICY = AvoidancePolicy()
BOUNDARY = months_before(AS_OF, 36)  # 2023-12-02: a relation that ended that day still counts
CASE = CaseFacts(
    name="cases/1",
    enterprise="enterprises/e",
    enterprise_code="91441900ENTERPRISE",
    consultancy="consultancies/c",
    consultancy_code="91441900CONSULTANC",
    industry="3360",
    track=1,
)
ORG = {"ENTERPRISE": CASE.enterprise, "CONSULTANCY": CASE.consultancy}
VERB = {EMPLOYMENT: "EMPLOYED_BY", CONTRACT: "CONTRACTED_BY", SHAREHOLDING: "SHAREHOLDER_OF"}


def expert(**kw: object) -> ExpertFacts:
    return ExpertFacts(
        name="experts/x", employer_code=str(kw.pop("employer", "OTHER")), specialties=("3360",), **kw
    )  # type: ignore[arg-type]


TIMED = [
    (kind, side, end, expected)
    for kind in (EMPLOYMENT, CONTRACT, SHAREHOLDING)
    for side in ("ENTERPRISE", "CONSULTANCY")
    for end, expected in (
        (None, True),  # still lasting
        (AS_OF - timedelta(days=1), True),
        (BOUNDARY, True),  # ended exactly 36 months ago: still within
        (BOUNDARY - timedelta(days=1), False),  # one day earlier: outside
    )
]


@pytest.mark.parametrize(("kind", "side", "end", "expected"), TIMED)
def test_timed_relations_conflict_within_36_months(
    kind: int, side: str, end: date | None, expected: bool
) -> None:
    found = conflicts(expert(relations=(Relation(kind, ORG[side], end),)), CASE, as_of=AS_OF, policy=POLICY)
    reason = f"{VERB[kind]}_{side}_WITHIN_36_MONTHS"
    assert found == ([(reason, ORG[side])] if expected else [])


@pytest.mark.parametrize("side", ["ENTERPRISE", "CONSULTANCY"])
@pytest.mark.parametrize("end", [None, BOUNDARY - timedelta(days=1), date(2000, 1, 1)])
def test_family_ties_conflict_whenever_they_ended(side: str, end: date | None) -> None:
    found = conflicts(expert(relations=(Relation(FAMILY, ORG[side], end),)), CASE, as_of=AS_OF, policy=POLICY)
    assert found == [(f"FAMILY_TIE_WITH_{side}", ORG[side])]


@pytest.mark.parametrize(
    ("employer", "expected"),
    [
        (CASE.enterprise_code, [("EMPLOYER_IS_ENTERPRISE", CASE.enterprise)]),
        (CASE.consultancy_code, [("EMPLOYER_IS_CONSULTANCY", CASE.consultancy)]),
        ("SOMEONE_ELSE", []),
    ],
)
def test_expert_employed_by_either_party(employer: str, expected: list[tuple[str, str]]) -> None:
    assert conflicts(expert(employer=employer), CASE, as_of=AS_OF, policy=POLICY) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"active": False}, [("INACTIVE", "")]),
        ({"unavailable": True}, [("UNAVAILABLE", "")]),
        ({"active": False, "unavailable": True}, [("INACTIVE", ""), ("UNAVAILABLE", "")]),
    ],
)
def test_inactive_and_unavailable(facts: dict[str, bool], expected: list[tuple[str, str]]) -> None:
    assert conflicts(expert(**facts), CASE, as_of=AS_OF, policy=POLICY) == expected


def test_relation_with_another_organisation_is_no_conflict() -> None:
    rel = Relation(EMPLOYMENT, "consultancies/another", None)
    assert conflicts(expert(relations=(rel,)), CASE, as_of=AS_OF, policy=POLICY) == []


def test_a_shorter_lookback_moves_the_boundary() -> None:
    rel = Relation(CONTRACT, CASE.consultancy, months_before(AS_OF, 13))
    assert (
        conflicts(expert(relations=(rel,)), CASE, as_of=AS_OF, policy=AvoidancePolicy(lookback_months=12))
        == []
    )
    found = conflicts(expert(relations=(rel,)), CASE, as_of=AS_OF, policy=AvoidancePolicy(lookback_months=24))
    assert found == [("CONTRACTED_BY_CONSULTANCY_WITHIN_24_MONTHS", CASE.consultancy)]


def test_months_before_clamps_to_the_month_end() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 12, 2), 36) == date(2023, 12, 2)
