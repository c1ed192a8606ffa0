"""Database upkeep: an online backup that is consistent while the app runs, and a
health check (integrity, schema version, WAL state).

Both reach the file only through SQLite (see :func:`geo.store.connect_file`), so they
are safe beside a running app and other CLI processes.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from . import audit, auth, schema, store


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except FileNotFoundError:
        return 0


def backup(db_file: str | os.PathLike | None, out: str | os.PathLike, *, user=None) -> dict:
    """Copy the database to ``out`` with SQLite's online backup API.

    The copy is one consistent snapshot (taken in a single step inside one read
    transaction, so writers in other connections neither block it for long nor
    tear it), self-contained (rollback journal, no -wal beside it), checked with
    ``PRAGMA quick_check`` and moved into place only when complete: ``out`` is
    never left half-written.  ``user`` (a name or User): must be an admin; the
    backup is audited either way.
    """
    src_path = store.db_path(db_file)
    out = Path(out)
    if out.resolve() == src_path.resolve():
        raise store.StoreError("Tệp sao lưu phải khác tệp cơ sở dữ liệu (the backup must be another file)")
    db = store.open_db(src_path, create=False)
    try:
        actor = auth.resolve(db, user)
        auth.require_admin(actor)
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        os.close(fd)  # a new, empty file of our own: SQLite writes it
        tmp_path = Path(tmp)
        try:
            dst = sqlite3.connect(tmp, isolation_level=None)
            try:
                db.conn.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode = DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                version = dst.execute("PRAGMA user_version").fetchone()[0]
                pages = dst.execute("PRAGMA page_count").fetchone()[0]
            finally:
                dst.close()
            if check != "ok":
                raise store.StoreError(f"Bản sao lưu không toàn vẹn: {check} (the copy failed its check)")
            os.replace(tmp_path, out)
        except sqlite3.OperationalError as e:
            if store.is_disk_full(e):
                raise store.StoreError(store.DISK_FULL) from e
            raise store.StoreError(f"Không sao lưu được: {e} (backup failed)") from e
        finally:
            for f in (tmp_path, Path(f"{tmp}-journal")):
                f.unlink(missing_ok=True)
        info = {"path": str(out), "bytes": _size(out), "pages": int(pages), "schema_version": int(version),
                "check": check, "at": store.now_iso()}
        with store.transaction(db):
            audit.log(db, user=actor.username, action="db.backup", target_kind="database",
                      target_id=str(src_path.name), detail={"path": str(out), "bytes": info["bytes"]})
        return info
    finally:
        db.conn.close()


def check(db_file: str | os.PathLike | None = None) -> dict:
    """Health of the database, read-only (no migration, nothing written).

    ``ok`` is true when ``integrity`` is "ok" and the schema is one this
    program knows.  ``wal_bytes``: size of the write-ahead log not yet copied
    back (checkpointed) into the main file."""
    p = store.db_path(db_file)
    db = store.open_db(p, readonly=True)
    try:
        conn = db.conn
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as e:   # too damaged to walk at all
            rows = [f"lỗi: {e}"]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        freelist = conn.execute("PRAGMA freelist_count").fetchone()[0]
        try:
            fk = [list(r) for r in conn.execute("PRAGMA foreign_key_check").fetchmany(20)]
        except sqlite3.DatabaseError as e:
            fk = [[f"lỗi: {e}"]]
    finally:
        db.conn.close()
    integrity = "ok" if rows == ["ok"] else "; ".join(rows)
    return {
        "path": str(p),
        "ok": integrity == "ok" and version <= schema.SCHEMA_VERSION and not fk,
        "integrity": integrity,
        "foreign_key_problems": fk,
        "schema_version": version,
        "schema_current": schema.SCHEMA_VERSION,
        "schema_up_to_date": version == schema.SCHEMA_VERSION,
        "journal_mode": journal,
        "bytes": _size(p),
        "wal_bytes": _size(Path(f"{p}-wal")),
        "pages": int(page_count),
        "page_size": int(page_size),
        "free_pages": int(freelist),
    }
