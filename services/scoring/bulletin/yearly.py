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
    """One row per group key (cases whose key is empty are left out), sorted by key."""
    groups: dict[str, list[YearCase]] = defaultdict(list)
    for c in cases:
        key = key_of(c)
        if key:
            groups[key].append(c)
    keys = set(groups) | set(notices or {}) | set(watch or {})
    months = [str(m) for m in year.month_list()]
    out = []
    for key in sorted(keys):
        rows = groups.get(key, [])
        g = GroupYear(key, label_of(key))
        g.cases = len(rows)
        for c in rows:
            st = f"{c.stage}/{c.track}"
            g.by_stage_track[st] = g.by_stage_track.get(st, 0) + 1
            ok = c.calibrated >= pass_line and not c.vetoed
            g.passed += ok
            g.vetoed += c.vetoed
            g.rework += c.rework
            if not c.rework:
                g.first_rounds += 1
                g.first_rounds_passed += ok
        scores = [c.calibrated for c in rows]
        if scores:
            g.quality_mean = statistics.fmean(scores)
        if len(scores) >= 2:
            half = Z90 * statistics.stdev(scores) / math.sqrt(len(scores))
            g.quality_lower, g.quality_upper = g.quality_mean - half, g.quality_mean + half
        days = [(c.locked - c.created).total_seconds() / 86400 for c in rows]
        g.review_days_median = statistics.median(days) if days else None
        g.notices = (notices or {}).get(key, 0)
        g.watch_entries = (watch or {}).get(key, 0)
        received = list((ratings or {}).get(key, ()))
        g.ratings = len(received)
        g.rating_mean = statistics.fmean(received) if received else None
        per_month = {m: [0, 0] for m in months}
        for c in rows:
            m = str(Period.of(c.locked))
            if m in per_month:
                per_month[m][0] += 1
                per_month[m][1] += c.calibrated >= pass_line and not c.vetoed
        g.monthly = [(m, v[0], v[1]) for m, v in per_month.items()]
        out.append(g)
    return out


def count_by(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in items:
        out[k] = out.get(k, 0) + 1
    return out
