"""Record files (issue 12, item 7): every parse problem is one clear Vietnamese message
naming the line, never a traceback, and the database is unchanged on refusal; two-row
(merged) spreadsheet headers are flattened; generated hostile files (hypothesis) for the
CSV reader and the boundary reader."""
from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from geo import records
from geo.boundaries import BoundaryError, prepare

HEADER = "Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ"
VI = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def dump(db) -> list:
    return list(db.conn.iterdump())


def refused(db, data: bytes, *words: str) -> str:
    before = dump(db)
    with pytest.raises(records.RecordFileError) as e:
        records.import_records(db, "incidents", data, file_name="x.csv")
    msg = str(e.value)
    assert "\n" not in msg and "Traceback" not in msg and VI & set(msg.lower()), msg
    for w in words:
        assert w in msg, msg
    assert dump(db) == before
    return msg


def test_ten_megabyte_single_line(tiny):
    refused(tiny["db"], (HEADER + ",Mô tả\n" + "x" * 10_000_000).replace("\n", "").encode(), "dòng 1", "MB")
    refused(tiny["db"], (HEADER + "\nc1,2026-03-01,hinh_su,106.02,21.02," + "y" * 3_000_000 + "\n").encode(),
            "dòng 2")


def test_ten_megabyte_single_line_cli(tiny, tmp_path):
    tiny["db"].conn.close()
    p = tmp_path / "one_line.csv"
    p.write_bytes((HEADER + "x" * 10_000_000).encode())
    before = sqlite3.connect(tiny["path"]).execute("SELECT count(*) FROM incidents").fetchone()
    r = subprocess.run([sys.executable, "-m", "geo", "import-records", "incidents", str(p), "--db", str(tiny["path"])],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr and "dòng 1" in r.stderr
    assert sqlite3.connect(tiny["path"]).execute("SELECT count(*) FROM incidents").fetchone() == before


@pytest.mark.parametrize("body, line", [
    ('c1,2026-03-01,hinh_su,106.02,21.02\n"c2,2026-03-02,hinh_su,106.02,21.02\nc3,2026-03-03,hinh_su,106.02,21.02\n', 3),
    ('c1,2026-03-01,hinh_su,106.02,"21.02\nc2,2026-03-02,hinh_su,106.02,21.02\n', 2),
])
def test_unterminated_quote_names_its_line(tiny, body, line):
    """Was: 0 or 1 rows imported, no message."""
    refused(tiny["db"], (HEADER + "\n" + body).encode(), f"dòng {line}", "ngoặc kép")


def test_quoted_cells_over_several_lines_still_import(tiny):
    data = (HEADER + ',Mô tả\nq1,2026-03-01,hinh_su,106.02,21.02,"hai\ndòng"\nq2,2026-03-02,hinh_su,106.02,21.02,x\n')
    res = records.import_records(tiny["db"], "incidents", data.encode(), file_name="x.csv")
    assert res.inserted == 2 and records.get_record(tiny["db"], "incidents", "q1")["description"] == "hai\ndòng"


@pytest.mark.parametrize("data, words", [
    (HEADER.encode() + b"\nc1,2026-03-01,hinh_su,106.02,21.02\n\x81\x8a\x8d\x8e\x8f\x90\x9a\x9d\x9e\n", ["dòng 3", "bảng mã"]),
    ((HEADER + "\n" + "c,2026-03-01,hinh_su,1,2\n" * 400).encode() + b"a\x00b\n", ["dòng 402", "NUL"]),
])
def test_bad_bytes_name_their_line(tiny, data, words):
    refused(tiny["db"], data, *words)


def merged_workbook(rows_after=(("m1", "01/03/2026", "Hình sự", 106.02, 21.02),
                                ("m2", "02/03/2026", "ma_tuy", 106.07, 21.02))) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "Mã vụ việc", "Ngày xảy ra", "Loại vụ việc", "Tọa độ"
    ws["D2"], ws["E2"] = "Kinh độ", "Vĩ độ"
    for col in "ABC":
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("D1:E1")
    for r in rows_after:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_two_row_merged_excel_header_is_flattened(tiny):
    raw = records.read_table(merged_workbook(), "incidents")
    assert raw.headers == ["Mã vụ việc", "Ngày xảy ra", "Loại vụ việc", "Kinh độ", "Vĩ độ"]
    assert list(raw.rows) == [3, 4]
    res = records.import_records(tiny["db"], "incidents", merged_workbook(), file_name="x.xlsx")
    assert res.inserted == 2 and res.rejected == 0
    assert records.get_record(tiny["db"], "incidents", "m2")["lon"] == 106.07


def test_two_row_csv_header_is_flattened_and_errors_name_spreadsheet_rows(tiny):
    data = ("Mã vụ việc,Ngày xảy ra,Loại vụ việc,Tọa độ,\n,,,Kinh độ,Vĩ độ\n"
            "t1,2026-03-01,hinh_su,106.02,21.02\nt2,không phải ngày,hinh_su,106.02,21.02\n").encode()
    res = records.import_records(tiny["db"], "incidents", data, file_name="x.csv", dry_run=True)
    assert res.inserted == 1 and [e["row"] for e in res.errors] == [4]


def test_a_single_header_row_is_not_merged_with_data(tiny):
    raw = records.read_table((HEADER + "\nc1,2026-03-01,hinh_su,106.02,21.02\n").encode(), "incidents")
    assert raw.headers == HEADER.split(",") and list(raw.rows) == [2]


# --- generated hostile files -------------------------------------------------------------

CELL = st.text(alphabet=st.sampled_from(list('abcĐđơ0123456789.,;\t|"\'\n\r =+-@/\\ ') + ["\x00", "\u2028", "\ufeff"]),
               max_size=12)
LINE = st.lists(CELL, max_size=7).map(",".join)


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.sampled_from([HEADER, HEADER + ",Mô tả", "a,b,c", "", '"' + HEADER]))
    lines = draw(st.lists(LINE, max_size=8))
    text = "\n".join([header, *lines]) + draw(st.sampled_from(["", "\n", "\r\n", '"']))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1258", "utf-16"]))
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=20))
    return data


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=csv_files())
def test_generated_csv_never_a_traceback_and_refusals_change_nothing(tiny, data):
    db = tiny["db"]
    before = dump(db)
    try:
        res = records.import_records(db, "incidents", data, file_name="g.csv")
    except records.RecordFileError as e:
        msg = str(e)
        assert msg and "\n" not in msg and "Traceback" not in msg
        assert dump(db) == before
    else:
        assert res.inserted + res.updated + res.unchanged + res.rejected == len(res.actions)
        for err in res.errors:
            assert isinstance(err["row"], int) and err["message"]


COORD = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.integers(-10**6, 10**6),
                  st.just(None), st.text(max_size=3))
RING = st.lists(st.lists(COORD, min_size=0, max_size=4), max_size=6)
GEOMETRY = st.one_of(
    st.builds(lambda r: {"type": "Polygon", "coordinates": [r]}, RING),
    st.builds(lambda rs: {"type": "MultiPolygon", "coordinates": [[r] for r in rs]}, st.lists(RING, max_size=3)),
    st.builds(lambda c: {"type": "Point", "coordinates": c}, st.lists(COORD, max_size=3)),
    st.just(None), st.just({}), st.just({"type": "Polygon"}), st.text(max_size=5),
    st.just({"type": "Polygon", "coordinates": [[[106, 21], [106.1, 21], [106.1, 21.1], [106, 21]]]}),
    st.just({"type": "Polygon", "coordinates": [[[106, 21], [106.1, 21.1], [106.1, 21], [106, 21.1], [106, 21]]]}),
)
PROPS = st.dictionaries(st.sampled_from(["ma", "ten", "name", "code", "", "ma_cha", "\x00"]),
                        st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.none(), st.booleans()),
                        max_size=4)
FEATURE = st.builds(lambda g, p: {"type": "Feature", "geometry": g, "properties": p}, GEOMETRY, PROPS)


@st.composite
def geojson_docs(draw) -> bytes:
    doc = {"type": draw(st.sampled_from(["FeatureCollection", "Feature", "Polygon", "Topology", 5])),
           "features": draw(st.lists(st.one_of(FEATURE, st.just(None), st.integers()), max_size=5))}
    if draw(st.booleans()):
        doc["crs"] = draw(st.sampled_from([
            {"type": "name", "properties": {"name": "EPSG:4326"}}, {"type": "name", "properties": {"name": "EPSG:9999999"}},
            {"type": "link", "properties": {"href": "http://127.0.0.1:9/x", "type": "proj4"}}, "x", None, {}]))
    text = json.dumps(doc, allow_nan=True)
    return draw(st.sampled_from([text, text[: max(1, len(text) // 2)], "\ufeff" + text, text + "}"])).encode()


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=geojson_docs())
def test_generated_geojson_never_a_traceback(tmp_path, data):
    p = tmp_path / "g.geojson"
    p.write_bytes(data)
    try:
        prep = prepare(p, level="commune")
    except BoundaryError as e:
        msg = str(e)
        assert msg and "Traceback" not in msg and VI & set(msg.lower()), msg
    else:
        assert len(prep.gdf) >= 1 and prep.gdf.geometry.is_valid.all()


@pytest.mark.parametrize("data", [b"PK\x03\x04" + b"\x00" * 40, b"PK\x03\x04garbage" * 10])
def test_broken_excel_is_one_vietnamese_line(tiny, data):
    msg = refused(tiny["db"], data, "Excel")
    assert "Error" not in msg and "zip" not in msg.lower()
