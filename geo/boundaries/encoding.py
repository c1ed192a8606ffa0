"""Vietnamese text encodings: decoders, detection and clean-up.

Officers' ``.dbf`` files come in four encodings:

* UTF-8 (often without the ``.cpg`` that says so),
* Windows-1258 (base letters plus combining tone marks),
* TCVN3 / ABC (TCVN 5712:1993, the ``.VnTime`` fonts): one byte per accented
  letter,
* VNI-Windows (the ``VNI-Times`` fonts): a base letter followed by one byte for
  the diacritics.

Python knows only the first two.  The TCVN3 and VNI decoders below are written
from the published code tables; every decoder returns Unicode NFC.

Detection decodes the raw bytes with every candidate and counts how many of the
words that contain non-ASCII bytes become well-formed Vietnamese syllables (one
tone mark, placed on an allowed vowel, legal initial/rhyme).  A wrong decoding
produces symbols (``B×nh Khª``), combining marks on consonants, or tones in
impossible places, so the right one wins by a wide margin.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- #
# Letters and tones
# --------------------------------------------------------------------------- #
# Tone marks as Unicode combining characters, in the order used by the tables
# below: ngang (none), sắc, huyền, hỏi, ngã, nặng.
TONE_MARKS = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
TONE_SET = frozenset(TONE_MARKS[1:])
BASE_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def vietnamese_letters() -> list[str]:
    """All 134 Vietnamese letters with diacritics (12 vowels × 6 tones × 2 cases,
    minus nothing; plus đ/Đ), NFC.  Used by the round-trip tests."""
    out = []
    for v in BASE_VOWELS:
        for t in TONE_MARKS:
            ch = unicodedata.normalize("NFC", v + t)
            out.append(ch)
            out.append(ch.upper())
    out += ["đ", "Đ"]
    return out


# --------------------------------------------------------------------------- #
# TCVN3 (TCVN 5712:1993).  The ABC/.VnTime "VN3" encoding is the subset of the
# full VN1 table without capital toned letters; decoding with the full table
# reads both.
# --------------------------------------------------------------------------- #
_TCVN3_LOW = {
    0x01: 0x00DA, 0x02: 0x1EE4, 0x04: 0x1EEA, 0x05: 0x1EEC, 0x06: 0x1EEE,
    0x11: 0x1EE8, 0x12: 0x1EF0, 0x13: 0x1EF2, 0x14: 0x1EF6, 0x15: 0x1EF8,
    0x16: 0x00DD, 0x17: 0x1EF4,
}
# 0x80 .. 0xFF
_TCVN3_HIGH = (
    0x00C0, 0x1EA2, 0x00C3, 0x00C1, 0x1EA0, 0x1EB6, 0x1EAC, 0x00C8,  # 80
    0x1EBA, 0x1EBC, 0x00C9, 0x1EB8, 0x1EC6, 0x00CC, 0x1EC8, 0x0128,  # 88
    0x00CD, 0x1ECA, 0x00D2, 0x1ECE, 0x00D5, 0x00D3, 0x1ECC, 0x1ED8,  # 90
    0x1EDC, 0x1EDE, 0x1EE0, 0x1EDA, 0x1EE2, 0x00D9, 0x1EE6, 0x0168,  # 98
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,  # A0
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,  # A8
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,  # B0
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,  # B8
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,  # C0
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,  # C8
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,  # D0
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,  # D8
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,  # E0
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,  # E8
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,  # F0
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,  # F8
)
assert len(_TCVN3_HIGH) == 128
_TCVN3_DECODE = {b: chr(u) for b, u in _TCVN3_LOW.items()}
_TCVN3_DECODE.update({0x80 + i: chr(u) for i, u in enumerate(_TCVN3_HIGH)})
# str.translate table over the Latin-1 view of the bytes
_TCVN3_TRANSLATE = {b: u for b, u in _TCVN3_DECODE.items()}
# encoder: precomposed letters only (the five combining marks 0xB0-0xB4 are
# never produced)
_TCVN3_ENCODE = {u: b for b, u in _TCVN3_DECODE.items()
                 if not unicodedata.combining(u) and u != "\u00a0"}


def decode_tcvn3(data: bytes) -> str:
    """TCVN3 (ABC, TCVN 5712:1993) bytes → Unicode NFC."""
    return unicodedata.normalize("NFC", data.decode("latin-1").translate(_TCVN3_TRANSLATE))


def encode_tcvn3(text: str) -> bytes:
    """Unicode → TCVN3 bytes (for tests and test fixtures).  Raises
    ``UnicodeEncodeError`` for a character the table lacks."""
    out = bytearray()
    for i, ch in enumerate(unicodedata.normalize("NFC", text)):
        if ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ord(ch) < 0x80 and ord(ch) not in _TCVN3_DECODE:
            out.append(ord(ch))
        else:
            raise UnicodeEncodeError("tcvn3", text, i, i + 1, "not in the TCVN3 table")
    return bytes(out)


# --------------------------------------------------------------------------- #
# VNI-Windows.  A letter is its ASCII base (or one of the single-byte letters
# ơ ư đ and the toned i) followed by a diacritic byte; the bytes are shown here
# as their Windows-1252 characters, as in the published VNI table.
# --------------------------------------------------------------------------- #
# tone marks after a, e, o, u, y, ơ, ư (lower-case, upper-case form)
_VNI_TONE = {"\u0301": ("ù", "Ù"), "\u0300": ("ø", "Ø"), "\u0309": ("û", "Û"),
             "\u0303": ("õ", "Õ"), "\u0323": ("ï", "Ï")}
# circumflex (â ê ô) with each tone
_VNI_CIRC = {"": ("â", "Â"), "\u0301": ("á", "Á"), "\u0300": ("à", "À"),
             "\u0309": ("å", "Å"), "\u0303": ("ã", "Ã"), "\u0323": ("ä", "Ä")}
# breve (ă) with each tone
_VNI_BREVE = {"": ("ê", "Ê"), "\u0301": ("é", "É"), "\u0300": ("è", "È"),
              "\u0309": ("ú", "Ú"), "\u0303": ("ü", "Ü"), "\u0323": ("ë", "Ë")}
# single-byte letters: i with each tone, ỵ, ơ, ư, đ
_VNI_I = {"": ("i", "I"), "\u0301": ("í", "Í"), "\u0300": ("ì", "Ì"),
          "\u0309": ("æ", "Æ"), "\u0303": ("ó", "Ó"), "\u0323": ("ò", "Ò")}
_VNI_SINGLE_BASE = {"ơ": ("ô", "Ô"), "ư": ("ö", "Ö"), "đ": ("ñ", "Ñ")}


def _vni_table() -> dict[str, str]:
    """Unicode letter (NFC) → VNI character sequence."""
    table: dict[str, str] = {}

    def put(base: str, tone: str, lower: str, upper: str) -> None:
        ch = unicodedata.normalize("NFC", base + tone)
        table[ch] = lower
        table[ch.upper()] = upper

    for v in "aeouy":
        for tone, (lo, up) in _VNI_TONE.items():
            if v == "y" and tone == "\u0323":
                put("y", tone, "î", "Î")  # ỵ is one byte
            else:
                put(v, tone, v + lo, v.upper() + up)
    for v, base in (("â", "a"), ("ê", "e"), ("ô", "o")):
        for tone, (lo, up) in _VNI_CIRC.items():
            put(v, tone, base + lo, base.upper() + up)
    for tone, (lo, up) in _VNI_BREVE.items():
        put("ă", tone, "a" + lo, "A" + up)
    for tone, (lo, up) in _VNI_I.items():
        if tone:
            put("i", tone, lo, up)
    for letter, (lo, up) in _VNI_SINGLE_BASE.items():
        table[letter] = lo
        table[letter.upper()] = up
        if letter != "đ":
            for tone, (tlo, tup) in _VNI_TONE.items():
                put(letter, tone, lo + tlo, up + tup)
    return table


_VNI_ENCODE = _vni_table()
# decoding: every sequence, both cases of the diacritic byte after a base
_VNI_DECODE: dict[str, str] = {}
for _uni, _seq in _VNI_ENCODE.items():
    _VNI_DECODE[_seq] = _uni
    if len(_seq) == 2:  # accept a diacritic byte of the "wrong" case
        _VNI_DECODE.setdefault(_seq[0] + _seq[1].swapcase(), _uni)
_VNI_PATTERN = re.compile(
    "|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True)))
# Windows-1252 leaves five bytes undefined; VNI fonts do not use them either
_CP1252_HOLES = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _cp1252(data: bytes) -> str:
    if any(b in _CP1252_HOLES for b in data):
        return "".join(chr(b) if b in _CP1252_HOLES else bytes([b]).decode("cp1252")
                       for b in data)
    return data.decode("cp1252")


def decode_vni(data: bytes) -> str:
    """VNI-Windows bytes → Unicode NFC."""
    text = _cp1252(data)
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group()], text))


def encode_vni(text: str) -> bytes:
    """Unicode → VNI-Windows bytes (for tests and test fixtures)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(_VNI_ENCODE.get(ch, ch))
    return "".join(out).encode("cp1252")


def decode_cp1258(data: bytes) -> str:
    """Windows-1258 bytes → Unicode NFC (tone marks composed)."""
    return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def encode_cp1258(text: str) -> bytes:
    """Unicode → Windows-1258 bytes: letters decomposed into base + tone mark,
    the way Windows writes them."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        # split off the tone, keep the vowel-quality mark composed
        nfd = unicodedata.normalize("NFD", ch)
        tones = [c for c in nfd if c in TONE_SET]
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONE_SET))
        out += base.encode("cp1258") + "".join(tones).encode("cp1258")
    return bytes(out)


def decode_utf8(data: bytes) -> str:
    return unicodedata.normalize("NFC", data.decode("utf-8"))


# --------------------------------------------------------------------------- #
# Names of the encodings
# --------------------------------------------------------------------------- #
# canonical name → label shown to the user
ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8 (Unicode)",
    "cp1258": "Windows-1258 (Unicode tổ hợp kiểu Windows)",
    "tcvn3": "TCVN3 (ABC, phông .VnTime)",
    "vni": "VNI-Windows (phông VNI-Times)",
    "latin-1": "Latin-1 (không chuyển đổi)",
}
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8", "unicode": "utf-8", "utf-8-sig": "utf-8",
    "cp1258": "cp1258", "1258": "cp1258", "windows-1258": "cp1258", "windows1258": "cp1258",
    "ansi 1258": "cp1258", "ansi1258": "cp1258", "win1258": "cp1258",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "tcvn5712": "tcvn3", "tcvn-5712": "tcvn3",
    "tcvn 5712": "tcvn3", "vn3": "tcvn3", "vntime": "tcvn3", ".vntime": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "vni windows": "vni", "vniwindows": "vni",
    "vni-win": "vni", "vni-times": "vni",
    "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1",
    "88591": "latin-1", "8859-1": "latin-1", "iso 8859-1": "latin-1", "cp1252": "cp1252",
    "1252": "cp1252", "windows-1252": "cp1252", "ansi 1252": "cp1252",
}
_DECODERS = {
    "utf-8": decode_utf8,
    "cp1258": decode_cp1258,
    "tcvn3": decode_tcvn3,
    "vni": decode_vni,
    "latin-1": lambda b: b.decode("latin-1"),
    "cp1252": lambda b: b.decode("cp1252", errors="replace"),
}


def canonical_encoding(name: str | None) -> str | None:
    """The canonical name of an encoding given in any usual spelling (a ``.cpg``
    line, a user choice), or None when not recognised."""
    if not name:
        return None
    key = " ".join(str(name).strip().lower().replace("_", "-").split())
    if key in _ALIASES:
        return _ALIASES[key]
    key2 = key.replace(" ", "").replace("-", "")
    for alias, canon in _ALIASES.items():
        if alias.replace(" ", "").replace("-", "") == key2:
            return canon
    try:  # any other codec Python knows (e.g. "cp1251")
        import codecs
        return codecs.lookup(key).name
    except LookupError:
        return None


def decode_bytes(data: bytes, encoding: str) -> str:
    """Decode with one of :data:`ENCODINGS` (or any Python codec), NFC."""
    canon = canonical_encoding(encoding) or encoding
    fn = _DECODERS.get(canon)
    if fn is None:
        return unicodedata.normalize("NFC", data.decode(canon, errors="replace"))
    try:
        return fn(data)
    except UnicodeDecodeError:  # only UTF-8 can fail: show what it can
        return unicodedata.normalize("NFC", data.decode("utf-8", errors="replace"))


# --------------------------------------------------------------------------- #
# Vietnamese syllables: the yardstick for detection
# --------------------------------------------------------------------------- #
_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = ("iêu|yêu|uyê|ươi|ươu|uôi|oai|oay|oeo|uây|uya|uyu|"
           "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|yê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|"
           "ưa|ưi|ươ|ưu|uy|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y")
_FINALS = "ch|nh|ng|c|m|n|p|t"
_SYLLABLE = re.compile(rf"^({_INITIALS})?({_NUCLEI})({_FINALS})?$")
_MARKED = set("ăâêôơư")
_BEFORE_NH = {"a", "ê", "i", "y", "oa", "uê", "uy"}
_WORD_SPLIT = re.compile(r"[\s\-_/,.;:()\[\]'\"0-9]+")


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` (one syllable, any case) is well-formed Vietnamese:
    legal initial, rhyme and final, one tone at most, on an allowed vowel.
    Both tone-placement styles (hoà/hòa) are accepted."""
    nfd = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in nfd if c in TONE_SET]
    if len(tones) > 1:
        return False
    # position of the tone = index (in the toneless NFC word) of the char it follows
    base_chars: list[str] = []
    tone_at = None
    for c in nfd:
        if c in TONE_SET:
            tone_at = len(base_chars) - 1 if base_chars else None
            if tone_at is None:
                return False
            continue
        if unicodedata.combining(c):
            if not base_chars:
                return False
            base_chars[-1] = unicodedata.normalize("NFC", base_chars[-1] + c)
            if len(base_chars[-1]) != 1:
                return False
        else:
            base_chars.append(c)
    base = "".join(base_chars)
    m = _SYLLABLE.match(base)
    if not m:
        return False
    ini, nuc, fin = m.group(1) or "", m.group(2), m.group(3) or ""
    if fin in ("nh", "ch") and nuc not in _BEFORE_NH:
        return False
    if fin in ("ng", "c") and nuc in ("i", "y", "iu", "ia"):
        return False
    if tone_at is None:
        return True
    pos = tone_at - len(ini)
    if pos < 0 or pos >= len(nuc):
        return False
    allowed = _tone_positions(nuc, bool(fin))
    if not allowed:
        return False
    # c, ch, p, t finals take only sắc or nặng
    if fin in ("c", "ch", "p", "t") and tones[0] not in ("\u0301", "\u0323"):
        return False
    return pos in allowed


def _tone_positions(nucleus: str, has_final: bool) -> set[int]:
    marked = [i for i, c in enumerate(nucleus) if c in _MARKED]
    if marked:
        return {marked[-1]}
    n = len(nucleus)
    if n == 1:
        return {0}
    if n == 3:
        return {1}
    if has_final:
        return {1}
    if nucleus in ("oa", "oe", "uy"):
        return {0, 1}  # hòa / hoà
    return {0}


_OLD_STYLE = re.compile(rf"^({_INITIALS})?(oa|oe|uy)$")


def modern_tone_placement(text: str) -> str:
    """Move the tone of open ``oa``/``oe``/``uy`` syllables from the second vowel
    to the first (``Khánh Hoà`` → ``Khánh Hòa``, ``Thuỷ`` → ``Thủy``), the spelling
    of the official lists of administrative units."""
    def fix(word: str) -> str:
        nfd = unicodedata.normalize("NFD", word)
        tones = [c for c in nfd if c in TONE_SET]
        if len(tones) != 1:
            return word
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONE_SET))
        m = _OLD_STYLE.match(base.lower())
        if not m or (m.group(1) or "").endswith("q"):
            return word
        # where is the tone now?
        chars = [unicodedata.normalize("NFD", c) for c in unicodedata.normalize("NFC", word)]
        toned = [i for i, c in enumerate(chars) if any(t in c for t in TONE_SET)]
        if not toned or toned[0] != len(base) - 1:
            return word  # already on the first vowel
        first = len(base) - 2
        out = list(base)
        out[first] = unicodedata.normalize("NFC", out[first] + tones[0])
        return "".join(out)

    if not text or not any(ord(c) > 0x7F for c in text):
        return text
    return re.sub(r"[^\W\d_]+", lambda m: fix(m.group()), text)


# --------------------------------------------------------------------------- #
# Clean-up
# --------------------------------------------------------------------------- #
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def clean_text(value, *, tone_style: bool = False):
    """NFC, no zero-width characters, whitespace (tabs, NBSP, runs) collapsed and
    stripped; optionally the modern tone placement.  Non-strings pass through."""
    if not isinstance(value, str):
        return value
    s = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    s = " ".join(s.split())
    if tone_style:
        s = modern_tone_placement(s)
    return s


def strip_diacritics(text: str) -> str:
    """ASCII folding for comparisons: ``Đông Triều`` → ``Dong Trieu``."""
    s = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in s if not unicodedata.combining(c))


def name_key(text) -> str:
    """A comparison key for names: no diacritics, no spaces or punctuation,
    lower case (``Thị trấn`` and ``Thịtrấn`` and ``thi tran`` agree)."""
    if text is None:
        return ""
    return re.sub(r"[\W_]+", "", strip_diacritics(text).lower())


# --------------------------------------------------------------------------- #
# Detection
# --------------------------------------------------------------------------- #
@dataclass
class EncodingGuess:
    encoding: str
    label: str
    score: float            # share of non-ASCII words that decode to valid syllables
    samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"encoding": self.encoding, "label": self.label,
                "score": round(self.score, 3), "samples": self.samples}


LEGACY_CANDIDATES = ("utf-8", "cp1258", "tcvn3", "vni")


def _words(raw: bytes) -> list[bytes]:
    """Words of a raw value that contain a non-ASCII byte (the only ones that
    tell encodings apart).  Split on ASCII separators, the same in all four."""
    return [w for w in re.split(rb"[\x00-\x20\-_/,.;:()\[\]'\"0-9]+", raw)
            if w and any(b > 0x7F for b in w)]


def score_decoding(raw_values: list[bytes], encoding: str) -> float:
    words = [w for v in raw_values for w in _words(v)]
    if not words:
        return 1.0
    good = 0
    for w in words:
        try:
            text = decode_bytes(w, encoding) if encoding != "utf-8" else w.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if "\ufffd" in text:
            continue
        if is_vietnamese_syllable(unicodedata.normalize("NFC", text)):
            good += 1
    return good / len(words)


def detect_encoding(raw_values: list[bytes], *, sample_for=None, max_values: int = 3000
                    ) -> tuple[str, list[EncodingGuess]]:
    """Guess the encoding of raw text values (bytes).

    Returns the best encoding and every candidate with its score and a few
    decoded samples (``sample_for``: the raw values to show; default the first
    ones with non-ASCII bytes).  Pure ASCII and valid UTF-8 are decided at once.
    """
    values = [v for v in raw_values if v]
    distinct = list(dict.fromkeys(values))[:max_values]
    non_ascii = [v for v in distinct if any(b > 0x7F for b in v)]
    show = list(sample_for if sample_for is not None else (non_ascii or distinct))[:8]
    guesses: list[EncodingGuess] = []
    for enc in LEGACY_CANDIDATES:
        if enc == "utf-8":
            try:
                for v in non_ascii:
                    v.decode("utf-8")
                score = 1.0
            except UnicodeDecodeError:
                score = 0.0
        else:
            score = score_decoding(non_ascii, enc) if non_ascii else 0.0
        samples = []
        for v in show:
            try:
                samples.append(clean_text(decode_bytes(v, enc)))
            except Exception:  # noqa: BLE001 - a sample is only a preview
                samples.append(clean_text(v.decode("latin-1")))
        guesses.append(EncodingGuess(enc, ENCODINGS[enc], score, samples))
    if not non_ascii:
        return "utf-8", guesses
    utf8 = guesses[0]
    if utf8.score == 1.0:
        return "utf-8", guesses
    best = max(guesses[1:], key=lambda g: g.score)  # ties: the first in order
    return best.encoding, guesses


def looks_mojibake(values: list[str]) -> bool:
    """True when Unicode text is probably legacy bytes shown as Latin-1/CP1252
    (``B×nh Khª``, ``BÃ¬nh``): all non-ASCII characters are in U+0080..U+00FF
    and most non-ASCII words are not Vietnamese."""
    text_values = [v for v in values if isinstance(v, str) and any(ord(c) > 0x7F for c in v)]
    if not text_values:
        return False
    if any(ord(c) > 0xFF and c not in "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
           "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122"
           "\u0161\u203a\u0153\u017e\u0178"
           for v in text_values for c in v):
        return False
    words = [w for v in text_values for w in _WORD_SPLIT.split(v) if any(ord(c) > 0x7F for c in w)]
    if not words:
        return False
    good = sum(is_vietnamese_syllable(w) for w in words)
    return good / len(words) < 0.5


def text_to_bytes(value: str) -> bytes:
    """The bytes a legacy string was read from (Latin-1, else CP1252)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("cp1252")
