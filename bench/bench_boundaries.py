"""Benchmark: importing a ~2,000-polygon, ~20 MB VN-2000 shapefile of villages.

The file is the one the speed test uses (tests/helpers_boundaries.py): the 54
Quảng Ninh communes of the shared fixtures cut into ~2,000 villages and
densified to ~20 MB, written in VN-2000 / TM-3 107°45′ (EPSG:5899) with an
ESRI .prj.  Without the shared fixtures, 54 synthetic communes in the same box
are cut the same way.  The communes are stored first (not timed) so villages
are linked to their parents as in a real import.

Ours: :func:`geo.boundaries.prepare` (safe read, text decoding, field
recognition, repair, VN-2000 → WGS 84 with the official shift, dissolve,
parent links, overlap/gap check) then :func:`geo.boundaries.versions.commit`
(the new set in one transaction: map geometry, areas, records placed).

The naive way, in the same run: ``geopandas.read_file`` + ``to_crs(4326)``
with pyproj's default transformation + ``make_valid`` + one sqlite-utils
``insert`` per row (each its own commit).

    .venv/bin/python bench/bench_boundaries.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import helpers_boundaries as H  # noqa: E402

from geo import areas, store  # noqa: E402
from geo.boundaries import versions as bv  # noqa: E402
from geo.boundaries import prepare  # noqa: E402

TARGET_S = 5.0


from table import print_table  # noqa: E402  (bench/ is on sys.path when a script runs)

def communes() -> tuple[gpd.GeoDataFrame, str]:
    """The 54 reference communes, or 54 synthetic ones when the fixtures are absent."""
    path = H.FIXTURES / H.REFERENCE
    if path.exists():
        import pyogrio
        return pyogrio.read_dataframe(path), "Quảng Ninh communes (shared fixture)"
    rng = np.random.default_rng(3)
    box = shapely.box(106.45, 20.75, 108.05, 21.6)
    pts = np.column_stack([rng.uniform(106.45, 108.05, 54), rng.uniform(20.75, 21.6, 54)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box))
    cells = shapely.intersection(cells, box)
    return gpd.GeoDataFrame({"id": [f"{7000 + i:05d}" for i in range(len(cells))],
                             "name": [f"Xã {i}" for i in range(len(cells))]}, geometry=cells, crs=4326), \
        "54 synthetic communes (no shared fixtures)"


def make_file(folder: Path, comm: gpd.GeoDataFrame) -> list[Path]:
    villages = H.subdivide(comm, 37, seed=1, segment_m=13.0).to_crs(5899)
    H.write_shapefile(villages, folder, "thon_QN_VN2000", prj=H.VN2000_TM3_QN_PRJ)
    return sorted(folder.glob("thon_QN_VN2000.*"))


def base_db(path: Path, comm: gpd.GeoDataFrame) -> int:
    db = store.open_db(path)
    gdf = comm.rename(columns={"id": "code"})[["code", "name", "geometry"]]
    sid = areas.create_set(db, gdf, name="Xã", level="commune", valid_from="2025-07-01", assign_records=False)
    db.conn.close()
    return sid


def ours(parts: list[Path], db_path: Path) -> dict:
    db = store.open_db(db_path)
    t0 = time.perf_counter()
    parent = bv.default_parent_set(db, "village")
    p = prepare(parts, level="village", parent=bv.parent_layer(db, parent.id))
    t1 = time.perf_counter()
    sid = bv.commit(db, p, valid_from="2026-01-01", parent_set_id=parent.id)
    t2 = time.perf_counter()
    db.conn.close()
    tm = dict(p.timings)
    return {"prepared": p, "set_id": sid, "prepare": t1 - t0, "store": t2 - t1, "total": t2 - t0,
            "read": tm.get("read", 0) + tm.get("text", 0), "crs": tm.get("crs", 0), "repair": tm.get("repair", 0),
            "hierarchy": tm.get("hierarchy", 0), "topology": tm.get("topology", 0)}


def naive(parts: list[Path], db_path: Path) -> dict:
    import sqlite_utils
    shp = next(p for p in parts if p.suffix == ".shp")
    t0 = time.perf_counter()
    gdf = gpd.read_file(shp)
    t1 = time.perf_counter()
    gdf = gdf.to_crs(4326)
    t2 = time.perf_counter()
    gdf["geometry"] = gdf.geometry.make_valid()
    t3 = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    sid = db["boundary_sets"].insert({"name": "naive", "level": "village", "valid_from": "2026-01-01",
                                      "imported_at": store.now_iso()}).last_pk
    for r in gdf.itertuples():
        g = r.geometry
        db["areas"].insert({"set_id": sid, "code": r.ma_thon, "name": r.ten_thon, "level": "village",
                            "parent_code": r.ma_xa, "geometry": shapely.to_wkb(g),
                            "geometry_simple": shapely.to_geojson(g.simplify(0.0002)),
                            "area_km2": g.area * 111.32 * 111.32})
    t4 = time.perf_counter()
    db.conn.close()
    return {"gdf": gdf, "read": t1 - t0, "crs": t2 - t1, "repair": t3 - t2, "store": t4 - t3, "total": t4 - t0}


def offset_m(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> float:
    """Median distance (m) between the centroids of the same villages."""
    a = a.set_index("code")
    b = b.set_index("ma_thon")
    codes = [c for c in a.index if c in b.index]
    ca, cb = shapely.centroid(a.geometry.loc[codes].values), shapely.centroid(b.geometry.loc[codes].values)
    d = np.hypot((shapely.get_x(ca) - shapely.get_x(cb)) * 111_320 * np.cos(np.radians(21.0)),
                 (shapely.get_y(ca) - shapely.get_y(cb)) * 110_574)
    return float(np.median(d))


def bench_rows() -> list[tuple[str, str, str]]:
    """(label, ours, naive) for each measurement."""
    rows: list[tuple[str, str, str]] = []
    comm, source = communes()
    with tempfile.TemporaryDirectory(prefix="antt_bench_bnd_") as tmp:
        work = Path(tmp)
        parts = make_file(work / "shp", comm)
        size = sum(p.stat().st_size for p in parts)
        base_db(work / "base.db", comm)
        import shutil
        shutil.copy(work / "base.db", work / "ours.db")
        shutil.copy(work / "base.db", work / "naive.db")
        o = ours(parts, work / "ours.db")
        n = naive(parts, work / "naive.db")
        p = o["prepared"]
        invalid = int((~shapely.is_valid(n["gdf"].geometry.values)).sum())
        core = o["read"] + o["crs"] + o["repair"] + o["store"]

        def s(x):
            return f"{x:.2f} s"
        rows.append((f"boundary file: {len(p.gdf):,} villages, {size / 2**20:.1f} MB VN-2000 TM-3 .shp "
                     f"({source})", "", ""))
        rows.append(("  read (safe unpack, .dbf text, fields)", s(o["read"]), f"geopandas.read_file {s(n['read'])}"))
        rows.append(("  reproject VN-2000 → WGS 84 (official shift EPSG:6960)", s(o["crs"]),
                     f"to_crs(4326), default pyproj {s(n['crs'])}"))
        rows.append(("  repair (validity, dissolve by code)", s(o["repair"]), f"make_valid {s(n['repair'])}"))
        rows.append(("  store: new set, map geometry, record placement (1 transaction)", s(o["store"]),
                     f"per-row sqlite-utils insert {s(n['store'])}"))
        rows.append(("  = read + reproject + repair + store", s(core),
                     f"{s(n['total'])}  (target ≤ {TARGET_S:.0f} s: {'met' if core <= TARGET_S else 'MISSED'})"))
        rows.append(("  + parent links and overlap/gap check (ours only)", s(o["hierarchy"] + o["topology"]), "–"))
        rows.append(("  import end to end (prepare + commit)", s(o["total"]),
                     f"{'met' if o['total'] <= TARGET_S else 'over'} the {TARGET_S:.0f} s target"))
        rows.append(("  naive result: invalid polygons left / median shift vs ours", "–",
                     f"{invalid} invalid, {offset_m(p.gdf, n['gdf']):.2f} m"))
    return rows


def main() -> None:
    print_table(bench_rows())


if __name__ == "__main__":
    main()
