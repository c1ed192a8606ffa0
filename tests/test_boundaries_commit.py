"""Versions of the boundaries: commit() stores a prepared file as a new set in
one transaction, closes (never deletes) the set it replaces, keeps the meaning
of records (points by location, codes through the crosswalk, the official 2025
mapping where the codes are GSO codes); compare_sets() lists what changed."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from geo import areas, assign, auth, store
from geo.boundaries import BoundaryError, Prepared, prepare
from geo.boundaries import versions as bv

VI_CHARS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
X0, Y0, D = 106.0, 21.0, 0.1        # the tiny province: x0..x0+2d, y0..y0+2d


def prepared(rows, level="commune", source="xa_moi.geojson") -> Prepared:
    """A Prepared as prepare() returns it: (code, name, geometry[, parent_code]) rows."""
    gdf = gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": [r[1] for r in rows],
         "unit_type": ["xa"] * len(rows), "parent_code": [r[3] if len(r) > 3 else None for r in rows]},
        geometry=[r[2] for r in rows], crs=4326)
    return Prepared(gdf=gdf, level=level, source_file=source, crs_detected="EPSG:4326 WGS 84",
                    crs_used="EPSG:4326", feature_count=len(rows))


def halves():
    """Two new communes: the west and east halves of the tiny province."""
    return prepared([("N0", "Xã Tây", shapely.box(X0, Y0, X0 + D, Y0 + 2 * D), "P"),
                     ("N1", "Xã Đông", shapely.box(X0 + D, Y0, X0 + 2 * D, Y0 + 2 * D), "P")])


def dump(db) -> str:
    return "\n".join(db.conn.iterdump())


def one_vietnamese_line(e) -> str:
    msg = str(e.value if hasattr(e, "value") else e)
    assert "\n" not in msg and "Traceback" not in msg
    assert VI_CHARS & set(msg.lower()), msg
    return msg


def placements(db, set_id):
    return {(k, r): (c, m) for k, r, c, m in db.conn.execute(
        "SELECT kind, record_id, code, method FROM record_areas WHERE set_id = ?", (set_id,))}


# --------------------------------------------------------------------------- commit
def test_commit_replaces_keeps_the_old_set_and_places_records(tiny):
    db = tiny["db"]
    auth.create_user(db, "canbo1", "matkhau-an-toan", "admin")
    old_areas = areas.load_areas(db, tiny["communes"])
    sid = bv.commit(db, halves(), level="commune", valid_from="2026-01-01", replaces=tiny["communes"],
                    imported_by="canbo1")
    s = areas.get_set(db, sid)
    assert (s.level, s.valid_from, s.valid_to, s.areas) == ("commune", "2026-01-01", None, 2)
    assert s.replaces_set_id == tiny["communes"] and s.parent_set_id == tiny["province"]
    assert s.source_file == "xa_moi.geojson" and s.imported_by == "canbo1"
    # the replaced set is closed the day before, and keeps every area untouched
    old = areas.get_set(db, tiny["communes"])
    assert old.valid_to == "2025-12-31" and old.areas == 4
    again = areas.load_areas(db, tiny["communes"])
    assert again["code"].tolist() == old_areas["code"].tolist()
    assert all(a.equals(b) for a, b in zip(again.geometry, old_areas.geometry))
    assert areas.current_set(db, "commune").id == sid
    # records keep their meaning in the new set
    got = placements(db, sid)
    assert got[("incident", "i1")] == ("N0", "point")
    assert got[("incident", "i3")] == ("N1", "point")
    assert got[("incident", "i6")] == ("N1", "crosswalk")      # code C11 of the replaced set
    assert got[("incident", "i7")] == ("N1", "crosswalk")      # code of the pre-2025 set
    assert ("incident", "i8") not in got                        # outside: kept, not placed
    assert got[("camera", "k1")] == ("N0", "point")
    assert got[("group", "g1")][0] == "N0"                      # village C00V0 through the crosswalk
    # the old set's own placements are untouched
    assert placements(db, tiny["communes"])[("incident", "i6")] == ("C11", "code")
    # and the import is in the audit log, when there is one
    row = db.conn.execute("SELECT action, target_kind, target_id, username FROM audit_log "
                          "WHERE target_kind = 'boundary_set'").fetchall()
    if row:
        assert row[-1] == ("import", "boundary_set", str(sid), "canbo1")


def test_commit_without_replacing_adds_a_parallel_set(tiny):
    db = tiny["db"]
    n_before = len(areas.list_sets(db))
    sid = bv.commit(db, halves(), valid_from="2026-02-01")
    assert len(areas.list_sets(db)) == n_before + 1
    assert areas.get_set(db, tiny["communes"]).valid_to is None
    assert areas.get_set(db, sid).name == "Ranh giới xã/phường từ 2026-02-01 (xa_moi.geojson)"


def test_commit_is_atomic(tiny, monkeypatch):
    db = tiny["db"]
    before = dump(db)

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(assign, "assign_set", boom)
    with pytest.raises(RuntimeError):
        bv.commit(db, halves(), valid_from="2026-01-01", replaces=tiny["communes"])
    assert dump(db) == before
    assert areas.get_set(db, tiny["communes"]).valid_to is None


@pytest.mark.parametrize("kwargs, words", [
    ({"valid_from": "01/07/2026"}, ["YYYY-MM-DD"]),
    ({"replaces": 999}, ["999"]),
    ({"replaces": "province"}, ["cấp"]),
    ({"replaces": "old"}, ["hết hiệu lực"]),
    ({"replaces": "communes", "valid_from": "2025-07-01"}, ["phải sau"]),
    ({"level": "village"}, ["cấp"]),
    ({"parent_set_id": "villages"}, ["cấp trên"]),
    ({"level": "ward"}, ["không hợp lệ"]),
])
def test_refused_requests_leave_the_database_unchanged(tiny, kwargs, words):
    db = tiny["db"]
    kwargs = {k: tiny[v] if isinstance(v, str) and v in tiny else v for k, v in kwargs.items()}
    before = dump(db)
    with pytest.raises(BoundaryError) as e:
        bv.commit(db, halves(), **kwargs)
    msg = one_vietnamese_line(e)
    for w in words:
        assert w in msg
    assert dump(db) == before


def villages_of_c00(x0=X0):
    """Two villages inside commune C00 (x0..x0+d, y0..y0+d), or shifted by ``x0``."""
    return prepared([("T1", "Thôn Một", shapely.box(x0, Y0, x0 + D / 2, Y0 + D), "C00"),
                     ("T2", "Thôn Hai", shapely.box(x0 + D / 2, Y0, x0 + D, Y0 + D), "C00")], level="village")


def test_who_may_store_a_set(tiny):
    db = tiny["db"]
    auth.create_user(db, "lanhdao", "matkhau-an-toan", "viewer")
    auth.create_user(db, "canbo", "matkhau-an-toan", "officer", area_code="C00")
    before = dump(db)
    refusals = [
        dict(prepared=halves(), imported_by="lanhdao"),                                  # a viewer
        dict(prepared=halves(), imported_by="canbo"),                                    # communes: admin only
        dict(prepared=villages_of_c00(X0 + D), imported_by="canbo"),                     # villages of C10
        dict(prepared=villages_of_c00(), imported_by="canbo", replaces=tiny["villages"]),  # the province's set
        dict(prepared=halves(), imported_by="khongco"),                                  # no such user
    ]
    for kw in refusals:
        p = kw.pop("prepared")
        with pytest.raises(auth.PermissionDenied) as e:
            bv.commit(db, p, valid_from="2026-01-01", **kw)
        one_vietnamese_line(e)
        assert dump(db) == before
    # an officer does not store even their own commune's villages as a set: they submit them
    with pytest.raises(auth.PermissionDenied, match="--commune"):
        bv.commit(db, villages_of_c00(), valid_from="2026-01-01", imported_by="canbo")
    assert dump(db) == before
    from geo import submissions
    out = submissions.submit(db, villages_of_c00(), "C00", user="canbo")
    assert out["status"] == "pending"
    assert [s.id for s in areas.list_sets(db, "village")] == [tiny["villages"]]   # nothing reads it yet


def test_duplicate_codes_refused(tiny):
    p = halves()
    p.gdf.loc[1, "code"] = "N0"
    before = dump(tiny["db"])
    with pytest.raises(BoundaryError) as e:
        bv.commit(tiny["db"], p)
    assert "N0" in one_vietnamese_line(e) and dump(tiny["db"]) == before


def test_unnamed_units_are_kept_under_their_code(tiny):
    p = halves()
    p.gdf.loc[0, "name"] = None
    sid = bv.commit(tiny["db"], p, valid_from="2026-01-01")
    names = dict(areas.area_table(tiny["db"], sid)[["code", "name"]].values)
    assert names["N0"] == f"{bv.UNNAMED} N0"


def test_progress_is_reported(tiny):
    seen = []
    bv.commit(tiny["db"], halves(), valid_from="2026-01-01", replaces=tiny["communes"],
              progress=lambda f, msg: seen.append((f, msg)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 4
    assert all(isinstance(m, str) and m for _, m in seen)


def test_a_broken_progress_bar_does_not_stop_the_import(tiny):
    def bad(f, msg):
        raise ValueError("widget gone")
    assert bv.commit(tiny["db"], halves(), valid_from="2026-01-01", progress=bad) > 0


def test_commit_of_a_real_prepare(tiny, tmp_path):
    """prepare() with the parent layer the page and the CLI pass, then commit."""
    db = tiny["db"]
    feats = [{"type": "Feature", "properties": {"MaThon": f"T{i}", "TenThon": f"Thôn Mới {i}"},
              "geometry": shapely.geometry.mapping(shapely.box(X0 + i * D / 2, Y0, X0 + (i + 1) * D / 2, Y0 + D))}
             for i in range(4)]
    path = tmp_path / "thon.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                    encoding="utf-8")
    parent = bv.default_parent_set(db, "village")
    assert parent.id == tiny["communes"]
    p = prepare(path, level="village", parent=bv.parent_layer(db, parent.id))
    assert p.gdf["parent_code"].tolist() == ["C00", "C00", "C10", "C10"] and not p.orphans
    sid = bv.commit(db, p, valid_from="2026-03-01", replaces=tiny["villages"])
    s = areas.get_set(db, sid)
    # C00 and C10 get the file's villages; C01 and C11 keep theirs (one province layer)
    assert s.parent_set_id == tiny["communes"] and s.areas == 8 and s.level == "village"
    assert set(areas.area_table(db, sid)["code"]) == {"T0", "T1", "T2", "T3", "C01V0", "C01V1", "C11V0", "C11V1"}
    assert areas.get_set(db, tiny["villages"]).valid_to == "2026-02-28"
    assert areas.child_set(db, tiny["communes"]).id == sid


def test_parent_sets(tiny):
    db = tiny["db"]
    assert bv.parent_level("village") == "commune" and bv.parent_level("commune") == "province"
    assert bv.parent_level("province") is None
    assert bv.default_parent_set(db, "village").id == tiny["communes"]
    assert bv.default_parent_set(db, "commune").id == tiny["province"]
    assert bv.default_parent_set(db, "province") is None
    layer = bv.parent_layer(db, tiny["communes"])
    assert list(layer.columns) == ["code", "name", "geometry"] and len(layer) == 4
    assert bv.parent_layer(db, None) is None


def test_summary_has_the_report_fields():
    p = halves()
    p.repaired = [{"row": 3, "code": "N0", "name": "Xã Tây", "problem": "tự cắt", "action": "make_valid"}]
    p.warnings = ["một cảnh báo"]
    out = bv.summary(p, None)
    assert tuple(out) == bv.SUMMARY_FIELDS
    assert out["set_id"] is None and out["features"] == 2 and out["datum_shift"] is None
    assert json.loads(json.dumps(out)) == out
    assert bv.summary(p, 7)["set_id"] == 7


# --------------------------------------------------------------------------- compare
def test_compare_sets(tiny):
    db = tiny["db"]
    box = shapely.box
    a = areas.create_set(db, gpd.GeoDataFrame(
        {"code": ["A", "B", "C", "E"], "name": ["An", "Bình", "Cầu", "Đông"]},
        geometry=[box(0 + 106, 21, 106.1, 21.1), box(106.1, 21, 106.2, 21.1), box(106.2, 21, 106.3, 21.1),
                  box(106.3, 21, 106.4, 21.1)], crs=4326), name="a", level="commune", assign_records=False)
    b = areas.create_set(db, gpd.GeoDataFrame(
        {"code": ["A", "B", "C", "D"], "name": ["An", "Bình Mới", "Cầu", "Dương"]},
        geometry=[box(106, 21, 106.1, 21.1), box(106.1, 21, 106.2, 21.1), box(106.2, 21, 106.37, 21.1),
                  box(106.37, 21, 106.4, 21.1)], crs=4326), name="b", level="commune", assign_records=False)
    df = bv.compare_sets(db, a, b).set_index("code")
    assert df["status"].to_dict() == {"A": "unchanged", "B": "renamed", "C": "changed", "E": "removed",
                                      "D": "added"}
    assert df.loc["B", "name_a"] == "Bình" and df.loc["B", "name_b"] == "Bình Mới"
    assert df.loc["C", "overlap"] == pytest.approx(10 / 17, abs=1e-3)
    assert df.loc["E", "match_code"] == "C" and df.loc["E", "match_share"] == pytest.approx(0.7, abs=1e-3)
    assert df.loc["D", "match_code"] == "E" and df.loc["D", "match_share"] == pytest.approx(1.0)
    counts = bv.change_counts(bv.compare_sets(db, a, b))
    assert counts == {"unchanged": 1, "changed": 1, "renamed": 1, "renamed_changed": 0, "removed": 1, "added": 1}
    assert set(bv.compare_sets(db, a, a)["status"]) == {"unchanged"}


# --------------------------------------------------------------------------- official 2025 mapping


def _reform_db(tmp_path):
    """Ha Long before/after 2025 with real GSO codes and made-up squares.

    Old: Giếng Đáy 06661 and Việt Hưng 06703 → new Việt Hưng 06661; Tuần Châu 06700
    and Đại Yên 06706 → new Tuần Châu 06706; Hà Khẩu 06655 split, default Việt Hưng.
    Old Việt Hưng is drawn two-thirds inside new Tuần Châu; Hà Khẩu half and half."""
    db = store.open_db(tmp_path / "reform.db")
    x, y, d = 107.0, 20.95, 0.01

    def band(a, b):
        return shapely.box(x + a * d, y, x + b * d, y + d)
    old = gpd.GeoDataFrame({"code": ["06661", "06703", "06655", "06700", "06706"],
                            "name": ["Giếng Đáy", "Việt Hưng", "Hà Khẩu", "Tuần Châu", "Đại Yên"]},
                           geometry=[band(0, 0.9), band(1.6, 2.8), band(1.5, 2.5), band(2.5, 3.2), band(3.2, 4)],
                           crs=4326)
    so = areas.create_set(db, old, name="Xã cũ", level="commune", valid_from="2019-01-01", assign_records=False)
    with store.transaction(db) as conn:
        conn.executemany("INSERT INTO incidents (id, occurred_on, category, area_code, area_set_id) "
                         "VALUES (?, '2025-03-01', 'hinh_su', ?, ?)",
                         [("x1", "06703", so), ("x2", "06655", so), ("x3", "06661", so), ("x4", "06706", so)])
    new = prepared([("06661", "Việt Hưng", band(0, 2)), ("06706", "Tuần Châu", band(2, 4))])
    return db, so, new


def test_official_mapping_tables():
    pytest.importorskip("vietnamadminunits")
    m = bv.official_2025_mapping()
    assert m is not None
    assert m["map"]["06703"] == ("06661", "merged")
    assert m["map"]["06661"] == ("06661", "merged")         # Giếng Đáy: its code lives on in Việt Hưng
    assert m["map"]["06706"] == ("06706", "merged")         # Đại Yên → Tuần Châu
    assert m["map"]["06700"] == ("06706", "merged")
    assert m["map"]["06655"] == ("06661", "divided")
    assert len(m["map"]) > 9000


def test_reform_uses_the_official_mapping_for_code_only_records(tmp_path):
    pytest.importorskip("vietnamadminunits")
    db, so, new = _reform_db(tmp_path)
    sn = bv.commit(db, new, valid_from="2025-07-01", replaces=so)
    cw = assign.crosswalk_map(db, so, sn)
    assert cw == {"06661": "06661", "06703": "06661", "06655": "06661", "06700": "06706", "06706": "06706"}
    got = placements(db, sn)
    assert {r: c for (_, r), (c, m) in got.items()} == {"x1": "06661", "x2": "06661", "x3": "06661",
                                                         "x4": "06706"}
    assert {m for (c, m) in got.values()} == {"crosswalk"}
    info = bv.crosswalk_source(db, so, sn)
    assert info["applied"] and info["merged"] == 4 and info["divided"] == 1
    assert set(info["changed"]) == {"06703", "06655"}
    assert info["source"].startswith("vietnamadminunits")


def test_without_the_package_area_overlap_is_the_rule(tmp_path, monkeypatch):
    db, so, new = _reform_db(tmp_path)
    monkeypatch.setattr(bv, "official_2025_mapping", lambda: None)
    sn = bv.commit(db, new, valid_from="2025-07-01", replaces=so)
    cw = assign.crosswalk_map(db, so, sn)
    assert cw["06703"] == "06706"              # two thirds inside new Tuần Châu
    assert "06655" not in cw                   # exactly half and half: no majority
    assert bv.crosswalk_source(db, so, sn) is None


def test_codes_that_are_not_gso_codes_use_area_overlap(tmp_path):
    pytest.importorskip("vietnamadminunits")
    db, so, _ = _reform_db(tmp_path)
    x, y, d = 107.0, 20.95, 0.01
    other = prepared([("06661", "Xã Khác", shapely.box(x, y, x + 2 * d, y + d)),       # same code, other name
                      ("06706", "Xã Nữa", shapely.box(x + 2 * d, y, x + 4 * d, y + d))])
    sn = bv.commit(db, other, valid_from="2025-07-01", replaces=so)
    info = bv.crosswalk_source(db, so, sn)
    assert info["applied"] is False and info["new_match"] == 0
    assert assign.crosswalk_map(db, so, sn)["06703"] == "06706"


def test_official_mapping_only_across_the_reform(tmp_path):
    pytest.importorskip("vietnamadminunits")
    db, so, new = _reform_db(tmp_path)
    sn = bv.commit(db, new, valid_from="2024-01-01", replaces=so)
    assert bv.crosswalk_source(db, so, sn) is None
    assert bv.official_crosswalk(db, so, sn)["reason"] == "not across the 2025 reform"
