"""``python -m geo import-records``: JSON on stdout, exit 0 with row errors, exit 2 and an
untouched database when the file cannot be read."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT, make_tiny

CSV = """Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ
c1,05/03/2025,Hình sự,106.02,21.02
c2,2025-03-06,ma_tuy,106.12,21.12
c3,2025-03-07,không rõ,106.12,21.12
c5,2025-03-09,,106.12,21.12
c4,2025-03-08,hinh_su,21.12,106.12
"""


@pytest.fixture
def db_path(tmp_path):
    p = tmp_path / "tiny.db"
    make_tiny(p)["db"].conn.close()
    return p


def run(*args, db=None):
    cmd = [sys.executable, "-m", "geo", "import-records", *map(str, args)]
    if db is not None:
        cmd += ["--db", str(db)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


def dump(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_import_prints_one_json_object_and_exits_0_with_row_errors(db_path, tmp_path):
    f = tmp_path / "vu_viec.csv"
    f.write_bytes(CSV.encode("utf-8-sig"))
    from geo import auth, store
    auth.create_user(store.open_db(db_path), "can_bo", "mat-khau-thu", "admin")
    p = run("incidents", f, "--user", "can_bo", db=db_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    # an unknown category is kept as "khác" with a row warning (issue 11); a missing one is refused
    assert (out["inserted"], out["updated"], out["unchanged"], out["rejected"]) == (3, 0, 0, 2)
    assert [(e["row"], e["column"]) for e in out["errors"]] == [(5, "Loại vụ việc"), (6, "Kinh độ")]
    assert [(w["row"], w["column"]) for w in out["row_warnings"]] == [(4, "Loại vụ việc")]
    assert all(set(e) == {"row", "column", "message"} for e in out["errors"])
    assert "bị đảo" in out["errors"][1]["message"]
    assert p.stdout.count("\n") == 1
    # again: nothing changes
    p = run("incidents", f, db=db_path)
    out = json.loads(p.stdout)
    assert (p.returncode, out["inserted"], out["updated"], out["unchanged"]) == (0, 0, 0, 3)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT username FROM audit_log WHERE action = 'import'").fetchall() == [("can_bo",)]


def test_dry_run_leaves_the_database_unchanged(db_path, tmp_path):
    f = tmp_path / "vu_viec.csv"
    f.write_text(CSV, encoding="utf-8")
    before = dump(db_path)
    p = run("incidents", f, "--dry-run", db=db_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["dry_run"], out["inserted"], out["rejected"]) == (True, 3, 2)
    assert dump(db_path) == before


@pytest.mark.parametrize("name, content", [
    ("missing.csv", None),
    ("empty.csv", b""),
    ("binary.csv", bytes(range(256)) * 4),
    ("noheader.csv", "a,b,c\n1,2,3\n".encode()),
    ("bad.xlsx", b"PK\x03\x04garbage"),
    ("cols.csv", "Mã vụ việc,Kinh độ,Vĩ độ\nx,106,21\n".encode()),
])
def test_unreadable_file_exits_2_with_one_line_and_no_change(db_path, tmp_path, name, content):
    f = tmp_path / name
    if content is not None:
        f.write_bytes(content)
    before = dump(db_path)
    p = run("incidents", f, db=db_path)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("lỗi: ")
    assert dump(db_path) == before


def test_rejects_file_and_groups(db_path, tmp_path):
    f = tmp_path / "to.csv"
    f.write_text("Mã tổ,Tên tổ,Loại mô hình,Mã thôn,Ngày thành lập,Số thành viên\n"
                 "x1,Tổ X,Tổ nhân dân tự quản ANTT,C01V1,01/02/2024,9\n"
                 "x2,Tổ Y,to_tu_quan_antt,C01V1,01/02/2024,-9\n", encoding="utf-8")
    rej = tmp_path / "loi.csv"
    p = run("groups", f, "--rejects", rej, db=db_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["inserted"] == 1
    text = rej.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "Số thành viên không được âm" in text.decode("utf-8-sig")


def test_missing_database_exits_2(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text(CSV, encoding="utf-8")
    p = run("incidents", f, db=tmp_path / "none.db")
    assert p.returncode == 2 and not (tmp_path / "none.db").exists()


def test_existing_commands_still_listed():
    p = subprocess.run([sys.executable, "-m", "geo", "--help"], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    for cmd in ("demo", "sets", "stats", "import-records"):
        assert cmd in p.stdout
