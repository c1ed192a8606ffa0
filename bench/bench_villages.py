"""Approving one commune's villages at province scale (issue 10, item 7).

On the synthetic province of ``bench_stats`` (100 communes, 2,000 villages,
1,000,000 incidents, 20,000 cameras, 3,000 groups), one commune's 20 villages are
replaced by 40 new ones:

- ours: :func:`geo.submissions.submit` by an administrator (checks, then
  :func:`geo.village_layer.replace_communes`: the other communes' villages and map
  geometry carried over, their record placements inherited by the new layer version
  without a row copied (:mod:`geo.placements`), only that commune's records placed
  again);
- naive: the whole new layer stored as a new set with ``areas.create_set`` (map
  simplification of every village and every record placed again).

    .venv/bin/python bench/bench_villages.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from table import print_table  # noqa: E402


def _copy(src: Path, dst: Path) -> Path:
    """A copy through SQLite's backup API (never plain file I/O on a database file)."""
    import sqlite3
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        b.close()
        a.close()
    return dst


def forty_villages(db, commune: str):
    import geopandas as gpd
    import shapely

    from geo import areas
    cur = areas.current_set(db, "commune")
    poly = areas.load_areas(db, cur.id, codes=[commune]).geometry.iloc[0]
    x0, y0, x1, y1 = poly.bounds
    cells = []
    for i in range(8):
        for j in range(5):
            box = shapely.box(x0 + i * (x1 - x0) / 8, y0 + j * (y1 - y0) / 5,
                              x0 + (i + 1) * (x1 - x0) / 8, y0 + (j + 1) * (y1 - y0) / 5)
            cells.append((f"{commune}N{i}{j}", f"Thôn mới {i}-{j}", shapely.intersection(box, poly)))
    return gpd.GeoDataFrame({"code": [c[0] for c in cells], "name": [c[1] for c in cells]},
                            geometry=[c[2] for c in cells], crs=4326)


def section_villages(path: Path | None = None) -> list[tuple[str, str, str]]:
    import geopandas as gpd
    import pandas as pd

    import bench_stats
    from geo import areas, store, submissions
    src = bench_stats.build_province(path or bench_stats.default_path())
    rows = []
    with tempfile.TemporaryDirectory() as d:
        a = _copy(src, Path(d) / "ours.db")
        db = store.open_db(a)
        commune = "X0505"
        new = forty_villages(db, commune)
        layer = areas.current_set(db, "village")
        n_rec = db.conn.execute("SELECT count(*) FROM record_areas WHERE set_id = ?", (layer.id,)).fetchone()[0]
        spans_before = db.conn.execute("SELECT count(*) FROM record_spans").fetchone()[0]
        t0 = time.perf_counter()
        check = submissions.check(db, new, commune)
        t_check = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = submissions.submit(db, new, commune)
        t_ours = time.perf_counter() - t0
        placed = db.conn.execute("SELECT count(*) FROM record_areas WHERE set_id = ?",
                                 (out["set_id"],)).fetchone()[0]
        spans_written = db.conn.execute("SELECT count(*) FROM record_spans").fetchone()[0] - spans_before
        # a second commune, the layer now of two versions (the steady state of months of uploads)
        second = forty_villages(db, "X0707")
        t0 = time.perf_counter()
        submissions.submit(db, second, "X0707")
        t_second = time.perf_counter() - t0
        db.conn.close()

        b = _copy(src, Path(d) / "naive.db")
        db = store.open_db(b)
        old = areas.load_areas(db, layer.id)
        whole = gpd.GeoDataFrame(pd.concat([old[old["parent_code"] != commune][["code", "name", "parent_code",
                                                                                "geometry"]],
                                            new.assign(parent_code=commune)], ignore_index=True), crs=4326)
        t0 = time.perf_counter()
        sid = areas.create_set(db, whole, name="naive", level="village", valid_from="2026-12-01",
                               parent_set_id=layer.parent_set_id, replaces_set_id=layer.id)
        t_naive = time.perf_counter() - t0
        naive_placed = db.conn.execute("SELECT count(*) FROM record_areas WHERE set_id = ?", (sid,)).fetchone()[0]
        db.conn.close()
    rows.append(("checks of a 40-village commune (whole shapes, codes)", f"{t_check:.2f} s",
                 f"{len(check.gdf)} villages, outside {check.outside_share:.2%}"))
    rows.append(("approve 40 villages of one commune, 2,000-village layer, 1 M incidents", f"{t_ours:.2f} s",
                 f"whole layer as a new set (create_set + place every record) {t_naive:.2f} s, "
                 f"{t_naive / t_ours:.0f}×"))
    rows.append(("approve a second commune's 40 villages (the layer's third version)", f"{t_second:.2f} s",
                 "only that commune's records placed again"))
    rows.append(("record placements in the new layer", f"{placed:,}",
                 f"naive {naive_placed:,}; old layer {n_rec:,}"))
    rows.append(("placement rows the approval added (the rest inherited from the old version)",
                 f"{spans_written:,}", f"naive {naive_placed:,} (a full copy per version)"))
    return rows


if __name__ == "__main__":
    print_table(section_villages())
