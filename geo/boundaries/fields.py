"""Columns: which holds the unit code, the name, the parent code, the unit type;
and unit-type prefixes split off names (``Phường An Sinh`` → phuong, ``An Sinh``).

Column names are split into words (``MaXa`` → ma xa, ``Ten_Huyen`` → ten huyen,
``shapeName`` → shape name, ``NAME_3`` → name 3, ``tenxa`` → ten xa) and each
column gets a kind (code / name / type) and, when it says so, a level
(``xa`` → commune, ``huyen`` → district, ``_3`` → commune …).  A code or name
column of the imported level (or of no level) is the unit's own; one of a
higher level is a parent.  The contents then have the last word: a "code"
column whose values do not tell the units apart (``f_code = AD02`` on every
row) is passed over.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .encoding import name_key, strip_diacritics

LEVELS = ("province", "district", "commune", "village")
ANCESTORS = {
    "village": ("commune", "district", "province"),
    "commune": ("district", "province"),
    "district": ("province",),
    "province": (),
}
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}

_LEVEL_WORDS = {
    "tinh": "province", "tp": "province", "province": "province", "prov": "province",
    "huyen": "district", "quan": "district", "qh": "district", "district": "district",
    "xa": "commune", "phuong": "commune", "px": "commune", "commune": "commune", "ward": "commune",
    "thon": "village", "tdp": "village", "ap": "village", "ban": "village", "khupho": "village",
    "kp": "village", "village": "village", "todanpho": "village",
}
_LEVEL_DIGITS = {"1": "province", "2": "district", "3": "commune", "4": "village"}
_CODE_WORDS = {"ma": 10, "code": 9, "pcode": 9, "iso": 8, "madvhc": 10, "gid": 6, "id": 5,
               "mahc": 9, "objectid": 1, "fid": 1, "ogcfid": 1}
_NAME_WORDS = {"ten": 10, "name": 9, "tendvhc": 10, "vi": 8, "en": 4, "varname": 2,
               "nlname": 1}
_TYPE_WORDS = {"loai": 10, "type": 9, "cap": 6, "kieu": 6, "engtype": 4, "loaidvhc": 10}
_IGNORE_WORDS = {"group", "dan", "so", "dien", "tich", "area", "pop", "population", "density",
                 "shape", "leng", "length", "len", "lon", "lat", "center", "centre", "nam", "tk",
                 "x", "y", "ghi", "chu", "note", "notes", "description"}
_DICTIONARY = sorted(set(_LEVEL_WORDS) | set(_CODE_WORDS) | set(_NAME_WORDS) | set(_TYPE_WORDS)
                     | _IGNORE_WORDS | {"dvhc", "hc", "don", "vi", "adm", "admin", "vung", "to",
                                        "tt", "nl", "var", "eng", "thanh", "pho"},
                     key=len, reverse=True)


@lru_cache(maxsize=1024)
def column_words(column: str) -> tuple[str, ...]:
    """``MaXa`` → (ma, xa); ``shapeISO`` → (shape, iso); ``NAME_3`` → (name, 3);
    ``tenxa`` → (ten, xa); ``ADM2_PCODE`` → (adm, 2, pcode)."""
    s = strip_diacritics(column)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([A-Za-z])(\d)", r"\1_\2", s)
    s = re.sub(r"(\d)([A-Za-z])", r"\1_\2", s)
    out: list[str] = []
    for tok in re.split(r"[^A-Za-z0-9]+", s.lower()):
        if not tok:
            continue
        out.extend(_segment(tok))
    return tuple(out)


def _segment(tok: str) -> list[str]:
    """Split a glued token into dictionary words when it can be done entirely."""
    if tok.isdigit() or tok in _CODE_WORDS or tok in _NAME_WORDS or tok in _TYPE_WORDS \
            or tok in _LEVEL_WORDS:
        return [tok]
    best: dict[int, list[str] | None] = {0: []}
    for i in range(1, len(tok) + 1):
        best[i] = None
        for w in _DICTIONARY:
            j = i - len(w)
            if j >= 0 and best.get(j) is not None and tok[j:i] == w:
                cand = best[j] + [w]
                if best[i] is None or len(cand) < len(best[i]):
                    best[i] = cand
    return best[len(tok)] or [tok]


@dataclass
class ColumnKind:
    column: str
    kind: str | None      # code | name | type | None
    weight: int
    level: str | None


def classify_column(column: str) -> ColumnKind:
    words = column_words(column)
    level = None
    for w in words:
        if w in _LEVEL_WORDS:
            level = _LEVEL_WORDS[w]
    has_kind_word = any(w in _CODE_WORDS or w in _NAME_WORDS or w in _TYPE_WORDS for w in words)
    if level is None and has_kind_word:
        digits = [w for w in words if w in _LEVEL_DIGITS]
        if digits:
            level = _LEVEL_DIGITS[digits[-1]]
    kinds = []
    for w in words:
        if w in _TYPE_WORDS:
            kinds.append(("type", _TYPE_WORDS[w]))
        elif w in _NAME_WORDS:
            kinds.append(("name", _NAME_WORDS[w]))
        elif w in _CODE_WORDS:
            kinds.append(("code", _CODE_WORDS[w]))
    if not kinds:
        # a bare level word ("Xa", "Tinh") usually holds the name
        if len(words) == 1 and words[0] in _LEVEL_WORDS:
            return ColumnKind(column, "name", 3, level)
        return ColumnKind(column, None, 0, level)
    # type wins (LoaiDVHC), then name (TenXa, ADM1_VI), then code
    order = {"type": 0, "name": 1, "code": 2}
    kind, weight = sorted(kinds, key=lambda k: (order[k[0]], -k[1]))[0]
    if kind == "name" and any(k == "code" for k, _ in kinds) and words[-1] in _CODE_WORDS:
        kind, weight = "code", max(wt for k, wt in kinds if k == "code")  # "name_code"
    return ColumnKind(column, kind, weight, level)


# --------------------------------------------------------------------------- #
# Content checks
# --------------------------------------------------------------------------- #
def _as_text(s: pd.Series) -> pd.Series:
    return s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                 else normalize_code(v))


def normalize_code(v) -> str | None:
    """A code as text: ``7090.0`` → ``"7090"``, strings stripped, empty → None."""
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return None
        if float(v).is_integer():
            return str(int(v))
        return repr(float(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    s = " ".join(str(v).split())
    return s or None


def _is_texty(s: pd.Series) -> bool:
    vals = s.dropna()
    if vals.empty:
        return False
    sample = vals.astype(str).head(500)
    letters = sample.map(lambda v: sum(ch.isalpha() for ch in v) >= max(1, len(v) // 3))
    return bool(letters.mean() >= 0.8)


def _filled(s: pd.Series) -> float:
    t = _as_text(s)
    return float(t.notna().mean()) if len(t) else 0.0


def codes_consistent(codes: pd.Series, names: pd.Series | None) -> bool:
    """A code column tells units apart: more than one value (when there are
    several rows) and, per code, one name (islands share both)."""
    c = _as_text(codes)
    if c.notna().mean() < 0.8:
        return False
    n_rows = int(c.notna().sum())
    if n_rows >= 3 and c.nunique() < 2:
        return False
    if names is None:
        return True
    keys = names.map(lambda v: name_key(v) if isinstance(v, str) else None)
    df = pd.DataFrame({"c": c, "n": keys}).dropna()
    if df.empty:
        return True
    per_code = df.groupby("c")["n"].nunique()
    mixed = int((per_code > 1).sum())
    if mixed > max(2, 0.05 * len(per_code)):
        return False
    # a code should not lump together many distinct names
    return c.nunique() >= 0.5 * df["n"].nunique()


# --------------------------------------------------------------------------- #
# Detection
# --------------------------------------------------------------------------- #
@dataclass
class FieldMapping:
    code: str | None = None
    name: str | None = None
    parent: str | None = None
    parent_kind: str | None = None        # "code" or "name"
    unit_type: str | None = None
    parent_candidates: list[tuple[str, str]] = field(default_factory=list)  # (column, kind)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "parent": self.parent,
                "parent_kind": self.parent_kind, "unit_type": self.unit_type}


def _find_column(df: pd.DataFrame, wanted: str) -> str | None:
    if wanted in df.columns:
        return wanted
    low = {str(c).lower(): c for c in df.columns}
    return low.get(str(wanted).lower())


def detect_fields(df: pd.DataFrame, level: str, *, code_field=None, name_field=None,
                  parent_field=None) -> FieldMapping:
    """Choose the code, name, parent and unit-type columns of ``df`` for a
    boundary set of ``level``; explicit choices win (``KeyError`` with the
    column name when one does not exist)."""
    cols = [c for c in df.columns if c != "geometry"]
    kinds = [classify_column(str(c)) for c in cols]
    ancestors = ANCESTORS[level]
    fm = FieldMapping()

    # --- name
    if name_field:
        col = _find_column(df, name_field)
        if col is None:
            raise KeyError(name_field)
        fm.name = col
    else:
        cands = []
        for i, k in enumerate(kinds):
            if k.kind != "name" or not _is_texty(df[k.column]):
                continue
            if _filled(df[k.column]) < 0.5:
                continue
            tier = 0 if k.level == level else 1 if k.level is None else 2 if k.level not in ancestors else 3
            cands.append((tier, -k.weight, i, k.column))
        cands.sort()
        if cands:
            fm.name = cands[0][3]
            if cands[0][0] >= 2:
                fm.notes.append(f"Cột tên “{fm.name}” có vẻ thuộc cấp khác; hãy kiểm tra lại cấp đơn vị.")
        else:
            # no column named like a name: the most name-like text column
            texty = [c for c in cols if _is_texty(df[c]) and _filled(df[c]) >= 0.8
                     and df[c].nunique() > 1 and classify_column(str(c)).kind is None
                     and not classify_column(str(c)).column.lower().startswith(("desc", "ghi"))]
            texty = [c for c in texty if _mean_len(df[c]) <= 60]
            if texty:
                fm.name = texty[0]
                fm.notes.append(f"Không có cột tên rõ ràng; tạm dùng cột “{fm.name}”.")
    names = df[fm.name] if fm.name else None

    # --- code
    if code_field:
        col = _find_column(df, code_field)
        if col is None:
            raise KeyError(code_field)
        fm.code = col
    else:
        cands = []
        for i, k in enumerate(kinds):
            if k.kind != "code" or k.column == fm.name:
                continue
            if k.level is not None and k.level != level:
                continue
            tier = 0 if k.level == level else 1
            cands.append((tier, -k.weight, i, k.column))
        cands.sort()
        for *_, col in cands:
            if codes_consistent(df[col], names):
                fm.code = col
                break
            fm.notes.append(f"Bỏ qua cột “{col}” làm mã vì giá trị không phân biệt được các đơn vị.")

    # --- unit type
    type_cands = sorted(((-k.weight, i, k.column) for i, k in enumerate(kinds)
                         if k.kind == "type" and (k.level in (None, level))), key=lambda t: t[:2])
    for *_, col in type_cands:
        vals = df[col].dropna().astype(str)
        if vals.empty:
            continue
        mapped = vals.map(lambda v: unit_type_code(v, level)).notna().mean()
        if mapped >= 0.6:
            fm.unit_type = col
            break

    # --- parent
    if parent_field:
        col = _find_column(df, parent_field)
        if col is None:
            raise KeyError(parent_field)
        fm.parent = col
        k = classify_column(str(col))
        fm.parent_kind = "name" if k.kind == "name" else "code"
        fm.parent_candidates = [(col, fm.parent_kind)]
    else:
        pc = []
        for i, k in enumerate(kinds):
            if k.column in (fm.code, fm.name) or k.level not in ancestors:
                continue
            if k.kind not in ("code", "name"):
                continue
            if _filled(df[k.column]) < 0.5:
                continue
            rank = ancestors.index(k.level)
            pc.append((rank, 0 if k.kind == "code" else 1, -k.weight, i, k.column, k.kind))
        pc.sort()
        fm.parent_candidates = [(c[4], c[5]) for c in pc]
        if pc:
            fm.parent, fm.parent_kind = pc[0][4], pc[0][5]
    return fm


def _mean_len(s: pd.Series) -> float:
    vals = s.dropna().astype(str)
    return float(vals.str.len().mean()) if len(vals) else 0.0


# --------------------------------------------------------------------------- #
# Unit types
# --------------------------------------------------------------------------- #
_TYPE_KEYS = {
    "xa": "xa", "phuong": "phuong", "thitran": "thi_tran", "dackhu": "dac_khu",
    "thon": "thon", "todanpho": "to_dan_pho", "tdp": "to_dan_pho", "tinh": "tinh",
    "thanhphotructhuoctrunguong": "thanh_pho_tw", "thanhphotrunguong": "thanh_pho_tw",
    "thanhphothuoctinh": "thanh_pho", "huyen": "huyen", "quan": "quan", "thixa": "thi_xa",
    "ban": "ban", "ap": "ap", "khupho": "khu_pho", "kp": "khu_pho",
    "commune": "xa", "ward": "phuong", "township": "thi_tran", "townlet": "thi_tran",
    "communeleveltown": "thi_tran", "district": "huyen", "urbandistrict": "quan",
    "town": "thi_xa", "province": "tinh", "municipality": "thanh_pho_tw",
    "specialzone": "dac_khu", "specialadministrativezone": "dac_khu", "village": "thon",
    "hamlet": "thon", "residentialgroup": "to_dan_pho", "quarter": "khu_pho",
}


def unit_type_code(value, level: str) -> str | None:
    """A unit-type code of :data:`geo.vocab.UNIT_TYPES` from a type value in any
    usual form (``Phường``, ``Thịtrấn``, ``Thị trấn``, ``Ward``, ``TP``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    key = name_key(value)
    if not key:
        return None
    if key in ("thanhpho", "tp", "city"):
        return "thanh_pho_tw" if level == "province" else "thanh_pho"
    return _TYPE_KEYS.get(key)


# prefix regex (case-insensitive, NFC text) → unit type code ("tp" = by level)
_PREFIXES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(?:thành phố\s+|thành phô\s+|tp\.\s*|tp\s+|t\.p\.?\s*)", re.I), "tp"),
    (re.compile(r"^tỉnh\s+", re.I), "tinh"),
    (re.compile(r"^(?:thị xã\s+|tx\.\s*|tx\s+)", re.I), "thi_xa"),
    (re.compile(r"^(?:thị trấn\s+|tt\.\s*|tt\s+)", re.I), "thi_tran"),
    (re.compile(r"^huyện\s+", re.I), "huyen"),
    (re.compile(r"^quận\s+", re.I), "quan"),
    (re.compile(r"^đặc khu\s+", re.I), "dac_khu"),
    (re.compile(r"^xã\s+", re.I), "xa"),
    (re.compile(r"^(?:phường\s+|p\.\s*)", re.I), "phuong"),
    (re.compile(r"^(?:tổ dân phố\s+|tdp\.?\s*(?=\S))", re.I), "to_dan_pho"),
    (re.compile(r"^(?:khu phố\s+|kp\.\s*)", re.I), "khu_pho"),
    (re.compile(r"^thôn\s+", re.I), "thon"),
    (re.compile(r"^bản\s+", re.I), "ban"),
    (re.compile(r"^ấp\s+", re.I), "ap"),
]
_WELL_KNOWN = {"hcm": "Hồ Chí Minh", "hồ chí minh": "Hồ Chí Minh"}


def split_unit_prefix(name: str | None, level: str) -> tuple[str | None, str | None]:
    """(unit type code, name without the prefix).  ``Phường An Sinh`` →
    (``phuong``, ``An Sinh``); ``TP Hà Nội`` at province level →
    (``thanh_pho_tw``, ``Hà Nội``); ``Phường 1`` keeps its whole name (a bare
    number is no name).  Names without a known prefix come back unchanged."""
    if not isinstance(name, str) or not name:
        return None, name
    for pattern, code in _PREFIXES:
        m = pattern.match(name)
        if not m:
            continue
        rest = name[m.end():].strip(" -–.,")
        if code == "tp":
            code = "thanh_pho_tw" if level == "province" else "thanh_pho"
        if not rest:
            return code, name
        if re.fullmatch(r"[\d\s/.-]+", rest):
            return code, name
        rest = _WELL_KNOWN.get(rest.lower(), rest)
        return code, rest
    return None, name


def default_unit_type(level: str) -> str | None:
    return "tinh" if level == "province" else None
