"""gRPC API of standings, determinations, the flag model, flags with due process, and bulletins.

Thin handlers: evidence is read through ``reads`` and built in ``evidence``; the mathematics is in
``services.scoring.ranking`` (the same ``pipeline`` the simulations run) and the rendering in
``services.scoring.bulletin``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import grpc
import numpy as np

from dgcp.scoring.v1 import standings_pb2 as pb
from dgcp.scoring.v1 import standings_pb2_grpc as pb_grpc
from dgcp.surveys.v1 import surveys_pb2 as spb
from runtime.auth import AccessTable, Role, current_caller
from runtime.calendar import Period
from runtime.db import read_transaction, transaction
from runtime.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
)
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
from runtime.text import clean_text
from services.scoring import fits, notices
from services.scoring.bulletin import publish as pub
from services.scoring.bulletin import store as bstore
from services.scoring.bulletin import yearly
from services.scoring.bulletin.official import OfficialConfig
from services.scoring.bulletin.payload import (
    BulletinPayload,
    GroupStat,
    method_from,
)
from services.scoring.bulletin.signing import public_pem
from services.scoring.fits import CalibrationCache
from services.scoring.models import idempotency_keys
from services.scoring.ranking.dueprocess import (
    DueProcessError,
    NoticeState,
    check_statement,
    decide,
    merge_notice,
    statement_deadline,
)
from services.scoring.ranking.flagmodel import (
    FEATURES,
    FlagModel,
    InsufficientLabelsError,
    train_flag_model,
)
from services.scoring.ranking.flags import FlagLevel
from services.scoring.ratings import CONSULTANCY_TO_REVIEW, EXPERT_TO_CONSULTANCY
from services.scoring.standings import reads, store
from services.scoring.standings.config import StandingsConfig
from services.scoring.standings.evidence import add_survey_aggregates, gather_evidence
from services.scoring.standings.mapping import (
    DETERMINATIONS,
    KIND_OF,
    LEVEL_OF,
    bulletin_to_proto,
    determination_to_proto,
    flag_to_proto,
    media_type,
    model_to_proto,
    standing_to_proto,
)
from services.scoring.standings.peers import SurveysFetch, surveys_fetch
from services.scoring.standings.period import judge, rank
from services.scoring.standings.runs import (
    AGENCY,
    CONSULTANCY,
    features_of,
)

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
    "GetBulletinSigningKey": EVERYONE,
    "ListYearlyStatistics": frozenset({A, S}),
}


def month_field(value: str, field_name: str = "period") -> Period:
    """A month ``YYYY-MM`` in China Standard Time, or INVALID_PERIOD on ``field_name``."""
    return Period.parse_field(value, field_name, kinds=("month",))


def _text(value: str, name: str, limit: int) -> str:
    """Free text (statements, reasons): runtime.text's one rule, required."""
    problems: list[FieldViolation] = []
    text = clean_text(value, name, problems, max_len=limit, required=True)
    if problems:
        raise InvalidArgument.fields(problems)
    return text


def _run_key(after: str) -> tuple[uuid.UUID, int]:
    """(run id, offset) from a ListStandings page key, ``{run}:{offset}`` (ValueError if not one)."""
    run, _, offset = after.partition(":")
    value = uuid.UUID(run), int(offset)
    if value[1] < 0:
        raise ValueError(after)
    return value


def _due(err: DueProcessError) -> FailedPrecondition:
    return FailedPrecondition(err.reason, str(err))


def _yearly_to_proto(g: yearly.GroupYear, year: str) -> pb.YearlyStatistics:
    msg = pb.YearlyStatistics(
        key=g.key,
        label=g.label,
        year=year,
        cases=g.cases,
        cases_by_stage_track=g.by_stage_track,
        passed=g.passed,
        pass_rate=g.pass_rate,
        first_rounds=g.first_rounds,
        first_rounds_passed=g.first_rounds_passed,
        first_pass_rate=g.first_pass_rate,
        rework=g.rework,
        quality_mean=0.0 if math.isnan(g.quality_mean) else g.quality_mean,
        vetoed=g.vetoed,
        notices=g.notices,
        watch_entries=g.watch_entries,
        ratings=g.ratings,
        monthly=[pb.MonthlyPoint(month=m, cases=n, passed=k) for m, n, k in g.monthly],
    )
    for attr in ("quality_lower", "quality_upper", "rating_mean", "review_days_median"):
        value = getattr(g, attr)
        if value is not None:
            setattr(msg, attr, value)
    return msg


class StandingsServicer(pb_grpc.StandingsServiceServicer):
    def __init__(
        self,
        ctx: ServiceContext,
        config: StandingsConfig | None = None,
        surveys: SurveysFetch | None = None,
        registry: pub.Registry | None = None,
        contacts: notices.Contacts | None = None,
    ) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        with transaction(self.engine) as session:  # fixed at the deployment's first start
            synthetic = pub.deployment_synthetic(session)
        self.cfg = config or dataclasses.replace(StandingsConfig.from_env(), synthetic=synthetic)
        self.official = OfficialConfig.from_env()
        self.bulletin_dir = pub.bulletin_dir()
        self.clock: Callable[[], datetime] = utcnow
        self.idem = Idempotency(idempotency_keys)
        self.calibrations = CalibrationCache(self.engine, self.cfg.calibration)
        self.surveys = (
            surveys if surveys is not None else surveys_fetch(ctx, self.cfg.surveys_exclude_flagged)
        )
        self.registry = registry if registry is not None else pub.registry_fetch(ctx)
        self.places = pub.places_fetch(ctx)
        self.contacts = contacts if contacts is not None else notices.contacts_fetch(ctx)

    # ------------------------------------------------------------ standings

    def _window(self, period: str, months: int) -> tuple[Period, Period]:
        """The month asked for, and the rolling window of ``months`` months that ends with it."""
        required(period, "period")
        months = months or self.cfg.window_months
        if not 1 <= months <= self.cfg.max_window_months:
            raise InvalidArgument.fields(
                [FieldViolation("window_months", f"must be 1..{self.cfg.max_window_months}")]
            )
        month = month_field(period)
        return month, month.window(months)

    def _survey(self, kind: int, window: Period, notes: list[str]) -> list[spb.PartyAggregate]:
        out: list[spb.PartyAggregate] = []
        if self.surveys is None:
            notes.append("no surveys service configured; satisfaction left out")
            return out
        try:
            for month in window.month_list():
                out.extend(self.surveys(kind, str(month)))
        except grpc.RpcError as err:
            code = err.code() if isinstance(err, grpc.Call) else None
            notes.append(f"surveys service unavailable ({code}); satisfaction left out")
            log.warning("surveys_unavailable", code=str(code))
            return []
        return out

    def ComputeStandings(
        self, request: pb.ComputeStandingsRequest, context: grpc.ServicerContext
    ) -> pb.ComputeStandingsResponse:
        month, window = self._window(request.period, request.window_months)
        period = str(month)
        now = self.clock()
        pub.require_begun(month, now)
        window_end = pub.cutoff_of(month, now)  # while the month runs: up to now
        start, end = fits.period_window(month, self.cfg.calibration_window)
        fit = self.calibrations.fit(min(start, window.start), end).stored
        with read_transaction(self.engine) as session:
            scores = reads.window_scores(session=session, start=window.start, end=window_end)
            ratings = reads.window_ratings(session=session, start=window.start, end=window_end)
            rounds = reads.window_rounds(session=session, start=window.start, end=window_end)
        calibration = fit.name if scores else ""
        calibrated = {c: v for c, (v, _) in fit.estimates.items()}
        firms, agencies, notes = gather_evidence(scores, ratings, self.cfg, rounds, calibrated, calibration)
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
            for ranked in rank(firms, agencies, self.cfg, notes, calibration):
                components.update(ranked.summary.components)
                store.insert_run(
                    session=session,
                    values={
                        "period": period,
                        "kind": ranked.kind,
                        "window_months": window.months,
                        "data_cutoff": window_end,
                        "rows": [r.to_json() for r in ranked.rows],
                        "summary": ranked.summary.to_json(),
                        "create_time": utcnow(),
                    },
                )
                counts[ranked.kind] = len(ranked.rows)
            log.info("standings_computed", period=period, **{k.lower(): v for k, v in counts.items()})
            return pb.ComputeStandingsResponse(
                period=period,
                window_months=window.months,
                data_cutoff=to_timestamp(window_end),
                consultancies=counts[CONSULTANCY],
                review_agencies=counts[AGENCY],
                components=sorted(components),
                notes=notes,
                calibration=calibration,
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
        month_field(required(request.period, "period"))
        kind = KIND_OF.get(request.entity_kind, CONSULTANCY)
        filters = {"period": request.period, "kind": kind}
        after = decode_page_token(request.page_token, filters, _run_key)
        limit = page_size(request.page_size)
        run_id, start = _run_key(after) if after else (None, 0)
        published_in = None
        with read_transaction(self.engine) as session:
            newest = store.newest_bulletin(session=session, period=request.period)
            pinned = getattr(newest, "consultancy_run" if kind == CONSULTANCY else "agency_run", None)
            if run_id is None and pinned is not None and not request.draft:
                run_id = pinned  # a published period shows exactly what was published
            run = (
                store.get_run(session=session, run_id=run_id)
                if run_id is not None
                else store.newest_run(session=session, period=request.period, kind=kind)
            )
            pinned_runs = (newest.consultancy_run, newest.agency_run) if newest is not None else ()
            if run is not None and run.id in pinned_runs:
                published_in = newest
        if run is None:
            raise NotFound("STANDINGS_NOT_FOUND", f"no standings computed for {request.period}")
        rows = run.rows[start : start + limit]
        # the token pins the run: later pages come from the same computation even if a new one lands
        more = start + limit < len(run.rows)
        nxt = encode_page_token(f"{run.id}:{start + limit}", filters) if more else ""
        return pb.ListStandingsResponse(
            standings=[standing_to_proto(r, kind, request.period) for r in rows],
            next_page_token=nxt,
            published_in=f"bulletins/{published_in.id}" if published_in is not None else "",
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
        clean_text(d.note, "determination.note", problems, max_len=self.cfg.max_text_chars)
        if problems:
            raise InvalidArgument.fields(problems)
        month_field(d.period, "determination.period")
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
            row = run.row_of(d.consultancy) if run is not None else None
            if row is None or not row.features:
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
        month, _ = self._window(request.period, 0)
        period = str(month)
        pub.require_begun(month, self.clock())

        def work(session: Any) -> pb.ScoreFlagsResponse:
            if pub.is_final(store.newest_bulletin(session=session, period=period)):
                raise FailedPrecondition(
                    "PERIOD_PUBLISHED", f"{period} has a published bulletin: its flags and notices are frozen"
                )
            run = store.newest_run(session=session, period=period, kind=CONSULTANCY)
            if run is None or not run.rows:
                raise FailedPrecondition("STANDINGS_NOT_COMPUTED", f"run ComputeStandings for {period} first")
            window_run = month.window(run.window_months)
            model = self._load_model(session)
            falsified = store.falsified_in(session=session, start=window_run.start, end=window_run.end)
            vetoes = reads.falsified_vetoes(session=session, start=window_run.start, end=window_run.end)
            flags = judge(run.rows, self.cfg, model, falsified, vetoes).flags
            existing = store.flags_of_period(session=session, period=period)
            now = utcnow()
            counts = {level: 0 for level in FlagLevel}
            newly_proposed: list[tuple[uuid.UUID, str, list[dict[str, Any]], datetime]] = []
            for flag in flags:
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
                notice = merge_notice(old, proposed=flag.level is FlagLevel.PROPOSE_NOTICE, now=now)
                if notice is None:
                    continue  # decided or answered: due process is not re-run under the firm's feet
                values["notice_state"] = notice.notice_state
                values["proposed_time"] = notice.proposed_time
                flag_id = old.id if old is not None else new_id()
                if notice.notice_state == NoticeState.PROPOSED.value and (
                    old is None or old.notice_state != NoticeState.PROPOSED.value
                ):
                    newly_proposed.append(
                        (flag_id, flag.firm_id, values["reasons"], notice.proposed_time or now)
                    )
                if old is None:
                    store.insert_flag(
                        session=session,
                        values={
                            "id": flag_id,
                            "period": period,
                            "consultancy": flag.firm_id,
                            "create_time": now,
                            **values,
                        },
                    )
                else:
                    store.update_flag(session=session, flag_id=old.id, values=values)
            if newly_proposed:
                contacts = self.contacts([c for _, c, _, _ in newly_proposed]) if self.contacts else {}
                for new_flag, firm, reasons, at in newly_proposed:
                    notices.queue_proposed(
                        session,
                        flag_id=new_flag,
                        period=period,
                        reasons=reasons,
                        deadline=statement_deadline(at, self.cfg.due_process),
                        contact=contacts.get(firm),
                    )
            log.info("flags_scored", period=period, **{k.value.lower(): v for k, v in counts.items()})
            return pb.ScoreFlagsResponse(
                period=period,
                flag_model=f"flagModels/{model.version}" if model is not None else "",
                ok=counts[FlagLevel.OK],
                watch=counts[FlagLevel.WATCH],
                proposed=counts[FlagLevel.PROPOSE_NOTICE],
            )

        return self.idem.run(
            self.engine, method="ScoreFlags", request=request, response_type=pb.ScoreFlagsResponse, work=work
        )

    def ListFlags(self, request: pb.ListFlagsRequest, context: grpc.ServicerContext) -> pb.ListFlagsResponse:
        month_field(required(request.period, "period"))
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
        self,
        session: Any,
        period: str,
        kind: str,
        version: int,
        replaces: Any,
        note: str,
        orgs: dict[str, pub.Org],
        now: datetime,
        places: dict[str, tuple[str, str]],
    ) -> tuple[BulletinPayload, Any, Any]:
        run = store.newest_run(session=session, period=period, kind=CONSULTANCY)
        if run is None or not run.rows:
            raise FailedPrecondition("STANDINGS_NOT_COMPUTED", f"run ComputeStandings for {period} first")
        month = Period.parse(period)
        cutoff = aware(run.data_cutoff)
        if kind == pub.MONTHLY and cutoff < month.end:
            raise FailedPrecondition(
                "STANDINGS_STALE",
                f"the standings of {period} were computed before it ended; compute them again",
            )
        if kind == pub.INTERIM:
            late = bstore.locked_since(session=session, start=cutoff, end=now)
            if late:
                raise FailedPrecondition(
                    "STANDINGS_STALE",
                    f"{late} cases were locked after the standings were computed; compute them again so that "
                    "the interim bulletin's cut-off (its publication) is true",
                )
            cutoff = now
        agencies = store.newest_run(session=session, period=period, kind=AGENCY)
        notices = store.approved_notices(session=session, period=period)
        watch = [
            f for f in store.flags_of_period(session=session, period=period).values() if f.level == "WATCH"
        ]
        agency_rows = agencies.rows if agencies is not None else ()
        pub.resolve(
            orgs,
            [r.entity for r in run.rows]
            + [r.entity for r in agency_rows]
            + [n.consultancy for n in notices]
            + [w.consultancy for w in watch],
        )
        model = store.newest_flag_model(session=session)
        months = month.window(run.window_months).month_list()
        breakdowns = self._breakdowns(
            session, month.window(run.window_months), cutoff, places, run.summary.calibration
        )
        by_town, by_industry = breakdowns["by_town"], breakdowns["by_industry"]
        payload = BulletinPayload(
            period=period,
            version=version,
            kind=kind,
            window_start=str(months[0]),
            window_end=str(months[-1]),
            data_cutoff=cutoff.replace(microsecond=0).isoformat(),
            published_at=now.replace(microsecond=0).isoformat(),
            synthetic=self.cfg.synthetic,
            method=method_from(
                self.cfg.consultancy,
                self.cfg.flags,
                run.window_months,
                model.version if model else None,
                run.summary.calibration or None,
            ),
            consultancies=pub.standing_rows(run.rows, orgs),
            agencies=pub.standing_rows(agency_rows, orgs),
            notices=pub.notice_rows(notices, orgs),
            watch=pub.watch_rows(sorted(watch, key=lambda f: f.consultancy), orgs),
            summary=dataclasses.replace(
                pub.summary_of(run.rows, len(agency_rows)), by_town=by_town, by_industry=by_industry
            ),
            funnel_center=run.summary.funnel_center,
            funnel_sigma=run.summary.funnel_sigma,
            region_zh=self.cfg.region_zh,
            region_en=self.cfg.region_en,
            replaces_version=replaces.version if replaces is not None else None,
            replaces_sha256=replaces.sha256 if replaces is not None else None,
            correction_note=note or None,
        )
        return payload, run, agencies

    def _breakdowns(
        self,
        session: Any,
        window: Period,
        cutoff: datetime,
        places: dict[str, tuple[str, str]],
        calibration: str,
    ) -> dict[str, tuple[GroupStat, ...]]:
        """Cases and first passes of the window by the enterprise's town and GB/T 4754 section,
        on the calibrated scores of the stored fit the standing used (``calibration``)."""
        if not calibration:
            return {"by_town": (), "by_industry": ()}
        records = reads.locked_cases(session=session, start=window.start, end=cutoff)
        fit = fits.get(session=session, fit_id=parse_name(calibration, "calibrations"))
        calibrated = {c: v for c, (v, _) in fit.estimates.items()}
        line = self.cfg.consultancy.pass_line
        out: dict[str, tuple[GroupStat, ...]] = {}
        for field_name, group in (
            ("by_town", lambda e: places.get(e, ("", ""))[0]),
            ("by_industry", lambda e: yearly.industry_section(places.get(e, ("", ""))[1])),
        ):
            counts: dict[str, list[int]] = {}
            for r in records:
                key = group(r.enterprise)
                if key and r.name in calibrated:
                    cell = counts.setdefault(key, [0, 0])
                    cell[0] += 1
                    cell[1] += calibrated[r.name] >= line and not r.vetoed
            out[field_name] = tuple(
                GroupStat(
                    k,
                    k if field_name == "by_town" else yearly.SECTION_ZH.get(k, k),
                    k if field_name == "by_town" else "GB/T 4754 section",
                    n,
                    p,
                )
                for k, (n, p) in sorted(counts.items())
            )
        return out

    def PublishBulletin(
        self, request: pb.PublishBulletinRequest, context: grpc.ServicerContext
    ) -> pb.Bulletin:
        period = str(month_field(required(request.period, "period")))
        note_problems: list[FieldViolation] = []
        clean_text(request.correction_note, "correction_note", note_problems, max_len=self.cfg.max_text_chars)
        if note_problems:
            raise InvalidArgument.fields(note_problems)
        replaces_id = (
            parse_name(request.replaces, "bulletins", field="replaces") if request.replaces else None
        )
        now = self.clock()
        kind = pub.kind_of(Period.parse(period), now)
        orgs = pub.read_registry(self.registry)  # UNAVAILABLE before anything is written
        places = pub.read_places(self.places)
        signer = pub.signer_or_error()

        def work(session: Any) -> pb.Bulletin:
            newest = store.newest_bulletin(session=session, period=period)
            note = request.correction_note.strip()
            if newest is not None:
                final_after_interim = newest.kind == pub.INTERIM and kind == pub.MONTHLY
                if replaces_id != newest.id and not (final_after_interim and replaces_id is None):
                    raise FailedPrecondition(
                        "BULLETIN_ALREADY_PUBLISHED",
                        f"{period} has bulletins/{newest.id}; a correction must name it in `replaces`",
                        metadata={"newest": f"bulletins/{newest.id}"},
                    )
                if final_after_interim and not note:
                    note = "期末月度通报取代期中通报 / The monthly notice replaces the interim one"
                if not note:
                    raise InvalidArgument.fields(
                        [FieldViolation("correction_note", "a correction must say why", "REQUIRED")]
                    )
            elif replaces_id is not None:
                raise FailedPrecondition("NOTHING_TO_REPLACE", f"{period} has no bulletin to replace")
            version = newest.version + 1 if newest is not None else 1
            payload, run, agencies = self._payload(
                session, period, kind, version, newest, note, orgs, now, places
            )
            bulletin_id = new_id()
            ready = pub.prepare(
                session,
                payload,
                official=self.official,
                signer=signer,
                published_at=now,
                bulletin_id=bulletin_id,
                replaced=newest,
            )
            store.insert_bulletin(
                session=session,
                values={
                    "id": bulletin_id,
                    "period": period,
                    "version": version,
                    "replaces": newest.id if newest is not None else None,
                    "correction_note": note,
                    "sha256": ready.sha256,
                    "synthetic": payload.synthetic,
                    "notices": len(payload.notices),
                    "data_cutoff": datetime.fromisoformat(payload.data_cutoff),
                    "publish_time": now,
                    "kind": kind,
                    "sequence": ready.sequence,
                    "previous_sha256": ready.previous_sha256,
                    "signature": ready.signature,
                    "key_fingerprint": ready.fingerprint,
                    "document_number": ready.document_number,
                    "consultancy_run": run.id,
                    "agency_run": agencies.id if agencies is not None else None,
                },
                files={
                    name: (
                        media_type(name),
                        hashlib.sha256(data).hexdigest(),
                        data,
                    )
                    for name, data in ready.files.items()
                },
            )
            pub.write_folder(self.bulletin_dir, period, version, ready.files)
            try:
                session.flush()
            except Exception:
                pub.remove_folder(self.bulletin_dir, period, version)
                raise
            log.info(
                "bulletin_published",
                period=period,
                version=version,
                kind=kind,
                sequence=ready.sequence,
                sha256=ready.sha256,
                notices=len(payload.notices),
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
            return bulletin_to_proto(
                row,
                store.bulletin_file_meta(session=session, bulletin_id=bulletin_id),
                bstore.replacement_of(session=session, bulletin_id=bulletin_id),
            )

    def ListBulletins(
        self, request: pb.ListBulletinsRequest, context: grpc.ServicerContext
    ) -> pb.ListBulletinsResponse:
        if request.period:
            month_field(request.period)
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
                bulletin_to_proto(
                    r,
                    store.bulletin_file_meta(session=session, bulletin_id=r.id),
                    bstore.replacement_of(session=session, bulletin_id=r.id),
                )
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
            stamped = None
            if not request.original:
                bulletin = store.get_bulletin(session=session, bulletin_id=bulletin_id)
                newer = bstore.replacement_of(session=session, bulletin_id=bulletin_id)
                if newer is not None:
                    stamped = bstore.file_content(
                        session=session,
                        bulletin_id=newer.id,
                        file=pub.SUPERSEDED_DIR.format(version=bulletin.version) + request.file,
                    )
        if stamped is not None:
            data = bytes(stamped.content)
            return pb.BulletinFile(
                file=row.file,
                media_type=row.media_type,
                sha256=stamped.sha256,
                size=len(data),
                content=data,
                superseded_copy=True,
            )
        data = bytes(row.content)
        return pb.BulletinFile(
            file=row.file, media_type=row.media_type, sha256=row.sha256, size=len(data), content=data
        )

    def VerifyBulletin(
        self, request: pb.VerifyBulletinRequest, context: grpc.ServicerContext
    ) -> pb.VerifyBulletinResponse:
        bulletin_id = parse_name(required(request.name, "name"), "bulletins")
        signer = pub.signer_or_error()
        with read_transaction(self.engine) as session:
            row = store.get_bulletin(session=session, bulletin_id=bulletin_id)
            files = store.bulletin_contents(session=session, bulletin_id=bulletin_id)
            meta = {m[0]: m[2] for m in store.bulletin_file_meta(session=session, bulletin_id=bulletin_id)}
            problems = pub.verify_stored(session, row, files, signer.public, self.bulletin_dir)
        problems += [
            f"{name} differs from its stored SHA-256"
            for name, data in sorted(files.items())
            if hashlib.sha256(data).hexdigest() != meta.get(name)
        ]
        return pb.VerifyBulletinResponse(ok=not problems, problems=problems, sha256=row.sha256)

    def GetBulletinSigningKey(
        self, request: pb.GetBulletinSigningKeyRequest, context: grpc.ServicerContext
    ) -> pb.BulletinSigningKey:
        signer = pub.signer_or_error()
        return pb.BulletinSigningKey(
            public_key_pem=public_pem(signer.public).decode("ascii"),
            fingerprint=signer.fingerprint,
            authority=self.official.authority_zh,
        )

    # ------------------------------------------------------------ yearly statistics (measure 30)

    def ListYearlyStatistics(
        self, request: pb.ListYearlyStatisticsRequest, context: grpc.ServicerContext
    ) -> pb.ListYearlyStatisticsResponse:
        year = Period.parse_field(required(request.year, "year"), "year", kinds=("year",))
        pub.require_begun(year, self.clock())
        dimension = request.dimension or pb.STATISTICS_DIMENSION_CONSULTANCY
        filters = {"year": request.year, "dimension": int(dimension), "key": request.key}
        after = decode_page_token(request.page_token, filters)
        limit = page_size(request.page_size)
        end = pub.cutoff_of(year, self.clock())
        with read_transaction(self.engine) as session:
            records = reads.locked_cases(session=session, start=year.start, end=end)
            scores = reads.window_scores(session=session, start=year.start, end=end)
            rounds = reads.window_rounds(session=session, start=year.start, end=end)
            ratings = reads.window_ratings(session=session, start=year.start, end=end)
            flags = [
                f
                for m in year.month_list()
                for f in store.flags_of_period(session=session, period=str(m)).values()
            ]
        calibrated: dict[str, float] = {}
        notes = [
            f"pass line {self.cfg.consultancy.pass_line:g}; "
            f"cases locked {year.start.isoformat()} to {end.isoformat()}"
        ]
        if scores:
            # the stored fit whose window ends with the year: the numbers GetCaseResult gives for it
            fit_start, fit_end = fits.period_window(year, self.cfg.calibration_window)
            fit = self.calibrations.fit(min(fit_start, year.start), fit_end).stored
            calibrated = {c: v for c, (v, _) in fit.estimates.items()}
            notes.append(f"calibrated case scores from {fit.name} ({fit.method}, {fit.score_count} scores)")
        cases = [
            yearly.YearCase(
                r.name,
                r.consultancy,
                r.agency,
                r.enterprise,
                r.stage,
                r.track,
                aware(r.create_time),
                aware(r.lock_time),
                float(calibrated.get(r.name, math.nan)),
                r.vetoed,
                rounds.get(r.name, False),
            )
            for r in records
            if r.name in calibrated
        ]
        names: dict[str, pub.Org] = {}
        if dimension in (pb.STATISTICS_DIMENSION_CONSULTANCY, pb.STATISTICS_DIMENSION_REVIEW_AGENCY):
            try:
                names = pub.read_registry(self.registry)
            except Unavailable:
                notes.append("registry unavailable: resource names stand in for registered names")
        key_of: Callable[[yearly.YearCase], str]
        by_case: dict[str, list[float]] = {}
        direction = EXPERT_TO_CONSULTANCY
        notices: dict[str, int] = {}
        watch: dict[str, int] = {}
        if dimension == pb.STATISTICS_DIMENSION_REVIEW_AGENCY:
            key_of = lambda c: c.agency  # noqa: E731
            direction = CONSULTANCY_TO_REVIEW
        elif dimension == pb.STATISTICS_DIMENSION_CONSULTANCY:
            key_of = lambda c: c.consultancy  # noqa: E731
            notices = yearly.count_by(f.consultancy for f in flags if f.notice_state == "APPROVED")
            watch = yearly.count_by(f.consultancy for f in flags if f.level == "WATCH")
        else:
            places = pub.read_places(self.places)
            group = {
                pb.STATISTICS_DIMENSION_TOWN: lambda p: p[0],
                pb.STATISTICS_DIMENSION_INDUSTRY_SECTION: lambda p: yearly.industry_section(p[1]),
                pb.STATISTICS_DIMENSION_INDUSTRY_DIVISION: lambda p: yearly.industry_division(p[1]),
            }[dimension]
            index = {e: group(p) for e, p in places.items()}
            key_of = lambda c: index.get(c.enterprise, "")  # noqa: E731
            unknown = sum(1 for c in cases if not key_of(c))
            if unknown:
                notes.append(f"{unknown} cases without a known enterprise town or industry are left out")
        for r in ratings:
            if r.direction == direction and dimension in (
                pb.STATISTICS_DIMENSION_CONSULTANCY,
                pb.STATISTICS_DIMENSION_REVIEW_AGENCY,
            ):
                by_case.setdefault(r.ratee, []).append(r.mean)
        rows = yearly.aggregate(
            year,
            cases,
            key_of,
            lambda k: names[k].name if k in names else k,
            self.cfg.consultancy.pass_line,
            notices=notices,
            watch=watch,
            ratings=by_case,
        )
        if request.key:
            rows = [g for g in rows if g.key == request.key]
        start = int(after) if after else 0
        page = rows[start : start + limit]
        nxt = encode_page_token(str(start + limit), filters) if start + limit < len(rows) else ""
        return pb.ListYearlyStatisticsResponse(
            statistics=[_yearly_to_proto(g, str(year)) for g in page], next_page_token=nxt, notes=notes
        )


def register(server: grpc.Server, ctx: ServiceContext) -> list[str]:
    pb_grpc.add_StandingsServiceServicer_to_server(StandingsServicer(ctx), server)
    return [pb.DESCRIPTOR.services_by_name["StandingsService"].full_name]
