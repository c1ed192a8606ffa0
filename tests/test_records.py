"""Records in from files and forms: reading, row checks, idempotent upsert, audit, placement."""
from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from geo import areas, audit, records, stats, store, templates
from geo.periods import Period, parse_date

TODAY = dt.date(2026, 11, 20)
MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def admins(db, *names):
    """Accounts for the names a test acts as (writes need a known user)."""
    from geo import auth
    for n in names:
        if auth.get_user(db, n) is None:
            auth.create_user(db, n, "mat-khau-thu", "admin")


def imp(db, kind, data, **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("file_name", "test.csv")
    return records.import_records(db, kind, data, **kw)


def dump(db) -> str:
    return "\n".join(db.conn.iterdump())


def areas_of(db, kind, rid) -> dict[int, tuple[str, str]]:
    return {s: (c, m) for s, c, m in db.conn.execute(
        "SELECT set_id, code, method FROM record_areas WHERE kind = ? AND record_id = ?", (kind, rid))}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in d[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
        other = "".join(m for m in d[1:] if m not in tones)
        out.append((unicodedata.normalize("NFC", d[0] + other) + tones).encode("cp1258"))
    return b"".join(out)


INCIDENTS = """Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ,Mã địa bàn,Mô tả
n1,05/03/2026,Hình sự,106.02,21.02,,Trộm cắp tài sản
n2,2026-03-06,ma_tuy,106.12,21.12,,
n3,2026-03-07 14:30,Criminal,106.17,21.17,,Có giờ
"""


# --- reading -----------------------------------------------------------------

def test_headers_are_matched_without_case_or_diacritics():
    cols, ignored = records.map_columns("incidents", ["MA VU VIEC", "ngày XẢY RA", "loai vu viec", "KINH DO",
                                                      "vĩ độ", "Mã  địa-bàn", "mô tả", "Cột lạ", "Lỗi"])
    assert cols == {"id": 0, "occurred_on": 1, "category": 2, "lon": 3, "lat": 4, "area_code": 5,
                    "description": 6}
    assert ignored == ["Cột lạ", "Lỗi"]
    cols, _ = records.map_columns("groups", ["Mã tổ", "Tên tổ", "Loại mô hình", "Mã thôn", "Ngày thành lập",
                                             "Ngày giải thể", "Số thành viên", "Tổ trưởng", "Lực lượng nòng cốt"])
    assert list(cols) == ["id", "name", "model_type", "village_code", "founded_on", "dissolved_on",
                          "members", "leader", "core_force"]
    # the stored field names themselves
    cols, _ = records.map_columns("cameras", ["id", "lon", "lat", "installed_on", "removed_on", "owner",
                                              "radius_m", "connected_to_police"])
    assert len(cols) == 8


def test_import_with_aliases_labels_and_dates(tiny):
    db = tiny["db"]
    data = csv_bytes("MÃ VỤ VIỆC;ngay xay ra;Loại;Kinh do;Vi do\n"
                     "a1;05/03/2026;HÌNH SỰ;106,02;21,02\n"
                     "a2;5/3/2026;hinh su;106.07;21.02\n"
                     "a3;2026-03-05 08:15;Drugs;106.12;21.02\n"
                     "a4;05-03-2026;Cháy, nổ;106.12;21.12\n")
    r = imp(db, "incidents", data)
    assert (r.inserted, r.rejected, r.errors) == (4, 0, [])
    got = {x["id"]: x for x in records.list_records(db, "incidents").to_dict("records")}
    assert got["a1"]["occurred_on"] == "2026-03-05" and got["a1"]["category"] == "hinh_su"
    assert got["a1"]["lon"] == 106.02 and got["a1"]["lat"] == 21.02
    assert got["a2"]["occurred_on"] == "2026-03-05" and got["a2"]["category"] == "hinh_su"
    assert got["a3"]["occurred_on"] == "2026-03-05 08:15" and got["a3"]["category"] == "ma_tuy"
    assert got["a4"]["category"] == "chay_no"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258", "utf-16"])
def test_csv_encodings(tiny, encoding):
    db = tiny["db"]
    text = INCIDENTS
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    if encoding == "cp1258":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    raw = records.read_table(data, "incidents")
    assert raw.headers[0] == "Mã vụ việc" and unicodedata.is_normalized("NFC", raw.headers[2])
    r = imp(db, "incidents", data)
    assert (r.inserted, r.rejected) == (3, 0), r.errors
    assert records.get_record(db, "incidents", "n1")["description"] == "Trộm cắp tài sản"


def test_header_below_a_title_and_blank_rows_keep_spreadsheet_row_numbers(tiny):
    data = csv_bytes("Danh sách vụ việc tháng 3\n\n" + INCIDENTS.replace("n2,2026-03-06", "\nn2,2030-03-06"))
    r = imp(tiny["db"], "incidents", data)
    # title = row 1, blank = row 2, header = row 3, n1 = row 4, blank row 5, n2 = row 6
    assert r.errors == [{"row": 6, "column": "Ngày xảy ra",
                         "message": "Ngày xảy ra 06/03/2030 ở tương lai (sau ngày 20/11/2026)"}]
    assert r.inserted == 2


def test_xlsx_from_the_template(tiny):
    db = tiny["db"]
    wb = openpyxl.load_workbook(io.BytesIO(templates.template_xlsx("groups")))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:4] == ["Mã tổ", "Tên tổ", "Loại mô hình", "Mã thôn"]
    ws.append(["G10", "Tổ tự quản số 10", "Tổ nhân dân tự quản ANTT", "C11V0", dt.datetime(2024, 5, 1),
               None, 12, "Nguyễn Văn A", "Hội Cựu chiến binh", 4])
    ws.append([])
    ws.append([1234.0, "Đội dân phòng", "Đội dân phòng, PCCC", "C11V1", "01/02/2023", None, -3, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = imp(db, "groups", buf.getvalue(), file_name="to.xlsx")
    assert r.inserted == 1
    assert r.errors == [{"row": 4, "column": "Số thành viên", "message": "Số thành viên không được âm"}]
    g = records.get_record(db, "groups", "G10")
    assert (g["model_type"], g["founded_on"], g["members"], g["core_force"], g["core_members"]) == \
        ("to_tu_quan_antt", "2024-05-01", 12, "ccb", 4)
    # a whole-number id typed as a number in Excel is read as "1234", not "1234.0"
    assert r.rejected_rows[records.ERROR_COLUMN].tolist() == ["Số thành viên: Số thành viên không được âm"]
    assert str(r.rejected_rows["Mã tổ"].iloc[0]) == "1234"
    # the new group covers C11V0 from 2024
    s = {x["code"]: x for x in stats.area_stats(db, tiny["villages"], MARCH).to_dict("records")}
    assert s["C11V0"]["villages_covered"] == 1


def test_template_has_drop_down_lists():
    wb = openpyxl.load_workbook(io.BytesIO(templates.template_xlsx("incidents")))
    ws = wb.worksheets[0]
    lists = wb[templates.LIST_SHEET]
    assert lists.sheet_state == "hidden"
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    cat = dvs["C2:C5001"]
    assert cat.type == "list" and cat.formula1.startswith(templates.LIST_SHEET + "!")
    assert [c.value for c in lists["A"]][1:4] == ["Hình sự", "Ma túy", "Tệ nạn xã hội"]
    wb = openpyxl.load_workbook(io.BytesIO(templates.template_xlsx("cameras")))
    dvs = [dv for dv in wb.worksheets[0].data_validations.dataValidation if dv.type == "list"]
    assert dvs and dvs[0].formula1 == '"Có,Không"'
    assert templates.template_csv("incidents").startswith(b"\xef\xbb\xbfM\xc3\xa3 v\xe1\xbb\xa5 vi\xe1\xbb\x87c,")


def test_cameras_booleans_defaults_and_decimal_comma(tiny):
    db = tiny["db"]
    data = csv_bytes('Mã camera,Kinh độ,Vĩ độ,Ngày lắp đặt,Kết nối với Công an,Bán kính (m)\n'
                     'c1,"106,07","21,05",01/01/2025,Có,\n'
                     'c2,106.15,21.05,2025-01-01,không,80\n'
                     'c3,106.15,21.15,2025-01-01,x,0\n'
                     'c4,106.15,21.15,2025-01-01,maybe,30\n')
    r = imp(db, "cameras", data)
    assert r.inserted == 2
    assert [(e["row"], e["column"]) for e in r.errors] == [(4, "Bán kính (m)"), (5, "Kết nối với Công an")]
    c1 = records.get_record(db, "cameras", "c1")
    assert (c1["lon"], c1["lat"], c1["connected_to_police"], c1["radius_m"]) == (106.07, 21.05, 1, 50.0)
    c2 = records.get_record(db, "cameras", "c2")
    assert (c2["connected_to_police"], c2["radius_m"]) == (0, 80.0)
    assert areas_of(db, "camera", "c1")[tiny["villages"]] == ("C00V1", "point")


# --- row checks ---------------------------------------------------------------

def test_every_incident_rule(tiny):
    data = csv_bytes(
        "Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ,Mã địa bàn\n"
        "r2,31/02/2026,hinh_su,106.02,21.02,\n"       # no such day
        "r3,hôm qua,hinh_su,106.02,21.02,\n"          # not a date
        "r4,2026-12-01,hinh_su,106.02,21.02,\n"       # future
        "r5,2026-03-01,trộm chó,106.02,21.02,\n"      # unknown category: kept as khác, warned
        "r6,2026-03-01,hinh_su,21.02,106.02,\n"       # swapped
        "r7,2026-03-01,hinh_su,2.35,48.85,\n"         # Paris
        "r8,2026-03-01,hinh_su,,,ZZZ\n"               # unknown area code
        "r9,2026-03-01,hinh_su,106.02,,\n"            # half a point
        "r10,2026-03-01,hinh_su,,,\n"                 # nowhere
        "r11,2026-03-01,hinh_su,abc,21.02,\n"         # not a number
        ",2026-03-01,hinh_su,106.02,21.02,\n"         # no id
        "r13,2026-03-01,,106.02,21.02,\n"             # no category
        "dup,2026-03-01,hinh_su,106.02,21.02,\n"
        "ok,2026-03-01,hinh_su,106.02,21.02,\n"
        "dup,2026-03-02,hinh_su,106.02,21.02,\n")
    r = imp(tiny["db"], "incidents", data)
    got = {(e["row"], e["column"]): e["message"] for e in r.errors}
    assert got[(2, "Ngày xảy ra")] == "Ngày xảy ra '31/02/2026' không hợp lệ (dùng dd/mm/yyyy hoặc yyyy-mm-dd)"
    assert got[(3, "Ngày xảy ra")].startswith("Ngày xảy ra 'hôm qua' không hợp lệ")
    assert got[(4, "Ngày xảy ra")] == "Ngày xảy ra 01/12/2026 ở tương lai (sau ngày 20/11/2026)"
    assert (5, "Loại vụ việc") not in got        # issue 11: counted as "khác", never a rejected row
    assert r.row_warnings == [{"row": 5, "column": "Loại vụ việc", "message":
                               "Loại vụ việc 'trộm chó' không có trong danh mục: tính là 'Khác', giữ nguyên văn bản gốc"}]
    r5 = records.get_record(tiny["db"], "incidents", "r5")
    assert (r5["category"], r5["category_original"]) == ("khac", "trộm chó")
    assert got[(6, "Kinh độ")] == ("Kinh độ và vĩ độ có vẻ bị đảo (kinh độ 21.02, vĩ độ 106.02): "
                                   "hãy đổi chỗ hai giá trị")
    assert got[(7, "Kinh độ")].startswith("Tọa độ (2.35, 48.85) nằm ngoài Việt Nam")
    assert got[(8, "Mã địa bàn")] == "Mã địa bàn 'ZZZ' không có trong bộ ranh giới nào"
    assert got[(9, "Vĩ độ")] == "Thiếu vĩ độ (đã có kinh độ)"
    assert got[(10, "Kinh độ")] == "Thiếu vị trí: cần kinh độ và vĩ độ, hoặc mã địa bàn"
    assert got[(11, "Kinh độ")] == "Kinh độ 'abc' không phải là số"
    assert got[(12, "Mã vụ việc")] == "Thiếu mã vụ việc"
    assert got[(13, "Loại vụ việc")] == "Thiếu loại vụ việc"
    assert got[(14, "Mã vụ việc")] == "Mã 'dup' bị trùng trong tệp (cũng ở dòng 16)"
    assert got[(16, "Mã vụ việc")] == "Mã 'dup' bị trùng trong tệp (cũng ở dòng 14)"
    assert r.inserted == 2 and r.rejected == 13
    assert records.get_record(tiny["db"], "incidents", "dup") is None
    # errors come sorted by row, then by column order
    assert [e["row"] for e in r.errors] == sorted(e["row"] for e in r.errors)


def test_every_group_rule(tiny):
    data = csv_bytes(
        "Mã tổ,Tên tổ,Loại mô hình,Mã thôn,Ngày thành lập,Ngày giải thể,Số thành viên,Số người nòng cốt\n"
        "t2,Tổ A,không biết,C00V0,2020-01-01,,10,2\n"     # unknown model type
        "t3,Tổ B,to_tu_quan_antt,XX9,2020-01-01,,10,2\n"  # unknown village
        "t4,Tổ C,to_tu_quan_antt,C00V0,2021-01-01,2020-01-01,10,2\n"  # dissolved before founded
        "t5,Tổ D,to_tu_quan_antt,C00V0,2020-01-01,,-1,2\n"  # negative members
        "t6,Tổ E,to_tu_quan_antt,C00V0,2020-01-01,,2.5,-2\n"  # not whole, negative core
        "t7,,to_tu_quan_antt,C00V0,2020-01-01,,,\n"       # no name
        "t8,Tổ G,Đội dân phòng, PCCC,C00V0,2020-01-01,,,\n"  # unquoted comma: one cell too many
        "t9,Tổ H,to_tu_quan_antt,C00V1,2027-01-01,,,\n"   # founded in the future
        "ok,Tổ I,Người có uy tín,C00V1,01/01/2020,,5,1\n")
    r = imp(tiny["db"], "groups", data)
    got = {(e["row"], e["column"]): e["message"] for e in r.errors}
    assert got[(2, "Loại mô hình")].startswith("Loại mô hình 'không biết' không có trong danh mục")
    assert got[(3, "Mã thôn")] == "Mã thôn 'XX9' không có trong bộ ranh giới nào"
    assert got[(4, "Ngày giải thể")] == "Ngày giải thể trước ngày thành lập"
    assert got[(5, "Số thành viên")] == "Số thành viên không được âm"
    assert got[(6, "Số thành viên")] == "Số thành viên '2.5' phải là số nguyên"
    assert got[(6, "Số người nòng cốt")] == "Số người nòng cốt không được âm"
    assert got[(7, "Tên tổ")] == "Thiếu tên tổ"
    assert got[(8, "")].startswith("Dòng có nhiều ô hơn số cột của dòng tiêu đề")
    assert got[(9, "Ngày thành lập")].startswith("Ngày thành lập 01/01/2027 ở tương lai")
    assert (r.inserted, r.rejected) == (1, 8)
    assert records.get_record(tiny["db"], "groups", "ok")["model_type"] == "nguoi_co_uy_tin"


def test_camera_removed_before_installed(tiny):
    r = imp(tiny["db"], "cameras", csv_bytes("id,lon,lat,installed_on,removed_on\n"
                                             "c9,106.02,21.02,2025-05-01,2025-04-01\n"))
    assert r.errors == [{"row": 2, "column": "removed_on", "message": "Ngày tháo dỡ trước ngày lắp đặt"}]


def test_rejected_rows_file_can_be_fixed_and_uploaded_again(tiny):
    db = tiny["db"]
    data = csv_bytes(INCIDENTS + "n4,2026-03-08,hinh_su,21.05,106.05,,đảo\n")
    r = imp(db, "incidents", data)
    assert (r.inserted, r.rejected) == (3, 1)
    assert list(r.rejected_rows.columns) == ["Mã vụ việc", "Ngày xảy ra", "Loại vụ việc", "Kinh độ", "Vĩ độ",
                                             "Mã địa bàn", "Mô tả", "Lỗi"]
    out = templates.rejected_file(r, "csv")
    assert out.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(out), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert df["Lỗi"].iloc[0].startswith("Kinh độ: Kinh độ và vĩ độ có vẻ bị đảo")
    df[["Kinh độ", "Vĩ độ"]] = df[["Vĩ độ", "Kinh độ"]].to_numpy()    # the officer swaps them back
    r2 = imp(db, "incidents", df.to_csv(index=False).encode("utf-8-sig"))
    assert (r2.inserted, r2.rejected, r2.ignored_columns) == (1, 0, ["Lỗi"])
    xlsx = templates.rejected_file(r, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert ws["H1"].value == "Lỗi" and ws["A2"].value == "n4"


# --- unreadable files ---------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    (b"", "rỗng"),
    (b"   \n\n", "rỗng"),
    (b"\x00\x01\x02binary\x00" * 20, "không phải văn bản"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04 not really a zip", "Excel"),
    (b"foo,bar,baz\n1,2,3\n", "không tìm thấy dòng tiêu đề"),
    (b"Ma vu viec,Kinh do,Vi do\nx,106,21\n", "thiếu cột bắt buộc: Ngày xảy ra, Loại vụ việc"),
    (b"Ma vu viec,Ngay xay ra,Loai vu viec,Mo ta\nx,2026-01-01,hinh_su,a\n", "thiếu cột vị trí"),
])
def test_unreadable_files_are_refused_and_nothing_changes(tiny, content, message):
    db = tiny["db"]
    before = dump(db)
    with pytest.raises(records.RecordFileError, match=message):
        imp(db, "incidents", content)
    assert dump(db) == before


def test_missing_file(tiny, tmp_path):
    with pytest.raises(records.RecordFileError, match="không tìm thấy"):
        records.import_records(tiny["db"], "incidents", tmp_path / "nope.csv")


# --- idempotence, updates, dry run, audit ---------------------------------------

def test_same_file_twice_changes_nothing(tiny):
    db = tiny["db"]
    admins(db, 'can_bo_a')
    r1 = imp(db, "incidents", csv_bytes(INCIDENTS), user="can_bo_a")
    assert (r1.inserted, r1.updated, r1.unchanged) == (3, 0, 0)
    before, rev = dump(db), store.revision(db)
    r2 = imp(db, "incidents", csv_bytes(INCIDENTS), user="can_bo_a")
    assert (r2.inserted, r2.updated, r2.unchanged, r2.rejected) == (0, 0, 3, 0)
    assert dump(db) == before and store.revision(db) == rev
    # the first import is audited once, with the file's name, hash and counts
    log = audit.entries(db, action="import")
    assert len(log) == 1 and log["username"].iloc[0] == "can_bo_a"
    detail = json.loads(log["detail"].iloc[0])
    assert detail["inserted"] == 3 and detail["file"] == "test.csv" and len(detail["sha256"]) == 64


def test_changed_row_updates_and_is_audited(tiny):
    db = tiny["db"]
    admins(db, 'can_bo_b')
    imp(db, "incidents", csv_bytes(INCIDENTS))
    changed = INCIDENTS.replace("n2,2026-03-06,ma_tuy,106.12,21.12,,", "n2,2026-03-06,hinh_su,106.02,21.02,,sửa")
    rev = store.revision(db)
    r = imp(db, "incidents", csv_bytes(changed), user="can_bo_b")
    assert (r.inserted, r.updated, r.unchanged) == (0, 1, 2)
    assert r.changes == [{"id": "n2", "action": "update",
                          "fields": {"category": ["ma_tuy", "hinh_su"], "lon": [106.12, 106.02],
                                     "lat": [21.12, 21.02], "description": [None, "sửa"]}}]
    assert store.revision(db) == rev + 1
    log = audit.entries(db, target_kind="incidents", target_id="n2")
    assert list(log["action"]) == ["update"] and log["username"].iloc[0] == "can_bo_b"
    before, after = audit.decode(log["before"].iloc[0]), audit.decode(log["after"].iloc[0])
    assert (before["category"], after["category"]) == ("ma_tuy", "hinh_su")
    assert (before["description"], after["description"]) == (None, "sửa")
    # the record moved: its areas follow (C11V1 → C00V0)
    assert areas_of(db, "incident", "n2")[tiny["villages"]] == ("C00V0", "point")


def test_a_file_with_fewer_columns_updates_only_those(tiny):
    db = tiny["db"]
    imp(db, "groups", csv_bytes("Mã tổ,Tên tổ,Loại mô hình,Mã thôn,Số thành viên,Tổ trưởng\n"
                                "q1,Tổ Q,to_tu_quan_antt,C01V1,10,Bà Lan\n"))
    r = imp(db, "groups", csv_bytes("Mã tổ,Tên tổ,Loại mô hình,Số thành viên\nq1,Tổ Q,to_tu_quan_antt,11\n"))
    assert r.updated == 1 and r.changes[0]["fields"] == {"members": [10, 11]}
    g = records.get_record(db, "groups", "q1")
    assert (g["members"], g["leader"], g["village_code"]) == (11, "Bà Lan", "C01V1")


def test_dry_run_shows_the_changes_and_writes_nothing(tiny):
    db = tiny["db"]
    imp(db, "incidents", csv_bytes(INCIDENTS))
    before = dump(db)
    data = INCIDENTS.replace("Trộm cắp tài sản", "Cướp giật") + "n9,2026-03-09,hinh_su,106.02,21.02,,mới\n"
    r = imp(db, "incidents", csv_bytes(data), dry_run=True)
    assert (r.dry_run, r.inserted, r.updated, r.unchanged) == (True, 1, 1, 2)
    assert r.changes[0]["fields"] == {"description": ["Trộm cắp tài sản", "Cướp giật"]}
    assert dict(zip(r.actions["id"], r.actions["action"])) == {"n1": "updated", "n2": "unchanged",
                                                               "n3": "unchanged", "n9": "inserted"}
    assert dump(db) == before


def test_reimport_restores_a_soft_deleted_record(tiny):
    db = tiny["db"]
    admins(db, 'can_bo_a')
    imp(db, "incidents", csv_bytes(INCIDENTS))
    records.delete_record(db, "incidents", "n1", user="can_bo_a")
    r = imp(db, "incidents", csv_bytes(INCIDENTS))
    assert (r.updated, r.unchanged) == (1, 2) and r.changes[0]["action"] == "restore"
    assert records.get_record(db, "incidents", "n1")["deleted_at"] is None
    assert list(audit.entries(db, target_id="n1")["action"]) == ["restore", "delete"]
    assert areas_of(db, "incident", "n1")[tiny["villages"]] == ("C00V0", "point")


# --- places ---------------------------------------------------------------------

def test_points_outside_every_boundary_are_kept_and_flagged(tiny):
    db = tiny["db"]
    r = imp(db, "incidents", csv_bytes("id,occurred_on,category,lon,lat\n"
                                       "far,2026-03-01,hinh_su,108.2,16.05\n"
                                       "near,2026-03-01,hinh_su,106.02,21.02\n"))
    assert r.inserted == 2 and r.outside == ["far"]
    assert records.get_record(db, "incidents", "far")["lon"] == 108.2
    assert areas_of(db, "incident", "far") == {}
    assert set(areas_of(db, "incident", "near")) == {tiny["province"], tiny["old"], tiny["communes"],
                                                      tiny["villages"]}


def test_code_only_incidents_are_mapped_through_the_crosswalk(tiny):
    db = tiny["db"]
    r = imp(db, "incidents", csv_bytes("Mã vụ việc,Ngày xảy ra,Loại vụ việc,Mã địa bàn\n"
                                       "k1,2025-03-02,hinh_su,OC01V1\n"      # an old commune
                                       "k2,2026-03-02,hinh_su,C10\n"         # a current commune
                                       "k3,2026-03-02,hinh_su,C10V1\n"))     # a village
    assert r.inserted == 3 and r.outside == []
    k1 = areas_of(db, "incident", "k1")
    assert k1[tiny["old"]] == ("OC01V1", "code")
    assert k1[tiny["communes"]] == ("C01", "crosswalk") and k1[tiny["villages"]] == ("C01V1", "crosswalk")
    assert records.get_record(db, "incidents", "k1")["area_set_id"] == tiny["old"]
    k2 = areas_of(db, "incident", "k2")
    assert k2[tiny["communes"]] == ("C10", "code") and tiny["villages"] not in k2   # split between two villages
    assert areas_of(db, "incident", "k3")[tiny["villages"]] == ("C10V1", "code")


def test_a_new_boundary_set_places_imported_records(tiny):
    db = tiny["db"]
    imp(db, "incidents", csv_bytes(INCIDENTS))
    whole = gpd.GeoDataFrame({"code": ["W"], "name": ["Vùng"]},
                             geometry=[shapely.box(105.9, 20.9, 106.3, 21.3)], crs=4326)
    sid = areas.create_set(db, whole, name="Vùng", level="province", valid_from="2026-07-01")
    assert areas_of(db, "incident", "n3")[sid] == ("W", "point")


def test_bulk_import_places_every_point(tiny):
    db = tiny["db"]
    n = 5000
    rows = [f"b{i},2026-02-{i % 28 + 1:02d},hinh_su,{106.0 + (i % 200) / 1000 + 0.0005:.4f},"
            f"{21.0 + (i // 200) / 1000 * 7 + 0.0005:.4f}" for i in range(n)]
    r = imp(db, "incidents", csv_bytes("id,occurred_on,category,lon,lat\n" + "\n".join(rows)))
    assert (r.inserted, r.rejected, len(r.outside)) == (n, 0, 0)
    placed = db.conn.execute("SELECT count(*) FROM record_areas WHERE kind = 'incident' AND set_id = ? "
                             "AND record_id LIKE 'b%'", (tiny["villages"],)).fetchone()[0]
    assert placed == n


# --- forms ---------------------------------------------------------------------

def test_form_add_edit_delete_restore_are_audited(tiny):
    db = tiny["db"]
    admins(db, 'officer1', 'officer2', 'officer3')
    rec = records.add_record(db, "cameras", {"id": "f1", "lon": 106.02, "lat": 21.02,
                                             "installed_on": dt.date(2025, 1, 2), "connected_to_police": True},
                             user="officer1", today=TODAY)
    assert (rec["installed_on"], rec["connected_to_police"], rec["radius_m"]) == ("2025-01-02", 1, 50.0)
    assert areas_of(db, "camera", "f1")[tiny["villages"]] == ("C00V0", "point")
    with pytest.raises(records.RecordError, match="đã có"):
        records.add_record(db, "cameras", {"id": "f1", "lon": 106.02, "lat": 21.02}, today=TODAY)
    with pytest.raises(records.RecordError) as e:
        records.add_record(db, "cameras", {"id": "f2", "lon": 21.02, "lat": 106.02, "radius_m": -5}, today=TODAY)
    assert [x["column"] for x in e.value.errors] == ["Kinh độ", "Bán kính quan sát (m)"]

    after = records.update_record(db, "cameras", "f1", {"lon": 106.17, "lat": 21.17, "owner": "Hộ ông B"},
                                  user="officer2", today=TODAY)
    assert (after["lon"], after["owner"]) == (106.17, "Hộ ông B")
    assert areas_of(db, "camera", "f1")[tiny["villages"]] == ("C11V1", "point")
    with pytest.raises(records.RecordError, match="tương lai"):
        records.update_record(db, "cameras", "f1", {"removed_on": "2027-01-01"}, today=TODAY)
    with pytest.raises(records.RecordError, match="Ngày tháo dỡ trước ngày lắp đặt"):
        records.update_record(db, "cameras", "f1", {"removed_on": "01/01/2024"}, today=TODAY)
    rev = store.revision(db)
    assert records.update_record(db, "cameras", "f1", {"owner": "Hộ ông B"}, today=TODAY)["owner"] == "Hộ ông B"
    assert store.revision(db) == rev    # nothing changed, nothing written

    assert records.delete_record(db, "cameras", "f1", user="officer3", reason="lắp trùng") is True
    assert records.delete_record(db, "cameras", "f1") is False
    assert records.get_record(db, "cameras", "f1")["deleted_at"] is not None
    assert "f1" not in set(records.list_records(db, "cameras")["id"])
    assert areas_of(db, "camera", "f1") == {}
    with pytest.raises(records.RecordError, match="đã bị xóa"):
        records.update_record(db, "cameras", "f1", {"owner": "x"}, today=TODAY)
    assert records.restore_record(db, "cameras", "f1", user=None) is True
    assert areas_of(db, "camera", "f1")[tiny["villages"]] == ("C11V1", "point")

    log = audit.entries(db, target_kind="cameras", target_id="f1")
    assert list(log["action"]) == ["restore", "delete", "update", "create"]
    assert list(log["username"]) == ["system", "officer3", "officer2", "officer1"]
    upd = log[log["action"] == "update"].iloc[0]
    assert audit.decode(upd["before"])["owner"] is None and audit.decode(upd["after"])["owner"] == "Hộ ông B"
    assert log[log["action"] == "delete"]["detail"].iloc[0] == "lắp trùng"
    with pytest.raises(KeyError):
        records.delete_record(db, "cameras", "nope")


def test_form_edit_of_an_incident_changes_the_figures(tiny):
    db = tiny["db"]
    c00 = lambda: {r["code"]: r for r in stats.area_stats(db, tiny["communes"], MARCH).to_dict("records")}["C00"]  # noqa: E731
    n = c00()["incidents"]
    records.update_record(db, "incidents", "i1", {"occurred_on": "2026-04-02"}, today=TODAY)
    assert c00()["incidents"] == n - 1
    records.delete_record(db, "incidents", "i2")
    assert c00()["incidents"] == n - 2
    with pytest.raises(records.RecordError, match="Không được đổi mã"):
        records.update_record(db, "incidents", "i1", {"id": "other"}, today=TODAY)
    with pytest.raises(ValueError, match="trường không có"):
        records.update_record(db, "incidents", "i1", {"colour": "red"}, today=TODAY)


def test_audit_log_stays_append_only(tiny):
    db = tiny["db"]
    audit.log(db, user=None, action="test", target_kind="x", target_id="1", before={"a": 1}, after={"a": 2})
    with pytest.raises(Exception, match="append-only"):
        db.conn.execute("DELETE FROM audit_log")
    row = audit.entries(db, action="test").iloc[0]
    assert row["username"] == "system" and json.loads(row["after"]) == {"a": 2}
