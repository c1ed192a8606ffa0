"""Controlled vocabularies: the codes stored in the database and their labels.

One place for every code list.  A code the database holds but this module does
not know (data from a newer version, a typo in an old import) is shown as
"khác"/"other", never a crash.
"""
from __future__ import annotations

from dataclasses import dataclass


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

    def __init__(self, name: str, terms: list[Term], fallback: str = "khac"):
        self.name = name
        self.terms = terms
        self.by_code = {t.code: t for t in terms}
        self.fallback = fallback

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

ALL = {v.name: v for v in (MODEL_TYPES, CATEGORIES, UNIT_TYPES, LEVELS)}
