"""The browser map: a Streamlit component over the local Leaflet that keeps its shapes.

A filter change sends only the per-area classes, value texts and the legend
(:func:`geo.mapdata.values`, a few kilobytes to tens of kilobytes); the geometry
of a boundary set (restricted to what the user may see), the point layers and
timeline frames are *blobs* sent once and kept by the browser.  This module
remembers, per map and session, which blobs it sent; a map frame that lost one
(re-created by the browser) asks for it again through its value, which costs one
rerun.  The map's height comes from the viewport, it fits the areas shown with
room left for the legend, and the legend (with every point layer's symbols)
folds away.

Pages call :func:`filters_map` (the map of a :class:`geo.filters.Filters`: its
metric, classification and layers) or :func:`choropleth` (any values per area,
e.g. CompStat's change) and get back the code of the area clicked last.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from geo import areas, auth, export, layers, mapdata, maps, metrics, store, timeline, vocab
from geo import filters as gfilters
from geo import scope as scope_mod

from . import unplaced
from .session import lang, t

FRONTEND = Path(__file__).resolve().parent / "mapview_frontend"
_component = components.declare_component("antt_map", path=str(FRONTEND))
MAP_FIELDS = ["incidents", "incidents_prev", "incidents_last_year", "change_pct", "groups_active", "coverage_pct"]

_layer_cache: OrderedDict = OrderedDict()
_layer_lock = threading.Lock()
_LAYER_CACHE_MAX = 32


def _words() -> dict:
    return {"legend": t("map_legend"), "loading": t("map_loading"), "low": t("heat_low"), "high": t("heat_high"),
            "cluster": t("legend_cluster"), "rings": t("legend_rings"), "play": t("timeline_play"),
            "timeline": t("timeline"), "leaflet": leaflet_words()}


def leaflet_words() -> dict:
    """Leaflet's own texts in the page's language (geo/js/antt-leaflet.js)."""
    return maps.leaflet_words(lang())


def compact(obj) -> str:
    """JSON without spaces (Streamlit would send ``json.dumps``' ", " and ": ")."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def render(*, key: str, geometry: dict, values: dict, layer_blobs=(), timeline_blob: dict | None = None,
           height: int | None = None, min_height: int = 380, reserve: int = 12, rows: int = 1, gap: int = 0,
           group: str | None = None, big: bool = False, legend_collapsed: bool = False) -> str | None:
    """Draw (or update) the map ``key``; returns the code of the area clicked last (or None).

    ``height``: fixed pixels; None fills the viewport below the map's top, less ``reserve``
    pixels (at least ``min_height``); maps of one ``group`` laid out in ``rows`` rows share
    the height left below the first one (``gap`` pixels between rows).  ``big``: the large
    legend of presentation mode."""
    prev = st.session_state.get(key)
    # the frame says which blobs it holds ({have: [...]}, sent whenever that changes): send the rest
    have = {str(k) for k in (prev.get("have") or [])} if isinstance(prev, dict) else set()
    layer_blobs = [b for b in layer_blobs if b]
    blobs = {}
    for b in (geometry, *layer_blobs, timeline_blob):
        if b and b["key"] not in have:
            blobs[b["key"]] = b
    opts = {"height": height, "minHeight": min_height, "reserve": reserve, "rows": rows, "gap": gap,
            "group": group, "big": big, "legendCollapsed": legend_collapsed, "tiles": maps.default_tiles(),
            "words": _words()}
    value = _component(geom=geometry["key"], values=compact(values), layers=[b["key"] for b in layer_blobs],
                       timeline=timeline_blob["key"] if timeline_blob else None, blobs=compact(blobs), opts=opts,
                       key=key, default=None)
    if isinstance(value, dict) and value.get("clicked") and value["clicked"] in set(values.get("shown", ())):
        return str(value["clicked"])
    return None


def geometry_for(db, set_id: int, user) -> dict:
    """The geometry blob of the set as ``user`` may see it (an officer: their area only)."""
    return mapdata.geometry(db, set_id, scope_mod.resolve(db, user).codes(db, set_id))


def _field_label(column: str) -> str:
    return t("unplaced_tooltip") if column == unplaced.TOOLTIP_COLUMN else t(column)


def choropleth(db, set_id: int, *, key: str, df, values: dict, classes: dict, metric_label: str, user,
               fields=(), scheme_label: str | None = None, layer_blobs=(), timeline_blob=None,
               no_data_label: str | None = None, **opts) -> str | None:
    """A choropleth of ``values`` (``{code: number}``) on the areas of ``df`` (an area_stats-like
    frame with ``code``; its ``fields`` columns go into the tooltip), coloured by ``classes``
    (from :func:`geo.maps.classify` or :func:`geo.export.classes_for`).  For CompStat's map of
    change, pass its table, the change values and their classes.  Returns the area clicked."""
    geom = geometry_for(db, set_id, user)
    if "placed" in df.columns:
        df = df[df["placed"].astype(bool)]
    vals = mapdata.values(geom, values, classes, table=df, fields=[(c, _field_label(c)) for c in fields],
                          metric_label=metric_label, no_data_label=no_data_label or t("no_data"), areas_label=t("legend_areas"),
                          scheme_label=scheme_label if scheme_label is not None else t(f"scheme_{classes.get('scheme')}"))
    return render(key=key, geometry=geom, values=vals, layer_blobs=layer_blobs, timeline_blob=timeline_blob, **opts)


def _cached_layer(ck, build):
    with _layer_lock:
        hit = _layer_cache.get(ck)
        if hit is not None:
            _layer_cache.move_to_end(ck)
            return hit
    blob = build()
    with _layer_lock:
        _layer_cache[ck] = blob
        while len(_layer_cache) > _LAYER_CACHE_MAX:
            _layer_cache.popitem(last=False)
    return blob


def point_layers(db, f: gfilters.Filters, user, area_codes=None) -> list[dict]:
    """The blobs of the layers chosen in ``f`` (heat cells, cameras, groups), as ``user`` may see
    them; built once per data revision and filter (cached), so a rerun only compares keys."""
    L = lang()
    u = auth.resolve(db, user)
    base = (mapdata._db_file(db), store.revision(db), int(f.set_id), u.username, u.role, u.area_code,
            None if area_codes is None else mapdata.digest(sorted(area_codes)), L)
    out = []
    if "heat" in f.layers:             # gridded counts, never exact points: the same for every role
        def heat():
            cells = layers.incident_heat(db, f.set_id, f.period, f.categories, area_codes, user=u)
            return mapdata.layer_blob("heat", t("layer_heat"),
                                      maps.heat_payload(cells["lat"], cells["lon"], cells["weight"]))
        out.append(_cached_layer(base + ("heat", str(f.period), tuple(f.categories)), heat))
    if "cameras" in f.layers:
        def cams():
            return mapdata.layer_blob("cameras", t("layer_cameras"), maps.camera_payload(
                layers.camera_points(db, f.set_id, f.period.end, area_codes, user=u),
                camera_label=t("layer_cameras")))
        out.append(_cached_layer(base + ("cameras", str(f.period.end)), cams))
    if "groups" in f.layers:
        def groups():
            g = layers.group_points(db, f.set_id, f.period.end, f.model_types, area_codes, user=u)
            g["label"] = g["model_type"].map(lambda c: vocab.MODEL_TYPES.label(c, L))
            return mapdata.layer_blob("groups", t("layer_groups"), maps.group_payload(g, lang=L))
        out.append(_cached_layer(base + ("groups", str(f.period.end), tuple(f.model_types)), groups))
    return [b for b in out if b]


def no_map_layer(db, f: gfilters.Filters, user) -> dict | None:
    """At village level: the communes (of this view, as ``user`` may see them) with no village
    map, drawn grey with a dashed outline, "chưa có bản đồ thôn" in the tooltip and the legend."""
    if f.level != "village":
        return None
    s = areas.get_set(db, f.set_id)
    if s is None or s.parent_set_id is None:
        return None
    codes = scope_mod.resolve(db, user).codes(db, s.parent_set_id)
    if f.area is not None:
        codes = {f.area} if codes is None else set(codes) & {f.area}
    payload = mapdata.no_map_payload(db, f.set_id, codes, label=t("vil_status_none"))
    return mapdata.layer_blob("nomap", t("vil_status_none"), payload)


def timeline_for(db, f: gfilters.Filters, user, geom: dict, shown, freq: str) -> dict:
    """The timeline blob of ``f``'s metric, month by month or week by week (see
    :func:`geo.timeline.frame_periods`), one classification for all frames."""
    frames = timeline.frames(db, f.set_id, f.period, f.metric, freq=freq, categories=f.categories,
                             model_types=f.model_types, area=f.area, user=user)
    pooled = [v for _, vals in frames for v in vals.values()]
    classes = export.classes_for(pooled, f.metric, scheme=f.scheme)
    return mapdata.timeline(geom, frames, classes, shown, metric_label=t(metrics.METRICS[f.metric].label_key),
                            no_data_label=t("no_data"), areas_label=t("legend_areas"),
                            scheme_label=t(f"scheme_{classes.get('scheme')}"))


def filters_map(db, f: gfilters.Filters, *, key: str, df, user, classes: dict | None = None, values=None,
                fields=MAP_FIELDS, timeline_freq: str | None = None, no_data_label: str | None = None,
                **opts) -> tuple[str | None, dict, dict]:
    """The map of ``f``: its metric on the areas of ``df`` (area_stats as ``user`` sees it),
    classified by ``f.scheme`` (or ``classes``, e.g. shared by maps side by side), with the
    layers of ``f`` and, when ``timeline_freq`` is "month" or "week", the timeline.
    Returns (area clicked, values, classes)."""
    view = export.View.from_filters(f, user=user)
    fields = list(fields)
    if "placed" in df.columns:       # the communes' "village not known" rows are no map areas:
        df = unplaced.village_tooltips(db, f.set_id, df)   # their counts go into the villages' tooltips
        df = df[df["placed"].astype(bool)]
        if unplaced.TOOLTIP_COLUMN in df.columns:
            fields.append(unplaced.TOOLTIP_COLUMN)
    values = export.metric_values(db, view, df) if values is None else values
    classes = classes or export.classes_for(values, f.metric, scheme=f.scheme, lang=f.lang)
    table = df
    if f.metric not in fields:
        table = df.assign(**{f.metric: df["code"].map(values)})
    geom = geometry_for(db, f.set_id, user)
    area_codes = None if f.area is None else set(df["code"])
    tl = timeline_for(db, f, user, geom, df["code"], timeline_freq) if timeline_freq else None
    label = t(metrics.METRICS[f.metric].label_key)
    vals = mapdata.values(geom, values, classes, table=table, fields=[(c, _field_label(c)) for c in fields if c != f.metric],
                          metric_label=label, no_data_label=no_data_label or t("no_data"),
                          areas_label=t("legend_areas"), scheme_label=t(f"scheme_{classes.get('scheme')}"))
    blobs = [no_map_layer(db, f, user), *point_layers(db, f, user, area_codes)]
    clicked = render(key=key, geometry=geom, values=vals, layer_blobs=blobs, timeline_blob=tl, **opts)
    return clicked, values, classes
