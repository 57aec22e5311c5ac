"""Rendering: real Chinese text in the PDF, BOM in CSV, schema-valid JSON, tamper-evident files."""

from __future__ import annotations

import copy
import io
import json

import jsonschema
import pypdf
import pytest

from services.scoring.bulletin.render import (
    MANIFEST,
    bulletin_schema,
    bulletin_sha256,
    render_all,
    verify,
)
from tests.ranking._world import payload


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render_all(payload())


def test_pdf_has_selectable_chinese_title_and_firm_name(files: dict[str, bytes]) -> None:
    p = payload()
    reader = pypdf.PdfReader(io.BytesIO(files["bulletin.zh-CN.pdf"]))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert p.title_zh in text
    assert p.consultancies[0].name in text
    assert "模拟数据" in text  # synthetic data labelled as such
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert fonts and all("/FontFile2" in f["/FontDescriptor"] for f in fonts)  # TrueType, embedded


def test_csv_starts_with_bom_and_marks_synthetic(files: dict[str, bytes]) -> None:
    data = files["consultancies.zh-CN.csv"]
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("模拟数据,期中,统计期,版本,排名")
    assert lines[1].startswith('是,否,"=""2026-10""",1,1,')  # the period stays text in Excel
    en = files["consultancies.en.csv"].decode("utf-8-sig").splitlines()
    assert en[0].startswith("synthetic,interim,period,version,rank") and en[0].endswith("notice,watch")


def test_json_validates_against_the_shipped_schema(files: dict[str, bytes]) -> None:
    doc = json.loads(files["bulletin.json"])
    jsonschema.validate(doc, bulletin_schema())
    assert doc["synthetic"] is True
    assert doc["notices"] and doc["notices"][0]["reasons_en"]
    broken = copy.deepcopy(doc)
    broken["consultancies"][0]["composite"] = 140
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, bulletin_schema())


def test_html_in_both_languages_with_charts(files: dict[str, bytes]) -> None:
    zh = files["bulletin.zh-CN.html"].decode()
    en = files["bulletin.en.html"].decode()
    p = payload()
    assert '<html lang="zh-CN">' in zh and p.title_zh in zh and "【模拟数据】" in zh
    assert '<html lang="en">' in en and p.title_en in en and "SYNTHETIC" in en
    assert zh.count("<svg") == 2 and "<polyline" in files["funnel.svg"].decode()


def test_real_data_is_not_labelled_synthetic() -> None:
    real = render_all(payload(synthetic_flag=False))
    assert "模拟数据" not in real["bulletin.zh-CN.html"].decode()
    assert b"SYNTHETIC" not in real["bulletin.en.html"]


def test_rendering_is_deterministic_and_verifies(files: dict[str, bytes]) -> None:
    again = render_all(payload())
    assert again == files
    assert verify(files, bulletin_sha256(files)) == []


@pytest.mark.parametrize("name", ["bulletin.zh-CN.pdf", "consultancies.en.csv", "bulletin.json", MANIFEST])
def test_tampering_is_detected(files: dict[str, bytes], name: str) -> None:
    published = bulletin_sha256(files)
    forged = dict(files)
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0x01  # one bit, in the middle of the file
    forged[name] = bytes(data)
    assert verify(forged, published)


def test_missing_or_extra_file_is_detected(files: dict[str, bytes]) -> None:
    fewer = {k: v for k, v in files.items() if k != "agencies.zh-CN.csv"}
    assert verify(fewer) == ["agencies.zh-CN.csv missing"]
    assert verify({**files, "extra.txt": b"x"}) == ["extra.txt not in manifest"]


def test_correction_names_the_version_it_replaces(files: dict[str, bytes]) -> None:
    old = bulletin_sha256(files)
    corrected = render_all(payload(version=2, replaces=old))
    manifest = json.loads(corrected[MANIFEST])
    assert manifest["replaces_sha256"] == old and manifest["version"] == 2
    assert "本版本更正并取代 1" in corrected["bulletin.zh-CN.html"].decode()
    assert bulletin_sha256(corrected) != old
