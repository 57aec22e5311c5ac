import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EntityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_KIND_UNSPECIFIED: _ClassVar[EntityKind]
    ENTITY_KIND_CONSULTANCY: _ClassVar[EntityKind]
    ENTITY_KIND_REVIEW_AGENCY: _ClassVar[EntityKind]

class DeterminationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETERMINATION_KIND_UNSPECIFIED: _ClassVar[DeterminationKind]
    DETERMINATION_KIND_SPOT_CHECK: _ClassVar[DeterminationKind]
    DETERMINATION_KIND_REJECTED_REPORT: _ClassVar[DeterminationKind]
    DETERMINATION_KIND_FALSIFICATION: _ClassVar[DeterminationKind]

class FlagLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLAG_LEVEL_UNSPECIFIED: _ClassVar[FlagLevel]
    FLAG_LEVEL_OK: _ClassVar[FlagLevel]
    FLAG_LEVEL_WATCH: _ClassVar[FlagLevel]
    FLAG_LEVEL_PROPOSE_NOTICE: _ClassVar[FlagLevel]

class NoticeState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTICE_STATE_UNSPECIFIED: _ClassVar[NoticeState]
    NOTICE_STATE_PROPOSED: _ClassVar[NoticeState]
    NOTICE_STATE_APPROVED: _ClassVar[NoticeState]
    NOTICE_STATE_REJECTED: _ClassVar[NoticeState]

class StatisticsDimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATISTICS_DIMENSION_UNSPECIFIED: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_CONSULTANCY: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_REVIEW_AGENCY: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_INDUSTRY_SECTION: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_INDUSTRY_DIVISION: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_TOWN: _ClassVar[StatisticsDimension]
ENTITY_KIND_UNSPECIFIED: EntityKind
ENTITY_KIND_CONSULTANCY: EntityKind
ENTITY_KIND_REVIEW_AGENCY: EntityKind
DETERMINATION_KIND_UNSPECIFIED: DeterminationKind
DETERMINATION_KIND_SPOT_CHECK: DeterminationKind
DETERMINATION_KIND_REJECTED_REPORT: DeterminationKind
DETERMINATION_KIND_FALSIFICATION: DeterminationKind
FLAG_LEVEL_UNSPECIFIED: FlagLevel
FLAG_LEVEL_OK: FlagLevel
FLAG_LEVEL_WATCH: FlagLevel
FLAG_LEVEL_PROPOSE_NOTICE: FlagLevel
NOTICE_STATE_UNSPECIFIED: NoticeState
NOTICE_STATE_PROPOSED: NoticeState
NOTICE_STATE_APPROVED: NoticeState
NOTICE_STATE_REJECTED: NoticeState
STATISTICS_DIMENSION_UNSPECIFIED: StatisticsDimension
STATISTICS_DIMENSION_CONSULTANCY: StatisticsDimension
STATISTICS_DIMENSION_REVIEW_AGENCY: StatisticsDimension
STATISTICS_DIMENSION_INDUSTRY_SECTION: StatisticsDimension
STATISTICS_DIMENSION_INDUSTRY_DIVISION: StatisticsDimension
STATISTICS_DIMENSION_TOWN: StatisticsDimension

class ComponentEstimate(_message.Message):
    __slots__ = ("component", "n", "raw_mean", "estimate", "sd")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    RAW_MEAN_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    SD_FIELD_NUMBER: _ClassVar[int]
    component: str
    n: int
    raw_mean: float
    estimate: float
    sd: float
    def __init__(self, component: _Optional[str] = ..., n: _Optional[int] = ..., raw_mean: _Optional[float] = ..., estimate: _Optional[float] = ..., sd: _Optional[float] = ...) -> None: ...

class Standing(_message.Message):
    __slots__ = ("entity", "entity_kind", "period", "n", "composite", "lower", "upper", "grade", "rank", "rank_lower", "rank_upper", "p_below_pass", "components")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    COMPOSITE_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    RANK_LOWER_FIELD_NUMBER: _ClassVar[int]
    RANK_UPPER_FIELD_NUMBER: _ClassVar[int]
    P_BELOW_PASS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    entity: str
    entity_kind: EntityKind
    period: str
    n: int
    composite: float
    lower: float
    upper: float
    grade: str
    rank: int
    rank_lower: int
    rank_upper: int
    p_below_pass: float
    components: _containers.RepeatedCompositeFieldContainer[ComponentEstimate]
    def __init__(self, entity: _Optional[str] = ..., entity_kind: _Optional[_Union[EntityKind, str]] = ..., period: _Optional[str] = ..., n: _Optional[int] = ..., composite: _Optional[float] = ..., lower: _Optional[float] = ..., upper: _Optional[float] = ..., grade: _Optional[str] = ..., rank: _Optional[int] = ..., rank_lower: _Optional[int] = ..., rank_upper: _Optional[int] = ..., p_below_pass: _Optional[float] = ..., components: _Optional[_Iterable[_Union[ComponentEstimate, _Mapping]]] = ...) -> None: ...

class ComputeStandingsRequest(_message.Message):
    __slots__ = ("period", "window_months", "request_id")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    WINDOW_MONTHS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    period: str
    window_months: int
    request_id: str
    def __init__(self, period: _Optional[str] = ..., window_months: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class ComputeStandingsResponse(_message.Message):
    __slots__ = ("period", "window_months", "data_cutoff", "consultancies", "review_agencies", "components", "notes", "calibration")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    WINDOW_MONTHS_FIELD_NUMBER: _ClassVar[int]
    DATA_CUTOFF_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCIES_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    period: str
    window_months: int
    data_cutoff: _timestamp_pb2.Timestamp
    consultancies: int
    review_agencies: int
    components: _containers.RepeatedScalarFieldContainer[str]
    notes: _containers.RepeatedScalarFieldContainer[str]
    calibration: str
    def __init__(self, period: _Optional[str] = ..., window_months: _Optional[int] = ..., data_cutoff: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., consultancies: _Optional[int] = ..., review_agencies: _Optional[int] = ..., components: _Optional[_Iterable[str]] = ..., notes: _Optional[_Iterable[str]] = ..., calibration: _Optional[str] = ...) -> None: ...

class ListStandingsRequest(_message.Message):
    __slots__ = ("period", "entity_kind", "page_size", "page_token", "draft")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    period: str
    entity_kind: EntityKind
    page_size: int
    page_token: str
    draft: bool
    def __init__(self, period: _Optional[str] = ..., entity_kind: _Optional[_Union[EntityKind, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., draft: _Optional[bool] = ...) -> None: ...

class ListStandingsResponse(_message.Message):
    __slots__ = ("standings", "next_page_token", "published_in")
    STANDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_IN_FIELD_NUMBER: _ClassVar[int]
    standings: _containers.RepeatedCompositeFieldContainer[Standing]
    next_page_token: str
    published_in: str
    def __init__(self, standings: _Optional[_Iterable[_Union[Standing, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., published_in: _Optional[str] = ...) -> None: ...

class Determination(_message.Message):
    __slots__ = ("name", "consultancy", "period", "kind", "substandard", "evidence", "decide_time", "note", "recorded_by", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBSTANDARD_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    consultancy: str
    period: str
    kind: DeterminationKind
    substandard: bool
    evidence: _containers.RepeatedScalarFieldContainer[str]
    decide_time: _timestamp_pb2.Timestamp
    note: str
    recorded_by: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., consultancy: _Optional[str] = ..., period: _Optional[str] = ..., kind: _Optional[_Union[DeterminationKind, str]] = ..., substandard: _Optional[bool] = ..., evidence: _Optional[_Iterable[str]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., recorded_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordDeterminationRequest(_message.Message):
    __slots__ = ("determination", "request_id")
    DETERMINATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    determination: Determination
    request_id: str
    def __init__(self, determination: _Optional[_Union[Determination, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListDeterminationsRequest(_message.Message):
    __slots__ = ("consultancy", "page_size", "page_token")
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    consultancy: str
    page_size: int
    page_token: str
    def __init__(self, consultancy: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeterminationsResponse(_message.Message):
    __slots__ = ("determinations", "next_page_token")
    DETERMINATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    determinations: _containers.RepeatedCompositeFieldContainer[Determination]
    next_page_token: str
    def __init__(self, determinations: _Optional[_Iterable[_Union[Determination, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FlagModel(_message.Message):
    __slots__ = ("name", "training_sha256", "artefact_sha256", "features", "params_json", "metrics", "create_time", "log")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRAINING_SHA256_FIELD_NUMBER: _ClassVar[int]
    ARTEFACT_SHA256_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    PARAMS_JSON_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    name: str
    training_sha256: str
    artefact_sha256: str
    features: _containers.RepeatedScalarFieldContainer[str]
    params_json: str
    metrics: _containers.ScalarMap[str, float]
    create_time: _timestamp_pb2.Timestamp
    log: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., training_sha256: _Optional[str] = ..., artefact_sha256: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., params_json: _Optional[str] = ..., metrics: _Optional[_Mapping[str, float]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., log: _Optional[_Iterable[str]] = ...) -> None: ...

class TrainFlagModelRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ListFlagModelsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFlagModelsResponse(_message.Message):
    __slots__ = ("flag_models", "next_page_token")
    FLAG_MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flag_models: _containers.RepeatedCompositeFieldContainer[FlagModel]
    next_page_token: str
    def __init__(self, flag_models: _Optional[_Iterable[_Union[FlagModel, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FlagReason(_message.Message):
    __slots__ = ("code", "zh", "en")
    CODE_FIELD_NUMBER: _ClassVar[int]
    ZH_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    code: str
    zh: str
    en: str
    def __init__(self, code: _Optional[str] = ..., zh: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class Flag(_message.Message):
    __slots__ = ("name", "period", "consultancy", "level", "reasons", "n_reports", "quality_estimate", "p_below_pass", "model_risk", "flag_model", "notice_state", "statement", "statement_time", "statement_deadline", "decision_reason", "decided_by", "decide_time", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    N_REPORTS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    P_BELOW_PASS_FIELD_NUMBER: _ClassVar[int]
    MODEL_RISK_FIELD_NUMBER: _ClassVar[int]
    FLAG_MODEL_FIELD_NUMBER: _ClassVar[int]
    NOTICE_STATE_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    period: str
    consultancy: str
    level: FlagLevel
    reasons: _containers.RepeatedCompositeFieldContainer[FlagReason]
    n_reports: int
    quality_estimate: float
    p_below_pass: float
    model_risk: float
    flag_model: str
    notice_state: NoticeState
    statement: str
    statement_time: _timestamp_pb2.Timestamp
    statement_deadline: _timestamp_pb2.Timestamp
    decision_reason: str
    decided_by: str
    decide_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., period: _Optional[str] = ..., consultancy: _Optional[str] = ..., level: _Optional[_Union[FlagLevel, str]] = ..., reasons: _Optional[_Iterable[_Union[FlagReason, _Mapping]]] = ..., n_reports: _Optional[int] = ..., quality_estimate: _Optional[float] = ..., p_below_pass: _Optional[float] = ..., model_risk: _Optional[float] = ..., flag_model: _Optional[str] = ..., notice_state: _Optional[_Union[NoticeState, str]] = ..., statement: _Optional[str] = ..., statement_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statement_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decision_reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScoreFlagsRequest(_message.Message):
    __slots__ = ("period", "request_id")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    period: str
    request_id: str
    def __init__(self, period: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ScoreFlagsResponse(_message.Message):
    __slots__ = ("period", "flag_model", "ok", "watch", "proposed")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    FLAG_MODEL_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    WATCH_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    period: str
    flag_model: str
    ok: int
    watch: int
    proposed: int
    def __init__(self, period: _Optional[str] = ..., flag_model: _Optional[str] = ..., ok: _Optional[int] = ..., watch: _Optional[int] = ..., proposed: _Optional[int] = ...) -> None: ...

class ListFlagsRequest(_message.Message):
    __slots__ = ("period", "level", "consultancy", "page_size", "page_token")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    period: str
    level: FlagLevel
    consultancy: str
    page_size: int
    page_token: str
    def __init__(self, period: _Optional[str] = ..., level: _Optional[_Union[FlagLevel, str]] = ..., consultancy: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFlagsResponse(_message.Message):
    __slots__ = ("flags", "next_page_token")
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flags: _containers.RepeatedCompositeFieldContainer[Flag]
    next_page_token: str
    def __init__(self, flags: _Optional[_Iterable[_Union[Flag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FileStatementRequest(_message.Message):
    __slots__ = ("name", "statement", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    statement: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., statement: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ApproveNoticeRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RejectNoticeRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class BulletinFile(_message.Message):
    __slots__ = ("file", "media_type", "sha256", "size", "content", "superseded_copy")
    FILE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_COPY_FIELD_NUMBER: _ClassVar[int]
    file: str
    media_type: str
    sha256: str
    size: int
    content: bytes
    superseded_copy: bool
    def __init__(self, file: _Optional[str] = ..., media_type: _Optional[str] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ..., content: _Optional[bytes] = ..., superseded_copy: _Optional[bool] = ...) -> None: ...

class Bulletin(_message.Message):
    __slots__ = ("name", "period", "version", "replaces", "correction_note", "sha256", "files", "synthetic", "publish_time", "data_cutoff", "notices", "kind", "document_number", "sequence", "previous_sha256", "signing_key_fingerprint", "superseded_by")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_NOTE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SYNTHETIC_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    DATA_CUTOFF_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SHA256_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    name: str
    period: str
    version: int
    replaces: str
    correction_note: str
    sha256: str
    files: _containers.RepeatedCompositeFieldContainer[BulletinFile]
    synthetic: bool
    publish_time: _timestamp_pb2.Timestamp
    data_cutoff: _timestamp_pb2.Timestamp
    notices: int
    kind: str
    document_number: str
    sequence: int
    previous_sha256: str
    signing_key_fingerprint: str
    superseded_by: str
    def __init__(self, name: _Optional[str] = ..., period: _Optional[str] = ..., version: _Optional[int] = ..., replaces: _Optional[str] = ..., correction_note: _Optional[str] = ..., sha256: _Optional[str] = ..., files: _Optional[_Iterable[_Union[BulletinFile, _Mapping]]] = ..., synthetic: _Optional[bool] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data_cutoff: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notices: _Optional[int] = ..., kind: _Optional[str] = ..., document_number: _Optional[str] = ..., sequence: _Optional[int] = ..., previous_sha256: _Optional[str] = ..., signing_key_fingerprint: _Optional[str] = ..., superseded_by: _Optional[str] = ...) -> None: ...

class PublishBulletinRequest(_message.Message):
    __slots__ = ("period", "replaces", "correction_note", "request_id")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    period: str
    replaces: str
    correction_note: str
    request_id: str
    def __init__(self, period: _Optional[str] = ..., replaces: _Optional[str] = ..., correction_note: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetBulletinRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListBulletinsRequest(_message.Message):
    __slots__ = ("period", "page_size", "page_token")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    period: str
    page_size: int
    page_token: str
    def __init__(self, period: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBulletinsResponse(_message.Message):
    __slots__ = ("bulletins", "next_page_token")
    BULLETINS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bulletins: _containers.RepeatedCompositeFieldContainer[Bulletin]
    next_page_token: str
    def __init__(self, bulletins: _Optional[_Iterable[_Union[Bulletin, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetBulletinFileRequest(_message.Message):
    __slots__ = ("bulletin", "file", "original")
    BULLETIN_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    bulletin: str
    file: str
    original: bool
    def __init__(self, bulletin: _Optional[str] = ..., file: _Optional[str] = ..., original: _Optional[bool] = ...) -> None: ...

class VerifyBulletinRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class VerifyBulletinResponse(_message.Message):
    __slots__ = ("ok", "problems", "sha256")
    OK_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    problems: _containers.RepeatedScalarFieldContainer[str]
    sha256: str
    def __init__(self, ok: _Optional[bool] = ..., problems: _Optional[_Iterable[str]] = ..., sha256: _Optional[str] = ...) -> None: ...

class ListYearlyStatisticsRequest(_message.Message):
    __slots__ = ("year", "dimension", "key", "page_size", "page_token")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    year: str
    dimension: StatisticsDimension
    key: str
    page_size: int
    page_token: str
    def __init__(self, year: _Optional[str] = ..., dimension: _Optional[_Union[StatisticsDimension, str]] = ..., key: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class MonthlyPoint(_message.Message):
    __slots__ = ("month", "cases", "passed")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    month: str
    cases: int
    passed: int
    def __init__(self, month: _Optional[str] = ..., cases: _Optional[int] = ..., passed: _Optional[int] = ...) -> None: ...

class YearlyStatistics(_message.Message):
    __slots__ = ("key", "label", "year", "cases", "cases_by_stage_track", "passed", "pass_rate", "first_rounds", "first_rounds_passed", "first_pass_rate", "rework", "quality_mean", "quality_lower", "quality_upper", "vetoed", "notices", "watch_entries", "ratings", "rating_mean", "review_days_median", "monthly")
    class CasesByStageTrackEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    KEY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    CASES_BY_STAGE_TRACK_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    PASS_RATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_ROUNDS_PASSED_FIELD_NUMBER: _ClassVar[int]
    FIRST_PASS_RATE_FIELD_NUMBER: _ClassVar[int]
    REWORK_FIELD_NUMBER: _ClassVar[int]
    QUALITY_MEAN_FIELD_NUMBER: _ClassVar[int]
    QUALITY_LOWER_FIELD_NUMBER: _ClassVar[int]
    QUALITY_UPPER_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    WATCH_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    RATING_MEAN_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DAYS_MEDIAN_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_FIELD_NUMBER: _ClassVar[int]
    key: str
    label: str
    year: str
    cases: int
    cases_by_stage_track: _containers.ScalarMap[str, int]
    passed: int
    pass_rate: float
    first_rounds: int
    first_rounds_passed: int
    first_pass_rate: float
    rework: int
    quality_mean: float
    quality_lower: float
    quality_upper: float
    vetoed: int
    notices: int
    watch_entries: int
    ratings: int
    rating_mean: float
    review_days_median: float
    monthly: _containers.RepeatedCompositeFieldContainer[MonthlyPoint]
    def __init__(self, key: _Optional[str] = ..., label: _Optional[str] = ..., year: _Optional[str] = ..., cases: _Optional[int] = ..., cases_by_stage_track: _Optional[_Mapping[str, int]] = ..., passed: _Optional[int] = ..., pass_rate: _Optional[float] = ..., first_rounds: _Optional[int] = ..., first_rounds_passed: _Optional[int] = ..., first_pass_rate: _Optional[float] = ..., rework: _Optional[int] = ..., quality_mean: _Optional[float] = ..., quality_lower: _Optional[float] = ..., quality_upper: _Optional[float] = ..., vetoed: _Optional[int] = ..., notices: _Optional[int] = ..., watch_entries: _Optional[int] = ..., ratings: _Optional[int] = ..., rating_mean: _Optional[float] = ..., review_days_median: _Optional[float] = ..., monthly: _Optional[_Iterable[_Union[MonthlyPoint, _Mapping]]] = ...) -> None: ...

class ListYearlyStatisticsResponse(_message.Message):
    __slots__ = ("statistics", "next_page_token", "notes")
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    statistics: _containers.RepeatedCompositeFieldContainer[YearlyStatistics]
    next_page_token: str
    notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, statistics: _Optional[_Iterable[_Union[YearlyStatistics, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., notes: _Optional[_Iterable[str]] = ...) -> None: ...

class GetBulletinSigningKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BulletinSigningKey(_message.Message):
    __slots__ = ("public_key_pem", "fingerprint", "authority")
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    public_key_pem: str
    fingerprint: str
    authority: str
    def __init__(self, public_key_pem: _Optional[str] = ..., fingerprint: _Optional[str] = ..., authority: _Optional[str] = ...) -> None: ...
