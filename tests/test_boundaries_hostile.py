"""Hostile and broken input: each refused with one clear Vietnamese line, or
repaired and reported."""
from __future__ import annotations

import json
import os
import random
import zipfile

import geopandas as gpd
import pytest
import shapely

from geo.boundaries import BoundaryError, FieldChoiceNeeded, prepare

try:
    import helpers_boundaries as H
except ImportError:  # tests/ imported as a package
    from tests import helpers_boundaries as H

VI_CHARS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def refused(excinfo_or_exc, *words: str) -> str:
    """The message is one Vietnamese line containing ``words``."""
    e = getattr(excinfo_or_exc, "value", excinfo_or_exc)
    msg = str(e)
    assert isinstance(e, BoundaryError)
    assert "\n" not in msg and "Traceback" not in msg
    assert VI_CHARS & set(msg.lower()), msg
    for w in words:
        assert w.lower() in msg.lower(), msg
    return msg


def feature(geom, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def write_geojson(path, features) -> str:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def communes_gdf(n=3, x0=106.0, y0=21.0, d=0.05):
    geoms = [H.square(x0 + i * d, y0, d) for i in range(n)]
    return gpd.GeoDataFrame({"MaXa": [f"0{7000 + i}" for i in range(n)],
                             "TenXa": [f"Xã Thử {i}" for i in range(n)]}, geometry=geoms, crs=4326)


@pytest.fixture
def shp_folder(tmp_path):
    folder = tmp_path / "shp"
    H.write_shapefile(communes_gdf(), folder, "xa")
    return folder


# ------------------------------------------------------------------ zips -----
def test_zip_bomb_ratio(tmp_path):
    z = tmp_path / "bomb.zip"
    z.write_bytes(H.zip_bytes({"xa.shp": b"\x00" * (8 << 20), "xa.shx": b"", "xa.dbf": b""}))
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "bom zip")


def test_zip_bomb_total_size(tmp_path):
    rnd = random.Random(1)
    chunk = lambda: b"".join(b"POLYGON((106.%d 21.%d))\n" % (rnd.randint(0, 99), rnd.randint(0, 99))
                             for _ in range(40_000))
    z = tmp_path / "big.zip"
    z.write_bytes(H.zip_bytes({f"part{i}.txt": chunk() for i in range(3)} | {"xa.shp": b"x"}))
    assert z.stat().st_size < 1 << 20
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune", max_bytes=z.stat().st_size + 1000)
    refused(e, "giới hạn")


@pytest.mark.parametrize("name", ["../xa.shp", "a/../../xa.shp", "/etc/xa.shp", "C:\\temp\\xa.shp",
                                  "..\\xa.shp"])
def test_zip_path_traversal_and_absolute(tmp_path, name):
    z = tmp_path / "evil.zip"
    z.write_bytes(H.zip_bytes({name: b"x", "ok.txt": b"y"}))
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "đường dẫn")
    assert not (tmp_path.parent / "xa.shp").exists()


def test_zip_nested(tmp_path, shp_folder):
    inner = H.zip_folder(shp_folder, tmp_path / "inner.zip")
    z = tmp_path / "outer.zip"
    z.write_bytes(H.zip_bytes({"du_lieu/inner.zip": inner.read_bytes()}))
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "lồng")


def test_zip_symlink_member(tmp_path):
    z = tmp_path / "link.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo("xa.shp")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "liên kết")


def test_zip_encrypted_member(tmp_path):
    data = bytearray(H.zip_bytes({"xa.shp": b"data"}, compression=zipfile.ZIP_STORED))
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):   # set the "encrypted" flag bit
        i = data.index(sig) + off
        data[i] |= 0x1
    z = tmp_path / "pw.zip"
    z.write_bytes(bytes(data))
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "mật khẩu")


def test_not_really_a_zip(tmp_path):
    z = tmp_path / "ranh_gioi.zip"
    z.write_text("đây không phải zip")
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "zip")


def test_zip_without_data(tmp_path):
    z = tmp_path / "docs.zip"
    z.write_bytes(H.zip_bytes({"readme.txt": b"hello", "anh.png": b"png"}))
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, "không có dữ liệu")


def test_zip_with_two_shapefiles_asks_for_layer(tmp_path, shp_folder):
    from geo.boundaries import LayerChoiceNeeded
    H.write_shapefile(communes_gdf(2, y0=21.5), shp_folder, "thon")
    z = H.zip_folder(shp_folder, tmp_path / "two.zip")
    with pytest.raises(LayerChoiceNeeded) as e:
        prepare(z, level="commune")
    assert set(e.value.layers) == {"xa", "thon"}
    p = prepare(z, level="commune", layer="thon")
    assert len(p.gdf) == 2


# ------------------------------------------------------------ shapefiles -----
@pytest.mark.parametrize("missing", [".shx", ".dbf"])
def test_missing_shapefile_part(tmp_path, shp_folder, missing):
    (shp_folder / f"xa{missing}").unlink()
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="commune")
    refused(e, "thiếu", missing)
    z = H.zip_folder(shp_folder, tmp_path / "x.zip")
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune")
    refused(e, missing)


def test_only_dbf(shp_folder):
    with pytest.raises(BoundaryError) as e:
        prepare([shp_folder / "xa.dbf", shp_folder / "xa.prj"], level="commune")
    refused(e, ".shp")


def test_truncated_shp(shp_folder):
    shp = shp_folder / "xa.shp"
    data = shp.read_bytes()
    shp.write_bytes(data[: len(data) - 40])
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="commune")
    refused(e, "cắt cụt")


def test_shp_header_only(shp_folder):
    shp = shp_folder / "xa.shp"
    shp.write_bytes(shp.read_bytes()[:60])
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="commune")
    refused(e, "cắt cụt")


def test_shp_garbage(shp_folder):
    (shp_folder / "xa.shp").write_bytes(os.urandom(400))
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="commune")
    refused(e, ".shp")


def test_empty_layer(tmp_path):
    p = write_geojson(tmp_path / "rong.geojson", [])
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "rỗng")


def test_point_layer_refused(tmp_path):
    folder = tmp_path / "pts"
    pts = gpd.GeoDataFrame({"Ten": ["A", "B"]}, geometry=[shapely.Point(106, 21), shapely.Point(107, 21)],
                           crs=4326)
    H.write_shapefile(pts, folder, "diem")
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(folder.iterdir()), level="commune")
    refused(e, "không có vùng", "điểm")


def test_line_layer_refused(tmp_path):
    p = write_geojson(tmp_path / "duong.geojson",
                      [feature(shapely.LineString([(106, 21), (107, 21)]), ten="Đường")])
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "không có vùng", "đường")


# ------------------------------------------------------------ other files -----
def test_file_over_size_limit(tmp_path, shp_folder):
    z = H.zip_folder(shp_folder, tmp_path / "x.zip")
    with pytest.raises(BoundaryError) as e:
        prepare(z, level="commune", max_bytes=100)
    refused(e, "quá lớn", "giới hạn")


@pytest.mark.parametrize("name", ["ranh_gioi.xlsx", "ranh_gioi.csv", "ranh_gioi.rar", "ranh_gioi",
                                  "ranh_gioi.dwg"])
def test_wrong_extension(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"some bytes")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "không hỗ trợ")


def test_geojson_not_json(tmp_path):
    p = tmp_path / "xa.geojson"
    p.write_text('{"type": "FeatureCollection", "features": [ {"type": "Feature", ', encoding="utf-8")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "JSON", "dòng")
    p.write_text("<html>not json</html>")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "không phải JSON")


def test_json_not_geojson(tmp_path):
    p = tmp_path / "xa.json"
    p.write_text('{"ten": "Bình Khê", "ma": 7081}', encoding="utf-8")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "GeoJSON")


KML_POINTS = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Trụ sở UBND</name><Point><coordinates>107.1,21.0</coordinates></Point></Placemark>
<Placemark><name>Chốt</name><Point><coordinates>107.2,21.0</coordinates></Point></Placemark>
</Document></kml>"""


def test_kml_without_polygons(tmp_path):
    p = tmp_path / "diem.kml"
    p.write_text(KML_POINTS, encoding="utf-8")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "không có vùng")


def test_kml_mixed_keeps_polygons(tmp_path):
    poly = ("<Placemark><name>Xã Bình Khê</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
            "106.6,21.1 106.7,21.1 106.7,21.2 106.6,21.2 106.6,21.1</coordinates></LinearRing>"
            "</outerBoundaryIs></Polygon></Placemark>")
    p = tmp_path / "tron.kml"
    p.write_text(KML_POINTS.replace("</Document>", poly + "</Document>"), encoding="utf-8")
    res = prepare(p, level="commune")
    assert len(res.gdf) == 1 and res.gdf["name"].iloc[0] == "Bình Khê"
    assert res.gdf["unit_type"].iloc[0] == "xa"
    assert any("không phải vùng" in w for w in res.warnings)


def test_kml_not_xml(tmp_path):
    p = tmp_path / "x.kml"
    p.write_text("hello")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "KML")


def test_kmz_without_kml(tmp_path):
    p = tmp_path / "x.kmz"
    p.write_bytes(H.zip_bytes({"images/a.png": b"png"}))
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, ".kml")


def test_gpkg_not_sqlite(tmp_path):
    p = tmp_path / "x.gpkg"
    p.write_text("not a database")
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="commune")
    refused(e, "GeoPackage")


def test_gpkg_unknown_layer():
    with pytest.raises(BoundaryError) as e:
        prepare(H.fixture(H.GPKG), level="commune", layer="khong_co")
    refused(e, "khong_co")


def test_mixed_upload(tmp_path, shp_folder):
    z = H.zip_folder(shp_folder, tmp_path / "x.zip")
    with pytest.raises(BoundaryError) as e:
        prepare([z, shp_folder / "xa.shp"], level="commune")
    refused(e, "một tệp")


def test_missing_file(tmp_path):
    with pytest.raises(BoundaryError) as e:
        prepare(tmp_path / "khong_co.zip", level="commune")
    refused(e, "không tìm thấy")


def test_bad_level(shp_folder):
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="hamlet")
    refused(e, "cấp")


# ----------------------------------------------------------- coordinates -----
def test_swapped_lat_lon_fixed(tmp_path):
    geoms = [shapely.box(21.0, 106.0, 21.05, 106.05), shapely.box(21.0, 106.05, 21.05, 106.1)]
    p = write_geojson(tmp_path / "dao.geojson",
                      [feature(g, ma=f"0{i}", ten=f"Phường {c}") for i, (g, c) in enumerate(zip(geoms, "AB"))])
    res = prepare(p, level="commune")
    assert res.swapped_axes
    minx, miny, maxx, maxy = res.gdf.total_bounds
    assert 105.9 < minx < 106.2 and 20.9 < miny < 21.1
    assert any("đảo chỗ" in w for w in res.warnings)


def test_outside_vietnam_refused(tmp_path):
    p = write_geojson(tmp_path / "paris.geojson",
                      [feature(shapely.box(2.30, 48.80, 2.40, 48.90), ma="75", ten="Paris")])
    with pytest.raises(BoundaryError) as e:
        prepare(p, level="province")
    refused(e, "Việt Nam")


def test_projected_numbers_outside_any_zone(tmp_path):
    gdf = gpd.GeoDataFrame({"MaXa": ["1"], "TenXa": ["Xã Lạ"]},
                           geometry=[shapely.box(-5_000_000, -100, -4_990_000, 0)], crs=5899)
    folder = tmp_path / "neg"
    H.write_shapefile(gdf, folder, "xa", prj=False)
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(folder.iterdir()), level="commune")
    refused(e, "Việt Nam")


def test_some_rows_outside_vietnam_dropped(tmp_path):
    p = write_geojson(tmp_path / "lan.geojson", [
        feature(H.square(106.0, 21.0), ma="1", ten="Xã Một"),
        feature(H.square(2.3, 48.8), ma="2", ten="Xã Hai"),
    ])
    res = prepare(p, level="commune")
    assert res.gdf["code"].tolist() == ["1"]
    assert res.dropped and "ngoài Việt Nam" in res.dropped[0]["reason"]


def test_wgs84_prj_with_metre_numbers(tmp_path):
    g = communes_gdf().to_crs(5899)
    folder = tmp_path / "sai_prj"
    H.write_shapefile(g, folder, "xa", prj=gpd.GeoSeries([], crs=4326).crs.to_wkt("WKT1_ESRI"))
    res = prepare(sorted(folder.iterdir()), level="commune")
    assert not res.crs_confirmed and res.zone_candidates
    assert any("mét" in w for w in res.warnings)


def test_geographic_without_prj(tmp_path):
    folder = tmp_path / "no_prj"
    H.write_shapefile(communes_gdf(), folder, "xa", prj=False)
    res = prepare(sorted(folder.iterdir()), level="commune")
    assert not res.crs_confirmed
    assert [c["crs"] for c in res.zone_candidates] == ["EPSG:4326", "EPSG:4756"]
    assert res.crs_used == "EPSG:4326" and res.datum_shift is None
    res2 = prepare(sorted(folder.iterdir()), level="commune", crs="EPSG:4756")
    assert res2.datum_shift is not None
    shift = res2.gdf.total_bounds[0] - res.gdf.total_bounds[0]
    assert 0.0005 < abs(shift) < 0.005


def test_bad_user_crs(shp_folder):
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="commune", crs="EPSG:notacode")
    refused(e, "hệ toạ độ")


# -------------------------------------------------------------- geometry -----
def test_bow_tie_repaired(tmp_path):
    p = write_geojson(tmp_path / "no.geojson", [
        feature(H.bow_tie(), ma="1", ten="Xã Nơ"), feature(H.square(107.1, 21.0), ma="2", ten="Xã Vuông")])
    res = prepare(p, level="commune")
    assert len(res.repaired) == 1
    r = res.repaired[0]
    assert r["code"] == "1" and r["name"] == "Nơ" and "tự cắt" in r["problem"]
    g = res.gdf.set_index("code").geometry["1"]
    assert g.is_valid and g.geom_type == "MultiPolygon" and len(g.geoms) == 2
    assert abs(g.area - 0.5 * 0.01 * 0.01) < 1e-12


def test_islands_dissolved(tmp_path):
    feats = [feature(H.square(107.0 + i * 0.05, 21.0, 0.01), ma="06994", ten="Đặc khu Vân Đồn")
             for i in range(3)]
    feats.append(feature(H.square(107.5, 21.0), ma="07000", ten="Xã Khác"))
    res = prepare(write_geojson(tmp_path / "dao.geojson", feats), level="commune")
    assert len(res.gdf) == 2
    van_don = res.gdf.set_index("code").loc["06994"]
    assert van_don["name"] == "Vân Đồn" and van_don["unit_type"] == "dac_khu"
    assert van_don.geometry.geom_type == "MultiPolygon" and len(van_don.geometry.geoms) == 3
    assert res.dissolved == [{"code": "06994", "name": "Vân Đồn", "parts": 3}]
    assert not res.duplicate_codes


def test_duplicate_codes_with_different_names(tmp_path):
    feats = [feature(H.square(107.0, 21.0), ma="100", ten="Xã A"),
             feature(H.square(107.1, 21.0, 0.02), ma="100", ten="Xã B"),
             feature(H.square(107.2, 21.0), ma="101", ten="Xã C")]
    res = prepare(write_geojson(tmp_path / "trung.geojson", feats), level="commune")
    assert res.gdf["code"].is_unique and len(res.gdf) == 2
    d = res.duplicate_codes[0]
    assert d["code"] == "100" and d["names"] == ["B", "A"] and d["kept_name"] == "B"
    assert any("100" in w and "khác tên" in w for w in res.warnings)


def test_empty_geometry_dropped(tmp_path):
    feats = [feature(H.square(107.0, 21.0), ma="1", ten="Xã A"),
             {"type": "Feature", "properties": {"ma": "2", "ten": "Xã B"}, "geometry": None}]
    res = prepare(write_geojson(tmp_path / "rong.geojson", feats), level="commune")
    assert res.gdf["code"].tolist() == ["1"]
    assert res.dropped


def test_z_and_m_dropped(tmp_path):
    poly = shapely.Polygon([(107, 21, 5), (107.01, 21, 5), (107.01, 21.01, 5), (107, 21.01, 5)])
    res = prepare(write_geojson(tmp_path / "z.geojson", [feature(poly, ma="1", ten="Xã Z")]),
                  level="commune")
    assert not res.gdf.has_z.any()
    assert any("Z" in w for w in res.warnings)


def test_overlap_and_gap_geometries(tmp_path):
    feats = [feature(shapely.box(107.00, 21.0, 107.10, 21.1), ma="1", ten="Xã A"),
             feature(shapely.box(107.09, 21.0, 107.20, 21.1), ma="2", ten="Xã B"),   # 0.01° overlap
             feature(shapely.box(107.00, 21.1, 107.20, 21.2), ma="3", ten="Xã C"),
             feature(shapely.box(107.00, 21.21, 107.20, 21.3), ma="4", ten="Xã D")]  # strip C–D
    res = prepare(write_geojson(tmp_path / "chong.geojson", feats), level="commune")
    assert len(res.overlaps) == 1 and sorted(res.overlaps["codes"].iloc[0]) == ["1", "2"]
    assert 1.1e7 < res.overlaps["area_m2"].iloc[0] < 1.2e7      # 1.04 km × 11.1 km
    assert len(res.gaps) == 0          # the strip between C and D is open at both ends
    closed = feats + [feature(shapely.box(106.95, 21.2, 107.0, 21.21), ma="6", ten="Xã F"),
                      feature(shapely.box(107.2, 21.2, 107.25, 21.21), ma="7", ten="Xã G")]
    res = prepare(write_geojson(tmp_path / "khe.geojson", closed), level="commune")
    assert len(res.gaps) == 1 and {"3", "4", "6", "7"} <= set(res.gaps["codes"].iloc[0])
    assert 2.1e7 < res.gaps["area_m2"].iloc[0] < 2.45e7          # 20.8 km × 1.1 km
    assert res.gaps.geometry.iloc[0].equals(shapely.box(107.0, 21.2, 107.2, 21.21).normalize()) or \
        res.gaps.geometry.iloc[0].symmetric_difference(shapely.box(107.0, 21.2, 107.2, 21.21)).area < 1e-12


# ---------------------------------------------------------------- fields -----
def test_no_name_column_asks(tmp_path):
    feats = [feature(H.square(107.0 + i * 0.02, 21.0), so=i, dien_tich=1.5) for i in range(3)]
    with pytest.raises(FieldChoiceNeeded) as e:
        prepare(write_geojson(tmp_path / "so.geojson", feats), level="commune")
    assert set(e.value.fields) >= {"so", "dien_tich"}
    refused(e, "cột tên")


def test_unknown_field_override(shp_folder):
    with pytest.raises(BoundaryError) as e:
        prepare(sorted(shp_folder.iterdir()), level="commune", name_field="KhongCo")
    refused(e, "KhongCo", "TenXa")


def test_field_overrides(shp_folder):
    res = prepare(sorted(shp_folder.iterdir()), level="commune", code_field="tenxa", name_field="MaXa")
    assert res.field_mapping["code"] == "TenXa" and res.field_mapping["name"] == "MaXa"


def test_numeric_codes_get_their_zeros(tmp_path):
    feats = [feature(H.square(107.0 + i * 0.02, 21.0), MaXa=7090 + i, TenXa=f"Phường {n}")
             for i, n in enumerate(["An Sinh", "Bình Khê"])]
    res = prepare(write_geojson(tmp_path / "so.geojson", feats), level="commune")
    assert res.gdf["code"].tolist() == ["07090", "07091"]
    assert res.gdf["unit_type"].tolist() == ["phuong", "phuong"]
    assert res.gdf["name"].tolist() == ["An Sinh", "Bình Khê"]


# ------------------------------------------------------------- text in Unicode formats -----
def test_geojson_with_tcvn3_mojibake(tmp_path):
    from geo.boundaries import encoding as enc
    names = ["Bình Khê", "Quảng Yên", "Đông Triều", "Hạ Long"]
    feats = [feature(H.square(107.0 + i * 0.02, 21.0), ma=str(i),
                     ten=enc.encode_tcvn3(n).decode("latin-1")) for i, n in enumerate(names)]
    res = prepare(write_geojson(tmp_path / "cu.geojson", feats), level="commune")
    assert res.encoding_detected == "tcvn3" and res.encoding_source == "detected"
    assert res.gdf["name"].tolist() == names


def test_geojson_with_double_encoded_utf8(tmp_path):
    names = ["Bình Khê", "Quảng Yên", "Đông Triều"]
    feats = [feature(H.square(107.0 + i * 0.02, 21.0), ma=str(i),
                     ten=n.encode("utf-8").decode("latin-1")) for i, n in enumerate(names)]
    res = prepare(write_geojson(tmp_path / "kep.geojson", feats), level="commune")
    assert res.gdf["name"].tolist() == names


def test_geojson_unicode_left_alone(tmp_path):
    feats = [feature(H.square(107.0, 21.0), ma="1", ten="Phường Hà Tu")]
    res = prepare(write_geojson(tmp_path / "ok.geojson", feats), level="commune")
    assert res.encoding_source == "format" and res.gdf["name"].tolist() == ["Hà Tu"]


# ----------------------------------------------------------------- layers -----
def test_gpkg_single_polygon_layer_chosen_automatically(tmp_path):
    import pyogrio
    path = tmp_path / "mot_lop.gpkg"
    pyogrio.write_dataframe(communes_gdf(), path, layer="xa", driver="GPKG")
    pts = gpd.GeoDataFrame({"ten": ["Chốt"]}, geometry=[shapely.Point(106.01, 21.01)], crs=4326)
    pyogrio.write_dataframe(pts, path, layer="diem", driver="GPKG", append=True)
    res = prepare(path, level="commune")
    assert res.layer == "xa" and len(res.gdf) == 3 and set(res.layers) == {"xa", "diem"}


def test_gpkg_without_polygon_layers(tmp_path):
    import pyogrio
    path = tmp_path / "diem.gpkg"
    pts = gpd.GeoDataFrame({"ten": ["A", "B"]}, geometry=[shapely.Point(106, 21), shapely.Point(107, 21)],
                           crs=4326)
    pyogrio.write_dataframe(pts, path, layer="diem1", driver="GPKG")
    pyogrio.write_dataframe(pts, path, layer="diem2", driver="GPKG", append=True)
    with pytest.raises(BoundaryError) as e:
        prepare(path, level="commune")
    refused(e, "không có lớp vùng")


def test_kml_folders_are_read_together(tmp_path):
    def placemark(name, x):
        return (f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
                f"{x},21.0 {x + 0.05},21.0 {x + 0.05},21.05 {x},21.05 {x},21.0</coordinates></LinearRing>"
                "</outerBoundaryIs></Polygon></Placemark>")
    kml = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           f"<Folder><name>Huyện A</name>{placemark('Xã Một', 106.0)}{placemark('Xã Hai', 106.05)}</Folder>"
           f"<Folder><name>Huyện B</name>{placemark('Phường Ba', 106.1)}</Folder>"
           "</Document></kml>")
    p = tmp_path / "thu_muc.kml"
    p.write_text(kml, encoding="utf-8")
    res = prepare(p, level="commune")
    assert sorted(res.gdf["name"]) == ["Ba", "Hai", "Một"]
    assert len(res.layers) == 2
    assert res.gdf["code"].is_unique
