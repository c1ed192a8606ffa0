"""Checks of one commune's villages against that commune, before they may join the
province village layer.

Whole shapes, not inner points: against commune X's polygon in the **current
commune set** (admin-managed),

- a village with more than :data:`MAX_OUTSIDE_SHARE` (1 %) of its surface, or any
  part farther than :data:`MAX_OUTSIDE_M` (50 m), outside X is refused, named;
- smaller slivers outside X are clipped to X, with a warning;
- the share of X covered by no village and the overlaps between villages are
  reported (and drawn on the preview map);

and codes:

- a code is unique in the file and in the province layer: one that belongs to
  another commune's village, or equals any commune code, is refused;
- the parent of every village is X (a file naming another parent is refused);
- an empty geometry, or no village at all, is refused.

No Streamlit; messages are Vietnamese.  Nothing is written here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlite_utils
from pyproj import Transformer

from .. import areas
from .errors import BoundaryError

MAX_OUTSIDE_SHARE = 0.01
MAX_OUTSIDE_M = 50.0
NOISE_M2 = 1.0            # outside parts / overlaps / gaps below this are float noise
DENSIFY_M = 10.0          # outline points every 10 m when measuring how far a part reaches out
WGS84 = "EPSG:4326"


@dataclass
class VillageCheck:
    """What the checks found for the villages of one commune (nothing written)."""
    commune_code: str
    commune_name: str
    commune_set_id: int
    gdf: gpd.GeoDataFrame                     # the villages as they would be stored (clipped, parent = X)
    villages: list[dict] = field(default_factory=list)   # per village: code, name, area_m2, outside_*
    refused: list[dict] = field(default_factory=list)    # {code, name, reason}
    warnings: list[str] = field(default_factory=list)
    outside_share: float = 0.0                # share of the villages' surface outside X (before clipping)
    uncovered_share: float = 0.0              # share of X covered by no village
    overlaps: list[dict] = field(default_factory=list)   # {codes: [a, b], area_m2}
    outside_geoms: gpd.GeoDataFrame | None = None        # code, geometry (EPSG:4326), for the preview map
    uncovered_geom: object = None
    overlap_geoms: gpd.GeoDataFrame | None = None

    @property
    def ok(self) -> bool:
        return not self.refused

    def report(self) -> dict:
        """Every check as plain JSON values."""
        return {
            "commune": self.commune_code, "commune_name": self.commune_name,
            "commune_set_id": int(self.commune_set_id), "villages": int(len(self.gdf)),
            "outside_share": round(float(self.outside_share), 6),
            "uncovered_share": round(float(self.uncovered_share), 6),
            "overlaps": self.overlaps, "refused": self.refused, "warnings": list(self.warnings),
            "per_village": self.villages,
        }

    def refusal(self) -> str:
        """One Vietnamese line naming the refused villages."""
        parts = [f"{r['code']} {r['name']}: {r['reason']}".strip() for r in self.refused[:8]]
        more = f" (và {len(self.refused) - 8} thôn khác)" if len(self.refused) > 8 else ""
        return (f"Tệp bị từ chối, {len(self.refused)} thôn/tổ dân phố không hợp lệ với xã {self.commune_code} "
                f"({self.commune_name}): " + "; ".join(parts) + more + ".")

    def raise_if_refused(self) -> None:
        if self.refused:
            raise BoundaryError(self.refusal())


def _metric(lon0: float, lat0: float) -> Transformer:
    laea = f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +ellps=WGS84 +units=m"
    return Transformer.from_crs(WGS84, laea, always_xy=True)


def _project(tr: Transformer, geoms):
    return shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def _polygonal(g):
    """Only the polygon parts of a geometry (an intersection may leave lines and points)."""
    if g is None or g.is_empty:
        return shapely.Polygon()
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def commune_polygon(db: sqlite_utils.Database, commune: str) -> tuple[int, str, object]:
    """(current commune set id, name, polygon) of ``commune``; :class:`BoundaryError` when the
    current commune set has no such commune."""
    cur = areas.current_set(db, "commune")
    if cur is None:
        raise BoundaryError("Chưa có bộ ranh giới cấp xã hiện hành; quản trị viên cần nhập ranh giới xã trước.")
    row = db.conn.execute("SELECT name, geometry FROM areas WHERE set_id = ? AND code = ?",
                          (cur.id, str(commune))).fetchone()
    if row is None:
        raise BoundaryError(f"Không có xã/phường mã {commune} trong bộ ranh giới xã hiện hành ({cur.id}).")
    return cur.id, row[0], shapely.make_valid(shapely.from_wkb(row[1]))


def check_villages(db: sqlite_utils.Database, gdf: gpd.GeoDataFrame, commune: str) -> VillageCheck:
    """Check the villages ``gdf`` (code, name, geometry in EPSG:4326; optional unit_type,
    parent_code, parent_method, population, households) of commune ``commune``."""
    commune = str(commune)
    set_id, cname, poly = commune_polygon(db, commune)
    gdf = gdf.reset_index(drop=True).copy() if gdf is not None else gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=WGS84)
    if gdf.crs is not None and not gdf.crs.equals(WGS84):
        gdf = gdf.to_crs(WGS84)
    res = VillageCheck(commune_code=commune, commune_name=cname, commune_set_id=set_id, gdf=gdf)
    if gdf.empty:
        res.refused.append({"code": "", "name": "", "reason": "tệp không có thôn/tổ dân phố nào"})
        return res
    codes = [("" if c is None or (isinstance(c, float) and np.isnan(c)) else str(c).strip()) for c in gdf["code"]]
    names = [("" if n is None or (isinstance(n, float) and np.isnan(n)) else str(n).strip()) for n in gdf["name"]]
    gdf["code"], gdf["name"] = codes, names
    refused: dict[int, str] = {}

    def refuse(i: int, why: str) -> None:
        refused.setdefault(i, why)

    # --- codes
    counts = pd.Series(codes).value_counts()
    commune_codes = {r[0] for r in db.conn.execute(
        "SELECT DISTINCT a.code FROM areas a JOIN boundary_sets s ON s.id = a.set_id WHERE s.level = 'commune'")}
    layer = areas.current_set(db, "village")
    owner: dict[str, str | None] = {}
    if layer is not None:
        owner = {c: p for c, p in db.conn.execute(
            "SELECT code, parent_code FROM areas WHERE set_id = ?", (layer.id,))}
    for i, c in enumerate(codes):
        if not c:
            refuse(i, "không có mã thôn")
        elif counts[c] > 1:
            refuse(i, f"mã {c} bị trùng trong tệp")
        elif c in commune_codes:
            refuse(i, f"mã {c} là mã của một xã/phường")
        elif c in owner and owner[c] != commune:
            refuse(i, f"mã {c} đã là mã thôn của xã {owner[c]}")
    if "parent_code" in gdf.columns:
        method = gdf["parent_method"].tolist() if "parent_method" in gdf.columns else ["code"] * len(gdf)
        for i, (p, m) in enumerate(zip(gdf["parent_code"], method)):
            if isinstance(p, str) and p and p != commune and m in ("code", "name"):
                refuse(i, f"tệp ghi thuộc xã {p}, không phải xã {commune}")

    # --- shapes
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    empty = np.array([g is None or g.is_empty for g in geoms])
    for i in np.flatnonzero(empty):
        refuse(int(i), "hình rỗng (không có ranh giới)")
    geoms = np.array([shapely.Polygon() if e else (g if g.is_valid else shapely.make_valid(g))
                      for g, e in zip(geoms, empty)], dtype=object)
    c = poly.representative_point()
    tr = _metric(c.x, c.y)
    mpoly = _project(tr, poly)
    shapely.prepare(mpoly)
    mgeoms = _project(tr, geoms)
    area = shapely.area(mgeoms)
    # overlay in degrees (shared vertices stay shared), measure in metres
    outside = np.array([_polygonal(g) for g in shapely.difference(geoms, poly)], dtype=object)
    outside_deg = outside
    outside = _project(tr, outside)
    out_area = shapely.area(outside)
    out_area = np.where(out_area < NOISE_M2, 0.0, out_area)
    far = np.zeros(len(geoms))
    for i in np.flatnonzero(out_area > 0):
        pts = shapely.get_coordinates(shapely.segmentize(outside[i], DENSIFY_M))
        if len(pts):
            far[i] = float(shapely.distance(mpoly, shapely.points(pts)).max())
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(area > 0, out_area / np.where(area > 0, area, 1), 0.0)
    res.outside_share = float(out_area.sum() / area.sum()) if area.sum() > 0 else 0.0
    clipped_geoms = geoms.copy()
    for i in range(len(geoms)):
        if empty[i]:
            continue
        if share[i] > MAX_OUTSIDE_SHARE or far[i] > MAX_OUTSIDE_M:
            refuse(i, f"{share[i]:.1%} diện tích nằm ngoài xã, xa nhất {far[i]:,.0f} m "
                      f"(giới hạn {MAX_OUTSIDE_SHARE:.0%} và {MAX_OUTSIDE_M:.0f} m)")
        elif out_area[i] > 0:
            clipped = _polygonal(shapely.intersection(geoms[i], poly))
            if clipped.is_empty:
                refuse(i, "không có phần nào nằm trong xã")
                continue
            clipped_geoms[i] = clipped
            res.warnings.append(f"Thôn {codes[i]} {names[i]}: đã cắt bỏ {out_area[i]:,.0f} m² "
                                f"({share[i]:.2%}) nằm ngoài xã {commune}.")
    res.villages = [{"code": codes[i], "name": names[i], "area_m2": round(float(area[i]), 1),
                     "outside_m2": round(float(out_area[i]), 1), "outside_share": round(float(share[i]), 6),
                     "outside_max_m": round(float(far[i]), 1), "clipped": bool(out_area[i] > 0 and i not in refused)}
                    for i in range(len(geoms))]
    res.outside_geoms = gpd.GeoDataFrame(
        {"code": [codes[i] for i in np.flatnonzero(out_area > 0)]},
        geometry=list(outside_deg[out_area > 0]), crs=WGS84)

    # --- coverage of X and overlaps (on what would be stored)
    ok_geoms = clipped_geoms[~empty]
    union = shapely.union_all(ok_geoms) if len(ok_geoms) else shapely.Polygon()
    rest = _polygonal(shapely.difference(poly, union))
    xa = shapely.area(mpoly)
    rest_m2 = shapely.area(_project(tr, rest))
    res.uncovered_share = float(rest_m2 / xa) if xa > 0 and rest_m2 >= NOISE_M2 else 0.0
    res.uncovered_geom = rest if res.uncovered_share > 0 else None
    if res.uncovered_share > 0.05:
        res.warnings.append(f"{res.uncovered_share:.1%} diện tích xã {commune} chưa thuộc thôn nào.")
    idx = np.flatnonzero(~empty)
    tree = shapely.STRtree(clipped_geoms[idx])
    a, b = tree.query(clipped_geoms[idx], predicate="intersects")
    keep = a < b
    ov_codes, ov_geoms = [], []
    for i, j in zip(idx[a[keep]], idx[b[keep]]):
        inter = _polygonal(shapely.intersection(clipped_geoms[i], clipped_geoms[j]))
        ar = float(shapely.area(_project(tr, inter)))
        if ar >= NOISE_M2:
            res.overlaps.append({"codes": [codes[i], codes[j]], "area_m2": round(ar, 1)})
            ov_codes.append(f"{codes[i]} × {codes[j]}")
            ov_geoms.append(inter)
    if res.overlaps:
        res.warnings.append(f"{len(res.overlaps)} cặp thôn chồng lấn nhau "
                            f"({', '.join(ov_codes[:5])}).")
    res.overlap_geoms = gpd.GeoDataFrame({"codes": ov_codes}, geometry=ov_geoms, crs=WGS84)

    res.refused = [{"code": codes[i], "name": names[i], "reason": why} for i, why in sorted(refused.items())]
    out = gdf.reset_index(drop=True)
    out = gpd.GeoDataFrame(out.drop(columns=[out.geometry.name]),
                           geometry=gpd.GeoSeries(list(clipped_geoms), crs=WGS84), crs=WGS84)
    out["parent_code"] = commune
    cols = [k for k in ("code", "name", "unit_type", "parent_code", "population", "households") if k in out.columns]
    res.gdf = out[[*cols, "geometry"]].reset_index(drop=True)
    return res
