"""Map builders: classes, choropleth payload, legend, point layers, escaping, offline."""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.geometry

from folium_links import streamlit_folium_links
from geo import assets, maps
from geo.vocab import MODEL_TYPES

HOSTILE = '</script><script>alert("x")</script> O\'Neil & <b>co</b> {{\'map\'}} {{ 7*7 }}{% if 1 %}{# c'


# --------------------------------------------------------------------------- fixtures

def grid(nx: int = 6, ny: int = 5, size: float = 0.01, x0: float = 106.4, y0: float = 20.95) -> dict:
    """A FeatureCollection of nx × ny squares, codes A0000…, names 'Thôn i-j'."""
    feats = []
    for i in range(nx):
        for j in range(ny):
            x, y = x0 + i * size, y0 + j * size
            feats.append({
                "type": "Feature",
                "properties": {"code": f"A{i:02d}{j:02d}", "name": f"Thôn {i}-{j}",
                               "population": 1000 * i + 0.5 * j, "commune": "Xã Đông"},
                "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size],
                                                                  [x, y + size], [x, y]]]},
            })
    return {"type": "FeatureCollection", "features": feats}


def grid_values(fc: dict, none_every: int = 7) -> dict:
    out = {}
    for n, f in enumerate(fc["features"]):
        out[f["properties"]["code"]] = None if n % none_every == 0 else n * 3
    return out


def points(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lat": 20.97 + rng.random(n) * 0.04, "lon": 106.42 + rng.random(n) * 0.05})


def full_map(name_of_first: str | None = None) -> "maps.folium.Map":
    fc = grid()
    if name_of_first is not None:
        fc["features"][0]["properties"]["name"] = name_of_first
    vals = grid_values(fc)
    m = maps.choropleth(fc, vals, metric_label="Số vụ việc", classes=maps.classify(vals),
                        tooltip_fields=[("population", "Dân số"), ("commune", "Xã")], title="Vụ việc 2025")
    inc = points(5000, 1)
    maps.add_heat(m, inc["lat"], inc["lon"])
    cams = points(60, 2).assign(radius_m=50, name=[f"Cam {i}" for i in range(60)])
    maps.add_cameras(m, cams)
    grp = points(40, 3).assign(model_type=(MODEL_TYPES.codes * 5)[:40], name=[f"Tổ {i}" for i in range(40)])
    maps.add_groups(m, grp)
    return m


def areas_payload(m) -> dict:
    return json.loads(m._children["antt_areas"].payload_js)


def legend_counts(m) -> dict[int, int]:
    legend = m._children["antt_legend"].html
    return {int(c): int(n) for c, n in re.findall(r'data-class="(-?\d+)" data-count="(\d+)"', legend)}


def sent_by_streamlit_folium(m, monkeypatch) -> dict:
    """The arguments streamlit_folium.st_folium passes to its frontend component."""
    streamlit_folium = pytest.importorskip("streamlit_folium")
    captured = {}

    def fake_component(**kwargs):
        captured.update(kwargs)
        return kwargs.get("default")

    monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
    streamlit_folium.st_folium(m, key="t", returned_objects=[])
    return captured


# --------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("x, decimals, text", [
    (1234, None, "1.234"),
    (1234.5, None, "1.234,5"),
    (1234567.891, None, "1.234.567,89"),
    (0.333333, None, "0,33"),
    (-1234.25, None, "-1.234,25"),
    (-0.001, None, "0"),
    (2, 1, "2,0"),
    (12.345, 1, "12,3"),
    (0, None, "0"),
    (None, None, "–"),
    (float("nan"), None, "–"),
    (np.int64(5000), None, "5.000"),
])
def test_fmt_number_vietnamese(x, decimals, text):
    assert maps.fmt_number(x, decimals) == text


# --------------------------------------------------------------------------- classify

@pytest.mark.parametrize("scheme", maps.SCHEMES)
def test_classify_counts_cover_all_values(scheme):
    rng = np.random.default_rng(5)
    vals = {f"c{i}": float(v) for i, v in enumerate(rng.gamma(2, 10, 300))}
    vals.update({"none": None, "nan": float("nan"), "text": "n/a"})
    c = maps.classify(vals, scheme, k=5)
    assert c["k"] == 5 == len(c["colors"]) == len(c["labels"]) == len(c["counts"])
    assert sum(c["counts"]) == 300
    assert c["nodata_count"] == 3
    assert c["bins"] == sorted(c["bins"]) and c["bins"][-1] == pytest.approx(c["max"])
    assert all(maps.class_index(c, v) == i for i, v in [(0, c["min"]), (c["k"] - 1, c["max"])])


def test_classify_quantiles_are_balanced_and_natural_breaks_deterministic():
    vals = {i: i for i in range(100)}
    q = maps.classify(vals, "quantiles", 5)
    assert q["counts"] == [20, 20, 20, 20, 20]
    assert q["integer"] and all(float(b).is_integer() for b in q["bins"])
    assert q["labels"][0] == "0 – 19" and q["labels"][1] == "20 – 39"
    a = maps.classify(vals, "natural_breaks", 4)
    b = maps.classify(vals, "natural_breaks", 4)
    assert a["bins"] == b["bins"]


@pytest.mark.parametrize("values", [{"a": 7, "b": 7, "c": 7}, {"a": 0, "b": 0, "c": 0, "d": 0}])
@pytest.mark.parametrize("scheme", maps.SCHEMES)
def test_classify_all_equal_or_all_zero_gives_one_class(values, scheme):
    c = maps.classify(values, scheme, k=5)
    v = next(iter(values.values()))
    assert c["k"] == 1 and c["counts"] == [len(values)] and c["labels"] == [maps.fmt_number(v)]
    assert maps.class_index(c, v) == 0


@pytest.mark.parametrize("scheme", maps.SCHEMES)
def test_classify_fewer_distinct_values_than_k(scheme):
    c = maps.classify({"a": 1, "b": 5, "c": 5, "d": None}, scheme, k=5)
    assert c["k"] == 2 and c["counts"] == [1, 2] and c["nodata_count"] == 1
    assert c["labels"] == ["1", "5"]


def test_classify_no_data_at_all():
    c = maps.classify({"a": None, "b": float("nan")}, "quantiles")
    assert c["k"] == 0 and c["counts"] == [] and c["nodata_count"] == 2
    assert maps.class_index(c, 3) == -1
    assert maps.classify({}, "equal_interval")["k"] == 0


def test_classify_float_labels_and_bad_arguments():
    c = maps.classify([0.5, 1.25, 2.75, 3.5, 10.125, 7.5], "equal_interval", 3)
    assert not c["integer"] and "," in c["labels"][0]
    with pytest.raises(ValueError):
        maps.classify([1, 2], "jenks")
    with pytest.raises(ValueError):
        maps.classify([1, 2], "quantiles", k=0)


# --------------------------------------------------------------------------- geometry

def test_encode_geometry_round_trip_at_5_decimals():
    poly = shapely.Polygon([(106.123456789, 21.0), (106.2, 21.000001), (106.2, 21.1), (106.1, 21.1)],
                           holes=[[(106.15, 21.05), (106.16, 21.05), (106.16, 21.06)]])
    mp = shapely.MultiPolygon([poly, shapely.box(106.3, 21.0, 106.31, 21.01)])
    enc, bbox = maps.encode_geometry(shapely.geometry.mapping(mp))
    assert len(enc) == 2 and len(enc[0]) == 2                       # two polygons, one with a hole
    assert all(isinstance(v, int) for r in enc[0] for v in r)
    back = shapely.geometry.shape(maps.decode_geometry(enc))
    assert back.is_valid
    assert back.hausdorff_distance(mp) < 1e-5                         # rounding to 5 decimals only
    assert np.abs(shapely.get_coordinates(back) - np.round(shapely.get_coordinates(back), 5)).max() < 1e-9
    assert bbox == pytest.approx((106.1, 21.0, 106.31, 21.1))


def test_encode_geometry_drops_degenerate_and_empty():
    assert maps.encode_geometry(None) == ([], None)
    assert maps.encode_geometry({"type": "Polygon", "coordinates": []}) == ([], None)
    tiny = shapely.box(106.0, 21.0, 106.000001, 21.000001)        # collapses at 5 decimals
    assert maps.encode_geometry(tiny) == ([], None)


# --------------------------------------------------------------------------- choropleth

def test_choropleth_one_feature_per_area_and_lean_payload():
    fc = grid(10, 8)
    vals = grid_values(fc)
    m = maps.choropleth(fc, vals, metric_label="Số vụ việc", classes=maps.classify(vals))
    p = areas_payload(m)
    assert len(p["features"]) == 80
    assert [f["p"]["code"] for f in p["features"]] == [f["properties"]["code"] for f in fc["features"]]
    for f, src in zip(p["features"], fc["features"]):
        assert len(f["g"]) == 1 and len(f["g"][0]) == 1             # one polygon, one ring: one path
        back = shapely.geometry.shape(maps.decode_geometry(f["g"]))
        assert back.equals_exact(shapely.geometry.shape(src["geometry"]).normalize(), 1e-5) or \
            back.symmetric_difference(shapely.geometry.shape(src["geometry"])).area < 1e-10
        # label point inside the area, label zoom sensible for a ~1 km square
        assert shapely.geometry.shape(src["geometry"]).contains(shapely.Point(f["p"]["lp"][1], f["p"]["lp"][0]))
        assert 10 <= f["p"]["lz"] <= 16
    page = maps.map_html(m)
    assert "fillColor" not in page.split("var D = ")[1][:200]     # styles come from one JS function
    assert page.count('"fillColor"') == 0 and page.count("fillColor:") == 1
    assert len(page) < 60_000
    assert "L.geoJSON(" in page


def test_legend_counts_add_up_to_the_areas_with_a_no_data_class():
    fc = grid(6, 5)
    vals = grid_values(fc)
    del vals["A0101"]                                   # absent code: no data
    vals["A0102"] = float("nan")                        # NaN: no data
    fc["features"].append({"type": "Feature", "properties": {"code": "EMPTY", "name": "x"}, "geometry": None})
    classes = maps.classify(vals, "equal_interval", 4)
    m = maps.choropleth(fc, vals, metric_label="Số vụ việc", classes=classes)
    counts = legend_counts(m)
    n_areas = 30                                        # the geometry-less feature is not drawn
    assert len(areas_payload(m)["features"]) == n_areas
    assert sum(counts.values()) == n_areas
    expected_nodata = sum(1 for f in fc["features"][:30] if not maps._is_number(vals.get(f["properties"]["code"])))
    assert counts[-1] == expected_nodata >= 2
    assert set(counts) == {-1, 0, 1, 2, 3}
    legend = m._children["antt_legend"].html
    assert maps.NODATA_LABEL in legend and maps.NODATA_COLOR in legend
    p = areas_payload(m)
    assert sum(1 for f in p["features"] if f["p"]["k"] == -1) == counts[-1]
    assert all(f["p"]["v"] is None for f in p["features"] if f["p"]["k"] == -1)


def test_choropleth_tooltip_figures_are_vietnamese_formatted():
    fc = grid(2, 2)
    vals = {"A0000": 1234.5, "A0001": 2, "A0100": 1000000, "A0101": None}
    m = maps.choropleth(fc, vals, metric_label="Tỷ lệ", tooltip_fields=[("population", "Dân số")])
    p = {f["p"]["code"]: f["p"] for f in areas_payload(m)["features"]}
    assert p["A0000"]["v"] == "1.234,5" and p["A0100"]["v"] == "1.000.000" and p["A0101"]["v"] is None
    assert p["A0100"]["f"] == ["1.000"] and p["A0001"]["f"] == ["0,5"]
    assert areas_payload(m)["fields"] == ["Dân số"]


def test_max_zoom_is_set_without_tiles_and_no_basemap_by_default():
    m = maps.choropleth(grid(2, 2), {}, metric_label="x")
    page = maps.map_html(m)
    assert f'"maxZoom": {maps.MAX_ZOOM}' in page
    assert "L.tileLayer" not in page
    assert maps.BACKGROUND in page                         # light container colour, never blank
    m2 = maps.choropleth(grid(2, 2), {}, metric_label="x", tiles="http://tiles.local/{z}/{x}/{y}.png")
    page2 = maps.map_html(m2)
    assert "L.tileLayer" in page2 and f'"maxZoom": {maps.MAX_ZOOM}' in page2
    assert assets.external_urls(page2) == ["http://tiles.local/{z}/{x}/{y}.png"]


def test_default_tiles_from_environment(monkeypatch):
    monkeypatch.delenv("ANTT_TILES", raising=False)
    assert maps.default_tiles() is None
    monkeypatch.setenv("ANTT_TILES", " http://t.local/{z}/{x}/{y}.png ")
    assert maps.default_tiles() == "http://t.local/{z}/{x}/{y}.png"


# --------------------------------------------------------------------------- offline

def test_full_map_has_no_external_url():
    page = maps.map_html(full_map())
    assert assets.external_urls(page) == []
    srcs = re.findall(r'<script src="([^"]+)"', page) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert srcs and all(s.startswith("/app/static/vendor/") for s in srcs)
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower() and "d3" not in " ".join(srcs)


def test_what_streamlit_folium_sends_has_no_external_url(monkeypatch):
    m = full_map()
    js, css = streamlit_folium_links(m)
    assert js[0].endswith("/leaflet/leaflet.js")
    assert set(js) == {assets.url("leaflet"), assets.url("leaflet-heat.js"), assets.url("markerclusterjs")}
    sent = sent_by_streamlit_folium(m, monkeypatch)
    assert sent["js_links"] == js and sent["css_links"] == css
    for part in ("js_links", "css_links", "header", "html", "script"):
        text = sent[part] if isinstance(sent[part], str) else "\n".join(sent[part])
        assert assets.external_urls(text) == [], part
    assert "anttLeaflet.legend" in sent["script"] and "L.heatLayer" in sent["script"]
    assert "markerClusterGroup" in sent["script"]


# --------------------------------------------------------------------------- escaping

def test_hostile_names_are_escaped_everywhere(monkeypatch):
    fc = grid(3, 3)
    fc["features"][0]["properties"]["name"] = HOSTILE
    fc["features"][1]["properties"]["commune"] = HOSTILE
    vals = grid_values(fc)
    m = maps.choropleth(fc, vals, metric_label=HOSTILE, tooltip_fields=[("commune", HOSTILE)], title=HOSTILE)
    maps.add_cameras(m, points(3).assign(radius_m=30, name=HOSTILE), name=HOSTILE)
    maps.add_groups(m, points(3).assign(model_type=HOSTILE, name=HOSTILE), tooltip_fields=[("name", HOSTILE)])
    page = maps.map_html(m)
    assert "alert(" in page                                     # the text is there …
    assert '<script>alert("x")' not in page                     # … but never as markup
    assert page.count("</script>") == page.count("<script")     # nothing closes a script early
    # branca re-parses rendered output as Jinja: no tag may survive to be evaluated
    assert "{{" not in page and "{%" not in page and "{#" not in page
    # the data in the rendered page decodes back to the exact text (escaped only when shown)
    rendered = json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))
    assert rendered["features"][0]["p"]["name"] == HOSTILE
    assert rendered["metric"] == HOSTILE and rendered["fields"] == [HOSTILE]
    assert rendered["features"][1]["p"]["f"] == [HOSTILE]
    layers = re.search(r"overlays: \{(.*?)\},\n", page, flags=re.S).group(1)
    assert json.loads(re.findall(r'^\s*(".*?"): antt_cameras', layers, flags=re.M)[0]) == HOSTILE
    # Python-built HTML (legend, title) is HTML-escaped
    assert "&lt;/script&gt;" in m._children["antt_legend"].html
    assert "&lt;/script&gt;" in m._children["antt_title"].html
    # unknown model type codes fall back to "khác"
    groups = next(c for c in m._children.values() if isinstance(c, maps.GroupLayer))
    assert {p[2] for p in groups.payload["points"]} == {MODEL_TYPES.codes.index("khac")}
    # streamlit_folium's own rewriting does not unescape anything
    sent = sent_by_streamlit_folium(m, monkeypatch)
    assert '<script>alert("x")' not in sent["script"] and "</script>" not in sent["script"]


def test_tile_attribution_and_url_cannot_inject_jinja():
    m = maps.base_map(tiles="http://t.local/{z}/{x}/{y}.png", tiles_attr="© {{ 7*7 }} <a href='/x'>x</a>")
    page = maps.map_html(m)
    assert "{{" not in page and "\\u0026#123;{ 7*7 }}" in page
    with pytest.raises(ValueError):
        maps.base_map(tiles="http://t.local/{{z}}/{x}/{y}.png")


def test_js_json_is_script_safe():
    s = maps.js_json({"a": HOSTILE, "b": "\u2028", "c": [{"d": {}}]})
    assert "<" not in s and ">" not in s and "&" not in s and "'" not in s and "\u2028" not in s
    assert "{{" not in s and "{%" not in s and "{#" not in s
    assert json.loads(s) == {"a": HOSTILE, "b": "\u2028", "c": [{"d": {}}]}
    with pytest.raises(ValueError):
        maps.js_json(float("nan"))


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_generated_scripts_are_valid_javascript(tmp_path):
    page = maps.map_html(full_map(HOSTILE))
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    js = tmp_path / "map.js"
    js.write_text("\n;\n".join(scripts))
    r = subprocess.run(["node", "--check", str(js)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------- point layers

def test_heat_aggregates_a_year_of_incidents_into_a_small_payload():
    rng = np.random.default_rng(0)
    lat = 21.0 + rng.normal(0, 0.08, 50_000)
    lon = 106.5 + rng.normal(0, 0.1, 50_000)
    lat[:10] = np.nan
    data = maps.aggregate_points(lat, lon, max_cells=8000)
    assert 0 < len(data) <= 8000
    assert all(0 < w <= 1 for _, _, w in data)
    assert all(round(a, 5) == a and round(b, 5) == b for a, b, _ in data)
    m = maps.base_map((106.2, 20.7, 106.8, 21.3))
    layer = maps.add_heat(m, lat, lon, name="Mật độ")
    assert len(layer.data_js) < 250_000
    assert maps.add_heat(m, [], []) is None
    # few points keep the ~100 m grid
    small = maps.aggregate_points([21.0, 21.0001, 21.5], [106.0, 106.0001, 106.5], [1, 2, 3])
    assert len(small) == 2


def test_cameras_rings_from_zoom_15_and_compact_points():
    m = maps.base_map((106.4, 20.95, 106.5, 21.05))
    df = points(30).assign(radius_m=[0, 40.0, float("nan")] * 10, name=[f"Cam {i}" for i in range(30)])
    df.loc[0, "lat"] = np.nan
    layer = maps.add_cameras(m, df)
    assert layer.payload["ringZoom"] == 15
    assert len(layer.payload["points"]) == 29
    assert {p[2] for p in layer.payload["points"]} == {0, 40.0}
    page = maps.map_html(m)
    assert "L.circle(" in page and "D.ringZoom" in page
    assert f'"maxZoom": {maps.MAX_ZOOM}' in page                 # clusters need it
    assert maps.add_cameras(m, df.iloc[:0]) is None
    plain = maps.folium.Map(tiles=None, max_zoom=18)            # folium drops max_zoom without tiles
    maps.add_cameras(plain, df)
    assert f'"maxZoom": {maps.MAX_ZOOM}' in maps.map_html(plain)
    with pytest.raises(ValueError):
        maps.add_cameras(m, pd.DataFrame({"x": [1]}))


def test_groups_icon_per_model_type():
    m = maps.base_map()
    df = points(len(MODEL_TYPES)).assign(model_type=MODEL_TYPES.codes, name="Tổ",
                                         members=range(len(MODEL_TYPES)))
    layer = maps.add_groups(m, df, tooltip_fields=[("members", "Số thành viên")])
    types = layer.payload["types"]
    assert [t[0] for t in types] == [t.color for t in MODEL_TYPES]
    assert [t[1] for t in types] == [t.symbol for t in MODEL_TYPES]
    assert [p[2] for p in layer.payload["points"]] == list(range(len(MODEL_TYPES)))
    assert layer.payload["points"][3][4] == "3"


def test_layers_are_optional_and_layer_control_stays_last():
    m = maps.base_map((106.4, 20.95, 106.5, 21.05))
    maps.add_groups(m, points(5).assign(model_type="khac", name="a"))
    maps.add_cameras(m, points(5).assign(radius_m=10))
    children = list(m._children.values())
    assert isinstance(children[-1], maps.LayerControl)
    assert sum(isinstance(c, maps.LayerControl) for c in children) == 1
    page = maps.map_html(m)
    control = page.index("L.control.layers(")
    for c in children:
        if isinstance(c, (maps.GroupLayer, maps.CameraLayer)):
            assert page.index(f"var {c.get_name()} =") < control
    # a choropleth alone, then layers added afterwards: the control moves to the end again
    m2 = maps.choropleth(grid(2, 2), {"A0000": 1}, metric_label="x")
    maps.add_heat(m2, [21.0], [106.4])
    assert isinstance(list(m2._children.values())[-1], maps.LayerControl)


def test_build_is_fast():
    import time

    fc = grid(40, 40)
    vals = grid_values(fc)
    classes = maps.classify(vals, "quantiles")
    t = time.perf_counter()
    page = maps.map_html(maps.choropleth(fc, vals, metric_label="x", classes=classes))
    assert time.perf_counter() - t < 2.0
    assert len(areas_payload_from_page(page)) == 1600


def areas_payload_from_page(page: str) -> list:
    m = re.search(r"var D = (\{.*?\});\n", page)
    return json.loads(m.group(1))["features"]


def test_label_zoom_grows_for_smaller_areas():
    assert maps._label_zoom((106.0, 21.0, 106.5, 21.5), "Xã A") < maps._label_zoom((106.0, 21.0, 106.005, 21.005), "Xã A")
    assert maps._label_zoom((106.0, 21.0, 106.0, 21.0), "x") == maps.MAX_ZOOM
    assert math.isfinite(maps._fit_zoom((106.0, 21.0, 106.0, 21.0)))


# --------------------------------------------------------------------------- page helpers

def test_with_properties_merges_columns_without_touching_the_input():
    fc = grid(2, 2)
    before = json.dumps(fc, sort_keys=True)
    df = pd.DataFrame({"code": ["A0000", "A0101", "ZZZ"], "incidents": np.array([3, 7, 1], dtype=np.int64),
                       "change_pct": [12.5, float("nan"), 0.0]})
    out = maps.with_properties(fc, df, ["incidents", "change_pct", "missing"])
    assert json.dumps(fc, sort_keys=True) == before
    p = {f["properties"]["code"]: f["properties"] for f in out["features"]}
    assert p["A0000"]["incidents"] == 3 and type(p["A0000"]["incidents"]) is int
    assert p["A0101"]["change_pct"] is None
    assert set(p) == {"A0000", "A0101"}          # only the table's areas are sent to the browser
    assert out["features"][0]["geometry"] is fc["features"][0]["geometry"]
    json.dumps(out)                                         # plain JSON types only


def test_page_call_with_translated_legend_and_finish():
    fc = grid(3, 2)
    df = pd.DataFrame({"code": [f["properties"]["code"] for f in fc["features"]], "incidents": [0, 1, 2, 3, None, 5]})
    feats = maps.with_properties(fc, df, ["name", "incidents"])
    vals = dict(zip(df["code"], df["incidents"]))
    m = maps.choropleth(feats, vals, metric_label="Incidents", classes=maps.classify(vals),
                        tooltip_fields=[("incidents", "Incidents")], no_data_label="No data",
                        areas_label="areas", scheme_label="Quantiles", tiles=None)
    maps.add_cameras(m, points(4).assign(radius_m=30, owner=["A", "B", None, "D"]),
                     tooltip_fields=[("owner", "Owner")], camera_label="Camera", radius_label="radius")
    g = points(3).assign(model_type=["camera_an_ninh", "khac", "to_tu_quan_antt"], name="G")
    g["label"] = g["model_type"].map(lambda c: MODEL_TYPES.label(c, "en"))
    layer = maps.add_groups(m, g)
    assert maps.finish(m) is m and maps.finish(m) is m
    assert isinstance(list(m._children.values())[-1], maps.LayerControl)
    legend = m._children["antt_legend"].html
    assert "No data" in legend and "areas)" in legend and "Quantiles" in legend and "Phân vị" not in legend
    assert areas_payload(m)["nodataLabel"] == "No data"
    assert layer.payload["types"][MODEL_TYPES.codes.index("camera_an_ninh")][2] == "Security camera model"
    cams = next(c for c in m._children.values() if isinstance(c, maps.CameraLayer))
    assert cams.payload["fields"] == ["Owner"] and [p[5] for p in cams.payload["points"]] == ["A", "B", None, "D"]
    assert assets.external_urls(maps.map_html(m)) == []


def test_leaflet_texts_and_the_folding_legend_come_from_one_shared_file():
    """geo/js/antt-leaflet.js: Leaflet's own texts in the language and the folding legend,
    inlined in every folium map's script and loaded by the browser map component."""
    from geo import assets, i18n
    shared = assets.SHARED_JS.read_text(encoding="utf-8")
    assert not re.search(r"\{\{|\{%|\{#", shared)           # branca's second Jinja pass leaves it alone
    for lang, zoom_in in (("vi", "Phóng to"), ("en", "Zoom in")):
        fc = grid(2, 2)
        m = maps.choropleth(fc, grid_values(fc), metric_label="x", lang=lang)
        script = m.get_root().render()
        assert "anttLeaflet.localize" in script and "anttLeaflet.legend(" in script
        assert json.dumps(zoom_in, ensure_ascii=False) in script
        assert json.dumps(i18n.t("map_legend", lang), ensure_ascii=False) in script
    from pathlib import Path
    frontend = Path(__file__).resolve().parent.parent / "ui" / "mapview_frontend"
    assert "vendor/antt/antt-leaflet.js" in (frontend / "index.html").read_text()
    assert ("geo/js/antt-leaflet.js", "antt/antt-leaflet.js") in assets.OWN_FILES
    js = (frontend / "antt-map.js").read_text()
    assert "anttLeaflet.legend(" in js and "antt-collapsed" not in js     # one legend source
