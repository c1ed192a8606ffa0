"""Columns recognised in the usual Vietnamese and international spellings;
unit-type prefixes split from names."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.boundaries import fields as fl


@pytest.mark.parametrize("column,words", [
    ("MaXa", ("ma", "xa")), ("TenXa", ("ten", "xa")), ("ma_xa", ("ma", "xa")),
    ("Ten_Huyen", ("ten", "huyen")), ("NAME_3", ("name", "3")), ("shapeName", ("shape", "name")),
    ("shapeISO", ("shape", "iso")), ("ten_tinh", ("ten", "tinh")), ("tenxa", ("ten", "xa")),
    ("MATINH", ("matinh",)), ("LoaiDVHC", ("loai", "dvhc")), ("ADM2_PCODE", ("adm", "2", "pcode")),
    ("Tên_Xã", ("ten", "xa")),
])
def test_column_words(column, words):
    got = fl.column_words(column)
    if column == "MATINH":
        assert got == ("ma", "tinh")
    else:
        assert got == words


@pytest.mark.parametrize("column,kind,level", [
    ("MaXa", "code", "commune"), ("TenXa", "name", "commune"), ("ma_xa", "code", "commune"),
    ("ten_xa", "name", "commune"), ("Ten_Huyen", "name", "district"), ("NAME_3", "name", "commune"),
    ("GID_2", "code", "district"), ("shapeName", "name", None), ("ten_tinh", "name", "province"),
    ("MaTinh", "code", "province"), ("LoaiDVHC", "type", None), ("TYPE_3", "type", "commune"),
    ("Ma_Thon", "code", "village"), ("TenTDP", "name", "village"), ("Dan_So", None, None),
    ("ADM1_VI", "name", "province"), ("ADM1_PCODE", "code", "province"), ("id", "code", None),
])
def test_classify_column(column, kind, level):
    k = fl.classify_column(column)
    assert (k.kind, k.level) == (kind, level)


def _df(**cols):
    n = len(next(iter(cols.values())))
    return gpd.GeoDataFrame(cols, geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)])


def test_detect_officer_fields():
    df = _df(MaXa=["07090", "06970", "06673"], TenXa=["An Sinh", "Ba Chẽ", "Bãi Cháy"],
             LoaiDVHC=["Phường", "Xã", "Phường"], MaTinh=["22", "22", "22"],
             TenTinh=["Quảng Ninh"] * 3, DienTich=[1.0, 2.0, 3.0])
    fm = fl.detect_fields(df, "commune")
    assert fm.as_dict() == {"code": "MaXa", "name": "TenXa", "parent": "MaTinh",
                            "parent_kind": "code", "unit_type": "LoaiDVHC"}
    assert fm.parent_candidates == [("MaTinh", "code"), ("TenTinh", "name")]


def test_detect_village_fields():
    df = _df(ma_thon=["1", "2", "3"], ten_thon=["Thôn Đông", "Thôn Tây", "Tổ dân phố 3"],
             ma_xa=["07090", "07090", "06970"], ten_xa=["An Sinh", "An Sinh", "Ba Chẽ"])
    fm = fl.detect_fields(df, "village")
    assert (fm.code, fm.name, fm.parent) == ("ma_thon", "ten_thon", "ma_xa")


def test_district_parent_is_nearest_level():
    df = _df(MaXa=["1", "2", "3"], TenXa=["A", "B", "C"], MaHuyen=["10", "10", "11"],
             MaTinh=["22", "22", "22"])
    assert fl.detect_fields(df, "commune").parent == "MaHuyen"


def test_constant_code_column_skipped():
    df = _df(code=["AD01"] * 4, gid=[1, 2, 3, 4], ten_tinh=["An Giang", "Bắc Ninh", "Cà Mau", "Gia Lai"])
    fm = fl.detect_fields(df, "province")
    assert (fm.code, fm.name) == ("gid", "ten_tinh")
    assert any("code" in n for n in fm.notes)


def test_explicit_choice_and_missing_column():
    df = _df(A=["x", "y"], B=["Bình Khê", "Hạ Long"])
    fm = fl.detect_fields(df, "commune", name_field="b", code_field="A")
    assert (fm.code, fm.name) == ("A", "B")
    with pytest.raises(KeyError):
        fl.detect_fields(df, "commune", name_field="C")


def test_name_found_without_a_name_header():
    df = _df(objectid=[1, 2, 3], xa=["Bình Khê", "Hạ Long", "Cẩm Phả"])
    assert fl.detect_fields(df, "commune").name == "xa"


@pytest.mark.parametrize("name,level,expected", [
    ("Xã An Sinh", "commune", ("xa", "An Sinh")),
    ("Phường Uông Bí", "commune", ("phuong", "Uông Bí")),
    ("Thị trấn Ba Chẽ", "commune", ("thi_tran", "Ba Chẽ")),
    ("Đặc khu Vân Đồn", "commune", ("dac_khu", "Vân Đồn")),
    ("Thôn Đồng Mười", "village", ("thon", "Đồng Mười")),
    ("Tổ dân phố Khe Sím", "village", ("to_dan_pho", "Khe Sím")),
    ("TP Hà Nội", "province", ("thanh_pho_tw", "Hà Nội")),
    ("TP HCM", "province", ("thanh_pho_tw", "Hồ Chí Minh")),
    ("Thành phố Hạ Long", "district", ("thanh_pho", "Hạ Long")),
    ("Tỉnh Quảng Ninh", "province", ("tinh", "Quảng Ninh")),
    ("Huyện Cô Tô", "district", ("huyen", "Cô Tô")),
    ("Thị xã Quảng Yên", "district", ("thi_xa", "Quảng Yên")),
    ("Phường 1", "commune", ("phuong", "Phường 1")),          # a bare number is no name
    ("Tổ dân phố 5", "village", ("to_dan_pho", "Tổ dân phố 5")),
    ("Bình Khê", "commune", (None, "Bình Khê")),
    ("Xa La", "commune", (None, "Xa La")),                    # unaccented: a real name
    ("Phương Nam", "commune", (None, "Phương Nam")),
])
def test_split_unit_prefix(name, level, expected):
    assert fl.split_unit_prefix(name, level) == expected


@pytest.mark.parametrize("value,level,code", [
    ("Phường", "commune", "phuong"), ("Thịtrấn", "commune", "thi_tran"), ("Thị trấn", "commune", "thi_tran"),
    ("Xã", "commune", "xa"), ("Đặc khu", "commune", "dac_khu"), ("Ward", "commune", "phuong"),
    ("Thành phố", "province", "thanh_pho_tw"), ("Thành phố", "district", "thanh_pho"),
    ("Tổ dân phố", "village", "to_dan_pho"), ("ADM1", "province", None), ("", "commune", None),
])
def test_unit_type_code(value, level, code):
    assert fl.unit_type_code(value, level) == code


def test_normalize_code():
    assert fl.normalize_code(7090.0) == "7090"
    assert fl.normalize_code(" 07090 ") == "07090"
    assert fl.normalize_code(float("nan")) is None
    assert fl.normalize_code("") is None
    assert fl.normalize_code(None) is None
