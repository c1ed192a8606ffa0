"""Issue 11 item 5: core force ("lực lượng nòng cốt") is an organisation; unknown incident
categories count as "khác".

Before the fix the core-force column was read as a number, so a group file with "CCB",
"Phụ nữ", "Thanh niên" in it lost most rows, and an incident file with "Đánh bạc" as a
category had that row rejected although the README promised "khác"."""
import datetime as dt
import json
import subprocess
import sys

import pytest

from geo import coverage, records, schema, stats, store, vocab
from geo.periods import Period

from conftest import ROOT

TODAY = dt.date(2026, 11, 20)
GROUPS = ("Mã tổ,Tên tổ,Loại mô hình,Mã thôn,Ngày thành lập,Lực lượng nòng cốt,Ghi chú\n"
          "k1,Tổ 1,to_tu_quan_antt,C00V0,2024-01-01,CCB,\n"
          "k2,Tổ 2,to_tu_quan_antt,C00V1,2024-01-01,Phụ nữ,\n"
          "k3,Tổ 3,to_tu_quan_antt,C01V0,2024-01-01,Thanh niên,\n"
          "k4,Tổ 4,to_tu_quan_antt,C01V1,2024-01-01,Hội Cựu chiến binh,\n"
          "k5,Tổ 5,to_tu_quan_antt,C10V0,2024-01-01,tổ tự quản do CCB làm nòng cốt,\n"
          "k6,Tổ 6,doi_dan_phong_pccc,C10V1,2024-01-01,DQTV,\n"
          "k7,Tổ 7,to_tu_quan_antt,C11V0,2024-01-01,Hội đồng hương,có sẵn ghi chú\n"
          "k8,Tổ 8,to_tu_quan_antt,C11V1,2024-01-01,Công an xã,\n"
          "k9,Tổ 9,to_tu_quan_antt,C11V1,2024-01-01,,\n")


def imp(db, kind, text, **kw):
    kw.setdefault("today", TODAY)
    return records.import_records(db, kind, text.encode("utf-8"), file_name="t.csv", **kw)


@pytest.mark.parametrize("text,code", [
    ("CCB", "ccb"), ("Cựu chiến binh", "ccb"), ("Hội CCB xã", "ccb"), ("Hội Phụ nữ", "phu_nu"), ("LHPN", "phu_nu"),
    ("Thanh niên", "thanh_nien"), ("Đoàn TNCS Hồ Chí Minh", "thanh_nien"), ("Hội Nông dân", "nong_dan"),
    ("Công an phường", "cong_an"), ("Dân quân tự vệ", "dan_quan"), ("MTTQ", "mttq"),
    ("Hội người cao tuổi", "doan_the_khac"), ("khac", "khac"), ("Veterans' Association", "ccb"),
    ("Hội Cựu thanh niên xung phong", "doan_the_khac"),
    ("CCB, Phụ nữ", None), ("Hội đồng hương", None), ("4", None), ("", None)])
def test_core_force_spellings(text, code):
    assert vocab.CORE_FORCES.lookup(text) == code


def test_a_file_of_organisations_keeps_every_row(tiny):
    db = tiny["db"]
    r = imp(db, "groups", GROUPS)
    assert (r.inserted, r.rejected, r.errors) == (9, 0, [])
    got = {f"k{i}": records.get_record(db, "groups", f"k{i}") for i in range(1, 10)}
    assert [got[f"k{i}"]["core_force"] for i in range(1, 10)] == \
        ["ccb", "phu_nu", "thanh_nien", "ccb", "ccb", "dan_quan", "khac", "cong_an", None]
    # unknown text: "khác", the text kept in the notes, a row warning -- never a rejected row
    assert got["k7"]["notes"] == "có sẵn ghi chú; Lực lượng nòng cốt theo tệp: Hội đồng hương"
    assert [(w["row"], w["column"]) for w in r.row_warnings] == [(8, "Lực lượng nòng cốt")]
    assert "Hội đồng hương" in r.row_warnings[0]["message"] and "Khác" in r.row_warnings[0]["message"]
    assert r.to_dict()["row_warnings"] == r.row_warnings
    # the same file again changes nothing (the note is not appended twice)
    again = imp(db, "groups", GROUPS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 9)


def test_unknown_core_force_without_a_notes_column_keeps_the_stored_notes(tiny):
    db = tiny["db"]
    imp(db, "groups", GROUPS)
    r = imp(db, "groups", "Mã tổ,Tên tổ,Loại mô hình,Mã thôn,Lực lượng nòng cốt\n"
                          "k1,Tổ 1,to_tu_quan_antt,C00V0,Hội bạn nhà nông\n"
                          "k7,Tổ 7,to_tu_quan_antt,C11V0,Hội đồng hương\n")
    assert r.rejected == 0 and r.updated == 1 and r.unchanged == 1
    k1 = records.get_record(db, "groups", "k1")
    assert (k1["core_force"], k1["notes"]) == ("khac", "Lực lượng nòng cốt theo tệp: Hội bạn nhà nông")
    assert records.get_record(db, "groups", "k7")["notes"] == \
        "có sẵn ghi chú; Lực lượng nòng cốt theo tệp: Hội đồng hương"


def test_groups_split_by_core_force(tiny):
    db = tiny["db"]
    imp(db, "groups", GROUPS)
    p = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    df = stats.area_stats(db, tiny["communes"], p)
    mix = coverage.model_mix(db, tiny["communes"], p.end, by="core_force")
    assert list(mix.columns) == ["code", "name", *vocab.CORE_FORCES.codes, "total"]
    assert mix["total"].tolist() == df["groups_active"].tolist()
    assert int(mix["ccb"].sum()) == 3 and int(mix["khac"].sum()) >= 2     # k7, k9 (none stated) and older ones
    only = coverage.model_mix(db, tiny["communes"], p.end, by="core_force", model_types=["doi_dan_phong_pccc"])
    assert int(only["total"].sum()) == int(stats.area_stats(db, tiny["communes"], p,
                                                            model_types=["doi_dan_phong_pccc"])["groups_active"].sum())
    assert int(only["dan_quan"].sum()) == 1
    with pytest.raises(ValueError):
        coverage.model_mix(db, tiny["communes"], p.end, by="leader")


def test_unknown_category_counts_as_khac_with_its_label_kept(tiny):
    db = tiny["db"]
    p = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    before = int(stats.area_stats(db, tiny["communes"], p, categories=["khac"])["incidents"].sum())
    path = tiny["path"].parent / "vv.csv"
    path.write_text("Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ\n"
                    "x1,2026-03-20,Đánh bạc,106.02,21.02\nx2,2026-03-21,Hình sự,106.02,21.02\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "geo", "import-records", "incidents", str(path),
                          "--db", str(tiny["path"])], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert (res["inserted"], res["rejected"]) == (2, 0)
    assert [w["row"] for w in res["row_warnings"]] == [2] and "Đánh bạc" in res["row_warnings"][0]["message"]
    x1 = records.get_record(db, "incidents", "x1")
    assert (x1["category"], x1["category_original"]) == ("khac", "Đánh bạc")
    assert records.get_record(db, "incidents", "x2")["category_original"] is None
    after = int(stats.area_stats(db, tiny["communes"], p, categories=["khac"])["incidents"].sum())
    assert after == before + 1


def test_migration_converts_the_integer_column(tmp_path):
    """A database from before: core_force INTEGER holding numbers (and, by accident, a text)."""
    from old_schema import database_before
    p = tmp_path / "old.db"
    conn = database_before(p, "RENAME COLUMN core_force")
    conn.execute("INSERT INTO groups (id, name, model_type, core_force, notes) VALUES "
                 "('a', 'A', 'khac', 4, NULL), ('b', 'B', 'khac', 'CCB', 'ghi chú'), ('c', 'C', 'khac', NULL, NULL)")
    conn.execute("INSERT INTO incidents (id, occurred_on, category) VALUES ('i', '2026-01-01', 'hinh_su')")
    conn.close()
    db = store.open_db(p, create=False)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    rows = {r[0]: r[1:] for r in db.conn.execute("SELECT id, core_members, core_force, notes FROM groups")}
    assert rows == {"a": (4, None, None), "b": (None, "khac", "ghi chú; Lực lượng nòng cốt theo tệp: CCB"),
                    "c": (None, None, None)}
    cols = {r[1]: r[2] for r in db.conn.execute("PRAGMA table_info(groups)")}
    assert cols["core_force"] == "TEXT" and cols["core_members"] == "INTEGER"
    assert db.conn.execute("SELECT category_original FROM incidents").fetchone() == (None,)
