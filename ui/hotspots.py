"""Hot spots: Getis-Ord Gi* classes of the period's incidents per village, with the
incident heat layer and the list of significant hot (and cold) spots.

Every number comes from :mod:`geo.hotspots` (and :mod:`geo.layers` for the heat
points); this page only picks, formats and draws.
"""
import os

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import areas, cellsafe, hotspots, layers, maps, stats
from ui import filters, grid
from ui.session import acting_user, database, fmt, lang, show_demo_banner, t

# fixed class colours (ColorBrewer RdBu): red tones hot, blue tones cold, light grey not significant
COLORS = {"hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7", "ns": "#f0f0f0",
          "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac"}
TEXT_ON = {"hot_99": "#ffffff", "cold_99": "#ffffff"}

db = database()
user = acting_user(db)
f = filters.sidebar(db, layers=False)

st.markdown(f"#### {t('hotspots_title', period=str(f.period))}")
show_demo_banner(db)

vset = stats.village_set_for(db, f.set_id)
if vset is None:
    st.info(t("no_village_set"))
    st.stop()

# an officer's study region is their own area (their scope), whatever the filter says
from geo import scope as scope_mod
acting = scope_mod.resolve(db, user)          # resolved once for this request
scope = acting.codes(db, vset.id)
o1, o2, _ = st.columns([1, 2, 2])
min_count = int(o1.number_input(t("hs_min_count"), min_value=0, max_value=1000, value=hotspots.MIN_COUNT, step=1,
                                key="hs_min_count", help=t("hs_min_count_help")))
correction = o2.selectbox(t("hs_correction"), hotspots.CORRECTIONS, key="hs_correction",
                          format_func=lambda c: t(f"hs_correction_{c}"))
hs = hotspots.hot_spots(db, vset.id, f.period, categories=f.categories, area=f.area or None, user=acting,
                        min_count=min_count, correction=correction)
cut = hs.attrs["cutoffs"]
if scope is not None:
    hs = hs[hs["code"].isin(scope)].reset_index(drop=True)
# the commune each village lies in (its parent in the boundary hierarchy)
vtab = areas.area_table(db, vset.id).set_index("code")
parent_names = {}
if vset.parent_set_id is not None:
    ptab = areas.area_table(db, vset.parent_set_id)
    parent_names = dict(zip(ptab["code"], ptab["name"]))
hs = hs.assign(commune=vtab["parent_code"].reindex(hs["code"]).map(parent_names).to_numpy(),
               class_label=[t(c) for c in hs["class"]])

hot = hs[(hs["confidence"] > 0) & (hs["z"] > 0)].sort_values(["z", "code"], ascending=[False, True])
cold = hs[(hs["confidence"] > 0) & (hs["z"] < 0)].sort_values(["z", "code"], ascending=[True, True])
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("villages"), fmt(len(hs)))
# the same total as every other page: the communes' incidents with no village included
total = int(stats.area_stats(db, vset.id, f.period, categories=f.categories, area=f.area, user=user)["incidents"].sum())
c2.metric(t("incidents"), fmt(total), help=t("hs_incidents_help", n=fmt(total - int(hs["incidents"].sum()))))
c3.metric(t("hot_count"), fmt(len(hot)), help=t("hotspots_note"))
c4.metric(t("hot_99"), fmt(int((hs["class"] == "hot_99").sum())))
c5.metric(t("cold_count"), fmt(len(cold)))

# --- the map: Gi* classes per village, the incidents' heat on top
values = {c: hotspots.CLASSES.index(k) for c, k in zip(hs["code"], hs["class"])}
classes = maps.categorical_classes([t(k) for k in hotspots.CLASSES], [COLORS[k] for k in hotspots.CLASSES], values)
features = areas.map_features(db, vset.id)
features = {**features, "features": [x for x in features["features"] if x["properties"]["code"] in values]}
features = maps.with_properties(features, hs, ["commune", "incidents", "z", "p"])
m = maps.choropleth(features, values, metric_label=t("hot_spots"), classes=classes,
                    tooltip_fields=[("commune", t("commune")), ("incidents", t("incidents")), ("z", t("z")),
                                    ("p", t("p_value"))],
                    no_data_label=t("no_data"), areas_label=t("legend_areas"),
                    tiles=os.environ.get("ANTT_TILES") or None, lang=lang(), fill=True, min_height=520)
# gridded counts, never exact points (the same for every role); on demand: its blue rim reads as "cold"
cells = layers.incident_heat(db, vset.id, f.period, f.categories,
                             set(hs["code"]) if (f.area or scope is not None) else None, user=user)
maps.add_heat(m, cells["lat"], cells["lon"], weights=cells["weight"], name=t("layer_heat"), show=False)
# the hot spots named on the map at every zoom, the province's included (strongest first)
spots = hot.assign(lat=vtab["centroid_lat"].reindex(hot["code"]).to_numpy(),
                   lon=vtab["centroid_lon"].reindex(hot["code"]).to_numpy(), label=hot["name"])
maps.add_labels(m, spots, name=t("hs_labels"), color=TEXT_ON.get("hot_99", "#ffffff"), background=COLORS["hot_99"])
maps.finish(m)
st_folium(m, height=620, use_container_width=True, returned_objects=[], key="hs_map")
st.caption(f"{t('hotspots_note')} {t('heat_hint')}")
# which correction was used, and the cut-offs it gave
st.info(t("hs_correction_used_" + correction, n=fmt(hs.attrs["tested"]), min=fmt(min_count),
          p99=fmt(cut[99], 5), p95=fmt(cut[95], 5), p90=fmt(cut[90], 5)))

# --- the significant spots, strongest first
COLS = ["name", "commune", "incidents", "z", "p", "class_label"]
LABELS = {"name": t("village"), "commune": t("commune"), "incidents": t("incidents"), "z": t("z"),
          "p": t("p_value"), "class_label": t("hot_class")}


def table(df: pd.DataFrame, key: str) -> None:
    def css(_):
        out = pd.DataFrame("", index=df.index, columns=COLS)
        out["class_label"] = [f"background-color: {COLORS[k]}; color: {TEXT_ON.get(k, '#1d2733')}"
                              for k in df["class"]]
        return out
    sty = df[COLS].style.format(lambda v: grid.EMPTY if grid.is_empty(v) else f"< {fmt(0.0001, 4)}"
                                if v < 0.0001 else fmt(v, 4), subset=["p"])
    grid.show(sty.apply(css, axis=None), labels=LABELS, decimals={"z": 2}, raw=["p"], key=key,
              height=min(38 + 35 * len(df), 460))


st.markdown(f"##### {t('significant_hot')} ({fmt(len(hot))})")
if hot.empty:
    st.caption(t("none_found"))
else:
    table(hot, "hs_hot")
with st.expander(f"{t('significant_cold')} ({fmt(len(cold))})"):
    if cold.empty:
        st.caption(t("none_found"))
    else:
        table(cold, "hs_cold")
export = hs.sort_values(["z", "code"], ascending=[False, True], na_position="last")
export = export[["code", *COLS]].rename(columns={"code": t("code"), **LABELS})
st.download_button(t("download_csv"), cellsafe.csv_bytes(export, lineterminator="\n"),
                   file_name=f"diem_nong_{f.start:%Y%m%d}_{f.end:%Y%m%d}.csv", mime="text/csv",
                   icon=":material/download:", key="hs_download")
