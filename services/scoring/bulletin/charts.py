"""Bulletin charts as a few drawing primitives, emitted to SVG (HTML) and to reportlab (PDF).

One geometry, two back-ends: the PDF and the HTML show the same chart without matplotlib and
without an SVG-to-PDF converter. Coordinates are in points, origin top-left (SVG convention);
the reportlab back-end flips y.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
from reportlab.lib.colors import HexColor
from scipy.special import ndtri

from services.scoring.bulletin.payload import GRADE_LABELS, StandingRow


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    size: float = 9.0
    anchor: str = "start"  # start | middle | end


Shape = Line | Dot | Box | Label


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    title: str = ""
    description: str = ""


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]."""
    span = max(hi - lo, 1e-9)
    raw = span / max(target - 1, 1)
    power = 10 ** np.floor(np.log10(raw))
    step = float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))
    first = np.ceil(lo / step - 1e-9) * step
    return [float(v) for v in np.arange(first, hi + step * 1e-6, step)]


def _tick(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


@dataclass(frozen=True)
class ChartStyle:
    width: float = 480.0
    height: float = 300.0
    margin: float = 40.0
    limits: tuple[float, ...] = (0.95, 0.998)
    point: str = "#1f5fa8"
    flagged: str = "#c0392b"
    limit_colours: tuple[str, ...] = ("#e69f00", "#c0392b")
    bar: str = "#1f5fa8"


def _axes(st: ChartStyle, x_title: str, y_title: str) -> list[Shape]:
    m, w, h = st.margin, st.width, st.height
    return [
        Line(((m, m / 2), (m, h - m), (w - m / 2, h - m)), "#333333"),
        Label(w / 2, h - 8, x_title, anchor="middle"),
        Label(4, m / 2 - 6, y_title),
    ]


def funnel_plot(
    rows: Sequence[StandingRow],
    center: float,
    sigma: float,
    flagged: set[str],
    x_title: str,
    y_title: str,
    notice_label: str = "",
    style: ChartStyle | None = None,
    title: str = "",
    description: str = "",
) -> Chart:
    """Composite against number of reports, with control limits center +- z * sigma / sqrt(n).

    Shrunk composites spread wider than sampling noise alone (firms really differ), so many
    points sit outside the limits; the limits show how much a firm with n reports could move by
    chance, which is what a reader needs to judge a small firm's position."""
    st = style or ChartStyle()
    m, w, h = st.margin, st.width, st.height
    n = np.array([max(r.n, 1) for r in rows], dtype=float)
    y = np.array([r.composite for r in rows], dtype=float)
    n_max = float(n.max()) if n.size else 1.0
    y_lo, y_hi = 0.0, 100.0
    if y.size:
        y_lo = max(0.0, float(np.floor(min(y.min(), center - 3.5 * sigma) / 10) * 10))
        y_hi = min(100.0, float(np.ceil(max(y.max(), center + 0.5) / 10) * 10))

    def px(v: float) -> float:
        return m + (v / n_max) * (w - 1.5 * m)

    def py(v: float) -> float:
        return (h - m) - (v - y_lo) / max(y_hi - y_lo, 1e-9) * (h - 1.5 * m)

    shapes: list[Shape] = _axes(st, x_title, y_title)
    for tick in nice_ticks(y_lo, y_hi):
        shapes.append(Label(m - 4, py(tick) + 3, _tick(tick), size=7, anchor="end"))
    x_ticks = [v for v in nice_ticks(0, n_max) if v <= n_max and (v.is_integer() or n_max < 4)]
    for tick in x_ticks:
        shapes.append(Label(px(tick), h - m + 12, _tick(tick), size=7, anchor="middle"))
    shapes.append(Line(((px(1), py(center)), (px(n_max), py(center))), "#666666"))
    grid = np.linspace(1, n_max, 60)
    limit_labels: list[tuple[float, str, str]] = []
    for level, colour in zip(st.limits, st.limit_colours, strict=True):
        z = float(ndtri(0.5 + level / 2))
        for sign in (1, -1):
            vals = np.clip(center + sign * z * sigma / np.sqrt(grid), y_lo, y_hi)
            shapes.append(
                Line(tuple((px(g), py(v)) for g, v in zip(grid, vals, strict=True)), colour, dashed=True)
            )
        # labelled at the right end, below the lower limit, one under the other: never on top of each other
        lower = float(np.clip(center - z * sigma / np.sqrt(n_max), y_lo, y_hi))
        limit_labels.append((py(lower), f"{level:.1%}".replace(".0%", "%"), colour))
    last = -1e9
    for y_pos, text, _ in sorted(limit_labels):
        y_pos = max(y_pos + 9, last + 9)
        shapes.append(Label(w - m / 2 + 2, y_pos, text, 6.5, "start"))
        last = y_pos
    for r, ni, yi in zip(rows, n, y, strict=True):
        colour = st.flagged if r.entity_id in flagged else st.point
        shapes.append(Dot(px(ni), py(yi), 2.0, colour))
    if notice_label:
        shapes.append(Dot(w - 1.5 * m, m / 2 - 3, 2.5, st.flagged))
        shapes.append(Label(w - 1.5 * m + 6, m / 2, notice_label, size=8))
    return Chart(w, h, tuple(shapes), title, description)


def grade_distribution(
    rows: Sequence[StandingRow],
    lang: str,
    y_title: str,
    style: ChartStyle | None = None,
    title: str = "",
    description: str = "",
) -> Chart:
    """Bar chart of how many firms fall in each grade band."""
    st = style or ChartStyle()
    m, w, h = st.margin, st.width, st.height
    grades = list(GRADE_LABELS)
    counts = [sum(1 for r in rows if r.grade == g) for g in grades]
    top = max([*counts, 1])
    slot = (w - 1.5 * m) / len(grades)
    shapes: list[Shape] = _axes(st, "", y_title)
    for i, (g, c) in enumerate(zip(grades, counts, strict=True)):
        bar_h = c / top * (h - 1.5 * m)
        x = m + i * slot + slot * 0.15
        shapes.append(Box(x, h - m - bar_h, slot * 0.7, bar_h, st.bar))
        shapes.append(Label(x + slot * 0.35, h - m - bar_h - 4, str(c), anchor="middle"))
        label = GRADE_LABELS[g][0 if lang == "zh-CN" else 1]
        shapes.append(Label(x + slot * 0.35, h - m + 14, label, anchor="middle"))
    return Chart(w, h, tuple(shapes), title, description)


def to_svg(chart: Chart, font_family: str = "sans-serif") -> str:
    key = "chart-" + hashlib.sha256(chart.title.encode("utf-8")).hexdigest()[:8]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{chart.width:.0f}" '
        f'height="{chart.height:.0f}" viewBox="0 0 {chart.width:.0f} {chart.height:.0f}" '
        f'font-family="{font_family}" role="img" aria-labelledby="{key}-t {key}-d">',
        f'<title id="{key}-t">{html.escape(chart.title)}</title>'
        f'<desc id="{key}-d">{html.escape(chart.description)}</desc>',
    ]
    for s in chart.shapes:
        if isinstance(s, Line):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
            dash = ' stroke-dasharray="4 3"' if s.dashed else ""
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{s.stroke}" stroke-width="{s.width}"{dash}/>'
            )
        elif isinstance(s, Dot):
            parts.append(
                f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.r}" fill="{s.fill}" fill-opacity="0.7"/>'
            )
        elif isinstance(s, Box):
            parts.append(
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.fill}"/>'
            )
        else:
            parts.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" '
                f'text-anchor="{s.anchor}">{html.escape(s.text)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def to_drawing(chart: Chart, font_name: str) -> Drawing:
    d = Drawing(chart.width, chart.height)
    d.initialFontName = font_name  # the renderer would otherwise start every drawing in Helvetica
    h = chart.height
    for s in chart.shapes:
        if isinstance(s, Line):
            pts = [c for x, y in s.points for c in (x, h - y)]
            d.add(
                PolyLine(
                    pts,
                    strokeColor=HexColor(s.stroke),
                    strokeWidth=s.width,
                    strokeDashArray=[4, 3] if s.dashed else None,
                )
            )
        elif isinstance(s, Dot):
            d.add(Circle(s.x, h - s.y, s.r, fillColor=HexColor(s.fill), strokeColor=None))
        elif isinstance(s, Box):
            d.add(Rect(s.x, h - s.y - s.h, s.w, s.h, fillColor=HexColor(s.fill), strokeColor=None))
        else:
            d.add(String(s.x, h - s.y, s.text, fontName=font_name, fontSize=s.size, textAnchor=s.anchor))
    return d
