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


def fmt_number(x: Any, decimals: int | None = None) -> str:
    """Vietnamese number format: ``1.234``, ``1.234,5``, ``-0,25``.

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
    s = s.replace(",", " ").replace(".", ",").replace(" ", ".")
    if trim and "," in s:
        s = s.rstrip("0").rstrip(",")
    if f < 0 and s.strip("0.,") != "":
        s = "-" + s
    return s
