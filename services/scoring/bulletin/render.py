"""Render a bulletin payload to HTML (zh-CN and en), PDF, CSV and JSON, with a SHA-256 manifest.

Rendering is deterministic (no clock, reportlab's invariant mode), so the same payload always
gives the same bytes and the manifest's hashes can be re-derived by anyone. The PDF uses the
standard CID font STSong-Light (one of the Adobe-GB1 fonts every PDF reader ships), so the
Chinese text is real, selectable text with nothing to download on a fresh machine.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus.flowables import Flowable

from services.scoring.bulletin.charts import funnel_plot, grade_distribution, to_drawing, to_svg
from services.scoring.bulletin.payload import GRADE_LABELS, BulletinPayload, StandingRow

SCHEMA_PATH = Path(__file__).with_name("schema") / "bulletin.schema.json"
CJK_FONT = "STSong-Light"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Texts:
    """Fixed wording per language (figures come from the payload)."""

    lang: str
    synthetic: str
    cutoff: str
    window: str
    version: str
    replaces: str
    method_title: str
    consultancies: str
    agencies: str
    notices: str
    no_notices: str
    statement: str
    decision: str
    columns: tuple[str, ...]
    funnel_x: str
    funnel_y: str
    notice_dot: str
    grades_y: str
    charts: str


ZH = Texts(
    lang="zh-CN",
    synthetic="【模拟数据】本通报使用合成数据生成，仅供演示与测试，不代表任何真实单位。",
    cutoff="数据截止时间",
    window="统计窗口",
    version="版本",
    replaces="本版本更正并取代",
    method_title="方法说明",
    consultancies="清洁生产技术服务单位排名",
    agencies="评估验收机构排名",
    notices="经主管部门批准的不合格通报",
    no_notices="本期无经批准的通报。",
    statement="单位陈述",
    decision="批准理由",
    columns=("排名", "排名区间", "单位代码", "单位名称", "报告数", "综合得分", "90%区间", "等级"),
    funnel_x="报告数 n",
    funnel_y="综合得分",
    notice_dot="已批准通报",
    grades_y="单位数",
    charts="图表：漏斗图（综合得分与报告数，含控制限）与等级分布",
)

EN = Texts(
    lang="en",
    synthetic="[SYNTHETIC DATA] This bulletin was generated from simulated data for demonstration "
    "and testing; it describes no real organisation.",
    cutoff="Data cut-off",
    window="Window",
    version="Version",
    replaces="This version corrects and replaces",
    method_title="Method",
    consultancies="Consultancies",
    agencies="Review agencies",
    notices="Substandard notices approved by the authority",
    no_notices="No notice was approved for this period.",
    statement="Firm's statement",
    decision="Reason for approval",
    columns=("Rank", "Rank interval", "ID", "Name", "Reports", "Composite", "90% interval", "Grade"),
    funnel_x="Reports n",
    funnel_y="Composite",
    notice_dot="approved notice",
    grades_y="Firms",
    charts="Charts: funnel plot (composite vs reports, with control limits) and grade distribution",
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
            f"{m.watch_probability:.0%}–{m.propose_probability:.0%} 之间列入观察名单（不公布）。"
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
        f"{m.watch_probability:.0%}-{m.propose_probability:.0%} goes to an unpublished watch list. Verified "
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
        r.entity_id,
        r.name,
        str(r.n),
        f"{r.composite:.1f}",
        f"{r.lower:.1f}–{r.upper:.1f}",
        _grade(r.grade, lang),
    )


def _charts(p: BulletinPayload, t: Texts) -> tuple[Any, Any]:
    flagged = {n.entity_id for n in p.notices}
    funnel = funnel_plot(
        p.consultancies, p.funnel_center, p.funnel_sigma, flagged, t.funnel_x, t.funnel_y, t.notice_dot
    )
    grades = grade_distribution(p.consultancies, t.lang, t.grades_y)
    return funnel, grades


def render_html(p: BulletinPayload, t: Texts) -> bytes:
    e = html.escape
    title = p.title_zh if t.lang == "zh-CN" else p.title_en
    funnel, grades = _charts(p, t)

    def table(rows: Sequence[StandingRow]) -> str:
        head = "".join(f"<th>{e(c)}</th>" for c in t.columns)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in _row_cells(r, t.lang)) + "</tr>" for r in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"

    notices = []
    for n in p.notices:
        reasons = n.reasons_zh if t.lang == "zh-CN" else n.reasons_en
        items = "".join(f"<li>{e(x)}</li>" for x in reasons)
        stmt = f"<p><b>{e(t.statement)}：</b>{e(n.statement)}</p>" if n.statement else ""
        notices.append(
            f"<section class='notice'><h3>{e(n.name)}（{e(n.entity_id)}）</h3><ul>{items}</ul>"
            f"<p><b>{e(t.decision)}：</b>{e(n.decision_reason)}</p>{stmt}</section>"
        )
    banner = f"<p class='synthetic'>{e(t.synthetic)}</p>" if p.synthetic else ""
    replaces = (
        f"<p>{e(t.replaces)} v{p.replaces_version} (SHA-256 {e(p.replaces_sha256 or '')})"
        f"{'：' + e(p.correction_note) if p.correction_note else ''}</p>"
        if p.replaces_version
        else ""
    )
    doc = f"""<!DOCTYPE html>
<html lang="{t.lang}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:2em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px}}
.synthetic{{background:#fde2e2;border:2px solid #c0392b;padding:.5em;font-weight:bold}}</style></head>
<body>{banner}<h1>{e(title)}</h1>
<p>{e(t.version)} v{p.version} · {e(t.window)} {e(p.window_start)} – {e(p.window_end)}
 · {e(t.cutoff)} {e(p.data_cutoff)}</p>
{replaces}
<h2>{e(t.method_title)}</h2>{"".join(f"<p>{e(x)}</p>" for x in method_text(p, t.lang))}
<h2>{e(t.notices)}</h2>{"".join(notices) or f"<p>{e(t.no_notices)}</p>"}
<h2>{e(t.charts)}</h2><figure>{to_svg(funnel)}</figure><figure>{to_svg(grades)}</figure>
<h2>{e(t.consultancies)}</h2>{table(p.consultancies)}
<h2>{e(t.agencies)}</h2>{table(p.agencies)}
{banner}</body></html>
"""
    return doc.encode("utf-8")


@cache
def _register_cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def render_pdf(p: BulletinPayload, t: Texts) -> bytes:
    font = _register_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=20, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    warn = ParagraphStyle("warn", parent=body, textColor=colors.HexColor("#c0392b"), fontSize=10)
    e = html.escape
    title = p.title_zh if t.lang == "zh-CN" else p.title_en
    story: list[Flowable] = []
    if p.synthetic:
        story.append(Paragraph(e(t.synthetic), warn))
    story.append(Paragraph(e(title), h1))
    story.append(
        Paragraph(
            e(
                f"{t.version} v{p.version} · {t.window} {p.window_start} – {p.window_end} · "
                f"{t.cutoff} {p.data_cutoff}"
            ),
            body,
        )
    )
    if p.replaces_version:
        story.append(Paragraph(e(f"{t.replaces} v{p.replaces_version} (SHA-256 {p.replaces_sha256})"), body))
    story.append(Paragraph(e(t.method_title), h2))
    story.extend(Paragraph(e(x), body) for x in method_text(p, t.lang))
    story.append(Paragraph(e(t.notices), h2))
    if not p.notices:
        story.append(Paragraph(e(t.no_notices), body))
    for n in p.notices:
        story.append(Paragraph(f"<b>{e(n.name)}（{e(n.entity_id)}）</b>", body))
        for reason in n.reasons_zh if t.lang == "zh-CN" else n.reasons_en:
            story.append(Paragraph("• " + e(reason), body))
        story.append(Paragraph(e(f"{t.decision}：{n.decision_reason}"), body))
        if n.statement:
            story.append(Paragraph(e(f"{t.statement}：{n.statement}"), body))
    funnel, grades = _charts(p, t)
    story.append(Paragraph(e(t.charts), h2))
    story.extend([to_drawing(funnel, font), Spacer(1, 4 * mm), to_drawing(grades, font)])
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    for heading, rows in ((t.consultancies, p.consultancies), (t.agencies, p.agencies)):
        story.append(Paragraph(e(heading), h2))
        data = [list(t.columns)] + [list(_row_cells(r, t.lang)) for r in rows]
        story.append(LongTable(data, repeatRows=1, style=style))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=title,
        author=p.region_zh,
        invariant=1,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    footer = f"{title} · v{p.version}" + (" · 模拟数据 SYNTHETIC DATA" if p.synthetic else "")

    def on_page(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(15 * mm, 8 * mm, f"{footer} · {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def render_csv(p: BulletinPayload, rows: Sequence[StandingRow]) -> bytes:
    """UTF-8 with BOM so that Excel on a Chinese Windows opens it without mojibake."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(
        [
            "synthetic",
            "period",
            "rank",
            "rank_lower",
            "rank_upper",
            "entity_id",
            "name",
            "n",
            "composite",
            "lower",
            "upper",
            "grade",
            "grade_zh",
        ]
    )
    for r in rows:
        w.writerow(
            [
                str(p.synthetic).lower(),
                p.period,
                r.rank,
                r.rank_lower,
                r.rank_upper,
                r.entity_id,
                r.name,
                r.n,
                f"{r.composite:.1f}",
                f"{r.lower:.1f}",
                f"{r.upper:.1f}",
                r.grade,
                _grade(r.grade, "zh-CN"),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_all(p: BulletinPayload) -> dict[str, bytes]:
    """Every file of a bulletin version plus ``manifest.json`` listing each file's SHA-256."""
    funnel, grades = _charts(p, ZH)
    files = {
        "bulletin.zh-CN.html": render_html(p, ZH),
        "bulletin.en.html": render_html(p, EN),
        "bulletin.zh-CN.pdf": render_pdf(p, ZH),
        "consultancies.csv": render_csv(p, p.consultancies),
        "agencies.csv": render_csv(p, p.agencies),
        "bulletin.json": render_json(p),
        "funnel.svg": to_svg(funnel).encode("utf-8"),
        "grades.svg": to_svg(grades).encode("utf-8"),
    }
    manifest = {
        "period": p.period,
        "version": p.version,
        "replaces_version": p.replaces_version,
        "replaces_sha256": p.replaces_sha256,
        "synthetic": p.synthetic,
        "files": {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return files


def bulletin_sha256(files: Mapping[str, bytes]) -> str:
    """The version's own hash: that of its manifest, which pins every other file."""
    return sha256(files[MANIFEST])


def verify(files: Mapping[str, bytes], expected_sha256: str | None = None) -> list[str]:
    """Problems found (empty when intact): changed, missing or unlisted files, or a changed manifest."""
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
    problems.extend(f"{name} not in manifest" for name in files if name != MANIFEST and name not in listed)
    return problems
