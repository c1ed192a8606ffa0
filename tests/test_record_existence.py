"""An officer must not learn that another commune's record id exists (issue 12): adding or
importing a record with such an id gets the answer of any taken id, nothing about the
record (not even that it was deleted), nothing is changed, and the attempt is audited."""
from __future__ import annotations

import pytest

from geo import audit, auth, records


@pytest.fixture
def db(tiny):
    d = tiny["db"]
    auth.create_user(d, "xa00", "correct-horse", "officer", "C00")
    records.delete_record(d, "incidents", "i3", reason="thử")       # i3 lies in C10, now deleted
    records.delete_record(d, "incidents", "i2", reason="thử")       # i2 lies in C00, deleted
    return d


def inside_c00(rid: str) -> dict:
    return {"id": rid, "occurred_on": "2026-03-02", "category": "hinh_su", "lon": 106.03, "lat": 21.03}


def add_error(db, rid: str) -> str:
    with pytest.raises(records.RecordError) as e:
        records.add_record(db, "incidents", inside_c00(rid), user="xa00")
    return e.value.errors[0]["message"]


def test_foreign_ids_answer_like_any_taken_id(db):
    own = add_error(db, "i1")                      # the officer's own record
    foreign = add_error(db, "i5")                  # another commune's record (C01)
    foreign_deleted = add_error(db, "i3")          # another commune's deleted record
    assert own == records.ID_TAKEN.format(id="i1")
    assert foreign == records.ID_TAKEN.format(id="i5")
    assert foreign_deleted == records.ID_TAKEN.format(id="i3")     # was "… (bản ghi đã xóa; hãy khôi phục)"
    for msg in (foreign, foreign_deleted):
        assert "xóa" not in msg and "khôi phục" not in msg and "địa bàn" not in msg
    # the officer's own deleted record may say so: they can see it anyway
    assert "khôi phục" in add_error(db, "i2")


def test_nothing_changes_and_the_probe_is_audited(db):
    before = db.conn.execute("SELECT * FROM incidents ORDER BY id").fetchall()
    add_error(db, "i5")
    assert db.conn.execute("SELECT * FROM incidents ORDER BY id").fetchall() == before
    log = audit.entries(db, action="create.refused")
    assert list(log["target_id"]) == ["i5"] and list(log["username"]) == ["xa00"]


def test_import_of_a_foreign_id_answers_like_a_taken_id(db):
    csv = ("Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ\n"
           "i5,2026-03-02,hinh_su,106.03,21.03\n"
           "i3,2026-03-02,hinh_su,106.03,21.03\n"
           "moi1,2026-03-02,hinh_su,106.13,21.03\n").encode()
    res = records.import_records(db, "incidents", csv, user="xa00", file_name="x.csv", dry_run=True)
    by_row = {e["row"]: e for e in res.errors}
    assert by_row[2]["message"] == records.ID_TAKEN.format(id="i5") and by_row[2]["column"] == "Mã vụ việc"
    assert by_row[3]["message"] == records.ID_TAKEN.format(id="i3")
    assert "Ngoài địa bàn" in by_row[4]["message"]   # a new record placed outside: the usual answer


def test_admin_still_gets_the_full_answer(db):
    with pytest.raises(records.RecordError, match="khôi phục"):
        records.add_record(db, "incidents", inside_c00("i3"), user=auth.SYSTEM)
