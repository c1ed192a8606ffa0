"""The shared real-world fixtures import correctly (see ../shared/fixtures/
boundaries/README.md for their traps)."""
from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pytest
import shapely

from geo.boundaries import BoundaryError, LayerChoiceNeeded, prepare
from geo.boundaries.crs import DATUM_SHIFT_LABEL

try:
    import helpers_boundaries as H
except ImportError:  # tests/ imported as a package
    from tests import helpers_boundaries as H


def _metric(xy):
    return np.column_stack([xy[:, 0] * 111_320 * np.cos(np.radians(21.0)), xy[:, 1] * 110_574])


def _one_way(a_geoms, b_geoms) -> float:
    """Largest distance (m) from a vertex of ``a`` to the outline of ``b``."""
    from scipy.spatial import cKDTree
    a = shapely.get_coordinates(a_geoms)
    b = shapely.get_coordinates(b_geoms)
    d, _ = cKDTree(_metric(b)).query(_metric(a))
    far = d > 0.5
    if not far.any():
        return float(d.max())
    # vertices added by a repair lie on the other outline, not on its vertices
    outline = shapely.union_all(shapely.boundary(np.asarray(b_geoms)))
    pts = shapely.points(a[far])
    dd = shapely.distance(pts, outline) * 111_320
    return float(max(d[~far].max(initial=0), dd.max()))


def _max_offset_m(gdf, ref) -> float:
    """How far apart same-code units are (m), both ways, vertex by vertex."""
    g = gdf.set_index("code").geometry
    r = ref.set_index("id").geometry
    codes = [c for c in r.index if c in g.index]
    assert len(codes) == len(r)
    a, b = g.loc[codes].values, r.loc[codes].values
    return max(_one_way(a, b), _one_way(b, a))


@pytest.fixture(scope="module")
def reference():
    return H.reference_communes()


@pytest.fixture(scope="module")
def tm3(reference):
    return prepare(H.fixture(H.TM3_ZIP), level="commune")


def test_tm3_lands_within_1_m(tm3, reference):
    assert len(tm3.gdf) == 54
    assert tm3.gdf.crs.to_epsg() == 4326
    assert tm3.crs_detected.startswith("EPSG:5899")
    assert tm3.crs_used == "EPSG:5899" and tm3.crs_confirmed
    assert tm3.datum_shift == DATUM_SHIFT_LABEL
    assert _max_offset_m(tm3.gdf, reference) < 1.0


def test_tm3_fields_and_names(tm3, reference):
    assert tm3.field_mapping["code"] == "MaXa"
    assert tm3.field_mapping["name"] == "TenXa"
    assert tm3.field_mapping["parent"] == "MaTinh"
    assert tm3.field_mapping["unit_type"] == "LoaiDVHC"
    assert tm3.encoding_detected == "utf-8" and tm3.encoding_source == "cpg"
    g = tm3.gdf.set_index("code")
    r = reference.set_index("id")
    assert (g.loc[r.index, "name"] == r["name"]).all()
    assert set(g["parent_code"]) == {"22"}
    assert g.loc["06994", "unit_type"] == "dac_khu"      # Đặc khu Vân Đồn
    assert set(g["unit_type"]) <= {"xa", "phuong", "dac_khu"}
    assert list(tm3.gdf.columns) == ["code", "name", "unit_type", "parent_code", "geometry"]
    assert tm3.gdf["code"].is_unique


def test_tm3_repairs_ha_long(tm3):
    assert [r["name"] for r in tm3.repaired] == ["Hạ Long"]
    r = tm3.repaired[0]
    assert "tự cắt" in r["problem"] and r["code"] == "06688" and "make_valid" in r["action"]
    assert shapely.is_valid(tm3.gdf.geometry.values).all()
    assert set(tm3.gdf.geom_type) <= {"Polygon", "MultiPolygon"}


def test_tcvn3_copy_gives_identical_names(tm3):
    p = prepare(H.fixture(H.TM3_TCVN3_ZIP), level="commune")
    assert p.encoding_detected == "tcvn3" and p.encoding_source == "detected"
    a = p.gdf.set_index("code")["name"]
    b = tm3.gdf.set_index("code")["name"]
    assert a.sort_index().tolist() == b.sort_index().tolist()
    assert "Bình Khê" in p.sample_names
    assert all("×" not in n and "ª" not in n for n in p.gdf["name"])
    cands = {c["encoding"]: c for c in p.encoding_candidates}
    assert cands["tcvn3"]["score"] > 0.95 and cands["vni"]["score"] < 0.5
    assert "B×nh Khª" not in cands["tcvn3"]["samples"]


def test_tcvn3_user_override(tm3):
    p = prepare(H.fixture(H.TM3_TCVN3_ZIP), level="commune", encoding="latin-1")
    assert p.encoding_source == "user"
    assert "B×nh Khª" in set(p.gdf["name"])


def test_geoboundaries_utf8_without_cpg():
    p = prepare(H.fixture(H.GEOBOUNDARIES_ZIP), level="province")
    assert p.encoding_detected == "utf-8" and p.encoding_source == "detected"
    names = set(p.gdf["name"])
    assert "Bà Rịa–Vũng Tàu" in names and "Hà Nội" in names          # trailing tab stripped
    assert not any("Ã" in n for n in names)
    assert p.field_mapping["code"] == "shapeISO" and p.field_mapping["name"] == "shapeName"
    assert len(p.gdf) == 63 and p.gdf["code"].is_unique
    assert p.duplicate_codes and p.duplicate_codes[0]["code"] == "VN-43"
    assert set(p.duplicate_codes[0]["names"]) == {"Bà Rịa–Vũng Tàu", "Côn Đảo"}
    assert any("VN-43" in w for w in p.warnings)
    assert p.datum_shift is None
    assert (p.gdf["unit_type"] == "tinh").all()


def test_kml_names_from_ten_tinh():
    p = prepare(H.fixture(H.PROVINCES_KML), level="province")
    assert p.field_mapping["name"] == "ten_tinh"
    assert p.field_mapping["code"] != "code"          # "AD01" on every row
    names = set(p.gdf["name"])
    assert len(p.gdf) == 34
    assert "Khánh Hòa" in names and "Khánh Hoà" not in names      # modern tone placement
    assert {"Hà Nội", "Hồ Chí Minh", "Cần Thơ"} <= names            # "TP " split off
    g = p.gdf.set_index("name")
    assert g.loc["Hà Nội", "unit_type"] == "thanh_pho_tw"
    assert g.loc["Quảng Ninh", "unit_type"] == "tinh"


def test_kmz_keeps_extended_data(tmp_path):
    kmz = tmp_path / "tinh.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(H.fixture(H.PROVINCES_KML), "doc.kml")
        z.writestr("files/logo.png", b"\x89PNG fake")
    p = prepare(kmz, level="province")
    assert p.field_mapping["name"] == "ten_tinh"
    assert "Quảng Ninh" in set(p.gdf["name"])


def test_geopackage_asks_for_a_layer():
    with pytest.raises(LayerChoiceNeeded) as e:
        prepare(H.fixture(H.GPKG), level="commune")
    assert e.value.layers == ["xa_phuong_2025", "xa_phuong_truoc_2025_gadm41", "huyen_odm"]
    assert {i["name"]: i["features"] for i in e.value.layer_info}["huyen_odm"] == 283
    assert "chọn" in str(e.value)


def test_geopackage_chosen_layer(reference):
    p = prepare(H.fixture(H.GPKG), level="commune", layer="xa_phuong_2025")
    assert p.layer == "xa_phuong_2025" and len(p.layers) == 3
    assert p.crs_detected.startswith("EPSG:3405") and p.datum_shift == DATUM_SHIFT_LABEL
    assert len(p.repaired) == 2 and {r["name"] for r in p.repaired} == {"Hạ Long", "Vân Đồn"}
    # every commune within 1 m except where a degenerate ring was removed
    g = p.gdf.set_index("code")
    r = reference.set_index("id")
    others = p.gdf[p.gdf["code"] != "06994"]
    assert _max_offset_m(others, reference[reference["id"] != "06994"]) < 1.0
    assert g.geometry["06994"].symmetric_difference(r.geometry["06994"]).area < 1e-5 * r.geometry["06994"].area


def test_geopackage_gadm_layer():
    p = prepare(H.fixture(H.GPKG), level="commune", layer="xa_phuong_truoc_2025_gadm41")
    assert p.field_mapping == {"code": "GID_3", "name": "NAME_3", "parent": "NAME_2",
                               "parent_kind": "name", "unit_type": "TYPE_3"}
    assert "Đạp Thanh" in set(p.gdf["name"])           # GADM glues syllables together
    assert (p.gdf.set_index("name").loc["Ba Chẽ", "unit_type"] == "thi_tran")


def test_districts_islands_dissolved():
    p = prepare(H.fixture(H.DISTRICT_PARTS), level="district")
    assert p.feature_count == 283
    assert len(p.gdf) == 14 and p.gdf["code"].is_unique
    assert p.field_mapping["code"] == "Code_vung" and p.field_mapping["name"] == "Ten_Huyen"
    assert sum(d["parts"] for d in p.dissolved) + (14 - len(p.dissolved)) == 283
    assert not p.duplicate_codes
    assert any("không có dấu" in w for w in p.warnings)
    assert (p.gdf.geom_type == "MultiPolygon").sum() >= 9


def test_overlaps_and_gaps_reported(tm3):
    assert len(tm3.overlaps) > 10 and len(tm3.gaps) > 10
    assert tm3.overlaps.crs.to_epsg() == 4326
    assert (tm3.overlaps["area_m2"] >= 10_000).all() and (tm3.gaps["area_m2"] >= 10_000).all()
    assert all(len(c) >= 2 for c in tm3.overlaps["codes"])
    assert set(tm3.overlaps.geom_type) <= {"Polygon", "MultiPolygon"}


def test_shapefile_without_prj_proposes_zone(tmp_path, reference):
    folder = tmp_path / "x"
    with zipfile.ZipFile(H.fixture(H.TM3_ZIP)) as z:
        z.extractall(folder)
    next(folder.glob("*.prj")).unlink()
    files = sorted(folder.iterdir())
    p = prepare(files, level="commune")
    assert not p.crs_confirmed
    assert p.zone_candidates[0]["crs"] == "EPSG:5899"
    assert p.zone_candidates[0]["province"] == "Quảng Ninh"
    assert any(".prj" in w for w in p.warnings)
    assert _max_offset_m(p.gdf, reference) < 1.0     # the proposal is right here
    confirmed = prepare(files, level="commune", crs="EPSG:5899")
    assert confirmed.crs_confirmed and confirmed.crs_used == "EPSG:5899"
    wrong = prepare(files, level="commune", crs="EPSG:9210")
    shift_deg = wrong.gdf.total_bounds[0] - reference.total_bounds[0]
    assert shift_deg < -1.5          # the same numbers read 2° further west


def test_shapefile_in_subfolder_with_extras(tmp_path, tm3):
    src = tmp_path / "src"
    with zipfile.ZipFile(H.fixture(H.TM3_ZIP)) as z:
        z.extractall(src)
    stem = next(src.glob("*.shp")).stem
    (src / f"{stem}.sbn").write_bytes(b"\x00" * 100)
    (src / f"{stem}.sbx").write_bytes(b"\x00" * 100)
    (src / f"{stem}.shp.xml").write_text("<metadata/>")
    zpath = H.zip_folder(src, tmp_path / "nested.zip", prefix="Du lieu/Ranh gioi xa/")
    p = prepare(zpath, level="commune")
    assert len(p.gdf) == 54 and p.source_file == "nested.zip"


def test_loose_files_with_upper_case_extensions(tmp_path):
    src = tmp_path / "src"
    with zipfile.ZipFile(H.fixture(H.TM3_TCVN3_ZIP)) as z:
        z.extractall(src)
    for p in src.iterdir():
        p.rename(p.with_suffix(p.suffix.upper()))
    p = prepare(sorted(src.iterdir()), level="commune")
    assert p.encoding_detected == "tcvn3" and "Bình Khê" in set(p.gdf["name"])


def test_vni_and_cp1258_shapefiles(tmp_path, reference):
    from geo.boundaries import encoding as enc
    for name, encoder in (("vni", enc.encode_vni), ("cp1258", enc.encode_cp1258)):
        folder = tmp_path / name
        shp = H.write_shapefile(reference[["id", "name", "geometry"]].rename(
            columns={"id": "MaXa", "name": "TenXa"}), folder, "xa", cpg=False)
        H.write_dbf_text(shp, "TenXa", [encoder(n) for n in reference["name"]])
        p = prepare(sorted(folder.iterdir()), level="commune")
        assert p.encoding_detected == name
        assert p.gdf["name"].tolist() == reference["name"].tolist()


def test_geojson_with_vn2000_crs_member(tmp_path, reference):
    import pyogrio
    path = tmp_path / "xa_vn2000.geojson"
    pyogrio.write_dataframe(reference.to_crs(5899), path, driver="GeoJSON")
    p = prepare(path, level="commune")
    assert p.crs_used == "EPSG:5899" and p.datum_shift == DATUM_SHIFT_LABEL
    assert _max_offset_m(p.gdf, reference) < 1.0


def test_parent_link_by_code(reference):
    provinces = prepare(H.fixture(H.PROVINCES_KML), level="province").gdf
    provinces.loc[provinces["name"] == "Quảng Ninh", "code"] = "22"
    p = prepare(H.fixture(H.TM3_ZIP), level="commune", parent=provinces)
    assert set(p.gdf["parent_code"]) == {"22"} and not p.orphans


def test_parent_link_by_name_for_districts():
    provinces = prepare(H.fixture(H.GEOBOUNDARIES_ZIP), level="province").gdf
    p = prepare(H.fixture(H.DISTRICT_PARTS), level="district", parent=provinces)
    assert p.field_mapping["parent"] == "Ten_Tinh"
    qn = provinces.set_index("name").loc["Quảng Ninh", "code"]
    assert set(p.gdf["parent_code"]) == {qn} and not p.orphans

