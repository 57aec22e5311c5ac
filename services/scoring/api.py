"""gRPC API of the scoring service: thin handlers over the store and the pure modules."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import grpc
import psycopg

from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from runtime import audit, config
from runtime.auth import AccessTable, Caller, Role, current_caller, require_role
from runtime.calendar import Period
from runtime.clients import service_channel
from runtime.db import read_transaction, single_statement, transaction
from runtime.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from runtime.idempotency import MAX_REQUEST_ID, Idempotency, key_for, request_hash
from runtime.resources import (
    aware,
    decode_page_token,
    encode_page_token,
    from_timestamp,
    page_size,
    parse_name,
    required,
    to_timestamp,
    utcnow,
)
from runtime.server import ServiceContext
from services.scoring import fits, outcome, store
from services.scoring.calibration import CalibrationConfig, CalibrationResult
from services.scoring.collusion import (
    CollusionPolicy,
    RatedScore,
    collusion_report,
    retaliating_raters,
    retaliation_view,
)
from services.scoring.fits import CalibrationCache
from services.scoring.models import idempotency_keys
from services.scoring.panels import (
    CacheConfig,
    Freeze,
    Membership,
    MembershipCache,
    assignment_fetch,
    assignment_freeze,
)
from services.scoring.ratings import (
    CONSULTANCY_TO_REVIEW,
    EXPERT_TO_CONSULTANCY,
    RatingPolicy,
    SealState,
    rating_problems,
    readable_directions,
)
from services.scoring.rubrics import (
    Checked,
    Criterion,
    GradeBand,
    ItemInput,
    Rubric,
    VetoInput,
    VetoItem,
    check_score,
    rubric_key,
    rubric_problems,
)

A, S, R, C = Role.AUTHORITY, Role.SERVICE, Role.REVIEWER, Role.CONSULTANCY

ACCESS: AccessTable = {
    "CreateRubricVersion": frozenset({A}),
    "GetRubricVersion": frozenset({A, S, R, C}),
    "ListRubricVersions": frozenset({A, S, R, C}),
    "SubmitScore": frozenset({R}),
    "AmendScore": frozenset({R}),
    "GetScore": frozenset({A, S, R}),  # a reviewer reads only her own
    "ListScores": frozenset({A, S}),
    "ListScoreRevisions": frozenset({A, S}),
    "LockPanel": frozenset({A}),
    "GetCaseResult": frozenset({A, S}),
    "GetCaseOutcome": frozenset({A, S, R, C}),  # R: panel members; C: the case's own (outcome.py)
    "GetCalibration": frozenset({A, S}),
    "SubmitRating": frozenset({R, C}),
    "ListRatings": frozenset({A, S, R, C}),
    "GetCollusionReport": frozenset({A}),
    "GetRetaliationView": frozenset({A}),
}

STAGES = {pb.STAGE_EVALUATION: "evaluation", pb.STAGE_ACCEPTANCE: "acceptance"}
TRACKS = {pb.TRACK_STANDARD: "standard", pb.TRACK_FAST: "fast"}
STAGE_OF = {v: k for k, v in STAGES.items()}
TRACK_OF = {v: k for k, v in TRACKS.items()}
KINDS = {
    store.SUBMITTED: pb.REVISION_KIND_SUBMITTED,
    store.REVISED: pb.REVISION_KIND_REVISED,
    store.AMENDED: pb.REVISION_KIND_AMENDED,
}
DIRECTION_OF = {
    EXPERT_TO_CONSULTANCY: pb.RATING_DIRECTION_EXPERT_TO_CONSULTANCY,
    CONSULTANCY_TO_REVIEW: pb.RATING_DIRECTION_CONSULTANCY_TO_REVIEW,
}
DIRECTIONS = {v: k for k, v in DIRECTION_OF.items()}


ENV_DOCS: dict[str, str] = {
    "DGCP_MEMBERSHIP_TTL_SECONDS": (
        'How long scoring trusts the assignment service\'s "on the panel" (default 10): '
        "a recused expert can still score for at most this long."
    ),
    "DGCP_SCORE_SPREAD_POINTS": (
        "A panel whose highest and lowest totals differ by more than this is flagged for "
        "reconciliation (default 15)."
    ),
    "DGCP_RATING_WINDOW_DAYS": (
        "Days a case's mutual rating stays open after its first rating; sealed ratings are revealed "
        "when both sides have rated or the window closes (default 14)."
    ),
    "DGCP_CALIBRATION_WINDOW_DAYS": "Days of locked scores the calibration model is fitted on (default 730).",
}


@dataclass(frozen=True)
class ScoringConfig:
    """Policy of the scoring service: defaults, and the settings of ENV_DOCS read at start."""

    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    calibration_window: timedelta = timedelta(days=730)
    ratings: RatingPolicy = field(default_factory=RatingPolicy)
    collusion: CollusionPolicy = field(default_factory=CollusionPolicy)
    membership_cache: CacheConfig = field(default_factory=CacheConfig)
    rubric_cache_seconds: float = 10.0
    pass_line: float = 70.0
    max_reason_chars: int = 2000
    fast_submit_path: bool = True

    @classmethod
    def from_env(cls) -> ScoringConfig:
        base = cls()
        ttl = config.env_seconds("DGCP_MEMBERSHIP_TTL_SECONDS", base.membership_cache.positive_ttl_seconds)
        spread = config.env_number(
            "DGCP_SCORE_SPREAD_POINTS", base.calibration.spread_threshold, unit="points"
        )
        rating_days = config.env_number(
            "DGCP_RATING_WINDOW_DAYS", base.ratings.window / timedelta(days=1), unit="days"
        )
        calibration_days = config.env_number(
            "DGCP_CALIBRATION_WINDOW_DAYS", base.calibration_window / timedelta(days=1), unit="days"
        )
        return replace(
            base,
            membership_cache=replace(base.membership_cache, positive_ttl_seconds=ttl),
            calibration=replace(base.calibration, spread_threshold=spread),
            ratings=replace(base.ratings, window=timedelta(days=rating_days)),
            calibration_window=timedelta(days=calibration_days),
        )


def _expert_caller() -> Caller:
    caller = require_role(R)
    if not caller.subject.startswith("experts/"):
        raise PermissionDenied("NOT_AN_EXPERT", "the token does not name an expert")
    return caller


# ---------------------------------------------------------------- proto mapping


def rubric_to_proto(stored: store.StoredRubric) -> pb.RubricVersion:
    r = stored.rubric
    return pb.RubricVersion(
        name=stored.name,
        version=stored.version,
        stage=STAGE_OF[r.stage],
        track=TRACK_OF[r.track],
        title=r.title,
        title_zh=r.title_zh,
        criteria=[
            pb.Criterion(
                id=c.id,
                chapter=c.chapter,
                title=c.title,
                max_points=c.max_points,
                step=c.step,
                chapter_zh=c.chapter_zh,
                title_zh=c.title_zh,
            )
            for c in r.criteria
        ],
        veto_items=[pb.VetoItem(id=v.id, title=v.title, title_zh=v.title_zh) for v in r.veto_items],
        grade_bands=[pb.GradeBand(grade=g.grade, min_total=g.min_total) for g in r.grade_bands],
        recommendation_line=r.recommendation_line,
        total_points=r.total_points,
        sha256=stored.sha256,
        create_time=to_timestamp(stored.create_time),
    )


def rubric_from_proto(msg: pb.RubricVersion) -> Rubric:
    defaults = Rubric(stage="", track="", title="", criteria=(), veto_items=())
    return Rubric(
        stage=STAGES.get(msg.stage, ""),
        track=TRACKS.get(msg.track, ""),
        title=msg.title,
        title_zh=msg.title_zh,
        criteria=tuple(
            Criterion(c.id, c.chapter, c.title, c.max_points, c.step or 0.5, c.chapter_zh, c.title_zh)
            for c in msg.criteria
        ),
        veto_items=tuple(VetoItem(v.id, v.title, v.title_zh) for v in msg.veto_items),
        grade_bands=tuple(GradeBand(g.grade, g.min_total) for g in msg.grade_bands) or defaults.grade_bands,
        recommendation_line=msg.recommendation_line or defaults.recommendation_line,
        total_points=msg.total_points or defaults.total_points,
    )


def _items_in(items: Sequence[pb.CriterionScore]) -> list[ItemInput]:
    return [ItemInput(i.criterion_id, i.points, i.comment) for i in items]


def _vetoes_in(vetoes: Sequence[pb.VetoFinding]) -> list[VetoInput]:
    return [VetoInput(v.veto_id, v.reason) for v in vetoes]


def _items_out(items: Sequence[dict[str, Any]]) -> list[pb.CriterionScore]:
    return [pb.CriterionScore(**i) for i in items]


def _vetoes_out(vetoes: Sequence[dict[str, Any]]) -> list[pb.VetoFinding]:
    return [pb.VetoFinding(**v) for v in vetoes]


def written_to_proto(w: store.WrittenScore) -> pb.Score:
    score = pb.Score(
        name=f"scores/{w.id}",
        case=w.case_name,
        expert=w.expert,
        rubric_version=w.rubric_version,
        total=w.checked.total,
        vetoed=w.checked.vetoed,
        grade=w.checked.grade,
        revision=w.revision,
        state=pb.SCORE_STATE_LOCKED if w.locked else pb.SCORE_STATE_OPEN,
        create_time=to_timestamp(w.create_time),
        update_time=to_timestamp(w.update_time),
    )
    add_item, add_veto = score.items.add, score.vetoes.add  # in place: half the cost of a list
    for criterion_id, points, comment in w.checked.items:
        add_item(criterion_id=criterion_id, points=points, comment=comment)
    for veto_id, reason in w.checked.vetoes:
        add_veto(veto_id=veto_id, reason=reason)
    return score


def score_to_proto(row: Any) -> pb.Score:
    """A score row joined with its case's ``case_lock_time`` (see store.get_score)."""
    if row.locked:
        state = pb.SCORE_STATE_LOCKED
    else:
        state = pb.SCORE_STATE_SET_ASIDE if row.case_lock_time is not None else pb.SCORE_STATE_OPEN
    return pb.Score(
        name=f"scores/{row.id}",
        case=row.case_name,
        expert=row.expert,
        rubric_version=row.rubric_version,
        items=_items_out(row.items),
        vetoes=_vetoes_out(row.vetoes),
        total=row.total,
        vetoed=row.vetoed,
        grade=row.grade,
        revision=row.revision,
        state=state,
        create_time=to_timestamp(row.create_time),
        update_time=to_timestamp(row.update_time),
    )


def revision_to_proto(row: Any) -> pb.ScoreRevision:
    return pb.ScoreRevision(
        name=f"scores/{row.score_id}/revisions/{row.revision}",
        revision=row.revision,
        kind=KINDS[row.kind],
        items=_items_out(row.items),
        vetoes=_vetoes_out(row.vetoes),
        total=row.total,
        vetoed=row.vetoed,
        reason=row.reason,
        actor=row.actor,
        create_time=to_timestamp(row.create_time),
    )


def rating_to_proto(row: Any) -> pb.Rating:
    return pb.Rating(
        name=f"ratings/{row.id}",
        case=row.case_name,
        direction=DIRECTION_OF[row.direction],
        rater=row.rater,
        ratee=row.ratee,
        items=dict(row.items),
        comment=row.comment,
        mean=row.mean,
        create_time=to_timestamp(row.create_time),
    )


# ---------------------------------------------------------------- caches


class RubricCache:
    """The current version per series (briefly cached) and immutable versions by name (forever)."""

    def __init__(self, engine: Any, ttl: float) -> None:
        self._engine = engine
        self._ttl = ttl
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[float, store.StoredRubric]] = {}
        self._by_name: dict[str, store.StoredRubric] = {}

    def latest(self, series: str) -> store.StoredRubric:
        now = time.monotonic()
        with self._lock:
            hit = self._latest.get(series)
            if hit is not None and hit[0] > now:
                return hit[1]
        with read_transaction(self._engine) as session:
            stored = store.get_rubric_version(session=session, series=series, version=None)
        with self._lock:
            self._latest[series] = (now + self._ttl, stored)
            self._by_name[stored.name] = stored
        return stored

    def by_name(self, name: str) -> store.StoredRubric:
        with self._lock:
            hit = self._by_name.get(name)
        if hit is not None:
            return hit
        series, version = _parse_rubric_name(name)
        # Also called inside a submit's write transaction: a read beside it, never a second
        # writer (on SQLite that waited for the lock its own call held).
        with read_transaction(self._engine) as session:
            stored = store.get_rubric_version(session=session, series=series, version=version)
        with self._lock:
            self._by_name[stored.name] = stored
        return stored

    def invalidate(self, series: str) -> None:
        with self._lock:
            self._latest.pop(series, None)


def _parse_rubric_name(name: str, field_name: str = "name") -> tuple[str, int | None]:
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "rubrics" or parts[2] != "versions" or not parts[1]:
        raise InvalidArgument.fields(
            [FieldViolation(field_name, "must be rubrics/{series}/versions/{n|latest}", "INVALID_NAME")],
            reason="INVALID_NAME",
        )
    if parts[3] == "latest":
        return parts[1], None
    if not parts[3].isdigit():
        raise InvalidArgument.fields(
            [FieldViolation(field_name, "version must be a number or 'latest'", "INVALID_NAME")],
            reason="INVALID_NAME",
        )
    return parts[1], int(parts[3])


# ---------------------------------------------------------------- servicer


class ScoringServicer(pb_grpc.ScoringServiceServicer):
    def __init__(
        self,
        ctx: ServiceContext,
        config: ScoringConfig | None = None,
        membership: Callable[[str, str], Membership] | None = None,
        freeze: Freeze | None = None,
    ) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        self.cfg = config or ScoringConfig()
        self.idem = Idempotency(idempotency_keys)
        self.rubrics = RubricCache(self.engine, self.cfg.rubric_cache_seconds)
        self.calibrations = CalibrationCache(self.engine, self.cfg.calibration)
        if membership is None:
            channel = service_channel(
                ctx.settings.peers.get("assignment", "127.0.0.1:50051"),
                caller_service="scoring",
                deadline_seconds=ctx.settings.deadline_seconds,
            )
            membership = assignment_fetch(channel)
            freeze = freeze or assignment_freeze(channel)
        self.panels = MembershipCache(membership, self.cfg.membership_cache)
        # Unit tests with a fake membership and no freeze have no assignment service to ask.
        self.freeze: Freeze = freeze or (lambda case, panel: None)
        self.fast_path = self.engine.dialect.name == "postgresql" and self.cfg.fast_submit_path

    # ------------------------------------------------------------ rubrics

    def CreateRubricVersion(
        self, request: pb.CreateRubricVersionRequest, context: grpc.ServicerContext
    ) -> pb.RubricVersion:
        if not request.HasField("rubric_version"):
            raise InvalidArgument.fields([FieldViolation("rubric_version", "is required", "REQUIRED")])
        rubric = rubric_from_proto(request.rubric_version)
        problems = [
            FieldViolation(p.field.replace("rubric.", "rubric_version.", 1), p.description, p.reason)
            for p in rubric_problems(rubric)
        ]
        series = rubric_key(rubric.stage, rubric.track)
        if not problems and request.parent != f"rubrics/{series}":
            problems.append(
                FieldViolation(
                    "parent", f"must be rubrics/{series} for this stage and track", "PARENT_MISMATCH"
                )
            )
        if problems:
            raise InvalidArgument.fields(problems)

        def work(session: Any) -> pb.RubricVersion:
            return rubric_to_proto(store.create_rubric_version(session=session, rubric=rubric))

        created = self.idem.run(
            self.engine,
            method="CreateRubricVersion",
            request=request,
            response_type=pb.RubricVersion,
            work=work,
        )
        self.rubrics.invalidate(series)
        return created

    def GetRubricVersion(
        self, request: pb.GetRubricVersionRequest, context: grpc.ServicerContext
    ) -> pb.RubricVersion:
        series, version = _parse_rubric_name(request.name)
        with read_transaction(self.engine) as session:
            stored = store.get_rubric_version(session=session, series=series, version=version)
        return rubric_to_proto(stored)

    def ListRubricVersions(
        self, request: pb.ListRubricVersionsRequest, context: grpc.ServicerContext
    ) -> pb.ListRubricVersionsResponse:
        parent = required(request.parent, "parent")
        if not parent.startswith("rubrics/") or parent.count("/") != 1:
            raise InvalidArgument.fields(
                [FieldViolation("parent", "must be rubrics/{series} or rubrics/-", "INVALID_NAME")]
            )
        series = parent.split("/")[1]
        filters = {"parent": parent}
        limit = page_size(request.page_size)
        after_token = decode_page_token(request.page_token, filters, lambda t: int(t.rpartition("@")[2]))
        after = None
        if after_token:
            s, _, v = after_token.rpartition("@")
            after = (s, int(v))
        with read_transaction(self.engine) as session:
            rows = store.list_rubric_versions(
                session=session, series=None if series == "-" else series, after=after, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        token = encode_page_token(f"{rows[-1].series}@{rows[-1].version}", filters) if more else ""
        return pb.ListRubricVersionsResponse(
            rubric_versions=[rubric_to_proto(r) for r in rows], next_page_token=token
        )

    # ------------------------------------------------------------ scores

    def _membership(self, case: str, expert: str) -> Membership:
        answer = self.panels.check(case, expert)
        if not answer.member:
            raise PermissionDenied(
                "NOT_ON_PANEL",
                f"{expert} is not on the panel of {case}",
                metadata={"case": case, "expert": expert},
            )
        return answer

    def _check(self, rubric: store.StoredRubric, request: Any) -> Checked:
        checked, problems = check_score(rubric.rubric, _items_in(request.items), _vetoes_in(request.vetoes))
        if checked is None:
            raise InvalidArgument.fields(problems, reason="INVALID_SCORE")
        return checked

    def SubmitScore(self, request: pb.SubmitScoreRequest, context: grpc.ServicerContext) -> pb.Score:
        expert = _expert_caller().subject
        case = required(request.case, "case")
        facts = self._membership(case, expert).facts
        current = self.rubrics.latest(rubric_key(facts.stage, facts.track))
        if self.fast_path:
            answer = self._submit_fast(request, facts, expert, current)
            if answer is not None:
                return answer

        def work(session: Any) -> pb.Score:
            now = utcnow()
            if store.ensure_case(session=session, facts=facts, now=now) is not None:
                raise _locked(case)
            # A panel scores on one rubric version: the one its first score cited.
            pinned = store.case_rubric_version(session=session, case_name=case)
            rubric = self.rubrics.by_name(pinned) if pinned else current
            written = store.submit_open_score(
                session=session,
                facts=facts,
                expert=expert,
                rubric_version=rubric.name,
                checked=self._check(rubric, request),
                now=now,
            )
            if written is None:
                raise _locked(case)
            return written_to_proto(written)

        return self.idem.run(
            self.engine,
            method="SubmitScore",
            request=request,
            response_type=pb.Score,
            work=work,
            rebuild=self._submitted,
        )

    def _submitted(self, session: Any, key: str) -> pb.Score | None:
        """The first answer of a SubmitScore call the hot path stored by reference, rebuilt from
        the revision it wrote: the same fields, hence the same bytes."""
        row = store.submitted(session=session, request_key=key)
        if row is None:
            return None
        grade = self.rubrics.by_name(row.rubric_version).rubric.grade(row.total, row.vetoed)
        return score_to_proto(SimpleNamespace(**row._mapping, grade=grade, locked=False, case_lock_time=None))

    def _submit_fast(
        self, request: pb.SubmitScoreRequest, facts: store.CaseFacts, expert: str, current: store.StoredRubric
    ) -> pb.Score | None:
        """PostgreSQL hot path: one statement in autocommit, so one transaction and one round trip.

        The statement writes the case, the score, its revision and the runtime's idempotency row
        (same table, key and request hash; the answer stored by reference). Anything unusual
        returns None, with nothing written, and takes the general path through
        runtime.idempotency: a taken key (the general path returns the first answer or refuses a
        reused id), a panel that started on another rubric version, a locked case or score,
        invalid input, a driver error (the general path maps an outage to UNAVAILABLE).
        """
        request_id = request.request_id
        if not request_id or len(request_id) > MAX_REQUEST_ID:
            return None
        checked, _ = check_score(current.rubric, _items_in(request.items), _vetoes_in(request.vetoes))
        if checked is None:
            return None
        audit_values = audit.statement_values()
        if audit_values is None:
            return None
        key = store.IdempotencyKey(
            key=key_for(current_caller().subject, "SubmitScore", request_id),
            method="SubmitScore",
            request_hash=request_hash(request),
        )
        try:
            with single_statement(self.engine) as cursor:
                written = store.submit_keyed_pg(
                    cursor=cursor,
                    facts=facts,
                    expert=expert,
                    rubric_version=current.name,
                    checked=checked,
                    now=utcnow(),
                    key=key,
                    audit_values=audit_values,
                )
        except psycopg.Error:
            return None
        return written_to_proto(written) if written is not None else None

    def AmendScore(self, request: pb.AmendScoreRequest, context: grpc.ServicerContext) -> pb.Score:
        expert = _expert_caller().subject
        score_id = parse_name(request.name, "scores")
        reason = request.reason.strip()
        if not reason or len(reason) > self.cfg.max_reason_chars:
            raise InvalidArgument.fields(
                [
                    FieldViolation(
                        "reason", "an amendment needs a reason (at most 2000 characters)", "REASON_REQUIRED"
                    )
                ]
            )

        def work(session: Any) -> pb.Score:
            row = store.get_score(session=session, score_id=score_id, for_update=True)
            if row.expert != expert:
                raise PermissionDenied("NOT_OWN_SCORE", "only the expert who scored may amend")
            self._membership(row.case_name, expert)
            if not row.locked:
                raise FailedPrecondition(
                    "PANEL_NOT_LOCKED", "the panel is open: revise with SubmitScore instead"
                )
            checked = self._check(self.rubrics.by_name(row.rubric_version), request)
            written = store.amend_score(
                session=session, score=row, checked=checked, reason=reason, actor=expert, now=utcnow()
            )
            return written_to_proto(written)

        return self.idem.run(
            self.engine, method="AmendScore", request=request, response_type=pb.Score, work=work
        )

    def GetScore(self, request: pb.GetScoreRequest, context: grpc.ServicerContext) -> pb.Score:
        score_id = parse_name(request.name, "scores")
        with read_transaction(self.engine) as session:
            row = store.get_score(session=session, score_id=score_id)
        caller = current_caller()
        if caller.role == R and row.expert != caller.subject:
            raise PermissionDenied("NOT_OWN_SCORE", "a reviewer reads only her own scores")
        return score_to_proto(row)

    def ListScores(
        self, request: pb.ListScoresRequest, context: grpc.ServicerContext
    ) -> pb.ListScoresResponse:
        case = required(request.case, "case")
        filters = {"case": case}
        limit = page_size(request.page_size)
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        with read_transaction(self.engine) as session:
            rows = store.list_scores(
                session=session, case_name=case, after=uuid.UUID(after) if after else None, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        token = encode_page_token(str(rows[-1].id), filters) if more else ""
        return pb.ListScoresResponse(scores=[score_to_proto(r) for r in rows], next_page_token=token)

    def ListScoreRevisions(
        self, request: pb.ListScoreRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.ListScoreRevisionsResponse:
        score_id = parse_name(request.parent, "scores", field="parent")
        filters = {"parent": request.parent}
        limit = page_size(request.page_size)
        after = decode_page_token(request.page_token, filters, int)
        with read_transaction(self.engine) as session:
            store.get_score(session=session, score_id=score_id)
            rows = store.list_revisions(
                session=session, score_id=score_id, after=int(after or 0), limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        token = encode_page_token(str(rows[-1].revision), filters) if more else ""
        return pb.ListScoreRevisionsResponse(
            revisions=[revision_to_proto(r) for r in rows], next_page_token=token
        )

    # ------------------------------------------------------------ panels and results

    def LockPanel(self, request: pb.LockPanelRequest, context: grpc.ServicerContext) -> pb.CaseResult:
        case = required(request.case, "case")
        actor = current_caller().subject
        self.panels.forget(case)  # ask afresh: who sits on the panel now
        panel = self.panels.check(case, "").facts.panel
        with read_transaction(self.engine) as session:
            scored = {r.expert for r in store.case_scores(session=session, case_name=case)}
        if panel and set(panel) <= scored:
            # Freeze the panel in assignment first (no recusal after it); only a complete
            # panel is frozen, so a refused lock never blocks a recusal.
            try:
                self.freeze(case, tuple(panel))
            finally:
                self.panels.forget(case)

        def work(session: Any) -> pb.CaseResult:
            store.lock_panel(session=session, case_name=case, panel=panel, actor=actor)
            return pb.CaseResult(case=case)

        self.idem.run(
            self.engine, method="LockPanel", request=request, response_type=pb.CaseResult, work=work
        )
        # No refit here: a fit spans every locked score of the window, so locking a lot's
        # panels one after another would refit once per case. GetCaseResult calibrates.
        return self._case_result(case, calibrate=False)

    def GetCaseResult(self, request: pb.GetCaseResultRequest, context: grpc.ServicerContext) -> pb.CaseResult:
        fit_id = None
        if request.calibration:
            fit_id = parse_name(request.calibration, "calibrations", field="calibration")
        return self._case_result(required(request.case, "case"), fit_id=fit_id)

    def GetCaseOutcome(
        self, request: pb.GetCaseOutcomeRequest, context: grpc.ServicerContext
    ) -> pb.CaseOutcome:
        return outcome.case_outcome(
            engine=self.engine,
            case=required(request.case, "case"),
            check_member=self._membership,
            case_facts=lambda case: self.panels.check(case, "").facts,
            case_result=self._case_result,
            score_state=lambda row: score_to_proto(row).state,
        )

    def _case_result(
        self, case: str, *, calibrate: bool = True, fit_id: uuid.UUID | None = None
    ) -> pb.CaseResult:
        with read_transaction(self.engine) as session:
            case_row = store.get_case(session=session, case_name=case)
            rows = store.case_scores(
                session=session, case_name=case, locked_only=case_row.lock_time is not None
            )
        if not rows:
            raise NotFound("CASE_NOT_SCORED", f"{case} has no scores yet", metadata={"case": case})
        totals = [r.total for r in rows]
        raw = sum(totals) / len(totals)
        veto_ids = sorted({v["veto_id"] for r in rows for v in r.vetoes})
        rubric = self.rubrics.by_name(rows[0].rubric_version)
        spread = max(totals) - min(totals)
        result = pb.CaseResult(
            case=case,
            rubric_version=rows[0].rubric_version,
            score_count=len(rows),
            raw_mean=raw,
            vetoed=bool(veto_ids),
            veto_ids=veto_ids,
            spread=spread,
            spread_flag=spread > self.cfg.calibration.spread_threshold,
            locked=case_row.lock_time is not None,
            lock_time=to_timestamp(case_row.lock_time),
        )
        basis = raw
        lock_time = aware(case_row.lock_time)
        if lock_time is not None and calibrate:
            if fit_id is not None:
                with read_transaction(self.engine) as session:
                    stored = fits.get(session=session, fit_id=fit_id)
            else:
                stored = self.calibrations.fit(*self._window_for(lock_time)).stored
            value = stored.calibrated(case)
            if value is not None:
                basis = value
                result.calibrated = basis
                result.in_main_component = stored.in_main_component(case)
                result.calibration = stored.name
        result.grade = rubric.rubric.grade(basis, bool(veto_ids))
        result.recommended = (
            result.HasField("calibrated") and not veto_ids and basis >= rubric.rubric.recommendation_line
        )
        return result

    def _window_for(self, lock_time: datetime) -> tuple[datetime, datetime]:
        """The window of the fit of the month ``lock_time`` falls in (China Standard Time): the
        same fit as that month's standing (``fits.period_window``)."""
        return fits.period_window(Period.of(lock_time), self.cfg.calibration_window)

    def _period(self, start_ts: Any, end_ts: Any, default_window: bool) -> tuple[datetime, datetime]:
        if start_ts.seconds == 0 and end_ts.seconds == 0 and default_window:
            return self._window_for(utcnow())
        if start_ts.seconds == 0 or end_ts.seconds == 0:
            raise InvalidArgument.fields(
                [FieldViolation("start_time", "start_time and end_time are required", "REQUIRED")]
            )
        start, end = from_timestamp(start_ts), from_timestamp(end_ts)
        if end <= start:
            raise InvalidArgument.fields(
                [FieldViolation("end_time", "must be after start_time", "BAD_PERIOD")]
            )
        return start, end

    def GetCalibration(
        self, request: pb.GetCalibrationRequest, context: grpc.ServicerContext
    ) -> pb.Calibration:
        start, end = self._period(request.start_time, request.end_time, default_window=True)
        whole = self.calibrations.fit(start, end)
        fit = whole.result
        return pb.Calibration(
            name=whole.stored.name,
            score_count=len(whole.scores),
            sigma2=fit.sigma2,
            tau2=fit.tau2,
            method=fit.method,
            connected=fit.connected,
            components=[
                pb.CalibrationComponent(
                    index=c.index, case_count=c.n_cases, expert_count=c.n_experts, score_count=c.n_scores
                )
                for c in fit.components
            ],
            offsets=[
                pb.ExpertOffset(
                    expert=str(e),
                    offset=float(o),
                    score_count=int(n),
                    component=int(k),
                )
                for e, o, n, k in zip(
                    fit.expert_ids, fit.expert_offset, fit.expert_n_scores, fit.expert_component, strict=True
                )
            ],
        )

    # ------------------------------------------------------------ mutual ratings

    def _rating_side(self, case: str) -> tuple[str, store.CaseFacts, Caller]:
        """The caller's direction and the case facts; only the case's own parties may rate."""
        caller = current_caller()
        if caller.role == R:
            facts = self._membership(case, caller.subject).facts
            return EXPERT_TO_CONSULTANCY, facts, caller
        if caller.role == C:
            facts = self.panels.check(case, "").facts
            if not caller.org or caller.org != facts.consultancy:
                raise PermissionDenied(
                    "NOT_CASE_CONSULTANCY",
                    "only the consultancy that wrote the report may rate its review side",
                    metadata={"case": case},
                )
            return CONSULTANCY_TO_REVIEW, facts, caller
        raise PermissionDenied("ROLE_NOT_ALLOWED", f"role {caller.role} does not rate")

    def SubmitRating(self, request: pb.SubmitRatingRequest, context: grpc.ServicerContext) -> pb.Rating:
        case = required(request.case, "case")
        direction, facts, caller = self._rating_side(case)
        items = dict(request.items)
        problems = rating_problems(self.cfg.ratings, direction, items, request.comment)
        if problems:
            raise InvalidArgument.fields(problems, reason="INVALID_RATING")
        rater = caller.subject if direction == EXPERT_TO_CONSULTANCY else caller.org
        ratee = facts.consultancy if direction == EXPERT_TO_CONSULTANCY else facts.agency

        def work(session: Any) -> pb.Rating:
            now = utcnow()
            store.ensure_case(session=session, facts=facts, now=now)
            opened = store.open_rating_window(session=session, case_name=case, now=now)
            opened = opened if opened.tzinfo else opened.replace(tzinfo=UTC)  # SQLite: naive UTC
            if now >= opened + self.cfg.ratings.window:
                raise FailedPrecondition(
                    "RATING_WINDOW_CLOSED",
                    f"the rating window of {case} has closed",
                    metadata={"case": case},
                )
            row = store.insert_rating(
                session=session,
                case_name=case,
                direction=direction,
                rater=rater,
                ratee=ratee,
                items=items,
                comment=request.comment,
                now=now,
            )
            return rating_to_proto(row)

        return self.idem.run(
            self.engine, method="SubmitRating", request=request, response_type=pb.Rating, work=work
        )

    def ListRatings(
        self, request: pb.ListRatingsRequest, context: grpc.ServicerContext
    ) -> pb.ListRatingsResponse:
        case = required(request.case, "case")
        direction = DIRECTIONS.get(request.direction)
        if direction is None:
            raise InvalidArgument.fields([FieldViolation("direction", "is required", "REQUIRED")])
        caller = current_caller()
        own: set[str] = set()
        if caller.role in (R, C):
            side, facts, _ = self._rating_side(case)
            own = {side}
        else:
            facts = self.panels.check(case, "").facts
        with read_transaction(self.engine) as session:
            try:
                case_row = store.get_case(session=session, case_name=case)
            except NotFound:
                case_row = None
            rows = store.case_ratings(session=session, case_name=case) if case_row else []
        state = SealState(
            window_opened=aware(case_row.rating_window_open) if case_row else None,
            panel=frozenset(facts.panel),  # who sits on the panel now (recusals included)
            experts_rated=frozenset(r.rater for r in rows if r.direction == EXPERT_TO_CONSULTANCY),
            consultancy_rated=any(r.direction == CONSULTANCY_TO_REVIEW for r in rows),
        )
        now = utcnow()
        readable = readable_directions(
            state, self.cfg.ratings, now, is_authority=caller.role in (A, S), own_directions=own
        )
        if direction not in readable:
            raise FailedPrecondition(
                "RATING_SEALED",
                "the other side's ratings stay sealed until both sides have rated or the window closes",
                metadata={"case": case},
            )
        closes = state.window_closes(self.cfg.ratings)
        ratings = [rating_to_proto(r) for r in rows if r.direction == direction]
        if caller.role == C and direction == EXPERT_TO_CONSULTANCY:
            for r in ratings:  # the rated firm reads what the experts said, never which expert said it
                r.rater = ""
                r.name = ""
        return pb.ListRatingsResponse(
            ratings=ratings,
            revealed=state.revealed(self.cfg.ratings, now),
            window_close_time=to_timestamp(closes),
        )

    # ------------------------------------------------------------ authority reports

    def _joined(
        self, start: datetime, end: datetime
    ) -> tuple[CalibrationResult, list[RatedScore], dict[str, float]]:
        whole = self.calibrations.fit(start, end)
        fit, locked = whole.result, whole.scores
        calibrated = dict(zip(fit.case_ids, fit.calibrated, strict=True))
        offsets = dict(zip(fit.expert_ids, fit.expert_offset, strict=True))
        with read_transaction(self.engine) as session:
            rated = store.ratings_in_period(session=session, start=start, end=end)
        given = {(r.case_name, r.rater): r.mean for r in rated if r.direction == EXPERT_TO_CONSULTANCY}
        received = {r.case_name: r.mean for r in rated if r.direction == CONSULTANCY_TO_REVIEW}
        rows = [
            RatedScore(
                case=s.case_name,
                expert=s.expert,
                agency=s.agency,
                consultancy=s.consultancy,
                score=s.total,
                calibrated=float(calibrated[s.case_name]),
                expert_offset=float(offsets[s.expert]),
                rating_given=given.get((s.case_name, s.expert)),
                rating_received=received.get(s.case_name),
            )
            for s in locked
        ]
        return fit, rows, received

    def GetCollusionReport(
        self, request: pb.GetCollusionReportRequest, context: grpc.ServicerContext
    ) -> pb.CollusionReport:
        start, end = self._period(request.start_time, request.end_time, default_window=False)
        _, rows, _ = self._joined(start, end)
        policy = self.cfg.collusion
        findings = collusion_report(rows, policy)
        method = (
            "Expert pairs: each score's deviation from the rest of its panel (their scores less "
            "their offsets) on the consultancy's locked reports, against the same expert's "
            "deviations on other consultancies' reports, over its standard error; agency "
            "pairs: difference of calibrated scores of the consultancy's cases reviewed by the "
            "agency and by other agencies, over its standard error. One-sided normal p, "
            f"Benjamini-Hochberg q. Flagged: at least {policy.min_cases} cases, both mean mutual "
            f"ratings >= {policy.high_rating}, q <= {policy.alpha}. Ranked by z."
        )
        return pb.CollusionReport(
            method=method,
            pairs=[
                pb.CollusionPair(
                    kind=f.kind,
                    rater=str(f.rater),
                    consultancy=str(f.consultancy),
                    case_count=f.n_cases,
                    mean_rating_given=f.mean_rating_given,
                    mean_rating_received=f.mean_rating_received,
                    mean_excess=f.mean_excess,
                    z=f.z,
                    p_value=f.p_value,
                    q_value=f.q_value,
                    flagged=f.flagged,
                )
                for f in findings
            ],
        )

    def GetRetaliationView(
        self, request: pb.GetRetaliationViewRequest, context: grpc.ServicerContext
    ) -> pb.RetaliationView:
        start, end = self._period(request.start_time, request.end_time, default_window=False)
        fit, rows, received = self._joined(start, end)
        calibrated = dict(zip(fit.case_ids, fit.calibrated, strict=True))
        cases = sorted(c for c in received if c in calibrated)
        outcomes, ratings = [float(calibrated[c]) for c in cases], [received[c] for c in cases]
        view = retaliation_view(outcomes, ratings, self.cfg.pass_line)
        rater_of = {r.case: r.consultancy for r in rows}
        named = retaliating_raters(
            [rater_of[c] for c in cases], outcomes, ratings, self.cfg.pass_line, self.cfg.collusion
        )
        return pb.RetaliationView(
            case_count=view.n_cases,
            slope_per_point=view.slope_per_point,
            slope_stderr=view.slope_stderr,
            slope_p_value=view.slope_p_value,
            mean_rating_failed=view.mean_rating_failed,
            mean_rating_passed=view.mean_rating_passed,
            failed_count=view.n_failed,
            passed_count=view.n_passed,
            raters=[
                pb.RetaliatingRater(
                    rater=str(r.rater),
                    failed_count=r.n_failed,
                    passed_count=r.n_passed,
                    mean_rating_failed=r.mean_rating_failed,
                    mean_rating_passed=r.mean_rating_passed,
                    excess_drop=r.excess_drop,
                    z=r.z,
                    q_value=r.q_value,
                    flagged=r.flagged,
                )
                for r in named
            ],
        )


def _locked(case: str) -> FailedPrecondition:
    return FailedPrecondition(
        "PANEL_LOCKED",
        f"the panel of {case} is locked; change a score with AmendScore and a reason",
        metadata={"case": case},
    )


def install_defaults(ctx: ServiceContext) -> None:
    """On start: the default rubrics, if their series are empty (idempotent, race-safe)."""
    from sqlalchemy.exc import IntegrityError

    try:
        with transaction(ctx.engine) as session:
            store.install_default_rubrics(session=session)
    except IntegrityError:
        pass  # a replica starting at the same moment installed them


def register(server: grpc.Server, ctx: ServiceContext) -> list[str]:
    pb_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(ctx, ScoringConfig.from_env()), server)
    return [pb.DESCRIPTOR.services_by_name["ScoringService"].full_name]
