"""Speed: a ~2,000-polygon, ~20 MB VN-2000 shapefile (the fixture communes cut
into villages and densified) reads, reprojects and repairs well under 5 s."""
from __future__ import annotations

import time
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
def test_big_shapefile_under_5_seconds(big_zip):
    zpath, size, _ = big_zip
    assert 18 * 2**20 < size < 24 * 2**20
    t = time.perf_counter()
    p = prepare(zpath, level="village")
    total = time.perf_counter() - t
    core = sum(p.timings[k] for k in ("read", "text", "crs", "repair"))
    print(f"\n{len(p.gdf)} polygons, {size / 2**20:.1f} MB: total {total:.2f} s, "
          f"read+reproject+repair {core:.2f} s, timings {p.timings}")
    assert 1900 <= len(p.gdf) <= 2100
    assert p.datum_shift is not None and p.crs_used == "EPSG:5899"
    assert shapely.is_valid(p.gdf.geometry.values).all()
    assert p.gdf["parent_code"].notna().all()
    assert core < 5.0
    assert total < 10.0
