"""Pure checks of the survey statistics, templates and periods (hand-computed values)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.surveys.stats import ResponseData, aggregate, cronbach_alpha, mean_interval, wilson
from services.surveys.templates import (
    Content,
    Dimension,
    Item,
    PartyKind,
    Purpose,
    check_answers,
    default_template,
    pattern_digest,
    straight_lining,
    validate_content,
)

# Four respondents, three items. By hand:
#   item variances (ddof 1): 5/3, 2.75/3, 5/3  → sum 4.25
#   totals 13, 8, 14, 8 → variance 30.75/3 = 10.25
#   alpha = 3/2 · (1 − 4.25/10.25) = 36/41 ≈ 0.87805
ALPHA_DATA = [[4, 5, 4], [3, 3, 2], [5, 4, 5], [2, 3, 3]]
ALPHA_HAND = 36 / 41


def test_cronbach_alpha_matches_hand_computation() -> None:
    assert cronbach_alpha(ALPHA_DATA) == pytest.approx(ALPHA_HAND, abs=1e-12)


def test_cronbach_alpha_undefined_cases() -> None:
    assert cronbach_alpha([[1, 2, 3]]) is None  # one respondent
    assert cronbach_alpha([[1], [2], [3]]) is None  # one item
    assert cronbach_alpha([[3, 3], [3, 3]]) is None  # no variance at all
    # Perfectly parallel items: alpha is 1.
    assert cronbach_alpha([[1, 1], [2, 2], [5, 5]]) == pytest.approx(1.0)


def test_mean_interval_is_student_t_and_clipped() -> None:
    est = mean_interval([1, 2, 3, 4, 5], 0.95, low=1, high=5)
    assert est is not None
    # mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451
    half = 2.7764451 * math.sqrt(2.5) / math.sqrt(5)
    assert (est.mean, est.n) == (3.0, 5)
    assert est.lower == pytest.approx(max(1.0, 3 - half), abs=1e-6)
    assert est.upper == pytest.approx(min(5.0, 3 + half), abs=1e-6)
    clipped = mean_interval([5, 5, 4], 0.95, low=1, high=5)
    assert clipped is not None and clipped.upper == 5.0
    assert mean_interval([], 0.95) is None


def test_wilson_interval() -> None:
    est = wilson(8, 10, 0.95)
    assert est is not None
    assert est.mean == 0.8
    assert (est.lower, est.upper) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    all_yes = wilson(3, 3, 0.95)
    assert all_yes is not None and all_yes.upper == 1.0 and all_yes.lower < 1.0


def _content() -> Content:
    _, _, content = default_template(PartyKind.CONSULTANCY, comment_max_length=2000)
    return content


def _answers(tangibles: list[int], rest: int = 4, **over: object) -> dict[str, object]:
    content = _content()
    out: dict[str, object] = {
        i.key: rest for i in content.items if i.purpose == Purpose.DIMENSION and i.dimension != "tangibles"
    }
    out.update(dict(zip(["tan_1", "tan_2", "tan_3"], tangibles, strict=True)))
    out.update(overall=8, quality_score=85, hire_again=True)
    out.update(over)
    return out


def test_aggregate_alpha_suppression_and_rr1() -> None:
    content = _content()
    rows = [ResponseData(_answers(t), content, "t/1") for t in ALPHA_DATA]
    agg = aggregate(rows, invitations=8, min_responses=3, confidence=0.95)
    assert (agg.n, agg.response_rate, agg.suppressed) == (4, 0.5, False)
    tangibles = next(d for d in agg.dimensions if d.key == "tangibles")
    assert tangibles.alpha == pytest.approx(ALPHA_HAND)
    assert (tangibles.alpha_items, tangibles.alpha_n) == (3, 4)
    assert tangibles.score is not None
    assert tangibles.score.mean == pytest.approx(sum(map(sum, ALPHA_DATA)) / 12)
    reliability = next(d for d in agg.dimensions if d.key == "reliability")
    assert reliability.alpha is None  # every answer 4: no variance
    assert agg.quality is not None and agg.quality.mean == 85
    assert agg.hire_again is not None and agg.hire_again.mean == 1.0
    few = aggregate(rows[:2], invitations=8, min_responses=3, confidence=0.95)
    assert few.suppressed and few.dimensions == [] and few.overall is None and few.n == 2


def test_aggregate_counts_and_excludes_flagged() -> None:
    content = _content()
    rows = [
        ResponseData(_answers([4, 5, 4]), content, "t/1", too_fast=True),
        ResponseData(_answers([3, 3, 2]), content, "t/1", straight_lining=True, duplicate_pattern=True),
        ResponseData(_answers([5, 4, 5]), content, "t/1"),
        ResponseData(_answers([2, 3, 3]), content, "t/1"),
    ]
    agg = aggregate(rows, invitations=4, min_responses=3, confidence=0.95)
    assert agg.signals == {"straight_lining": 1, "too_fast": 1, "duplicate_pattern": 1, "any": 2}
    excl = aggregate(rows, invitations=4, min_responses=3, confidence=0.95, exclude_flagged=True)
    assert (excl.n, excl.excluded, excl.suppressed, excl.response_rate) == (2, 2, True, 1.0)


def test_default_templates_are_valid_and_bilingual() -> None:
    for kind in PartyKind:
        title_zh, title_en, content = default_template(kind, comment_max_length=2000)
        assert validate_content(content, "t", comment_max_length=2000) == []
        assert title_zh and title_en
        per_dim = content.dimension_items()
        assert set(per_dim) == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}
        assert all(3 <= len(keys) <= 4 for keys in per_dim.values())
        assert all(i.text_zh and i.text_en for i in content.items)
        scales = {i.purpose: (i.scale_min, i.scale_max) for i in content.items}
        assert scales[Purpose.OVERALL_SATISFACTION] == (0, 10)
        assert scales[Purpose.SERVICE_QUALITY_SCORE] == (0, 100)
        assert all(
            (i.scale_min, i.scale_max) == (1, 5) for i in content.items if i.purpose == Purpose.DIMENSION
        )
    consultancy = default_template(PartyKind.CONSULTANCY, comment_max_length=2000)[2]
    agency = default_template(PartyKind.REVIEW_AGENCY, comment_max_length=2000)[2]
    assert consultancy.items[0].text_zh != agency.items[0].text_zh  # worded per variant


def test_template_validation_names_each_bad_field() -> None:
    content = Content(
        dimensions=(Dimension("a", "甲"), Dimension("a", "乙"), Dimension("empty", "空")),
        items=(
            Item("x1", Purpose.DIMENSION, "题一", dimension="a", scale_min=1, scale_max=5),
            Item("x1", Purpose.DIMENSION, "题二", dimension="nope", scale_min=5, scale_max=1),
            Item("Bad-Key", 99, ""),
        ),
    )
    got = {(v.field, v.reason) for v in validate_content(content, "t", comment_max_length=2000)}
    assert got == {
        ("t.dimensions[1].key", "DUPLICATE_KEY"),
        ("t.items[1].key", "DUPLICATE_KEY"),
        ("t.items[1].dimension", "UNKNOWN_DIMENSION"),
        ("t.items[1].scale_max", "INVALID_SCALE"),
        ("t.items[2].key", "INVALID_KEY"),
        ("t.items[2].text_zh", "REQUIRED"),
        ("t.items[2].purpose", "REQUIRED"),
        ("t.dimensions[2]", "EMPTY_DIMENSION"),
    }


def test_answers_checked_item_by_item() -> None:
    content = _content()
    good = {k: ("yes" if k == "hire_again" else "scale", v) for k, v in _answers([3, 3, 3]).items()}
    clean, problems = check_answers(content, good, comment_max_length=2000)
    assert problems == [] and clean["quality_score"] == 85
    bad = dict(good)
    bad["tan_1"] = ("scale", 6)
    bad["overall"] = ("text", "很好")
    del bad["quality_score"]
    bad["zzz"] = ("scale", 1)
    bad["comment"] = ("text", "x" * 2001)
    _, problems = check_answers(content, bad, comment_max_length=2000)
    assert {(v.field, v.reason) for v in problems} == {
        ("answers.tan_1", "OUT_OF_RANGE"),
        ("answers.overall", "WRONG_TYPE"),
        ("answers.quality_score", "REQUIRED"),
        ("answers.zzz", "UNKNOWN_ITEM"),
        ("answers.comment", "TEXT_TOO_LONG"),
    }


def test_straight_lining_and_patterns() -> None:
    content = _content()
    same = _answers([4, 4, 4])
    assert straight_lining(content, same, min_items=5)
    assert not straight_lining(content, _answers([4, 5, 4]), min_items=5)
    with_comment = {**same, "comment": "不同的意见"}
    assert pattern_digest(content, same) == pattern_digest(content, with_comment)  # free text ignored
    assert pattern_digest(content, same) != pattern_digest(content, _answers([4, 4, 5]))


# --- properties ------------------------------------------------------------------------

_KEYS = [i.key for i in _content().items] + ["unknown"]
_ANSWER = st.one_of(
    st.tuples(st.just("scale"), st.integers(-(2**31), 2**31 - 1)),
    st.tuples(st.just("yes"), st.booleans()),
    st.tuples(st.just("text"), st.text(max_size=30)),
    st.tuples(st.just(""), st.none()),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _ANSWER))
def test_answers_either_rejected_or_all_within_their_item(answers: dict[str, tuple[str, object]]) -> None:
    content = _content()
    items = {i.key: i for i in content.items}
    clean, problems = check_answers(content, answers, comment_max_length=2000)  # type: ignore[arg-type]
    if problems:
        return
    assert set(clean) <= set(items)
    for item in content.items:
        if item.required:
            assert item.key in clean
        if item.key in clean and item.purpose in (Purpose.DIMENSION, Purpose.SERVICE_QUALITY_SCORE):
            assert item.scale_min <= clean[item.key] <= item.scale_max  # type: ignore[operator]


_MATRIX = st.integers(2, 12).flatmap(
    lambda n: st.lists(st.lists(st.integers(1, 5), min_size=3, max_size=3), min_size=n, max_size=n)
)


@settings(max_examples=200, deadline=None)
@given(_MATRIX, st.integers(-3, 3))
def test_alpha_at_most_one_and_shift_invariant(matrix: list[list[int]], shift: int) -> None:
    alpha = cronbach_alpha(matrix)
    if alpha is None:
        return
    assert alpha <= 1.0 + 1e-9
    shifted = cronbach_alpha([[v + shift * (j + 1) for j, v in enumerate(row)] for row in matrix])
    assert shifted == pytest.approx(alpha, abs=1e-9)  # constants added to items change nothing


def test_violations_are_capped_for_the_trailers() -> None:
    content = _content()
    flood = {f"junk_{i}": ("scale", 1) for i in range(500)}
    _, problems = check_answers(content, flood, comment_max_length=2000)  # type: ignore[arg-type]
    assert len(problems) == 40
    assert problems[-1].reason == "TOO_MANY_PROBLEMS" and "more" in problems[-1].description
