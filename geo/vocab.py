"""Controlled vocabularies: the codes stored in the database and their labels.

One place for every code list.  A code the database holds but this module does
not know (data from a newer version, a typo in an old import) is shown as
"khác"/"other", never a crash.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


def norm_key(text) -> str:
    """Lower case, no diacritics (đ → d), punctuation and ``_`` as single spaces: the key
    column names and vocabulary labels are matched on."""
    s = unicodedata.normalize("NFD", str(text)).lower().replace("đ", "d").replace("\u0111", "d")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", s).split())


@dataclass(frozen=True)
class Term:
    code: str
    vi: str
    en: str
    color: str = "#777777"   # map colour (categories, model types)
    symbol: str = ""         # short map symbol for point layers

    def label(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


class Vocabulary:
    """An ordered code list with a fallback term for unknown codes."""

    def __init__(self, name: str, terms: list[Term], fallback: str = "khac",
                 aliases: dict[str, list[str]] | None = None, contains: bool = False):
        self.name = name
        self.terms = terms
        self.by_code = {t.code: t for t in terms}
        self.fallback = fallback
        # spellings and abbreviations used in files, by code (matched on norm_key)
        self.aliases = {c: list(a) for c, a in (aliases or {}).items()}
        self.contains = contains     # also find one alias inside a longer text
        keys: dict[str, str] = {}
        for t in terms:
            for v in (t.code, t.vi, t.en):
                keys[norm_key(v)] = t.code
        for c, al in self.aliases.items():
            for a in al:
                keys.setdefault(norm_key(a), c)
        self._keys = keys
        # longer aliases first, whole words, for matching inside a phrase
        long = sorted((k for k in keys if len(k) >= 3), key=len, reverse=True)
        self._inside = [(re.compile(rf"(?:^| ){re.escape(k)}(?: |$)"), keys[k]) for k in long]

    def __iter__(self):
        return iter(self.terms)

    def __len__(self):
        return len(self.terms)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms]

    def term(self, code: str | None) -> Term:
        return self.by_code.get(code or "", self.by_code[self.fallback])

    def label(self, code: str | None, lang: str = "vi") -> str:
        return self.term(code).label(lang)

    def lookup(self, text) -> str | None:
        """The code a file's text names (code, label, alias; with ``contains``, the one
        term a longer phrase names, e.g. "tổ tự quản do CCB làm nòng cốt"), else None."""
        if text is None:
            return None
        k = norm_key(text)
        if not k:
            return None
        if k in self._keys:
            return self._keys[k]
        if not self.contains:
            return None
        found: set[str] = set()
        rest = k
        for rx, code in self._inside:
            if rx.search(rest):
                found.add(code)
                rest = rx.sub(" ", rest)
        found.discard(self.fallback)
        return found.pop() if len(found) == 1 else None

    def normalize(self, code: str | None) -> str:
        """The code itself when known, else the fallback code."""
        return code if code in self.by_code else self.fallback

    def options(self, lang: str = "vi") -> dict[str, str]:
        return {t.code: t.label(lang) for t in self.terms}


MODEL_TYPES = Vocabulary("model_type", [
    Term("to_tu_quan_antt", "Tổ nhân dân tự quản ANTT", "Community self-management security group", "#1f77b4", "T"),
    Term("doi_dan_phong_pccc", "Đội dân phòng, PCCC", "Civil defence / fire-fighting team", "#d62728", "D"),
    Term("to_tu_quan_nha_tro", "Tổ tự quản khu nhà trọ", "Rental-housing self-management group", "#9467bd", "N"),
    Term("camera_an_ninh", "Mô hình Camera an ninh", "Security camera model", "#17becf", "C"),
    Term("nhom_zalo_an_ninh", "Zalo/Facebook an ninh", "Zalo/Facebook security group", "#2ca02c", "Z"),
    Term("nguoi_co_uy_tin", "Người có uy tín", "Respected community figure", "#8c564b", "U"),
    Term("kdc_an_toan_pccc", "Khu dân cư an toàn PCCC", "Fire-safe residential area", "#ff7f0e", "P"),
    Term("xa_sach_ma_tuy", "Xã/phường sạch ma túy", "Drug-free commune/ward", "#e377c2", "M"),
    Term("khac", "Khác", "Other", "#7f7f7f", "K"),
])

CATEGORIES = Vocabulary("category", [
    Term("hinh_su", "Hình sự", "Criminal", "#d62728"),
    Term("ma_tuy", "Ma túy", "Drugs", "#9467bd"),
    Term("te_nan_xa_hoi", "Tệ nạn xã hội", "Social vices", "#e377c2"),
    Term("trat_tu_giao_thong", "Trật tự an toàn giao thông", "Traffic order and safety", "#ff7f0e"),
    Term("chay_no", "Cháy, nổ", "Fire, explosion", "#8c564b"),
    Term("mau_thuan_hoa_giai", "Mâu thuẫn, hòa giải", "Disputes, mediation", "#bcbd22"),
    Term("tin_bao", "Tin báo, tố giác", "Reports and tip-offs", "#1f77b4"),
    Term("khac", "Khác", "Other", "#7f7f7f"),
])

UNIT_TYPES = Vocabulary("unit_type", [
    Term("tinh", "Tỉnh", "Province"),
    Term("thanh_pho_tw", "Thành phố", "Municipality"),
    Term("huyen", "Huyện", "District"),
    Term("quan", "Quận", "Urban district"),
    Term("thi_xa", "Thị xã", "Town"),
    Term("thanh_pho", "Thành phố thuộc tỉnh", "Provincial city"),
    Term("xa", "Xã", "Commune"),
    Term("phuong", "Phường", "Ward"),
    Term("thi_tran", "Thị trấn", "Township"),
    Term("dac_khu", "Đặc khu", "Special zone"),
    Term("thon", "Thôn", "Village"),
    Term("ban", "Bản", "Hamlet (bản)"),
    Term("ap", "Ấp", "Hamlet (ấp)"),
    Term("to_dan_pho", "Tổ dân phố", "Residential group"),
    Term("khu_pho", "Khu phố", "Quarter"),
    Term("khac", "Khác", "Other"),
])

LEVELS = Vocabulary("level", [
    Term("province", "Tỉnh/Thành phố", "Province"),
    Term("district", "Huyện (trước 2025)", "District (before 2025)"),
    Term("commune", "Xã/Phường", "Commune"),
    Term("village", "Thôn/Tổ dân phố", "Village"),
], fallback="commune")

# "Lực lượng nòng cốt": the organisation forming the core of a group ("tổ tự quản do CCB làm
# nòng cốt"), as the movement's reports name them.
CORE_FORCES = Vocabulary("core_force", [
    Term("ccb", "Hội Cựu chiến binh", "Veterans' Association", "#6b8e23", "B"),
    Term("phu_nu", "Hội Liên hiệp Phụ nữ", "Women's Union", "#e377c2", "F"),
    Term("thanh_nien", "Đoàn Thanh niên", "Youth Union", "#1f77b4", "Y"),
    Term("nong_dan", "Hội Nông dân", "Farmers' Union", "#bcbd22", "N"),
    Term("cong_an", "Công an xã/phường", "Commune police", "#d62728", "C"),
    Term("dan_quan", "Dân quân tự vệ", "Militia and self-defence", "#8c564b", "D"),
    Term("mttq", "Mặt trận Tổ quốc", "Fatherland Front", "#ff7f0e", "M"),
    Term("doan_the_khac", "Đoàn thể khác", "Other mass organisation", "#9467bd", "O"),
    Term("khac", "Khác", "Other", "#7f7f7f", "K"),
], aliases={
    "ccb": ["CCB", "Cựu chiến binh", "Hội CCB", "Hội Cựu chiến binh", "Chi hội CCB", "Chi hội Cựu chiến binh",
            "HCCB", "Cựu CB", "veterans"],
    "phu_nu": ["Phụ nữ", "Hội Phụ nữ", "Hội PN", "PN", "HPN", "LHPN", "Hội LHPN", "Liên hiệp Phụ nữ",
               "Hội Liên hiệp Phụ nữ Việt Nam", "Chi hội Phụ nữ", "Chi hội PN", "women"],
    "thanh_nien": ["Thanh niên", "Đoàn TN", "ĐTN", "Đoàn thanh niên", "Đoàn TNCS", "TNCS", "Đoàn TNCS Hồ Chí Minh",
                   "Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Chi đoàn", "Chi đoàn thanh niên", "Hội LHTN",
                   "Hội Liên hiệp Thanh niên", "TN", "youth"],
    "nong_dan": ["Nông dân", "Hội ND", "HND", "Hội Nông dân", "Chi hội Nông dân", "ND", "farmers"],
    "cong_an": ["Công an", "Công an xã", "Công an phường", "Công an thị trấn", "CA xã", "CA phường", "CAX", "CAP",
                "CA", "police"],
    "dan_quan": ["Dân quân", "DQ", "DQTV", "Dân quân tự vệ", "Ban CHQS", "Ban chỉ huy quân sự", "Quân sự xã",
                 "militia"],
    "mttq": ["MTTQ", "Mặt trận", "Mặt trận Tổ quốc", "UBMTTQ", "Ủy ban MTTQ", "Ban công tác Mặt trận",
             "Ban CTMT", "fatherland front"],
    "doan_the_khac": ["Đoàn thể", "Các đoàn thể", "Hội Người cao tuổi", "Người cao tuổi", "Hội NCT", "NCT",
                      "Công đoàn", "Hội Chữ thập đỏ", "Chữ thập đỏ", "Hội Khuyến học", "Hội Cựu giáo chức",
                      "Hội Cựu thanh niên xung phong", "Cựu TNXP"],
    "khac": ["other"],
}, contains=True)

ALL = {v.name: v for v in (MODEL_TYPES, CATEGORIES, UNIT_TYPES, LEVELS, CORE_FORCES)}
