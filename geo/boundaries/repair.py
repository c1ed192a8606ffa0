"""Geometry: polygon extraction, validity repair, dissolve by code, and the
overlaps and gaps between neighbours.

Every repair is reported row by row (``{row, code, name, problem, action}``)
in Vietnamese; nothing is changed silently.
"""
from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import BoundaryError

POLYGON_IDS = (3, 6)            # shapely type ids: Polygon, MultiPolygon
COLLECTION_ID = 7
M_PER_DEG = 111_320.0

_TYPE_VI = {0: "điểm", 1: "đường", 2: "đường khép kín", 3: "vùng", 4: "đa điểm", 5: "đa đường",
            6: "đa vùng", 7: "tập hợp hình"}


def area_m2(geoms) -> np.ndarray:
    """Approximate area in m² of lon/lat geometries (local scale at each
    geometry's latitude; < 0.5 % off at Vietnamese latitudes)."""
    geoms = np.asarray(geoms)
    a = shapely.area(geoms)
    if not len(geoms):
        return a
    b = shapely.bounds(geoms)
    lat = np.nan_to_num((b[:, 1] + b[:, 3]) / 2)
    return a * M_PER_DEG * M_PER_DEG * np.cos(np.radians(lat))


# --------------------------------------------------------------------------- #
# Polygons only
# --------------------------------------------------------------------------- #
def geometry_summary(geoms) -> dict[str, int]:
    ids = shapely.get_type_id(np.asarray(geoms))
    out: dict[str, int] = {}
    for i, n in zip(*np.unique(ids[ids >= 0], return_counts=True)):
        out[_TYPE_VI.get(int(i), str(i))] = int(n)
    return out


def polygonal_part(geom):
    """The polygonal part of a geometry (collections filtered), or None."""
    if geom is None:
        return None
    tid = shapely.get_type_id(geom)
    if tid in POLYGON_IDS:
        return geom
    if tid == COLLECTION_ID:
        parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in POLYGON_IDS]
        if not parts:
            return None
        polys = []
        for p in parts:
            polys.extend(shapely.get_parts(p) if shapely.get_type_id(p) == 6 else [p])
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return None


def require_polygons(geoms, source_name: str) -> np.ndarray:
    """Refuse a layer without polygons (points, lines); return a mask of rows
    that hold polygons."""
    geoms = np.asarray(geoms)
    ids = shapely.get_type_id(geoms)
    poly = np.isin(ids, POLYGON_IDS)
    coll = ids == COLLECTION_ID
    if coll.any():
        poly[coll] = [polygonal_part(g) is not None for g in geoms[coll]]
    if not poly.any():
        summary = geometry_summary(geoms)
        if not summary:
            raise BoundaryError(f"Lớp {source_name} không có hình học nào (toàn bộ đối tượng rỗng).")
        what = ", ".join(f"{n} {k}" for k, n in summary.items())
        raise BoundaryError(f"Lớp {source_name} không có vùng (polygon) nào, chỉ có {what}. "
                            "Ranh giới hành chính phải là vùng khép kín.")
    return poly


# --------------------------------------------------------------------------- #
# Validity
# --------------------------------------------------------------------------- #
_REASONS = [
    (re.compile(r"Ring Self-intersection\[([-\d.e]+) ([-\d.e]+)\]", re.I), "vòng ranh giới tự chạm tại ({0}, {1})"),
    (re.compile(r"Self-intersection\[([-\d.e]+) ([-\d.e]+)\]", re.I), "ranh giới tự cắt tại ({0}, {1})"),
    (re.compile(r"Too few points", re.I), "vòng có quá ít điểm"),
    (re.compile(r"Hole lies outside shell", re.I), "lỗ nằm ngoài vùng"),
    (re.compile(r"Nested holes", re.I), "lỗ lồng trong lỗ"),
    (re.compile(r"Interior is disconnected", re.I), "lỗ chia cắt vùng"),
    (re.compile(r"Nested shells", re.I), "vùng lồng trong vùng"),
    (re.compile(r"Duplicate Rings", re.I), "vòng trùng lặp"),
    (re.compile(r"Invalid Coordinate", re.I), "toạ độ không hợp lệ (NaN/vô cực)"),
    (re.compile(r"Ring is not closed|not closed", re.I), "vòng không khép kín"),
]


def explain_invalid(reason: str) -> str:
    for pattern, text in _REASONS:
        m = pattern.search(reason)
        if m:
            groups = [f"{float(g):.1f}" if abs(float(g)) > 1000 else f"{float(g):.5f}"
                      for g in m.groups()]
            return text.format(*groups)
    return f"hình học không hợp lệ ({reason})"


def repair(gdf: gpd.GeoDataFrame, *, row_col: str = "_row") -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Make every geometry a valid Polygon/MultiPolygon; drop empty ones.
    Returns the kept rows and the report."""
    geoms = gdf.geometry.values.copy()
    report: list[dict] = []

    def rep(i, problem, action):
        report.append({"row": int(gdf[row_col].iloc[i]) if row_col in gdf else int(i),
                       "code": gdf["code"].iloc[i] if "code" in gdf else None,
                       "name": gdf["name"].iloc[i] if "name" in gdf else None,
                       "problem": problem, "action": action})

    # collections → their polygons
    ids = shapely.get_type_id(geoms)
    for i in np.flatnonzero(ids == COLLECTION_ID):
        part = polygonal_part(geoms[i])
        if part is not None:
            rep(i, "tập hợp hình lẫn điểm/đường", "giữ phần vùng, bỏ điểm/đường")
        geoms[i] = part
    keep = np.ones(len(geoms), dtype=bool)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(empty):
        rep(i, "hình học rỗng", "bỏ đối tượng")
    keep &= ~empty
    valid = np.ones(len(geoms), dtype=bool)
    valid[keep] = shapely.is_valid(geoms[keep])
    for i in np.flatnonzero(~valid):
        before = geoms[i]
        reason = shapely.is_valid_reason(before)
        try:
            fixed = shapely.make_valid(before, method="structure", keep_collapsed=False)
        except Exception:  # noqa: BLE001 - fall back to the linework method
            fixed = shapely.make_valid(before)
        fixed = polygonal_part(fixed)
        if fixed is None or fixed.is_empty:
            rep(i, explain_invalid(reason), "không còn diện tích sau khi sửa: bỏ đối tượng")
            keep[i] = False
            geoms[i] = None
            continue
        a0, a1 = abs(shapely.area(before)), shapely.area(fixed)
        change = (a1 - a0) / a0 * 100 if a0 > 0 else 0.0
        action = "sửa bằng make_valid (structure)"
        if abs(change) >= 0.01:
            action += f"; diện tích thay đổi {change:+.2f}%"
        rep(i, explain_invalid(reason), action)
        geoms[i] = fixed
    out = gdf.copy()
    out["geometry"] = geoms
    out = out[keep]
    return out, report


# --------------------------------------------------------------------------- #
# Dissolve
# --------------------------------------------------------------------------- #
def dissolve_by_code(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[dict], list[dict]]:
    """One row per code: the parts of a unit (islands as rows) are unioned into
    one (Multi)Polygon.  The name, type and parent come from the largest part.

    Returns (gdf, dissolved [{code, name, parts}], duplicate_codes
    [{code, names, rows}] for codes shared by differently named units)."""
    counts = gdf["code"].value_counts()
    multi = counts[counts > 1]
    if multi.empty:
        return gdf.reset_index(drop=True), [], []
    dissolved, dupes = [], []
    single = gdf[~gdf["code"].isin(multi.index)]
    rows = []
    areas = shapely.area(gdf.geometry.values)
    gdf = gdf.assign(_area=areas)
    for code, grp in gdf[gdf["code"].isin(multi.index)].groupby("code", sort=False):
        grp = grp.sort_values("_area", ascending=False)
        first = grp.iloc[0].copy()
        geom = shapely.union_all(grp.geometry.values)
        geom = polygonal_part(geom) if shapely.get_type_id(geom) not in POLYGON_IDS else geom
        if geom is not None and not shapely.is_valid(geom):
            geom = polygonal_part(shapely.make_valid(geom))
        first["geometry"] = geom
        rows.append(first)
        names = list(dict.fromkeys(n for n in grp["name"] if isinstance(n, str)))
        keys = {_key(n) for n in names}
        entry = {"code": code, "name": first["name"], "parts": int(len(grp))}
        dissolved.append(entry)
        if len(keys) > 1:
            dupes.append({"code": code, "names": names, "rows": int(len(grp)),
                          "kept_name": first["name"]})
    merged = pd.concat([single, gpd.GeoDataFrame(rows, geometry="geometry", crs=gdf.crs)],
                       ignore_index=True)
    merged = merged.drop(columns=["_area"], errors="ignore")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=gdf.crs), dissolved, dupes


def _key(name: str) -> str:
    from .encoding import name_key
    return name_key(name)


# --------------------------------------------------------------------------- #
# Overlaps and gaps
# --------------------------------------------------------------------------- #
def unmatched_edges(geoms) -> np.ndarray:
    """The boundary stretches that no neighbour shares exactly, as LineStrings.

    In a clean coverage every inner edge appears twice (once in each
    neighbour, same vertices); what is left is the outer outline plus the edges
    around overlaps and gaps.  Segments are matched by hashing their
    endpoints' bits, so the cost is a sort of all segments."""
    polys = shapely.get_parts(np.asarray(geoms))
    rings = shapely.get_rings(polys)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return np.array([], dtype=object)
    same = ring_of[:-1] == ring_of[1:]          # segment i joins point i and i + 1
    ax, ay, bx, by = xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]
    swap = (ax > bx) | ((ax == bx) & (ay > by))  # direction-free
    cols = [np.where(swap, bx, ax), np.where(swap, by, ay), np.where(swap, ax, bx), np.where(swap, ay, by)]
    h = np.zeros(len(ax), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in cols:
            bits = np.ascontiguousarray(c).view(np.uint64)
            h = (h ^ bits) * np.uint64(0x9E3779B97F4A7C15)
            h ^= h >> np.uint64(31)
    h[~same] = 0
    order = np.argsort(h, kind="stable")
    hs = h[order]
    new_group = np.r_[True, hs[1:] != hs[:-1]]
    gid = np.cumsum(new_group) - 1
    counts = np.bincount(gid)
    bad = np.empty(len(h), dtype=bool)
    bad[order] = counts[gid] != 2
    bad &= same
    if not bad.any():
        return np.array([], dtype=object)
    # consecutive unmatched segments of a ring → one LineString
    starts = bad & ~np.r_[False, bad[:-1]]
    run = np.cumsum(starts) - 1
    seg = np.flatnonzero(bad)
    rid = run[seg]
    last = np.r_[rid[1:] != rid[:-1], True]
    pts = np.concatenate([seg, seg[last] + 1])
    pts_run = np.concatenate([rid, rid[last]])
    o = np.lexsort((pts, pts_run))
    return np.asarray(shapely.get_parts(shapely.linestrings(xy[pts[o]], indices=pts_run[o])))


def overlaps_and_gaps(gdf: gpd.GeoDataFrame, *, min_area_m2: float = 10_000.0
                      ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Overlaps between units and gaps between them (enclosed areas no unit
    covers), each of at least ``min_area_m2``.

    The boundary stretches not shared exactly by a neighbour are noded and
    polygonized; each face is classified by how many units cover it (2+:
    overlap, 0: gap).  The cost grows with the mismatched stretches, not with
    the whole vertex count.

    Returns two GeoDataFrames (EPSG:4326): overlaps (codes, names, area_m2)
    and gaps (codes of the units around them, area_m2)."""
    empty = (gpd.GeoDataFrame({"codes": [], "names": [], "area_m2": []}, geometry=[], crs=4326),
             gpd.GeoDataFrame({"codes": [], "area_m2": []}, geometry=[], crs=4326))
    if len(gdf) == 0:
        return empty
    geoms = gdf.geometry.values
    codes = gdf["code"].to_numpy()
    names = gdf["name"].to_numpy()
    lines = unmatched_edges(geoms)
    if not len(lines):
        return empty
    noded = shapely.union_all(lines)
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    if not len(faces):
        return empty
    fa = area_m2(faces)
    faces, fa = faces[fa >= min(1.0, min_area_m2)], fa[fa >= min(1.0, min_area_m2)]
    if not len(faces):
        return empty
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(geoms)
    pidx, gidx = tree.query(points, predicate="within")
    cover = np.bincount(pidx, minlength=len(faces))
    ov_rows, gap_rows = [], []
    by_units: dict[tuple[int, ...], list] = {}
    for f in np.flatnonzero(cover >= 2):
        units = tuple(sorted(gidx[pidx == f].tolist()))
        by_units.setdefault(units, []).append(f)
    for units, fs in by_units.items():
        a = float(fa[fs].sum())
        if a >= min_area_m2:
            geom = faces[fs[0]] if len(fs) == 1 else shapely.union_all(faces[fs])
            ov_rows.append({"codes": [codes[u] for u in units], "names": [names[u] for u in units],
                            "area_m2": round(a, 1), "geometry": geom})
    gap_idx = np.flatnonzero((cover == 0) & (fa >= min(min_area_m2, 1.0)))
    if len(gap_idx):
        merged = np.asarray(shapely.get_parts(shapely.union_all(faces[gap_idx])))
        ma = area_m2(merged)
        merged, ma = merged[ma >= min_area_m2], ma[ma >= min_area_m2]
        if len(merged):
            tol = 1e-7
            near_p, near_g = tree.query(merged, predicate="dwithin", distance=tol)
            for k, g in enumerate(merged):
                units = sorted(set(near_g[near_p == k].tolist()))
                gap_rows.append({"codes": [codes[u] for u in units], "area_m2": round(float(ma[k]), 1),
                                 "geometry": g})
    overlaps = gpd.GeoDataFrame(ov_rows, geometry="geometry", crs=4326) if ov_rows else empty[0]
    gaps = gpd.GeoDataFrame(gap_rows, geometry="geometry", crs=4326) if gap_rows else empty[1]
    return overlaps, gaps
