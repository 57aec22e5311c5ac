"""gRPC API of the surveys service: thin handlers over the store, and the proto<->table mapping.

The enterprise has no login: on ``OpenSurvey`` and ``SubmitSurveyResponse``
the single-use token in the request body is the credential (so the access
table lets PUBLIC and ENTERPRISE in). The token travels in the body, never in
metadata, so the interceptor's log line cannot carry it, and no error message
repeats it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import grpc
from sqlmodel import Session

from dgcp.surveys.v1 import surveys_pb2 as pb
from dgcp.surveys.v1 import surveys_pb2_grpc as pb_grpc
from runtime.auth import AccessTable, Role
from runtime.calendar import Period
from runtime.csvsafe import render
from runtime.db import read_transaction, transaction
from runtime.errors import FieldViolation, InvalidArgument
from runtime.idempotency import Idempotency
from runtime.notify.addresses import email_problem
from runtime.resources import (
    aware,
    decode_page_token,
    encode_page_token,
    mask_paths,
    page_size,
    parse_name,
    required,
    to_timestamp,
    utcnow,
)
from runtime.server import ServiceContext
from runtime.text import clean_name
from services.surveys import notices, store
from services.surveys.models import InvitationRow, SurveyTemplateRow, idempotency_keys
from services.surveys.policy import SurveyPolicy
from services.surveys.stats import Aggregate, Estimate, aggregate
from services.surveys.templates import (
    TEMPLATE_ID,
    Answer,
    Content,
    Dimension,
    Item,
    PartyKind,
    intro,
    validate_content,
    validate_header,
)

A, S, P, E = Role.AUTHORITY, Role.SERVICE, Role.PUBLIC, Role.ENTERPRISE

ACCESS: AccessTable = {
    "CreateSurveyTemplate": frozenset({A}),
    "CreateSurveyTemplateVersion": frozenset({A}),
    "GetSurveyTemplate": frozenset({A, S}),
    "ListSurveyTemplates": frozenset({A, S}),
    "UpdateSurveyTemplate": frozenset({A}),
    "IssueInvitations": frozenset({A}),
    "GetInvitation": frozenset({A}),
    "ListInvitations": frozenset({A}),
    "RemindInvitations": frozenset({A}),
    "CloseSurveyWindow": frozenset({A}),
    "OpenSurvey": frozenset({P, E}),  # the token is the credential
    "SubmitSurveyResponse": frozenset({P, E}),  # the token is the credential
    # Aggregates only; no RPC returns one enterprise's answers to anyone.
    "GetPartyAggregate": frozenset({A, S}),
    "ListPartyAggregates": frozenset({A, S}),
}

_TEMPLATE_NAME = re.compile(
    r"^surveyTemplates/([a-z][a-z0-9-]{1,61}[a-z0-9])/versions/(latest|[1-9]\d{0,8})$"
)
_MAX_NAME = 200
_STATES = {
    pb.INVITATION_STATE_PENDING: "PENDING",
    pb.INVITATION_STATE_RESPONDED: "RESPONDED",
    pb.INVITATION_STATE_EXPIRED: "EXPIRED",
    pb.INVITATION_STATE_CLOSED: "CLOSED",
}
_STATE_ENUM = {v: k for k, v in _STATES.items()}
_PARTY_PREFIX = {PartyKind.CONSULTANCY: "consultancy", PartyKind.REVIEW_AGENCY: "review_agency"}
_CSV_COLUMNS = (
    "invitation", "case", "case_display_name", "lot", "enterprise", "enterprise_display_name",
    "rated_party_kind", "rated_party", "rated_party_display_name", "deadline", "link",
)  # fmt: skip


def _name_problems(value: str, field: str, out: list[FieldViolation], *, required: bool) -> None:
    clean_name(value, field, out, max_len=_MAX_NAME, required=required)


def _filters(**values: str) -> None:
    """Filter strings go into SQL: refuse what PostgreSQL cannot compare (NUL) or no name can be."""
    problems: list[FieldViolation] = []
    for field, value in values.items():
        _name_problems(value, field, problems, required=False)
    if problems:
        raise InvalidArgument.fields(problems)


# --- templates: proto <-> table -----------------------------------------------------------


def template_name(row: SurveyTemplateRow) -> str:
    return f"surveyTemplates/{row.template_id}/versions/{row.version}"


def parse_template_name(name: str, field: str) -> tuple[str, int | None]:
    """``surveyTemplates/{id}/versions/{n|latest}`` or ``surveyTemplates/{id}`` → (id, version)."""
    m = _TEMPLATE_NAME.match(name)
    if m:
        return m.group(1), None if m.group(2) == "latest" else int(m.group(2))
    if name.startswith("surveyTemplates/") and name.count("/") == 1 and TEMPLATE_ID.match(name[16:]):
        return name[16:], None
    raise InvalidArgument.fields(
        [FieldViolation(field, "must look like 'surveyTemplates/{id}/versions/{n|latest}'", "INVALID_NAME")],
        reason="INVALID_NAME",
    )


def template_to_proto(row: SurveyTemplateRow, in_use: bool) -> pb.SurveyTemplate:
    content = Content.from_json(row.content)
    return pb.SurveyTemplate(
        name=template_name(row),
        template_id=row.template_id,
        version=row.version,
        rated_party_kind=row.rated_party_kind,  # type: ignore[arg-type]
        title_zh=row.title_zh,
        title_en=row.title_en,
        dimensions=[
            pb.Dimension(key=d.key, name_zh=d.name_zh, name_en=d.name_en) for d in content.dimensions
        ],
        items=[
            pb.Item(
                key=i.key,
                purpose=i.purpose,  # type: ignore[arg-type]
                dimension=i.dimension,
                text_zh=i.text_zh,
                text_en=i.text_en,
                scale_min=i.scale_min,
                scale_max=i.scale_max,
                required=i.required,
                max_length=i.max_length,
            )
            for i in content.items
        ],
        in_use=in_use,
        create_time=to_timestamp(row.create_time),
        update_time=to_timestamp(row.update_time),
    )


def content_from_proto(m: pb.SurveyTemplate) -> Content:
    return Content(
        dimensions=tuple(Dimension(d.key, d.name_zh, d.name_en) for d in m.dimensions),
        items=tuple(
            Item(
                key=i.key,
                purpose=int(i.purpose),
                text_zh=i.text_zh,
                text_en=i.text_en,
                dimension=i.dimension,
                scale_min=i.scale_min,
                scale_max=i.scale_max,
                required=i.required,
                max_length=i.max_length,
            )
            for i in m.items
        ),
    )


# --- invitations: proto <-> table -----------------------------------------------------------


def invitation_to_proto(row: InvitationRow, template: str, now: datetime) -> pb.Invitation:
    return pb.Invitation(
        name=f"invitations/{row.id}",
        case=row.case_name,
        case_display_name=row.case_display_name,
        lot=row.lot_name,
        enterprise=row.enterprise,
        enterprise_display_name=row.enterprise_display_name,
        rated_party_kind=row.rated_party_kind,  # type: ignore[arg-type]
        rated_party=row.rated_party,
        rated_party_display_name=row.rated_party_display_name,
        survey_template=template,
        deadline=to_timestamp(row.deadline),
        state=_STATE_ENUM[store.state_of(row, now)],
        reminder_count=row.reminder_count,
        last_remind_time=to_timestamp(row.last_remind_time),
        open_time=to_timestamp(row.open_time),
        respond_time=to_timestamp(row.respond_time),
        close_time=to_timestamp(row.close_time),
        create_time=to_timestamp(row.create_time),
    )


def links_csv(rows: Sequence[tuple[InvitationRow, str]], policy: SurveyPolicy) -> bytes:
    """The links for the authority's mail merge: UTF-8 with BOM so spreadsheets read the Chinese,
    every text cell neutralised against formula injection (a firm named ``=1+1`` stays text)."""
    return render(
        _CSV_COLUMNS,
        (
            [
                f"invitations/{row.id}",
                row.case_name,
                row.case_display_name,
                row.lot_name,
                row.enterprise,
                row.enterprise_display_name,
                _PARTY_PREFIX[PartyKind(row.rated_party_kind)],
                row.rated_party,
                row.rated_party_display_name,
                aware(row.deadline).isoformat(),
                policy.link(token),
            ]
            for row, token in rows
        ),
    ).encode("utf-8")


def _wanted(request: pb.IssueInvitationsRequest, policy: SurveyPolicy) -> list[store.NewInvitation]:
    """Validate the case facts; one NewInvitation per case and party kind asked for."""
    out: list[FieldViolation] = []
    if not request.cases:
        out.append(FieldViolation("cases", "at least one case", "REQUIRED"))
    if len(request.cases) > policy.max_cases_per_request:
        raise InvalidArgument.fields(
            [FieldViolation("cases", f"at most {policy.max_cases_per_request} per request", "TOO_MANY")]
        )
    kinds: list[PartyKind] = []
    for i, k in enumerate(request.rated_party_kinds):
        if k not in {p.value for p in PartyKind}:
            out.append(FieldViolation(f"rated_party_kinds[{i}]", "unknown kind", "INVALID_ENUM"))
        elif PartyKind(k) not in kinds:
            kinds.append(PartyKind(k))
    kinds = kinds or [PartyKind.CONSULTANCY, PartyKind.REVIEW_AGENCY]
    wanted: list[store.NewInvitation] = []
    seen: set[str] = set()
    for i, c in enumerate(request.cases):
        where = f"cases[{i}]"
        _name_problems(c.case, f"{where}.case", out, required=True)
        if c.case in seen:
            out.append(FieldViolation(f"{where}.case", "case listed twice", "DUPLICATE"))
        seen.add(c.case)
        for attr in ("case_display_name", "lot"):
            _name_problems(getattr(c, attr), f"{where}.{attr}", out, required=False)
        for attr in ("enterprise", "enterprise_display_name"):
            _name_problems(getattr(c, attr), f"{where}.{attr}", out, required=True)
        if (why := email_problem(c.enterprise_email)) is not None:
            out.append(FieldViolation(f"{where}.enterprise_email", why, "INVALID_EMAIL"))
        for kind in kinds:
            prefix = _PARTY_PREFIX[kind]
            party, display = getattr(c, prefix), getattr(c, f"{prefix}_display_name")
            _name_problems(party, f"{where}.{prefix}", out, required=True)
            _name_problems(display, f"{where}.{prefix}_display_name", out, required=True)
            wanted.append(
                store.NewInvitation(
                    c.case,
                    c.case_display_name,
                    c.lot,
                    c.enterprise,
                    c.enterprise_display_name,
                    kind,
                    party,
                    display,
                    c.enterprise_email,
                )
            )
    if out:
        raise InvalidArgument.fields(out)
    return wanted


def _deadline(request: pb.IssueInvitationsRequest, now: datetime) -> datetime:
    ts = request.deadline
    if not request.HasField("deadline"):
        raise InvalidArgument.fields([FieldViolation("deadline", "is required", "REQUIRED")])
    # Timestamp's valid range, and a window of at most ten years, keep conversion safe.
    if (
        not now.timestamp() < ts.seconds < (now + timedelta(days=3660)).timestamp()
        or not 0 <= ts.nanos < 10**9
    ):
        raise InvalidArgument.fields(
            [FieldViolation("deadline", "must be in the future (within ten years)", "OUT_OF_RANGE")]
        )
    return ts.ToDatetime(tzinfo=now.tzinfo)


def _aggregate_proto(data: store.PartyData, agg: Aggregate, period: str) -> pb.PartyAggregate:
    def est(e: Estimate | None) -> pb.Estimate | None:
        return None if e is None else pb.Estimate(mean=e.mean, lower=e.lower, upper=e.upper, n=e.n)

    return pb.PartyAggregate(
        rated_party=data.party,
        rated_party_display_name=data.display_name,
        rated_party_kind=data.kind,  # type: ignore[arg-type]
        period=period,
        invitations=agg.invitations,
        n=agg.n,
        response_rate=agg.response_rate,
        suppressed=agg.suppressed,
        min_responses=agg.min_responses,
        dimensions=[
            pb.DimensionAggregate(
                dimension=d.key,
                name_zh=d.name_zh,
                name_en=d.name_en,
                score=est(d.score),
                cronbach_alpha=d.alpha,
                alpha_items=d.alpha_items,
                alpha_n=d.alpha_n,
            )
            for d in agg.dimensions
        ],
        overall_satisfaction=est(agg.overall),
        service_quality_score=est(agg.quality),
        would_hire_again=est(agg.hire_again),
        signals=pb.SignalCounts(**agg.signals),
        excluded=agg.excluded,
        survey_templates=agg.templates,
        confidence=agg.confidence,
    )


def _answers(request: pb.SubmitSurveyResponseRequest) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for key, answer in request.answers.items():
        kind = answer.WhichOneof("value") or ""
        out[key] = (kind, getattr(answer, kind) if kind else None)
    return out


class SurveysServicer(pb_grpc.SurveysServiceServicer):
    def __init__(self, ctx: ServiceContext, policy: SurveyPolicy) -> None:
        self.engine = ctx.engine
        self.policy = policy
        self.idem = Idempotency(idempotency_keys)
        self.templates = store.TemplateCache()
        self._forms: dict[uuid.UUID, pb.SurveyTemplate] = {}  # in-use templates never change

    # --- templates ---------------------------------------------------------------------

    def _draft(self, request: Any) -> tuple[int, str, str, Content]:
        if not request.HasField("survey_template"):
            raise InvalidArgument.fields([FieldViolation("survey_template", "is required", "REQUIRED")])
        m = request.survey_template
        content = content_from_proto(m)
        problems = validate_header(m.title_zh, m.title_en, m.rated_party_kind, "survey_template")
        problems += validate_content(
            content, "survey_template", comment_max_length=self.policy.comment_max_length
        )
        if problems:
            raise InvalidArgument.fields(problems)
        return int(m.rated_party_kind), m.title_zh, m.title_en, content

    def CreateSurveyTemplate(
        self, request: pb.CreateSurveyTemplateRequest, context: grpc.ServicerContext
    ) -> pb.SurveyTemplate:
        if not TEMPLATE_ID.match(request.template_id):
            raise InvalidArgument.fields(
                [
                    FieldViolation(
                        "template_id", "3–63 of a-z, 0-9 and '-', starting with a letter", "INVALID_ID"
                    )
                ]
            )
        kind, title_zh, title_en, content = self._draft(request)

        def work(session: Session) -> pb.SurveyTemplate:
            row = store.create_template(
                session=session,
                template_id=request.template_id,
                kind=kind,
                title_zh=title_zh,
                title_en=title_en,
                content=content,
            )
            return template_to_proto(row, in_use=False)

        return self.idem.run(
            self.engine,
            method="CreateSurveyTemplate",
            request=request,
            response_type=pb.SurveyTemplate,
            work=work,
        )

    def CreateSurveyTemplateVersion(
        self, request: pb.CreateSurveyTemplateVersionRequest, context: grpc.ServicerContext
    ) -> pb.SurveyTemplate:
        required(request.parent, "parent")
        template_id, version = parse_template_name(request.parent, "parent")
        if version is not None:
            raise InvalidArgument.fields([FieldViolation("parent", "name the template, not a version")])
        kind, title_zh, title_en, content = self._draft(request)

        def work(session: Session) -> pb.SurveyTemplate:
            row = store.create_version(
                session=session,
                template_id=template_id,
                kind=kind,
                title_zh=title_zh,
                title_en=title_en,
                content=content,
            )
            return template_to_proto(row, in_use=False)

        return self.idem.run(
            self.engine,
            method="CreateSurveyTemplateVersion",
            request=request,
            response_type=pb.SurveyTemplate,
            work=work,
        )

    def GetSurveyTemplate(
        self, request: pb.GetSurveyTemplateRequest, context: grpc.ServicerContext
    ) -> pb.SurveyTemplate:
        required(request.name, "name")
        template_id, version = parse_template_name(request.name, "name")
        with read_transaction(self.engine) as session:
            row = store.get_template(session=session, template_id=template_id, version=version)
            return template_to_proto(row, store.template_in_use(session=session, template_pk=row.id))

    def ListSurveyTemplates(
        self, request: pb.ListSurveyTemplatesRequest, context: grpc.ServicerContext
    ) -> pb.ListSurveyTemplatesResponse:
        limit = page_size(request.page_size)
        _filters(template_id=request.template_id)
        filters = {"id": request.template_id, "kind": int(request.rated_party_kind)}
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        with read_transaction(self.engine) as session:
            rows, more = store.list_templates(
                session=session,
                template_id=request.template_id,
                kind=int(request.rated_party_kind),
                after=after,
                limit=limit,
            )
            used = store.in_use_set(session=session, template_pks=[r.id for r in rows])
        token = encode_page_token(str(rows[-1].id), filters) if more else ""
        return pb.ListSurveyTemplatesResponse(
            survey_templates=[template_to_proto(r, r.id in used) for r in rows], next_page_token=token
        )

    def UpdateSurveyTemplate(
        self, request: pb.UpdateSurveyTemplateRequest, context: grpc.ServicerContext
    ) -> pb.SurveyTemplate:
        if not request.HasField("survey_template"):
            raise InvalidArgument.fields([FieldViolation("survey_template", "is required", "REQUIRED")])
        m = request.survey_template
        template_id, version = parse_template_name(m.name, "survey_template.name")
        if version is None:
            raise InvalidArgument.fields([FieldViolation("survey_template.name", "name one version")])
        paths = mask_paths(
            request.update_mask,
            m,
            mutable=("title_zh", "title_en", "dimensions", "items"),
            immutable=("rated_party_kind", "template_id", "version"),
            prefix="survey_template",
        )

        def work(session: Session) -> pb.SurveyTemplate:
            row = store.get_template(
                session=session, template_id=template_id, version=version, for_update=True
            )
            current = Content.from_json(row.content)
            content = Content(
                dimensions=content_from_proto(m).dimensions if "dimensions" in paths else current.dimensions,
                items=content_from_proto(m).items if "items" in paths else current.items,
            )
            title_zh = m.title_zh if "title_zh" in paths else row.title_zh
            title_en = m.title_en if "title_en" in paths else row.title_en
            problems = validate_header(title_zh, title_en, row.rated_party_kind, "survey_template")
            problems += validate_content(
                content, "survey_template", comment_max_length=self.policy.comment_max_length
            )
            if problems:
                raise InvalidArgument.fields(problems)
            changes = {"title_zh": title_zh, "title_en": title_en, "content": content.to_json()}
            return template_to_proto(store.update_template(session=session, row=row, changes=changes), False)

        return self.idem.run(
            self.engine,
            method="UpdateSurveyTemplate",
            request=request,
            response_type=pb.SurveyTemplate,
            work=work,
        )

    # --- invitations --------------------------------------------------------------------

    def _templates_for(self, session: Session, request: pb.IssueInvitationsRequest) -> dict[PartyKind, Any]:
        out = {}
        for kind, field, default in (
            (PartyKind.CONSULTANCY, "consultancy_template", self.policy.consultancy_template),
            (PartyKind.REVIEW_AGENCY, "review_agency_template", self.policy.review_agency_template),
        ):
            name = getattr(request, field)
            template_id, version = parse_template_name(name, field) if name else (default, None)
            row = store.get_template(session=session, template_id=template_id, version=version)
            if row.rated_party_kind != kind:
                raise InvalidArgument.fields(
                    [FieldViolation(field, f"rates a different kind of party than {kind.name}", "WRONG_KIND")]
                )
            out[kind] = row
        return out

    def IssueInvitations(
        self, request: pb.IssueInvitationsRequest, context: grpc.ServicerContext
    ) -> pb.IssueInvitationsResponse:
        now = utcnow()
        wanted = _wanted(request, self.policy)
        deadline = _deadline(request, now)
        with transaction(self.engine) as session:
            templates = self._templates_for(session, request)
            names = {k: template_name(t) for k, t in templates.items()}
            created, skipped = store.issue(
                session=session, wanted=wanted, templates=templates, deadline=deadline, policy=self.policy
            )
            notices.queue_survey_links(session=session, sent=created, policy=self.policy)
        return pb.IssueInvitationsResponse(
            invitations=[
                invitation_to_proto(r, names[PartyKind(r.rated_party_kind)], now) for r, _ in created
            ],
            links=[
                pb.InvitationLink(invitation=f"invitations/{r.id}", url=self.policy.link(t))
                for r, t in created
            ],
            links_csv=links_csv(created, self.policy),
            skipped=[f"invitations/{r.id}" for r in skipped],
        )

    def _template_names(self, session: Session, rows: Sequence[InvitationRow]) -> dict[uuid.UUID, str]:
        out: dict[uuid.UUID, str] = {}
        for pk in {r.template_pk for r in rows}:
            t = session.get(SurveyTemplateRow, pk)
            if t is not None:
                out[pk] = template_name(t)
        return out

    def GetInvitation(self, request: pb.GetInvitationRequest, context: grpc.ServicerContext) -> pb.Invitation:
        id_ = parse_name(request.name, "invitations")
        with read_transaction(self.engine) as session:
            row = store.get_invitation(session=session, id=id_)
            return invitation_to_proto(row, self._template_names(session, [row])[row.template_pk], utcnow())

    def ListInvitations(
        self, request: pb.ListInvitationsRequest, context: grpc.ServicerContext
    ) -> pb.ListInvitationsResponse:
        limit = page_size(request.page_size)
        _filters(lot=request.lot, case=request.case, rated_party=request.rated_party)
        if request.state and request.state not in _STATES:
            raise InvalidArgument.fields([FieldViolation("state", "unknown state", "INVALID_ENUM")])
        filters = {
            "lot": request.lot,
            "case": request.case,
            "party": request.rated_party,
            "state": request.state,
        }
        after = decode_page_token(request.page_token, filters, uuid.UUID)
        now = utcnow()
        with read_transaction(self.engine) as session:
            rows, more = store.list_invitations(
                session=session,
                lot=request.lot,
                case=request.case,
                party=request.rated_party,
                state=_STATES.get(request.state, ""),
                after=after,
                limit=limit,
                now=now,
            )
            names = self._template_names(session, rows)
        token = encode_page_token(str(rows[-1].id), filters) if more else ""
        return pb.ListInvitationsResponse(
            invitations=[invitation_to_proto(r, names[r.template_pk], now) for r in rows],
            next_page_token=token,
        )

    def RemindInvitations(
        self, request: pb.RemindInvitationsRequest, context: grpc.ServicerContext
    ) -> pb.RemindInvitationsResponse:
        _filters(lot=request.lot, case=request.case)
        ids = [parse_name(n, "invitations", field=f"names[{i}]") for i, n in enumerate(request.names)]
        if not (ids or request.case or request.lot):
            raise InvalidArgument.fields(
                [FieldViolation("names", "name invitations, a case or a lot", "REQUIRED")]
            )
        now = utcnow()
        with transaction(self.engine) as session:
            reminded = store.remind(
                session=session,
                where=store.scope(lot=request.lot, case=request.case, names=ids),
                now=now,
                policy=self.policy,
            )
            notices.queue_survey_links(session=session, sent=reminded, policy=self.policy, reminder=True)
            names = self._template_names(session, [r for r, _ in reminded])
        return pb.RemindInvitationsResponse(
            invitations=[invitation_to_proto(r, names[r.template_pk], now) for r, _ in reminded],
            links=[
                pb.InvitationLink(invitation=f"invitations/{r.id}", url=self.policy.link(t))
                for r, t in reminded
            ],
            links_csv=links_csv(reminded, self.policy),
        )

    def CloseSurveyWindow(
        self, request: pb.CloseSurveyWindowRequest, context: grpc.ServicerContext
    ) -> pb.CloseSurveyWindowResponse:
        _filters(lot=request.lot, case=request.case)
        if not (request.lot or request.case):
            raise InvalidArgument.fields([FieldViolation("lot", "name a lot or a case", "REQUIRED")])

        def work(session: Session) -> pb.CloseSurveyWindowResponse:
            closed = store.close_window(
                session=session, where=store.scope(lot=request.lot, case=request.case), now=utcnow()
            )
            return pb.CloseSurveyWindowResponse(closed_count=closed)

        return self.idem.run(
            self.engine,
            method="CloseSurveyWindow",
            request=request,
            response_type=pb.CloseSurveyWindowResponse,
            work=work,
        )

    # --- the enterprise's side -----------------------------------------------------------

    def OpenSurvey(self, request: pb.OpenSurveyRequest, context: grpc.ServicerContext) -> pb.SurveyForm:
        required(request.token, "token")
        with transaction(self.engine) as session:
            row, template = store.open_survey(
                session=session, token=request.token, now=utcnow(), templates=self.templates
            )
        form_template = self._forms.get(template.id)
        if form_template is None:
            form_template = self._forms[template.id] = template_to_proto(template, in_use=True)
        intro_zh, intro_en = intro(row.rated_party_kind, row.rated_party_display_name, row.case_display_name)
        return pb.SurveyForm(
            intro_zh=intro_zh,
            intro_en=intro_en,
            case_display_name=row.case_display_name,
            enterprise_display_name=row.enterprise_display_name,
            rated_party_kind=row.rated_party_kind,  # type: ignore[arg-type]
            rated_party_display_name=row.rated_party_display_name,
            survey_template=form_template,
            deadline=to_timestamp(row.deadline),
        )

    def SubmitSurveyResponse(
        self, request: pb.SubmitSurveyResponseRequest, context: grpc.ServicerContext
    ) -> pb.SubmitSurveyResponseResponse:
        required(request.token, "token")
        answers = _answers(request)

        def work(session: Session) -> pb.SubmitSurveyResponseResponse:
            response, template = store.submit(
                session=session,
                token=request.token,
                answers=answers,
                now=utcnow(),
                policy=self.policy,
                templates=self.templates,
            )
            return pb.SubmitSurveyResponseResponse(
                response=f"invitations/{response.invitation_id}/response",
                survey_template=template_name(template),
                submit_time=to_timestamp(response.submit_time),
            )

        # The respondent is anonymous: the link's token, not the caller, scopes the request_id,
        # and the key is stored in the same transaction as the response (a retry after a crash
        # between commit and reply gets the first answer, never INVITATION_USED).
        scope = "surveyToken/" + hashlib.sha256(request.token.encode()).hexdigest()
        return self.idem.run(
            self.engine,
            method="SubmitSurveyResponse",
            request=request,
            response_type=pb.SubmitSurveyResponseResponse,
            work=work,
            scope=scope,
        )

    # --- aggregates ------------------------------------------------------------------

    def _aggregate(self, data: store.PartyData, exclude_flagged: bool, period: str) -> pb.PartyAggregate:
        agg = aggregate(
            data.responses,
            invitations=data.invitations,
            min_responses=self.policy.min_responses,
            confidence=self.policy.confidence,
            exclude_flagged=exclude_flagged,
        )
        return _aggregate_proto(data, agg, period)

    def GetPartyAggregate(
        self, request: pb.GetPartyAggregateRequest, context: grpc.ServicerContext
    ) -> pb.PartyAggregate:
        problems: list[FieldViolation] = []
        _name_problems(request.rated_party, "rated_party", problems, required=True)
        if problems:
            raise InvalidArgument.fields(problems)
        period = Period.parse_field(request.period)
        start, end = period.start, period.end
        with read_transaction(self.engine) as session:
            found = store.party_data(session=session, parties=[request.rated_party], start=start, end=end)
        data = found.get(request.rated_party) or store.PartyData(request.rated_party, "", 0, 0, [])
        return self._aggregate(data, request.exclude_flagged, request.period)

    def ListPartyAggregates(
        self, request: pb.ListPartyAggregatesRequest, context: grpc.ServicerContext
    ) -> pb.ListPartyAggregatesResponse:
        if request.rated_party_kind not in {k.value for k in PartyKind}:
            raise InvalidArgument.fields([FieldViolation("rated_party_kind", "is required", "REQUIRED")])
        period = Period.parse_field(request.period)
        start, end = period.start, period.end
        limit = page_size(request.page_size)
        filters = {"kind": int(request.rated_party_kind), "period": request.period}
        after = decode_page_token(request.page_token, filters)
        _filters(page_token=after or "")
        with read_transaction(self.engine) as session:
            parties, more = store.parties_page(
                session=session, kind=request.rated_party_kind, start=start, end=end, after=after, limit=limit
            )
            found = store.party_data(
                session=session, parties=parties, start=start, end=end, kind=request.rated_party_kind
            )
        token = encode_page_token(parties[-1], filters) if more else ""
        return pb.ListPartyAggregatesResponse(
            party_aggregates=[
                self._aggregate(found[p], request.exclude_flagged, request.period) for p in parties
            ],
            next_page_token=token,
        )


def register(server: grpc.Server, ctx: ServiceContext) -> list[str]:
    pb_grpc.add_SurveysServiceServicer_to_server(SurveysServicer(ctx, SurveyPolicy.from_env()), server)
    return [pb.DESCRIPTOR.services_by_name["SurveysService"].full_name]


def on_start(ctx: ServiceContext) -> None:
    """Install the default templates the first time the service starts on a database."""
    with transaction(ctx.engine) as session:
        store.ensure_default_templates(session=session, policy=SurveyPolicy.from_env())
