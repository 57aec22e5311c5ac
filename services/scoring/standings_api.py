"""gRPC API of standings, determinations, the flag model, flags with due process, and bulletins.

Thin handlers: evidence comes from scoring's own tables (``standings_store``) and, for enterprise
satisfaction, from the surveys service's aggregates over gRPC; the mathematics is in
``services.scoring.ranking`` and the rendering in ``services.scoring.bulletin``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import grpc
import numpy as np

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import standings_pb2 as pb
from dgcp.scoring.v1 import standings_pb2_grpc as pb_grpc
from dgcp.surveys.v1 import surveys_pb2 as spb
from dgcp.surveys.v1 import surveys_pb2_grpc as spb_grpc
from runtime.auth import AccessTable, Role, current_caller
from runtime.clients import service_channel
from runtime.db import read_transaction
from runtime.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied
from runtime.idempotency import Idempotency
from runtime.ids import new_id
from runtime.logging import get_logger
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
from services.scoring import notices
from services.scoring import standings_store as store
from services.scoring.bulletin.payload import (
    BulletinPayload,
    NoticeRow,
    StandingRow,
    method_from,
)
from services.scoring.bulletin.render import MANIFEST, bulletin_sha256, render_all, verify
from services.scoring.calibration import calibrate
from services.scoring.models import idempotency_keys
from services.scoring.ranking.dueprocess import (
    DueProcessConfig,
    DueProcessError,
    NoticeState,
    check_statement,
    decide,
    statement_deadline,
)
from services.scoring.ranking.flagmodel import (
    FEATURES,
    FlagModel,
    FlagModelConfig,
    InsufficientLabelsError,
    feature_matrix,
    train_flag_model,
)
from services.scoring.ranking.flags import FlagConfig, FlagLevel, decide_flags, evaluate_model
from services.scoring.ranking.standing import (
    AGENCY_CONFIG,
    CONSULTANCY_RATING,
    FIRST_PASS,
    NO_REWORK,
    NO_VETO,
    PANEL_RATING,
    REPORT_QUALITY,
    SATISFACTION,
    ComponentPosterior,
    Evidence,
    Observations,
    StandingConfig,
    Standings,
    Summaries,
    adjust_for_outcome,
    compute_standings,
)
from services.scoring.ratings import CONSULTANCY_TO_REVIEW, EXPERT_TO_CONSULTANCY, RatingPolicy

log = get_logger("dgcp.scoring.standings")

A, S, C, P = Role.AUTHORITY, Role.SERVICE, Role.CONSULTANCY, Role.PUBLIC
EVERYONE = frozenset(Role)

ACCESS: AccessTable = {
    "ComputeStandings": frozenset({A}),
    "ListStandings": frozenset({A, S}),
    "RecordDetermination": frozenset({A}),
    "ListDeterminations": frozenset({A}),
    "TrainFlagModel": frozenset({A}),
    "ListFlagModels": frozenset({A}),
    "ScoreFlags": frozenset({A}),
    "ListFlags": frozenset({A, C}),
    "FileStatement": frozenset({C}),
    "ApproveNotice": frozenset({A}),
    "RejectNotice": frozenset({A}),
    "PublishBulletin": frozenset({A}),
    "GetBulletin": EVERYONE,
    "ListBulletins": EVERYONE,
    "GetBulletinFile": EVERYONE,
    "VerifyBulletin": EVERYONE,
}

CONSULTANCY, AGENCY = "CONSULTANCY", "REVIEW_AGENCY"
KIND_OF = {pb.ENTITY_KIND_CONSULTANCY: CONSULTANCY, pb.ENTITY_KIND_REVIEW_AGENCY: AGENCY}
KIND_PB = {v: k for k, v in KIND_OF.items()}
DETERMINATIONS = {
    pb.DETERMINATION_KIND_SPOT_CHECK: "SPOT_CHECK",
    pb.DETERMINATION_KIND_REJECTED_REPORT: "REJECTED_REPORT",
    pb.DETERMINATION_KIND_FALSIFICATION: "FALSIFICATION",
}
DETERMINATION_PB = {v: k for k, v in DETERMINATIONS.items()}
LEVEL_PB = {
    FlagLevel.OK: pb.FLAG_LEVEL_OK,
    FlagLevel.WATCH: pb.FLAG_LEVEL_WATCH,
    FlagLevel.PROPOSE_NOTICE: pb.FLAG_LEVEL_PROPOSE_NOTICE,
}
LEVEL_OF = {v: k for k, v in LEVEL_PB.items()}
NOTICE_PB = {
    "": pb.NOTICE_STATE_UNSPECIFIED,
    NoticeState.PROPOSED: pb.NOTICE_STATE_PROPOSED,
    NoticeState.APPROVED: pb.NOTICE_STATE_APPROVED,
    NoticeState.REJECTED: pb.NOTICE_STATE_REJECTED,
}
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class StandingsConfig:
    """Policy of standings, flags and bulletins; every number is a default a deployment may change."""

    window_months: int = 12
    max_window_months: int = 36
    # Months are civil months in China Standard Time.
    utc_offset_hours: int = 8
    consultancy: StandingConfig = field(default_factory=StandingConfig)
    agency: StandingConfig = AGENCY_CONFIG
    flags: FlagConfig = field(default_factory=FlagConfig)
    model: FlagModelConfig = field(default_factory=FlagModelConfig)
    due_process: DueProcessConfig = field(default_factory=DueProcessConfig)
    ratings: RatingPolicy = field(default_factory=RatingPolicy)
    # z of the surveys service's published intervals (95% normal), to recover a standard deviation
    survey_interval_z: float = 1.959964
    surveys_exclude_flagged: bool = True
    synthetic: bool = False
    region_zh: str = "东莞市"
    region_en: str = "Dongguan"
    max_text_chars: int = 5000


# ---------------------------------------------------------------- periods


def parse_period(value: str, field_name: str = "period") -> tuple[int, int]:
    try:
        year, month = (int(x) for x in value.split("-"))
        if len(value) != 7 or not 1 <= month <= 12 or year < 2000:
            raise ValueError
    except ValueError:
        raise InvalidArgument.fields(
            [FieldViolation(field_name, "must be a month 'YYYY-MM'", "INVALID_PERIOD")],
            reason="INVALID_PERIOD",
        ) from None
    return year, month


def shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def month_start(year: int, month: int, offset_hours: int) -> datetime:
    return datetime(year, month, 1, tzinfo=timezone(timedelta(hours=offset_hours))).astimezone(UTC)


@dataclass(frozen=True)
class Window:
    period: str
    months: int
    start: datetime
    end: datetime  # exclusive: the data cut-off
    month_labels: tuple[str, ...]

    @staticmethod
    def of(period: str, months: int, offset_hours: int) -> Window:
        y, m = parse_period(period)
        first = shift(y, m, -(months - 1))
        after = shift(y, m, 1)
        labels = tuple(f"{a:04d}-{b:02d}" for a, b in (shift(*first, i) for i in range(months)))
        return Window(
            period, months, month_start(*first, offset_hours), month_start(*after, offset_hours), labels
        )


# ---------------------------------------------------------------- evidence → observations


@dataclass
class EvidenceBuilder:
    """Per-entity component evidence being assembled (entity names map to indices at the end)."""

    entities: set[str] = field(default_factory=set)
    columns: dict[str, tuple[list[str], list[float]]] = field(default_factory=dict)
    summaries: dict[str, tuple[list[str], list[int], list[float], list[float]]] = field(default_factory=dict)

    def add(self, component: str, entity: str, value: float) -> None:
        self.entities.add(entity)
        names, values = self.columns.setdefault(component, ([], []))
        names.append(entity)
        values.append(value)

    def add_summary(self, component: str, entity: str, n: int, mean: float, sd: float) -> None:
        self.entities.add(entity)
        rows = self.summaries.setdefault(component, ([], [], [], []))
        rows[0].append(entity)
        rows[1].append(n)
        rows[2].append(mean)
        rows[3].append(sd)

    def build(self) -> tuple[list[str], dict[str, Evidence]]:
        ids = sorted(self.entities)
        index = {e: i for i, e in enumerate(ids)}
        out: dict[str, Evidence] = {}
        for comp, (names, values) in self.columns.items():
            out[comp] = Observations.of([index[e] for e in names], values)
        for comp, (names, ns, means, sds) in self.summaries.items():
            out[comp] = Summaries.of([index[e] for e in names], ns, means, sds)
        return ids, out


def rating_to_100(mean: float, policy: RatingPolicy) -> float:
    return (mean - policy.min_value) / (policy.max_value - policy.min_value) * 100.0


def gather_evidence(
    scores: Sequence[store.ScoreEvidence],
    ratings: Sequence[store.RatingEvidence],
    cfg: StandingsConfig,
    rounds: Mapping[str, bool],
) -> tuple[EvidenceBuilder, EvidenceBuilder, list[str]]:
    """Consultancy and agency evidence from the window's locked scores and ratings.

    ``rounds`` says, per case whose enterprise is known, whether it is another round of review of
    the same enterprise's report at that stage (see ``store.window_rounds``): the no-rework rate
    counts it against the consultancy whose report it is. Cases it does not name add no rework
    evidence either way."""
    notes: list[str] = []
    firms, agencies = EvidenceBuilder(), EvidenceBuilder()
    failed: dict[str, bool] = {}
    if scores:
        result = calibrate(
            [s.case_name for s in scores], [s.expert for s in scores], [s.total for s in scores]
        )
        calibrated = dict(zip(result.case_ids, result.calibrated.tolist(), strict=True))
        case_info: dict[str, tuple[str, str, bool]] = {}
        for s in scores:
            prev = case_info.get(s.case_name)
            case_info[s.case_name] = (s.consultancy, s.agency, s.vetoed or (prev[2] if prev else False))
        pass_line = cfg.consultancy.pass_line
        for case, (consultancy, agency, vetoed) in sorted(case_info.items()):
            q = float(calibrated[case])
            firms.add(REPORT_QUALITY, consultancy, q)
            first = q >= pass_line and not vetoed
            failed[case] = not first
            firms.add(FIRST_PASS, consultancy, 100.0 if first else 0.0)
            firms.add(NO_VETO, consultancy, 0.0 if vetoed else 100.0)
            if case in rounds:
                firms.add(NO_REWORK, consultancy, 0.0 if rounds[case] else 100.0)
            agencies.entities.add(agency)
        notes.append(f"{len(case_info)} locked cases, {len(scores)} scores, calibration {result.method}")
        repeats = sum(rounds.get(case, False) for case in case_info)
        notes.append(f"{repeats} of them another round of review of the same report (rework)")
    else:
        notes.append("no locked case in the window")
    agency_values: list[tuple[str, float, bool]] = []
    for r in ratings:
        value = rating_to_100(r.mean, cfg.ratings)
        if r.direction == EXPERT_TO_CONSULTANCY:
            firms.add(PANEL_RATING, r.ratee, value)
        elif r.direction == CONSULTANCY_TO_REVIEW:
            agency_values.append((r.ratee, value, failed.get(r.case_name, False)))
    if agency_values:
        adjusted = adjust_for_outcome(
            np.array([v for _, v, _ in agency_values]),
            np.array([int(f) for _, _, f in agency_values], dtype=np.int64),
        )
        for (agency, _, _), value in zip(agency_values, adjusted.tolist(), strict=True):
            agencies.add(CONSULTANCY_RATING, agency, float(value))
    return firms, agencies, notes


def add_survey_aggregates(
    target: EvidenceBuilder,
    aggregates: Sequence[spb.PartyAggregate],
    cfg: StandingsConfig,
) -> int:
    """Unsuppressed monthly service-quality aggregates (0–100) as summaries; returns how many."""
    used = 0
    for agg in aggregates:
        est = agg.service_quality_score
        if agg.suppressed or est.n <= 0:
            continue
        sd = (est.upper - est.lower) / (2 * cfg.survey_interval_z) * math.sqrt(est.n)
        target.add_summary(SATISFACTION, agg.rated_party, int(est.n), float(est.mean), max(sd, 0.0))
        used += 1
    return used


# ---------------------------------------------------------------- stored runs ↔ standings


def run_rows(st: Standings, kind: str) -> list[dict[str, Any]]:
    x = feature_matrix(st) if kind == CONSULTANCY else None
    rows = []
    for i, entity in enumerate(st.firm_ids):
        comps = [
            {
                "component": name,
                "n": int(post.n[i]),
                "raw_mean": None if math.isnan(post.raw_mean[i]) else float(post.raw_mean[i]),
                "estimate": float(post.mean[i]),
                "sd": float(post.sd[i]),
            }
            for name, post in st.components.items()
        ]
        row: dict[str, Any] = {
            "entity": entity,
            "n": int(st.n_quality[i]),
            "composite": float(st.composite[i]),
            "composite_sd": float(st.composite_sd[i]),
            "lower": float(st.lower[i]),
            "upper": float(st.upper[i]),
            "grade": st.grade[i],
            "rank": int(st.rank[i]),
            "rank_lower": int(st.rank_lower[i]),
            "rank_upper": int(st.rank_upper[i]),
            "p_below_pass": float(st.p_below_pass[i]),
            "components": comps,
        }
        if x is not None:
            row["features"] = [None if math.isnan(v) else float(v) for v in x[i]]
        rows.append(row)
    rows.sort(key=lambda r: (r["rank"], r["entity"]))
    return rows


def standings_from_rows(rows: Sequence[dict[str, Any]], config: StandingConfig) -> Standings:
    """Rebuild the arrays the flag rule reads from a stored run (exactly what was computed)."""
    ids = tuple(r["entity"] for r in rows)
    names = sorted({c["component"] for r in rows for c in r["components"]})

    def comp(name: str) -> ComponentPosterior:
        cells = [next((c for c in r["components"] if c["component"] == name), None) for r in rows]
        n = np.array([c["n"] if c else 0 for c in cells], dtype=np.int64)
        raw = np.array([c["raw_mean"] if c and c["raw_mean"] is not None else np.nan for c in cells])
        mean = np.array([c["estimate"] if c else np.nan for c in cells])
        sd = np.array([c["sd"] if c else np.nan for c in cells])
        return ComponentPosterior(n, raw, mean, sd, float("nan"), float("nan"), float("nan"))

    def col(key: str, dtype: Any = np.float64) -> Any:
        return np.array([r[key] for r in rows], dtype=dtype)

    return Standings(
        firm_ids=ids,
        components={name: comp(name) for name in names},
        composite=col("composite"),
        composite_sd=col("composite_sd"),
        lower=col("lower"),
        upper=col("upper"),
        grade=tuple(r["grade"] for r in rows),
        rank=col("rank", np.int64),
        rank_lower=col("rank_lower", np.int64),
        rank_upper=col("rank_upper", np.int64),
        p_below_pass=col("p_below_pass"),
        n_quality=col("n", np.int64),
        funnel_sigma=float("nan"),
        funnel_center=float("nan"),
        config=config,
    )


def features_of(rows: Sequence[dict[str, Any]]) -> np.ndarray:
    return np.array(
        [[np.nan if v is None else v for v in r.get("features") or [None] * len(FEATURES)] for r in rows],
        dtype=np.float64,
    ).reshape(len(rows), len(FEATURES))


# ---------------------------------------------------------------- proto mapping


def _name(collection: str, value: uuid.UUID) -> str:
    return f"{collection}/{value}"


def standing_to_proto(row: dict[str, Any], kind: str, period: str) -> pb.Standing:
    return pb.Standing(
        entity=row["entity"],
        entity_kind=KIND_PB[kind],
        period=period,
        n=row["n"],
        composite=row["composite"],
        lower=row["lower"],
        upper=row["upper"],
        grade=row["grade"],
        rank=row["rank"],
        rank_lower=row["rank_lower"],
        rank_upper=row["rank_upper"],
        p_below_pass=0.0
        if row["p_below_pass"] is None or math.isnan(row["p_below_pass"])
        else row["p_below_pass"],
        components=[
            pb.ComponentEstimate(
                component=c["component"], n=c["n"], raw_mean=c["raw_mean"], estimate=c["estimate"], sd=c["sd"]
            )
            for c in row["components"]
        ],
    )


def determination_to_proto(row: Any) -> pb.Determination:
    return pb.Determination(
        name=_name("determinations", row.id),
        consultancy=row.consultancy,
        period=row.period,
        kind=DETERMINATION_PB[row.kind],
        substandard=row.substandard,
        evidence=list(row.evidence),
        decide_time=to_timestamp(row.decide_time),
        note=row.note,
        recorded_by=row.recorded_by,
        create_time=to_timestamp(row.create_time),
    )


def model_to_proto(row: Any) -> pb.FlagModel:
    return pb.FlagModel(
        name=f"flagModels/{row.version}",
        training_sha256=row.training_sha256,
        artefact_sha256=row.artefact_sha256,
        features=list(row.features),
        params_json=json.dumps(row.params, sort_keys=True),
        metrics={k: float(v) for k, v in row.metrics.items() if v is not None},
        create_time=to_timestamp(row.create_time),
        log=list(row.log),
    )


def flag_to_proto(row: Any, due: DueProcessConfig) -> pb.Flag:
    msg = pb.Flag(
        name=_name("flags", row.id),
        period=row.period,
        consultancy=row.consultancy,
        level=LEVEL_PB[FlagLevel(row.level)],
        reasons=[pb.FlagReason(code=r["code"], zh=r["zh"], en=r["en"]) for r in row.reasons],
        n_reports=row.n_reports,
        quality_estimate=row.quality_estimate,
        p_below_pass=row.p_below_pass,
        flag_model=row.flag_model,
        notice_state=NOTICE_PB[row.notice_state],
        statement=row.statement,
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        create_time=to_timestamp(row.create_time),
    )
    if row.model_risk is not None:
        msg.model_risk = row.model_risk
    for attr in ("statement_time", "decide_time"):
        value = getattr(row, attr)
        if value is not None:
            getattr(msg, attr).FromDatetime(aware(value))
    if row.proposed_time is not None:
        msg.statement_deadline.FromDatetime(statement_deadline(aware(row.proposed_time), due))
    return msg


def bulletin_to_proto(row: Any, files: Sequence[Any]) -> pb.Bulletin:
    return pb.Bulletin(
        name=_name("bulletins", row.id),
        period=row.period,
        version=row.version,
        replaces=_name("bulletins", row.replaces) if row.replaces else "",
        correction_note=row.correction_note,
        sha256=row.sha256,
        files=[pb.BulletinFile(file=f[0], media_type=f[1], sha256=f[2], size=int(f[3])) for f in files],
        synthetic=row.synthetic,
        publish_time=to_timestamp(row.publish_time),
        data_cutoff=to_timestamp(row.data_cutoff),
        notices=row.notices,
    )


def _text(value: str, name: str, limit: int) -> str:
    required(value, name)
    if len(value) > limit:
        raise InvalidArgument.fields([FieldViolation(name, f"at most {limit} characters", "TOO_LONG")])
    return value


def _run_key(after: str) -> tuple[uuid.UUID, int]:
    """(run id, offset) from a ListStandings page key, ``{run}:{offset}`` (ValueError if not one)."""
    run, _, offset = after.partition(":")
    value = uuid.UUID(run), int(offset)
    if value[1] < 0:
        raise ValueError(after)
    return value


def _due(err: DueProcessError) -> FailedPrecondition:
    return FailedPrecondition(err.reason, str(err))


# ---------------------------------------------------------------- servicer

SurveysFetch = Callable[[int, str], list[spb.PartyAggregate]]


def surveys_fetch(ctx: ServiceContext, exclude_flagged: bool = True) -> SurveysFetch | None:
    """ListPartyAggregates over every page, for one kind of party and one month (None: no peer)."""
    address = ctx.settings.peers.get("surveys", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = spb_grpc.SurveysServiceStub(channel)

    def fetch(kind: int, period: str) -> list[spb.PartyAggregate]:
        out: list[spb.PartyAggregate] = []
        token = ""
        while True:
            resp = stub.ListPartyAggregates(
                spb.ListPartyAggregatesRequest(
                    rated_party_kind=kind,  # type: ignore[arg-type]
                    period=period,
                    exclude_flagged=exclude_flagged,
                    page_size=1000,
                    page_token=token,
                )
            )
            out.extend(resp.party_aggregates)
            token = resp.next_page_token
            if not token:
                return out

    return fetch


NamesFetch = Callable[[], dict[str, str]]


def names_fetch(ctx: ServiceContext) -> NamesFetch | None:
    """Registered names of every consultancy and review agency, from the assignment service."""
    address = ctx.settings.peers.get("assignment", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = apb_grpc.AssignmentServiceStub(channel)

    def fetch() -> dict[str, str]:
        names: dict[str, str] = {}
        for method, request_type, attr in (
            (stub.ListConsultancies, apb.ListConsultanciesRequest, "consultancies"),
            (stub.ListReviewAgencies, apb.ListReviewAgenciesRequest, "review_agencies"),
        ):
            token = ""
            while True:
                resp = method(request_type(page_size=1000, page_token=token))
                names.update((o.name, o.display_name) for o in getattr(resp, attr))
                token = resp.next_page_token
                if not token:
                    break
        return names

    return fetch


def synthetic_deployment() -> bool:
    """A deployment that runs on synthetic data labels everything it publishes as such."""
    return os.environ.get("DGCP_SYNTHETIC_DATA", "").strip().lower() in ("1", "true", "yes")


class StandingsServicer(pb_grpc.StandingsServiceServicer):
    def __init__(
        self,
        ctx: ServiceContext,
        config: StandingsConfig | None = None,
        surveys: SurveysFetch | None = None,
        names: NamesFetch | None = None,
        contacts: notices.Contacts | None = None,
    ) -> None:
        self.ctx = ctx
        self.cfg = config or StandingsConfig(synthetic=synthetic_deployment())
        self.engine = ctx.engine
        self.idem = Idempotency(idempotency_keys)
        self.surveys = (
            surveys if surveys is not None else surveys_fetch(ctx, self.cfg.surveys_exclude_flagged)
        )
        self.names = names if names is not None else names_fetch(ctx)
        self.contacts = contacts if contacts is not None else notices.contacts_fetch(ctx)

    def _display_names(self) -> dict[str, str]:
        """Names for the bulletin; resource names stand in when the registry cannot be read."""
        if self.names is None:
            return {}
        try:
            return self.names()
        except grpc.RpcError as err:
            log.warning("names_unavailable", code=str(err.code() if isinstance(err, grpc.Call) else None))
            return {}

    # ------------------------------------------------------------ standings

    def _window(self, period: str, months: int) -> Window:
        required(period, "period")
        months = months or self.cfg.window_months
        if not 1 <= months <= self.cfg.max_window_months:
            raise InvalidArgument.fields(
                [FieldViolation("window_months", f"must be 1..{self.cfg.max_window_months}")]
            )
        return Window.of(period, months, self.cfg.utc_offset_hours)

    def _survey(self, kind: int, window: Window, notes: list[str]) -> list[spb.PartyAggregate]:
        out: list[spb.PartyAggregate] = []
        if self.surveys is None:
            notes.append("no surveys service configured; satisfaction left out")
            return out
        try:
            for label in window.month_labels:
                out.extend(self.surveys(kind, label))
        except grpc.RpcError as err:
            code = err.code() if isinstance(err, grpc.Call) else None
            notes.append(f"surveys service unavailable ({code}); satisfaction left out")
            log.warning("surveys_unavailable", code=str(code))
            return []
        return out

    def ComputeStandings(
        self, request: pb.ComputeStandingsRequest, context: grpc.ServicerContext
    ) -> pb.ComputeStandingsResponse:
        window = self._window(request.period, request.window_months)
        with read_transaction(self.engine) as session:
            scores = store.window_scores(session=session, start=window.start, end=window.end)
            ratings = store.window_ratings(session=session, start=window.start, end=window.end)
            rounds = store.window_rounds(session=session, start=window.start, end=window.end)
        firms, agencies, notes = gather_evidence(scores, ratings, self.cfg, rounds)
        used = add_survey_aggregates(
            firms, self._survey(spb.RATED_PARTY_KIND_CONSULTANCY, window, notes), self.cfg
        )
        used += add_survey_aggregates(
            agencies, self._survey(spb.RATED_PARTY_KIND_REVIEW_AGENCY, window, notes), self.cfg
        )
        notes.append(f"{used} unsuppressed survey aggregates")

        def work(session: Any) -> pb.ComputeStandingsResponse:
            counts: dict[str, int] = {}
            components: set[str] = set()
            for kind, ev, config in (
                (CONSULTANCY, firms, self.cfg.consultancy),
                (AGENCY, agencies, self.cfg.agency),
            ):
                ids, obs = ev.build()
                rows: list[dict[str, Any]] = []
                summary: dict[str, Any] = {"notes": notes, "components": []}
                usable = {k: v for k, v in obs.items() if k in {c.name for c in config.components}}
                if ids and usable:
                    st = compute_standings(ids, usable, config)
                    rows = run_rows(st, kind)
                    summary = {
                        "notes": notes,
                        "components": sorted(st.components),
                        "funnel_center": st.funnel_center,
                        "funnel_sigma": st.funnel_sigma,
                    }
                    components.update(st.components)
                store.insert_run(
                    session=session,
                    values={
                        "period": window.period,
                        "kind": kind,
                        "window_months": window.months,
                        "data_cutoff": window.end,
                        "rows": rows,
                        "summary": summary,
                        "create_time": utcnow(),
                    },
                )
                counts[kind] = len(rows)
            log.info("standings_computed", period=window.period, **{k.lower(): v for k, v in counts.items()})
            return pb.ComputeStandingsResponse(
                period=window.period,
                window_months=window.months,
                data_cutoff=to_timestamp(window.end),
                consultancies=counts[CONSULTANCY],
                review_agencies=counts[AGENCY],
                components=sorted(components),
                notes=notes,
            )

        return self.idem.run(
            self.engine,
            method="ComputeStandings",
            request=request,
            response_type=pb.ComputeStandingsResponse,
            work=work,
        )

    def ListStandings(
        self, request: pb.ListStandingsRequest, context: grpc.ServicerContext
    ) -> pb.ListStandingsResponse:
        parse_period(required(request.period, "period"))
        kind = KIND_OF.get(request.entity_kind, CONSULTANCY)
        filters = {"period": request.period, "kind": kind}
        after = decode_page_token(request.page_token, filters, _run_key)
        limit = page_size(request.page_size)
        run_id, start = _run_key(after) if after else (None, 0)
        with read_transaction(self.engine) as session:
            run = (
                store.get_run(session=session, run_id=run_id)
                if run_id is not None
                else store.newest_run(session=session, period=request.period, kind=kind)
            )
        if run is None:
            raise NotFound("STANDINGS_NOT_FOUND", f"no standings computed for {request.period}")
        rows = run.rows[start : start + limit]
        # the token pins the run: later pages come from the same computation even if a new one lands
        more = start + limit < len(run.rows)
        nxt = encode_page_token(f"{run.id}:{start + limit}", filters) if more else ""
        return pb.ListStandingsResponse(
            standings=[standing_to_proto(r, kind, request.period) for r in rows], next_page_token=nxt
        )

    # ------------------------------------------------------------ determinations and the model

    def RecordDetermination(
        self, request: pb.RecordDeterminationRequest, context: grpc.ServicerContext
    ) -> pb.Determination:
        d = request.determination
        problems = []
        if not d.consultancy.startswith("consultancies/"):
            problems.append(
                FieldViolation("determination.consultancy", "must name consultancies/{id}", "REQUIRED")
            )
        if d.kind not in DETERMINATIONS:
            problems.append(FieldViolation("determination.kind", "is required", "REQUIRED"))
        if not d.HasField("decide_time"):
            problems.append(FieldViolation("determination.decide_time", "is required", "REQUIRED"))
        if len(d.note) > self.cfg.max_text_chars:
            problems.append(FieldViolation("determination.note", "too long", "TOO_LONG"))
        if problems:
            raise InvalidArgument.fields(problems)
        parse_period(d.period, "determination.period")
        caller = current_caller()

        def work(session: Any) -> pb.Determination:
            row = store.insert_determination(
                session=session,
                values={
                    "id": new_id(),
                    "consultancy": d.consultancy,
                    "period": d.period,
                    "kind": DETERMINATIONS[d.kind],
                    "substandard": d.substandard,
                    "evidence": list(d.evidence),
                    "decide_time": from_timestamp(d.decide_time),
                    "note": d.note,
                    "recorded_by": caller.subject,
                    "create_time": utcnow(),
                },
            )
            return determination_to_proto(row)

        return self.idem.run(
            self.engine,
            method="RecordDetermination",
            request=request,
            response_type=pb.Determination,
            work=work,
        )

    def ListDeterminations(
        self, request: pb.ListDeterminationsRequest, context: grpc.ServicerContext
    ) -> pb.ListDeterminationsResponse:
        filters = {"consultancy": request.consultancy}
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        limit = page_size(request.page_size)
        with read_transaction(self.engine) as session:
            rows = store.list_determinations(
                session=session,
                consultancy=request.consultancy,
                after=uuid.UUID(after) if after else None,
                limit=limit + 1,
            )
        nxt = encode_page_token(str(rows[limit - 1].id), filters) if len(rows) > limit else ""
        return pb.ListDeterminationsResponse(
            determinations=[determination_to_proto(r) for r in rows[:limit]], next_page_token=nxt
        )

    def TrainFlagModel(
        self, request: pb.TrainFlagModelRequest, context: grpc.ServicerContext
    ) -> pb.FlagModel:
        with read_transaction(self.engine) as session:
            dets = store.all_determinations(session=session)
            runs = {
                p: store.newest_run(session=session, period=p, kind=CONSULTANCY)
                for p in sorted({d.period for d in dets})
            }
        xs, ys, periods, skipped = [], [], [], 0
        for d in dets:
            run = runs.get(d.period)
            row = (
                next((r for r in run.rows if r["entity"] == d.consultancy), None) if run is not None else None
            )
            if row is None or not row.get("features"):
                skipped += 1
                continue
            xs.append(features_of([row])[0])
            ys.append(int(d.substandard))
            periods.append(d.period)
        lines: list[str] = [f"{len(ys)} determinations with standings, {skipped} without"]

        def progress(msg: str) -> None:
            lines.append(msg)
            log.info("flag_model_training", step=msg)

        progress(lines[0])
        try:
            model = train_flag_model(
                np.array(xs).reshape(len(xs), len(FEATURES)),
                np.array(ys),
                periods,
                self.cfg.model,
                progress=progress,
            )
        except InsufficientLabelsError as err:
            raise FailedPrecondition("INSUFFICIENT_LABELS", str(err)) from None
        artefact = model.to_bytes()

        def work(session: Any) -> pb.FlagModel:
            row = store.insert_flag_model(
                session=session,
                values={
                    "version": model.version,
                    "artefact": artefact,
                    "artefact_sha256": hashlib.sha256(artefact).hexdigest(),
                    "training_sha256": model.training_sha256,
                    "features": [f.name for f in model.features],
                    "params": model.params,
                    "metrics": model.metrics,
                    "log": lines,
                    "create_time": utcnow(),
                },
            )
            return model_to_proto(row)

        return self.idem.run(
            self.engine, method="TrainFlagModel", request=request, response_type=pb.FlagModel, work=work
        )

    def ListFlagModels(
        self, request: pb.ListFlagModelsRequest, context: grpc.ServicerContext
    ) -> pb.ListFlagModelsResponse:
        after = decode_page_token(request.page_token, {})
        limit = page_size(request.page_size)
        with read_transaction(self.engine) as session:
            rows = store.list_flag_models(session=session, before=after, limit=limit + 1)
        nxt = encode_page_token(rows[limit - 1].version, {}) if len(rows) > limit else ""
        return pb.ListFlagModelsResponse(
            flag_models=[model_to_proto(r) for r in rows[:limit]], next_page_token=nxt
        )

    def _load_model(self, session: Any) -> FlagModel | None:
        row = store.newest_flag_model(session=session)
        if row is None:
            return None
        data = bytes(row.artefact)
        if hashlib.sha256(data).hexdigest() != row.artefact_sha256:
            raise FailedPrecondition("MODEL_ARTEFACT_CORRUPT", f"flagModels/{row.version} fails its SHA-256")
        return FlagModel.from_bytes(data)

    # ------------------------------------------------------------ flags and due process

    def ScoreFlags(
        self, request: pb.ScoreFlagsRequest, context: grpc.ServicerContext
    ) -> pb.ScoreFlagsResponse:
        window = self._window(request.period, 0)

        def work(session: Any) -> pb.ScoreFlagsResponse:
            run = store.newest_run(session=session, period=window.period, kind=CONSULTANCY)
            if run is None or not run.rows:
                raise FailedPrecondition(
                    "STANDINGS_NOT_COMPUTED", f"run ComputeStandings for {window.period} first"
                )
            window_run = Window.of(window.period, run.window_months, self.cfg.utc_offset_hours)
            st = standings_from_rows(run.rows, self.cfg.consultancy)
            x = features_of(run.rows)
            model = self._load_model(session)
            evidence = evaluate_model(model, x) if model is not None else None
            falsified = store.falsified_in(session=session, start=window_run.start, end=window_run.end)
            result = decide_flags(st, self.cfg.flags, evidence, falsified)
            existing = store.flags_of_period(session=session, period=window.period)
            now = utcnow()
            counts = {level: 0 for level in FlagLevel}
            newly_proposed: list[tuple[uuid.UUID, str, list[dict[str, Any]], datetime]] = []
            for flag in result:
                counts[flag.level] += 1
                values: dict[str, Any] = {
                    "level": flag.level.value,
                    "reasons": [{"code": r.code, "zh": r.zh, "en": r.en} for r in flag.reasons],
                    "n_reports": flag.n_reports,
                    "quality_estimate": flag.quality_mean,
                    "p_below_pass": flag.p_below_pass,
                    "model_risk": flag.model_risk,
                    "flag_model": f"flagModels/{model.version}" if model is not None else "",
                }
                old = existing.get(flag.firm_id)
                proposed = flag.level is FlagLevel.PROPOSE_NOTICE
                if old is None:
                    flag_id = new_id()
                    if proposed:
                        newly_proposed.append((flag_id, flag.firm_id, values["reasons"], now))
                    store.insert_flag(
                        session=session,
                        values={
                            "id": flag_id,
                            "period": window.period,
                            "consultancy": flag.firm_id,
                            "notice_state": NoticeState.PROPOSED.value if proposed else "",
                            "proposed_time": now if proposed else None,
                            "create_time": now,
                            **values,
                        },
                    )
                elif old.notice_state in (NoticeState.APPROVED, NoticeState.REJECTED) or old.statement:
                    continue  # decided or answered: due process is not re-run under the firm's feet
                else:
                    values["notice_state"] = NoticeState.PROPOSED.value if proposed else ""
                    values["proposed_time"] = (old.proposed_time or now) if proposed else None
                    if proposed and old.notice_state != NoticeState.PROPOSED.value:
                        newly_proposed.append((old.id, flag.firm_id, values["reasons"], now))
                    store.update_flag(session=session, flag_id=old.id, values=values)
            if newly_proposed:
                contacts = self.contacts([c for _, c, _, _ in newly_proposed]) if self.contacts else {}
                for flag_id, firm, reasons, at in newly_proposed:
                    notices.queue_proposed(
                        session,
                        flag_id=flag_id,
                        period=window.period,
                        reasons=reasons,
                        deadline=statement_deadline(at, self.cfg.due_process),
                        contact=contacts.get(firm),
                    )
            log.info("flags_scored", period=window.period, **{k.value.lower(): v for k, v in counts.items()})
            return pb.ScoreFlagsResponse(
                period=window.period,
                flag_model=f"flagModels/{model.version}" if model is not None else "",
                ok=counts[FlagLevel.OK],
                watch=counts[FlagLevel.WATCH],
                proposed=counts[FlagLevel.PROPOSE_NOTICE],
            )

        return self.idem.run(
            self.engine, method="ScoreFlags", request=request, response_type=pb.ScoreFlagsResponse, work=work
        )

    def ListFlags(self, request: pb.ListFlagsRequest, context: grpc.ServicerContext) -> pb.ListFlagsResponse:
        parse_period(required(request.period, "period"))
        caller = current_caller()
        consultancy = request.consultancy
        if caller.role is Role.CONSULTANCY:
            if consultancy and consultancy != caller.org:
                raise PermissionDenied("NOT_YOUR_FLAG", "a consultancy reads only its own flags")
            consultancy = caller.org or "-"
        level = LEVEL_OF.get(request.level)
        filters = {"period": request.period, "level": request.level, "consultancy": consultancy}
        after = decode_page_token(request.page_token, filters)
        limit = page_size(request.page_size)
        with read_transaction(self.engine) as session:
            rows = store.list_flags(
                session=session,
                period=request.period,
                level=level.value if level else "",
                consultancy=consultancy,
                after=after,
                limit=limit + 1,
            )
        nxt = encode_page_token(rows[limit - 1].consultancy, filters) if len(rows) > limit else ""
        due = self.cfg.due_process
        return pb.ListFlagsResponse(flags=[flag_to_proto(r, due) for r in rows[:limit]], next_page_token=nxt)

    def _flag_id(self, name: str) -> uuid.UUID:
        return parse_name(required(name, "name"), "flags")

    def FileStatement(self, request: pb.FileStatementRequest, context: grpc.ServicerContext) -> pb.Flag:
        flag_id = self._flag_id(request.name)
        text = _text(request.statement, "statement", self.cfg.due_process.max_statement_chars)
        caller = current_caller()
        due = self.cfg.due_process

        def work(session: Any) -> pb.Flag:
            row = store.get_flag(session=session, flag_id=flag_id, for_update=True)
            if not caller.org or caller.org != row.consultancy:
                raise PermissionDenied("NOT_YOUR_FLAG", "only the flagged consultancy may answer")
            if row.notice_state == "" or row.proposed_time is None:
                raise FailedPrecondition("NO_PROPOSED_NOTICE", "no notice is proposed for this flag")
            if row.statement:
                raise FailedPrecondition("STATEMENT_ALREADY_FILED", "a statement was already filed")
            now = utcnow()
            try:
                check_statement(
                    state=NoticeState(row.notice_state),
                    proposed_at=aware(row.proposed_time),
                    now=now,
                    text=text,
                    config=due,
                )
            except DueProcessError as err:
                raise _due(err) from None
            store.update_flag(
                session=session, flag_id=flag_id, values={"statement": text, "statement_time": now}
            )
            return flag_to_proto(store.get_flag(session=session, flag_id=flag_id), due)

        return self.idem.run(
            self.engine, method="FileStatement", request=request, response_type=pb.Flag, work=work
        )

    def _decide(self, request: Any, approve: bool) -> pb.Flag:
        flag_id = self._flag_id(request.name)
        reason = _text(request.reason, "reason", self.cfg.max_text_chars)
        caller = current_caller()
        due = self.cfg.due_process

        def work(session: Any) -> pb.Flag:
            row = store.get_flag(session=session, flag_id=flag_id, for_update=True)
            if row.notice_state == "" or row.proposed_time is None:
                raise FailedPrecondition("NO_PROPOSED_NOTICE", "no notice is proposed for this flag")
            now = utcnow()
            try:
                state = decide(
                    state=NoticeState(row.notice_state),
                    approve=approve,
                    reason=reason,
                    proposed_at=aware(row.proposed_time),
                    now=now,
                    statement_filed=bool(row.statement),
                    config=due,
                )
            except DueProcessError as err:
                raise _due(err) from None
            store.update_flag(
                session=session,
                flag_id=flag_id,
                values={
                    "notice_state": state.value,
                    "decision_reason": reason,
                    "decided_by": caller.subject,
                    "decide_time": now,
                },
            )
            log.info("notice_decided", flag=f"flags/{flag_id}", state=state.value)
            contacts = self.contacts([row.consultancy]) if self.contacts else {}
            notices.queue_decision(
                session,
                flag_id=flag_id,
                period=row.period,
                approved=approve,
                reason=reason,
                contact=contacts.get(row.consultancy),
            )
            return flag_to_proto(store.get_flag(session=session, flag_id=flag_id), due)

        method = "ApproveNotice" if approve else "RejectNotice"
        return self.idem.run(self.engine, method=method, request=request, response_type=pb.Flag, work=work)

    def ApproveNotice(self, request: pb.ApproveNoticeRequest, context: grpc.ServicerContext) -> pb.Flag:
        return self._decide(request, approve=True)

    def RejectNotice(self, request: pb.RejectNoticeRequest, context: grpc.ServicerContext) -> pb.Flag:
        return self._decide(request, approve=False)

    # ------------------------------------------------------------ bulletins

    def _payload(
        self, session: Any, period: str, version: int, replaces: Any, note: str, names: dict[str, str]
    ) -> tuple[BulletinPayload, Any]:
        run = store.newest_run(session=session, period=period, kind=CONSULTANCY)
        if run is None or not run.rows:
            raise FailedPrecondition("STANDINGS_NOT_COMPUTED", f"run ComputeStandings for {period} first")
        agencies = store.newest_run(session=session, period=period, kind=AGENCY)
        notices = store.approved_notices(session=session, period=period)
        model = store.newest_flag_model(session=session)
        window = Window.of(period, run.window_months, self.cfg.utc_offset_hours)

        def rows_of(stored: Sequence[dict[str, Any]]) -> tuple[StandingRow, ...]:
            return tuple(
                StandingRow(
                    entity_id=r["entity"],
                    name=names.get(r["entity"], r["entity"]),
                    n=r["n"],
                    composite=round(r["composite"], 1),
                    lower=round(r["lower"], 1),
                    upper=round(r["upper"], 1),
                    grade=r["grade"],
                    rank=r["rank"],
                    rank_lower=r["rank_lower"],
                    rank_upper=r["rank_upper"],
                )
                for r in stored
            )

        payload = BulletinPayload(
            period=period,
            version=version,
            window_start=window.month_labels[0],
            window_end=window.month_labels[-1],
            data_cutoff=aware(run.data_cutoff).isoformat(),
            published_at=utcnow().replace(microsecond=0).isoformat(),
            synthetic=self.cfg.synthetic,
            method=method_from(
                self.cfg.consultancy, self.cfg.flags, run.window_months, model.version if model else None
            ),
            consultancies=rows_of(run.rows),
            agencies=rows_of(agencies.rows if agencies is not None else []),
            notices=tuple(
                NoticeRow(
                    entity_id=n.consultancy,
                    name=names.get(n.consultancy, n.consultancy),
                    reasons_zh=tuple(r["zh"] for r in n.reasons),
                    reasons_en=tuple(r["en"] for r in n.reasons),
                    decision_reason=n.decision_reason,
                    statement=n.statement or None,
                )
                for n in notices
            ),
            funnel_center=float(run.summary.get("funnel_center", 0.0)),
            funnel_sigma=float(run.summary.get("funnel_sigma", 0.0)),
            region_zh=self.cfg.region_zh,
            region_en=self.cfg.region_en,
            replaces_version=replaces.version if replaces is not None else None,
            replaces_sha256=replaces.sha256 if replaces is not None else None,
            correction_note=note or None,
        )
        return payload, run

    def PublishBulletin(
        self, request: pb.PublishBulletinRequest, context: grpc.ServicerContext
    ) -> pb.Bulletin:
        period = request.period
        parse_period(required(period, "period"))
        if len(request.correction_note) > self.cfg.max_text_chars:
            raise InvalidArgument.fields([FieldViolation("correction_note", "too long", "TOO_LONG")])
        replaces_id = (
            parse_name(request.replaces, "bulletins", field="replaces") if request.replaces else None
        )
        names = self._display_names()

        def work(session: Any) -> pb.Bulletin:
            newest = store.newest_bulletin(session=session, period=period)
            if newest is not None:
                if replaces_id != newest.id:
                    raise FailedPrecondition(
                        "BULLETIN_ALREADY_PUBLISHED",
                        f"{period} has bulletins/{newest.id}; a correction must name it in `replaces`",
                        metadata={"newest": f"bulletins/{newest.id}"},
                    )
                if not request.correction_note.strip():
                    raise InvalidArgument.fields(
                        [FieldViolation("correction_note", "a correction must say why", "REQUIRED")]
                    )
            elif replaces_id is not None:
                raise FailedPrecondition("NOTHING_TO_REPLACE", f"{period} has no bulletin to replace")
            version = newest.version + 1 if newest is not None else 1
            payload, run = self._payload(
                session, period, version, newest, request.correction_note.strip(), names
            )
            files = render_all(payload)
            bulletin_id = new_id()
            sha = bulletin_sha256(files)
            store.insert_bulletin(
                session=session,
                values={
                    "id": bulletin_id,
                    "period": period,
                    "version": version,
                    "replaces": newest.id if newest is not None else None,
                    "correction_note": request.correction_note.strip(),
                    "sha256": sha,
                    "synthetic": payload.synthetic,
                    "notices": len(payload.notices),
                    "data_cutoff": run.data_cutoff,
                    "publish_time": utcnow(),
                },
                files={
                    name: (
                        MEDIA.get(name[name.rfind(".") :], "application/octet-stream"),
                        hashlib.sha256(data).hexdigest(),
                        data,
                    )
                    for name, data in files.items()
                },
            )
            log.info(
                "bulletin_published", period=period, version=version, sha256=sha, notices=len(payload.notices)
            )
            return bulletin_to_proto(
                store.get_bulletin(session=session, bulletin_id=bulletin_id),
                store.bulletin_file_meta(session=session, bulletin_id=bulletin_id),
            )

        return self.idem.run(
            self.engine, method="PublishBulletin", request=request, response_type=pb.Bulletin, work=work
        )

    def GetBulletin(self, request: pb.GetBulletinRequest, context: grpc.ServicerContext) -> pb.Bulletin:
        bulletin_id = parse_name(required(request.name, "name"), "bulletins")
        with read_transaction(self.engine) as session:
            row = store.get_bulletin(session=session, bulletin_id=bulletin_id)
            return bulletin_to_proto(row, store.bulletin_file_meta(session=session, bulletin_id=bulletin_id))

    def ListBulletins(
        self, request: pb.ListBulletinsRequest, context: grpc.ServicerContext
    ) -> pb.ListBulletinsResponse:
        if request.period:
            parse_period(request.period)
        filters = {"period": request.period}
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        limit = page_size(request.page_size)
        with read_transaction(self.engine) as session:
            rows = store.list_bulletins(
                session=session,
                period=request.period,
                after=uuid.UUID(after) if after else None,
                limit=limit + 1,
            )
            out = [
                bulletin_to_proto(r, store.bulletin_file_meta(session=session, bulletin_id=r.id))
                for r in rows[:limit]
            ]
        nxt = encode_page_token(str(rows[limit - 1].id), filters) if len(rows) > limit else ""
        return pb.ListBulletinsResponse(bulletins=out, next_page_token=nxt)

    def GetBulletinFile(
        self, request: pb.GetBulletinFileRequest, context: grpc.ServicerContext
    ) -> pb.BulletinFile:
        bulletin_id = parse_name(required(request.bulletin, "bulletin"), "bulletins", field="bulletin")
        required(request.file, "file")
        with read_transaction(self.engine) as session:
            row = store.bulletin_file(session=session, bulletin_id=bulletin_id, file=request.file)
        data = bytes(row.content)
        return pb.BulletinFile(
            file=row.file, media_type=row.media_type, sha256=row.sha256, size=len(data), content=data
        )

    def VerifyBulletin(
        self, request: pb.VerifyBulletinRequest, context: grpc.ServicerContext
    ) -> pb.VerifyBulletinResponse:
        bulletin_id = parse_name(required(request.name, "name"), "bulletins")
        with read_transaction(self.engine) as session:
            row = store.get_bulletin(session=session, bulletin_id=bulletin_id)
            files = store.bulletin_contents(session=session, bulletin_id=bulletin_id)
            meta = {m[0]: m[2] for m in store.bulletin_file_meta(session=session, bulletin_id=bulletin_id)}
        problems = verify(files, row.sha256)
        problems += [
            f"{name} differs from its stored SHA-256"
            for name, data in sorted(files.items())
            if name != MANIFEST and hashlib.sha256(data).hexdigest() != meta.get(name)
        ]
        return pb.VerifyBulletinResponse(ok=not problems, problems=problems, sha256=row.sha256)


def register(server: grpc.Server, ctx: ServiceContext) -> list[str]:
    pb_grpc.add_StandingsServiceServicer_to_server(StandingsServicer(ctx), server)
    return [pb.DESCRIPTOR.services_by_name["StandingsService"].full_name]
