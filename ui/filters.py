"""The sidebar filter component shared by the pages, mirrored in the URL."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import areas, filters, numfmt, periods, vocab
from geo import scope as scope_mod
from geo.filters import Filters
from ui.safe import md

from .session import lang, t

ALL = ""  # the "whole province" / "all villages" choice (None would read as "nothing chosen")
_KEYS = ("f_level", "f_set", "f_commune", "f_village", "f_preset", "f_from", "f_to", "f_cat", "f_mt",
         "f_layers", "f_metric", "f_scheme")


def keep_state() -> None:
    """Keep the filters across pages (app.py calls this on every run).

    Streamlit forgets a widget's value at the end of a run that does not draw it
    (a page without filters); writing each value back makes it plain session
    state, which survives until the next page draws the widget again."""
    ss = st.session_state
    for key in _KEYS:
        if key in ss:
            ss[key] = ss[key]


def _init_from_url(db) -> None:
    """On a session's first run, the widgets start from the URL (a shared link)."""
    if st.session_state.get("_filters_from_url"):
        return
    f = filters.from_query(st.query_params.to_dict(), db)
    for w in f.warnings:
        st.toast(f"⚠️ {md(w)}")
    ss = st.session_state
    ss.f_level = f.level
    ss.f_set = f.set_id
    ss.f_commune = ALL
    ss.f_village = ALL
    if f.area:
        s = areas.get_set(db, f.set_id)
        tab = areas.area_table(db, f.set_id)
        row = tab[tab["code"] == f.area]
        if s.level == "village" and not row.empty:
            ss.f_village, ss.f_commune = f.area, row["parent_code"].iloc[0]
        else:
            ss.f_commune = f.area
    ss._f_url_area = f.area
    ss.f_preset = f.preset
    ss.f_from, ss.f_to = f.start, f.end
    ss.f_cat = list(f.categories)
    ss.f_mt = list(f.model_types)
    ss.f_layers = list(f.layers)
    ss.f_metric = f.metric
    ss.f_scheme = f.scheme
    ss.lang = f.lang
    ss._filters_from_url = True


def _in_scope(db, code: str, scope: set[str], bset) -> bool:
    """Whether an area asked for by a link lies in the officer's communes ``scope``."""
    if code in scope:
        return True
    if bset.level == "village":
        tab = areas.area_table(db, bset.id)
        row = tab[tab["code"] == code]
        return not row.empty and row["parent_code"].iloc[0] in scope
    return False


def _set_label(s: areas.BoundarySet) -> str:
    span = t("current") if s.current else f"{t('valid_until')} {numfmt.fmt_date(s.valid_to)}"
    return f"{s.name} ({span})"


def sidebar(db, *, layers: bool = True, metric: bool = False) -> Filters:
    """Draw the filters in the sidebar and return the validated state."""
    _init_from_url(db)
    ss = st.session_state
    L = lang()
    with st.sidebar:
        st.subheader(t("filters"))
        level = st.radio(t("level"), filters.LEVELS, key="f_level", horizontal=True,
                         format_func=lambda v: t(f"level_{v}"))
        sets = areas.list_sets(db, level)
        if not sets:
            st.warning(t("no_sets"))
            st.stop()
        ids = [s.id for s in sets]
        if ss.get("f_set") not in ids:
            ss.f_set = ids[0]
        by_id = {s.id: s for s in sets}
        set_id = st.selectbox(t("boundary_set"), ids, key="f_set", format_func=lambda i: _set_label(by_id[i]))
        bset = by_id[set_id]

        commune_set = bset if bset.level == "commune" else (
            areas.get_set(db, bset.parent_set_id) if bset.parent_set_id else None)
        communes = {}
        if commune_set is not None and commune_set.level == "commune":
            tab = areas.area_table(db, commune_set.id)
            communes = {c: filters.display_name(n, u) for c, n, u in
                        zip(tab["code"], tab["name"], tab["unit_type"])}
            communes = dict(sorted(communes.items(), key=lambda kv: kv[1]))
        opts = [ALL, *communes]
        user = ss.get("user")
        scope = (scope_mod.resolve(db, user).codes(db, commune_set.id) if user is not None
                 and commune_set is not None and commune_set.level == "commune" else None)
        if scope is not None and any(c in scope for c in communes):
            # an officer: only their own commune (no "whole province", no other commune)
            communes = {c: n for c, n in communes.items() if c in scope}
            opts = list(communes)
        asked = ss.pop("_f_url_area", None)
        if asked and scope is not None and not _in_scope(db, asked, scope, bset):
            ss._f_outside_notice = asked
            ss.f_village = ALL
        if ss.get("f_commune") not in opts:
            ss.f_commune = opts[0]
        commune = st.selectbox(t("commune"), opts, key="f_commune",
                               format_func=lambda c: t("whole_province") if c == ALL else communes[c])
        village = None
        if bset.level == "village" and commune:
            tab = areas.area_table(db, bset.id)
            tab = tab[tab["parent_code"] == commune]
            vills = dict(sorted(((c, filters.display_name(n, u)) for c, n, u in
                                 zip(tab["code"], tab["name"], tab["unit_type"])), key=lambda kv: kv[1]))
            vopts = [ALL, *vills]
            if ss.get("f_village") not in vopts:
                ss.f_village = ALL
            village = st.selectbox(t("village"), vopts, key="f_village",
                                   format_func=lambda c: t("all") if c == ALL else vills[c])

        preset = st.selectbox(t("period"), periods.PRESETS, key="f_preset",
                              format_func=lambda p: t(f"preset_{p}"))
        if preset == "custom":
            c1, c2 = st.columns(2)
            start = c1.date_input(t("from"), key="f_from", format="DD/MM/YYYY",
                                  min_value=dt.date(2000, 1, 1))
            end = c2.date_input(t("to"), key="f_to", format="DD/MM/YYYY", min_value=dt.date(2000, 1, 1))
            if end < start:
                st.error(t("period_invalid"))
                end = start
        else:
            p = periods.preset(preset)
            start, end = p.start, p.end
            ss.f_from, ss.f_to = start, end
            st.caption(str(p))

        cats = st.multiselect(t("categories"), vocab.CATEGORIES.codes, key="f_cat",
                              format_func=lambda c: vocab.CATEGORIES.label(c, L), placeholder=t("all"))
        mts = st.multiselect(t("model_types"), vocab.MODEL_TYPES.codes, key="f_mt",
                             format_func=lambda c: vocab.MODEL_TYPES.label(c, L), placeholder=t("all"))
        chosen_metric, chosen_scheme = ss.get("f_metric", filters.DEFAULT_METRIC), ss.get("f_scheme", "quantiles")
        if metric:
            from geo.metrics import METRICS
            chosen_metric = st.selectbox(t("metric"), list(METRICS), key="f_metric",
                                         format_func=lambda m: t(METRICS[m].label_key))
            chosen_scheme = st.selectbox(t("scheme"), filters.SCHEMES, key="f_scheme",
                                         format_func=lambda x: t(f"scheme_{x}"))
        chosen_layers: list[str] = []
        if layers:
            chosen_layers = st.pills(t("layers"), list(filters.LAYERS), selection_mode="multi",
                                     key="f_layers", format_func=lambda x: t(f"layer_{x}")) or []

    notice = ss.pop("_f_outside_notice", None)
    if notice:
        st.warning(t("area_outside_scope", area=notice), icon=":material/block:")
    f = Filters(level=level, set_id=set_id, area=village or commune or None, preset=preset, start=start, end=end,
                categories=tuple(cats), model_types=tuple(mts), layers=tuple(chosen_layers),
                metric=chosen_metric, scheme=chosen_scheme, lang=L)
    st.query_params.from_dict(f.to_query())
    return f
