"""ANTT Atlas benchmarks: prints one table, ours beside the naive way, in the same run.

    .venv/bin/python bench/bench.py            # everything
    .venv/bin/python bench/bench.py demo maps  # some sections

Times are wall-clock on this machine; they are reported, never asserted in tests.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


from table import print_table  # noqa: E402  (bench/ is on sys.path when a script runs)

def timed(fn, *a, repeat=1, **kw):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        best = min(best, time.perf_counter() - t0)
    return best, out


def section_demo():
    """Demo build (the app builds it on first start) and the map page's figures on it."""
    from geo import demo, stats, store
    from geo.areas import current_set
    from geo.periods import preset
    rows = []
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "demo.db"
        secs, summary = timed(demo.build_demo, p)
        counts = summary.get("counts", {})
        rows.append(("demo build (python -m geo demo)", f"{secs:.1f} s",
                     ", ".join(f"{k} {v:,}" for k, v in counts.items() if isinstance(v, int))))
        db = store.open_db(p)
        vset = current_set(db, "village").id
        period = preset("last_28")
        cold, _ = timed(stats.area_stats, db, vset, period)
        warm, df = timed(stats.area_stats, db, vset, period, repeat=5)
        naive, _ = timed(_naive_counts, db, vset, period)
        rows.append((f"area_stats, {len(df):,} villages, cold (loads records)", f"{cold * 1000:.0f} ms", ""))
        rows.append(("area_stats warm (a filter change)", f"{warm * 1000:.0f} ms",
                     f"naive SQL join + group by: {naive * 1000:.0f} ms (incidents only)"))
    return rows


def _naive_counts(db, set_id, period):
    return db.conn.execute(
        "SELECT ra.code, count(*) FROM incidents i JOIN record_areas ra ON ra.kind = 'incident' "
        "AND ra.set_id = ? AND ra.record_id = i.id WHERE i.occurred_on BETWEEN ? AND ? GROUP BY ra.code",
        (set_id, str(period.start), str(period.end) + "~")).fetchall()


def section_maps():
    import bench_maps
    return bench_maps.bench_rows()


def section_records():
    import bench_records
    return bench_records.bench_rows()


def section_stats():
    import bench_stats
    return bench_stats.bench_rows()


def section_boundaries():
    import bench_boundaries
    return bench_boundaries.bench_rows()


def section_auth():
    import bench_auth
    return bench_auth.bench_rows()


SECTIONS = {"demo": section_demo, "maps": section_maps, "boundaries": section_boundaries,
            "records": section_records, "stats": section_stats, "auth": section_auth}


def main(argv):
    wanted = argv or list(SECTIONS)
    rows = []
    for name in wanted:
        try:
            rows += SECTIONS[name]()
        except ModuleNotFoundError as e:
            rows.append((name, "not available", str(e)))
    print_table(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
