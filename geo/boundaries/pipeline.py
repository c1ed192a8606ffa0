"""``prepare()``: from an uploaded boundary file to a clean GeoDataFrame and a
report the upload page shows before anything is written.

Steps: unpack and open safely → pick the layer → decode text → recognise the
columns → recognise the coordinates (VN-2000 with the official shift, zone
guess without .prj, swapped axes, Vietnam check) → repair geometries →
dissolve parts by code → link parents → overlaps and gaps.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import crs as crsmod
from . import encoding as enc
from . import fields as fl
from . import read as rd
from .errors import BoundaryError, FieldChoiceNeeded
from .hierarchy import link_parents, match_rate
from .repair import dissolve_by_code, overlaps_and_gaps, repair, require_polygons

LEVEL_LABELS = {"province": "tỉnh/thành phố", "district": "huyện", "commune": "xã/phường",
                "village": "thôn/tổ dân phố"}


@dataclass
class Prepared:
    """A boundary file read, cleaned and checked; nothing written yet."""
    gdf: gpd.GeoDataFrame                       # code, name, unit_type, parent_code, geometry (EPSG:4326)
    level: str
    source_file: str
    layer: str | None = None
    layers: list[str] = field(default_factory=list)
    crs_detected: str = ""                      # what the file says / what was guessed (label)
    crs_used: str | None = None                 # the CRS transformed from, e.g. "EPSG:5899"
    crs_confirmed: bool = True                  # False: guessed (no/contradicted .prj) – confirm on a preview
    datum_shift: str | None = None              # "EPSG:6960 (QĐ 05/2007/QĐ-BTNMT)" for VN-2000
    zone_candidates: list[dict] = field(default_factory=list)
    swapped_axes: bool = False
    encoding_detected: str = "utf-8"
    encoding_source: str = ""                   # cpg | detected | user | format
    encoding_candidates: list[dict] = field(default_factory=list)
    field_mapping: dict = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    sample_names: list[str] = field(default_factory=list)
    repaired: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)
    dissolved: list[dict] = field(default_factory=list)
    duplicate_codes: list[dict] = field(default_factory=list)
    orphans: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    overlaps: gpd.GeoDataFrame | None = None   # codes, names, area_m2, geometry (EPSG:4326)
    gaps: gpd.GeoDataFrame | None = None       # codes (units around it), area_m2, geometry
    topology_checked: bool = True
    feature_count: int = 0                      # rows read from the source
    timings: dict = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return (f"{len(self.gdf)} đơn vị {LEVEL_LABELS.get(self.level, self.level)} từ {self.source_file}"
                f" ({self.feature_count} đối tượng), hệ toạ độ {self.crs_detected}, bảng mã "
                f"{enc.ENCODINGS.get(self.encoding_detected, self.encoding_detected)}")


def prepare(path_or_paths, *, level: str, layer: str | None = None, code_field: str | None = None,
            name_field: str | None = None, parent_field: str | None = None, crs=None,
            encoding: str | None = None, parent: gpd.GeoDataFrame | None = None,
            max_bytes: int = rd.DEFAULT_MAX_BYTES, topology_tolerance_m2: float = 10_000.0,
            check_topology: bool = True) -> Prepared:
    """Read, decode, reproject, repair and check one boundary file.

    ``path_or_paths``: a file (.zip, .geojson/.json, .kml, .kmz, .gpkg) or the
    list of loose shapefile parts.  ``level``: province | district | commune |
    village.  ``crs`` (e.g. ``"EPSG:9210"``), ``encoding`` (utf-8, cp1258,
    tcvn3, vni) and the ``*_field`` names override what is detected.
    ``parent``: the parent level (code, name, geometry; EPSG:4326) to link to.

    Raises :class:`BoundaryError` (Vietnamese message) for a refused file,
    :class:`LayerChoiceNeeded` when a layer must be chosen,
    :class:`FieldChoiceNeeded` when no name column is found."""
    if level not in fl.LEVELS:
        raise BoundaryError(f"Cấp đơn vị “{level}” không hợp lệ; chọn một trong: {', '.join(fl.LEVELS)}.")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    warnings: list[str] = []
    with rd.open_source(path_or_paths, max_bytes=max_bytes, layer=layer) as src:
        warnings.extend(src.warnings)
        chosen = rd.choose_layers(src, layer)
        frames, crs_texts = [], []
        for name in chosen:
            gdf, crs_text = rd.read_layer(src, name)
            if len(gdf):
                frames.append(gdf)
                crs_texts.append(crs_text)
        kind, prj_text, cpg_text = src.kind, src.prj_text, src.cpg_text
        source_name = src.name
        layers = list(src.layers)
        layer_used = (layer if layer is not None else (chosen[0] if len(chosen) == 1 else None))
    timings["read"] = time.perf_counter() - t0
    if not frames:
        raise BoundaryError(f"Lớp dữ liệu trong {source_name} rỗng: không có đối tượng nào.")
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    raw = gpd.GeoDataFrame(raw, geometry=raw.geometry.name)
    feature_count = len(raw)
    raw["_row"] = np.arange(len(raw))

    # --- geometry types
    geoms = raw.geometry.values
    poly_mask = require_polygons(geoms, source_name if not layer_used else f"{source_name} / {layer_used}")
    dropped: list[dict] = []
    if not poly_mask.all():
        n_other = int((~poly_mask).sum())
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        kinds = {0: "điểm", 4: "điểm", 1: "đường", 2: "đường", 5: "đường"}
        for i in np.flatnonzero(~poly_mask):
            what = "hình học rỗng" if empty[i] else \
                f"không phải vùng ({kinds.get(int(shapely.get_type_id(geoms[i])), 'tập hợp điểm/đường')})"
            dropped.append({"row": int(i), "code": None, "name": None, "reason": what})
        if kind == "kml":
            warnings.append(f"Đã bỏ {n_other} đối tượng không phải vùng (điểm, đường, rỗng) trong KML.")
        else:
            warnings.append(f"Đã bỏ {n_other} đối tượng không phải vùng hoặc rỗng.")
        raw = raw[poly_mask].reset_index(drop=True)
    if shapely.has_z(raw.geometry.values).any() or _has_m(raw.geometry.values):
        warnings.append("Đã bỏ toạ độ độ cao (Z) / giá trị M; chỉ giữ toạ độ mặt phẳng.")
    raw["geometry"] = shapely.force_2d(raw.geometry.values)

    # --- text
    t1 = time.perf_counter()
    raw, text = _decode_text(raw, kind=kind, cpg_text=cpg_text, encoding=encoding, warnings=warnings)
    timings["text"] = time.perf_counter() - t1
    source_fields = [c for c in raw.columns if c not in ("geometry", "_row")]

    # --- fields
    try:
        fm = fl.detect_fields(raw.drop(columns=["_row"]), level, code_field=code_field,
                              name_field=name_field, parent_field=parent_field)
    except KeyError as e:
        col = e.args[0]
        raise BoundaryError(f"Không có cột “{col}” trong {source_name}; các cột: "
                            f"{', '.join(source_fields)}.") from None
    if fm.name is None:
        raise FieldChoiceNeeded(
            f"Không nhận ra cột tên đơn vị trong {source_name}; hãy chọn cột tên trong số: "
            f"{', '.join(source_fields)}.", source_fields, fm.as_dict())
    warnings.extend(fm.notes)

    work = _build_units(raw, fm, level, warnings)
    sample_names = list(dict.fromkeys(n for n in work["name"] if isinstance(n, str)))[:10]

    # --- geometry repair in the source coordinates (where the file was drawn)
    t3 = time.perf_counter()
    work, repaired = repair(work)
    timings["repair"] = time.perf_counter() - t3
    if work.empty:
        raise BoundaryError(f"Không còn vùng hợp lệ nào trong {source_name} sau khi loại hình học rỗng/hỏng.")

    # --- coordinates
    t2 = time.perf_counter()
    work, cinfo = _to_wgs84(work, crs_param=crs, crs_text=crs_texts[0], prj_text=prj_text,
                            kind=kind, parent=parent, warnings=warnings, dropped=dropped)
    timings["crs"] = time.perf_counter() - t2

    # --- repair again what the transformation may have created, dissolve
    t3 = time.perf_counter()
    work, repaired_after = repair(work)
    for r in repaired_after:
        r["problem"] += " (phát sinh khi chuyển sang WGS 84)"
    repaired += repaired_after
    for r in repaired:
        if "bỏ đối tượng" in r["action"]:
            dropped.append({"row": r["row"], "code": r["code"], "name": r["name"], "reason": r["problem"]})
    if repaired:
        fixed = sum(1 for r in repaired if "sửa" in r["action"])
        if fixed:
            warnings.append(f"Đã sửa {fixed} hình học không hợp lệ (xem danh sách sửa chữa).")
    if work.empty:
        raise BoundaryError(f"Không còn vùng hợp lệ nào trong {source_name} sau khi loại hình học rỗng/hỏng.")
    work, dissolved, dupes = dissolve_by_code(work)
    dupe_codes = {d["code"] for d in dupes}
    islands = [d for d in dissolved if d["code"] not in dupe_codes]
    if islands:
        parts = sum(d["parts"] for d in islands)
        warnings.append(f"Đã gộp {parts} dòng thành {len(islands)} đơn vị cùng mã (đảo, phần tách rời).")
    for d in dupes:
        warnings.append(f"Mã {d['code']} dùng cho {len(d['names'])} đơn vị khác tên "
                        f"({', '.join(d['names'][:4])}): đã gộp và giữ tên “{d['kept_name']}”; hãy kiểm tra.")
    timings["repair"] += time.perf_counter() - t3

    # --- hierarchy
    t4 = time.perf_counter()
    orphans: list[dict] = []
    raw_parent = None
    parent_kind = fm.parent_kind or "code"
    if fm.parent_candidates and parent is not None and len(parent) and not parent_field:
        rates = [(match_rate(work["_parent_" + col], parent, k), col, k)
                 for col, k in fm.parent_candidates]
        rate, col, k = max(rates, key=lambda r: r[0])
        if rate > 0:
            fm.parent, fm.parent_kind, parent_kind = col, k, k
        else:
            fm.parent = None
    if fm.parent:
        raw_parent = work["_parent_" + fm.parent]
    if parent is not None and len(parent):
        parent = _check_parent(parent)
        work, orphans, hw = link_parents(work, parent, raw_parent=raw_parent, parent_kind=parent_kind)
        warnings.extend(hw)
        if orphans:
            warnings.append(f"{len(orphans)} đơn vị chưa gắn được vào cấp trên (xem danh sách “mồ côi”).")
    else:
        work, _, hw = link_parents(work, None, raw_parent=raw_parent, parent_kind=parent_kind)
        warnings.extend(hw)
    timings["hierarchy"] = time.perf_counter() - t4

    # --- final table
    def texts(col: str) -> pd.Series:
        vals = [v if isinstance(v, str) and v else None for v in work[col].to_numpy(dtype=object)]
        return pd.Series(vals, dtype=object)

    out = gpd.GeoDataFrame(
        {"code": texts("code"), "name": texts("name"), "unit_type": texts("unit_type"),
         "parent_code": texts("parent_code")},
        geometry=work.geometry.values, crs=4326)

    t5 = time.perf_counter()
    if check_topology:
        overlaps, gaps = overlaps_and_gaps(out, min_area_m2=topology_tolerance_m2)
        if len(overlaps):
            warnings.append(f"{len(overlaps)} chỗ chồng lấn giữa các đơn vị kề nhau (trên "
                            f"{_ha(topology_tolerance_m2)}).")
        if len(gaps):
            warnings.append(f"{len(gaps)} khe hở giữa các đơn vị kề nhau (trên {_ha(topology_tolerance_m2)}).")
    else:
        overlaps, gaps = overlaps_and_gaps(out.iloc[:0])
    timings["topology"] = time.perf_counter() - t5
    timings["total"] = time.perf_counter() - t0

    return Prepared(
        gdf=out, level=level, source_file=source_name, layer=layer_used, layers=layers,
        crs_detected=cinfo["detected"], crs_used=cinfo["used"], crs_confirmed=cinfo["confirmed"],
        datum_shift=cinfo["datum_shift"], zone_candidates=cinfo["candidates"],
        swapped_axes=cinfo["swapped"],
        encoding_detected=text["encoding"], encoding_source=text["source"],
        encoding_candidates=text["candidates"], field_mapping=fm.as_dict(), fields=source_fields,
        sample_names=sample_names, repaired=repaired, dropped=dropped, dissolved=dissolved,
        duplicate_codes=dupes, orphans=orphans, warnings=warnings, overlaps=overlaps, gaps=gaps,
        topology_checked=check_topology,
        feature_count=feature_count, timings={k: round(v, 3) for k, v in timings.items()},
    )


def _ha(m2: float) -> str:
    return f"{m2 / 10_000:g} ha"


def _has_m(geoms) -> bool:
    fn = getattr(shapely, "has_m", None)
    return bool(fn is not None and fn(geoms).any())


def _check_parent(parent: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    missing = [c for c in ("code", "name") if c not in parent.columns]
    if missing:
        raise BoundaryError(f"Lớp cấp trên thiếu cột {', '.join(missing)}.")
    if parent.crs is None:
        parent = parent.set_crs(4326)
    return parent


# --------------------------------------------------------------------------- #
# Text
# --------------------------------------------------------------------------- #
def _text_columns(df: pd.DataFrame) -> list[str]:
    cols = []
    for c in df.columns:
        if c in ("geometry", "_row"):
            continue
        s = df[c]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            if s.map(lambda v: isinstance(v, str)).any():
                cols.append(c)
    return cols


def _decode_text(df: gpd.GeoDataFrame, *, kind: str, cpg_text: str | None, encoding: str | None,
                 warnings: list[str]) -> tuple[gpd.GeoDataFrame, dict]:
    cols = _text_columns(df)
    # raw bytes of every text value (shapefile: read as Latin-1, byte for byte)
    legacy_view = kind == "shapefile"
    values_by_col = {c: df[c].to_numpy(dtype=object) for c in cols}
    all_text = [v for c in cols for v in values_by_col[c] if isinstance(v, str)]
    result = {"encoding": "utf-8", "source": "format", "candidates": []}

    chosen = enc.canonical_encoding(encoding) if encoding else None
    if encoding and not chosen:
        raise BoundaryError(f"Bảng mã “{encoding}” không được hỗ trợ; chọn: {', '.join(enc.ENCODINGS)}.")

    def raw_bytes(v: str) -> bytes:
        return v.encode("latin-1") if legacy_view else enc.text_to_bytes(v)

    name_like = _name_like_columns(cols)
    sample_raw = []
    for c in name_like or cols:
        for v in values_by_col[c]:
            if isinstance(v, str) and any(ord(ch) > 0x7F for ch in v):
                sample_raw.append(v)
            if len(sample_raw) >= 8:
                break
    if legacy_view:
        raws = [raw_bytes(v) for v in all_text]
        detected, guesses = enc.detect_encoding(raws, sample_for=[raw_bytes(v) for v in sample_raw] or None)
        result["candidates"] = [g.as_dict() for g in guesses]
        cpg = enc.canonical_encoding(cpg_text) if cpg_text else None
        if chosen:
            use, source = chosen, "user"
        elif cpg:
            use, source = cpg, "cpg"
            if cpg == "utf-8" and detected != "utf-8":
                use, source = detected, "detected"
                warnings.append(f"Tệp .cpg ghi UTF-8 nhưng dữ liệu không phải UTF-8; đã nhận dạng là "
                                f"{enc.ENCODINGS[detected]}.")
            elif cpg != "utf-8" and detected == "utf-8" and any(b > 0x7F for r in raws for b in r):
                use, source = "utf-8", "detected"
                warnings.append(f"Tệp .cpg ghi {cpg_text.strip()} nhưng dữ liệu là UTF-8; đã đọc theo UTF-8.")
        else:
            use, source = detected, "detected"
            best = next(g for g in guesses if g.encoding == detected)
            if any(b > 0x7F for r in raws for b in r):
                msg = f"Không có tệp .cpg: nhận dạng bảng mã là {enc.ENCODINGS[detected]}"
                if best.score < 0.8:
                    msg += f" (độ tin cậy thấp: {best.score:.0%}); hãy xem tên mẫu và chọn lại nếu sai"
                warnings.append(msg + ".")
        result.update(encoding=use, source=source)
        decode = _memo(lambda v: enc.decode_bytes(v.encode("latin-1"), use))
        colmap = {c: enc.clean_text(enc.decode_bytes(str(c).encode("latin-1"), use))
                  if any(ord(ch) > 0x7F for ch in str(c)) else c for c in df.columns}
    else:
        # Unicode formats (GeoJSON, KML, GeoPackage): convert only legacy text
        # that was stored as if it were Latin-1 ("B×nh Khª", "BÃ¬nh").
        mojibake = enc.looks_mojibake(all_text[:3000])
        use, source, convert = "utf-8", "format", False
        if chosen:
            use, source = chosen, "user"
            convert = chosen not in ("utf-8", "latin-1") or mojibake
        elif mojibake:
            try:
                raws = [enc.text_to_bytes(v) for v in all_text[:3000]]
                shown = [enc.text_to_bytes(v) for v in sample_raw] or None
            except UnicodeEncodeError:
                raws = []
            if raws:
                detected, guesses = enc.detect_encoding(raws, sample_for=shown)
                result["candidates"] = [g.as_dict() for g in guesses]
                best = next(g for g in guesses if g.encoding == detected)
                if best.score >= 0.8:
                    use, source, convert = detected, "detected", True
                    warnings.append(f"Chữ trong tệp là mã cũ hiển thị sai (ví dụ “{sample_raw[0] if sample_raw else ''}”); "
                                    f"đã chuyển từ {enc.ENCODINGS[detected]} sang Unicode.")
        if convert:
            def conv(v: str, _use=use) -> str:
                try:
                    return enc.decode_bytes(enc.text_to_bytes(v), _use)
                except UnicodeEncodeError:
                    return v  # genuine Unicode: leave it
            decode = _memo(conv)
        else:
            decode = _memo(lambda v: v)
        result.update(encoding=use, source=source)
        colmap = {c: c for c in df.columns}

    for c in cols:
        df[c] = pd.Series([enc.clean_text(decode(v)) if isinstance(v, str) else v
                           for v in values_by_col[c]], index=df.index, dtype=object)
    if any(k != v for k, v in colmap.items()):
        df = df.rename(columns=colmap)
    return df, result


def _name_like_columns(cols: list[str]) -> list[str]:
    out = []
    for c in cols:
        k = fl.classify_column(str(c))
        if k.kind == "name":
            out.append(c)
    return out


def _memo(fn):
    cache: dict = {}

    def inner(v):
        r = cache.get(v)
        if r is None:
            r = cache[v] = fn(v)
        return r
    return inner


# --------------------------------------------------------------------------- #
# Units: code, name, type, parent value
# --------------------------------------------------------------------------- #
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("_", enc.strip_diacritics(text).lower()).strip("_")


def _camel(s: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in zip(s, s[1:]))


def _split_camel(s: str) -> str:
    out = [s[0]] if s else []
    for a, b in zip(s, s[1:]):
        if a.islower() and b.isupper():
            out.append(" ")
        out.append(b)
    return "".join(out)


def _build_units(raw: gpd.GeoDataFrame, fm: fl.FieldMapping, level: str,
                 warnings: list[str]) -> gpd.GeoDataFrame:
    n = len(raw)
    names_in = raw[fm.name].to_numpy(dtype=object)
    names, types = [], []
    retoned = []
    type_col = raw[fm.unit_type].to_numpy(dtype=object) if fm.unit_type else [None] * n
    glued = [isinstance(x, str) and " " not in x.strip() and _camel(x) for x in names_in]
    split_glued = sum(glued) >= max(1, 0.3 * n)
    if split_glued:
        ex = next(x for x, g in zip(names_in, glued) if g)
        warnings.append(f"Tên bị viết dính liền (ví dụ “{ex}”); đã tách thành “{_split_camel(ex)}”.")
    if n >= 3 and not any(isinstance(x, str) and any(ord(c) > 0x7F for c in x) for x in names_in):
        ex = next((x for x in names_in if isinstance(x, str)), "")
        warnings.append(f"Tên đơn vị không có dấu tiếng Việt (ví dụ “{ex}”); nên dùng tệp có tên đầy đủ dấu.")
    for nm, tv in zip(names_in, type_col):
        if not isinstance(nm, str):
            nm = fl.normalize_code(nm)
        if split_glued and isinstance(nm, str) and " " not in nm.strip():
            nm = _split_camel(nm)
        clean = enc.clean_text(nm, tone_style=True) if isinstance(nm, str) else None
        if isinstance(nm, str) and clean != enc.clean_text(nm):
            retoned.append((enc.clean_text(nm), clean))
        ptype, rest = fl.split_unit_prefix(clean, level)
        ctype = fl.unit_type_code(tv, level) if tv is not None else None
        types.append(ctype or ptype or fl.default_unit_type(level))
        names.append(rest)
    if retoned:
        ex = retoned[0]
        warnings.append(f"Đã chuẩn hoá vị trí dấu thanh kiểu cũ cho {len(retoned)} tên "
                        f"(ví dụ “{ex[0]}” → “{ex[1]}”).")
    missing_names = sum(1 for x in names if not x)
    if missing_names:
        warnings.append(f"{missing_names} dòng không có tên đơn vị.")

    if fm.code:
        col = raw[fm.code]
        codes = [fl.normalize_code(v) for v in col.to_numpy(dtype=object)]
        width = fl.CODE_WIDTH.get(level)
        gso_like = any(w in ("ma", "madvhc", "mahc", "code", "pcode") for w in fl.column_words(str(fm.code)))
        if width and gso_like and pd.api.types.is_numeric_dtype(col.dtype):
            short = [c for c in codes if c and c.isdigit() and len(c) < width]
            if short:
                codes = [c.zfill(width) if c and c.isdigit() else c for c in codes]
                warnings.append(f"Cột mã “{fm.code}” là số nên mất số 0 đầu; đã bổ sung thành {width} chữ số.")
        missing = [i for i, c in enumerate(codes) if not c]
        for i in missing:
            codes[i] = "_" + (slug(names[i]) if names[i] else f"dong_{i + 1}")
        if missing:
            warnings.append(f"{len(missing)} dòng không có mã; đã tạo mã tạm từ tên.")
    else:
        codes = ["_" + (slug(nm) if nm else f"dong_{i + 1}") for i, nm in enumerate(names)]
        warnings.append("Không nhận ra cột mã đơn vị; đã tạo mã tạm từ tên (nên chọn cột mã nếu có).")

    data = {"_row": raw["_row"].to_numpy(), "code": codes, "name": names, "unit_type": types}
    for col, _kind in fm.parent_candidates:
        data["_parent_" + col] = [fl.normalize_code(v) for v in raw[col].to_numpy(dtype=object)]
    if fm.parent and ("_parent_" + fm.parent) not in data:
        data["_parent_" + fm.parent] = [fl.normalize_code(v) for v in raw[fm.parent].to_numpy(dtype=object)]
    return gpd.GeoDataFrame(data, geometry=raw.geometry.values, crs=raw.crs)


# --------------------------------------------------------------------------- #
# Coordinates
# --------------------------------------------------------------------------- #
def _swap(geoms):
    return shapely.transform(geoms, lambda c: c[:, ::-1])


def _raw_bounds(geoms) -> tuple[float, float, float, float]:
    b = shapely.bounds(geoms)
    return (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])),
            float(np.nanmax(b[:, 2])), float(np.nanmax(b[:, 3])))


def _to_wgs84(work: gpd.GeoDataFrame, *, crs_param, crs_text: str | None, prj_text: str | None,
              kind: str, parent, warnings: list[str], dropped: list[dict]):
    geoms = work.geometry.values
    bounds = _raw_bounds(geoms)
    shape = crsmod.classify_range(bounds)
    info = {"detected": "", "used": None, "confirmed": True, "datum_shift": None,
            "candidates": [], "swapped": False}

    if crs_param is not None and str(crs_param).strip():
        try:
            parsed = crsmod.parse_crs(crs_param)
            pcode = crsmod.epsg_of(parsed)
            ci = crsmod.recognise(f"EPSG:{pcode}" if pcode else parsed.to_wkt())
        except Exception:  # noqa: BLE001 - any parse failure is the user's input
            raise BoundaryError(f"Hệ toạ độ “{crs_param}” không hợp lệ (ví dụ đúng: EPSG:9210).") from None
        if ci.crs is None:
            raise BoundaryError(f"Hệ toạ độ “{crs_param}” không hợp lệ (ví dụ đúng: EPSG:9210).")
        file_ci = crsmod.recognise(crs_text, prj_text) if (crs_text or prj_text) else None
        info["detected"] = ci.label + " (người dùng chọn)"
        if file_ci and file_ci.crs is not None and not file_ci.crs.equals(ci.crs):
            warnings.append(f"Dùng hệ toạ độ người dùng chọn ({ci.label}) thay cho hệ trong tệp ({file_ci.label}).")
        confirmed = True
    else:
        ci = crsmod.recognise(crs_text, prj_text) if kind == "shapefile" else crsmod.recognise(crs_text)
        if kind == "shapefile" and not prj_text:
            ci = crsmod.CrsInfo(None, "không có (thiếu tệp .prj)")
        info["detected"] = ci.label
        confirmed = ci.crs is not None
        if ci.note:
            warnings.append(ci.note)
        # what the numbers say vs what the file says
        if ci.crs is not None and ci.geographic and shape == "projected":
            warnings.append(f"Tệp ghi hệ toạ độ địa lý ({ci.label}) nhưng toạ độ là mét (Đông/Bắc) kiểu "
                            "VN-2000: bỏ qua hệ trong tệp, đề xuất múi chiếu để xác nhận.")
            ci, confirmed = crsmod.CrsInfo(None, ci.label), False
        elif ci.crs is not None and not ci.geographic and shape in ("lonlat", "latlon"):
            warnings.append(f"Tệp ghi hệ toạ độ phẳng ({ci.label}) nhưng toạ độ là độ: coi là WGS 84 "
                            "(EPSG:4326); hãy xác nhận trên bản xem trước.")
            ci, confirmed = crsmod.recognise("EPSG:4326"), False
            info["candidates"] = crsmod.geographic_candidates()

    if ci.crs is None:
        confirmed = False
        if shape in ("lonlat", "latlon"):
            ci = crsmod.recognise("EPSG:4326")
            info["candidates"] = crsmod.geographic_candidates()
            warnings.append("Không có hệ toạ độ (.prj): toạ độ là độ, tạm coi là WGS 84 (EPSG:4326). "
                            "Nếu số liệu là VN-2000 địa lý, hãy chọn EPSG:4756.")
            info["detected"] = "không có .prj — toạ độ địa lý (độ)"
        elif shape == "projected":
            pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
            pb = tuple(parent.total_bounds) if parent is not None and len(parent) else None
            cands = crsmod.zone_candidates(pts, parent_bounds=pb)
            if not cands:
                raise BoundaryError(crsmod.describe_outside(bounds))
            info["candidates"] = cands
            best = cands[0]
            ci = crsmod.recognise(best["crs"])
            warnings.append(f"Không có hệ toạ độ (.prj): toạ độ là mét kiểu VN-2000. Tạm dùng "
                            f"{best['label']}; hãy xem bản xem trước và xác nhận hoặc chọn múi khác.")
            info["detected"] = f"không có .prj — VN-2000 phẳng, đề xuất {best['crs']}"
        else:
            raise BoundaryError(crsmod.describe_outside(bounds))

    # swapped latitude/longitude
    if ci.geographic and shape == "latlon":
        geoms = _swap(geoms)
        info["swapped"] = True
        warnings.append("Kinh độ và vĩ độ bị đảo chỗ (vĩ độ đứng trước); đã đổi lại.")
        bounds = _raw_bounds(geoms)
        shape = "lonlat"
    if ci.geographic and shape != "lonlat":
        b = shapely.bounds(geoms)
        some_inside = crsmod.in_vietnam((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2).any()
        if shape != "degrees" or not some_inside:
            raise BoundaryError(crsmod.describe_outside(bounds))

    transform = crsmod.WGS84Transform(ci.crs, ci.vn2000)
    code = crsmod.epsg_of(ci.crs)
    is_wgs84 = code == 4326
    if not is_wgs84:
        geoms = shapely.transform(geoms, transform)
    info["used"] = f"EPSG:{code}" if code else ci.crs.to_wkt()
    info["datum_shift"] = transform.datum_shift
    info["confirmed"] = confirmed

    # Vietnam check, row by row
    b = shapely.bounds(geoms)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    inside = crsmod.in_vietnam(cx, cy)
    if not inside.any():
        wb = _raw_bounds(geoms)
        raise BoundaryError(crsmod.describe_outside(wb if code else bounds)
                            + (f" (đã hiểu theo {ci.label})" if not is_wgs84 else ""))
    if not inside.all():
        n_out = int((~inside).sum())
        for i in np.flatnonzero(~inside):
            dropped.append({"row": int(work["_row"].iloc[i]), "code": work["code"].iloc[i],
                            "name": work["name"].iloc[i],
                            "reason": f"nằm ngoài Việt Nam ({cx[i]:.3f}, {cy[i]:.3f})"})
        warnings.append(f"Đã bỏ {n_out} đối tượng nằm ngoài lãnh thổ Việt Nam.")
    work = work.copy()
    work["geometry"] = geoms
    work = work.set_crs(4326, allow_override=True)
    return work[inside].reset_index(drop=True), info
