"""Benchmark: importing incidents with coordinates, area assignment included.

A synthetic province (1 province, 200 communes and 2,000 villages as Voronoi
cells inside Vietnam) and CSV files of 100,000 and 1,000,000 incidents with
coordinates (1 % of them outside the province but inside Vietnam, 10 % of dates
written dd/mm/yyyy, categories as codes and labels).  Each import runs on a
fresh copy of the database and is timed end to end: reading the CSV, row
checks, the upsert, the point-in-polygon placement in the three boundary sets,
the audit row and the commit.

The naive way beside it: csv.DictReader, per-row parsing, sqlite-utils
``insert_all`` of dict rows and a per-row point-in-polygon query per set
(an STRtree query per point), also writing record_spans with ``insert_all``.
It is measured on a 20,000-row sample and extrapolated linearly (labelled so).

    .venv/bin/python bench/bench_records.py            # 100k and 1M
    .venv/bin/python bench/bench_records.py --quick    # 100k only
"""
from __future__ import annotations

import csv
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import areas, records, store, vocab  # noqa: E402

BOX = (105.0, 20.0, 106.5, 21.2)      # lon0, lat0, lon1, lat1: a province-sized box in northern Vietnam
N_COMMUNES = 200
N_VILLAGES = 2000
NAIVE_SAMPLE = 20_000
TODAY = dt.date(2026, 11, 20)


from table import print_table  # noqa: E402  (bench/ is on sys.path when a script runs)

def voronoi_cells(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BOX
    pts = shapely.multipoints(np.c_[rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))
    return shapely.intersection(cells, box)


def build_db(path: Path) -> Path:
    """The boundary sets: province, communes (Voronoi), villages (Voronoi, parent = commune)."""
    db = store.open_db(path)
    prov = gpd.GeoDataFrame({"code": ["P"], "name": ["Tỉnh thử"], "unit_type": ["tinh"]},
                            geometry=[shapely.box(*BOX)], crs=4326)
    com_geoms = voronoi_cells(N_COMMUNES, 1)
    communes = gpd.GeoDataFrame({"code": [f"X{i:03d}" for i in range(len(com_geoms))],
                                 "name": [f"Xã {i}" for i in range(len(com_geoms))],
                                 "unit_type": "xa", "parent_code": "P"}, geometry=com_geoms, crs=4326)
    vil_geoms = voronoi_cells(N_VILLAGES, 2)
    parent = shapely.STRtree(com_geoms).query(shapely.point_on_surface(vil_geoms), predicate="intersects")
    par = np.full(len(vil_geoms), None, dtype=object)
    par[parent[0]] = communes["code"].to_numpy()[parent[1]]
    villages = gpd.GeoDataFrame({"code": [f"T{i:04d}" for i in range(len(vil_geoms))],
                                 "name": [f"Thôn {i}" for i in range(len(vil_geoms))],
                                 "unit_type": "thon", "parent_code": par}, geometry=vil_geoms, crs=4326)
    sp = areas.create_set(db, prov, name="Tỉnh", level="province", valid_from="2025-07-01", assign_records=False)
    sc = areas.create_set(db, communes, name="Xã", level="commune", valid_from="2025-07-01",
                          parent_set_id=sp, assign_records=False)
    areas.create_set(db, villages, name="Thôn", level="village", valid_from="2025-07-01",
                     parent_set_id=sc, assign_records=False)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


def write_incidents(path: Path, n: int, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BOX
    lon = rng.uniform(x0, x1, n).round(6)
    lat = rng.uniform(y0, y1, n).round(6)
    out = rng.random(n) < 0.01
    lon[out] = rng.uniform(107.0, 107.5, out.sum()).round(6)     # in Vietnam, outside the province
    days = (np.datetime64("2023-01-01") + rng.integers(0, 3 * 365, n)).astype("datetime64[D]")
    iso = np.datetime_as_string(days)
    dmy = pd.to_datetime(iso[:n // 10]).strftime("%d/%m/%Y").to_numpy()
    dates = iso.astype(object)
    dates[: n // 10] = dmy
    terms = list(vocab.CATEGORIES)
    cat_pool = np.array([t.code for t in terms] + [t.vi for t in terms], dtype=object)
    df = pd.DataFrame({
        "Mã vụ việc": [f"INC{i:07d}" for i in range(n)],
        "Ngày xảy ra": dates,
        "Loại vụ việc": cat_pool[rng.integers(0, len(cat_pool), n)],
        "Kinh độ": lon, "Vĩ độ": lat,
        "Mô tả": [f"Vụ việc số {i}" for i in range(n)],
        "Nguồn tin": "bench",
    })
    df.to_csv(path, index=False, encoding="utf-8")
    return path


def time_ours(base: Path, csv_path: Path, work: Path) -> tuple[float, records.ImportResult, Path]:
    db_path = work / f"ours-{csv_path.stem}.db"
    shutil.copy(base, db_path)
    db = store.open_db(db_path)
    t0 = time.perf_counter()
    res = records.import_records(db, "incidents", csv_path, user=None, today=TODAY)
    elapsed = time.perf_counter() - t0
    db.conn.close()
    return elapsed, res, db_path


def time_reimport(db_path: Path, csv_path: Path) -> tuple[float, records.ImportResult]:
    db = store.open_db(db_path)
    t0 = time.perf_counter()
    res = records.import_records(db, "incidents", csv_path, user=None, today=TODAY)
    elapsed = time.perf_counter() - t0
    db.conn.close()
    return elapsed, res


def time_naive(base: Path, csv_path: Path, work: Path, sample: int) -> float:
    """Seconds for ``sample`` rows the naive way."""
    import sqlite_utils
    db_path = work / "naive.db"
    shutil.copy(base, db_path)
    db = sqlite_utils.Database(db_path)
    sets = []
    for (sid,) in db.conn.execute("SELECT id FROM boundary_sets"):
        rows = db.conn.execute("SELECT code, geometry FROM areas WHERE set_id = ?", (sid,)).fetchall()
        geoms = shapely.from_wkb([g for _, g in rows])
        sets.append((sid, [c for c, _ in rows], shapely.STRtree(geoms)))
    lookup = records.vocab_lookup("category", vocab.CATEGORIES)
    t0 = time.perf_counter()
    with open(csv_path, encoding="utf-8") as f:
        dict_rows = []
        for i, r in enumerate(csv.DictReader(f)):
            if i >= sample:
                break
            day = r["Ngày xảy ra"]
            try:
                d = dt.datetime.strptime(day, "%Y-%m-%d").date()
            except ValueError:
                d = dt.datetime.strptime(day, "%d/%m/%Y").date()
            dict_rows.append({"id": r["Mã vụ việc"], "occurred_on": d.isoformat(),
                              "category": lookup[records.norm_key(r["Loại vụ việc"])],
                              "lon": float(r["Kinh độ"]), "lat": float(r["Vĩ độ"]),
                              "description": r["Mô tả"], "source": r["Nguồn tin"]})
    db["incidents"].insert_all(dict_rows)
    ra = []
    for r in dict_rows:
        pt = shapely.Point(r["lon"], r["lat"])
        for sid, codes, tree in sets:
            hit = tree.query(pt, predicate="intersects")
            if len(hit):
                ra.append({"kind": "incident", "set_id": sid, "record_id": r["id"],
                           "code": codes[int(min(hit))], "method": "point"})
    db["record_spans"].insert_all(ra)
    elapsed = time.perf_counter() - t0
    db.conn.close()
    return elapsed


def bench_rows(sizes=(100_000, 1_000_000)) -> list[tuple[str, str, str]]:
    """(label, ours, naive) for each measurement."""
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = build_db(work / "base.db")
        naive_per_row = None
        for n in sizes:
            csv_path = write_incidents(work / f"inc{n}.csv", n)
            secs, res, db_path = time_ours(base, csv_path, work)
            assert res.inserted + res.rejected == n and res.inserted > 0.99 * n, res.to_dict()
            if naive_per_row is None:
                naive_per_row = time_naive(base, csv_path, work, min(NAIVE_SAMPLE, n)) / min(NAIVE_SAMPLE, n)
            naive = naive_per_row * n
            rows.append((f"import {n:,} incidents with coordinates + area assignment "
                         f"(3 sets, {N_VILLAGES:,} villages; {len(res.outside):,} outside, flagged)",
                         f"{secs:.1f} s",
                         f"{naive:.0f} s (extrapolated from {min(NAIVE_SAMPLE, n):,} rows)"))
            if n == sizes[0]:
                secs2, res2 = time_reimport(db_path, csv_path)
                assert res2.unchanged == res.inserted and res2.inserted == res2.updated == 0
                rows.append((f"re-import the same {n:,} rows (all unchanged, nothing written)",
                             f"{secs2:.1f} s", "–"))
            db_path.unlink(missing_ok=True)
            csv_path.unlink(missing_ok=True)
    return rows


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sizes = (100_000,) if "--quick" in argv else (100_000, 1_000_000)
    print_table(bench_rows(sizes))


if __name__ == "__main__":
    main()
