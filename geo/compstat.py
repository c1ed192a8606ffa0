"""The CompStat table: each area's incidents against the previous period and last year.

Pure data, read from :func:`geo.stats.area_stats` (so every number is the one
on the map and in the CLI).  Against the previous period the fields are those
of ``area_stats``; against the same period last year the same definitions give
``change_ly``, ``change_ly_pct`` and ``z_ly``.  ``real`` marks |z| ≥ 2 (a
change beyond Poisson noise); ``direction`` is ``up`` (more incidents),
``down`` or ``same`` — the page colours "up" as worse.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .periods import Period

COLUMNS = ("code", "name", "incidents", "incidents_prev", "incidents_last_year",
           "change", "change_pct", "z", "real", "direction",
           "change_ly", "change_ly_pct", "z_ly", "real_ly", "direction_ly")
SORTS = ("z", "change", "change_pct", "incidents", "incidents_prev", "incidents_last_year",
         "change_ly", "change_ly_pct", "z_ly", "name", "code")


def _direction(change) -> np.ndarray:
    change = np.asarray(change)
    return np.where(change > 0, "up", np.where(change < 0, "down", "same")).astype(object)


def _pct(change, base) -> np.ndarray:
    change = np.asarray(change, dtype=float)
    base = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(base > 0, 100.0 * change / np.where(base > 0, base, 1), np.nan), 1)


def _z(a, b) -> np.ndarray:
    return np.round(2.0 * (np.sqrt(np.asarray(a, dtype=float)) - np.sqrt(np.asarray(b, dtype=float))), 2)


def from_stats(df: pd.DataFrame) -> pd.DataFrame:
    """The CompStat columns (:data:`COLUMNS`) from an ``area_stats`` frame."""
    out = df[["code", "name", "incidents", "incidents_prev", "incidents_last_year",
              "change", "change_pct", "z"]].copy()
    out["real"] = out["z"].abs() >= stats.Z_REAL
    out["direction"] = _direction(out["change"])
    out["change_ly"] = out["incidents"] - out["incidents_last_year"]
    out["change_ly_pct"] = _pct(out["change_ly"], out["incidents_last_year"])
    out["z_ly"] = _z(out["incidents"], out["incidents_last_year"])
    out["real_ly"] = out["z_ly"].abs() >= stats.Z_REAL
    out["direction_ly"] = _direction(out["change_ly"])
    return out[list(COLUMNS)].reset_index(drop=True)


@stats.consistent
def compstat(db, set_id: int, period: Period, *, categories=None, model_types=None,
             area: str | None = None, sort: str = "z", descending: bool = True) -> pd.DataFrame:
    """One row per area: current, previous, same period last year, changes, %, z, marks."""
    df = stats.area_stats(db, set_id, period, categories=categories, model_types=model_types, area=area)
    return sort_table(from_stats(df), sort, descending)


def sort_table(df: pd.DataFrame, by: str = "z", descending: bool = True) -> pd.DataFrame:
    """Sorted by ``by`` (nulls last whatever the direction), ties by code."""
    if by not in SORTS:
        raise ValueError(f"unknown sort {by!r} (one of {', '.join(SORTS)})")
    if by in ("name", "code"):
        return df.sort_values([by, "code"], ascending=not descending, kind="stable").reset_index(drop=True)
    key = df[by].astype(float)
    null = key.isna()
    rank = (-key if descending else key).fillna(0.0)
    order = np.lexsort((df["code"].to_numpy(), rank.to_numpy(), null.to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def top_changes(df: pd.DataFrame, n: int = 5, which: str = "worse", *, against: str = "prev",
                real_only: bool = False) -> pd.DataFrame:
    """The ``n`` areas that got most worse (more incidents) or better.

    Ordered by the size of z (then of the change, then code); ``against="last_year"``
    compares with the same period last year; ``real_only`` keeps |z| ≥ 2 only."""
    if which not in ("worse", "better"):
        raise ValueError("which is 'worse' or 'better'")
    sfx = "" if against == "prev" else "_ly"
    if against not in ("prev", "last_year"):
        raise ValueError("against is 'prev' or 'last_year'")
    sign = 1 if which == "worse" else -1
    sel = df[sign * df[f"change{sfx}"] > 0]
    if real_only:
        sel = sel[sel[f"real{sfx}"]]
    order = np.lexsort((sel["code"].to_numpy(), -sign * sel[f"change{sfx}"].to_numpy(),
                        -sign * sel[f"z{sfx}"].to_numpy()))
    return sel.iloc[order[:n]].reset_index(drop=True)


def totals(df: pd.DataFrame) -> dict:
    """The whole table as one row: sums, with change, %, z recomputed from the sums."""
    cur, prev, ly = (int(df[c].sum()) for c in ("incidents", "incidents_prev", "incidents_last_year"))
    change, change_ly = cur - prev, cur - ly
    z, z_ly = float(_z(cur, prev)), float(_z(cur, ly))
    return {
        "code": None, "name": None, "incidents": cur, "incidents_prev": prev, "incidents_last_year": ly,
        "change": change, "change_pct": float(_pct(change, prev)), "z": z,
        "real": abs(z) >= stats.Z_REAL, "direction": str(_direction(change)),
        "change_ly": change_ly, "change_ly_pct": float(_pct(change_ly, ly)), "z_ly": z_ly,
        "real_ly": abs(z_ly) >= stats.Z_REAL, "direction_ly": str(_direction(change_ly)),
    }


SPARK_MONTHS = 12


def sparklines(db, set_id: int, codes, end, categories=None, *, user,
               months: int = SPARK_MONTHS) -> dict[str, list[int]]:
    """Incidents per month over the ``months`` months to ``end``, per area (:func:`geo.trends.incident_series`).

    ``user`` (required: the acting user or its :class:`geo.scope.Scope`): an officer's
    sparklines count only the records of their own commune (another commune's code: zeros)."""
    import datetime as dt

    from . import trends
    codes = list(codes)
    if not codes:
        return {}
    end = pd.Timestamp(end).date() if not isinstance(end, dt.date) else end
    start = (pd.Timestamp(end) - pd.DateOffset(months=months - 1)).replace(day=1).date()
    ser = trends.incident_series(db, set_id, start, end, freq="month", categories=list(categories or ()) or None,
                                 areas=None, by="area", user=user)   # one column per row code (naming 2,000 areas: ~60 s)
    return {c: [int(v) for v in ser[c]] if c in ser.columns else [] for c in codes}
