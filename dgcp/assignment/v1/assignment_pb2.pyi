import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuditCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_CATEGORY_UNSPECIFIED: _ClassVar[AuditCategory]
    AUDIT_CATEGORY_DOUBLE_EXCESS: _ClassVar[AuditCategory]
    AUDIT_CATEGORY_DOUBLE_HAZARD: _ClassVar[AuditCategory]
    AUDIT_CATEGORY_HIGH_ENERGY: _ClassVar[AuditCategory]
    AUDIT_CATEGORY_KEY_SUPERVISED: _ClassVar[AuditCategory]
    AUDIT_CATEGORY_VOLUNTARY: _ClassVar[AuditCategory]

class CaseStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STAGE_UNSPECIFIED: _ClassVar[CaseStage]
    CASE_STAGE_EVALUATION: _ClassVar[CaseStage]
    CASE_STAGE_ACCEPTANCE: _ClassVar[CaseStage]

class CaseTrack(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_TRACK_UNSPECIFIED: _ClassVar[CaseTrack]
    CASE_TRACK_STANDARD: _ClassVar[CaseTrack]
    CASE_TRACK_FAST: _ClassVar[CaseTrack]

class LotStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOT_STATUS_UNSPECIFIED: _ClassVar[LotStatus]
    LOT_STATUS_DRAFT: _ClassVar[LotStatus]
    LOT_STATUS_ASSIGNED: _ClassVar[LotStatus]
    LOT_STATUS_REVIEWING: _ClassVar[LotStatus]
    LOT_STATUS_CLOSED: _ClassVar[LotStatus]

class CapPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAP_POLICY_UNSPECIFIED: _ClassVar[CapPolicy]
    CAP_POLICY_RAISE: _ClassVar[CapPolicy]
    CAP_POLICY_STRICT: _ClassVar[CapPolicy]

class RelationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATION_KIND_UNSPECIFIED: _ClassVar[RelationKind]
    RELATION_KIND_EMPLOYMENT: _ClassVar[RelationKind]
    RELATION_KIND_CONTRACT: _ClassVar[RelationKind]
    RELATION_KIND_SHAREHOLDING: _ClassVar[RelationKind]
    RELATION_KIND_FAMILY: _ClassVar[RelationKind]
AUDIT_CATEGORY_UNSPECIFIED: AuditCategory
AUDIT_CATEGORY_DOUBLE_EXCESS: AuditCategory
AUDIT_CATEGORY_DOUBLE_HAZARD: AuditCategory
AUDIT_CATEGORY_HIGH_ENERGY: AuditCategory
AUDIT_CATEGORY_KEY_SUPERVISED: AuditCategory
AUDIT_CATEGORY_VOLUNTARY: AuditCategory
CASE_STAGE_UNSPECIFIED: CaseStage
CASE_STAGE_EVALUATION: CaseStage
CASE_STAGE_ACCEPTANCE: CaseStage
CASE_TRACK_UNSPECIFIED: CaseTrack
CASE_TRACK_STANDARD: CaseTrack
CASE_TRACK_FAST: CaseTrack
LOT_STATUS_UNSPECIFIED: LotStatus
LOT_STATUS_DRAFT: LotStatus
LOT_STATUS_ASSIGNED: LotStatus
LOT_STATUS_REVIEWING: LotStatus
LOT_STATUS_CLOSED: LotStatus
CAP_POLICY_UNSPECIFIED: CapPolicy
CAP_POLICY_RAISE: CapPolicy
CAP_POLICY_STRICT: CapPolicy
RELATION_KIND_UNSPECIFIED: RelationKind
RELATION_KIND_EMPLOYMENT: RelationKind
RELATION_KIND_CONTRACT: RelationKind
RELATION_KIND_SHAREHOLDING: RelationKind
RELATION_KIND_FAMILY: RelationKind

class Enterprise(_message.Message):
    __slots__ = ("name", "credit_code", "display_name", "town", "industry_code", "audit_category", "create_time", "update_time", "contact")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TOWN_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    AUDIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    name: str
    credit_code: str
    display_name: str
    town: str
    industry_code: str
    audit_category: AuditCategory
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    contact: Contact
    def __init__(self, name: _Optional[str] = ..., credit_code: _Optional[str] = ..., display_name: _Optional[str] = ..., town: _Optional[str] = ..., industry_code: _Optional[str] = ..., audit_category: _Optional[_Union[AuditCategory, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., contact: _Optional[_Union[Contact, _Mapping]] = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ("person", "phone", "email")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    person: str
    phone: str
    email: str
    def __init__(self, person: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class Consultancy(_message.Message):
    __slots__ = ("name", "credit_code", "display_name", "contact", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    credit_code: str
    display_name: str
    contact: Contact
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., credit_code: _Optional[str] = ..., display_name: _Optional[str] = ..., contact: _Optional[_Union[Contact, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReviewAgency(_message.Message):
    __slots__ = ("name", "credit_code", "display_name", "contact", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    credit_code: str
    display_name: str
    contact: Contact
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., credit_code: _Optional[str] = ..., display_name: _Optional[str] = ..., contact: _Optional[_Union[Contact, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Expert(_message.Message):
    __slots__ = ("name", "display_name", "employer_name", "employer_credit_code", "specialties", "active", "create_time", "update_time", "contact")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_NAME_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    SPECIALTIES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    employer_name: str
    employer_credit_code: str
    specialties: _containers.RepeatedScalarFieldContainer[str]
    active: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    contact: Contact
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., employer_name: _Optional[str] = ..., employer_credit_code: _Optional[str] = ..., specialties: _Optional[_Iterable[str]] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., contact: _Optional[_Union[Contact, _Mapping]] = ...) -> None: ...

class CreateEnterpriseRequest(_message.Message):
    __slots__ = ("enterprise", "request_id")
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    enterprise: Enterprise
    request_id: str
    def __init__(self, enterprise: _Optional[_Union[Enterprise, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetEnterpriseRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListEnterprisesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "town", "industry_code", "audit_category")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOWN_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    AUDIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    town: str
    industry_code: str
    audit_category: AuditCategory
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., town: _Optional[str] = ..., industry_code: _Optional[str] = ..., audit_category: _Optional[_Union[AuditCategory, str]] = ...) -> None: ...

class ListEnterprisesResponse(_message.Message):
    __slots__ = ("enterprises", "next_page_token")
    ENTERPRISES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    enterprises: _containers.RepeatedCompositeFieldContainer[Enterprise]
    next_page_token: str
    def __init__(self, enterprises: _Optional[_Iterable[_Union[Enterprise, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateEnterpriseRequest(_message.Message):
    __slots__ = ("enterprise", "update_mask", "request_id")
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    enterprise: Enterprise
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, enterprise: _Optional[_Union[Enterprise, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateConsultancyRequest(_message.Message):
    __slots__ = ("consultancy", "request_id")
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    consultancy: Consultancy
    request_id: str
    def __init__(self, consultancy: _Optional[_Union[Consultancy, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetConsultancyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListConsultanciesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsultanciesResponse(_message.Message):
    __slots__ = ("consultancies", "next_page_token")
    CONSULTANCIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    consultancies: _containers.RepeatedCompositeFieldContainer[Consultancy]
    next_page_token: str
    def __init__(self, consultancies: _Optional[_Iterable[_Union[Consultancy, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateConsultancyRequest(_message.Message):
    __slots__ = ("consultancy", "update_mask", "request_id")
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    consultancy: Consultancy
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, consultancy: _Optional[_Union[Consultancy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateReviewAgencyRequest(_message.Message):
    __slots__ = ("review_agency", "request_id")
    REVIEW_AGENCY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    review_agency: ReviewAgency
    request_id: str
    def __init__(self, review_agency: _Optional[_Union[ReviewAgency, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetReviewAgencyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListReviewAgenciesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReviewAgenciesResponse(_message.Message):
    __slots__ = ("review_agencies", "next_page_token")
    REVIEW_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    review_agencies: _containers.RepeatedCompositeFieldContainer[ReviewAgency]
    next_page_token: str
    def __init__(self, review_agencies: _Optional[_Iterable[_Union[ReviewAgency, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateReviewAgencyRequest(_message.Message):
    __slots__ = ("review_agency", "update_mask", "request_id")
    REVIEW_AGENCY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    review_agency: ReviewAgency
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, review_agency: _Optional[_Union[ReviewAgency, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateExpertRequest(_message.Message):
    __slots__ = ("expert", "request_id")
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    expert: Expert
    request_id: str
    def __init__(self, expert: _Optional[_Union[Expert, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetExpertRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListExpertsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "specialty", "active_only")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SPECIALTY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ONLY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    specialty: str
    active_only: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., specialty: _Optional[str] = ..., active_only: _Optional[bool] = ...) -> None: ...

class ListExpertsResponse(_message.Message):
    __slots__ = ("experts", "next_page_token")
    EXPERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    experts: _containers.RepeatedCompositeFieldContainer[Expert]
    next_page_token: str
    def __init__(self, experts: _Optional[_Iterable[_Union[Expert, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateExpertRequest(_message.Message):
    __slots__ = ("expert", "update_mask", "request_id")
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    expert: Expert
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, expert: _Optional[_Union[Expert, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CheckPanelMembershipRequest(_message.Message):
    __slots__ = ("case", "expert")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ...) -> None: ...

class PanelMembership(_message.Message):
    __slots__ = ("case", "expert", "member", "stage", "track", "consultancy", "review_agency", "panel", "enterprise", "panel_frozen")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PANEL_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    PANEL_FROZEN_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    member: bool
    stage: CaseStage
    track: CaseTrack
    consultancy: str
    review_agency: str
    panel: _containers.RepeatedScalarFieldContainer[str]
    enterprise: str
    panel_frozen: bool
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ..., member: _Optional[bool] = ..., stage: _Optional[_Union[CaseStage, str]] = ..., track: _Optional[_Union[CaseTrack, str]] = ..., consultancy: _Optional[str] = ..., review_agency: _Optional[str] = ..., panel: _Optional[_Iterable[str]] = ..., enterprise: _Optional[str] = ..., panel_frozen: _Optional[bool] = ...) -> None: ...

class PanelRules(_message.Message):
    __slots__ = ("panel_size", "specialist_minimum", "max_cases_per_lot", "max_cases_per_month", "probability_cap", "rotation_window_months", "rotation_limit", "rotation_penalty", "floor_fraction", "specialty_fit")
    PANEL_SIZE_FIELD_NUMBER: _ClassVar[int]
    SPECIALIST_MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAX_CASES_PER_LOT_FIELD_NUMBER: _ClassVar[int]
    MAX_CASES_PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_CAP_FIELD_NUMBER: _ClassVar[int]
    ROTATION_WINDOW_MONTHS_FIELD_NUMBER: _ClassVar[int]
    ROTATION_LIMIT_FIELD_NUMBER: _ClassVar[int]
    ROTATION_PENALTY_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FRACTION_FIELD_NUMBER: _ClassVar[int]
    SPECIALTY_FIT_FIELD_NUMBER: _ClassVar[int]
    panel_size: int
    specialist_minimum: int
    max_cases_per_lot: int
    max_cases_per_month: int
    probability_cap: float
    rotation_window_months: int
    rotation_limit: int
    rotation_penalty: float
    floor_fraction: float
    specialty_fit: float
    def __init__(self, panel_size: _Optional[int] = ..., specialist_minimum: _Optional[int] = ..., max_cases_per_lot: _Optional[int] = ..., max_cases_per_month: _Optional[int] = ..., probability_cap: _Optional[float] = ..., rotation_window_months: _Optional[int] = ..., rotation_limit: _Optional[int] = ..., rotation_penalty: _Optional[float] = ..., floor_fraction: _Optional[float] = ..., specialty_fit: _Optional[float] = ...) -> None: ...

class Lot(_message.Message):
    __slots__ = ("name", "year", "batch", "lot_number", "review_agency", "standard_rules", "fast_rules", "status", "draw", "create_time", "review_deadline", "cap_policy", "balance_tolerance")
    NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCY_FIELD_NUMBER: _ClassVar[int]
    STANDARD_RULES_FIELD_NUMBER: _ClassVar[int]
    FAST_RULES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DRAW_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    CAP_POLICY_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    year: int
    batch: int
    lot_number: int
    review_agency: str
    standard_rules: PanelRules
    fast_rules: PanelRules
    status: LotStatus
    draw: str
    create_time: _timestamp_pb2.Timestamp
    review_deadline: _timestamp_pb2.Timestamp
    cap_policy: CapPolicy
    balance_tolerance: float
    def __init__(self, name: _Optional[str] = ..., year: _Optional[int] = ..., batch: _Optional[int] = ..., lot_number: _Optional[int] = ..., review_agency: _Optional[str] = ..., standard_rules: _Optional[_Union[PanelRules, _Mapping]] = ..., fast_rules: _Optional[_Union[PanelRules, _Mapping]] = ..., status: _Optional[_Union[LotStatus, str]] = ..., draw: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., review_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cap_policy: _Optional[_Union[CapPolicy, str]] = ..., balance_tolerance: _Optional[float] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("name", "lot", "enterprise", "consultancy", "stage", "track", "industry_code", "panel", "create_time", "summary")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    PANEL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    name: str
    lot: str
    enterprise: str
    consultancy: str
    stage: CaseStage
    track: CaseTrack
    industry_code: str
    panel: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    summary: CaseSummary
    def __init__(self, name: _Optional[str] = ..., lot: _Optional[str] = ..., enterprise: _Optional[str] = ..., consultancy: _Optional[str] = ..., stage: _Optional[_Union[CaseStage, str]] = ..., track: _Optional[_Union[CaseTrack, str]] = ..., industry_code: _Optional[str] = ..., panel: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[_Union[CaseSummary, _Mapping]] = ...) -> None: ...

class CaseSummary(_message.Message):
    __slots__ = ("enterprise_display_name", "consultancy_display_name", "town", "industry_code", "lot_year", "lot_batch", "lot_number")
    ENTERPRISE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TOWN_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    LOT_YEAR_FIELD_NUMBER: _ClassVar[int]
    LOT_BATCH_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    enterprise_display_name: str
    consultancy_display_name: str
    town: str
    industry_code: str
    lot_year: int
    lot_batch: int
    lot_number: int
    def __init__(self, enterprise_display_name: _Optional[str] = ..., consultancy_display_name: _Optional[str] = ..., town: _Optional[str] = ..., industry_code: _Optional[str] = ..., lot_year: _Optional[int] = ..., lot_batch: _Optional[int] = ..., lot_number: _Optional[int] = ...) -> None: ...

class ExpertRelation(_message.Message):
    __slots__ = ("name", "kind", "organization", "end_date")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: RelationKind
    organization: str
    end_date: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[RelationKind, str]] = ..., organization: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class Unavailability(_message.Message):
    __slots__ = ("name", "start_date", "end_date", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_date: str
    end_date: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Conflict(_message.Message):
    __slots__ = ("expert", "case", "reason", "organization")
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    expert: str
    case: str
    reason: str
    organization: str
    def __init__(self, expert: _Optional[str] = ..., case: _Optional[str] = ..., reason: _Optional[str] = ..., organization: _Optional[str] = ...) -> None: ...

class Marginal(_message.Message):
    __slots__ = ("case", "expert", "probability")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    probability: float
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ..., probability: _Optional[float] = ...) -> None: ...

class SeatRepair(_message.Message):
    __slots__ = ("case", "removed_expert", "added_expert")
    CASE_FIELD_NUMBER: _ClassVar[int]
    REMOVED_EXPERT_FIELD_NUMBER: _ClassVar[int]
    ADDED_EXPERT_FIELD_NUMBER: _ClassVar[int]
    case: str
    removed_expert: str
    added_expert: str
    def __init__(self, case: _Optional[str] = ..., removed_expert: _Optional[str] = ..., added_expert: _Optional[str] = ...) -> None: ...

class CapRaise(_message.Message):
    __slots__ = ("case", "scope", "old_cap", "new_cap", "reason")
    CASE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OLD_CAP_FIELD_NUMBER: _ClassVar[int]
    NEW_CAP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case: str
    scope: str
    old_cap: float
    new_cap: float
    reason: str
    def __init__(self, case: _Optional[str] = ..., scope: _Optional[str] = ..., old_cap: _Optional[float] = ..., new_cap: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class DrawnSeat(_message.Message):
    __slots__ = ("case", "expert")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ...) -> None: ...

class LotteryAssignment(_message.Message):
    __slots__ = ("weight", "seats")
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    weight: float
    seats: _containers.RepeatedCompositeFieldContainer[DrawnSeat]
    def __init__(self, weight: _Optional[float] = ..., seats: _Optional[_Iterable[_Union[DrawnSeat, _Mapping]]] = ...) -> None: ...

class Draw(_message.Message):
    __slots__ = ("name", "lot", "seed", "seed_supplied", "inputs_sha256", "result_sha256", "rules_json", "solver_versions", "expected_objective", "realised_objective", "weakest_panel_fit", "weakest_case", "marginals", "repairs", "inputs_json", "amendments", "create_time", "method", "max_marginal", "cap_raises", "lottery", "largest_load", "mean_load", "experts_used", "capped_optimum")
    class SolverVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SEED_SUPPLIED_FIELD_NUMBER: _ClassVar[int]
    INPUTS_SHA256_FIELD_NUMBER: _ClassVar[int]
    RESULT_SHA256_FIELD_NUMBER: _ClassVar[int]
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    SOLVER_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    REALISED_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    WEAKEST_PANEL_FIT_FIELD_NUMBER: _ClassVar[int]
    WEAKEST_CASE_FIELD_NUMBER: _ClassVar[int]
    MARGINALS_FIELD_NUMBER: _ClassVar[int]
    REPAIRS_FIELD_NUMBER: _ClassVar[int]
    INPUTS_JSON_FIELD_NUMBER: _ClassVar[int]
    AMENDMENTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    MAX_MARGINAL_FIELD_NUMBER: _ClassVar[int]
    CAP_RAISES_FIELD_NUMBER: _ClassVar[int]
    LOTTERY_FIELD_NUMBER: _ClassVar[int]
    LARGEST_LOAD_FIELD_NUMBER: _ClassVar[int]
    MEAN_LOAD_FIELD_NUMBER: _ClassVar[int]
    EXPERTS_USED_FIELD_NUMBER: _ClassVar[int]
    CAPPED_OPTIMUM_FIELD_NUMBER: _ClassVar[int]
    name: str
    lot: str
    seed: str
    seed_supplied: bool
    inputs_sha256: str
    result_sha256: str
    rules_json: str
    solver_versions: _containers.ScalarMap[str, str]
    expected_objective: float
    realised_objective: float
    weakest_panel_fit: float
    weakest_case: str
    marginals: _containers.RepeatedCompositeFieldContainer[Marginal]
    repairs: _containers.RepeatedCompositeFieldContainer[SeatRepair]
    inputs_json: str
    amendments: _containers.RepeatedCompositeFieldContainer[Amendment]
    create_time: _timestamp_pb2.Timestamp
    method: str
    max_marginal: float
    cap_raises: _containers.RepeatedCompositeFieldContainer[CapRaise]
    lottery: _containers.RepeatedCompositeFieldContainer[LotteryAssignment]
    largest_load: int
    mean_load: float
    experts_used: int
    capped_optimum: float
    def __init__(self, name: _Optional[str] = ..., lot: _Optional[str] = ..., seed: _Optional[str] = ..., seed_supplied: _Optional[bool] = ..., inputs_sha256: _Optional[str] = ..., result_sha256: _Optional[str] = ..., rules_json: _Optional[str] = ..., solver_versions: _Optional[_Mapping[str, str]] = ..., expected_objective: _Optional[float] = ..., realised_objective: _Optional[float] = ..., weakest_panel_fit: _Optional[float] = ..., weakest_case: _Optional[str] = ..., marginals: _Optional[_Iterable[_Union[Marginal, _Mapping]]] = ..., repairs: _Optional[_Iterable[_Union[SeatRepair, _Mapping]]] = ..., inputs_json: _Optional[str] = ..., amendments: _Optional[_Iterable[_Union[Amendment, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., method: _Optional[str] = ..., max_marginal: _Optional[float] = ..., cap_raises: _Optional[_Iterable[_Union[CapRaise, _Mapping]]] = ..., lottery: _Optional[_Iterable[_Union[LotteryAssignment, _Mapping]]] = ..., largest_load: _Optional[int] = ..., mean_load: _Optional[float] = ..., experts_used: _Optional[int] = ..., capped_optimum: _Optional[float] = ...) -> None: ...

class Amendment(_message.Message):
    __slots__ = ("name", "case", "removed_expert", "added_expert", "reason", "seed", "inputs_sha256", "result_sha256", "inputs_json", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    REMOVED_EXPERT_FIELD_NUMBER: _ClassVar[int]
    ADDED_EXPERT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    INPUTS_SHA256_FIELD_NUMBER: _ClassVar[int]
    RESULT_SHA256_FIELD_NUMBER: _ClassVar[int]
    INPUTS_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    case: str
    removed_expert: str
    added_expert: str
    reason: str
    seed: str
    inputs_sha256: str
    result_sha256: str
    inputs_json: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., case: _Optional[str] = ..., removed_expert: _Optional[str] = ..., added_expert: _Optional[str] = ..., reason: _Optional[str] = ..., seed: _Optional[str] = ..., inputs_sha256: _Optional[str] = ..., result_sha256: _Optional[str] = ..., inputs_json: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PanelSeat(_message.Message):
    __slots__ = ("case", "expert", "lot", "fit", "active", "from_amendment", "review_deadline", "summary", "seated_time", "stage", "track")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    FIT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    FROM_AMENDMENT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SEATED_TIME_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    lot: str
    fit: float
    active: bool
    from_amendment: bool
    review_deadline: _timestamp_pb2.Timestamp
    summary: CaseSummary
    seated_time: _timestamp_pb2.Timestamp
    stage: CaseStage
    track: CaseTrack
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ..., lot: _Optional[str] = ..., fit: _Optional[float] = ..., active: _Optional[bool] = ..., from_amendment: _Optional[bool] = ..., review_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[_Union[CaseSummary, _Mapping]] = ..., seated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage: _Optional[_Union[CaseStage, str]] = ..., track: _Optional[_Union[CaseTrack, str]] = ...) -> None: ...

class CreateLotRequest(_message.Message):
    __slots__ = ("lot", "request_id")
    LOT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lot: Lot
    request_id: str
    def __init__(self, lot: _Optional[_Union[Lot, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetLotRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListLotsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLotsResponse(_message.Message):
    __slots__ = ("lots", "next_page_token")
    LOTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lots: _containers.RepeatedCompositeFieldContainer[Lot]
    next_page_token: str
    def __init__(self, lots: _Optional[_Iterable[_Union[Lot, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TransitionLotRequest(_message.Message):
    __slots__ = ("name", "status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: LotStatus
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[LotStatus, str]] = ...) -> None: ...

class CreateCaseRequest(_message.Message):
    __slots__ = ("parent", "case", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    case: Case
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., case: _Optional[_Union[Case, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "consultancy")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    consultancy: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., consultancy: _Optional[str] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateExpertRelationRequest(_message.Message):
    __slots__ = ("parent", "relation", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    relation: ExpertRelation
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., relation: _Optional[_Union[ExpertRelation, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListExpertRelationsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListExpertRelationsResponse(_message.Message):
    __slots__ = ("relations", "next_page_token")
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    relations: _containers.RepeatedCompositeFieldContainer[ExpertRelation]
    next_page_token: str
    def __init__(self, relations: _Optional[_Iterable[_Union[ExpertRelation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateUnavailabilityRequest(_message.Message):
    __slots__ = ("parent", "unavailability", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    unavailability: Unavailability
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., unavailability: _Optional[_Union[Unavailability, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListConflictsRequest(_message.Message):
    __slots__ = ("expert", "case")
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    expert: str
    case: str
    def __init__(self, expert: _Optional[str] = ..., case: _Optional[str] = ...) -> None: ...

class ListConflictsResponse(_message.Message):
    __slots__ = ("conflicts",)
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    conflicts: _containers.RepeatedCompositeFieldContainer[Conflict]
    def __init__(self, conflicts: _Optional[_Iterable[_Union[Conflict, _Mapping]]] = ...) -> None: ...

class DrawPanelsRequest(_message.Message):
    __slots__ = ("lot", "seed", "request_id")
    LOT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lot: str
    seed: str
    request_id: str
    def __init__(self, lot: _Optional[str] = ..., seed: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetDrawRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ReplayDrawRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ReplayDrawResponse(_message.Message):
    __slots__ = ("draw", "identical", "recorded_result_sha256", "replayed_result_sha256", "differing_amendments", "solver_versions")
    class SolverVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DRAW_FIELD_NUMBER: _ClassVar[int]
    IDENTICAL_FIELD_NUMBER: _ClassVar[int]
    RECORDED_RESULT_SHA256_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_RESULT_SHA256_FIELD_NUMBER: _ClassVar[int]
    DIFFERING_AMENDMENTS_FIELD_NUMBER: _ClassVar[int]
    SOLVER_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    draw: str
    identical: bool
    recorded_result_sha256: str
    replayed_result_sha256: str
    differing_amendments: _containers.RepeatedScalarFieldContainer[str]
    solver_versions: _containers.ScalarMap[str, str]
    def __init__(self, draw: _Optional[str] = ..., identical: _Optional[bool] = ..., recorded_result_sha256: _Optional[str] = ..., replayed_result_sha256: _Optional[str] = ..., differing_amendments: _Optional[_Iterable[str]] = ..., solver_versions: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RecuseExpertRequest(_message.Message):
    __slots__ = ("case", "expert", "reason", "request_id")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    reason: str
    request_id: str
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListPanelSeatsRequest(_message.Message):
    __slots__ = ("lot", "case", "expert", "include_inactive", "page_size", "page_token")
    LOT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lot: str
    case: str
    expert: str
    include_inactive: bool
    page_size: int
    page_token: str
    def __init__(self, lot: _Optional[str] = ..., case: _Optional[str] = ..., expert: _Optional[str] = ..., include_inactive: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPanelSeatsResponse(_message.Message):
    __slots__ = ("seats", "next_page_token")
    SEATS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    seats: _containers.RepeatedCompositeFieldContainer[PanelSeat]
    next_page_token: str
    def __init__(self, seats: _Optional[_Iterable[_Union[PanelSeat, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FreezePanelRequest(_message.Message):
    __slots__ = ("case", "expected_panel")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PANEL_FIELD_NUMBER: _ClassVar[int]
    case: str
    expected_panel: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case: _Optional[str] = ..., expected_panel: _Optional[_Iterable[str]] = ...) -> None: ...
