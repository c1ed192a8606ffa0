"""Coordinates: VN-2000 recognition, the official datum shift, zone guessing,
the Vietnam bounds check and swapped axes.

VN-2000 facts used here (see the fixtures README):

* geographic VN-2000 is EPSG:4756 (WGS 84 ellipsoid, its own datum);
* UTM 48N/49N are EPSG:3405/3406; the 3° zones (TM-3, k = 0.9999, false
  easting 500 000) EPSG:5896–5899 and the provincial zones EPSG:9205–9218;
* the official VN-2000 → WGS 84 parameters (Decision 05/2007/QĐ-BTNMT) are the
  EPSG transformation 6960 (7-parameter Helmert, coordinate frame).  A file
  whose ``.prj`` names no VN-2000 datum lands about 230 m off.

:func:`to_wgs84_transformer` always applies EPSG:6960 explicitly (inverse
projection to VN-2000 geographic, then the Helmert step) instead of trusting
whatever PROJ would pick among the candidate operations.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
from pyproj import CRS, Transformer
from pyproj.crs import CoordinateOperation

from .errors import BoundaryError

# --------------------------------------------------------------------------- #
# Constants
# --------------------------------------------------------------------------- #
VN2000_GEOGRAPHIC = 4756
VN2000_UTM = {3405: 105.0, 3406: 111.0}
VN2000_TM3 = {
    5896: 102.0, 5897: 105.0, 5898: 108.0, 5899: 107.75,
    9205: 103.0, 9206: 104.0, 9207: 104.5, 9208: 104.75, 9209: 105.5, 9210: 105.75,
    9211: 106.0, 9212: 106.25, 9213: 106.5, 9214: 107.0, 9215: 107.25, 9216: 107.5,
    9217: 108.25, 9218: 108.5,
}
VN2000_DEPRECATED = {6959: 5899}  # TM-3 Da Nang zone: false easting/northing swapped
VN2000_EPSG = {VN2000_GEOGRAPHIC, *VN2000_UTM, *VN2000_TM3, *VN2000_DEPRECATED}
DATUM_SHIFT_EPSG = 6960
DATUM_SHIFT_LABEL = "EPSG:6960 (QĐ 05/2007/QĐ-BTNMT)"

# Vietnam incl. Hoàng Sa and Trường Sa, with a margin
VN_LON = (101.5, 118.5)
VN_LAT = (6.0, 24.0)
# Projected VN-2000 numbers: easting within a zone, northing of latitudes 6–24°
PROJ_E = (50_000.0, 1_000_000.0)
PROJ_N = (600_000.0, 2_700_000.0)

_VN2000_TEXT = re.compile(r"vn[\s_\-]*2000|viet[\s_\-]*nam[\s_\-]*2000|d[\s_]*vietnam[\s_]*2000",
                          re.IGNORECASE)
_HN72_TEXT = re.compile(r"hanoi[\s_\-]*1972|hn[\s_\-]*72", re.IGNORECASE)

# Official TM-3 central meridians of the 63 provinces (Thông tư 973/2001/TT-TCĐC)
# with an approximate centre (lon, lat); used only to rank zone guesses.
PROVINCE_ZONES: list[tuple[str, float, float, float]] = [
    ("Lai Châu", 103.00, 103.1, 22.3), ("Điện Biên", 103.00, 102.9, 21.6),
    ("Sơn La", 104.00, 104.0, 21.2), ("Lào Cai", 104.75, 104.1, 22.3),
    ("Yên Bái", 104.75, 104.5, 21.8), ("Hà Giang", 105.50, 105.0, 22.8),
    ("Tuyên Quang", 106.00, 105.3, 22.1), ("Phú Thọ", 104.75, 105.1, 21.3),
    ("Vĩnh Phúc", 105.00, 105.5, 21.35), ("Cao Bằng", 105.75, 106.0, 22.75),
    ("Lạng Sơn", 107.25, 106.6, 21.85), ("Bắc Kạn", 106.50, 105.85, 22.25),
    ("Thái Nguyên", 106.50, 105.85, 21.7), ("Bắc Giang", 107.00, 106.5, 21.35),
    ("Bắc Ninh", 105.50, 106.1, 21.1), ("Quảng Ninh", 107.75, 107.3, 21.2),
    ("Hải Phòng", 105.75, 106.65, 20.85), ("Hải Dương", 105.50, 106.35, 20.95),
    ("Hưng Yên", 105.50, 106.05, 20.8), ("Hà Nội", 105.00, 105.7, 21.0),
    ("Hòa Bình", 106.00, 105.35, 20.7), ("Hà Nam", 105.00, 105.95, 20.5),
    ("Nam Định", 105.50, 106.2, 20.25), ("Thái Bình", 105.50, 106.4, 20.5),
    ("Ninh Bình", 105.00, 105.9, 20.2), ("Thanh Hóa", 105.00, 105.4, 20.0),
    ("Nghệ An", 104.75, 104.9, 19.2), ("Hà Tĩnh", 105.50, 105.7, 18.3),
    ("Quảng Bình", 106.00, 106.3, 17.5), ("Quảng Trị", 106.25, 106.9, 16.75),
    ("Thừa Thiên Huế", 107.00, 107.5, 16.35), ("Đà Nẵng", 107.75, 108.1, 16.05),
    ("Quảng Nam", 107.75, 108.0, 15.55), ("Quảng Ngãi", 108.00, 108.6, 15.0),
    ("Bình Định", 108.25, 108.9, 14.1), ("Kon Tum", 107.50, 107.9, 14.7),
    ("Gia Lai", 108.50, 108.1, 13.8), ("Đắk Lắk", 108.50, 108.2, 12.8),
    ("Đắk Nông", 108.50, 107.7, 12.2), ("Phú Yên", 108.50, 109.0, 13.15),
    ("Khánh Hòa", 108.25, 109.0, 12.3), ("Ninh Thuận", 108.25, 108.85, 11.7),
    ("Bình Thuận", 108.50, 108.1, 11.1), ("Lâm Đồng", 107.75, 108.1, 11.7),
    ("Bình Dương", 105.75, 106.65, 11.15), ("Bình Phước", 106.25, 106.9, 11.75),
    ("Đồng Nai", 107.75, 107.15, 11.05), ("Bà Rịa – Vũng Tàu", 107.75, 107.25, 10.6),
    ("Tây Ninh", 105.50, 106.15, 11.35), ("Long An", 105.75, 106.2, 10.7),
    ("Tiền Giang", 105.75, 106.3, 10.4), ("Bến Tre", 105.75, 106.45, 10.15),
    ("Đồng Tháp", 105.00, 105.65, 10.55), ("Vĩnh Long", 105.50, 106.0, 10.15),
    ("Trà Vinh", 105.50, 106.3, 9.8), ("An Giang", 104.75, 105.15, 10.5),
    ("Kiên Giang", 104.50, 105.1, 10.0), ("Cần Thơ", 105.00, 105.6, 10.1),
    ("Hậu Giang", 105.00, 105.6, 9.8), ("Sóc Trăng", 105.50, 105.95, 9.55),
    ("Bạc Liêu", 105.00, 105.5, 9.3), ("Cà Mau", 104.50, 105.0, 9.0),
    ("TP Hồ Chí Minh", 105.75, 106.7, 10.8),
]


# --------------------------------------------------------------------------- #
# Recognition
# --------------------------------------------------------------------------- #
@dataclass
class CrsInfo:
    """What the source says about its coordinates, after recognition."""
    crs: CRS | None              # the CRS to transform from (None: unknown)
    label: str                   # shown to the user, e.g. "EPSG:5899 VN-2000 / TM-3 107-45"
    vn2000: bool = False
    geographic: bool = False
    note: str | None = None      # a Vietnamese warning about the .prj, if any


def parse_crs(value) -> CRS:
    """A CRS from what a user or a file gives: ``"EPSG:9210"``, ``9210``,
    ``"9210"``, WKT (OGC or ESRI) or a PROJ string."""
    if isinstance(value, CRS):
        return value
    if isinstance(value, (int, np.integer)):
        return CRS.from_epsg(int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{4,6}", text):
        return CRS.from_epsg(int(text))
    return CRS.from_user_input(text)


def epsg_of(crs: CRS) -> int | None:
    try:
        code = crs.to_epsg(min_confidence=70)
    except pyproj.exceptions.CRSError:
        return None
    return code


def _tm_params(crs: CRS) -> dict | None:
    """Transverse Mercator parameters of a projected CRS (None otherwise)."""
    if not crs.is_projected or crs.coordinate_operation is None:
        return None
    op = crs.coordinate_operation
    if "transverse mercator" not in op.method_name.lower():
        return None
    p = {}
    for param in op.params:
        n = param.name.lower()
        if "longitude of natural origin" in n or "central meridian" in n:
            p["lon_0"] = param.value
        elif "scale factor" in n:
            p["k"] = param.value
        elif "false easting" in n:
            p["x_0"] = param.value
        elif "false northing" in n:
            p["y_0"] = param.value
        elif "latitude of natural origin" in n:
            p["lat_0"] = param.value
    return p


def mentions_vn2000(text: str | None) -> bool:
    return bool(text and _VN2000_TEXT.search(text))


def recognise(crs_text: str | None, prj_text: str | None = None) -> CrsInfo:
    """Recognise the CRS of a source from its CRS string (EPSG code or WKT, as
    GDAL reports it) and the raw ``.prj`` text when there is one.

    VN-2000 is recognised by EPSG code, by datum name in any spelling
    (``D_Vietnam_2000``, ``GCS_VN_2000``, ``VN-2000``…) and by the TM-3
    signature (Transverse Mercator, k = 0.9999, false easting 500 000, a VN-2000
    central meridian) even when the ``.prj`` calls its datum WGS 84 — such
    "local VN-2000" files hold VN-2000 numbers.  An unrecognised VN-2000
    projection is rebuilt on the VN-2000 datum so the official shift applies.
    """
    if not crs_text and not prj_text:
        return CrsInfo(None, "không có (thiếu tệp .prj)")
    try:
        crs = parse_crs(crs_text or prj_text)
    except pyproj.exceptions.CRSError:
        if prj_text and crs_text != prj_text:
            try:
                crs = parse_crs(prj_text)
            except pyproj.exceptions.CRSError:
                return CrsInfo(None, "không đọc được tệp .prj",
                               note="Không đọc được hệ toạ độ trong tệp .prj; coi như không có .prj.")
        else:
            return CrsInfo(None, "không đọc được hệ toạ độ",
                           note="Không đọc được hệ toạ độ của tệp; coi như không có .prj.")
    note = None
    if crs.is_bound and crs.source_crs is not None:
        # a .prj with its own TOWGS84: for VN-2000 the official shift wins
        src = crs.source_crs
        src_text = " ".join(filter(None, [prj_text, crs_text, src.name, src.datum.name if src.datum else ""]))
        if mentions_vn2000(src_text) or epsg_of(src) in VN2000_EPSG:
            if not _is_6960(crs.coordinate_operation):
                note = ("Tệp .prj kèm tham số TOWGS84 riêng khác tham số chính thức; đã dùng tham số "
                        "EPSG:6960 (QĐ 05/2007/QĐ-BTNMT).")
            crs = src
    text = " ".join(filter(None, [prj_text, crs_text, crs.name,
                                  crs.datum.name if crs.datum else ""]))
    code = epsg_of(crs)
    if code in VN2000_DEPRECATED:
        new = VN2000_DEPRECATED[code]
        note = (f"Tệp ghi EPSG:{code} (đã bị EPSG bãi bỏ vì đảo ngược số cộng thêm Đông/Bắc); "
                f"dùng EPSG:{new} thay thế.")
        code = new
        crs = CRS.from_epsg(new)
    if code == VN2000_GEOGRAPHIC or code in VN2000_UTM or code in VN2000_TM3:
        return CrsInfo(crs, f"EPSG:{code} {crs.name}", vn2000=True,
                       geographic=crs.is_geographic, note=note)
    datum_vn = mentions_vn2000(text)
    tm = _tm_params(crs)
    tm3_signature = bool(
        tm and abs(tm.get("k", 0) - 0.9999) < 1e-9 and abs(tm.get("x_0", 0) - 500000) < 1e-6
        and abs(tm.get("y_0", 0)) < 1e-6 and abs(tm.get("lat_0", 0)) < 1e-9
        and 101.5 <= tm.get("lon_0", 0) <= 112.5 and (tm["lon_0"] * 4) % 1 == 0)
    if datum_vn or tm3_signature:
        rebuilt = _rebuild_on_vn2000(crs)
        code2 = epsg_of(rebuilt)
        label = f"EPSG:{code2} {rebuilt.name}" if code2 else f"VN-2000 ({crs.name})"
        if not datum_vn:
            note = (f"Tệp .prj ghi hệ “{crs.name}” với datum {crs.datum.name if crs.datum else '?'}, "
                    "nhưng phép chiếu là múi 3° của VN-2000 (k = 0,9999): coi là VN-2000 và "
                    "chuyển sang WGS 84 theo QĐ 05/2007/QĐ-BTNMT.")
        return CrsInfo(rebuilt, label, vn2000=True, geographic=rebuilt.is_geographic, note=note)
    if _HN72_TEXT.search(text):
        return CrsInfo(crs, f"{'EPSG:%d ' % code if code else ''}{crs.name}", geographic=crs.is_geographic,
                       note="Hệ toạ độ HN-72 (Hà Nội 1972): chuyển sang WGS 84 bằng tham số mặc định của PROJ.")
    label = f"EPSG:{code} {crs.name}" if code else crs.name
    datum_name = crs.datum.name.lower() if crs.datum else ""
    if crs.is_projected and ("wgs" in datum_name or "world geodetic" in datum_name) and tm:
        note = ("Tệp .prj ghi datum WGS 84. Nếu số liệu gốc là VN-2000 mà .prj ghi nhầm WGS 84, "
                "ranh giới sẽ lệch khoảng 200–300 m: hãy chọn lại hệ VN-2000 nếu cần.")
    return CrsInfo(crs, label, geographic=crs.is_geographic, note=note)


def _is_6960(op) -> bool:
    """Whether a TOWGS84 operation carries the official parameters (either
    rotation convention)."""
    if op is None:
        return False
    official = {p.name: p.value for p in CoordinateOperation.from_epsg(DATUM_SHIFT_EPSG).params}
    got = {p.name: p.value for p in op.params}
    try:
        dt = max(abs(got[k] - official[k]) for k in ("X-axis translation", "Y-axis translation",
                                                     "Z-axis translation"))
    except KeyError:
        return False
    return dt < 0.01


def _rebuild_on_vn2000(crs: CRS) -> CRS:
    """The same coordinates, on the VN-2000 datum (EPSG code when one matches)."""
    if crs.is_geographic:
        return CRS.from_epsg(VN2000_GEOGRAPHIC)
    tm = _tm_params(crs)
    if tm:
        lon0, k = tm.get("lon_0"), tm.get("k")
        if abs(k - 0.9999) < 1e-9 and abs(tm.get("x_0", 0) - 500000) < 1e-6:
            for code, cm in VN2000_TM3.items():
                if abs(cm - lon0) < 1e-9:
                    return CRS.from_epsg(code)
        if abs(k - 0.9996) < 1e-9 and abs(tm.get("x_0", 0) - 500000) < 1e-6:
            for code, cm in VN2000_UTM.items():
                if abs(cm - lon0) < 1e-9:
                    return CRS.from_epsg(code)
        return CRS.from_proj4(
            f"+proj=tmerc +lat_0={tm.get('lat_0', 0)} +lon_0={lon0} +k={k} +x_0={tm.get('x_0', 0)} "
            f"+y_0={tm.get('y_0', 0)} +ellps=WGS84 +units=m +no_defs +type=crs")
    # another projection: keep it, but on the VN-2000 geographic CRS
    try:
        d = crs.to_json_dict()
        d["base_crs"] = CRS.from_epsg(VN2000_GEOGRAPHIC).to_json_dict()
        return CRS.from_json_dict(d)
    except (pyproj.exceptions.CRSError, KeyError, TypeError):
        return crs


# --------------------------------------------------------------------------- #
# Transformation
# --------------------------------------------------------------------------- #
@lru_cache(maxsize=1)
def _helmert_6960() -> Transformer:
    """VN-2000 geographic (lon, lat in degrees) → WGS 84, EPSG:6960 exactly."""
    op = CoordinateOperation.from_epsg(DATUM_SHIFT_EPSG)
    p = {param.name: param.value for param in op.params}
    pipeline = (
        "+proj=pipeline "
        "+step +proj=unitconvert +xy_in=deg +xy_out=rad "
        "+step +proj=push +v_3 "
        "+step +proj=cart +ellps=WGS84 "
        f"+step +proj=helmert +x={p['X-axis translation']} +y={p['Y-axis translation']} "
        f"+z={p['Z-axis translation']} +rx={p['X-axis rotation']} +ry={p['Y-axis rotation']} "
        f"+rz={p['Z-axis rotation']} +s={p['Scale difference']} +convention=coordinate_frame "
        "+step +inv +proj=cart +ellps=WGS84 "
        "+step +proj=pop +v_3 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    return Transformer.from_pipeline(pipeline)


def _single_pass_6960(source: CRS) -> Transformer | None:
    """PROJ's own source → WGS 84 operation that goes through EPSG:6960, when
    PROJ offers one (one pass over the coordinates instead of two).  Checked
    by its Helmert parameters, never by PROJ's default choice."""
    try:
        group = pyproj.transformer.TransformerGroup(source, CRS.from_epsg(4326), always_xy=True)
    except pyproj.exceptions.ProjError:
        return None
    op = CoordinateOperation.from_epsg(DATUM_SHIFT_EPSG)
    x = next(p.value for p in op.params if p.name == "X-axis translation")
    needle = f"+x={x}".replace("+", "")
    for t in group.transformers:
        definition = t.definition or ""
        if "helmert" in definition and needle in definition.replace("+", ""):
            return t
    return None


class WGS84Transform:
    """Callable ``(N×2 array) → N×2 array`` from a source CRS to WGS 84 lon/lat.

    For VN-2000 it is the inverse projection to VN-2000 geographic followed by
    the EPSG:6960 Helmert shift; otherwise PROJ's best transformation."""

    def __init__(self, source: CRS, vn2000: bool):
        self.source = source
        self.vn2000 = vn2000
        self.steps: list[Transformer] = []
        if vn2000:
            one = _single_pass_6960(source)
            if one is not None:
                self.steps.append(one)
            else:
                geog = CRS.from_epsg(VN2000_GEOGRAPHIC)
                if not source.equals(geog, ignore_axis_order=True):
                    self.steps.append(Transformer.from_crs(source, geog, always_xy=True))
                self.steps.append(_helmert_6960())
        else:
            self.steps.append(Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True))

    @property
    def datum_shift(self) -> str | None:
        return DATUM_SHIFT_LABEL if self.vn2000 else None

    def __call__(self, coords: np.ndarray) -> np.ndarray:
        x, y = coords[:, 0], coords[:, 1]
        for t in self.steps:
            x, y = t.transform(x, y)
        out = np.column_stack([x, y])
        if not np.isfinite(out).all():
            raise BoundaryError("Không chuyển được toạ độ sang WGS 84 (có điểm nằm ngoài miền "
                                "xác định của phép chiếu); kiểm tra lại hệ toạ độ.")
        return out


def to_wgs84_transformer(source: CRS, vn2000: bool | None = None) -> WGS84Transform:
    if vn2000 is None:
        vn2000 = recognise(source.to_wkt()).vn2000
    return WGS84Transform(source, vn2000)


# --------------------------------------------------------------------------- #
# Coordinate ranges
# --------------------------------------------------------------------------- #
def in_vietnam(lon, lat) -> np.ndarray:
    lon, lat = np.asarray(lon), np.asarray(lat)
    return (lon >= VN_LON[0]) & (lon <= VN_LON[1]) & (lat >= VN_LAT[0]) & (lat <= VN_LAT[1])


def classify_range(bounds) -> str:
    """What raw coordinates look like from their bounds (minx, miny, maxx, maxy):
    ``"lonlat"`` (degrees in Vietnam), ``"latlon"`` (swapped), ``"projected"``
    (VN-2000-like metres), ``"degrees"`` (degrees, but not Vietnam) or
    ``"unknown"``."""
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        return "unknown"
    if VN_LON[0] <= minx and maxx <= VN_LON[1] and VN_LAT[0] <= miny and maxy <= VN_LAT[1]:
        return "lonlat"
    if VN_LAT[0] <= minx and maxx <= VN_LAT[1] and VN_LON[0] <= miny and maxy <= VN_LON[1]:
        return "latlon"
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        return "degrees"
    if PROJ_E[0] <= minx and maxx <= PROJ_E[1] and PROJ_N[0] <= miny and maxy <= PROJ_N[1]:
        return "projected"
    return "unknown"


def describe_outside(bounds) -> str:
    """Why coordinates cannot be in Vietnam (Vietnamese, one sentence)."""
    minx, miny, maxx, maxy = bounds

    def f(v):
        return f"{v:,.4f}".replace(",", " ") if abs(v) < 1000 else f"{v:,.0f}".replace(",", " ")
    kind = classify_range(bounds)
    where = f"x từ {f(minx)} đến {f(maxx)}, y từ {f(miny)} đến {f(maxy)}"
    if kind == "degrees":
        return (f"Toạ độ ({where}) là độ nhưng không nằm trong Việt Nam (kinh độ 102–118°E, vĩ độ "
                f"6–24°N): tệp thuộc nơi khác hoặc sai hệ toạ độ.")
    if minx < 0 or miny < 0:
        return (f"Toạ độ ({where}) có giá trị âm, không thể là Việt Nam (kinh độ 102–118°E, "
                f"vĩ độ 6–24°N; VN-2000 phẳng: Đông 50 000–1 000 000 m, Bắc 600 000–2 700 000 m).")
    return (f"Toạ độ ({where}) không khớp Việt Nam theo bất kỳ cách hiểu nào: không phải kinh/vĩ độ "
            f"Việt Nam (102–118°E, 6–24°N), cũng không phải mét VN-2000 (Đông 50 000–1 000 000, "
            f"Bắc 600 000–2 700 000). Kiểm tra đơn vị và hệ toạ độ.")


# --------------------------------------------------------------------------- #
# Zone guessing (projected file without a .prj)
# --------------------------------------------------------------------------- #
def _crs_label(code: int) -> str:
    return f"EPSG:{code} {CRS.from_epsg(code).name}"


@lru_cache(maxsize=64)
def _zone_transform(code: int) -> WGS84Transform:
    return WGS84Transform(CRS.from_epsg(code), True)


def _distances(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """km from each point to each province centre (points × provinces)."""
    plon = np.array([p[2] for p in PROVINCE_ZONES])
    plat = np.array([p[3] for p in PROVINCE_ZONES])
    dx = (lon[:, None] - plon[None, :]) * 111.32 * np.cos(np.radians(lat[:, None]))
    dy = (lat[:, None] - plat[None, :]) * 110.57
    return np.hypot(dx, dy)


def _nearest_province(lon: np.ndarray, lat: np.ndarray):
    cm = np.array([p[1] for p in PROVINCE_ZONES])
    d = _distances(lon, lat)
    idx = d.argmin(axis=1)
    return idx, d[np.arange(len(idx)), idx], cm[idx]


def zone_candidates(points: np.ndarray, *, parent_bounds=None, limit: int = 6) -> list[dict]:
    """Rank the VN-2000 projections that could hold these projected points
    (easting, northing), most likely first.

    A TM-3 zone is plausible when, read in that zone, the points fall in
    provinces whose official central meridian is that zone's (Thông tư
    973/2001/TT-TCĐC); UTM is plausible when the eastings lie far from the
    central meridian (beyond a TM-3 zone's reach).  With ``parent_bounds`` (the
    WGS 84 bounds of the parent level) the share of points inside wins.
    Returns dicts: crs ("EPSG:5899"), epsg, name, score (0–1), province (where
    the data would land), bounds (lon/lat), label (Vietnamese)."""
    pts = np.asarray(points, dtype=float)
    if len(pts) > 400:
        pts = pts[np.linspace(0, len(pts) - 1, 400).astype(int)]
    median_offset = float(np.median(np.abs(pts[:, 0] - 500_000)))
    out = []
    for code in list(VN2000_TM3) + list(VN2000_UTM):
        try:
            ll = _zone_transform(code)(pts)
        except BoundaryError:
            continue
        inside = in_vietnam(ll[:, 0], ll[:, 1])
        if inside.mean() < 0.5:
            continue
        lon, lat = ll[inside, 0], ll[inside, 1]
        idx, dist, cms = _nearest_province(lon, lat)
        # the centre of the data: a provincial file sits near its province's centre
        c_lon, c_lat = np.array([lon.mean()]), np.array([lat.mean()])
        if code in VN2000_TM3:
            cm = VN2000_TM3[code]
            same = np.array([abs(p[1] - cm) < 1e-9 for p in PROVINCE_ZONES])
            frac = float(np.mean(np.isclose(cms, cm) & (dist < 100)))
            d_same = _distances(c_lon, c_lat)[0][same]
            d_centre = float(d_same.min()) if d_same.size else 999.0
            score = float(inside.mean()) * (0.5 * frac + 0.5 * math.exp(-d_centre / 40))
            if median_offset > 180_000:  # beyond the reach of a 3° zone
                score *= 0.3
        else:
            cm = VN2000_UTM[code]
            in_band = (lon >= cm - 3) & (lon <= cm + 3)
            d_centre = float(_distances(c_lon, c_lat)[0].min())
            score = (float(in_band.mean()) * float(inside.mean()) * math.exp(-d_centre / 80)
                     * (0.9 if median_offset > 180_000 else 0.25))
        if parent_bounds is not None:
            pminx, pminy, pmaxx, pmaxy = parent_bounds
            share = float(np.mean((ll[:, 0] >= pminx) & (ll[:, 0] <= pmaxx)
                                  & (ll[:, 1] >= pminy) & (ll[:, 1] <= pmaxy)))
            score = share + 0.01 * score
        names, counts = np.unique(idx, return_counts=True)
        province = PROVINCE_ZONES[int(names[counts.argmax()])][0]
        out.append({
            "crs": f"EPSG:{code}", "epsg": code, "name": CRS.from_epsg(code).name,
            "score": round(float(score), 3), "province": province,
            "mean_distance_km": round(float(dist.mean()), 1),
            "centre_distance_km": round(d_centre, 1),
            "bounds": [round(float(v), 5) for v in (ll[:, 0].min(), ll[:, 1].min(),
                                                     ll[:, 0].max(), ll[:, 1].max())],
            "label": f"{_crs_label(code)} — dữ liệu rơi vào khu vực {province}",
        })
    out.sort(key=lambda c: (-c["score"], c["mean_distance_km"]))
    return out[:limit]


def geographic_candidates() -> list[dict]:
    """For degrees without a .prj: WGS 84 (the usual case) or VN-2000 geographic."""
    return [
        {"crs": "EPSG:4326", "epsg": 4326, "name": "WGS 84", "score": 0.7,
         "label": "EPSG:4326 WGS 84 (GPS, Google Earth) — thường gặp nhất"},
        {"crs": "EPSG:4756", "epsg": 4756, "name": "VN-2000", "score": 0.3,
         "label": "EPSG:4756 VN-2000 địa lý (độ) — lệch khoảng 200–300 m so với WGS 84"},
    ]
