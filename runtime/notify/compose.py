"""Texts people receive: Simplified Chinese first, then English, plain and complete."""

from __future__ import annotations

from dataclasses import dataclass

SENDER_ZH = "东莞市清洁生产审核评估验收服务平台"
SENDER_EN = "Dongguan Clean-Production Audit Review Platform"
FOOTER_ZH = f"{SENDER_ZH}（系统自动发送，请勿直接回复）"
FOOTER_EN = f"{SENDER_EN} (sent automatically; please do not reply)"


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def bilingual(*, subject_zh: str, subject_en: str, body_zh: str, body_en: str) -> Text:
    """One subject line and one body carrying both languages, Chinese first."""
    body = f"{body_zh.strip()}\n\n{FOOTER_ZH}\n\n————————\n\n{body_en.strip()}\n\n{FOOTER_EN}\n"
    return Text(subject=f"{subject_zh} / {subject_en}", body=body)
