"""The map's timeline: the chosen figure month by month (or week by week).

No Streamlit here.  :func:`frame_periods` cuts time into frames and
:func:`frames` computes the figure of each frame with the one function every
page uses (:func:`geo.stats.area_stats`, then :func:`geo.metrics.metric_values`),
so a frame shows exactly what the map shows for that month or week.  The
browser plays them (``geo.mapdata.timeline``) with no server round trip per frame.
"""
from __future__ import annotations

import datetime as dt

from . import metrics, stats
from .periods import Period

FREQS = ("month", "week")
DEFAULT_FRAMES = {"month": 12, "week": 26}
MAX_FRAMES = {"month": 36, "week": 60}


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def frame_periods(period: Period, freq: str = "month") -> list[Period]:
    """The frames of ``period``: its calendar months (ISO weeks, Monday to Sunday) clipped
    to it when it spans at least two of them; otherwise the
    :data:`DEFAULT_FRAMES` months (weeks) ending with the one holding ``period.end``.
    At most :data:`MAX_FRAMES` (the latest ones)."""
    if freq not in FREQS:
        raise ValueError(f"unknown frequency {freq!r} (one of {', '.join(FREQS)})")
    start, end = period.start, period.end
    if freq == "month":
        first = _month_start(start)
        if first == _month_start(end):          # one month: the year up to it
            first = _month_start(end)
            for _ in range(DEFAULT_FRAMES["month"] - 1):
                first = _month_start(first - dt.timedelta(days=1))
            start = first
        out, d = [], first
        while d <= end:
            nxt = _next_month(d)
            out.append(Period(max(d, start), min(nxt - dt.timedelta(days=1), end)))
            d = nxt
    else:
        first = start - dt.timedelta(days=start.weekday())
        if first == end - dt.timedelta(days=end.weekday()):
            first -= dt.timedelta(weeks=DEFAULT_FRAMES["week"] - 1)
            start = first
        out, d = [], first
        while d <= end:
            out.append(Period(max(d, start), min(d + dt.timedelta(days=6), end)))
            d += dt.timedelta(weeks=1)
    return out[-MAX_FRAMES[freq]:]


def frame_label(p: Period, freq: str) -> str:
    """``MM/YYYY`` for a month, ``dd/mm/yyyy`` (its first day) for a week."""
    return f"{p.start:%m/%Y}" if freq == "month" else f"{p.start:%d/%m/%Y}"


def frames(db, set_id: int, period: Period, metric: str, *, freq: str = "month", categories=None,
           model_types=None, area: str | None = None, user=None) -> list[tuple[str, dict]]:
    """``[(label, {code: value or None}), ...]`` of ``metric`` for each frame of ``period``,
    from :func:`geo.stats.area_stats` as ``user`` may see it."""
    population = metrics.area_population(db, set_id) if metric == "rate_per_1000" else None
    out = []
    for p in frame_periods(period, freq):
        df = stats.area_stats(db, set_id, p, categories=categories, model_types=model_types, area=area, user=user)
        out.append((frame_label(p, freq), metrics.metric_values(df, metric, population=population)))
    return out
