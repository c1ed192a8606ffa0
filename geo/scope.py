"""The area a user may see record-level data of and change: resolved once per request.

An officer's scope is their commune's polygon in the **current commune set**
(admin-managed).  When the commune set has changed since the account was made
(the officer's code belongs to an older commune set), the code goes through the
crosswalk to the current commune holding most of it.  It never comes from
village geometry, nor from "the newest geometry carrying that code": nothing an
officer uploads can widen or move anyone's scope; only an administrator
changing the commune set can.

:func:`resolve` turns the acting user (a :class:`geo.auth.User`, a username or
None for the local administrator) into a :class:`Scope` once; every ``geo``
function that reads records or figures takes it (or the user, resolved on the
spot).  Admins and viewers are not limited by area (viewers get aggregates
only: that rule is :func:`geo.auth.require_points`).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
import sqlite_utils

from . import areas, auth

_TOLERANCE_DEG = 1e-6  # a point exactly on the commune border is inside


@dataclass(frozen=True)
class Scope:
    """Who acts and where they may act.

    ``communes``: codes of the officer's commune(s) in ``commune_set_id`` (the
    current commune set when resolved); empty for an officer whose commune no
    longer exists (an empty scope: nothing).  ``polygon_wkb``: their union."""
    user: auth.User
    commune_set_id: int | None = None
    communes: tuple[str, ...] = ()
    polygon_wkb: bytes | None = field(default=None, repr=False)

    @property
    def limited(self) -> bool:
        return self.user.role == "officer"

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def polygon(self):
        """The surface of the scope (prepared shapely geometry); None when not limited."""
        if not self.limited:
            return None
        return _polygon(self.polygon_wkb)

    def codes(self, db: sqlite_utils.Database, set_id: int) -> set[str] | None:
        """Codes of ``set_id`` inside the scope (None: all of them).

        The commune set of the scope: its communes; a village set whose parent is that
        set: the villages whose parent is one of them; any other set (older communes,
        districts, villages of an older layer): the areas whose inner point lies in the
        scope polygon."""
        if not self.limited:
            return None
        set_id = int(set_id)
        key = (_db_file(db), self, set_id)
        with _lock:
            hit = _codes_cache.get(key)
        if hit is not None:
            return set(hit)
        out = self._codes(db, set_id)
        with _lock:
            if len(_codes_cache) > 512:
                _codes_cache.clear()
            _codes_cache[key] = frozenset(out)
        return set(out)

    def _codes(self, db, set_id: int) -> set[str]:
        if not self.communes:
            return set()
        if set_id == self.commune_set_id:
            return set(self.communes)
        s = areas.get_set(db, set_id)
        q = ",".join("?" * len(self.communes))
        if s.level == "village" and s.parent_set_id == self.commune_set_id:
            return {r[0] for r in db.conn.execute(
                f"SELECT code FROM areas WHERE set_id = ? AND parent_code IN ({q})", (set_id, *self.communes))}
        rows = db.conn.execute("SELECT code, centroid_lon, centroid_lat FROM areas WHERE set_id = ?",
                               (set_id,)).fetchall()
        if not rows:
            return set()
        codes = np.array([r[0] for r in rows], dtype=object)
        x = np.array([r[1] for r in rows], dtype=float)
        y = np.array([r[2] for r in rows], dtype=float)
        return set(codes[self.contains(x, y)].tolist())

    def contains(self, lon, lat) -> np.ndarray:
        """Which points lie in the scope (all True when not limited)."""
        x = np.asarray(lon, dtype=float)
        y = np.asarray(lat, dtype=float)
        if not self.limited:
            return np.ones(len(x), dtype=bool)
        poly = self.polygon
        out = np.zeros(len(x), dtype=bool)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.any() and not poly.is_empty:
            out[ok] = shapely.contains_xy(poly, x[ok], y[ok])
        return out

    def allows(self, db: sqlite_utils.Database, set_id: int, code: str) -> bool:
        """May the user see the records of area ``code`` of ``set_id``?"""
        c = self.codes(db, set_id)
        return c is None or code in c

    def mask(self, db: sqlite_utils.Database, *, lon=None, lat=None, codes=None,
             n: int | None = None) -> np.ndarray | None:
        """Which records lie in the scope (None: the user is not limited).

        A record with a point is placed by the point; one with only an area code (an
        incident's area, a group's village) by that area's inner point in the current
        set holding the code (then older sets)."""
        if not self.limited:
            return None
        size = n if n is not None else len(lon if lon is not None else codes)
        x = np.full(size, np.nan) if lon is None else np.asarray(lon, dtype=float).copy()
        y = np.full(size, np.nan) if lat is None else np.asarray(lat, dtype=float).copy()
        if codes is not None:
            codes = np.asarray(codes, dtype=object)
            has_code = np.array([isinstance(c, str) and c.strip() != "" for c in codes], dtype=bool)
            need = ~(np.isfinite(x) & np.isfinite(y)) & has_code
            if need.any():
                wanted = sorted({str(c) for c in codes[need]})
                reps: dict[str, tuple[float, float]] = {}
                for i in range(0, len(wanted), 500):
                    chunk = wanted[i:i + 500]
                    # open sets last, so the current set holding a code decides
                    for code, cx, cy in db.conn.execute(
                            "SELECT a.code, a.centroid_lon, a.centroid_lat FROM areas a "
                            "JOIN boundary_sets s ON s.id = a.set_id "
                            f"WHERE a.code IN ({','.join('?' * len(chunk))}) "
                            "ORDER BY s.valid_to IS NULL, s.id", chunk):
                        reps[code] = (cx, cy)
                for i in np.flatnonzero(need):
                    x[i], y[i] = reps.get(str(codes[i]), (np.nan, np.nan))
        return self.contains(x, y)


_lock = threading.Lock()
_codes_cache: dict = {}
_poly_cache: dict = {}


def _db_file(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def _polygon(wkb: bytes | None):
    if not wkb:
        return shapely.Polygon()
    with _lock:
        p = _poly_cache.get(wkb)
    if p is None:
        p = shapely.from_wkb(wkb)
        shapely.prepare(p)
        with _lock:
            if len(_poly_cache) > 256:
                _poly_cache.clear()
            _poly_cache[wkb] = p
    return p


def commune_of(db: sqlite_utils.Database, code: str | None) -> tuple[int | None, tuple[str, ...]]:
    """(current commune set id, the current communes an officer code stands for).

    The code itself when it is a commune of the current commune set; else, when it is
    a commune of an older commune set, the current commune holding most of it (the
    crosswalk); else none."""
    cur = areas.current_set(db, "commune")
    if cur is None or not code:
        return (cur.id if cur else None), ()
    if db.conn.execute("SELECT 1 FROM areas WHERE set_id = ? AND code = ?", (cur.id, code)).fetchone():
        return cur.id, (code,)
    from . import assign
    for (sid,) in db.conn.execute(
            "SELECT s.id FROM boundary_sets s JOIN areas a ON a.set_id = s.id "
            "WHERE s.level = 'commune' AND s.id != ? AND a.code = ? ORDER BY s.id DESC", (cur.id, code)):
        to = assign.crosswalk_map(db, sid, cur.id).get(code)
        if to:
            return cur.id, (to,)
    return cur.id, ()


def resolve(db: sqlite_utils.Database, who) -> Scope:
    """The :class:`Scope` of the acting user (a Scope is returned as it is)."""
    if isinstance(who, Scope):
        return who
    user = auth.resolve(db, who)
    if user.role != "officer":
        return Scope(user=user)
    set_id, communes = commune_of(db, user.area_code)
    if not communes:
        return Scope(user=user, commune_set_id=set_id)
    q = ",".join("?" * len(communes))
    geoms = [shapely.from_wkb(r[0]) for r in db.conn.execute(
        f"SELECT geometry FROM areas WHERE set_id = ? AND code IN ({q})", (set_id, *communes))]
    poly = shapely.union_all(geoms).buffer(_TOLERANCE_DEG)
    return Scope(user=user, commune_set_id=set_id, communes=tuple(communes), polygon_wkb=shapely.to_wkb(poly))


def user_of(db: sqlite_utils.Database, who) -> auth.User:
    """The acting :class:`geo.auth.User` of a Scope, User, username or None."""
    return who.user if isinstance(who, Scope) else auth.resolve(db, who)
