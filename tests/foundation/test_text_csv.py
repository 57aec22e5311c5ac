"""Shared text validation and CSV neutralisation (runtime.text, runtime.csvsafe)."""

from __future__ import annotations

import csv
import io

import pytest

from runtime import csvsafe
from runtime.errors import FieldViolation
from runtime.text import clean_name, clean_text


@pytest.mark.parametrize(
    "bad", ["甲\u202e乙", "a\x00b", "a\u200bb", "a\nb", "x\x7f", "\u2066甲", "a\u0085b", "a\u2028b"]
)
def test_names_with_invisible_tricks_are_refused(bad: str) -> None:
    v: list[FieldViolation] = []
    assert clean_name(bad, "display_name", v) == ""
    assert [x.reason for x in v] == ["INVALID_CHARACTERS"] and v[0].field == "display_name"


def test_names_are_nfc_and_never_cut() -> None:
    v: list[FieldViolation] = []
    assert clean_name(" Cafe\u0301 ", "n", v) == "Café" and not v
    assert clean_name("甲" * 201, "n", v) == "" and v[-1].reason == "TEXT_TOO_LONG"
    assert clean_name("", "n", v) == "" and v[-1].reason == "REQUIRED"


def test_free_text_keeps_lines_and_drops_zero_width() -> None:
    v: list[FieldViolation] = []
    assert clean_text("第一行\r\n第二\u200b行\t完", "c", v) == "第一行\n第二行\t完" and not v
    assert clean_text("x\u202ey", "c", v) == "" and v[-1].reason == "INVALID_CHARACTERS"
    assert clean_text("x" * 11, "c", v, max_len=10) == "" and v[-1].reason == "TEXT_TOO_LONG"


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+2", "@SUM(A1)", "\t=1", "  =1+1", "＝1"]
)
def test_formula_cells_are_neutralised(cell: str) -> None:
    text = csvsafe.render(["名称"], [[cell]])
    assert text.startswith(csvsafe.BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(csvsafe.BOM))))
    assert rows[1][0] == "'" + cell


def test_numbers_and_text_cells_stay_as_they_are() -> None:
    text = csvsafe.render(["期间", "分数"], [[csvsafe.text_cell("2026-12"), -3.5]])
    rows = list(csv.reader(io.StringIO(text.removeprefix(csvsafe.BOM))))
    assert rows[1] == ['="2026-12"', "-3.5"]
