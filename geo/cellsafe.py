"""Spreadsheet cells that cannot turn into formulas (CSV/Excel "formula injection").

Every CSV or Excel file the app or the CLI writes goes through this module: a
text cell that a spreadsheet would read as a formula (it starts, perhaps after
spaces, with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed)
is written with a leading apostrophe, the OWASP-recommended neutralisation: Excel
and LibreOffice then show the text, never evaluate it.  Numbers (int/float
values) are left alone, and so is text that is only a number (``-12``,
``+3,5``): a spreadsheet reads it as that number, which runs nothing.

- :func:`neutralise` — one value;
- :func:`frame` — a DataFrame (cells and column headers);
- :func:`csv_bytes` — a DataFrame as CSV bytes (UTF-8 with BOM), neutralised;
- :func:`rows` — rows of values for openpyxl, neutralised and written as text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# full-width = + - @ too: some spreadsheet locales normalise them to the ASCII ones
_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?\s*$")
PREFIX = "'"


def is_dangerous(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or DDE command)?"""
    if not text:
        return False
    stripped = text.lstrip(" \u00a0")
    if not stripped:
        return False
    if stripped[0] not in TRIGGERS:
        return False
    return not _NUMBER.match(text)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: dangerous text gets a leading ``'``;
    anything else (numbers, dates, None, safe text) is returned as is."""
    if isinstance(value, str) and is_dangerous(value):
        return PREFIX + value
    return value


def frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell and every column header neutralised."""
    out = df.copy()
    out.columns = [neutralise(str(c)) if not isinstance(c, str) else neutralise(c) for c in df.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype) or \
                isinstance(col.dtype, pd.CategoricalDtype):
            out.isetitem(i, col.astype(object).map(neutralise))
    return out


def csv_bytes(df: pd.DataFrame, *, bom: bool = True, lineterminator: str = "\r\n") -> bytes:
    """``df`` as CSV (UTF-8, with a BOM so Excel shows the diacritics), formulas neutralised."""
    text = frame(df).to_csv(index=False, lineterminator=lineterminator)
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def write_csv(df: pd.DataFrame, stream) -> None:
    """``df`` as CSV text onto ``stream`` (e.g. stdout), formulas neutralised."""
    frame(df).to_csv(stream, index=False)


def row(values: Sequence[Any] | Iterable[Any]) -> list[Any]:
    """One spreadsheet row (for ``openpyxl``'s ``ws.append``), neutralised."""
    return [neutralise(v) for v in values]


def text_cells(ws) -> None:
    """Mark every text cell of an openpyxl worksheet as a string, never a formula.

    openpyxl stores a value starting with ``=`` as a formula; after :func:`row` no
    written value starts with one, and this makes sure of it for cells set directly."""
    for r in ws.iter_rows():
        for c in r:
            if isinstance(c.value, str) and (c.data_type == "f" or is_dangerous(c.value)):
                c.value = neutralise(c.value)
                c.data_type = "s"
