"""Exports for meetings, made on this machine with no network: the map as PNG
(:mod:`geo.export.png`), the PDF meeting brief (:mod:`geo.export.brief`), tables
as CSV/Excel and areas with their figures as GeoJSON (:mod:`geo.export.tables`).

What to export is a :class:`View`: a boundary set, a period, the categories and
model types, an area and the metric the map shows — the same state as a shared
link (:class:`geo.filters.Filters` plus ``metric``).  Every figure is read from
:func:`geo.stats.area_stats`, :mod:`geo.compstat`, :mod:`geo.trends` and
:mod:`geo.coverage`; nothing here computes a figure of its own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import areas, filters, i18n, maps, metrics, stats, store, vocab
from ..periods import Period

# A font with every Vietnamese letter, shipped inside matplotlib (no system font needed).
def font_path(bold: bool = False) -> Path:
    import matplotlib
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


FONT_FAMILY = "DejaVu Sans"
DEFAULT_METRIC = "incidents"
METRIC_CODES = tuple(metrics.METRICS)
K_CLASSES = 5


@dataclass(frozen=True)
class View:
    """What an export shows (the state of a shared link)."""
    set_id: int
    period: Period
    area: str | None = None
    categories: tuple[str, ...] = ()
    model_types: tuple[str, ...] = ()
    metric: str = DEFAULT_METRIC
    scheme: str = "quantiles"
    lang: str = "vi"
    user: object = None          # the acting user (a geo.auth.User or a username; None = local admin)

    def __post_init__(self):
        if self.metric not in metrics.METRICS:
            raise ValueError(f"unknown metric {self.metric!r} (one of {', '.join(METRIC_CODES)})")
        if self.scheme not in maps.SCHEMES:
            raise ValueError(f"unknown classification {self.scheme!r} (one of {', '.join(maps.SCHEMES)})")

    @classmethod
    def from_filters(cls, f: filters.Filters, user=None) -> "View":
        return cls(set_id=int(f.set_id), period=f.period, area=f.area, categories=tuple(f.categories),
                   model_types=tuple(f.model_types), metric=f.metric, scheme=f.scheme, lang=f.lang, user=user)

    def stats(self, db) -> pd.DataFrame:
        """:func:`geo.stats.area_stats` of the view (an officer gets only their own areas)."""
        return stats.area_stats(db, self.set_id, self.period, categories=list(self.categories) or None,
                                model_types=list(self.model_types) or None, area=self.area, user=self.user)

    def scoped(self, db) -> bool:
        """Whether the acting user sees only part of the set (an officer)."""
        from .. import scope
        return scope.resolve(db, self.user).limited


def t(key: str, lang: str = "vi", **fmt) -> str:
    return i18n.t(key, lang, **fmt)


def level_of(db, set_id: int) -> str:
    return areas.get_set(db, set_id).level


def unit_name(name: str, unit_type: str | None) -> str:
    """ "Xã Tân Hòa": the unit word before the name, unless the name starts with it already."""
    if unit_type and unit_type in vocab.UNIT_TYPES and unit_type != "khac":
        word = vocab.UNIT_TYPES.label(unit_type, "vi")
        if not str(name).lower().startswith(word.lower() + " "):
            return f"{word} {name}"
    return str(name)


def province_name(db) -> str | None:
    s = areas.current_set(db, "province")
    if s is None:
        return None
    tab = areas.area_table(db, s.id)
    return None if tab.empty else unit_name(tab["name"].iloc[0], tab["unit_type"].iloc[0])


def area_title(db, view: View) -> str:
    """The area shown: "Xã Tân Hòa", or "Toàn tỉnh (Tỉnh …)" for no area (an officer's
    own area when the acting user is one)."""
    code = view.area
    if not code and view.user is not None:
        from .. import auth
        u = auth.resolve(db, view.user)
        if u.role == "officer" and u.area_code:
            code = u.area_code
    if code:
        chain = [areas.get_set(db, view.set_id)]
        while chain[-1].parent_set_id is not None:
            chain.append(areas.get_set(db, chain[-1].parent_set_id))
        for s in chain:
            tab = areas.area_table(db, s.id)
            row = tab[tab["code"] == code]
            if not row.empty:
                return unit_name(row["name"].iloc[0], row["unit_type"].iloc[0])
        return code
    prov = province_name(db)
    whole = t("whole_province", view.lang)
    return f"{whole} ({prov})" if prov else whole


def column_label(column: str, lang: str = "vi") -> str:
    """The header of a figure's column: its :mod:`geo.i18n` label (``mt_col_<column>`` for
    the columns this package names), else the column name itself."""
    for key in (column, f"mt_col_{column}"):
        if key in i18n.LABELS:
            return t(key, lang)
    return column


def metric_label(metric: str, lang: str = "vi") -> str:
    return column_label(metrics.label_key(metric), lang)


def selection_text(view: View) -> str:
    """Categories and model types chosen, as one line ("Loại vụ việc: tất cả; …")."""
    L = view.lang
    cats = ", ".join(vocab.CATEGORIES.label(c, L) for c in view.categories) or t("all", L).lower()
    mts = ", ".join(vocab.MODEL_TYPES.label(m, L) for m in view.model_types) or t("all", L).lower()
    return f"{t('categories', L)}: {cats}; {t('model_types', L)}: {mts}"


def metric_values(db, view: View, df: pd.DataFrame) -> dict:
    """``{code: value or None}`` of the view's metric for the rows of ``df`` (an area_stats frame)."""
    pop = metrics.area_population(db, view.set_id) if view.metric == "rate_per_1000" else None
    if "placed" in df.columns:   # a commune's "village not known" row is not an area of the map
        df = df[df["placed"]]
    return metrics.metric_values(df, view.metric, population=pop)


def classes_for(values, metric: str = DEFAULT_METRIC, *, scheme: str = "quantiles", k: int = K_CLASSES,
                lang: str = "vi") -> dict:
    """:func:`geo.classify.classify_metric` of ``values``, as the map page does it (``k``
    classes of ``scheme``; a change symmetric around 0, "more is better" in greens; the
    legend's which-way-is-better line in ``lang``).  ``values``: a dict or any iterable --
    give the union of several maps' values to colour them alike."""
    return maps.classify_metric(values, metric, scheme=scheme, k=k, lang=lang)


def class_counts(classes: dict, values: dict, codes) -> tuple[list[int], int]:
    """Areas per class and with no data, among ``codes`` (as the map legend counts them)."""
    counts = [0] * len(classes.get("bins", []))
    nodata = 0
    for c in codes:
        i = maps.class_index(classes, values.get(c))
        if i < 0:
            nodata += 1
        else:
            counts[i] += 1
    return counts, nodata


def generated_text(lang: str = "vi", at: dt.datetime | None = None) -> str:
    at = at or dt.datetime.now()
    return t("mt_generated_at", lang, at=f"{at:%H:%M %d/%m/%Y}")


def is_demo(db) -> bool:
    return store.is_demo(db)


def safe_filename(text: str) -> str:
    """An ASCII file name part from a Vietnamese title ("Xã Tân Hòa" → "Xa-Tan-Hoa")."""
    import re
    import unicodedata
    s = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")
    return s[:60] or "antt"
