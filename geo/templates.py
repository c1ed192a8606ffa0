"""Files for officers: import templates and the rejected rows of an import.

- :func:`template_xlsx` — an Excel workbook with the Vietnamese column names,
  drop-down lists for the vocabularies (categories, model types, yes/no), a
  guide sheet, and the date columns formatted dd/mm/yyyy;
- :func:`template_csv` — the header line alone, UTF-8 with BOM (Excel opens it
  with the diacritics right);
- :func:`rejected_file` — the rows an import refused, with the input's own
  columns plus ``Lỗi``, as CSV (UTF-8 with BOM) or XLSX, to fix and upload again
  (the ``Lỗi`` column is ignored on re-import).
"""
from __future__ import annotations

import io

import pandas as pd

from . import cellsafe, records

TEMPLATE_ROWS = 5000          # rows the drop-downs and formats cover
LIST_SHEET = "DanhMuc"        # hidden sheet holding the drop-down values
GUIDE_SHEET = "Hướng dẫn"
YES_NO = ("Có", "Không")
_TYPE_HELP = {
    "id": "văn bản, duy nhất trong tệp",
    "text": "văn bản",
    "code": "mã trong bộ ranh giới",
    "vocab": "chọn trong danh sách",
    "date": "dd/mm/yyyy hoặc yyyy-mm-dd",
    "datetime": "dd/mm/yyyy hoặc yyyy-mm-dd, có thể kèm giờ HH:MM",
    "lon": "số thập phân (độ), 102,1–117,8",
    "lat": "số thập phân (độ), 8,2–23,4",
    "float": "số",
    "int": "số nguyên ≥ 0",
    "bool": "Có / Không",
}


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(i)


def template_xlsx(kind: str, lang: str = "vi") -> bytes:
    """An empty import workbook for ``kind`` with drop-down lists; returns the .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = records.kind_spec(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = spec.vi[:31] if lang != "en" else spec.en[:31]
    lists = wb.create_sheet(LIST_SHEET)
    guide = wb.create_sheet(GUIDE_SHEET)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="1F4E79")
    req_fill = PatternFill("solid", fgColor="C00000")
    last = TEMPLATE_ROWS + 1
    list_col = 0
    for i, f in enumerate(spec.fields, start=1):
        letter = _col(i)
        cell = ws.cell(row=1, column=i, value=f.label(lang))
        cell.font = head_font
        cell.fill = req_fill if f.required else head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        help_text = f.hint or _TYPE_HELP.get(f.type, "")
        cell.comment = Comment(("Bắt buộc. " if f.required else "") + help_text, "ANTT Atlas")
        ws.column_dimensions[letter].width = max(14, min(40, len(f.vi) + 6))
        rng = f"{letter}2:{letter}{last}"
        dv = None
        if f.type == "vocab":
            list_col += 1
            lc = _col(list_col)
            lists.cell(row=1, column=list_col, value=f.vi)
            terms = list(f.vocab)
            for r, t in enumerate(terms, start=2):
                lists.cell(row=r, column=list_col, value=t.label(lang))
            dv = DataValidation(type="list", formula1=f"{LIST_SHEET}!${lc}$2:${lc}${len(terms) + 1}",
                                allow_blank=not f.required, showDropDown=False)
            dv.error = f"Chọn {f.vi.lower()} trong danh sách"
        elif f.type == "bool":
            dv = DataValidation(type="list", formula1='"' + ",".join(YES_NO) + '"', allow_blank=True)
            dv.error = "Chọn Có hoặc Không"
        elif f.type in ("lon", "lat"):
            lo, hi = records.VN_LON if f.type == "lon" else records.VN_LAT
            dv = DataValidation(type="decimal", operator="between", formula1=str(lo), formula2=str(hi),
                                allow_blank=True, errorStyle="warning")
            dv.error = f"{f.vi} của Việt Nam nằm trong khoảng {lo}–{hi}; kiểm tra xem có bị đảo kinh độ/vĩ độ"
        elif f.type == "int":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                errorStyle="warning")
            dv.error = f"{f.vi} phải là số nguyên không âm"
        elif f.type == "float":
            dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                                errorStyle="warning")
            dv.error = f"{f.vi} phải lớn hơn 0"
        if dv is not None:
            dv.errorTitle = f.vi
            dv.showErrorMessage = True
            dv.add(rng)
            ws.add_data_validation(dv)
        # column formats (new cells take them): dates as dd/mm/yyyy, codes as text (keeps leading zeros)
        if f.type in ("date", "datetime"):
            ws.column_dimensions[letter].number_format = "DD/MM/YYYY"
        elif f.type in ("id", "code"):
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    lists.sheet_state = "hidden"
    guide.append(["Cột", "Bắt buộc", "Định dạng / giá trị", "Tên khác được chấp nhận"])
    for c in guide[1]:
        c.font = Font(bold=True)
    for f in spec.fields:
        values = ", ".join(t.vi for t in f.vocab) if f.type == "vocab" else (f.hint or _TYPE_HELP.get(f.type, ""))
        guide.append([f.vi, "có" if f.required else "", values, ", ".join([f.name, f.en, *f.aliases])])
    guide.append([])
    guide.append(["Mỗi dòng là một bản ghi; nhập lại cùng tệp không tạo bản ghi trùng (theo mã). "
                  "Dòng có lỗi được trả lại kèm cột “Lỗi” để sửa và tải lên lại."])
    for letter, w in zip("ABCD", (24, 10, 60, 60)):
        guide.column_dimensions[letter].width = w
    for sheet in (ws, lists, guide):
        cellsafe.text_cells(sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv(kind: str, lang: str = "vi") -> bytes:
    """The header line for ``kind`` as CSV, UTF-8 with BOM."""
    spec = records.kind_spec(kind)
    return cellsafe.csv_bytes(pd.DataFrame(columns=[f.label(lang) for f in spec.fields]), lineterminator="\n")


def table_bytes(df: pd.DataFrame, fmt: str = "csv", *, sheet: str = "Dữ liệu",
                highlight: str | None = None) -> bytes:
    """A table as CSV (UTF-8 with BOM) or XLSX bytes; ``highlight`` names a column shown in red.
    Text a spreadsheet would run as a formula is neutralised (:mod:`geo.cellsafe`)."""
    if fmt == "csv":
        return cellsafe.csv_bytes(df, lineterminator="\n")
    if fmt != "xlsx":
        raise ValueError(f"định dạng không hỗ trợ: {fmt}")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    cols = [str(c) for c in df.columns]
    ws.append(cellsafe.row(cols))
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append(cellsafe.row(None if (v is None or (isinstance(v, float) and v != v)) else v for v in row))
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[_col(i)].width = max(12, min(60, len(c) + 4))
        if c == highlight:
            ws.column_dimensions[_col(i)].width = 60
            for r in range(1, ws.max_row + 1):
                ws.cell(row=r, column=i).font = Font(bold=r == 1, color="C00000")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rejected_file(result, fmt: str = "csv") -> bytes:
    """The rejected rows of an import (an :class:`~geo.records.ImportResult` or its
    ``rejected_rows`` frame): the input's columns plus ``Lỗi``."""
    df = result.rejected_rows if hasattr(result, "rejected_rows") else result
    return table_bytes(df, fmt, sheet="Dòng bị từ chối", highlight=records.ERROR_COLUMN)
