"""Saved views: a named map view (the filters' URL query plus the metric), per owner.

A view is exactly what a shared link holds (:meth:`geo.filters.Filters.to_query`
plus ``metric``), so opening a saved view is opening its link.  Views are for
meetings: anyone may list and open every view; only its owner or an
administrator may rename or delete it.  Every write is audited
(:func:`geo.audit.log`, in the write's own transaction) and does not change the
data revision (views are not records: no figure cache is dropped).

``user``: the acting user (a :class:`geo.auth.User` or a username, resolved by
:func:`geo.auth.resolve`: an unknown or disabled name is refused); None is the local
administrator, ``system``, which is also the owner of the views it saves.
"""
from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass

from . import audit, auth, store

MAX_NAME = 120
MAX_QUERY_CHARS = 4000
DEFAULT_METRIC = "incidents"
TARGET = "saved_view"


class ViewError(ValueError):
    """A refused request on saved views (message in Vietnamese, then English)."""


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    owner: str
    query: dict
    created_at: str
    updated_at: str

    @property
    def metric(self) -> str:
        return self.query.get("metric") or DEFAULT_METRIC

    def filters(self, db, today=None):
        """The view's :class:`geo.filters.Filters` (checked against the database now)."""
        from . import filters
        return filters.from_query(self.query, db, today=today)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "owner": self.owner, "query": dict(self.query),
                "metric": self.metric, "created_at": self.created_at, "updated_at": self.updated_at}


def view_query(filters_query: dict, metric: str | None = None) -> dict[str, str]:
    """The stored query: a filters query (``Filters.to_query()``, which holds the metric
    and classification), the interface language left out (a view is the data, not the
    language of whoever saved it); ``metric`` overrides the query's."""
    q = {str(k): str(v) for k, v in dict(filters_query).items() if k != "lang" and v is not None}
    if metric is not None:
        if metric == DEFAULT_METRIC:
            q.pop("metric", None)
        else:
            q["metric"] = str(metric)
    return q


def _clean_name(name) -> str:
    if name is None:
        raise ViewError("tên không được để trống (the name is empty)")
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise ViewError("tên không được để trống (the name is empty)")
    if len(text) > MAX_NAME:
        raise ViewError(f"tên dài quá {MAX_NAME} ký tự (the name is longer than {MAX_NAME} characters)")
    return text


def _clean_query(query) -> dict[str, str]:
    if not isinstance(query, dict):
        raise ViewError("truy vấn phải là một từ điển (the query must be a dict)")
    out = {}
    for k, v in query.items():
        if isinstance(v, (list, tuple)):
            v = ",".join(map(str, v))
        if v is None:
            continue
        out[str(k)] = str(v)
    text = json.dumps(out, ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_QUERY_CHARS:
        raise ViewError("truy vấn quá dài (the query is too long)")
    return out


def _row(r) -> SavedView:
    try:
        q = json.loads(r[3])
        if not isinstance(q, dict):
            q = {}
    except (TypeError, ValueError):
        q = {}
    return SavedView(id=int(r[0]), name=r[1], owner=r[2], query={str(k): str(v) for k, v in q.items()},
                     created_at=r[4], updated_at=r[5])


_COLS = "id, name, owner, query, created_at, updated_at"


def list_views(db, *, owner: str | None = None) -> list[SavedView]:
    """Every saved view (or those of ``owner``), by name then owner."""
    sql = f"SELECT {_COLS} FROM saved_views"
    args: tuple = ()
    if owner is not None:
        sql += " WHERE owner = ?"
        args = (getattr(owner, "username", owner),)
    rows = db.conn.execute(sql + " ORDER BY name COLLATE NOCASE, owner, id", args).fetchall()
    return [_row(r) for r in rows]


def get_view(db, view_id: int) -> SavedView:
    r = db.conn.execute(f"SELECT {_COLS} FROM saved_views WHERE id = ?", (_id(view_id),)).fetchone()
    if r is None:
        raise ViewError(f"không có khung xem {view_id} (no saved view {view_id})")
    return _row(r)


def get_views(db, ids) -> list[SavedView]:
    """The views of ``ids`` in that order; unknown ids are skipped."""
    out = []
    for i in ids:
        try:
            out.append(get_view(db, i))
        except ViewError:
            continue
    return out


def _id(view_id) -> int:
    try:
        return int(view_id)
    except (TypeError, ValueError):
        raise ViewError(f"mã khung xem không hợp lệ: {view_id!r} (bad view id)") from None


def _may_change(actor: auth.User, view: SavedView) -> None:
    if actor.is_admin or view.owner == actor.username:
        return
    raise ViewError(f"chỉ người tạo ({view.owner}) hoặc quản trị viên được sửa khung xem này "
                    f"(only its owner or an administrator may change this view)")


def _duplicate(owner: str, name: str) -> ViewError:
    return ViewError(f"đã có khung xem tên “{name}” của {owner} (a view with this name already exists)")


def save_view(db, name: str, query: dict, *, user=None, replace: bool = False) -> SavedView:
    """Save ``query`` (see :func:`view_query`) under ``name`` for ``user`` (its owner).

    A name the user already has is refused, unless ``replace``: then that view's
    query is replaced (same id)."""
    name = _clean_name(name)
    q = _clean_query(query)
    actor = auth.resolve(db, user)
    owner = actor.username
    qtext = json.dumps(q, ensure_ascii=False, sort_keys=True)
    now = store.now_iso()
    with store.transaction(db) as conn:
        old = conn.execute(f"SELECT {_COLS} FROM saved_views WHERE owner = ? AND name = ?",
                           (owner, name)).fetchone()
        if old is not None:
            if not replace:
                raise _duplicate(owner, name)
            before = _row(old)
            conn.execute("UPDATE saved_views SET query = ?, updated_at = ? WHERE id = ?", (qtext, now, before.id))
            after = _row(conn.execute(f"SELECT {_COLS} FROM saved_views WHERE id = ?", (before.id,)).fetchone())
            audit.log(conn, user=owner, action="view.update", target_kind=TARGET, target_id=str(after.id),
                      before=_audit_dict(before), after=_audit_dict(after))
            return after
        cur = conn.execute("INSERT INTO saved_views (name, owner, query, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?)", (name, owner, qtext, now, now))
        view = _row(conn.execute(f"SELECT {_COLS} FROM saved_views WHERE id = ?", (cur.lastrowid,)).fetchone())
        audit.log(conn, user=owner, action="view.create", target_kind=TARGET, target_id=str(view.id),
                  after=_audit_dict(view))
        return view


def rename_view(db, view_id: int, new_name: str, *, user=None) -> SavedView:
    """Give a view a new name (unique among its owner's views); its owner or an admin only."""
    new_name = _clean_name(new_name)
    actor = auth.resolve(db, user)
    with store.transaction(db) as conn:
        before = get_view(db, view_id)
        _may_change(actor, before)
        if new_name == before.name:
            return before
        try:
            conn.execute("UPDATE saved_views SET name = ?, updated_at = ? WHERE id = ?",
                         (new_name, store.now_iso(), before.id))
        except sqlite3.IntegrityError:
            raise _duplicate(before.owner, new_name) from None
        after = get_view(db, before.id)
        audit.log(conn, user=actor.username, action="view.rename", target_kind=TARGET, target_id=str(before.id),
                  before=_audit_dict(before), after=_audit_dict(after))
        return after


def delete_view(db, view_id: int, *, user=None) -> SavedView:
    """Delete a view (its owner or an admin only); returns it as it was."""
    actor = auth.resolve(db, user)
    with store.transaction(db) as conn:
        before = get_view(db, view_id)
        _may_change(actor, before)
        conn.execute("DELETE FROM saved_views WHERE id = ?", (before.id,))
        audit.log(conn, user=actor.username, action="view.delete", target_kind=TARGET, target_id=str(before.id),
                  before=_audit_dict(before))
        return before


def _audit_dict(v: SavedView) -> dict:
    return {"name": v.name, "owner": v.owner, "query": dict(v.query)}
