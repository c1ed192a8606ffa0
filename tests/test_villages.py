"""The village layer from the communes (issue 10): checks, submissions, review, one
province layer, scope never from village geometry, records re-placed per commune."""
from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import threading

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import areas, assign, audit, auth, hotspots, records, scope, stats, store, submissions, trends
from geo.boundaries import BoundaryError
from geo.boundaries import versions as bv
from geo.periods import Period

from conftest import ROOT, closed, fresh_copy

X0, Y0, D = 106.0, 21.0, 0.1
PW = "matkhau-an-toan"
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def dump(db) -> str:
    return "\n".join(db.conn.iterdump())


def vill(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=4326)


def c00_villages(prefix="T", x0=X0, y0=Y0):
    return vill([(f"{prefix}1", "Thôn Một", shapely.box(x0, y0, x0 + D / 2, y0 + D)),
                 (f"{prefix}2", "Thôn Hai", shapely.box(x0 + D / 2, y0, x0 + D, y0 + D))])


@pytest.fixture(scope="module")
def officers_template(tiny_template, tmp_path_factory):
    """The tiny database with three commune officers and a viewer, made once for the module
    (four Argon2 hashes are seconds on a loaded machine)."""
    t = fresh_copy(tiny_template, tmp_path_factory.mktemp("officers"))
    for name, area in (("xa00", "C00"), ("xa10", "C10"), ("xa01", "C01")):
        auth.create_user(t["db"], name, PW, "officer", area)
    auth.create_user(t["db"], "lanhdao", PW, "viewer")
    return closed(t)


@pytest.fixture
def officers(officers_template, tmp_path):
    """A fresh copy, per test, of the tiny database with the officers."""
    return fresh_copy(officers_template, tmp_path)


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, input=stdin, timeout=300)


# --------------------------------------------------------------------------- #
# The attacks of the issue
# --------------------------------------------------------------------------- #
def test_an_oversized_village_is_refused_and_widens_no_scope(officers):
    db = officers["db"]
    before_rows = len(records.list_records(db, "incidents", user="xa00"))
    before = dump(db)
    box = vill([("T9", "Thôn To", shapely.box(X0 + 0.01, Y0 + 0.01, X0 + 1.01, Y0 + 1.01))])  # inner point in C00
    with pytest.raises(BoundaryError) as e:
        submissions.submit(db, box, "C00", user="xa00")
    msg = str(e.value)
    assert "T9" in msg and "ngoài xã" in msg and "\n" not in msg
    assert dump(db) == before
    assert len(records.list_records(db, "incidents", user="xa00")) == before_rows


def test_scope_never_comes_from_village_geometry(officers):
    """Even a village set holding a province-sized polygon coded like the officer's commune
    (and one coded like the neighbour's) changes nobody's scope."""
    db = officers["db"]
    mine = set(records.list_records(db, "incidents", user="xa00")["id"])
    theirs = set(records.list_records(db, "incidents", user="xa10")["id"])
    assert mine and theirs and not (mine & theirs)
    huge = gpd.GeoDataFrame({"code": ["C00", "C10"], "name": ["To", "Cướp"], "parent_code": ["C00", "C00"]},
                            geometry=[shapely.box(105, 20, 108, 23), shapely.box(X0, Y0, X0 + D, Y0 + D)], crs=4326)
    areas.create_set(db, huge, name="Độc", level="village", valid_from="2026-01-01",
                     parent_set_id=officers["communes"])
    assert set(records.list_records(db, "incidents", user="xa00")["id"]) == mine
    assert set(records.list_records(db, "incidents", user="xa10")["id"]) == theirs
    sc = scope.resolve(db, "xa00")
    assert sc.communes == ("C00",) and sc.commune_set_id == officers["communes"]
    # and an officer still cannot write outside their commune
    with pytest.raises(auth.PermissionDenied):
        records.add_record(db, "incidents", {"id": "x1", "occurred_on": "2026-03-01", "category": "hinh_su",
                                             "lon": 106.15, "lat": 21.05}, user="xa00")


def test_a_commune_code_as_village_code_is_refused(officers):
    db = officers["db"]
    before = dump(db)
    with pytest.raises(BoundaryError, match="C10.*mã của một xã"):
        submissions.submit(db, c00_villages().assign(code=["C10", "T2"]), "C00", user="xa00")
    assert dump(db) == before


def test_another_communes_village_code_is_refused(officers):
    db = officers["db"]
    before = dump(db)
    with pytest.raises(BoundaryError, match="C10V0.*xã C10"):
        submissions.submit(db, c00_villages().assign(code=["C10V0", "T2"]), "C00", user="xa00")
    assert dump(db) == before
    # and the neighbour's officer keeps their records
    assert scope.resolve(db, "xa10").codes(db, officers["villages"]) == {"C10V0", "C10V1"}


def test_an_officer_naming_another_commune_is_refused(officers):
    db = officers["db"]
    before = dump(db)
    with pytest.raises(auth.PermissionDenied, match="C10"):
        submissions.submit(db, c00_villages(x0=X0 + D), "C10", user="xa00")
    assert dump(db) == before


def test_an_officer_whole_province_file_is_refused(officers):
    from test_boundaries_commit import prepared
    db = officers["db"]
    before = dump(db)
    p = prepared([("T1", "Thôn Một", shapely.box(X0, Y0, X0 + D / 2, Y0 + D), "C00"),
                  ("T5", "Thôn Năm", shapely.box(X0 + D, Y0, X0 + 2 * D, Y0 + D), "C10")], level="village")
    with pytest.raises(auth.PermissionDenied):
        bv.commit(db, p, valid_from="2026-01-01", imported_by="xa00")
    assert dump(db) == before


def test_a_file_naming_another_parent_is_refused(officers):
    db = officers["db"]
    g = c00_villages()
    g["parent_code"], g["parent_method"] = ["C00", "C10"], ["code", "code"]
    with pytest.raises(BoundaryError, match="T2.*C10"):
        submissions.submit(db, g, "C00", user="xa00")


@pytest.mark.parametrize("gdf, words", [
    (vill([]), ["không có thôn"]),
    (vill([("T1", "Một", shapely.box(X0, Y0, X0 + D / 2, Y0 + D)),
           ("T1", "Hai", shapely.box(X0 + D / 2, Y0, X0 + D, Y0 + D))]), ["T1", "trùng"]),
    (vill([("T1", "Một", shapely.box(X0, Y0, X0 + D / 2, Y0 + D)), ("T2", "Rỗng", shapely.Polygon())]),
     ["T2", "rỗng"]),
    (vill([("T1", "Một", shapely.box(X0, Y0, X0 + D / 2, Y0 + D)),
           ("T2", "Lệch", shapely.box(X0 + D / 2, Y0, X0 + D + 0.002, Y0 + D))]), ["T2", "ngoài xã"]),
])
def test_bad_files_are_refused_in_vietnamese_naming_the_villages(officers, gdf, words):
    db = officers["db"]
    before = dump(db)
    with pytest.raises(BoundaryError) as e:
        submissions.submit(db, gdf, "C00", user="xa00")
    for w in words:
        assert w in str(e.value)
    assert dump(db) == before


def test_a_small_sliver_is_clipped_with_a_warning_and_gaps_and_overlaps_reported(officers):
    db = officers["db"]
    g = vill([("T1", "Một", shapely.box(X0, Y0, X0 + D / 2 + 0.005, Y0 + D)),          # overlaps T2
              ("T2", "Hai", shapely.box(X0 + D / 2, Y0, X0 + D + 0.0002, Y0 + 0.8 * D))])  # ~20 m out; gap above
    out = submissions.submit(db, g, "C00", user="xa00", dry_run=True)
    assert out["status"] == "dry_run" and out["submission_id"] is None
    assert any("T2" in w and "cắt bỏ" in w for w in out["warnings"])
    assert 0 < out["outside_share"] < 0.01
    assert out["uncovered_share"] == pytest.approx(0.09, abs=0.005)   # 0.045 × 0.02 of 0.1 × 0.1
    assert out["overlaps"] and out["overlaps"][0]["codes"] == ["T1", "T2"]
    res = submissions.check(db, g, "C00", user="xa00")
    poly = shapely.box(X0, Y0, X0 + D, Y0 + D)
    assert all(poly.buffer(1e-9).contains(x) for x in res.gdf.geometry)     # clipped to C00
    assert res.uncovered_geom is not None and len(res.overlap_geoms) == 1 and len(res.outside_geoms) == 1


# --------------------------------------------------------------------------- #
# Review
# --------------------------------------------------------------------------- #
def test_pending_submission_is_invisible_until_approved(officers):
    db = officers["db"]
    before_sets = [(s.id, s.valid_to, s.areas) for s in areas.list_sets(db)]
    before_areas = db.conn.execute("SELECT count(*) FROM areas").fetchone()[0]
    out = submissions.submit(db, c00_villages(), "C00", user="xa00")
    assert out["status"] == "pending" and out["set_id"] is None
    assert [(s.id, s.valid_to, s.areas) for s in areas.list_sets(db)] == before_sets
    assert db.conn.execute("SELECT count(*) FROM areas").fetchone()[0] == before_areas
    assert areas.current_set(db, "village").id == officers["villages"]
    st = submissions.village_status(db).set_index("code")
    assert st.loc["C00", "status"] == "pending" and st.loc["C00", "uploaded_by"] == "xa00"
    assert st.loc["C00", "villages"] == 2   # still the approved ones


def test_a_second_upload_replaces_the_pending_one(officers):
    db = officers["db"]
    first = submissions.submit(db, c00_villages(), "C00", user="xa00")
    second = submissions.submit(db, c00_villages("N"), "C00", user="xa00")
    assert second["replaced_pending"] == first["submission_id"]
    mine = {s["id"]: s for s in submissions.list_submissions(db, user="xa00")}
    assert mine[first["submission_id"]]["status"] == "superseded"
    assert mine[second["submission_id"]]["status"] == "pending"
    assert len(submissions.list_submissions(db, status="pending")) == 1


def test_approve_makes_one_new_layer_version_and_replaces_only_that_commune(officers):
    db = officers["db"]
    old = officers["villages"]
    keep_before = db.conn.execute(
        "SELECT kind, record_id, code, method FROM record_areas WHERE set_id = ? AND code NOT LIKE 'C00%' "
        "ORDER BY 1, 2", (old,)).fetchall()
    out = submissions.submit(db, c00_villages(), "C00", user="xa00")
    with pytest.raises(auth.PermissionDenied):
        submissions.approve(db, out["submission_id"], user="xa00")
    made = submissions.approve(db, out["submission_id"], user=None)
    new = made["set_id"]
    open_sets = [s for s in areas.list_sets(db, "village") if s.valid_to is None]
    assert [s.id for s in open_sets] == [new] and areas.get_set(db, old).valid_to is not None
    tab = areas.area_table(db, new)
    assert sorted(tab["code"]) == ["C01V0", "C01V1", "C10V0", "C10V1", "C11V0", "C11V1", "T1", "T2"]
    assert set(tab.loc[tab["code"].isin(["T1", "T2"]), "parent_code"]) == {"C00"}
    # the other communes' geometry and placements are carried over unchanged
    g_old = dict(db.conn.execute("SELECT code, geometry FROM areas WHERE set_id = ? AND code NOT LIKE 'C00%'",
                                 (old,)).fetchall())
    g_new = dict(db.conn.execute("SELECT code, geometry FROM areas WHERE set_id = ? AND code NOT LIKE 'T%'",
                                 (new,)).fetchall())
    assert g_old == g_new
    keep_after = db.conn.execute(
        "SELECT kind, record_id, code, method FROM record_areas WHERE set_id = ? AND code NOT LIKE 'T%' "
        "ORDER BY 1, 2", (new,)).fetchall()
    assert keep_after == keep_before
    got = dict(db.conn.execute("SELECT record_id, code FROM record_areas WHERE set_id = ? AND kind = 'incident'",
                               (new,)).fetchall())
    assert got["i1"] == "T1" and got["i2"] == "T2" and got["i4"] == "T1"
    # the same placements as placing every record from scratch
    assert _placements(db, new) == _fresh_placements(db, new)
    st = submissions.village_status(db).set_index("code")
    assert st.loc["C00", "status"] == "approved" and st.loc["C00", "uploaded_by"] == "xa00"
    acts = set(audit.entries(db, target_kind="village_submission")["action"])
    assert {"village.submit", "village.approve"} <= acts
    # the officer's scope did not move
    assert scope.resolve(db, "xa00").codes(db, new) == {"T1", "T2"}


def test_reject_with_a_reason_the_officer_sees(officers):
    db = officers["db"]
    out = submissions.submit(db, c00_villages(), "C00", user="xa00")
    with pytest.raises(BoundaryError, match="lý do"):
        submissions.reject(db, out["submission_id"], why="  ")
    submissions.reject(db, out["submission_id"], why="Sai tên thôn", user=None)
    mine = submissions.list_submissions(db, user="xa00")
    assert mine[0]["status"] == "rejected" and mine[0]["reason"] == "Sai tên thôn"
    assert submissions.list_submissions(db, user="xa10") == []            # another commune sees nothing
    with pytest.raises(auth.PermissionDenied):
        submissions.list_submissions(db, user="lanhdao")
    with pytest.raises(BoundaryError):
        submissions.approve(db, out["submission_id"])                     # rejected: not pending
    assert "village.reject" in set(audit.entries(db, action="village.reject")["action"])


def test_approval_rechecks_codes_taken_meanwhile(officers):
    db = officers["db"]
    a = submissions.submit(db, c00_villages("S"), "C00", user="xa00")
    b = submissions.submit(db, c00_villages("S", x0=X0 + D), "C10", user="xa10")   # same codes S1, S2
    submissions.approve(db, a["submission_id"])
    before = dump(db)
    with pytest.raises(BoundaryError, match="S1"):
        submissions.approve(db, b["submission_id"])
    assert dump(db) == before


def test_an_admin_upload_for_a_commune_is_approved_at_once(officers):
    db = officers["db"]
    out = submissions.submit(db, c00_villages(), "C00", user=None)
    assert out["status"] == "approved" and out["set_id"] == areas.current_set(db, "village").id


# --------------------------------------------------------------------------- #
# Twenty communes in random order; two at the same moment
# --------------------------------------------------------------------------- #
def make_grid(path, nx=5, ny=4, *, seed=3):
    """A province of nx × ny square communes (no village layer yet) with random records."""
    db = store.open_db(path)
    d = 0.05
    prov = gpd.GeoDataFrame({"code": ["P"], "name": ["Tỉnh"]},
                            geometry=[shapely.box(X0, Y0, X0 + nx * d, Y0 + ny * d)], crs=4326)
    sp = areas.create_set(db, prov, name="Tỉnh", level="province", valid_from="2025-07-01", assign_records=False)
    rows = [{"code": f"X{i}{j}", "name": f"Xã {i}{j}", "parent_code": "P",
             "geometry": shapely.box(X0 + i * d, Y0 + j * d, X0 + (i + 1) * d, Y0 + (j + 1) * d)}
            for i in range(nx) for j in range(ny)]
    sc = areas.create_set(db, gpd.GeoDataFrame(rows, crs=4326), name="Xã", level="commune",
                          valid_from="2025-07-01", parent_set_id=sp, assign_records=False)
    rng = np.random.default_rng(seed)
    n = 600
    lon, lat = X0 + rng.random(n) * nx * d, Y0 + rng.random(n) * ny * d
    with store.transaction(db) as conn:
        conn.executemany("INSERT INTO incidents (id, occurred_on, category, lon, lat) VALUES (?,?,?,?,?)",
                         [(f"i{k}", "2026-03-01", "hinh_su", float(x), float(y)) for k, (x, y) in enumerate(zip(lon, lat))])
        conn.executemany("INSERT INTO cameras (id, lon, lat, installed_on, radius_m) VALUES (?,?,?,?,50)",
                         [(f"k{k}", float(x), float(y), "2024-01-01") for k, (x, y) in enumerate(zip(lon[:80], lat[:80]))])
        conn.executemany("INSERT INTO groups (id, name, model_type, village_code, founded_on) VALUES (?,?,?,?,?)",
                         [(f"g{k}", f"Tổ {k}", "to_tu_quan_antt", f"X{k % nx}{k // nx % ny}-T{k % 3}", "2020-01-01")
                          for k in range(60)])
        for s in (sp, sc):
            assign.assign_set(db, s)
        store.bump_revision(db)
    parts = {}
    for r in rows:
        x0, y0, x1, y1 = r["geometry"].bounds
        k = 2 + int(rng.integers(0, 3))
        cuts = np.linspace(x0, x1, k + 1)
        parts[r["code"]] = vill([(f"{r['code']}-T{m}", f"Thôn {m}", shapely.box(cuts[m], y0, cuts[m + 1], y1))
                                 for m in range(k)])
    return db, sc, parts


def _placements(db, set_id):
    return sorted(db.conn.execute("SELECT kind, record_id, code FROM record_areas WHERE set_id = ?",
                                  (set_id,)).fetchall())


class _Undo(Exception):
    pass


def _fresh_placements(db, set_id):
    """Placements of every record in ``set_id`` computed from scratch (then rolled back)."""
    out = {}
    try:
        with store.transaction(db):
            for kind in ("incident", "camera", "group"):
                assign.place_records(db, kind, sets=[set_id])
            out["fresh"] = _placements(db, set_id)
            raise _Undo
    except _Undo:
        pass
    return out["fresh"]


def test_twenty_officers_in_random_order_give_one_layer(tmp_path):
    db, sc, parts = make_grid(tmp_path / "grid.db")
    order = list(parts)
    random.Random(11).shuffle(order)
    for c in order:
        auth.create_user(db, f"cb_{c.lower()}", PW, "officer", c)
    assert set(submissions.village_status(db)["status"]) == {"none"}
    for c in order:
        out = submissions.submit(db, parts[c], c, user=f"cb_{c.lower()}")
        assert out["status"] == "pending"
    pending = submissions.list_submissions(db, status="pending")
    random.Random(5).shuffle(pending)
    for s in pending:
        submissions.approve(db, s["id"])
    opened = [s for s in areas.list_sets(db, "village") if s.valid_to is None]
    assert len(opened) == 1
    layer = opened[0].id
    codes = areas.area_table(db, layer)["code"].tolist()
    wanted = [c for g in parts.values() for c in g["code"]]
    assert sorted(codes) == sorted(wanted) and len(codes) == len(set(codes))
    pl = _placements(db, layer)
    assert len({(k, r) for k, r, _ in pl}) == len(pl)
    inc = [r for k, r, _ in pl if k == "incident"]
    groups_known = db.conn.execute("SELECT count(*) FROM groups WHERE village_code IN (SELECT value FROM "
                                   "json_each(?))", (json.dumps(wanted),)).fetchone()[0]
    assert len(inc) == 600 and len([r for k, r, _ in pl if k == "group"]) == groups_known > 40
    assert pl == _fresh_placements(db, layer)
    st = submissions.village_status(db)
    assert set(st["status"]) == {"approved"} and st["villages"].sum() == len(wanted)


def test_two_officers_submitting_at_the_same_moment(tmp_path):
    db, sc, parts = make_grid(tmp_path / "grid.db", nx=2, ny=1)
    path = tmp_path / "grid.db"
    for c in parts:
        auth.create_user(db, f"cb_{c.lower()}", PW, "officer", c)
    auth.create_user(db, "cb_x00b", PW, "officer", "X00")
    barrier = threading.Barrier(3)
    results, errors = [], []

    def go(user, commune):
        try:
            own = store.open_db(path)
            barrier.wait()
            results.append(submissions.submit(own, parts[commune], commune, user=user))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=go, args=a) for a in
               (("cb_x00", "X00"), ("cb_x10", "X10"), ("cb_x00b", "X00"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 3
    pending = submissions.list_submissions(db, status="pending")
    assert sorted(s["commune_code"] for s in pending) == ["X00", "X10"]      # one pending per commune
    assert len(submissions.list_submissions(db, status="superseded")) == 1
    for s in pending:
        submissions.approve(db, s["id"])
    opened = [s for s in areas.list_sets(db, "village") if s.valid_to is None]
    assert len(opened) == 1
    assert sorted(areas.area_table(db, opened[0].id)["code"]) == sorted(
        c for g in parts.values() for c in g["code"])


# --------------------------------------------------------------------------- #
# No village map: marked, never 0 %
# --------------------------------------------------------------------------- #
def test_a_commune_with_no_village_map_is_marked_not_zero(tmp_path):
    db, sc, parts = make_grid(tmp_path / "grid.db", nx=2, ny=1)
    submissions.submit(db, parts["X00"], "X00")
    st = submissions.village_status(db).set_index("code")
    assert st.loc["X00", "status"] == "approved" and st.loc["X10", "status"] == "none"
    assert st.loc["X10", "villages"] == 0 and st.loc["X10", "uploaded_by"] in (None, "") or st.loc["X10", "uploaded_by"] != st.loc["X10", "uploaded_by"]
    s = stats.area_stats(db, sc, MARCH).set_index("code")
    assert s.loc["X10", "villages"] == 0 and np.isnan(s.loc["X10", "coverage_pct"])


# --------------------------------------------------------------------------- #
# Every figure / record function takes the acting user
# --------------------------------------------------------------------------- #
def test_trends_hot_spots_and_audit_take_the_acting_user(officers):
    db = officers["db"]
    sc_ = officers["communes"]
    everyone = trends.incident_series(db, sc_, "2026-03-01", "2026-03-31", by=None)
    mine = trends.incident_series(db, sc_, "2026-03-01", "2026-03-31", by=None, user="xa00")
    other = trends.incident_series(db, sc_, "2026-03-01", "2026-03-31", by=None, areas=["C11"], user="xa00")
    assert everyone["incidents"].sum() > mine["incidents"].sum() > 0
    assert other["incidents"].sum() == 0                                  # another commune: nothing
    cols = trends.incident_series(db, sc_, "2026-03-01", "2026-03-31", by="area", user="xa00").columns
    assert list(cols) == ["C00"]
    hs = hotspots.hot_spots(db, officers["villages"], MARCH, user="xa00")
    assert set(hs["code"]) == {"C00V0", "C00V1"}
    hs = hotspots.hot_spots(db, officers["villages"], MARCH, area="C11",
                            user="xa00")
    assert hs.empty
    submissions.submit(db, c00_villages(), "C00", user="xa00")
    submissions.submit(db, c00_villages("N", x0=X0 + D), "C10", user="xa10")
    seen = audit.entries(db, actor="xa00")
    assert len(seen) and set(seen["username"]) == {"xa00"}
    assert {"xa00", "xa10"} <= set(audit.entries(db, actor=None)["username"])


def test_scope_follows_the_commune_set_through_the_crosswalk(officers):
    db = officers["db"]
    # an account made on an old commune code: its commune today is the one holding it
    with store.transaction(db) as conn:
        conn.execute("INSERT INTO users (username, password_hash, role, area_code, created_at) "
                     "VALUES ('cu', 'x', 'officer', 'OC00V0', '2025-01-01')")
    sc = scope.resolve(db, "cu")
    assert sc.communes == ("C00",)
    assert sc.codes(db, officers["communes"]) == {"C00"}


# --------------------------------------------------------------------------- #
# CLI contracts (item 8)
# --------------------------------------------------------------------------- #
def _geojson(tmp_path, gdf, name="thon.geojson"):
    p = tmp_path / name
    g = gdf.rename(columns={"code": "ma_thon", "name": "ten_thon"})
    p.write_text(g.to_json(ensure_ascii=False), encoding="utf-8")
    return p


def test_cli_contracts(officers, tmp_path):
    db, path = officers["db"], officers["path"]
    f = _geojson(tmp_path, c00_villages())
    dry = run_cli("import-boundaries", f, "--db", path, "--level", "village", "--commune", "C00",
                  "--code-field", "ma_thon", "--name-field", "ten_thon", "--user", "xa00", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert submissions.list_submissions(db) == []
    p = run_cli("import-boundaries", f, "--db", path, "--level", "village", "--commune", "C00",
                "--code-field", "ma_thon", "--name-field", "ten_thon", "--user", "xa00")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    for k in ("submission_id", "status", "villages", "outside_share", "uncovered_share", "warnings"):
        assert k in out
    assert out["status"] == "pending" and out["villages"] == 2
    # refusals: exit 2, one line, nothing changed
    before = dump(db)
    big = _geojson(tmp_path, vill([("T9", "To", shapely.box(X0 + 0.01, Y0 + 0.01, X0 + 1, Y0 + 1))]), "big.geojson")
    for args in (
        [big, "--commune", "C00", "--user", "xa00"],                       # oversized village
        [f, "--commune", "C10", "--user", "xa00"],                         # another commune
        [f, "--user", "xa00"],                                             # officer, whole-province file
        [f, "--commune", "C00", "--user", "lanhdao"],                      # a viewer
    ):
        r = run_cli("import-boundaries", args[0], "--db", path, "--level", "village",
                    "--code-field", "ma_thon", "--name-field", "ten_thon", *args[1:])
        assert r.returncode == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        assert "Traceback" not in r.stderr
    assert dump(db) == before
    lst = run_cli("submissions", "list", "--status", "pending", "--db", path)
    assert lst.returncode == 0 and [s["id"] for s in json.loads(lst.stdout)] == [out["submission_id"]]
    r = run_cli("submissions", "approve", out["submission_id"], "--db", path, "--user", "xa00")
    assert r.returncode == 2 and "quản trị" in r.stderr
    r = run_cli("submissions", "approve", out["submission_id"], "--db", path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "approved"
    r = run_cli("submissions", "reject", out["submission_id"], "--why", "muộn", "--db", path)
    assert r.returncode == 2                                                # not pending any more
    vs = run_cli("village-status", "--db", path)
    rows = json.loads(vs.stdout)
    assert list(rows[0]) == ["code", "name", "status", "villages", "updated_on", "uploaded_by"]
    assert {r["code"]: r["status"] for r in rows}["C00"] == "approved"
    csv = run_cli("village-status", "--db", path, "--format", "csv")
    assert csv.stdout.splitlines()[0] == "code,name,status,villages,updated_on,uploaded_by"


def test_the_coverage_page_marks_a_commune_with_no_village_map(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from conftest import logged_in
    db, sc, parts = make_grid(tmp_path / "grid.db", nx=2, ny=1)
    submissions.submit(db, parts["X00"], "X00")
    monkeypatch.setenv("ANTT_DB", str(tmp_path / "grid.db"))
    monkeypatch.chdir(ROOT)
    app = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90))
    app.switch_page("ui/coverage.py")
    app.query_params.update({"period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("chưa có bản đồ thôn" in str(c.value) for c in app.caption)
    table = next(d.value for d in app.dataframe if "village_map" in d.value.columns).set_index("code")
    assert table.loc["X10", "village_map"] == "Chưa có bản đồ thôn" and np.isnan(table.loc["X10", "coverage_pct"])
    assert table.loc["X00", "village_map"] == "Đã duyệt"


def test_the_village_map_names_communes_with_no_village_map(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from conftest import logged_in
    db, sc, parts = make_grid(tmp_path / "grid.db", nx=2, ny=1)
    submissions.submit(db, parts["X00"], "X00")
    monkeypatch.setenv("ANTT_DB", str(tmp_path / "grid.db"))
    monkeypatch.chdir(ROOT)
    app = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90))
    app.switch_page("ui/map.py")
    app.query_params.update({"period": "custom", "from": "2026-03-01", "to": "2026-03-31", "level": "village"})
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    said = [str(c.value) for c in app.caption if "Chưa có bản đồ thôn" in str(c.value)]
    assert said and "Xã 10" in said[0] and "Xã 00" not in said[0]


def _spans(db, record_ids=None):
    rows = db.conn.execute("SELECT kind, set_id, record_id, code, method, until_set FROM record_spans "
                           "ORDER BY 1, 2, 3").fetchall()
    return rows if record_ids is None else [r for r in rows if r[2] not in record_ids]


def test_layer_versions_share_placements_and_approval_writes_only_the_communes_records(tmp_path):
    """Item 7: approving commune X writes placement rows for X's records only; every other
    record's rows are untouched (inherited by the new version, not copied), every version
    keeps the placements it had, and records added or moved later are placed in every
    version exactly as placing from scratch would."""
    db, sc, parts = make_grid(tmp_path / "grid.db", nx=3, ny=2)
    order = sorted(parts)
    seen: dict[int, list] = {}
    for c in order:
        before = _spans(db)
        in_c = {r[0] for r in db.conn.execute(
            "SELECT record_id FROM record_areas WHERE set_id = ? AND code = ?", (sc, c))}
        old = areas.current_set(db, "village")
        if old is not None:
            in_c |= {r[0] for r in db.conn.execute(
                "SELECT record_id FROM record_areas WHERE set_id = ? AND code IN "
                "(SELECT code FROM areas WHERE set_id = ? AND parent_code = ?)", (old.id, old.id, c))}
        in_c |= {r[0] for r in db.conn.execute(            # groups coded with its new villages' codes
            "SELECT id FROM groups WHERE village_code IN (SELECT value FROM json_each(?))",
            (json.dumps(list(parts[c]["code"])),))}
        out = submissions.submit(db, parts[c], c, user=None)
        assert out["status"] == "approved"
        # the other records' rows are exactly as before: nothing copied, nothing rewritten
        assert _spans(db, in_c) == [r for r in before if r[2] not in in_c]
        assert len(_spans(db)) - len(before) <= 2 * len(in_c)
        seen[out["set_id"]] = _placements(db, out["set_id"])
    versions = [s.id for s in areas.list_sets(db, "village")]
    assert sorted(versions) == sorted(seen) and len(versions) == len(order)
    for v in versions:           # every version keeps what it had, and it is right
        assert _placements(db, v) == seen[v] == _fresh_placements(db, v)
    # a record added later and one moved to another commune: placed in every version
    # as from scratch
    with store.transaction(db) as conn:
        conn.execute("INSERT INTO incidents (id, occurred_on, category, lon, lat) VALUES "
                     "('new1', '2026-03-02', 'hinh_su', ?, ?)", (X0 + 0.01, Y0 + 0.01))
        conn.execute("UPDATE incidents SET lon = ?, lat = ? WHERE id = 'i0'", (X0 + 0.14, Y0 + 0.09))
    assign.assign_records(db, "incident", ids=["new1", "i0"])
    for v in versions:
        got = _placements(db, v)
        assert got == _fresh_placements(db, v)
        assert ("incident", "new1") in {(k, r) for k, r, _ in got}
    # and a full re-placement of one version changes nothing
    before = {v: _placements(db, v) for v in versions}
    assign.assign_set(db, versions[2])
    assert {v: _placements(db, v) for v in versions} == before


def test_migration_keeps_every_placement_of_a_database_from_before(tmp_path):
    """A database from before the spans: record_areas was a table with a full copy per
    village-layer version; after the migration the view gives exactly the same rows."""
    from geo import schema
    from old_schema import database_before
    conn = database_before(tmp_path / "old.db", "RENAME TO record_spans")
    for sid, level, replaces in ((1, "commune", None), (2, "village", None), (3, "village", 2)):
        conn.execute("INSERT INTO boundary_sets (id, name, level, imported_at, replaces_set_id) "
                     "VALUES (?, 's', ?, '2026-01-01', ?)", (sid, level, replaces))
    rows = [("incident", 1, "a", "C1", "point"), ("incident", 2, "a", "T1", "point"),
            ("incident", 3, "a", "T1", "point"), ("incident", 3, "b", "T2", "code"),
            ("group", 2, "g", "T1", "code")]
    conn.executemany("INSERT INTO record_areas VALUES (?,?,?,?,?)", rows)
    conn.close()
    db = store.open_db(tmp_path / "old.db", create=False)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    got = db.conn.execute("SELECT kind, set_id, record_id, code, method FROM record_areas "
                          "ORDER BY 2, 1, 3").fetchall()
    assert got == sorted(rows, key=lambda r: (r[1], r[0], r[2]))


def test_reading_placements_of_one_set_goes_through_the_key(tmp_path):
    """The view's plan: the spans of one set's layer versions, each through the primary key
    (a range scan of every span of the kind would make the data-quality check quadratic)."""
    db = store.open_db(tmp_path / "p.db")
    for sql in ("SELECT record_id, code FROM record_areas WHERE kind = 'incident' AND set_id = 3",
                "SELECT 1 FROM incidents t WHERE NOT EXISTS (SELECT 1 FROM record_areas ra WHERE "
                "ra.kind = 'incident' AND ra.set_id IN (1, 2) AND ra.record_id = t.id)"):
        plan = " | ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "SEARCH s USING PRIMARY KEY (kind=? AND set_id=?" in plan, plan


def test_compstat_sparklines_count_only_the_officers_commune(officers):
    from geo import compstat
    db, sc_ = officers["db"], officers["communes"]
    everyone = compstat.sparklines(db, sc_, ["C00", "C11"], "2026-03-31", user=None)
    mine = compstat.sparklines(db, sc_, ["C00", "C11"], "2026-03-31", user="xa00")
    assert sum(everyone["C11"]) > 0 and sum(everyone["C00"]) > 0
    assert mine["C00"] == everyone["C00"]
    assert sum(mine.get("C11") or [0]) == 0                         # another commune's records: none
    with pytest.raises(TypeError):                                  # no sparkline without an acting user
        compstat.sparklines(db, sc_, ["C00"], "2026-03-31")


def _functions_taking_a_user():
    """geo's public functions taking the acting user: {(module, name): (parameter, its position or None)}."""
    import ast
    out = {}
    for path in (ROOT / "geo").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                a = node.args
                names = [x.arg for x in a.posonlyargs + a.args]
                for who in ("actor", "user"):          # audit.entries: ``actor`` acts, ``user`` filters
                    if who in names or who in [x.arg for x in a.kwonlyargs]:
                        out[(path.stem, node.name)] = (who, names.index(who) if who in names else None)
                        break
    return out


def test_every_figure_call_of_the_pages_passes_the_acting_user():
    """A page calling a figure function (trends, stats, hot spots, layers, sparklines…) without
    the acting user would count records outside an officer's commune."""
    import ast
    taking = _functions_taking_a_user()
    assert ("trends", "incident_series") in taking and ("compstat", "sparklines") in taking
    missing = []
    for path in [*(ROOT / "ui").glob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)):
                continue
            spec = taking.get((node.func.value.id, node.func.attr))
            if spec is None:
                continue
            who, pos = spec
            given = (any(k.arg in (who, None) for k in node.keywords)
                     or (pos is not None and len(node.args) > pos))
            if not given:
                missing.append(f"{path.name}:{node.lineno} {node.func.value.id}.{node.func.attr}")
    assert missing == []


def test_programme_series_counts_only_the_officers_commune(officers):
    db, sc_ = officers["db"], officers["communes"]
    everyone = trends.programme_series(db, sc_, "2026-01-01", "2026-03-31")
    mine = trends.programme_series(db, sc_, "2026-01-01", "2026-03-31", user="xa00")
    own = trends.programme_series(db, sc_, "2026-01-01", "2026-03-31", areas=["C00"])
    other = trends.programme_series(db, sc_, "2026-01-01", "2026-03-31", areas=["C01"], user="xa00")
    assert everyone["villages"].iloc[-1] > mine["villages"].iloc[-1]
    assert mine.equals(own)
    assert other["villages"].iloc[-1] == 0 and other["groups_active"].sum() == 0
