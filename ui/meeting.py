"""Meeting (Họp giao ban): saved views, presentation mode, periods side by side, exports.

Everything a view shows is in the URL: the filters (ui/filters.py, with the
metric and classification), ``sec`` (the section shown), ``cmp``/``year`` (the
comparison), and, in presentation mode, ``present`` (saved view ids, in order)
and ``slide`` (1-based).  Every figure comes from ``geo``; exports are made on
this machine (``geo.export``).
"""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from geo import auth, compstat, export, maps, periods, store, views
from geo import filters as gfilters
from geo.export import brief, png, tables
from ui import filters, grid, mapview
from ui.safe import md
from ui.session import acting_user, current_user, database, fmt, lang, show_demo_banner, t

SECTIONS = ("map", "views", "compare")
PAGE_KEYS = ("mt_section", "mt_cmp", "mt_year")
COMPARE = ("last_year", "prev", "quarters", "years")
MAP_FIELDS = ["incidents", "incidents_prev", "incidents_last_year", "change_pct", "groups_active", "coverage_pct"]
HIDE_CHROME = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.2rem !important; padding-bottom: 0.5rem !important;
  max-width: 100% !important; }
.st-key-mt_next_pg, .st-key-mt_prev_pg { display: none !important; }
</style>
"""
PAGE_CSS = """
<style>
.mt-sub { font-size: 1.45rem; color: #333; margin: -0.4rem 0 0.4rem 0; }
.mt-legend { font-size: 1.25rem; line-height: 1.5; }
.mt-legend .mt-h { font-weight: 700; font-size: 1.35rem; margin-bottom: .3rem; }
.mt-legend .mt-s { color: #666; font-size: 1rem; margin-bottom: .5rem; }
.mt-legend .mt-r { display: flex; align-items: center; margin: .25rem 0; }
.mt-legend i { display: inline-block; width: 2.1rem; height: 1.35rem; border: 1px solid #888; margin-right: .6rem; }
.mt-legend .mt-n { color: #666; margin-left: .35rem; }
</style>
"""




def actor():
    """The logged-in user (a :class:`geo.auth.User`); every figure and layer is read as them."""
    return current_user()


def db_file(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def ids_from_url() -> list[int]:
    out = []
    for part in str(st.query_params.get("present") or "").split(","):
        try:
            out.append(int(part))
        except ValueError:
            continue
    return out


def slide_from_url(n: int) -> int:
    """0-based index of the slide in the URL (``slide`` is 1-based), kept within [0, n)."""
    try:
        i = int(st.query_params.get("slide") or 1) - 1
    except ValueError:
        i = 0
    return min(max(i, 0), max(n - 1, 0))


def with_lang(q: dict) -> dict:
    q = {k: v for k, v in q.items() if k != "lang"}
    if lang() != "vi":
        q["lang"] = lang()
    return q


# --------------------------------------------------------------------------- maps

def draw_map(db, f: gfilters.Filters, *, key: str, classes: dict | None = None, df=None, **opts):
    """The choropleth of ``f`` (its metric and classification, its layers) in the browser map
    (ui/mapview.py: shapes kept, only values sent on a change); returns (df, values, classes).
    ``opts``: the map's size and legend (see :func:`ui.mapview.render`)."""
    user = actor()
    view = export.View.from_filters(f, user=user)
    df = view.stats(db) if df is None else df
    _, values, classes = mapview.filters_map(db, f, key=key, df=df, user=user, classes=classes,
                                             values=export.metric_values(db, view, df), fields=MAP_FIELDS, **opts)
    return df, values, classes


def legend_block(classes: dict, values: dict, codes, title: str) -> None:
    """A large legend beside the map (for the projector): colour, range, number of areas."""
    counts, nodata = export.class_counts(classes, values, codes)
    e = html.escape
    scheme = t(f"scheme_{classes.get('scheme')}")
    rows = [f'<div class="mt-h">{e(title)}</div>', f'<div class="mt-s">{e(scheme)}</div>']
    for color, label, n in zip(classes.get("colors", []), classes.get("labels", []), counts):
        rows.append(f'<div class="mt-r"><i style="background:{e(color)}"></i>{e(label)}'
                    f'<span class="mt-n">({fmt(n)} {e(t("legend_areas"))})</span></div>')
    rows.append(f'<div class="mt-r"><i style="background:{e(classes.get("nodata_color", maps.NODATA_COLOR))}"></i>'
                f'{e(t("no_data"))}<span class="mt-n">({fmt(nodata)} {e(t("legend_areas"))})</span></div>')
    st.markdown(f'<div class="mt-legend">{"".join(rows)}</div>', unsafe_allow_html=True)


def key_figures(df, *, stacked: bool = False) -> None:
    total, prev, last = (int(df[c].sum()) for c in ("incidents", "incidents_prev", "incidents_last_year"))
    c1, c2, c3, c4 = [st.container() for _ in range(4)] if stacked else st.columns(4)
    c1.metric(t("total_incidents"), fmt(total), delta=f"{fmt(total - prev)} {t('vs_prev')}", delta_color="inverse")
    c2.metric(t("incidents_last_year"), fmt(last), delta=f"{fmt(total - last)} {t('vs_last_year')}",
              delta_color="inverse")
    villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
    c3.metric(t("coverage_pct"), fmt(100 * covered / villages, 1) if villages else "–")
    c4.metric(t("cameras_active"), fmt(int(df["cameras_active"].sum())))


# --------------------------------------------------------------------------- presentation mode

def _go(delta: int, n: int) -> None:
    i = slide_from_url(n) + delta
    st.query_params["slide"] = str(min(max(i, 0), n - 1) + 1)


def _leave_presentation(fallback: dict) -> None:
    back = st.session_state.pop("_mt_back_query", None)
    st.query_params.from_dict(with_lang(back or {**fallback, "sec": "views"}))
    st.session_state._filters_from_url = False       # the sidebar starts again from the URL
    for k in PAGE_KEYS:                               # and so does this page
        st.session_state.pop(k, None)


def presentation(db) -> None:
    st.markdown(HIDE_CHROME + PAGE_CSS, unsafe_allow_html=True)
    vs = views.get_views(db, ids_from_url())
    if not vs:
        st.warning(t("mt_present_gone"))
        st.button(t("mt_exit"), key="mt_exit", icon=":material/close:", on_click=_leave_presentation,
                  args=({"sec": "views"},))
        return
    n = len(vs)
    i = slide_from_url(n)
    view = vs[i]
    f = gfilters.with_(view.filters(db), lang=lang())
    nav = st.columns([1.2, 1.2, 5, 1.8], vertical_alignment="center")
    nav[0].button(t("mt_prev"), key="mt_prev", icon=":material/arrow_back:", disabled=i == 0, on_click=_go,
                  args=(-1, n), shortcut="Left", width="stretch")
    nav[1].button(t("mt_next"), key="mt_next", icon=":material/arrow_forward:", disabled=i >= n - 1,
                  on_click=_go, args=(1, n), shortcut="Right", width="stretch")
    # presentation clickers send Page Up / Page Down: two hidden buttons listen for them
    st.button("⏮", key="mt_prev_pg", on_click=_go, args=(-1, n), shortcut="PageUp")
    st.button("⏭", key="mt_next_pg", on_click=_go, args=(1, n), shortcut="PageDown")
    nav[2].markdown(f"**{md(t('mt_slide', i=i + 1, n=n))}** · {md(view.name)}  \n"
                    f"<span style='color:#777'>{md(t('mt_keys_hint'))}</span>", unsafe_allow_html=True)
    nav[3].button(t("mt_exit"), key="mt_exit", icon=":material/close:", on_click=_leave_presentation,
                  args=(view.query,), shortcut="Esc", width="stretch")

    ev = export.View.from_filters(f, user=actor())
    st.title(md(view.name), anchor=False)
    sub = f"{export.area_title(db, ev)} · {f.period} · {export.metric_label(f.metric, lang())}"
    st.markdown(f'<div class="mt-sub">{html.escape(sub)}</div>', unsafe_allow_html=True)
    show_demo_banner(db)
    df = ev.stats(db)
    key_figures(df)
    # the map fills the rest of the screen; its large legend folds away and never covers an area
    draw_map(db, f, key=f"mt_present_map_{view.id}", df=df, big=True, reserve=8)


# --------------------------------------------------------------------------- sections

def _open_view(query: dict) -> None:
    st.query_params.from_dict(with_lang({**query, "sec": "map"}))
    st.session_state._filters_from_url = False       # the sidebar starts again from the URL
    st.session_state.mt_section = "map"


def _start_presentation() -> None:
    ids = st.session_state.get("mt_present_ids") or []
    if not ids:
        st.session_state._mt_flash = ("warning", t("mt_present_need"))
        return
    st.session_state._mt_back_query = st.query_params.to_dict()
    st.query_params.from_dict(with_lang({"present": ",".join(str(i) for i in ids), "slide": "1"}))


def _describe(db, v: views.SavedView) -> str:
    try:
        f = v.filters(db)
        ev = export.View.from_filters(f, user=actor())
        return f"{export.area_title(db, ev)} · {t(f'preset_{f.preset}')} ({f.period}) · " \
               f"{export.metric_label(f.metric, lang())}"
    except Exception:  # a view of a boundary set or area that no longer exists
        return "–"


def section_views(db, f: gfilters.Filters) -> None:
    user = actor()
    with st.form("mt_save_form", clear_on_submit=True, border=True):
        name = st.text_input(t("mt_save_name"), key="mt_save_name", placeholder=t("mt_save_placeholder"),
                             max_chars=views.MAX_NAME)
        replace = st.checkbox(t("mt_replace"), key="mt_save_replace")
        if st.form_submit_button(t("mt_save"), icon=":material/bookmark_add:", type="primary"):
            try:
                v = views.save_view(db, name, views.view_query(f.to_query()), user=user, replace=replace)
                st.success(t("mt_saved", name=md(v.name)))
            except (views.ViewError, auth.PermissionDenied) as e:
                st.error(t("mt_error", msg=md(e)))

    all_views = views.list_views(db)
    st.subheader(t("mt_section_views"))
    if not all_views:
        st.info(t("mt_views_empty"))
        return
    by_id = {v.id: v for v in all_views}
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.multiselect(t("mt_present_pick"), list(by_id), key="mt_present_ids", placeholder=t("mt_choose_view"),
                   format_func=lambda i: by_id[i].name if i in by_id else str(i))
    c2.button(t("mt_present_start"), key="mt_present_start", icon=":material/slideshow:", type="primary",
              on_click=_start_presentation, width="stretch")
    flash = st.session_state.pop("_mt_flash", None)
    if flash:
        getattr(st, flash[0])(flash[1])

    for v in all_views:
        with st.container(border=True, key=f"mt_view_{v.id}"):
            a, b, c, d = st.columns([5, 1.2, 1.5, 1.2], vertical_alignment="center")
            a.markdown(f"**{md(v.name)}**  \n"
                       f"<span style='color:#666'>{md(_describe(db, v))} · {md(t('mt_owner'))}: "
                       f"{md(v.owner)} · {md(t('mt_updated'))}: {md(v.updated_at[:16].replace('T', ' '))}"
                       f"</span>", unsafe_allow_html=True)
            b.button(t("mt_open"), key=f"mt_open_{v.id}", icon=":material/open_in_new:", on_click=_open_view,
                     args=(v.query,), width="stretch")
            with c.popover(t("mt_rename"), icon=":material/edit:", width="stretch"):
                new = st.text_input(t("mt_new_name"), value=v.name, key=f"mt_rn_name_{v.id}",
                                    max_chars=views.MAX_NAME)
                if st.button(t("mt_rename"), key=f"mt_rn_{v.id}", type="primary"):
                    try:
                        r = views.rename_view(db, v.id, new, user=user)
                        st.session_state._mt_flash = ("success", t("mt_renamed", name=r.name))
                        st.rerun()
                    except (views.ViewError, auth.PermissionDenied) as e:
                        st.error(t("mt_error", msg=md(e)))
            with d.popover(t("mt_delete"), icon=":material/delete:", width="stretch"):
                st.write(t("mt_delete_confirm", name=md(v.name)))
                if st.button(t("mt_delete"), key=f"mt_del_{v.id}", type="primary"):
                    try:
                        views.delete_view(db, v.id, user=user)
                        st.session_state._mt_flash = ("success", t("mt_deleted", name=v.name))
                        st.rerun()
                    except (views.ViewError, auth.PermissionDenied) as e:
                        st.error(t("mt_error", msg=md(e)))


def compare_periods(f: gfilters.Filters, mode: str, year: int, today: dt.date) -> list[tuple[str, periods.Period]]:
    """(label, period) of each map to compare, oldest first."""
    p = f.period
    if mode == "prev":
        return [(f"{t('incidents_prev')}: {p.previous()}", p.previous()), (f"{t('period')}: {p}", p)]
    if mode == "last_year":
        return [(f"{t('incidents_last_year')}: {p.last_year()}", p.last_year()), (f"{t('period')}: {p}", p)]
    if mode == "years":
        out = []
        for k in (3, 2, 1, 0):
            q = periods.Period(periods.shift_year(p.start, -k), periods.shift_year(p.end, -k))
            out.append((str(q), q))
        return out
    out = []
    for q in range(4):
        start = dt.date(year, 3 * q + 1, 1)
        end = (dt.date(year + (q == 3), (3 * q + 3) % 12 + 1, 1) - dt.timedelta(days=1))
        if start > today:
            continue
        period = periods.Period(start, min(end, today))
        out.append((f"{t('mt_quarter', q=q + 1, y=year)}: {period}", period))
    return out


def section_compare(db, f: gfilters.Filters) -> None:
    today = dt.date.today()
    c1, c2 = st.columns([3, 1])
    mode = c1.segmented_control(t("mt_compare_mode"), COMPARE, key="mt_cmp", format_func=lambda m: t(f"mt_cmp_{m}"),
                                required=True)
    years = list(range(today.year, 2018, -1))
    if st.session_state.get("mt_year") not in years:
        st.session_state.mt_year = f.period.end.year if f.period.end.year in years else today.year
    year = c2.selectbox(t("mt_year"), years, key="mt_year", disabled=mode != "quarters")
    st.query_params["cmp"] = mode
    if mode == "quarters":
        st.query_params["year"] = str(year)
    chosen = compare_periods(f, mode, int(year), today)
    frames = []
    for label, period in chosen:
        fi = gfilters.with_(f, preset="custom", start=period.start, end=period.end)
        ev = export.View.from_filters(fi, user=actor())
        df = ev.stats(db)
        frames.append((label, fi, df, export.metric_values(db, ev, df)))
    union = [v for *_, vals in frames for v in vals.values()]
    classes = export.classes_for(union, f.metric, scheme=f.scheme, lang=f.lang)
    st.caption(t("mt_shared_classes"))
    rows = (len(frames) + 1) // 2
    for i, (label, fi, df, vals) in enumerate(frames):
        if i % 2 == 0:
            cols = st.columns(2)          # one row per pair: the maps line up
        with cols[i % 2]:
            st.markdown(f"**{md(label)}** — {md(t('total_incidents').lower())}: {fmt(int(df['incidents'].sum()))}")
            # the maps share the screen below the first row's top; the shared legend is below them
            draw_map(db, fi, key=f"mt_cmp_map_{i}", classes=classes, df=df, rows=rows, gap=56, group="mt_cmp",
                     legend_collapsed=True, min_height=180)
    legend_block(classes, {f"{i}:{k}": v for i, (*_, vals) in enumerate(frames) for k, v in vals.items()},
                 [f"{i}:{k}" for i, (*_, vals) in enumerate(frames) for k in vals],
                 export.metric_label(f.metric, lang()))


def section_map(db, f: gfilters.Filters) -> None:
    L = lang()
    ev = export.View.from_filters(f, user=actor())
    df = ev.stats(db)
    key_figures(df)
    df, values, classes = draw_map(db, f, key="mt_map", df=df)

    st.subheader(t("mt_exports"))
    path = db_file(db)
    name = f"{export.safe_filename(export.area_title(db, ev))}_{f.period.start:%Y%m%d}-{f.period.end:%Y%m%d}"

    def with_db(make):
        def run():
            conn = store.open_db(path, create=False)
            try:
                return make(conn)
            finally:
                conn.close()
        return run

    comp = compstat.from_stats(df)
    c = st.columns(4)
    c[0].download_button(t("mt_pdf"), data=with_db(lambda conn: brief.brief_pdf(conn, ev)), file_name=f"{name}.pdf",
                         mime=tables.PDF_MIME, icon=":material/picture_as_pdf:", key="mt_dl_pdf", on_click="ignore",
                         type="primary", width="stretch")
    c[1].download_button(t("mt_png"), data=with_db(lambda conn: png.map_png(conn, ev)), file_name=f"{name}.png",
                         mime=tables.PNG_MIME, icon=":material/image:", key="mt_dl_png", on_click="ignore",
                         width="stretch")
    c[2].download_button(t("mt_xlsx"), data=lambda: tables.xlsx_bytes(
        {t("mt_sheet_figures"): df, t("mt_sheet_compstat"): comp}, L, title=name),
        file_name=f"{name}.xlsx", mime=tables.XLSX_MIME, icon=":material/table_view:", key="mt_dl_xlsx",
        on_click="ignore", width="stretch")
    c[3].download_button(t("mt_geojson"), data=with_db(lambda conn: tables.geojson_bytes(
        conn, ev.set_id, df, extra={"from": f.period.start.isoformat(), "to": f.period.end.isoformat(),
                                    "boundary_set": ev.set_id})),
        file_name=f"{name}.geojson", mime=tables.GEOJSON_MIME, icon=":material/public:", key="mt_dl_geojson",
        on_click="ignore", width="stretch")
    c = st.columns(4)
    c[0].download_button(t("mt_csv"), data=lambda: tables.csv_bytes(df, L), file_name=f"{name}.csv",
                         mime=tables.CSV_MIME, icon=":material/csv:", key="mt_dl_csv", on_click="ignore",
                         width="stretch")
    c[1].download_button(t("mt_compstat_csv"), data=lambda: tables.csv_bytes(comp, L),
                         file_name=f"{name}_compstat.csv", mime=tables.CSV_MIME, icon=":material/csv:",
                         key="mt_dl_compstat_csv", on_click="ignore", width="stretch")
    c[2].download_button(t("mt_compstat_xlsx"), data=lambda: tables.xlsx_bytes({t("mt_sheet_compstat"): comp}, L),
                         file_name=f"{name}_compstat.xlsx", mime=tables.XLSX_MIME, icon=":material/table_view:",
                         key="mt_dl_compstat_xlsx", on_click="ignore", width="stretch")
    table_box = st.expander(t("table"), key="mt_table_open", on_change="rerun")   # built only when open
    if table_box.open:
        with table_box:
            grid.show(df.rename(columns={col: export.column_label(col, L) for col in df.columns}),
                      hide_index=True, width="stretch")
    st.caption(t("share_link"))


# --------------------------------------------------------------------------- the page

db = database()
acting_user(db)                       # nobody logged in: the login form, and the URL waits for after
if st.query_params.get("present"):
    presentation(db)
    st.stop()

# the page's own URL state (section, comparison), read before the sidebar rewrites the query;
# a widget not drawn in a run loses its state, so a missing key starts again from the URL
ss = st.session_state
url = st.query_params.to_dict()
if "mt_section" not in ss:
    ss.mt_section = url.get("sec") if url.get("sec") in SECTIONS else "map"
if "mt_cmp" not in ss:
    ss.mt_cmp = url.get("cmp") if url.get("cmp") in COMPARE else "last_year"
if "mt_year" not in ss and str(url.get("year", "")).isdigit():
    ss.mt_year = int(url["year"])

f = filters.sidebar(db, metric=True)
st.markdown(PAGE_CSS, unsafe_allow_html=True)
st.title(t("mt_title"))
show_demo_banner(db)
st.caption(t("mt_intro"))
section = st.segmented_control(t("mt_section"), SECTIONS, key="mt_section", format_func=lambda s: t(f"mt_section_{s}"),
                               required=True, label_visibility="collapsed")
st.query_params["sec"] = section
st.markdown(f"#### {md(export.metric_label(f.metric, lang()))} — "
            f"{md(export.area_title(db, export.View.from_filters(f, user=actor())))} · {md(f.period)}")

if section == "views":
    section_views(db, f)
elif section == "compare":
    section_compare(db, f)
else:
    section_map(db, f)
