"""Rubric data and score validation (pure)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from services.scoring.rubrics import (
    DEFAULT_RUBRICS,
    EVALUATION_STANDARD,
    Criterion,
    ItemInput,
    Rubric,
    VetoInput,
    check_score,
    rubric_problems,
)


def full_marks(rubric: Rubric) -> list[ItemInput]:
    return [ItemInput(c.id, c.max_points) for c in rubric.criteria]


def test_default_rubrics_are_sound_and_total_100() -> None:
    assert {(r.stage, r.track) for r in DEFAULT_RUBRICS} == {
        ("evaluation", "standard"),
        ("evaluation", "fast"),
        ("acceptance", "standard"),
        ("acceptance", "fast"),
    }
    for rubric in DEFAULT_RUBRICS:
        assert rubric_problems(rubric) == []
        assert sum(c.max_points for c in rubric.criteria) == 100
    assert [c.max_points for c in EVALUATION_STANDARD.criteria] == [5, 15, 15, 20, 10, 15, 10, 10]
    assert all(
        len(r.criteria) < len(EVALUATION_STANDARD.criteria)
        for r in DEFAULT_RUBRICS
        if r is not EVALUATION_STANDARD
    )


def test_grades_and_veto() -> None:
    r = EVALUATION_STANDARD
    assert [r.grade(t, False) for t in (0, 69.5, 70, 89.5, 90, 100)] == [
        "fail",
        "fail",
        "pass",
        "pass",
        "good",
        "good",
    ]
    assert r.grade(100, True) == "fail"
    assert r.recommendation_line == 80


def test_json_round_trip_keeps_digest() -> None:
    for rubric in DEFAULT_RUBRICS:
        again = Rubric.from_json(rubric.to_json())
        assert again == rubric
        assert again.digest() == rubric.digest()
    changed = dataclasses.replace(EVALUATION_STANDARD, title="other")
    assert changed.digest() != EVALUATION_STANDARD.digest()


def test_full_marks_pass_without_comments() -> None:
    checked, problems = check_score(EVALUATION_STANDARD, full_marks(EVALUATION_STANDARD), [])
    assert problems == []
    assert checked is not None and checked.total == 100 and checked.grade == "good"


def test_one_violation_per_bad_criterion() -> None:
    items = full_marks(EVALUATION_STANDARD)
    items[0] = ItemInput("planning", 6)  # above max 5
    items[1] = ItemInput("pre_assessment", 10)  # deducted without comment
    items[2] = ItemInput("focus_targets", 14.25, "why")  # off the 0.5 step
    items[3] = ItemInput("nonsense", 1)
    del items[7]  # report missing
    checked, problems = check_score(
        EVALUATION_STANDARD, items, [VetoInput("falsified_data", " "), VetoInput("x", "y")]
    )
    assert checked is None
    got = {(p.field, p.reason) for p in problems}
    assert got == {
        ("items[0].points", "POINTS_OUT_OF_RANGE"),
        ("items[1].comment", "COMMENT_REQUIRED"),
        ("items[2].points", "POINTS_OFF_STEP"),
        ("items[3].criterion_id", "UNKNOWN_CRITERION"),
        ("items", "MISSING_CRITERION"),  # balances (replaced by nonsense)
        ("vetoes[0].reason", "REASON_REQUIRED"),
        ("vetoes[1].veto_id", "UNKNOWN_VETO"),
    }
    missing = [p.description for p in problems if p.reason == "MISSING_CRITERION"]
    assert sorted(missing) == ["criterion 'balances' missing", "criterion 'report' missing"]


def test_veto_fails_whatever_the_points() -> None:
    checked, _ = check_score(
        EVALUATION_STANDARD,
        full_marks(EVALUATION_STANDARD),
        [VetoInput("falsified_data", "energy table does not match invoices")],
    )
    assert checked is not None and checked.vetoed and checked.grade == "fail"


def test_broken_rubric_is_refused() -> None:
    bad = dataclasses.replace(
        EVALUATION_STANDARD,
        stage="nope",
        criteria=(Criterion("a", "c", "t", 60), Criterion("a", "c", "t", 30)),
    )
    reasons = {p.reason for p in rubric_problems(bad)}
    assert reasons == {"BAD_STAGE", "BAD_ID", "BAD_TOTAL"}


@given(st.data())
def test_any_valid_score_totals_its_points(data: st.DataObject) -> None:
    rubric = data.draw(st.sampled_from(DEFAULT_RUBRICS))
    items = []
    for c in rubric.criteria:
        steps = int(c.max_points / c.step)
        points = data.draw(st.integers(0, steps)) * c.step
        items.append(ItemInput(c.id, points, "" if points == c.max_points else "deducted"))
    checked, problems = check_score(rubric, items, [])
    assert problems == []
    assert checked is not None
    assert abs(checked.total - sum(i.points for i in items)) < 1e-9
    assert 0 <= checked.total <= 100


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_points_outside_range_always_rejected(points: float) -> None:
    items = full_marks(EVALUATION_STANDARD)
    items[0] = ItemInput("planning", points, "c")
    checked, problems = check_score(EVALUATION_STANDARD, items, [])
    ok = 0 <= points <= 5 and (points * 2).is_integer()
    assert (checked is not None) == ok
    assert (problems == []) == ok


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([1.0, 0.5, 0.25, 2.0, 0.1, 0.75, 0.2]),
    st.integers(min_value=0, max_value=4000),
)
def test_step_and_total_fast_paths_agree_with_decimal(value: float, step: float, k: int) -> None:
    from decimal import Decimal

    from services.scoring.rubrics import _on_step, _total

    def exact(v: float) -> bool:
        return Decimal(str(v)) % Decimal(str(step)) == 0

    for v in (value, k * step, float(Decimal(k) * Decimal(str(step))), k * step + 1e-9):
        assert _on_step(v, step) == exact(v), v
    criteria = tuple(dataclasses.replace(c, step=step) for c in EVALUATION_STANDARD.criteria)
    rubric = dataclasses.replace(EVALUATION_STANDARD, criteria=criteria)
    points = [float(Decimal(k % (j + 7)) * Decimal(str(step))) for j in range(len(rubric.criteria))]
    items = [ItemInput(c.id, p) for c, p in zip(rubric.criteria, points, strict=True)]
    assert _total(rubric, items) == float(sum(Decimal(str(p)) for p in points))


def test_step_check_survives_extreme_numbers() -> None:
    """Found by the descriptor-driven fuzzer: 1e300 % 1e-300 raised DivisionImpossible (INTERNAL)."""
    from services.scoring.rubrics import _on_step

    assert _on_step(10, 0.5) and not _on_step(10.3, 0.5)
    for value, step in [(1e300, 1e-300), (float("nan"), 1.0), (5.0, float("inf")), (5.0, 0.0), (5.0, 1e-320)]:
        assert not _on_step(value, step)


@given(st.data())
def test_quick_verdict_agrees_with_the_full_check(data: st.DataObject) -> None:
    """check_score tells a sound score without building violations; both must agree on any input."""
    from services.scoring.rubrics import _sound, violations

    rubric = data.draw(st.sampled_from(DEFAULT_RUBRICS))
    step = data.draw(st.sampled_from([0.5, 0.1, 0.25, 1.0]))
    rubric = dataclasses.replace(
        rubric, criteria=tuple(dataclasses.replace(c, step=step) for c in rubric.criteria)
    )
    ids = [c.id for c in rubric.criteria]
    items = []
    for c in rubric.criteria:
        points = data.draw(
            st.one_of(
                st.integers(0, round(c.max_points / step)).map(lambda k: k * step),
                st.floats(-2, c.max_points + 2),  # off step, out of range
                st.just(float("nan")),
            )
        )
        comment = data.draw(st.sampled_from(["", " ", "why"]))
        items.append(ItemInput(c.id, points, comment))
    if data.draw(st.booleans()):  # unknown, repeated or missing criteria
        edit = data.draw(st.sampled_from(["unknown", "repeat", "drop"]))
        at = data.draw(st.integers(0, len(items) - 1))
        if edit == "unknown":
            items[at] = items[at]._replace(criterion_id="nonsense")
        elif edit == "repeat":
            items.append(items[at])
        else:
            del items[at]
    veto_ids = [v.id for v in rubric.veto_items] + ["nonsense"]
    reasons = st.sampled_from(["", "  ", "falsified"])
    vetoes = data.draw(st.lists(st.builds(VetoInput, st.sampled_from(veto_ids), reasons), max_size=2))
    assert set(ids) == set(rubric._limits)
    assert _sound(rubric, items, vetoes) == (violations(rubric, items, vetoes) == [])
