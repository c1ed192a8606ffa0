"""The audit log: who changed what, when, with the record before and after.

Every write of the program goes through :func:`log` (or :func:`log_many` for a
batch) inside the write's own transaction, so a change and its audit row are
committed together or not at all.  ``audit_log`` is append-only (triggers in
:mod:`geo.schema` refuse UPDATE, DELETE and INSERT OR REPLACE) and tamper-evident:
each row carries ``row_hash``, the SHA-256 of its own content and of the previous
row's hash (``prev_hash``), so changing, removing or inserting a row anywhere
breaks the chain from there on; :func:`verify` (``python -m geo audit verify``)
names the first broken link.  The hash of the last row (``head``) can be written
down elsewhere (e.g. in a meeting's minutes): a chain recomputed by someone who
rewrote the file no longer ends in it.

``before``/``after`` are stored as JSON objects (UTF-8, keys sorted); ``detail``
is free text or, when given a dict or list, JSON.  ``user=None`` is the local
administrator, recorded as :data:`SYSTEM_USER`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import sqlite3
from typing import Any, Iterable

import pandas as pd

from . import store

SYSTEM_USER = "system"

_INSERT = ("INSERT INTO audit_log (id, at, username, action, target_kind, target_id, before, after, detail, "
           "prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
CONTENT = ("id", "at", "username", "action", "target_kind", "target_id", "before", "after", "detail")


def row_hash(prev_hash: str | None, values) -> str:
    """The hash of one audit row: SHA-256 over the previous row's hash and the row's
    content (:data:`CONTENT`, in that order, as a JSON array)."""
    payload = json.dumps([None if v is None else (v if isinstance(v, int) else str(v)) for v in values],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(((prev_hash or "") + "\n" + payload).encode("utf-8")).hexdigest()


def _head(conn) -> tuple[int, str | None]:
    row = conn.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (0, None) if row is None else (int(row[0]), row[1])


@contextlib.contextmanager
def _writing(conn):
    """Join the caller's transaction, or take the write lock for this append alone
    (the chain needs the last row to stay the last one until the new row is in)."""
    if conn.in_transaction:
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


def _append(conn, rows: list[tuple]) -> int:
    """Append rows of (at, username, action, target_kind, target_id, before, after, detail),
    chained; returns the id of the last one."""
    with _writing(conn):
        last_id, prev = _head(conn)
        params = []
        for r in rows:
            last_id += 1
            values = (last_id, *r)
            h = row_hash(prev, values)
            params.append((*values, prev, h))
            prev = h
        conn.executemany(_INSERT, params)
    return last_id


def chain_existing(conn) -> None:
    """Compute the chain for rows written before the audit log had one (a migration step)."""
    prev = None
    rows = conn.execute(f"SELECT {', '.join(CONTENT)} FROM audit_log ORDER BY id").fetchall()
    for values in rows:
        h = row_hash(prev, values)
        conn.execute("UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE id = ?", (prev, h, values[0]))
        prev = h


def verify(db) -> dict:
    """Check the whole chain, oldest row first.

    Returns ``{"ok", "rows", "first_broken_id", "problem", "head"}``: ``first_broken_id``
    is the first row whose content no longer matches its hash (``problem``
    ``"content"``), whose link to the row before it is broken (``"link"``: a row was
    removed, inserted or reordered before it) or that has no hash (``"missing"``);
    ``head`` is the hash of the last row."""
    conn = _conn(db)
    prev, n = None, 0
    cur = conn.execute(f"SELECT {', '.join(CONTENT)}, prev_hash, row_hash FROM audit_log ORDER BY id")
    for row in cur:
        n += 1
        values, stored_prev, stored = row[:len(CONTENT)], row[-2], row[-1]
        problem = None
        if stored is None:
            problem = "missing"
        elif stored_prev != prev:
            problem = "link"
        elif row_hash(prev, values) != stored:
            problem = "content"
        if problem:
            total = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            return {"ok": False, "rows": int(total), "first_broken_id": int(values[0]), "problem": problem,
                    "head": _head(conn)[1]}
        prev = stored
    return {"ok": True, "rows": n, "first_broken_id": None, "problem": None, "head": prev}


def _conn(db_or_conn) -> sqlite3.Connection:
    return db_or_conn.conn if hasattr(db_or_conn, "conn") else db_or_conn


def _plain(v: Any) -> Any:
    """A JSON-able value: numpy scalars unboxed, NaN/NaT → null, dates → ISO text."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def to_json(obj: Any) -> str | None:
    """``obj`` as compact JSON (None stays None)."""
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        obj = {str(k): _plain(v) for k, v in obj.items()}
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


def user_name(user: str | None) -> str:
    return user if user else SYSTEM_USER


def log(conn, *, user: str | None, action: str, target_kind: str | None, target_id: str | None,
        before: dict | None = None, after: dict | None = None, detail: Any = None,
        at: str | None = None) -> int:
    """Append one audit row and return its id.

    ``conn``: an sqlite3 connection or a sqlite_utils Database, normally inside
    the transaction of the write being audited.
    """
    return _append(_conn(conn), [(
        at or store.now_iso(), user_name(user), action, target_kind,
        None if target_id is None else str(target_id), to_json(before), to_json(after),
        detail if detail is None or isinstance(detail, str) else to_json(detail))])


def log_many(conn, rows: Iterable[dict], *, user: str | None, at: str | None = None) -> int:
    """Append many audit rows at once; each row is a dict of :func:`log`'s keywords
    (action, target_kind, target_id, before, after, detail).  Returns the count."""
    at = at or store.now_iso()
    who = user_name(user)
    params = [(at, who, r["action"], r.get("target_kind"),
               None if r.get("target_id") is None else str(r["target_id"]),
               to_json(r.get("before")), to_json(r.get("after")),
               r.get("detail") if r.get("detail") is None or isinstance(r.get("detail"), str)
               else to_json(r.get("detail")))
              for r in rows]
    if params:
        _append(_conn(conn), params)
    return len(params)


def entries(db, *, target_kind: str | None = None, target_id: str | None = None,
            user: str | None = None, action: str | None = None, limit: int | None = 1000) -> pd.DataFrame:
    """Audit rows, newest first, optionally for one record, user or action.

    ``before``/``after`` are returned as the stored JSON text."""
    where, args = [], []
    for col, val in (("target_kind", target_kind), ("target_id", target_id), ("username", user),
                     ("action", action)):
        if val is not None:
            where.append(f"{col} = ?")
            args.append(val)
    sql = "SELECT id, at, username, action, target_kind, target_id, before, after, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return pd.read_sql_query(sql, _conn(db), params=args)


def decode(text: str | None) -> Any:
    """A stored before/after/detail value back as Python (text that is not JSON stays text)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
