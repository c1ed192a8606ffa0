"""Data for the browser map (``ui/mapview.py``): geometry once, values on every filter change.

No Streamlit here.  A map in the browser is built from *blobs*, each with a
``key`` that changes only when its content does:

- :func:`geometry`: the simplified shapes of a boundary set -- restricted to the
  codes the user may see -- encoded as in :mod:`geo.maps` (integer, delta
  coordinates), sent once per set and scope and kept by the browser;
- :func:`layer_blob`: a point layer (cameras, groups, heat cells), from the
  payload builders of :mod:`geo.maps`;
- :func:`timeline`: one class index and value text per area and per frame (a
  month or a week), played in the browser without a server round trip.

What changes with a filter, :func:`values`, is small: per area (in the geometry's
order) a class index (``-2`` = not shown, ``-1`` = no data), the value text and
the tooltip fields, plus the legend.  Numbers are formatted here, by
:func:`geo.numfmt.fmt_number` like everywhere else.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import areas, maps
from .classify import NODATA_COLOR, NODATA_LABEL, _value_text, class_index

HIDDEN = -2              # class index of an area not in this view (another commune, outside the area filter)
_GEOM_CACHE_MAX = 24
_geom_cache: OrderedDict = OrderedDict()
_geom_lock = threading.Lock()


def digest(obj: Any) -> str:
    """A short content hash of a JSON-able object (the blobs' keys)."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    return hashlib.blake2b(s.encode("utf-8"), digest_size=8).hexdigest()


def _db_file(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def geometry(db, set_id: int, codes: Iterable[str] | None = None) -> dict:
    """The geometry blob of ``set_id``: its areas whose code is in ``codes`` (all when None),
    in code order: ``{"key", "kind": "geometry", "precision", "codes", "names", "g", "lp", "lz",
    "bbox"}``.  ``g[i]`` is the encoded (Multi)Polygon of ``codes[i]`` (see
    :func:`geo.maps.encode_geometry`), ``lp[i]`` its label point ``[lat, lon]`` and ``lz[i]``
    the zoom from which its name fits.  Built once per set and code list (sets never change)."""
    wanted = None if codes is None else {str(c) for c in codes}
    ck = (_db_file(db), int(set_id), None if wanted is None else digest(sorted(wanted)))
    with _geom_lock:
        hit = _geom_cache.get(ck)
        if hit is not None:
            _geom_cache.move_to_end(ck)
            return hit
    fc = areas.map_features(db, set_id)
    out_codes, names, g, lp, lz = [], [], [], [], []
    bb = [math.inf, math.inf, -math.inf, -math.inf]
    for f in fc["features"]:
        p = f["properties"]
        code = str(p["code"])
        if wanted is not None and code not in wanted:
            continue
        enc, bbox, point = maps._encoded(f["geometry"])
        if bbox is None:
            continue
        name = "" if p.get("name") is None else str(p["name"])
        out_codes.append(code)
        names.append(name)
        g.append(enc)
        lp.append(point)
        lz.append(maps._label_zoom(bbox, name))
        bb = [min(bb[0], bbox[0]), min(bb[1], bbox[1]), max(bb[2], bbox[2]), max(bb[3], bbox[3])]
    blob = {"kind": "geometry", "set": int(set_id), "precision": maps.PRECISION, "codes": out_codes,
            "names": names, "g": g, "lp": lp, "lz": lz, "bbox": bb if out_codes else None,
            "maxLabels": maps.MAX_LABELS}
    blob["key"] = "g" + digest([int(set_id), out_codes, ck[2]])
    with _geom_lock:
        _geom_cache[ck] = blob
        while len(_geom_cache) > _GEOM_CACHE_MAX:
            _geom_cache.popitem(last=False)
    return blob


def _classify_frame(codes: Sequence[str], vals: Mapping[Any, Any], classes: Mapping,
                    shown: set[str]) -> tuple[list[int], list, list[int], int]:
    """Per area of ``codes``: class index (:data:`HIDDEN` when not in ``shown``, -1 = no data)
    and value text; and the legend's counts per class and of no data (the map frame and
    every timeline frame)."""
    k, v = [], []
    counts = [0] * len(classes.get("bins", []))
    nodata = 0
    for code in codes:
        if code not in shown:
            k.append(HIDDEN)
            v.append(None)
            continue
        x = vals.get(code)
        ci = class_index(classes, x)
        if ci < 0:
            nodata += 1
        else:
            counts[ci] += 1
        k.append(ci)
        v.append(_value_text(classes, ci, x))
    return k, v, counts, nodata


def values(geom: Mapping, vals: Mapping[Any, Any], classes: Mapping, *, shown: Iterable[str] | None = None,
           table: Any = None, fields: Sequence[tuple[str, str]] = (), metric_label: str,
           no_data_label: str | None = None, areas_label: str = "địa bàn",
           scheme_label: str | None = None) -> dict:
    """What a filter change sends: per area of ``geom`` (same order) the class ``k``
    (:data:`HIDDEN` when the area is not in ``shown``, -1 = no data), the value text
    ``v`` and the tooltip fields ``f`` (one list per field of ``fields``, read from
    ``table``, a frame with a ``code`` column), and the legend counted on the areas shown.
    ``shown``: the codes of this view (default: the codes of ``table``, else of ``vals``)."""
    codes = geom["codes"]
    if shown is None:
        shown = table["code"] if table is not None else vals.keys()
    shown = {str(c) for c in shown}
    cols: list[dict] = []
    if table is not None and fields:
        tcodes = [str(c) for c in table["code"]]
        for col, _ in fields:
            data = list(table[col]) if col in table.columns else [None] * len(tcodes)
            cols.append({c: maps._fmt_field(maps._scalar(v)) for c, v in zip(tcodes, data)})
    k, v, counts, nodata = _classify_frame(codes, vals, classes, shown)
    f = [[col.get(code) if code in shown else None for code in codes] for col in (cols or [{}] * len(fields))]
    legend = maps.legend_html(classes, counts, nodata, metric_label=metric_label, areas_label=areas_label,
                              no_data_label=no_data_label, scheme_label=scheme_label)
    out = {"geom": geom["key"], "k": k, "v": v, "f": f, "fields": [label for _, label in fields],
           "metric": metric_label, "colors": list(classes.get("colors", [])),
           "nodata": classes.get("nodata_color", NODATA_COLOR),
           "nodataLabel": no_data_label if no_data_label is not None else classes.get("nodata_label", NODATA_LABEL),
           "legend": legend, "shown": sorted(shown & set(codes))}
    out["fit"] = digest([geom["key"], out["shown"]])     # the view refits only when the areas shown change
    out["key"] = digest(out)
    return out


def layer_blob(kind: str, name: str, payload: Mapping | None, legend: str | None = None) -> dict | None:
    """A point layer for the browser: ``kind`` one of ``cameras``, ``groups``, ``heat``;
    ``payload`` from :func:`geo.maps.camera_payload`, :func:`~geo.maps.group_payload`,
    :func:`~geo.maps.heat_payload` or :func:`no_map_payload` (``nomap``; None: nothing to draw).  ``legend``: the legend's
    words for the layer (the layer name when None)."""
    if payload is None:
        return None
    if kind not in ("cameras", "groups", "heat", "nomap"):
        raise ValueError(f"unknown layer kind {kind!r}")
    blob = {"kind": kind, "name": name, "legend": legend or name, "data": dict(payload)}
    blob["key"] = kind[0] + digest(blob)
    return blob


NO_MAP_COLOR = "#d0d3d6"      # a commune with no village map at village level: grey, dashed outline
NO_MAP_LINE = "#6b7178"


def communes_without_villages(db, village_set_id: int, codes: Iterable[str] | None = None) -> list[str]:
    """The communes of ``village_set_id``'s parent set that have no village in it (no village
    map): at village level they are marked as such, never drawn as empty or 0 %.
    ``codes``: only these communes (an officer's scope, an area filter); [] for a set that is
    not a village set under a commune set."""
    s = areas.get_set(db, village_set_id)
    if s is None or s.level != "village" or s.parent_set_id is None:
        return []
    have = {r[0] for r in db.conn.execute("SELECT DISTINCT parent_code FROM areas WHERE set_id = ?",
                                         (int(village_set_id),))}
    wanted = None if codes is None else {str(c) for c in codes}
    return [c for c in areas.area_table(db, s.parent_set_id)["code"].astype(str)
            if c not in have and (wanted is None or c in wanted)]


def no_map_payload(db, village_set_id: int, codes: Iterable[str] | None = None, *, label: str) -> dict | None:
    """The communes of :func:`communes_without_villages` as a map layer: their encoded shapes
    (the commune set's geometry), names, colours and the tooltip / legend word ``label``
    ("chưa có bản đồ thôn").  None when every commune has villages."""
    missing = communes_without_villages(db, village_set_id, codes)
    if not missing:
        return None
    g = geometry(db, areas.get_set(db, village_set_id).parent_set_id, missing)
    return {"precision": g["precision"], "codes": g["codes"], "names": g["names"], "g": g["g"],
            "bbox": g["bbox"], "color": NO_MAP_COLOR, "line": NO_MAP_LINE, "label": label, "n": len(g["codes"])}


def timeline(geom: Mapping, frames: Sequence[tuple[str, Mapping[Any, Any]]], classes: Mapping,
             shown: Iterable[str], *, metric_label: str, no_data_label: str | None = None,
             areas_label: str = "địa bàn", scheme_label: str | None = None) -> dict:
    """Frames to play in the browser: ``frames`` = ``[(label, {code: value}), ...]`` in time
    order, all coloured with one ``classes`` (classify the values of every frame together,
    so a colour means the same in each).  Per frame, per area of ``geom``: class and value
    text, and the legend with that frame's counts."""
    shown = {str(c) for c in shown}
    codes = geom["codes"]
    out_k, out_v, labels, legends = [], [], [], []
    for label, vals in frames:
        k, v, counts, nodata = _classify_frame(codes, vals, classes, shown)
        legends.append(maps.legend_html(classes, counts, nodata, metric_label=f"{metric_label} · {label}",
                                        areas_label=areas_label, no_data_label=no_data_label,
                                        scheme_label=scheme_label))
        labels.append(str(label))
        out_k.append(k)
        out_v.append(v)
    blob = {"kind": "timeline", "geom": geom["key"], "labels": labels, "k": out_k, "v": out_v, "legends": legends,
            "colors": list(classes.get("colors", [])), "nodata": classes.get("nodata_color", NODATA_COLOR)}
    blob["key"] = "t" + digest(blob)
    return blob


def payload_bytes(obj: Any) -> int:
    """Size of ``obj`` as the JSON the browser receives (bench and tests)."""
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
