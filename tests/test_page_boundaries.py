"""The boundaries page under Streamlit's AppTest (uploads included), and its
helpers (plain functions in ui/boundaries.py)."""
from __future__ import annotations

import re
import io
import json
import zipfile

import geopandas as gpd
import pyogrio
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from conftest import ROOT, logged_in
from geo import areas, maps
from geo.boundaries import Prepared
from ui import boundaries as page

try:
    import helpers_boundaries as H
except ImportError:  # tests/ imported as a package
    from tests import helpers_boundaries as H

APP = str(ROOT / "app.py")
PAGE = "ui/boundaries.py"


def geojson_bytes(rows) -> bytes:
    feats = [{"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)} for props, g in rows]
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode("utf-8")


def three_communes() -> bytes:
    return geojson_bytes([({"MaXa": f"0{7000 + i}", "TenXa": f"Xã Mới {i}"},
                           shapely.box(106.0 + i * 0.05, 21.0, 106.05 + i * 0.05, 21.05)) for i in range(3)])


@pytest.fixture
def app(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = logged_in(AppTest.from_file(APP, default_timeout=60))
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def boundary_dump(db) -> str:
    """The database as SQL, less the audit rows that count uploads (a refused file is still
    an upload, counted against the user's hourly limit)."""
    return "\n".join(line for line in db.conn.iterdump()
                     if not (line.startswith('INSERT INTO "audit_log"') and "'upload'" in line))


def texts(at):
    """The text as a reader sees it (Markdown escapes of user text, ui/safe.md, removed)."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.success, *at.warning, *at.error])).replace("\u200b", "")


def upload(at, *files):
    at.file_uploader(key="bnd_files").set_value(list(files)).run()
    assert not at.exception, at.exception
    return at


def button(at, prefix):
    return next(b for b in at.button if (b.key or "").startswith(prefix))


# --------------------------------------------------------------------------- page
def test_page_lists_the_sets_and_compares_two(app, tiny):
    assert "Ranh giới hành chính" in texts(app)
    assert "Tải tệp lên để xem trước" in texts(app)
    sets = app.dataframe[0].value
    assert len(sets) == 4 and "Hiệu lực từ" in sets.columns
    # the default comparison: the 2025 communes against the set they replaced
    assert app.selectbox(key="bnd_cmp_a").value == tiny["old"]
    assert app.selectbox(key="bnd_cmp_b").value == tiny["communes"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Không còn"] == "8" and metrics["Mới"] == "4"


def test_upload_preview_then_confirm_stores_a_new_set(app, tiny):
    db = tiny["db"]
    n_sets = len(areas.list_sets(db))
    upload(app, ("xa.geojson", three_communes(), "application/geo+json"))
    assert "Đọc được 3 đơn vị từ xa.geojson" in texts(app)
    assert len(areas.list_sets(db)) == n_sets          # a dry run: nothing stored yet
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Số đơn vị"] == "3" and metrics["Hệ toạ độ"] == "EPSG:4326"
    fields = app.dataframe[0].value
    assert fields.iloc[:2, 1].tolist() == ["MaXa", "TenXa"]
    problems = app.dataframe[1].value
    assert "Cảnh báo" in set(problems["Loại"])
    # nothing is preselected to replace: replacing the current set is an explicit choice
    box = next(b for b in app.selectbox if (b.key or "").startswith("bnd_replaces_"))
    assert box.value is None
    assert "Bộ hiện hành" in texts(app) or "ranh giới hiện hành" in texts(app)   # drawn under the preview
    box.set_value(tiny["communes"]).run()
    # confirm: stored, replacing the current commune set (closed, kept)
    button(app, "bnd_confirm").click().run()
    assert not app.exception
    sets = areas.list_sets(db)
    assert len(sets) == n_sets + 1
    new = max(sets, key=lambda s: s.id)
    assert new.level == "commune" and new.areas == 3 and new.replaces_set_id == tiny["communes"]
    assert new.parent_set_id == tiny["province"]
    assert areas.get_set(db, tiny["communes"]).valid_to is not None
    assert areas.get_set(db, tiny["communes"]).areas == 4
    assert f"Đã lưu bộ ranh giới số {new.id}" in texts(app)
    assert not any((b.key or "").startswith("bnd_confirm") for b in app.button)   # no second commit


def test_confirm_with_the_defaults_replaces_nothing(app, tiny):
    db = tiny["db"]
    upload(app, ("xa.geojson", three_communes(), "application/geo+json"))
    button(app, "bnd_confirm").click().run()
    assert not app.exception
    new = max(areas.list_sets(db), key=lambda s: s.id)
    assert new.replaces_set_id is None
    assert areas.get_set(db, tiny["communes"]).valid_to is None        # the current set stays current


def test_the_current_set_is_drawn_under_the_preview(tiny):
    m = maps.choropleth({"type": "FeatureCollection", "features": []}, {}, metric_label="x",
                        classes=maps.classify({}, k=1), no_data_label="-", areas_label="")
    cur = page.add_current_set(m, tiny["db"], "commune", "vi")
    assert cur.id == tiny["communes"]
    html = m.get_root().render()
    assert "antt_current_set" in html and '"C00"' in html and html.count('"pane": "antt_current_set"') == 1
    # an officer's scope: only their areas are sent
    m2 = maps.choropleth({"type": "FeatureCollection", "features": []}, {}, metric_label="x",
                         classes=maps.classify({}, k=1), no_data_label="-", areas_label="")
    page.add_current_set(m2, tiny["db"], "commune", "vi", codes={"C00"})
    html2 = m2.get_root().render()
    assert '"C00"' in html2 and '"C01"' not in html2


def test_refused_file_shows_the_vietnamese_reason(app, tiny):
    before = boundary_dump(tiny["db"])
    upload(app, ("xa.geojson", b"{ not json", "application/geo+json"))
    assert len(app.error) == 1
    msg = app.error[0].value
    assert "xa.geojson" in msg and "Traceback" not in msg
    assert boundary_dump(tiny["db"]) == before
    upload(app, ("evil.zip", H.zip_bytes({"../../evil.shp": b"x" * 100}), "application/zip"))
    assert len(app.error) == 1 and "Traceback" not in app.error[0].value


def test_unexpected_error_is_logged_not_shown(app, monkeypatch, caplog):
    def boom(*a, **k):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(page, "prepare", boom)
    upload(app, ("xa2.geojson", three_communes() + b" ", "application/geo+json"))
    assert len(app.error) == 1
    assert "secret" not in app.error[0].value and "ngoài dự kiến" in app.error[0].value
    assert "secret internals" in caplog.text


def test_loose_shapefile_parts_and_layer_choice(app, tmp_path):
    gdf = gpd.GeoDataFrame({"MaXa": ["07001", "07002"], "TenXa": ["Xã Một", "Xã Hai"]},
                           geometry=[shapely.box(106.0, 21.0, 106.05, 21.05), shapely.box(106.05, 21.0, 106.1, 21.05)],
                           crs=4326)
    H.write_shapefile(gdf, tmp_path / "a", "xa_a")
    parts = [(p.name, p.read_bytes(), "application/octet-stream") for p in sorted((tmp_path / "a").iterdir())]
    upload(app, *parts)
    assert "Đọc được 2 đơn vị từ xa_a.shp" in texts(app)
    # a GeoPackage with two polygon layers: choose one, then the preview
    gpkg = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(gdf, gpkg, layer="xa_moi", driver="GPKG")
    pyogrio.write_dataframe(gdf.iloc[:1], gpkg, layer="xa_cu", driver="GPKG", append=True)
    upload(app, ("two.gpkg", gpkg.read_bytes(), "application/geopackage+sqlite3"))
    assert len(app.warning) >= 1 and "xa_moi" in re.sub(r"\\(.)", r"\1", app.warning[0].value)
    box = next(s for s in app.selectbox if s.label == "Lớp dữ liệu")
    box.set_value("xa_cu").run()
    assert not app.exception
    assert "Đọc được 1 đơn vị từ two.gpkg" in texts(app)
    assert next(s for s in app.selectbox if s.label == "Lớp dữ liệu").value == "xa_cu"


def test_guessed_zone_can_be_changed(app, tmp_path):
    """A VN-2000 shapefile without .prj: the zone is a guess, offered for change."""
    gdf = gpd.GeoDataFrame({"MaXa": ["07001", "07002"], "TenXa": ["Xã Một", "Xã Hai"]},
                           geometry=[shapely.box(107.0, 21.0, 107.05, 21.05), shapely.box(107.05, 21.0, 107.1, 21.05)],
                           crs=4326).to_crs(5899)
    H.write_shapefile(gdf, tmp_path / "z", "xa", prj=False)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in (tmp_path / "z").iterdir():
            z.write(p, p.name)
    upload(app, ("xa_khong_prj.zip", buf.getvalue(), "application/zip"))
    assert any("không ghi rõ hệ toạ độ" in w.value for w in app.warning)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Hệ toạ độ"] == "EPSG:5899"              # the zone of Quảng Ninh, proposed
    zone = next(s for s in app.selectbox if s.label == "Hệ toạ độ / múi chiếu")
    offered = [o.split()[0] for o in zone.options if o.startswith("EPSG:")]
    assert offered[0] == "EPSG:5899" and "EPSG:9214" in offered
    zone.set_value("EPSG:9214").run()                         # TM-3 107-00: read again with it
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Hệ toạ độ"] == "EPSG:9214"
    assert next(s for s in app.selectbox if s.label == "Hệ toạ độ / múi chiếu").value == "EPSG:9214"


def test_english_labels(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = logged_in(AppTest.from_file(APP, default_timeout=60))
    at.query_params["lang"] = "en"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Administrative boundaries" in texts(at) and "Compare two boundary sets" in texts(at)


# --------------------------------------------------------------------------- helpers
def small_prepared() -> Prepared:
    gdf = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["An {{ 7*7 }}", "Bình"], "unit_type": ["xa", "xa"],
                            "parent_code": ["P", None]},
                           geometry=[shapely.box(106, 21, 106.1, 21.1), shapely.box(106.1, 21, 106.2, 21.1)],
                           crs=4326)
    ov = gpd.GeoDataFrame({"codes": [["A", "B"]], "area_m2": [25_000.0]},
                          geometry=[shapely.box(106.09, 21, 106.11, 21.01)], crs=4326)
    gaps = gpd.GeoDataFrame({"codes": [["A"]], "area_m2": [12_000.0]},
                            geometry=[shapely.box(106.0, 21.1, 106.01, 21.11)], crs=4326)
    return Prepared(gdf=gdf, level="commune", source_file="x.geojson", overlaps=ov, gaps=gaps,
                    repaired=[{"row": 0, "code": "A", "name": "An", "problem": "tự cắt", "action": "make_valid"}],
                    dropped=[{"row": 5, "code": None, "name": None, "reason": "hình học rỗng"}],
                    orphans=[{"code": "B", "name": "Bình", "reason": "nằm ngoài mọi đơn vị cấp trên"}],
                    warnings=["một cảnh báo"])


def test_preview_features_and_map():
    p = small_prepared()
    fc = page.preview_features(p)
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds == [0, 0, 1, 2]
    assert fc["features"][2]["properties"]["name"] == "A, B"
    assert fc["features"][2]["properties"]["detail"] == "2,50 ha"
    html = maps.map_html(page.preview_map(fc, "vi"))
    assert "7*7" in html and "An 49" not in html         # database text is never run as a template
    assert "Chồng lấn" in html and "Khe hở" in html


def test_problems_table_lists_everything():
    df = page.problems_table(small_prepared(), "vi")
    assert df["Loại"].tolist() == ["Đã sửa hình học", "Đã bỏ", "Chưa gắn cấp trên", "Cảnh báo"]
    assert df["Dòng"].tolist()[:2] == [1, 6]                # 1-based rows of the file
    assert page.problems_table(small_prepared(), "en").columns[0] == "Kind"


def test_files_key_and_safe_names():
    a = [("x.shp", b"1"), ("x.dbf", b"2")]
    assert page.files_key(a) == page.files_key(list(reversed(a)))
    assert page.files_key(a) != page.files_key([("x.shp", b"1"), ("x.dbf", b"3")])
    assert page.safe_name("../../etc/passwd", 0) == "passwd"
    assert page.safe_name("C:\\tmp\\Xã Một.geojson", 1) == "Xã_Một.geojson"
    assert page.safe_name("...", 2) == "upload_2"


def test_run_prepare_reports_choices(tmp_path):
    res = page.run_prepare([("xa.geojson", three_communes())], "commune")
    assert res.ok and len(res.prepared.gdf) == 3 and res.preview["features"]
    assert res.field_mapping["code"] == "MaXa"
    bad = page.run_prepare([("xa.geojson", b"[]")], "commune")
    assert not bad.ok and bad.error_kind == "refused" and "xa.geojson" in bad.error
    nameless = geojson_bytes([({"so": 1}, shapely.box(106, 21, 106.1, 21.1))])
    res = page.run_prepare([("x.geojson", nameless)], "commune")
    assert res.error_kind in ("field", "refused")


def test_compare_map_and_default_pair(tiny):
    db = tiny["db"]
    from geo.boundaries import versions as bv
    sets = areas.list_sets(db)
    assert page.default_pair(sets) == (tiny["old"], tiny["communes"])
    changes = bv.compare_sets(db, tiny["old"], tiny["communes"])
    va, vb = page.status_values(changes, "a"), page.status_values(changes, "b")
    assert set(va) == {f"O{c}" for c in ("C00V0", "C00V1", "C01V0", "C01V1", "C10V0", "C10V1", "C11V0", "C11V1")}
    assert set(vb) == {"C00", "C01", "C10", "C11"}
    html = maps.map_html(page.compare_map(areas.map_features(db, tiny["communes"]), changes, "b", "vi", title="#3"))
    assert "Mới" in html
    table = page.sets_table(db, "en")
    assert list(table.columns)[:3] == ["Id", "Name", "Level"] and len(table) == 4
