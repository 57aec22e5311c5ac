"""Survey links e-mailed to enterprises, queued in the transaction that issues (or renews) them.

One message per invitation, to the enterprise e-mail given with the case facts; it carries that
invitation's single-use link and nothing else secret. Invitations without an address are only
returned to the caller, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from runtime.calendar import cst_time_label
from runtime.notify import LINK, Outgoing, enqueue
from runtime.notify.compose import bilingual
from runtime.resources import aware
from services.surveys.models import InvitationRow, outbox
from services.surveys.policy import SurveyPolicy
from services.surveys.templates import PartyKind

_PARTY = {
    PartyKind.CONSULTANCY: ("清洁生产技术服务单位", "clean-production consultancy"),
    PartyKind.REVIEW_AGENCY: ("评估验收机构", "review agency"),
}


def queue_survey_links(
    *,
    session: Session,
    sent: Sequence[tuple[InvitationRow, str]],
    policy: SurveyPolicy,
    reminder: bool = False,
) -> int:
    """Queue one message per (invitation, fresh token) that has an address; returns how many."""
    queued = 0
    for row, token in sent:
        if not row.enterprise_email:
            continue
        kind_zh, kind_en = _PARTY[PartyKind(row.rated_party_kind)]
        party = row.rated_party_display_name
        case = row.case_display_name or row.enterprise_display_name
        due_zh, due_en = cst_time_label(aware(row.deadline)), cst_time_label(aware(row.deadline), "en")
        again_zh = "（提醒）" if reminder else ""
        again_en = "Reminder: " if reminder else ""
        text = bilingual(
            subject_zh=f"{again_zh}满意度评价邀请：{kind_zh}“{party}”",
            subject_en=f"{again_en}please rate the {kind_en} {party}",
            body_zh=(
                f"{row.enterprise_display_name}：\n\n"
                f"请对{kind_zh}“{party}”在“{case}”中提供的服务进行满意度评价，约需 3 分钟：\n"
                f"{LINK}\n\n"
                f"此链接仅供贵单位使用一次，请勿转发；截止时间：{due_zh}。"
                + ("\n如已填写，请忽略本提醒。" if reminder else "")
            ),
            body_en=(
                f"To {row.enterprise_display_name}:\n\n"
                f"Please rate the service of the {kind_en} {party} in “{case}”; it takes about 3 minutes:\n"
                f"{LINK}\n\n"
                f"This link is for your organisation only and works once; please do not forward it. "
                f"Answers are accepted until {due_en}."
                + ("\nIf you have answered already, please ignore this reminder." if reminder else "")
            ),
        )
        step = f"reminder:{row.reminder_count}" if reminder else "issued"
        queued += enqueue(
            session,
            outbox,
            Outgoing(
                dedupe_key=f"invitation:{row.id}:{step}",
                kind="survey_reminder" if reminder else "survey_link",
                recipient=row.enterprise_email,
                recipient_name=row.enterprise_display_name,
                subject=text.subject,
                body=text.body,
                link=policy.link(token),
            ),
        )
    return queued
