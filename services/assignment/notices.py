"""What the assignment service tells people: each drawn expert, their panel seats, and a reminder
before the lot's review deadline.

Seat messages are queued in the draw's (or the recusal's) own transaction, one per expert per
draw or amendment, to the expert's registry e-mail; an expert without one is not written to. The
message names the lot, the enterprises and the review deadline, and links to the reviewer's page
(no secret: the expert logs in). The delivery thread's round queues one reminder per expert and
lot once the deadline is within ``DGCP_REVIEW_REMINDER_DAYS`` (default 2), naming the seats whose
panel scoring has not locked yet; an expert whose cases are all locked is not reminded.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from runtime import config
from runtime.calendar import cst_time_label
from runtime.db import transaction
from runtime.notify import Outgoing, enqueue
from runtime.notify.compose import bilingual
from runtime.resources import aware, utcnow
from runtime.server import ServiceContext
from services.assignment import lot_store as ls
from services.assignment.models import Case, Enterprise, Expert, Lot, outbox

STAGE = {1: ("评估", "evaluation"), 2: ("验收", "acceptance")}
TRACK = {1: ("一般程序", "standard track"), 2: ("简易程序", "fast track")}


def lot_label(lot: Lot) -> tuple[str, str]:
    return (
        f"{lot.year}年第{lot.batch}批第{lot.lot_number}标段",
        f"{lot.year} batch {lot.batch}, lot {lot.lot_number}",
    )


def queue_seat_notices(
    *,
    session: Session,
    lot: Lot,
    draw_id: uuid.UUID,
    cases: dict[uuid.UUID, Case],
    seats: Iterable[tuple[uuid.UUID, uuid.UUID]],
    amendment_number: int | None = None,
) -> int:
    """Queue one message per expert for ``seats`` ((case, expert) pairs); returns how many."""
    by_expert: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for case_id, expert_id in seats:
        by_expert[expert_id].append(case_id)
    if not by_expert:
        return 0
    experts = {
        e.id: e
        for e in session.exec(select(Expert).where(Expert.id.in_(list(by_expert))))  # type: ignore[attr-defined]
    }
    enterprise_ids = {cases[c].enterprise_id for ids in by_expert.values() for c in ids}
    enterprises = {
        e.id: e.display_name
        for e in session.exec(select(Enterprise).where(Enterprise.id.in_(list(enterprise_ids))))  # type: ignore[attr-defined]
    }
    lot_zh, lot_en = lot_label(lot)
    deadline = aware(lot.review_deadline)
    due_zh = f"评审截止时间：{cst_time_label(deadline)}。" if deadline else "评审截止时间另行通知。"
    due_en = (
        f"Reviews are due by {cst_time_label(deadline, 'en')}."
        if deadline
        else "The review deadline will follow."
    )
    link = f"{config.public_base_url()}/reviewer"
    queued = 0
    for expert_id, case_ids in sorted(by_expert.items()):
        expert = experts.get(expert_id)
        if expert is None or not expert.contact_email:
            continue
        lines_zh, lines_en = [], []
        ordered = sorted(case_ids, key=lambda c: enterprises.get(cases[c].enterprise_id, ""))
        for n, case_id in enumerate(ordered, 1):
            case = cases[case_id]
            name = enterprises.get(case.enterprise_id, "")
            st_zh, st_en = STAGE.get(case.stage, ("", ""))
            tr_zh, tr_en = TRACK.get(case.track, ("", ""))
            lines_zh.append(f"{n}. {name}（{st_zh}，{tr_zh}）")
            lines_en.append(f"{n}. {name} ({st_en}, {tr_en})")
        if amendment_number is None:
            head_zh = f"您已被随机抽取为{lot_zh}以下 {len(case_ids)} 个案件的评审专家："
            head_en = f"You have been drawn to review the following {len(case_ids)} case(s) of {lot_en}:"
            key = f"draw:{draw_id}:expert:{expert_id}"
        else:
            head_zh = f"因原评审专家回避，您已被补充抽取为{lot_zh}以下案件的评审专家："
            head_en = f"A panel member recused; you have been drawn in their place on {lot_en}:"
            key = f"draw:{draw_id}:amendment:{amendment_number}"
        text = bilingual(
            subject_zh=f"评审任务通知：{lot_zh}",
            subject_en=f"Review assignment: {lot_en}",
            body_zh=(
                f"{expert.display_name}专家：\n\n{head_zh}\n"
                + "\n".join(lines_zh)
                + f"\n\n{due_zh}\n如与上述企业或其技术服务单位存在利益关系，请登录后申报回避：{link}"
            ),
            body_en=(
                f"Dear {expert.display_name},\n\n{head_en}\n"
                + "\n".join(lines_en)
                + f"\n\n{due_en}\nIf you have a conflict of interest with any of them, "
                f"log in and declare it to recuse: {link}"
            ),
        )
        queued += enqueue(
            session,
            outbox,
            Outgoing(
                dedupe_key=key,
                kind="panel_seat",
                recipient=expert.contact_email,
                recipient_name=expert.display_name,
                subject=text.subject,
                body=text.body,
            ),
        )
    return queued


def remind_reviewers(engine: Engine, *, lead: timedelta, now: datetime | None = None) -> int:
    """Queue a reminder for every seated expert of a live lot whose review deadline is within
    ``lead`` and not past, naming the seats on cases whose panel is not locked yet; each expert is
    reminded once per lot (the dedupe key). Returns how many were queued."""
    now = now or utcnow()
    queued = 0
    with transaction(engine) as session:
        lots = session.exec(
            select(Lot).where(
                col(Lot.status).in_((ls.LOT_ASSIGNED, ls.LOT_REVIEWING)),
                col(Lot.review_deadline).is_not(None),
            )
        ).all()
        for lot in lots:
            deadline = aware(lot.review_deadline)
            if deadline is None or not deadline - lead <= now < deadline:
                continue
            cases = {
                c.id: c
                for c in session.exec(
                    select(Case).where(Case.lot_id == lot.id, col(Case.frozen_time).is_(None))
                )
            }
            panels = ls.active_panel(session=session, case_ids=list(cases)) if cases else {}
            by_expert: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
            for case_id, experts in panels.items():
                for expert_id in experts:
                    by_expert[expert_id].append(case_id)
            queued += _queue_reminders(session, lot, cases, by_expert, deadline)
    return queued


def _queue_reminders(
    session: Session,
    lot: Lot,
    cases: dict[uuid.UUID, Case],
    by_expert: dict[uuid.UUID, list[uuid.UUID]],
    deadline: datetime,
) -> int:
    if not by_expert:
        return 0
    experts = {e.id: e for e in session.exec(select(Expert).where(col(Expert.id).in_(list(by_expert))))}
    enterprise_ids = {cases[c].enterprise_id for ids in by_expert.values() for c in ids}
    enterprises = {
        e.id: e.display_name
        for e in session.exec(select(Enterprise).where(col(Enterprise.id).in_(list(enterprise_ids))))
    }
    lot_zh, lot_en = lot_label(lot)
    link = f"{config.public_base_url()}/reviewer"
    queued = 0
    for expert_id, case_ids in sorted(by_expert.items()):
        expert = experts.get(expert_id)
        if expert is None or not expert.contact_email:
            continue
        names = sorted(enterprises.get(cases[c].enterprise_id, "") for c in case_ids)
        text = bilingual(
            subject_zh=f"评审截止提醒：{lot_zh}",
            subject_en=f"Review deadline reminder: {lot_en}",
            body_zh=(
                f"{expert.display_name}专家：\n\n{lot_zh}的评审截止时间为 {cst_time_label(deadline)}。"
                f"您尚有以下 {len(names)} 个案件的评审未完成（专家组尚未锁定）：\n"
                + "\n".join(f"{n}. {name}" for n, name in enumerate(names, 1))
                + f"\n\n请登录后完成评分：{link}"
            ),
            body_en=(
                f"Dear {expert.display_name},\n\nReviews for {lot_en} are due by "
                f"{cst_time_label(deadline, 'en')}. These {len(names)} case(s) of yours are not "
                "finished yet (their panel has not locked):\n"
                + "\n".join(f"{n}. {name}" for n, name in enumerate(names, 1))
                + f"\n\nLog in to finish scoring: {link}"
            ),
        )
        queued += enqueue(
            session,
            outbox,
            Outgoing(
                dedupe_key=f"lot:{lot.id}:review-reminder:expert:{expert_id}",
                kind="review_reminder",
                recipient=expert.contact_email,
                recipient_name=expert.display_name,
                subject=text.subject,
                body=text.body,
            ),
        )
    return queued


def reminder_round(ctx: ServiceContext) -> Callable[[], int]:
    """The delivery thread's round: review-deadline reminders, ``DGCP_REVIEW_REMINDER_DAYS``
    (default 2) before each lot's deadline."""
    lead = timedelta(days=config.env_number("DGCP_REVIEW_REMINDER_DAYS", 2, unit="days"))

    def run() -> int:
        return remind_reviewers(ctx.engine, lead=lead)

    return run
