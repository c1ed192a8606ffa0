"""Safe unpacking, format detection, layers and the raw read.

Accepted: a zipped Shapefile (the ``.shp`` may sit in a sub-folder; ``.sbn``,
``.sbx``, ``.shp.xml`` and the like are ignored), the loose ``.shp/.shx/.dbf/
.prj/.cpg`` files uploaded together, GeoJSON, KML, KMZ and GeoPackage.

Everything is opened from a private temporary folder: archives are unpacked
member by member with the uncompressed size counted as it is written (zip
bombs, lying headers), and names that are absolute, climb out with ``..``,
are links, or are archives themselves are refused.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import struct
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import pyogrio

from .. import offline
from .errors import BoundaryError, LayerChoiceNeeded

offline.apply_gdal()  # GDAL's HTTP/curl and PROJ's network off before the first read

DEFAULT_MAX_BYTES = 200 * 2**20
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_RATIO = 200          # uncompressed / compressed, per member over 1 MiB
UNZIP_FACTOR = 4             # total uncompressed ≤ UNZIP_FACTOR × max_bytes
CHUNK = 1 << 20

SHP_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
SHP_IGNORED = {".sbn", ".sbx", ".xml", ".qix", ".fix", ".qmd", ".atx", ".ain", ".aih",
               ".ixs", ".mxs", ".idx", ".cst", ".lyr", ".qml", ".sld", ".txt", ".pdf",
               ".htm", ".html", ".md", ".jpg", ".jpeg", ".png", ".gif", ".csv", ".xls", ".xlsx",
               ".doc", ".docx", ".dat", ".ind", ".map", ".id", ".tab", ".lock"}
ARCHIVES = {".zip", ".kmz", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".cab"}
DATA_EXT = {".shp": "shapefile", ".geojson": "geojson", ".json": "geojson",
            ".kml": "kml", ".gpkg": "gpkg"}
ACCEPTED = "Shapefile nén (.zip) hoặc bộ tệp .shp/.shx/.dbf/.prj, GeoJSON, KML/KMZ, GeoPackage (.gpkg)"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB".replace(",", " ")


# --------------------------------------------------------------------------- #
# The source
# --------------------------------------------------------------------------- #
@dataclass
class Source:
    """A data file ready for GDAL, in a private folder."""
    kind: str                     # shapefile | geojson | kml | gpkg
    path: Path                    # what GDAL opens
    name: str                     # file name as uploaded
    layers: list[str] = field(default_factory=list)
    layer_info: list[dict] = field(default_factory=list)
    prj_text: str | None = None   # shapefile: raw .prj
    cpg_text: str | None = None   # shapefile: raw .cpg
    members: dict[str, Path] = field(default_factory=dict)  # zip: layer name → file
    warnings: list[str] = field(default_factory=list)       # e.g. links that were ignored


@contextlib.contextmanager
def open_source(path_or_paths, *, max_bytes: int = DEFAULT_MAX_BYTES,
                layer: str | None = None) -> Iterator[Source]:
    """Check, unpack and classify an upload; yields a :class:`Source`.  The
    temporary folder is removed on exit."""
    paths = _as_paths(path_or_paths)
    total = 0
    for p in paths:
        if not p.exists():
            raise BoundaryError(f"Không tìm thấy tệp {p.name}.")
        if not p.is_file():
            raise BoundaryError(f"{p.name} không phải là tệp.")
        size = p.stat().st_size
        if size == 0:
            raise BoundaryError(f"Tệp {p.name} rỗng (0 byte).")
        if size > max_bytes:
            raise BoundaryError(f"Tệp {p.name} quá lớn ({_mb(size)}; giới hạn {_mb(max_bytes)}).")
        total += size
    if total > max_bytes:
        raise BoundaryError(f"Tổng dung lượng các tệp quá lớn ({_mb(total)}; giới hạn {_mb(max_bytes)}).")
    workdir = Path(tempfile.mkdtemp(prefix="antt_boundary_"))
    try:
        yield _classify(paths, workdir, max_bytes=max_bytes, layer=layer)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _as_paths(path_or_paths) -> list[Path]:
    if isinstance(path_or_paths, (str, os.PathLike)):
        return [Path(path_or_paths)]
    if isinstance(path_or_paths, Sequence) or hasattr(path_or_paths, "__iter__"):
        paths = [Path(p) for p in path_or_paths]
        if not paths:
            raise BoundaryError("Chưa có tệp nào được tải lên.")
        return paths
    raise BoundaryError("Đầu vào không phải đường dẫn tệp.")


def _ext(name: str) -> str:
    low = name.lower()
    if low.endswith(".shp.xml"):
        return ".shp.xml"
    return os.path.splitext(low)[1]


def _classify(paths: list[Path], workdir: Path, *, max_bytes: int, layer: str | None) -> Source:
    exts = [_ext(p.name) for p in paths]
    if len(paths) == 1:
        p, ext = paths[0], exts[0]
        if ext == ".zip":
            _check_magic(p, b"PK", "zip")
            root = workdir / "zip"
            safe_extract(p, root, max_bytes=max_bytes)
            return _from_folder(root, p.name, layer=layer, max_bytes=max_bytes)
        if ext == ".kmz":
            _check_magic(p, b"PK", "KMZ (zip)")
            root = workdir / "kmz"
            safe_extract(p, root, max_bytes=max_bytes)
            return _kmz(root, p.name)
        if ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            return _loose_shapefile(paths, workdir)
        if ext in DATA_EXT:
            dest = workdir / f"data{ext}"
            shutil.copyfile(p, dest)
            return _single(dest, DATA_EXT[ext], p.name, layer=layer)
        raise _wrong_extension(p.name)
    # several files: the parts of one shapefile
    bad = [p.name for p, e in zip(paths, exts) if e not in SHP_PARTS and e not in SHP_IGNORED
           and e != ".shp.xml"]
    if bad:
        if any(e in ARCHIVES or e in DATA_EXT for e in exts):
            raise BoundaryError("Chỉ tải lên một tệp (.zip, .geojson, .kml, .kmz, .gpkg) hoặc các "
                                f"tệp của một shapefile; đã nhận cả {', '.join(bad)}.")
        raise _wrong_extension(bad[0])
    return _loose_shapefile(paths, workdir)


def _wrong_extension(name: str) -> BoundaryError:
    ext = _ext(name) or "(không có đuôi)"
    if ext in ARCHIVES:
        return BoundaryError(f"Không hỗ trợ tệp nén {ext} ({name}); hãy nén lại bằng .zip.")
    return BoundaryError(f"Không hỗ trợ định dạng {ext} ({name}). Hãy tải lên: {ACCEPTED}.")


def _check_magic(p: Path, magic: bytes, what: str) -> None:
    with open(p, "rb") as f:
        head = f.read(len(magic))
    if head != magic:
        raise BoundaryError(f"Tệp {p.name} có đuôi của {what} nhưng nội dung không phải {what}.")


# --------------------------------------------------------------------------- #
# Zip
# --------------------------------------------------------------------------- #
_DRIVE = re.compile(r"^[A-Za-z]:")
_SAFE_CHARS = re.compile(r"[^\w.\- ]+", re.UNICODE)


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name:
        return "có tên chứa ký tự NUL"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return f"chứa đường dẫn tuyệt đối ({name})"
    parts = re.split(r"[\\/]+", name)
    if any(part == ".." for part in parts):
        return f"chứa đường dẫn vượt ra ngoài thư mục (“{name}”)"
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return f"chứa liên kết tượng trưng ({name})"
    if info.flag_bits & 0x1:
        return f"có tệp được đặt mật khẩu ({name})"
    return None


def _skip_member(name: str) -> bool:
    parts = [p for p in re.split(r"[\\/]+", name) if p]
    if not parts:
        return True
    return (parts[0] == "__MACOSX" or parts[-1].startswith("._")
            or parts[-1] in (".DS_Store", "Thumbs.db", "desktop.ini"))


def safe_extract(zpath: Path, dest: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Path]:
    """Unpack a zip into ``dest`` refusing anything dangerous.  Members keep their
    folders (sanitised names, lower-case extensions).  Returns the files written."""
    cap = UNZIP_FACTOR * max_bytes
    try:
        zf = zipfile.ZipFile(zpath)
    except (zipfile.BadZipFile, OSError) as e:
        raise BoundaryError(f"Tệp {zpath.name} không phải tệp .zip hợp lệ hoặc bị hỏng ({e}).") from None
    written: list[Path] = []
    seen: set[str] = set()
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise BoundaryError(f"Tệp nén có quá nhiều tệp ({len(infos)}; tối đa {MAX_ZIP_MEMBERS}).")
        declared = 0
        for info in infos:
            problem = _member_problem(info)
            if problem:
                raise BoundaryError(f"Từ chối tệp nén {zpath.name}: {problem}.")
            if info.is_dir() or _skip_member(info.filename):
                continue
            ext = _ext(info.filename)
            if ext in ARCHIVES:
                raise BoundaryError(f"Từ chối tệp nén {zpath.name}: có tệp nén lồng bên trong "
                                    f"({info.filename}); hãy giải nén và tải lên trực tiếp.")
            declared += info.file_size
            if info.file_size > (1 << 20) and info.compress_size > 0 \
                    and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise BoundaryError(
                    f"Từ chối tệp nén {zpath.name}: tỉ lệ nén của {info.filename} bất thường "
                    f"({info.file_size / info.compress_size:,.0f}:1), nghi là “bom zip”.")
        if declared > cap:
            raise BoundaryError(f"Từ chối tệp nén {zpath.name}: giải nén ra {_mb(declared)}, vượt "
                                f"giới hạn {_mb(cap)} (nghi là “bom zip”).")
        total = 0
        for info in infos:
            if info.is_dir() or _skip_member(info.filename):
                continue
            parts = [p for p in re.split(r"[\\/]+", info.filename) if p not in ("", ".")]
            safe_parts = [(_SAFE_CHARS.sub("_", p).strip() or "_")[:120] for p in parts]
            stem, ext = os.path.splitext(safe_parts[-1])
            safe_parts[-1] = stem + ext.lower()
            rel = "/".join(safe_parts)
            if rel.lower() in seen:
                raise BoundaryError(f"Tệp nén {zpath.name} chứa hai tệp trùng tên ({info.filename}).")
            seen.add(rel.lower())
            target = dest.joinpath(*safe_parts)
            if not target.resolve().is_relative_to(dest.resolve()):
                raise BoundaryError(f"Từ chối tệp nén {zpath.name}: đường dẫn không an toàn "
                                    f"({info.filename}).")
            target.parent.mkdir(parents=True, exist_ok=True)
            size = 0
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while True:
                        chunk = src.read(CHUNK)
                        if not chunk:
                            break
                        size += len(chunk)
                        total += len(chunk)
                        if size > info.file_size or total > cap:
                            raise BoundaryError(
                                f"Từ chối tệp nén {zpath.name}: dữ liệu giải nén vượt kích thước "
                                f"khai báo/giới hạn ({info.filename}), nghi là “bom zip”.")
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
                raise BoundaryError(f"Tệp nén {zpath.name} bị hỏng ở {info.filename} ({e}).") from None
            written.append(target)
    return written


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _from_folder(root: Path, upload_name: str, *, layer: str | None, max_bytes: int) -> Source:
    files = _files(root)
    if not files:
        raise BoundaryError(f"Tệp nén {upload_name} không chứa tệp dữ liệu nào.")
    shps = [p for p in files if _ext(p.name) == ".shp"]
    others = [p for p in files if _ext(p.name) in DATA_EXT and _ext(p.name) != ".shp"]
    kmz = [p for p in files if _ext(p.name) == ".kmz"]
    if kmz:
        raise BoundaryError(f"Từ chối tệp nén {upload_name}: có tệp KMZ lồng bên trong.")
    candidates = shps or others
    if not candidates:
        orphan = [p.name for p in files if _ext(p.name) in (".dbf", ".shx", ".prj")]
        if orphan:
            raise BoundaryError(f"Tệp nén {upload_name} thiếu tệp .shp (chỉ có {', '.join(orphan[:4])}).")
        found = ", ".join(sorted({_ext(p.name) or p.name for p in files}))
        raise BoundaryError(f"Tệp nén {upload_name} không có dữ liệu ranh giới ({found}). "
                            f"Cần: {ACCEPTED}.")
    names = {_layer_name(p, root): p for p in candidates}
    if len(candidates) == 1:
        only = candidates[0]
        return _file_source(only, upload_name, layer=layer, root=root)
    if layer is None:
        info = [{"name": n, "geometry_type": None, "features": None} for n in names]
        raise LayerChoiceNeeded(
            f"Tệp nén {upload_name} chứa {len(names)} lớp dữ liệu; hãy chọn một: "
            f"{', '.join(list(names)[:8])}.", list(names), info)
    if layer not in names:
        raise BoundaryError(f"Không có lớp “{layer}” trong {upload_name}; các lớp: {', '.join(names)}.")
    src = _file_source(names[layer], upload_name, layer=None, root=root)
    src.layers = list(names)
    src.members = names
    return src


def _layer_name(p: Path, root: Path) -> str:
    rel = p.relative_to(root).as_posix()
    return rel[: -len(".shp")] if rel.lower().endswith(".shp") else rel


def _file_source(p: Path, upload_name: str, *, layer: str | None, root: Path) -> Source:
    ext = _ext(p.name)
    if ext == ".shp":
        return _shapefile(p, upload_name)
    return _single(p, DATA_EXT[ext], upload_name, layer=layer)


def _kmz(root: Path, upload_name: str) -> Source:
    files = _files(root)
    kmls = [p for p in files if _ext(p.name) == ".kml"]
    if not kmls:
        raise BoundaryError(f"Tệp KMZ {upload_name} không chứa tệp .kml nào.")
    doc = [p for p in kmls if p.name.lower() == "doc.kml" and p.parent == root]
    main = doc[0] if doc else (kmls[0] if len(kmls) == 1 else None)
    if main is None:
        top = [p for p in kmls if p.parent == root]
        main = top[0] if top else kmls[0]
    # Reading the unpacked doc.kml (like /vsizip/…/doc.kml) keeps ExtendedData,
    # which LIBKML drops when it opens the .kmz itself.
    return _single(main, "kml", upload_name, layer=None)


# --------------------------------------------------------------------------- #
# Shapefile
# --------------------------------------------------------------------------- #
def _loose_shapefile(paths: list[Path], workdir: Path) -> Source:
    shps = [p for p in paths if _ext(p.name) == ".shp"]
    if not shps:
        got = ", ".join(p.name for p in paths)
        raise BoundaryError(f"Thiếu tệp .shp (đã nhận: {got}). Hãy chọn cả tệp .shp, .shx, .dbf "
                            "và .prj, hoặc nén chúng vào một tệp .zip.")
    if len(shps) > 1:
        raise BoundaryError("Đã nhận nhiều tệp .shp; hãy tải lên từng shapefile một "
                            f"({', '.join(p.name for p in shps)}).")
    stem = os.path.splitext(shps[0].name)[0]
    folder = workdir / "shp"
    folder.mkdir()
    safe_stem = (_SAFE_CHARS.sub("_", stem).strip() or "layer")[:120]
    for p in paths:
        ext = _ext(p.name)
        if ext not in SHP_PARTS:
            continue
        if os.path.splitext(p.name)[0].lower() != stem.lower():
            continue  # a part of another shapefile: the stem check below reports it
        shutil.copyfile(p, folder / f"{safe_stem}{ext}")
    src = _shapefile(folder / f"{safe_stem}.shp", shps[0].name)
    return src


def _sibling(shp: Path, ext: str) -> Path | None:
    stem = shp.stem.lower()
    for p in shp.parent.iterdir():
        if p.is_file() and p.stem.lower() == stem and p.suffix.lower() == ext:
            return p
    return None


def _shapefile(shp: Path, upload_name: str) -> Source:
    missing = [e for e in (".shx", ".dbf") if _sibling(shp, e) is None]
    if missing:
        raise BoundaryError(
            f"Shapefile {shp.stem} thiếu tệp {' và '.join(missing)} (cần đủ .shp, .shx, .dbf; "
            ".prj nên có). Hãy nén đủ các tệp cùng tên vào một .zip.")
    # lower-case extensions so GDAL finds the parts
    for e in (".shx", ".dbf", ".prj", ".cpg"):
        p = _sibling(shp, e)
        if p is not None and p.suffix != e:
            p.rename(p.with_suffix(e))
    if shp.suffix != ".shp":
        shp = shp.rename(shp.with_suffix(".shp"))
    check_shapefile(shp)
    prj = _sibling(shp, ".prj")
    cpg = _sibling(shp, ".cpg")
    prj_text = _read_small(prj) if prj else None
    cpg_text = _read_small(cpg) if cpg else None
    src = Source("shapefile", shp, upload_name, prj_text=prj_text, cpg_text=cpg_text)
    src.layers = [shp.stem]
    src.layer_info = [{"name": shp.stem, "geometry_type": None, "features": None}]
    return src


def _read_small(p: Path, limit: int = 65536) -> str | None:
    data = p.read_bytes()[:limit]
    for enc in ("utf-8-sig", "latin-1"):
        try:
            text = data.decode(enc).strip()
            return text or None
        except UnicodeDecodeError:
            continue
    return None


SHP_TYPES = {0: "rỗng", 1: "điểm", 3: "đường", 5: "vùng", 8: "đa điểm", 11: "điểm Z", 13: "đường Z",
             15: "vùng Z", 18: "đa điểm Z", 21: "điểm M", 23: "đường M", 25: "vùng M",
             28: "đa điểm M", 31: "multipatch"}


def check_shapefile(shp: Path) -> dict:
    """Check the ``.shp``/``.shx``/``.dbf`` headers before GDAL reads them:
    truncated files, records pointing past the end, wrong magic numbers.
    Returns {"shape_type", "records"}."""
    size = shp.stat().st_size
    if size < 100:
        raise BoundaryError(f"Tệp {shp.name} bị cắt cụt (chỉ {size} byte, thiếu phần đầu tệp).")
    with open(shp, "rb") as f:
        head = f.read(100)
    code, = struct.unpack(">i", head[:4])
    if code != 9994:
        raise BoundaryError(f"Tệp {shp.name} không phải tệp .shp hợp lệ (sai mã nhận dạng).")
    declared = struct.unpack(">i", head[24:28])[0] * 2
    shape_type = struct.unpack("<i", head[32:36])[0]
    if declared > size:
        raise BoundaryError(f"Tệp {shp.name} bị cắt cụt: phần đầu ghi {declared:,} byte nhưng tệp chỉ có "
                            f"{size:,} byte (thiếu {declared - size:,} byte). Hãy xuất lại.".replace(",", " "))
    shx = _sibling(shp, ".shx")
    records = None
    if shx is not None:
        shx_size = shx.stat().st_size
        if shx_size < 100 or (shx_size - 100) % 8:
            raise BoundaryError(f"Tệp {shx.name} bị hỏng hoặc cắt cụt ({shx_size} byte).")
        records = (shx_size - 100) // 8
        if records:
            import numpy as np
            idx = np.fromfile(shx, dtype=">i4", offset=100).reshape(-1, 2).astype("int64") * 2
            ends = idx[:, 0] + 8 + idx[:, 1]
            if ends.max() > size:
                bad = int((ends > size).sum())
                raise BoundaryError(f"Tệp {shp.name} bị cắt cụt: {bad} đối tượng nằm ngoài phần cuối tệp "
                                    f"(tệp có {size:,} byte).".replace(",", " "))
    dbf = _sibling(shp, ".dbf")
    if dbf is not None:
        with open(dbf, "rb") as f:
            dh = f.read(32)
        if len(dh) < 32:
            raise BoundaryError(f"Tệp {dbf.name} bị hỏng (quá ngắn).")
        nrec, hlen, rlen = struct.unpack("<IHH", dh[4:12])
        if hlen + nrec * rlen > dbf.stat().st_size + 1:
            raise BoundaryError(f"Tệp {dbf.name} bị cắt cụt (thiếu bản ghi thuộc tính).")
        if records is not None and nrec != records:
            raise BoundaryError(f"Shapefile {shp.stem} không khớp: .shx có {records} đối tượng nhưng "
                                f".dbf có {nrec} bản ghi.")
    return {"shape_type": shape_type, "records": records}


# --------------------------------------------------------------------------- #
# GeoJSON / KML / GeoPackage
# --------------------------------------------------------------------------- #
def _first_text(p: Path, n: int = 4096) -> str:
    with open(p, "rb") as f:
        head = f.read(n)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.decode("utf-8", errors="replace").lstrip()


def _check_geojson(p: Path, upload_name: str) -> None:
    first = _first_text(p, 64)
    if not first.startswith(("{", "[")):
        raise BoundaryError(f"Tệp {upload_name} không phải JSON (GeoJSON phải bắt đầu bằng “{{”).")
    if p.stat().st_size <= 20 * 2**20:
        try:
            with open(p, encoding="utf-8-sig") as f:
                doc = json.load(f)
        except UnicodeDecodeError:
            raise BoundaryError(f"Tệp {upload_name} không phải văn bản UTF-8 nên không phải GeoJSON hợp lệ.") from None
        except json.JSONDecodeError as e:
            raise BoundaryError(f"Tệp {upload_name} không phải JSON hợp lệ (dòng {e.lineno}, cột {e.colno}: "
                                f"{e.msg}).") from None
        if not isinstance(doc, dict) or doc.get("type") not in (
                "FeatureCollection", "Feature", "Polygon", "MultiPolygon", "GeometryCollection",
                "Point", "MultiPoint", "LineString", "MultiLineString"):
            raise BoundaryError(f"Tệp {upload_name} là JSON nhưng không phải GeoJSON "
                                "(thiếu \"type\": \"FeatureCollection\").")


def _check_kml(p: Path, upload_name: str) -> None:
    head = _first_text(p)
    if not head.startswith("<") or "<kml" not in head.lower():
        raise BoundaryError(f"Tệp {upload_name} không phải KML (không thấy thẻ <kml>).")


def _check_gpkg(p: Path, upload_name: str) -> None:
    with open(p, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BoundaryError(f"Tệp {upload_name} không phải GeoPackage (không phải cơ sở dữ liệu SQLite).")


def _single(p: Path, kind: str, upload_name: str, *, layer: str | None) -> Source:
    if kind == "geojson":
        _check_geojson(p, upload_name)
    elif kind == "kml":
        _check_kml(p, upload_name)
    elif kind == "gpkg":
        _check_gpkg(p, upload_name)
    src = Source(kind, p, upload_name)
    src.warnings.extend(strip_links(p, kind))  # p is our private copy: rewritten in place
    info = list_layers(p, upload_name)
    src.layer_info = info
    src.layers = [i["name"] for i in info]
    return src


# --------------------------------------------------------------------------- #
# Links to other servers: ignored, never fetched
# --------------------------------------------------------------------------- #
_OGC_CRS_URL = re.compile(r"^https?://(www\.)?opengis\.net/def/crs/", re.I)
_URL = re.compile(r"^\s*[a-z][a-z0-9+.-]*://", re.I)
_CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{(?:[^{}]|\{[^{}]*\})*\}')
_NETWORK_LINK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?NetworkLink\b(?:[^>]*/>|.*?</(?:[A-Za-z_][\w.-]*:)?NetworkLink\s*>)",
                           re.S | re.I)
_MAX_PARSED_GEOJSON = 20 * 2**20


def _remote_crs(crs) -> str | None:
    """The URL a GeoJSON ``crs`` member would make a reader fetch, or None."""
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties") if isinstance(crs.get("properties"), dict) else {}
    if str(crs.get("type", "")).lower() == "link":
        return str(props.get("href") or props.get("url") or "link")
    for v in props.values():
        if isinstance(v, str) and _URL.match(v) and not _OGC_CRS_URL.match(v.strip()):
            return v
    return None


def _strip_crs(doc) -> list[str]:
    """Remove every remote ``crs`` member (top level, features, geometries); their URLs."""
    found: list[str] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            url = _remote_crs(node.get("crs"))
            if url is not None:
                found.append(url)
                del node["crs"]
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return found


def _short(url: str) -> str:
    url = " ".join(str(url).split())
    return url if len(url) <= 80 else url[:77] + "…"


def strip_links(p: Path, kind: str) -> list[str]:
    """Rewrite the private copy ``p`` without what would make a reader fetch a URL
    (GeoJSON ``crs`` links, KML ``NetworkLink``s); returns a warning for each kind
    found.  Nothing is ever fetched: GDAL's network is off too (:mod:`geo.offline`)."""
    if kind == "geojson":
        return _strip_geojson(p)
    if kind == "kml":
        data = p.read_bytes()
        links = _NETWORK_LINK.findall(data)
        if not links:
            return []
        p.write_bytes(_NETWORK_LINK.sub(b"", data))
        return [f"Đã bỏ qua {len(links)} liên kết mạng (NetworkLink) trong KML: chương trình không tải "
                "dữ liệu từ máy chủ khác; chỉ các vùng có sẵn trong tệp được đọc."]
    return []


def _strip_geojson(p: Path) -> list[str]:
    if p.stat().st_size <= _MAX_PARSED_GEOJSON:
        try:
            with open(p, encoding="utf-8-sig") as f:
                doc = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return []  # _check_geojson has refused it already
        urls = _strip_crs(doc)
        if urls:
            with open(p, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
    else:  # too big to parse here: the crs members are cut out of the text
        data = p.read_bytes()
        urls = []

        def cut(m):
            try:
                url = _remote_crs(json.loads(m.group(0)[m.group(0).index(b"{"):]))
            except ValueError:
                url = "?"
            if url is None:
                return m.group(0)
            urls.append(url)
            return b'"crs_ignored":null'
        new = _CRS_MEMBER.sub(cut, data)
        if urls:
            p.write_bytes(new)
    if not urls:
        return []
    return [f"Đã bỏ qua liên kết hệ toạ độ trong GeoJSON ({_short(urls[0])}): chương trình không tải dữ liệu "
            "từ máy chủ khác; hệ toạ độ được xác định như tệp không khai báo (WGS 84 hoặc chọn bằng tay)."]


_POLY_WORDS = ("polygon", "surface", "unknown", "geometry", "geometrycollection")


def is_polygonal_type(geometry_type: str | None) -> bool:
    if not geometry_type:
        return False
    t = geometry_type.lower()
    return any(w in t for w in _POLY_WORDS)


def list_layers(p: Path, upload_name: str | None = None) -> list[dict]:
    """Layers of a data file: name, geometry type, feature count."""
    name = upload_name or p.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = pyogrio.list_layers(p)
    except Exception as e:  # noqa: BLE001 - GDAL errors become a message
        raise BoundaryError(f"Không mở được {name}: {_gdal_message(e)}.") from None
    out = []
    for lname, gtype in raw:
        out.append({"name": str(lname), "geometry_type": gtype, "features": None})
    if not out:
        raise BoundaryError(f"Tệp {name} không có lớp dữ liệu nào.")
    return out


def _gdal_message(e: Exception) -> str:
    msg = " ".join(str(e).split())
    return msg[:200] if msg else e.__class__.__name__


def choose_layers(src: Source, layer: str | None) -> list[str]:
    """The layer(s) to read.  GeoPackage: the user's choice, or the only polygon
    layer; several → :class:`LayerChoiceNeeded`.  KML: every layer (folders),
    unless one is chosen."""
    if src.kind == "shapefile":
        return [src.path.stem]
    names = src.layers
    if layer is not None:
        if layer not in names:
            raise BoundaryError(f"Không có lớp “{layer}” trong {src.name}; các lớp: {', '.join(names)}.")
        return [layer]
    if len(names) == 1:
        return names
    if src.kind == "kml":
        return names
    polys = [i for i in src.layer_info if is_polygonal_type(i["geometry_type"])]
    if len(polys) == 1:
        return [polys[0]["name"]]
    if not polys and all(i["geometry_type"] for i in src.layer_info):
        kinds = ", ".join(f"{i['name']} ({i['geometry_type']})" for i in src.layer_info)
        raise BoundaryError(f"Tệp {src.name} không có lớp vùng (polygon) nào: {kinds}.")
    candidates = polys or src.layer_info
    for i in candidates:
        try:
            i["features"] = int(pyogrio.read_info(src.path, layer=i["name"])["features"])
        except Exception:  # noqa: BLE001
            i["features"] = None
    listing = ", ".join(f"{i['name']} ({i['features']} đối tượng)" if i["features"] is not None
                        else i["name"] for i in candidates)
    raise LayerChoiceNeeded(f"Tệp {src.name} có {len(candidates)} lớp; hãy chọn lớp cần nhập: {listing}.",
                            [i["name"] for i in candidates], candidates)


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #
def read_layer(src: Source, layer: str | None):
    """Read one layer with pyogrio.  Shapefile text is read as Latin-1 (byte for
    byte) so the caller decodes it; other formats come as Unicode.  Returns
    (GeoDataFrame, crs string or None)."""
    kwargs = {}
    if src.kind == "shapefile":
        kwargs["ENCODING"] = "ISO-8859-1"
    label = src.name if not layer or src.kind == "shapefile" else f"{src.name} / {layer}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = pyogrio.read_info(src.path, layer=layer if src.kind != "shapefile" else None,
                                     **kwargs)
            gdf = pyogrio.read_dataframe(src.path, layer=layer if src.kind != "shapefile" else None,
                                         use_arrow=True, **kwargs)
    except Exception as e:  # noqa: BLE001
        raise BoundaryError(_read_error_message(src, label, e)) from None
    crs = info.get("crs")
    return gdf, crs


def _read_error_message(src: Source, label: str, e: Exception) -> str:
    msg = _gdal_message(e)
    low = msg.lower()
    if src.kind == "geojson":
        return f"Không đọc được GeoJSON {label}: nội dung không hợp lệ ({msg})."
    if src.kind == "kml":
        return f"Không đọc được KML {label}: tệp hỏng hoặc không đúng cấu trúc KML ({msg})."
    if src.kind == "shapefile" and ("corrupt" in low or "truncat" in low or "failed" in low):
        return f"Shapefile {label} bị hỏng hoặc cắt cụt ({msg})."
    return f"Không đọc được {label} ({msg})."
