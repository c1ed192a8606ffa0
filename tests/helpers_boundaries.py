"""Shared helpers for the boundary tests: where the shared fixtures are, and
synthetic files (villages made by subdividing communes, hostile inputs).

No public village polygons exist, so village layers are made by cutting each
commune into pieces along a Voronoi diagram of random points; the pieces are
built from one noded linework, so neighbours share their vertices exactly.
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "boundaries"

REFERENCE = "quang_ninh_communes_2025.geojson"
TM3_ZIP = "QN_RanhGioiXa_2025_VN2000_TM3_107-45_shp.zip"
TM3_TCVN3_ZIP = "QN_RanhGioiXa_2025_VN2000_TM3_107-45_TCVN3_shp.zip"
GEOBOUNDARIES_ZIP = "vietnam_provinces_pre2025_geoboundaries_shp.zip"
PROVINCES_KML = "vietnam_provinces_2025_34.kml"
DISTRICT_PARTS = "quang_ninh_districts_pre2025_parts.geojson"
GPKG = "QuangNinh_multilayer_VN2000_UTM48N.gpkg"

VN2000_TM3_QN_PRJ = (
    'PROJCS["VN_2000_TM-3_107-45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",107.75],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')


def fixture(name: str) -> Path:
    """The path of a shared fixture; skips the test when the folder is absent."""
    p = FIXTURES / name
    if not p.exists():
        pytest.skip(f"shared fixture {name} not found in {FIXTURES} (a fresh clone has no "
                    "../shared/fixtures/boundaries)")
    return p


def reference_communes() -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(fixture(REFERENCE))


def metres(deg: float, lat: float = 21.0) -> float:
    """A small distance in degrees → metres (upper bound over lon/lat)."""
    return deg * 111_320.0


# --------------------------------------------------------------------------- #
# Villages: communes cut into pieces
# --------------------------------------------------------------------------- #
def subdivide(communes: gpd.GeoDataFrame, per_unit: int = 4, *, seed: int = 0,
              segment_m: float | None = None, code_col: str = "id",
              name_col: str = "name") -> gpd.GeoDataFrame:
    """Cut each commune (EPSG:4326) into about ``per_unit`` villages.  Columns:
    ma_thon, ten_thon, ma_xa, geometry.  ``segment_m`` densifies the cut lines
    and the commune outline (to make big files)."""
    rng = np.random.default_rng(seed)
    rows = []
    seg_deg = segment_m / 111_320.0 if segment_m else None
    for _, c in communes.iterrows():
        geom = c.geometry
        pts = _random_points(geom, per_unit, rng)
        if len(pts) < 2:
            pieces = [geom]
        else:
            cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=geom.envelope)
            # whole cell edges (crossing the outline, so the union nodes them)
            cut = shapely.union_all(shapely.boundary(shapely.get_parts(cells)))
            outline = geom.boundary
            if seg_deg:
                cut = shapely.segmentize(cut, seg_deg)
                outline = shapely.segmentize(outline, seg_deg)
            lines = shapely.union_all([cut, outline])
            faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
            inner = shapely.point_on_surface(faces)
            keep = shapely.contains(geom, inner)
            faces, inner = faces[keep], inner[keep]
            # a village is one Voronoi cell: its faces (islands) form one unit
            cell_of = shapely.STRtree(shapely.get_parts(cells)).query(inner, predicate="within")
            groups: dict[int, list] = {}
            for fi, ci in zip(*cell_of):
                groups.setdefault(int(ci), []).append(faces[fi])
            pieces = [parts[0] if len(parts) == 1 else shapely.union_all(parts)
                      for _, parts in sorted(groups.items())] or [geom]
        for k, piece in enumerate(pieces, start=1):
            rows.append({"ma_thon": f"{c[code_col]}{k:03d}", "ten_thon": f"Thôn {_ordinal(k)}",
                         "ma_xa": c[code_col], "geometry": piece})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=communes.crs)


_NAMES = ["Đông", "Tây", "Nam", "Bắc", "Trung", "Hạ", "Thượng", "Tân", "Yên", "Hòa",
          "Phú", "Lộc", "Quyết Tiến", "Đồng Tâm", "Thủy Cơ", "Liêu Ngoại"]


def _ordinal(k: int) -> str:
    base = _NAMES[(k - 1) % len(_NAMES)]
    return base if k <= len(_NAMES) else f"{base} {k // len(_NAMES) + 1}"


def _random_points(geom, n: int, rng) -> np.ndarray:
    minx, miny, maxx, maxy = geom.bounds
    out = []
    shapely.prepare(geom)
    tries = 0
    while len(out) < n and tries < 50:
        xs = rng.uniform(minx, maxx, n * 4)
        ys = rng.uniform(miny, maxy, n * 4)
        inside = shapely.contains_xy(geom, xs, ys)
        out.extend(zip(xs[inside], ys[inside]))
        tries += 1
    return np.array(out[:n])


# --------------------------------------------------------------------------- #
# Writing files
# --------------------------------------------------------------------------- #
def write_shapefile(gdf: gpd.GeoDataFrame, folder: Path, stem: str, *, prj: str | None | bool = True,
                    encoding: str = "UTF-8", cpg: bool = True) -> Path:
    """Write a shapefile; ``prj=False`` removes the .prj, a string replaces it;
    ``cpg=False`` removes the .cpg."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / f"{stem}.shp"
    pyogrio.write_dataframe(gdf, shp, driver="ESRI Shapefile", encoding=encoding)
    if prj is False or prj is None:
        (folder / f"{stem}.prj").unlink(missing_ok=True)
    elif isinstance(prj, str):
        (folder / f"{stem}.prj").write_text(prj)
    if not cpg:
        (folder / f"{stem}.cpg").unlink(missing_ok=True)
    return shp


def zip_folder(folder: Path, zpath: Path, *, prefix: str = "", extra: dict[str, bytes] | None = None
               ) -> Path:
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.iterdir()):
            z.write(p, prefix + p.name)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return zpath


def write_dbf_text(shp: Path, column: str, raw_values: list[bytes]) -> None:
    """Overwrite a text column of a .dbf with raw bytes (legacy encodings)."""
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    nrec = int.from_bytes(data[4:8], "little")
    hlen = int.from_bytes(data[8:10], "little")
    rlen = int.from_bytes(data[10:12], "little")
    offset, pos, width = 1, 32, None
    while data[pos] != 0x0D:
        fname = data[pos:pos + 11].split(b"\x00")[0].decode("ascii")
        flen = data[pos + 16]
        if fname.lower() == column.lower():
            width = flen
            break
        offset += flen
        pos += 32
    assert width is not None, column
    assert len(raw_values) == nrec
    for i, v in enumerate(raw_values):
        start = hlen + i * rlen + offset
        data[start:start + width] = v[:width].ljust(width, b" ")
    dbf.write_bytes(bytes(data))


def bow_tie(x0: float = 107.0, y0: float = 21.0, d: float = 0.01) -> shapely.Polygon:
    return shapely.Polygon([(x0, y0), (x0 + d, y0 + d), (x0 + d, y0), (x0, y0 + d), (x0, y0)])


def square(x0: float, y0: float, d: float = 0.01) -> shapely.Polygon:
    return shapely.box(x0, y0, x0 + d, y0 + d)


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_big_village_shapefile(folder: Path, *, per_unit: int = 37, segment_m: float = 13.0,
                               seed: int = 1) -> Path:
    """The speed fixture: the 54 communes cut into ~2,000 villages, densified to
    ~20 MB, written in VN-2000 / TM-3 107-45 with an ESRI .prj."""
    communes = reference_communes()
    villages = subdivide(communes, per_unit, seed=seed, segment_m=segment_m)
    villages = villages.to_crs(5899)
    shp = write_shapefile(villages, folder, "thon_QN_VN2000", prj=VN2000_TM3_QN_PRJ)
    return shp


if __name__ == "__main__":  # python tests/helpers_boundaries.py /tmp/antt_perf
    import sys
    import time
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/antt_perf")
    t = time.perf_counter()
    shp = make_big_village_shapefile(out)
    size = sum(p.stat().st_size for p in out.glob("thon_QN_VN2000.*"))
    print(f"wrote {shp} ({size / 2**20:.1f} MB) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    os.sync()
