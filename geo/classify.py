"""Choropleth classes: how values become colour classes and legend labels.

One place for every map, the PNG export and the brief (mapclassify for the breaks)."""
from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .numfmt import _is_number, fmt_number

SCHEMES = ("quantiles", "equal_interval", "natural_breaks")
SCHEME_LABELS = {
    "quantiles": "Phân vị",
    "equal_interval": "Khoảng đều",
    "natural_breaks": "Ngắt tự nhiên (Jenks)",
}
# ColorBrewer YlOrRd, sequential, by number of classes.
PALETTES: dict[int, list[str]] = {
    1: ["#fd8d3c"],
    2: ["#fecc5c", "#e31a1c"],
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    8: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    9: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
}
MAX_CLASSES = 9
NODATA_COLOR = "#c8c8c8"
NODATA_LABEL = "Không có dữ liệu"

_rng_lock = threading.Lock()

def palette(k: int) -> list[str]:
    """``k`` sequential colours (light to dark)."""
    if k <= 0:
        return []
    return list(PALETTES[min(k, MAX_CLASSES)])


def classify(values: Mapping[Any, Any] | Iterable[Any], scheme: str = "quantiles", k: int = 5,
             colors: Sequence[str] | None = None) -> dict:
    """Colour classes for a choropleth.

    ``values``: ``{code: value}`` (or any iterable of values); ``None``, NaN
    and non-numbers are *no data*.  ``scheme``: ``"quantiles"``,
    ``"equal_interval"`` or ``"natural_breaks"`` (mapclassify).  ``k`` is an
    upper limit: fewer classes are made when there are fewer distinct values
    (one class when all values are equal, none when there is no data).  For
    whole-number data the class limits are whole numbers.

    Returns a plain dict: ``scheme``, ``k`` (classes made), ``bins`` (upper
    limit of each class), ``min``, ``max``, ``integer``, ``colors``,
    ``labels`` (Vietnamese-formatted ranges), ``counts`` (values per class),
    ``nodata_count``, ``nodata_color``, ``nodata_label``.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    if not 1 <= int(k) <= MAX_CLASSES:
        raise ValueError(f"k must be between 1 and {MAX_CLASSES}")
    k = int(k)
    raw = list(values.values()) if isinstance(values, Mapping) else list(values)
    y = np.array([float(v) for v in raw if _is_number(v)], dtype=float)
    nodata = len(raw) - len(y)
    uniq = np.unique(y)
    integer = bool(len(y)) and bool(np.all(np.floor(y) == y))
    if len(uniq) == 0:
        bins: list[float] = []
    elif len(uniq) <= k:
        bins = [float(u) for u in uniq]          # one class per distinct value
    else:
        bins = _mapclassify_bins(y, scheme, k)
        if integer:
            bins = [float(math.floor(b)) for b in bins]
        bins = sorted(set(bins))
        bins = [b for b in bins if b >= uniq[0]]
        if not bins or bins[-1] < uniq[-1]:
            bins = [b for b in bins if b < uniq[-1]] + [float(uniq[-1])]
    idx = np.searchsorted(np.array(bins), y, side="left") if bins else np.array([], int)
    counts = np.bincount(idx, minlength=len(bins)).tolist() if bins else []
    cols = list(colors)[: len(bins)] if colors else palette(len(bins))
    if len(cols) < len(bins):
        raise ValueError(f"{len(bins)} colours needed, {len(cols)} given")
    labels = []
    lo = float(uniq[0]) if len(uniq) else 0.0
    for i, hi in enumerate(bins):
        if len(uniq) <= k:
            lo = hi                      # one class per distinct value: label the value
        elif i:
            lo = bins[i - 1] + 1 if integer else bins[i - 1]
        labels.append(fmt_number(hi) if lo == hi else f"{fmt_number(lo)} – {fmt_number(hi)}")
    return {
        "scheme": scheme,
        "k": len(bins),
        "bins": [float(b) for b in bins],
        "min": float(uniq[0]) if len(uniq) else None,
        "max": float(uniq[-1]) if len(uniq) else None,
        "integer": integer,
        "colors": cols,
        "labels": labels,
        "counts": [int(c) for c in counts],
        "nodata_count": int(nodata),
        "nodata_color": NODATA_COLOR,
        "nodata_label": NODATA_LABEL,
    }


def _mapclassify_bins(y: np.ndarray, scheme: str, k: int) -> list[float]:
    import mapclassify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "quantiles":
            c = mapclassify.Quantiles(y, k=k)
        elif scheme == "equal_interval":
            c = mapclassify.EqualInterval(y, k=k)
        else:
            # Jenks by k-means (FisherJenks is far too slow without numba);
            # seeded so the same data always gives the same classes.
            with _rng_lock:
                state = np.random.get_state()
                np.random.seed(20250701)
                try:
                    c = mapclassify.NaturalBreaks(y, k=k, initial=10)
                except ValueError:   # k-means fails on values too close together: quantiles then
                    c = mapclassify.Quantiles(y, k=k)
                finally:
                    np.random.set_state(state)
    return [float(b) for b in np.asarray(c.bins).ravel()]


def categorical_classes(labels: Sequence[str], colors: Sequence[str],
                        values: Mapping[Any, Any] | Iterable[Any] | None = None) -> dict:
    """Colour classes for categories (hot-spot classes, covered / not covered) instead
    of ranges, in the shape of :func:`classify`'s result.

    Class ``i`` holds the value ``i``: pass ``{code: category index}`` (None = no
    data) to :func:`choropleth`.  ``labels[i]`` is the legend text of class ``i``
    and the text the tooltip shows instead of the number.  ``values`` (optional)
    fills ``counts`` and ``nodata_count`` like :func:`classify`.
    """
    labels, colors = list(labels), list(colors)
    if len(colors) != len(labels):
        raise ValueError(f"{len(labels)} colours needed, {len(colors)} given")
    k = len(labels)
    counts = [0] * k
    nodata = 0
    if values is not None:
        for v in (values.values() if isinstance(values, Mapping) else values):
            if _is_number(v) and float(v).is_integer() and 0 <= int(v) < k:
                counts[int(v)] += 1
            else:
                nodata += 1
    return {
        "scheme": "categorical",
        "k": k,
        "bins": [float(i) for i in range(k)],
        "min": 0.0 if k else None,
        "max": float(k - 1) if k else None,
        "integer": True,
        "colors": colors,
        "labels": labels,
        "counts": counts,
        "nodata_count": nodata,
        "nodata_color": NODATA_COLOR,
        "nodata_label": NODATA_LABEL,
        "categorical": True,
    }


def _value_text(classes: Mapping, ci: int, v: Any) -> str | None:
    """The value shown in a tooltip: the class label for categorical classes, else the number."""
    if ci < 0:
        return None
    if classes.get("categorical"):
        return str(classes["labels"][ci])
    return fmt_number(v)


def class_index(classes: Mapping, value: Any) -> int:
    """The class of ``value`` in ``classes`` (from :func:`classify`); -1 for no data.

    Values outside the classified range go to the first/last class.
    """
    if not _is_number(value) or not classes.get("bins"):
        return -1
    if classes.get("diverging"):
        v = float(value)
        mid = int(classes["neutral_class"])
        lim = classes["abs_limits"]
        if v == 0 or not lim:
            return mid
        c = min(int(np.searchsorted(np.array(lim), abs(v), side=classes["abs_side"])), len(lim) - 1)
        return mid + (c + 1 if v > 0 else -(c + 1))
    bins = classes["bins"]
    i = int(np.searchsorted(np.array(bins), float(value), side="left"))
    return min(i, len(bins) - 1)


# --- which way is better: the colours of a metric ----------------------------------
#
# "diverging": a change (change, change %, z) -- classes symmetric around 0, 0 alone in a
#   neutral class, green for falling, red for rising;
# "more_better": coverage, camera area -- a sequential palette whose dark end (more) is green;
# "less_better": incidents, rate -- a sequential palette whose dark end (more) is red;
# "neutral": no judgement (incidents in camera view) -- a sequential blue palette.
METRIC_DIRECTION: dict[str, str] = {
    "change": "diverging", "change_pct": "diverging", "z": "diverging",
    "change_ly": "diverging", "change_ly_pct": "diverging", "z_ly": "diverging",
    "coverage_pct": "more_better", "camera_area_pct": "more_better",
    "incidents": "less_better", "incidents_prev": "less_better", "incidents_last_year": "less_better",
    "rate_per_1000": "less_better",
    "incidents_in_camera_view_pct": "neutral",
}
DIRECTIONS = ("diverging", "more_better", "less_better", "neutral")
# ColorBrewer RdYlGn ends by classes per side (falling: dark green far from 0), neutral light grey
DIVERGING_FALLING: dict[int, list[str]] = {
    1: ["#1a9850"], 2: ["#1a9850", "#91cf60"], 3: ["#1a9850", "#66bd63", "#a6d96a"],
    4: ["#006837", "#1a9850", "#66bd63", "#a6d96a"]}
DIVERGING_RISING: dict[int, list[str]] = {
    1: ["#d73027"], 2: ["#fc8d59", "#d73027"], 3: ["#fdae61", "#f46d43", "#d73027"],
    4: ["#fdae61", "#f46d43", "#d73027", "#a50026"]}
NEUTRAL_COLOR = "#f2f2f2"
MAX_SIDE = 4
# ColorBrewer Greens (more is better) and Blues (no judgement), light to dark
GREENS: dict[int, list[str]] = {
    1: ["#74c476"], 2: ["#c7e9c0", "#31a354"], 3: ["#e5f5e0", "#a1d99b", "#31a354"],
    4: ["#edf8e9", "#bae4b3", "#74c476", "#238b45"], 5: ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"],
    6: ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"],
    7: ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"],
    8: ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"],
    9: ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"]}
BLUES: dict[int, list[str]] = {
    1: ["#6baed6"], 2: ["#c6dbef", "#3182bd"], 3: ["#deebf7", "#9ecae1", "#3182bd"],
    4: ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"], 5: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    6: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    7: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
    8: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
    9: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"]}
# z: a fixed limit instead of the scheme's: |z| ≥ 2 is a real change (geo.stats.Z_REAL)
Z_REAL = 2.0
Z_METRICS = ("z", "z_ly")


def metric_direction(metric: str) -> str:
    """Which way is better for ``metric`` (:data:`DIRECTIONS`); unknown metrics: neutral."""
    return METRIC_DIRECTION.get(metric, "neutral")


def direction_label(direction: str, lang: str = "vi") -> str | None:
    """The legend line saying which way is better (None for a neutral metric)."""
    from .i18n import t
    return None if direction == "neutral" else t(f"better_{direction}", lang)


def classify_metric(values, metric: str, scheme: str = "quantiles", k: int = 5, lang: str = "vi") -> dict:
    """The classes of ``metric``'s ``values`` for every map, the PNG export and the brief.

    Diverging metrics (:data:`METRIC_DIRECTION`) get :func:`classify_diverging`; the others
    :func:`classify` with the palette of their direction.  The result also carries
    ``direction`` and ``direction_label`` (the legend's "which way is better" line)."""
    direction = metric_direction(metric)
    if direction == "diverging":
        classes = classify_diverging(values, scheme=scheme, k=k,
                                     fixed=(Z_REAL,) if metric in Z_METRICS else None)
    else:
        classes = classify(values, scheme=scheme, k=k)
        n = classes["k"]
        if n and direction == "more_better":
            classes["colors"] = list(GREENS[min(n, MAX_CLASSES)])
        elif n and direction == "neutral":
            classes["colors"] = list(BLUES[min(n, MAX_CLASSES)])
    classes["direction"] = direction
    classes["direction_label"] = direction_label(direction, lang)
    return classes


def classify_diverging(values: Mapping[Any, Any] | Iterable[Any], scheme: str = "quantiles", k: int = 5,
                       fixed: Sequence[float] | None = None) -> dict:
    """Classes symmetric around 0 for a change: up to ``(k − 1) // 2`` classes of falling
    values, one neutral class holding exactly 0, and as many classes of rising values,
    mirrored (``v`` and ``−v`` are always in mirror classes).  The class of a value is that
    of its size |v|: ``scheme``'s breaks of the non-zero sizes, each class ``(lo, hi]``; or,
    with ``fixed`` (e.g. |z| = 2), those limits, each class ``[lo, hi)`` so that a size equal
    to a limit is in the class above.  A class never straddles 0.  Falling classes are green
    (darker further from 0), rising red, the neutral one light grey.

    Same result shape as :func:`classify` (``bins`` is informative only; use
    :func:`class_index`), plus ``diverging``, ``neutral_class``, ``abs_limits``, ``abs_side``."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    if not 1 <= int(k) <= MAX_CLASSES:
        raise ValueError(f"k must be between 1 and {MAX_CLASSES}")
    raw = list(values.values()) if isinstance(values, Mapping) else list(values)
    y = np.array([float(v) for v in raw if _is_number(v)], dtype=float)
    nodata = len(raw) - len(y)
    if not len(y):
        return {**classify([], scheme=scheme, k=k), "nodata_count": int(nodata), "diverging": True,
                "neutral_class": None, "abs_limits": [], "abs_side": "left"}
    side = max(1, min(MAX_SIDE, (int(k) - 1) // 2))
    integer = bool(np.all(np.floor(y) == y))
    a = np.abs(y[y != 0])
    amax = float(a.max()) if len(a) else 0.0
    if not len(a):
        limits: list[float] = []
    elif fixed:
        limits = [float(f) for f in sorted(fixed) if 0 < f < amax][: side - 1] + [amax]
    else:
        limits = classify(a, scheme=scheme, k=side)["bins"]
    abs_side = "right" if fixed else "left"
    n = len(limits)
    # the range of each size class, as text: (lo, hi] (scheme) or [lo, hi) (fixed)
    ranges = []
    for i, hi in enumerate(limits):
        lo = limits[i - 1] if i else 0.0
        if fixed:
            lo_txt = lo if i else (1.0 if integer else 0.0)
            hi_txt = hi if i == n - 1 else (hi - 1 if integer else hi)
        else:
            lo_txt = (lo + 1 if integer else lo)
            hi_txt = hi
        ranges.append((lo_txt, hi_txt))

    def text(lo, hi, sign):
        a_, b_ = (lo, hi) if sign > 0 else (-hi, -lo)
        return fmt_number(a_) if a_ == b_ else f"{fmt_number(a_)} – {fmt_number(b_)}"
    labels = [text(lo, hi, -1) for lo, hi in reversed(ranges)] + [fmt_number(0)] + \
             [text(lo, hi, +1) for lo, hi in ranges]
    colors = (list(DIVERGING_FALLING[n]) if n else []) + [NEUTRAL_COLOR] + (list(DIVERGING_RISING[n]) if n else [])
    classes = {
        "scheme": scheme,
        "k": 2 * n + 1,
        "bins": [-b for b in reversed(limits)] + [0.0] + [float(b) for b in limits],
        "min": float(y.min()),
        "max": float(y.max()),
        "integer": integer,
        "colors": colors,
        "labels": labels,
        "counts": [0] * (2 * n + 1),
        "nodata_count": int(nodata),
        "nodata_color": NODATA_COLOR,
        "nodata_label": NODATA_LABEL,
        "diverging": True,
        "neutral_class": n,
        "abs_limits": [float(b) for b in limits],
        "abs_side": abs_side,
        "fixed": list(fixed) if fixed else None,
    }
    for v in y:
        classes["counts"][class_index(classes, v)] += 1
    return classes
