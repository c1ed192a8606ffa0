"""The naive way, for bench/bench_browser.py: one Streamlit page that rebuilds a
``folium.Choropleth`` and sends it through ``st_folium`` on every rerun.

Same database (``$ANTT_DB``), same figures (``geo.stats.area_stats``), same sidebar
labels as the app (so the benchmark drives both alike); no login.  Leaflet comes from
the local copies (``geo.assets``), as folium's CDN links would be blocked offline.
Run: ``streamlit run bench/naive_app.py``.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium  # noqa: E402
import folium.plugins  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from geo import areas, assets, filters, i18n, layers, metrics, periods, stats, store, vocab  # noqa: E402

st.set_page_config(layout="wide")
assets.install_static()
assets.configure_folium()
t = i18n.t
db = store.open_db(store.db_path())
with st.sidebar:
    level = st.radio(t("level"), filters.LEVELS, horizontal=True, format_func=lambda v: t(f"level_{v}"))
    bset = areas.current_set(db, level)
    ctab = areas.area_table(db, areas.current_set(db, "commune").id)
    communes = dict(zip(ctab["code"], ctab["name"]))
    commune = st.selectbox(t("commune"), ["", *communes],
                           format_func=lambda c: t("whole_province") if c == "" else communes[c])
    preset = st.selectbox(t("period"), periods.PRESETS[:-1], index=periods.PRESETS.index("ytd"),
                          format_func=lambda p: t(f"preset_{p}"))
    cats = st.multiselect(t("categories"), vocab.CATEGORIES.codes, format_func=vocab.CATEGORIES.label,
                          placeholder=t("all"))
    metric = st.selectbox(t("metric"), list(metrics.METRICS), format_func=lambda m: t(metrics.METRICS[m].label_key))
    chosen = st.pills(t("layers"), list(filters.LAYERS), selection_mode="multi",
                      format_func=lambda x: t(f"layer_{x}")) or []
period = periods.preset(preset)
df = stats.area_stats(db, bset.id, period, categories=cats or None, area=commune or None)
vals = metrics.metric_values(df, metric, population=metrics.area_population(db, bset.id)
                             if metric == "rate_per_1000" else None)
df["value"] = df["code"].map(vals)
codes = set(df["code"])
fc = areas.map_features(db, bset.id)
fc = {**fc, "features": [f for f in fc["features"] if f["properties"]["code"] in codes]}
m = folium.Map(tiles=None)
choro = folium.Choropleth(geo_data=fc, data=df, columns=["code", "value"], key_on="feature.properties.code",
                          fill_color="YlOrRd", nan_fill_color="#cccccc",
                          legend_name=t(metrics.METRICS[metric].label_key), highlight=True)
# its legend (a branca colormap) makes st_folium load d3 from a CDN: blocked offline, and it stops the map script
choro._children.pop(choro.color_scale.get_name(), None)
choro.color_scale = None
choro.add_to(m)
if "heat" in chosen:
    cells = layers.incident_heat(db, bset.id, period, cats or None, codes if commune else None)
    folium.plugins.HeatMap(cells[["lat", "lon", "weight"]].to_numpy().tolist()).add_to(m)
if "cameras" in chosen:
    cams = layers.camera_points(db, bset.id, period.end, codes if commune else None)
    folium.plugins.FastMarkerCluster(cams[["lat", "lon"]].to_numpy().tolist()).add_to(m)
if "groups" in chosen:
    g = layers.group_points(db, bset.id, period.end, None, codes if commune else None)
    folium.plugins.FastMarkerCluster(g[["lat", "lon"]].to_numpy().tolist()).add_to(m)
b = [[f["geometry"] for f in fc["features"]]]
import shapely  # noqa: E402
minx, miny, maxx, maxy = shapely.total_bounds(shapely.from_geojson([__import__("json").dumps(g) for g in b[0]]))
m.fit_bounds([[miny, minx], [maxy, maxx]])
st_folium(m, height=620, use_container_width=True, returned_objects=[], key="naive_map")
