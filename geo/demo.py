"""A reproducible synthetic demo province: boundaries, groups, cameras, incidents.

``build_demo(path)`` writes a complete ANTT database with a fictional province
("An Bình (dữ liệu mẫu)") placed on plausible coordinates in northern Viet Nam:

1. the province (one area, valid since 2019-01-01);
2. its districts before the 2025 reform (valid 2019-01-01 .. 2025-06-30);
3. the communes before the reform (about 150, same validity);
4. the communes since 2025-07-01 (about 50), each the exact union of about
   three old communes of set 3 (set 4 replaces set 3);
5. the villages / residential groups (about 1,500), which tile their commune
   (and also nest in the old communes);

plus about 2,500 groups, 15,000 cameras and 300,000 incidents.  The geometry
is synthetic, so every name is invented and the sets are marked ``is_demo``;
meta ``demo`` is ``"1"``.  The same ``seed`` and ``today`` give the same
database content (only ``boundary_sets.imported_at`` differs).

Geometry is built in a local plane in kilometres: Voronoi edges of seed
points, roughened by midpoint displacement, are noded together with the
coast and polygonised once for the whole province, so every set is a union of
the same faces and shared borders are identical vertex for vertex.  The plane
is mapped to WGS84 by an affine transform at the end.

The database is built in a temporary file next to ``path`` and moved into
place only when complete.
"""
from __future__ import annotations

import datetime as dt
import heapq
import math
import os
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely

from . import areas, assign, store
from .periods import REFORM_DATE
from .vocab import CATEGORIES, MODEL_TYPES

# --- constants -------------------------------------------------------------

PREFIX = "DM"                                   # every code starts with it: clearly synthetic
PROVINCE_NAME = "An Bình (dữ liệu mẫu)"
SOURCE = "demo"
START = dt.date(2019, 1, 1)                      # first day of the boundary sets and incidents
OLD_UNTIL = REFORM_DATE - dt.timedelta(days=1)   # 2025-06-30
GROUPS_FROM = dt.date(2014, 1, 1)

# Full-size targets (scale = 1.0).
TARGETS = {"old_communes": 150, "districts": 8, "villages": 1500, "groups": 2500,
           "cameras": 15_000, "incidents": 300_000}

# Local plane (km) -> WGS84: an affine map around this origin.
LON0, LAT0 = 106.30, 20.95
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(LAT0))

# Lunar new year (Tết) days, for the seasonal peak.
TET = ["2018-02-16", "2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22",
       "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13",
       "2030-02-03", "2031-01-23", "2032-02-11"]

ProgressFn = Callable[[float, str], None]


def _nfc(items):
    return [unicodedata.normalize("NFC", s) for s in items]


# Syllables for fictional place names.
_PLACE_A = _nfc(["An", "Tân", "Bình", "Hòa", "Phú", "Vĩnh", "Thanh", "Minh", "Hưng", "Đông", "Quảng",
                 "Nghĩa", "Thái", "Đức", "Hồng", "Việt", "Trung", "Kim", "Long", "Phúc", "Thịnh",
                 "Hải", "Lạc", "Thuận", "Yên", "Quang", "Hiệp", "Thắng", "Mỹ", "Đại", "Tường",
                 "Cẩm", "Gia", "Hoàng", "Khánh", "Liên", "Ngọc", "Song", "Tiến", "Văn"])
_PLACE_B = _nfc(["Hòa", "Phú", "Lợi", "Hưng", "Thành", "Bình", "An", "Lộc", "Thịnh", "Tiến", "Xuân",
                 "Lâm", "Sơn", "Hải", "Đông", "Tân", "Phong", "Nghĩa", "Mỹ", "Thọ", "Lạc", "Khánh",
                 "Quý", "Vinh", "Hiệp", "Điền", "Trạch", "Cường", "Đạt", "Hợp", "Phước", "Tài"])
# Real provinces, cities and districts (esp. around the demo's coordinates) that
# the generator must never produce: invented shapes must not carry real names.
_REAL_NAMES = frozenset(_nfc([
    "An Giang", "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Bắc Ninh", "Bắc Giang",
    "Hòa Bình", "Hưng Yên", "Hải Dương", "Hải Phòng", "Khánh Hòa", "Long An", "Lâm Đồng",
    "Nam Định", "Ninh Bình", "Phú Thọ", "Phú Yên", "Quảng Nam", "Quảng Ninh", "Quảng Bình",
    "Quảng Ngãi", "Quảng Trị", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Tây Ninh", "Vĩnh Long",
    "Vĩnh Phúc", "Yên Bái", "Đồng Nai", "Hà Nội", "Hà Nam", "Hà Tĩnh", "Cần Thơ", "Đà Nẵng",
    # districts and towns of the delta provinces
    "Đông Hưng", "Hưng Hà", "Kiến Xương", "Quỳnh Phụ", "Thái Thụy", "Tiền Hải", "Vũ Thư",
    "Bình Giang", "Cẩm Giàng", "Gia Lộc", "Kim Thành", "Kinh Môn", "Nam Sách", "Ninh Giang",
    "Thanh Hà", "Thanh Miện", "Tứ Kỳ", "Chí Linh", "Ân Thi", "Khoái Châu", "Kim Động",
    "Mỹ Hào", "Phù Cừ", "Tiên Lữ", "Văn Giang", "Văn Lâm", "Yên Mỹ", "An Dương", "An Lão",
    "Kiến Thụy", "Thủy Nguyên", "Tiên Lãng", "Vĩnh Bảo", "Cát Hải", "Đồ Sơn", "Kiến An",
    "Hải An", "Giao Thủy", "Hải Hậu", "Mỹ Lộc", "Nam Trực", "Nghĩa Hưng", "Trực Ninh",
    "Vụ Bản", "Xuân Trường", "Ý Yên", "Bình Lục", "Duy Tiên", "Kim Bảng", "Lý Nhân",
    "Thanh Liêm", "Phủ Lý", "Gia Lâm", "Thanh Trì", "Thường Tín", "Phú Xuyên", "Ứng Hòa",
    "Mỹ Đức", "Đông Anh", "Sóc Sơn", "Gia Viễn", "Hoa Lư", "Kim Sơn", "Yên Khánh", "Yên Mô",
    "Tam Điệp", "Quế Võ", "Thuận Thành", "Gia Bình", "Lương Tài", "Tiên Du", "Từ Sơn",
    "Yên Phong", "Đông Triều", "Quảng Yên", "Uông Bí", "Hạ Long", "Cẩm Phả", "Móng Cái",
    "Văn Yên", "Yên Thành", "Hưng Nguyên", "Thanh Sơn", "Tân Sơn", "Yên Lạc", "Vĩnh Tường",
    "Phúc Yên", "Yên Dũng", "Tân Yên", "Hiệp Hòa", "Việt Yên", "Lạng Giang", "Phú Bình",
    "Đại Từ", "Phổ Yên", "Sông Công", "Đồng Hỷ", "Định Hóa", "Phú Lương", "Võ Nhai",
]))
_VILLAGE_A = _nfc(["Đồng", "Xuân", "Phú", "Lạc", "Cao", "Mai", "Đào", "Văn", "Hậu", "Tiền", "Vạn",
                   "Ngọc", "Kim", "Hương", "Liên", "Thạch", "Cầu", "Bến", "Tảo", "Hạnh"])
_VILLAGE_B = _nfc(["Xá", "Trạch", "Lũng", "Đình", "Tràng", "Khê", "Nội", "Trì", "Mai", "Giang",
                   "Điền", "Dương", "Lộc", "Thượng", "Hạ", "Tây", "Lâm", "Phúc", "Vọng", "Lạc"])
_VILLAGE_DIR = _nfc(["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Nội", "Ngoại"])
_SURNAMES = _nfc(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
                  "Lý", "Phan", "Đinh", "Trịnh", "Mai", "Lương", "Tạ"])
_MIDDLE_M = _nfc(["Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Công", "Thanh", "Ngọc", "Đình"])
_MIDDLE_F = _nfc(["Thị", "Thu", "Ngọc", "Minh", "Thanh", "Hồng", "Kim"])
_GIVEN_M = _nfc(["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Nam", "Sơn", "Tuấn", "Thắng", "Long",
                 "Phong", "Quân", "Trung", "Toàn", "Khoa", "Hiếu", "Đạt", "Lâm", "Việt"])
_GIVEN_F = _nfc(["Lan", "Mai", "Hương", "Phương", "Thảo", "Yến", "Hà", "Hằng", "Nga", "Linh", "Hoa",
                 "Trang", "Dung", "Huyền"])

# Incident categories: base share, and descriptions (fictional, short).
_CATEGORY_SHARE = {"hinh_su": 0.22, "ma_tuy": 0.07, "te_nan_xa_hoi": 0.08, "trat_tu_giao_thong": 0.27,
                   "chay_no": 0.03, "mau_thuan_hoa_giai": 0.15, "tin_bao": 0.13, "khac": 0.05}
_DESCRIPTIONS = {
    "hinh_su": ["Trộm cắp xe máy", "Trộm cắp tài sản tại nhà dân", "Cướp giật túi xách trên đường",
                "Cố ý gây thương tích", "Lừa đảo chiếm đoạt tài sản qua mạng", "Trộm cắp tại chợ"],
    "ma_tuy": ["Phát hiện đối tượng tàng trữ trái phép chất ma túy", "Tụ tập sử dụng trái phép chất ma túy",
               "Bắt quả tang mua bán trái phép chất ma túy"],
    "te_nan_xa_hoi": ["Đánh bạc dưới hình thức ghi số lô, đề", "Tụ tập đánh bạc",
                      "Hoạt động mại dâm tại cơ sở lưu trú", "Cá độ bóng đá"],
    "trat_tu_giao_thong": ["Va chạm giao thông giữa hai xe máy", "Tai nạn giao thông tại ngã ba",
                           "Đua xe trái phép", "Lấn chiếm lòng đường, vỉa hè", "Xe tải va chạm xe máy"],
    "chay_no": ["Cháy nhà dân do chập điện", "Cháy cơ sở kinh doanh", "Cháy rơm rạ, bãi rác",
                "Nổ bình gas"],
    "mau_thuan_hoa_giai": ["Mâu thuẫn đất đai giữa hai hộ", "Mâu thuẫn gia đình, đã hòa giải",
                           "Tranh chấp lối đi chung", "Xô xát giữa nhóm thanh niên"],
    "tin_bao": ["Tin báo về đối tượng khả nghi", "Tố giác hành vi trộm cắp", "Tin báo người lạ mặt",
                "Tin báo tụ tập gây mất trật tự"],
    "khac": ["Gây rối trật tự công cộng", "Vi phạm quy định về cư trú", "Sự việc khác"],
}
# Group model types: share, members range, core-force fraction.
_MODEL_SHARE = {"to_tu_quan_antt": 0.44, "doi_dan_phong_pccc": 0.12, "to_tu_quan_nha_tro": 0.08,
                "camera_an_ninh": 0.10, "nhom_zalo_an_ninh": 0.10, "nguoi_co_uy_tin": 0.06,
                "kdc_an_toan_pccc": 0.05, "xa_sach_ma_tuy": 0.03, "khac": 0.02}
_MODEL_MEMBERS = {"to_tu_quan_antt": (5, 16), "doi_dan_phong_pccc": (10, 26), "to_tu_quan_nha_tro": (4, 12),
                  "camera_an_ninh": (3, 11), "nhom_zalo_an_ninh": (30, 320), "nguoi_co_uy_tin": (1, 6),
                  "kdc_an_toan_pccc": (10, 41), "xa_sach_ma_tuy": (8, 31), "khac": (3, 21)}
_CAMERA_OWNERS = ["Hộ gia đình", "Cơ sở kinh doanh", "Công an xã/phường", "Cơ quan, trường học"]
_CAMERA_OWNER_P = [0.55, 0.25, 0.12, 0.08]
_CAMERA_RADII = [30.0, 40.0, 50.0, 60.0, 80.0, 100.0]
_CAMERA_RADII_P = [0.10, 0.12, 0.50, 0.10, 0.12, 0.06]

_UNIT_LABEL = {"thon": "thôn", "to_dan_pho": "tổ dân phố"}


def _rng(seed: int, stream: int) -> np.random.Generator:
    """An independent generator per stage: changing one stage never shifts another."""
    return np.random.default_rng([int(seed), int(stream)])


def _to_lonlat(x, y):
    return LON0 + np.asarray(x) / KM_PER_DEG_LON, LAT0 + np.asarray(y) / KM_PER_DEG_LAT


def _km_to_wgs84(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(
        geoms, lambda c: np.column_stack(_to_lonlat(c[:, 0], c[:, 1])))


# --- geometry helpers --------------------------------------------------------

def _outline(rng: np.random.Generator) -> shapely.Polygon:
    """An irregular star-shaped province outline, about 80 x 60 km, centred at (0, 0)."""
    n = 720
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    a, b = 40.0, 30.0
    r = a * b / np.sqrt((b * np.cos(th)) ** 2 + (a * np.sin(th)) ** 2)
    mod = np.ones(n)
    for k in range(2, 10):
        mod += rng.uniform(0.03, 0.085) * (3.0 / k) * np.cos(k * th + rng.uniform(0, 2 * np.pi))
    for width, amp in ((18, 0.035), (6, 0.014), (2, 0.006)):
        noise = rng.normal(size=n)
        kernel = np.exp(-0.5 * (np.arange(-3 * width, 3 * width + 1) / width) ** 2)
        smooth = np.convolve(np.r_[noise[-3 * width:], noise, noise[:3 * width]], kernel, "same")
        smooth = smooth[3 * width:3 * width + n]
        mod += amp * smooth / smooth.std()
    r *= np.clip(mod, 0.4, None)
    rot = rng.uniform(-0.25, 0.25)
    return shapely.Polygon(np.column_stack([r * np.cos(th + rot), r * np.sin(th + rot)]))


def _island(rng: np.random.Generator, mainland) -> shapely.Polygon:
    """A small island off the south-east coast of the mainland (the special zone)."""
    n = 160
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    a, b = 6.0, 3.0
    r = a * b / np.sqrt((b * np.cos(th)) ** 2 + (a * np.sin(th)) ** 2)
    for k in range(2, 7):
        r *= 1 + rng.uniform(0.02, 0.06) * (2.0 / k) * np.cos(k * th + rng.uniform(0, 2 * np.pi))
    rot = 0.5 + rng.uniform(-0.2, 0.2)
    x, y = r * np.cos(th), r * np.sin(th)
    xr, yr = x * np.cos(rot) - y * np.sin(rot), x * np.sin(rot) + y * np.cos(rot)
    # where a ray to the south-east leaves the mainland, then out to sea
    ang = np.radians(-38.0 + rng.uniform(-6, 6))
    ux, uy = np.cos(ang), np.sin(ang)
    coast = shapely.intersection(mainland, shapely.LineString([(0, 0), (200 * ux, 200 * uy)]))
    dist = shapely.length(coast) + 10.0
    while True:
        isl = shapely.Polygon(np.column_stack([xr + dist * ux, yr + dist * uy]))
        if shapely.distance(isl, mainland) >= 4.0:
            return isl
        dist += 1.0


def _sample_in(poly, n: int, rng: np.random.Generator, weight=None, wmax: float = 1.0) -> np.ndarray:
    """``n`` random points in ``poly`` with density proportional to ``weight``."""
    if shapely.is_empty(poly) or shapely.area(poly) <= 0:
        raise ValueError("cannot sample points in an empty polygon")
    x0, y0, x1, y1 = poly.bounds
    shapely.prepare(poly)
    out = []
    have = 0
    while have < n:
        m = max(64, 3 * (n - have))
        x = rng.uniform(x0, x1, m)
        y = rng.uniform(y0, y1, m)
        ok = shapely.contains_xy(poly, x, y)
        if weight is not None:
            ok &= rng.uniform(0, wmax, m) < weight(x, y)
        pts = np.column_stack([x[ok], y[ok]])
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _best_candidate(poly, n: int, rng: np.random.Generator, weight, wmax: float, k: int = 10) -> np.ndarray:
    """Well-spread seeds (Mitchell's best candidate), denser where ``weight`` is high."""
    if n <= 0:
        return np.zeros((0, 2))
    pool = _sample_in(poly, n * k, rng, weight, wmax)
    scale = np.sqrt(weight(pool[:, 0], pool[:, 1]))
    seeds = np.empty((n, 2))
    seeds[0] = pool[0]
    for i in range(1, n):
        cand = pool[i * k:(i + 1) * k]
        d = np.sqrt(((cand[:, None, :] - seeds[None, :i, :]) ** 2).sum(-1)).min(1)
        seeds[i] = cand[np.argmax(d * scale[i * k:(i + 1) * k])]
    return seeds


def _voronoi_segments(seeds: np.ndarray, envelope) -> np.ndarray:
    """The edges of the Voronoi diagram of ``seeds``, each once, as (E, 2, 2)."""
    edges = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope, only_edges=True)
    coords, idx = shapely.get_coordinates(shapely.get_parts(edges), return_index=True)
    same = idx[:-1] == idx[1:]
    a, b = coords[:-1][same], coords[1:][same]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    p = np.where(swap[:, None], b, a)
    q = np.where(swap[:, None], a, b)
    segs = np.unique(np.column_stack([p, q]), axis=0)
    segs = segs[(segs[:, 0] != segs[:, 2]) | (segs[:, 1] != segs[:, 3])]
    return segs.reshape(-1, 2, 2)


def _roughen(segs: np.ndarray, rng: np.random.Generator, amp: float, levels: int) -> np.ndarray:
    """Midpoint displacement: each segment becomes a wiggly line with the same ends."""
    pts = segs
    for _ in range(levels):
        a, b = pts[:, :-1], pts[:, 1:]
        d = b - a
        perp = np.stack([-d[..., 1], d[..., 0]], axis=-1)
        mid = (a + b) / 2 + perp * rng.uniform(-amp, amp, d.shape[:2])[..., None]
        new = np.empty((pts.shape[0], 2 * pts.shape[1] - 1, 2))
        new[:, 0::2] = pts
        new[:, 1::2] = mid
        pts = new
    return pts


def _shared_edges(polys: np.ndarray):
    """Pairs (i, j), i < j, of polygons sharing border segments, with the shared length.

    Relies on shared borders having identical vertices (true for faces of one
    polygonisation and for coverage unions of them)."""
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    same = ring_idx[:-1] == ring_idx[1:]
    a, b = coords[:-1][same], coords[1:][same]
    owner = ring_poly[ring_idx[:-1][same]]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    p = np.where(swap[:, None], b, a)
    q = np.where(swap[:, None], a, b)
    key = np.column_stack([p, q])
    order = np.lexsort((owner, key[:, 3], key[:, 2], key[:, 1], key[:, 0]))
    key, owner = key[order], owner[order]
    dup = np.all(key[1:] == key[:-1], axis=1)
    i, j = owner[:-1][dup], owner[1:][dup]
    length = np.hypot(key[1:, 2] - key[1:, 0], key[1:, 3] - key[1:, 1])[dup]
    keep = i != j
    i, j, length = np.minimum(i, j)[keep], np.maximum(i, j)[keep], length[keep]
    n = len(polys)
    pair = i.astype(np.int64) * n + j
    upair, inv = np.unique(pair, return_inverse=True)
    total = np.bincount(inv, weights=length)
    return upair // n, upair % n, total


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components (union-find) of a graph on ``n`` nodes."""
    parent = np.arange(n)

    def find(u):
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for u, v in zip(i.tolist(), j.tolist()):
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return np.array([find(u) for u in range(n)])


def _make_connected(faces: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Relabel stray pieces so that every label's faces form one connected piece.

    A piece cut off from the main (largest) piece of its label goes to the
    neighbouring label with which it shares the longest border."""
    label = label.copy()
    i, j, w = _shared_edges(faces)
    area = shapely.area(faces)
    for _ in range(8):
        same = label[i] == label[j]
        comp = _components(len(faces), i[same], j[same])
        comp_area = np.bincount(comp, weights=area, minlength=len(faces))
        # the main component of each label: the one with the largest area
        best: dict[int, int] = {}
        for c in np.unique(comp):
            lab = int(label[c])
            if lab not in best or comp_area[c] > comp_area[best[lab]]:
                best[lab] = int(c)
        strays = [int(c) for c in np.unique(comp) if best[int(label[c])] != c]
        if not strays:
            break
        for c in sorted(strays, key=lambda c: (comp_area[c], c)):
            members = comp == c
            border = members[i] ^ members[j]
            if not border.any():
                continue
            other = np.where(members[i[border]], j[border], i[border])
            nb_label = label[other]
            nb_w = w[border]
            ok = nb_label != label[c]
            if not ok.any():
                continue
            labs, inv = np.unique(nb_label[ok], return_inverse=True)
            label[members] = labs[np.argmax(np.bincount(inv, weights=nb_w[ok]))]
    return label


def _partition(regions: np.ndarray, seeds: list[np.ndarray], rng: np.random.Generator, *,
               amp: float, levels: int, eps: float = 0.003):
    """Split each region into roughened Voronoi cells of its seeds, all noded together.

    Returns ``faces`` (a clean coverage of the union of the regions, in km),
    the region of each face, and the (global) seed index of each face."""
    lines = [shapely.get_parts(shapely.boundary(regions))]
    for reg, pts in zip(regions, seeds):
        if len(pts) < 2:
            continue
        env = shapely.buffer(shapely.envelope(reg), 10.0)
        segs = _voronoi_segments(pts, env)
        if not len(segs):
            continue
        rough = shapely.linestrings(_roughen(segs, rng, amp, levels))
        clipped = shapely.intersection(rough, shapely.buffer(reg, eps))
        clipped = clipped[~shapely.is_empty(clipped)]
        lines.append(shapely.get_parts(shapely.get_parts(clipped)))
    parts = np.concatenate(lines)
    parts = parts[shapely.get_type_id(parts) == 1]          # LineStrings only
    network = shapely.union_all(parts)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(network)))
    faces = np.asarray(faces, dtype=object)
    reps = shapely.point_on_surface(faces)
    region = assign.locate(regions, shapely.get_x(reps), shapely.get_y(reps))
    keep = region >= 0
    faces, reps, region = faces[keep], reps[keep], region[keep]
    rx, ry = shapely.get_x(reps), shapely.get_y(reps)
    label = np.full(len(faces), -1, dtype=np.int64)
    offset = 0
    for r, pts in enumerate(seeds):
        m = region == r
        if m.any() and len(pts):
            d = (rx[m, None] - pts[None, :, 0]) ** 2 + (ry[m, None] - pts[None, :, 1]) ** 2
            label[m] = offset + np.argmin(d, axis=1)
        offset += len(pts)
    return faces, region, _make_connected(faces, label)


def _union_by(faces: np.ndarray, label: np.ndarray, n: int) -> np.ndarray:
    """Coverage union of the faces of each label 0..n-1."""
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(n + 1))
    out = np.empty(n, dtype=object)
    for k in range(n):
        out[k] = shapely.coverage_union_all(faces[order[bounds[k]:bounds[k + 1]]])
    return out


def _grow_regions(n: int, adj: list[list[int]], cost, sources: list[int], weights: list[float]) -> np.ndarray:
    """Contiguous regions grown from ``sources`` over the adjacency graph (multi-source Dijkstra)."""
    owner = np.full(n, -1, dtype=np.int64)
    heap = [(0.0, k, s) for k, s in enumerate(sources)]
    heapq.heapify(heap)
    while heap:
        d, k, u = heapq.heappop(heap)
        if owner[u] >= 0:
            continue
        owner[u] = k
        for v in adj[u]:
            if owner[v] < 0:
                heapq.heappush(heap, (d + cost(u, v) * weights[k], k, v))
    return owner


def _name_pool(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct fictional two-syllable place names not in ``taken`` nor real."""
    combos = [f"{a} {b}" for a in _PLACE_A for b in _PLACE_B if a != b]
    combos = [c for c in combos if c not in _REAL_NAMES and c not in taken]
    if n > len(combos):  # only at very large scales
        combos += [f"{c} {k}" for k in range(2, 2 + n // len(combos) + 1) for c in combos]
    pick = rng.choice(len(combos), size=n, replace=False)
    names = [combos[k] for k in pick]
    taken.update(names)
    return names


def _person_names(rng: np.random.Generator, n: int) -> list[str]:
    female = rng.random(n) < 0.3
    s = rng.integers(0, len(_SURNAMES), n)
    mm, mf = rng.integers(0, len(_MIDDLE_M), n), rng.integers(0, len(_MIDDLE_F), n)
    gm, gf = rng.integers(0, len(_GIVEN_M), n), rng.integers(0, len(_GIVEN_F), n)
    return [f"{_SURNAMES[s[k]]} {_MIDDLE_F[mf[k]]} {_GIVEN_F[gf[k]]}" if female[k]
            else f"{_SURNAMES[s[k]]} {_MIDDLE_M[mm[k]]} {_GIVEN_M[gm[k]]}" for k in range(n)]


# --- the province ------------------------------------------------------------

@dataclass
class _Province:
    """Every boundary of the demo province, in km and WGS84."""
    faces: np.ndarray = field(repr=False)
    province: dict = field(default_factory=dict)
    districts: dict = field(default_factory=dict)      # columns as lists / arrays
    old: dict = field(default_factory=dict)
    new: dict = field(default_factory=dict)
    villages: dict = field(default_factory=dict)


def _counts(scale: float) -> dict[str, int]:
    s = max(float(scale), 0.0)
    n_old = max(9, int(round(TARGETS["old_communes"] * s)))
    return {
        "old_communes": n_old,
        "districts": max(2, int(round(TARGETS["districts"] * math.sqrt(s)))),
        "villages": max(3 * n_old, int(round(TARGETS["villages"] * s))),
        "groups": max(len(MODEL_TYPES), int(round(TARGETS["groups"] * s))),
        "cameras": max(20, int(round(TARGETS["cameras"] * s))),
        "incidents": max(200, int(round(TARGETS["incidents"] * s))),
    }


def _build_province(seed: int, counts: dict[str, int]) -> _Province:
    rng = _rng(seed, 1)
    mainland = _outline(rng)
    island = _island(rng, mainland)
    land = np.array([mainland, island], dtype=object)

    # Urban centres: the provincial city U and a town T, well inside the mainland.
    inner_u, inner_t = shapely.buffer(mainland, -12.0), shapely.buffer(mainland, -8.0)
    for attempt in range(200):
        U = _sample_in(inner_u, 1, rng)[0]
        T = _sample_in(inner_t, 1, rng)[0]
        if np.hypot(*(U - T)) > 28.0 - attempt * 0.1:
            break

    def w_old(x, y):
        du = (x - U[0]) ** 2 + (y - U[1]) ** 2
        dtt = (x - T[0]) ** 2 + (y - T[1]) ** 2
        return 1 + 3.0 * np.exp(-du / (2 * 6.0 ** 2)) + 1.5 * np.exp(-dtt / (2 * 4.0 ** 2))

    def w_village(x, y):
        du = (x - U[0]) ** 2 + (y - U[1]) ** 2
        dtt = (x - T[0]) ** 2 + (y - T[1]) ** 2
        return 1 + 5.0 * np.exp(-du / (2 * 5.0 ** 2)) + 2.5 * np.exp(-dtt / (2 * 3.0 ** 2))

    n_old = counts["old_communes"]
    n_island = 2 if n_old >= 30 else 1
    seeds_main = _best_candidate(mainland, n_old - n_island, rng, w_old, 5.5)
    seeds_isl = _best_candidate(island, n_island, rng, lambda x, y: np.ones_like(x), 1.0)

    # Level A: old communes.
    faces_a, region_a, label_a = _partition(land, [seeds_main, seeds_isl], rng, amp=0.13, levels=4)
    used = np.unique(label_a)
    old_seeds = np.concatenate([seeds_main, seeds_isl])[used]
    remap = np.full(n_old, -1)
    remap[used] = np.arange(len(used))
    label_a = remap[label_a]
    n_old = len(used)
    old_polys = _union_by(faces_a, label_a, n_old)
    old_island = np.zeros(n_old, dtype=bool)
    old_island[np.unique(label_a[region_a == 1])] = True

    # Districts: contiguous regions grown from the city, the town and spread-out seats.
    ai, aj, _ = _shared_edges(old_polys)
    adj: list[list[int]] = [[] for _ in range(n_old)]
    for u, v in zip(ai.tolist(), aj.tolist()):
        adj[u].append(v)
        adj[v].append(u)
    for lst in adj:
        lst.sort()
    dist_u = np.hypot(old_seeds[:, 0] - U[0], old_seeds[:, 1] - U[1])
    dist_t = np.hypot(old_seeds[:, 0] - T[0], old_seeds[:, 1] - T[1])
    main_idx = np.flatnonzero(~old_island)
    city_src = int(main_idx[np.argmin(dist_u[main_idx])])
    town_src = int(main_idx[np.argmin(dist_t[main_idx])])
    n_dist = min(counts["districts"], max(2, len(main_idx) // 3))
    sources = [city_src] + ([town_src] if n_dist > 2 and town_src != city_src else [])
    mind = np.min([np.hypot(*(old_seeds[main_idx] - old_seeds[s]).T) for s in sources], axis=0)
    while len(sources) < n_dist:
        # farthest from the chosen seats, with a little chance
        top = np.argsort(-mind, kind="stable")[:3]
        pick = int(main_idx[top[rng.integers(0, len(top))]])
        sources.append(pick)
        mind = np.minimum(mind, np.hypot(*(old_seeds[main_idx] - old_seeds[pick]).T))
    weights = [1.7] + [1.2 if (k == 1 and town_src in sources[1:2] and n_dist > 2) else 1.0
                       for k in range(1, len(sources))]

    def cost(u, v):
        return float(np.hypot(*(old_seeds[u] - old_seeds[v])))

    district_of = _grow_regions(n_old, adj, cost, sources, weights)
    for u in np.flatnonzero(district_of < 0):   # the island (and anything unreachable)
        reached = np.flatnonzero(district_of >= 0)
        district_of[u] = district_of[reached[np.argmin(np.hypot(*(old_seeds[reached] - old_seeds[u]).T))]]
    n_dist = len(sources)
    has_town = n_dist > 2 and town_src in sources[1:2]
    district_unit = ["thanh_pho"] + ["thi_xa" if (k == 1 and has_town) else "huyen" for k in range(1, n_dist)]

    # Old commune unit types.
    old_unit = np.array(["xa"] * n_old, dtype=object)
    for u in range(n_old):
        kind = district_unit[district_of[u]]
        if kind == "thanh_pho" and (dist_u[u] < 7.0 or u == city_src):
            old_unit[u] = "phuong"
        elif kind == "thi_xa" and (dist_t[u] < 4.0 or u == town_src):
            old_unit[u] = "phuong"
        elif kind == "huyen" and u == sources[district_of[u]]:
            old_unit[u] = "thi_tran"
    old_unit[old_island] = "xa"

    # New communes: about three adjacent old communes of one district each.
    group_of = np.full(n_old, -1, dtype=np.int64)
    n_groups = 0
    urban_old = old_unit == "phuong"
    isl = np.flatnonzero(old_island)
    if len(isl):
        group_of[isl] = n_groups
        n_groups += 1
    size_choices = np.array([2, 3, 3, 3, 4])
    for d in range(n_dist):
        members = [u for u in range(n_old) if district_of[u] == d and not old_island[u]]
        while True:
            free = [u for u in members if group_of[u] < 0]
            if not free:
                break

            def free_nbrs(u):
                return [v for v in adj[u] if group_of[v] < 0 and district_of[v] == d]

            start = min(free, key=lambda u: (len(free_nbrs(u)), old_seeds[u, 0], u))
            grp = [start]
            size = int(size_choices[rng.integers(0, len(size_choices))])
            while len(grp) < size:
                cand = sorted({v for u in grp for v in free_nbrs(u)} - set(grp))
                if not cand:
                    break
                cx, cy = old_seeds[grp].mean(0)
                cand.sort(key=lambda v: (urban_old[v] != urban_old[start],
                                         math.hypot(old_seeds[v, 0] - cx, old_seeds[v, 1] - cy), v))
                grp.append(cand[0])
            if len(grp) == 1:
                nbr_groups = sorted({int(group_of[v]) for v in adj[start]
                                     if group_of[v] >= 0 and district_of[v] == d and not old_island[v]})
                if nbr_groups:
                    sizes = {g: int((group_of == g).sum()) for g in nbr_groups}
                    group_of[start] = min(nbr_groups, key=lambda g: (sizes[g], g))
                    continue
            group_of[grp] = n_groups
            n_groups += 1

    # Villages: seeds per old commune, denser in towns.
    old_area = shapely.area(old_polys)
    wv = w_village(old_seeds[:, 0], old_seeds[:, 1])
    share = old_area * wv
    share = share / share.sum() * counts["villages"]
    nv = np.maximum(2, np.floor(share).astype(int))
    rest = counts["villages"] - nv.sum()
    if rest > 0:
        order = np.argsort(-(share - np.floor(share)), kind="stable")
        nv[order[:rest]] += 1
    village_seeds = [_best_candidate(old_polys[u], int(nv[u]), rng, w_village, 8.5, k=8) for u in range(n_old)]

    # Level B: villages, noded with the old commune borders for the whole province at once.
    faces, region_b, label_b = _partition(old_polys, village_seeds, rng, amp=0.12, levels=3)
    all_vseeds = np.concatenate(village_seeds)
    v_old_all = np.repeat(np.arange(n_old), nv)
    used = np.unique(label_b)
    remap = np.full(len(all_vseeds), -1)
    remap[used] = np.arange(len(used))
    face_village = remap[label_b]
    v_seed = all_vseeds[used]
    v_old = v_old_all[used]
    n_v = len(used)

    face_old = v_old[face_village]
    face_new = group_of[face_old]
    face_dist = district_of[face_old]
    village_km = _union_by(faces, face_village, n_v)
    old_km = _union_by(faces, face_old, n_old)
    new_km = _union_by(faces, face_new, n_groups)
    dist_km = _union_by(faces, face_dist, n_dist)
    prov_km = shapely.coverage_union_all(faces)

    # --- codes, names, units, population ------------------------------------
    taken: set[str] = set()
    prov_code = PREFIX
    # district order: the city first, then by position (north-west first)
    dist_c = shapely.centroid(dist_km)
    d_order = sorted(range(n_dist), key=lambda k: (k != 0, -round(shapely.get_y(dist_c[k]), 3),
                                                    round(shapely.get_x(dist_c[k]), 3)))
    d_rank = np.empty(n_dist, dtype=np.int64)
    d_rank[d_order] = np.arange(n_dist)
    d_codes = [f"{PREFIX}-H{d_rank[k] + 1:02d}" for k in range(n_dist)]
    d_names = _name_pool(rng, n_dist, taken)

    # old communes: by district, then north-west first
    o_order = sorted(range(n_old), key=lambda u: (d_rank[district_of[u]], -round(old_seeds[u, 1], 3),
                                                  round(old_seeds[u, 0], 3)))
    o_rank = np.empty(n_old, dtype=np.int64)
    o_rank[o_order] = np.arange(n_old)
    wo = max(3, len(str(n_old)))
    o_codes = [f"{PREFIX}-X{o_rank[u] + 1:0{wo}d}" for u in range(n_old)]
    o_names = _name_pool(rng, n_old, taken)

    # new communes: by position of their first old commune in that order
    new_first = [min(o_rank[np.flatnonzero(group_of == g)]) for g in range(n_groups)]
    n_order = sorted(range(n_groups), key=lambda g: new_first[g])
    n_rank = np.empty(n_groups, dtype=np.int64)
    n_rank[n_order] = np.arange(n_groups)
    wn = max(2, len(str(n_groups)))
    n_codes = [f"{PREFIX}-C{n_rank[g] + 1:0{wn}d}" for g in range(n_groups)]
    n_names = _name_pool(rng, n_groups, taken)
    new_unit = []
    for g in range(n_groups):
        mem = np.flatnonzero(group_of == g)
        if old_island[mem].any():
            new_unit.append("dac_khu")
        elif (old_unit[mem] == "phuong").sum() * 2 >= len(mem):
            new_unit.append("phuong")
        else:
            new_unit.append("xa")
    new_unit = np.array(new_unit, dtype=object)

    # villages: numbered within their new commune, north-west first
    v_new = group_of[v_old]
    v_unit = np.where(new_unit[v_new] == "phuong", "to_dan_pho", "thon").astype(object)
    v_codes = np.empty(n_v, dtype=object)
    v_names = np.empty(n_v, dtype=object)
    thon_pool = ([f"{a} {b}" for a in _VILLAGE_A for b in _VILLAGE_B if a != b]
                 + [f"{d} {k}" for d in _VILLAGE_DIR for k in range(1, 6)])
    for g in range(n_groups):
        mem = np.flatnonzero(v_new == g)
        mem = np.array(sorted(mem.tolist(), key=lambda v: (-round(v_seed[v, 1], 3), round(v_seed[v, 0], 3))))
        wv_ = max(2, len(str(len(mem))))
        picks = rng.choice(len(thon_pool), size=min(len(mem), len(thon_pool)), replace=False)
        for k, v in enumerate(mem):
            v_codes[v] = f"{n_codes[g]}-T{k + 1:0{wv_}d}"
            if v_unit[v] == "to_dan_pho":
                v_names[v] = f"Số {k + 1}"
            else:
                v_names[v] = thon_pool[picks[k]] if k < len(picks) else f"Thôn {k + 1}"

    urban_v = (v_unit == "to_dan_pho") | (old_unit[v_old] == "thi_tran")
    pop_v = np.where(urban_v, rng.lognormal(np.log(2300), 0.3, n_v), rng.lognormal(np.log(1500), 0.35, n_v))
    pop_v = np.clip(pop_v, 250, 9000).round().astype(np.int64)
    hh_v = np.round(pop_v / np.where(urban_v, rng.uniform(3.1, 3.5, n_v), rng.uniform(3.5, 4.0, n_v))).astype(np.int64)
    pop_new = np.bincount(v_new, weights=pop_v, minlength=n_groups).astype(np.int64)
    hh_new = np.bincount(v_new, weights=hh_v, minlength=n_groups).astype(np.int64)
    # before the reform the population was a little smaller
    f_old = rng.uniform(0.93, 0.99, n_old)
    pop_old = np.round(np.bincount(v_old, weights=pop_v, minlength=n_old) * f_old).astype(np.int64)
    hh_old = np.bincount(v_old, weights=hh_v, minlength=n_old) * f_old * rng.uniform(0.96, 1.0, n_old)
    hh_old = np.round(hh_old).astype(np.int64)
    pop_dist = np.bincount(district_of, weights=pop_old, minlength=n_dist).astype(np.int64)
    hh_dist = np.bincount(district_of, weights=hh_old, minlength=n_dist).astype(np.int64)

    p = _Province(faces=faces)
    p.province = {"code": [prov_code], "name": [PROVINCE_NAME], "unit_type": ["tinh"], "parent_code": [None],
                  "population": [int(pop_v.sum())], "households": [int(hh_v.sum())],
                  "km": np.array([prov_km], dtype=object)}
    p.districts = {"code": d_codes, "name": d_names, "unit_type": district_unit,
                   "parent_code": [prov_code] * n_dist, "population": pop_dist, "households": hh_dist,
                   "km": dist_km}
    p.old = {"code": o_codes, "name": o_names, "unit_type": list(old_unit),
             "parent_code": [d_codes[district_of[u]] for u in range(n_old)],
             "population": pop_old, "households": hh_old, "km": old_km,
             "district": district_of, "new": group_of, "island": old_island}
    p.new = {"code": n_codes, "name": n_names, "unit_type": list(new_unit),
             "parent_code": [prov_code] * n_groups, "population": pop_new, "households": hh_new,
             "km": new_km}
    p.villages = {"code": list(v_codes), "name": list(v_names), "unit_type": list(v_unit),
                  "parent_code": [n_codes[g] for g in v_new], "population": pop_v, "households": hh_v,
                  "km": village_km, "seed": v_seed, "old": v_old, "new": v_new, "urban": urban_v}
    return p


def _gdf(level: dict) -> gpd.GeoDataFrame:
    geoms = _km_to_wgs84(np.asarray(level["km"], dtype=object))
    bad = ~shapely.is_valid(geoms)
    if bad.any():  # an affine map keeps validity; this is a safety net only
        geoms[bad] = shapely.make_valid(geoms[bad])
    return gpd.GeoDataFrame({
        "code": list(level["code"]), "name": list(level["name"]), "unit_type": list(level["unit_type"]),
        "parent_code": list(level["parent_code"]),
        "population": [int(v) for v in level["population"]],
        "households": [int(v) for v in level["households"]],
    }, geometry=list(geoms), crs=areas.WGS84)


# --- records -------------------------------------------------------------------

def _scatter(rng, vidx: np.ndarray, centre: np.ndarray, sigma: np.ndarray, polys: np.ndarray,
             fallback: np.ndarray) -> np.ndarray:
    """Points around ``centre`` (gaussian, ``sigma`` km), kept inside their village polygon."""
    pts = centre + rng.normal(size=centre.shape) * sigma[:, None]
    ok = shapely.contains_xy(polys[vidx], pts[:, 0], pts[:, 1])
    for _ in range(5):
        bad = np.flatnonzero(~ok)
        if not len(bad):
            break
        pts[bad] = centre[bad] + rng.normal(size=(len(bad), 2)) * sigma[bad, None] * 0.7
        ok[bad] = shapely.contains_xy(polys[vidx[bad]], pts[bad, 0], pts[bad, 1])
    pts[~ok] = fallback[vidx[~ok]]
    return pts


def _day_strings(start: dt.date, offsets: np.ndarray) -> np.ndarray:
    days = np.datetime64(start.isoformat(), "D") + offsets.astype("timedelta64[D]")
    return np.datetime_as_string(days, unit="D").astype(object)


def _stamp(day: str) -> str:
    """``updated_at`` of a synthetic record: its last event, as a local ISO timestamp."""
    return f"{day[:10]}T{day[11:16] or '00:00'}:00+07:00"


def _grow_dates(rng, n: int, start: dt.date, end: dt.date, power: float) -> np.ndarray:
    """Day offsets from ``start`` in [0, end-start], denser towards ``end`` (power < 1)."""
    span = max((end - start).days, 0)
    return np.floor(rng.random(n) ** power * (span + 1)).clip(0, span).astype(np.int64)


def _groups(seed: int, n: int, p: _Province, today: dt.date):
    rng = _rng(seed, 2)
    V = p.villages
    n_v = len(V["code"])
    urban = V["urban"]
    pop = V["population"].astype(float)
    # vùng trắng: ~10 % of the villages (more likely small, rural ones) have no group
    n_white = max(1, int(round(0.10 * n_v)))
    wgt = np.where(urban, 0.5, 1.0) / np.sqrt(pop)
    white = rng.choice(n_v, size=n_white, replace=False, p=wgt / wgt.sum())
    covered = np.setdiff1d(np.arange(n_v), white)
    codes = list(_MODEL_SHARE)
    known = [c for c in codes if c in MODEL_TYPES] + [c for c in MODEL_TYPES.codes if c not in _MODEL_SHARE]
    share = np.array([_MODEL_SHARE.get(c, 0.01) for c in known])
    # each covered village gets one group, the rest go by population
    extra = max(0, n - len(covered))
    wv = pop[covered] * np.where(urban[covered], 1.3, 1.0)
    village = np.concatenate([covered, rng.choice(covered, size=extra, p=wv / wv.sum())])[:n]
    village = np.sort(village, kind="stable")
    # model type: rental-housing groups mostly in wards; every type at least once
    probs = np.tile(share, (len(village), 1))
    k_nt = known.index("to_tu_quan_nha_tro")
    probs[:, k_nt] *= np.where(urban[village], 3.0, 0.4)
    probs /= probs.sum(1, keepdims=True)
    cum = probs.cumsum(1)
    model = (rng.random(len(village))[:, None] > cum).sum(1).clip(0, len(known) - 1)
    force = rng.choice(len(village), size=len(known), replace=False)
    model[force] = np.arange(len(known))
    # founded 2014..today, more in later years; ~10 % dissolved
    last = min(today, dt.date(2026, 12, 31))
    founded = _grow_dates(rng, len(village), GROUPS_FROM, last, 0.8)
    span_left = (today - GROUPS_FROM).days - founded
    dissolve = (rng.random(len(village)) < 0.105) & (span_left > 120)
    after = np.floor(rng.random(len(village)) * (span_left - 89)).astype(np.int64)
    dissolved = np.where(dissolve, founded + 90 + after, -1)              # 90 days .. today
    lo = np.array([_MODEL_MEMBERS.get(known[m], (3, 20))[0] for m in model])
    hi = np.array([_MODEL_MEMBERS.get(known[m], (3, 20))[1] for m in model])
    members = rng.integers(lo, hi)
    core = np.maximum(1, np.round(members * rng.uniform(0.25, 0.6, len(village)))).astype(np.int64)
    core = np.where(np.array([known[m] == "nhom_zalo_an_ninh" for m in model]),
                    np.minimum(core, rng.integers(3, 12, len(village))), core)
    leaders = _person_names(rng, len(village))
    f_str = _day_strings(GROUPS_FROM, founded)
    d_str = _day_strings(GROUPS_FROM, np.maximum(dissolved, 0))
    # order by founding day, then village, for the ids
    order = np.lexsort((village, founded))
    rows = []
    seen: dict[tuple, int] = {}
    for rank, g in enumerate(order.tolist()):
        v = int(village[g])
        mt = known[int(model[g])]
        key = (v, mt)
        seen[key] = seen.get(key, 0) + 1
        label = MODEL_TYPES.label(mt)
        unit = _UNIT_LABEL.get(V["unit_type"][v], "")
        name = f"{label} – {unit} {V['name'][v]}".replace("  ", " ")
        if seen[key] > 1:
            name += f" (số {seen[key]})"
        dis = d_str[g] if dissolved[g] >= 0 else None
        rows.append((f"G{rank + 1:06d}", name, mt, V["code"][v], f_str[g], dis, int(members[g]),
                     leaders[g], int(min(core[g], members[g])), None, _stamp(dis or f_str[g])))
    return rows, village, np.array([known[m] for m in model], dtype=object), white


def _cameras(seed: int, n: int, p: _Province, today: dt.date, group_villages, group_models):
    rng = _rng(seed, 3)
    V = p.villages
    n_v = len(V["code"])
    pop = V["population"].astype(float)
    w = pop * np.where(V["urban"], 3.0, 1.0)
    cam_model = np.zeros(n_v, dtype=bool)
    cam_model[np.asarray(group_villages)[np.asarray(group_models) == "camera_an_ninh"]] = True
    w *= np.where(cam_model, 1.6, 1.0)
    per_v = rng.multinomial(n, w / w.sum())
    vidx = np.repeat(np.arange(n_v), per_v)
    polys = V["km"]
    shapely.prepare(polys)
    area = shapely.area(polys)
    centre = V["centre"]
    sigma = 0.3 * np.sqrt(area[vidx]) * np.where(V["urban"][vidx], 0.7, 1.0)
    pts = _scatter(rng, vidx, centre[vidx], sigma, polys, centre)
    lon, lat = _to_lonlat(pts[:, 0], pts[:, 1])
    installed = _grow_dates(rng, n, START, today, 0.6)
    left = (today - START).days - installed
    removed = np.where((rng.random(n) < 0.05) & (left > 60),
                       installed + 30 + np.floor(rng.random(n) * (left - 29)).astype(np.int64), -1)
    owner = rng.choice(len(_CAMERA_OWNERS), size=n, p=_CAMERA_OWNER_P)
    radius = np.array(_CAMERA_RADII)[rng.choice(len(_CAMERA_RADII), size=n, p=_CAMERA_RADII_P)]
    police = rng.random(n) < np.where(owner == 2, 0.95, 0.325)
    inst_s = _day_strings(START, installed)
    rem_s = _day_strings(START, np.maximum(removed, 0))
    order = np.lexsort((vidx, installed))
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    rows = []
    for rank, c in enumerate(order.tolist()):
        rem = rem_s[c] if removed[c] >= 0 else None
        rows.append((f"CAM{rank + 1:06d}", float(lon[c]), float(lat[c]), inst_s[c], rem,
                     _CAMERA_OWNERS[owner[c]], float(radius[c]), int(police[c]), None, _stamp(rem or inst_s[c])))
    return rows


def _incidents(seed: int, n: int, p: _Province, today: dt.date, set_old: int, set_new: int):
    rng = _rng(seed, 4)
    V = p.villages
    n_v = len(V["code"])
    polys = V["km"]
    shapely.prepare(polys)
    area = shapely.area(polys)
    centre = V["centre"]
    urban = V["urban"]
    pop = V["population"].astype(float)

    # --- when: seasonality (Tết, summer), weekly rhythm, gentle trend, COVID dips
    n_days = (today - START).days + 1
    d = np.arange(n_days)
    days = np.datetime64(START.isoformat(), "D") + d.astype("timedelta64[D]")
    year_start = days.astype("datetime64[Y]").astype("datetime64[D]")
    doy = (days - year_start).astype(np.int64)
    tet = np.array(TET, dtype="datetime64[D]")
    to_tet = (days[:, None] - tet[None, :]).astype(np.int64)
    near = to_tet[np.arange(n_days), np.abs(to_tet).argmin(1)]          # days after the nearest Tết
    tet_peak = np.exp(-0.5 * ((near + 6) / 8.0) ** 2)                    # peak ~ a week before Tết
    summer = np.cos(2 * np.pi * (doy - 196) / 365.25)                     # peak mid-July
    dow = (days.astype(np.int64) + 3) % 7                                 # 0 = Monday
    weekly = np.array([0.97, 0.95, 0.96, 0.98, 1.03, 1.08, 1.03])[dow]
    years = d / 365.25
    trend = 1 + 0.025 * years
    covid = np.ones(n_days)
    for a, b, f in (("2020-04-01", "2020-04-22", 0.6), ("2021-07-24", "2021-09-15", 0.8)):
        covid[(days >= np.datetime64(a)) & (days <= np.datetime64(b))] = f
    lam = (1 + 0.45 * tet_peak + 0.12 * summer) * weekly * trend * covid

    # --- where: by population, more in wards, persistent hot spots, one emerging
    n_hot = int(np.clip(round(n_v / 300), 4, 6))
    hp = pop * np.where(urban, 2.0, 1.0)
    hot = rng.choice(n_v, size=n_hot + 1, replace=False, p=hp / hp.sum())
    emerging, hot = int(hot[-1]), hot[:-1]
    mult = np.ones(n_v)
    mult[hot] = rng.uniform(8.0, 15.0, n_hot)
    wv = pop * np.where(urban, 1.5, 1.0) * mult
    emerge_from = dt.date(2024, 1, 1)
    n_em = int(round(0.012 * n)) if today > emerge_from else 0
    n_base = n - n_em
    day = rng.choice(n_days, size=n_base, p=lam / lam.sum())
    vil = rng.choice(n_v, size=n_base, p=wv / wv.sum())
    if n_em:
        e0 = (emerge_from - START).days
        ramp = np.sqrt(rng.random(n_em))                                  # growing
        day = np.concatenate([day, (e0 + np.floor(ramp * (n_days - e0))).astype(np.int64).clip(e0, n_days - 1)])
        vil = np.concatenate([vil, np.full(n_em, emerging)])
    is_hot = np.isin(vil, hot) | ((vil == emerging) & (d[day] >= (emerge_from - START).days))

    # --- what: category mix varying with season, trend and place
    cats = CATEGORIES.codes
    base = np.array([_CATEGORY_SHARE.get(c, 0.01) for c in cats])
    P = np.tile(base, (len(day), 1))
    ci = {c: k for k, c in enumerate(cats)}
    tp, yr = tet_peak[day], years[day]
    dry = 0.5 * (1 + np.cos(2 * np.pi * (doy[day] - 15) / 365.25))        # dry season, peak mid-January

    def mul(code, factor):
        if code in ci:
            P[:, ci[code]] *= factor
    mul("trat_tu_giao_thong", (1 + 0.6 * tp) * np.where(urban[vil], 1.2, 1.0))
    mul("te_nan_xa_hoi", (1 + 0.5 * tp) * np.where(is_hot, 2.0, 1.0))
    mul("chay_no", 1 + 0.8 * dry)
    mul("hinh_su", (1 - 0.03 * yr) * np.where(is_hot, 1.8, 1.0))
    mul("ma_tuy", (1 + 0.07 * yr) * np.where(is_hot, 2.5, 1.0))
    mul("tin_bao", 1 + 0.04 * yr)
    cum = P.cumsum(1)
    cat = (rng.random(len(day))[:, None] * cum[:, -1:] > cum).sum(1).clip(0, len(cats) - 1)

    # --- where exactly: near the village centre, the hot spots around their market
    market = centre + rng.normal(size=centre.shape) * 0.08
    market_ok = shapely.contains_xy(polys, market[:, 0], market[:, 1])
    market[~market_ok] = centre[~market_ok]
    at_market = is_hot & (rng.random(len(day)) < 0.7)
    c_xy = np.where(at_market[:, None], market[vil], centre[vil])
    sigma = np.where(at_market, 0.06, 0.4 * np.sqrt(area[vil]))
    pts = _scatter(rng, vil, c_xy, sigma, polys, centre)
    lon, lat = _to_lonlat(pts[:, 0], pts[:, 1])
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    # 10-20 % known only by their commune (better recorded in later years)
    p_code = np.clip(0.19 - 0.012 * yr + np.where(urban[vil], -0.02, 0.02), 0.06, 0.3)
    code_only = rng.random(len(day)) < p_code
    reform = (REFORM_DATE - START).days
    before = day < reform
    old_codes = np.array(p.old["code"], dtype=object)
    new_codes = np.array(p.new["code"], dtype=object)
    area_code = np.where(before, old_codes[V["old"][vil]], new_codes[V["new"][vil]])
    area_set = np.where(before, set_old, set_new)

    # --- text and time
    has_time = rng.random(len(day)) < 0.45
    hours_w = np.array([1, .7, .5, .4, .4, .6, 1, 1.5, 1.8, 1.8, 1.8, 1.9, 1.7, 1.6, 1.7, 1.9,
                        2.1, 2.4, 2.6, 2.7, 2.6, 2.2, 1.7, 1.3])
    hour = rng.choice(24, size=len(day), p=hours_w / hours_w.sum())
    minute = rng.integers(0, 12, len(day)) * 5
    hhmm = np.array([f" {h:02d}:{m:02d}" for h in range(24) for m in range(60)], dtype=object)
    day_s = _day_strings(START, day)
    when = np.where(has_time, day_s + hhmm[hour * 60 + minute], day_s)
    texts, offs, lens = [], [], []
    for c in cats:
        t = _DESCRIPTIONS.get(c, _DESCRIPTIONS["khac"])
        offs.append(len(texts))
        lens.append(len(t))
        texts += t
    texts = np.array(texts, dtype=object)
    tidx = np.array(offs)[cat] + np.floor(rng.random(len(day)) * np.array(lens)[cat]).astype(np.int64)
    desc = texts[tidx]
    cat_s = np.array(cats, dtype=object)[cat]

    order = np.lexsort((vil, when))
    lon_l, lat_l = lon.tolist(), lat.tolist()
    co = code_only.tolist()
    rows = []
    for rank, k in enumerate(order.tolist()):
        if co[k]:
            rows.append((f"VV{rank + 1:07d}", when[k], cat_s[k], None, None, area_code[k], int(area_set[k]),
                         desc[k], SOURCE, _stamp(when[k])))
        else:
            rows.append((f"VV{rank + 1:07d}", when[k], cat_s[k], lon_l[k], lat_l[k], None, None,
                         desc[k], SOURCE, _stamp(when[k])))
    info = {"hot_spots": [V["code"][v] for v in hot], "emerging": V["code"][emerging]}
    return rows, info


# --- the build ---------------------------------------------------------------------

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "antt-demo-2025"  # published in the README: demo data only


def build_demo(path, *, seed: int = 7, today: dt.date | None = None, scale: float = 1.0,
               progress: ProgressFn | None = None, overwrite: bool = False) -> dict:
    """Build the demo province database at ``path`` and return a summary.

    ``seed`` and ``today`` fix the content (same pair, same data); ``scale``
    multiplies the number of areas and records (0.05 for fast tests);
    ``progress(fraction, message)`` is called along the way.  The database is
    built in a temporary file beside ``path`` and moved there only when
    complete.  Raises :class:`FileExistsError` if ``path`` exists, unless
    ``overwrite`` (then the old file is replaced, never half-overwritten).

    Returns ``{"path", "seed", "today", "scale", "counts": {table: rows,
    "areas_by_set": {role: n}}, "sets": {role: set id}, "vung_trang": villages
    without a group, "hot_spots": [village codes], "emerging_hot_spot": code,
    "seconds", "timings": {stage: seconds}}``; the roles are ``province``,
    ``districts_old``, ``communes_old``, ``communes`` and ``villages``.
    """
    t0 = time.perf_counter()
    path = Path(path)
    if isinstance(today, dt.datetime):
        today = today.date()
    today = today or dt.date.today()
    if today < dt.date(2020, 1, 1):
        raise ValueError(f"today={today}: the demo needs at least a year of history since {START}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} đã tồn tại; không ghi đè (already exists; not overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    last = [t0]

    def step(fraction: float, message: str, stage: str | None = None):
        now = time.perf_counter()
        if stage:
            timings[stage] = round(now - last[0], 3)
        last[0] = now
        if progress is not None:
            progress(float(fraction), message)

    _remove_stale_builds(path)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}-{time.monotonic_ns()}.tmp")
    db = None
    try:
        step(0.0, "Đang tạo ranh giới mẫu… (building boundaries)")
        counts = _counts(scale)
        prov = _build_province(seed, counts)
        V = prov.villages
        inside = shapely.contains_xy(V["km"], V["seed"][:, 0], V["seed"][:, 1])
        rep = shapely.point_on_surface(V["km"])
        V["centre"] = np.where(inside[:, None], V["seed"],
                               np.column_stack([shapely.get_x(rep), shapely.get_y(rep)]))
        step(0.2, "Đang lưu ranh giới… (storing boundary sets)", "geometry")

        db = store.open_db(tmp)
        # A private file until it is moved into place: no need for durability while building
        # (a crash leaves only the temporary file, which is discarded), and a big cache.
        db.conn.execute("PRAGMA journal_mode = MEMORY")
        db.conn.execute("PRAGMA synchronous = OFF")
        db.conn.execute("PRAGMA cache_size = -262144")
        common = {"source_file": SOURCE, "imported_by": SOURCE, "is_demo": True, "assign_records": False}
        sets = {}
        sets["province"] = areas.create_set(
            db, _gdf(prov.province), name="Tỉnh An Bình (dữ liệu mẫu)", level="province",
            valid_from=START, **common)
        sets["districts_old"] = areas.create_set(
            db, _gdf(prov.districts), name="Huyện, thị xã, thành phố trước 1/7/2025 (dữ liệu mẫu)",
            level="district", valid_from=START, valid_to=OLD_UNTIL, parent_set_id=sets["province"], **common)
        sets["communes_old"] = areas.create_set(
            db, _gdf(prov.old), name="Xã, phường, thị trấn trước 1/7/2025 (dữ liệu mẫu)",
            level="commune", valid_from=START, valid_to=OLD_UNTIL, parent_set_id=sets["districts_old"], **common)
        sets["communes"] = areas.create_set(
            db, _gdf(prov.new), name="Xã, phường, đặc khu từ 1/7/2025 (dữ liệu mẫu)",
            level="commune", valid_from=REFORM_DATE, parent_set_id=sets["province"],
            replaces_set_id=sets["communes_old"], **common)
        sets["villages"] = areas.create_set(
            db, _gdf(prov.villages), name="Thôn, tổ dân phố từ 1/7/2025 (dữ liệu mẫu)",
            level="village", valid_from=REFORM_DATE, parent_set_id=sets["communes"], **common)
        step(0.3, "Đang tạo tổ, camera, vụ việc… (generating records)", "boundary_sets")

        group_rows, g_vil, g_model, white = _groups(seed, counts["groups"], prov, today)
        camera_rows = _cameras(seed, counts["cameras"], prov, today, g_vil, g_model)
        incident_rows, info = _incidents(seed, counts["incidents"], prov, today,
                                         sets["communes_old"], sets["communes"])
        step(0.45, "Đang ghi dữ liệu… (writing records)", "generate")

        with store.transaction(db) as conn:
            conn.executemany(
                "INSERT INTO groups (id, name, model_type, village_code, founded_on, dissolved_on, members, "
                "leader, core_force, notes, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", group_rows)
            conn.executemany(
                "INSERT INTO cameras (id, lon, lat, installed_on, removed_on, owner, radius_m, "
                "connected_to_police, notes, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", camera_rows)
            conn.executemany(
                "INSERT INTO incidents (id, occurred_on, category, lon, lat, area_code, area_set_id, "
                "description, source, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", incident_rows)
        step(0.55, "Đang gán vụ việc vào địa bàn… (assigning records to areas)", "insert")

        order = ["villages", "communes", "communes_old", "districts_old", "province"]
        for k, role in enumerate(order):
            assign.assign_set(db, sets[role])
            step(0.55 + 0.4 * (k + 1) / len(order), f"Đã gán bộ ranh giới {k + 1}/{len(order)}",
                 f"assign_{role}")
        # the reform crosswalk, both ways, for trends across 2025-07-01
        assign.build_crosswalk(db, sets["communes_old"], sets["communes"])
        assign.build_crosswalk(db, sets["communes"], sets["communes_old"])
        with store.transaction(db):
            store.set_meta(db, "demo", "1")
            store.set_meta(db, "demo_seed", str(int(seed)))
            store.set_meta(db, "demo_today", today.isoformat())
            store.set_meta(db, "demo_scale", repr(float(scale)))
            store.bump_revision(db)
        # the demo administrator (README): asked to change the password at first login
        # once the database is no longer demo data
        from . import auth
        auth.create_user(db, DEMO_ADMIN, DEMO_PASSWORD, "admin", must_change_password=True)
        summary_counts = {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                          for t in ("boundary_sets", "areas", "groups", "cameras", "incidents",
                                    "record_areas", "crosswalk")}
        summary_counts["areas_by_set"] = {
            role: db.conn.execute("SELECT count(*) FROM areas WHERE set_id = ?", (sid,)).fetchone()[0]
            for role, sid in sets.items()}
        step(0.97, "Đang hoàn tất… (finishing)", "crosswalk_meta")
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.execute("PRAGMA journal_mode = DELETE")
        db.conn.close()
        db = None
        _move_into_place(tmp, path, overwrite)
        step(1.0, "Xong (done)", "finish")
    except BaseException:
        if db is not None:
            try:
                db.conn.close()
            except Exception:  # pragma: no cover
                pass
        raise
    finally:
        for f in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            try:
                f.unlink()
            except FileNotFoundError:
                pass
    return {"path": str(path), "seed": int(seed), "today": today.isoformat(), "scale": float(scale),
            "counts": summary_counts, "sets": sets, "vung_trang": len(white),
            "hot_spots": info["hot_spots"], "emerging_hot_spot": info["emerging"],
            "seconds": round(time.perf_counter() - t0, 2), "timings": timings}


def _remove_stale_builds(path: Path, older_than_s: float = 3600.0) -> None:
    """Remove temporary files of builds that were killed long ago (never a running one)."""
    now = time.time()
    for f in path.parent.glob(f".{path.name}.building-*"):
        try:
            if now - f.stat().st_mtime > older_than_s:
                f.unlink()
        except OSError:
            pass


def _move_into_place(tmp: Path, path: Path, overwrite: bool) -> None:
    """Move the finished database to ``path`` (never clobbering it unless ``overwrite``).

    Overwriting a database that may be open elsewhere (the app running beside the
    CLI) goes through SQLite's backup API into the existing file: deleting its
    -wal/-shm or renaming another file over it under live connections corrupts
    it.  The data revision moves past both so that no cache keeps old figures."""
    if overwrite and path.exists():
        try:
            dst = store.open_db(path)
        except store.StoreError:          # not an ANTT database at all: nobody has it open as one
            dst = None
        if dst is not None:
            src = store.connect_file(tmp, "ro")
            try:
                old_rev = store.revision(dst)
                src.backup(dst.conn, pages=-1)
                new_rev = store.revision(dst)
                with store.transaction(dst):
                    store.set_meta(dst, "data_revision", str(max(old_rev, new_rev) + 1))
            finally:
                src.close()
                dst.conn.close()
            return
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)          # atomic, and fails if path appeared meanwhile
    except FileExistsError:
        raise FileExistsError(f"{path} đã tồn tại; không ghi đè (already exists; not overwritten)") from None
    except OSError:                 # a file system without hard links
        if path.exists():
            raise FileExistsError(f"{path} đã tồn tại; không ghi đè (already exists; not overwritten)") from None
        os.replace(tmp, path)
