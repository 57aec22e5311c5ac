"""Yearly performance statistics (measure 30: 企业清洁生产绩效年度报告制度), pure aggregation.

Input is one record per case locked in the year, with its calibrated score from one calibration fit
over the year's locked scores; output is one row per group (consultancy, review agency, GB/T 4754
section or division, town). Definitions, stated in the response's notes and the README:

- *passed*: calibrated score at or above the pass line and no veto;
- *first round*: not another round of review of the same enterprise's report at the same stage
  (see ``reads.window_rounds``); *first-pass rate* = first rounds passed / first rounds;
- *quality*: mean calibrated score with a 90% normal interval of the mean (two or more cases);
- *review days*: median days from a case's first score to its lock;
- *notices* and *watch entries*: approved notices and WATCH flags of the year's monthly periods.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from runtime.calendar import Period

Z90 = 1.6448536269514722


@dataclass(frozen=True)
class YearCase:
    name: str
    consultancy: str
    agency: str
    enterprise: str
    stage: str
    track: str
    created: datetime
    locked: datetime
    calibrated: float
    vetoed: bool
    rework: bool


@dataclass
class GroupYear:
    key: str
    label: str
    cases: int = 0
    by_stage_track: dict[str, int] = field(default_factory=dict)
    passed: int = 0
    first_rounds: int = 0
    first_rounds_passed: int = 0
    rework: int = 0
    quality_mean: float = math.nan
    quality_lower: float | None = None
    quality_upper: float | None = None
    vetoed: int = 0
    notices: int = 0
    watch_entries: int = 0
    ratings: int = 0
    rating_mean: float | None = None
    review_days_median: float | None = None
    monthly: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.cases if self.cases else 0.0

    @property
    def first_pass_rate(self) -> float:
        return self.first_rounds_passed / self.first_rounds if self.first_rounds else 0.0


def industry_section(code: str) -> str:
    """GB/T 4754 section letter of a code: the letter itself, or the section of a 2-4 digit code."""
    code = code.strip().upper()
    if code[:1].isascii() and code[:1].isalpha():
        return code[:1] if "A" <= code[:1] <= "T" else ""
    if len(code) < 2 or not code[:2].isdigit():
        return ""
    division = int(code[:2])
    for letter, low, high in _SECTIONS:
        if low <= division <= high:
            return letter
    return ""


def industry_division(code: str) -> str:
    code = code.strip()
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else ""


SECTION_ZH = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

# GB/T 4754-2017 sections by division range
_SECTIONS = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)


def aggregate(
    year: Period,
    cases: Sequence[YearCase],
    key_of: Callable[[YearCase], str],
    label_of: Callable[[str], str],
    pass_line: float,
    *,
    notices: Mapping[str, int] | None = None,
    watch: Mapping[str, int] | None = None,
    ratings: Mapping[str, Sequence[float]] | None = None,
) -> list[GroupYear]:
    """One row per group key (cases whose key is empty are left out), sorted by key.

    Vectorised over cases (a province year is some 400,000): one pass builds arrays, then every
    figure is a ``bincount`` per group."""
    keyed = [(key_of(c), c) for c in cases]
    keyed = [(k, c) for k, c in keyed if k]
    keys = sorted({k for k, _ in keyed} | set(notices or {}) | set(watch or {}))
    index = {k: i for i, k in enumerate(keys)}
    n_groups = len(keys)
    g_of = np.fromiter((index[k] for k, _ in keyed), dtype=np.int64, count=len(keyed))
    score = np.fromiter((c.calibrated for _, c in keyed), dtype=np.float64, count=len(keyed))
    vetoed = np.fromiter((c.vetoed for _, c in keyed), dtype=bool, count=len(keyed))
    rework = np.fromiter((c.rework for _, c in keyed), dtype=bool, count=len(keyed))
    locked = np.fromiter((c.locked.timestamp() for _, c in keyed), dtype=np.float64, count=len(keyed))
    created = np.fromiter((c.created.timestamp() for _, c in keyed), dtype=np.float64, count=len(keyed))
    ok = (score >= pass_line) & ~vetoed

    def count(mask: np.ndarray | None = None) -> np.ndarray:
        w = None if mask is None else mask.astype(np.float64)
        return np.bincount(g_of, weights=w, minlength=n_groups).round().astype(np.int64)

    n, passed, n_veto, n_rework = count(), count(ok), count(vetoed), count(rework)
    first, first_ok = count(~rework), count(~rework & ok)
    sums = np.bincount(g_of, weights=score, minlength=n_groups)
    squares = np.bincount(g_of, weights=score * score, minlength=n_groups)
    # Beijing calendar month of each lock: seconds + 8 h as datetime64, truncated to the month
    local = (locked + 8 * 3600).astype("datetime64[s]").astype("datetime64[M]")
    first_month = np.datetime64(f"{year.first_day.year:04d}-{year.first_day.month:02d}", "M")
    month_idx = (local - first_month).astype(np.int64)
    in_year = (month_idx >= 0) & (month_idx < year.months)
    cell = g_of * year.months + np.where(in_year, month_idx, 0)
    monthly_n = np.bincount(cell[in_year], minlength=n_groups * year.months).reshape(n_groups, year.months)
    monthly_ok = np.bincount(cell[in_year & ok], minlength=n_groups * year.months).reshape(
        n_groups, year.months
    )
    order = np.argsort(g_of, kind="stable")
    days = ((locked - created) / 86400.0)[order]
    bounds = np.searchsorted(g_of[order], np.arange(n_groups + 1))
    stage_track: list[dict[str, int]] = [defaultdict(int) for _ in keys]
    for (_, c), g in zip(keyed, g_of.tolist(), strict=True):
        stage_track[g][f"{c.stage}/{c.track}"] += 1
    months = [str(m) for m in year.month_list()]
    out = []
    for i, key in enumerate(keys):
        g = GroupYear(key, label_of(key))
        g.cases, g.passed, g.vetoed, g.rework = int(n[i]), int(passed[i]), int(n_veto[i]), int(n_rework[i])
        g.first_rounds, g.first_rounds_passed = int(first[i]), int(first_ok[i])
        g.by_stage_track = dict(sorted(stage_track[i].items()))
        if g.cases:
            g.quality_mean = float(sums[i] / g.cases)
            lo, hi = bounds[i], bounds[i + 1]
            g.review_days_median = float(np.median(days[lo:hi]))
        if g.cases >= 2:
            var = max((squares[i] - g.cases * g.quality_mean**2) / (g.cases - 1), 0.0)
            half = Z90 * math.sqrt(var) / math.sqrt(g.cases)
            g.quality_lower, g.quality_upper = g.quality_mean - half, g.quality_mean + half
        g.notices = (notices or {}).get(key, 0)
        g.watch_entries = (watch or {}).get(key, 0)
        received = list((ratings or {}).get(key, ()))
        g.ratings = len(received)
        g.rating_mean = statistics.fmean(received) if received else None
        g.monthly = [(m, int(monthly_n[i, j]), int(monthly_ok[i, j])) for j, m in enumerate(months)]
        out.append(g)
    return out


def count_by(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in items:
        out[k] = out.get(k, 0) + 1
    return out
