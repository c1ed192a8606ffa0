"""Coverage: villages covered by a programme per area, "vùng trắng" (villages with
none), camera coverage and the mix of model types.

Every number comes from :mod:`geo.stats` and :mod:`geo.coverage`; this page only
picks, formats and draws.
"""
import altair as alt
import pandas as pd
import streamlit as st

from geo import areas, cellsafe, coverage, maps, numfmt, stats, vocab
from ui import filters, grid, mapview, unplaced
from ui.session import acting_user, database, fmt, lang, show_demo_banner, t

COVERED_COLOR, VUNG_TRANG_COLOR = "#a1d99b", "#f16913"
MAP_METRICS = ("coverage_pct", "camera_area_pct", "incidents_in_camera_view_pct")
MAX_BARS = 40


def csv_bytes(df: pd.DataFrame) -> bytes:
    return cellsafe.csv_bytes(df, lineterminator="\n")


db = database()
user = acting_user(db)
f = filters.sidebar(db, layers=False)
L = lang()
level_word = t(f"level_{f.level}").lower()

st.markdown(f"#### {t('coverage_title', level=level_word, day=f'{f.end:%d/%m/%Y}')}")
st.caption(t("coverage_period_note", period=str(f.period), day=f"{f.end:%d/%m/%Y}"))
show_demo_banner(db)

# area_stats as this user may see it (an officer: their own area); the other tables keep to its areas
df = stats.area_stats(db, f.set_id, f.period, categories=f.categories, model_types=f.model_types, area=f.area,
                      user=user)
codes = set(df["code"])
vset = stats.village_set_for(db, f.set_id)
# one coverage definition: the selected model types for the headline, both maps and the lists
white = coverage.vung_trang(db, f.set_id, f.end, area=f.area, model_types=f.model_types)
white = white[white["area_code"].isin(codes)].reset_index(drop=True)

from geo import submissions
vmap = submissions.village_map_status(db, f.set_id)     # a commune with no village map: marked, never 0 %
if len(vmap):
    df["village_map"] = df["code"].map(vmap).map(lambda s: t("vil_status_" + s) if isinstance(s, str) else "–")
    no_map = int((df["code"].map(vmap) == "none").sum())
    if no_map:
        st.caption(t("vil_no_map_note", n=fmt(no_map)))

villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("villages"), fmt(villages))
c2.metric(t("villages_covered"), fmt(covered))
c3.metric(t("coverage_pct"), fmt(100 * covered / villages, 1) + " %" if villages else "–")
c4.metric(t("vung_trang_count"), fmt(len(white)))
c5.metric(t("cameras_active"), fmt(int(df["cameras_active"].sum())))

# --- maps: the chosen figure per area, and the villages covered / vùng trắng
left, right = st.columns(2)
with left:
    metric = st.selectbox(t("metric"), MAP_METRICS, key="cov_metric", format_func=t)
    values = dict(zip(df.loc[df["placed"], "code"], df.loc[df["placed"], metric]))   # areas of the map
    # more is better: greens (geo.classify); the legend says so
    classes = maps.classify_metric(values, metric, scheme="quantiles", k=5, lang=L)
    fields = [c for c in ("villages", "villages_covered", "coverage_pct", "cameras_active", "camera_area_pct",
                          "incidents_in_camera_view_pct") if c != metric]
    no_map = metric == "coverage_pct" and bool((df["villages"] == 0).any())
    mapview.choropleth(db, f.set_id, key="cov_map", df=df, values=values, classes=classes, metric_label=t(metric),
                       user=user, fields=fields, scheme_label=t("scheme_quantiles"), group="cov", min_height=420,
                       no_data_label=t("vil_status_none") if no_map else None)
with right:
    st.markdown(f"**{t('village_coverage_map')}**")
    if vset is None:
        st.info(t("no_village_set"))
    else:
        parents = stats.village_parents(db, f.set_id)
        scope = set(parents.index[parents.isin(codes)])
        white_codes = set(white["code"])
        vtab = areas.area_table(db, vset.id)
        vtab = vtab[vtab["code"].isin(scope)]
        vvalues = {c: (1 if c in white_codes else 0) for c in scope}
        vclasses = maps.categorical_classes([t("covered"), t("vung_trang_short")], [COVERED_COLOR, VUNG_TRANG_COLOR],
                                            vvalues)
        mapview.choropleth(db, vset.id, key="cov_vmap", df=vtab, values=vvalues, classes=vclasses,
                           metric_label=t("programmes"), user=user, fields=["population"], scheme_label="",
                           group="cov", min_height=420)

# --- the table per area
st.markdown(f"##### {t('coverage_table')}")
cols = ["name", *(["village_map"] if "village_map" in df else []), "villages", "villages_covered", "coverage_pct",
        "groups_active", "cameras_active", "camera_area_pct", "incidents_in_camera_view_pct"]
table = unplaced.mark_names(df.sort_values(["coverage_pct", "code"], na_position="last", kind="stable"))
table = table[["code", *cols, "placed"]]
# shares as numbers in the language (50,0): a progress bar's label would print "50.0 %" whatever it is
pct_cols = ("coverage_pct", "camera_area_pct", "incidents_in_camera_view_pct")
grid.show(table.style.apply(lambda _: unplaced.row_css(table, table.columns), axis=None),
          height=min(38 + 35 * len(table), 560), key="cov_table", column_order=cols,
          decimals={c: 1 for c in pct_cols},
          column_config={c: st.column_config.Column(t(c), width=None if c == "name" else "small") for c in cols})
if not table["placed"].all():
    st.caption(t("unplaced_note"))
table = table.drop(columns=["placed"])
st.download_button(t("download_csv"), csv_bytes(table.rename(columns={c: t(c) for c in table.columns})),
                   file_name=f"do_phu_{f.end:%Y%m%d}.csv", mime="text/csv", icon=":material/download:",
                   key="cov_download")

# --- vùng trắng
st.markdown(f"##### {t('vung_trang')} ({fmt(len(white))})")
if f.model_types:
    st.caption(t("vung_trang_types_note", types=", ".join(vocab.MODEL_TYPES.label(m, L) for m in f.model_types)))
wcols = ["code", "name", "area_name", "population"]
wlabels = {"code": t("code"), "name": t("village"), "area_name": t("area"), "population": t("population")}
if f.level == "village" and vset is not None and vset.parent_set_id is not None:
    # at village level the "area" is the village itself: show its commune instead
    vt = areas.area_table(db, vset.id).set_index("code")["parent_code"]
    pt = areas.area_table(db, vset.parent_set_id).set_index("code")["name"]
    white = white.assign(area_name=pt.reindex(vt.reindex(white["code"])).to_numpy())
    wlabels["area_name"] = t("commune")
if white.empty:
    st.caption(t("none_found"))
else:
    grid.show(white[wcols], labels=wlabels, height=min(38 + 35 * len(white), 420), key="cov_white")
st.download_button(t("download_csv"), csv_bytes(white[wcols].rename(columns=wlabels)),
                   file_name=f"vung_trang_{f.end:%Y%m%d}.csv", mime="text/csv", icon=":material/download:",
                   key="cov_white_download", disabled=white.empty)

# --- model-type mix
st.markdown(f"##### {t('model_mix')}")
measure = st.segmented_control(t("measure"), ["groups", "villages"], default="groups", key="cov_measure",
                               format_func=lambda x: t("measure_groups" if x == "groups" else "villages_with_type"))
measure = measure or "groups"
split = st.segmented_control(t("split_by"), list(coverage.SPLITS), default="model_type", key="cov_split",
                             format_func=lambda x: t("model_types" if x == "model_type" else "core_force"))
split = split or "model_type"
voc = coverage.SPLITS[split]
# the selected model types only, whichever the split (one coverage definition per filter)
mix = coverage.model_mix(db, f.set_id, f.end, area=f.area, measure=measure, by=split,
                         model_types=f.model_types)
mix = mix[mix["code"].isin(codes)]
types = [c for c in (f.model_types or voc.codes)] if split == "model_type" else voc.codes
mix = mix[mix[types].sum(axis=1) > 0].sort_values(["total", "code"], ascending=[False, True])
if mix.empty:
    st.caption(t("none_found"))
else:
    if len(mix) > MAX_BARS:
        st.caption(t("top_bars", n=MAX_BARS, total=len(mix)))
        mix = mix.head(MAX_BARS)
    dup = mix["name"].duplicated(keep=False)
    mix = mix.assign(label=[f"{n} · {c}" if d else n for n, c, d in zip(mix["name"], mix["code"], dup)])
    labels = {c: voc.label(c, L) for c in types}
    long = mix.melt(id_vars=["label"], value_vars=types, var_name="type", value_name="n")
    long = long[long["n"] > 0].assign(type_label=lambda d: d["type"].map(labels),
                                      order=lambda d: d["type"].map({c: i for i, c in enumerate(types)}))
    y_title = t("measure_groups" if measure == "groups" else "villages_with_type")
    chart = alt.Chart(long).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=list(mix["label"]), axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        x=alt.X("sum(n):Q", title=y_title, axis=alt.Axis(format=",d")),
        color=alt.Color("type_label:N", title=t("model_types" if split == "model_type" else "core_force"),
                        scale=alt.Scale(domain=[labels[c] for c in types],
                                        range=[voc.term(c).color for c in types]),
                        legend=alt.Legend(orient="bottom", columns=3, labelLimit=280)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("label:N", title=t("area")),
                 alt.Tooltip("type_label:N", title=t("model_types" if split == "model_type" else "core_force")),
                 alt.Tooltip("n:Q", title=y_title, format=",d")],
    ).properties(height=alt.Step(22))
    if numfmt.vega_locale(L):            # the axis and tooltips in the language's numbers (1.234)
        chart = chart.configure(locale=numfmt.vega_locale(L))
    st.altair_chart(chart, width="stretch")
