"""Rendering: real Chinese text in the PDF, BOM in CSV, schema-valid JSON, tamper-evident files."""

from __future__ import annotations

import copy
import io
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pypdf
import pytest

from services.scoring.bulletin.fonts import fonts
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


@pytest.mark.parametrize("name", ["bulletin.zh-CN.pdf", "bulletin.en.pdf"])
def test_pdfs_embed_every_font_and_render_without_replacement_glyphs(
    files: dict[str, bytes], name: str, tmp_path: Path
) -> None:
    """poppler (what many viewers use) sees only embedded subsets, renders every page, and finds no
    character the fonts lack (no "�")."""
    for tool in ("pdffonts", "pdftoppm", "pdftotext"):
        assert shutil.which(tool), f"{tool} missing: `make tools` installs poppler-utils"
    pdf = tmp_path / name
    pdf.write_bytes(files[name])
    table = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5:-3] == ["yes", "yes"] for r in rows), table  # emb, sub
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p")], check=True
    )
    assert len(list(tmp_path.glob("p-*.png"))) == 2
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "\ufffd" not in text
    faces = fonts()
    printable = {c for c in text if not c.isspace()}
    assert all(faces.covers(c, "body") or faces.covers(c, "title") for c in printable)
    meta = pypdf.PdfReader(io.BytesIO(files[name])).metadata
    assert meta is not None and meta.title and meta.author  # the payload has no official frame here
    assert meta.creation_date is not None and meta.creation_date.year == 2026  # the publication time


def test_every_page_of_an_interim_or_superseded_version_says_so() -> None:
    from dataclasses import replace

    interim = replace(payload(), kind="interim", superseded_by_version=2, superseded_by_name="bulletins/x")
    out = render_all(interim)
    reader = pypdf.PdfReader(io.BytesIO(out["bulletin.zh-CN.pdf"]))
    for page in reader.pages:
        flat = "".join(page.extract_text().split())
        assert "【期中通报】" in flat and "【已被取代】" in flat
    assert "INTERIM" in out["bulletin.en.html"].decode() and "SUPERSEDED" in out["bulletin.en.html"].decode()
    assert "已被第2版取代" in out["consultancies.zh-CN.csv"].decode("utf-8-sig")


def test_page_labels_are_whole_in_english_too() -> None:
    """The label at the top of every page is wrapped, never cut (it was cut at 80 characters, so
    the English interim label ended in "The mon")."""
    from dataclasses import replace

    from services.scoring.bulletin.render import EN

    out = render_all(replace(payload(), kind="interim", synthetic=True))
    reader = pypdf.PdfReader(io.BytesIO(out["bulletin.en.pdf"]))
    assert len(reader.pages) > 1
    for label in (EN.interim, EN.synthetic):
        assert len(label) > 80
        for page in reader.pages[1:]:  # page 1 also carries them in the body
            assert "".join(label.split()) in "".join(page.extract_text().split())


def test_charts_have_a_title_a_description_and_round_ticks(files: dict[str, bytes]) -> None:
    svg = files["funnel.svg"].decode()
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    import re

    ticks = [float(x) for x in re.findall(r'text-anchor="end">([0-9.]+)<', svg)]
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and steps.pop() in (1, 2, 2.5, 5, 10, 20, 25)
    limits = re.findall(r'<text x="([0-9.]+)" y="([0-9.]+)" font-size="6.5"', svg)
    ys = sorted(float(y) for _, y in limits)
    assert len(ys) == 2 and ys[1] - ys[0] >= 8  # the two limit labels never overlap
