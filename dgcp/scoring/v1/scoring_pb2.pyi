import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_EVALUATION: _ClassVar[Stage]
    STAGE_ACCEPTANCE: _ClassVar[Stage]

class Track(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRACK_UNSPECIFIED: _ClassVar[Track]
    TRACK_STANDARD: _ClassVar[Track]
    TRACK_FAST: _ClassVar[Track]

class ScoreState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_STATE_UNSPECIFIED: _ClassVar[ScoreState]
    SCORE_STATE_OPEN: _ClassVar[ScoreState]
    SCORE_STATE_LOCKED: _ClassVar[ScoreState]
    SCORE_STATE_SET_ASIDE: _ClassVar[ScoreState]

class RevisionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVISION_KIND_UNSPECIFIED: _ClassVar[RevisionKind]
    REVISION_KIND_SUBMITTED: _ClassVar[RevisionKind]
    REVISION_KIND_REVISED: _ClassVar[RevisionKind]
    REVISION_KIND_AMENDED: _ClassVar[RevisionKind]

class RatingDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATING_DIRECTION_UNSPECIFIED: _ClassVar[RatingDirection]
    RATING_DIRECTION_EXPERT_TO_CONSULTANCY: _ClassVar[RatingDirection]
    RATING_DIRECTION_CONSULTANCY_TO_REVIEW: _ClassVar[RatingDirection]
STAGE_UNSPECIFIED: Stage
STAGE_EVALUATION: Stage
STAGE_ACCEPTANCE: Stage
TRACK_UNSPECIFIED: Track
TRACK_STANDARD: Track
TRACK_FAST: Track
SCORE_STATE_UNSPECIFIED: ScoreState
SCORE_STATE_OPEN: ScoreState
SCORE_STATE_LOCKED: ScoreState
SCORE_STATE_SET_ASIDE: ScoreState
REVISION_KIND_UNSPECIFIED: RevisionKind
REVISION_KIND_SUBMITTED: RevisionKind
REVISION_KIND_REVISED: RevisionKind
REVISION_KIND_AMENDED: RevisionKind
RATING_DIRECTION_UNSPECIFIED: RatingDirection
RATING_DIRECTION_EXPERT_TO_CONSULTANCY: RatingDirection
RATING_DIRECTION_CONSULTANCY_TO_REVIEW: RatingDirection

class Criterion(_message.Message):
    __slots__ = ("id", "chapter", "title", "max_points", "step", "chapter_zh", "title_zh")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHAPTER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CHAPTER_ZH_FIELD_NUMBER: _ClassVar[int]
    TITLE_ZH_FIELD_NUMBER: _ClassVar[int]
    id: str
    chapter: str
    title: str
    max_points: float
    step: float
    chapter_zh: str
    title_zh: str
    def __init__(self, id: _Optional[str] = ..., chapter: _Optional[str] = ..., title: _Optional[str] = ..., max_points: _Optional[float] = ..., step: _Optional[float] = ..., chapter_zh: _Optional[str] = ..., title_zh: _Optional[str] = ...) -> None: ...

class VetoItem(_message.Message):
    __slots__ = ("id", "title", "title_zh")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TITLE_ZH_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    title_zh: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., title_zh: _Optional[str] = ...) -> None: ...

class GradeBand(_message.Message):
    __slots__ = ("grade", "min_total")
    GRADE_FIELD_NUMBER: _ClassVar[int]
    MIN_TOTAL_FIELD_NUMBER: _ClassVar[int]
    grade: str
    min_total: float
    def __init__(self, grade: _Optional[str] = ..., min_total: _Optional[float] = ...) -> None: ...

class RubricVersion(_message.Message):
    __slots__ = ("name", "version", "stage", "track", "title", "criteria", "veto_items", "grade_bands", "recommendation_line", "total_points", "sha256", "create_time", "title_zh")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    VETO_ITEMS_FIELD_NUMBER: _ClassVar[int]
    GRADE_BANDS_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_LINE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_POINTS_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TITLE_ZH_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    stage: Stage
    track: Track
    title: str
    criteria: _containers.RepeatedCompositeFieldContainer[Criterion]
    veto_items: _containers.RepeatedCompositeFieldContainer[VetoItem]
    grade_bands: _containers.RepeatedCompositeFieldContainer[GradeBand]
    recommendation_line: float
    total_points: float
    sha256: str
    create_time: _timestamp_pb2.Timestamp
    title_zh: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., stage: _Optional[_Union[Stage, str]] = ..., track: _Optional[_Union[Track, str]] = ..., title: _Optional[str] = ..., criteria: _Optional[_Iterable[_Union[Criterion, _Mapping]]] = ..., veto_items: _Optional[_Iterable[_Union[VetoItem, _Mapping]]] = ..., grade_bands: _Optional[_Iterable[_Union[GradeBand, _Mapping]]] = ..., recommendation_line: _Optional[float] = ..., total_points: _Optional[float] = ..., sha256: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., title_zh: _Optional[str] = ...) -> None: ...

class CreateRubricVersionRequest(_message.Message):
    __slots__ = ("parent", "rubric_version", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RUBRIC_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    rubric_version: RubricVersion
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., rubric_version: _Optional[_Union[RubricVersion, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetRubricVersionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListRubricVersionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRubricVersionsResponse(_message.Message):
    __slots__ = ("rubric_versions", "next_page_token")
    RUBRIC_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rubric_versions: _containers.RepeatedCompositeFieldContainer[RubricVersion]
    next_page_token: str
    def __init__(self, rubric_versions: _Optional[_Iterable[_Union[RubricVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CriterionScore(_message.Message):
    __slots__ = ("criterion_id", "points", "comment")
    CRITERION_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    criterion_id: str
    points: float
    comment: str
    def __init__(self, criterion_id: _Optional[str] = ..., points: _Optional[float] = ..., comment: _Optional[str] = ...) -> None: ...

class VetoFinding(_message.Message):
    __slots__ = ("veto_id", "reason")
    VETO_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    veto_id: str
    reason: str
    def __init__(self, veto_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Score(_message.Message):
    __slots__ = ("name", "case", "expert", "rubric_version", "items", "vetoes", "total", "vetoed", "grade", "revision", "state", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    RUBRIC_VERSION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VETOES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    case: str
    expert: str
    rubric_version: str
    items: _containers.RepeatedCompositeFieldContainer[CriterionScore]
    vetoes: _containers.RepeatedCompositeFieldContainer[VetoFinding]
    total: float
    vetoed: bool
    grade: str
    revision: int
    state: ScoreState
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., case: _Optional[str] = ..., expert: _Optional[str] = ..., rubric_version: _Optional[str] = ..., items: _Optional[_Iterable[_Union[CriterionScore, _Mapping]]] = ..., vetoes: _Optional[_Iterable[_Union[VetoFinding, _Mapping]]] = ..., total: _Optional[float] = ..., vetoed: _Optional[bool] = ..., grade: _Optional[str] = ..., revision: _Optional[int] = ..., state: _Optional[_Union[ScoreState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScoreRevision(_message.Message):
    __slots__ = ("name", "revision", "kind", "items", "vetoes", "total", "vetoed", "reason", "actor", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VETOES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    revision: int
    kind: RevisionKind
    items: _containers.RepeatedCompositeFieldContainer[CriterionScore]
    vetoes: _containers.RepeatedCompositeFieldContainer[VetoFinding]
    total: float
    vetoed: bool
    reason: str
    actor: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., revision: _Optional[int] = ..., kind: _Optional[_Union[RevisionKind, str]] = ..., items: _Optional[_Iterable[_Union[CriterionScore, _Mapping]]] = ..., vetoes: _Optional[_Iterable[_Union[VetoFinding, _Mapping]]] = ..., total: _Optional[float] = ..., vetoed: _Optional[bool] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitScoreRequest(_message.Message):
    __slots__ = ("case", "items", "vetoes", "request_id")
    CASE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VETOES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    case: str
    items: _containers.RepeatedCompositeFieldContainer[CriterionScore]
    vetoes: _containers.RepeatedCompositeFieldContainer[VetoFinding]
    request_id: str
    def __init__(self, case: _Optional[str] = ..., items: _Optional[_Iterable[_Union[CriterionScore, _Mapping]]] = ..., vetoes: _Optional[_Iterable[_Union[VetoFinding, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class AmendScoreRequest(_message.Message):
    __slots__ = ("name", "items", "vetoes", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VETOES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    items: _containers.RepeatedCompositeFieldContainer[CriterionScore]
    vetoes: _containers.RepeatedCompositeFieldContainer[VetoFinding]
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., items: _Optional[_Iterable[_Union[CriterionScore, _Mapping]]] = ..., vetoes: _Optional[_Iterable[_Union[VetoFinding, _Mapping]]] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetScoreRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListScoresRequest(_message.Message):
    __slots__ = ("case", "page_size", "page_token")
    CASE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    case: str
    page_size: int
    page_token: str
    def __init__(self, case: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScoresResponse(_message.Message):
    __slots__ = ("scores", "next_page_token")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedCompositeFieldContainer[Score]
    next_page_token: str
    def __init__(self, scores: _Optional[_Iterable[_Union[Score, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListScoreRevisionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScoreRevisionsResponse(_message.Message):
    __slots__ = ("revisions", "next_page_token")
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[ScoreRevision]
    next_page_token: str
    def __init__(self, revisions: _Optional[_Iterable[_Union[ScoreRevision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LockPanelRequest(_message.Message):
    __slots__ = ("case", "request_id")
    CASE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    case: str
    request_id: str
    def __init__(self, case: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetCaseResultRequest(_message.Message):
    __slots__ = ("case", "calibration")
    CASE_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    case: str
    calibration: str
    def __init__(self, case: _Optional[str] = ..., calibration: _Optional[str] = ...) -> None: ...

class CaseResult(_message.Message):
    __slots__ = ("case", "rubric_version", "score_count", "raw_mean", "calibrated", "grade", "vetoed", "veto_ids", "spread", "spread_flag", "locked", "lock_time", "recommended", "in_main_component", "calibration")
    CASE_FIELD_NUMBER: _ClassVar[int]
    RUBRIC_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCORE_COUNT_FIELD_NUMBER: _ClassVar[int]
    RAW_MEAN_FIELD_NUMBER: _ClassVar[int]
    CALIBRATED_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    VETO_IDS_FIELD_NUMBER: _ClassVar[int]
    SPREAD_FIELD_NUMBER: _ClassVar[int]
    SPREAD_FLAG_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDED_FIELD_NUMBER: _ClassVar[int]
    IN_MAIN_COMPONENT_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    case: str
    rubric_version: str
    score_count: int
    raw_mean: float
    calibrated: float
    grade: str
    vetoed: bool
    veto_ids: _containers.RepeatedScalarFieldContainer[str]
    spread: float
    spread_flag: bool
    locked: bool
    lock_time: _timestamp_pb2.Timestamp
    recommended: bool
    in_main_component: bool
    calibration: str
    def __init__(self, case: _Optional[str] = ..., rubric_version: _Optional[str] = ..., score_count: _Optional[int] = ..., raw_mean: _Optional[float] = ..., calibrated: _Optional[float] = ..., grade: _Optional[str] = ..., vetoed: _Optional[bool] = ..., veto_ids: _Optional[_Iterable[str]] = ..., spread: _Optional[float] = ..., spread_flag: _Optional[bool] = ..., locked: _Optional[bool] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recommended: _Optional[bool] = ..., in_main_component: _Optional[bool] = ..., calibration: _Optional[str] = ...) -> None: ...

class GetCaseOutcomeRequest(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: str
    def __init__(self, case: _Optional[str] = ...) -> None: ...

class AnonymousItem(_message.Message):
    __slots__ = ("criterion_id", "expert_label", "points", "comment")
    CRITERION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPERT_LABEL_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    criterion_id: str
    expert_label: str
    points: float
    comment: str
    def __init__(self, criterion_id: _Optional[str] = ..., expert_label: _Optional[str] = ..., points: _Optional[float] = ..., comment: _Optional[str] = ...) -> None: ...

class AnonymousVeto(_message.Message):
    __slots__ = ("veto_id", "expert_label", "reason")
    VETO_ID_FIELD_NUMBER: _ClassVar[int]
    EXPERT_LABEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    veto_id: str
    expert_label: str
    reason: str
    def __init__(self, veto_id: _Optional[str] = ..., expert_label: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CaseOutcome(_message.Message):
    __slots__ = ("case", "locked", "lock_time", "rubric_version", "my_score", "my_revision", "my_state", "result", "items", "vetoes", "panel_size", "score_count")
    CASE_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    RUBRIC_VERSION_FIELD_NUMBER: _ClassVar[int]
    MY_SCORE_FIELD_NUMBER: _ClassVar[int]
    MY_REVISION_FIELD_NUMBER: _ClassVar[int]
    MY_STATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VETOES_FIELD_NUMBER: _ClassVar[int]
    PANEL_SIZE_FIELD_NUMBER: _ClassVar[int]
    SCORE_COUNT_FIELD_NUMBER: _ClassVar[int]
    case: str
    locked: bool
    lock_time: _timestamp_pb2.Timestamp
    rubric_version: str
    my_score: str
    my_revision: int
    my_state: ScoreState
    result: CaseResult
    items: _containers.RepeatedCompositeFieldContainer[AnonymousItem]
    vetoes: _containers.RepeatedCompositeFieldContainer[AnonymousVeto]
    panel_size: int
    score_count: int
    def __init__(self, case: _Optional[str] = ..., locked: _Optional[bool] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rubric_version: _Optional[str] = ..., my_score: _Optional[str] = ..., my_revision: _Optional[int] = ..., my_state: _Optional[_Union[ScoreState, str]] = ..., result: _Optional[_Union[CaseResult, _Mapping]] = ..., items: _Optional[_Iterable[_Union[AnonymousItem, _Mapping]]] = ..., vetoes: _Optional[_Iterable[_Union[AnonymousVeto, _Mapping]]] = ..., panel_size: _Optional[int] = ..., score_count: _Optional[int] = ...) -> None: ...

class GetCalibrationRequest(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExpertOffset(_message.Message):
    __slots__ = ("expert", "offset", "score_count", "component")
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SCORE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    expert: str
    offset: float
    score_count: int
    component: int
    def __init__(self, expert: _Optional[str] = ..., offset: _Optional[float] = ..., score_count: _Optional[int] = ..., component: _Optional[int] = ...) -> None: ...

class CalibrationComponent(_message.Message):
    __slots__ = ("index", "case_count", "expert_count", "score_count")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CASE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPERT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCORE_COUNT_FIELD_NUMBER: _ClassVar[int]
    index: int
    case_count: int
    expert_count: int
    score_count: int
    def __init__(self, index: _Optional[int] = ..., case_count: _Optional[int] = ..., expert_count: _Optional[int] = ..., score_count: _Optional[int] = ...) -> None: ...

class Calibration(_message.Message):
    __slots__ = ("score_count", "sigma2", "tau2", "method", "connected", "components", "offsets", "name")
    SCORE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SIGMA2_FIELD_NUMBER: _ClassVar[int]
    TAU2_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    OFFSETS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    score_count: int
    sigma2: float
    tau2: float
    method: str
    connected: bool
    components: _containers.RepeatedCompositeFieldContainer[CalibrationComponent]
    offsets: _containers.RepeatedCompositeFieldContainer[ExpertOffset]
    name: str
    def __init__(self, score_count: _Optional[int] = ..., sigma2: _Optional[float] = ..., tau2: _Optional[float] = ..., method: _Optional[str] = ..., connected: _Optional[bool] = ..., components: _Optional[_Iterable[_Union[CalibrationComponent, _Mapping]]] = ..., offsets: _Optional[_Iterable[_Union[ExpertOffset, _Mapping]]] = ..., name: _Optional[str] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("name", "case", "direction", "rater", "ratee", "items", "comment", "mean", "create_time")
    class ItemsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    RATER_FIELD_NUMBER: _ClassVar[int]
    RATEE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    case: str
    direction: RatingDirection
    rater: str
    ratee: str
    items: _containers.ScalarMap[str, int]
    comment: str
    mean: float
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., case: _Optional[str] = ..., direction: _Optional[_Union[RatingDirection, str]] = ..., rater: _Optional[str] = ..., ratee: _Optional[str] = ..., items: _Optional[_Mapping[str, int]] = ..., comment: _Optional[str] = ..., mean: _Optional[float] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitRatingRequest(_message.Message):
    __slots__ = ("case", "items", "comment", "request_id")
    class ItemsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CASE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    case: str
    items: _containers.ScalarMap[str, int]
    comment: str
    request_id: str
    def __init__(self, case: _Optional[str] = ..., items: _Optional[_Mapping[str, int]] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListRatingsRequest(_message.Message):
    __slots__ = ("case", "direction")
    CASE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    case: str
    direction: RatingDirection
    def __init__(self, case: _Optional[str] = ..., direction: _Optional[_Union[RatingDirection, str]] = ...) -> None: ...

class ListRatingsResponse(_message.Message):
    __slots__ = ("ratings", "revealed", "window_close_time")
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    REVEALED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    revealed: bool
    window_close_time: _timestamp_pb2.Timestamp
    def __init__(self, ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ..., revealed: _Optional[bool] = ..., window_close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCollusionReportRequest(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CollusionPair(_message.Message):
    __slots__ = ("kind", "rater", "consultancy", "case_count", "mean_rating_given", "mean_rating_received", "mean_excess", "z", "p_value", "q_value", "flagged")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RATER_FIELD_NUMBER: _ClassVar[int]
    CONSULTANCY_FIELD_NUMBER: _ClassVar[int]
    CASE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_GIVEN_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    MEAN_EXCESS_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    Q_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    rater: str
    consultancy: str
    case_count: int
    mean_rating_given: float
    mean_rating_received: float
    mean_excess: float
    z: float
    p_value: float
    q_value: float
    flagged: bool
    def __init__(self, kind: _Optional[str] = ..., rater: _Optional[str] = ..., consultancy: _Optional[str] = ..., case_count: _Optional[int] = ..., mean_rating_given: _Optional[float] = ..., mean_rating_received: _Optional[float] = ..., mean_excess: _Optional[float] = ..., z: _Optional[float] = ..., p_value: _Optional[float] = ..., q_value: _Optional[float] = ..., flagged: _Optional[bool] = ...) -> None: ...

class CollusionReport(_message.Message):
    __slots__ = ("method", "pairs")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    method: str
    pairs: _containers.RepeatedCompositeFieldContainer[CollusionPair]
    def __init__(self, method: _Optional[str] = ..., pairs: _Optional[_Iterable[_Union[CollusionPair, _Mapping]]] = ...) -> None: ...

class GetRetaliationViewRequest(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RetaliationView(_message.Message):
    __slots__ = ("case_count", "slope_per_point", "slope_stderr", "slope_p_value", "mean_rating_failed", "mean_rating_passed", "failed_count", "passed_count", "raters")
    CASE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SLOPE_PER_POINT_FIELD_NUMBER: _ClassVar[int]
    SLOPE_STDERR_FIELD_NUMBER: _ClassVar[int]
    SLOPE_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FAILED_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_PASSED_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PASSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RATERS_FIELD_NUMBER: _ClassVar[int]
    case_count: int
    slope_per_point: float
    slope_stderr: float
    slope_p_value: float
    mean_rating_failed: float
    mean_rating_passed: float
    failed_count: int
    passed_count: int
    raters: _containers.RepeatedCompositeFieldContainer[RetaliatingRater]
    def __init__(self, case_count: _Optional[int] = ..., slope_per_point: _Optional[float] = ..., slope_stderr: _Optional[float] = ..., slope_p_value: _Optional[float] = ..., mean_rating_failed: _Optional[float] = ..., mean_rating_passed: _Optional[float] = ..., failed_count: _Optional[int] = ..., passed_count: _Optional[int] = ..., raters: _Optional[_Iterable[_Union[RetaliatingRater, _Mapping]]] = ...) -> None: ...

class RetaliatingRater(_message.Message):
    __slots__ = ("rater", "failed_count", "passed_count", "mean_rating_failed", "mean_rating_passed", "excess_drop", "z", "q_value", "flagged")
    RATER_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PASSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FAILED_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_PASSED_FIELD_NUMBER: _ClassVar[int]
    EXCESS_DROP_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    Q_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    rater: str
    failed_count: int
    passed_count: int
    mean_rating_failed: float
    mean_rating_passed: float
    excess_drop: float
    z: float
    q_value: float
    flagged: bool
    def __init__(self, rater: _Optional[str] = ..., failed_count: _Optional[int] = ..., passed_count: _Optional[int] = ..., mean_rating_failed: _Optional[float] = ..., mean_rating_passed: _Optional[float] = ..., excess_drop: _Optional[float] = ..., z: _Optional[float] = ..., q_value: _Optional[float] = ..., flagged: _Optional[bool] = ...) -> None: ...
