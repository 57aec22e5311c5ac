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

class RatedPartyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATED_PARTY_KIND_UNSPECIFIED: _ClassVar[RatedPartyKind]
    RATED_PARTY_KIND_CONSULTANCY: _ClassVar[RatedPartyKind]
    RATED_PARTY_KIND_REVIEW_AGENCY: _ClassVar[RatedPartyKind]

class ItemPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_PURPOSE_UNSPECIFIED: _ClassVar[ItemPurpose]
    ITEM_PURPOSE_DIMENSION: _ClassVar[ItemPurpose]
    ITEM_PURPOSE_OVERALL_SATISFACTION: _ClassVar[ItemPurpose]
    ITEM_PURPOSE_SERVICE_QUALITY_SCORE: _ClassVar[ItemPurpose]
    ITEM_PURPOSE_WOULD_HIRE_AGAIN: _ClassVar[ItemPurpose]
    ITEM_PURPOSE_COMMENT: _ClassVar[ItemPurpose]

class InvitationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITATION_STATE_UNSPECIFIED: _ClassVar[InvitationState]
    INVITATION_STATE_PENDING: _ClassVar[InvitationState]
    INVITATION_STATE_RESPONDED: _ClassVar[InvitationState]
    INVITATION_STATE_EXPIRED: _ClassVar[InvitationState]
    INVITATION_STATE_CLOSED: _ClassVar[InvitationState]
RATED_PARTY_KIND_UNSPECIFIED: RatedPartyKind
RATED_PARTY_KIND_CONSULTANCY: RatedPartyKind
RATED_PARTY_KIND_REVIEW_AGENCY: RatedPartyKind
ITEM_PURPOSE_UNSPECIFIED: ItemPurpose
ITEM_PURPOSE_DIMENSION: ItemPurpose
ITEM_PURPOSE_OVERALL_SATISFACTION: ItemPurpose
ITEM_PURPOSE_SERVICE_QUALITY_SCORE: ItemPurpose
ITEM_PURPOSE_WOULD_HIRE_AGAIN: ItemPurpose
ITEM_PURPOSE_COMMENT: ItemPurpose
INVITATION_STATE_UNSPECIFIED: InvitationState
INVITATION_STATE_PENDING: InvitationState
INVITATION_STATE_RESPONDED: InvitationState
INVITATION_STATE_EXPIRED: InvitationState
INVITATION_STATE_CLOSED: InvitationState

class Dimension(_message.Message):
    __slots__ = ("key", "name_zh", "name_en")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    key: str
    name_zh: str
    name_en: str
    def __init__(self, key: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("key", "purpose", "dimension", "text_zh", "text_en", "scale_min", "scale_max", "required", "max_length")
    KEY_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    TEXT_ZH_FIELD_NUMBER: _ClassVar[int]
    TEXT_EN_FIELD_NUMBER: _ClassVar[int]
    SCALE_MIN_FIELD_NUMBER: _ClassVar[int]
    SCALE_MAX_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    key: str
    purpose: ItemPurpose
    dimension: str
    text_zh: str
    text_en: str
    scale_min: int
    scale_max: int
    required: bool
    max_length: int
    def __init__(self, key: _Optional[str] = ..., purpose: _Optional[_Union[ItemPurpose, str]] = ..., dimension: _Optional[str] = ..., text_zh: _Optional[str] = ..., text_en: _Optional[str] = ..., scale_min: _Optional[int] = ..., scale_max: _Optional[int] = ..., required: _Optional[bool] = ..., max_length: _Optional[int] = ...) -> None: ...

class SurveyTemplate(_message.Message):
    __slots__ = ("name", "template_id", "version", "rated_party_kind", "title_zh", "title_en", "dimensions", "items", "in_use", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_ZH_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    IN_USE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    template_id: str
    version: int
    rated_party_kind: RatedPartyKind
    title_zh: str
    title_en: str
    dimensions: _containers.RepeatedCompositeFieldContainer[Dimension]
    items: _containers.RepeatedCompositeFieldContainer[Item]
    in_use: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., template_id: _Optional[str] = ..., version: _Optional[int] = ..., rated_party_kind: _Optional[_Union[RatedPartyKind, str]] = ..., title_zh: _Optional[str] = ..., title_en: _Optional[str] = ..., dimensions: _Optional[_Iterable[_Union[Dimension, _Mapping]]] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., in_use: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSurveyTemplateRequest(_message.Message):
    __slots__ = ("template_id", "survey_template", "request_id")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    SURVEY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    survey_template: SurveyTemplate
    request_id: str
    def __init__(self, template_id: _Optional[str] = ..., survey_template: _Optional[_Union[SurveyTemplate, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateSurveyTemplateVersionRequest(_message.Message):
    __slots__ = ("parent", "survey_template", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SURVEY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    survey_template: SurveyTemplate
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., survey_template: _Optional[_Union[SurveyTemplate, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetSurveyTemplateRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListSurveyTemplatesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "template_id", "rated_party_kind")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_KIND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    template_id: str
    rated_party_kind: RatedPartyKind
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., template_id: _Optional[str] = ..., rated_party_kind: _Optional[_Union[RatedPartyKind, str]] = ...) -> None: ...

class ListSurveyTemplatesResponse(_message.Message):
    __slots__ = ("survey_templates", "next_page_token")
    SURVEY_TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    survey_templates: _containers.RepeatedCompositeFieldContainer[SurveyTemplate]
    next_page_token: str
    def __init__(self, survey_templates: _Optional[_Iterable[_Union[SurveyTemplate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSurveyTemplateRequest(_message.Message):
    __slots__ = ("survey_template", "update_mask", "request_id")
    SURVEY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    survey_template: SurveyTemplate
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, survey_template: _Optional[_Union[SurveyTemplate, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CaseFacts(_message.Message):
    __slots__ = ("case", "case_display_name", "lot", "enterprise", "enterprise_display_name", "consultancy", "consultancy_display_name", "review_agency", "review_agency_display_name", "enterprise_email")
    CASE_FIELD_NUMBER: _ClassVar[int]
    CASE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    case: str
    case_display_name: str
    lot: str
    enterprise: str
    enterprise_display_name: str
    consultancy: str
    consultancy_display_name: str
    review_agency: str
    review_agency_display_name: str
    enterprise_email: str
    def __init__(self, case: _Optional[str] = ..., case_display_name: _Optional[str] = ..., lot: _Optional[str] = ..., enterprise: _Optional[str] = ..., enterprise_display_name: _Optional[str] = ..., consultancy: _Optional[str] = ..., consultancy_display_name: _Optional[str] = ..., review_agency: _Optional[str] = ..., review_agency_display_name: _Optional[str] = ..., enterprise_email: _Optional[str] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("name", "case", "case_display_name", "lot", "enterprise", "enterprise_display_name", "rated_party_kind", "rated_party", "rated_party_display_name", "survey_template", "deadline", "state", "reminder_count", "last_remind_time", "open_time", "respond_time", "close_time", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    CASE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_KIND_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SURVEY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REMINDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_REMIND_TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    RESPOND_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    case: str
    case_display_name: str
    lot: str
    enterprise: str
    enterprise_display_name: str
    rated_party_kind: RatedPartyKind
    rated_party: str
    rated_party_display_name: str
    survey_template: str
    deadline: _timestamp_pb2.Timestamp
    state: InvitationState
    reminder_count: int
    last_remind_time: _timestamp_pb2.Timestamp
    open_time: _timestamp_pb2.Timestamp
    respond_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., case: _Optional[str] = ..., case_display_name: _Optional[str] = ..., lot: _Optional[str] = ..., enterprise: _Optional[str] = ..., enterprise_display_name: _Optional[str] = ..., rated_party_kind: _Optional[_Union[RatedPartyKind, str]] = ..., rated_party: _Optional[str] = ..., rated_party_display_name: _Optional[str] = ..., survey_template: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[InvitationState, str]] = ..., reminder_count: _Optional[int] = ..., last_remind_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., respond_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InvitationLink(_message.Message):
    __slots__ = ("invitation", "url")
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    invitation: str
    url: str
    def __init__(self, invitation: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class IssueInvitationsRequest(_message.Message):
    __slots__ = ("cases", "deadline", "rated_party_kinds", "consultancy_template", "review_agency_template")
    CASES_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_KINDS_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[CaseFacts]
    deadline: _timestamp_pb2.Timestamp
    rated_party_kinds: _containers.RepeatedScalarFieldContainer[RatedPartyKind]
    consultancy_template: str
    review_agency_template: str
    def __init__(self, cases: _Optional[_Iterable[_Union[CaseFacts, _Mapping]]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rated_party_kinds: _Optional[_Iterable[_Union[RatedPartyKind, str]]] = ..., consultancy_template: _Optional[str] = ..., review_agency_template: _Optional[str] = ...) -> None: ...

class IssueInvitationsResponse(_message.Message):
    __slots__ = ("invitations", "links", "links_csv", "skipped")
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    LINKS_CSV_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    links: _containers.RepeatedCompositeFieldContainer[InvitationLink]
    links_csv: bytes
    skipped: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[InvitationLink, _Mapping]]] = ..., links_csv: _Optional[bytes] = ..., skipped: _Optional[_Iterable[str]] = ...) -> None: ...

class GetInvitationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListInvitationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "lot", "case", "rated_party", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    lot: str
    case: str
    rated_party: str
    state: InvitationState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., lot: _Optional[str] = ..., case: _Optional[str] = ..., rated_party: _Optional[str] = ..., state: _Optional[_Union[InvitationState, str]] = ...) -> None: ...

class ListInvitationsResponse(_message.Message):
    __slots__ = ("invitations", "next_page_token")
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    next_page_token: str
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RemindInvitationsRequest(_message.Message):
    __slots__ = ("names", "case", "lot")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    case: str
    lot: str
    def __init__(self, names: _Optional[_Iterable[str]] = ..., case: _Optional[str] = ..., lot: _Optional[str] = ...) -> None: ...

class RemindInvitationsResponse(_message.Message):
    __slots__ = ("invitations", "links", "links_csv")
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    LINKS_CSV_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    links: _containers.RepeatedCompositeFieldContainer[InvitationLink]
    links_csv: bytes
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[InvitationLink, _Mapping]]] = ..., links_csv: _Optional[bytes] = ...) -> None: ...

class CloseSurveyWindowRequest(_message.Message):
    __slots__ = ("lot", "case", "request_id")
    LOT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lot: str
    case: str
    request_id: str
    def __init__(self, lot: _Optional[str] = ..., case: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CloseSurveyWindowResponse(_message.Message):
    __slots__ = ("closed_count",)
    CLOSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    closed_count: int
    def __init__(self, closed_count: _Optional[int] = ...) -> None: ...

class OpenSurveyRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class SurveyForm(_message.Message):
    __slots__ = ("intro_zh", "intro_en", "case_display_name", "enterprise_display_name", "rated_party_kind", "rated_party_display_name", "survey_template", "deadline")
    INTRO_ZH_FIELD_NUMBER: _ClassVar[int]
    INTRO_EN_FIELD_NUMBER: _ClassVar[int]
    CASE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_KIND_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SURVEY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    intro_zh: str
    intro_en: str
    case_display_name: str
    enterprise_display_name: str
    rated_party_kind: RatedPartyKind
    rated_party_display_name: str
    survey_template: SurveyTemplate
    deadline: _timestamp_pb2.Timestamp
    def __init__(self, intro_zh: _Optional[str] = ..., intro_en: _Optional[str] = ..., case_display_name: _Optional[str] = ..., enterprise_display_name: _Optional[str] = ..., rated_party_kind: _Optional[_Union[RatedPartyKind, str]] = ..., rated_party_display_name: _Optional[str] = ..., survey_template: _Optional[_Union[SurveyTemplate, _Mapping]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Answer(_message.Message):
    __slots__ = ("scale", "yes", "text")
    SCALE_FIELD_NUMBER: _ClassVar[int]
    YES_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    scale: int
    yes: bool
    text: str
    def __init__(self, scale: _Optional[int] = ..., yes: _Optional[bool] = ..., text: _Optional[str] = ...) -> None: ...

class SubmitSurveyResponseRequest(_message.Message):
    __slots__ = ("token", "answers", "request_id")
    class AnswersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Answer
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Answer, _Mapping]] = ...) -> None: ...
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    token: str
    answers: _containers.MessageMap[str, Answer]
    request_id: str
    def __init__(self, token: _Optional[str] = ..., answers: _Optional[_Mapping[str, Answer]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitSurveyResponseResponse(_message.Message):
    __slots__ = ("response", "survey_template", "submit_time")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    SURVEY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    response: str
    survey_template: str
    submit_time: _timestamp_pb2.Timestamp
    def __init__(self, response: _Optional[str] = ..., survey_template: _Optional[str] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Estimate(_message.Message):
    __slots__ = ("mean", "lower", "upper", "n")
    MEAN_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    mean: float
    lower: float
    upper: float
    n: int
    def __init__(self, mean: _Optional[float] = ..., lower: _Optional[float] = ..., upper: _Optional[float] = ..., n: _Optional[int] = ...) -> None: ...

class DimensionAggregate(_message.Message):
    __slots__ = ("dimension", "name_zh", "name_en", "score", "cronbach_alpha", "alpha_items", "alpha_n")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CRONBACH_ALPHA_FIELD_NUMBER: _ClassVar[int]
    ALPHA_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ALPHA_N_FIELD_NUMBER: _ClassVar[int]
    dimension: str
    name_zh: str
    name_en: str
    score: Estimate
    cronbach_alpha: float
    alpha_items: int
    alpha_n: int
    def __init__(self, dimension: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., score: _Optional[_Union[Estimate, _Mapping]] = ..., cronbach_alpha: _Optional[float] = ..., alpha_items: _Optional[int] = ..., alpha_n: _Optional[int] = ...) -> None: ...

class SignalCounts(_message.Message):
    __slots__ = ("straight_lining", "too_fast", "duplicate_pattern", "any")
    STRAIGHT_LINING_FIELD_NUMBER: _ClassVar[int]
    TOO_FAST_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_PATTERN_FIELD_NUMBER: _ClassVar[int]
    ANY_FIELD_NUMBER: _ClassVar[int]
    straight_lining: int
    too_fast: int
    duplicate_pattern: int
    any: int
    def __init__(self, straight_lining: _Optional[int] = ..., too_fast: _Optional[int] = ..., duplicate_pattern: _Optional[int] = ..., any: _Optional[int] = ...) -> None: ...

class PartyAggregate(_message.Message):
    __slots__ = ("rated_party", "rated_party_display_name", "rated_party_kind", "period", "invitations", "n", "response_rate", "suppressed", "min_responses", "dimensions", "overall_satisfaction", "service_quality_score", "would_hire_again", "signals", "excluded", "survey_templates", "confidence")
    RATED_PARTY_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    RATED_PARTY_KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_RATE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    MIN_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    OVERALL_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_QUALITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    WOULD_HIRE_AGAIN_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    SURVEY_TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    rated_party: str
    rated_party_display_name: str
    rated_party_kind: RatedPartyKind
    period: str
    invitations: int
    n: int
    response_rate: float
    suppressed: bool
    min_responses: int
    dimensions: _containers.RepeatedCompositeFieldContainer[DimensionAggregate]
    overall_satisfaction: Estimate
    service_quality_score: Estimate
    would_hire_again: Estimate
    signals: SignalCounts
    excluded: int
    survey_templates: _containers.RepeatedScalarFieldContainer[str]
    confidence: float
    def __init__(self, rated_party: _Optional[str] = ..., rated_party_display_name: _Optional[str] = ..., rated_party_kind: _Optional[_Union[RatedPartyKind, str]] = ..., period: _Optional[str] = ..., invitations: _Optional[int] = ..., n: _Optional[int] = ..., response_rate: _Optional[float] = ..., suppressed: _Optional[bool] = ..., min_responses: _Optional[int] = ..., dimensions: _Optional[_Iterable[_Union[DimensionAggregate, _Mapping]]] = ..., overall_satisfaction: _Optional[_Union[Estimate, _Mapping]] = ..., service_quality_score: _Optional[_Union[Estimate, _Mapping]] = ..., would_hire_again: _Optional[_Union[Estimate, _Mapping]] = ..., signals: _Optional[_Union[SignalCounts, _Mapping]] = ..., excluded: _Optional[int] = ..., survey_templates: _Optional[_Iterable[str]] = ..., confidence: _Optional[float] = ...) -> None: ...

class GetPartyAggregateRequest(_message.Message):
    __slots__ = ("rated_party", "period", "exclude_flagged")
    RATED_PARTY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FLAGGED_FIELD_NUMBER: _ClassVar[int]
    rated_party: str
    period: str
    exclude_flagged: bool
    def __init__(self, rated_party: _Optional[str] = ..., period: _Optional[str] = ..., exclude_flagged: _Optional[bool] = ...) -> None: ...

class ListPartyAggregatesRequest(_message.Message):
    __slots__ = ("rated_party_kind", "period", "exclude_flagged", "page_size", "page_token")
    RATED_PARTY_KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FLAGGED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rated_party_kind: RatedPartyKind
    period: str
    exclude_flagged: bool
    page_size: int
    page_token: str
    def __init__(self, rated_party_kind: _Optional[_Union[RatedPartyKind, str]] = ..., period: _Optional[str] = ..., exclude_flagged: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPartyAggregatesResponse(_message.Message):
    __slots__ = ("party_aggregates", "next_page_token")
    PARTY_AGGREGATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    party_aggregates: _containers.RepeatedCompositeFieldContainer[PartyAggregate]
    next_page_token: str
    def __init__(self, party_aggregates: _Optional[_Iterable[_Union[PartyAggregate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
