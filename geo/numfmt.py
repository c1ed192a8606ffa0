"""Number formats shown to users (maps, tables, briefs)."""
from __future__ import annotations

import math
from typing import Any


def _is_number(v: Any) -> bool:
    if v is None or isinstance(v, bool):
        return False
    try:
        f = float(v)
    except (TypeError, ValueError):
        return False
    return math.isfinite(f)


def fmt_number(x: Any, decimals: int | None = None, lang: str = "vi") -> str:
    """Vietnamese number format: ``1.234``, ``1.234,5``, ``-0,25`` (``lang="en"``:
    ``1,234.5``; one format per language everywhere).

    ``decimals=None``: no decimals for whole numbers, else up to 2 (trailing
    zeros trimmed).  ``None``/NaN give ``"–"``.
    """
    if not _is_number(x):
        return "–"
    f = float(x)
    trim = decimals is None
    if decimals is None:
        decimals = 0 if f.is_integer() else 2
    s = f"{abs(f):,.{decimals}f}"
    dec = "." if lang == "en" else ","
    if lang != "en":
        s = s.replace(",", " ").replace(".", ",").replace(" ", ".")
    if trim and dec in s:
        s = s.rstrip("0").rstrip(dec)
    if f < 0 and s.strip("0.,") != "":
        s = "-" + s
    return s


def fmt_date(value: Any) -> str:
    """A date as ``dd/mm/yyyy`` (both languages); empty → ``"–"``."""
    import datetime as dt
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: Any) -> str:
    """A stored time (ISO 8601, with or without offset) in the machine's local time as
    ``dd/mm/yyyy HH:MM:SS``; a time without offset is taken as local already."""
    import datetime as dt
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if t.tzinfo is not None:
        t = t.astimezone()
    return t.strftime("%d/%m/%Y %H:%M:%S")


# Vietnamese numbers and dates in the charts (Vega's d3 locale)
VEGA_LOCALE_VI = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]},
    "time": {"dateTime": "%A, %e %B %Y, %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["SA", "CH"],
             "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
             "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
             "months": [f"Tháng {i}" for i in range(1, 13)],
             "shortMonths": [f"Th{i}" for i in range(1, 13)]},
}


def vega_locale(lang: str = "vi") -> dict | None:
    """The d3 locale of a chart in ``lang`` (``chart.configure(locale=...)``); None: Vega's own (English)."""
    return None if lang == "en" else VEGA_LOCALE_VI
