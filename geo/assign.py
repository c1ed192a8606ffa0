"""Which area each record lies in, for every boundary set.

Computed once, when a record or a set arrives, and stored by :mod:`geo.placements`
(read through the view ``record_areas``):
- a record with a point: the area containing the point (``method='point'``);
- an incident with only an ``area_code``: that area when the code belongs to
  the set (``'code'``), else the area of the set that holds most of the coded
  area's surface, through the crosswalk (``'crosswalk'``), when that is a
  majority (more than half);
- a group: its village, and the areas of other sets through the crosswalk.
Records that fall in no area of a set have no row for it: they are kept and
flagged (see the data-quality figures), never dropped.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely
import sqlite_utils

from . import placements, store

MAJORITY = 0.5


def locate(geoms, lon, lat) -> np.ndarray:
    """Index into ``geoms`` of the polygon containing each point (-1: none).

    Points on a shared border go to the lowest index, so the answer is stable.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any() or len(geoms) == 0:
        return np.full(len(lon), -1, dtype=np.int64)
    return _locate_points(geoms, shapely.points(lon[ok], lat[ok]), ok)


def _locate_points(geoms, pts, ok) -> np.ndarray:
    """:func:`locate` for points already built (``pts`` = the points where ``ok``)."""
    out = np.full(len(ok), -1, dtype=np.int64)
    if not len(pts) or len(geoms) == 0:
        return out
    tree = shapely.STRtree(np.asarray(geoms, dtype=object))
    pi, gi = tree.query(pts, predicate="intersects")
    if len(pi):
        # keep the smallest polygon index per point
        order = np.lexsort((gi, pi))
        pi, gi = pi[order], gi[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        sub = np.full(len(pts), -1, dtype=np.int64)
        sub[pi[first]] = gi[first]
        out[ok] = sub
    return out


def _set_geoms(db, set_id):
    from .areas import load_areas
    gdf = load_areas(db, set_id)
    return gdf["code"].to_numpy(), np.asarray(gdf.geometry.values, dtype=object)


def build_crosswalk(db: sqlite_utils.Database, from_set: int, to_set: int) -> pd.DataFrame:
    """Share of each area of ``from_set`` lying in each area of ``to_set`` (stored once)."""
    from_set, to_set = int(from_set), int(to_set)
    have = pd.read_sql_query(
        "SELECT from_code, to_code, share FROM crosswalk WHERE from_set = ? AND to_set = ?",
        db.conn, params=[from_set, to_set])
    done = db.conn.execute(
        "SELECT 1 FROM meta WHERE key = ?", (f"crosswalk:{from_set}:{to_set}",)).fetchone()
    if done:
        return have
    fcodes, fgeoms = _set_geoms(db, from_set)
    tcodes, tgeoms = _set_geoms(db, to_set)
    rows = []
    if len(fgeoms) and len(tgeoms):
        tree = shapely.STRtree(tgeoms)
        fi, ti = tree.query(fgeoms, predicate="intersects")
        inter = shapely.area(shapely.intersection(fgeoms[fi], tgeoms[ti]))
        farea = shapely.area(fgeoms[fi])
        share = np.where(farea > 0, inter / np.where(farea > 0, farea, 1), 0.0)
        keep = share > 0.001
        rows = list(zip(fcodes[fi[keep]], tcodes[ti[keep]], share[keep].round(6)))
    with store.transaction(db) as conn:
        conn.executemany(
            f"INSERT OR REPLACE INTO crosswalk (from_set, from_code, to_set, to_code, share) "
            f"VALUES ({from_set}, ?, {to_set}, ?, ?)", rows)
        store.set_meta(db, f"crosswalk:{from_set}:{to_set}", "1")
    return pd.DataFrame(rows, columns=["from_code", "to_code", "share"])


def crosswalk_map(db: sqlite_utils.Database, from_set: int, to_set: int) -> dict[str, str]:
    """from_code → to_code where one area of ``to_set`` holds a majority of it."""
    if int(from_set) == int(to_set):
        return {c: c for (c,) in db.conn.execute("SELECT code FROM areas WHERE set_id = ?", (int(to_set),))}
    cw = build_crosswalk(db, from_set, to_set)
    if cw.empty:
        return {}
    best = cw.sort_values("share", ascending=False).drop_duplicates("from_code")
    best = best[best["share"] > MAJORITY]
    return dict(zip(best["from_code"], best["to_code"]))


def _code_sets(db) -> dict[str, list[int]]:
    """code → ids of the sets holding it (newest first)."""
    out: dict[str, list[int]] = {}
    for code, sid in db.conn.execute("SELECT code, set_id FROM areas ORDER BY set_id DESC"):
        out.setdefault(code, []).append(sid)
    return out


def _ids_json(ids) -> str:
    """Ids as one JSON array: bound as a single parameter and read back with json_each."""
    return json.dumps([str(i) for i in ids], ensure_ascii=False)


def assign_set(db: sqlite_utils.Database, set_id: int, kinds=("incident", "camera", "group"),
               record_ids: dict[str, list[str]] | None = None) -> dict[str, int]:
    """(Re)compute ``record_areas`` of ``set_id`` for the given kinds.

    With ``record_ids`` ({kind: [ids]}) only those records are recomputed.
    Returns how many records of each kind were placed in an area.
    """
    set_id = int(set_id)
    placed: dict[str, int] = {}
    with store.transaction(db):
        for kind in kinds:
            ids = None if record_ids is None else record_ids.get(kind)
            if record_ids is not None and not ids:
                continue
            res = place_records(db, kind, ids=ids, sets=[set_id])
            placed[kind] = res["placed"].get(set_id, 0)
    return placed


def assign_records(db: sqlite_utils.Database, kind: str, ids: list[str] | None = None) -> None:
    """Place records of ``kind`` (all, or ``ids``) in every boundary set."""
    if ids is not None and len(ids) == 0:
        return
    place_records(db, kind, ids=ids)


class Locator:
    """Point-in-polygon of many records in every boundary set, computed on a worker thread.

    GEOS releases the GIL, so a caller can write rows (SQLite also releases it)
    while the points are being located: create the locator first, write, then
    hand it to :func:`place_records`.  Small batches are located at once, in the
    calling thread.  The set geometries are read here, in the caller's thread.
    """
    THREAD_MIN = 10_000

    def __init__(self, db: sqlite_utils.Database, lon, lat, sets=None):
        from .areas import list_sets
        self.set_ids = [s.id for s in list_sets(db)] if sets is None else [int(x) for x in sets]
        self.geoms = {sid: _set_geoms(db, sid) for sid in self.set_ids}
        lon = pd.to_numeric(pd.Series(lon, dtype=object), errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(pd.Series(lat, dtype=object), errors="coerce").to_numpy(dtype=float)
        self.ok = np.isfinite(lon) & np.isfinite(lat)
        self._pool = None
        if len(lon) >= self.THREAD_MIN:
            from concurrent.futures import ThreadPoolExecutor
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="locate")
            pts = self._pool.submit(shapely.points, lon[self.ok], lat[self.ok])
            self._idx = {sid: self._pool.submit(self._locate, sid, pts) for sid in self.set_ids}
        else:
            pts = shapely.points(lon[self.ok], lat[self.ok])
            self._idx = {sid: _locate_points(self.geoms[sid][1], pts, self.ok) for sid in self.set_ids}

    def _locate(self, sid, pts):
        return _locate_points(self.geoms[sid][1], pts.result(), self.ok)

    def index(self, set_id: int) -> np.ndarray:
        """Index into the set's codes of the area holding each point (-1: none)."""
        r = self._idx[int(set_id)]
        return r if isinstance(r, np.ndarray) else r.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def place_records(db: sqlite_utils.Database, kind: str, records: pd.DataFrame | None = None, *,
                  ids=None, sets=None, fresh: bool = False, locator: Locator | None = None) -> dict:
    """Place records of ``kind`` in every boundary set (or in ``sets``), reading them once.

    ``records``: the records themselves, a frame with the columns the kind needs
    (``id, lon, lat`` for cameras; ``id, lon, lat, area_code, area_set_id`` for
    incidents; ``id, village_code`` for groups), e.g. rows just inserted by an
    import; without it the records ``ids`` (all records when None) are read from
    the database.  ``fresh=True`` says the records have no ``record_areas`` rows
    yet (new ids), so the delete of their old rows is skipped.

    Rows are written in one ``INSERT … SELECT`` per set (a JSON array bound as
    one parameter): row-by-row ``executemany`` re-evaluates the table's CHECK
    lists for every row and is several times slower for large imports.

    Returns ``{"placed": {set_id: n}, "outside": [ids]}``: ``outside`` lists the
    records with a location (a point, or a code) that fall in no area of any of
    these sets; they stay in their tables, flagged by the data-quality figures.

    ``locator``: a :class:`Locator` of ``records``' points started earlier (its sets are used).
    """
    from .areas import list_sets
    if kind not in ("incident", "camera", "group"):
        raise ValueError(f"unknown record kind {kind!r}")
    if records is None:
        records = _records(db, kind, ids)
        delete_ids = None if ids is None else list(ids)
    else:
        records = records.reset_index(drop=True)
        delete_ids = None if fresh else records["id"].tolist()
    if locator is not None:
        set_ids = locator.set_ids
    else:
        set_ids = [s.id for s in list_sets(db)] if sets is None else [int(s) for s in sets]
        if kind in ("camera", "incident") and len(records):
            locator = Locator(db, records["lon"], records["lat"], sets=set_ids)
    rec_ids = records["id"].to_numpy(dtype=object) if len(records) else np.array([], dtype=object)
    try:
        return _place_all(db, kind, records, rec_ids, set_ids, delete_ids, fresh, locator)
    finally:
        if locator is not None:
            locator.close()


def _place_all(db, kind, records, rec_ids, set_ids, delete_ids, fresh, locator) -> dict:
    hit_any = np.zeros(len(records), dtype=bool)
    placed: dict[int, int] = {}
    rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    empty = np.array([], dtype=object)
    with store.transaction(db) as conn:
        for sid in set_ids:
            if not len(records):
                placed[sid] = 0
                rows[sid] = (empty, empty, empty)
                continue
            if locator is not None:
                codes, geoms = locator.geoms[sid]
                pos, out_codes, methods = _place(db, kind, records, sid, codes, geoms,
                                                 idx=(locator.index(sid), locator.ok))
            else:
                codes, geoms = _set_geoms(db, sid)
                pos, out_codes, methods = _place(db, kind, records, sid, codes, geoms)
            rows[sid] = (rec_ids[pos], out_codes, methods)
            hit_any[pos] = True
            placed[sid] = int(len(pos))
        placements.write(conn, kind, rows, ids=delete_ids, fresh=fresh)
    located = _has_location(kind, records)
    outside = rec_ids[located & ~hit_any].tolist() if set_ids else []
    return {"placed": placed, "outside": outside}


def _has_location(kind, df) -> np.ndarray:
    if not len(df):
        return np.zeros(0, dtype=bool)
    if kind == "group":
        return df["village_code"].notna().to_numpy()
    pt = (df["lon"].notna() & df["lat"].notna()).to_numpy()
    if kind == "incident":
        pt = pt | df["area_code"].notna().to_numpy()
    return pt


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _select(db, sql, ids):
    if ids is None:
        return pd.read_sql_query(sql, db.conn)
    return pd.read_sql_query(sql + " AND id IN (SELECT value FROM json_each(?))", db.conn,
                             params=[_ids_json(ids)])


_SELECT = {
    "camera": "SELECT id, lon, lat FROM cameras WHERE deleted_at IS NULL",
    "incident": "SELECT id, lon, lat, area_code, area_set_id FROM incidents WHERE deleted_at IS NULL",
    "group": "SELECT id, village_code FROM groups WHERE deleted_at IS NULL",
}


def _records(db, kind, ids) -> pd.DataFrame:
    """The (not deleted) records of ``kind`` to place: all, or those of ``ids``."""
    return _select(db, _SELECT[kind], ids)


def _place(db, kind, df, set_id, codes, geoms, idx=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions in ``df`` of the records placed, their area codes, their methods).

    ``idx``: (polygon index per record, mask of the records with a point), already located."""
    empty = (np.array([], dtype=np.int64), np.array([], dtype=object), np.array([], dtype=object))
    if df.empty:
        return empty
    if kind in ("camera", "incident"):
        if idx is None:
            lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
            lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(lon) & np.isfinite(lat)
            idx = (_locate_points(geoms, shapely.points(lon[ok], lat[ok]), ok), ok)
        where, has_point = idx
        pos = np.flatnonzero(where >= 0)
        out = (pos, codes[where[pos]].astype(object), np.full(len(pos), "point", dtype=object))
        if kind == "camera":
            return out
        coded = np.flatnonzero(~has_point & df["area_code"].notna().to_numpy())
        if not len(coded):
            return out
        cpos, ccodes, cmeth = _by_code(db, set_id, df["area_code"].to_numpy(dtype=object)[coded],
                                       df["area_set_id"].to_numpy(dtype=object)[coded], codes)
        return (np.concatenate([out[0], coded[cpos]]), np.concatenate([out[1], ccodes]),
                np.concatenate([out[2], cmeth]))
    if kind == "group":
        vc = df["village_code"].to_numpy(dtype=object)
        coded = np.flatnonzero(df["village_code"].notna().to_numpy())
        if not len(coded):
            return empty
        cpos, ccodes, cmeth = _by_code(db, set_id, vc[coded], np.full(len(coded), None, dtype=object), codes)
        return coded[cpos], ccodes, cmeth
    raise ValueError(f"unknown record kind {kind!r}")


def _assign_kind(db, kind, set_id, codes, geoms, ids):
    """Rows (id, code, method) of ``record_areas`` for records of ``kind`` in ``set_id``."""
    df = _records(db, kind, ids)
    pos, out_codes, methods = _place(db, kind, df, set_id, codes, geoms)
    return list(zip(df["id"].to_numpy(dtype=object)[pos], out_codes, methods))


def _by_code(db, set_id, area_codes, area_sets, set_codes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Placement of records known only by an area code (of ``area_sets`` or of any set).

    Returns (positions into ``area_codes`` placed, their codes in ``set_id``, methods);
    each distinct (code, source set) pair is resolved once.
    """
    in_set = set(np.asarray(set_codes).tolist())
    code_sets = None
    maps: dict[int, dict[str, str]] = {}
    codes = pd.Series(area_codes, dtype=object).map(lambda c: None if c is None or pd.isna(c) else str(c))
    srcs = pd.Series(area_sets, dtype=object).map(lambda s: -1 if s is None or pd.isna(s) else int(s))
    resolved: dict[tuple[str, int], tuple[str, str] | None] = {}
    for code, src in set(zip(codes.tolist(), srcs.tolist())):
        if code is None:
            resolved[(code, src)] = None
            continue
        res = None
        s = src
        if s < 0:
            if code in in_set:
                res = (code, "code")
            else:
                if code_sets is None:
                    code_sets = _code_sets(db)
                cands = code_sets.get(code)
                s = cands[0] if cands else None
        if res is None and s is not None and s >= 0:
            if s == set_id:
                if code in in_set:
                    res = (code, "code")
            else:
                if s not in maps:
                    maps[s] = crosswalk_map(db, s, set_id)
                to = maps[s].get(code)
                if to is not None:
                    res = (to, "crosswalk")
        resolved[(code, src)] = res
    out = [resolved[k] for k in zip(codes.tolist(), srcs.tolist())]
    pos = np.array([i for i, r in enumerate(out) if r is not None], dtype=np.int64)
    return (pos, np.array([out[i][0] for i in pos], dtype=object),
            np.array([out[i][1] for i in pos], dtype=object))
