"""Every table a page shows goes through :func:`show` (tests/test_pages.py refuses a direct
``st.dataframe``/``st.table`` anywhere else in ui/).

What it does to a frame (or a pandas ``Styler`` already carrying cell colours):

* an empty cell (None, NaN, NaT, ``<NA>``, or such a value already turned into the
  text "None"/"nan") shows :data:`EMPTY` in every language;
* numbers in the language's format (geo.numfmt: ``1.234,5`` in Vietnamese,
  ``1,234.5`` in English), ``decimals`` per column (else up to 2, trimmed);
* dates ``dd/mm/yyyy``, times ``dd/mm/yyyy HH:MM:SS`` in local time (ISO text in the
  columns named in ``dates`` / ``datetimes``, and every date/time value);
* column headers through ``labels`` (a dict or a function of the column name).

Formatting is the Styler's display text only: the grid still sorts by the values.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from geo import numfmt

EMPTY = "—"
_EMPTY_TEXTS = {"None", "none", "nan", "NaN", "NaT", "<NA>", "null", "NULL"}


def is_empty(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, np.generic) and not isinstance(v, np.bool_):
        try:
            return bool(np.isnan(v))
        except TypeError:
            return False
    return isinstance(v, str) and v.strip() in _EMPTY_TEXTS


def cell_text(v: Any, lang: str, *, decimals: int | None = None, kind: str | None = None) -> Any:
    """One cell as shown.  ``kind``: "date" or "datetime" for ISO text columns."""
    if isinstance(v, (list, tuple, np.ndarray)):       # a sparkline's values: left to the chart column
        return v
    if is_empty(v):
        return EMPTY
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        if kind == "date":
            return numfmt.fmt_date(v.date())
        return numfmt.fmt_datetime(v)
    if isinstance(v, dt.date):
        return numfmt.fmt_date(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return numfmt.fmt_number(v, decimals, lang)
    if isinstance(v, str) and kind in ("date", "datetime"):
        try:
            if kind == "date":
                return numfmt.fmt_date(dt.date.fromisoformat(v[:10]))
            return numfmt.fmt_datetime(v)
        except ValueError:
            return v
    return v


def styled(data, lang: str, *, decimals: Mapping[str, int] | None = None, dates: Iterable[str] = (),
           datetimes: Iterable[str] = (), raw: Iterable[str] = (), drawn: Iterable[str] = ()):
    """A Styler of ``data`` (a DataFrame or a Styler) whose display text follows the module rules.

    ``raw``: columns left as they are (the caller formats them); ``drawn``: columns a
    ``column_config`` draws itself (only their empty cells get :data:`EMPTY`)."""
    sty = data if isinstance(data, Styler) else pd.DataFrame(data).style
    df = sty.data
    decimals, dates, datetimes, raw, drawn = dict(decimals or {}), set(dates), set(datetimes), set(raw), set(drawn)
    for c in df.columns:
        if c in raw:     # the caller's Styler formats it already
            continue
        if c in drawn:   # drawn by its column (chart, progress bar): only an empty cell says so
            sty = sty.format(lambda v: EMPTY if not isinstance(v, (list, tuple, np.ndarray)) and is_empty(v)
                             else v, subset=[c])
            continue
        kind = "date" if c in dates else "datetime" if c in datetimes else None
        sty = sty.format(lambda v, d=decimals.get(c), k=kind: cell_text(v, lang, decimals=d, kind=k), subset=[c])
    return sty


def header(c, labels) -> str:
    if labels is None:
        return str(c)
    if callable(labels):
        return str(labels(c))
    return str(labels.get(c, c))


def show(data, *, lang: str | None = None, labels: Mapping | Callable | None = None,
         decimals: Mapping[str, int] | None = None, dates: Iterable[str] = (), datetimes: Iterable[str] = (),
         column_config: Mapping | None = None, where=None, table: bool = False, raw: Iterable[str] = (),
         **kwargs):
    """Draw ``data`` (DataFrame or Styler) with ``st.dataframe`` (``table=True``: ``st.table``)
    in ``where`` (a container; default ``st``).  ``labels``: header per column; a
    ``column_config`` entry of a column keeps its own label.  Other keyword arguments go
    to ``st.dataframe`` (``hide_index`` defaults to True, ``width`` to "stretch"); ``raw``:
    columns whose text the caller's Styler already formats."""
    import streamlit as st
    if lang is None:
        from ui.session import lang as session_lang
        lang = session_lang()
    where = st if where is None else where
    cfg = dict(column_config or {})
    frame = data.data if isinstance(data, Styler) else pd.DataFrame(data)
    drawn = [c for c, v in cfg.items() if v is not None and _draws_itself(v)]
    sty = styled(data, lang, decimals=decimals, dates=dates, datetimes=datetimes, raw=raw, drawn=drawn)
    if table:
        if labels is not None:
            sty = sty.relabel_index([header(c, labels) for c in frame.columns], axis=1)
        return where.table(sty.hide(axis="index") if kwargs.pop("hide_index", True) else sty)
    if labels is not None:
        for c in frame.columns:
            if c not in cfg:
                cfg[c] = st.column_config.Column(header(c, labels))
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return where.dataframe(sty, column_config=cfg or None, **kwargs)


def _draws_itself(cfg) -> bool:
    """A chart, progress, checkbox, link or image column shows its values itself."""
    kind = ""
    if isinstance(cfg, Mapping):
        kind = str((cfg.get("type_config") or {}).get("type", ""))
    return kind in ("line_chart", "bar_chart", "area_chart", "progress", "checkbox", "link", "image", "list")
