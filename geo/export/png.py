"""The map as a picture, drawn on this machine (matplotlib, no basemap, no network).

The areas are the stored map geometry (:func:`geo.areas.load_areas`, simplified),
projected to the database's equal-area metric CRS (:func:`geo.coverage.metric_crs`)
so the scale bar is true; colours and classes are those of the interactive map
(:func:`geo.maps.classify`, see :func:`geo.export.classes_for`).  The picture has
a title, the period, a legend with the number of areas in each class, a scale
bar, a north arrow and the time it was made.

Only :class:`matplotlib.figure.Figure` with the Agg canvas is used (no pyplot):
safe from any thread of the Streamlit server.
"""
from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd

from .. import areas, coverage, maps
from ..mapdata import NO_MAP_COLOR, NO_MAP_LINE
from ..stats import format_number
from . import (FONT_FAMILY, View, area_title, class_counts, classes_for, generated_text, is_demo,
               metric_label, metric_values, selection_text, t)

MAX_LABELS = 80          # area names are written on the map up to this many areas
EDGE = "#55585c"


def _new_figure(width_px: int, height_px: int, dpi: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def projected_areas(db, set_id: int, codes=None):
    """The areas' map geometry in the metric CRS (GeoDataFrame with code, name, unit_type)."""
    gdf = areas.load_areas(db, set_id, simple=True, codes=None if codes is None else list(codes))
    return gdf.to_crs(coverage.metric_crs(db))


def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``max_m``."""
    if max_m <= 0:
        return 1.0
    e = math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * 10 ** e <= max_m:
            return float(m * 10 ** e)
    return float(10 ** e)


def _length_text(m: float) -> str:
    if m >= 1000:
        return f"{format_number(m / 1000, 0 if m % 1000 == 0 else 1)} km"
    return f"{format_number(m)} m"


def draw_scale_bar(ax, *, fontsize: float = 10) -> None:
    """A two-segment scale bar in the lower left corner (axis units are metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    length = nice_length(w * 0.25)
    bx, by = x0 + 0.04 * w, y0 + 0.05 * h
    bh = 0.012 * h
    for i in range(2):
        ax.add_patch(_rect(bx + i * length / 2, by, length / 2, bh, "#222222" if i == 0 else "white"))
    halo = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5}
    ax.text(bx, by + bh * 1.8, "0", ha="center", va="bottom", fontsize=fontsize, family=FONT_FAMILY,
            bbox=halo, zorder=6)
    ax.text(bx + length, by + bh * 1.8, _length_text(length), ha="center", va="bottom", fontsize=fontsize,
            family=FONT_FAMILY, bbox=halo, zorder=6)


def _rect(x, y, w, h, fc):
    from matplotlib.patches import Rectangle
    return Rectangle((x, y), w, h, facecolor=fc, edgecolor="#222222", linewidth=0.8, zorder=5)


def draw_north_arrow(ax, letter: str = "B", *, fontsize: float = 12) -> None:
    """A north arrow in the upper right corner ("B" for Bắc, "N" in English)."""
    from matplotlib.patches import Polygon
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    size = 0.06 * min(w, h)
    cx, top = x1 - 0.06 * w, y1 - 0.1 * h
    left = Polygon([(cx, top), (cx - size * 0.35, top - size), (cx, top - size * 0.75)], closed=True,
                   facecolor="#222222", edgecolor="#222222", zorder=5)
    right = Polygon([(cx, top), (cx + size * 0.35, top - size), (cx, top - size * 0.75)], closed=True,
                    facecolor="white", edgecolor="#222222", zorder=5)
    ax.add_patch(left)
    ax.add_patch(right)
    ax.text(cx, top + 0.01 * h, letter, ha="center", va="bottom", fontsize=fontsize, fontweight="bold",
            family=FONT_FAMILY, zorder=5)


def draw_areas(ax, gdf, values: dict, classes: dict, *, labels: bool = True, fontsize: float = 8) -> None:
    """Fill each area with its class colour (no data grey), outline it, name it when few."""
    from matplotlib import patheffects
    colors = [classes["colors"][i] if i >= 0 else classes["nodata_color"]
              for i in (maps.class_index(classes, values.get(c)) for c in gdf["code"])]
    lw = 0.6 if len(gdf) < 400 else 0.3
    if len(gdf):
        gdf.plot(ax=ax, color=colors, edgecolor=EDGE, linewidth=lw)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if labels and 0 < len(gdf) <= MAX_LABELS:
        pts = gdf.geometry.representative_point()
        halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
        for name, p in zip(gdf["name"], pts):
            ax.text(p.x, p.y, str(name), ha="center", va="center", fontsize=fontsize, family=FONT_FAMILY,
                    color="#1d2733", path_effects=halo, zorder=4, clip_on=True)


def no_map_communes(db, view: View):
    """At village level: the communes of the view (as its user may see them) with no village
    map, projected like the areas (None when there is none): drawn grey and hatched, and
    named in the legend, never as empty villages or 0 %."""

    from .. import mapdata
    from .. import scope as scope_mod
    s = areas.get_set(db, view.set_id)
    if s is None or s.level != "village" or s.parent_set_id is None:
        return None
    codes = scope_mod.resolve(db, view.user).codes(db, s.parent_set_id)
    if view.area is not None:
        codes = {view.area} if codes is None else set(codes) & {view.area}
    missing = mapdata.communes_without_villages(db, view.set_id, codes)
    return projected_areas(db, s.parent_set_id, missing) if missing else None


def draw_no_map(ax, gdf) -> None:
    if gdf is not None and len(gdf):
        gdf.plot(ax=ax, facecolor=NO_MAP_COLOR, edgecolor=NO_MAP_LINE, linewidth=0.9, linestyle="--",
                 hatch="///")


def draw_legend(ax, classes: dict, counts: list[int], nodata: int, *, title: str, lang: str,
                fontsize: float = 11, no_map: int = 0) -> None:
    """The legend as its own axes: metric, scheme, one row per class with its number of areas."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    y = 0.97
    ax.text(0, y, title, fontsize=fontsize * 1.15, fontweight="bold", va="top", family=FONT_FAMILY, wrap=True)
    y -= 0.07
    scheme = t(f"mt_scheme_{classes.get('scheme')}", lang)
    ax.text(0, y, scheme, fontsize=fontsize * 0.85, color="#555555", va="top", family=FONT_FAMILY)
    y -= 0.07
    if classes.get("direction_label"):   # which way is better
        ax.text(0, y, classes["direction_label"], fontsize=fontsize * 0.85, color="#555555", va="top",
                family=FONT_FAMILY, wrap=True)
        y -= 0.07
    word = t("legend_areas", lang)
    rows = list(zip(classes.get("colors", []), classes.get("labels", []), counts))
    rows.append((classes.get("nodata_color"), t("no_data", lang), nodata))
    step = min(0.075, 0.8 / max(len(rows), 1))
    if no_map:
        rows.append((None, t("vil_status_none", lang), no_map))
    for color, label, n in rows:
        if color is None:    # communes with no village map: hatched
            from matplotlib.patches import Rectangle
            ax.add_patch(Rectangle((0, y - step * 0.75), 0.12, step * 0.6, facecolor=NO_MAP_COLOR,
                                   edgecolor=NO_MAP_LINE, linewidth=0.8, linestyle="--", hatch="///"))
        else:
            ax.add_patch(_legend_box(0, y - step * 0.75, 0.12, step * 0.6, color))
        ax.text(0.16, y - step * 0.45, f"{label}  ({format_number(n)} {word})", fontsize=fontsize, va="center",
                family=FONT_FAMILY)
        y -= step


def _legend_box(x, y, w, h, fc):
    from matplotlib.patches import Rectangle
    return Rectangle((x, y), w, h, facecolor=fc, edgecolor="#8a8a8a", linewidth=0.8)


def map_figure(db, view: View, *, width: int = 1600, height: int = 1000, dpi: int = 100,
               df: pd.DataFrame | None = None, classes: dict | None = None, title: str | None = None,
               subtitle: str | None = None, generated_at: dt.datetime | None = None, footer: bool = True):
    """The map of ``view`` as a matplotlib Figure of ``width`` × ``height`` pixels.

    ``df``: the view's :func:`geo.stats.area_stats` frame (read when None);
    ``classes``: shared classes (e.g. of several periods), else the view's own."""
    L = view.lang
    df = view.stats(db) if df is None else df
    values = metric_values(db, view, df)
    classes = classes or classes_for(values, view.metric, scheme=view.scheme, lang=view.lang)
    gdf = projected_areas(db, view.set_id, df["code"].tolist())
    counts, nodata = class_counts(classes, values, gdf["code"])
    no_map = no_map_communes(db, view)
    scale = min(width / 1600, height / 1000)
    fs = max(7.0, 11 * scale * 100 / dpi)

    fig = _new_figure(width, height, dpi)
    fig.patch.set_facecolor("white")
    head = 0.115
    title = title or t("mt_map_title", L, metric=metric_label(view.metric, L), area=area_title(db, view))
    fig.text(0.02, 1 - 0.025, title, fontsize=fs * 2.0, fontweight="bold", va="top", family=FONT_FAMILY)
    sub = subtitle or f"{t('period', L)}: {view.period}   ·   {selection_text(view)}"
    fig.text(0.02, 1 - 0.025 - fs * 2.0 * 1.45 / (height * 72 / dpi), sub, fontsize=fs * 1.05, va="top",
             color="#333333", family=FONT_FAMILY)
    ax = fig.add_axes((0.02, 0.06, 0.70, 1 - head - 0.07))
    draw_areas(ax, gdf, values, classes, fontsize=fs * 0.75)
    draw_no_map(ax, no_map)
    shown = gdf if no_map is None else pd.concat([gdf[["geometry"]], no_map[["geometry"]]])
    if len(shown):
        x0, y0, x1, y1 = shown.total_bounds
        px, py = (x1 - x0) * 0.04 or 1000, (y1 - y0) * 0.04 or 1000
        ax.set_xlim(x0 - px, x1 + px)
        ax.set_ylim(y0 - py, y1 + py)
        ax.set_anchor("C")
        # keep the limits when 'equal' aspect widens the box: compute once, then draw the furniture
        ax.apply_aspect()
    draw_scale_bar(ax, fontsize=fs * 0.9)
    draw_north_arrow(ax, "N" if L == "en" else "B", fontsize=fs * 1.2)
    lax = fig.add_axes((0.75, 0.12, 0.23, 1 - head - 0.14))
    draw_legend(lax, classes, counts, nodata, title=metric_label(view.metric, L), lang=L, fontsize=fs,
                no_map=0 if no_map is None else len(no_map))
    if footer:
        foot = f"ANTT Atlas · {generated_text(L, generated_at)}"
        if is_demo(db):
            foot += " · " + t("demo_banner", L)
        fig.text(0.02, 0.015, foot, fontsize=fs * 0.75, color="#666666", va="bottom", family=FONT_FAMILY)
    return fig


def figure_png(fig, dpi: int | None = None) -> bytes:
    """The figure as an opaque RGB PNG (no alpha channel: prints and embeds the same everywhere)."""
    from PIL import Image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi, facecolor="white")
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def map_png(db, view: View, *, width: int = 1600, height: int = 1000, dpi: int = 100, **kw) -> bytes:
    """The map of ``view`` as PNG bytes of exactly ``width`` × ``height`` pixels."""
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise ValueError("width and height must be between 200 and 10000 pixels")
    return figure_png(map_figure(db, view, width=width, height=height, dpi=dpi, **kw))
