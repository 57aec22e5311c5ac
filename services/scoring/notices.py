"""What the scoring service tells consultancies: a proposed notice, a reminder of the statement
deadline, and the authority's decision.

Each is queued in the transaction of its cause (ScoreFlags, the reminder round, Approve or
RejectNotice), once per cause (the outbox's dedupe key), to the consultancy's registry e-mail,
which is read from the assignment service before. When the registry cannot be read or has no
address, nothing is queued and a warning is logged: the decision itself never waits on e-mail.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
from sqlalchemy import Engine, select

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from runtime import config
from runtime.calendar import Period, cst_time_label
from runtime.clients import service_channel
from runtime.db import read_transaction, transaction
from runtime.logging import get_logger
from runtime.notify import Outgoing, enqueue
from runtime.notify.compose import bilingual
from runtime.resources import aware, utcnow
from runtime.server import ServiceContext
from services.scoring.models import outbox
from services.scoring.ranking.dueprocess import DueProcessConfig, NoticeState, statement_deadline
from services.scoring.standings.models import flags

log = get_logger("dgcp.scoring.notices")


@dataclass(frozen=True)
class Contact:
    display_name: str
    email: str


Contacts = Callable[[Iterable[str]], dict[str, Contact]]
"""Consultancy resource names → their registered name and e-mail (those the registry has)."""


def contacts_fetch(ctx: ServiceContext) -> Contacts | None:
    address = ctx.settings.peers.get("assignment", "")
    if not address:
        return None
    channel = service_channel(
        address, caller_service="scoring", deadline_seconds=ctx.settings.deadline_seconds
    )
    stub = apb_grpc.AssignmentServiceStub(channel)

    def fetch(names: Iterable[str]) -> dict[str, Contact]:
        out: dict[str, Contact] = {}
        for name in sorted(set(names)):
            try:
                c = stub.GetConsultancy(apb.GetConsultancyRequest(name=name))
            except grpc.RpcError as err:
                log.warning("consultancy contact unreadable", consultancy=name, code=err.code().name)  # type: ignore[attr-defined]
                continue
            out[name] = Contact(c.display_name, c.contact.email)
        return out

    return fetch


def _period_labels(period: str) -> tuple[str, str]:
    try:
        p = Period.parse(period)
        return p.label("zh-CN"), p.label("en")
    except Exception:  # noqa: BLE001 - a label is only decoration
        return period, period


def _reasons(reasons: list[dict[str, Any]]) -> tuple[str, str]:
    zh = "\n".join(f"- {r.get('zh', '')}" for r in reasons) or "-"
    en = "\n".join(f"- {r.get('en', '')}" for r in reasons) or "-"
    return zh, en


def _link(period: str) -> str:
    return f"{config.public_base_url()}/consultancy?period={period}"


def _queue(
    session: Any,
    contact: Contact | None,
    key: str,
    kind: str,
    subject: tuple[str, str],
    body: tuple[str, str],
) -> bool:
    if contact is None or not contact.email:
        log.warning("notice not queued: no e-mail for the consultancy", kind=kind, key=key)
        return False
    text = bilingual(subject_zh=subject[0], subject_en=subject[1], body_zh=body[0], body_en=body[1])
    return enqueue(
        session,
        outbox,
        Outgoing(
            dedupe_key=key,
            kind=kind,
            recipient=contact.email,
            recipient_name=contact.display_name,
            subject=text.subject,
            body=text.body,
        ),
    )


def queue_proposed(
    session: Any,
    *,
    flag_id: uuid.UUID,
    period: str,
    reasons: list[dict[str, Any]],
    deadline: datetime,
    contact: Contact | None,
) -> bool:
    p_zh, p_en = _period_labels(period)
    r_zh, r_en = _reasons(reasons)
    name = contact.display_name if contact else ""
    return _queue(
        session,
        contact,
        f"flag:{flag_id}:proposed",
        "notice_proposed",
        (f"拟通报告知：{p_zh}技术服务质量", f"Proposed notice: service quality, {p_en}"),
        (
            f"{name}：\n\n根据{p_zh}清洁生产审核技术服务质量评价结果，拟对贵单位予以通报，理由如下：\n{r_zh}\n\n"
            f"贵单位可在 {cst_time_label(deadline)} 前登录平台提交陈述意见，主管部门作出决定前将予以审阅：\n"
            f"{_link(period)}\n\n通报经主管部门批准后方在月度公告中发布。",
            f"To {name}:\n\nFollowing the service-quality evaluation of {p_en}, a notice about your firm is "
            f"proposed, for these reasons:\n{r_en}\n\nYou may file a statement until "
            f"{cst_time_label(deadline, 'en')}; the authority reads it before deciding:\n{_link(period)}\n\n"
            "A notice is published in the monthly bulletin only once the authority approves it.",
        ),
    )


def queue_reminder(
    session: Any, *, flag_id: uuid.UUID, period: str, deadline: datetime, contact: Contact | None
) -> bool:
    p_zh, p_en = _period_labels(period)
    name = contact.display_name if contact else ""
    return _queue(
        session,
        contact,
        f"flag:{flag_id}:statement-reminder",
        "statement_reminder",
        (
            f"提醒：陈述意见截止时间 {cst_time_label(deadline)}",
            f"Reminder: statement due {cst_time_label(deadline, 'en')}",
        ),
        (
            f"{name}：\n\n对贵单位{p_zh}的拟通报事项，陈述意见提交截止时间为 {cst_time_label(deadline)}，"
            f"目前尚未收到贵单位的陈述意见。如需陈述，请及时登录平台提交：\n{_link(period)}",
            f"To {name}:\n\nThe statement on the notice proposed about your firm for {p_en} is due by "
            f"{cst_time_label(deadline, 'en')}, and none has been filed yet. To file one, log in:\n"
            f"{_link(period)}",
        ),
    )


def queue_decision(
    session: Any,
    *,
    flag_id: uuid.UUID,
    period: str,
    approved: bool,
    reason: str,
    contact: Contact | None,
) -> bool:
    p_zh, p_en = _period_labels(period)
    name = contact.display_name if contact else ""
    if approved:
        verdict_zh = "主管部门已批准对贵单位的通报，将在月度公告中发布。"
        verdict_en = (
            "The authority approved the notice about your firm; it will be published in the monthly bulletin."
        )
    else:
        verdict_zh = "主管部门决定不予通报。"
        verdict_en = "The authority decided not to publish the proposed notice."
    return _queue(
        session,
        contact,
        f"flag:{flag_id}:decided",
        "notice_decision",
        (f"通报决定：{p_zh}", f"Decision on the proposed notice: {p_en}"),
        (
            f"{name}：\n\n关于贵单位{p_zh}的拟通报事项，{verdict_zh}\n决定理由：{reason}\n\n详情：{_link(period)}",
            f"To {name}:\n\nOn the notice proposed about your firm for {p_en}: {verdict_en}\n"
            f"Reason given: {reason}\n\nDetails: {_link(period)}",
        ),
    )


def reminder_due(proposed_at: datetime, deadline: datetime, now: datetime, lead: timedelta) -> bool:
    """A reminder is due once the deadline is within ``lead`` and not yet past."""
    return deadline - lead <= now < deadline and proposed_at < now


def remind_statements(
    engine: Engine,
    *,
    due: DueProcessConfig,
    contacts: Contacts | None,
    lead: timedelta,
    now: datetime | None = None,
) -> int:
    """Queue a reminder for every proposed notice whose statement is still missing and due within
    ``lead``; each flag is reminded once (the dedupe key). Returns how many were queued."""
    now = now or utcnow()
    with read_transaction(engine) as s:
        rows = s.execute(
            select(flags.c.id, flags.c.period, flags.c.consultancy, flags.c.proposed_time).where(
                flags.c.notice_state == NoticeState.PROPOSED.value,
                flags.c.statement == "",
                flags.c.proposed_time.is_not(None),
            )
        ).all()
    todo = []
    for row in rows:
        proposed = aware(row.proposed_time)
        deadline = statement_deadline(proposed, due)
        if reminder_due(proposed, deadline, now, lead):
            todo.append((row, deadline))
    if not todo:
        return 0
    found = contacts([r.consultancy for r, _ in todo]) if contacts else {}
    queued = 0
    with transaction(engine) as s:
        for row, deadline in todo:
            queued += queue_reminder(
                s, flag_id=row.id, period=row.period, deadline=deadline, contact=found.get(row.consultancy)
            )
    return queued


def reminder_round(ctx: ServiceContext) -> Callable[[], int]:
    """The delivery thread's hourly round: statement reminders, ``DGCP_STATEMENT_REMINDER_DAYS``
    (default 3) before each deadline."""
    lead = timedelta(days=config.env_number("DGCP_STATEMENT_REMINDER_DAYS", 3, unit="days"))
    contacts = contacts_fetch(ctx)
    due = DueProcessConfig()

    def run() -> int:
        return remind_statements(ctx.engine, due=due, contacts=contacts, lead=lead)

    return run
