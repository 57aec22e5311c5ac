"""The official-document frame of a bulletin (通报, GB/T 9704-2012) and its body, in both languages.

Who issues it, the document-number pattern, the addressees, where and until when to object, and the
legal-remedy wording are deployment configuration (:class:`OfficialConfig`, environment variables
``DGCP_BULLETIN_*``), defaulting to Dongguan's Development and Reform Bureau. The body is built here
once as sections of plain paragraphs and lists; the HTML and PDF renderers lay the same sections
out, so both languages and both formats say the same thing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from runtime.calendar import cst_date_label
from services.scoring.bulletin.payload import GRADE_LABELS, BulletinPayload, Official

BASIS_ZH = (
    "根据《东莞市全面推行清洁生产若干措施（2023—2025年）》（东发改函〔2023〕355号）第二十一条"
    "（大力发展清洁生产服务业）、第二十三条（提升清洁生产数字化智能化水平）、第二十五条（推动清洁生产审核"
    "管理模式创新，对第三方机构通过服务质量通报等方式实施动态监管、优胜劣汰）和第三十条（加强清洁生产数据"
    "统计分析），以及《清洁生产审核办法》（国家发展和改革委员会、环境保护部令第38号）和《清洁生产审核评估与"
    "验收指南》（环办科技〔2018〕5号）"
)
BASIS_EN = (
    "Under articles 21 (clean-production services), 23 (digital supervision), 25 (innovating the "
    "management of clean-production audits: dynamic supervision of third parties through service-quality "
    "notices, keeping the best and removing the worst) and 30 (statistics on clean production) of Dongguan's "
    "Measures for Fully Implementing Clean Production (2023-2025) (Dong Fa Gai Han [2023] No. 355), and "
    "the national Measures for Clean-Production Audits (NDRC and MEP Order No. 38) and Guidelines for the "
    "Evaluation and Acceptance of Clean-Production Audits (Huan Ban Ke Ji [2018] No. 5)"
)


ENV_DOCS: dict[str, str] = {
    "DGCP_BULLETIN_SIGNING_KEY": (
        "The issuing authority's Ed25519 private key (PKCS#8 PEM) that signs every bulletin manifest. "
        "Default: generated once into `$DGCP_DATA_DIR/bulletin-signing.pem` (local runs only; a Secret in "
        "production)."
    ),
    "DGCP_BULLETIN_SIGNING_KEY_FILE": "The same key read from a file (a mounted Secret).",
    "DGCP_BULLETIN_DIR": (
        "Published folder of bulletin versions (`{period}/v{n}/`), checked by VerifyBulletin "
        "(default `$DGCP_DATA_DIR/bulletins`)."
    ),
    "DGCP_BULLETIN_FONT_DIR": "Extra folder searched first for the PDF's TrueType fonts.",
    "DGCP_BULLETIN_AUTHORITY_ZH": "Issuing authority (default 东莞市发展和改革局); `_EN` for English.",
    "DGCP_BULLETIN_AUTHORITY_EN": "Issuing authority in English (default Dongguan Development and Reform Bureau).",
    "DGCP_BULLETIN_NUMBER_PATTERN": "Document number with `{year}` and `{seq}` (default `东发改通〔{year}〕{seq}号`).",
    "DGCP_BULLETIN_NUMBER_PATTERN_EN": "The document number in English (default `Dong Fa Gai Tong [{year}] No. {seq}`).",
    "DGCP_BULLETIN_ADDRESSEES_ZH": "主送 line; `_EN` for English.",
    "DGCP_BULLETIN_ADDRESSEES_EN": "Addressees in English.",
    "DGCP_BULLETIN_OBJECTION_CONTACT_ZH": "Where to object (office, channel); `_EN` for English.",
    "DGCP_BULLETIN_OBJECTION_CONTACT_EN": "Where to object, in English.",
    "DGCP_BULLETIN_OBJECTION_DAYS": "Days after publication to object (default 15).",
    "DGCP_BULLETIN_REVIEW_BODY_ZH": "行政复议 body (default 东莞市人民政府); `_EN` for English.",
    "DGCP_BULLETIN_REVIEW_BODY_EN": "The administrative-review body in English.",
    "DGCP_BULLETIN_COPY_TO_ZH": "抄送 line of the 版记; `_EN` for English.",
    "DGCP_BULLETIN_COPY_TO_EN": "Copied-to line in English.",
    "DGCP_BULLETIN_PRINTED_BY_ZH": "印发机关 of the 版记 (default 东莞市发展和改革局办公室); `_EN` for English.",
    "DGCP_BULLETIN_PRINTED_BY_EN": "Issuing office in English.",
}


def _join_zh(reasons: tuple[str, ...] | list[str]) -> str:
    """Reasons as one Chinese sentence run: ``甲；乙。`` (never ``甲。；乙``)."""
    parts = [r.strip().rstrip("。；;") for r in reasons if r.strip()]
    return "；".join(parts) + "。" if parts else ""


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class OfficialConfig:
    """Deployment settings of the official form; every field has a Dongguan default."""

    authority_zh: str = "东莞市发展和改革局"
    authority_en: str = "Dongguan Development and Reform Bureau"
    # {year} and {seq} (the sequence of the authority's bulletins in that year) are filled in
    number_pattern: str = "东发改通〔{year}〕{seq}号"
    number_pattern_en: str = "Dong Fa Gai Tong [{year}] No. {seq}"
    addressees_zh: str = "各园区管委会，各镇人民政府（街道办事处），各清洁生产审核技术服务单位、评估验收机构"
    addressees_en: str = (
        "The park administrative committees, the town governments and sub-district offices, every "
        "clean-production audit consultancy and review agency"
    )
    objection_contact_zh: str = (
        "东莞市发展和改革局资源节约和环境保护科（书面提出，或在本系统“陈述与异议”中提交）"
    )
    objection_contact_en: str = (
        "the Resource Conservation and Environmental Protection Section of the Dongguan Development and "
        "Reform Bureau (in writing, or through the system's statements and objections page)"
    )
    objection_days: int = 15
    review_body_zh: str = "东莞市人民政府"
    review_body_en: str = "the Dongguan Municipal People's Government"
    copy_to_zh: str = "广东省发展和改革委员会，东莞市生态环境局"
    copy_to_en: str = (
        "Guangdong Provincial Development and Reform Commission; Dongguan Ecology and Environment Bureau"
    )
    printed_by_zh: str = "东莞市发展和改革局办公室"
    printed_by_en: str = "General Office, Dongguan Development and Reform Bureau"

    @staticmethod
    def from_env() -> OfficialConfig:
        d = OfficialConfig()
        return replace(
            d,
            authority_zh=_env("DGCP_BULLETIN_AUTHORITY_ZH", d.authority_zh),
            authority_en=_env("DGCP_BULLETIN_AUTHORITY_EN", d.authority_en),
            number_pattern=_env("DGCP_BULLETIN_NUMBER_PATTERN", d.number_pattern),
            number_pattern_en=_env("DGCP_BULLETIN_NUMBER_PATTERN_EN", d.number_pattern_en),
            addressees_zh=_env("DGCP_BULLETIN_ADDRESSEES_ZH", d.addressees_zh),
            addressees_en=_env("DGCP_BULLETIN_ADDRESSEES_EN", d.addressees_en),
            objection_contact_zh=_env("DGCP_BULLETIN_OBJECTION_CONTACT_ZH", d.objection_contact_zh),
            objection_contact_en=_env("DGCP_BULLETIN_OBJECTION_CONTACT_EN", d.objection_contact_en),
            objection_days=int(_env("DGCP_BULLETIN_OBJECTION_DAYS", str(d.objection_days))),
            review_body_zh=_env("DGCP_BULLETIN_REVIEW_BODY_ZH", d.review_body_zh),
            review_body_en=_env("DGCP_BULLETIN_REVIEW_BODY_EN", d.review_body_en),
            copy_to_zh=_env("DGCP_BULLETIN_COPY_TO_ZH", d.copy_to_zh),
            copy_to_en=_env("DGCP_BULLETIN_COPY_TO_EN", d.copy_to_en),
            printed_by_zh=_env("DGCP_BULLETIN_PRINTED_BY_ZH", d.printed_by_zh),
            printed_by_en=_env("DGCP_BULLETIN_PRINTED_BY_EN", d.printed_by_en),
        )

    def document_number(self, year: int, seq: int, lang: str = "zh-CN") -> str:
        pattern = self.number_pattern if lang == "zh-CN" else self.number_pattern_en
        return pattern.format(year=year, seq=seq)

    def official(self, published_at: datetime, year: int, seq: int) -> Official:
        deadline = published_at + timedelta(days=self.objection_days)
        by_zh, by_en = cst_date_label(deadline), cst_date_label(deadline, "en")
        return Official(
            authority_zh=self.authority_zh,
            authority_en=self.authority_en,
            document_number=self.document_number(year, seq),
            issue_date_zh=cst_date_label(published_at),
            issue_date_en=cst_date_label(published_at, "en"),
            addressees_zh=self.addressees_zh,
            addressees_en=self.addressees_en,
            basis_zh=BASIS_ZH,
            basis_en=BASIS_EN,
            objection_zh=(
                f"被通报单位或其他利害关系人对本通报所列事实有异议的，可于{by_zh}前（本通报发布之日起"
                f"{self.objection_days}日内）向{self.objection_contact_zh}提出，并附相关证明材料。"
            ),
            objection_en=(
                f"A named firm or any other party concerned who disputes the facts stated here may object to "
                f"{self.objection_contact_en} by {by_en} (within {self.objection_days} days of publication), "
                "with supporting evidence."
            ),
            remedy_zh=(
                f"对本通报不服的，可以自知道本通报之日起六十日内向{self.review_body_zh}申请行政复议，"
                "或者自知道本通报之日起六个月内依法向有管辖权的人民法院提起行政诉讼。"
            ),
            remedy_en=(
                f"Anyone who does not accept this notice may apply for administrative review to "
                f"{self.review_body_en} within sixty days of learning of it, or bring an administrative "
                "lawsuit before the competent people's court within six months of learning of it."
            ),
            copy_to_zh=self.copy_to_zh,
            copy_to_en=self.copy_to_en,
            printed_by_zh=self.printed_by_zh,
            printed_by_en=self.printed_by_en,
        )


# ---------------------------------------------------------------- the body, once for every format


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


def _pct(num: int, den: int) -> str:
    return f"{num / den:.1%}" if den else "—"


def _code(code: str, lang: str) -> str:
    if code:
        return f"统一社会信用代码：{code}" if lang == "zh-CN" else f"unified social credit code {code}"
    return "统一社会信用代码：未登记" if lang == "zh-CN" else "no credit code registered"


def body_sections(p: BulletinPayload, lang: str, method: list[str]) -> list[Section]:
    """The body of the notice in order: basis, method, summary, notices, watch list, objection."""
    zh = lang == "zh-CN"
    o = p.official
    s = p.summary
    out: list[Section] = []
    label = p.period_label_zh if zh else p.period_label_en
    if zh:
        scope = "年度" if p.kind == "annual" else "月度"
        intro = (
            f"{o.basis_zh if o else ''}，现将{label}清洁生产审核技术服务质量{scope}评价结果通报如下。"
            if o
            else f"现将{label}清洁生产审核技术服务质量评价结果通报如下。"
        )
        if p.kind == "interim":
            intro += f"本通报为期中通报，统计期尚未结束，数据截至发布时刻（{_dt(p.data_cutoff, lang)}）。"
        out.append(Section("", (intro,)))
        out.append(Section("一、评价方法", tuple(method)))
        pass_rate = _pct(s.passed, s.cases)
        paras = [
            f"统计窗口（{p.window_start}至{p.window_end}）内共完成技术审查 {s.cases} 宗，一次通过 {s.passed} 宗，"
            f"一次通过率 {pass_rate}；触发一票否决 {s.vetoed} 宗。参与评价的技术服务单位 {s.consultancies} 家、"
            f"评估验收机构 {s.agencies} 家。"
        ]
        out.append(
            Section(
                "二、总体情况",
                tuple(paras),
                tuple(f"{g.label_zh}：{g.cases} 宗，一次通过率 {_pct(g.passed, g.cases)}" for g in s.by_town)
                + tuple(
                    f"{g.label_zh}（{g.key}）：{g.cases} 宗，一次通过率 {_pct(g.passed, g.cases)}"
                    for g in s.by_industry
                ),
            )
        )
        notices = [
            f"{n.name}（{_code(n.credit_code, lang)}）。事实与理由：{_join_zh(n.reasons_zh)}"
            f"单位陈述：{n.statement or '未在陈述期内提交陈述'}。处理决定：{n.decision_reason}"
            for n in p.notices
        ]
        out.append(
            Section(
                "三、通报的单位",
                () if notices else ("本期无经批准的通报。",),
                tuple(notices),
            )
        )
        watch = [f"{w.name}（{_code(w.credit_code, lang)}）：{_join_zh(w.reasons_zh)}" for w in p.watch]
        out.append(
            Section(
                "四、重点关注名单",
                (
                    "以下单位的证据显示其服务质量可能低于合格线，但尚不足以通报；列入重点关注名单不构成处罚，"
                    "主管部门将加强抽查，单位可查阅自身证据并提出意见。",
                )
                if watch
                else ("本期无列入重点关注名单的单位。",),
                tuple(watch),
            )
        )
        out.append(
            Section(
                "五、排名与等级",
                (
                    "各单位综合得分、90%区间、排名区间与等级详见附件1、附件2。"
                    "请以等级和区间理解结果，名次相近的单位之间差异可能并不显著。",
                ),
            )
        )
        out.append(
            Section(
                "六、异议与救济",
                ((o.objection_zh, o.remedy_zh) if o else ()),
            )
        )
        return out
    scope = "annual" if p.kind == "annual" else "monthly"
    intro = (
        f"{o.basis_en}, the results of the {scope} evaluation of clean-production audit service quality for "
        f"{label} are notified as follows."
        if o
        else f"The results of the evaluation of clean-production audit service quality for {label} follow."
    )
    if p.kind == "interim":
        intro += (
            " This is an INTERIM notice: the period has not ended, and the data are cut off at the moment of "
            f"publication ({_dt(p.data_cutoff, lang)})."
        )
    out.append(Section("", (intro,)))
    out.append(Section("1. Method", tuple(method)))
    out.append(
        Section(
            "2. Overall results",
            (
                f"In the window ({p.window_start} to {p.window_end}) {s.cases} technical reviews were completed, "
                f"{s.passed} passed at the first review (first-pass rate {_pct(s.passed, s.cases)}), and {s.vetoed} "
                f"triggered a veto. {s.consultancies} consultancies and {s.agencies} review agencies were "
                "evaluated.",
            ),
            tuple(
                f"{g.label_en}: {g.cases} cases, first-pass rate {_pct(g.passed, g.cases)}" for g in s.by_town
            )
            + tuple(
                f"{g.label_en} ({g.key}): {g.cases} cases, first-pass rate {_pct(g.passed, g.cases)}"
                for g in s.by_industry
            ),
        )
    )
    notices = [
        f"{n.name} ({_code(n.credit_code, lang)}). Facts and reasons: {' '.join(n.reasons_en)} "
        f"Statement of the firm: {n.statement or 'none filed within the statement window'}. "
        f"Decision: {n.decision_reason}"
        for n in p.notices
    ]
    out.append(
        Section(
            "3. Firms notified",
            () if notices else ("No notice was approved for this period.",),
            tuple(notices),
        )
    )
    watch = [f"{w.name} ({_code(w.credit_code, lang)}): {' '.join(w.reasons_en)}" for w in p.watch]
    out.append(
        Section(
            "4. Watch list",
            (
                "The evidence on the following firms suggests their service quality may be below the pass line, "
                "but not strongly enough for a notice. Being on the watch list is no sanction: the authority "
                "checks them more often, and each firm may read its own evidence and comment.",
            )
            if watch
            else ("No firm is on the watch list for this period.",),
            tuple(watch),
        )
    )
    out.append(
        Section(
            "5. Ranking and grades",
            (
                "Composite scores, 90% intervals, rank intervals and grades are in Attachments 1 and 2. Read "
                "grades and intervals: firms with close ranks may not differ significantly.",
            ),
        )
    )
    out.append(Section("6. Objections and legal remedies", ((o.objection_en, o.remedy_en) if o else ())))
    return out


def _dt(iso: str, lang: str) -> str:
    from runtime.calendar import cst_time_label

    try:
        return cst_time_label(datetime.fromisoformat(iso), lang)
    except ValueError:
        return iso


def beijing(iso: str, lang: str) -> str:
    """An ISO instant from the payload as a reader's Beijing time."""
    return _dt(iso, lang)


def grade_label(g: str, lang: str) -> str:
    return GRADE_LABELS.get(g, (g, g))[0 if lang == "zh-CN" else 1]
