"""Tamper-evident audit log (issue 12, item 8): each row carries the hash of its content and
of the row before; ``python -m geo audit verify`` names the first broken link; INSERT OR
REPLACE is refused like UPDATE and DELETE; the migration chains rows written before."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT
from geo import audit, store


def write_rows(db, n=5):
    for i in range(n):
        with store.transaction(db) as conn:
            audit.log(conn, user=f"u{i}", action="create", target_kind="incidents", target_id=f"i{i}",
                      after={"description": f"Vụ {i}"}, detail=None if i % 2 else {"n": i})
    audit.log_many(db.conn, [{"action": "import", "target_kind": "groups", "detail": "bulk"},
                             {"action": "import", "target_kind": "cameras"}], user="bulk")


@pytest.fixture
def db(tmp_path):
    d = store.open_db(tmp_path / "a.db")
    write_rows(d)
    return d


def tamper(db, sql, *args):
    """What someone with the file can do: drop the triggers and change rows directly."""
    conn = sqlite3.connect(db.conn.execute("PRAGMA database_list").fetchone()[2], isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql, args)
    conn.close()


def test_every_row_is_chained(db):
    res = audit.verify(db)
    assert res == {"ok": True, "rows": 7, "first_broken_id": None, "problem": None, "head": res["head"]}
    rows = db.conn.execute("SELECT id, prev_hash, row_hash FROM audit_log ORDER BY id").fetchall()
    assert rows[0][1] is None
    assert all(b[1] == a[2] for a, b in zip(rows, rows[1:]))
    assert res["head"] == rows[-1][2]


@pytest.mark.parametrize("sql, args, broken, problem", [
    ("UPDATE audit_log SET username = 'someone-else' WHERE id = 3", (), 3, "content"),
    ("UPDATE audit_log SET after = replace(after, 'Vụ 1', 'Vụ X') WHERE id = 2", (), 2, "content"),
    ("DELETE FROM audit_log WHERE id = 4", (), 5, "link"),
    ("UPDATE audit_log SET id = 100 WHERE id = 2", (), 3, "link"),
    ("INSERT INTO audit_log (id, at, action) VALUES (8, '2026-01-01', 'forged')", (), 8, "missing"),
])
def test_verify_names_the_first_broken_link(db, sql, args, broken, problem):
    tamper(db, sql, *args)
    res = audit.verify(db)
    assert not res["ok"] and res["first_broken_id"] == broken and res["problem"] == problem


def test_rewritten_content_with_its_own_hash_still_breaks_the_next_link(db):
    row = db.conn.execute(f"SELECT {', '.join(audit.CONTENT)}, prev_hash FROM audit_log WHERE id = 2").fetchone()
    forged = (*row[:2], "forger", *row[3:len(audit.CONTENT)])
    tamper(db, "UPDATE audit_log SET username = 'forger', row_hash = ? WHERE id = 2", audit.row_hash(row[-1], forged))
    assert audit.verify(db)["first_broken_id"] == 3


@pytest.mark.parametrize("sql", [
    "INSERT OR REPLACE INTO audit_log (id, at, action) VALUES (1, '2026-01-01', 'x')",
    "REPLACE INTO audit_log (id, at, action) VALUES (2, '2026-01-01', 'x')",
    "INSERT INTO audit_log (id, at, action) VALUES (3, '2026-01-01', 'x') ON CONFLICT (id) DO UPDATE SET action = 'x'",
    "UPDATE audit_log SET action = 'x'",
    "DELETE FROM audit_log WHERE id = 1",
])
def test_replace_update_delete_refused(db, sql):
    before = db.conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute(sql)
    assert db.conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall() == before
    assert audit.verify(db)["ok"]


def test_an_insert_that_does_not_continue_the_chain_is_refused(db):
    with pytest.raises(sqlite3.DatabaseError, match="hash chain"):
        db.conn.execute("INSERT INTO audit_log (at, action) VALUES ('2026-01-01', 'x')")
    with pytest.raises(sqlite3.DatabaseError, match="hash chain"):
        db.conn.execute("INSERT INTO audit_log (at, action, prev_hash, row_hash) VALUES ('x', 'x', 'abc', 'def')")


def test_migration_chains_rows_written_before(tmp_path):
    """A database from before the chain: its rows get hashes, in order, and verify passes."""
    from old_schema import database_before
    p = tmp_path / "old.db"
    conn = database_before(p, "ADD COLUMN row_hash")
    for i in range(4):
        conn.execute("INSERT INTO audit_log (at, username, action, target_id) VALUES (?, ?, ?, ?)",
                     (f"2026-01-0{i + 1}", "old", "create", f"x{i}"))
    conn.close()
    db = store.open_db(p)
    assert audit.verify(db) == {"ok": True, "rows": 4, "first_broken_id": None, "problem": None,
                                "head": db.conn.execute("SELECT row_hash FROM audit_log WHERE id = 4").fetchone()[0]}
    write_rows(db, 2)
    assert audit.verify(db)["ok"] and audit.verify(db)["rows"] == 8
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("INSERT OR REPLACE INTO audit_log (id, at, action) VALUES (1, 'x', 'x')")


def test_parallel_writers_keep_one_chain(tmp_path):
    p = tmp_path / "a.db"
    store.open_db(p).conn.close()
    code = ("import sys; from geo import audit, store\n"
            "db = store.open_db(sys.argv[1])\n"
            "for i in range(40):\n"
            "    audit.log(db, user=sys.argv[2], action='x', target_kind=None, target_id=str(i))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(p), f"w{k}"], cwd=ROOT, env=env) for k in range(4)]
    assert [pr.wait(120) for pr in procs] == [0] * 4
    res = audit.verify(store.open_db(p))
    assert res["ok"] and res["rows"] == 160


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_audit_verify(db, tmp_path):
    path = tmp_path / "a.db"
    r = run_cli("audit", "verify", "--db", path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["rows"] == 7 and out["first_broken_id"] is None and len(out["head"]) == 64
    tamper(db, "UPDATE audit_log SET detail = 'sửa' WHERE id = 6")
    r = run_cli("audit", "verify", "--db", path)
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["ok"] is False and out["first_broken_id"] == 6 and out["problem"] == "content"


def test_cli_audit_verify_refusals(tmp_path):
    r = run_cli("audit", "verify", "--db", tmp_path / "missing.db")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "missing.db").exists()
    from geo import auth
    db = store.open_db(tmp_path / "b.db")
    auth.create_user(db, "xem", "correct-horse", "viewer")
    db.conn.close()
    r = run_cli("audit", "verify", "--db", tmp_path / "b.db", "--user", "xem")
    assert r.returncode == 2 and "quản trị" in r.stderr and r.stdout == ""
