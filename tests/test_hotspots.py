"""Getis-Ord Gi*: PySAL's published example, a hand-computed lattice, and the classes."""
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import areas, assign, hotspots, store
from geo.periods import Period, parse_date

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))


def test_published_example():
    """esda's G_Local docstring: six points, DistanceBand(threshold=15), binary, star=True.
    Neighbours within 15: A–B, A–D, B–D, B–E, C–E, D–E, E–F."""
    y = [2, 3, 3.2, 5, 8, 7]
    nbrs = [np.array(v) for v in ([1, 3], [0, 3, 4], [4], [0, 1, 4], [1, 2, 3, 5], [4])]
    z = hotspots.gi_star(y, nbrs)
    assert z == pytest.approx([-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331])


def test_contiguity_is_queen():
    """A 3×3 grid: corners touch 3 cells (one by a corner only), edges 5, the centre 8."""
    cells = [shapely.box(i, j, i + 1, j + 1) for j in range(3) for i in range(3)]
    nb = hotspots.contiguity(cells)
    assert [len(n) for n in nb] == [3, 5, 3, 5, 8, 5, 3, 5, 3]
    assert sorted(nb[0].tolist()) == [1, 3, 4]
    # a cell apart from the others has no neighbour
    assert [len(n) for n in hotspots.contiguity([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])] == [0, 0]


def strip_db(path, counts):
    """One commune (X) split into a row of villages A, B, C, … with ``counts`` incidents in March 2026."""
    db = store.open_db(path)
    d = 0.01
    n = len(counts)
    prov = gpd.GeoDataFrame({"code": ["P"], "name": ["P"]}, geometry=[shapely.box(106, 21, 106 + n * d, 21 + d)], crs=4326)
    sp = areas.create_set(db, prov, name="P", level="province", assign_records=False)
    com = gpd.GeoDataFrame({"code": ["X"], "name": ["X"], "parent_code": ["P"]},
                           geometry=[shapely.box(106, 21, 106 + n * d, 21 + d)], crs=4326)
    sc = areas.create_set(db, com, name="C", level="commune", parent_set_id=sp, assign_records=False)
    vil = gpd.GeoDataFrame({"code": [chr(65 + k) for k in range(n)], "name": [f"Thôn {chr(65 + k)}" for k in range(n)],
                            "parent_code": ["X"] * n},
                           geometry=[shapely.box(106 + k * d, 21, 106 + (k + 1) * d, 21 + d) for k in range(n)], crs=4326)
    sv = areas.create_set(db, vil, name="V", level="village", parent_set_id=sc, assign_records=False)
    rows = [(f"{k}-{m}", "2026-03-10", "hinh_su", 106 + (k + 0.5) * d, 21 + d / 2)
            for k, c in enumerate(counts) for m in range(c)]
    with store.transaction(db) as conn:
        conn.executemany("INSERT INTO incidents (id, occurred_on, category, lon, lat) VALUES (?,?,?,?,?)", rows)
        for s in (sp, sc, sv):
            assign.assign_set(db, s)
        store.bump_revision(db)
    return db, sv


def test_hand_computed_strip(tmp_path):
    """Counts 0, 0, 0, 4, 8 in a row: n = 5, mean 2.4, S = √(80/5 − 2.4²) = 3.2.
    E (neighbours D, E): z = (12 − 2·2.4) / (3.2·√((5·2 − 2²)/4)) = 7.2 / (3.2·√1.5) = 1.8371 → hot 90 %.
    D (C, D, E): (12 − 3·2.4) / (3.2·√((15 − 9)/4)) = 4.8 / 3.919 = 1.2247; C: −3.2 / 3.919 = −0.8165;
    B: −7.2 / 3.919 = −1.8371 → cold 90 %; A (A, B): −4.8 / 3.919 = −1.2247."""
    db, sv = strip_db(tmp_path / "strip.db", [0, 0, 0, 4, 8])
    # the plain Gi* classes (no minimum count, no multiple-testing correction)
    h = hotspots.hot_spots(db, sv, MARCH, min_count=0, correction="none")
    assert h["code"].tolist() == ["A", "B", "C", "D", "E"]
    assert h["incidents"].tolist() == [0, 0, 0, 4, 8]
    k = 3.2 * math.sqrt(1.5)
    expect = [-4.8 / k, -7.2 / k, -3.2 / k, 4.8 / k, 7.2 / k]
    assert h["z"].tolist() == pytest.approx([round(v, 2) for v in expect])
    assert h["class"].tolist() == ["ns", "cold_90", "ns", "ns", "hot_90"]
    assert h["confidence"].tolist() == [0, 90, 0, 0, 90]
    assert h.loc[4, "p"] == pytest.approx(math.erfc(7.2 / k / math.sqrt(2)), abs=1e-4)   # two-sided, 0.0662
    assert h.loc[0, "name"] == "Thôn A"


def test_strong_hot_spot_and_area(tmp_path):
    """Nine villages, 30 incidents in each of the last two (H, I)."""
    db, sv = strip_db(tmp_path / "strip9.db", [0, 0, 0, 0, 0, 0, 0, 30, 30])
    h = hotspots.hot_spots(db, sv, MARCH, min_count=0, correction="none").set_index("code")
    # z(I) = (60 − 2·60/9) / (S·√((9·2 − 4)/8)), S = √(1800/9 − (60/9)²)
    mean = 60 / 9
    s = math.sqrt(1800 / 9 - mean ** 2)
    assert h.loc["I", "z"] == pytest.approx(round((60 - 2 * mean) / (s * math.sqrt(14 / 8)), 2))
    # z(H) (G, H, I) = (60 − 3·60/9) / (S·√((27 − 9)/8)) = 40 / (1.5·S) = 2.14
    assert h.loc["H", "z"] == pytest.approx(round(40 / (1.5 * s), 2))
    assert h.loc["I", "class"] == "hot_99" and h.loc["H", "class"] == "hot_95" and h.loc["A", "class"] == "ns"
    # the study region narrowed to commune X (all of them here) gives the same figures
    assert hotspots.hot_spots(db, sv, MARCH, area="X")["z"].tolist() == h["z"].tolist()
    # narrowed to village A alone: one area, nothing to compare, nothing significant
    sub = hotspots.hot_spots(db, sv, MARCH, area="A")
    assert sub["code"].tolist() == ["A"] and sub["class"].tolist() == ["ns"]


def test_no_variation_is_not_significant(tmp_path):
    db, sv = strip_db(tmp_path / "flat.db", [2, 2, 2])
    h = hotspots.hot_spots(db, sv, MARCH)
    assert h["z"].isna().all() and (h["class"] == "ns").all() and (h["confidence"] == 0).all()


def test_classes_thresholds():
    z = np.array([2.6, 2.0, 1.7, 1.6, 0.0, -1.65, -1.97, -3.0, np.nan])
    assert hotspots.classify(z).tolist() == ["hot_99", "hot_95", "hot_90", "ns", "ns", "cold_90", "cold_95",
                                             "cold_99", "ns"]
    assert hotspots.confidence(z).tolist() == [99, 95, 90, 0, 0, 90, 95, 99, 0]


def test_tiny_villages(tiny):
    h = hotspots.hot_spots(tiny["db"], tiny["villages"], MARCH)
    assert len(h) == 8 and h["incidents"].sum() == 4
    assert set(h["class"]) <= set(hotspots.CLASSES)


def test_demo_villages(demo_path):
    """On the demo's irregular villages: every village has neighbours, z is the formula's."""
    from geo import areas, stats
    db = store.open_db(demo_path, create=False)
    vset = areas.current_set(db, "village").id
    codes, nbrs = hotspots.neighbours(db, vset)
    assert len(codes) > 10 and all(len(n) > 0 for n in nbrs)
    assert all(i in nbrs[j] for i, nb in enumerate(nbrs) for j in nb)          # symmetric
    period = Period(parse_date("2026-01-01"), parse_date("2026-06-30"))
    h = hotspots.hot_spots(db, vset, period)
    y = stats.incident_counts(db, vset, period).reindex(codes).to_numpy(dtype=float)
    n = len(y)
    xbar, s = y.mean(), y.std()
    z = []
    for i, nb in enumerate(nbrs):
        w = len(nb) + 1
        z.append((y[nb].sum() + y[i] - xbar * w) / (s * math.sqrt((n * w - w * w) / (n - 1))))
    assert h["z"].tolist() == pytest.approx(np.round(z, 2).tolist(), abs=0.011)
    assert (h["class"] != "ns").any()
