"""The "chưa xác định thôn" rows of village-level tables (records of a commune placed in
no village of it, see :func:`geo.stats.row_index`): how a page marks and explains them.

Streamlit's data grid draws only colours, so the hatching is a hatch sign (▨) before the
name on a grey ground; map tooltips of a commune's villages carry its unplaced count."""
from __future__ import annotations

import pandas as pd

from geo import stats

HATCH = "▨"
CSS = "background-color: #e6e8eb; color: #4a5360; font-style: italic"
TOOLTIP_COLUMN = "unplaced_incidents"


def is_unplaced(df: pd.DataFrame) -> pd.Series:
    """True for the unplaced rows of an ``area_stats``-like frame (by ``placed``, else by code)."""
    if "placed" in df.columns:
        return ~df["placed"].astype(bool)
    return df["code"].map(lambda c: stats.unplaced_commune(c) is not None)


def mark_names(df: pd.DataFrame, column: str = "name") -> pd.DataFrame:
    """``df`` with the unplaced rows' names prefixed by the hatch sign."""
    un = is_unplaced(df).to_numpy()
    if not un.any():
        return df
    names = df[column].astype(object).to_numpy().copy()
    names[un] = [f"{HATCH} {n}" for n in names[un]]
    return df.assign(**{column: names})


def row_css(df: pd.DataFrame, columns) -> pd.DataFrame:
    """Per-cell CSS: the unplaced rows hatched (grey, italic), the others unstyled."""
    out = pd.DataFrame("", index=df.index, columns=list(columns))
    out.loc[is_unplaced(df).to_numpy(), :] = CSS
    return out


def village_tooltips(db, set_id: int, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (village rows of ``area_stats``) with :data:`TOOLTIP_COLUMN`: the incidents of
    the village's commune that are in no village (its unplaced row), None when it has none."""
    pset = stats.unplaced_parent_set(db, set_id)
    if pset is None or "placed" not in df.columns:
        return df
    un = df[~df["placed"]]
    per = dict(zip(un["code"].map(stats.unplaced_commune), un["incidents"]))
    parent = stats.set_table(db, set_id).set_index("code")["parent_code"]
    vals = [per.get(parent.get(c)) if p else None for c, p in zip(df["code"], df["placed"])]
    return df.assign(**{TOOLTIP_COLUMN: vals})
