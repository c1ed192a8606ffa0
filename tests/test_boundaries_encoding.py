"""Vietnamese encodings: the TCVN3 / VNI / Windows-1258 decoders against the
published code tables, detection, clean-up."""
from __future__ import annotations

import unicodedata

import pytest

from geo.boundaries import encoding as enc

LETTERS = enc.vietnamese_letters()
NAMES = ["Bình Khê", "Quảng Ninh", "Đặc khu Vân Đồn", "Phường Uông Bí", "Thị trấn Ba Chẽ",
         "Hạ Long", "Cẩm Phả", "Đông Triều", "Tiên Yên", "Hoành Bồ", "Quảng Yên", "Móng Cái",
         "Hải Hòa", "Thủy An", "Nguyễn Huệ", "Cô Tô", "Đầm Hà", "Bãi Cháy", "Hồng Gai",
         "Tổ dân phố Khe Sím", "Thôn Đồng Mười"]


def test_letter_inventory():
    assert len(LETTERS) == 12 * 6 * 2 + 2
    assert len(set(LETTERS)) == len(LETTERS)
    assert all(unicodedata.is_normalized("NFC", ch) and len(ch) == 1 for ch in LETTERS)


# ----------------------------------------------------------------- TCVN3 -----
def test_tcvn3_published_vn3_positions():
    """Spot checks against the TCVN 5712:1993 VN3 table (ABC, .VnTime)."""
    table = {0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
             0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
             0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ", 0xBB: "ằ", 0xBE: "ắ",
             0xC6: "ặ", 0xC7: "ầ", 0xCA: "ấ", 0xCB: "ậ", 0xCC: "è", 0xD0: "é", 0xD2: "ề",
             0xD5: "ế", 0xD6: "ệ", 0xD7: "ì", 0xDD: "í", 0xDE: "ị", 0xDF: "ò", 0xE3: "ó",
             0xE4: "ọ", 0xE5: "ồ", 0xE8: "ố", 0xE9: "ộ", 0xEA: "ờ", 0xED: "ớ", 0xEE: "ợ",
             0xEF: "ù", 0xF3: "ú", 0xF4: "ụ", 0xF5: "ừ", 0xF8: "ứ", 0xF9: "ự", 0xFA: "ỳ",
             0xFD: "ý", 0xFE: "ỵ"}
    for byte, ch in table.items():
        assert enc.decode_tcvn3(bytes([byte])) == ch, hex(byte)


@pytest.mark.parametrize("letter", LETTERS)
def test_tcvn3_round_trip_every_letter(letter):
    raw = enc.encode_tcvn3(letter)
    assert len(raw) == 1
    assert enc.decode_tcvn3(raw) == letter


def test_tcvn3_lowercase_letters_are_vn3_bytes():
    """The ABC (VN3) subset: lower-case letters all sit in 0xA8-0xFE."""
    for ch in LETTERS:
        if ch.islower():
            b = enc.encode_tcvn3(ch)[0]
            assert b < 0x80 or 0xA8 <= b <= 0xFE, ch


def test_tcvn3_latin1_mojibake_example():
    raw = "B×nh Khª".encode("latin-1")     # what a naive importer shows
    assert enc.decode_tcvn3(raw) == "Bình Khê"
    assert enc.decode_tcvn3("Ph\xadêng".encode("latin-1")) == "Phường"
    assert enc.decode_tcvn3("§Æc khu".encode("latin-1")) == "Đặc khu"


def test_tcvn3_combining_marks_compose():
    # VN1 also has the five tone marks as separate bytes 0xB0-0xB4
    assert enc.decode_tcvn3(bytes([ord("a"), 0xB3])) == "á"


# ------------------------------------------------------------------- VNI -----
def test_vni_published_sequences():
    cases = {"aù": "á", "aø": "à", "aû": "ả", "aõ": "ã", "aï": "ạ",
             "aâ": "â", "aá": "ấ", "aà": "ầ", "aå": "ẩ", "aã": "ẫ", "aä": "ậ",
             "aê": "ă", "aé": "ắ", "aè": "ằ", "aú": "ẳ", "aü": "ẵ", "aë": "ặ",
             "eâ": "ê", "oâ": "ô", "ô": "ơ", "ôù": "ớ", "ö": "ư", "öï": "ự",
             "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ", "ñ": "đ", "Ñ": "Đ",
             "AÙ": "Á", "OÂ": "Ô", "Ö": "Ư", "Ô": "Ơ", "Î": "Ỵ", "YÕ": "Ỹ"}
    for seq, ch in cases.items():
        assert enc.decode_vni(seq.encode("cp1252")) == ch, seq


@pytest.mark.parametrize("letter", LETTERS)
def test_vni_round_trip_every_letter(letter):
    raw = enc.encode_vni(letter)
    assert 1 <= len(raw) <= 2
    assert enc.decode_vni(raw) == letter


def test_vni_words():
    assert enc.encode_vni("Bình Khê") == "Bình Kheâ".encode("cp1252")
    for name in NAMES:
        assert enc.decode_vni(enc.encode_vni(name)) == name


# ---------------------------------------------------------------- CP1258 -----
@pytest.mark.parametrize("letter", LETTERS)
def test_cp1258_round_trip_every_letter(letter):
    raw = enc.encode_cp1258(letter)
    assert enc.decode_cp1258(raw) == letter


def test_cp1258_decomposed_tone():
    # ư + combining acute (0xEC) → ứ
    assert enc.decode_cp1258(bytes([0xFD, 0xEC])) == "ứ"


# ------------------------------------------------------------- detection -----
@pytest.mark.parametrize("name", ["utf-8", "tcvn3", "vni", "cp1258"])
def test_detect_each_encoding(name):
    encoder = {"utf-8": lambda s: s.encode("utf-8"), "tcvn3": enc.encode_tcvn3,
               "vni": enc.encode_vni, "cp1258": enc.encode_cp1258}[name]
    raws = [encoder(n) for n in NAMES]
    detected, guesses = enc.detect_encoding(raws)
    assert detected == name
    best = next(g for g in guesses if g.encoding == name)
    assert best.score >= 0.95
    assert best.samples[0] == NAMES[0]
    others = [g.score for g in guesses if g.encoding != name and g.encoding != "utf-8"]
    assert max(others, default=0) < 0.6


def test_detect_few_names():
    for name, encoder in (("tcvn3", enc.encode_tcvn3), ("vni", enc.encode_vni)):
        detected, _ = enc.detect_encoding([encoder("Bình Khê"), encoder("Quảng Yên")])
        assert detected == name


def test_detect_ascii_is_utf8():
    detected, _ = enc.detect_encoding([b"Uong Bi", b"Ha Long"])
    assert detected == "utf-8"


def test_canonical_names():
    assert enc.canonical_encoding("UTF-8") == "utf-8"
    assert enc.canonical_encoding("65001") == "utf-8"
    assert enc.canonical_encoding("ANSI 1258") == "cp1258"
    assert enc.canonical_encoding("TCVN3") == "tcvn3"
    assert enc.canonical_encoding("VNI-Windows") == "vni"
    assert enc.canonical_encoding("88591") == "latin-1"
    assert enc.canonical_encoding("nonsense-xyz") is None


# ------------------------------------------------------------- syllables -----
@pytest.mark.parametrize("word", ["Bình", "Khê", "Quảng", "Nguyễn", "Thủy", "Thuỷ", "Hòa", "hoà",
                                  "Đặc", "khuya", "già", "gìn", "Uông", "Chẽ", "ngoẻo", "Trường"])
def test_valid_syllables(word):
    assert enc.is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["B×nh", "Khª", "Bỡnh", "Kheõ", "Biènh", "Đăc̀", "Quang̉", "ChÏ",
                                  "Ph­êng", "Bãi̇"])
def test_invalid_syllables(word):
    assert not enc.is_vietnamese_syllable(word)


def test_modern_tone_placement():
    assert enc.modern_tone_placement("Khánh Hoà") == "Khánh Hòa"
    assert enc.modern_tone_placement("Thanh Hoá") == "Thanh Hóa"
    assert enc.modern_tone_placement("Thuỷ Nguyên") == "Thủy Nguyên"
    assert enc.modern_tone_placement("Uỷ ban") == "Ủy ban"
    # unchanged: closed syllables, qu-, already modern
    for s in ("Hoàng Mai", "Quý Cao", "Hòa Bình", "Khoái Châu", "Quảng Yên"):
        assert enc.modern_tone_placement(s) == s


def test_clean_text():
    assert enc.clean_text("Hà Nội\t") == "Hà Nội"
    assert enc.clean_text("  Hạ\u00a0 Long ") == "Hạ Long"
    assert enc.clean_text("Ha\u0300 No\u0323\u0302i") == "Hà Nội"   # NFD → NFC
    assert enc.clean_text("Bình\u200b Khê") == "Bình Khê"
    assert enc.clean_text(12) == 12


def test_name_key():
    assert enc.name_key("Thị trấn") == enc.name_key("Thịtrấn") == enc.name_key("thi tran")
    assert enc.name_key("Đông Triều") == "dongtrieu"


def test_looks_mojibake():
    assert enc.looks_mojibake(["B×nh Khª", "Qu¶ng Ninh"])
    assert enc.looks_mojibake(["BÃ¬nh KhÃª"])
    assert not enc.looks_mojibake(["Bình Khê", "Quảng Ninh"])
    assert not enc.looks_mojibake(["Uong Bi"])
