"""Survey templates as data: validation, the default SERVQUAL templates, answer checks.

A template version is a list of dimensions and items. Items say what they
measure (:class:`Purpose`), so the aggregates know which answers form a
dimension score, which is overall satisfaction, and so on. Everything here is
pure: the API maps protos to these classes, the store keeps them as JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any

from runtime.errors import FieldViolation
from runtime.text import clean_text


class Purpose(IntEnum):
    """Mirrors ``dgcp.surveys.v1.ItemPurpose``."""

    DIMENSION = 1
    OVERALL_SATISFACTION = 2
    SERVICE_QUALITY_SCORE = 3
    WOULD_HIRE_AGAIN = 4
    COMMENT = 5


class PartyKind(IntEnum):
    """Mirrors ``dgcp.surveys.v1.RatedPartyKind``."""

    CONSULTANCY = 1
    REVIEW_AGENCY = 2


SCALE_PURPOSES = frozenset({Purpose.DIMENSION, Purpose.OVERALL_SATISFACTION, Purpose.SERVICE_QUALITY_SCORE})
SINGLE_PURPOSES = (Purpose.OVERALL_SATISFACTION, Purpose.SERVICE_QUALITY_SCORE, Purpose.WOULD_HIRE_AGAIN)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEMPLATE_ID = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")
MAX_ITEMS = 200
MAX_TEXT = 500
SCALE_LIMIT = 1000
MAX_VIOLATIONS = 40  # the status travels in trailers, which clients cap at a few kilobytes


@dataclass(frozen=True)
class Dimension:
    key: str
    name_zh: str
    name_en: str = ""


@dataclass(frozen=True)
class Item:
    key: str
    purpose: int
    text_zh: str
    text_en: str = ""
    dimension: str = ""
    scale_min: int = 0
    scale_max: int = 0
    required: bool = True
    max_length: int = 0


@dataclass(frozen=True)
class Content:
    """What a template version says; stored as one JSON document."""

    dimensions: tuple[Dimension, ...] = ()
    items: tuple[Item, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"dimensions": [asdict(d) for d in self.dimensions], "items": [asdict(i) for i in self.items]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Content:
        return cls(
            dimensions=tuple(Dimension(**d) for d in data.get("dimensions", [])),
            items=tuple(Item(**i) for i in data.get("items", [])),
        )

    def dimension_items(self) -> dict[str, list[str]]:
        """Dimension key → its item keys, in template order."""
        out: dict[str, list[str]] = {d.key: [] for d in self.dimensions}
        for item in self.items:
            if item.purpose == Purpose.DIMENSION:
                out.setdefault(item.dimension, []).append(item.key)
        return out

    def item_of(self, purpose: Purpose) -> Item | None:
        return next((i for i in self.items if i.purpose == purpose), None)


def _text(
    value: str, field_: str, out: list[FieldViolation], *, required: bool, limit: int = MAX_TEXT
) -> None:
    """Survey texts and answers are free text (runtime.text: NFC, line breaks kept, no tricks)."""
    clean_text(value, field_, out, max_len=limit, required=required)


def capped(out: list[FieldViolation]) -> list[FieldViolation]:
    """At most MAX_VIOLATIONS, the last saying how many more there were."""
    if len(out) <= MAX_VIOLATIONS:
        return out
    more = len(out) - MAX_VIOLATIONS + 1
    return [*out[: MAX_VIOLATIONS - 1], FieldViolation("", f"and {more} more problems", "TOO_MANY_PROBLEMS")]


def validate_header(title_zh: str, title_en: str, kind: int, prefix: str) -> list[FieldViolation]:
    out: list[FieldViolation] = []
    _text(title_zh, f"{prefix}.title_zh", out, required=True, limit=200)
    _text(title_en, f"{prefix}.title_en", out, required=False, limit=200)
    if kind not in {k.value for k in PartyKind}:
        out.append(FieldViolation(f"{prefix}.rated_party_kind", "is required", "REQUIRED"))
    return out


def validate_content(content: Content, prefix: str, *, comment_max_length: int) -> list[FieldViolation]:
    """Every problem of a template's dimensions and items, each naming its field."""
    out: list[FieldViolation] = []
    seen_dims: set[str] = set()
    for i, d in enumerate(content.dimensions):
        where = f"{prefix}.dimensions[{i}]"
        if not KEY.match(d.key):
            out.append(
                FieldViolation(f"{where}.key", "lower-case key of letters, digits, '_'", "INVALID_KEY")
            )
        elif d.key in seen_dims:
            out.append(FieldViolation(f"{where}.key", f"duplicate dimension '{d.key}'", "DUPLICATE_KEY"))
        seen_dims.add(d.key)
        _text(d.name_zh, f"{where}.name_zh", out, required=True, limit=100)
        _text(d.name_en, f"{where}.name_en", out, required=False, limit=100)
    if not content.items:
        out.append(FieldViolation(f"{prefix}.items", "at least one item", "REQUIRED"))
    if len(content.items) > MAX_ITEMS:
        out.append(FieldViolation(f"{prefix}.items", f"at most {MAX_ITEMS} items", "TOO_MANY"))
    seen: set[str] = set()
    for i, item in enumerate(content.items):
        out += _item_problems(item, f"{prefix}.items[{i}]", seen, seen_dims, comment_max_length)
        seen.add(item.key)
    for purpose in SINGLE_PURPOSES:
        if sum(1 for it in content.items if it.purpose == purpose) > 1:
            out.append(
                FieldViolation(f"{prefix}.items", f"at most one {purpose.name} item", "DUPLICATE_PURPOSE")
            )
    used = {it.dimension for it in content.items if it.purpose == Purpose.DIMENSION}
    for i, d in enumerate(content.dimensions):
        if d.key in seen_dims and d.key not in used:
            out.append(FieldViolation(f"{prefix}.dimensions[{i}]", "has no items", "EMPTY_DIMENSION"))
    return capped(out)


def _item_problems(
    item: Item, where: str, seen: set[str], dims: set[str], comment_max_length: int
) -> list[FieldViolation]:
    out: list[FieldViolation] = []
    if not KEY.match(item.key):
        out.append(FieldViolation(f"{where}.key", "lower-case key of letters, digits, '_'", "INVALID_KEY"))
    elif item.key in seen:
        out.append(FieldViolation(f"{where}.key", f"duplicate item '{item.key}'", "DUPLICATE_KEY"))
    _text(item.text_zh, f"{where}.text_zh", out, required=True)
    _text(item.text_en, f"{where}.text_en", out, required=False)
    if item.purpose not in {p.value for p in Purpose}:
        out.append(FieldViolation(f"{where}.purpose", "is required", "REQUIRED"))
        return out
    if item.purpose == Purpose.DIMENSION and item.dimension not in dims:
        out.append(
            FieldViolation(f"{where}.dimension", "must name a dimension of the template", "UNKNOWN_DIMENSION")
        )
    if item.purpose != Purpose.DIMENSION and item.dimension:
        out.append(FieldViolation(f"{where}.dimension", "only dimension items have one", "UNEXPECTED"))
    if item.purpose in SCALE_PURPOSES and not (
        -SCALE_LIMIT <= item.scale_min < item.scale_max <= SCALE_LIMIT
    ):
        out.append(
            FieldViolation(
                f"{where}.scale_max", f"need scale_min < scale_max within ±{SCALE_LIMIT}", "INVALID_SCALE"
            )
        )
    if item.purpose == Purpose.COMMENT and not 0 <= item.max_length <= comment_max_length:
        out.append(FieldViolation(f"{where}.max_length", f"0 to {comment_max_length}", "OUT_OF_RANGE"))
    return out


# --- answers ----------------------------------------------------------------

Answer = tuple[str, Any]
"""(kind, value): kind is ``scale``, ``yes`` or ``text`` (the proto oneof), or ``""`` when unset."""


def check_answers(
    content: Content, answers: Mapping[str, Answer], *, comment_max_length: int
) -> tuple[dict[str, Any], list[FieldViolation]]:
    """Answers checked against the template version: (clean values by key, one violation per bad item)."""
    items = {i.key: i for i in content.items}
    clean: dict[str, Any] = {}
    out: list[FieldViolation] = []
    for key in sorted(answers):
        if key not in items:
            out.append(
                FieldViolation(f"answers.{key[:60]}", "no such item in this template version", "UNKNOWN_ITEM")
            )
    for item in content.items:
        where = f"answers.{item.key}"
        kind, value = answers.get(item.key, ("", None))
        if not kind:
            if item.required:
                out.append(FieldViolation(where, "is required", "REQUIRED"))
            continue
        want = (
            "scale"
            if item.purpose in SCALE_PURPOSES
            else "yes"
            if item.purpose == Purpose.WOULD_HIRE_AGAIN
            else "text"
        )
        if kind != want:
            out.append(FieldViolation(where, f"needs a '{want}' answer", "WRONG_TYPE"))
        elif want == "scale" and not item.scale_min <= value <= item.scale_max:
            out.append(FieldViolation(where, f"must be {item.scale_min}–{item.scale_max}", "OUT_OF_RANGE"))
        elif want == "text":
            limit = item.max_length or comment_max_length
            problems: list[FieldViolation] = []
            _text(value, where, problems, required=item.required, limit=limit)
            out += problems
            if not problems and value.strip():
                clean[item.key] = value.strip()
        else:
            clean[item.key] = value
    return clean, capped(out)


# --- quality signals ----------------------------------------------------------


def straight_lining(content: Content, answers: Mapping[str, Any], *, min_items: int) -> bool:
    """Every dimension item given the same answer (enough items for that to mean something)."""
    values = [answers[i.key] for i in content.items if i.purpose == Purpose.DIMENSION and i.key in answers]
    return len(values) >= min_items and len(set(values)) == 1


def pattern_digest(content: Content, answers: Mapping[str, Any]) -> str:
    """SHA-256 of the closed answers (free text left out): equal digests mean identical patterns."""
    closed = {i.key: answers.get(i.key) for i in content.items if i.purpose != Purpose.COMMENT}
    return hashlib.sha256(json.dumps(closed, sort_keys=True).encode()).hexdigest()


# --- the default templates ------------------------------------------------------

SERVQUAL_DIMENSIONS = (
    Dimension("tangibles", "有形性", "Tangibles"),
    Dimension("reliability", "可靠性", "Reliability"),
    Dimension("responsiveness", "响应性", "Responsiveness"),
    Dimension("assurance", "保证性", "Assurance"),
    Dimension("empathy", "移情性", "Empathy"),
)

# (key, dimension, consultancy zh, consultancy en, agency zh, agency en)
_SERVQUAL_ITEMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("tan_1", "tangibles",
     "咨询机构投入的人员、检测仪器和工具能满足审核工作需要。",
     "The consultancy's staff, instruments and tools were adequate for the audit.",
     "评审机构安排的会议、现场核查和材料准备规范有序。",
     "The agency's meetings, site checks and paperwork were well organised."),
    ("tan_2", "tangibles",
     "审核报告、清单和表格规范、清晰、易于理解。",
     "The audit report, checklists and forms were clear and easy to understand.",
     "评审意见和结论文书规范、清晰、易于理解。",
     "The review opinions and conclusions were clear and easy to understand."),
    ("tan_3", "tangibles",
     "咨询人员的现场作业和工作记录规范、专业。",
     "The consultants' on-site work and records were professional.",
     "评审的通知、表格和材料提交渠道方便使用。",
     "Notices, forms and the way to hand in documents were easy to use."),
    ("rel_1", "reliability",
     "咨询机构按合同约定的时间完成了各阶段审核工作。",
     "The consultancy finished each audit stage on the agreed schedule.",
     "评审机构按通知的时间组织了评估或验收。",
     "The agency held the evaluation or acceptance review when it said it would."),
    ("rel_2", "reliability",
     "审核数据（物料、能源、水平衡）准确、有依据。",
     "Audit data (material, energy and water balances) were accurate and evidenced.",
     "评审结论依据评分标准作出，前后一致。",
     "The conclusions followed the scoring rubric and were consistent."),
    ("rel_3", "reliability",
     "提出的清洁生产方案切合企业实际、可以实施。",
     "The clean-production options fitted the enterprise and could be carried out.",
     "专家组的意见具体、准确、可操作。",
     "The panel's comments were specific, accurate and actionable."),
    ("rel_4", "reliability",
     "咨询机构兑现了服务承诺，没有因其差错而返工。",
     "The consultancy kept its promises; no rework was needed because of its mistakes.",
     "评审机构履行了告知的程序，没有无故拖延。",
     "The agency followed the announced procedure without needless delay."),
    ("res_1", "responsiveness",
     "企业提出问题时，咨询机构能及时答复。",
     "The consultancy answered the enterprise's questions promptly.",
     "企业询问评审进度时，评审机构能及时答复。",
     "The agency answered questions about the review's progress promptly."),
    ("res_2", "responsiveness",
     "评估或验收提出修改意见后，咨询机构迅速完成修改。",
     "After the review's comments, the consultancy revised the report promptly.",
     "企业提交整改材料后，评审机构及时复核。",
     "The agency re-examined corrected documents promptly."),
    ("res_3", "responsiveness",
     "需要时，咨询人员愿意到现场协助企业。",
     "The consultants were willing to come on site when needed.",
     "评审机构对企业的合理诉求作出了回应。",
     "The agency responded to the enterprise's reasonable requests."),
    ("ass_1", "assurance",
     "咨询人员具备清洁生产审核所需的专业知识和经验。",
     "The consultants had the knowledge and experience a clean-production audit needs.",
     "评审专家具备相关行业和清洁生产的专业能力。",
     "The experts were competent in the industry and in clean production."),
    ("ass_2", "assurance",
     "咨询机构对企业提供的资料严格保密。",
     "The consultancy kept the enterprise's data confidential.",
     "评审过程公正，专家履行了回避规定。",
     "The review was impartial and the experts observed the avoidance rules."),
    ("ass_3", "assurance",
     "咨询机构的工作让企业对通过评估验收有信心。",
     "The consultancy's work gave the enterprise confidence in passing the review.",
     "评审机构对企业资料严格保密。",
     "The agency kept the enterprise's data confidential."),
    ("ass_4", "assurance",
     "咨询人员遵守规定，未提出弄虚作假等不当要求。",
     "The consultants kept to the rules and never suggested falsifying anything.",
     "评审过程廉洁，没有索要或收受好处。",
     "The review was clean: no favours were asked for or accepted."),
    ("emp_1", "empathy",
     "咨询机构了解企业的生产工艺和实际困难。",
     "The consultancy understood the enterprise's processes and real difficulties.",
     "评审专家理解企业的行业特点和实际困难。",
     "The experts understood the enterprise's industry and real difficulties."),
    ("emp_2", "empathy",
     "咨询机构根据企业的资金和场地条件设计方案。",
     "The consultancy designed options to suit the enterprise's money and space.",
     "评审意见兼顾了企业的实际条件。",
     "The review's requirements took the enterprise's circumstances into account."),
    ("emp_3", "empathy",
     "咨询人员沟通耐心，培训了企业的审核小组。",
     "The consultants were patient and trained the enterprise's audit team.",
     "评审人员态度友善，耐心解释评审要求。",
     "The reviewers were courteous and explained the requirements patiently."),
)  # fmt: skip


def default_template(kind: PartyKind, *, comment_max_length: int) -> tuple[str, str, Content]:
    """(title_zh, title_en, content) of the default template rating ``kind``."""
    agency = kind == PartyKind.REVIEW_AGENCY
    party_zh, party_en = ("评审机构", "review agency") if agency else ("咨询机构", "consultancy")
    items = [
        Item(key, Purpose.DIMENSION, a_zh if agency else c_zh, a_en if agency else c_en, dim, 1, 5)
        for key, dim, c_zh, c_en, a_zh, a_en in _SERVQUAL_ITEMS
    ]
    items += [
        Item(
            "overall", Purpose.OVERALL_SATISFACTION,
            f"总体而言，您对该{party_zh}的服务满意吗？（0 = 非常不满意，10 = 非常满意）",
            f"Overall, how satisfied are you with the {party_en}? (0 = not at all, 10 = completely)",
            scale_min=0, scale_max=10,
        ),
        Item(
            "quality_score", Purpose.SERVICE_QUALITY_SCORE,
            f"请为该{party_zh}的服务质量打分（0–100 分）。",
            f"Score the {party_en}'s service quality from 0 to 100.",
            scale_min=0, scale_max=100,
        ),
        Item(
            "hire_again", Purpose.WOULD_HIRE_AGAIN,
            "今后您是否希望继续由该评审机构承担评审工作？"
            if agency else "今后您是否愿意再次委托该咨询机构？",
            "Would you want this agency to review your audits again?"
            if agency else "Would you hire this consultancy again?",
        ),
        Item(
            "comment", Purpose.COMMENT,
            "其他意见和建议（选填）。", "Other comments or suggestions (optional).",
            required=False, max_length=comment_max_length,
        ),
    ]  # fmt: skip
    title_zh = f"清洁生产审核{party_zh}服务满意度调查"
    title_en = f"Satisfaction survey: the clean-production audit {party_en}"
    return title_zh, title_en, Content(dimensions=SERVQUAL_DIMENSIONS, items=tuple(items))


def intro(kind: int, party: str, case: str) -> tuple[str, str]:
    """What the enterprise is asked to rate, in Chinese and English."""
    where_zh = f"（{case}）" if case else ""
    where_en = f" ({case})" if case else ""
    if kind == PartyKind.REVIEW_AGENCY:
        return (
            f"请评价对贵单位清洁生产审核报告进行评估/验收的评审机构「{party}」{where_zh}的服务质量。",
            f"Please rate the review agency '{party}' that reviewed your clean-production audit{where_en}.",
        )
    return (
        f"请评价为贵单位提供清洁生产审核咨询服务的「{party}」{where_zh}的服务质量。",
        f"Please rate the consultancy '{party}' that ran your clean-production audit{where_en}.",
    )
