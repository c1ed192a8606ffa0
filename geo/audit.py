"""The audit log: who changed what, when, with the record before and after.

Every write of the program goes through :func:`log` (or :func:`log_many` for a
batch) inside the write's own transaction, so a change and its audit row are
committed together or not at all.  ``audit_log`` is append-only (triggers in
:mod:`geo.schema` refuse UPDATE and DELETE).

``before``/``after`` are stored as JSON objects (UTF-8, keys sorted); ``detail``
is free text or, when given a dict or list, JSON.  ``user=None`` is the local
administrator, recorded as :data:`SYSTEM_USER`.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from typing import Any, Iterable

import pandas as pd

from . import store

SYSTEM_USER = "system"

_INSERT = ("INSERT INTO audit_log (at, username, action, target_kind, target_id, before, after, detail) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


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
    cur = _conn(conn).execute(_INSERT, (
        at or store.now_iso(), user_name(user), action, target_kind,
        None if target_id is None else str(target_id), to_json(before), to_json(after),
        detail if detail is None or isinstance(detail, str) else to_json(detail)))
    return int(cur.lastrowid)


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
    _conn(conn).executemany(_INSERT, params)
    return len(params)


def entries(db, *, target_kind: str | None = None, target_id: str | None = None,
            user: str | None = None, action: str | None = None, limit: int | None = 1000,
            actor=None) -> pd.DataFrame:
    """Audit rows, newest first, optionally for one record, user or action.

    ``actor``: who asks (a ``geo.auth.User``, a ``geo.scope.Scope``, a username or
    None = the local administrator).  The whole log is for administrators; anyone
    else gets only the rows of their own actions.

    ``before``/``after`` are returned as the stored JSON text."""
    where, args = [], []
    from . import auth
    who = auth.resolve(db, actor)
    if not who.is_admin:
        where.append("username = ?")
        args.append(who.username)
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
