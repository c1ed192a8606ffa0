"""Records — groups, cameras and incidents — in from CSV/Excel files and forms, checked row by row.

One pipeline for every way in (files, the form, the CLI ``python -m geo
import-records``):

1. **read** (:func:`read_table`): CSV in UTF-8 (with or without BOM), UTF-16 or
   Windows-1258, comma/semicolon/tab separated, or Excel ``.xlsx``; the header
   row is the first of the top rows naming a known column, and row numbers are
   the spreadsheet's (header = row 1 when it is on top, first data row = 2).
   Column names are matched case- and diacritics-insensitively against the
   stored field names, their Vietnamese/English labels and aliases
   (:data:`KINDS`).  A file that cannot be read raises :class:`RecordFileError`.
2. **check** (:func:`validate`): every rule gives ``(row, column, message)`` in
   Vietnamese; a row with any error is rejected as a whole, the others go in.
3. **write** (:func:`import_records`): records are keyed by ``id`` per kind; a
   row equal to the stored record changes nothing, a different one updates the
   record (only the columns present in the file), a new id is inserted; a row
   for a soft-deleted id restores it.  One transaction (:func:`write_transaction`:
   ``BEGIN IMMEDIATE``, a second writer waits for the first, up to
   :data:`LOCK_WAIT_S`) classifies, writes, audits, places the records in every
   boundary set (:mod:`geo.assign`) and bumps the data revision once; readers
   (WAL) never wait and never see half an import.  ``dry_run`` only classifies:
   the database is not touched.

Bulk paths: columns are parsed as whole numpy/pandas arrays, rows are compared
with the stored ones by id in memory (one query), written with one
``executemany`` (constant columns as literals), and placed in the boundary sets
by :func:`geo.assign.place_records`, whose point-in-polygon runs on a worker
thread while the rows are being written.

Audit (:mod:`geo.audit`): an import writes **one summary row** (``action='import'``,
with file name, sha256 and counts) for its inserts — one row per inserted record
would double a million-row import — and **one row per updated or restored
record** with its full before/after.  An import that changes nothing writes
nothing at all.  The form functions (:func:`add_record`, :func:`update_record`,
:func:`delete_record`, :func:`restore_record`) audit every record with before/after.

Every write takes ``user`` (the acting username; ``None`` = the local
administrator, logged as ``"system"``).
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import sqlite_utils

from . import auth, assign, audit, store, vocab

log = logging.getLogger("antt")

# --- the data model -----------------------------------------------------------

VN_LON = (102.1, 117.8)   # Vietnam incl. Hoàng Sa / Trường Sa, roughly
VN_LAT = (8.2, 23.4)
MIN_DATE = dt.date(1900, 1, 1)
DEFAULT_RADIUS_M = 50.0
ERROR_COLUMN = "Lỗi"
MAX_HEADER_SCAN = 20      # the header row is looked for in the first rows
MAX_LINE_BYTES = 2**20    # one line of a CSV file at most (1 MB): longer is not a table
MAX_CHANGES = 1000        # updated records listed in a result (all are counted)
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES + 1))  # longer lines are refused first
LOCK_WAIT_S = 600.0        # how long a write waits for another writer before giving up
BIG_CACHE_KIB = 256 * 1024  # page cache of a large import (an upper bound, taken as needed)


@dataclass(frozen=True)
class Field:
    """One stored field of a record kind, with the column names it is recognised by."""
    name: str
    type: str                      # id, text, code, vocab, date, datetime, lon, lat, float, int, bool
    vi: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False         # a value is needed in every row (and the column in every file)
    vocab: vocab.Vocabulary | None = None
    default: Any = None            # stored when a new record's file has no such column
    hint: str = ""                 # format help for templates

    def label(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Kind:
    name: str                      # groups / cameras / incidents (= table name)
    area_kind: str                 # its kind in record_areas
    vi: str
    en: str
    fields: tuple[Field, ...]

    @property
    def table(self) -> str:
        return self.name

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


_LON = Field("lon", "lon", "Kinh độ", "Longitude", ("lon", "lng", "long", "longitude", "x", "kinh do (x)"),
             hint="số thập phân, vd. 105.8412")
_LAT = Field("lat", "lat", "Vĩ độ", "Latitude", ("lat", "latitude", "y", "vi do (y)"),
             hint="số thập phân, vd. 21.0245")
_DATE_HINT = "dd/mm/yyyy hoặc yyyy-mm-dd"

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("groups", "group", "Mô hình, tổ, đội", "Groups", (
        Field("id", "id", "Mã tổ", "Group ID", ("mã", "mã mô hình", "mã tổ/đội", "mã tổ, đội", "mã số"),
              required=True),
        Field("name", "text", "Tên tổ", "Name", ("tên", "tên mô hình", "tên tổ/đội", "tên tổ, đội", "tên đội"),
              required=True),
        Field("model_type", "vocab", "Loại mô hình", "Model type", ("mô hình", "loại", "loại hình", "type"),
              required=True, vocab=vocab.MODEL_TYPES),
        Field("village_code", "code", "Mã thôn", "Village code",
              ("mã thôn/tdp", "mã thôn, tdp", "mã thôn/tổ dân phố", "mã thôn, tổ dân phố", "mã địa bàn",
               "village", "mã tdp"), hint="mã thôn/tổ dân phố trong bộ ranh giới"),
        Field("founded_on", "date", "Ngày thành lập", "Founded on", ("thành lập", "founded", "ngày ra mắt"),
              hint=_DATE_HINT),
        Field("dissolved_on", "date", "Ngày giải thể", "Dissolved on",
              ("giải thể", "dissolved", "ngày ngừng hoạt động"), hint=_DATE_HINT),
        Field("members", "int", "Số thành viên", "Members", ("thành viên", "số người", "số lượng thành viên"),
              hint="số nguyên ≥ 0"),
        Field("leader", "text", "Tổ trưởng", "Leader",
              ("trưởng nhóm", "người phụ trách", "tổ trưởng/đội trưởng", "đội trưởng", "tổ trưởng, đội trưởng")),
        Field("core_force", "int", "Lực lượng nòng cốt", "Core members",
              ("nòng cốt", "số nòng cốt", "lực lượng nòng cốt (người)", "core force"), hint="số nguyên ≥ 0"),
        Field("notes", "text", "Ghi chú", "Notes", ("note",)),
    )),
    Kind("cameras", "camera", "Camera an ninh", "Security cameras", (
        Field("id", "id", "Mã camera", "Camera ID", ("mã", "camera", "mã số camera", "mã số"), required=True),
        _LON, _LAT,
        Field("installed_on", "date", "Ngày lắp đặt", "Installed on", ("lắp đặt", "ngày lắp", "installed"),
              hint=_DATE_HINT),
        Field("removed_on", "date", "Ngày tháo dỡ", "Removed on", ("ngày tháo", "tháo dỡ", "ngày gỡ", "removed"),
              hint=_DATE_HINT),
        Field("owner", "text", "Chủ sở hữu", "Owner", ("chủ camera", "đơn vị quản lý", "người quản lý", "chủ hộ")),
        Field("radius_m", "float", "Bán kính quan sát (m)", "View radius (m)",
              ("bán kính", "bán kính (m)", "bán kính quan sát", "radius", "radius m"),
              default=DEFAULT_RADIUS_M, hint="mét, > 0; để trống = 50"),
        Field("connected_to_police", "bool", "Kết nối với Công an", "Connected to police",
              ("kết nối công an", "kết nối", "đã kết nối", "kết nối với cơ quan công an", "connected"),
              default=0, hint="Có / Không"),
        Field("notes", "text", "Ghi chú", "Notes", ("note",)),
    )),
    Kind("incidents", "incident", "Vụ việc", "Incidents", (
        Field("id", "id", "Mã vụ việc", "Incident ID", ("mã", "số hiệu", "mã vụ", "mã số"), required=True),
        Field("occurred_on", "datetime", "Ngày xảy ra", "Occurred on",
              ("ngày", "thời gian", "thời gian xảy ra", "ngày xảy ra vụ việc", "date", "occurred"),
              required=True, hint=_DATE_HINT + " (có thể kèm giờ HH:MM)"),
        Field("category", "vocab", "Loại vụ việc", "Category", ("loại", "lĩnh vực", "phân loại", "loại vụ"),
              required=True, vocab=vocab.CATEGORIES),
        _LON, _LAT,
        Field("area_code", "code", "Mã địa bàn", "Area code",
              ("mã xã", "mã thôn", "mã phường", "mã xã/phường", "mã thôn/tdp", "mã khu vực", "area"),
              hint="khi không có tọa độ: mã xã/phường hoặc thôn"),
        Field("description", "text", "Mô tả", "Description",
              ("nội dung", "tóm tắt", "mô tả vụ việc", "nội dung vụ việc")),
        Field("source", "text", "Nguồn tin", "Source", ("nguồn",)),
    )),
)}

# Labels some offices use for vocabulary values, beyond the codes and labels of geo.vocab.
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "model_type": {
        "to tu quan": "to_tu_quan_antt", "to tu quan antt": "to_tu_quan_antt",
        "to nhan dan tu quan": "to_tu_quan_antt", "to an ninh nhan dan": "to_tu_quan_antt",
        "doi dan phong": "doi_dan_phong_pccc", "dan phong": "doi_dan_phong_pccc",
        "doi pccc": "doi_dan_phong_pccc", "to nha tro": "to_tu_quan_nha_tro",
        "camera": "camera_an_ninh", "camera an ninh": "camera_an_ninh",
        "zalo": "nhom_zalo_an_ninh", "facebook": "nhom_zalo_an_ninh", "nhom zalo": "nhom_zalo_an_ninh",
        "uy tin": "nguoi_co_uy_tin", "kdc an toan pccc": "kdc_an_toan_pccc",
        "xa sach ma tuy": "xa_sach_ma_tuy", "phuong sach ma tuy": "xa_sach_ma_tuy", "other": "khac",
    },
    "category": {
        "hinh su": "hinh_su", "toi pham hinh su": "hinh_su", "ma tuy": "ma_tuy", "toi pham ma tuy": "ma_tuy",
        "te nan": "te_nan_xa_hoi", "giao thong": "trat_tu_giao_thong", "tai nan giao thong": "trat_tu_giao_thong",
        "chay": "chay_no", "chay no": "chay_no", "mau thuan": "mau_thuan_hoa_giai",
        "hoa giai": "mau_thuan_hoa_giai", "tin bao": "tin_bao", "to giac": "tin_bao", "other": "khac",
    },
}
_TRUE = {"1", "co", "x", "yes", "y", "true", "dung", "da ket noi", "ket noi", "co ket noi"}
_FALSE = {"0", "khong", "no", "n", "false", "sai", "chua", "chua ket noi", "khong ket noi"}


def kind_spec(kind: str) -> Kind:
    """The :class:`Kind` named ``kind`` (``groups``, ``cameras``, ``incidents``; singular accepted)."""
    k = {"group": "groups", "camera": "cameras", "incident": "incidents"}.get(kind, kind)
    if k not in KINDS:
        raise ValueError(f"loại bản ghi không có: {kind} (one of {', '.join(KINDS)})")
    return KINDS[k]


# --- errors and results ---------------------------------------------------------

class RecordFileError(ValueError):
    """The file cannot be read at all (missing, not CSV/XLSX, empty, no known header, a required
    column missing); the message, in Vietnamese, says why.  Nothing was written."""


class RecordError(ValueError):
    """A record from a form was refused; ``errors`` lists ``{"column", "message"}``."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['column']}: {e['message']}" if e.get("column") else e["message"]
                                   for e in errors))


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""
    kind: str
    file_name: str | None = None
    sha256: str | None = None
    dry_run: bool = False
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict] = field(default_factory=list)        # {row, column, message}
    outside: list[str] = field(default_factory=list)        # ids placed in no area of any boundary set
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)       # updated records: {id, action, fields: {f: [before, after]}}
    rejected_rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # the input's columns + "Lỗi"
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)        # row, id, action for every data row

    def to_dict(self, *, max_changes: int = MAX_CHANGES) -> dict:
        """A JSON-able summary (the CLI prints it)."""
        return {
            "kind": self.kind, "file": self.file_name, "dry_run": self.dry_run,
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "errors": self.errors,
            "outside": len(self.outside), "outside_ids": self.outside[:100],
            "ignored_columns": self.ignored_columns, "warnings": self.warnings,
            "changes": self.changes[:max_changes],
        }


# --- text helpers ---------------------------------------------------------------

def norm_key(text: Any) -> str:
    """Lower case, no diacritics (đ → d), punctuation and ``_`` as single spaces: the key
    column names and vocabulary labels are matched on."""
    s = unicodedata.normalize("NFD", str(text)).lower().replace("đ", "d").replace("\u0111", "d")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", s).split())


def cell_text(v: Any) -> str:
    """Any cell or form value as the text the checks parse (Excel dates → ISO, 12.0 → "12")."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if f != f:
            return ""
        if f.is_integer() and abs(f) < 1e15:
            return str(int(f))
        return repr(f)
    if isinstance(v, dt.datetime):
        if (v.hour, v.minute, v.second) == (0, 0, 0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return unicodedata.normalize("NFC", str(v)).strip()


def _header_map(kind: Kind) -> dict[str, str]:
    """Normalised column name → field name."""
    out: dict[str, str] = {}
    for f in kind.fields:
        for name in (f.name, f.vi, f.en, *f.aliases):
            out.setdefault(norm_key(name), f.name)
    return out


def map_columns(kind: str | Kind, headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """({field: position of its column}, [headers not used]) for a header row.

    A field named by two columns takes the first; the other is ignored."""
    spec = kind if isinstance(kind, Kind) else kind_spec(kind)
    hm = _header_map(spec)
    cols: dict[str, int] = {}
    ignored: list[str] = []
    for i, h in enumerate(headers):
        f = hm.get(norm_key(h)) if str(h).strip() else None
        if f is None or f in cols:
            if str(h).strip():
                ignored.append(str(h))
            continue
        cols[f] = i
    return cols, ignored


# --- reading files --------------------------------------------------------------

@dataclass
class RawTable:
    """A file's data as text, with its own column names and spreadsheet row numbers."""
    headers: list[str]
    data: pd.DataFrame             # columns 0..n-1 (positions of ``headers``), all text, "" when empty
    rows: np.ndarray               # spreadsheet row number of each data row
    file_name: str | None = None
    sha256: str | None = None
    format: str = "csv"
    encoding: str | None = None
    bad_width: np.ndarray | None = None   # rows with more cells than the header (CSV)


def _source_bytes(source, file_name: str | None) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), file_name
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if not p.exists():
            raise RecordFileError(f"không tìm thấy tệp {p}")
        if p.is_dir():
            raise RecordFileError(f"{p} là thư mục, không phải tệp")
        try:
            return p.read_bytes(), file_name or p.name
        except OSError as e:
            raise RecordFileError(f"không đọc được tệp {p}: {e.strerror or e}") from None
    if hasattr(source, "read"):  # an open file, a Streamlit UploadedFile
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except Exception:  # pragma: no cover - unseekable streams
                pass
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return data, file_name or getattr(source, "name", None)
    raise RecordFileError(f"không đọc được nguồn dữ liệu kiểu {type(source).__name__}")


def _decode(data: bytes) -> tuple[str, str]:
    def bad(e: UnicodeDecodeError, raw: bytes, name: str, nl: bytes = b"\n") -> RecordFileError:
        line = raw.count(nl, 0, e.start) + 1
        return RecordFileError(f"dòng {line}: tệp ghi là {name} nhưng có byte không đọc được theo {name} "
                               "(tệp hỏng hoặc bị cắt cụt)")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, enc = data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise bad(e, data[3:], "UTF-8") from None
        return _no_nul(text), enc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            le = data.startswith(b"\xff\xfe")
            raise bad(e, data[2:], "UTF-16", b"\n\x00" if le else b"\x00\n") from None
        return _no_nul(text), "utf-16"
    if b"\x00" in data[:4096]:
        raise RecordFileError("tệp không phải văn bản CSV (có byte NUL) và không phải Excel .xlsx")
    try:
        text, enc = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, enc = data.decode("cp1258"), "cp1258"
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise RecordFileError(f"dòng {line}: có byte không đọc được ({data[e.start]:#04x}); không nhận ra bảng mã "
                                  "của tệp CSV (cần UTF-8 hoặc Windows-1258)") from None
    return _no_nul(text), enc


def _no_nul(text: str) -> str:
    nul = text.find("\x00")
    if nul >= 0:
        raise RecordFileError(f"dòng {text.count(chr(10), 0, nul) + 1}: có ký tự NUL (byte 0); tệp không phải "
                              "văn bản CSV hợp lệ")
    return text


def _best_header(kind: Kind, rows: list[list[str]]) -> tuple[int, int]:
    """(index of the header row among ``rows``, how many known columns it names)."""
    hm = _header_map(kind)
    best, best_n = -1, 0
    for i, r in enumerate(rows[:MAX_HEADER_SCAN]):
        n = len({hm[k] for k in (norm_key(c) for c in r if str(c).strip()) if k in hm})
        if n > best_n:
            best, best_n = i, n
    return best, best_n


def _header_rows(kind: Kind, rows: list[list[str]]) -> tuple[int, int, list[str], int]:
    """(index of the first header row, known columns named, the header, rows it takes: 1 or 2).

    A two-row header, as spreadsheets make with merged cells (“Tọa độ” over “Kinh độ” and
    “Vĩ độ”; “Mã vụ việc” merged down over both rows), is flattened: a cell of the
    second row names its column, else the cell above it does; the second row is taken
    when the flattened header names more known columns than any single row."""
    hm = _header_map(kind)

    def known(cells) -> int:
        return len({hm[k] for k in (norm_key(c) for c in cells if str(c).strip()) if k in hm})
    i, n = _best_header(kind, rows)
    best = (i, n, list(rows[i]) if i >= 0 else [], 1)
    for j in range(min(len(rows) - 1, MAX_HEADER_SCAN)):
        top, sub = [str(c).strip() for c in rows[j]], [str(c).strip() for c in rows[j + 1]]
        if not any(top) or not any(sub):
            continue
        width = max(len(top), len(sub))
        top, sub = top + [""] * (width - len(top)), sub + [""] * (width - len(sub))
        parent, over = "", []
        for c in range(width):   # a merged parent label stands over the empty cells to its right
            if top[c]:
                parent = top[c]
            over.append(top[c] or (parent if sub[c] else ""))
        flat = []
        for c in range(width):
            joined = f"{over[c]} {sub[c]}".strip()
            flat.append(sub[c] if norm_key(sub[c]) in hm else joined if norm_key(joined) in hm
                        else (sub[c] or over[c]))
        cnt = known(flat)
        if cnt > best[1] and cnt > known(top) and cnt > known(sub):
            best = (j, cnt, flat, 2)
    return best


def _no_header(kind: Kind) -> RecordFileError:
    known = ", ".join(f.vi for f in kind.fields if f.required)
    return RecordFileError(f"không tìm thấy dòng tiêu đề có tên cột nào đã biết cho {kind.vi.lower()} "
                           f"(cần các cột như: {known})")


_BAD_WIDTH = "\x00bad-width\x00"


def _strs(values) -> np.ndarray:
    """Any column (Series, array, list) as an object array of stripped Python strings ("" for empty)."""
    a = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else \
        np.asarray(values, dtype=object)
    return np.array([v.strip() if type(v) is str else cell_text(v) for v in a], dtype=object) \
        if len(a) else np.zeros(0, dtype=object)


def _read_csv(kind: Kind, data: bytes) -> tuple[list[str], list[np.ndarray], int, str, np.ndarray]:
    text, encoding = _decode(data)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)  # Windows-1258 writes tone marks as combining marks
        encoding += "+nfc"
    if not text.strip():
        raise RecordFileError("tệp rỗng")
    # the C parser reads UTF-8 bytes fastest: hand it the file itself when it already is UTF-8
    utf8 = data if encoding == "utf-8" else text.encode("utf-8")
    _check_line_lengths(utf8)
    head_lines = text[:200_000 + MAX_LINE_BYTES].splitlines()[:MAX_HEADER_SCAN + 1]
    best = None
    for sep in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(head_lines, delimiter=sep))
        except csv.Error:
            continue
        i, n, heads, used = _header_rows(kind, rows)
        if n and (best is None or n > best[2]):
            best = (sep, i, n, heads, used)
    if best is None:
        raise _no_header(kind)
    sep, h, _, headers, used = best
    ncols = len(headers)
    opts = dict(sep=sep, header=None, skiprows=h + used, dtype=object, keep_default_na=False, na_filter=False,
                skip_blank_lines=False, quotechar='"', encoding="utf-8")
    df = None
    try:
        df = pd.read_csv(io.BytesIO(utf8), engine="c", **opts)
        if df.shape[1] > ncols:
            df = None
    except pd.errors.EmptyDataError:
        df = pd.DataFrame(columns=range(ncols), dtype=object)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        df = None
    if df is None:  # some row has more cells than the header: keep it, mark it, reject it later
        def wide(fields):
            return fields[:ncols - 1] + [_BAD_WIDTH + str(len(fields))]
        try:
            df = pd.read_csv(io.BytesIO(utf8), engine="python", names=list(range(ncols)),
                             on_bad_lines=wide, **opts)
        except (pd.errors.ParserError, ValueError, csv.Error) as e:
            _check_quotes(text, sep)
            raise RecordFileError(_parser_message(e)) from None
    n = len(df)
    lines = _data_lines(utf8, h + used)
    if n < lines and '"' in text:   # fewer rows than lines: a quoted cell spans lines — closed?
        _check_quotes(text, sep)
    cols = [_strs(df.iloc[:, c]) if c < df.shape[1] else np.full(n, "", dtype=object) for c in range(ncols)]
    bad = np.zeros(n, dtype=bool)
    if ncols and n:
        last = cols[-1]
        bad = np.fromiter((v.startswith(_BAD_WIDTH) for v in last), dtype=bool, count=n)
        if bad.any():
            last[bad] = ""
    return [h_.strip() for h_ in headers], cols, h + used, encoding, bad


def _check_line_lengths(utf8: bytes) -> None:
    """Refuse a line longer than :data:`MAX_LINE_BYTES`, naming it (e.g. a 10 MB file on one line)."""
    if len(utf8) <= MAX_LINE_BYTES:
        return
    arr = np.frombuffer(utf8, dtype=np.uint8)
    ends = np.concatenate([[-1], np.flatnonzero(arr == 10), [len(arr)]])
    lengths = np.diff(ends) - 1
    k = int(np.argmax(lengths))
    if lengths[k] > MAX_LINE_BYTES:
        raise RecordFileError(
            f"dòng {k + 1} dài {lengths[k] / 2**20:.1f} MB, quá giới hạn {MAX_LINE_BYTES // 2**20} MB cho một dòng: "
            "tệp không phải bảng CSV (mỗi bản ghi một dòng) hoặc đã bị mất dấu xuống dòng".replace(".", ","))


def _data_lines(utf8: bytes, skip: int) -> int:
    """Physical lines after the ``skip`` header lines (a last line without a line break counts)."""
    n = utf8.count(b"\n") + (0 if utf8.endswith(b"\n") else 1)
    return max(0, n - skip)


def _check_quotes(text: str, sep: str) -> None:
    """Refuse a quoted cell that is never closed (it would swallow every line after it), naming
    the line where it opens."""
    reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', strict=True)
    last = 0
    try:
        for _ in reader:
            last = reader.line_num
    except csv.Error as e:
        if "end of data" in str(e) or "EOF" in str(e):
            raise RecordFileError(
                f"dòng {last + 1}: dấu ngoặc kép (\") mở một ô nhưng không có dấu đóng, nên mọi dòng từ đó "
                "đến cuối tệp bị gộp vào một ô; hãy đóng hoặc bỏ dấu ngoặc kép đó rồi tải lên lại") from None
        raise RecordFileError(
            f"dòng {last + 1}: dấu ngoặc kép (\") đặt sai chỗ trong ô (sau dấu đóng phải là dấu phân cách "
            "hoặc xuống dòng)") from None


def _parser_message(e: Exception) -> str:
    """A CSV parser's error as a Vietnamese sentence naming the line when it says which."""
    m = re.search(r"(?:line|row)\s+(\d+)", str(e))
    where = f" ở dòng {m.group(1)}" if m else ""
    return f"không đọc được tệp CSV{where}: cấu trúc dòng không hợp lệ (dấu phân cách hoặc dấu ngoặc kép)"


def _read_xlsx(kind: Kind, data: bytes) -> tuple[list[str], list[np.ndarray], int]:
    try:
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:
        log.info("xlsx refused: %s: %s", type(e).__name__, e)
        raise RecordFileError("không mở được tệp Excel .xlsx: tệp hỏng, bị cắt cụt hoặc không phải bảng tính "
                              "Excel (hãy mở bằng Excel rồi lưu lại thành .xlsx hoặc CSV)") from None
    try:
        sheets = [wb.active] + [ws for ws in wb.worksheets if ws is not wb.active]
        for ws in sheets:
            if ws is None or getattr(ws, "sheet_state", "visible") != "visible":
                continue
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # some writers store a wrong sheet size: read every cell there is
            rows = [[cell_text(v) for v in r] for r in ws.iter_rows(min_row=1, values_only=True)]
            i, n, headers, used = _header_rows(kind, rows)
            if not n:
                continue
            while headers and not headers[-1]:
                headers = headers[:-1]
            ncols = len(headers)
            body = [(r + [""] * ncols)[:ncols] for r in rows[i + used:]]
            cols = [np.array([r[c] for r in body], dtype=object) for c in range(ncols)]
            return headers, cols, i + used   # iter_rows starts at row 1, empty rows included
    finally:
        wb.close()
    raise _no_header(kind)


def read_table(source: str | os.PathLike | bytes | BinaryIO, kind: str, *,
               file_name: str | None = None) -> RawTable:
    """Read a CSV or XLSX file of records of ``kind`` as text (no database needed).

    Raises :class:`RecordFileError` when the file cannot be read at all.
    """
    spec = kind_spec(kind)
    data, name = _source_bytes(source, file_name)
    if not data or not data.strip():
        raise RecordFileError("tệp rỗng")
    sha = hashlib.sha256(data).hexdigest()
    bad_width = None
    if data[:4] == b"PK\x03\x04":
        headers, cols, header_row = _read_xlsx(spec, data)
        fmt, enc = "xlsx", None
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise RecordFileError("tệp Excel .xls (định dạng cũ) không được hỗ trợ; hãy lưu lại thành .xlsx hoặc CSV")
    elif data[:5] == b"%PDF-":
        raise RecordFileError("tệp PDF không phải CSV hoặc Excel .xlsx")
    else:
        headers, cols, header_row, enc, bad_width = _read_csv(spec, data)
        fmt = "csv"
    n = len(cols[0]) if cols else 0
    rows = header_row + 1 + np.arange(n)
    keep = np.zeros(n, dtype=bool)
    for c in cols:
        keep |= c != ""
    if bad_width is not None:
        keep |= bad_width
        bad_width = bad_width[keep]
    if not keep.all():
        cols = [c[keep] for c in cols]
        rows = rows[keep]
    df = pd.DataFrame(dict(enumerate(cols)), index=range(len(rows)), dtype=object) if cols else \
        pd.DataFrame(index=range(0))
    return RawTable(headers=[str(h).strip() for h in headers], data=df, rows=rows, file_name=name,
                    sha256=sha, format=fmt, encoding=enc, bad_width=bad_width)


# --- parsing and checking -------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y/%m/%d %H:%M")


def parse_dates(values, *, with_time: bool = False, clean: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Texts → (ISO text or None, day as datetime64[D] (NaT when empty/bad), bad mask).

    Accepts ``yyyy-mm-dd`` and ``dd/mm/yyyy`` (also ``-`` and ``.`` separators),
    optionally with ``HH:MM[:SS]``; with ``with_time`` a time other than 00:00 is
    kept as ``yyyy-mm-dd HH:MM``.  ``clean``: ``values`` is already an object array of stripped text."""
    a = values if clean else _strs(values)
    s = pd.Series(a, dtype=object)
    n = len(a)
    ts = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
    timed = np.zeros(n, dtype=bool)
    todo = a != ""
    for fmt in _DATE_FORMATS + _TIME_FORMATS:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        sub = s if len(idx) == n else s.iloc[idx]
        parsed = pd.to_datetime(sub, format=fmt, errors="coerce").to_numpy().astype("datetime64[m]")
        ok = ~np.isnat(parsed)
        ts[idx[ok]] = parsed[ok]
        if "%H" in fmt:
            timed[idx[ok]] = True
        todo[idx[ok]] = False
    bad = todo
    days = ts.astype("datetime64[D]")
    out = np.full(n, None, dtype=object)
    good = ~np.isnat(ts)
    if good.any():
        day_txt = np.datetime_as_string(days[good], unit="D").astype(object)
        if with_time:
            minutes = ts[good] - days[good].astype("datetime64[m]")
            has_time = timed[good] & (minutes != np.timedelta64(0, "m"))
            if has_time.any():
                full = np.char.replace(np.datetime_as_string(ts[good][has_time], unit="m"), "T", " ")
                day_txt[has_time] = full.astype(object)
        out[good] = day_txt
    return out, days, bad


def parse_numbers(values, *, clean: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Texts → (floats, NaN when empty or bad; bad mask). A decimal comma (106,5) is accepted."""
    a = values if clean else _strs(values)
    empty = a == ""
    b = a.copy()
    b[empty] = "nan"
    try:
        num = b.astype(float)                     # the common case: every cell a plain number
    except (ValueError, TypeError):
        fixed = np.array([v.replace(" ", "").replace(",", ".") if ("," in v and "." not in v) else
                          v.replace(" ", "") for v in b], dtype=object)
        num = pd.to_numeric(pd.Series(fixed, dtype=object), errors="coerce").to_numpy(dtype=float, copy=True)
    bad = ~empty & ~np.isfinite(num)
    num[~np.isfinite(num)] = np.nan
    return num, bad


def vocab_lookup(field_name: str, voc: vocab.Vocabulary) -> dict[str, str]:
    """Normalised value (code, Vietnamese or English label, usual synonym) → code."""
    out = dict(VALUE_SYNONYMS.get(field_name, {}))
    for t in voc:
        for v in (t.code, t.vi, t.en):
            out[norm_key(v)] = t.code
    return out


def _fmt_num(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".")


def _fmt_day(v) -> str:
    try:
        return dt.date.fromisoformat(str(v)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(v)


def known_codes(db: sqlite_utils.Database) -> set[str]:
    """Every area code of every boundary set."""
    return {c for (c,) in db.conn.execute("SELECT DISTINCT code FROM areas")}


@dataclass
class Checked:
    """The outcome of :func:`validate`: typed values (Python objects, None when empty) of the
    fields present, the errors, and which rows are bad."""
    values: pd.DataFrame
    present: list[str]
    errors: list[dict]
    bad: np.ndarray
    warnings: list[str] = field(default_factory=list)


def _by_unique(a: np.ndarray, fn) -> np.ndarray:
    """``fn`` applied once per distinct value of ``a``."""
    m = {u: fn(u) for u in pd.unique(pd.Series(a, dtype=object))}
    return np.array([m[v] for v in a], dtype=object) if len(a) else np.zeros(0, dtype=object)


def validate(db: sqlite_utils.Database | None, kind: str, texts: pd.DataFrame, *, rows=None,
             columns: dict[str, str] | None = None, today: dt.date | None = None,
             codes: set[str] | None = None, _clean: bool = False) -> Checked:
    """Check rows of ``kind`` given as text, one column per field present (named by field).

    ``rows``: the row number reported for each row (default 1, 2, …); ``columns``:
    the column name reported for each field (default its Vietnamese label);
    ``codes``: the known area codes (default: read from ``db``; none known → not checked).
    """
    spec = kind_spec(kind)
    today = today or dt.date.today()
    n = len(texts)
    rows = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    present = [f.name for f in spec.fields if f.name in texts.columns]
    columns = {**{f.name: f.vi for f in spec.fields}, **(columns or {})}
    if codes is None:
        codes = known_codes(db) if db is not None else set()
    err_pos: list[np.ndarray] = []
    err_field: list[str] = []
    err_msg: list[list[str]] = []

    def add(mask, fname, msg):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        err_pos.append(idx)
        err_field.append(fname)
        err_msg.append([msg(i) for i in idx] if callable(msg) else [msg] * len(idx))

    today64 = np.datetime64(today, "D")
    min64 = np.datetime64(MIN_DATE, "D")
    out: dict[str, np.ndarray] = {}
    days: dict[str, np.ndarray] = {}
    nums: dict[str, np.ndarray] = {}
    # every column as an object array of stripped text (read_table's columns already are)
    text = {f: texts[f].to_numpy(dtype=object) if _clean else _strs(texts[f]) for f in present}
    blank = np.full(n, "", dtype=object)

    for f in spec.fields:
        if f.name not in present:
            continue
        a = text[f.name]
        empty = a == ""
        if f.required:
            add(empty, f.name, f"Thiếu {f.vi.lower()}")
        if f.type in ("id", "text", "code"):
            vals = a.copy()
            vals[empty] = None
            out[f.name] = vals
            if f.type == "code" and codes:
                unknown = ~empty & ~pd.Series(a, dtype=object).isin(codes).to_numpy()
                add(unknown, f.name, lambda i, v=a, lbl=f.vi: f"{lbl} '{v[i]}' không có trong bộ ranh giới nào")
        elif f.type == "vocab":
            look = vocab_lookup(f.name, f.vocab)
            vals = _by_unique(a, lambda u, lk=look: lk.get(norm_key(u)) if u else None)
            unknown = ~empty & np.array([v is None for v in vals], dtype=bool)
            examples = ", ".join(t.vi for t in f.vocab.terms[:3])
            add(unknown, f.name, lambda i, raw=a, lbl=f.vi, ex=examples:
                f"{lbl} '{raw[i]}' không có trong danh mục (ví dụ: {ex}, …)")
            out[f.name] = vals
        elif f.type in ("date", "datetime"):
            vals, d, bad = parse_dates(a, with_time=f.type == "datetime", clean=True)
            add(bad, f.name, lambda i, raw=a, lbl=f.vi:
                f"{lbl} '{raw[i]}' không hợp lệ (dùng dd/mm/yyyy hoặc yyyy-mm-dd)")
            ok = ~np.isnat(d)
            future = ok & (d > today64)
            add(future, f.name, lambda i, v=vals, lbl=f.vi: f"{lbl} {_fmt_day(v[i])} ở tương lai "
                f"(sau ngày {today.strftime('%d/%m/%Y')})")
            old = ok & (d < min64)
            add(old, f.name, lambda i, v=vals, lbl=f.vi: f"{lbl} {_fmt_day(v[i])} quá xa, có lẽ nhập sai năm")
            vals[bad | future | old] = None
            out[f.name], days[f.name] = vals, np.where(future | old, np.datetime64("NaT"), d)
        elif f.type in ("lon", "lat", "float", "int"):
            num, bad = parse_numbers(a, clean=True)
            add(bad, f.name, lambda i, raw=a, lbl=f.vi: f"{lbl} '{raw[i]}' không phải là số")
            if f.type == "int":
                frac = np.isfinite(num) & (num != np.round(num))
                add(frac, f.name, lambda i, raw=a, lbl=f.vi: f"{lbl} '{raw[i]}' phải là số nguyên")
                neg = np.isfinite(num) & (num < 0)
                add(neg, f.name, f"{f.vi} không được âm")
                num = np.where(frac | neg, np.nan, num)
            elif f.type == "float":
                nonpos = np.isfinite(num) & (num <= 0)
                add(nonpos, f.name, f"{f.vi} phải lớn hơn 0")
                num = np.where(nonpos, np.nan, num)
            nums[f.name] = num
            okn = np.isfinite(num)
            o = num.astype(object)
            o[~okn] = None
            if f.type == "int":
                o[okn] = num[okn].astype(np.int64).astype(object)
            out[f.name] = o
        elif f.type == "bool":
            keys = _by_unique(a, lambda u: norm_key(u) if u else "")
            tv = np.array([k in _TRUE for k in keys], dtype=bool)
            fv = np.array([k in _FALSE for k in keys], dtype=bool) | empty
            add(~tv & ~fv, f.name, lambda i, raw=a, lbl=f.vi:
                f"{lbl} '{raw[i]}' không hiểu được (ghi Có hoặc Không)")
            out[f.name] = np.where(tv, 1, 0).astype(object)
        else:  # pragma: no cover - a programming error in KINDS
            raise ValueError(f.type)

    # coordinates: both or neither, inside Vietnam, not swapped
    if "lon" in present or "lat" in present:
        lon = nums.get("lon", np.full(n, np.nan))
        lat = nums.get("lat", np.full(n, np.nan))
        lon_given = text.get("lon", blank) != ""
        lat_given = text.get("lat", blank) != ""
        add(lon_given & ~lat_given, "lat", "Thiếu vĩ độ (đã có kinh độ)")
        add(lat_given & ~lon_given, "lon", "Thiếu kinh độ (đã có vĩ độ)")
        both = np.isfinite(lon) & np.isfinite(lat)

        def in_vn(x, y):
            return (x >= VN_LON[0]) & (x <= VN_LON[1]) & (y >= VN_LAT[0]) & (y <= VN_LAT[1])
        swapped = both & ~in_vn(lon, lat) & in_vn(lat, lon)
        outside = both & ~in_vn(lon, lat) & ~swapped
        add(swapped, "lon", lambda i: f"Kinh độ và vĩ độ có vẻ bị đảo (kinh độ {_fmt_num(lon[i])}, "
            f"vĩ độ {_fmt_num(lat[i])}): hãy đổi chỗ hai giá trị")
        add(outside, "lon", lambda i: f"Tọa độ ({_fmt_num(lon[i])}, {_fmt_num(lat[i])}) nằm ngoài Việt Nam "
            f"(kinh độ {VN_LON[0]}–{VN_LON[1]}, vĩ độ {VN_LAT[0]}–{VN_LAT[1]})")

    # date order
    for start, stop, msg in (("founded_on", "dissolved_on", "Ngày giải thể trước ngày thành lập"),
                             ("installed_on", "removed_on", "Ngày tháo dỡ trước ngày lắp đặt")):
        if start in days and stop in days:
            a, b = days[start], days[stop]
            add(~np.isnat(a) & ~np.isnat(b) & (b < a), stop, msg)

    # incidents need a place: a point or an area code
    if spec.name == "incidents":
        pt_given = (text.get("lon", blank) != "") | (text.get("lat", blank) != "")
        has_code = text.get("area_code", blank) != ""
        where = "lon" if "lon" in present else "area_code"
        add(~has_code & ~pt_given, where, "Thiếu vị trí: cần kinh độ và vĩ độ, hoặc mã địa bàn")

    # duplicate ids within the file
    if "id" in text:
        ids = text["id"]
        dup = (ids != "") & pd.Series(ids, dtype=object).duplicated(keep=False).to_numpy()
        if dup.any():
            groups: dict[str, list[int]] = {}
            for i in np.flatnonzero(dup):
                groups.setdefault(ids[i], []).append(int(rows[i]))

            def dup_msg(i):
                others = [str(r) for r in groups[ids[i]] if r != rows[i]]
                shown = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
                return f"Mã '{ids[i]}' bị trùng trong tệp (cũng ở dòng {shown})"
            add(dup, "id", dup_msg)

    # collect
    bad = np.zeros(n, dtype=bool)
    errors: list[dict] = []
    if err_pos:
        order = {f.name: k for k, f in enumerate(spec.fields)}
        pos = np.concatenate(err_pos)
        fidx = np.concatenate([np.full(len(p), order[f]) for p, f in zip(err_pos, err_field)])
        msgs = [m for ms in err_msg for m in ms]
        bad[pos] = True
        srt = np.lexsort((fidx, pos))
        names = [f.name for f in spec.fields]
        errors = [{"row": int(rows[pos[k]]), "column": columns[names[fidx[k]]], "message": msgs[k]}
                  for k in srt]
    values = pd.DataFrame({f: out[f] for f in present}, index=range(n), dtype=object)
    return Checked(values=values, present=present, errors=errors, bad=bad)


# --- storing --------------------------------------------------------------------

_STORED = {  # the columns read back for comparison and audit
    k.name: [*k.field_names] + (["area_set_id"] if k.name == "incidents" else []) + ["updated_at", "deleted_at"]
    for k in KINDS.values()
}


def _py(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _canon(spec: Kind, fname: str, arr) -> np.ndarray:
    """Values as comparable Python objects (None for missing; 12 == 12.0 compares equal)."""
    o = pd.Series(arr, dtype=object).to_numpy(dtype=object, copy=True)
    if len(o):
        o[pd.isna(o)] = None
    return o


def _existing(db, spec: Kind, ids) -> pd.DataFrame:
    cols = ", ".join(_STORED[spec.name])
    return pd.read_sql_query(
        f"SELECT {cols} FROM {spec.table} WHERE id IN (SELECT value FROM json_each(?))",
        db.conn, params=[json.dumps([str(i) for i in ids], ensure_ascii=False)])


def _area_sets_for(db, codes: np.ndarray, days: np.ndarray | None) -> np.ndarray:
    """For each area code: the boundary set it belongs to — the one valid on the record's day
    when several hold it, else the newest."""
    out = np.full(len(codes), None, dtype=object)
    have = [i for i, c in enumerate(codes) if c is not None]
    if not have:
        return out
    sets: dict[str, list[tuple[int, str, str | None]]] = {}
    for code, sid, vf, vt in db.conn.execute(
            "SELECT a.code, s.id, s.valid_from, s.valid_to FROM areas a JOIN boundary_sets s ON s.id = a.set_id "
            "ORDER BY s.valid_to IS NOT NULL, s.valid_from DESC, s.id DESC"):
        sets.setdefault(code, []).append((sid, vf or "0000", vt))
    for i in have:
        cands = sets.get(codes[i])
        if not cands:
            continue
        pick = cands[0][0]
        if len(cands) > 1 and days is not None and days[i] is not None:
            d = str(days[i])[:10]
            for sid, vf, vt in cands:
                if vf <= d and (vt is None or d <= vt):
                    pick = sid
                    break
        out[i] = pick
    return out


def _place_frame(spec: Kind, values) -> pd.DataFrame:
    """The columns :func:`geo.assign.place_records` needs, from a frame or a dict of columns."""
    cols = {"groups": ["id", "village_code"], "cameras": ["id", "lon", "lat"],
            "incidents": ["id", "lon", "lat", "area_code", "area_set_id"]}[spec.name]
    n = len(values["id"])
    df = pd.DataFrame({c: np.asarray(values[c], dtype=object) if c in values else
                       np.full(n, None, dtype=object) for c in cols}, index=range(n), dtype=object)
    for c in ("lon", "lat"):
        if c in df:
            df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


@dataclass
class _Plan:
    new: np.ndarray           # positions (into the good values) of new ids
    changed: np.ndarray       # positions of existing ids that differ (or are deleted)
    same: np.ndarray          # positions of existing ids equal to the row
    before: pd.DataFrame      # stored rows of ``changed`` (all stored columns)
    diffs: list[dict]         # per changed row: {field: [before, after]}
    restored: np.ndarray      # per changed row: was soft-deleted


def _classify(db, spec: Kind, values: pd.DataFrame, present: list[str]) -> _Plan:
    ids = values["id"].to_numpy(dtype=object)
    old = _existing(db, spec, ids) if len(ids) else pd.DataFrame(columns=_STORED[spec.name])
    old = old.set_index("id", drop=False)
    pos_old = pd.Index(old.index).get_indexer(ids) if len(old) else np.full(len(ids), -1)
    new = np.flatnonzero(pos_old < 0)
    ex = np.flatnonzero(pos_old >= 0)
    if not len(ex):
        return _Plan(new, ex, ex, old.iloc[[]], [], np.zeros(0, bool))
    stored = old.iloc[pos_old[ex]].reset_index(drop=True)
    differs = np.zeros(len(ex), dtype=bool)
    fdiff: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for f in present:
        if f == "id":
            continue
        a = _canon(spec, f, stored[f].to_numpy(dtype=object))
        b = _canon(spec, f, values[f].to_numpy(dtype=object)[ex])
        neq = np.asarray(a != b, dtype=bool)
        if neq.any():
            fdiff[f] = (neq, a, b)
            differs |= neq
    restored = stored["deleted_at"].notna().to_numpy()
    differs |= restored
    changed = ex[differs]
    same = ex[~differs]
    k = np.flatnonzero(differs)
    diffs = [{f: [_py(a[j]), _py(b[j])] for f, (neq, a, b) in fdiff.items() if neq[j]} for j in k]
    return _Plan(new, changed, same, stored.iloc[k].reset_index(drop=True), diffs, restored[k])


def _row_dict(df: pd.DataFrame, i: int, cols) -> dict:
    return {c: _py(df[c].iat[i]) for c in cols if c in df.columns}


def _is_constant(col: list) -> bool:
    if not col:
        return False
    first = col[0]
    if first is not None and not isinstance(first, (str, int, float)):
        return False
    if first is None:
        return all(v is None for v in col)
    return all(type(v) is type(first) and v == first for v in col)


def _sql_literal(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, (int, float)):
        return repr(v) if np.isfinite(v) else "NULL"
    return "'" + str(v).replace("'", "''") + "'"


def _write(db, spec: Kind, values: pd.DataFrame, present: list[str], plan: _Plan, *,
           user: str | None, now: str, source: dict | None) -> list[str]:
    """Insert the new, update the changed, audit, place in the boundary sets. Returns outside ids."""
    conn = db.conn
    outside: list[str] = []
    fields = spec.field_names
    extra = ["area_set_id"] if spec.name == "incidents" else []
    # inserts: every field, defaults for the columns the file does not have
    if len(plan.new):
        ins = values.iloc[plan.new].reset_index(drop=True)
        cols: dict[str, list] = {}
        for f in spec.fields:
            if f.name in ins.columns:
                col = ins[f.name].to_numpy(dtype=object)
                if f.default is not None:
                    col = np.where(pd.isna(col), f.default, col).astype(object)
                cols[f.name] = col.tolist()
            else:
                cols[f.name] = [f.default] * len(ins)
        if extra:
            cols["area_set_id"] = ins["area_set_id"].tolist() if "area_set_id" in ins else [None] * len(ins)
        names = fields + extra
        # start locating the points on a worker thread while the rows are written
        locator = assign.Locator(db, cols["lon"], cols["lat"]) if "lon" in cols else None
        try:
            # a column that is the same in every row (a default, all empty) is written as one
            # literal instead of a parameter bound for every row
            const = {c: cols[c][0] for c in names if c != "id" and _is_constant(cols[c])}
            bound = [c for c in names if c not in const]
            literals = [_sql_literal(const[c]) for c in names if c in const]
            conn.executemany(
                f"INSERT INTO {spec.table} ({', '.join(bound + [c for c in names if c in const])}, updated_at) "
                f"VALUES ({', '.join(['?'] * len(bound) + literals)}, {_sql_literal(now)})",
                zip(*(cols[c] for c in bound)))
            placed = assign.place_records(db, spec.area_kind, _place_frame(spec, cols), fresh=True,
                                          locator=locator)
        finally:
            if locator is not None:
                locator.close()
        outside += placed["outside"]
    # updates: the columns present in the file; restore soft-deleted records
    if len(plan.changed):
        upd = values.iloc[plan.changed].reset_index(drop=True)
        setcols = [f for f in present if f != "id"]
        if extra and "area_code" in present:
            setcols += extra
        for f in setcols:
            d = spec.field(f).default if f in fields else None
            if d is not None:
                upd[f] = np.where(pd.isna(upd[f].to_numpy(dtype=object)), d, upd[f].to_numpy(dtype=object))
        assignments = ", ".join(f"{c} = ?" for c in setcols)
        params = [tuple(_py(upd[c].iat[i]) for c in setcols) + (now, upd["id"].iat[i]) for i in range(len(upd))]
        conn.executemany(
            f"UPDATE {spec.table} SET {assignments}{', ' if setcols else ''}updated_at = ?, deleted_at = NULL "
            f"WHERE id = ?", params)
        stored_cols = _STORED[spec.name]
        after = _existing(db, spec, upd["id"].tolist()).set_index("id", drop=False)
        entries = []
        for i in range(len(upd)):
            rid = upd["id"].iat[i]
            before = _row_dict(plan.before, i, stored_cols)
            entries.append({"action": "restore" if plan.restored[i] else "update", "target_kind": spec.name,
                            "target_id": rid, "before": before,
                            "after": {c: _py(after.at[rid, c]) for c in stored_cols},
                            "detail": None if source is None else json.dumps(
                                {"via": "import", "file": source.get("file"), "sha256": source.get("sha256")},
                                ensure_ascii=False)})
        audit.log_many(conn, entries, user=user, at=now)
        outside += assign.place_records(db, spec.area_kind, ids=upd["id"].tolist())["outside"]
    return outside


def _rejected_frame(raw: RawTable, bad: np.ndarray, errors: list[dict]) -> pd.DataFrame:
    if not bad.any():
        return pd.DataFrame(columns=[*raw.headers, ERROR_COLUMN])
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e["row"], []).append(f"{e['column']}: {e['message']}" if e["column"] else e["message"])
    df = raw.data[bad].copy()
    names = _unique_names(raw.headers)
    df.columns = names[:df.shape[1]]
    df[ERROR_COLUMN] = ["; ".join(by_row.get(int(r), [])) for r in raw.rows[bad]]
    return df.reset_index(drop=True)


def _unique_names(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"Cột {i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
        out.append(h)
    return out


def write_transaction(db: sqlite_utils.Database, *, wait_s: float = LOCK_WAIT_S):
    """:func:`geo.store.transaction` that waits longer for the write lock.

    ``BEGIN IMMEDIATE`` waits the connection's busy timeout (30 s) for another
    writer; a million-row import can hold the lock about that long, so the attempt
    is repeated until ``wait_s`` has passed instead of letting "database is
    locked" reach the user.  Inside an open transaction it joins it."""
    return store.transaction(db, wait_s=wait_s)


@contextlib.contextmanager
def _big_cache(db, n_rows: int):
    """A page cache big enough for the indexes a large import writes into (random-order
    inserts into the date index thrash the default 2 MiB cache); restored afterwards."""
    if n_rows < 20_000:
        yield
        return
    old = db.conn.execute("PRAGMA cache_size").fetchone()[0]
    db.conn.execute(f"PRAGMA cache_size = -{BIG_CACHE_KIB}")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA cache_size = {int(old)}")


OUTSIDE_AREA = "Ngoài địa bàn được giao cho tài khoản ({area}): không được nhập hoặc sửa"
# a record id that exists: one answer whether the record is the user's, deleted, or another
# commune's (an officer learns nothing about records outside their area)
ID_TAKEN = "Mã '{id}' đã có; hãy chọn mã khác"


def _in_scope(db, actor: "auth.User", spec: Kind, frame: pd.DataFrame) -> np.ndarray | None:
    """Which rows of ``frame`` (typed values) lie in the acting officer's area (None: not limited)."""
    if actor.role != "officer":
        return None
    def col(name):
        return frame[name].to_numpy(dtype=object) if name in frame.columns else None
    num = lambda a: None if a is None else pd.to_numeric(pd.Series(a), errors="coerce").to_numpy(dtype=float)  # noqa: E731
    codes = col("village_code") if spec.name == "groups" else col("area_code")
    return auth.scope_mask(db, actor, lon=num(col("lon")), lat=num(col("lat")), codes=codes, n=len(frame))


def _check_scope(db, actor, spec: Kind, *frames: pd.DataFrame) -> None:
    """Refuse a single-record write outside the officer's area (old and new location)."""
    for frame in frames:
        inside = _in_scope(db, actor, spec, frame)
        if inside is not None and not inside.all():
            raise auth.PermissionDenied(OUTSIDE_AREA.format(area=actor.area_code))


def import_table(db: sqlite_utils.Database, kind: str, raw: RawTable, *, user: str | None = None,
                 dry_run: bool = False, today: dt.date | None = None) -> ImportResult:
    """Check and store the rows of an already read file (see :func:`import_records`)."""
    spec = kind_spec(kind)
    actor = auth.resolve(db, user)
    auth.require_writer(actor)
    user = actor.username
    cols, ignored = map_columns(spec, raw.headers)
    missing = [spec.field(f).vi for f in spec.field_names if spec.field(f).required and f not in cols]
    if missing:
        raise RecordFileError(f"thiếu cột bắt buộc: {', '.join(missing)}")
    if spec.name == "incidents" and not ({"lon", "lat"} <= set(cols) or "area_code" in cols):
        raise RecordFileError("thiếu cột vị trí: cần Kinh độ và Vĩ độ, hoặc Mã địa bàn")
    texts = pd.DataFrame({f: raw.data[i].to_numpy(dtype=object) if len(raw.data) else
                          np.zeros(0, dtype=object) for f, i in cols.items()},
                         index=range(len(raw.data)), dtype=object)
    codes = known_codes(db)
    checked = validate(db, spec.name, texts.reset_index(drop=True), rows=raw.rows,
                       columns={f: raw.headers[i] for f, i in cols.items()}, today=today, codes=codes,
                       _clean=True)
    res = ImportResult(kind=spec.name, file_name=raw.file_name, sha256=raw.sha256, dry_run=dry_run,
                       ignored_columns=ignored)
    if not codes and any(spec.field(f).type == "code" for f in checked.present):
        res.warnings.append("Chưa có bộ ranh giới nào: chưa kiểm tra được mã thôn/mã địa bàn")
    errors, bad = checked.errors, checked.bad.copy()
    if raw.bad_width is not None and raw.bad_width.any():
        for r in raw.rows[raw.bad_width]:
            errors.append({"row": int(r), "column": "",
                           "message": f"Dòng có nhiều ô hơn số cột của dòng tiêu đề ({len(raw.headers)} cột)"})
        errors.sort(key=lambda e: e["row"])
        bad |= raw.bad_width
    inside = _in_scope(db, actor, spec, checked.values)
    if inside is not None:
        # an officer changes nothing outside their area: neither new locations outside it,
        # nor records that are stored outside it today
        ids = checked.values["id"].to_numpy(dtype=object) if "id" in checked.values else None
        taken = np.zeros(len(inside), dtype=bool)
        if ids is not None:
            stored = _existing(db, spec, sorted({str(i) for i in ids if i is not None}))
            stored_in = _in_scope(db, actor, spec, stored)
            foreign = set(stored["id"][~stored_in]) if len(stored) else set()
            # an id of another commune's record: the answer of any taken id, nothing about it
            taken = np.array([i in foreign for i in ids], dtype=bool) & inside
            inside &= ~taken
        loc = "village_code" if spec.name == "groups" else ("lon" if "lon" in cols else "area_code")
        column = raw.headers[cols[loc]] if loc in cols else ""
        id_column = raw.headers[cols["id"]] if "id" in cols else ""
        rows_arr = np.asarray(raw.rows)
        for r, is_taken, rid in zip(rows_arr[~inside & ~bad], taken[~inside & ~bad],
                                    (ids if ids is not None else np.full(len(inside), ""))[~inside & ~bad]):
            errors.append({"row": int(r), "column": id_column, "message": ID_TAKEN.format(id=rid)} if is_taken else
                          {"row": int(r), "column": column, "message": OUTSIDE_AREA.format(area=actor.area_code)})
        errors.sort(key=lambda e: e["row"])
        bad |= ~inside
    res.errors = errors
    res.rejected = int(bad.sum())
    res.rejected_rows = _rejected_frame(raw, bad, errors)
    good = np.flatnonzero(~bad)
    values = checked.values.iloc[good].reset_index(drop=True)
    present = checked.present
    if spec.name == "incidents" and "area_code" in present and len(values):
        values["area_set_id"] = _area_sets_for(
            db, values["area_code"].to_numpy(dtype=object),
            values["occurred_on"].to_numpy(dtype=object) if "occurred_on" in values else None)
    now = store.now_iso()
    source = {"file": raw.file_name, "sha256": raw.sha256}

    def run() -> _Plan:
        plan = _classify(db, spec, values, present)
        res.inserted, res.updated, res.unchanged = len(plan.new), len(plan.changed), len(plan.same)
        res.changes = [{"id": values["id"].iat[p], "action": "restore" if r else "update", "fields": d}
                       for p, d, r in zip(plan.changed, plan.diffs, plan.restored)]
        if dry_run or not (len(plan.new) or len(plan.changed)):
            return plan
        res.outside = _write(db, spec, values, present, plan, user=user, now=now, source=source)
        audit.log(db.conn, user=user, action="import", target_kind=spec.name, target_id=None, at=now,
                  detail={"file": raw.file_name, "sha256": raw.sha256, "format": raw.format,
                          "inserted": res.inserted, "updated": res.updated, "unchanged": res.unchanged,
                          "rejected": res.rejected, "outside": len(res.outside)})
        store.bump_revision(db)
        return plan

    if dry_run:
        plan = run()
    else:
        with _big_cache(db, len(values)), write_transaction(db):
            plan = run()
    action = np.full(len(raw.rows), "rejected", dtype=object)
    action[good[plan.new]] = "inserted"
    action[good[plan.changed]] = "updated"
    action[good[plan.same]] = "unchanged"
    ids = texts["id"].to_numpy(dtype=object) if "id" in texts else np.full(len(raw.rows), "", dtype=object)
    res.actions = pd.DataFrame({"row": raw.rows, "id": ids, "action": action})
    return res


def import_records(db: sqlite_utils.Database, kind: str, source: str | os.PathLike | bytes | BinaryIO, *,
                   user: str | None = None, dry_run: bool = False, file_name: str | None = None,
                   today: dt.date | None = None) -> ImportResult:
    """Import a CSV/XLSX file of ``kind`` (groups, cameras, incidents): valid rows are inserted or
    update their record, rejected rows are listed; ``dry_run`` writes nothing.

    Raises :class:`RecordFileError` (and writes nothing) when the file cannot be read.
    """
    raw = read_table(source, kind, file_name=file_name)
    return import_table(db, kind, raw, user=user, dry_run=dry_run, today=today)


# --- single records (forms) -----------------------------------------------------

def _readable(db, user, spec: Kind) -> "auth.User":
    actor = auth.resolve(db, user)
    if spec.name == "incidents":
        auth.require_points(actor)  # viewers see incidents only as aggregates
    return actor


def get_record(db: sqlite_utils.Database, kind: str, record_id: str, *, user=None) -> dict | None:
    """The stored record (soft-deleted ones included, with ``deleted_at`` set), or None.

    None too when it lies outside the acting officer's area (as if it did not exist)."""
    spec = kind_spec(kind)
    actor = _readable(db, user, spec)
    df = _existing(db, spec, [record_id])
    if df.empty:
        return None
    inside = _in_scope(db, actor, spec, df)
    if inside is not None and not inside[0]:
        return None
    return _row_dict(df, 0, df.columns)


def list_records(db: sqlite_utils.Database, kind: str, *, include_deleted: bool = False, user=None) -> pd.DataFrame:
    """All records of ``kind`` the acting user may see (stored columns), by id."""
    spec = kind_spec(kind)
    actor = _readable(db, user, spec)
    sql = f"SELECT {', '.join(_STORED[spec.name])} FROM {spec.table}"
    if not include_deleted:
        sql += " WHERE deleted_at IS NULL"
    df = pd.read_sql_query(sql + " ORDER BY id", db.conn)
    inside = _in_scope(db, actor, spec, df)
    return df if inside is None else df[inside].reset_index(drop=True)


def _check_one(db, spec: Kind, values: dict, today) -> pd.DataFrame:
    unknown = set(values) - set(spec.field_names)
    if unknown:
        raise ValueError(f"trường không có cho {spec.name}: {', '.join(sorted(unknown))}")
    texts = pd.DataFrame({k: [cell_text(v)] for k, v in values.items()})
    checked = validate(db, spec.name, texts, today=today)
    if checked.errors:
        raise RecordError([{"column": e["column"], "message": e["message"]} for e in checked.errors])
    out = checked.values
    if spec.name == "incidents":
        out["area_set_id"] = _area_sets_for(
            db, out["area_code"].to_numpy(dtype=object) if "area_code" in out else np.array([None], dtype=object),
            out["occurred_on"].to_numpy(dtype=object) if "occurred_on" in out else None)
    return out


def add_record(db: sqlite_utils.Database, kind: str, values: dict, *, user: str | None = None,
               today: dt.date | None = None) -> dict:
    """Add one record from a form (same checks as an import); audited as ``create``.

    Raises :class:`RecordError` when a check fails or the id exists (even soft-deleted)."""
    spec = kind_spec(kind)
    unknown = set(values) - set(spec.field_names)
    if unknown:
        raise ValueError(f"trường không có cho {spec.name}: {', '.join(sorted(unknown))}")
    actor = auth.resolve(db, user)
    auth.require_writer(actor)
    user = actor.username
    full = {f.name: values.get(f.name) for f in spec.fields}
    row = _check_one(db, spec, full, today)
    _check_scope(db, actor, spec, row)
    rid = row["id"].iat[0]
    now = store.now_iso()
    taken_elsewhere = False
    with write_transaction(db) as conn:
        old = get_record(db, spec.name, rid)
        if old is not None:
            inside = _in_scope(db, actor, spec, pd.DataFrame([old]))
            if inside is not None and not inside[0]:
                # another commune's record: the same answer as any taken id, nothing about it
                taken_elsewhere = True
            else:
                msg = ID_TAKEN.format(id=rid) + (" (bản ghi đã xóa; hãy khôi phục)" if old.get("deleted_at") else "")
                raise RecordError([{"column": spec.field("id").vi, "message": msg}])
    if taken_elsewhere:
        with write_transaction(db) as conn:  # visible to admins: probing ids shows in the log
            audit.log(conn, user=user, action="create.refused", target_kind=spec.name, target_id=rid,
                      detail="id taken outside the user's area", at=now)
        raise RecordError([{"column": spec.field("id").vi, "message": ID_TAKEN.format(id=rid)}])
    with write_transaction(db) as conn:
        if get_record(db, spec.name, rid) is not None:  # added meanwhile
            raise RecordError([{"column": spec.field("id").vi, "message": ID_TAKEN.format(id=rid)}])
        names = spec.field_names + (["area_set_id"] if spec.name == "incidents" else [])
        vals = []
        for c in names:
            v = _py(row[c].iat[0]) if c in row else None
            if v is None and c in spec.field_names and spec.field(c).default is not None:
                v = spec.field(c).default
            vals.append(v)
        conn.execute(f"INSERT INTO {spec.table} ({', '.join(names)}, updated_at) "
                     f"VALUES ({', '.join('?' * len(names))}, ?)", [*vals, now])
        after = get_record(db, spec.name, rid)
        audit.log(conn, user=user, action="create", target_kind=spec.name, target_id=rid, after=after, at=now)
        assign.place_records(db, spec.area_kind, ids=[rid])
        store.bump_revision(db)
    return after


def update_record(db: sqlite_utils.Database, kind: str, record_id: str, values: dict, *,
                  user: str | None = None, today: dt.date | None = None) -> dict:
    """Change fields of one record from a form; the merged record is checked as a whole.
    Audited as ``update`` with before/after; nothing is written when nothing changes."""
    spec = kind_spec(kind)
    actor = auth.resolve(db, user)
    auth.require_writer(actor)
    user = actor.username
    if "id" in values and str(values["id"]).strip() != str(record_id):
        raise RecordError([{"column": spec.field("id").vi, "message": "Không được đổi mã của bản ghi"}])
    now = store.now_iso()
    with write_transaction(db) as conn:
        before = get_record(db, spec.name, record_id)
        if before is None:
            raise KeyError(f"không có {spec.vi.lower()} mã '{record_id}'")
        if before.get("deleted_at"):
            raise RecordError([{"column": "", "message": f"Bản ghi '{record_id}' đã bị xóa; hãy khôi phục trước"}])
        merged = {f: before.get(f) for f in spec.field_names}
        merged.update({k: v for k, v in values.items() if k != "id"})
        row = _check_one(db, spec, merged, today)
        _check_scope(db, actor, spec, pd.DataFrame([before]), row)
        setcols = [f for f in spec.field_names if f != "id"] + (["area_set_id"] if spec.name == "incidents" else [])
        new = {}
        for c in setcols:
            v = _py(row[c].iat[0]) if c in row else None
            if v is None and c in spec.field_names and spec.field(c).default is not None:
                v = spec.field(c).default
            new[c] = v
        changed = [c for c in setcols if c in spec.field_names and
                   _canon(spec, c, [before.get(c)])[0] != _canon(spec, c, [new[c]])[0]]
        if not changed:
            return before
        conn.execute(f"UPDATE {spec.table} SET {', '.join(f'{c} = ?' for c in setcols)}, updated_at = ? "
                     f"WHERE id = ?", [*(new[c] for c in setcols), now, record_id])
        after = get_record(db, spec.name, record_id)
        audit.log(conn, user=user, action="update", target_kind=spec.name, target_id=record_id,
                  before=before, after=after, at=now)
        assign.place_records(db, spec.area_kind, ids=[record_id])
        store.bump_revision(db)
    return after


def delete_record(db: sqlite_utils.Database, kind: str, record_id: str, *, user: str | None = None,
                  reason: str | None = None) -> bool:
    """Soft-delete one record (``deleted_at`` set; it leaves every figure and map).

    Audited as ``delete`` with before/after. Returns False when it was already deleted."""
    return _set_deleted(db, kind, record_id, True, user=user, reason=reason)


def restore_record(db: sqlite_utils.Database, kind: str, record_id: str, *, user: str | None = None,
                   reason: str | None = None) -> bool:
    """Undo a soft delete. Audited as ``restore``. Returns False when it was not deleted."""
    return _set_deleted(db, kind, record_id, False, user=user, reason=reason)


def _set_deleted(db, kind, record_id, deleted: bool, *, user, reason) -> bool:
    spec = kind_spec(kind)
    actor = auth.resolve(db, user)
    auth.require_writer(actor)
    user = actor.username
    now = store.now_iso()
    with write_transaction(db) as conn:
        before = get_record(db, spec.name, record_id)
        if before is None:
            raise KeyError(f"không có {spec.vi.lower()} mã '{record_id}'")
        _check_scope(db, actor, spec, pd.DataFrame([before]))
        if bool(before.get("deleted_at")) == deleted:
            return False
        conn.execute(f"UPDATE {spec.table} SET deleted_at = ?, updated_at = ? WHERE id = ?",
                     (now if deleted else None, now, record_id))
        after = get_record(db, spec.name, record_id)
        audit.log(conn, user=user, action="delete" if deleted else "restore", target_kind=spec.name,
                  target_id=record_id, before=before, after=after, detail=reason, at=now)
        assign.place_records(db, spec.area_kind, ids=[record_id])
        store.bump_revision(db)
    return True
