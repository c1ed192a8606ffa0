"""A ~2,000-polygon, ~20 MB VN-2000 shapefile (the fixture communes cut into villages
and densified) reads, reprojects and repairs completely.  Its time is measured in
bench/bench_boundaries.py, never asserted here (the team rule: times are printed)."""
from __future__ import annotations

import zipfile

import pytest
import shapely

from geo.boundaries import prepare

try:
    import helpers_boundaries as H
except ImportError:  # tests/ imported as a package
    from tests import helpers_boundaries as H


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory):
    H.fixture(H.REFERENCE)
    folder = tmp_path_factory.mktemp("thon_big")
    shp = H.make_big_village_shapefile(folder)
    size = sum(p.stat().st_size for p in folder.iterdir())
    zpath = folder.parent / "thon_big.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for p in folder.iterdir():
            z.write(p, p.name)
    return zpath, size, shp


@pytest.mark.slow
def test_big_shapefile_reads_reprojects_and_repairs_whole(big_zip):
    zpath, size, _ = big_zip
    assert 18 * 2**20 < size < 24 * 2**20
    p = prepare(zpath, level="village")
    assert 1900 <= len(p.gdf) <= 2100
    assert p.datum_shift is not None and p.crs_used == "EPSG:5899"
    assert shapely.is_valid(p.gdf.geometry.values).all()
    assert p.gdf["parent_code"].notna().all()
    assert {"read", "text", "crs", "repair"} <= set(p.timings)     # the steps bench/ reports
