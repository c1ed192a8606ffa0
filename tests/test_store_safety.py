"""The database survives other connections and CLI processes beside a running app
(issue 11, item 1): the file is never opened except through SQLite, so no POSIX
lock of a live connection is ever dropped (SQLite's "How To Corrupt", §2.2)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from geo import auth, schema, store

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args, input_text=None):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, input=input_text,
                          capture_output=True, text=True, timeout=120)


def _integrity(path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_long_lived_reader_survives_other_opens_and_cli_processes(tmp_path):
    p = tmp_path / "a.db"
    db = store.open_db(p)
    auth.create_user(db, "chief", "mat-khau-dai-1", role="admin")
    # The app: one connection kept for the process's life, inside a read transaction.
    app = store.open_db(p)
    app.conn.execute("BEGIN")
    assert app.conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    for i in range(3):
        store.open_db(p).conn.close()                      # other sessions of the same process
        r = _cli("users", "list", "--db", str(p))         # the CLI beside the app
        assert r.returncode == 0, r.stderr
        # while the app's read transaction is open its WAL index must not be taken away
        assert Path(f"{p}-wal").exists() and Path(f"{p}-shm").exists()
    app.conn.execute("COMMIT")
    # the app goes on reading and writing; the CLI writes too
    with store.transaction(app):
        store.set_meta(app, "after", "1")
    r = _cli("users", "add", "officer1", "--role", "viewer", "--db", str(p),
             input_text="mat-khau-dai-2\nmat-khau-dai-2\n")
    assert r.returncode == 0, r.stderr
    assert app.conn.execute("SELECT count(*) FROM users").fetchone()[0] == 2
    assert store.get_meta(store.open_db(p), "after") == "1"
    app.conn.close()
    db.conn.close()
    assert _integrity(p) == "ok"


def test_open_db_never_opens_the_file_itself(tmp_path, monkeypatch):
    """Only SQLite touches the database file: any plain open() of it is a bug."""
    p = tmp_path / "a.db"
    store.open_db(p).conn.close()
    import builtins
    real_open, real_os_open = builtins.open, os.open
    seen = []

    def spy_open(file, *a, **k):
        if str(file).startswith(str(p)):
            seen.append(str(file))
        return real_open(file, *a, **k)

    def spy_os_open(file, *a, **k):
        if str(file).startswith(str(p)):
            seen.append(str(file))
        return real_os_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    store.open_db(p).conn.close()
    assert seen == []


def test_another_applications_sqlite_file_is_refused_and_left_untouched(tmp_path):
    p = tmp_path / "other.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    conn.commit()
    conn.close()
    before = p.read_bytes()
    with pytest.raises(store.StoreError, match="ANTT"):
        store.open_db(p)
    assert p.read_bytes() == before


def test_backup_is_one_consistent_snapshot_while_another_connection_writes(tmp_path):
    import threading
    p = tmp_path / "live.db"
    store.open_db(p).conn.close()
    stop = threading.Event()

    def writer():
        w = store.open_db(p)
        i = 0
        while not stop.is_set():
            with store.transaction(w):   # always two rows at once
                w.conn.execute("INSERT INTO meta VALUES (?, 'a')", (f"k{i}a",))
                w.conn.execute("INSERT INTO meta VALUES (?, 'b')", (f"k{i}b",))
            i += 1
        w.conn.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        copies = []
        for n in range(5):
            out = tmp_path / f"copy{n}.db"
            from geo import maintenance
            info = maintenance.backup(p, out)
            assert info["check"] == "ok" and info["bytes"] == out.stat().st_size
            copies.append(out)
    finally:
        stop.set()
        t.join()
    for out in copies:
        assert not Path(f"{out}-wal").exists()
        conn = sqlite3.connect(out)
        n = conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'k%'").fetchone()[0]
        assert n % 2 == 0          # never half of a transaction
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        conn.close()
    # every backup is in the audit log
    db = store.open_db(p)
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'db.backup'").fetchone()[0] == 5


def test_backup_cli_and_check_cli(tmp_path):
    p = tmp_path / "a.db"
    db = store.open_db(p)
    auth.create_user(db, "chief", "mat-khau-dai-1", role="admin")
    auth.create_user(db, "watcher", "mat-khau-dai-1", role="viewer")
    db.conn.close()
    out = tmp_path / "b" / "copy.db"
    r = _cli("backup", "--db", str(p), "-o", str(out))
    assert r.returncode == 0, r.stderr
    import json
    info = json.loads(r.stdout)
    assert info["path"] == str(out) and info["check"] == "ok" and out.exists()
    r = _cli("check", "--db", str(out))
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["ok"] is True and res["integrity"] == "ok"
    assert res["schema_version"] == schema.SCHEMA_VERSION == res["schema_current"]
    assert res["journal_mode"] == "delete" and res["wal_bytes"] == 0
    r = _cli("check", "--db", str(p))
    assert json.loads(r.stdout)["journal_mode"] == "wal"
    # a viewer may not take the whole database away
    r = _cli("backup", "--db", str(p), "-o", str(tmp_path / "v.db"), "--user", "watcher")
    assert r.returncode == 2 and not (tmp_path / "v.db").exists()
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_check_reports_a_damaged_file_and_changes_nothing(tmp_path):
    p = tmp_path / "a.db"
    db = store.open_db(p)
    db.conn.executemany("INSERT INTO meta VALUES (?, ?)", [(f"k{i}", "x" * 500) for i in range(400)])
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    raw = bytearray(p.read_bytes())
    page = 4096
    for off in range(page * (len(raw) // page // 2), page * (len(raw) // page // 2) + 200):
        raw[off] = 0xFF                        # overwrite the head of a page in the middle of the file
    p.write_bytes(bytes(raw))
    before = p.read_bytes()
    r = _cli("check", "--db", str(p))
    import json
    res = json.loads(r.stdout)
    assert r.returncode == 1 and res["ok"] is False and res["integrity"] != "ok"
    assert p.read_bytes() == before


def test_check_of_a_newer_schema_reports_it_without_changing_it(tmp_path):
    p = tmp_path / "future.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 3}")
    conn.commit()
    conn.close()
    before = p.read_bytes()
    from geo import maintenance
    res = maintenance.check(p)
    assert res["ok"] is False and res["integrity"] == "ok" and res["schema_version"] == schema.SCHEMA_VERSION + 3
    assert p.read_bytes() == before


def test_full_disk_during_import_gives_a_plain_message_and_changes_nothing(tmp_path):
    """A size-limited database (PRAGMA max_page_count) stands for a full disk."""
    from tests.conftest import make_tiny
    from geo import records
    p = tmp_path / "t.db"
    make_tiny(p)
    db = store.open_db(p)

    def snapshot():
        return [db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("incidents", "record_areas", "audit_log")] + [store.revision(db)]

    before = snapshot()
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages + 3}")
    lines = ["id,ngay,loai,kinh_do,vi_do"] + [
        f"full{i},2026-03-{1 + i % 28:02d},hinh_su,{106.01 + (i % 90) / 500:.5f},{21.01 + (i % 70) / 400:.5f}"
        for i in range(3000)]
    with pytest.raises(store.StoreError) as e:
        records.import_records(db, "incidents", "\n".join(lines).encode(), file_name="full.csv")
    assert "đầy" in str(e.value)
    assert snapshot() == before
    db.conn.close()
    assert _integrity(p) == "ok"


def test_read_only_database_is_refused_with_a_message_and_left_untouched(tmp_path, monkeypatch):
    """A file (and folder) the user may not write.  Root may write anything, so as root
    (CI) the permission answer of a normal user is what ``os.access`` is made to give."""
    p = tmp_path / "ro" / "ro.db"
    p.parent.mkdir()
    store.open_db(p).conn.close()
    os.chmod(p, 0o444)
    os.chmod(p.parent, 0o555)
    try:
        if os.geteuid() == 0:
            real_access = os.access

            def access(path, mode, *a, **k):
                if str(path).startswith(str(p.parent)) and mode & os.W_OK:
                    return False
                return real_access(path, mode, *a, **k)
            monkeypatch.setattr(store.os, "access", access)
        before = p.read_bytes()
        with pytest.raises(store.StoreError, match="chỉ đọc"):
            store.open_db(p)
        assert p.read_bytes() == before
        # reading it is still possible (check, backup source)
        from geo import maintenance
        assert maintenance.check(p)["integrity"] == "ok"
    finally:
        os.chmod(p.parent, 0o755)
        os.chmod(p, 0o644)


def test_demo_force_over_a_database_in_use_keeps_its_connections_working(tmp_path):
    """``python -m geo demo --force`` beside a running app: the new content is copied in
    through SQLite, never by deleting the -wal/-shm or renaming a file over live connections."""
    from geo import demo
    live = tmp_path / "antt.db"
    app = store.open_db(live)
    with store.transaction(app):
        store.set_meta(app, "who", "old")
        store.bump_revision(app)
    old_rev = store.revision(app)
    new = tmp_path / ".antt.db.building-1"
    nd = store.open_db(new)
    with store.transaction(nd):
        store.set_meta(nd, "who", "new")
    nd.conn.execute("PRAGMA journal_mode = DELETE")
    nd.conn.close()
    demo._move_into_place(new, live, overwrite=True)
    # the app's long-lived connection reads the new content and still writes
    assert store.get_meta(app, "who") == "new"
    assert store.revision(app) > old_rev
    with store.transaction(app):
        store.set_meta(app, "after", "1")
    assert store.get_meta(store.open_db(live), "after") == "1"
    app.conn.close()
    assert _integrity(live) == "ok"
