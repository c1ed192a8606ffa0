"""Villages (made by subdividing the real communes) linked to communes by
parent code, by name, or by largest overlap; orphans listed."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.boundaries import link_parents, prepare

try:
    import helpers_boundaries as H
except ImportError:  # tests/ imported as a package
    from tests import helpers_boundaries as H


@pytest.fixture(scope="module")
def communes():
    return prepare(H.fixture(H.REFERENCE), level="commune", check_topology=False).gdf


@pytest.fixture(scope="module")
def villages_file(tmp_path_factory, communes):
    ref = H.reference_communes()
    some = ref[ref["id"].isin(["07090", "07081", "06688", "06994", "06970"])]
    villages = H.subdivide(some, 4, seed=3)
    folder = tmp_path_factory.mktemp("thon")
    H.write_shapefile(villages, folder, "thon")
    return villages, sorted(folder.iterdir())


def test_subdivision_is_a_clean_coverage(villages_file):
    villages, _ = villages_file
    assert len(villages) == 20
    assert shapely.is_valid(villages.geometry.values).all()
    for code, grp in villages.groupby("ma_xa"):
        assert shapely.coverage_is_valid(grp.geometry.values)


def test_link_by_parent_code(villages_file, communes):
    villages, files = villages_file
    p = prepare(files, level="village", parent=communes)
    assert p.field_mapping["code"] == "ma_thon" and p.field_mapping["parent"] == "ma_xa"
    got = p.gdf.set_index("code")["parent_code"]
    want = villages.set_index("ma_thon")["ma_xa"]
    assert (got.loc[want.index] == want).all()
    assert not p.orphans
    assert set(p.gdf["unit_type"]) == {"thon"}
    # villages of one commune share their edges exactly; only the communes' own
    # overlaps (the fixture is simplified) show up, between villages of two communes
    parent_of = p.gdf.set_index("code")["parent_code"]
    for codes in p.overlaps["codes"]:
        assert len({parent_of[c] for c in codes}) == len(codes)


def test_link_by_overlap_without_parent_column(tmp_path, villages_file, communes):
    villages, _ = villages_file
    folder = tmp_path / "no_parent"
    H.write_shapefile(villages.drop(columns=["ma_xa"]), folder, "thon")
    p = prepare(sorted(folder.iterdir()), level="village", parent=communes)
    assert p.field_mapping["parent"] is None
    got = p.gdf.set_index("code")["parent_code"]
    want = villages.set_index("ma_thon")["ma_xa"]
    assert (got.loc[want.index] == want).all()
    assert any("vị trí" in w for w in p.warnings)


def test_wrong_parent_codes_fall_back_to_overlap(tmp_path, villages_file, communes):
    villages, _ = villages_file
    bad = villages.copy()
    bad.loc[bad.index[:3], "ma_xa"] = "99999"
    folder = tmp_path / "bad_parent"
    H.write_shapefile(bad, folder, "thon")
    p = prepare(sorted(folder.iterdir()), level="village", parent=communes)
    got = p.gdf.set_index("code")["parent_code"]
    want = villages.set_index("ma_thon")["ma_xa"]
    assert (got.loc[want.index] == want).all()
    assert any("99999" in w for w in p.warnings)


def test_orphans_listed(tmp_path, villages_file, communes):
    villages, _ = villages_file
    stray = gpd.GeoDataFrame({"ma_thon": ["X01"], "ten_thon": ["Thôn Lạc"], "ma_xa": [None]},
                             geometry=[H.square(105.0, 21.0)], crs=4326)       # far from Quảng Ninh
    folder = tmp_path / "orphan"
    H.write_shapefile(gpd.GeoDataFrame(
        __import__("pandas").concat([villages, stray], ignore_index=True), crs=4326), folder, "thon")
    p = prepare(sorted(folder.iterdir()), level="village", parent=communes)
    assert [o["code"] for o in p.orphans] == ["X01"]
    assert p.orphans[0]["name"] == "Lạc" and "ngoài" in p.orphans[0]["reason"]
    assert p.gdf.set_index("code").loc["X01", "parent_code"] is None


def test_link_parents_function_direct(communes):
    child = gpd.GeoDataFrame({"code": ["a", "b"], "name": ["A", "B"]},
                             geometry=[communes.geometry.iloc[0].representative_point().buffer(0.001),
                                       H.square(100.0, 10.0)], crs=4326)
    out, orphans, _ = link_parents(child, communes)
    assert out["parent_code"].iloc[0] == communes["code"].iloc[0]
    assert [o["code"] for o in orphans] == ["b"]


def test_numeric_parent_code_without_zero(communes):
    child = gpd.GeoDataFrame({"code": ["a"], "name": ["A"]},
                             geometry=[H.square(100.0, 10.0)], crs=4326)
    out, orphans, _ = link_parents(child, communes, raw_parent=__import__("pandas").Series(["7090"]))
    assert out["parent_code"].iloc[0] == "07090" and not orphans


def test_parent_codes_given_as_integers(villages_file, communes):
    _, files = villages_file
    numeric = communes.assign(code=communes["code"].astype(int))
    p = prepare(files, level="village", parent=numeric)
    assert p.gdf["parent_code"].map(lambda c: isinstance(c, str)).all()
    assert set(p.gdf["parent_code"]) <= {str(int(c)) for c in communes["code"]}
    assert not p.orphans
