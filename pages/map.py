"""Map (home): incidents per commune or village, with optional point layers."""
import os

import streamlit as st
from streamlit_folium import st_folium

from geo import areas, layers, maps, stats, vocab
from geo.stats import format_number as fmt
from pages import filters
from pages.session import database, lang, show_demo_banner, t

db = database()
f = filters.sidebar(db)
L = lang()
level_word = t(f"level_{f.level}").lower()

st.markdown(f"#### {t('map_title', level=level_word, period=str(f.period))}")
show_demo_banner(db)

df = stats.area_stats(db, f.set_id, f.period, categories=f.categories, model_types=f.model_types,
                      area=f.area)
total, prev, last = (int(df[c].sum()) for c in ("incidents", "incidents_prev", "incidents_last_year"))
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("total_incidents"), fmt(total), delta=f"{fmt(total - prev)} {t('vs_prev')}", delta_color="inverse")
c2.metric(t("incidents_last_year"), fmt(last), delta=f"{fmt(total - last)} {t('vs_last_year')}",
          delta_color="inverse")
c3.metric(t("groups_active"), fmt(int(df["groups_active"].sum())))
villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
c4.metric(t("coverage_pct"), fmt(100 * covered / villages, 1) + " %" if villages else "–")
c5.metric(t("cameras_active"), fmt(int(df["cameras_active"].sum())))

fields = ["incidents", "incidents_prev", "incidents_last_year", "change_pct", "groups_active", "coverage_pct"]
features = maps.with_properties(areas.map_features(db, f.set_id), df, ["name", *fields])
classes = maps.classify(dict(zip(df["code"], df["incidents"])), scheme="quantiles", k=5)
m = maps.choropleth(
    features, dict(zip(df["code"], df["incidents"])),
    metric_label=t("incidents"), classes=classes,
    tooltip_fields=[("name", t("name")), *[(c, t(c)) for c in fields]],
    no_data_label=t("no_data"), areas_label=t("legend_areas"),
    tiles=os.environ.get("ANTT_TILES") or None,
)
codes = set(df["code"])
area_codes = None if f.area is None else codes
if "heat" in f.layers:
    pts = layers.incident_points(db, f.set_id, f.period, f.categories, area_codes)
    maps.add_heat(m, pts["lat"], pts["lon"], name=t("layer_heat"))
if "cameras" in f.layers:
    maps.add_cameras(m, layers.camera_points(db, f.set_id, f.period.end, area_codes), name=t("layer_cameras"))
if "groups" in f.layers:
    g = layers.group_points(db, f.set_id, f.period.end, f.model_types, area_codes)
    g["label"] = g["model_type"].map(lambda c: vocab.MODEL_TYPES.label(c, L))
    maps.add_groups(m, g, name=t("layer_groups"))
maps.finish(m)

st_folium(m, height=620, use_container_width=True, returned_objects=[], key="main_map")

with st.expander(t("table")):
    show = df.rename(columns={c: t(c) for c in df.columns if c not in ("camera_area_pct",
                                                                       "incidents_in_camera_view_pct")})
    st.dataframe(show.drop(columns=["camera_area_pct", "incidents_in_camera_view_pct"]),
                 hide_index=True, width="stretch")
st.caption(t("share_link"))
