"""The SQLite store: where the database is, opening it safely, schema upgrades,
transactions and the data revision that caches key on.

Every module of ``geo`` reaches the database through :func:`open_db`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
import urllib.parse
from pathlib import Path
from typing import Iterator

import sqlite_utils

from . import schema

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "antt.db"
BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The database cannot be used; the message says why, in plain words."""


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file to use: the argument, else ``$ANTT_DB``, else ``data/antt.db``."""
    if path:
        return Path(path)
    env = os.environ.get("ANTT_DB")
    return Path(env) if env else DEFAULT_DB


def _uri(path: Path, mode: str) -> str:
    return f"file:{urllib.parse.quote(str(path.resolve()))}?mode={mode}"


def connect_file(p: Path, mode: str) -> sqlite3.Connection:
    """A connection to ``p`` opened by SQLite itself (``mode``: rwc, rw or ro).

    The file is never opened with a plain ``open()``: closing any descriptor of a
    database file drops every POSIX lock the process holds on it, including those
    of its live SQLite connections; another process then believes it is the last
    user and deletes the WAL under them (SQLite, "How To Corrupt An SQLite
    Database File", section 2.2).  SQLite shares one descriptor per file among a
    process's connections and never closes it early."""
    conn = sqlite3.connect(_uri(p, mode), uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                           isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _validate(conn: sqlite3.Connection, p: Path, *, allow_newer: bool = False) -> int:
    """The schema version of an open database; :class:`StoreError` (connection closed)
    for a file that is not SQLite, another application's database or a newer schema.
    Reads only: the file is left byte-identical."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    except sqlite3.DatabaseError as e:
        conn.close()
        if "not a database" in str(e) or "malformed" in str(e):
            raise StoreError(
                f"{p} không phải cơ sở dữ liệu SQLite; tệp được giữ nguyên. "
                f"(not an SQLite database; the file was left untouched)") from None
        raise StoreError(f"Không mở được {p}: {e} (cannot open the database)") from None
    if version == 0 and tables:
        conn.close()
        raise StoreError(
            f"{p} là cơ sở dữ liệu SQLite của ứng dụng khác, không phải của ANTT Atlas; tệp được giữ "
            f"nguyên. (another application's SQLite database, not an ANTT Atlas one; left untouched)")
    if version > schema.SCHEMA_VERSION and not allow_newer:
        conn.close()
        raise StoreError(
            f"{p} có lược đồ phiên bản {version}, mới hơn phiên bản {schema.SCHEMA_VERSION} "
            f"mà chương trình này biết; hãy cập nhật ANTT Atlas. Tệp được giữ nguyên. "
            f"(schema {version} is newer than {schema.SCHEMA_VERSION}; nothing was changed)"
        )
    return int(version)


def _writable(p: Path) -> bool:
    """Whether this process may write the database and create its -wal/-shm files
    (``os.access`` looks at the permissions; it does not open the file)."""
    folder_ok = os.access(p.parent, os.W_OK | os.X_OK)
    return folder_ok and (not p.exists() or os.access(p, os.W_OK))


def open_db(path: str | os.PathLike | None = None, *, create: bool = True,
            readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating or upgrading as needed) the ANTT database.

    WAL journal, a busy timeout and foreign keys are set on every connection.
    Raises :class:`StoreError` for a file that is not SQLite (or is another
    application's database), whose schema is newer than this program knows, or
    that this process may not write.  ``readonly=True`` opens an existing
    database for reading only: no migration, no change of any kind (for checks
    and backups of any version).
    """
    p = db_path(path)
    if readonly or not create:
        if not p.exists():
            raise StoreError(f"Không tìm thấy cơ sở dữ liệu {p} (database not found)")
    if readonly:
        conn = connect_file(p, "ro")
        _validate(conn, p, allow_newer=True)
        return sqlite_utils.Database(conn)
    if p.exists() and not _writable(p):
        raise StoreError(
            f"Không ghi được vào {p} (tệp hoặc thư mục chỉ đọc); tệp được giữ nguyên. "
            f"(the database file or its folder is read-only; nothing was changed)")
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = connect_file(p, "rwc" if create else "rw")
    except sqlite3.DatabaseError as e:
        raise StoreError(f"Không mở được {p}: {e} (cannot open the database)") from e
    _validate(conn, p)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as e:  # e.g. a corrupt file with a valid header
        conn.close()
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
def transaction(db: sqlite_utils.Database, *, wait_s: float | None = None) -> Iterator[sqlite3.Connection]:
    """One atomic write: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error.

    IMMEDIATE takes the write lock up front, so two writers queue on the busy
    timeout instead of failing half-way with "database is locked".  ``wait_s``:
    keep asking for the lock that long (a long import elsewhere may hold it for
    more than the busy timeout).  A full disk (or size limit) becomes a
    :class:`StoreError` with a plain message, after the rollback.
    """
    conn = db.conn
    if conn.in_transaction:  # nested: join the outer transaction
        yield conn
        return
    deadline = time.monotonic() + (wait_s or 0.0)
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as e:
            msg = str(e).lower()
            if ("locked" not in msg and "busy" not in msg) or time.monotonic() >= deadline:
                raise
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(e, sqlite3.OperationalError) and is_disk_full(e):
            raise StoreError(DISK_FULL) from e
        raise


DISK_FULL = ("Ổ đĩa đầy (hoặc cơ sở dữ liệu đã đạt giới hạn kích thước): không ghi được, không có gì "
             "thay đổi. Hãy giải phóng chỗ trống rồi thử lại. (disk full; nothing was changed)")


def is_disk_full(e: sqlite3.OperationalError) -> bool:
    return "full" in str(e).lower()


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
