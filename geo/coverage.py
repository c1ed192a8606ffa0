"""Coverage: where cameras watch, which incidents they saw, villages with no programme.

Definitions (also in the README and :data:`geo.stats.DEFINITIONS`):

- a camera is active on a day when ``installed_on ≤ day`` and (``removed_on`` is
  empty or later); it watches the disc of ``radius_m`` around its point;
- ``camera_area_pct`` of an area = share of the area's surface within
  ``radius_m`` of a camera active on the period's last day (the union of the
  discs, so overlapping cameras count once);
- ``incidents_in_camera_view_pct`` of an area = share of the period's incidents
  of the area *that have a point* lying within ``radius_m`` of a camera active
  on the incident's own date; null when the area has no such incident;
- "vùng trắng": villages with no active group of any model type on the day.

Geometry is computed in a metric, equal-area CRS: a Lambert azimuthal
equal-area projection centred on the data (:func:`metric_crs`), so surfaces
are true and distances within a province are off by less than 0.01 %.  Discs
are 64-gons (``QUAD_SEGS`` = 16), whose surface is 0.16 % below the circle's.

Speed: every camera's disc is computed once per data revision, and whether an
incident was in view once, when a period first needs it.  The covered surface of each area is kept
per (boundary set, area, set of active cameras reaching it): a change of the
period's last day recomputes only the areas whose cameras changed between the
two days, so presets ending today cost a lookup.
"""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pyproj
import shapely

from . import areas, stats, vocab
from .periods import Period

QUAD_SEGS = 16                 # segments per quarter circle: discs are 64-gons
DEFAULT_RADIUS_M = 50.0        # a camera with no radius (schema default)
_COVER_CACHE_MAX = 400_000     # (area, camera subset) → covered m² entries kept per revision


# --- the metric CRS ---------------------------------------------------------

def metric_crs(db) -> str:
    """A local Lambert azimuthal equal-area CRS (metres) centred on the data's extent.

    The centre is the middle of all stored areas (else of the cameras), rounded
    to 0.1°, so it is stable while data is added."""
    row = db.conn.execute("SELECT min(centroid_lon), max(centroid_lon), min(centroid_lat), "
                          "max(centroid_lat) FROM areas").fetchone()
    if row is None or row[0] is None:
        row = db.conn.execute("SELECT min(lon), max(lon), min(lat), max(lat) FROM cameras "
                              "WHERE deleted_at IS NULL").fetchone()
    if row is None or row[0] is None:
        lon0, lat0 = 105.8, 21.0   # Hà Nội: any centre will do when there is nothing to measure
    else:
        lon0, lat0 = (row[0] + row[1]) / 2, (row[2] + row[3]) / 2
    return (f"+proj=laea +lat_0={round(lat0, 1)} +lon_0={round(lon0, 1)} +x_0=0 +y_0=0 "
            "+datum=WGS84 +units=m +no_defs")


_transformers: dict[str, pyproj.Transformer] = {}
_tr_lock = threading.Lock()


def _transformer(crs: str) -> pyproj.Transformer:
    with _tr_lock:
        tr = _transformers.get(crs)
        if tr is None:
            tr = _transformers[crs] = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        return tr


def to_metric(crs: str, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat → x/y metres in ``crs`` (NaN stays NaN)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = _transformer(crs).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def project_geoms(crs: str, geoms) -> np.ndarray:
    tr = _transformer(crs)

    def f(xy):
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(np.asarray(geoms, dtype=object), f)


# --- cameras, per revision ----------------------------------------------------

class _Cameras:
    """Every camera of the revision in metric coordinates, with its disc."""

    def __init__(self, db, t: stats.RecordTables):
        c = t.cameras
        self.crs = metric_crs(db)
        self.x, self.y = to_metric(self.crs, c["lon"].to_numpy(dtype=float), c["lat"].to_numpy(dtype=float))
        r = pd.to_numeric(c["radius_m"], errors="coerce").to_numpy(dtype=float)
        self.r = np.where(np.isnan(r), DEFAULT_RADIUS_M, np.clip(r, 0.0, None))
        self.ok = np.isfinite(self.x) & np.isfinite(self.y) & (self.r > 0)
        self.start = c["start"].to_numpy()
        self.stop = c["stop"].to_numpy()
        self.discs = np.full(len(c), None, dtype=object)
        if self.ok.any():
            self.discs[self.ok] = shapely.buffer(shapely.points(self.x[self.ok], self.y[self.ok]),
                                                 self.r[self.ok], quad_segs=QUAD_SEGS)
        # a random 64-bit key per camera: the sum over a set of cameras names the set
        self.key = np.random.default_rng(20250701).integers(0, 2**63, len(c), dtype=np.uint64)

    def active(self, day: int) -> np.ndarray:
        return self.ok & stats.active_mask(self.start, self.stop, day)


def _cameras(db, t) -> _Cameras:
    return t.derived("cameras_metric", lambda: _Cameras(db, t))


class _SetCover:
    """The areas of one boundary set in metric coordinates and the cameras reaching each."""

    def __init__(self, db, t, set_id: int, cams: _Cameras):
        gdf = areas.load_areas(db, set_id)
        self.codes = gdf["code"].to_numpy()
        self.geoms = project_geoms(cams.crs, gdf.geometry.values)
        shapely.prepare(self.geoms)
        self.m2 = shapely.area(self.geoms)
        ai = np.array([], dtype=np.int64)
        ci = np.array([], dtype=np.int64)
        idx = np.nonzero(cams.ok)[0]
        if len(idx) and len(self.geoms):
            tree = shapely.STRtree(cams.discs[idx])
            ai, k = tree.query(self.geoms, predicate="intersects")
            ci = idx[k]
            inside = shapely.contains_properly(self.geoms[ai], cams.discs[ci])
            self.inside = inside
        else:
            self.inside = np.array([], dtype=bool)
        order = np.lexsort((ci, ai))
        self.pair_area, self.pair_cam, self.inside = ai[order], ci[order], self.inside[order]
        self.bounds = np.searchsorted(self.pair_area, np.arange(len(self.codes) + 1))
        self.cache: dict[tuple[int, int], float] = {}
        self.lock = threading.Lock()


def _set_cover(db, t, set_id: int) -> _SetCover:
    cams = _cameras(db, t)
    return t.derived(("set_cover", int(set_id)), lambda: _SetCover(db, t, int(set_id), cams))


def _grouped_union_area(geoms: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Surface of the union of ``geoms`` per group (``group`` sorted, values in [0, n))."""
    out = np.zeros(n)
    if len(geoms) == 0:
        return out
    b = np.searchsorted(group, np.arange(n + 1))
    cnt = np.diff(b)
    one = cnt == 1
    out[one] = shapely.area(geoms[b[:-1][one]])
    lo = 2
    while lo <= cnt.max():
        hi = 2 * lo
        sel = np.nonzero((cnt >= lo) & (cnt < hi))[0]
        if len(sel):
            width = int(cnt[sel].max())
            pos = np.arange(width)
            valid = pos[None, :] < cnt[sel][:, None]
            arr = np.full((len(sel), width), None, dtype=object)
            arr[valid] = geoms[(b[sel][:, None] + pos[None, :])[valid]]
            out[sel] = shapely.area(shapely.union_all(arr, axis=1))
        lo = hi
    return out


def _lone(cams: _Cameras, pa: np.ndarray, pc: np.ndarray) -> np.ndarray:
    """For each (area, camera) pair: no other camera of the same area has a disc overlapping it."""
    lone = np.ones(len(pa), dtype=bool)
    if len(pa) < 2:
        return lone
    pts = shapely.points(cams.x[pc], cams.y[pc])
    i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=2 * float(cams.r[pc].max()))
    ok = (i != j) & (pa[i] == pa[j])
    i, j = i[ok], j[ok]
    d2 = (cams.x[pc[i]] - cams.x[pc[j]]) ** 2 + (cams.y[pc[i]] - cams.y[pc[j]]) ** 2
    # touching or overlapping (with a margin for the polygons' vertices): unioned, to be safe
    near = d2 <= (cams.r[pc[i]] + cams.r[pc[j]]) ** 2 * (1 + 1e-6)
    lone[i[near]] = False
    return lone


def camera_area_m2(db, set_id: int, day) -> pd.Series:
    """Surface (m²) of each area of ``set_id`` within reach of a camera active on ``day``."""
    t = stats.record_tables(db)
    cams = _cameras(db, t)
    sc = _set_cover(db, t, set_id)
    act = cams.active(stats.day_number(day))
    n = len(sc.codes)
    on = act[sc.pair_cam]
    # name each area's set of active cameras by the (wrapping) sum of their keys
    keys = np.where(on, cams.key[sc.pair_cam], np.uint64(0))
    cs = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(keys, dtype=np.uint64)])
    h = cs[sc.bounds[1:]] - cs[sc.bounds[:-1]]
    out = np.zeros(n)
    with sc.lock:
        missing = []
        for a in np.nonzero(h)[0]:
            v = sc.cache.get((int(a), int(h[a])))
            if v is None:
                missing.append(a)
            else:
                out[a] = v
        if missing:
            missing = np.asarray(missing)
            want = np.zeros(n, dtype=bool)
            want[missing] = True
            sel = on & want[sc.pair_area]
            pa, pc, ins = sc.pair_area[sel], sc.pair_cam[sel], sc.inside[sel]
            pieces = cams.discs[pc].copy()
            cut = ~ins
            if cut.any():   # discs crossing the area's border: keep the part inside
                pieces[cut] = shapely.intersection(cams.discs[pc[cut]], sc.geoms[pa[cut]])
            # a disc overlapping no other of its area adds its own surface: only the rest is unioned
            lone = _lone(cams, pa, pc)
            got = np.bincount(pa[lone], weights=shapely.area(pieces[lone]), minlength=n)
            got += _grouped_union_area(pieces[~lone], pa[~lone], n)
            if len(sc.cache) + len(missing) > _COVER_CACHE_MAX:
                sc.cache.clear()
            for a in missing:
                sc.cache[(int(a), int(h[a]))] = float(got[a])
                out[a] = got[a]
    return pd.Series(out, index=sc.codes, dtype="float64")


@stats.consistent
def camera_area_pct(db, set_id: int, day) -> pd.Series:
    """Share (%) of each area's surface within reach of a camera active on ``day``
    (null for an area of no surface).  Unrounded; :func:`geo.stats.area_stats` rounds."""
    sc = _set_cover(db, stats.record_tables(db), set_id)
    m2 = camera_area_m2(db, set_id, day)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(sc.m2 > 0, 100.0 * m2.to_numpy() / sc.m2, np.nan)
    return pd.Series(np.minimum(pct, 100.0), index=sc.codes, dtype="float64")


# --- incidents in camera view ---------------------------------------------------

class _InView:
    """Whether each incident was in camera view, worked out on demand and remembered for
    the revision (a request for the last 28 days checks only those incidents)."""

    def __init__(self, db, t):
        self.cams = _cameras(db, t)
        self.t = t
        self.known = ~(t.inc_has_point & (t.inc_day >= 0))   # no point: known, not in view
        self.seen = np.zeros(len(t.inc_ids), dtype=bool)
        idx_c = np.nonzero(self.cams.ok)[0]
        self.idx_c = idx_c
        self.tree = shapely.STRtree(shapely.points(self.cams.x[idx_c], self.cams.y[idx_c])) if len(idx_c) else None
        self.rmax = float(self.cams.r[idx_c].max()) if len(idx_c) else 0.0
        self.lock = threading.Lock()

    def get(self, mask: np.ndarray | None = None) -> np.ndarray:
        """The in-view flags, complete at least where ``mask`` (None: everywhere) is True."""
        want = ~self.known if mask is None else (mask & ~self.known)
        if want.any():
            with self.lock:
                want &= ~self.known
                todo = np.nonzero(want)[0]
                if len(todo) and self.tree is not None:
                    self._compute(todo)
                self.known[todo] = True
        return self.seen

    def _compute(self, idx_i: np.ndarray) -> None:
        t, cams, idx_c = self.t, self.cams, self.idx_c
        step = 200_000  # bounded memory for the candidate pairs
        for lo in range(0, len(idx_i), step):
            part = idx_i[lo:lo + step]
            ix, iy = to_metric(cams.crs, t.inc_lon[part], t.inc_lat[part])
            pi, k = self.tree.query(shapely.points(ix, iy), predicate="dwithin", distance=self.rmax)
            c = idx_c[k]
            d2 = (ix[pi] - cams.x[c]) ** 2 + (iy[pi] - cams.y[c]) ** 2
            day = t.inc_day[part[pi]]
            ok = ((d2 <= cams.r[c] ** 2) & (cams.start[c] >= 0) & (cams.start[c] <= day)
                  & ((cams.stop[c] < 0) | (cams.stop[c] > day)))
            self.seen[part[pi[ok]]] = True


def _in_view_state(db) -> _InView:
    t = stats.record_tables(db)
    return t.derived("in_view", lambda: _InView(db, t))


def in_view(db, mask: np.ndarray | None = None) -> np.ndarray:
    """For every incident of the revision: it has a point within ``radius_m`` of a camera
    active on the incident's own date (False for incidents without a point).

    With ``mask`` only the flags of those incidents are guaranteed (the others may
    not be worked out yet); without, all are."""
    return _in_view_state(db).get(mask)


def in_view_counts(db, set_id: int, period: Period, categories=None) -> pd.DataFrame:
    """Per row of ``set_id`` (its areas, and at village level the communes' unplaced rows,
    see :func:`geo.stats.row_index`): the period's incidents with a point (``with_point``)
    and those of them in camera view (``in_view``)."""
    t = stats.record_tables(db)
    codes, idx = stats.row_index(db, set_id)
    m = (stats.category_mask(t, categories) & (idx >= 0) & t.inc_has_point
         & (t.inc_day >= stats.day_number(period.start)) & (t.inc_day <= stats.day_number(period.end)))
    seen = m & in_view(db, m)
    return pd.DataFrame({"with_point": np.bincount(idx[m], minlength=len(codes)),
                         "in_view": np.bincount(idx[seen], minlength=len(codes))}, index=codes)


@stats.consistent
def in_view_pct(db, set_id: int, period: Period, categories=None) -> pd.Series:
    """``incidents_in_camera_view_pct`` per area (null where the period has no incident
    with a point in the area).  Unrounded."""
    c = in_view_counts(db, set_id, period, categories)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * c["in_view"] / c["with_point"].where(c["with_point"] > 0)
    return pct.astype("float64")


# --- villages with no programme, model-type mix -----------------------------------

@stats.consistent
def vung_trang(db, set_id: int, day, *, area: str | None = None, model_types=None) -> pd.DataFrame:
    """Villages with no active group of the selected ``model_types`` on ``day`` ("vùng trắng";
    none selected: of any type) -- the complement of ``villages_covered`` of
    :func:`geo.stats.area_stats` with the same model types, so a page never shows two
    coverage definitions at once.

    Villages are those counted for ``set_id`` (the set itself at village level, else
    its village set, see :func:`geo.stats.village_set_for`); ``area`` limits them to
    those counting toward that area (a code of ``set_id`` or of a set above it).
    Columns: code, name, area_code (the area of ``set_id``), area_name, population,
    centroid_lon, centroid_lat — sorted by area, then village code."""
    cols = ["code", "name", "area_code", "area_name", "population", "centroid_lon", "centroid_lat"]
    vset = stats.village_set_for(db, set_id)
    if vset is None:
        return pd.DataFrame(columns=cols)
    t = stats.record_tables(db)
    g = t.groups
    active = stats.active_mask(g["start"].to_numpy(), g["stop"].to_numpy(), stats.day_number(day))
    if model_types:
        active &= g["model_type"].isin(list(model_types)).to_numpy()
    covered = set(g.loc[active, "village_code"].dropna())
    parents = stats.village_parents(db, set_id)
    vt = areas.area_table(db, vset.id)
    vt = vt[~vt["code"].isin(covered)].copy()
    vt["area_code"] = parents.reindex(vt["code"]).to_numpy()
    names = areas.area_table(db, set_id).set_index("code")["name"]
    vt["area_name"] = names.reindex(vt["area_code"]).to_numpy()
    if area:
        vt = vt[vt["area_code"].isin(stats.codes_within(db, set_id, area))]
    return vt.sort_values(["area_code", "code"], na_position="last")[cols].reset_index(drop=True)


SPLITS = {"model_type": vocab.MODEL_TYPES, "core_force": vocab.CORE_FORCES}


@stats.consistent
def model_mix(db, set_id: int, day, *, area: str | None = None, measure: str = "groups",
              by: str = "model_type", model_types=None) -> pd.DataFrame:
    """Per area of ``set_id``: active groups on ``day`` of each model type (``by="model_type"``)
    or of each core force, the organisation forming the group's core (``by="core_force"``).

    ``measure="groups"`` counts groups; ``"villages"`` counts the villages having at
    least one active group of the type.  ``model_types``: only groups of these types (the
    page's filter).  Columns: code, name, one per code of the split's vocabulary
    (vocabulary order), total (groups, or villages with any active group)."""
    if by not in SPLITS:
        raise ValueError(f"unknown split {by!r} (one of {', '.join(SPLITS)})")
    t = stats.record_tables(db)
    g = t.groups
    tab = areas.area_table(db, set_id)
    types = SPLITS[by].codes
    active = stats.active_mask(g["start"].to_numpy(), g["stop"].to_numpy(), stats.day_number(day))
    if model_types:
        active &= g["model_type"].isin(list(model_types)).to_numpy()
    tidx = pd.Index(types).get_indexer(g[by])
    if measure == "groups":
        codes, gidx = t._areas(db, "group", set_id, pd.Index(g["id"]))
        pos = pd.Index(tab["code"]).get_indexer(codes)
        m = active & (gidx >= 0)
        area_i = pos[gidx[m]]
        ok = area_i >= 0
        mat = np.bincount(area_i[ok] * len(types) + tidx[m][ok],
                          minlength=len(tab) * len(types)).reshape(len(tab), len(types))
        total = mat.sum(axis=1)
    elif measure == "villages":
        parents = stats.village_parents(db, set_id)
        act = g[active]
        pairs = pd.DataFrame({"village": act["village_code"].to_numpy(),
                              "type": tidx[active]}).dropna().drop_duplicates()
        pairs["area"] = parents.reindex(pairs["village"]).to_numpy()
        pairs["ai"] = pd.Index(tab["code"]).get_indexer(pairs["area"])
        pairs = pairs[pairs["ai"] >= 0]
        mat = np.bincount(pairs["ai"].to_numpy() * len(types) + pairs["type"].to_numpy(dtype=int),
                          minlength=len(tab) * len(types)).reshape(len(tab), len(types))
        vil = pairs.drop_duplicates("village")
        total = np.bincount(vil["ai"].to_numpy(), minlength=len(tab))
    else:
        raise ValueError(f"unknown measure {measure!r}")
    df = pd.DataFrame(mat, columns=types)
    df.insert(0, "code", tab["code"].to_numpy())
    df.insert(1, "name", tab["name"].to_numpy())
    df["total"] = total
    if area:
        df = df[df["code"].isin(stats.codes_within(db, set_id, area))]
    return df.reset_index(drop=True)
