"""Map (home): a chosen figure per commune or village, optional point layers,
and the profile of the area clicked."""
import streamlit as st
from streamlit_folium import st_folium

from geo import areas, layers, maps, metrics, stats, trends, vocab
from ui import filters
from ui.safe import md
from ui.session import acting_user, database, fmt, lang, show_demo_banner, t

# Diverging metrics (change %, z): falling is good (green), rising is bad (red).
DIVERGING = ["#1a9850", "#91cf60", "#f7f7b5", "#fc8d59", "#d73027"]

db = database()
user = acting_user(db)
f = filters.sidebar(db, metric=True)
L = lang()
metric = metrics.METRICS[f.metric]
level_word = t(f"level_{f.level}").lower()

st.markdown(f"#### {t('map_title', metric=t(metric.label_key), level=level_word, period=str(f.period))}")
show_demo_banner(db)

df = stats.area_stats(db, f.set_id, f.period, categories=f.categories, model_types=f.model_types,
                      area=f.area, user=user)
total, prev, last = (int(df[c].sum()) for c in ("incidents", "incidents_prev", "incidents_last_year"))
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("total_incidents"), fmt(total), delta=f"{fmt(total - prev)} {t('vs_prev')}", delta_color="inverse")
c2.metric(t("incidents_last_year"), fmt(last), delta=f"{fmt(total - last)} {t('vs_last_year')}",
          delta_color="inverse")
c3.metric(t("groups_active"), fmt(int(df["groups_active"].sum())))
villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
c4.metric(t("coverage_pct"), fmt(100 * covered / villages, 1) if villages else "–")
c5.metric(t("cameras_active"), fmt(int(df["cameras_active"].sum())))

population = metrics.area_population(db, f.set_id) if f.metric == "rate_per_1000" else None
values = metrics.metric_values(df, f.metric, population=population)
fields = ["incidents", "incidents_prev", "incidents_last_year", "change_pct", "groups_active", "coverage_pct"]
if f.metric not in fields:
    df[f.metric] = df["code"].map(values)
    fields.insert(0, f.metric)
features = maps.with_properties(areas.map_features(db, f.set_id), df, ["name", *fields])
classes = maps.classify(values, scheme=f.scheme, k=5, colors=DIVERGING if metric.diverging else None)
m = maps.choropleth(
    features, values, metric_label=t(metric.label_key), classes=classes,
    tooltip_fields=[(c, t(c)) for c in fields if c != f.metric],
    no_data_label=t("no_data"), areas_label=t("legend_areas"), scheme_label=t(f"scheme_{f.scheme}"),
    tiles=maps.default_tiles(),
)
area_codes = None if f.area is None else set(df["code"])
if "heat" in f.layers:
    # gridded counts, never exact points: the same for every role
    cells = layers.incident_heat(db, f.set_id, f.period, f.categories, area_codes, user=user)
    maps.add_heat(m, cells["lat"], cells["lon"], weights=cells["weight"], name=t("layer_heat"))
if "cameras" in f.layers:
    maps.add_cameras(m, layers.camera_points(db, f.set_id, f.period.end, area_codes, user=user),
                     name=t("layer_cameras"))
if "groups" in f.layers:
    g = layers.group_points(db, f.set_id, f.period.end, f.model_types, area_codes, user=user)
    g["label"] = g["model_type"].map(lambda c: vocab.MODEL_TYPES.label(c, L))
    maps.add_groups(m, g, name=t("layer_groups"), lang=L)
maps.finish(m)

out = st_folium(m, height=620, use_container_width=True, returned_objects=["last_active_drawing"],
                key="main_map")
clicked = (((out or {}).get("last_active_drawing") or {}).get("properties") or {}).get("code")


def profile(code: str) -> None:
    """The clicked area's figures, trend since 2019 and programmes."""
    row = df[df["code"] == code].iloc[0]
    st.subheader(f"{t('area_profile')}: {md(row['name'])}")
    cols = st.columns(6)
    for col, key, dec in zip(cols, ("incidents", "incidents_prev", "incidents_last_year", "coverage_pct",
                                    "cameras_active", "camera_area_pct"), (0, 0, 0, 1, 0, 2)):
        col.metric(t(key), fmt(row[key], dec))
    left, right = st.columns([3, 2])
    series = trends.incident_series(db, f.set_id, "2019-01-01", f.period.end, freq="month",
                                    categories=f.categories or None, areas=[code], by="category")
    colors = [vocab.CATEGORIES.term(c).color for c in series.columns]   # the category colours of every chart
    series.columns = [vocab.CATEGORIES.label(c, L) for c in series.columns]
    left.caption(t("trend"))
    left.area_chart(series, height=260, color=colors or None)
    grp = layers.group_points(db, f.set_id, f.period.end, f.model_types, {code}, user=user)
    right.caption(f"{t('programmes')}: {len(grp)}")
    mix = grp["model_type"].map(lambda c: vocab.MODEL_TYPES.label(c, L)).value_counts()
    right.dataframe(mix.rename_axis(t("model_types")).reset_index(name="#"), hide_index=True, width="stretch")


if clicked and clicked in set(df["code"]):
    profile(clicked)
else:
    st.caption(t("click_area_hint"))

with st.expander(t("table")):
    st.dataframe(df.rename(columns={c: t(c) for c in df.columns}), hide_index=True, width="stretch")
st.caption(t("share_link"))
