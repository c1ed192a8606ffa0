"""Formula injection (issue 12, item 1): no CSV or Excel file the app or the CLI writes
contains a cell a spreadsheet would run as a formula, whatever the data says."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT
from geo import audit, auth, cellsafe, compstat, records, stats, store, templates
from geo.export import tables
from geo.periods import Period, parse_date

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))
HOSTILE = ['=HYPERLINK("http://127.0.0.1:9/x","bấm")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "  =1+1", "＝1+1"]


def dangerous_csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None)
    return [v for v in df.to_numpy().ravel() if cellsafe.is_dangerous(v)]


def dangerous_xlsx_cells(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and cellsafe.is_dangerous(c.value)):
                    bad.append(c.value)
    return bad


@pytest.mark.parametrize("text", HOSTILE)
def test_dangerous_text_gets_an_apostrophe(text):
    assert cellsafe.is_dangerous(text)
    assert cellsafe.neutralise(text) == "'" + text
    assert not cellsafe.is_dangerous(cellsafe.neutralise(text))


@pytest.mark.parametrize("value", ["Thôn 1", "", "-12", "+3,5", "-0.25", "1e-3", 12, -3.5, None, "a=b"])
def test_safe_values_are_unchanged(value):
    assert cellsafe.neutralise(value) == value


@pytest.fixture
def hostile(tiny):
    """The tiny province with a commune named like a formula and an incident description too."""
    db = tiny["db"]
    with store.transaction(db) as conn:
        conn.execute("UPDATE areas SET name = ? WHERE code = 'C00'", (HOSTILE[0],))
        conn.execute("UPDATE incidents SET description = ?, source = ? WHERE id = 'i1'", (HOSTILE[1], HOSTILE[3]))
        store.bump_revision(db)
    return tiny


def test_figure_exports_csv_and_xlsx(hostile):
    db = hostile["db"]
    df = stats.area_stats(db, hostile["communes"], MARCH)
    assert HOSTILE[0] in set(df["name"])
    comp = compstat.from_stats(df)
    for frame in (df, comp):
        assert dangerous_csv_cells(tables.csv_bytes(frame)) == []
        assert dangerous_xlsx_cells(tables.xlsx_bytes({"a": frame, "b": frame})) == []
    # the text is kept, readable, only neutralised
    back = pd.read_csv(io.BytesIO(tables.csv_bytes(df)), encoding="utf-8-sig", dtype=str)
    assert "'" + HOSTILE[0] in set(back["Tên"])


def test_rejected_rows_and_tables(hostile):
    db = hostile["db"]
    csv = ("Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ,Mô tả\n"
           f'"{HOSTILE[0].replace(chr(34), chr(34) * 2)}",không phải ngày,hinh_su,106.02,21.02,"{HOSTILE[2]}"\n'
           f'"@x",2026-03-01,"=1+2",999,21.02,"+cmd"\n').encode()   # an unknown category is kept as khác:
    # the longitude out of range rejects the row, with its hostile category in the rejected file
    res = records.import_records(db, "incidents", csv, file_name="=evil.csv", dry_run=True)
    assert res.rejected == 2
    assert dangerous_csv_cells(templates.rejected_file(res, "csv")) == []
    assert dangerous_xlsx_cells(templates.rejected_file(res, "xlsx")) == []
    lst = records.list_records(db, "incidents")
    assert dangerous_csv_cells(templates.table_bytes(lst, "csv")) == []
    assert dangerous_xlsx_cells(templates.table_bytes(lst, "xlsx")) == []


def test_audit_log_export(hostile):
    db = hostile["db"]
    auth.create_user(db, "viewer1", "correct-horse", "viewer")
    with store.transaction(db) as conn:
        audit.log(conn, user="=cmd|'/C calc'!A0", action="+x", target_kind="-k", target_id="@id",
                  detail="=HYPERLINK(\"http://127.0.0.1:9\")")
    log_df = audit.entries(db)
    assert dangerous_csv_cells(templates.table_bytes(log_df, "csv")) == []
    assert dangerous_xlsx_cells(templates.table_bytes(log_df, "xlsx", sheet="Nhật ký")) == []


@pytest.mark.parametrize("kind", ["groups", "cameras", "incidents"])
def test_templates(kind):
    assert dangerous_csv_cells(templates.template_csv(kind)) == []
    assert dangerous_xlsx_cells(templates.template_xlsx(kind)) == []


def test_cli_stats_csv(hostile):
    db = hostile["db"]
    db.conn.close()
    r = subprocess.run([sys.executable, "-m", "geo", "stats", "--db", str(hostile["path"]), "--level", "commune",
                        "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert "'" + HOSTILE[0] in set(pd.read_csv(io.StringIO(r.stdout), dtype=str)["name"])
    assert dangerous_csv_cells(r.stdout.encode()) == []


def test_no_writer_bypasses_the_helper():
    """Every CSV/Excel writer goes through geo.cellsafe: no bare ``to_csv``/``to_excel`` or
    openpyxl ``append`` of raw values elsewhere in the app or the CLI."""
    offenders = []
    for folder in ("geo", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "cellsafe.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|DictWriter\(", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
                if re.search(r"\bws\.append\((?!cellsafe\.)", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
