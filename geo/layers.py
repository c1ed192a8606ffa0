"""Point data for the map's optional layers (groups, cameras, incident heat).

Read from the same in-memory records as :mod:`geo.stats`, filtered the same way.
"""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from . import areas, auth, stats
from .periods import Period


def _scoped(db, user, set_id, area_codes):
    """``area_codes`` narrowed to what the acting user may see (None = everything)."""
    scope = auth.area_scope(db, auth.resolve(db, user), set_id)
    if scope is None:
        return area_codes
    return set(scope) if area_codes is None else set(area_codes) & set(scope)


def _in_areas(db, t, kind, set_id, ids, codes_wanted):
    if codes_wanted is None:
        return np.ones(len(ids), dtype=bool)
    codes, idx = t._areas(db, kind, set_id, ids)
    ok_codes = np.isin(codes, list(codes_wanted))
    return (idx >= 0) & ok_codes[np.clip(idx, 0, None)]


@stats.consistent
def group_points(db, set_id: int, day, model_types=None, area_codes=None, *, user=None) -> pd.DataFrame:
    """Groups active on ``day`` at their village (spread a little so several in one
    village stay visible): lon, lat, id, name, model_type, members, village_code."""
    area_codes = _scoped(db, user, set_id, area_codes)
    t = stats.record_tables(db)
    g = t.groups
    m = stats.active_mask(g["start"].to_numpy(), g["stop"].to_numpy(), stats.day_number(day))
    if model_types:
        m &= g["model_type"].isin(list(model_types)).to_numpy()
    m &= _in_areas(db, t, "group", set_id, pd.Index(g["id"]), area_codes)
    sel = g[m].copy()
    vset = areas.current_set(db, "village")
    if vset is None or sel.empty:
        return sel.assign(lon=pd.Series(dtype=float), lat=pd.Series(dtype=float)).iloc[0:0]
    vt = areas.area_table(db, vset.id).set_index("code")
    sel = sel[sel["village_code"].isin(vt.index)]
    # deterministic spread of ~150 m around the village's inner point
    h = np.array([zlib.crc32(str(i).encode()) for i in sel["id"]], dtype=np.uint32)
    ang = (h % 360) * np.pi / 180.0
    r = 0.0006 + (h >> 9) % 7 * 0.0002
    sel["lon"] = vt.loc[sel["village_code"], "centroid_lon"].to_numpy() + r * np.cos(ang)
    sel["lat"] = vt.loc[sel["village_code"], "centroid_lat"].to_numpy() + r * np.sin(ang)
    return sel[["id", "name", "model_type", "members", "village_code", "lon", "lat"]].reset_index(drop=True)


@stats.consistent
def camera_points(db, set_id: int, day, area_codes=None, *, user=None) -> pd.DataFrame:
    """Cameras active on ``day``: id, lon, lat, radius_m, connected_to_police, owner."""
    area_codes = _scoped(db, user, set_id, area_codes)
    t = stats.record_tables(db)
    c = t.cameras
    m = stats.active_mask(c["start"].to_numpy(), c["stop"].to_numpy(), stats.day_number(day))
    m &= c["lon"].notna().to_numpy() & c["lat"].notna().to_numpy()
    m &= _in_areas(db, t, "camera", set_id, pd.Index(c["id"]), area_codes)
    return c.loc[m, ["id", "lon", "lat", "radius_m", "connected_to_police", "owner"]].reset_index(drop=True)


@stats.consistent
def incident_points(db, set_id: int, period: Period, categories=None, area_codes=None, *,
                    user=None) -> pd.DataFrame:
    """Incidents of the period that have a point: lon, lat, category index.

    Exact points: admins and officers (inside their area) only; see :func:`incident_heat`."""
    actor = auth.resolve(db, user)
    auth.require_points(actor)
    area_codes = _scoped(db, actor, set_id, area_codes)
    t = stats.record_tables(db)
    m = (stats.category_mask(t, categories)
         & (t.inc_day >= stats.day_number(period.start)) & (t.inc_day <= stats.day_number(period.end))
         & np.isfinite(t.inc_lon) & np.isfinite(t.inc_lat))
    if area_codes is not None:
        m &= _in_areas(db, t, "incident", set_id, t.inc_ids, area_codes)
    return pd.DataFrame({"lon": t.inc_lon[m], "lat": t.inc_lat[m], "category": t.inc_cat[m]})


HEAT_CELL_DEG = 0.002  # ~200 m: the finest a heat layer ever shows to who may not see points
# (0.002° of latitude is 222 m; of longitude ≥ 204 m everywhere in Vietnam, north of it is 23.4°)


def heat_cell_deg(cell_deg, user: "auth.User") -> float:
    """The grid a heat layer may be built on for ``user``.

    Who may see exact points (admins, officers) gets ``cell_deg`` as asked (a bad
    value: the default).  Anyone else gets at least :data:`HEAT_CELL_DEG`, and only
    power-of-two multiples of it: every such grid nests in the finest one, so asking
    for several sizes and intersecting the cells tells nothing finer than 200 m."""
    try:
        value = float(cell_deg)
    except (TypeError, ValueError):
        value = HEAT_CELL_DEG
    if not np.isfinite(value) or value <= 0:
        value = HEAT_CELL_DEG
    if user.sees_points:
        return value
    if value <= HEAT_CELL_DEG:
        return HEAT_CELL_DEG
    return HEAT_CELL_DEG * 2.0 ** min(20, int(np.ceil(np.log2(value / HEAT_CELL_DEG) - 1e-9)))


@stats.consistent
def incident_heat(db, set_id: int, period: Period, categories=None, area_codes=None, *, user=None,
                  cell_deg: float = HEAT_CELL_DEG) -> pd.DataFrame:
    """Incidents of the period counted on a grid of ``cell_deg`` cells: lon, lat
    (cell centres), weight.  Every role may have it: no exact point leaves here, and
    for a user who may not see points the grid is never finer than ~200 m, whatever
    ``cell_deg`` says (:func:`heat_cell_deg`)."""
    actor = auth.resolve(db, user)
    cell_deg = heat_cell_deg(cell_deg, actor)
    user = actor
    area_codes = _scoped(db, user, set_id, area_codes)
    pts = incident_points(db, set_id, period, categories, area_codes)  # as the library itself
    if pts.empty:
        return pd.DataFrame({"lon": [], "lat": [], "weight": []})
    ix = np.floor(pts["lon"].to_numpy() / cell_deg).astype(np.int64)
    iy = np.floor(pts["lat"].to_numpy() / cell_deg).astype(np.int64)
    keys, counts = np.unique(np.stack([ix, iy], axis=1), axis=0, return_counts=True)
    return pd.DataFrame({"lon": (keys[:, 0] + 0.5) * cell_deg, "lat": (keys[:, 1] + 0.5) * cell_deg,
                         "weight": counts.astype(float)})
