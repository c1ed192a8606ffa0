"""The province village layer, made of commune parts.

There is one current village set for the province.  Replacing the villages of
some communes (an approved submission, or an administrator's whole-province
file) makes a **new version** of the layer: a new set whose parent is the
current commune set, holding the new villages of those communes and, carried
over unchanged, every other commune's villages (codes, names, geometry, map
geometry).  The previous version is closed (``valid_to``) and kept.  After any
number of approvals exactly one village set is open.

The versions form one layer (``boundary_sets.layer_id``): a record's placement is
stored once for the run of versions it holds in (:mod:`geo.placements`), so the
new version inherits every other commune's placements without a row being copied.
Only the records of the changed communes are placed again (those placed in their
old villages, those lying in the communes, and records coded with their village
codes), found through the index on placement codes: the work is that commune's
records, not the province's (``bench/bench_villages.py``).  The crosswalks of the
old layer are carried over.
"""
from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlite_utils

from . import areas, assign, placements, store

LAYER_NAME = "Lớp thôn/tổ dân phố toàn tỉnh"


def _jl(values) -> str:
    return json.dumps(sorted({str(v) for v in values}), ensure_ascii=False)


def replace_communes(db: sqlite_utils.Database, parts: dict[str, gpd.GeoDataFrame], *,
                     imported_by: str | None = None, source_file: str | None = None,
                     name: str | None = None, valid_from: str | None = None,
                     encoding: str | None = None, source_crs: str | None = None) -> dict:
    """Make the new version of the village layer in which the communes of ``parts``
    ({commune code: its villages (code, name, geometry EPSG:4326, …), already
    checked}) have the given villages.  One transaction (the caller's when inside
    one).  Returns ``{"set_id", "replaces_set_id", "villages", "carried", "replaced",
    "records_placed": {kind: n}}``."""
    cur_c = areas.current_set(db, "commune")
    if cur_c is None:
        raise ValueError("no current commune set")
    changed = sorted(str(c) for c in parts)
    frames = []
    for commune, g in parts.items():
        g = g.copy()
        g["parent_code"] = str(commune)
        frames.append(g)
    new = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=areas.WGS84) if frames else None
    today = dt.date.today().isoformat()
    vf = str(valid_from)[:10] if valid_from else today
    with store.transaction(db) as conn:
        old = areas.current_set(db, "village")   # read under the write lock
        old_codes: list[str] = []
        if old is not None:
            old_codes = [r[0] for r in conn.execute(
                "SELECT code FROM areas WHERE set_id = ? AND parent_code IN (SELECT value FROM json_each(?))",
                (old.id, _jl(changed)))]
        new_codes = [] if new is None else [str(c) for c in new["code"]]
        clash = set(new_codes) & set() if old is None else {r[0] for r in conn.execute(
            "SELECT code FROM areas WHERE set_id = ? AND code IN (SELECT value FROM json_each(?)) "
            "AND (parent_code IS NULL OR parent_code NOT IN (SELECT value FROM json_each(?)))",
            (old.id, _jl(new_codes), _jl(changed)))}
        if clash:
            raise ValueError(f"codes of other communes' villages: {sorted(clash)[:5]}")
        cur = conn.execute(
            "INSERT INTO boundary_sets (name, level, parent_set_id, valid_from, valid_to, source_file, "
            "source_crs, encoding, imported_at, imported_by, replaces_set_id, is_demo, notes, layer_id) "
            "VALUES (?, 'village', ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT coalesce(layer_id, id) FROM boundary_sets WHERE id = ?))",
            (name or f"{LAYER_NAME} (cập nhật {', '.join(changed[:5])}{'…' if len(changed) > 5 else ''})",
             cur_c.id, vf, source_file, source_crs, encoding, store.now_iso(), imported_by,
             old.id if old else None, int(old.is_demo) if old else 0,
             json.dumps({"communes": changed}, ensure_ascii=False), old.id if old else None))
        set_id = int(cur.lastrowid)
        carried = 0
        if old is not None:
            closed = (dt.date.fromisoformat(vf) - dt.timedelta(days=1)).isoformat()
            conn.execute("UPDATE boundary_sets SET valid_to = ? WHERE id = ?", (closed, old.id))
            # any other open village set (a parallel layer of older versions) is closed too
            conn.execute("UPDATE boundary_sets SET valid_to = ? WHERE level = 'village' AND valid_to IS NULL "
                         "AND id != ?", (closed, set_id))
            carried = conn.execute(
                "INSERT INTO areas (set_id, code, name, level, unit_type, parent_code, geometry, geometry_simple, "
                "area_km2, population, households, centroid_lon, centroid_lat) "
                "SELECT ?, code, name, level, unit_type, parent_code, geometry, geometry_simple, area_km2, "
                "population, households, centroid_lon, centroid_lat FROM areas WHERE set_id = ? "
                "AND (parent_code IS NULL OR parent_code NOT IN (SELECT value FROM json_each(?)))",
                (set_id, old.id, _jl(changed))).rowcount
        if new is not None and len(new):
            _insert_areas(conn, set_id, new)
        # the carried villages' record placements are inherited by the new version of the
        # layer (geo.placements): no row is copied
        if old is not None:
            _carry_crosswalks(db, conn, old.id, set_id, old_codes, new)
        placed = _replace_records(db, conn, old.id if old else None, cur_c.id, set_id, changed,
                                  old_codes, new_codes)
        store.bump_revision(db)
    areas._cache.clear()
    return {"set_id": set_id, "replaces_set_id": old.id if old else None, "villages": carried + len(new_codes),
            "carried": int(carried), "replaced": changed, "records_placed": placed}


def _insert_areas(conn, set_id: int, gdf: gpd.GeoDataFrame) -> None:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    simple = areas.simplify_for_map(geoms, "village")
    reps = shapely.point_on_surface(geoms)
    km2 = areas.geodesic_area_km2(geoms)

    def col(name):
        return gdf[name].tolist() if name in gdf.columns else [None] * len(gdf)

    def num(v):
        return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else int(v)

    rows = list(zip(
        (str(c) for c in gdf["code"]), (str(n).strip() for n in gdf["name"]), col("unit_type"),
        (str(p) for p in gdf["parent_code"]), shapely.to_wkb(geoms), shapely.to_geojson(simple), km2,
        (num(v) for v in col("population")), (num(v) for v in col("households")),
        shapely.get_x(reps), shapely.get_y(reps)))
    conn.executemany(
        "INSERT INTO areas (set_id, code, name, level, unit_type, parent_code, geometry, geometry_simple, "
        f"area_km2, population, households, centroid_lon, centroid_lat) VALUES ({set_id}, ?, ?, 'village', "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _carry_crosswalks(db, conn, old_id: int, new_id: int, old_codes: list[str], new) -> None:
    """Crosswalks into the old layer become crosswalks into the new one: rows of carried
    villages copied, rows of the changed communes' new villages computed for them alone.
    And old layer → new layer: carried villages map to themselves."""
    new_geoms = np.asarray(new.geometry.values, dtype=object) if new is not None and len(new) else np.array([])
    new_codes = np.array([str(c) for c in new["code"]], dtype=object) if new is not None and len(new) else \
        np.array([], dtype=object)
    done = [int(k.split(":")[1]) for (k,) in conn.execute(
        "SELECT key FROM meta WHERE key LIKE 'crosswalk:%:' || ?", (str(old_id),))]
    sources = {f for f in done if f != old_id}
    for f in sources:
        conn.execute(
            "INSERT OR REPLACE INTO crosswalk (from_set, from_code, to_set, to_code, share) "
            "SELECT from_set, from_code, ?, to_code, share FROM crosswalk WHERE from_set = ? AND to_set = ? "
            "AND to_code NOT IN (SELECT value FROM json_each(?))", (new_id, f, old_id, _jl(old_codes)))
        if len(new_geoms):
            fcodes, fgeoms = assign._set_geoms(db, f)
            _write_shares(conn, f, fcodes, fgeoms, new_id, new_codes, new_geoms)
        store.set_meta(db, f"crosswalk:{f}:{new_id}", "1")
    # old layer → new layer
    conn.execute(
        "INSERT OR REPLACE INTO crosswalk (from_set, from_code, to_set, to_code, share) "
        "SELECT ?, code, ?, code, 1.0 FROM areas WHERE set_id = ? AND code NOT IN (SELECT value FROM json_each(?))",
        (old_id, new_id, old_id, _jl(old_codes)))
    if old_codes and len(new_geoms):
        og = areas.load_areas(db, old_id, codes=list(old_codes))
        _write_shares(conn, old_id, og["code"].to_numpy(), np.asarray(og.geometry.values, dtype=object),
                      new_id, new_codes, new_geoms)
    store.set_meta(db, f"crosswalk:{old_id}:{new_id}", "1")


def _write_shares(conn, from_set, fcodes, fgeoms, to_set, tcodes, tgeoms) -> None:
    """Crosswalk rows (share of each ``from`` area lying in each ``to`` area) for these areas."""
    if not len(fgeoms) or not len(tgeoms):
        return
    tree = shapely.STRtree(fgeoms)
    ti, fi = tree.query(tgeoms, predicate="intersects")
    if not len(ti):
        return
    inter = shapely.area(shapely.intersection(fgeoms[fi], tgeoms[ti]))
    farea = shapely.area(fgeoms[fi])
    share = np.where(farea > 0, inter / np.where(farea > 0, farea, 1), 0.0)
    keep = share > 0.001
    conn.executemany(
        "INSERT OR REPLACE INTO crosswalk (from_set, from_code, to_set, to_code, share) VALUES (?, ?, ?, ?, ?)",
        [(int(from_set), str(a), int(to_set), str(b), float(round(s, 6)))
         for a, b, s in zip(fcodes[fi[keep]], tcodes[ti[keep]], share[keep])])


def _replace_records(db, conn, old_id, commune_set_id, new_id, changed, old_codes, new_codes) -> dict:
    """Place again, in the new layer only, the records that may belong to the changed communes."""
    placed: dict[str, int] = {}
    new_j = _jl(new_codes)
    both_j = _jl([*old_codes, *new_codes])
    for kind in ("incident", "camera", "group"):
        ids: set[str] = set()
        if old_id is not None and old_codes:
            ids |= placements.record_ids_in(conn, kind, old_id, old_codes)
        ids |= placements.record_ids_in(conn, kind, commune_set_id, changed)
        if kind == "group":
            ids |= {r[0] for r in conn.execute(
                "SELECT id FROM groups WHERE deleted_at IS NULL AND village_code IN (SELECT value FROM json_each(?))",
                (both_j,))}
        elif kind == "incident":
            ids |= {r[0] for r in conn.execute(
                "SELECT id FROM incidents WHERE area_code IS NOT NULL AND area_code IN (SELECT value FROM json_each(?)) "
                "AND deleted_at IS NULL",
                (new_j,))}
        if not ids:
            placed[kind] = 0
            continue
        res = assign.place_records(db, kind, ids=sorted(ids), sets=[new_id])
        placed[kind] = int(res["placed"].get(new_id, 0))
    return placed
