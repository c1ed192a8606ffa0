import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo import areas, store


@pytest.mark.parametrize("boxes", [
    [(106.0, 21.0, 106.1, 21.1)],                                   # one commune-sized square
    [(103.0, 22.5, 103.5, 23.0), (109.0, 9.0, 109.5, 9.5)],          # north and south of the country at once
])
def test_area_km2_matches_the_geodesic_area(boxes):
    geoms = [shapely.box(*b) for b in boxes]
    geod = Geod(ellps="WGS84")
    expected = np.array([abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in geoms])
    assert np.allclose(areas.geodesic_area_km2(geoms), expected, rtol=1e-5)


def test_new_set_keeps_shared_borders_shared_and_replaced_set_closed(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    cells = [shapely.box(106 + i * 0.01, 21, 106 + (i + 1) * 0.01, 21.01) for i in range(4)]
    gdf = gpd.GeoDataFrame({"code": list("ABCD"), "name": list("ABCD")}, geometry=cells, crs=4326)
    old = areas.create_set(db, gdf, name="v1", level="commune", valid_from="2019-01-01")
    new = areas.create_set(db, gdf, name="v2", level="commune", valid_from="2025-07-01", replaces_set_id=old)
    sets = {s.id: s for s in areas.list_sets(db)}
    assert sets[old].valid_to == "2025-06-30" and sets[old].areas == 4     # closed, kept
    assert sets[new].current
    simple = areas.load_areas(db, new, simple=True)
    # neighbours still touch along their whole shared edge: no gap opened by simplification
    assert shapely.union_all(simple.geometry.values).area == pytest.approx(shapely.union_all(cells).area)
