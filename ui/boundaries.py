"""Boundaries (Ranh giới): upload a boundary file, check it on a preview (a dry
run), store it as a new boundary set on confirm; the list of sets and a map
comparing two of them.

Streamlit code only at the bottom (:func:`main`, run when Streamlit executes
the page); the helpers above it are plain functions, importable and tested
without a browser (see tests/test_page_boundaries.py).  Every figure and check
comes from ``geo``; every label from :mod:`geo.i18n`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo import areas, i18n, maps, numfmt, store
from geo.boundaries import ENCODINGS, BoundaryError, FieldChoiceNeeded, LayerChoiceNeeded, prepare
from geo.boundaries import versions as bv
from geo.boundaries.pipeline import Prepared
from ui import grid
from ui.session import fmt   # numbers in the page's language
from ui.safe import md



log = logging.getLogger("antt")

UPLOAD_TYPES = ["zip", "shp", "shx", "dbf", "prj", "cpg", "geojson", "json", "kml", "kmz", "gpkg"]
LEVELS = ("province", "commune", "village")
OPTION_KEYS = ("layer", "encoding", "crs", "code_field", "name_field", "parent_field")
UNIT_COLOR = "#9ecae1"
PROBLEM_COLORS = ["#e31a1c", "#6a3d9a"]            # overlaps, gaps
STATUS_COLORS = {"unchanged": "#d9d9d9", "changed": "#fd8d3c", "renamed": "#6baed6",
                 "renamed_changed": "#9e9ac8", "removed": "#e31a1c", "added": "#31a354"}
_SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


# --------------------------------------------------------------------------- #
# Reading an upload (a dry run)
# --------------------------------------------------------------------------- #
@dataclasses.dataclass
class PrepResult:
    """The outcome of reading an upload: a :class:`Prepared` or why not."""
    prepared: Prepared | None = None
    preview: dict | None = None                 # FeatureCollection for the preview map
    error: str | None = None                    # the Vietnamese one-line message
    error_kind: str | None = None               # refused | layer | field | internal
    layers: list[str] = dataclasses.field(default_factory=list)
    layer_info: list[dict] = dataclasses.field(default_factory=list)
    fields: list[str] = dataclasses.field(default_factory=list)
    field_mapping: dict = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.prepared is not None


def files_key(files: list[tuple[str, bytes]]) -> str:
    """A hash of the uploaded files (names and bytes): the cache key of a dry run."""
    h = hashlib.sha256()
    for name, data in sorted(files, key=lambda f: f[0]):
        h.update(name.encode("utf-8", "replace") + b"\0" + len(data).to_bytes(8, "little"))
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def safe_name(name: str, i: int) -> str:
    """A plain file name for an upload (no folders, no odd characters), keeping its extension."""
    base = Path(str(name).replace("\\", "/")).name
    base = _SAFE.sub("_", base).strip("._") or f"upload_{i}"
    return base[:150]


def clean_options(options: dict | None) -> dict:
    """The reading options that are set (empty values dropped)."""
    return {k: v for k, v in (options or {}).items() if k in OPTION_KEYS and v not in (None, "")}


def run_prepare(files: list[tuple[str, bytes]], level: str, options: dict | None = None,
                parent=None) -> PrepResult:
    """Save the uploaded files in a temporary folder and read them with
    :func:`geo.boundaries.prepare` (nothing is written to the database).

    A refused file gives ``error`` (the Vietnamese message) and ``error_kind``;
    anything unexpected is logged with its stack trace and reported as
    ``internal`` (the page shows a generic message)."""
    opts = clean_options(options)
    if not files:
        return PrepResult(error=i18n.t("bnd_no_file"), error_kind="refused")
    with tempfile.TemporaryDirectory(prefix="antt_upload_") as tmp:
        paths, seen = [], set()
        for i, (name, data) in enumerate(files):
            fname = safe_name(name, i)
            while fname.lower() in seen:
                fname = f"{i}_{fname}"
            seen.add(fname.lower())
            p = Path(tmp) / fname
            p.write_bytes(data)
            paths.append(p)
        try:
            prepared = prepare(paths if len(paths) > 1 else paths[0], level=level, parent=parent, **opts)
        except LayerChoiceNeeded as e:
            return PrepResult(error=str(e), error_kind="layer", layers=e.layers, layer_info=e.layer_info)
        except FieldChoiceNeeded as e:
            return PrepResult(error=str(e), error_kind="field", fields=e.fields, field_mapping=e.field_mapping)
        except BoundaryError as e:
            return PrepResult(error=str(e), error_kind="refused")
        except Exception:  # noqa: BLE001 - logged here, a generic message on the page
            log.exception("reading boundary upload %s failed", [n for n, _ in files])
            return PrepResult(error=i18n.t("bnd_error_generic"), error_kind="internal")
    return PrepResult(prepared=prepared, preview=preview_features(prepared), layers=list(prepared.layers),
                      fields=list(prepared.fields), field_mapping=dict(prepared.field_mapping))


# --------------------------------------------------------------------------- #
# Maps
# --------------------------------------------------------------------------- #
def _simple(geoms, level: str) -> np.ndarray:
    """Light geometry for a preview map (Douglas–Peucker; fast, may touch neighbours)."""
    geoms = np.asarray(geoms, dtype=object)
    tol = areas.SIMPLIFY_TOLERANCE.get(level, 0.0005) / 2
    simple = shapely.simplify(geoms, tol, preserve_topology=False)
    bad = shapely.is_empty(simple) | shapely.is_missing(simple)
    if bad.any():
        simple[bad] = geoms[bad]
    return shapely.transform(simple, lambda c: np.round(c, maps.PRECISION))


def _features(gdf, level: str, props) -> list[dict]:
    if gdf is None or not len(gdf):
        return []
    simple = _simple(gdf.geometry.values, level)
    return [{"type": "Feature", "properties": p, "geometry": json.loads(shapely.to_geojson(g))}
            for p, g in zip(props, simple)]


def preview_features(prepared: Prepared) -> dict:
    """The units of a dry run, then its overlaps and gaps, as one FeatureCollection.

    Properties: ``code``, ``name``, ``kind`` (0 unit, 1 overlap, 2 gap),
    ``detail`` (codes concerned and area in hectares for overlaps/gaps)."""
    g = prepared.gdf
    feats = _features(g, prepared.level, [
        {"code": c, "name": n or c, "kind": 0, "parent_code": p, "detail": None}
        for c, n, p in zip(g["code"], g["name"], g["parent_code"])])
    for kind, frame in ((1, prepared.overlaps), (2, prepared.gaps)):
        if frame is None or not len(frame):
            continue
        props = []
        for i, (codes, area) in enumerate(zip(frame["codes"], frame["area_m2"])):
            codes = [str(c) for c in (codes if isinstance(codes, (list, tuple, np.ndarray)) else [codes])]
            props.append({"code": f"{'overlap' if kind == 1 else 'gap'}_{i + 1}",
                          "name": ", ".join(codes[:6]), "kind": kind,
                          "detail": f"{fmt(float(area) / 10_000, 2)} ha"})
        feats += _features(frame, "village", props)
    return {"type": "FeatureCollection", "features": feats}


def category_classes(values: list[int], labels: list[str], colors: list[str], *,
                     nodata_label: str, nodata_color: str = maps.NODATA_COLOR) -> dict:
    """Classes for a map of categories (``values`` are the category numbers, in order)."""
    return {"scheme": "", "k": len(values), "bins": [float(v) for v in values], "min": None, "max": None,
            "integer": True, "colors": list(colors), "labels": list(labels), "counts": [],
            "nodata_count": 0, "nodata_color": nodata_color, "nodata_label": nodata_label}


def preview_map(preview: dict, lang: str, tiles: str | None = None):
    """The preview: units in blue (the 'no data' class), overlaps in red, gaps in purple."""
    values = {f["properties"]["code"]: f["properties"]["kind"] or None for f in preview["features"]}
    classes = category_classes([1, 2], [f"1 · {i18n.t('bnd_overlaps', lang)}", f"2 · {i18n.t('bnd_gaps', lang)}"],
                               PROBLEM_COLORS, nodata_label=i18n.t("bnd_unit", lang), nodata_color=UNIT_COLOR)
    return maps.choropleth(
        preview, values, metric_label=i18n.t("bnd_kind", lang), classes=classes,
        tooltip_fields=[("code", i18n.t("code", lang)), ("parent_code", i18n.t("bnd_parent_code", lang)),
                        ("detail", i18n.t("bnd_detail", lang))],
        no_data_label=i18n.t("bnd_unit", lang), areas_label="", tiles=tiles,
        layer_name=i18n.t("bnd_preview", lang), lang=lang, fill=True, min_height=460)


CURRENT_COLOR = "#5f6b77"


def add_current_set(m, db, level: str, lang: str, codes: set[str] | None = None):
    """The current set of ``level`` drawn under the preview (grey outlines, in a pane below
    the preview's), to compare the new borders with the ones in use; None when there is none.
    ``codes``: only these areas (an officer's scope)."""
    import folium
    cur = next((s for s in areas.list_sets(db, level) if s.current), None)
    if cur is None:
        return None
    feats = areas.map_features(db, cur.id)
    if codes is not None:
        feats = {**feats, "features": [f for f in feats["features"] if f["properties"].get("code") in codes]}
    folium.map.CustomPane("antt_current_set", z_index=350, pointer_events=False).add_to(m)
    folium.GeoJson(feats, name=i18n.t("bnd_current_layer", lang, name=cur.name), pane="antt_current_set",
                   interactive=False, control=True,
                   style_function=lambda _: {"color": CURRENT_COLOR, "weight": 2, "dashArray": "5 4",
                                             "fill": False, "opacity": 0.9}).add_to(m)
    return cur


def status_values(changes: pd.DataFrame, side: str) -> dict[str, int]:
    """``{code: status number}`` of the areas of set ``a`` or ``b`` in a comparison."""
    keep = changes[changes["status"] != ("added" if side == "a" else "removed")]
    return {c: bv.STATUSES.index(s) + 1 for c, s in zip(keep["code"], keep["status"])}


def compare_map(features: dict, changes: pd.DataFrame, side: str, lang: str, title: str | None = None,
                tiles: str | None = None):
    """One set of a comparison, each area coloured by what changed."""
    statuses = [s for s in bv.STATUSES if s != ("added" if side == "a" else "removed")]
    nums = [bv.STATUSES.index(s) + 1 for s in statuses]
    classes = category_classes(nums, [f"{n} · {i18n.t('bnd_status_' + s, lang)}" for n, s in zip(nums, statuses)],
                               [STATUS_COLORS[s] for s in statuses], nodata_label=i18n.t("no_data", lang))
    other = "name_b" if side == "a" else "name_a"
    table = changes.assign(other_name=changes[other])
    feats = maps.with_properties(features, table, ["other_name"])
    return maps.choropleth(
        feats, status_values(changes, side), metric_label=i18n.t("bnd_kind", lang), classes=classes,
        tooltip_fields=[("code", i18n.t("code", lang)), ("other_name", i18n.t("bnd_other_name", lang))],
        no_data_label=i18n.t("no_data", lang), areas_label=i18n.t("legend_areas", lang), title=title,
        tiles=tiles, layer_name=title or i18n.t("boundary_set", lang), lang=lang, fill=True, min_height=440)


# --------------------------------------------------------------------------- #
# Tables
# --------------------------------------------------------------------------- #
def problems_table(prepared: Prepared, lang: str) -> pd.DataFrame:
    """Every repair, dropped row, merged part, duplicate code, orphan and warning,
    one row each: kind, row (in the file, 1-based), code, name, detail."""
    def kind(k):
        return i18n.t(f"bnd_problem_{k}", lang)

    def row(v):
        return None if v is None else int(v) + 1

    rows = []
    for r in prepared.repaired:
        rows.append((kind("repaired"), row(r.get("row")), r.get("code"), r.get("name"),
                     f"{r.get('problem', '')} → {r.get('action', '')}"))
    for r in prepared.dropped:
        rows.append((kind("dropped"), row(r.get("row")), r.get("code"), r.get("name"), r.get("reason")))
    for r in prepared.dissolved:
        rows.append((kind("dissolved"), None, r.get("code"), r.get("name") or ", ".join(r.get("names", [])[:3]),
                     f"{r.get('parts')} {i18n.t('bnd_parts', lang)}"))
    for r in prepared.duplicate_codes:
        rows.append((kind("duplicate"), None, r.get("code"), r.get("kept_name"), ", ".join(r.get("names", []))))
    for r in prepared.orphans:
        rows.append((kind("orphan"), None, r.get("code"), r.get("name"), r.get("reason")))
    for w in prepared.warnings:
        rows.append((kind("warning"), None, None, None, w))
    return pd.DataFrame(rows, columns=[i18n.t(c, lang) for c in
                                       ("bnd_problem", "bnd_row", "code", "name", "bnd_detail")])


def field_table(result: PrepResult, lang: str) -> pd.DataFrame:
    """The column recognised for each role (code, name, parent, unit type)."""
    fm = result.field_mapping or {}
    roles = ("code", "name", "parent", "unit_type")
    return pd.DataFrame({i18n.t("bnd_role", lang): [i18n.t(f"bnd_role_{r}", lang) for r in roles],
                         i18n.t("bnd_column", lang): [fm.get(r) or "—" for r in roles]})


def encoding_table(prepared: Prepared, lang: str) -> pd.DataFrame:
    rows = [(ENCODINGS.get(c.get("encoding"), c.get("encoding")), f"{float(c.get('score', 0)):.0%}",
             ", ".join(map(str, (c.get("samples") or [])[:4]))) for c in prepared.encoding_candidates]
    return pd.DataFrame(rows, columns=[i18n.t(c, lang) for c in ("bnd_encoding", "bnd_score", "bnd_samples")])


def set_label(s: areas.BoundarySet, lang: str) -> str:
    until = numfmt.fmt_date(s.valid_to) if s.valid_to else i18n.t("current", lang)
    since = numfmt.fmt_date(s.valid_from) if s.valid_from else "…"
    return f"#{s.id} · {s.name} ({i18n.t('bnd_level_' + s.level, lang)}, {since} → {until})"


def sets_table(db, lang: str) -> pd.DataFrame:
    """The boundary sets, newest first within each level."""
    rows = [{"id": s.id, "name": s.name, "level": i18n.t("bnd_level_" + s.level, lang), "areas": s.areas,
             "valid_from": numfmt.fmt_date(s.valid_from) if s.valid_from else "—",
             "valid_to": numfmt.fmt_date(s.valid_to) if s.valid_to else i18n.t("current", lang),
             "replaces": s.replaces_set_id, "parent": s.parent_set_id, "source_file": s.source_file,
             "source_crs": s.source_crs, "encoding": s.encoding,
             "imported_at": numfmt.fmt_datetime(s.imported_at) if s.imported_at else "—",
             "imported_by": s.imported_by, "demo": s.is_demo}
            for s in areas.list_sets(db)]
    df = pd.DataFrame(rows, columns=["id", "name", "level", "areas", "valid_from", "valid_to", "replaces",
                                     "parent", "source_file", "source_crs", "encoding", "imported_at",
                                     "imported_by", "demo"])
    return df.rename(columns={c: i18n.t("bnd_col_" + c, lang) for c in df.columns})


def default_pair(sets: list[areas.BoundarySet]) -> tuple[int, int] | None:
    """The two sets to compare first: the newest replacement and the set it replaced,
    else the two newest sets of one level."""
    ids = {s.id for s in sets}
    repl = sorted((s for s in sets if s.replaces_set_id in ids), key=lambda s: s.id, reverse=True)
    if repl:
        return repl[0].replaces_set_id, repl[0].id
    by_level: dict[str, list[areas.BoundarySet]] = {}
    for s in sets:
        by_level.setdefault(s.level, []).append(s)
    for lv in ("commune", "village", "province", "district"):
        group = sorted(by_level.get(lv, []), key=lambda s: s.id)
        if len(group) >= 2:
            return group[-2].id, group[-1].id
    return None


# --------------------------------------------------------------------------- #
# The page
# --------------------------------------------------------------------------- #
def main() -> None:  # pragma: no cover - exercised through AppTest
    import streamlit as st
    from streamlit_folium import st_folium

    from geo import auth
    from ui.session import acting_user, database, lang, show_demo_banner, t

    db = database()
    user = acting_user(db)
    if user.role == "viewer":  # nothing to upload here; geo refuses a viewer's commit anyway
        st.error(str(auth.PermissionDenied("Tài khoản chỉ được xem số liệu tổng hợp, không được thay đổi dữ liệu.")))
        st.stop()
    L = lang()
    tiles = os.environ.get("ANTT_TILES") or None
    from geo import scope, submissions
    from ui import boundary_villages as bvil
    sc = scope.resolve(db, user)       # once for the request

    @st.cache_data(show_spinner=False, max_entries=6, ttl=3600)
    def cached_prepare(key: str, level: str, options: tuple, parent_key: tuple, _files, _parent) -> PrepResult:
        return run_prepare(_files, level, dict(options), _parent)

    @st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
    def cached_compare(db_file: str, revision: int, a: int, b: int, _db) -> pd.DataFrame:
        return bv.compare_sets(_db, a, b)

    st.markdown(f"#### {t('bnd_title')}")
    show_demo_banner(db)
    if user.role == "officer":
        # an officer: only the village level of their own commune, submitted for review
        bvil.officer_section(st, st_folium, t, L, db, user, sc, tiles, run_prepare, files_key)
        return
    bvil.admin_section(st, st_folium, t, L, db, sc, tiles)
    st.divider()

    # ------------------------------------------------------------------ upload
    st.markdown(f"##### {t('bnd_upload')}")
    c1, c2 = st.columns([1, 3])
    level = c1.selectbox(t("bnd_level"), LEVELS, index=1, key="bnd_level",
                         format_func=lambda x: t("bnd_level_" + x))
    ups = c2.file_uploader(t("bnd_files"), type=UPLOAD_TYPES, accept_multiple_files=True, key="bnd_files",
                           help=t("bnd_files_help"))
    up_level = bv.parent_level(level)
    parent_sets = areas.list_sets(db, up_level) if up_level else []
    parent_id = None
    if parent_sets:
        cur = bv.default_parent_set(db, level)
        choices = [None] + [s.id for s in parent_sets]
        labels = {s.id: set_label(s, L) for s in parent_sets}
        parent_id = c1.selectbox(t("bnd_parent_set"), choices,
                                 index=choices.index(cur.id) if cur else 0, key=f"bnd_parent_{level}",
                                 format_func=lambda i: t("bnd_none") if i is None else labels[i])
    commune = None
    if level == "village":
        cset = areas.current_set(db, "commune")
        ctab = areas.area_table(db, cset.id) if cset else pd.DataFrame(columns=["code", "name"])
        cnames = dict(zip(ctab["code"], ctab["name"]))
        commune = c1.selectbox(t("vil_commune_pick"), [None, *cnames], key="bnd_commune",
                               format_func=lambda c: t("bnd_none") if c is None else f"{cnames[c]} ({c})")

    if not ups:
        st.caption(t("bnd_upload_hint"))
    else:
        files = [(u.name, u.getvalue()) for u in ups]
        fkey = files_key(files)
        state = st.session_state.setdefault("bnd_opts", {})
        if state.get("_key") != fkey:
            try:  # size and per-hour count limits, counted once per new upload
                for name, data in files:
                    auth.check_upload(db, user, name, len(data))
            except auth.PermissionDenied as e:
                st.error(md(e))
                st.stop()
            state.clear()
            state["_key"] = fkey
        opts = clean_options(state)
        parent = bv.parent_layer(db, parent_id) if parent_id else None
        with st.spinner(t("bnd_reading")):
            # a stored set never changes: its id (and the database file) identify the parent layer
            res = cached_prepare(fkey, level, tuple(sorted(opts.items())),
                                 (str(store.db_path()), parent_id), files, parent)
        if commune and res.ok:
            _show_commune_villages(st, st_folium, t, L, db, res, fkey, commune, sc, tiles)
        else:
            _show_result(st, st_folium, t, L, db, res, fkey, level, parent_id, state, tiles)

    # ------------------------------------------------------------------ sets
    st.divider()
    st.markdown(f"##### {t('boundary_sets')}")
    sets = areas.list_sets(db)
    if not sets:
        st.info(t("no_sets"))
        return
    grid.show(sets_table(db, L), hide_index=True, width="stretch")

    st.markdown(f"##### {t('bnd_compare')}")
    pair = default_pair(sets)
    if len(sets) < 2 or pair is None:
        st.caption(t("bnd_compare_need_two"))
        return
    ids = [s.id for s in sets]
    labels = {s.id: set_label(s, L) for s in sets}
    c1, c2 = st.columns(2)
    a = c1.selectbox(t("bnd_compare_a"), ids, index=ids.index(pair[0]), key="bnd_cmp_a",
                     format_func=lambda i: labels[i])
    b = c2.selectbox(t("bnd_compare_b"), ids, index=ids.index(pair[1]), key="bnd_cmp_b",
                     format_func=lambda i: labels[i])
    if a == b:
        st.caption(t("bnd_compare_same"))
        return
    changes = cached_compare(str(store.db_path()), store.revision(db), a, b, db)
    counts = bv.change_counts(changes)
    cols = st.columns(len(counts))
    for col, (s, n) in zip(cols, counts.items()):
        col.metric(t("bnd_status_" + s), fmt(n))
    m1, m2 = st.columns(2)
    with m1:
        st_folium(compare_map(areas.map_features(db, a), changes, "a", L, title=f"#{a}", tiles=tiles),
                  height=460, use_container_width=True, returned_objects=[], key="bnd_cmp_map_a")
    with m2:
        st_folium(compare_map(areas.map_features(db, b), changes, "b", L, title=f"#{b}", tiles=tiles),
                  height=460, use_container_width=True, returned_objects=[], key="bnd_cmp_map_b")
    with st.expander(t("bnd_changes_table")):
        shown = changes[changes["status"] != "unchanged"].copy()
        shown["status"] = shown["status"].map(lambda s: t("bnd_status_" + s))
        grid.show(shown.rename(columns={c: t("bnd_cmp_" + c) for c in shown.columns}),
                     hide_index=True, width="stretch")


def _show_commune_villages(st, st_folium, t, L, db, res: PrepResult, fkey, commune, sc, tiles) -> None:
    """An administrator's file of one commune's villages: the checks, then approved at once."""
    from geo import auth, submissions
    from ui import boundary_villages as bvil
    try:
        chk = submissions.check(db, res.prepared, commune, user=sc)
    except (BoundaryError, auth.PermissionDenied) as e:
        st.error(str(e))
        return
    bvil._checks_block(st, t, chk)
    m1, m2 = st.columns(2)
    with m1:
        st_folium(bvil.check_map(submissions.current_villages(db, commune), None, L, title=t("vil_before"),
                                 tiles=tiles), height=420, use_container_width=True, returned_objects=[],
                  key=f"bnd_cv_before_{fkey[:8]}")
    with m2:
        st_folium(bvil.check_map(chk.gdf, chk, L, title=t("vil_after"), tiles=tiles), height=420,
                  use_container_width=True, returned_objects=[], key=f"bnd_cv_after_{fkey[:8]}")
    done = st.session_state.setdefault("bnd_done", {})
    run_key = f"{fkey}:village:{commune}"
    if run_key in done:
        st.success(t("vil_approved_now", set_id=done[run_key]))
        return
    if chk.ok and st.button(t("bnd_confirm"), type="primary", key=f"bnd_cv_confirm_{fkey[:8]}"):
        try:
            out = submissions.submit(db, res.prepared, commune, user=sc)
        except (BoundaryError, auth.PermissionDenied) as e:
            st.error(str(e))
            return
        done[run_key] = out["set_id"]
        st.rerun()


def _option_box(st, t, container, label: str, choices: list, state: dict, opt: str, fkey: str,
                fmt=None, help_text: str | None = None) -> None:
    """A selectbox whose choice is kept in ``state[opt]`` (read before the next dry run)."""
    wkey = f"bnd_w_{opt}_{fkey[:10]}"
    current = state.get(opt) or ""
    options = [""] + [c for c in choices if c != ""]
    if current not in options:
        options.append(current)

    def changed():
        state[opt] = st.session_state.get(wkey) or None

    container.selectbox(label, options, index=options.index(current), key=wkey, on_change=changed,
                        format_func=lambda v: t("bnd_auto") if v == "" else (fmt(v) if fmt else str(v)),
                        help=help_text)


def _show_result(st, st_folium, t, L, db, res: PrepResult, fkey, level, parent_id, state, tiles) -> None:
    """Everything shown after the dry run: choices, checks, preview, problems, confirm."""
    if res.error_kind == "internal":
        st.error(t("bnd_error_generic"))
        return
    if res.layers and len(res.layers) > 1:
        info = {i.get("name"): i for i in res.layer_info}
        _option_box(st, t, st, t("bnd_layer"), res.layers, state, "layer", fkey,
                    fmt=lambda v: f"{v} ({info[v].get('features')})" if v in info and info[v].get("features")
                    is not None else v)
    if not res.ok:
        if res.error_kind in ("layer", "field"):
            st.warning(md(res.error))
        else:
            st.error(md(res.error))
        if res.error_kind == "field" and res.fields:
            _option_box(st, t, st, t("bnd_role_name"), res.fields, state, "name_field", fkey)
        return

    p = res.prepared
    st.success(t("bnd_read_ok", n=fmt(len(p.gdf)), file=md(p.source_file),
                 rows=fmt(p.feature_count)))
    c = st.columns(4)
    c[0].metric(t("bnd_units"), fmt(len(p.gdf)))
    c[1].metric(t("bnd_crs"), p.crs_used or "—", help=md(p.crs_detected))
    c[2].metric(t("bnd_datum"), t("bnd_yes") if p.datum_shift else t("bnd_no"), help=md(p.datum_shift) or None)
    c[3].metric(t("bnd_encoding"), ENCODINGS.get(p.encoding_detected, p.encoding_detected),
                help=p.encoding_source or None)
    st.caption(f"{t('bnd_crs_detected')}: {md(p.crs_detected)}" +
               (f" · {t('bnd_datum')}: {md(p.datum_shift)}" if p.datum_shift else ""))

    # coordinates: confirm or choose the zone when it was guessed
    if p.zone_candidates:
        state.setdefault("_zones", [z for z in p.zone_candidates])
    zones = state.get("_zones") or []
    if zones:
        if not p.crs_confirmed:
            st.warning(t("bnd_crs_guessed"))
        zlabels = {z["crs"]: z.get("label") or z["crs"] for z in zones}
        _option_box(st, t, st, t("bnd_zone"), [z["crs"] for z in zones], state, "crs", fkey,
                    fmt=lambda v: zlabels.get(v, v))

    # text encoding
    e1, e2 = st.columns([1, 2])
    _option_box(st, t, e1, t("bnd_encoding_override"), list(ENCODINGS), state, "encoding", fkey,
                fmt=lambda v: ENCODINGS.get(v, v))
    e2.markdown(f"**{t('bnd_sample_names')}:** " + ", ".join(md(n) for n in p.sample_names[:10]))
    if p.encoding_candidates:
        with e2.expander(t("bnd_encoding_candidates")):
            grid.show(encoding_table(p, L), hide_index=True, width="stretch")

    # fields
    f1, f2 = st.columns([1, 2])
    grid.show(field_table(res, L), where=f1, hide_index=True, width="stretch")
    with f2:
        g = st.columns(3)
        for col, opt, role in zip(g, ("code_field", "name_field", "parent_field"), ("code", "name", "parent")):
            _option_box(st, t, col, t("bnd_role_" + role), p.fields, state, opt, fkey)

    # preview map
    st.markdown(f"**{t('bnd_preview')}**")
    n_over = 0 if p.overlaps is None else len(p.overlaps)
    n_gaps = 0 if p.gaps is None else len(p.gaps)
    if n_over or n_gaps:
        st.caption(t("bnd_topology", overlaps=n_over, gaps=n_gaps))
    pm = preview_map(res.preview, L, tiles=tiles)
    cur = add_current_set(pm, db, level, L)
    if cur is not None:
        st.caption(t("bnd_current_under", name=cur.name))
    st_folium(pm, height=480, use_container_width=True, returned_objects=[], key=f"bnd_preview_{fkey[:10]}")

    # every repair and warning
    problems = problems_table(p, L)
    st.markdown(f"**{t('bnd_problems')}** ({fmt(len(problems))})")
    if len(problems):
        grid.show(problems, hide_index=True, width="stretch")
    else:
        st.caption(t("bnd_no_problems"))

    # confirm
    st.markdown(f"**{t('bnd_commit_title')}**")
    done = st.session_state.setdefault("bnd_done", {})
    run_key = f"{fkey}:{level}:{json.dumps(clean_options(state), sort_keys=True)}:{parent_id}"
    same_level = [s for s in areas.list_sets(db, level) if s.current]
    k1, k2, k3 = st.columns([2, 1, 2])
    set_name = k1.text_input(t("bnd_set_name"), value=bv.default_name(p, None), key=f"bnd_name_{fkey[:10]}")
    valid_from = k2.date_input(t("bnd_valid_from"), value=dt.date.today(), key=f"bnd_vf_{fkey[:10]}",
                               format="DD/MM/YYYY")
    rchoices = [None] + [s.id for s in same_level]
    rlabels = {s.id: set_label(s, L) for s in same_level}
    replaces = k3.selectbox(t("bnd_replaces"), rchoices, index=0,   # never preselected: replacing is a choice
                            key=f"bnd_replaces_{level}_{fkey[:10]}",
                            format_func=lambda i: t("bnd_none") if i is None else rlabels[i],
                            help=t("bnd_replaces_help"))
    if run_key in done:
        st.success(t("bnd_committed", id=done[run_key]))
        return
    if st.button(t("bnd_confirm"), type="primary", key=f"bnd_confirm_{fkey[:10]}"):
        bar = st.progress(0.0, text=t("bnd_storing"))
        from geo import auth
        from ui.session import acting_user
        user = acting_user(db)  # the logged-in user: geo checks what they may commit
        try:
            sid = bv.commit(db, p, level=level, name=set_name, valid_from=valid_from, replaces=replaces,
                            parent_set_id=parent_id, imported_by=user,
                            progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
        except (BoundaryError, auth.PermissionDenied) as e:
            bar.empty()
            st.error(md(e))
            return
        except Exception:  # noqa: BLE001 - logged; the officer sees a plain message
            log.exception("storing boundary set from %s failed", p.source_file)
            bar.empty()
            st.error(t("bnd_error_commit"))
            return
        done[run_key] = sid
        st.success(t("bnd_committed", id=sid))
        st.rerun()


if __name__ == "__main__":
    # Streamlit runs this file as ``__main__``; run the importable module's copy
    # instead, so that cached results (PrepResult) pickle and tests can import it.
    from ui import boundaries as _page
    _page.main()
