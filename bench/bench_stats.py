"""Figures at province scale: ``geo.stats.area_stats`` and the analytics beside the naive way.

    .venv/bin/python bench/bench_stats.py

Builds (once, then reuses) a synthetic province of the size the issue names —
2,000 villages in 100 communes (plus 300 pre-reform communes), 1,000,000
incidents (2019 → 2026, 15 % known only by an area code), 20,000 cameras and
3,000 groups — in ``$ANTT_BENCH_DB`` or the temp directory, and times every
figure warm (a filter change) and cold (first call after a data change).
Times are wall-clock on this machine; they are reported, never asserted.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_VERSION = 1
N_INCIDENTS = 1_000_000
N_CAMERAS = 20_000
N_GROUPS = 3_000
COMMUNES = (10, 10)          # columns × rows of current communes
VILLAGES = (5, 4)            # villages per commune: columns × rows → 2,000
OLD_COMMUNES = (20, 15)      # pre-reform communes (do not nest in the new ones)
X0, Y0, W, H = 105.0, 20.5, 1.6, 1.2
FIRST, LAST = dt.date(2019, 1, 1), dt.date(2026, 11, 20)


from table import print_table  # noqa: E402  (bench/ is on sys.path when a script runs)

def default_path() -> Path:
    env = os.environ.get("ANTT_BENCH_DB")
    if env:
        return Path(env)
    from geo import schema     # a file of another schema version is never opened (nor migrated)
    return Path(tempfile.gettempdir()) / f"antt_bench_province_v{BENCH_VERSION}_s{schema.SCHEMA_VERSION}.db"


def _grid(nx, ny, x0, y0, w, h, segment):
    import shapely
    cells = []
    for i in range(nx):
        for j in range(ny):
            box = shapely.box(x0 + i * w / nx, y0 + j * h / ny, x0 + (i + 1) * w / nx, y0 + (j + 1) * h / ny)
            cells.append((i, j, shapely.segmentize(box, segment)))
    return cells


def build_province(path: Path, seed: int = 11) -> Path:
    """The synthetic province database (built once; a complete file is reused)."""
    import geopandas as gpd
    import shapely

    from geo import areas, assign, store, vocab
    path = Path(path)
    if path.exists():
        db = store.open_db(path)
        if store.get_meta(db, "bench_complete") == str(BENCH_VERSION):
            db.conn.close()
            return path
        db.conn.close()
        path.unlink()
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    db = store.open_db(path)
    seg = 0.0005   # ~50 m between vertices: polygons of realistic vertex counts
    prov = gpd.GeoDataFrame({"code": ["P"], "name": ["Tỉnh Bench"], "unit_type": ["tinh"]},
                            geometry=[shapely.box(X0, Y0, X0 + W, Y0 + H)], crs=4326)
    communes, villages = [], []
    cw, ch = W / COMMUNES[0], H / COMMUNES[1]
    for i, j, g in _grid(*COMMUNES, X0, Y0, W, H, seg):
        code = f"X{i:02d}{j:02d}"
        communes.append({"code": code, "name": f"Xã {i}-{j}", "unit_type": "xa", "parent_code": "P",
                         "geometry": g})
        for a, b, vg in _grid(*VILLAGES, X0 + i * cw, Y0 + j * ch, cw, ch, seg):
            villages.append({"code": f"{code}T{a}{b}", "name": f"Thôn {i}-{j}-{a}{b}", "unit_type": "thon",
                             "parent_code": code, "geometry": vg,
                             "population": int(rng.integers(300, 6000))})
    old = [{"code": f"O{i:02d}{j:02d}", "name": f"Xã cũ {i}-{j}", "unit_type": "xa", "parent_code": "P",
            "geometry": g} for i, j, g in _grid(*OLD_COMMUNES, X0, Y0, W, H, seg)]
    sp = areas.create_set(db, prov, name="Tỉnh", level="province", valid_from="2019-01-01", assign_records=False)
    so = areas.create_set(db, gpd.GeoDataFrame(old, crs=4326), name="Xã cũ", level="commune",
                          valid_from="2019-01-01", valid_to="2025-06-30", parent_set_id=sp, assign_records=False)
    sc = areas.create_set(db, gpd.GeoDataFrame(communes, crs=4326), name="Xã mới", level="commune",
                          valid_from="2025-07-01", parent_set_id=sp, replaces_set_id=so, assign_records=False)
    sv = areas.create_set(db, gpd.GeoDataFrame(villages, crs=4326), name="Thôn", level="village",
                          valid_from="2025-07-01", parent_set_id=sc, assign_records=False)

    vcodes = np.array([v["code"] for v in villages])
    vcent = np.array([[v["geometry"].centroid.x, v["geometry"].centroid.y] for v in villages])
    # activity is concentrated in some villages (towns)
    weight = rng.pareto(1.5, len(villages)) + 0.2
    weight /= weight.sum()
    span = (LAST - FIRST).days + 1

    def dates(n, lo=0):
        return [(FIRST + dt.timedelta(days=int(d))).isoformat() for d in rng.integers(lo, span, n)]

    # incidents: 85 % with a point near a village centre, 15 % with a commune code only
    n = N_INCIDENTS
    vi = rng.choice(len(villages), n, p=weight)
    lon = vcent[vi, 0] + rng.normal(0, 0.004, n)
    lat = vcent[vi, 1] + rng.normal(0, 0.004, n)
    coded = rng.random(n) < 0.15
    cats = np.array(vocab.CATEGORIES.codes)[rng.integers(0, len(vocab.CATEGORIES), n)]
    days = rng.integers(0, span, n)
    day_s = np.array([(FIRST + dt.timedelta(days=int(d))).isoformat() for d in range(span)])[days]
    old_codes = np.array([o["code"] for o in old])
    commune_of = np.array([c[:5] for c in vcodes])
    reform = (dt.date(2025, 7, 1) - FIRST).days
    area_code = np.where(days < reform, old_codes[rng.integers(0, len(old_codes), n)], commune_of[vi])
    area_set = np.where(days < reform, so, sc)
    rows = [(f"i{k}", day_s[k], cats[k],
             None if coded[k] else float(lon[k]), None if coded[k] else float(lat[k]),
             str(area_code[k]) if coded[k] else None, int(area_set[k]) if coded[k] else None)
            for k in range(n)]
    # cameras: around busy villages, radius 30–100 m, 10 % removed later
    ci = rng.choice(len(villages), N_CAMERAS, p=weight)
    inst = rng.integers(0, span - 30, N_CAMERAS)
    removed = rng.random(N_CAMERAS) < 0.1
    rem = inst + rng.integers(30, span, N_CAMERAS)
    cams = [(f"k{k}", float(vcent[ci[k], 0] + rng.normal(0, 0.003)), float(vcent[ci[k], 1] + rng.normal(0, 0.003)),
             (FIRST + dt.timedelta(days=int(inst[k]))).isoformat(),
             (FIRST + dt.timedelta(days=int(rem[k]))).isoformat() if removed[k] and rem[k] < span else None,
             float(rng.choice([30, 50, 50, 80, 100])))
            for k in range(N_CAMERAS)]
    # groups: 3,000 in ~60 % of the villages
    gv = rng.choice(len(villages), N_GROUPS, p=0.5 * weight + 0.5 / len(villages))
    found = rng.integers(-400, span - 10, N_GROUPS)
    diss = found + rng.integers(60, 3000, N_GROUPS)
    mtypes = np.array(vocab.MODEL_TYPES.codes)[rng.integers(0, len(vocab.MODEL_TYPES), N_GROUPS)]
    groups = [(f"g{k}", f"Tổ {k}", str(mtypes[k]), str(vcodes[gv[k]]),
               (FIRST + dt.timedelta(days=int(found[k]))).isoformat(),
               (FIRST + dt.timedelta(days=int(diss[k]))).isoformat() if rng.random() < 0.15 and diss[k] < span else None)
              for k in range(N_GROUPS)]
    with store.transaction(db) as conn:
        conn.executemany("INSERT INTO incidents (id, occurred_on, category, lon, lat, area_code, area_set_id) "
                         "VALUES (?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO cameras (id, lon, lat, installed_on, removed_on, radius_m) "
                         "VALUES (?,?,?,?,?,?)", cams)
        conn.executemany("INSERT INTO groups (id, name, model_type, village_code, founded_on, dissolved_on) "
                         "VALUES (?,?,?,?,?,?)", groups)
        for s in (sp, so, sc, sv):
            assign.assign_set(db, s)
        store.bump_revision(db)
        store.set_meta(db, "bench_complete", str(BENCH_VERSION))
    db.conn.execute("ANALYZE")
    db.conn.close()
    return path


# --- measures -----------------------------------------------------------------------

def timed(fn, *a, repeat=1, **kw):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        best = min(best, time.perf_counter() - t0)
    return best, out


def ms(secs: float) -> str:
    return f"{secs * 1000:,.0f} ms" if secs < 10 else f"{secs:,.1f} s"


def naive_area_stats(db, set_id, period, categories=None):
    """The same counts straight from SQLite: incidents per area for the three periods
    (join on record_areas, GROUP BY), active groups and cameras per area."""
    cat = ""
    args_cat: list = []
    if categories:
        cat = f" AND i.category IN ({','.join('?' * len(categories))})"
        args_cat = list(categories)
    out = {}
    for name, p in (("cur", period), ("prev", period.previous()), ("ly", period.last_year())):
        out[name] = db.conn.execute(
            "SELECT ra.code, count(*) FROM incidents i JOIN record_areas ra ON ra.kind = 'incident' "
            "AND ra.set_id = ? AND ra.record_id = i.id WHERE i.deleted_at IS NULL "
            f"AND i.occurred_on BETWEEN ? AND ?{cat} GROUP BY ra.code",
            (set_id, str(p.start), str(p.end) + "~", *args_cat)).fetchall()
    end = str(period.end)
    out["groups"] = db.conn.execute(
        "SELECT ra.code, count(*) FROM groups g JOIN record_areas ra ON ra.kind = 'group' AND ra.set_id = ? "
        "AND ra.record_id = g.id WHERE g.deleted_at IS NULL AND g.founded_on <= ? "
        "AND (g.dissolved_on IS NULL OR g.dissolved_on > ?) GROUP BY ra.code", (set_id, end, end)).fetchall()
    out["cameras"] = db.conn.execute(
        "SELECT ra.code, count(*) FROM cameras c JOIN record_areas ra ON ra.kind = 'camera' AND ra.set_id = ? "
        "AND ra.record_id = c.id WHERE c.deleted_at IS NULL AND c.installed_on <= ? "
        "AND (c.removed_on IS NULL OR c.removed_on > ?) GROUP BY ra.code", (set_id, end, end)).fetchall()
    return out


def naive_camera_area(db, set_id, day):
    """Camera area the plain way: one union of every active disc (GEOS), then its parts ∩ each area."""
    import shapely

    from geo import areas, coverage, stats
    t = stats.record_tables(db)
    c = t.cameras
    crs = coverage.metric_crs(db)
    m = stats.active_mask(c["start"].to_numpy(), c["stop"].to_numpy(), stats.day_number(day)) & c["lon"].notna().to_numpy()
    x, y = coverage.to_metric(crs, c["lon"].to_numpy()[m], c["lat"].to_numpy()[m])
    union = shapely.union_all(shapely.buffer(shapely.points(x, y), c["radius_m"].to_numpy()[m],
                                             quad_segs=coverage.QUAD_SEGS))
    geoms = coverage.project_geoms(crs, areas.load_areas(db, set_id).geometry.values)
    parts = shapely.get_parts(union)
    ai, pi = shapely.STRtree(parts).query(geoms, predicate="intersects")
    covered = np.bincount(ai, weights=shapely.area(shapely.intersection(geoms[ai], parts[pi])), minlength=len(geoms))
    return covered / shapely.area(geoms) * 100


def naive_monthly(db, set_id, start, end):
    return db.conn.execute(
        "SELECT substr(i.occurred_on, 1, 7) AS m, i.category, count(*) FROM incidents i JOIN record_areas ra "
        "ON ra.kind = 'incident' AND ra.set_id = ? AND ra.record_id = i.id WHERE i.deleted_at IS NULL "
        "AND i.occurred_on BETWEEN ? AND ? GROUP BY m, i.category", (set_id, str(start), str(end) + "~")).fetchall()


def bench_rows(path: Path | None = None) -> list[tuple[str, str, str]]:
    from geo import areas, compstat, coverage, hotspots, stats, store, trends
    from geo.periods import Period, preset
    rows: list[tuple[str, str, str]] = []
    path = path or default_path()
    fresh = not path.exists()
    secs, _ = timed(build_province, path)
    if fresh:
        rows.append(("build synthetic province DB (once, reused)", ms(secs), str(path)))
    db = store.open_db(path)
    n_inc = db.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    vset = areas.current_set(db, "village").id
    cset = areas.current_set(db, "commune").id
    oset = [s for s in areas.list_sets(db, "commune") if not s.current][0].id
    scale = (f"{n_inc:,} incidents, {db.conn.execute('SELECT count(*) FROM cameras').fetchone()[0]:,} cameras, "
             f"{db.conn.execute('SELECT count(*) FROM groups').fetchone()[0]:,} groups, "
             f"{areas.get_set(db, vset).areas:,} villages")
    rows.append(("province scale", "", scale))
    today = LAST
    p28 = preset("last_28", today)

    secs, t = timed(stats.record_tables, db)
    rows.append(("load records into memory (once per data revision)", ms(secs), "SQLite → numpy"))
    secs, _ = timed(t.incident_areas, db, vset)
    rows.append(("incidents' villages from record_areas (once per set)", ms(secs), ""))
    secs, _ = timed(coverage._cameras, db, t)
    rows.append(("camera discs in the metric CRS (once per revision)", ms(secs), ""))
    secs, _ = timed(coverage.in_view_counts, db, vset, p28)
    rows.append(("incidents in camera view, last 28 days, first ask", ms(secs),
                 "STRtree dwithin + camera active on the incident's date; remembered"))
    secs, _ = timed(coverage.in_view, db)
    rows.append(("incidents in camera view, all the rest (every period asked)", ms(secs), "once per revision"))
    secs, _ = timed(stats.area_stats, db, vset, p28)
    rows.append(("area_stats villages, first call (record areas, camera discs)", ms(secs), ""))

    cases = [
        ("villages, last 28 days", vset, p28, {}),
        ("villages, 2 categories", vset, p28, {"categories": ["hinh_su", "ma_tuy"]}),
        ("villages, 1 model type", vset, p28, {"model_types": ["to_tu_quan_antt"]}),
        ("villages, YTD", vset, preset("ytd", today), {}),
        ("communes, last 28 days", cset, p28, {}),
        ("communes, quarter, area = 1 commune", cset, preset("last_quarter", today), {"area": "X0505"}),
        ("old communes (pre-reform), 2024", oset, Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), {}),
    ]
    for label, sid, per, kw in cases:
        stats.area_stats(db, sid, per, **kw)        # loads that set / day once
        warm, _ = timed(stats.area_stats, db, sid, per, repeat=5, **kw)
        nv, _ = timed(naive_area_stats, db, sid, per, kw.get("categories"))
        note = f"naive SQLite GROUP BY joins (counts only): {ms(nv)}"
        rows.append((f"area_stats warm: {label}", ms(warm), note))

    # camera area for a new last day: only areas whose cameras changed are recomputed
    for label, day in (("a week earlier", today - dt.timedelta(days=7)),
                       ("a year earlier", today - dt.timedelta(days=365)),
                       ("2021-03-31 (most areas change)", dt.date(2021, 3, 31))):
        secs, _ = timed(coverage.camera_area_pct, db, vset, day)
        rows.append((f"camera_area_pct villages, new last day: {label}", ms(secs), ""))
    for label, sid in (("villages", vset), ("communes", cset)):
        day = dt.date(2025, 5, 31) if sid == vset else dt.date(2025, 6, 30)
        naive_cam, _ = timed(naive_camera_area, db, sid, day)
        secs, _ = timed(coverage.camera_area_pct, db, sid, day)
        rows.append((f"camera_area_pct {label}, a day never asked", ms(secs),
                     f"one union of all discs, then ∩ areas: {ms(naive_cam)}"))

    for label, kw in (("monthly 2019→today by category, province", {"by": "category"}),
                      ("weekly 2019→today, 5 communes compared",
                       {"by": "area", "freq": "week", "areas": ["X0000", "X0101", "X0202", "X0303", "X0404"]})):
        trends.incident_series(db, cset, FIRST, today, **kw)
        secs, _ = timed(trends.incident_series, db, cset, FIRST, today, repeat=5, **kw)
        note = ""
        if kw["by"] == "category":
            nm, _ = timed(naive_monthly, db, cset, FIRST, today)
            note = f"naive SQLite GROUP BY month, category: {ms(nm)}"
        rows.append((f"trend: {label}", ms(secs), note))
    secs, _ = timed(trends.programme_series, db, cset, FIRST, today, freq="week")
    rows.append(("trend: groups, cameras, villages covered weekly 2019→today", ms(secs), ""))

    hotspots._weights_cache.clear()
    secs, _ = timed(hotspots.hot_spots, db, vset, p28)
    rows.append(("Gi* hot spots, 2,000 villages, first (Queen weights)", ms(secs), "esda + libpysal"))
    secs, _ = timed(hotspots.hot_spots, db, vset, p28, repeat=3)
    rows.append(("Gi* hot spots, 2,000 villages, warm", ms(secs), ""))
    secs, _ = timed(compstat.compstat, db, cset, p28, repeat=5)
    rows.append(("CompStat table, communes, warm", ms(secs), ""))
    secs, _ = timed(coverage.vung_trang, db, cset, today, repeat=3)
    rows.append(("vùng trắng list, province", ms(secs), ""))
    db.conn.close()
    return rows


def main() -> None:
    print_table(bench_rows())


if __name__ == "__main__":
    main()
