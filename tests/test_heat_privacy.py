"""Privacy parameters are clamped in geo/ (issue 12, item 6, first half): whoever may not
see incident points gets heat cells of at least ~200 m, whatever ``cell_deg`` is passed,
and only grids that nest in the 200 m one (no finer picture by intersecting sizes)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from geo import auth, layers
from geo.periods import Period, parse_date

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))
EXACT = {(106.02, 21.02), (106.07, 21.02), (106.12, 21.02), (106.17, 21.17), (107.5, 22.5)}


def metres(cell_deg, lat):
    return min(cell_deg * 111_320 * math.cos(math.radians(lat)), cell_deg * 110_574)


@pytest.mark.parametrize("cell", [1e-9, 1e-6, 0.0001, 0.0019, 0, -1, float("nan"), float("inf"), "x", None])
def test_a_viewer_never_gets_cells_under_200_m(tiny, cell):
    db = tiny["db"]
    viewer = auth.create_user(db, "xem", "correct-horse", "viewer")
    out = layers.incident_heat(db, tiny["villages"], MARCH, user=viewer, cell_deg=cell)
    assert len(out) and out["weight"].sum() == 5
    pts = set(zip(out["lon"].round(6), out["lat"].round(6)))
    assert not (pts & EXACT)
    assert layers.heat_cell_deg(cell, viewer) == layers.HEAT_CELL_DEG
    # centres on the 0.002° grid: every cell is 0.002° wide, ≥ 200 m at Vietnam's latitudes (8–23.4° N)
    assert np.allclose((out["lon"] / layers.HEAT_CELL_DEG - 0.5) % 1, 0, atol=1e-6)
    assert metres(layers.HEAT_CELL_DEG, 23.4) >= 200


@pytest.mark.parametrize("cell, expected", [(0.003, 0.004), (0.004, 0.004), (0.005, 0.008), (0.1, 0.128)])
def test_a_viewer_gets_only_nesting_grids(tiny, cell, expected):
    viewer = auth.create_user(tiny["db"], "xem", "correct-horse", "viewer")
    assert layers.heat_cell_deg(cell, viewer) == pytest.approx(expected)


def test_who_sees_points_keeps_the_grid_asked_for(tiny):
    db = tiny["db"]
    out = layers.incident_heat(db, tiny["villages"], MARCH, user=auth.SYSTEM, cell_deg=1e-6)
    assert len(out) == 5 and set(zip(out['lon'].round(6), out['lat'].round(6))) & EXACT
    assert layers.heat_cell_deg(0.0005, auth.SYSTEM) == 0.0005
    assert layers.heat_cell_deg(float("nan"), auth.SYSTEM) == layers.HEAT_CELL_DEG


def test_viewer_by_name_is_clamped_too(tiny):
    db = tiny["db"]
    auth.create_user(db, "xem", "correct-horse", "viewer")
    out = layers.incident_heat(db, tiny["villages"], MARCH, user="xem", cell_deg=1e-9)
    assert not (set(zip(out["lon"].round(6), out["lat"].round(6))) & EXACT)
