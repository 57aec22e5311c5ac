"""The registry: validation and proto<->table mapping of enterprises,
consultancies, review agencies and experts.

Each resource is described once (:class:`ResourceKind`); the store and the API
work from that description, so the four resources share one code path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message
from sqlmodel import Session, select

from dgcp.assignment.v1 import assignment_pb2 as pb
from runtime.errors import FieldViolation
from runtime.notify.addresses import email_problem, phone_problem
from runtime.resources import to_timestamp
from runtime.text import clean_name
from services.assignment import creditcode
from services.assignment.models import Consultancy, Enterprise, Expert, ExpertSpecialty, ReviewAgency

# Dongguan's 4 streets and 28 towns (东莞市 4 街道 28 镇).
DONGGUAN_TOWNS: tuple[str, ...] = (
    "莞城街道", "东城街道", "南城街道", "万江街道",
    "石碣镇", "石龙镇", "茶山镇", "石排镇", "企石镇", "横沥镇", "桥头镇", "谢岗镇",
    "东坑镇", "常平镇", "寮步镇", "樟木头镇", "大朗镇", "黄江镇", "清溪镇", "塘厦镇",
    "凤岗镇", "大岭山镇", "长安镇", "虎门镇", "厚街镇", "沙田镇", "道滘镇", "洪梅镇",
    "麻涌镇", "望牛墩镇", "中堂镇", "高埗镇",
)  # fmt: skip

_INDUSTRY = re.compile(r"^([A-T])?(\d{2,4})?$")
MAX_NAME = 200
MAX_SPECIALTIES = 20


def normalize_industry(code: str) -> str | None:
    """GB/T 4754 code → canonical form: the digits when given (the section letter is
    implied by the division), else the section letter. None when malformed."""
    m = _INDUSTRY.match(code.strip().upper())
    if not m or not (m.group(1) or m.group(2)):
        return None
    return m.group(2) or m.group(1)


def _credit(code: str, field: str, out: list[FieldViolation]) -> None:
    if not code:
        out.append(FieldViolation(field, "is required", "REQUIRED"))
    elif (why := creditcode.problem(code)) is not None:
        out.append(FieldViolation(field, why, "INVALID_CREDIT_CODE"))


def _text(value: str, field: str, out: list[FieldViolation], *, required: bool = True) -> None:
    """A published name: the one rule of every service (runtime.text: NFC, no invisible tricks)."""
    clean_name(value, field, out, max_len=MAX_NAME, required=required)


def _contact(m: pb.Contact, field: str, out: list[FieldViolation]) -> None:
    """Contact details as notifications need them: a plain address, a short phone number."""
    _text(m.person, f"{field}.person", out, required=False)
    if (why := email_problem(m.email)) is not None:
        out.append(FieldViolation(f"{field}.email", why, "INVALID_EMAIL"))
    if (why := phone_problem(m.phone)) is not None:
        out.append(FieldViolation(f"{field}.phone", why, "INVALID_PHONE"))


T = TypeVar("T")
P = TypeVar("P", bound=Message)


@dataclass(frozen=True)
class ResourceKind(Generic[T, P]):
    collection: str  # "enterprises"
    noun: str  # "ENTERPRISE", for error reasons
    field: str  # the request field holding the resource
    table: type[T]
    message: type[P]
    mutable: tuple[str, ...]
    immutable: tuple[str, ...]
    validate: Callable[[P, Collection[str]], list[FieldViolation]]
    apply: Callable[[Session, T, P, Collection[str]], None]
    to_proto: Callable[[Session, T], P]


# --- enterprises ---------------------------------------------------------


def _validate_enterprise(m: pb.Enterprise, paths: Collection[str]) -> list[FieldViolation]:
    out: list[FieldViolation] = []
    if "credit_code" in paths:
        _credit(m.credit_code, "enterprise.credit_code", out)
    if "display_name" in paths:
        _text(m.display_name, "enterprise.display_name", out)
    if "town" in paths and m.town not in DONGGUAN_TOWNS:
        out.append(FieldViolation("enterprise.town", "not a town or street of Dongguan", "UNKNOWN_TOWN"))
    if "industry_code" in paths and normalize_industry(m.industry_code) is None:
        out.append(FieldViolation("enterprise.industry_code", "not a GB/T 4754 code", "INVALID_INDUSTRY"))
    if "audit_category" in paths and (
        m.audit_category == pb.AUDIT_CATEGORY_UNSPECIFIED or m.audit_category not in pb.AuditCategory.values()
    ):
        out.append(FieldViolation("enterprise.audit_category", "is required", "REQUIRED"))
    if "contact" in paths:
        _contact(m.contact, "enterprise.contact", out)
    return out


def _apply_enterprise(_: Session, row: Enterprise, m: pb.Enterprise, paths: Collection[str]) -> None:
    for path in paths:
        value: Any = getattr(m, path)
        if path == "industry_code":
            value = normalize_industry(value)
        elif path == "audit_category":
            value = int(value)
        elif path == "contact":
            row.contact_person, row.contact_phone = m.contact.person, m.contact.phone
            row.contact_email = m.contact.email
            continue
        setattr(row, path, value)


def _enterprise_proto(_: Session, row: Enterprise) -> pb.Enterprise:
    return pb.Enterprise(
        name=f"enterprises/{row.id}",
        credit_code=row.credit_code,
        display_name=row.display_name,
        town=row.town,
        industry_code=row.industry_code,
        audit_category=row.audit_category,  # type: ignore[arg-type]
        contact=pb.Contact(person=row.contact_person, phone=row.contact_phone, email=row.contact_email),
        create_time=to_timestamp(row.create_time),
        update_time=to_timestamp(row.update_time),
    )


ENTERPRISES: ResourceKind[Enterprise, pb.Enterprise] = ResourceKind(
    collection="enterprises",
    noun="ENTERPRISE",
    field="enterprise",
    table=Enterprise,
    message=pb.Enterprise,
    mutable=("display_name", "town", "industry_code", "audit_category", "contact"),
    immutable=("credit_code",),
    validate=_validate_enterprise,
    apply=_apply_enterprise,
    to_proto=_enterprise_proto,
)

# --- consultancies and review agencies ---------------------------------------

_ORG_FIELDS = ("display_name", "contact")


def _org_validator(field: str) -> Callable[[Any, Collection[str]], list[FieldViolation]]:
    def validate(m: Any, paths: Collection[str]) -> list[FieldViolation]:
        out: list[FieldViolation] = []
        if "credit_code" in paths:
            _credit(m.credit_code, f"{field}.credit_code", out)
        if "display_name" in paths:
            _text(m.display_name, f"{field}.display_name", out)
        if "contact" in paths:
            _contact(m.contact, f"{field}.contact", out)
        return out

    return validate


def _apply_org(_: Session, row: Any, m: Any, paths: Collection[str]) -> None:
    for path in paths:
        if path == "contact":
            row.contact_person = m.contact.person
            row.contact_phone = m.contact.phone
            row.contact_email = m.contact.email
        else:
            setattr(row, path, getattr(m, path))


def _org_proto(message: type[P], collection: str) -> Callable[[Session, Any], P]:
    def to_proto(_: Session, row: Any) -> P:
        return message(
            name=f"{collection}/{row.id}",
            credit_code=row.credit_code,
            display_name=row.display_name,
            contact=pb.Contact(person=row.contact_person, phone=row.contact_phone, email=row.contact_email),
            create_time=to_timestamp(row.create_time),
            update_time=to_timestamp(row.update_time),
        )

    return to_proto


CONSULTANCIES: ResourceKind[Consultancy, pb.Consultancy] = ResourceKind(
    collection="consultancies",
    noun="CONSULTANCY",
    field="consultancy",
    table=Consultancy,
    message=pb.Consultancy,
    mutable=_ORG_FIELDS,
    immutable=("credit_code",),
    validate=_org_validator("consultancy"),
    apply=_apply_org,
    to_proto=_org_proto(pb.Consultancy, "consultancies"),
)

REVIEW_AGENCIES: ResourceKind[ReviewAgency, pb.ReviewAgency] = ResourceKind(
    collection="reviewAgencies",
    noun="REVIEW_AGENCY",
    field="review_agency",
    table=ReviewAgency,
    message=pb.ReviewAgency,
    mutable=_ORG_FIELDS,
    immutable=("credit_code",),
    validate=_org_validator("review_agency"),
    apply=_apply_org,
    to_proto=_org_proto(pb.ReviewAgency, "reviewAgencies"),
)

# --- experts ---------------------------------------------------------------


def _validate_expert(m: pb.Expert, paths: Collection[str]) -> list[FieldViolation]:
    out: list[FieldViolation] = []
    if "display_name" in paths:
        _text(m.display_name, "expert.display_name", out)
    if "employer_name" in paths:
        _text(m.employer_name, "expert.employer_name", out)
    if "employer_credit_code" in paths:
        _credit(m.employer_credit_code, "expert.employer_credit_code", out)
    if "specialties" in paths:
        if not m.specialties:
            out.append(FieldViolation("expert.specialties", "at least one is required", "REQUIRED"))
        if len(m.specialties) > MAX_SPECIALTIES:
            out.append(FieldViolation("expert.specialties", f"at most {MAX_SPECIALTIES}"))
        for i, code in enumerate(m.specialties):
            if normalize_industry(code) is None:
                out.append(
                    FieldViolation(f"expert.specialties[{i}]", "not a GB/T 4754 code", "INVALID_INDUSTRY")
                )
    if "contact" in paths:
        _contact(m.contact, "expert.contact", out)
    return out


def _apply_expert(session: Session, row: Expert, m: pb.Expert, paths: Collection[str]) -> None:
    for path in paths:
        if path == "specialties":
            codes = sorted({c for c in map(normalize_industry, m.specialties) if c})
            for old in session.exec(select(ExpertSpecialty).where(ExpertSpecialty.expert_id == row.id)):
                session.delete(old)
            session.flush()
            session.add_all(ExpertSpecialty(expert_id=row.id, code=c) for c in codes)
        elif path == "contact":
            row.contact_phone, row.contact_email = m.contact.phone, m.contact.email
        else:
            setattr(row, path, getattr(m, path))


def _expert_proto(session: Session, row: Expert) -> pb.Expert:
    codes = session.exec(
        select(ExpertSpecialty.code).where(ExpertSpecialty.expert_id == row.id).order_by(ExpertSpecialty.code)
    ).all()
    return pb.Expert(
        name=f"experts/{row.id}",
        display_name=row.display_name,
        employer_name=row.employer_name,
        employer_credit_code=row.employer_credit_code,
        specialties=list(codes),
        active=row.active,
        contact=pb.Contact(phone=row.contact_phone, email=row.contact_email),
        create_time=to_timestamp(row.create_time),
        update_time=to_timestamp(row.update_time),
    )


EXPERTS: ResourceKind[Expert, pb.Expert] = ResourceKind(
    collection="experts",
    noun="EXPERT",
    field="expert",
    table=Expert,
    message=pb.Expert,
    mutable=("display_name", "employer_name", "employer_credit_code", "specialties", "active", "contact"),
    immutable=(),
    validate=_validate_expert,
    apply=_apply_expert,
    to_proto=_expert_proto,
)
