"""The synthetic demo province (geo.demo): reproducible, the right sizes, clean
boundaries across the 2025 reform, realistic records, never half-built."""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import numpy as np
import pandas as pd
import pytest
import shapely

from geo import areas, assign, demo, store
from geo.periods import REFORM_DATE
from geo.vocab import CATEGORIES, MODEL_TYPES

TODAY = dt.date(2026, 3, 15)
SCALE = 0.05
ROLES = {"province": "province", "districts_old": "district", "communes_old": "commune",
         "communes": "commune", "villages": "village"}


def content_hash(path) -> str:
    """Hash of every table's rows (sorted), leaving out boundary_sets.imported_at and the
    accounts (a password hash is salted at random; the audit row carries its creation time)."""
    con = sqlite3.connect(path)
    h = hashlib.sha256()
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
              if r[0] not in ("users", "audit_log")]
    for t in tables:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")
                if not (t == "boundary_sets" and r[1] == "imported_at")]
        h.update(f"{t}:{cols}".encode())
        for row in con.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY {', '.join(cols)}"):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    calls = []
    summary = demo.build_demo(path, seed=7, today=TODAY, scale=SCALE,
                              progress=lambda f, m: calls.append((f, m)))
    db = store.open_db(path, create=False)
    yield {"path": path, "summary": summary, "db": db, "progress": calls, "sets": summary["sets"]}
    db.conn.close()


def q(db, sql, *args):
    return db.conn.execute(sql, args).fetchall()


def df(db, sql, *args):
    return pd.read_sql_query(sql, db.conn, params=list(args))


# --- reproducibility and the build itself ------------------------------------------

def test_same_seed_and_day_give_the_same_database(built, tmp_path):
    again = tmp_path / "again.db"
    demo.build_demo(again, seed=7, today=TODAY, scale=SCALE)
    assert content_hash(again) == content_hash(built["path"])
    other = tmp_path / "other.db"
    demo.build_demo(other, seed=8, today=TODAY, scale=SCALE)
    assert content_hash(other) != content_hash(built["path"])


def test_summary_and_progress(built):
    s = built["summary"]
    assert set(s["sets"]) == set(ROLES)
    assert s["counts"]["incidents"] == q(built["db"], "SELECT count(*) FROM incidents")[0][0]
    assert s["seconds"] > 0
    fractions = [f for f, _ in built["progress"]]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in built["progress"])


def test_marked_as_demo_with_fictional_names(built):
    db = built["db"]
    assert store.is_demo(db)
    assert all(s.is_demo for s in areas.list_sets(db))
    (name,) = q(db, "SELECT name FROM areas WHERE level = 'province'")[0]
    assert "dữ liệu mẫu" in name
    # names carry no unit prefix: the unit is in unit_type
    prefixes = ("Xã ", "Phường ", "Thị trấn ", "Huyện ", "Thôn ", "Tổ dân phố ", "Tỉnh ", "Đặc khu ")
    names = [r[0] for r in q(db, "SELECT name FROM areas")]
    assert not [n for n in names if n.startswith(prefixes)]
    # codes are synthetic and unique across every set
    codes = [r[0] for r in q(db, "SELECT code FROM areas")]
    assert len(codes) == len(set(codes))
    assert all(c == "DM" or c.startswith("DM-") for c in codes)


def test_refuses_an_existing_file_and_overwrites_only_when_asked(tmp_path):
    path = tmp_path / "x.db"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        demo.build_demo(path, today=TODAY, scale=SCALE)
    assert path.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]
    demo.build_demo(path, today=TODAY, scale=SCALE, overwrite=True)
    assert store.is_demo(store.open_db(path, create=False))


def test_a_failed_build_leaves_nothing_at_path(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("simulated failure late in the build")
    # build_crosswalk runs after every record is inserted and assigned
    monkeypatch.setattr(assign, "build_crosswalk", boom)
    path = tmp_path / "sub" / "demo.db"
    with pytest.raises(RuntimeError, match="simulated"):
        demo.build_demo(path, today=TODAY, scale=SCALE)
    assert not path.exists()
    assert list(path.parent.iterdir()) == []      # no temporary file left behind either


def test_a_file_appearing_meanwhile_is_not_clobbered(tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    real = demo._incidents

    def racing(*a, **k):
        path.write_bytes(b"another process won")
        return real(*a, **k)
    monkeypatch.setattr(demo, "_incidents", racing)
    with pytest.raises(FileExistsError):
        demo.build_demo(path, today=TODAY, scale=SCALE)
    assert path.read_bytes() == b"another process won"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]


# --- boundaries ---------------------------------------------------------------------------

def test_boundary_sets_and_sizes(built):
    db, sets = built["db"], built["sets"]
    by_id = {s.id: s for s in areas.list_sets(db)}
    for role, level in ROLES.items():
        assert by_id[sets[role]].level == level
    old_until = (REFORM_DATE - dt.timedelta(days=1)).isoformat()
    assert by_id[sets["districts_old"]].valid_to == old_until
    assert by_id[sets["communes_old"]].valid_to == old_until
    assert by_id[sets["communes"]].valid_from == REFORM_DATE.isoformat()
    assert by_id[sets["communes"]].replaces_set_id == sets["communes_old"]
    assert by_id[sets["communes"]].current and by_id[sets["villages"]].current
    assert by_id[sets["villages"]].parent_set_id == sets["communes"]
    assert by_id[sets["communes_old"]].parent_set_id == sets["districts_old"]
    n = {role: by_id[sid].areas for role, sid in sets.items()}
    assert n["province"] == 1
    assert n["districts_old"] >= 2
    assert n["communes_old"] >= 8
    assert 2 <= n["communes"] < n["communes_old"]
    assert 60 <= n["villages"] <= 90          # 1,500 x 0.05
    # on the default scale: about 150 old, 50 new communes and 1,500 villages
    full = demo._counts(1.0)
    assert full["old_communes"] == 150 and full["villages"] == 1500 and full["districts"] == 8
    assert demo.TARGETS["incidents"] == 300_000


def test_geometry_is_valid_and_on_plausible_coordinates(built):
    db = built["db"]
    for sid in built["sets"].values():
        g = np.asarray(areas.load_areas(db, sid).geometry.values, dtype=object)
        assert shapely.is_valid(g).all()
        assert shapely.coverage_is_valid(g)
        x0, y0, x1, y1 = shapely.total_bounds(g)
        assert 105.5 < x0 < x1 < 107.2 and 20.2 < y0 < y1 < 21.5
    prov = areas.load_areas(db, built["sets"]["province"]).geometry.iloc[0]
    assert prov.area < 0.9 * prov.envelope.area          # not a rectangle
    x0, y0, x1, y1 = prov.bounds
    assert 0.6 < (x1 - x0) * demo.KM_PER_DEG_LON / 100 < 1.4   # about 80 x 60 km (with the island)


def test_villages_tile_their_communes(built):
    db, sets = built["db"], built["sets"]
    communes = areas.load_areas(db, sets["communes"]).set_index("code")
    villages = areas.load_areas(db, sets["villages"])
    assert set(villages["parent_code"]) == set(communes.index)
    for code, vs in villages.groupby("parent_code"):
        c = communes.loc[code, "geometry"]
        union = shapely.coverage_union_all(np.asarray(vs.geometry.values, dtype=object))
        assert shapely.symmetric_difference(union, c).area < 1e-9 * c.area
        parts = shapely.area(np.asarray(vs.geometry.values, dtype=object)).sum()
        assert abs(parts - c.area) < 1e-9 * c.area                           # no overlaps
    # population and households of a commune are the sums of its villages
    sums = villages.groupby("parent_code")[["population", "households"]].sum()
    assert (sums["population"] == communes.loc[sums.index, "population"]).all()
    assert (sums["households"] == communes.loc[sums.index, "households"]).all()
    assert (villages["population"] > 0).all()


def test_new_communes_are_unions_of_old_communes(built):
    db, sets = built["db"], built["sets"]
    old_to_new = assign.build_crosswalk(db, sets["communes_old"], sets["communes"])
    best = old_to_new.groupby("from_code")["share"].max()
    n_old = q(db, "SELECT count(*) FROM areas WHERE set_id = ?", sets["communes_old"])[0][0]
    assert len(best) == n_old
    assert (best > 0.999).all()
    new_to_old = assign.build_crosswalk(db, sets["communes"], sets["communes_old"])
    assert np.allclose(new_to_old.groupby("from_code")["share"].sum(), 1.0, atol=1e-4)
    assert new_to_old.groupby("from_code").size().mean() > 1.5      # merges of several
    # old communes nest in their districts
    cw = assign.build_crosswalk(db, sets["communes_old"], sets["districts_old"])
    parent = dict(q(db, "SELECT code, parent_code FROM areas WHERE set_id = ?", sets["communes_old"]))
    top = cw.sort_values("share").drop_duplicates("from_code", keep="last")
    assert (top["share"] > 0.999).all()
    assert all(parent[f] == t for f, t in zip(top["from_code"], top["to_code"]))


def test_unit_types(built):
    db, sets = built["db"], built["sets"]

    def units(role):
        return {r[0] for r in q(db, "SELECT DISTINCT unit_type FROM areas WHERE set_id = ?", sets[role])}
    assert units("province") == {"tinh"}
    assert units("districts_old") <= {"huyen", "thi_xa", "thanh_pho"} and "thanh_pho" in units("districts_old")
    assert units("communes_old") <= {"xa", "phuong", "thi_tran"} and "phuong" in units("communes_old")
    assert units("communes") <= {"xa", "phuong", "dac_khu"} and "dac_khu" in units("communes")
    assert units("villages") <= {"thon", "to_dan_pho"}
    # tổ dân phố are the villages of wards
    bad = q(db, "SELECT count(*) FROM areas v JOIN areas c ON c.set_id = ? AND c.code = v.parent_code "
                "WHERE v.set_id = ? AND (v.unit_type = 'to_dan_pho') != (c.unit_type = 'phuong')",
            sets["communes"], sets["villages"])[0][0]
    assert bad == 0


# --- records ---------------------------------------------------------------------------

def test_record_counts(built):
    db = built["db"]
    n = {t: q(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("groups", "cameras", "incidents")}
    assert n == {"groups": 125, "cameras": 750, "incidents": 15_000}
    assert q(db, "SELECT min(id), max(id) FROM incidents")[0] == ("VV0000001", "VV0015000")
    assert q(db, "SELECT min(id) FROM cameras")[0][0] == "CAM000001"
    assert q(db, "SELECT min(id) FROM groups")[0][0] == "G000001"


def test_incidents(built):
    db, sets = built["db"], built["sets"]
    inc = df(db, "SELECT * FROM incidents")
    day = inc["occurred_on"].str[:10]
    assert day.min() >= "2019-01-01" and day.max() <= TODAY.isoformat()
    assert day.min() <= "2019-01-31" and day.max() >= "2026-02-01"
    assert inc["occurred_on"].str.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?").all()
    assert inc["occurred_on"].str.len().gt(10).any()
    assert set(inc["category"]) == set(CATEGORIES.codes)
    mix = inc["category"].value_counts(normalize=True)
    assert set(mix.index[:2]) == {"trat_tu_giao_thong", "hinh_su"}
    assert mix["chay_no"] < 0.06
    assert (inc["source"] == "demo").all() and inc["description"].str.len().gt(5).all()
    # 10-20 % known only by the commune valid on their day
    code_only = inc["lon"].isna()
    assert 0.10 <= code_only.mean() <= 0.20
    assert inc.loc[code_only, "lat"].isna().all() and inc.loc[~code_only, "area_code"].isna().all()
    co = inc[code_only]
    before = co["occurred_on"].str[:10] < REFORM_DATE.isoformat()
    assert (co.loc[before, "area_set_id"] == sets["communes_old"]).all()
    assert (co.loc[~before, "area_set_id"] == sets["communes"]).all()
    for role in ("communes_old", "communes"):
        codes = {r[0] for r in q(db, "SELECT code FROM areas WHERE set_id = ?", sets[role])}
        assert set(co.loc[co["area_set_id"] == sets[role], "area_code"]) <= codes
    # more incidents in the weeks before Tết than on an average day
    d = pd.to_datetime(day)
    tet = pd.to_datetime(pd.Series(demo.TET))
    pre_tet = np.zeros(len(d), dtype=bool)
    for t in tet:
        pre_tet |= ((t - d).dt.days >= 0) & ((t - d).dt.days < 14)
    n_pre_days = sum(14 for t in tet if pd.Timestamp("2019-01-15") < t < pd.Timestamp(TODAY))
    assert pre_tet.sum() / n_pre_days > 1.15 * len(d) / ((TODAY - dt.date(2019, 1, 1)).days + 1)


def test_hot_spots(built):
    db, sets = built["db"], built["sets"]
    per_village = df(db, "SELECT code, count(*) AS n FROM record_areas WHERE kind = 'incident' "
                         "AND set_id = ? GROUP BY code", sets["villages"])
    counts = per_village.set_index("code")["n"]
    median = counts.median()
    hot = counts[counts > 3 * median]
    assert 3 <= len(hot) <= 8
    assert set(built["summary"]["hot_spots"]) <= set(hot.index)
    # persistent: busy before and after the reform
    for code in built["summary"]["hot_spots"]:
        years = q(db, "SELECT DISTINCT substr(i.occurred_on, 1, 4) FROM incidents i JOIN record_areas r "
                      "ON r.kind = 'incident' AND r.record_id = i.id AND r.set_id = ? WHERE r.code = ?",
                  sets["villages"], code)
        assert len(years) >= 7


def test_groups(built):
    db, sets = built["db"], built["sets"]
    g = df(db, "SELECT * FROM groups")
    assert set(g["model_type"]) == set(MODEL_TYPES.codes)
    assert g["model_type"].value_counts().index[0] == "to_tu_quan_antt"
    villages = {r[0] for r in q(db, "SELECT code FROM areas WHERE set_id = ?", sets["villages"])}
    assert set(g["village_code"]) <= villages
    assert g["founded_on"].min() >= "2014-01-01" and g["founded_on"].max() <= TODAY.isoformat()
    assert g["founded_on"].str[:4].nunique() >= 10
    dis = g[g["dissolved_on"].notna()]
    assert 0.04 <= len(dis) / len(g) <= 0.18
    assert (dis["dissolved_on"] > dis["founded_on"]).all() and (dis["dissolved_on"] <= TODAY.isoformat()).all()
    assert (g["members"] >= 1).all() and (g["core_members"] <= g["members"]).all()
    # core force: an organisation code of the vocabulary, every main one present (issue 11)
    from geo.vocab import CORE_FORCES
    assert set(g["core_force"]) <= set(CORE_FORCES.codes)
    assert {"ccb", "phu_nu", "thanh_nien", "cong_an", "dan_quan"} <= set(g["core_force"])
    assert g["leader"].str.count(" ").ge(2).all()
    # vùng trắng: villages without any group
    white = len(villages - set(g["village_code"]))
    assert 0.07 <= white / len(villages) <= 0.13
    assert built["summary"]["vung_trang"] == white


def test_cameras(built):
    db = built["db"]
    c = df(db, "SELECT * FROM cameras")
    assert c["installed_on"].min() >= "2019-01-01" and c["installed_on"].max() <= TODAY.isoformat()
    assert (c["installed_on"].str[:4].value_counts().sort_index().loc[["2019", "2024"]].diff().iloc[-1]) > 0
    rem = c[c["removed_on"].notna()]
    assert 0.01 <= len(rem) / len(c) <= 0.10
    assert (rem["removed_on"] > rem["installed_on"]).all() and (rem["removed_on"] <= TODAY.isoformat()).all()
    assert c["radius_m"].between(30, 100).all() and c["radius_m"].mode()[0] == 50
    assert 0.3 <= c["connected_to_police"].mean() <= 0.5
    assert c["lon"].notna().all() and c["owner"].notna().all()


def test_records_placed_in_every_set(built):
    db, sets = built["db"], built["sets"]
    n_inc_pt = q(db, "SELECT count(*) FROM incidents WHERE lon IS NOT NULL")[0][0]
    n_cam = q(db, "SELECT count(*) FROM cameras")[0][0]
    n_grp = q(db, "SELECT count(*) FROM groups")[0][0]
    placed = {(k, s, m): n for k, s, m, n in q(
        db, "SELECT kind, set_id, method, count(*) FROM record_areas GROUP BY 1, 2, 3")}
    for role, sid in sets.items():
        assert placed.get(("incident", sid, "point")) == n_inc_pt, role     # every point lies inside
        assert placed.get(("camera", sid, "point")) == n_cam, role
        assert sum(n for (k, s, _), n in placed.items() if k == "group" and s == sid) == n_grp, role
    # code-only incidents: by code in their own set, by the crosswalk across the reform
    assert placed.get(("incident", sets["communes_old"], "code"), 0) > 0
    assert placed.get(("incident", sets["communes"], "crosswalk"), 0) > 0
    n_old_coded = q(db, "SELECT count(*) FROM incidents WHERE area_set_id = ?", sets["communes_old"])[0][0]
    assert placed[("incident", sets["communes"], "crosswalk")] == n_old_coded
    # and the point assignment agrees with the incident's own commune code era by era
    row = q(db, "SELECT count(*) FROM record_areas r JOIN areas v ON v.set_id = ? AND v.code = r.code "
                "JOIN record_areas c ON c.kind = 'incident' AND c.set_id = ? AND c.record_id = r.record_id "
                "WHERE r.kind = 'incident' AND r.set_id = ? AND c.code != v.parent_code",
            sets["villages"], sets["communes"], sets["villages"])
    assert row[0][0] == 0


def test_demo_has_an_admin_who_must_change_the_password(built):
    from geo import auth
    u = auth.authenticate(built["db"], demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
    assert u.role == "admin" and u.must_change_password
