"""Map (home): a chosen figure per commune or village, optional point layers,
and the profile of the area clicked."""
import streamlit as st

from geo import layers, metrics, stats, timeline, trends, vocab
from ui import filters, grid, mapview, unplaced
from ui.safe import md
from ui.session import acting_user, database, fmt, lang, show_demo_banner, t

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
if f.level == "village":   # communes with no village map are said so, not drawn as empty villages
    from geo import scope as scope_mod
    from geo import submissions
    vst = submissions.village_status(db)
    own = scope_mod.resolve(db, user)
    vst = vst[(vst["status"] == "none") & (vst["code"].isin(own.communes) if own.limited else True)]
    if len(vst):
        st.caption(t("vil_no_map_list", n=fmt(len(vst)), names=", ".join(vst["name"].head(20)) +
                     ("…" if len(vst) > 20 else "")))
total, prev, last = (int(df[c].sum()) for c in ("incidents", "incidents_prev", "incidents_last_year"))
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("total_incidents"), fmt(total), delta=f"{fmt(total - prev)} {t('vs_prev')}", delta_color="inverse")
c2.metric(t("incidents_last_year"), fmt(last), delta=f"{fmt(total - last)} {t('vs_last_year')}",
          delta_color="inverse")
c3.metric(t("groups_active"), fmt(int(df["groups_active"].sum())))
villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
c4.metric(t("coverage_pct"), fmt(100 * covered / villages, 1) if villages else "–")
c5.metric(t("cameras_active"), fmt(int(df["cameras_active"].sum())))

with st.sidebar:
    freq = st.segmented_control(t("timeline"), ["off", "month", "week"], default="off", key="map_timeline",
                                format_func=lambda x: t(f"timeline_{x}"), help=t("timeline_help"))
# the map keeps its shapes in the browser: a filter change sends only classes and texts
# a commune with no village map has no coverage figure: its legend entry says why
no_map = f.metric == "coverage_pct" and f.level == "commune" and bool((df["villages"] == 0).any())
clicked, values, classes = mapview.filters_map(db, f, key="main_map", df=df, user=user,
                                               timeline_freq=freq if freq in timeline.FREQS else None,
                                               no_data_label=t("vil_status_none") if no_map else None)


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
                                    categories=f.categories or None, areas=[code], by="category", user=user)
    colors = [vocab.CATEGORIES.term(c).color for c in series.columns]   # the category colours of every chart
    series.columns = [vocab.CATEGORIES.label(c, L) for c in series.columns]
    left.caption(t("trend"))
    left.area_chart(series, height=260, color=colors or None)
    grp = layers.group_points(db, f.set_id, f.period.end, f.model_types, {code}, user=user)
    right.caption(f"{t('programmes')}: {len(grp)}")
    mix = grp["model_type"].map(lambda c: vocab.MODEL_TYPES.label(c, L)).value_counts()
    grid.show(mix.rename_axis(t("model_types")).reset_index(name="#"), where=right)


if clicked and clicked in set(df["code"]):
    profile(clicked)
else:
    st.caption(t("click_area_hint"))

# the table is built only while its expander is open (opening it reruns the page): at province
# scale its styled rows cost more than the rest of a filter change
table_box = st.expander(t("table"), key="map_table_open", on_change="rerun")
if table_box.open:
    with table_box:
        shown = unplaced.mark_names(df)
        cols = [c for c in df.columns if c != "placed"]
        grid.show(shown[cols].style.apply(lambda _: unplaced.row_css(shown, cols), axis=None), labels=t,
                  decimals={c: 1 for c in cols if c.endswith("_pct") or c in ("rate", "z")})
        if not df["placed"].all():
            st.caption(t("unplaced_note"))
st.caption(t("share_link"))
