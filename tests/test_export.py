"""Exports made on this machine: the map PNG, the PDF brief (its text read back with
pdftotext), CSV / Excel / GeoJSON round trips, and the ``brief`` / ``map-png`` commands."""
import io
import json
import os
import re
import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from conftest import ROOT
from geo import areas, compstat, maps, stats
from geo.export import View, brief, classes_for, column_label, png, tables
from geo.periods import Period, parse_date

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))


def require_poppler(tool: str = "pdftotext") -> str:
    """The path of a poppler tool; skip (fail when ANTT_REQUIRE_BROWSER is set, as in CI) without it."""
    path = shutil.which(tool)
    if path is None:
        msg = f"{tool} is not installed (apt-get install -y poppler-utils)"
        if os.environ.get("ANTT_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def pdf_text(data: bytes, tmp_path, layout: bool = True) -> str:
    exe = require_poppler()
    p = tmp_path / "x.pdf"
    p.write_bytes(data)
    args = [exe, *(["-layout"] if layout else []), str(p), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def run(*args):
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def appendix_rows(text: str, codes) -> dict[str, list[str]]:
    """{code: [name, figures…]} from the appendix lines of a ``pdftotext -layout`` text."""
    n = len(brief.APPENDIX_COLUMNS) - 2
    out = {}
    for line in text.splitlines():
        tok = line.split()
        if tok and tok[0] in codes and len(tok) >= n + 1:   # a long name may wrap to the line above
            out[tok[0]] = [" ".join(tok[1:-n]), *tok[-n:]]
    return out


# --------------------------------------------------------------------------- PNG

def test_map_png_is_an_image_of_the_requested_size(tiny):
    data = png.map_png(tiny["db"], View(tiny["communes"], MARCH), width=900, height=600)
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.size == (900, 600) and img.mode == "RGB"
    # the classes' colours are on it (same classification as the map)
    df = stats.area_stats(tiny["db"], tiny["communes"], MARCH)
    cl = maps.classify(dict(zip(df["code"], df["incidents"])), scheme="quantiles", k=5)
    colours = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in cl["colors"]}
    seen = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert colours <= seen


def test_map_png_uses_the_classification_it_is_given(tiny):
    """Side by side: one classification for several periods."""
    db = tiny["db"]
    v = View(tiny["communes"], MARCH)
    shared = classes_for([0, 1, 2, 3, 4, 5, 10, 20], "incidents")
    fig = png.map_figure(db, v, classes=shared, width=800, height=500)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "9 – 20" in texts               # a class of the shared classification, absent from March alone


def test_diverging_metric_uses_the_map_page_colours(tiny):
    cl = classes_for({"a": -50.0, "b": 0.0, "c": 20.0, "d": 100.0, "e": None}, "change_pct")
    assert cl["colors"][0] == "#1a9850" and cl["nodata_count"] == 1


def test_scale_bar_length_is_round():
    assert [png.nice_length(x) for x in (0.9, 7_300, 12_000, 260_000)] == [0.5, 5_000, 10_000, 200_000]


def test_map_png_of_a_village_area_and_every_metric(tiny):
    for metric in ("incidents", "rate_per_1000", "change_pct", "z", "coverage_pct", "camera_area_pct",
                   "incidents_in_camera_view_pct"):
        data = png.map_png(tiny["db"], View(tiny["villages"], MARCH, area="C00", metric=metric, lang="en"),
                           width=400, height=300)
        assert Image.open(io.BytesIO(data)).size == (400, 300)


def test_cli_map_png(tiny, tmp_path):
    out = tmp_path / "map.png"
    p = run("map-png", "--db", tiny["path"], "--area", "C00", "--level", "village", "--from", "2026-03-01",
            "--to", "2026-03-31", "--metric", "coverage_pct", "--width", "1000", "--height", "700", "-o", out)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["output"] == str(out)
    assert Image.open(out).size == (1000, 700)


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-03-31", "--to", "2026-03-01"], "thời gian"),
    (["--from", "2026-03-01", "--to", "2026-03-31", "--area", "NOPE"], "NOPE"),
    (["--from", "2026-03-01", "--to", "2026-03-31", "--category", "xyz"], "xyz"),
    (["--from", "2026-03-01", "--to", "2026-03-31", "--width", "50"], "width"),
])
def test_cli_map_png_refusals(tiny, tmp_path, args, message):
    out = tmp_path / "m.png"
    p = run("map-png", "--db", tiny["path"], *args, "-o", out)
    assert p.returncode == 2 and message in p.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- PDF

def test_brief_numbers_are_those_of_geo_stats(tiny, tmp_path):
    """Every figure of every area in the brief is the one `python -m geo stats` prints."""
    out = tmp_path / "brief.pdf"
    p = run("brief", "--db", tiny["path"], "--from", "2026-03-01", "--to", "2026-03-31", "-o", out)
    assert p.returncode == 0, p.stderr
    s = run("stats", "--db", tiny["path"], "--level", "commune", "--from", "2026-03-01", "--to", "2026-03-31")
    rows = json.loads(s.stdout)
    text = pdf_text(out.read_bytes(), tmp_path)
    got = appendix_rows(text, {r["code"] for r in rows})
    assert set(got) == {r["code"] for r in rows}
    cols = [c for c, _ in brief.APPENDIX_COLUMNS[2:]]
    for r in rows:
        assert got[r["code"]] == [r["name"], *[brief.cell_text(c, r[c]) for c in cols]], r["code"]
    # names with their diacritics, title, area and period, generation time
    for name in ("Xã 00", "Xã 01", "Xã 10", "Xã 11", "Thôn 001", "Thôn 111"):
        assert name in text
    assert "BÁO CÁO GIAO BAN AN NINH TRẬT TỰ" in text
    assert "Toàn tỉnh (Tỉnh Thử)" in text and "01/03/2026 – 31/03/2026" in text
    assert re.search(r"Tạo lúc \d\d:\d\d \d\d/\d\d/\d{4}", text)
    # the key figures: 5 incidents (C00 2 + C10 1 + C11 2), previous 1, last year 2, 1 active camera
    plain = pdf_text(out.read_bytes(), tmp_path, layout=False)
    assert "Tổng số vụ việc" in plain and "Toàn bộ: 5 vụ việc; kỳ trước 1 (+4, +400,0 %" in plain


def test_brief_compstat_and_coverage_sections(tiny, tmp_path):
    db = tiny["db"]
    v = View(tiny["communes"], MARCH)
    data = brief.collect(db, v)
    comp = compstat.compstat(db, tiny["communes"], MARCH)
    assert data.totals == compstat.totals(comp)
    assert list(data.worse["code"]) == list(compstat.top_changes(comp, brief.TOP_N, "worse")["code"])
    assert list(data.worse["code"]) == ["C11", "C10", "C00"]            # z 2.83, 2.00, 0.83
    assert len(data.vung_trang) == 5
    text = pdf_text(brief.brief_pdf(db, v, data=data), tmp_path)
    assert "So sánh theo địa bàn (CompStat)" in text
    assert "Tăng nhiều nhất (xấu hơn)" in text and "Giảm nhiều nhất (tốt hơn)" in text
    assert "Độ phủ mô hình và camera (ngày 31/03/2026)" in text
    assert "Các thôn/TDP vùng trắng (5)" in text
    assert "Diễn biến theo tháng (04/2025 – 31/03/2026)" in text


def test_brief_is_a4_landscape_with_embedded_fonts(tiny, tmp_path):
    pdf = brief.brief_pdf(tiny["db"], View(tiny["villages"], MARCH, area="C00", categories=("hinh_su",)))
    assert pdf.startswith(b"%PDF")
    p = tmp_path / "b.pdf"
    p.write_bytes(pdf)
    info = subprocess.run([require_poppler("pdfinfo"), str(p)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+841\.89 x 595\.27\d pts \(A4\)", info), info
    fonts = subprocess.run([require_poppler("pdffonts"), str(p)], capture_output=True, text=True).stdout
    rows = fonts.strip().splitlines()[2:]
    assert rows and all(r.split()[-5] == "yes" for r in rows), fonts        # every font embedded
    assert all("DejaVuSans" in r for r in rows), fonts
    text = pdf_text(pdf, tmp_path)
    assert "Thôn 000" in text and "Thôn 001" in text and "Xã 00" in text
    assert "Loại vụ việc: Hình sự" in text


def test_brief_in_english_and_village_level_cli(tiny, tmp_path):
    out = tmp_path / "b.pdf"
    p = run("brief", "--db", tiny["path"], "--level", "village", "--area", "C11", "--from", "2026-03-01",
            "--to", "2026-03-31", "--lang", "en", "--metric", "rate_per_1000", "-o", out)
    assert p.returncode == 0, p.stderr
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "SECURITY AND ORDER REVIEW BRIEF" in text and "Thôn 110" in text and "Thôn 111" in text
    s = json.loads(run("stats", "--db", tiny["path"], "--level", "village", "--area", "C11", "--from",
                       "2026-03-01", "--to", "2026-03-31").stdout)
    got = appendix_rows(text, {r["code"] for r in s})
    assert [got[r["code"]][1] for r in s] == [str(r["incidents"]) for r in s]


def test_brief_on_the_demo_province(demo_path, tmp_path):
    """A real-sized set (every village of the demo province): every row is in the appendix."""
    from geo import store
    db = store.open_db(demo_path)
    vset = areas.current_set(db, "village")
    period = Period(parse_date("2026-09-01"), parse_date("2026-10-31"))
    pdf = brief.brief_pdf(db, View(vset.id, period))
    df = stats.area_stats(db, vset.id, period)
    text = pdf_text(pdf, tmp_path)
    got = appendix_rows(text, set(df["code"]))
    assert len(got) == len(df) <= brief.APPENDIX_MAX_ROWS
    assert all(got[c][1] == str(n) for c, n in zip(df["code"], df["incidents"]))
    # every village name, diacritics and all, as stored (NFC): "Hạnh Phúc", "Cầu Xá"…
    assert all(got[c][0] == name for c, name, placed in zip(df["code"], df["name"], df["placed"]) if placed)
    assert any(not name.isascii() for name in df["name"])
    # the communes' "village not known" rows are in the appendix too (their long names wrap)
    assert (~df["placed"]).sum() > 0 and text.count("Chưa xác định thôn") >= (~df["placed"]).sum()


def test_brief_as_an_officer_covers_only_their_commune(tiny, tmp_path):
    """--user: the officer's own areas only, the same rows as `stats --user`."""
    from geo import auth
    auth.create_user(tiny["db"], "xa00", "mat-khau-1234", "officer", "C00")
    args = ["--db", tiny["path"], "--level", "village", "--from", "2026-03-01", "--to", "2026-03-31",
            "--user", "xa00"]
    out = tmp_path / "b.pdf"
    assert run("brief", *args, "-o", out).returncode == 0
    rows = json.loads(run("stats", *args).stdout)
    assert [r["code"] for r in rows] == ["C00V0", "C00V1"]
    text = pdf_text(out.read_bytes(), tmp_path)
    got = appendix_rows(text, {"C00V0", "C00V1", "C01V0", "C10V0", "C11V1"})
    assert set(got) == {"C00V0", "C00V1"}
    assert "Địa bàn: Xã 00" in text and "Thôn 010" not in text
    p = run("brief", *args[:-1], "nobody", "-o", tmp_path / "c.pdf")
    assert p.returncode == 2 and "nobody" in p.stderr


def test_brief_cli_refuses_an_unknown_area(tiny, tmp_path):
    out = tmp_path / "b.pdf"
    p = run("brief", "--db", tiny["path"], "--area", "NOPE", "--from", "2026-03-01", "--to", "2026-03-31", "-o", out)
    assert p.returncode == 2 and "NOPE" in p.stderr and not out.exists()


def test_trend_window():
    assert brief.trend_window(MARCH) == Period(parse_date("2025-04-01"), parse_date("2026-03-31"))
    long = Period(parse_date("2024-01-01"), parse_date("2026-03-31"))
    assert brief.trend_window(long) == long


# --------------------------------------------------------------------------- tables

@pytest.fixture
def figures(tiny):
    return stats.area_stats(tiny["db"], tiny["communes"], MARCH)


def test_csv_round_trip(figures):
    data = tables.csv_bytes(figures)
    assert data.startswith("\ufeff".encode())
    head = data.decode("utf-8-sig").splitlines()[0].split(",")
    assert head[:3] == ["Mã", "Tên", "Vụ việc"]
    back = tables.read_csv(data, figures.columns)
    pd.testing.assert_frame_equal(back, figures, check_dtype=False)


def test_xlsx_round_trip(tiny, figures):
    comp = compstat.from_stats(figures)
    data = tables.xlsx_bytes({"Số liệu": figures, "CompStat": comp}, title="Tháng 3")
    back = tables.read_xlsx(data, figures.columns)
    pd.testing.assert_frame_equal(back, figures, check_dtype=False)
    back2 = tables.read_xlsx(data, comp.columns, sheet="CompStat")
    pd.testing.assert_frame_equal(back2, comp, check_dtype=False)
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Số liệu", "CompStat"]
    assert wb["Số liệu"]["C1"].value == "Vụ việc" and wb["Số liệu"].freeze_panes == "A2"
    assert wb["CompStat"].cell(1, comp.columns.get_loc("change_ly") + 1).value == column_label("change_ly")


def test_headers_are_unique_and_reversible():
    cols = ["code", "name", "change", "change_ly", "not_a_known_column"]
    h = tables.headers(cols)
    assert len(set(h)) == len(h) and h[-1] == "not_a_known_column"
    assert tables.header_map(cols) == dict(zip(h, cols))
    assert tables.headers(["incidents"], "en") == ["Incidents"]


def test_geojson_round_trip(tiny, figures):
    data = tables.geojson_bytes(tiny["db"], tiny["communes"], figures, extra={"from": "2026-03-01"})
    fc = json.loads(data)
    assert fc["type"] == "FeatureCollection" and fc["from"] == "2026-03-01"
    props = pd.DataFrame([f["properties"] for f in fc["features"]])
    pd.testing.assert_frame_equal(props[list(figures.columns)], figures, check_dtype=False)
    gdf = gpd.read_file(io.BytesIO(data))
    assert gdf.crs.to_epsg() == 4326 and list(gdf["code"]) == list(figures["code"])
    src = areas.load_areas(tiny["db"], tiny["communes"])
    assert np.allclose(shapely.area(gdf.geometry.values), shapely.area(src.geometry.values))
    assert all(shapely.is_valid(gdf.geometry.values))
