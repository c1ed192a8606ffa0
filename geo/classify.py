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
    bins = classes["bins"]
    i = int(np.searchsorted(np.array(bins), float(value), side="left"))
    return min(i, len(bins) - 1)
