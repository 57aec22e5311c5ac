"""Render a bulletin payload to HTML, PDF and CSV in zh-CN and en, JSON, charts and a signed manifest.

Rendering is deterministic (no clock; reportlab's invariant mode; the publication instant comes from
the payload), so the same payload always gives the same bytes. The PDFs follow GB/T 9704-2012, the
national layout of official documents (版头 with the issuing authority and document number, title,
addressees, body, attachment list, authority and date, 版记), and embed subsets of TrueType fonts
(``fonts.py``), so every viewer shows the same glyphs. Every page of every format says when the
version is interim, synthetic or superseded.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable, HRFlowable

from runtime import csvsafe
from services.scoring.bulletin.charts import funnel_plot, grade_distribution, to_drawing, to_svg
from services.scoring.bulletin.fonts import fonts
from services.scoring.bulletin.manifest import GENESIS, SIGNATURE, build_manifest
from services.scoring.bulletin.manifest import MANIFEST as MANIFEST
from services.scoring.bulletin.manifest import sha256 as sha256
from services.scoring.bulletin.official import Section, beijing, body_sections
from services.scoring.bulletin.payload import GRADE_LABELS, BulletinPayload, StandingRow
from services.scoring.bulletin.signing import PUBLIC_KEY_FILE, Signer

SCHEMA_PATH = Path(__file__).with_name("schema") / "bulletin.schema.json"
LANGS = ("zh-CN", "en")


@dataclass(frozen=True)
class Texts:
    """Fixed wording per language (figures come from the payload)."""

    lang: str
    synthetic: str
    interim: str
    superseded: str
    cutoff: str
    published: str
    window: str
    version: str
    replaces: str
    method_title: str
    consultancies: str
    agencies: str
    columns: tuple[str, ...]
    funnel_x: str
    funnel_y: str
    notice_dot: str
    grades_y: str
    charts: str
    funnel_title: str
    funnel_desc: str
    grades_title: str
    grades_desc: str
    summary: str
    summary_items: tuple[str, ...]
    attachments: str
    attachment: str
    public_note: str
    seal: str
    copy_to: str
    printed: str
    verification: str
    document_header: str
    addressees_end: str


ZH = Texts(
    lang="zh-CN",
    synthetic="【模拟数据】本通报使用合成数据生成，仅供演示与测试，不代表任何真实单位。",
    interim="【期中通报】统计期尚未结束，数据截至发布时刻，期末将另发月度通报。",
    superseded="【已被取代】本版本已被第{v}版取代（{name}），请以新版本为准。",
    cutoff="数据截止时间",
    published="发布时间",
    window="统计窗口",
    version="版本",
    replaces="本版本更正并取代",
    method_title="方法说明",
    consultancies="清洁生产审核技术服务单位排名",
    agencies="评估验收机构排名",
    columns=("排名", "排名区间", "统一社会信用代码", "单位名称", "报告数", "综合得分", "90%区间", "等级"),
    funnel_x="报告数",
    funnel_y="综合得分",
    notice_dot="已批准通报",
    grades_y="单位数",
    charts="统计图表",
    funnel_title="图1 综合得分与报告数（漏斗图）",
    funnel_desc="每个点为一家技术服务单位：横轴为窗口内报告数，纵轴为综合得分；虚线为95%与99.8%控制限，"
    "红点为已批准通报的单位。报告越少，偶然波动越大。",
    grades_title="图2 等级分布",
    grades_desc="各等级（优秀、良好、合格、不合格）的技术服务单位数量。",
    summary="摘要",
    summary_items=(
        "完成技术审查 {cases} 宗，一次通过率 {rate}",
        "经批准通报 {notices} 家，列入重点关注名单 {watch} 家",
        "参与评价技术服务单位 {firms} 家、评估验收机构 {agencies} 家",
    ),
    attachments="附件",
    attachment="附件{n}",
    public_note="（此件公开发布）",
    seal="本通报以发文机关的电子签名代替印章。签名密钥指纹：{fp}。验证方法见附件3。",
    copy_to="抄送",
    printed="印发",
    verification="验证",
    document_header="文件",
    addressees_end="：",
)

EN = Texts(
    lang="en",
    synthetic="[SYNTHETIC DATA] This notice was generated from simulated data for demonstration and testing; "
    "it describes no real organisation.",
    interim="[INTERIM] The period has not ended; the data are cut off at publication. The monthly notice "
    "follows after the period.",
    superseded="[SUPERSEDED] This version was replaced by version {v} ({name}); rely on the new version.",
    cutoff="Data cut-off",
    published="Published",
    window="Window",
    version="Version",
    replaces="This version corrects and replaces",
    method_title="Method",
    consultancies="Ranking of clean-production audit consultancies",
    agencies="Ranking of review agencies",
    columns=("Rank", "Rank interval", "Credit code", "Name", "Reports", "Composite", "90% interval", "Grade"),
    funnel_x="Reports",
    funnel_y="Composite",
    notice_dot="approved notice",
    grades_y="Firms",
    charts="Charts",
    funnel_title="Figure 1 Composite against number of reports (funnel plot)",
    funnel_desc="Each dot is a consultancy: reports in the window across, composite score up; dashed lines are "
    "the 95% and 99.8% control limits; red dots are firms with an approved notice. The fewer the reports, "
    "the larger the chance variation.",
    grades_title="Figure 2 Grade distribution",
    grades_desc="Number of consultancies in each grade (excellent, good, pass, fail).",
    summary="Summary",
    summary_items=(
        "{cases} technical reviews, first-pass rate {rate}",
        "{notices} firm(s) notified with approval, {watch} on the watch list",
        "{firms} consultancies and {agencies} review agencies evaluated",
    ),
    attachments="Attachments",
    attachment="Attachment {n}",
    public_note="(This document is published in full.)",
    seal="This notice carries the issuing authority's electronic signature in place of a seal. Signing-key "
    "fingerprint: {fp}. Attachment 3 says how to verify it.",
    copy_to="Copied to",
    printed="Issued by",
    verification="Verification",
    document_header="",
    addressees_end=":",
)


def method_text(p: BulletinPayload, lang: str) -> list[str]:
    """The method statement, generated from the numbers that were actually used."""
    m = p.method
    zh = lang == "zh-CN"
    weights = (
        "、".join(f"{zh_l} {w:.0%}" for _, zh_l, _, w in m.weights)
        if zh
        else ", ".join(f"{en_l} {w:.0%}" for _, _, en_l, w in m.weights)
    )
    bands = [(GRADE_LABELS.get(g, (g, g))[0 if zh else 1], low) for g, low in m.grade_bands]
    band_txt = ("、" if zh else ", ").join(f"{name} ≥ {low:.0f}" for name, low in bands if math.isfinite(low))
    level = f"{m.interval_level:.0%}"
    if zh:
        out = [
            f"统计窗口为截至本月的最近 {m.window_months} 个月。各分项（{weights}）先按经验贝叶斯方法"
            "向总体均值收缩：收缩强度由单位内与单位间方差之比决定，证据越少收缩越强，"
            "因此案件少的单位不会因偶然高分或低分而排名靠前或靠后。",
            f"综合得分为各分项收缩估计的加权平均（0–100），并给出 {level} 区间；排名区间由后验分布模拟得到。"
            f"等级：{band_txt}，其余为不合格。请以等级和区间而非单一名次理解结果。",
            f"通报规则：窗口内经校准的报告不少于 {m.min_reports} 份，且真实报告质量低于合格线 "
            f"{m.pass_line:.0f} 分的概率超过 {m.propose_probability:.0%} 时提议通报；概率在 "
            f"{m.watch_probability:.0%}–{m.propose_probability:.0%} 之间列入重点关注名单（随通报公布，不构成处罚）。"
            "经核实的数据造假不论统计结果均提议通报。所有提议须经单位陈述期并由主管部门批准后方可公布。",
        ]
        if m.model_version:
            out.append(
                f"辅助模型 {m.model_version}：单调约束并经概率校准的梯度提升模型；仅在报告数同样不少于 "
                f"{m.min_reports} 份、且单位自身报告显示低于合格线的概率不低于 "
                f"{m.model_min_probability:.0%} 时提出建议。"
            )
        if m.calibration:
            out.append(
                f"案件校准分取自已存储的校准拟合 {m.calibration}；"
                "按该拟合查询单个案件结果，所得分数与本公报一致。"
            )
        return out
    out = [
        f"The window is the {m.window_months} months up to this month. Each component ({weights}) is shrunk "
        "toward the population mean by empirical Bayes, with a strength set by the ratio of within- to "
        "between-firm variance: the less evidence, the stronger the shrinkage, so a firm with few cases is "
        "not ranked high or low on luck.",
        f"The composite is the weighted mean of the shrunk components (0-100), shown with a {level} "
        f"interval; rank intervals come from simulating the posteriors. Grades: {band_txt}, otherwise "
        "fail. Read grades and intervals, not bare ranks.",
        f"Notice rule: at least {m.min_reports} calibrated reports in the window and a probability above "
        f"{m.propose_probability:.0%} that true report quality is below the pass line of {m.pass_line:.0f}; "
        f"{m.watch_probability:.0%}-{m.propose_probability:.0%} goes on the watch list (published, no sanction). Verified "
        "falsification proposes a notice regardless. Every proposal passes a statement window and needs the "
        "authority's approval before publication.",
    ]
    if m.model_version:
        out.append(
            f"Assisting model {m.model_version}: monotone-constrained, probability-calibrated gradient "
            f"boosting; it proposes only with the same minimum of {m.min_reports} reports and where the "
            f"firm's own reports put the probability of being below the line at "
            f"{m.model_min_probability:.0%} or more."
        )
    if m.calibration:
        out.append(
            f"Calibrated case scores are read from the stored calibration fit {m.calibration}; a case's "
            "result asked for with that fit gives the same score as this bulletin."
        )
    return out


def _grade(g: str, lang: str) -> str:
    return GRADE_LABELS.get(g, (g, g))[0 if lang == "zh-CN" else 1]


def _row_cells(r: StandingRow, lang: str) -> tuple[str, ...]:
    return (
        str(r.rank),
        f"{r.rank_lower}–{r.rank_upper}",
        r.credit_code or ("未登记" if lang == "zh-CN" else "not registered"),
        r.name,
        str(r.n),
        f"{r.composite:.1f}",
        f"{r.lower:.1f}–{r.upper:.1f}",
        _grade(r.grade, lang),
    )


def _charts(p: BulletinPayload, t: Texts) -> tuple[Any, Any]:
    flagged = {n.entity_id for n in p.notices}
    funnel = funnel_plot(
        p.consultancies,
        p.funnel_center,
        p.funnel_sigma,
        flagged,
        t.funnel_x,
        t.funnel_y,
        t.notice_dot,
        title=t.funnel_title,
        description=t.funnel_desc,
    )
    grades = grade_distribution(
        p.consultancies, t.lang, t.grades_y, title=t.grades_title, description=t.grades_desc
    )
    return funnel, grades


def banners(p: BulletinPayload, t: Texts) -> list[str]:
    """The labels every page of every format carries (superseded first: it matters most)."""
    out = []
    if p.superseded_by_version:
        out.append(t.superseded.format(v=p.superseded_by_version, name=p.superseded_by_name or ""))
    if p.kind == "interim":
        out.append(t.interim)
    if p.synthetic:
        out.append(t.synthetic)
    return out


def _title(p: BulletinPayload, t: Texts) -> str:
    return p.title_zh if t.lang == "zh-CN" else p.title_en


def _doc_number(p: BulletinPayload) -> str:
    return p.official.document_number if p.official else ""


def summary_items(p: BulletinPayload, t: Texts) -> list[str]:
    s = p.summary
    rate = f"{s.passed / s.cases:.1%}" if s.cases else "—"
    values = {
        "cases": s.cases,
        "rate": rate,
        "notices": len(p.notices),
        "watch": len(p.watch),
        "firms": s.consultancies or len(p.consultancies),
        "agencies": s.agencies or len(p.agencies),
    }
    return [item.format(**values) for item in t.summary_items]


def attachment_titles(t: Texts) -> list[str]:
    if t.lang == "zh-CN":
        return [t.consultancies, t.agencies, "方法说明、统计图表与验证方法"]
    return [t.consultancies, t.agencies, "Method, charts and how to verify"]


def verification_text(p: BulletinPayload, t: Texts) -> list[str]:
    fp = p.key_fingerprint or "—"
    if t.lang == "zh-CN":
        return [
            f"本通报各文件的SHA-256列于manifest.json，manifest.json以发文机关的Ed25519密钥签名（manifest.json.sig），"
            f"公钥见{PUBLIC_KEY_FILE}，指纹 {fp}。每份manifest记载上一份已发布manifest的SHA-256，构成哈希链。",
            "离线验证：python -m services.scoring.bulletin.verify 下载目录 --public-key authority.pub.pem；"
            "或 openssl pkeyutl -verify -pubin -inkey authority.pub.pem -rawin -in manifest.json "
            "-sigfile manifest.json.sig，再以 sha256sum 核对各文件。",
        ]
    return [
        f"The SHA-256 of every file is listed in manifest.json, which is signed with the issuing authority's "
        f"Ed25519 key (manifest.json.sig); the public key is {PUBLIC_KEY_FILE}, fingerprint {fp}. Each manifest "
        "carries the SHA-256 of the previously published manifest: a hash chain.",
        "Offline: python -m services.scoring.bulletin.verify FOLDER --public-key authority.pub.pem; or openssl "
        "pkeyutl -verify -pubin -inkey authority.pub.pem -rawin -in manifest.json -sigfile manifest.json.sig, "
        "then sha256sum each file.",
    ]


# ---------------------------------------------------------------- HTML


def render_html(p: BulletinPayload, t: Texts) -> bytes:
    e = html.escape
    title = _title(p, t)
    funnel, grades = _charts(p, t)
    o = p.official
    zh = t.lang == "zh-CN"

    def table(rows: Sequence[StandingRow], caption: str) -> str:
        head = "".join(f"<th scope='col'>{e(c)}</th>" for c in t.columns)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in _row_cells(r, t.lang)) + "</tr>" for r in rows
        )
        return (
            f"<div class='scroll'><table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>\n{body}\n</tbody></table></div>"
        )

    def section(sec: Section) -> str:
        h = f"<h2>{e(sec.heading)}</h2>" if sec.heading else ""
        paras = "".join(f"<p>{e(x)}</p>" for x in sec.paragraphs)
        items = f"<ol>{''.join(f'<li>{e(x)}</li>' for x in sec.items)}</ol>" if sec.items else ""
        return f"<section>{h}{paras}{items}</section>"

    flags = "".join(f"<p class='banner' role='alert'>{e(b)}</p>" for b in banners(p, t))
    if p.superseded_by_name:
        target = "/" + p.superseded_by_name
        link = "查看取代本版本的新版本" if zh else "Read the version that replaced this one"
        flags += f"<p class='banner'><a href='{e(target)}'>{e(link)}</a></p>"
    summary = "".join(f"<li>{e(x)}</li>" for x in summary_items(p, t))
    meta = (
        f"{e(t.published)} {e(beijing(p.published_at, t.lang))} · {e(t.cutoff)} {e(beijing(p.data_cutoff, t.lang))}"
        f" · {e(t.window)} {e(p.window_start)} – {e(p.window_end)} · {e(t.version)} {p.version}"
    )
    replaces = (
        f"<p>{e(t.replaces)} {p.replaces_version}{'：' if zh else ': '}{e(p.correction_note or '')}</p>"
        if p.replaces_version
        else ""
    )
    head_block = ""
    if o is not None:
        authority = o.authority_zh if zh else o.authority_en
        head_block = (
            f"<header class='redhead'><div class='authority'>{e(authority)}{e(t.document_header)}</div>"
            f"<div class='docno'>{e(o.document_number)}</div></header>"
        )
    addressees = ""
    closing = ""
    if o is not None:
        addressees = f"<p class='to'>{e(o.addressees_zh if zh else o.addressees_en)}{e(t.addressees_end)}</p>"
        closing = (
            f"<p class='sign'>{e(o.authority_zh if zh else o.authority_en)}<br>"
            f"{e(o.issue_date_zh if zh else o.issue_date_en)}</p><p>{e(t.public_note)}</p>"
            f"<p class='seal'>{e(t.seal.format(fp=p.key_fingerprint or '—'))}</p>"
        )
    sections = "".join(section(s) for s in body_sections(p, t.lang, method_text(p, t.lang)))
    att = attachment_titles(t)
    att_list = "".join(f"<li><a href='#att{i + 1}'>{e(x)}</a></li>" for i, x in enumerate(att))
    colophon = ""
    if o is not None:
        colophon = (
            f"<footer class='colophon'><p>{e(t.copy_to)}{'：' if zh else ': '}{e(o.copy_to_zh if zh else o.copy_to_en)}</p>"
            f"<p>{e(o.printed_by_zh if zh else o.printed_by_en)} {e(o.issue_date_zh if zh else o.issue_date_en)}"
            f"{e(t.printed)}</p></footer>"
        )
    key = (
        f"<details><summary>{e(t.verification)}</summary>"
        + "".join(f"<p>{e(x)}</p>" for x in verification_text(p, t))
        + (f"<pre>{e(p.public_key_pem)}</pre>" if p.public_key_pem else "")
        + "</details>"
    )
    doc = f"""<!DOCTYPE html>
<html lang="{t.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>body{{font-family:"FangSong","STFangsong","AR PL UKai CN","Noto Serif CJK SC",serif;margin:0 auto;max-width:52em;padding:1em;line-height:1.7}}
h1{{font-family:"STZhongsong","AR PL UMing CN","Noto Serif CJK SC",serif;text-align:center;font-size:1.6em}}
h2{{font-family:"SimHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;font-size:1.15em}}
.redhead{{text-align:center;color:#c00;border-bottom:3px solid #c00;padding-bottom:.5em}}
.authority{{font-size:clamp(1.1em,6.5vw,2em);font-weight:bold;letter-spacing:.05em}}.docno{{color:#000}}
.banner{{background:#fde2e2;border:2px solid #c0392b;padding:.5em;font-weight:bold}}
.summary{{background:#eef4fb;border-left:4px solid #1f5fa8;padding:.5em 1em}}
.sign{{text-align:right}}.seal{{font-size:.85em;color:#555;overflow-wrap:anywhere}}
.scroll{{overflow-x:auto}}.scroll table{{min-width:40em}}th{{white-space:nowrap}}table{{border-collapse:collapse;font-size:.85em}}td,th{{border:1px solid #ccc;padding:2px 6px}}
caption{{font-weight:bold;text-align:left}}figure{{margin:1em 0}}svg{{max-width:100%;height:auto}}
.colophon{{border-top:1px solid #000;border-bottom:1px solid #000;margin-top:2em}}</style></head>
<body>{flags}
<section class="summary" aria-label="{e(t.summary)}"><h2>{e(t.summary)}</h2><ul>{summary}</ul><p>{meta}</p></section>
{head_block}
<h1>{e(title)}</h1>
{replaces}
{addressees}
{sections}
<section><h2>{e(t.attachments)}</h2><ol>{att_list}</ol></section>
{closing}
<section id="att1"><h2>{e(t.attachment.format(n=1))} {e(att[0])}</h2>{table(p.consultancies, att[0])}</section>
<section id="att2"><h2>{e(t.attachment.format(n=2))} {e(att[1])}</h2>{table(p.agencies, att[1])}</section>
<section id="att3"><h2>{e(t.attachment.format(n=3))} {e(att[2])}</h2>
{"".join(f"<p>{e(x)}</p>" for x in method_text(p, t.lang))}
<figure>{to_svg(funnel)}<figcaption>{e(t.funnel_title)}：{e(t.funnel_desc)}</figcaption></figure>
<figure>{to_svg(grades)}<figcaption>{e(t.grades_title)}：{e(t.grades_desc)}</figcaption></figure>
{key}</section>
{colophon}
{flags}</body></html>
"""
    return doc.encode("utf-8")


# ---------------------------------------------------------------- PDF (GB/T 9704-2012)

# 版心 156 mm x 225 mm on A4: top 37 mm, left 28 mm, right 26 mm, bottom 35 mm.
TOP, BOTTOM, LEFT, RIGHT = 37 * mm, 35 * mm, 28 * mm, 26 * mm
BODY_PT = 16.0  # 3号
TITLE_PT = 22.0  # 2号
LEADING = 225 * mm / 22  # 22 lines per page
RED = colors.HexColor("#c00000")


def render_pdf(p: BulletinPayload, t: Texts) -> bytes:
    f = fonts()
    zh = t.lang == "zh-CN"
    body_font = f.body if zh else f.title
    e = html.escape
    # CJK wrapping breaks anywhere (what Chinese needs) but is quadratic on long Latin paragraphs
    wrap = "CJK" if zh else None
    body = ParagraphStyle(
        "body",
        fontName=body_font,
        fontSize=BODY_PT,
        leading=LEADING,
        firstLineIndent=2 * BODY_PT,
        wordWrap=wrap,
    )
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    h1 = ParagraphStyle(
        "h1", fontName=f.title, fontSize=TITLE_PT, leading=TITLE_PT * 1.5, alignment=TA_CENTER, wordWrap=wrap
    )
    heading = ParagraphStyle("heading", parent=body, fontName=f.heading, firstLineIndent=2 * BODY_PT)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT, rightIndent=2 * BODY_PT)
    center = ParagraphStyle("center", parent=plain, alignment=TA_CENTER)
    warn = ParagraphStyle("warn", parent=plain, fontSize=11, leading=15, textColor=RED)
    small = ParagraphStyle("small", parent=plain, fontSize=11, leading=15)
    cell = ParagraphStyle("cell", fontName=body_font, fontSize=8, leading=10, wordWrap="CJK")
    title = _title(p, t)
    o = p.official
    story: list[Flowable] = []
    story.extend(Paragraph(e(b), warn) for b in banners(p, t))
    if o is not None:
        authority = (o.authority_zh if zh else o.authority_en) + t.document_header
        size = min(36.0, 156 * mm / max(len(authority), 1) * (1.0 if zh else 1.9))
        story.append(
            Paragraph(
                e(authority),
                ParagraphStyle(
                    "redhead",
                    fontName=f.title,
                    fontSize=size,
                    leading=size * 1.3,
                    alignment=TA_CENTER,
                    textColor=RED,
                    wordWrap="CJK",
                ),
            )
        )
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(e(o.document_number), center))
        story.append(HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=4 * mm, spaceAfter=8 * mm))
    story.append(Paragraph(e(title), h1))
    story.append(Spacer(1, LEADING / 2))
    if p.replaces_version:
        note = f"{t.replaces} {t.version} {p.replaces_version}{'：' if zh else ': '}{p.correction_note or ''}"
        story.append(Paragraph(e(note), body))
    if o is not None:
        story.append(Paragraph(e((o.addressees_zh if zh else o.addressees_en) + t.addressees_end), plain))
    for sec in body_sections(p, t.lang, method_text(p, t.lang)):
        if sec.heading:
            story.append(Paragraph(e(sec.heading), heading))
        story.extend(Paragraph(e(x), body) for x in sec.paragraphs)
        story.extend(
            Paragraph(e(f"{i}. {x}" if zh else f"({i}) {x}"), body) for i, x in enumerate(sec.items, 1)
        )
    story.append(Spacer(1, LEADING))
    att = attachment_titles(t)
    for i, a in enumerate(att, 1):
        lead = (t.attachments + "：") if zh else (t.attachments + ": ")
        indent = BODY_PT * 2
        style = ParagraphStyle(
            f"att{i}",
            parent=plain,
            leftIndent=indent + BODY_PT * (3 if zh else 6),
            firstLineIndent=-BODY_PT * (3 if zh else 6) if i == 1 else 0,
        )
        story.append(Paragraph(e((lead if i == 1 else "") + f"{i}. {a}"), style))
    if o is not None:
        story.append(Spacer(1, LEADING * 2))
        story.append(
            KeepTogether(
                [
                    Paragraph(e(o.authority_zh if zh else o.authority_en), right),
                    Paragraph(e(o.issue_date_zh if zh else o.issue_date_en), right),
                ]
            )
        )
        story.append(Paragraph(e(t.public_note), body))
        story.append(Paragraph(e(t.seal.format(fp=p.key_fingerprint or "—")), small))
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), body_font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    widths = [10 * mm, 14 * mm, 30 * mm, 46 * mm, 11 * mm, 13 * mm, 18 * mm, 14 * mm]
    for i, rows in ((1, p.consultancies), (2, p.agencies)):
        story.append(PageBreak())
        story.append(
            Paragraph(e(t.attachment.format(n=i)), ParagraphStyle("a", parent=plain, fontName=f.heading))
        )
        story.append(Paragraph(e(att[i - 1]), h1))
        data: list[list[Any]] = [[Paragraph(e(c), cell) for c in t.columns]]
        # only the name wraps; plain cells are drawn directly (a Paragraph per cell is 8x slower)
        data += [
            [
                _wrap(c, body_font, 8, widths[3] - 4) if k == 3 else c
                for k, c in enumerate(_row_cells(r, t.lang))
            ]
            for r in rows
        ]
        story.append(LongTable(data, colWidths=widths, repeatRows=1, style=style))
    story.append(PageBreak())
    story.append(
        Paragraph(e(t.attachment.format(n=3)), ParagraphStyle("a3", parent=plain, fontName=f.heading))
    )
    story.append(Paragraph(e(att[2]), h1))
    story.extend(Paragraph(e(x), small) for x in method_text(p, t.lang))
    funnel, grades = _charts(p, t)
    for chart, caption, desc in (
        (funnel, t.funnel_title, t.funnel_desc),
        (grades, t.grades_title, t.grades_desc),
    ):
        story.append(CondPageBreak(chart.height + 40 * mm))
        story.append(Paragraph(e(caption), ParagraphStyle("cap", parent=small, alignment=TA_CENTER)))
        story.append(to_drawing(chart, body_font))
        story.append(Paragraph(e(desc), small))
    story.append(Paragraph(e(t.verification), ParagraphStyle("v", parent=small, fontName=f.heading)))
    story.extend(Paragraph(e(x), small) for x in verification_text(p, t))
    if p.public_key_pem:
        story.append(Paragraph("<br/>".join(e(x) for x in p.public_key_pem.strip().splitlines()), small))
    if o is not None:
        line = HRFlowable(width="100%", thickness=0.8, color=colors.black, spaceBefore=2, spaceAfter=2)
        thin = HRFlowable(width="100%", thickness=0.5, color=colors.black, spaceBefore=2, spaceAfter=2)
        printed = ParagraphStyle("printed", parent=small, fontSize=14, leading=20)
        story.append(CondPageBreak(60 * mm))
        story.append(Spacer(1, 20 * mm))
        story.append(
            KeepTogether(
                [
                    line,
                    Paragraph(
                        e(f"{t.copy_to}{'：' if zh else ': '}{o.copy_to_zh if zh else o.copy_to_en}"), printed
                    ),
                    thin,
                    Paragraph(
                        e(
                            f"{o.printed_by_zh if zh else o.printed_by_en}　　"
                            f"{o.issue_date_zh if zh else o.issue_date_en}{t.printed}"
                        ),
                        printed,
                    ),
                    line,
                ]
            )
        )
    flags = banners(p, t)
    doc_no = _doc_number(p)
    author = (o.authority_zh if zh else o.authority_en) if o else (p.region_zh if zh else p.region_en)

    text_width = A4[0] - LEFT - RIGHT
    header_lines = [line for b in flags for line in _wrap_words(b, body_font, 7, text_width)]

    def on_page(canvas: Any, document: Any) -> None:
        canvas.saveState()
        width, height = A4
        n = document.page
        canvas.setFont(f.title, 14)
        label = f"— {n} —"
        if n % 2:
            canvas.drawRightString(width - RIGHT - 7 * mm, BOTTOM - 14 * mm, label)
        else:
            canvas.drawString(LEFT + 7 * mm, BOTTOM - 14 * mm, label)
        canvas.setFont(body_font, 8)
        canvas.drawString(LEFT, height - TOP + 22 * mm, f"{doc_no}  {p.period}  {t.version} {p.version}")
        canvas.setFillColor(RED)
        canvas.setFont(body_font, 7)
        y = height - TOP + 17.5 * mm
        for line in header_lines:  # whole labels, wrapped to the text width, never cut
            canvas.drawString(LEFT, y, line)
            y -= 3.2 * mm
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=title,
        author=author,
        subject=f"{title} {doc_no}".strip(),
        creator="dgcp bulletin",
        producer="dgcp bulletin (reportlab)",
        keywords=[x for x in (doc_no, p.period, p.kind) if x],
        lang=t.lang,
        displayDocTitle=1,
        initialFontName=body_font,
        invariant=1,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return _set_creation_date(buf.getvalue(), p.published_at)


def _wrap(text: str, font: str, size: float, width: float) -> str:
    """Lines of ``text`` no wider than ``width`` points, joined by newlines (a plain table cell draws
    them as they are: far cheaper than a Paragraph per cell in a 2,000-row table)."""
    lines, line = [], ""
    for ch in text:
        if line and stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return "\n".join([*lines, line])


def _wrap_words(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than ``width`` points, broken between words where the text has spaces
    (English) and between characters otherwise (Chinese)."""
    lines: list[str] = []
    for word in text.split(" ") if " " in text else list(text):
        sep = " " if " " in text else ""
        if lines and stringWidth(lines[-1] + sep + word, font, size) <= width:
            lines[-1] += sep + word
        else:
            lines.append(word)
    return lines


def _pdf_date(iso: str) -> str:
    """``D:YYYYMMDDHHmmSS+08'00'`` in Beijing time from the payload's instant."""
    from runtime.calendar import CST

    when = datetime.fromisoformat(iso).astimezone(CST)
    return when.strftime("D:%Y%m%d%H%M%S+08'00'")


def _set_creation_date(pdf: bytes, published_at: str) -> bytes:
    """reportlab's invariant mode writes 2000-01-01; the document's date is its publication."""
    fixed = b"D:20000101000000+00'00'"
    try:
        real = _pdf_date(published_at).encode("ascii")
    except ValueError:
        return pdf
    if len(real) != len(fixed):
        return pdf  # keep xref offsets valid: only a same-length replacement
    return pdf.replace(fixed, real)


# ---------------------------------------------------------------- CSV


CSV_HEADERS = {
    "zh-CN": (
        "模拟数据",
        "期中",
        "统计期",
        "版本",
        "排名",
        "排名下限",
        "排名上限",
        "统一社会信用代码",
        "单位名称",
        "报告数",
        "综合得分",
        "区间下限",
        "区间上限",
        "等级",
        "通报",
        "重点关注",
    ),
    "en": (
        "synthetic",
        "interim",
        "period",
        "version",
        "rank",
        "rank_lower",
        "rank_upper",
        "credit_code",
        "name",
        "reports",
        "composite",
        "lower",
        "upper",
        "grade",
        "notice",
        "watch",
    ),
}


def render_csv(p: BulletinPayload, rows: Sequence[StandingRow], lang: str = "zh-CN") -> bytes:
    """UTF-8 with BOM, CRLF, formula cells neutralised; period and codes kept as text in Excel."""
    zh = lang == "zh-CN"
    yes, no = ("是", "否") if zh else ("yes", "no")
    noticed = {n.entity_id for n in p.notices}
    watched = {w.entity_id for w in p.watch}
    superseded = ""
    if p.superseded_by_version:
        superseded = ZH.superseded if zh else EN.superseded
        superseded = superseded.format(v=p.superseded_by_version, name=p.superseded_by_name or "")
    header = list(CSV_HEADERS[lang])
    body = [
        [
            yes if p.synthetic else no,
            yes if p.kind == "interim" else no,
            csvsafe.text_cell(p.period),
            p.version,
            r.rank,
            r.rank_lower,
            r.rank_upper,
            csvsafe.text_cell(r.credit_code),
            r.name,
            r.n,
            f"{r.composite:.1f}",
            f"{r.lower:.1f}",
            f"{r.upper:.1f}",
            _grade(r.grade, lang),
            yes if r.entity_id in noticed else no,
            yes if r.entity_id in watched else no,
        ]
        for r in rows
    ]
    if superseded:
        header = [*header, "已被取代" if zh else "superseded"]
        body = [[*row, superseded] for row in body]
    return csvsafe.render(header, body).encode("utf-8")


@cache
def bulletin_schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _json_safe(value: Any) -> Any:
    """JSON has no infinity: an open-ended grade band's bound becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = bulletin_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def render_json(p: BulletinPayload) -> bytes:
    """Canonical JSON, refused unless it matches the published schema."""
    data = _json_safe(p.to_json_dict())
    _validator().validate(data)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def render_files(p: BulletinPayload) -> dict[str, bytes]:
    """Every content file of a version (no manifest): both languages of HTML, PDF and CSV."""
    funnel, grades = _charts(p, ZH)
    files: dict[str, bytes] = {}
    for t in (ZH, EN):
        files[f"bulletin.{t.lang}.html"] = render_html(p, t)
        files[f"bulletin.{t.lang}.pdf"] = render_pdf(p, t)
        files[f"consultancies.{t.lang}.csv"] = render_csv(p, p.consultancies, t.lang)
        files[f"agencies.{t.lang}.csv"] = render_csv(p, p.agencies, t.lang)
    files["bulletin.json"] = render_json(p)
    files["funnel.svg"] = to_svg(funnel).encode("utf-8")
    files["grades.svg"] = to_svg(grades).encode("utf-8")
    if p.public_key_pem:
        files[PUBLIC_KEY_FILE] = p.public_key_pem.encode("ascii")
    return files


def manifest_header(p: BulletinPayload) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "period": p.period,
        "version": p.version,
        "document_number": _doc_number(p),
        "issuer": p.official.authority_zh if p.official else p.region_zh,
        "published_at": p.published_at,
        "data_cutoff": p.data_cutoff,
        "synthetic": p.synthetic,
        "replaces_version": p.replaces_version,
        "replaces_sha256": p.replaces_sha256,
    }


def render_all(
    p: BulletinPayload,
    *,
    signer: Signer | None = None,
    sequence: int = 1,
    previous_sha256: str = GENESIS,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Every file plus ``manifest.json`` (and, with a signer, ``manifest.json.sig``).

    ``extra`` files (stamped copies of the version this one supersedes) are listed and signed too."""
    if signer is not None and not p.key_fingerprint:
        p = replace(p, key_fingerprint=signer.fingerprint, public_key_pem=signer.public_pem.decode("ascii"))
    files = render_files(p)
    files.update(extra or {})
    files[MANIFEST] = build_manifest(
        files,
        header=manifest_header(p),
        sequence=sequence,
        previous_sha256=previous_sha256,
        key_fingerprint=signer.fingerprint if signer is not None else "",
    )
    if signer is not None:
        files[SIGNATURE] = signer.sign(files[MANIFEST])
    return files


def bulletin_sha256(files: Mapping[str, bytes]) -> str:
    """The version's own hash: that of its manifest, which pins every other file."""
    return sha256(files[MANIFEST])


def verify(files: Mapping[str, bytes], expected_sha256: str | None = None) -> list[str]:
    """Problems found (empty when intact): changed, missing or unlisted files, or a changed manifest.

    Hashes only; the signature and the chain are checked in ``verify.py``."""
    if MANIFEST not in files:
        return [f"{MANIFEST} missing"]
    problems = []
    if expected_sha256 is not None and sha256(files[MANIFEST]) != expected_sha256:
        problems.append(f"{MANIFEST} does not match the published SHA-256")
    try:
        listed = json.loads(files[MANIFEST])["files"]
    except (ValueError, KeyError, TypeError):
        return [*problems, f"{MANIFEST} unreadable"]
    for name, meta in listed.items():
        if name not in files:
            problems.append(f"{name} missing")
        elif sha256(files[name]) != meta["sha256"]:
            problems.append(f"{name} changed (SHA-256 mismatch)")
    problems.extend(
        f"{name} not in manifest"
        for name in files
        if name not in (MANIFEST, SIGNATURE) and name not in listed
    )
    return problems
