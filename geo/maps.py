"""Map builders: choropleths of areas and point layers, as folium maps.

Pure functions, no Streamlit.  Every map refers only to the local copies of
Leaflet and its plugins (see :mod:`geo.assets`); basemap tiles are off unless
a tile URL template is given (the caller reads it from ``$ANTT_TILES``, see
:func:`default_tiles`).

Payloads are kept small: area geometries are sent once, as integer
coordinates at 5 decimals, delta-encoded and decoded in the browser into one
Leaflet path per area; colours, labels and tooltips come from a single style
function and a few shared tables instead of per-feature style dicts.  Point
layers are compact arrays drawn by a small script (clustered markers, heat
cells aggregated on a grid).

Every text that reaches the browser goes through :func:`js_json` (JSON with
``<``, ``>``, ``&``, ``'`` escaped, so nothing can close the ``<script>``) and
is HTML-escaped before it is shown (``html.escape`` in Python, ``esc()`` in
the scripts).  Beware when adding folium elements by hand: branca parses every
rendered element again as a Jinja template, so user text such as
``{{ … }}`` put into a stock folium Tooltip/Popup/layer name is *evaluated on
the server*; :func:`js_json` escapes the ``{`` that opens a Jinja tag.
"""
from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium
import numpy as np
import shapely
import shapely.geometry
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer, LayerControl
from folium.template import Template

from . import assets
from .classify import (MAX_CLASSES, NODATA_COLOR, NODATA_LABEL, PALETTES, SCHEME_LABELS, SCHEMES,  # noqa: F401
                       _value_text, categorical_classes, class_index, classify, classify_diverging,
                       classify_metric, metric_direction, palette)
from .numfmt import _is_number, fmt_number  # noqa: F401
from .vocab import MODEL_TYPES

BACKGROUND = "#eef1f4"        # map container colour when there is no basemap
LINE_COLOR = "#55585c"
MAX_ZOOM = 19                 # set explicitly: marker clusters need the map's maxZoom
RING_MIN_ZOOM = 15            # camera coverage rings from this zoom on
MAX_LABELS = 300              # area labels drawn at once
PRECISION = 5                 # decimals kept in coordinates (~1 m)
CAMERA_COLOR = MODEL_TYPES.term("camera_an_ninh").color
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'


# --------------------------------------------------------------------------- text

_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def js_json(obj: Any) -> str:
    """Compact JSON that is safe inside a ``<script>`` element and in folium output.

    ``<``, ``>``, ``&``, ``'`` and the JS line separators are \\u-escaped, so a
    value such as ``</script><script>…`` stays a string.  A ``{`` opening a
    Jinja tag (``{{``, ``{%``, ``{#``) is escaped too: branca parses every
    rendered element *again* as a Jinja template, so ``{{ … }}`` in a name
    would otherwise be evaluated on the server.  (Such a ``{`` can only be
    inside a JSON string, where ``\\u007b`` is valid.)  NaN is refused.
    """
    s = (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _JINJA_OPEN.sub(r"\\u007b", s)


def no_jinja(text: str) -> str:
    """HTML text with any Jinja opening (``{{``, ``{%``, ``{#``) made inert
    (``{`` as the entity ``&#123;``, shown the same) -- for HTML that folium
    renders itself, such as a tile attribution."""
    return _JINJA_OPEN.sub("&#123;", text)


def _fmt_field(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "Có" if v else "Không"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return fmt_number(v) if _is_number(v) else None
    return str(v)


# --------------------------------------------------------------------------- geometry

def _polygons(geom: Any) -> list[shapely.Polygon]:
    if geom is None:
        return []
    g = geom if isinstance(geom, shapely.Geometry) else shapely.geometry.shape(geom)
    if g.is_empty:
        return []
    if isinstance(g, shapely.Polygon):
        return [g]
    if isinstance(g, (shapely.MultiPolygon, shapely.GeometryCollection)):
        return [p for part in g.geoms for p in _polygons(part)]
    return []


def _encode_ring(coords: np.ndarray, scale: float) -> list[int] | None:
    a = np.round(np.asarray(coords, dtype=float)[:, :2] * scale).astype(np.int64)
    if len(a) > 1:
        keep = np.concatenate([[True], np.any(a[1:] != a[:-1], axis=1)])
        a = a[keep]
    if len(a) > 1 and np.array_equal(a[0], a[-1]):
        a = a[:-1]                      # Leaflet closes rings itself
    if len(a) < 3:
        return None
    d = np.concatenate([a[:1], np.diff(a, axis=0)])
    return d.ravel().tolist()


def encode_geometry(geom: Any, precision: int = PRECISION) -> tuple[list, tuple[float, float, float, float] | None]:
    """Compact polygon encoding: ``[[ring, ...], ...]`` per polygon, each ring a flat
    list ``[x0, y0, dx1, dy1, ...]`` of integer lon/lat at ``precision`` decimals,
    deltas after the first vertex, closing vertex dropped.  Also returns the bbox
    ``(minx, miny, maxx, maxy)`` (None when nothing is left to draw).
    """
    scale = 10.0 ** precision
    out = []
    for poly in _polygons(geom):
        ext = _encode_ring(poly.exterior.coords, scale)
        if ext is None:
            continue
        rings = [ext]
        for hole in poly.interiors:
            r = _encode_ring(hole.coords, scale)
            if r is not None:
                rings.append(r)
        out.append(rings)
    if not out:
        return [], None
    xs, ys = [], []
    for rings in out:
        r = np.cumsum(np.asarray(rings[0], dtype=np.int64).reshape(-1, 2), axis=0)
        xs += [r[:, 0].min(), r[:, 0].max()]
        ys += [r[:, 1].min(), r[:, 1].max()]
    return out, (min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale)


def decode_geometry(encoded: list, precision: int = PRECISION) -> dict:
    """Inverse of :func:`encode_geometry`, as a GeoJSON MultiPolygon (rings closed)."""
    scale = 10.0 ** precision
    polys = []
    for rings in encoded:
        out = []
        for r in rings:
            a = np.cumsum(np.asarray(r, dtype=np.int64).reshape(-1, 2), axis=0) / scale
            pts = a.tolist()
            out.append(pts + [pts[0]])
        polys.append(out)
    return {"type": "MultiPolygon", "coordinates": polys}


def _label_zoom(bbox: tuple[float, float, float, float], name: str) -> int:
    """Lowest zoom at which the area is wide enough (in pixels) for its name."""
    width = bbox[2] - bbox[0]
    need_px = max(44.0, 7.0 * len(name) + 14)
    if width <= 0:
        return MAX_ZOOM
    z = math.ceil(math.log2(need_px * 360.0 / (256.0 * width)))
    return int(min(max(z, 0), MAX_ZOOM))


def _fit_zoom(bbox: tuple[float, float, float, float], px_w: int = 800, px_h: int = 560) -> int:
    minx, miny, maxx, maxy = bbox

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

    dx = max(maxx - minx, 1e-6)
    dy = max(merc(maxy) - merc(miny), 1e-6)
    z = math.floor(math.log2(min(px_w * 360 / (256 * dx), px_h * 360 / (256 * dy))))
    return int(min(max(z, 1), 18))


# --------------------------------------------------------------------------- elements

class _Vendored(JSCSSMixin):
    """A folium element whose JS/CSS links are the local vendored copies.

    ``default_js``/``default_css`` are read at render time, so the URL prefix
    set by :func:`geo.assets.configure_folium` applies."""
    _js: tuple[str, ...] = ()
    _css: tuple[str, ...] = ()

    @property
    def default_js(self):  # type: ignore[override]
        return assets.links(self._js)

    @property
    def default_css(self):  # type: ignore[override]
        return assets.links(self._css)


class MapStyle(MacroElement):
    """The CSS of the ANTT maps (map background, labels, legend, icons), once per map."""
    _template = Template("""
{% macro header(this, kwargs) %}
<style>
#{{ this._parent.get_name() }} { background: {{ this.background }}; }
.antt-lbl span { position: absolute; left: 0; top: 0; transform: translate(-50%, -50%);
  white-space: nowrap; font: 600 11px/1.2 {{ this.font }}; color: #1d2733;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none; }
.antt-box { background: rgba(255,255,255,.93); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.45 {{ this.font }}; color: #222; }
.antt-title { font-size: 14px; font-weight: 600; max-width: 320px; }
.antt-legend { max-width: 260px; max-height: 70vh; overflow-y: auto; }
.antt-legend .antt-lt { display: flex; align-items: center; gap: 6px; cursor: pointer; border: 0; background: none;
  padding: 0; font: inherit; font-weight: 600; color: inherit; width: 100%; text-align: left; }
.antt-legend .antt-lt span.antt-chev { margin-left: auto; color: #666; }
.antt-legend.antt-collapsed .antt-lb { display: none; }
.antt-spot-label { display: inline-block; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 11px/1.2 {{ this.font }}; padding: 1px 4px; border-radius: 3px; border: 1px solid #8a8a8a;
  opacity: 0.92; pointer-events: none; }
.antt-legend .antt-lh { font-weight: 600; margin-bottom: 2px; }
.antt-legend .antt-ls { color: #666; font-size: 11px; margin-bottom: 3px; }
.antt-legend i { display: inline-block; width: 16px; height: 12px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid #8a8a8a; }
.antt-legend .antt-n { color: #666; }
.antt-tip { font: 12px/1.4 {{ this.font }}; }
.leaflet-heatmap-layer { pointer-events: none; }
.antt-cam { background: {{ this.camera }}; border: 2px solid #fff; border-radius: 50%;
  box-shadow: 0 0 2px rgba(0,0,0,.7); box-sizing: border-box; }
.antt-grp div { width: 22px; height: 22px; border-radius: 50%; color: #fff; text-align: center;
  font: 700 12px/18px {{ this.font }}; border: 2px solid #fff; box-sizing: border-box;
  box-shadow: 0 0 3px rgba(0,0,0,.6); }
.antt-cluster div { width: 100%; height: 100%; border-radius: 50%; color: #fff; text-align: center;
  font: 700 12px/1 {{ this.font }}; display: flex; align-items: center; justify-content: center;
  border: 3px solid rgba(255,255,255,.75); box-sizing: border-box; box-shadow: 0 0 3px rgba(0,0,0,.4); }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
{{ this.shared_js }}
anttLeaflet.localize({{ this._parent.get_name() }}, {{ this.words_js }});
{% endmacro %}
""")

    def __init__(self, background: str = BACKGROUND, lang: str = "vi"):
        super().__init__()
        self._name = "AnttStyle"
        self.background = background
        self.font = FONT
        self.camera = CAMERA_COLOR
        self.shared_js = shared_js()
        self.words_js = js_json(leaflet_words(lang))


def shared_js() -> str:
    """geo/js/antt-leaflet.js (Leaflet's texts, the folding legend, the fit around it), which
    the browser map component loads too; inlined in the map's script (streamlit_folium runs
    the script, not the header), "</" escaped so it cannot close the script."""
    return assets.SHARED_JS.read_text(encoding="utf-8").replace("</", "<\\/")


def leaflet_words(lang: str = "vi") -> dict:
    """Leaflet's own texts (zoom buttons, layer switch, popup close) in ``lang``."""
    from . import i18n
    return {k: i18n.t(f"leaflet_{k}", lang) for k in ("zoomIn", "zoomOut", "layers", "close")}


class ScaleControl(MacroElement):
    """A metric-only scale bar."""
    _template = Template("""
{% macro script(this, kwargs) %}
L.control.scale({imperial: false, maxWidth: 140}).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "AnttScale"


class HtmlControl(MacroElement):
    """A Leaflet control showing fixed HTML (escaped by the caller) in a map corner."""
    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
  var c = L.control({position: {{ this.position_js }}});
  c.onAdd = function () {
    var d = L.DomUtil.create("div", {{ this.class_js }});
    d.innerHTML = {{ this.html_js }};
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  c.addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, html_text: str, position: str = "bottomright", css_class: str = "antt-box"):
        super().__init__()
        self._name = "HtmlControl"
        self.html = html_text
        self.html_js = js_json(html_text)
        self.position_js = js_json(position)
        self.class_js = js_json(css_class)


class LegendControl(MacroElement):
    """The folding legend (geo/js/antt-leaflet.js, as on the browser map) in the bottom-right
    corner; the areas are fitted again with room left for it, so it covers none."""
    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
  var c = anttLeaflet.legend(map, {position: "bottomright", title: {{ this.title_js }}, html: {{ this.html_js }},
                                   collapsed: {{ this.collapsed_js }}});
  var b = {{ this.bounds_js }};
  var refit = function () { if (b) anttLeaflet.fit(map, L.latLngBounds(b), c.getContainer(), 0); };
  refit();
  if ({{ this.fill_js }}) anttLeaflet.fill(map, {min: {{ this.min_height_js }}, refit: refit});
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, html_text: str, *, title: str = "", bounds=None, collapsed: bool = False,
                 fill: bool = False, min_height: int = 380):
        super().__init__()
        self._name = "LegendControl"
        self.fill_js = js_json(bool(fill))
        self.min_height_js = js_json(int(min_height))
        self.html = html_text
        self.html_js = js_json(html_text)
        self.title_js = js_json(title)
        self.bounds_js = js_json(bounds)
        self.collapsed_js = js_json(bool(collapsed))


class SafeLayerControl(LayerControl):
    """folium's LayerControl with layer names written by :func:`js_json` (its own
    template uses ``tojson``, which leaves ``{{ … }}`` to branca's second Jinja pass)."""
    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }}_layers = {
  base_layers: {
    {%- for key, val in this.base_layers.items() %}
    {{ this.js_key(key) }}: {{ val }},
    {%- endfor %}
  },
  overlays: {
    {%- for key, val in this.overlays.items() %}
    {{ this.js_key(key) }}: {{ val }},
    {%- endfor %}
  },
};
let {{ this.get_name() }} = L.control.layers(
  {{ this.get_name() }}_layers.base_layers,
  {{ this.get_name() }}_layers.overlays,
  {{ this.options|tojavascript }}
).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    @staticmethod
    def js_key(key: Any) -> str:
        return js_json(str(key))


_ESC_JS = (
    'function esc(s) { return String(s == null ? "" : s).replace(/[&<>"\']/g, function (c) {'
    ' return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\"": "&quot;", "\'": "&#39;"}[c]; }); }'
)


class AreasLayer(_Vendored, Layer):
    """Choropleth areas: one Leaflet path per area, labels at a point inside each."""
    _js = assets.LEAFLET_JS
    _css = assets.LEAFLET_CSS
    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function (map) {
  var D = {{ this.payload_js }};
  """ + _ESC_JS + """
  var S = Math.pow(10, D.precision);
  function dec(g) {
    return {type: "MultiPolygon", coordinates: g.map(function (rings) {
      return rings.map(function (r) {
        var x = 0, y = 0, out = new Array(r.length / 2);
        for (var i = 0, j = 0; i < r.length; i += 2, j++) { x += r[i]; y += r[i + 1]; out[j] = [x / S, y / S]; }
        return out;
      });
    })};
  }
  var fc = {type: "FeatureCollection", features: D.features.map(function (f) {
    return {type: "Feature", properties: f.p, geometry: dec(f.g)};
  })};
  function style(f) {
    var k = f.properties.k;
    return {fillColor: k < 0 ? D.nodata : D.colors[k], fillOpacity: k < 0 ? 0.55 : 0.78,
            color: D.line, weight: D.weight, opacity: 0.9};
  }
  function tip(p) {
    var h = "<b>" + esc(p.name) + "</b><br>" + esc(D.metric) + ": " +
      (p.v == null ? "<i>" + esc(D.nodataLabel) + "</i>" : "<b>" + esc(p.v) + "</b>");
    for (var i = 0; i < D.fields.length; i++) {
      if (p.f[i] != null && p.f[i] !== "") h += "<br>" + esc(D.fields[i]) + ": " + esc(p.f[i]);
    }
    return h;
  }
  var areas = L.geoJSON(fc, {style: style, onEachFeature: function (f, l) {
    l.bindTooltip(tip(f.properties), {sticky: true, className: "antt-tip"});
    l.on({
      mouseover: function (e) { e.target.setStyle({weight: D.weight + 1.6, color: "#1a1a1a"}); e.target.bringToFront(); },
      mouseout: function (e) { areas.resetStyle(e.target); }
    });
  }});
  var labels = L.layerGroup(), shown = {};
  var group = L.featureGroup([areas, labels]);
  function update() {
    if (!map.hasLayer(group)) return;
    var z = map.getZoom(), b = map.getBounds().pad(0.1), want = {}, n = 0, i, key;
    for (i = 0; i < fc.features.length && n < D.maxLabels; i++) {
      var p = fc.features[i].properties;
      if (p.lz <= z && b.contains(p.lp)) { want[i] = true; n++; }
    }
    for (key in shown) { if (!want[key]) { labels.removeLayer(shown[key]); delete shown[key]; } }
    for (key in want) {
      if (!shown[key]) {
        var q = fc.features[key].properties;
        shown[key] = L.marker(q.lp, {interactive: false, keyboard: false,
          icon: L.divIcon({className: "antt-lbl", html: "<span>" + esc(q.name) + "</span>", iconSize: [0, 0]})
        }).addTo(labels);
      }
    }
  }
  map.on("moveend", update);
  group.on("add", function () { setTimeout(update, 0); });
  return group;
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, payload: dict, bounds: list, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "AnttAreas"
        self.payload = payload
        self.payload_js = js_json(payload)
        self.bounds = bounds

    def _get_self_bounds(self):
        return self.bounds


class HeatLayer(_Vendored, Layer):
    """leaflet.heat layer from a compact ``[[lat, lon, weight], ...]`` array."""
    _js = assets.HEAT_JS
    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.heatLayer({{ this.data_js }}, {{ this.options_js }});
{% endmacro %}
""")

    def __init__(self, data: list, name: str, options: dict, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "AnttHeat"
        self.data = data
        self.data_js = js_json(data)
        self.options_js = js_json(options)

    def _get_self_bounds(self):
        if not self.data:
            return [[None, None], [None, None]]
        a = np.asarray(self.data)[:, :2]
        return [a.min(axis=0).tolist(), a.max(axis=0).tolist()]


_CLUSTER_ICON_JS = """
  function clusterIcon(color) {
    return function (c) {
      var n = c.getChildCount(), s = n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : 46;
      return L.divIcon({className: "antt-cluster", iconSize: [s, s],
        html: '<div style="background:' + color + '">' + n + "</div>"});
    };
  }
"""


class _PointLayer(_Vendored, Layer):
    """A switchable layer of points whose data (``payload["points"]``) goes to the
    browser as one compact JSON array, drawn by the subclass's script."""
    _layer_name = "AnttPoints"

    def __init__(self, payload: dict, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = self._layer_name
        self.payload = payload
        self.payload_js = js_json(payload)

    def _get_self_bounds(self):
        return _points_bounds(self.payload["points"])


class CameraLayer(_PointLayer):
    """Clustered camera points; coverage rings (``L.circle``, metres) for the
    cameras in view from ``ring_min_zoom`` on."""
    _js = assets.CLUSTER_JS
    _css = assets.CLUSTER_CSS
    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function (map) {
  var D = {{ this.payload_js }};
  """ + _ESC_JS + _CLUSTER_ICON_JS + """
  var icon = L.divIcon({className: "antt-cam", iconSize: [12, 12]});
  var cluster = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 45,
    showCoverageOnHover: false, disableClusteringAtZoom: D.ringZoom, iconCreateFunction: clusterIcon(D.color)});
  var markers = D.points.map(function (p) {
    var t = (p[3] ? "<b>" + esc(p[3]) + "</b><br>" : "") + esc(D.label) + (p[2] > 0 ? " · " + esc(D.radiusLabel) + " " + esc(p[4]) + " m" : "");
    for (var i = 0; i < D.fields.length; i++) {
      var v = p[5 + i];
      if (v != null && v !== "") t += "<br>" + esc(D.fields[i]) + ": " + esc(v);
    }
    return L.marker([p[0], p[1]], {icon: icon, keyboard: false}).bindTooltip(t, {className: "antt-tip"});
  });
  cluster.addLayers(markers);
  var rings = L.layerGroup(), drawn = {};
  var group = L.featureGroup([cluster, rings]);
  function update() {
    var on = map.hasLayer(group) && map.getZoom() >= D.ringZoom;
    var b = on ? map.getBounds().pad(0.2) : null, want = {}, n = 0, i, key;
    if (on) {
      for (i = 0; i < D.points.length && n < D.maxRings; i++) {
        var p = D.points[i];
        if (p[2] > 0 && b.contains([p[0], p[1]])) { want[i] = true; n++; }
      }
    }
    for (key in drawn) { if (!want[key]) { rings.removeLayer(drawn[key]); delete drawn[key]; } }
    for (key in want) {
      if (!drawn[key]) {
        var q = D.points[key];
        drawn[key] = L.circle([q[0], q[1]], {radius: q[2], color: D.color, weight: 1, opacity: 0.8,
          fillColor: D.color, fillOpacity: 0.08, interactive: false}).addTo(rings);
      }
    }
  }
  map.on("moveend", update);
  group.on("add", function () { setTimeout(update, 0); });
  return group;
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    _layer_name = "AnttCameras"


class GroupLayer(_PointLayer):
    """Clustered points with one round icon (colour + symbol) per model type."""
    _js = assets.CLUSTER_JS
    _css = assets.CLUSTER_CSS
    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function (map) {
  var D = {{ this.payload_js }};
  """ + _ESC_JS + _CLUSTER_ICON_JS + """
  var icons = D.types.map(function (t) {
    return L.divIcon({className: "antt-grp", iconSize: [22, 22],
      html: '<div style="background:' + esc(t[0]) + '">' + esc(t[1]) + "</div>"});
  });
  var cluster = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 50,
    showCoverageOnHover: false, iconCreateFunction: clusterIcon(D.color)});
  cluster.addLayers(D.points.map(function (p) {
    var t = "<b>" + esc(p[3]) + "</b><br>" + esc(D.types[p[2]][2]);
    for (var i = 0; i < D.fields.length; i++) {
      var v = p[4 + i];
      if (v != null && v !== "") t += "<br>" + esc(D.fields[i]) + ": " + esc(v);
    }
    return L.marker([p[0], p[1]], {icon: icons[p[2]], keyboard: false}).bindTooltip(t, {className: "antt-tip"});
  }));
  return cluster;
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    _layer_name = "AnttGroups"


def _points_bounds(points: list) -> list:
    if not points:
        return [[None, None], [None, None]]
    a = np.array([[p[0], p[1]] for p in points], dtype=float)
    return [a.min(axis=0).tolist(), a.max(axis=0).tolist()]


# --------------------------------------------------------------------------- maps

def default_tiles() -> str | None:
    """The basemap tile URL template from ``$ANTT_TILES`` (None: no basemap)."""
    t = os.environ.get("ANTT_TILES", "").strip()
    return t or None


def base_map(bounds: Sequence[float] | None = None, *, tiles: str | None = None,
             tiles_attr: str | None = None, title: str | None = None,
             background: str = BACKGROUND, lang: str = "vi") -> folium.Map:
    """An empty map with local assets, fitted to ``bounds`` = ``(minx, miny, maxx, maxy)``
    in lon/lat (Vietnam when None).  No basemap unless ``tiles`` (an URL template
    such as ``http://tiles.local/{z}/{x}/{y}.png``) is given.  ``maxZoom`` is set
    on the map itself, as marker clusters need it even without a tile layer.
    """
    assets.configure_folium()
    if bounds is None:
        bounds = (102.1, 8.4, 109.5, 23.4)
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=_fit_zoom((minx, miny, maxx, maxy)),
        tiles=None,
        control_scale=False,
        attribution_control=bool(tiles),
    )
    m.options["max_zoom"] = MAX_ZOOM
    m.options["min_zoom"] = 3
    m.add_child(MapStyle(background, lang), name="antt_style")
    m.add_child(ScaleControl(), name="antt_scale")
    if tiles:
        if _JINJA_OPEN.search(tiles):
            raise ValueError("tile URL template must not contain '{{', '{%' or '{#'")
        folium.TileLayer(
            tiles=tiles, attr=no_jinja(tiles_attr or "Bản đồ nền"), name="Bản đồ nền",
            max_zoom=MAX_ZOOM, overlay=False, control=False,
        ).add_to(m)
    if title:
        m.add_child(HtmlControl(f'<div class="antt-title">{html.escape(title)}</div>',
                                position="topright", css_class="antt-box"), name="antt_title")
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _ensure_style(m: folium.Map) -> None:
    """Local assets, the map CSS and an explicit maxZoom, also on a map not made
    by :func:`base_map`."""
    assets.configure_folium()
    m.options.setdefault("max_zoom", MAX_ZOOM)
    if "antt_style" not in m._children:
        m.add_child(MapStyle(), name="antt_style")


def _ensure_layer_control(m: folium.Map) -> None:
    """One LayerControl, kept last among the map's children (its script refers to
    the layers, so it must come after them)."""
    for key, child in list(m._children.items()):
        if isinstance(child, LayerControl):
            m._children.move_to_end(key)
            return
    m.add_child(SafeLayerControl(position="topright", collapsed=False), name="antt_layer_control")


def legend_html(classes: Mapping, counts: Sequence[int], nodata_count: int, *,
                metric_label: str, areas_label: str = "địa bàn", no_data_label: str | None = None,
                scheme_label: str | None = None) -> str:
    """The legend: one row per class (colour, range, number of areas) and the
    no-data row; every text HTML-escaped."""
    e = html.escape
    rows = [f'<div class="antt-lh">{e(metric_label)}</div>']
    scheme = scheme_label if scheme_label is not None else SCHEME_LABELS.get(classes.get("scheme") or "", "")
    if scheme:
        rows.append(f'<div class="antt-ls">{e(scheme)}</div>')
    if classes.get("direction_label"):   # which way is better (geo.classify.classify_metric)
        rows.append(f'<div class="antt-ls antt-better">{e(classes["direction_label"])}</div>')

    def count(n: int) -> str:
        return f'<span class="antt-n">({fmt_number(n)} {e(areas_label)})</span>' if areas_label else \
            f'<span class="antt-n">({fmt_number(n)})</span>'

    for i, (color, label) in enumerate(zip(classes.get("colors", []), classes.get("labels", []))):
        n = counts[i] if i < len(counts) else 0
        rows.append(f'<div class="antt-row" data-class="{i}" data-count="{n}"><i style="background:{e(color)}"></i>'
                    f'{e(label)} {count(n)}</div>')
    nd = no_data_label if no_data_label is not None else classes.get("nodata_label", NODATA_LABEL)
    rows.append(f'<div class="antt-row" data-class="-1" data-count="{nodata_count}">'
                f'<i style="background:{e(classes.get("nodata_color", NODATA_COLOR))}"></i>'
                f'{e(nd)} {count(nodata_count)}</div>')
    return "".join(rows)


def with_properties(features: Mapping, table: Any, columns: Sequence[str], key: str = "code") -> dict:
    """A new FeatureCollection of the features whose code is in ``table`` (a
    DataFrame with a ``key`` column), each also carrying ``columns`` of its row.

    Only the table's areas are kept: an area filter, or an officer's scope, must
    not send other areas' shapes and names to the browser.  The input (often a
    cached FeatureCollection) is not modified; geometries are shared, not copied.
    Columns absent from the table are skipped; NaN becomes None and numpy
    scalars plain Python numbers.
    """
    cols = [c for c in columns if c in getattr(table, "columns", ()) and c != key]
    rows: dict[Any, dict] = {}
    if cols and len(table):
        keys = list(table[key])
        data = {c: list(table[c]) for c in cols}
        for i, k in enumerate(keys):
            rows[k] = {c: _scalar(data[c][i]) for c in cols}
    wanted = set(table[key]) if len(table) else set()
    wanted |= {str(k) for k in wanted}
    out = []
    for f in features.get("features", []):
        props = dict(f.get("properties") or {})
        if props.get("code") not in wanted:
            continue
        extra = rows.get(props.get("code"))
        if extra is None and props.get("code") is not None:
            extra = rows.get(str(props.get("code")))
        if extra:
            props.update(extra)
        out.append({**f, "properties": props})
    return {**features, "features": out}


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    try:
        import pandas as pd
        if v is not None and not isinstance(v, (list, dict, tuple)) and pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return v


def finish(m: folium.Map) -> folium.Map:
    """Make the map ready to render: one layer control, after every layer.

    The ``add_*`` functions already keep it last; call this after adding
    layers of your own.  Idempotent; returns ``m``."""
    if any(isinstance(c, Layer) and c.control for c in m._children.values()):
        _ensure_layer_control(m)
    return m


def choropleth(features: Mapping, values: Mapping[Any, Any], *, metric_label: str,
               classes: Mapping | None = None, tooltip_fields: Sequence[tuple[str, str]] = (),
               title: str | None = None, tiles: str | None = None, tiles_attr: str | None = None,
               layer_name: str | None = None, no_data_label: str | None = None,
               areas_label: str = "địa bàn", scheme_label: str | None = None, lang: str = "vi",
               legend_title: str | None = None, legend_collapsed: bool = False,
               fill: bool = False, min_height: int = 380) -> folium.Map:
    """A choropleth of areas coloured by ``values``.

    ``features``: a GeoJSON FeatureCollection whose features have properties
    ``code`` and ``name`` and an already simplified (Multi)Polygon geometry.
    ``values``: ``{code: number or None}``; codes absent or None are *no data*
    (grey).  ``classes``: from :func:`classify` (quantiles of ``values`` when
    None).  ``tooltip_fields``: extra ``(property, label)`` pairs shown in the
    tooltip after the name and the value (numbers Vietnamese-formatted).
    ``tiles``: basemap URL template (None: no basemap, plain light background).
    ``no_data_label``, ``areas_label`` (the word after each legend count),
    ``scheme_label``: texts of the legend, for translation; ``lang``: Leaflet's own texts
    (zoom buttons, layer switch) and the legend's title (``legend_title`` overrides it).

    The legend folds away (its title is a button) and the areas are fitted with room left
    for it, as on the browser map.  ``fill``: in a Streamlit frame (``st_folium``) the map is as
    tall as the window below its top (at least ``min_height`` pixels).  The legend counts the areas drawn in each class and with no data; area names
    are drawn inside the areas once zoomed in far enough for them to fit.
    Features without a drawable geometry are left out.
    """
    if classes is None:
        classes = classify(values)
    fields = list(tooltip_fields)
    k = len(classes.get("bins", []))
    counts = [0] * k
    nodata = 0
    encoded = []
    bb = [math.inf, math.inf, -math.inf, -math.inf]
    for f in features.get("features", []):
        props = f.get("properties") or {}
        g, bbox, lp = _encoded(f.get("geometry"))
        if bbox is None:
            continue
        code = props.get("code")
        name = "" if props.get("name") is None else str(props.get("name"))
        v = values.get(code)
        if v is None and code is not None and not isinstance(code, str):
            v = values.get(str(code))
        ci = class_index(classes, v)
        if ci < 0:
            nodata += 1
        else:
            counts[ci] += 1
        encoded.append({
            "p": {
                "code": code,
                "name": name,
                "k": ci,
                "v": _value_text(classes, ci, v),
                "f": [_fmt_field(props.get(p)) for p, _ in fields],
                "lp": lp,
                "lz": _label_zoom(bbox, name),
            },
            "g": g,
        })
        bb = [min(bb[0], bbox[0]), min(bb[1], bbox[1]), max(bb[2], bbox[2]), max(bb[3], bbox[3])]
    bounds = None if not encoded else tuple(bb)
    m = base_map(bounds, tiles=tiles, tiles_attr=tiles_attr, title=title, lang=lang)
    payload = {
        "precision": PRECISION,
        "colors": list(classes.get("colors", [])),
        "nodata": classes.get("nodata_color", NODATA_COLOR),
        "nodataLabel": no_data_label if no_data_label is not None else classes.get("nodata_label", NODATA_LABEL),
        "line": LINE_COLOR,
        "weight": 0.8 if len(encoded) < 400 else 0.5,
        "metric": metric_label,
        "fields": [label for _, label in fields],
        "maxLabels": MAX_LABELS,
        "features": encoded,
    }
    leaf_bounds = [[bb[1], bb[0]], [bb[3], bb[2]]] if encoded else [[None, None], [None, None]]
    m.add_child(AreasLayer(payload, leaf_bounds, name=layer_name or metric_label), name="antt_areas")
    from . import i18n
    m.add_child(LegendControl(legend_html(classes, counts, nodata, metric_label=metric_label,
                                          areas_label=areas_label, no_data_label=no_data_label,
                                          scheme_label=scheme_label),
                              title=legend_title if legend_title is not None else i18n.t("map_legend", lang),
                              bounds=leaf_bounds if encoded else None, collapsed=legend_collapsed,
                              fill=fill, min_height=min_height),
                name="antt_legend")
    _ensure_layer_control(m)
    return m


_ENCODED: dict[int, tuple] = {}
_ENCODED_MAX = 50_000


def _encoded(geom: Any) -> tuple:
    """(encoded rings, bbox, label point) of a GeoJSON geometry, computed once.

    A boundary set's map geometry never changes (see ``geo.areas.map_features``,
    whose cached dicts every map shares), so a filter change re-encodes nothing.
    Keyed on the dict's identity; the entry holds the dict itself, so that
    identity cannot be reused by another object while the entry lives.
    """
    if not isinstance(geom, dict):
        g, bbox = encode_geometry(geom)
        return g, bbox, None if bbox is None else _label_point(geom, bbox)
    hit = _ENCODED.get(id(geom))
    if hit is not None and hit[0] is geom:
        return hit[1]
    g, bbox = encode_geometry(geom)
    out = (g, bbox, None if bbox is None else _label_point(geom, bbox))
    if len(_ENCODED) >= _ENCODED_MAX:
        _ENCODED.clear()
    _ENCODED[id(geom)] = (geom, out)
    return out


def _label_point(geom: Any, bbox: tuple[float, float, float, float]) -> list[float]:
    polys = _polygons(geom)
    try:
        big = max(polys, key=lambda p: p.area)
        pt = big.representative_point()
        x, y = pt.x, pt.y
    except ValueError:
        x, y = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return [round(y, PRECISION), round(x, PRECISION)]


def _column(df: Any, name: str) -> np.ndarray | None:
    try:
        cols = df.columns
    except AttributeError:
        return None
    return np.asarray(df[name]) if name in cols else None


def _finite_lonlat(df: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    la, lo = _column(df, "lat"), _column(df, "lon")
    if la is None or lo is None:
        raise ValueError("the table needs columns 'lon' and 'lat'")
    lat = np.asarray(la, dtype=float)
    lon = np.asarray(lo, dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return lat, lon, ok


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    try:
        import pandas as pd
        if pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return _fmt_field(v.item() if isinstance(v, np.generic) else v)


def aggregate_points(lat: Iterable[float], lon: Iterable[float], weights: Iterable[float] | None = None,
                     *, cell_deg: float = 0.001, max_cells: int = 8000) -> list[list[float]]:
    """Sum points (and weights) on a lat/lon grid: ``[[lat, lon, weight], ...]`` at cell
    centres, weights scaled to 0–1 (1 = the 98th percentile cell).

    The cell starts at ``cell_deg`` (0.001° ≈ 100 m) and doubles until at most
    ``max_cells`` cells remain, so a year of incidents stays a small payload.
    """
    la = np.asarray(list(lat) if not isinstance(lat, np.ndarray) else lat, dtype=float)
    lo = np.asarray(list(lon) if not isinstance(lon, np.ndarray) else lon, dtype=float)
    w = np.ones_like(la) if weights is None else np.asarray(
        list(weights) if not isinstance(weights, np.ndarray) else weights, dtype=float)
    ok = np.isfinite(la) & np.isfinite(lo) & np.isfinite(w) & (w > 0)
    la, lo, w = la[ok], lo[ok], w[ok]
    if not len(la):
        return []
    cell = float(cell_deg)
    while True:
        iy = np.floor(la / cell).astype(np.int64)
        ix = np.floor(lo / cell).astype(np.int64)
        keys, inv = np.unique(np.stack([iy, ix], axis=1), axis=0, return_inverse=True)
        if len(keys) <= max_cells:
            break
        cell *= 2
    inv = inv.ravel()
    sums = np.bincount(inv, weights=w, minlength=len(keys))
    top = float(np.quantile(sums, 0.98)) if len(sums) > 1 else float(sums[0])
    top = top if top > 0 else float(sums.max())
    inten = np.clip(sums / top, 0.02, 1.0)
    clat = (keys[:, 0] + 0.5) * cell
    clon = (keys[:, 1] + 0.5) * cell
    return [[round(float(a), PRECISION), round(float(b), PRECISION), round(float(c), 3)]
            for a, b, c in zip(clat, clon, inten)]


def _heat_scale(data: list[list[float]], radius: int) -> tuple[int, float]:
    """The zoom at which the points fit the map, and the heat ``max`` for it.

    Leaflet.heat sums the intensities falling in each ``radius``-pixel screen
    cell (scaled down by 2 per zoom level below its ``maxZoom``), so with a
    fixed ``max`` of 1 a province-wide view saturates into one colour.  Taking
    ``maxZoom`` = the fitted zoom and ``max`` = the 98th percentile of those cell
    sums at that zoom keeps hot spots distinguishable from the background.
    """
    a = np.asarray(data, dtype=float)
    zoom = _fit_zoom((a[:, 1].min(), a[:, 0].min(), a[:, 1].max(), a[:, 0].max()))
    cell = radius * 360.0 / (256 * 2 ** zoom)
    keys, inv = np.unique(np.floor(a[:, :2] / cell).astype(np.int64), axis=0, return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=a[:, 2], minlength=len(keys))
    top = float(np.quantile(sums, 0.98)) if len(sums) > 1 else float(sums.max())
    return zoom, round(max(top, 1e-3), 3)


def heat_payload(lat: Iterable[float], lon: Iterable[float], weights: Iterable[float] | None = None, *,
                 cell_deg: float = 0.001, max_cells: int = 8000, radius: int = 16, blur: int = 14) -> dict | None:
    """The heat layer's data, ``{"data": [[lat, lon, weight], ...], "options": {...}}`` for
    leaflet.heat (points aggregated on a ~100 m grid), or None when no point is valid.
    Shared by the folium map (:func:`add_heat`) and the browser map component."""
    data = aggregate_points(lat, lon, weights, cell_deg=cell_deg, max_cells=max_cells)
    if not data:
        return None
    zoom, top = _heat_scale(data, radius)
    return {"data": data, "options": {"minOpacity": 0.35, "maxZoom": zoom, "radius": radius, "blur": blur,
                                      "max": top}}


def add_heat(m: folium.Map, lat: Iterable[float], lon: Iterable[float],
             weights: Iterable[float] | None = None, *, name: str = "Mật độ vụ việc",
             show: bool = True, cell_deg: float = 0.001, max_cells: int = 8000,
             radius: int = 16, blur: int = 14) -> HeatLayer | None:
    """Add a heat layer of points (incidents), aggregated on a ~100 m grid.

    Returns the layer, or None (nothing added) when there are no valid points.
    """
    payload = heat_payload(lat, lon, weights, cell_deg=cell_deg, max_cells=max_cells, radius=radius, blur=blur)
    if payload is None:
        return None
    _ensure_style(m)
    layer = HeatLayer(payload["data"], name=name, show=show, options=payload["options"])
    m.add_child(layer, name="antt_heat_" + layer._id)
    _ensure_layer_control(m)
    return layer


def add_labels(m: folium.Map, df: Any, *, name: str, color: str = "#1d2733", background: str = "#ffffff",
               show: bool = True, max_labels: int = 60) -> folium.FeatureGroup | None:
    """Text labels drawn at every zoom (the province's too), e.g. the hot spots' names.

    ``df``: columns ``lat``, ``lon``, ``label`` (at most ``max_labels`` rows, the first
    ones, are drawn).  Plain Leaflet div icons, HTML-escaped; None when there is nothing."""
    rows = [] if df is None or not len(df) else list(zip(df["lat"], df["lon"], df["label"]))[:max_labels]
    rows = [(float(a), float(o), str(lb)) for a, o, lb in rows if _is_number(a) and _is_number(o)]
    if not rows:
        return None
    _ensure_style(m)
    group = folium.FeatureGroup(name=name, show=show)
    e = html.escape
    for lat, lon, label in rows:
        icon = folium.DivIcon(html=f'<div class="antt-spot-label" style="color:{e(color)};'
                                   f'background:{e(background)}">{e(label)}</div>',
                              icon_size=(0, 0), icon_anchor=(0, 0), class_name="antt-spot")
        folium.Marker([lat, lon], icon=icon, interactive=False).add_to(group)
    m.add_child(group, name="antt_labels_" + group._id)
    _ensure_layer_control(m)
    return group


def camera_payload(df: Any, *, ring_min_zoom: int = RING_MIN_ZOOM, max_rings: int = 1500,
                   label_column: str = "name", tooltip_fields: Sequence[tuple[str, str]] = (),
                   camera_label: str = "Camera", radius_label: str = "bán kính") -> dict | None:
    """The camera layer's data (see :func:`add_cameras`) as one compact dict, or None
    when no row has valid coordinates.  Shared by the folium map and the browser map component."""
    if df is None or len(df) == 0:
        return None
    lat, lon, ok = _finite_lonlat(df)
    radius = _column(df, "radius_m")
    names = _column(df, label_column)
    extra = [(_column(df, c), label) for c, label in tooltip_fields]
    points = []
    for i in np.flatnonzero(ok):
        r = 0.0
        if radius is not None and _is_number(radius[i]) and float(radius[i]) > 0:
            r = round(float(radius[i]), 1)
        label = _text(names[i]) if names is not None else None
        points.append([round(float(lat[i]), PRECISION), round(float(lon[i]), PRECISION),
                       r, label or "", fmt_number(r) if r else "",
                       *[(_text(col[i]) if col is not None else None) for col, _ in extra]])
    if not points:
        return None
    return {"points": points, "color": CAMERA_COLOR, "ringZoom": int(ring_min_zoom),
            "maxRings": int(max_rings), "label": camera_label, "radiusLabel": radius_label,
            "fields": [label for _, label in tooltip_fields]}


def add_cameras(m: folium.Map, df: Any, *, name: str = "Camera an ninh", show: bool = True,
                ring_min_zoom: int = RING_MIN_ZOOM, max_rings: int = 1500,
                label_column: str = "name", tooltip_fields: Sequence[tuple[str, str]] = (),
                camera_label: str = "Camera", radius_label: str = "bán kính") -> CameraLayer | None:
    """Add clustered cameras from ``df`` (columns ``lon``, ``lat``, optional ``radius_m``
    and ``name``).  Coverage circles of ``radius_m`` metres are drawn for the
    cameras in view once zoomed to ``ring_min_zoom`` (15) or closer.
    ``tooltip_fields``: extra ``(column, label)`` pairs for the tooltip;
    ``camera_label``/``radius_label``: tooltip words, for translation.
    Returns the layer, or None when no row has valid coordinates.
    """
    payload = camera_payload(df, ring_min_zoom=ring_min_zoom, max_rings=max_rings, label_column=label_column,
                             tooltip_fields=tooltip_fields, camera_label=camera_label, radius_label=radius_label)
    if payload is None:
        return None
    _ensure_style(m)
    layer = CameraLayer(payload, name=name, show=show)
    m.add_child(layer, name="antt_cameras_" + layer._id)
    _ensure_layer_control(m)
    return layer


def group_payload(df: Any, *, tooltip_fields: Sequence[tuple[str, str]] = (), lang: str = "vi") -> dict | None:
    """The group layer's data (see :func:`add_groups`) as one compact dict, or None when
    no row has valid coordinates.  Shared by the folium map and the browser map component."""
    if df is None or len(df) == 0:
        return None
    lat, lon, ok = _finite_lonlat(df)
    types = _column(df, "model_type")
    names = _column(df, "name")
    extra = [(_column(df, c), label) for c, label in tooltip_fields]
    codes = MODEL_TYPES.codes
    index = {c: i for i, c in enumerate(codes)}
    type_labels = [t.label(lang) for t in MODEL_TYPES]
    labels = _column(df, "label")
    points = []
    for i in np.flatnonzero(ok):
        code = MODEL_TYPES.normalize(_text(types[i]) if types is not None else None)
        if labels is not None and (types is None or _text(types[i]) == code):
            lab = _text(labels[i])
            if lab:
                type_labels[index[code]] = lab
        row = [round(float(lat[i]), PRECISION), round(float(lon[i]), PRECISION), index[code],
               (_text(names[i]) if names is not None else None) or ""]
        row += [(_text(col[i]) if col is not None else None) for col, _ in extra]
        points.append(row)
    if not points:
        return None
    return {"types": [[t.color, t.symbol, type_labels[j]] for j, t in enumerate(MODEL_TYPES)],
            "points": points, "fields": [label for _, label in tooltip_fields], "color": "#34495e"}


def add_groups(m: folium.Map, df: Any, *, name: str = "Mô hình tự quản", show: bool = True,
               tooltip_fields: Sequence[tuple[str, str]] = (), lang: str = "vi") -> GroupLayer | None:
    """Add clustered groups from ``df`` (columns ``lon``, ``lat``, ``model_type``, ``name``),
    each drawn as a round icon with its model type's colour and symbol
    (``geo.vocab.MODEL_TYPES``; unknown codes show as "Khác").  The type's name
    in the tooltip is the vocabulary label in ``lang``, or the ``label`` column
    when the table has one (already translated by the caller).  ``tooltip_fields``:
    extra ``(column, label)`` pairs for the tooltip.
    Returns the layer, or None when no row has valid coordinates.
    """
    payload = group_payload(df, tooltip_fields=tooltip_fields, lang=lang)
    if payload is None:
        return None
    _ensure_style(m)
    layer = GroupLayer(payload, name=name, show=show)
    m.add_child(layer, name="antt_groups_" + layer._id)
    _ensure_layer_control(m)
    return layer


def map_html(m: folium.Map) -> str:
    """The full standalone HTML page of the map."""
    return m.get_root().render()
