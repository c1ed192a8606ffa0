"""CompStat: each area against the previous period and the same period last year.

Every number comes from :mod:`geo.compstat` (itself read from ``area_stats``):
this page only sorts, colours and formats.
"""

import pandas as pd
import streamlit as st

from geo import areas, cellsafe, compstat, maps, metrics, stats
from ui import filters, grid, mapview, unplaced
from ui.session import acting_user, database, fmt, show_demo_banner, t

# rising = red tones, falling = green; a real change (|z| ≥ 2) in the strong tone
UP, UP_REAL = "background-color: #fde2df; color: #8f1d14", "background-color: #f1948a; color: #5c0a05"
DOWN, DOWN_REAL = "background-color: #e3f2e1; color: #1b5e20", "background-color: #93cf8f; color: #0b3d12"
TOTAL = "background-color: #e8ecf1; color: #1d2733"

DECIMALS = {"change_pct": 1, "change_ly_pct": 1, "z": 2, "z_ly": 2}
# (column, label key): the table's columns, in order; the marks are text columns
SHOWN = [("name", "name"), ("incidents", "incidents"), ("incidents_prev", "incidents_prev"),
         ("change", "change"), ("change_pct", "change_pct"), ("z", "z"), ("mark", "real_change"),
         ("incidents_last_year", "incidents_last_year"), ("change_ly", "change_ly"),
         ("change_ly_pct", "change_ly_pct"), ("z_ly", "z_ly"), ("mark_ly", "real_change_ly")]
SPARK_MONTHS = compstat.SPARK_MONTHS
Z_COLOR = {"up": "red", "down": "green", "off": "gray"}   # more incidents is worse
DIVERGING = ["#1a9850", "#91cf60", "#f7f7b5", "#fc8d59", "#d73027"]   # as the map page: falling is green
SORTS = ["z", "change", "change_pct", "incidents", "z_ly", "change_ly", "change_ly_pct",
         "incidents_prev", "incidents_last_year", "name"]


def marks(df: pd.DataFrame, sfx: str = "") -> list[str]:
    """▲ Up / ▼ Down where the change is real (|z| ≥ 2), else empty."""
    words = {"up": f"▲ {t('direction_up')}", "down": f"▼ {t('direction_down')}"}
    return [words.get(d, "") if r else "" for d, r in zip(df[f"direction{sfx}"], df[f"real{sfx}"])]


def with_marks(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(mark=marks(df), mark_ly=marks(df, "_ly"))


def cell_styles(df: pd.DataFrame, cols: list[str], total_row: bool = False) -> pd.DataFrame:
    """CSS per cell: the change columns coloured by direction, strong when real."""
    css = pd.DataFrame("", index=df.index, columns=cols)
    for sfx, group in (("", ("change", "change_pct", "z", "mark")),
                       ("_ly", ("change_ly", "change_ly_pct", "z_ly", "mark_ly"))):
        for i, (d, r) in enumerate(zip(df[f"direction{sfx}"], df[f"real{sfx}"])):
            style = {"up": UP_REAL if r else UP, "down": DOWN_REAL if r else DOWN}.get(d, "")
            for c in group:
                if c in cols:
                    css.iloc[i, cols.index(c)] = style
    if "name" in cols:   # a commune's "village not known" row: hatched
        un = unplaced.is_unplaced(df).to_numpy()
        css.loc[un, "name"] = unplaced.CSS
    if total_row:
        css.iloc[-1] = [s or TOTAL for s in css.iloc[-1]]
    return css


def styled(df: pd.DataFrame, cols: list[str], total_row: bool = False):
    """The cells' colours; their text is ui.grid's (numbers in the language, "—" when empty)."""
    return df[cols].style.apply(lambda _: cell_styles(df, cols, total_row), axis=None)


def column_config(cols: list[str]) -> dict:
    """Short headers (the table is wide); the full label and the z definition as help."""
    full = dict(SHOWN) | {"code": "code"}
    out = {}
    for c in cols:
        if c == "spark":
            out[c] = st.column_config.LineChartColumn(t("cs_spark"), help=t("cs_spark_help", months=SPARK_MONTHS),
                                                      width="small", y_min=0)
            continue
        helps = [t(full[c])] + ([t("z_help")] if c in ("z", "z_ly", "mark", "mark_ly") else [])
        out[c] = st.column_config.Column(t("name") if c == "name" else t(f"cs_{c}"), help="\n\n".join(helps),
                                         width=None if c == "name" else "small")
    return out


def z_arrow(z) -> str:
    """The arrow of a z card: the sign of z (z = −4,5 points down), none at 0 or unknown."""
    if z is None or pd.isna(z) or z == 0:
        return "off"
    return "up" if z > 0 else "down"


def change_map(db, set_id: int, table: pd.DataFrame, user) -> None:
    """z per area, diverging (falling green, rising red), beside the lists: the browser map
    (ui/mapview.py), whose shapes stay in the browser, so a filter change sends only classes."""
    values = metrics.metric_values(table, "z")
    classes = maps.classify(values, scheme="quantiles", k=5, colors=DIVERGING)
    mapview.choropleth(db, set_id, key="cs_map", df=table, values=values, classes=classes, metric_label=t("z"),
                       user=user, fields=("incidents", "incidents_prev", "change", "change_pct"),
                       scheme_label=t("scheme_quantiles"), height=560)


db = database()
user = acting_user(db)
f = filters.sidebar(db, layers=False)
level_word = t(f"level_{f.level}").lower()

st.markdown(f"#### {t('compstat_title', level=level_word, period=str(f.period))}")
show_demo_banner(db)

# compstat.compstat's table, from area_stats as this user may see it (an officer: their own area)
table = compstat.from_stats(stats.area_stats(db, f.set_id, f.period, categories=f.categories,
                                             model_types=f.model_types, area=f.area, user=user))
tot = compstat.totals(table)
bset = areas.get_set(db, f.set_id)
if bset.level == "village" and bset.parent_set_id is not None:
    # village names repeat from one commune to the next: "Thôn 1 (Xã A)"
    vt = areas.area_table(db, f.set_id).set_index("code")["parent_code"]
    pt = areas.area_table(db, bset.parent_set_id).set_index("code")["name"]
    commune = pt.reindex(vt.reindex(table["code"])).to_numpy()
    table = table.assign(name=[n if pd.isna(c) else f"{n} ({c})" for n, c in zip(table["name"], commune)])
table = unplaced.mark_names(table)

c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("total_incidents"), fmt(tot["incidents"]),
          delta=f"{fmt(tot['change'])} {t('vs_prev')}", delta_color="inverse")
c2.metric(t("incidents_prev"), fmt(tot["incidents_prev"]),
          delta=f"{fmt(tot['change_pct'], 1)} %" if tot["incidents_prev"] else None, delta_color="inverse")
c3.metric(t("incidents_last_year"), fmt(tot["incidents_last_year"]),
          delta=f"{fmt(tot['change_ly_pct'], 1)} %" if tot["incidents_last_year"] else None,
          delta_color="inverse")
c4.metric(t("z"), fmt(tot["z"], 2), delta=t("real_change") if tot["real"] else None,
          delta_color=Z_COLOR[z_arrow(tot["z"])], delta_arrow=z_arrow(tot["z"]), help=t("z_help"))
c5.metric(t("z_ly"), fmt(tot["z_ly"], 2), delta=t("real_change") if tot["real_ly"] else None,
          delta_color=Z_COLOR[z_arrow(tot["z_ly"])], delta_arrow=z_arrow(tot["z_ly"]), help=t("z_help"))

# --- top N worse / better, side by side
o1, o2, o3 = st.columns([1, 1.6, 1.6])
n = o1.number_input(t("top_n"), min_value=1, max_value=50, value=5, step=1, key="cs_top_n")
against = o2.segmented_control(t("compare_with"), ["prev", "last_year"], default="prev", key="cs_against",
                               format_func=lambda a: t("incidents_prev" if a == "prev" else "incidents_last_year"))
against = against or "prev"
real_only = o3.checkbox(t("real_only"), key="cs_real_only")
sfx = "" if against == "prev" else "_ly"
top_cols = ["name", "incidents", "incidents_prev" if against == "prev" else "incidents_last_year",
            f"change{sfx}", f"z{sfx}", f"mark{sfx}"]
spark = compstat.sparklines(db, f.set_id, table["code"], f.end, f.categories, user=user)   # the officer's records only
table = table.assign(spark=table["code"].map(spark))
top_cols.insert(1, "spark")
map_col, lists_col = st.columns([1.15, 1])
with map_col:
    st.markdown(f"##### :material/map: {t('cs_map_title')}")
    change_map(db, f.set_id, table, user)
for which, icon in (("worse", ":material/trending_up:"), ("better", ":material/trending_down:")):
    top = with_marks(compstat.top_changes(table, int(n), which, against=against, real_only=real_only))
    with lists_col:
        st.markdown(f"##### {icon} {t('top_' + which)}")
        if top.empty:
            st.caption(t("none_found"))
        else:
            grid.show(styled(top, top_cols), column_config=column_config(top_cols), key=f"cs_top_{which}",
                      decimals=DECIMALS)

# --- the full table, sorted, with the totals row last
st.markdown(f"##### {t('table')}")
s1, s2, _ = st.columns([2, 1, 3])
sort = s1.selectbox(t("sort_by"), SORTS, key="cs_sort",
                    format_func=lambda c: t(dict(SHOWN).get(c, c)))
descending = s2.toggle(t("descending"), value=sort != "name", key=f"cs_desc_{sort == 'name'}")
rows = with_marks(compstat.sort_table(table, sort, descending))
total_spark = [int(sum(v)) for v in zip(*[s for s in spark.values() if s])] if spark else []
full = pd.concat([rows, with_marks(pd.DataFrame([tot | {"name": t("total"), "code": "", "spark": total_spark}]))],
                 ignore_index=True)
cols = [c for c, _ in SHOWN]
cols.insert(1, "spark")
grid.show(styled(full, cols, total_row=True), column_config=column_config(cols), decimals=DECIMALS,
          height=min(38 + 35 * len(full), 640), key="cs_table")
st.caption(t("compstat_legend"))
if unplaced.is_unplaced(table).any():
    st.caption(t("unplaced_note"))

csv_cols = ["code", *[c for c in cols if c != "spark"]]
export = full[csv_cols].rename(columns={c: t(dict(SHOWN).get(c, c)) for c in csv_cols})
st.download_button(t("download_csv"), cellsafe.csv_bytes(export, lineterminator="\n"),
                   file_name=f"compstat_{f.start:%Y%m%d}_{f.end:%Y%m%d}.csv", mime="text/csv",
                   icon=":material/download:", key="cs_download")
