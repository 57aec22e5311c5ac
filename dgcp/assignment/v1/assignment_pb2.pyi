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

class Enterprise(_message.Message):
    __slots__ = ("name", "credit_code", "display_name", "town", "industry_code", "audit_category", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TOWN_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    AUDIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    credit_code: str
    display_name: str
    town: str
    industry_code: str
    audit_category: AuditCategory
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., credit_code: _Optional[str] = ..., display_name: _Optional[str] = ..., town: _Optional[str] = ..., industry_code: _Optional[str] = ..., audit_category: _Optional[_Union[AuditCategory, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("name", "display_name", "employer_name", "employer_credit_code", "specialties", "active", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_NAME_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    SPECIALTIES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    employer_name: str
    employer_credit_code: str
    specialties: _containers.RepeatedScalarFieldContainer[str]
    active: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., employer_name: _Optional[str] = ..., employer_credit_code: _Optional[str] = ..., specialties: _Optional[_Iterable[str]] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("case", "expert", "member", "stage", "track", "consultancy", "review_agency", "panel")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PANEL_FIELD_NUMBER: _ClassVar[int]
    case: str
    expert: str
    member: bool
    stage: CaseStage
    track: CaseTrack
    consultancy: str
    review_agency: str
    panel: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case: _Optional[str] = ..., expert: _Optional[str] = ..., member: _Optional[bool] = ..., stage: _Optional[_Union[CaseStage, str]] = ..., track: _Optional[_Union[CaseTrack, str]] = ..., consultancy: _Optional[str] = ..., review_agency: _Optional[str] = ..., panel: _Optional[_Iterable[str]] = ...) -> None: ...
