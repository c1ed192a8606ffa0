"""The SQLite store: where the database is, opening it safely, schema upgrades,
transactions and the data revision that caches key on.

Every module of ``geo`` reaches the database through :func:`open_db`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Iterator

import sqlite_utils

from . import schema

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "antt.db"
BUSY_TIMEOUT_MS = 30_000
SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(Exception):
    """The database cannot be used; the message says why, in plain words."""


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file to use: the argument, else ``$ANTT_DB``, else ``data/antt.db``."""
    if path:
        return Path(path)
    env = os.environ.get("ANTT_DB")
    return Path(env) if env else DEFAULT_DB


def check_file(path: Path) -> None:
    """Refuse a file that exists but is not an SQLite database (never overwrite it)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb") as f:
        head = f.read(16)
    if head != SQLITE_MAGIC:
        raise StoreError(
            f"{path} không phải cơ sở dữ liệu SQLite; tệp được giữ nguyên. "
            f"(not an SQLite database; the file was left untouched)"
        )


def open_db(path: str | os.PathLike | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (creating or upgrading as needed) the ANTT database.

    WAL journal, a busy timeout and foreign keys are set on every connection.
    Raises :class:`StoreError` for a file that is not SQLite or whose schema is
    newer than this program knows.
    """
    p = db_path(path)
    check_file(p)
    if not p.exists() and not create:
        raise StoreError(f"Không tìm thấy cơ sở dữ liệu {p} (database not found)")
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{p} có lược đồ phiên bản {version}, mới hơn phiên bản {schema.SCHEMA_VERSION} "
                f"mà chương trình này biết; hãy cập nhật ANTT Atlas. Tệp được giữ nguyên. "
                f"(schema {version} is newer than {schema.SCHEMA_VERSION}; nothing was changed)"
            )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as e:  # e.g. a corrupt file with a valid header
        raise StoreError(f"Không mở được {p}: {e}") from e
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not had yet; return the new version."""
    conn = db.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version + 1, schema.SCHEMA_VERSION + 1):
        with transaction(db):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue
            for statement in schema.MIGRATIONS[number - 1]:
                if callable(statement):  # a Python step (e.g. computing values for existing rows)
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    return conn.execute("PRAGMA user_version").fetchone()[0]


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One atomic write: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error.

    IMMEDIATE takes the write lock up front, so two writers queue on the busy
    timeout instead of failing half-way with "database is locked".
    """
    conn = db.conn
    if conn.in_transaction:  # nested: join the outer transaction
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def get_meta(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def revision(db: sqlite_utils.Database) -> int:
    """The data revision: bumped by every write that changes records or areas.

    Caches of figures and maps key on it (never on time)."""
    return int(get_meta(db, "data_revision", "0") or 0)


def bump_revision(db: sqlite_utils.Database) -> int:
    """Mark the data as changed; call inside the write's transaction."""
    db.conn.execute(
        "INSERT INTO meta (key, value) VALUES ('data_revision', '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )
    return revision(db)


def is_demo(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "demo") == "1"
