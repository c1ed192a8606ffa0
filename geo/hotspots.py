"""Hot spots: Getis-Ord Gi* on incident counts per area (villages, usually).

Gi* (Ord & Getis 1995) with binary Queen-contiguity weights and each area
counted as its own neighbour:

    z_i = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √((n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)))

with x̄ and S the mean and (population) standard deviation of the n counts.
Computed by PySAL (``esda.G_Local(star=True, transform="B")``, analytical
z-scores, no permutations); weights are a ``libpysal`` W built from the areas'
polygons: two areas are neighbours when their borders touch (share at least a
point, within ``TOUCH_TOLERANCE`` for imperfect data).

Classes, two-sided, as in ArcGIS's "Hot Spot Analysis" with its false discovery rate
correction: positive z is a hot spot, negative a cold spot, at 99 / 95 / 90 % confidence
when the two-sided p-value passes the cut-off for α = 0.01 / 0.05 / 0.10.  About 1,500
villages are tested at once, so the cut-offs are corrected for multiple testing
(``correction``): ``"fdr"`` (default) -- Benjamini–Hochberg false discovery rate, the
cut-off of ``esda.fdr`` among the areas tested; ``"none"`` -- the plain |z| ≥ 2.576 /
1.960 / 1.645.  An area with fewer than ``min_count`` incidents (default
:data:`MIN_COUNT`) is never significant and not tested: Gi* sums its neighbours, so a
village with 2 incidents next to busy ones could otherwise be a "99 % hot spot".  Its
count still enters its neighbours' sums.  When every count is equal (no variation) z is
null and nothing is significant.  The study region is the areas given (``area`` narrows it).
"""
from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pandas as pd
import shapely

from . import areas as areas_mod
from . import stats
from .periods import Period

TOUCH_TOLERANCE = 1e-5        # degrees (~1 m): borders this close count as shared
CONFIDENCE = ((99, 2.5758293035489004), (95, 1.959963984540054), (90, 1.6448536269514722))
CLASSES = ("hot_99", "hot_95", "hot_90", "ns", "cold_90", "cold_95", "cold_99")
MIN_COUNT = 5                 # incidents an area needs to be tested at all
CORRECTIONS = ("fdr", "none")

_weights_cache: dict = {}
_lock = threading.Lock()


def neighbours(db, set_id: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """(codes, neighbour indices of each area) — Queen contiguity, self excluded.

    Boundary sets never change once stored, so this is kept per database file,
    set id and import time."""
    s = areas_mod.get_set(db, set_id)
    key = (stats._db_file(db), s.id, s.imported_at)
    with _lock:
        hit = _weights_cache.get(key)
    if hit is not None:
        return hit
    gdf = areas_mod.load_areas(db, set_id)
    codes = gdf["code"].to_numpy()
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    nbrs = contiguity(geoms)
    with _lock:
        _weights_cache[key] = (codes, nbrs)
    return codes, nbrs


def contiguity(geoms, tolerance: float = TOUCH_TOLERANCE) -> list[np.ndarray]:
    """Queen contiguity of polygons: for each, the indices of those it touches (self excluded)."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        return []
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=tolerance)
    keep = i != j
    i, j = i[keep], j[keep]
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    b = np.searchsorted(i, np.arange(n + 1))
    return [j[b[k]:b[k + 1]] for k in range(n)]


def gi_star(y, nbrs: list[np.ndarray]) -> np.ndarray:
    """Gi* z-score of each value with binary weights, self included (PySAL esda).

    ``nbrs[i]`` lists the neighbours of i (self excluded).  Null when the values
    do not vary (or there are fewer than 2)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 2 or np.allclose(y, y[0]):
        return np.full(n, np.nan)
    import esda
    import libpysal
    neigh = {i: [int(v) for v in nb] for i, nb in enumerate(nbrs)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # islands, star weights
        w = libpysal.weights.W(neigh, ids=list(range(n)), silence_warnings=True)
        g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs, dtype=float)


def classify(z, conf=None) -> np.ndarray:
    """Class key of each z-score: hot_99 … ns … cold_99 (see :data:`CLASSES`); ``conf``: the
    confidence of each (from :func:`significance`), else that of |z| alone (no correction)."""
    z = np.asarray(z, dtype=float)
    conf = confidence(z) if conf is None else np.asarray(conf)
    out = np.full(len(z), "ns", dtype=object)
    for c, _ in CONFIDENCE:
        hit = conf == c
        out[hit & (z > 0)] = f"hot_{c}"
        out[hit & (z < 0)] = f"cold_{c}"
    return out


def confidence(z) -> np.ndarray:
    """90, 95, 99 (percent) for significant z-scores with no correction, 0 otherwise."""
    z = np.asarray(z, dtype=float)
    az = np.where(np.isnan(z), 0.0, np.abs(z))
    out = np.zeros(len(z), dtype=np.int64)
    for conf, crit in reversed(CONFIDENCE):
        out[az >= crit] = conf
    return out


def p_values(z) -> np.ndarray:
    """Two-sided normal p-value of each z-score (NaN for a null z)."""
    return np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan
                     for v in np.asarray(z, dtype=float)])


def significance(z, tested, correction: str = "fdr") -> tuple[np.ndarray, dict[int, float]]:
    """(confidence 0/90/95/99 of each area, the p cut-off used at each confidence).

    Only the ``tested`` areas with a z can be significant; with ``"fdr"`` the cut-offs are
    Benjamini–Hochberg's among them (``esda.fdr``: p must be below it), with ``"none"``
    the plain α."""
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r} (one of {', '.join(CORRECTIONS)})")
    z = np.asarray(z, dtype=float)
    p = p_values(z)
    ok = np.asarray(tested, dtype=bool) & np.isfinite(p)
    out = np.zeros(len(z), dtype=np.int64)
    cutoffs: dict[int, float] = {}
    for conf, crit in reversed(CONFIDENCE):       # 90, then 95, then 99 overwrite
        alpha = round(1 - conf / 100, 2)
        if correction == "none":
            cutoffs[conf] = alpha
            hit = ok & (np.abs(np.nan_to_num(z)) >= crit)
        else:
            if not ok.any():
                cutoffs[conf] = alpha
                continue
            import esda
            cut = float(esda.fdr(p[ok], alpha))
            cutoffs[conf] = cut
            hit = ok & (p < cut)
        out[hit] = conf
    return out, cutoffs


@stats.consistent
def hot_spots(db, set_id: int, period: Period, *, categories=None, area: str | None = None,
              user=None, min_count: int = MIN_COUNT, correction: str = "fdr") -> pd.DataFrame:
    """Gi* hot and cold spots of the period's incident counts per area of ``set_id``.

    Counts are those of :func:`geo.stats.incident_counts` (the same as the map's).
    ``area`` narrows the study region to the areas inside it.  ``min_count``: areas with
    fewer incidents are not tested (never significant); ``correction``: ``"fdr"`` or
    ``"none"`` (see the module doc).  Columns: code, name, incidents, z (2 decimals),
    p (two-sided), tested, confidence (0/90/95/99), class (:data:`CLASSES`).
    ``df.attrs``: ``correction``, ``min_count``, ``cutoffs`` ({confidence: p cut-off}),
    ``tested`` (how many areas were tested).  ``user`` (the acting user or its
    :class:`geo.scope.Scope`; None = the local administrator): an officer's study region
    is their own commune."""
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r} (one of {', '.join(CORRECTIONS)})")
    min_count = max(0, int(min_count))
    from . import scope as scope_mod
    allowed = scope_mod.resolve(db, user).codes(db, set_id)
    set_id = int(set_id)
    codes, nbrs = neighbours(db, set_id)
    counts = stats.incident_counts(db, set_id, period, categories).reindex(codes).fillna(0).to_numpy()
    keep = np.ones(len(codes), dtype=bool)
    if area:
        keep = np.isin(codes, list(stats.codes_within(db, set_id, area)))
    if allowed is not None:
        keep &= np.isin(codes, list(allowed))
    pos = np.full(len(codes), -1)
    pos[keep] = np.arange(keep.sum())
    sub_nbrs = [pos[nb][pos[nb] >= 0] for nb, k in zip(nbrs, keep) if k]
    y = counts[keep]
    z = gi_star(y, sub_nbrs)
    names = stats.set_table(db, set_id).set_index("code")["name"]
    p = p_values(z)
    tested = (y >= min_count) & np.isfinite(z)
    conf, cutoffs = significance(z, tested, correction)
    df = pd.DataFrame({
        "code": codes[keep],
        "name": names.reindex(codes[keep]).to_numpy(),
        "incidents": y.astype(np.int64),
        "z": np.round(z, 2),
        "p": np.round(p, 4),
        "tested": tested,
        "confidence": conf,
        "class": classify(z, conf),
    })
    df.attrs.update({"correction": correction, "min_count": min_count, "cutoffs": cutoffs,
                     "tested": int(tested.sum())})
    return df
