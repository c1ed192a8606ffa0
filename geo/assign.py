"""Which area each record lies in, for every boundary set.

Computed once, when a record or a set arrives, and stored in ``record_areas``:
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

import numpy as np
import pandas as pd
import shapely
import sqlite_utils

from . import store

MAJORITY = 0.5


def locate(geoms, lon, lat) -> np.ndarray:
    """Index into ``geoms`` of the polygon containing each point (-1: none).

    Points on a shared border go to the lowest index, so the answer is stable.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), -1, dtype=np.int64)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any() or len(geoms) == 0:
        return out
    tree = shapely.STRtree(np.asarray(geoms, dtype=object))
    pts = shapely.points(lon[ok], lat[ok])
    pi, gi = tree.query(pts, predicate="intersects")
    if len(pi):
        # keep the smallest polygon index per point
        order = np.lexsort((gi, pi))
        pi, gi = pi[order], gi[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        sub = np.full(ok.sum(), -1, dtype=np.int64)
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


def assign_set(db: sqlite_utils.Database, set_id: int, kinds=("incident", "camera", "group"),
               record_ids: dict[str, list[str]] | None = None) -> dict[str, int]:
    """(Re)compute ``record_areas`` of ``set_id`` for the given kinds.

    With ``record_ids`` ({kind: [ids]}) only those records are recomputed.
    Returns how many records of each kind were placed in an area.
    """
    set_id = int(set_id)
    codes, geoms = _set_geoms(db, set_id)
    placed: dict[str, int] = {}
    with store.transaction(db) as conn:
        for kind in kinds:
            ids = None if record_ids is None else record_ids.get(kind)
            if record_ids is not None and not ids:
                continue
            rows = _assign_kind(db, kind, set_id, codes, geoms, ids)
            if ids is None:
                conn.execute("DELETE FROM record_areas WHERE kind = ? AND set_id = ?", (kind, set_id))
            else:
                for chunk in _chunks(ids, 500):
                    conn.execute(
                        f"DELETE FROM record_areas WHERE kind = ? AND set_id = ? "
                        f"AND record_id IN ({','.join('?' * len(chunk))})", [kind, set_id, *chunk])
            conn.executemany(
                f"INSERT INTO record_areas (kind, set_id, record_id, code, method) "
                f"VALUES ('{kind}', {set_id}, ?, ?, ?)", rows)
            placed[kind] = len(rows)
    return placed


def assign_records(db: sqlite_utils.Database, kind: str, ids: list[str] | None = None) -> None:
    """Place records of ``kind`` (all, or ``ids``) in every boundary set."""
    from .areas import list_sets
    for s in list_sets(db):
        assign_set(db, s.id, kinds=(kind,), record_ids=None if ids is None else {kind: ids})


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _select(db, sql, ids):
    if ids is None:
        return pd.read_sql_query(sql, db.conn)
    frames = [pd.read_sql_query(sql + f" AND id IN ({','.join('?' * len(c))})", db.conn, params=c)
              for c in _chunks(list(ids), 500)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _assign_kind(db, kind, set_id, codes, geoms, ids):
    if kind == "camera":
        df = _select(db, "SELECT id, lon, lat FROM cameras WHERE deleted_at IS NULL", ids)
        idx = locate(geoms, df["lon"], df["lat"]) if len(df) else np.array([], dtype=int)
        hit = idx >= 0
        return list(zip(df["id"][hit], codes[idx[hit]], ["point"] * int(hit.sum())))
    if kind == "incident":
        df = _select(db, "SELECT id, lon, lat, area_code, area_set_id, occurred_on FROM incidents "
                         "WHERE deleted_at IS NULL", ids)
        if df.empty:
            return []
        idx = locate(geoms, df["lon"], df["lat"])
        hit = idx >= 0
        rows = list(zip(df["id"][hit], codes[idx[hit]], ["point"] * int(hit.sum())))
        has_point = df["lon"].notna() & df["lat"].notna()
        coded = df[~has_point & df["area_code"].notna()]
        rows += _by_code(db, set_id, coded["id"], coded["area_code"], coded["area_set_id"], codes)
        return rows
    if kind == "group":
        df = _select(db, "SELECT id, village_code FROM groups WHERE deleted_at IS NULL", ids)
        df = df[df["village_code"].notna()]
        return _by_code(db, set_id, df["id"], df["village_code"], [None] * len(df), codes)
    raise ValueError(f"unknown record kind {kind!r}")


def _by_code(db, set_id, ids, area_codes, area_sets, set_codes) -> list[tuple]:
    """Rows for records known only by an area code (of ``area_sets`` or of any set)."""
    in_set = set(set_codes.tolist())
    code_sets = None
    maps: dict[int, dict[str, str]] = {}
    rows = []
    for rid, code, src in zip(ids, area_codes, area_sets):
        code = str(code)
        if src is None or pd.isna(src):
            if code in in_set:
                rows.append((rid, code, "code"))
                continue
            if code_sets is None:
                code_sets = _code_sets(db)
            cands = code_sets.get(code)
            if not cands:
                continue
            src = cands[0]
        src = int(src)
        if src == set_id:
            if code in in_set:
                rows.append((rid, code, "code"))
            continue
        if src not in maps:
            maps[src] = crosswalk_map(db, src, set_id)
        to = maps[src].get(code)
        if to is not None:
            rows.append((rid, to, "crosswalk"))
    return rows
