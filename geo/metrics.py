"""The figures a choropleth can show, read from an ``area_stats`` frame.

:func:`metric_values` gives ``{code: value}`` (None = no data) for
:func:`geo.maps.choropleth`, which classifies them (quantiles, equal intervals,
natural breaks) and draws the no-data class.  Labels are keys of
:mod:`geo.i18n`; ``diverging`` tells the page to use a palette centred on 0.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats


@dataclass(frozen=True)
class Metric:
    code: str
    label_key: str       # geo.i18n key
    decimals: int
    diverging: bool      # centred on 0 (change %, z)
    unit: str = ""       # "%", or "" for a count/ratio


METRICS: dict[str, Metric] = {m.code: m for m in (
    Metric("incidents", "incidents", 0, False),
    Metric("rate_per_1000", "rate_per_1000", 2, False),
    Metric("change_pct", "change_pct", 1, True, "%"),
    Metric("z", "z", 2, True),
    Metric("coverage_pct", "coverage_pct", 1, False, "%"),
    Metric("camera_area_pct", "camera_area_pct", 2, False, "%"),
    Metric("incidents_in_camera_view_pct", "incidents_in_camera_view_pct", 1, False, "%"),
)}


def label_key(metric: str) -> str:
    return METRICS[metric].label_key


def _clean(v):
    if v is None or v is pd.NA:
        return None
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def rate_per_1000(incidents, population) -> np.ndarray:
    """Incidents per 1,000 residents (null where the population is unknown or 0), 2 decimals."""
    inc = np.asarray(incidents, dtype=float)
    pop = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(pop > 0, 1000.0 * inc / np.where(pop > 0, pop, 1), np.nan), 2)


def metric_values(df: pd.DataFrame, metric: str, population=None) -> dict[str, float | None]:
    """``{code: value}`` of ``metric`` for each row of an ``area_stats`` frame.

    ``rate_per_1000`` needs ``population`` ({code: residents} or a Series by code,
    e.g. :func:`area_population`); areas with no known population get None.
    Every other metric is a column of the frame; null values become None.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (one of {', '.join(METRICS)})")
    codes = df["code"].tolist()
    if metric == "rate_per_1000":
        if population is None:
            return {c: None for c in codes}
        pop = pd.Series(population, dtype="float64") if isinstance(population, Mapping) else population
        vals = rate_per_1000(df["incidents"].to_numpy(), pd.Series(pop).reindex(codes).to_numpy(dtype=float))
    else:
        vals = df[metric].to_numpy(dtype=float)
    return {c: _clean(v) for c, v in zip(codes, vals)}


def area_population(db, set_id: int) -> pd.Series:
    """Residents per area code of ``set_id``: the area's own figure, else the sum over
    its villages when every one of them has a figure (else null)."""
    tab = stats.set_table(db, set_id)
    pop = pd.Series(tab["population"].to_numpy(dtype=float), index=tab["code"].to_numpy())
    if pop.isna().any():
        vset = stats.village_set_for(db, set_id)
        if vset is not None and vset.id != int(set_id):
            vpop = stats.set_table(db, vset.id).set_index("code")["population"].astype(float)
            parents = stats.village_parents(db, set_id)
            vp = pd.DataFrame({"area": parents.to_numpy(), "pop": vpop.reindex(parents.index).to_numpy()})
            summed = vp.groupby("area")["pop"].agg(lambda s: s.sum() if s.notna().all() else np.nan)
            pop = pop.fillna(summed.reindex(pop.index))
    return pop

