"""The village part of the Boundaries page: an officer uploads their commune's villages
(checked, then submitted for review) and sees the status of their submissions; an
administrator reviews the submissions (before/after map, every check, approve or
reject with a reason) and sees the village-map status of every commune.

Plain functions first (maps and tables, tested without a browser), Streamlit below.
Every check and figure comes from :mod:`geo.submissions`.
"""
from __future__ import annotations

import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import i18n, maps, submissions
from geo.boundaries import BoundaryError
from geo.boundaries import versions as bv
from geo.boundaries.village_checks import VillageCheck, commune_polygon
from ui import grid
from ui.session import fmt   # numbers in the page's language

log = logging.getLogger("antt")




KINDS = ("village", "outside", "uncovered", "overlap")
KIND_COLORS = ["#e31a1c", "#fdbf6f", "#6a3d9a"]          # outside, uncovered, overlap
VILLAGE_COLOR = "#9ecae1"
STATUS_ORDER = ("approved", "pending", "none")
STATUS_COLORS = ["#31a354", "#fd8d3c", "#bdbdbd"]


def _feature(code, name, kind, geom, detail=None) -> dict:
    g = shapely.transform(shapely.simplify(geom, 0.00005), lambda c: np.round(c, maps.PRECISION))
    return {"type": "Feature", "properties": {"code": code, "name": name or code, "kind": kind, "detail": detail},
            "geometry": json.loads(shapely.to_geojson(g))}


def check_features(villages: gpd.GeoDataFrame, res: VillageCheck | None = None, lang: str = "vi") -> dict:
    """Villages (kind 0) and, from the checks, the parts outside the commune (1), the part
    of the commune no village covers (2) and the overlaps (3), as one FeatureCollection."""
    feats = [_feature(str(c), str(n), 0, g) for c, n, g in zip(villages["code"], villages["name"], villages.geometry)
             if g is not None and not g.is_empty]
    if res is not None:
        if res.outside_geoms is not None:
            for i, (c, g) in enumerate(zip(res.outside_geoms["code"], res.outside_geoms.geometry)):
                feats.append(_feature(f"outside_{i + 1}", str(c), 1, g, i18n.t("vil_kind_outside", lang)))
        if res.uncovered_geom is not None:
            feats.append(_feature("uncovered", i18n.t("vil_kind_uncovered", lang), 2, res.uncovered_geom,
                                  f"{res.uncovered_share:.1%}"))
        if res.overlap_geoms is not None:
            for i, (c, g) in enumerate(zip(res.overlap_geoms["codes"], res.overlap_geoms.geometry)):
                feats.append(_feature(f"overlap_{i + 1}", str(c), 3, g, i18n.t("vil_kind_overlap", lang)))
    return {"type": "FeatureCollection", "features": feats}


def check_map(villages, res: VillageCheck | None, lang: str, *, title: str | None = None, tiles=None):
    """Villages in blue; outside parts red, uncovered yellow, overlaps purple."""
    fc = check_features(villages, res, lang)
    values = {f["properties"]["code"]: f["properties"]["kind"] or None for f in fc["features"]}
    from ui.boundaries import category_classes
    classes = category_classes([1, 2, 3], [f"{k} · {i18n.t('vil_kind_' + KINDS[k], lang)}" for k in (1, 2, 3)],
                               KIND_COLORS, nodata_label=i18n.t("vil_kind_village", lang), nodata_color=VILLAGE_COLOR)
    return maps.choropleth(fc, values, metric_label=i18n.t("bnd_kind", lang), classes=classes,
                           tooltip_fields=[("code", i18n.t("code", lang)), ("detail", i18n.t("bnd_detail", lang))],
                           no_data_label=i18n.t("vil_kind_village", lang), areas_label="", tiles=tiles,
                           title=title, layer_name=title or i18n.t("bnd_preview", lang), lang=lang,
                           fill=True, min_height=400)


def status_table(db, lang: str) -> pd.DataFrame:
    """:func:`geo.submissions.village_status` with translated headings and statuses."""
    st_ = submissions.village_status(db)
    st_["status"] = st_["status"].map(lambda s: i18n.t("vil_status_" + s, lang))
    return st_.rename(columns={c: i18n.t("vil_col_" + c, lang) for c in st_.columns})


def status_map(db, lang: str, tiles=None):
    """Communes coloured by village-map status (approved / pending / none)."""
    fc = submissions.status_map_features(db)
    values = {f["properties"]["code"]: STATUS_ORDER.index(f["properties"].get("status", "none")) + 1
              for f in fc["features"]}
    counts = submissions.status_counts(submissions.village_status(db))
    from ui.boundaries import category_classes
    classes = category_classes([1, 2, 3], [f"{i + 1} · {i18n.t('vil_status_' + s, lang)} ({counts[s]})"
                                           for i, s in enumerate(STATUS_ORDER)], STATUS_COLORS,
                               nodata_label=i18n.t("no_data", lang))
    return maps.choropleth(fc, values, metric_label=i18n.t("vil_col_status", lang), classes=classes,
                           tooltip_fields=[("code", i18n.t("code", lang)), ("villages", i18n.t("vil_col_villages", lang)),
                                           ("updated_on", i18n.t("vil_col_updated_on", lang)),
                                           ("uploaded_by", i18n.t("vil_col_uploaded_by", lang))],
                           no_data_label=i18n.t("no_data", lang), areas_label=i18n.t("legend_areas", lang),
                           tiles=tiles, layer_name=i18n.t("vil_status_title", lang), lang=lang,
                           fill=True, min_height=400)


def submissions_table(rows: list[dict], lang: str) -> pd.DataFrame:
    cols = ["id", "commune_code", "commune_name", "status", "submitted_by", "submitted_at", "villages",
            "outside_share", "uncovered_share", "overlaps", "reviewed_by", "reviewed_at", "reason"]
    df = pd.DataFrame(rows, columns=cols + [c for c in (rows[0] if rows else {}) if c not in cols])[cols]
    df["status"] = df["status"].map(lambda s: i18n.t("vil_status_" + s, lang))
    return df


# --------------------------------------------------------------------------- #
# Streamlit
# --------------------------------------------------------------------------- #
def _checks_block(st, t, res: VillageCheck) -> None:
    c = st.columns(4)
    c[0].metric(t("vil_villages"), fmt(len(res.gdf)))
    c[1].metric(t("vil_outside"), f"{res.outside_share:.2%}")
    c[2].metric(t("vil_uncovered"), f"{res.uncovered_share:.1%}")
    c[3].metric(t("vil_overlaps"), fmt(len(res.overlaps)))
    if res.refused:
        st.error(res.refusal())
    st.markdown(f"**{t('vil_warnings')}**")
    if res.warnings:
        for w in res.warnings:
            st.warning(w)
    else:
        st.caption(t("vil_no_warning"))


def officer_section(st, st_folium, t, L, db, user, sc, tiles, run_prepare, files_key) -> None:  # pragma: no cover
    """The officer's Boundaries page: only the villages of their own commune."""
    from geo import auth
    if not sc.communes:
        st.warning(t("vil_no_commune"))
        return
    commune = sc.communes[0]
    _, cname, _ = commune_polygon(db, commune)
    st.markdown(f"##### {t('vil_title', commune=f'{cname} ({commune})')}")
    st.caption(t("vil_officer_help"))
    ups = st.file_uploader(t("bnd_files"), type=["zip", "shp", "shx", "dbf", "prj", "cpg", "geojson", "json",
                                                  "kml", "kmz", "gpkg"],
                           accept_multiple_files=True, key="vil_files", help=t("bnd_files_help"))
    if ups:
        files = [(u.name, u.getvalue()) for u in ups]
        fkey = files_key(files)
        seen = st.session_state.setdefault("vil_seen", set())
        if fkey not in seen:
            try:
                for name, data in files:
                    auth.check_upload(db, user, name, len(data))
            except auth.PermissionDenied as e:
                st.error(str(e))
                return
            seen.add(fkey)
        parent = bv.parent_layer(db, sc.commune_set_id)
        with st.spinner(t("bnd_reading")):
            pr = run_prepare(files, "village", {}, parent)
        if not pr.ok:
            st.error(pr.error if pr.error_kind != "internal" else t("bnd_error_generic"))
        else:
            try:
                res = submissions.check(db, pr.prepared, commune, user=sc)
            except (BoundaryError, auth.PermissionDenied) as e:
                st.error(str(e))
                res = None
            if res is not None:
                _checks_block(st, t, res)
                m1, m2 = st.columns(2)
                with m1:
                    st_folium(check_map(submissions.current_villages(db, commune), None, L, title=t("vil_before"),
                                        tiles=tiles), height=420, use_container_width=True, returned_objects=[],
                              key=f"vil_before_{fkey[:8]}")
                with m2:
                    st_folium(check_map(res.gdf, res, L, title=t("vil_after"), tiles=tiles), height=420,
                              use_container_width=True, returned_objects=[], key=f"vil_after_{fkey[:8]}")
                done = st.session_state.setdefault("vil_done", {})
                if fkey in done:
                    st.success(done[fkey])
                elif res.ok and st.button(t("vil_submit"), type="primary", key=f"vil_submit_{fkey[:8]}"):
                    try:
                        out = submissions.submit(db, pr.prepared, commune, user=sc)
                    except (BoundaryError, auth.PermissionDenied) as e:
                        st.error(str(e))
                    else:
                        msg = t("vil_submitted", id=out["submission_id"])
                        if out["replaced_pending"]:
                            msg += " " + t("vil_replaced", id=out["replaced_pending"])
                        done[fkey] = msg
                        st.rerun()
    st.markdown(f"##### {t('vil_my_submissions')}")
    rows = submissions.list_submissions(db, user=sc)
    if rows:
        grid.show(submissions_table(rows, L), labels=lambda c: i18n.t("vil_col_" + c, L),
                  datetimes=["submitted_at", "reviewed_at"], decimals={"outside_share": 4, "uncovered_share": 4})
    else:
        st.caption(t("vil_none_yet"))


def admin_section(st, st_folium, t, L, db, user, tiles) -> None:  # pragma: no cover
    """Review of the pending submissions and the status per commune (administrators)."""
    from geo import auth
    st.markdown(f"##### {t('vil_review')}")
    pending = submissions.list_submissions(db, status="pending", user=user)
    if not pending:
        st.caption(t("vil_pending_none"))
    else:
        labels = {s["id"]: f"#{s['id']} · {s['commune_name'] or s['commune_code']} · {s['submitted_by']} · "
                           f"{str(s['submitted_at'])[:16]}" for s in pending}
        sid = st.selectbox(t("vil_pick"), list(labels), format_func=labels.get, key="vil_pick")
        sub = submissions.get_submission(db, sid, user=user)
        try:
            res = submissions.review_checks(db, sub)
        except BoundaryError as e:
            st.error(str(e))
            res = None
        if res is not None:
            _checks_block(st, t, res)
            m1, m2 = st.columns(2)
            with m1:
                st_folium(check_map(submissions.current_villages(db, sub["commune_code"]), None, L,
                                    title=t("vil_before"), tiles=tiles), height=420, use_container_width=True,
                          returned_objects=[], key=f"vil_rv_before_{sid}")
            with m2:
                st_folium(check_map(res.gdf, res, L, title=t("vil_after"), tiles=tiles), height=420,
                          use_container_width=True, returned_objects=[], key=f"vil_rv_after_{sid}")
        a1, a2 = st.columns([1, 3])
        reason = a2.text_input(t("vil_reason"), key=f"vil_reason_{sid}")
        if a1.button(t("vil_approve"), type="primary", key=f"vil_approve_{sid}", disabled=res is None or not res.ok):
            try:
                out = submissions.approve(db, sid, user=user)
            except (BoundaryError, auth.PermissionDenied) as e:
                st.error(str(e))
            else:
                st.session_state["vil_msg"] = t("vil_approved", id=sid, set_id=out["set_id"])
                st.rerun()
        if a1.button(t("vil_reject"), key=f"vil_reject_{sid}"):
            if not reason.strip():
                st.error(t("vil_reason_needed"))
            else:
                try:
                    submissions.reject(db, sid, why=reason, user=user)
                except (BoundaryError, auth.PermissionDenied) as e:
                    st.error(str(e))
                else:
                    st.session_state["vil_msg"] = t("vil_rejected", id=sid)
                    st.rerun()
    if st.session_state.get("vil_msg"):
        st.success(st.session_state.pop("vil_msg"))
    st.markdown(f"##### {t('vil_status_title')}")
    counts = submissions.status_counts(submissions.village_status(db))
    cols = st.columns(3)
    for col, s in zip(cols, STATUS_ORDER):
        col.metric(t("vil_status_" + s), fmt(counts[s]))
    st_folium(status_map(db, L, tiles=tiles), height=420, use_container_width=True, returned_objects=[],
              key="vil_status_map")
    with st.expander(t("vil_status_title")):
        grid.show(status_table(db, L), table=True, dates=[i18n.t("vil_col_updated_on", L)])       # a plain table: it prints and reads in a meeting

