"""Benchmark: choropleth payload and build time, ours vs a naive folium map.

About 1,500 synthetic village polygons over ~60 × 50 km around lon 106.5,
lat 21.0: Voronoi cells of clustered random points clipped to a district-like
outline, boundaries densified to ~20 m vertex spacing and made irregular by a
smooth displacement field (applied to the shared boundary network, so
neighbouring villages still share their edges exactly, as a real coverage).

* ours: ``shapely.coverage_simplify`` (tolerance 0.0005°) then
  :func:`geo.maps.choropleth` (5-decimal delta-encoded geometry, one JS style
  function, legend and labels);
* naive: the raw polygons in one ``folium.GeoJson`` with a Python
  ``style_function`` and a ``GeoJsonTooltip``.

Run: ``.venv/bin/python bench/bench_maps.py [--n 1500]``
"""
from __future__ import annotations

import argparse
import gzip
import math
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo import maps  # noqa: E402

CENTER = (106.5, 21.0)
HALF_W = 30.0 / (111.32 * math.cos(math.radians(21.0)))   # 60 km wide, in degrees of lon
HALF_H = 25.0 / 110.57                                       # 50 km high, in degrees of lat
DENSIFY_DEG = 0.0002        # ~20 m vertex spacing in the raw data
TOLERANCE = 0.0005          # coverage_simplify tolerance (~50 m)

_SYLLABLES = ("Đông", "Tây", "Nam", "Bắc", "Hạ", "Thượng", "Trung", "An", "Phú", "Lộc", "Hòa",
              "Bình", "Tân", "Yên", "Mỹ", "Thịnh", "Vĩnh", "Cát", "Đồng", "Lạc", "Xuân", "Hưng")


from table import print_table  # noqa: E402  (bench/ is on sys.path when a script runs)

def _region() -> shapely.Polygon:
    """A district-like outline (a wobbly ellipse)."""
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    r = 1 + 0.07 * np.sin(3 * t + 0.4) + 0.04 * np.cos(7 * t) + 0.02 * np.sin(13 * t)
    x = CENTER[0] + HALF_W * 0.98 * r * np.cos(t)
    y = CENTER[1] + HALF_H * 0.98 * r * np.sin(t)
    return shapely.Polygon(np.column_stack([x, y]))


def _displace(coords: np.ndarray) -> np.ndarray:
    """A smooth, small displacement field (wavelengths 150 m – 4 km) that makes
    straight Voronoi edges look like surveyed boundaries while keeping the
    mapping one-to-one (slope well below 1)."""
    x, y = coords[:, 0], coords[:, 1]
    km_x = 111.32 * math.cos(math.radians(21.0))
    km_y = 110.57
    X, Y = (x - CENTER[0]) * km_x, (y - CENTER[1]) * km_y          # km
    dx = np.zeros_like(X)
    dy = np.zeros_like(Y)
    #          wavelength km, amplitude km
    for i, (lam, amp) in enumerate(((4.0, 0.22), (1.3, 0.07), (0.45, 0.022), (0.15, 0.006))):
        k = 2 * np.pi / lam
        dx += amp * np.sin(k * (0.8 * Y + 0.6 * X) + i * 1.7)
        dy += amp * np.sin(k * (0.7 * X - 0.7 * Y) + i * 0.9)
    return np.column_stack([x + dx / km_x, y + dy / km_y])


def synthetic_villages(n: int = 1500, seed: int = 7) -> list[dict]:
    """About ``n`` raw village features (GeoJSON dicts, full float precision)."""
    rng = np.random.default_rng(seed)
    region = _region()
    minx, miny, maxx, maxy = region.bounds
    pts: list[tuple[float, float]] = []
    towns = rng.uniform([minx, miny], [maxx, maxy], size=(6, 2))
    while len(pts) < n:
        if rng.random() < 0.35:   # denser villages around a few towns
            c = towns[rng.integers(len(towns))]
            p = c + rng.normal(0, 0.03, 2)
        else:
            p = rng.uniform([minx, miny], [maxx, maxy])
        if region.contains(shapely.Point(p)):
            pts.append((float(p[0]), float(p[1])))
    cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=region)
    cells = [c.intersection(region) for c in cells.geoms]
    edges = shapely.union_all(shapely.boundary(np.array(cells, dtype=object)))   # noded, each edge once
    edges = shapely.segmentize(edges, DENSIFY_DEG)
    edges = shapely.transform(edges, _displace)
    faces = [g for g in shapely.polygonize(list(shapely.get_parts(edges))).geoms if g.area > 0]
    feats = []
    for i, g in enumerate(faces):
        name = f"Thôn {_SYLLABLES[i % len(_SYLLABLES)]} {_SYLLABLES[(i * 7 + 3) % len(_SYLLABLES)]} {i + 1}"
        feats.append({
            "type": "Feature",
            "properties": {"code": f"V{i:05d}", "name": name, "commune": f"Xã {_SYLLABLES[i % 9]}"},
            "geometry": shapely.geometry.mapping(g),
        })
    return feats


def synthetic_values(feats: list[dict], seed: int = 11) -> dict[str, float | None]:
    rng = np.random.default_rng(seed)
    out: dict[str, float | None] = {}
    for f in feats:
        v = int(rng.negative_binomial(2, 0.15))
        out[f["properties"]["code"]] = None if rng.random() < 0.04 else v
    return out


def simplify(feats: list[dict], tolerance: float = TOLERANCE) -> dict:
    """The features' geometries simplified together as one coverage."""
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in feats], dtype=object)
    simple = shapely.coverage_simplify(geoms, tolerance)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": f["properties"], "geometry": g}
        for f, g in zip(feats, simple)
    ]}


def ours(feats: list[dict], values: dict) -> tuple[str, float, float]:
    """HTML, simplify seconds, build+render seconds."""
    t0 = time.perf_counter()
    fc = simplify(feats)
    t1 = time.perf_counter()
    classes = maps.classify(values, "quantiles", 5)
    m = maps.choropleth(fc, values, metric_label="Số vụ việc", classes=classes,
                        tooltip_fields=[("commune", "Xã")], title="Vụ việc theo thôn")
    page = maps.map_html(m)
    t2 = time.perf_counter()
    return page, t1 - t0, t2 - t1


def naive(feats: list[dict], values: dict) -> tuple[str, float]:
    """A straightforward folium map of the raw polygons: HTML, build+render seconds."""
    import folium

    t0 = time.perf_counter()
    classes = maps.classify(values, "quantiles", 5)
    props = []
    for f in feats:
        p = dict(f["properties"])
        p["value"] = values.get(p["code"])
        props.append({"type": "Feature", "properties": p, "geometry": f["geometry"]})
    fc = {"type": "FeatureCollection", "features": props}

    def style(feature):
        k = maps.class_index(classes, feature["properties"]["value"])
        return {"fillColor": maps.NODATA_COLOR if k < 0 else classes["colors"][k],
                "color": "#555", "weight": 0.5, "fillOpacity": 0.75}

    m = folium.Map(location=[CENTER[1], CENTER[0]], zoom_start=10, tiles=None)
    folium.GeoJson(fc, name="Số vụ việc", style_function=style,
                   tooltip=folium.GeoJsonTooltip(fields=["name", "value", "commune"],
                                                 aliases=["Thôn", "Số vụ việc", "Xã"])).add_to(m)
    page = m.get_root().render()
    return page, time.perf_counter() - t0


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def _vertices(fc_feats) -> int:
    return int(sum(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"]))
                   if isinstance(f["geometry"], dict) else shapely.get_num_coordinates(f["geometry"])
                   for f in fc_feats))


def bench_rows(n: int = 1500, seed: int = 7) -> list[tuple[str, str, str]]:
    """``(label, ours, naive / ratio)`` rows, both maps built in this run."""
    import folium  # noqa: F401  imports are not part of the timings
    import mapclassify  # noqa: F401

    t = time.perf_counter()
    feats = synthetic_villages(n, seed)
    t_data = time.perf_counter() - t
    values = synthetic_values(feats)
    page_o, t_simp, t_build_o = ours(feats, values)
    page_n, t_build_n = naive(feats, values)
    raw_v = _vertices(feats)
    simp_v = _vertices(simplify(feats)["features"])
    size_o, size_n = len(page_o.encode()), len(page_n.encode())
    gz_o, gz_n = len(gzip.compress(page_o.encode(), 6)), len(gzip.compress(page_n.encode(), 6))
    tot_o = t_simp + t_build_o
    return [
        ("villages (synthetic, 60 × 50 km)", f"{len(feats):,}", f"{len(feats):,} (data made in {t_data:.1f} s)"),
        ("vertices", f"{simp_v:,} (coverage_simplify {TOLERANCE}°)", f"{raw_v:,} raw, ~20 m spacing"),
        ("HTML payload", _mb(size_o), f"{_mb(size_n)} ({size_n / size_o:.1f}× ours)"),
        ("HTML payload gzip", _mb(gz_o), f"{_mb(gz_n)} ({gz_n / gz_o:.1f}× ours)"),
        ("simplify time", f"{t_simp:.2f} s", "–"),
        ("build + render time", f"{t_build_o:.2f} s", f"{t_build_n:.2f} s ({t_build_n / t_build_o:.1f}× ours)"),
        ("total time", f"{tot_o:.2f} s", f"{t_build_n:.2f} s ({t_build_n / tot_o:.1f}× ours)"),
        ("payload target ≤ 1.5 MB", "met" if size_o <= 1.5e6 else "NOT MET", "–"),
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1500, help="number of villages (default 1500)")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    print_table(bench_rows(a.n, a.seed))


if __name__ == "__main__":
    main()
