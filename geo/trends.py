"""Trends: monthly or weekly series of incidents, groups and cameras, on any boundary set.

Read from the same in-memory records as :func:`geo.stats.area_stats` (one
``numpy.bincount`` per series, no SQL per call), with the same definitions: an
incident counts in an area of the chosen set by its point, else by its area
code through the crosswalk, so a series from 2019 to today can be shown on the
current communes or on the pre-reform ones.

Buckets are calendar months or ISO weeks (Monday to Sunday).  A bucket only
partly inside [start, end] counts only the days inside; such buckets are
listed in ``df.attrs["partial"]``.  ``df.attrs["reform"]`` is the bucket
holding :data:`geo.periods.REFORM_DATE` when the series crosses it (else None),
for the chart's marker.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import stats, vocab
from .periods import REFORM_DATE, parse_date

FREQS = ("month", "week")
_WEEK_OFFSET = 3          # day 0 (1970-01-01) is a Thursday: weeks start on day 7k − 3


def _bucket_of_days(days: np.ndarray, freq: str) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    if freq == "month":
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if freq == "week":
        return np.floor_divide(days + _WEEK_OFFSET, 7)
    raise ValueError(f"unknown frequency {freq!r} (one of {', '.join(FREQS)})")


def bucket_start(b: int, freq: str) -> dt.date:
    if freq == "month":
        return dt.date(1970 + b // 12, b % 12 + 1, 1)
    return stats.EPOCH + dt.timedelta(days=7 * int(b) - _WEEK_OFFSET)


def bucket_end(b: int, freq: str) -> dt.date:
    return bucket_start(b + 1, freq) - dt.timedelta(days=1)


def buckets(start, end, freq: str = "month") -> pd.DatetimeIndex:
    """Start days of the months / ISO weeks overlapping [start, end]."""
    b0, b1 = (int(_bucket_of_days(np.array([stats.day_number(d)]), freq)[0]) for d in (start, end))
    return pd.DatetimeIndex([pd.Timestamp(bucket_start(b, freq)) for b in range(b0, b1 + 1)], name="bucket")


def reform_crossing(start, end) -> dt.date | None:
    """:data:`REFORM_DATE` when [start, end] crosses it (starts before it and reaches it), else None."""
    start, end = parse_date(start), parse_date(end)
    return REFORM_DATE if start < REFORM_DATE <= end else None


def _attrs(df: pd.DataFrame, start: dt.date, end: dt.date, freq: str) -> pd.DataFrame:
    b0 = int(_bucket_of_days(np.array([stats.day_number(start)]), freq)[0])
    b1 = int(_bucket_of_days(np.array([stats.day_number(end)]), freq)[0])
    partial = []
    if bucket_start(b0, freq) < start:
        partial.append(pd.Timestamp(bucket_start(b0, freq)))
    if bucket_end(b1, freq) > end and pd.Timestamp(bucket_start(b1, freq)) not in partial:
        partial.append(pd.Timestamp(bucket_start(b1, freq)))
    cross = reform_crossing(start, end)
    reform = None
    if cross is not None:
        rb = int(_bucket_of_days(np.array([stats.day_number(cross)]), freq)[0])
        reform = pd.Timestamp(bucket_start(rb, freq))
    df.attrs.update({"freq": freq, "start": start, "end": end, "partial": partial,
                     "reform": reform, "reform_date": cross})
    return df


def _inc_buckets(t: stats.RecordTables, freq: str) -> np.ndarray:
    return t.derived(("inc_bucket", freq), lambda: _bucket_of_days(t.inc_day, freq))


def _resolve(db, set_id: int, areas_wanted, codes=None) -> list[tuple[str, np.ndarray]]:
    """[(requested code, boolean over ``codes``)] for each requested area (a code of the
    set or of a set above it: the areas inside it, and their unplaced rows).  ``codes``:
    the set's area codes (default) or its row codes (:func:`geo.stats.row_index`)."""
    codes = stats.set_table(db, set_id)["code"].to_numpy() if codes is None else np.asarray(codes, dtype=object)
    out = []
    for a in areas_wanted:
        inside = stats.row_codes_within(db, set_id, a)
        out.append((a, np.isin(codes, list(inside))))
    return out


@stats.consistent
def incident_series(db, set_id: int, start, end, *, freq: str = "month", categories=None,
                    areas=None, by: str | None = "category", user=None) -> pd.DataFrame:
    """Incidents per month or week in [start, end] on boundary set ``set_id``.

    ``areas``: codes (of the set, or of a set above it such as a commune when
    ``set_id`` is a village set); None = every area of the set.
    ``by="category"``: one column per category (the selected ones, else all),
    summed over ``areas``; ``by="area"``: one column per requested area (every
    area of the set when ``areas`` is None), summed over the selected categories;
    ``by=None``: one column ``incidents``.
    Index: the buckets' first days (``bucket``); see the module doc for ``attrs``.
    ``user``: the acting user or its :class:`geo.scope.Scope` (None = the local
    administrator); an officer counts only the incidents of their own commune, and
    the columns of ``by="area"`` are only areas inside it (another commune: zeros).
    """
    allowed = stats.row_scope(db, user, set_id)
    start, end = parse_date(start), parse_date(end)
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    t = stats.record_tables(db)
    set_id = int(set_id)
    codes, idx = stats.row_index(db, set_id)   # at village level: communes' unplaced rows too
    d0, d1 = stats.day_number(start), stats.day_number(end)
    bk = _inc_buckets(t, freq)
    b0 = int(_bucket_of_days(np.array([d0]), freq)[0])
    nb = int(_bucket_of_days(np.array([d1]), freq)[0]) - b0 + 1
    index = buckets(start, end, freq)
    m = (idx >= 0) & (t.inc_day >= d0) & (t.inc_day <= d1) & stats.category_mask(t, categories)
    if allowed is not None:
        inside = np.isin(codes, list(allowed))
        m &= inside[np.clip(idx, 0, None)]
    if by == "area":
        if areas is None:
            sel = np.nonzero(m)[0]
            k = len(codes)
            counts = np.bincount((bk[sel] - b0) * k + idx[sel], minlength=nb * k).reshape(nb, k)
            df = pd.DataFrame(counts, index=index, columns=list(codes))
            if allowed is not None:
                df = df[[c for c in codes if c in allowed]]
        else:
            cols = {}
            for a, lut in _resolve(db, set_id, areas, codes):
                mm = m & lut[np.clip(idx, 0, None)]
                cols[a] = np.bincount(bk[mm] - b0, minlength=nb)
            df = pd.DataFrame(cols, index=index)
        return _attrs(df, start, end, freq)
    if areas is not None:
        lut = np.zeros(len(codes), dtype=bool)
        for _, l in _resolve(db, set_id, areas, codes):
            lut |= l
        m &= lut[np.clip(idx, 0, None)]
    if by == "category":
        cats = [c for c in (categories or vocab.CATEGORIES.codes) if c in vocab.CATEGORIES]
        k = len(vocab.CATEGORIES)
        sel = np.nonzero(m)[0]
        counts = np.bincount((bk[sel] - b0) * k + t.inc_cat[sel], minlength=nb * k).reshape(nb, k)
        df = pd.DataFrame(counts, index=index, columns=vocab.CATEGORIES.codes)[cats]
    elif by is None or by == "total":
        df = pd.DataFrame({"incidents": np.bincount(bk[m] - b0, minlength=nb)}, index=index)
    else:
        raise ValueError(f"unknown split {by!r} (category, area or None)")
    return _attrs(df, start, end, freq)


def sample_days(start, end, freq: str = "month") -> list[dt.date]:
    """The day each bucket's stock figures are taken on: its last day, or ``end`` for the last."""
    start, end = parse_date(start), parse_date(end)
    b0 = int(_bucket_of_days(np.array([stats.day_number(start)]), freq)[0])
    b1 = int(_bucket_of_days(np.array([stats.day_number(end)]), freq)[0])
    return [min(bucket_end(b, freq), end) for b in range(b0, b1 + 1)]


def _active_counts(start_days, stop_days, days: np.ndarray, keys=None, k: int = 1) -> np.ndarray:
    """(len(days), k) counts of records active on each day (by key when given)."""
    s = np.asarray(start_days)[None, :]
    e = np.asarray(stop_days)[None, :]
    d = days[:, None]
    act = (s >= 0) & (s <= d) & ((e < 0) | (e > d))
    if keys is None:
        return act.sum(axis=1)[:, None]
    r, c = np.nonzero(act)
    return np.bincount(r * k + keys[c], minlength=len(days) * k).reshape(len(days), k)


@stats.consistent
def programme_series(db, set_id: int, start, end, *, freq: str = "month", model_types=None,
                     areas=None, by: str | None = None, user=None) -> pd.DataFrame:
    """Groups and cameras active, and villages covered, at the end of each month/week.

    Figures are taken on each bucket's last day (``end`` for the last bucket), with
    the definitions of :func:`geo.stats.area_stats`: columns ``groups_active``
    (of ``model_types``), ``cameras_active``, ``villages``, ``villages_covered``
    (an active group of ``model_types``) and ``coverage_pct``, summed over
    ``areas`` (codes of the set or above; None = the whole set).
    ``by="model_type"`` instead gives one column per model type: active groups.
    ``user``: the acting user or its :class:`geo.scope.Scope` (None = the local
    administrator); an officer counts only the areas inside their own commune.
    """
    allowed = stats.row_scope(db, user, set_id)
    start, end = parse_date(start), parse_date(end)
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    t = stats.record_tables(db)
    set_id = int(set_id)
    days = np.array([stats.day_number(d) for d in sample_days(start, end, freq)], dtype=np.int64)
    index = buckets(start, end, freq)
    set_codes = stats.set_table(db, set_id)["code"].to_numpy()
    if areas is None:
        wanted = np.ones(len(set_codes), dtype=bool)
    else:
        wanted = np.zeros(len(set_codes), dtype=bool)
        for _, l in _resolve(db, set_id, areas):
            wanted |= l
    if allowed is not None:        # an officer: their commune's areas only, whatever was asked
        wanted &= np.isin(set_codes, list(allowed))
    wanted_codes = set(set_codes[wanted])

    g = t.groups
    gcodes, gidx = t._areas(db, "group", set_id, pd.Index(g["id"]))
    gin = (gidx >= 0) & np.isin(gcodes, list(wanted_codes))[np.clip(gidx, 0, None)]
    if model_types:
        gtype = g["model_type"].isin(list(model_types)).to_numpy()
    else:
        gtype = np.ones(len(g), dtype=bool)
    gs, ge = g["start"].to_numpy(), g["stop"].to_numpy()
    if by == "model_type":
        types = vocab.MODEL_TYPES.codes
        sel = gin & gtype
        keys = pd.Index(types).get_indexer(g["model_type"])[sel]
        counts = _active_counts(gs[sel], ge[sel], days, keys, len(types))
        cols = [c for c in (model_types or types) if c in vocab.MODEL_TYPES]
        df = pd.DataFrame(counts, index=index, columns=types)[cols]
        return _attrs(df, start, end, freq)
    if by is not None:
        raise ValueError(f"unknown split {by!r} (model_type or None)")

    sel = gin & gtype
    groups_active = _active_counts(gs[sel], ge[sel], days)[:, 0]

    c = t.cameras
    ccodes, cidx = t._areas(db, "camera", set_id, pd.Index(c["id"]))
    cin = (cidx >= 0) & np.isin(ccodes, list(wanted_codes))[np.clip(cidx, 0, None)]
    cameras_active = _active_counts(c["start"].to_numpy()[cin], c["stop"].to_numpy()[cin], days)[:, 0]

    parents = stats.village_parents(db, set_id)
    vill = parents[parents.isin(wanted_codes)].index
    vpos = pd.Index(vill).get_indexer(g["village_code"])
    gv = gtype & (vpos >= 0)
    s_, e_, vp = gs[gv], ge[gv], vpos[gv]
    act = (s_[None, :] >= 0) & (s_[None, :] <= days[:, None]) & ((e_[None, :] < 0) | (e_[None, :] > days[:, None]))
    covered = np.zeros(len(days), dtype=np.int64)
    for i in range(len(days)):
        covered[i] = len(np.unique(vp[act[i]]))
    nv = len(vill)
    df = pd.DataFrame({
        "groups_active": groups_active,
        "cameras_active": cameras_active,
        "villages": np.full(len(days), nv, dtype=np.int64),
        "villages_covered": covered,
        "coverage_pct": np.round(100.0 * covered / nv, 1) if nv else np.full(len(days), np.nan),
    }, index=index)
    return _attrs(df, start, end, freq)


MOVING_WINDOWS = {"month": (3, 6, 12), "week": (4, 8, 13)}
SINCE = dt.date(2019, 1, 1)   # the start of the records: the "since 2019" choice of Trends


def moving_average(df: pd.DataFrame, window: int) -> pd.DataFrame:
    """Trailing mean over ``window`` buckets of each column (the first buckets average
    what there is); ``window`` ≤ 1 returns the series as is.  Partial buckets count
    as they are (their days only).  ``attrs`` are kept."""
    if window is None or int(window) <= 1:
        return df
    out = df.astype(float).rolling(int(window), min_periods=1).mean().round(2)
    out.attrs = dict(df.attrs)
    return out
