"""The one calendar of the system: reporting periods in China Standard Time.

Dongguan's months, quarters and years begin at 00:00 Beijing time (UTC+8, no daylight saving).
Every service, the bulletin job and the gateway cut periods here, so a "2026-10" asked of two
services covers the same instants. A :class:`Period` is a month (``YYYY-MM``), a quarter
(``YYYY-Qn``) or a year (``YYYY``); its bounds are a half-open interval of aware UTC instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

from runtime.errors import FieldViolation, InvalidArgument

#: China Standard Time, the zone every period is cut in.
CST = timezone(timedelta(hours=8), "CST")

Kind = Literal["month", "quarter", "year"]

_PATTERN = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$", re.ASCII)
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _from_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period in CST: ``first`` month index (year*12 + month-1) and its length in months."""

    first: int
    months: int

    # ------------------------------------------------------------------ construction

    @staticmethod
    def month(year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} out of range")
        return Period(_month_index(year, month), 1)

    @staticmethod
    def quarter(year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter {quarter} out of range")
        return Period(_month_index(year, 3 * quarter - 2), 3)

    @staticmethod
    def year(year: int) -> Period:
        return Period(_month_index(year, 1), 12)

    @staticmethod
    def parse(text: str, *, kinds: tuple[Kind, ...] = ("month", "quarter", "year")) -> Period:
        """``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` (ASCII digits only); ``ValueError`` otherwise."""
        m = _PATTERN.match(text) if isinstance(text, str) and len(text) <= 7 else None
        if not m or not 2000 <= int(m.group(1)) <= 2999:
            raise ValueError(f"not a period: {text[:16]!r}")
        y = int(m.group(1))
        if m.group(2):
            period, kind = Period.quarter(y, int(m.group(2))), "quarter"
        elif m.group(3):
            period, kind = Period.month(y, int(m.group(3))), "month"
        else:
            period, kind = Period.year(y), "year"
        if kind not in kinds:
            raise ValueError(f"a {kind} is not accepted here")
        return period

    @staticmethod
    def parse_field(
        text: str, field: str = "period", *, kinds: tuple[Kind, ...] = ("month", "quarter", "year")
    ) -> Period:
        """Like :meth:`parse`, but a bad value is ``INVALID_ARGUMENT`` ``INVALID_PERIOD`` on ``field``."""
        try:
            return Period.parse(text, kinds=kinds)
        except ValueError:
            shapes = {"month": "YYYY-MM", "quarter": "YYYY-Qn", "year": "YYYY"}
            wanted = ", ".join(shapes[k] for k in kinds)
            raise InvalidArgument.fields(
                [FieldViolation(field, f"must be a period ({wanted})", "INVALID_PERIOD")],
                reason="INVALID_PERIOD",
            ) from None

    @staticmethod
    def of(instant: datetime, kind: Kind = "month") -> Period:
        """The period of ``kind`` containing ``instant`` (aware; naive is taken as UTC)."""
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        local = instant.astimezone(CST)
        if kind == "month":
            return Period.month(local.year, local.month)
        if kind == "quarter":
            return Period.quarter(local.year, (local.month - 1) // 3 + 1)
        return Period.year(local.year)

    @staticmethod
    def current(kind: Kind = "month", *, now: datetime | None = None) -> Period:
        return Period.of(now or datetime.now(UTC), kind)

    # ------------------------------------------------------------------ properties

    @property
    def kind(self) -> Kind:
        return {1: "month", 3: "quarter"}.get(self.months, "year")  # type: ignore[return-value]

    @property
    def start(self) -> datetime:
        """First instant, aware UTC (00:00 CST on the period's first day)."""
        y, m = _from_index(self.first)
        return datetime(y, m, 1, tzinfo=CST).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """First instant after the period, aware UTC (exclusive bound, the data cut-off)."""
        y, m = _from_index(self.first + self.months)
        return datetime(y, m, 1, tzinfo=CST).astimezone(UTC)

    @property
    def first_day(self) -> date:
        y, m = _from_index(self.first)
        return date(y, m, 1)

    @property
    def last_day(self) -> date:
        y, m = _from_index(self.first + self.months)
        return date(y, m, 1) - timedelta(days=1)

    def contains(self, instant: datetime) -> bool:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        return self.start <= instant < self.end

    def has_begun(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.start

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.end

    # ------------------------------------------------------------------ arithmetic

    def shift(self, n: int) -> Period:
        """The period ``n`` steps of its own length later (earlier for negative ``n``)."""
        return Period(self.first + n * self.months, self.months)

    def month_list(self) -> list[Period]:
        return [Period(self.first + i, 1) for i in range(self.months)]

    def window(self, months: int) -> Period:
        """The ``months`` months ending with this period's last month (a rolling window)."""
        return Period(self.first + self.months - months, months)

    def year_of(self) -> int:
        return _from_index(self.first)[0]

    # ------------------------------------------------------------------ labels

    def __str__(self) -> str:
        y, m = _from_index(self.first)
        if self.months == 1:
            return f"{y:04d}-{m:02d}"
        if self.months == 3 and (m - 1) % 3 == 0:
            return f"{y:04d}-Q{(m - 1) // 3 + 1}"
        if self.months == 12 and m == 1:
            return f"{y:04d}"
        last_y, last_m = _from_index(self.first + self.months - 1)
        return f"{y:04d}-{m:02d}..{last_y:04d}-{last_m:02d}"

    def label(self, lang: str = "zh-CN") -> str:
        """A reader's name: ``2026年10月`` / ``October 2026``; quarters and years likewise."""
        y, m = _from_index(self.first)
        zh = not lang.lower().startswith("en")
        if self.months == 1:
            return f"{y}年{m}月" if zh else f"{_EN_MONTHS[m - 1]} {y}"
        if self.months == 3 and (m - 1) % 3 == 0:
            q = (m - 1) // 3 + 1
            return f"{y}年第{'一二三四'[q - 1]}季度" if zh else f"Q{q} {y}"
        if self.months == 12 and m == 1:
            return f"{y}年" if zh else f"{y}"
        last_y, last_m = _from_index(self.first + self.months - 1)
        if zh:
            return f"{y}年{m}月至{last_y}年{last_m}月"
        return f"{_EN_MONTHS[m - 1]} {y} – {_EN_MONTHS[last_m - 1]} {last_y}"


def cst_date(instant: datetime) -> date:
    """The calendar day in Beijing of an instant (naive is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(CST).date()


def cst_date_label(instant: datetime, lang: str = "zh-CN") -> str:
    """``2026年12月1日`` (the form of a 成文日期) or ``1 December 2026``."""
    d = cst_date(instant)
    if lang.lower().startswith("en"):
        return f"{d.day} {_EN_MONTHS[d.month - 1]} {d.year}"
    return f"{d.year}年{d.month}月{d.day}日"


def cst_time_label(instant: datetime, lang: str = "zh-CN") -> str:
    """``2026年12月1日 09:30（北京时间）`` / ``1 December 2026 09:30 (Beijing time)``."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    hm = instant.astimezone(CST).strftime("%H:%M")
    if lang.lower().startswith("en"):
        return f"{cst_date_label(instant, lang)} {hm} (Beijing time)"
    return f"{cst_date_label(instant, lang)} {hm}（北京时间）"
