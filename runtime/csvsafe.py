"""CSV that officials can open in Excel safely (OWASP "CSV injection").

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (also after
leading spaces, and in their full-width forms ``＝ ＋ － ＠``) is prefixed with a single quote,
so a spreadsheet shows it as text instead of evaluating it. Numbers written as numbers are left
alone (a negative score stays a number). Text that Excel would turn into a date or drop leading
zeros from (a period ``2026-12``, a credit code) can be written as text with :func:`as_text`.
Files are UTF-8 with a byte-order mark and CRLF line ends, which is what Excel expects.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
BOM = "\ufeff"


def neutralise(cell: Any) -> Any:
    """The cell as a spreadsheet should show it: formula-like text gets a leading ``'``."""
    if isinstance(cell, bool) or cell is None:
        return "" if cell is None else str(cell).lower()
    if isinstance(cell, int | float):
        return cell
    text = str(cell)
    if text.lstrip(" ").startswith(_TRIGGERS):
        return "'" + text
    return text


def as_text(value: str) -> str:
    """A value Excel must keep as typed (periods, codes, ids): a formula that yields the string."""
    escaped = value.replace('"', '""')
    return f'="{escaped}"'


class _Text(str):
    """Marks a cell already made safe by :func:`as_text` (not neutralised again)."""


def text_cell(value: str) -> str:
    return _Text(as_text(value))


def render(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> str:
    """The whole file as a string: header, then rows, every text cell neutralised."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for row in rows:
        w.writerow([c if isinstance(c, _Text) else neutralise(c) for c in row])
    return out.getvalue()
