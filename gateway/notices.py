"""Activation links e-mailed to the account holder, queued with the account change itself.

The link is the account's single-use activation link (sealed in the outbox until sent); an
account without an e-mail address gets none, and the authority hands the link over another way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.models import Account, outbox
from runtime import config
from runtime.calendar import cst_time_label
from runtime.notify import LINK, Outgoing, enqueue
from runtime.notify.compose import bilingual

_IGNORE_ZH = "如非本人申请，请忽略本邮件。"
ROLE_WORDS = {
    "reviewer": ("评审专家", "reviewer"),
    "consultancy": ("技术服务单位", "consultancy"),
    "authority": ("主管部门工作人员", "authority officer"),
}


def activation_url(token: str) -> str:
    return f"{config.public_base_url()}/activate/{token}"


def queue_activation(session: Any, account: Account, token: str, expires: datetime, *, reissue: bool) -> bool:
    """Queue the link to ``account.email``; False when the account has no address."""
    if not account.email:
        return False
    role_zh, role_en = ROLE_WORDS.get(account.role, (account.role, account.role))
    name = account.display_name or account.username
    if reissue:
        head_zh, head_en = "已为您重新签发登录密码设置链接。", "A new link to set your password was issued."
    else:
        head_zh = f"已为您开通平台账户（{role_zh}），用户名：{account.username}。"
        head_en = f"An account ({role_en}) was opened for you; your user name is {account.username}."
    text = bilingual(
        subject_zh="设置平台登录密码",
        subject_en="Set your password",
        body_zh=(
            f"{name}：\n\n{head_zh}\n"
            f"请在 {cst_time_label(expires)} 前打开以下链接设置密码（仅可使用一次）：\n{LINK}\n\n{_IGNORE_ZH}"
        ),
        body_en=(
            f"Dear {name},\n\n{head_en}\nOpen this link before {cst_time_label(expires, 'en')} to set your "
            f"password (it works once):\n{LINK}\n\nIf you did not expect this, ignore this message."
        ),
    )
    return enqueue(
        session,
        outbox,
        Outgoing(
            dedupe_key=f"activation:{account.id}:{token[:16]}",
            kind="activation",
            recipient=account.email,
            recipient_name=name,
            subject=text.subject,
            body=text.body,
            link=activation_url(token),
        ),
    )
