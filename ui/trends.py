"""Trends: incidents per month or week, by category or compared between areas, and
groups, cameras and coverage over time -- across the 2025 reform, on any boundary set.

Every number comes from :mod:`geo.trends`; this page only picks and draws.
"""

import altair as alt
import pandas as pd
import streamlit as st

from geo import areas, numfmt, stats, trends, vocab
from geo.filters import display_name
from geo.periods import Period
from ui import filters
from ui.safe import md
from ui.session import acting_user, database, fmt, lang, show_demo_banner, t

REFORM_COLOR = "#6a3d9a"
PARTIAL_COLOR = "#9aa4ad"
VI_LOCALE = numfmt.VEGA_LOCALE_VI       # Vietnamese numbers and dates in the charts


def date_format(freq: str) -> str:
    return "%m/%Y" if freq == "month" else "%d/%m/%Y"


def time_chart(long: pd.DataFrame, attrs: dict, *, y_title: str, color_title: str | None = None,
               colors: dict | None = None, stacked: bool = False, height: int = 360,
               line_color: str = "#1f4e79", y_format: str = ",d", reform_label: bool = True) -> alt.LayerChart:
    """``long``: columns bucket, series, value.  The reform date as a rule (with its label
    unless ``reform_label`` is False: the rule's tooltip still names it), partial
    buckets as grey bands."""
    freq = attrs["freq"]
    x = alt.X("bucket:T", title=None, scale=alt.Scale(type="utc"),
              axis=alt.Axis(format=date_format(freq), labelAngle=0, grid=False))
    y = alt.Y("value:Q", title=y_title, stack="zero" if stacked else None, axis=alt.Axis(format=y_format))
    tips = [alt.Tooltip("bucket:T", title=t("period"), format=date_format(freq), formatType="utc"),
            alt.Tooltip("value:Q", title=y_title, format=y_format)]
    if color_title is not None:
        scale = (alt.Scale(domain=list(colors), range=list(colors.values())) if colors
                 else alt.Scale(scheme="tableau10"))
        color = alt.Color("series:N", title=color_title, scale=scale, sort=list(colors) if colors else None,
                          legend=alt.Legend(orient="bottom", columns=4, labelLimit=260))
        tips.insert(1, alt.Tooltip("series:N", title=color_title))
        enc = {"color": color, "order": alt.Order("order:Q")} if stacked else {"color": color}
    else:
        enc = {"color": alt.value(line_color)}
    base = alt.Chart(long)
    if stacked:
        series = base.mark_area(opacity=0.88, line={"strokeWidth": 0.6, "color": "#ffffff"}).encode(
            x=x, y=y, tooltip=tips, **enc)
    else:
        series = base.mark_line(strokeWidth=2.2, point=len(long["bucket"].unique()) <= 36).encode(
            x=x, y=y, tooltip=tips, **enc)
    layers = []
    if attrs["partial"]:
        bands = pd.DataFrame({
            "start": attrs["partial"],
            "end": [p + (pd.offsets.MonthBegin(1) if freq == "month" else pd.Timedelta(days=7))
                    for p in attrs["partial"]],
            "label": t("partial_bucket")})
        layers.append(alt.Chart(bands).mark_rect(color=PARTIAL_COLOR, opacity=0.22).encode(
            x=alt.X("start:T", scale=alt.Scale(type="utc")), x2="end:T",
            tooltip=[alt.Tooltip("label:N", title=t("partial_bucket"))]))
    layers.append(series)
    if attrs["reform"] is not None:
        rule = pd.DataFrame({"day": [pd.Timestamp(attrs["reform_date"])], "label": [t("reform_marker")]})
        rc = alt.Chart(rule)
        layers.append(rc.mark_rule(color=REFORM_COLOR, strokeDash=[6, 4], strokeWidth=2).encode(
            x=alt.X("day:T", scale=alt.Scale(type="utc")), tooltip=[alt.Tooltip("label:N", title="")]))
        if reform_label:
            # the label on the side of the rule with more room
            span = (attrs["end"] - attrs["start"]).days or 1
            right = (attrs["reform_date"] - attrs["start"]).days / span > 0.6
            layers.append(rc.mark_text(align="right" if right else "left", baseline="top", dx=-5 if right else 5,
                                       dy=4, color=REFORM_COLOR, fontWeight="bold", fontSize=12).encode(
                x=alt.X("day:T", scale=alt.Scale(type="utc")), y=alt.value(0), text="label:N"))
    chart = alt.layer(*layers).properties(height=height)
    if lang() != "en":
        chart = chart.configure(locale=VI_LOCALE)
    return chart


def long_form(df: pd.DataFrame, names: dict) -> pd.DataFrame:
    """Wide (bucket × series) → long rows bucket, series (label), order, value."""
    out = df.rename(columns=names).reset_index().melt(id_vars="bucket", var_name="series", value_name="value")
    out["order"] = out["series"].map({n: i for i, n in enumerate(names.values())})
    out.attrs = {}   # the series' attrs (dates) are not for the browser
    return out


def show_chart(chart) -> None:
    st.altair_chart(chart, width="stretch")


db = database()
user = acting_user(db)
f = filters.sidebar(db, layers=False)
L = lang()
head = st.container()   # the title goes above the controls, once the range is known

# --- range (the sidebar period, or since 2019), frequency, smoothing, areas
c1, c3, c5, c4 = st.columns([1.4, 1, 1.3, 1.3])
span = c1.segmented_control(t("trend_range"), ["period", "since_2019"], default="period", key="tr_span",
                            format_func=lambda x: t("trend_range_period") if x == "period"
                            else t("trend_range_since", year=trends.SINCE.year)) or "period"
start, end = (f.start, f.end) if span == "period" else (min(trends.SINCE, f.start), f.end)
freq = c3.segmented_control(t("frequency"), trends.FREQS, default="month", key="tr_freq",
                            format_func=lambda q: t(f"freq_{q}")) or "month"
window = c5.selectbox(t("moving_average"), [1, *trends.MOVING_WINDOWS[freq]], key=f"tr_ma_{freq}",
                      format_func=lambda w: t("moving_average_none") if w == 1 else t(f"moving_average_{freq}", n=w))
areas_key = f"tr_areas_{f.set_id}_{f.area or ''}"
comparing = len(st.session_state.get(areas_key) or []) >= 2      # areas compared: always lines
style = c4.segmented_control(t("chart_style"), ["stacked", "lines"], default="stacked", key="tr_style",
                             disabled=comparing,
                             format_func=lambda s: t(f"chart_{s}")) or "stacked"

tab = areas.area_table(db, f.set_id)
names = {c: display_name(n, u) for c, n, u in zip(tab["code"], tab["name"], tab["unit_type"])}


def name_of(code: str) -> str:
    """The display name of an area of the set or of a set above it (a commune at village level)."""
    s = areas.get_set(db, f.set_id)
    while code not in names and s.parent_set_id is not None:
        s = areas.get_set(db, s.parent_set_id)
        up = areas.area_table(db, s.id)
        names.update({c: display_name(n, u) for c, n, u in zip(up["code"], up["name"], up["unit_type"])
                      if c == code})
    return names.get(code, code)


from geo import scope as scope_mod
acting = scope_mod.resolve(db, user)              # resolved once for this request
allowed = acting.codes(db, f.set_id)              # None: every area; an officer: their own area's
inside = stats.codes_within(db, f.set_id, f.area) if f.area else set(names)
if allowed is not None:
    inside &= set(allowed)
options = sorted((c for c in names if c in inside), key=names.get)
if f.area and f.area not in names and allowed is None:   # a commune, at village level: itself first
    options = [f.area, *options]
chosen = st.multiselect(t("compare_areas"), options, default=[f.area] if f.area in options else [],
                        key=areas_key, format_func=name_of,
                        placeholder=t("whole_province") if not f.area and allowed is None else t("all"))
if chosen:
    scope = chosen
elif allowed is not None:
    scope = sorted(inside)                         # an officer: the areas of their own area
else:
    scope = [f.area] if f.area else None
if chosen or f.area:
    scope_label = ", ".join(name_of(c) for c in (chosen or [f.area]))
else:
    scope_label = t("whole_province") if allowed is None else name_of(user.area_code)

period = Period(start, end)
with head:
    st.markdown(f"#### {t('trends_title', period=str(period))}")
    st.caption(f"{t('area')}: {md(scope_label)} · {t('boundary_set')}: {md(areas.get_set(db, f.set_id).name)}")
    show_demo_banner(db)

# --- incidents
categories = list(f.categories) or None
y_title = t("incidents") if window == 1 else t("incidents_moving", n=window, unit=t(f"freq_unit_{freq}"))
y_format = ",d" if window == 1 else ",.1f"
if len(chosen) >= 2:
    st.markdown(f"##### {t('trend_by_area')}")
    ser = trends.incident_series(db, f.set_id, start, end, freq=freq, categories=categories, areas=chosen,
                                 by="area", user=acting)
    long = long_form(trends.moving_average(ser, window), {c: name_of(c) for c in ser.columns})
    show_chart(time_chart(long, ser.attrs, y_title=y_title, color_title=t("area"), y_format=y_format))
else:
    st.markdown(f"##### {t('trend_by_category')}")
    ser = trends.incident_series(db, f.set_id, start, end, freq=freq, categories=categories, areas=scope,
                                 by="category", user=acting)
    labels = {c: vocab.CATEGORIES.label(c, L) for c in ser.columns}
    colors = {labels[c]: vocab.CATEGORIES.term(c).color for c in ser.columns}
    long = long_form(trends.moving_average(ser, window), labels)
    show_chart(time_chart(long, ser.attrs, y_title=y_title, color_title=t("category"), colors=colors,
                          stacked=style == "stacked", y_format=y_format))

notes = []
if ser.attrs["reform"] is not None:
    notes.append(f":violet[┆ **{t('reform_marker')}**]")
if ser.attrs["partial"]:
    fmt_day = date_format(freq)
    notes.append(t("partial_note", buckets=", ".join(p.strftime(fmt_day) for p in ser.attrs["partial"])))
st.caption(" · ".join([t("total_incidents") + ": " + fmt(int(ser.to_numpy().sum())), *notes]))

# --- programmes: groups, cameras, coverage at the end of each bucket
st.markdown(f"##### {t('trend_programmes')}")
prog = trends.programme_series(db, f.set_id, start, end, freq=freq, model_types=list(f.model_types) or None,
                               areas=scope, user=user)
g1, g2, g3 = st.columns(3)
for col, field, color in ((g1, "groups_active", "#1f77b4"), (g2, "cameras_active", "#17becf"),
                          (g3, "coverage_pct", "#2ca02c")):
    long = long_form(prog[[field]], {field: t(field)})
    with col:
        show_chart(time_chart(long, prog.attrs, y_title=t(field), height=240, line_color=color,
                              y_format=",.1f" if field == "coverage_pct" else ",d", reform_label=False))
st.caption(t("programme_note"))
