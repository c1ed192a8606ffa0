import sqlite3

import pytest

from geo import schema, store


def test_new_database_has_the_contract_tables_and_settings(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    names = set(db.table_names())
    assert set(schema.CONTRACT_TABLES) <= names
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_reopening_is_idempotent(tmp_path):
    p = tmp_path / "a.db"
    store.open_db(p).conn.execute("INSERT INTO meta VALUES ('x', '1')")
    db = store.open_db(p)
    assert store.get_meta(db, "x") == "1"


def test_env_var_and_default_path(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTT_DB", str(tmp_path / "env.db"))
    assert store.db_path() == tmp_path / "env.db"
    assert store.db_path(tmp_path / "x.db") == tmp_path / "x.db"
    monkeypatch.delenv("ANTT_DB")
    assert store.db_path() == store.DEFAULT_DB


def test_not_sqlite_is_refused_and_left_untouched(tmp_path):
    p = tmp_path / "notes.db"
    p.write_bytes(b"this is not a database, just some text\n" * 10)
    before = p.read_bytes()
    with pytest.raises(store.StoreError, match="SQLite"):
        store.open_db(p)
    assert p.read_bytes() == before


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    p = tmp_path / "future.db"
    conn = sqlite3.connect(p)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 5}")
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    before = p.read_bytes()
    with pytest.raises(store.StoreError, match="mới hơn"):
        store.open_db(p)
    assert p.read_bytes() == before


def test_transaction_rolls_back_on_error(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    with pytest.raises(RuntimeError):
        with store.transaction(db) as conn:
            conn.execute("INSERT INTO meta VALUES ('k', 'v')")
            raise RuntimeError("boom")
    assert store.get_meta(db, "k") is None


def test_revision_bumps(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    assert store.revision(db) == 0
    with store.transaction(db):
        store.bump_revision(db)
        store.bump_revision(db)
    assert store.revision(db) == 2


def test_audit_log_is_append_only(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    from geo import audit
    audit.log(db, user=None, action="test", target_kind=None, target_id=None, at="2026-01-01")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("UPDATE audit_log SET action = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("DELETE FROM audit_log")


def test_missing_database_without_create(tmp_path):
    with pytest.raises(store.StoreError):
        store.open_db(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
