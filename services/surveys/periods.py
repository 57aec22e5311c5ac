"""Reporting periods: ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` → a half-open UTC interval."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from runtime.errors import FieldViolation, InvalidArgument

_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")


def parse_period(period: str, field: str = "period") -> tuple[datetime, datetime]:
    m = _PERIOD.match(period.strip())
    if not m or not 2000 <= int(m.group(1)) <= 2999:
        raise InvalidArgument.fields(
            [FieldViolation(field, "must be YYYY, YYYY-Qn or YYYY-MM", "INVALID_PERIOD")]
        )
    year = int(m.group(1))
    if m.group(2):
        first = 3 * (int(m.group(2)) - 1) + 1
        months = 3
    elif m.group(3):
        first, months = int(m.group(3)), 1
    else:
        first, months = 1, 12
    start = datetime(year, first, 1, tzinfo=UTC)
    end_month = first + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=UTC)
    return start, end
