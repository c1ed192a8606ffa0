"""Tables as files: CSV (UTF-8 with BOM, so Excel shows the diacritics), Excel (.xlsx,
openpyxl) and GeoJSON of the areas with their figures.

Headers are the Vietnamese (or English) labels of :mod:`geo.i18n`
(:func:`geo.export.column_label`); :func:`header_map` gives the way back, so a
file read again maps onto the same columns.  Numbers are written as numbers
(no thousands separators, ``.`` decimals in CSV; numeric cells in Excel), nulls
as empty cells.
"""
from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import shapely

from .. import areas, cellsafe
from . import column_label

BOM = "\ufeff"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_MIME = "application/geo+json"
PNG_MIME = "image/png"
PDF_MIME = "application/pdf"
MAX_SHEET_NAME = 31


def headers(columns: Sequence[str], lang: str = "vi") -> list[str]:
    """The label of each column; a label shared by two columns gets the column name added."""
    labels = [column_label(c, lang) for c in columns]
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    return [lab if seen[lab] == 1 else f"{lab} [{c}]" for lab, c in zip(labels, columns)]


def header_map(columns: Sequence[str], lang: str = "vi") -> dict[str, str]:
    """{header label: column name}: to read a written file back."""
    return dict(zip(headers(columns, lang), columns))


def labelled(df: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """``df`` with its columns renamed to their labels."""
    out = df.copy()
    out.columns = headers([str(c) for c in df.columns], lang)
    return out


def csv_bytes(df: pd.DataFrame, lang: str = "vi", *, label: bool = True) -> bytes:
    """The table as CSV, UTF-8 with BOM, with labelled headers; text that a spreadsheet
    would run as a formula is neutralised (:mod:`geo.cellsafe`)."""
    out = labelled(df, lang) if label else df
    return cellsafe.csv_bytes(out)


def _cell(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def xlsx_bytes(tables: pd.DataFrame | Mapping[str, pd.DataFrame], lang: str = "vi", *,
               title: str | None = None, label: bool = True) -> bytes:
    """One sheet per table (a DataFrame, or {sheet name: DataFrame}), formulas neutralised
    (:mod:`geo.cellsafe`), labelled bold header
    row frozen, columns sized to their text; ``title`` (optional) goes in the workbook's
    properties."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if isinstance(tables, pd.DataFrame):
        tables = {"Số liệu" if lang != "en" else "Figures": tables}
    wb = Workbook()
    wb.remove(wb.active)
    if title:
        wb.properties.title = title
    wb.properties.creator = "ANTT Atlas"
    used: set[str] = set()
    for name, df in tables.items():
        sheet = _sheet_name(str(name), used)
        ws = wb.create_sheet(sheet)
        cols = [str(c) for c in df.columns]
        heads = headers(cols, lang) if label else cols
        ws.append(cellsafe.row(heads))
        for row in df.itertuples(index=False, name=None):
            ws.append(cellsafe.row(_cell(v) for v in row))
        bold = Font(bold=True, color="FFFFFF")
        fill = PatternFill("solid", fgColor="1F4E79")
        for c in ws[1]:
            c.font = bold
            c.fill = fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.freeze_panes = "A2"
        for i, (h, col) in enumerate(zip(heads, cols), start=1):
            width = max([len(str(h))] + [len(str(v)) for v in df[col].head(500).tolist()])
            ws.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 50)
        for i, col in enumerate(cols, start=1):
            if pd.api.types.is_float_dtype(df[col]):
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "#,##0.0#"
            elif pd.api.types.is_integer_dtype(df[col]):
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "#,##0"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    base = "".join("_" if ch in bad else ch for ch in name).strip("'")[:MAX_SHEET_NAME] or "Sheet"
    out, n = base, 2
    while out.lower() in used:
        suffix = f" ({n})"
        out = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    used.add(out.lower())
    return out


def read_csv(data: bytes, columns: Sequence[str] | None = None, lang: str = "vi") -> pd.DataFrame:
    """A CSV written by :func:`csv_bytes`, back as a DataFrame (headers mapped back to the
    column names when ``columns`` is given)."""
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"Mã": str, "Code": str})
    if columns is not None:
        df = df.rename(columns=header_map(columns, lang))
    return df


def read_xlsx(data: bytes, columns: Sequence[str] | None = None, lang: str = "vi",
              sheet: str | int = 0) -> pd.DataFrame:
    df = pd.read_excel(io.BytesIO(data), sheet_name=sheet, engine="openpyxl")
    if columns is not None:
        df = df.rename(columns=header_map(columns, lang))
    return df


def geojson_bytes(db, set_id: int, df: pd.DataFrame, *, simple: bool = False, precision: int = 6,
                  extra: Mapping | None = None) -> bytes:
    """The areas of ``df`` (rows with a ``code`` of ``set_id``, e.g. an area_stats frame) as
    a GeoJSON FeatureCollection (WGS84 lon/lat) with every column of ``df`` as properties
    (column names, not labels: GIS tools want stable field names).  ``simple``: the map
    geometry instead of the full one.  ``extra``: members added to the collection (e.g.
    the period and boundary set)."""
    codes = df["code"].astype(str).tolist()
    gdf = areas.load_areas(db, set_id, simple=simple, codes=codes)
    arr = shapely.set_precision(np.asarray(gdf.geometry.values, dtype=object), 10.0 ** -precision)
    texts = shapely.to_geojson(arr)
    geoms = {c: (None if g is None or shapely.is_empty(g) else tx) for c, g, tx in zip(gdf["code"], arr, texts)}
    features = []
    for row in df.to_dict("records"):
        gj = geoms.get(str(row["code"]))
        geometry = None if gj is None else json.loads(gj)
        features.append({"type": "Feature", "id": str(row["code"]),
                         "properties": {str(k): _cell(v) for k, v in row.items()},
                         "geometry": geometry})
    fc = {"type": "FeatureCollection", **({k: _cell(v) for k, v in (extra or {}).items()}), "features": features}
    return json.dumps(fc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
