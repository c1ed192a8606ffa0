"""Camera coverage, incidents in camera view, vùng trắng and the model-type mix,
on the hand-made database (tests/conftest.py: make_tiny) where every figure is known."""
import json
import math
import subprocess
import sys

import pytest
from pyproj import Geod

from geo import areas, assign, coverage, stats, store
from geo.periods import Period, parse_date

from conftest import ROOT

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))
DISC = math.pi * 50 ** 2            # one camera of radius 50 m
GEOD = Geod(ellps="WGS84")


def km2(db, set_id, code):
    return float(areas.area_table(db, set_id).set_index("code").loc[code, "area_km2"])


def east(lon, lat, metres):
    """The point ``metres`` east of (lon, lat) on the ellipsoid."""
    x, y, _ = GEOD.fwd(lon, lat, 90, metres)
    return x, y


def add(db, *, cameras=(), incidents=()):
    with store.transaction(db) as conn:
        conn.executemany("INSERT INTO cameras (id, lon, lat, installed_on, removed_on, radius_m) "
                         "VALUES (?,?,?,?,?,?)", cameras)
        conn.executemany("INSERT INTO incidents (id, occurred_on, category, lon, lat) VALUES (?,?,?,?,?)",
                         incidents)
        if cameras:
            assign.assign_records(db, "camera", [c[0] for c in cameras])
        if incidents:
            assign.assign_records(db, "incident", [i[0] for i in incidents])
        store.bump_revision(db)


# --- camera_area_pct ------------------------------------------------------------

def test_one_camera_on_the_last_day(tiny):
    """On 31 March only k1 is active (k2 removed that day, k3 installed later)."""
    db, sv, sc = tiny["db"], tiny["villages"], tiny["communes"]
    m2 = coverage.camera_area_m2(db, sv, "2026-03-31")
    assert m2["C00V0"] == pytest.approx(DISC, rel=0.002)      # a 64-gon: 0.16 % under the circle
    assert (m2.drop("C00V0") == 0).all()
    pct = coverage.camera_area_pct(db, sv, "2026-03-31")
    assert pct["C00V0"] == pytest.approx(100 * DISC / (km2(db, sv, "C00V0") * 1e6), rel=0.003)
    pct = coverage.camera_area_pct(db, sc, "2026-03-31")
    assert pct["C00"] == pytest.approx(100 * DISC / (km2(db, sc, "C00") * 1e6), rel=0.003)
    assert pct[["C01", "C10", "C11"]].tolist() == [0.0, 0.0, 0.0]


def test_active_cameras_follow_the_day(tiny):
    db, sc = tiny["db"], tiny["communes"]
    # 20 March: k1 and k2, 1.5 km apart → two whole discs
    assert coverage.camera_area_m2(db, sc, "2026-03-20")["C00"] == pytest.approx(2 * DISC, rel=0.002)
    # 5 April: k1, and k3 (installed 2 April) in C11
    m2 = coverage.camera_area_m2(db, sc, "2026-04-05")
    assert m2["C00"] == pytest.approx(DISC, rel=0.002) and m2["C11"] == pytest.approx(DISC, rel=0.002)
    # before any camera
    assert coverage.camera_area_m2(db, sc, "2023-12-31").sum() == 0
    # asking again gives the same (cached) answer
    assert coverage.camera_area_m2(db, sc, "2026-03-20")["C00"] == pytest.approx(2 * DISC, rel=0.002)


def test_overlapping_discs_count_once(tiny):
    """Two cameras 50 m apart, radius 50 m: union = 2πr² − lens, lens = 2r²·acos(d/2r) − (d/2)·√(4r² − d²)."""
    db, sv = tiny["db"], tiny["villages"]
    lon, lat = 106.07, 21.15                                   # inside C01V1
    add(db, cameras=[("o1", lon, lat, "2025-01-01", None, 50),
                     ("o2", *east(lon, lat, 50), "2025-01-01", None, 50)])
    r, d = 50.0, 50.0
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)   # 3,070.93 m²
    union = 2 * math.pi * r * r - lens                                                   # 12,637.03 m²
    assert coverage.camera_area_m2(db, sv, "2026-03-31")["C01V1"] == pytest.approx(union, rel=0.003)


def test_disc_across_a_border_is_split(tiny):
    """A camera on the border of two villages covers half a disc in each, a whole one in the commune."""
    db = tiny["db"]
    add(db, cameras=[("b1", 106.05, 21.05, "2025-01-01", None, 50)])
    v = coverage.camera_area_m2(db, tiny["villages"], "2026-03-31")
    assert v["C00V1"] == pytest.approx(DISC / 2, rel=0.003)
    assert v["C00V0"] == pytest.approx(DISC + DISC / 2, rel=0.003)     # k1 too
    c = coverage.camera_area_m2(db, tiny["communes"], "2026-03-31")
    assert c["C00"] == pytest.approx(2 * DISC, rel=0.003)


def test_area_stats_carries_camera_area_pct_rounded(tiny):
    db, sc = tiny["db"], tiny["communes"]
    df = stats.area_stats(db, sc, MARCH).set_index("code")
    lib = coverage.camera_area_pct(db, sc, MARCH.end)
    assert df["camera_area_pct"].tolist() == lib.reindex(df.index).round(2).tolist()
    assert df.loc["C01", "camera_area_pct"] == 0.0


# --- incidents in camera view ---------------------------------------------------

def test_in_view_pct_per_area(tiny):
    """March: i1 lies on k1 (in view); i2, i3, i9 have no camera near; i6 has no point."""
    db = tiny["db"]
    r = stats.area_stats(db, tiny["communes"], MARCH).set_index("code")["incidents_in_camera_view_pct"]
    assert r["C00"] == 50.0 and r["C10"] == 0.0 and r["C11"] == 0.0
    assert math.isnan(r["C01"])                  # no incident with a point: null, not 0
    v = stats.area_stats(db, tiny["villages"], MARCH).set_index("code")["incidents_in_camera_view_pct"]
    assert v["C00V0"] == 100.0 and v["C00V1"] == 0.0 and math.isnan(v["C11V0"])
    # the category filter applies: only i1 and i3 are hinh_su
    c = stats.area_stats(db, tiny["communes"], MARCH, categories=["hinh_su"]).set_index("code")
    assert c.loc["C00", "incidents_in_camera_view_pct"] == 100.0
    assert math.isnan(c.loc["C11", "incidents_in_camera_view_pct"])


def test_in_view_uses_the_camera_state_on_the_incident_date(tiny):
    db = tiny["db"]
    k1 = (106.02, 21.02)
    add(db, incidents=[
        ("v1", "2026-03-20", "hinh_su", 106.03, 21.03),    # k2 still installed → seen
        ("v2", "2026-03-31", "hinh_su", 106.03, 21.03),    # k2 removed that day → not seen
        ("v3", "2026-04-01", "hinh_su", 106.12, 21.12),    # k3 installed the next day → not seen
        ("v4", "2026-04-02", "hinh_su", 106.12, 21.12),    # k3's first day → seen
        ("v5", "2026-03-05", "hinh_su", *east(*k1, 49)),   # 49 m from k1 → seen
        ("v6", "2026-03-05", "hinh_su", *east(*k1, 51)),   # 51 m → not seen
    ])
    t = stats.record_tables(db)
    seen = coverage.in_view(db)
    got = {i: bool(seen[t.inc_ids.get_loc(i)]) for i in ("v1", "v2", "v3", "v4", "v5", "v6", "i1", "i6")}
    assert got == {"v1": True, "v2": False, "v3": False, "v4": True, "v5": True, "v6": False,
                   "i1": True, "i6": False}
    counts = coverage.in_view_counts(db, tiny["villages"], MARCH)
    # C00V0 in March: i1, v1, v2, v5, v6 with points, of which i1, v1, v5 in view
    assert counts.loc["C00V0"].tolist() == [5, 3]
    assert coverage.in_view_pct(db, tiny["villages"], MARCH)["C00V0"] == pytest.approx(60.0)


def test_cli_prints_the_two_camera_fields(tiny):
    p = subprocess.run([sys.executable, "-m", "geo", "stats", "--db", str(tiny["path"]), "--level", "commune",
                        "--from", "2026-03-01", "--to", "2026-03-31"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    rows = {r["code"]: r for r in json.loads(p.stdout)}
    assert [rows[c]["incidents_in_camera_view_pct"] for c in ("C00", "C01", "C10", "C11")] == [50.0, None, 0.0, 0.0]
    lib = stats.area_stats(tiny["db"], tiny["communes"], MARCH).set_index("code")["camera_area_pct"]
    assert [rows[c]["camera_area_pct"] for c in ("C00", "C01", "C10", "C11")] == lib.tolist()
    assert rows["C01"]["camera_area_pct"] == 0.0


def test_cli_csv_has_the_camera_fields(tiny):
    p = subprocess.run([sys.executable, "-m", "geo", "stats", "--db", str(tiny["path"]), "--level", "village",
                        "--area", "C00", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    header, v0, v1 = p.stdout.strip().splitlines()
    assert header.endswith("camera_area_pct,incidents_in_camera_view_pct,placed")
    assert v0.startswith("C00V0,") and v0.endswith(",100.0,True") and v1.endswith(",0.0,True")


def test_metric_crs_is_equal_area_and_local(tiny):
    crs = coverage.metric_crs(tiny["db"])
    assert "+proj=laea" in crs and "+lat_0=21.1" in crs and "+lon_0=106.1" in crs
    x, y = coverage.to_metric(crs, [106.1, *east(106.1, 21.1, 1000)[:1]], [21.1, 21.1])
    assert x[1] - x[0] == pytest.approx(1000, abs=0.01)


# --- vùng trắng and model mix ------------------------------------------------------

def test_vung_trang(tiny):
    """On 31 March: g1 covers C00V0, g3 (founded that day) C10V0, g5 (unknown type) C01V0;
    g2 was dissolved, g4 not yet founded."""
    db = tiny["db"]
    vt = coverage.vung_trang(db, tiny["communes"], "2026-03-31")
    assert vt["code"].tolist() == ["C00V1", "C01V1", "C10V1", "C11V0", "C11V1"]
    assert vt["area_code"].tolist() == ["C00", "C01", "C10", "C11", "C11"]
    assert vt.loc[0, "area_name"] == "Xã 00" and vt.loc[0, "population"] == 1000
    assert coverage.vung_trang(db, tiny["communes"], "2026-03-31", area="C11")["code"].tolist() == ["C11V0", "C11V1"]
    # one day later g4 covers C11V1
    assert "C11V1" not in set(coverage.vung_trang(db, tiny["villages"], "2026-04-01")["code"])
    # the model-type filter does not apply: a village with a group of any type is covered
    r = stats.area_stats(db, tiny["communes"], MARCH, model_types=["to_tu_quan_antt"]).set_index("code")
    assert r.loc["C01", "villages_covered"] == 0 and "C01V0" not in set(vt["code"])


def test_vung_trang_on_the_old_communes(tiny):
    """The pre-reform communes have no village set of their own: villages map through the crosswalk."""
    vt = coverage.vung_trang(tiny["db"], tiny["old"], "2026-03-31")
    assert vt["code"].tolist() == ["C00V1", "C01V1", "C10V1", "C11V0", "C11V1"]
    assert vt["area_code"].tolist() == ["OC00V1", "OC01V1", "OC10V1", "OC11V0", "OC11V1"]


def test_model_mix(tiny):
    db = tiny["db"]
    mix = coverage.model_mix(db, tiny["communes"], "2026-03-31").set_index("code")
    assert mix.loc["C00", "to_tu_quan_antt"] == 1 and mix.loc["C10", "doi_dan_phong_pccc"] == 1
    assert mix.loc["C01", "khac"] == 1
    assert mix["total"].tolist() == [1, 1, 1, 0]
    assert mix["total"].tolist() == stats.area_stats(db, tiny["communes"], MARCH)["groups_active"].tolist()
    later = coverage.model_mix(db, tiny["communes"], "2026-04-01", area="C11", measure="villages")
    assert later["code"].tolist() == ["C11"] and later.loc[0, "to_tu_quan_antt"] == 1 and later.loc[0, "total"] == 1
    with pytest.raises(ValueError):
        coverage.model_mix(db, tiny["communes"], "2026-04-01", measure="members")


# --- on the demo province ------------------------------------------------------------

def test_demo_camera_area_cache_equals_a_fresh_computation(demo_path):
    """Moving the last day reuses the areas whose cameras did not change; the answer is the
    one a fresh computation (one union of every active disc, then ∩ areas) gives."""
    import numpy as np
    import shapely
    db = store.open_db(demo_path, create=False)
    sid = areas.current_set(db, "commune").id
    for day in ("2026-11-20", "2026-10-01", "2024-01-31"):
        got = coverage.camera_area_m2(db, sid, day)
        t = stats.record_tables(db)
        cams = coverage._cameras(db, t)
        sc = coverage._set_cover(db, t, sid)
        union = shapely.union_all(cams.discs[cams.active(stats.day_number(day))])
        want = shapely.area(shapely.intersection(sc.geoms, union))
        assert np.allclose(got.to_numpy(), want, rtol=1e-9, atol=1e-6)
    pct = coverage.camera_area_pct(db, sid, "2026-11-20")
    assert ((pct >= 0) & (pct <= 100)).all() and pct.max() > 0


def test_demo_in_view_against_brute_force(demo_path):
    import numpy as np
    db = store.open_db(demo_path, create=False)
    t = stats.record_tables(db)
    sid = areas.current_set(db, "village").id
    month = coverage.in_view_counts(db, sid, Period(parse_date("2026-01-01"), parse_date("2026-01-31")))
    seen = coverage.in_view(db)            # the rest, worked out after one month was
    assert month["in_view"].sum() == (seen & (t.inc_day >= stats.day_number("2026-01-01"))
                                      & (t.inc_day <= stats.day_number("2026-01-31"))
                                      & (t.incident_areas(db, sid)[1] >= 0)).sum()
    cams = coverage._cameras(db, t)
    rng = np.random.default_rng(1)
    pts = np.nonzero(t.inc_has_point)[0]
    sample = np.concatenate([rng.choice(pts, 150, replace=False), rng.choice(np.nonzero(seen)[0], 50)])
    x, y = coverage.to_metric(cams.crs, t.inc_lon[sample], t.inc_lat[sample])
    for k, i in enumerate(sample):
        d2 = (cams.x - x[k]) ** 2 + (cams.y - y[k]) ** 2
        act = cams.ok & stats.active_mask(cams.start, cams.stop, int(t.inc_day[i]))
        assert bool(seen[i]) == bool((act & (d2 <= cams.r ** 2)).any())
    assert not seen[~t.inc_has_point].any()
