"""Hierarchy: link each unit to its parent (village → commune, commune →
province or district) by the parent code in the file, else by the parent's
name, else by the largest overlap with the parent layer; list the orphans.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .encoding import name_key
from .fields import normalize_code


def _code_variants(code: str) -> list[str]:
    """``"07090"`` and ``"7090"`` are the same code (a numeric .dbf field loses
    the leading zero)."""
    c = str(code).strip()
    out = [c]
    if c.isdigit():
        out.append(c.lstrip("0") or "0")
    return out


def _code_index(parent: gpd.GeoDataFrame) -> dict[str, str]:
    index: dict[str, str] = {}
    for code in parent["code"]:
        if code is None:
            continue
        for v in _code_variants(code):
            index.setdefault(v, code)
    return index


def _name_index(parent: gpd.GeoDataFrame) -> dict[str, str | None]:
    index: dict[str, str | None] = {}
    for code, name in zip(parent["code"], parent["name"]):
        k = name_key(name)
        if not k:
            continue
        # a name shared by two parents is ambiguous
        index[k] = None if k in index and index[k] != code else code
    return index


def match_rate(values, parent: gpd.GeoDataFrame, kind: str) -> float:
    """Share of non-empty values that name a parent (by code or by name)."""
    parent = parent.assign(code=[normalize_code(c) for c in parent["code"]])
    vals = [v for v in (normalize_code(x) for x in values) if v]
    if not vals:
        return 0.0
    if kind == "name":
        idx = _name_index(parent)
        return sum(1 for v in vals if idx.get(name_key(v))) / len(vals)
    idx = _code_index(parent)
    return sum(1 for v in vals if any(x in idx for x in _code_variants(v))) / len(vals)


def link_parents(gdf: gpd.GeoDataFrame, parent: gpd.GeoDataFrame | None, *,
                 raw_parent: pd.Series | None = None, parent_kind: str = "code",
                 min_share: float = 0.5) -> tuple[gpd.GeoDataFrame, list[dict], list[str]]:
    """Fill ``gdf.parent_code``.

    ``raw_parent`` holds the parent column of the file (codes or, with
    ``parent_kind="name"``, names).  With ``parent`` (the parent level: code,
    name, geometry in EPSG:4326) each value is checked against it, and units
    with no usable value are placed in the parent that covers most of their
    area (at least ``min_share`` of it).  Without ``parent`` the file's values
    are kept as they are.

    Returns (gdf, orphans [{code, name, reason}], warnings)."""
    out = gdf.copy()
    n = len(out)
    warnings: list[str] = []
    method = np.array([None] * n, dtype=object)
    linked = np.array([None] * n, dtype=object)
    raw = [normalize_code(v) for v in raw_parent] if raw_parent is not None else [None] * n
    if parent is None or len(parent) == 0:
        if parent_kind == "name" and raw_parent is not None and any(raw):
            warnings.append("Cột cấp trên chứa tên, không phải mã; cần lớp cấp trên để gắn mã.")
            out["parent_code"] = None
        else:
            out["parent_code"] = raw
        return out, [], warnings

    parent = parent.reset_index(drop=True)
    parent = parent.assign(code=[normalize_code(c) for c in parent["code"]])  # 22 → "22"
    if parent.crs is not None and parent.crs.to_epsg() != 4326:
        parent = parent.to_crs(4326)
    unknown: list[str] = []
    if raw_parent is not None:
        cidx = _code_index(parent)
        nidx = _name_index(parent)
        for i, v in enumerate(raw):
            if not v:
                continue
            hit = None
            if parent_kind == "code":
                hit = next((cidx[x] for x in _code_variants(v) if x in cidx), None)
            if hit is None:
                hit = nidx.get(name_key(v))
            if hit is not None:
                linked[i], method[i] = hit, "code" if parent_kind == "code" else "name"
            else:
                unknown.append(v)
    if unknown:
        shown = ", ".join(sorted(set(unknown))[:5])
        warnings.append(f"{len(unknown)} đơn vị ghi mã/tên cấp trên không có trong lớp cấp trên ({shown}); "
                        "đã gắn theo vị trí.")

    todo = np.flatnonzero(linked == None)  # noqa: E711 - object array
    orphans: list[dict] = []
    if len(todo):
        geoms = out.geometry.values[todo]
        pgeoms = parent.geometry.values
        tree = shapely.STRtree(pgeoms)
        ci, pi = tree.query(geoms, predicate="intersects")
        share = np.zeros(len(ci))
        counts = np.bincount(ci, minlength=len(todo))
        single = counts[ci] == 1
        # one candidate: inside it unless it only grazes it
        if single.any():
            rp = shapely.point_on_surface(geoms[ci[single]])
            inside = shapely.contains(pgeoms[pi[single]], rp)
            share[single] = np.where(inside, 1.0, 0.0)
            grazing = np.flatnonzero(single)[~inside]
            if len(grazing):
                share[grazing] = _shares(geoms[ci[grazing]], pgeoms[pi[grazing]])
        multi = ~single
        if multi.any():
            share[multi] = _shares(geoms[ci[multi]], pgeoms[pi[multi]])
        best = {}
        for c, p, s in zip(ci, pi, share):
            if s > best.get(c, (None, -1))[1]:
                best[c] = (p, s)
        for k, row in enumerate(todo):
            p, s = best.get(k, (None, 0.0))
            if p is not None and s >= min_share:
                linked[row], method[row] = parent["code"].iloc[p], "overlap"
            else:
                reason = ("nằm ngoài mọi đơn vị cấp trên" if p is None or s <= 0
                          else f"chỉ {s:.0%} diện tích nằm trong {parent['name'].iloc[p]}")
                orphans.append({"code": out["code"].iloc[row], "name": out["name"].iloc[row],
                                "reason": reason})
    out["parent_code"] = linked
    out["parent_method"] = method
    by_overlap = int((method == "overlap").sum())
    if by_overlap and raw_parent is None:
        warnings.append(f"Đã gắn {by_overlap} đơn vị vào cấp trên theo vị trí (phần diện tích chồng lớn nhất).")
    return out, orphans, warnings


def _shares(child, parent) -> np.ndarray:
    a = shapely.area(child)
    inter = shapely.area(shapely.intersection(child, parent))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a > 0, inter / a, 0.0)
