"""Coordinates: VN-2000 recognised in all its spellings, the EPSG:6960 shift
applied (and the 230 m error without it), zone guesses, ranges."""
from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS, Transformer

from geo.boundaries import crs as C

try:
    from helpers_boundaries import VN2000_TM3_QN_PRJ
except ImportError:  # tests/ imported as a package
    from tests.helpers_boundaries import VN2000_TM3_QN_PRJ

ESRI_GEOG_VN2000 = ('GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,'
                    '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
# a "local VN-2000" .prj: TM-3 numbers, datum called WGS 84
LOCAL_TM3_WGS84 = (VN2000_TM3_QN_PRJ.replace("D_Vietnam_2000", "D_WGS_1984")
                   .replace("GCS_VN_2000", "GCS_WGS_1984").replace("VN_2000_TM-3_107-45", "Local_TM3"))
VN2000_UTM48_WGS84_DATUM = (
    'PROJCS["VN2000_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
CUSTOM_CM = VN2000_TM3_QN_PRJ.replace('"Central_Meridian",107.75', '"Central_Meridian",106.75')

PTS_TM3 = np.array([[363_594.0, 2_291_610.0], [450_000.0, 2_340_000.0], [535_386.0, 2_396_471.0]])


@pytest.mark.parametrize("text,epsg", [
    ("EPSG:5899", 5899), ("EPSG:9210", 9210), ("EPSG:3405", 3405), ("EPSG:3406", 3406),
    ("EPSG:4756", 4756), ("EPSG:5896", 5896), ("EPSG:9218", 9218),
    (VN2000_TM3_QN_PRJ, 5899), (ESRI_GEOG_VN2000, 4756), (LOCAL_TM3_WGS84, 5899),
    (VN2000_UTM48_WGS84_DATUM, 3405),
])
def test_recognise_vn2000_spellings(text, epsg):
    info = C.recognise(text, text if text.startswith(("PROJCS", "GEOGCS")) else None)
    assert info.vn2000
    assert C.epsg_of(info.crs) == epsg


def test_local_vn2000_is_flagged():
    info = C.recognise(LOCAL_TM3_WGS84, LOCAL_TM3_WGS84)
    assert info.vn2000 and info.note and "VN-2000" in info.note


def test_deprecated_6959_replaced():
    info = C.recognise("EPSG:6959")
    assert info.vn2000 and C.epsg_of(info.crs) == 5899
    assert "6959" in info.note


def test_custom_central_meridian_keeps_vn2000_datum():
    info = C.recognise(CUSTOM_CM, CUSTOM_CM)
    assert info.vn2000
    t = C.WGS84Transform(info.crs, True)
    ll = t(np.array([[500_000.0, 2_300_000.0]]))
    assert abs(ll[0, 0] - 106.75) < 0.01


@pytest.mark.parametrize("text", ["EPSG:4326", "EPSG:32648", "EPSG:3857"])
def test_not_vn2000(text):
    assert not C.recognise(text).vn2000


def test_wgs84_utm_gets_a_note():
    assert C.recognise("EPSG:32648").note  # may hide VN-2000 numbers


def test_shift_is_epsg_6960_exactly():
    """Our transformation equals PROJ's 'VN-2000 to WGS 84 (2)' = EPSG:6960."""
    t = C.WGS84Transform(CRS.from_epsg(5899), True)
    ours = t(PTS_TM3)
    x, y = Transformer.from_crs(5899, 4756, always_xy=True).transform(PTS_TM3[:, 0], PTS_TM3[:, 1])
    x, y = C._helmert_6960().transform(x, y)
    assert np.abs(ours - np.column_stack([x, y])).max() < 1e-9
    assert t.datum_shift == C.DATUM_SHIFT_LABEL
    params = {p.name: p.value for p in __import__("pyproj").crs.CoordinateOperation.from_epsg(6960).params}
    assert params["X-axis translation"] == pytest.approx(-191.90441429)
    assert params["Scale difference"] == pytest.approx(0.252906278)


def test_without_shift_lands_about_230_m_off():
    shifted = C.WGS84Transform(CRS.from_epsg(5899), True)(PTS_TM3)
    naive_crs = CRS.from_proj4("+proj=tmerc +lon_0=107.75 +k=0.9999 +x_0=500000 +datum=WGS84 +type=crs")
    nx, ny = Transformer.from_crs(naive_crs, 4326, always_xy=True).transform(PTS_TM3[:, 0], PTS_TM3[:, 1])
    dx = (shifted[:, 0] - nx) * 111_320 * np.cos(np.radians(21))
    dy = (shifted[:, 1] - ny) * 110_570
    d = np.hypot(dx, dy)
    assert (d > 180).all() and (d < 300).all()


def test_geographic_vn2000_shift():
    t = C.WGS84Transform(CRS.from_epsg(4756), True)
    out = t(np.array([[107.0, 21.0]]))
    assert 0.0005 < abs(out[0, 0] - 107.0) < 0.005


@pytest.mark.parametrize("bounds,kind", [
    ((106.4, 20.7, 108.1, 21.7), "lonlat"), ((20.7, 106.4, 21.7, 108.1), "latlon"),
    ((363_594, 2_291_610, 535_386, 2_396_471), "projected"), ((2.2, 48.8, 2.5, 48.9), "degrees"),
    ((-5e6, -1e6, 5e6, 1e6), "unknown"),
])
def test_classify_range(bounds, kind):
    assert C.classify_range(bounds) == kind


def test_describe_outside_is_vietnamese():
    msg = C.describe_outside((2.2, 48.8, 2.5, 48.9))
    assert "Việt Nam" in msg and "không nằm" in msg


def test_zone_candidates_quang_ninh():
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(370_000, 530_000, 80), rng.uniform(2_295_000, 2_390_000, 80)])
    cands = C.zone_candidates(pts)
    assert cands[0]["epsg"] == 5899 and cands[0]["province"] == "Quảng Ninh"
    assert all(c["crs"].startswith("EPSG:") for c in cands)


def test_zone_candidates_utm_when_far_from_central_meridian():
    t = Transformer.from_crs(4326, 3405, always_xy=True)
    x, y = t.transform(np.linspace(106.9, 107.6, 30), np.linspace(20.9, 21.4, 30))
    cands = C.zone_candidates(np.column_stack([x, y]))
    assert cands[0]["epsg"] == 3405


def test_zone_candidates_follow_parent_bounds():
    pts = PTS_TM3
    cands = C.zone_candidates(pts, parent_bounds=(106.3, 20.6, 108.2, 21.8))
    assert cands[0]["epsg"] == 5899


def test_parse_crs_forms():
    assert C.epsg_of(C.parse_crs("EPSG:9210")) == 9210
    assert C.epsg_of(C.parse_crs(9210)) == 9210
    assert C.epsg_of(C.parse_crs("9210")) == 9210
