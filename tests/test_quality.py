"""Data-quality counts on the hand-made database, and the lists behind them."""
import datetime as dt

import pytest

from geo import quality, records, store

TODAY = dt.date(2026, 3, 20)


def test_counts_on_the_tiny_database(tiny):
    s = quality.summary(tiny["db"], today=TODAY)
    assert s["incidents"]["no_coordinates"] == 2          # i6, i7: code only
    assert s["incidents"]["outside"] == 1                 # i8
    assert s["incidents"]["unknown_vocab"] == 1           # i9
    assert s["groups"]["unknown_vocab"] == 1              # g5
    assert s["groups"]["future_dates"] == 2               # g3 founded 2026-03-31, g4 2026-04-01
    assert s["cameras"]["future_dates"] == 2              # k2 removed 2026-03-31, k3 installed 2026-04-02
    assert s["incidents"]["unknown_code"] == 0 and s["groups"]["unknown_code"] == 0
    assert s["incidents"]["duplicates"] == 0
    assert list(quality.records(tiny["db"], "outside", "incidents", today=TODAY)["id"]) == ["i8"]
    assert list(quality.records(tiny["db"], "no_coordinates", "incidents")["id"]) == ["i6", "i7"]


def test_every_count_is_the_length_of_its_list(tiny):
    db = tiny["db"]
    with store.transaction(db) as conn:
        conn.execute("INSERT INTO groups (id, name, model_type, village_code, founded_on, dissolved_on) "
                     "VALUES ('gz', 'Tổ Z', 'to_tu_quan_antt', 'NOPE', '2021-01-01', '2020-01-01')")
        conn.execute("INSERT INTO groups (id, name, model_type) VALUES ('gn', 'Tổ N', 'khac')")
        conn.execute("INSERT INTO cameras (id, lon, lat, installed_on, removed_on) "
                     "VALUES ('kz', NULL, NULL, '2025-01-02', '2025-01-01')")
        conn.execute("INSERT INTO incidents (id, occurred_on, category, area_code) "
                     "VALUES ('iz', '2026-03-01', 'hinh_su', 'ZZ')")
    df = quality.counts(db, today=TODAY)
    assert list(df.columns) == ["check", "kind", "label", "count"]
    for r in df.to_dict("records"):
        assert len(quality.records(db, r["check"], r["kind"], today=TODAY)) == r["count"], r
    s = quality.summary(db, today=TODAY)
    assert s["groups"]["unknown_code"] == 1 and s["groups"]["date_order"] == 1 and s["groups"]["no_village"] == 1
    assert s["cameras"]["no_coordinates"] == 1 and s["cameras"]["date_order"] == 1
    assert s["incidents"]["unknown_code"] == 1
    assert quality.counts(db, lang="en")["label"].iloc[0] == "Incidents without coordinates"


def test_duplicates_and_deleted_records(tiny):
    db = tiny["db"]
    records.import_records(db, "incidents",
                           "id,occurred_on,category,lon,lat\n"
                           "d1,2026-03-05,hinh_su,106.02001,21.02001\n"      # same day, kind and place as i1
                           "d2,2026-03-05,ma_tuy,106.02,21.02\n".encode(), today=TODAY)
    assert set(quality.records(db, "duplicates", "incidents")["id"]) == {"i1", "d1"}
    with store.transaction(db) as conn:       # code-only records and cameras without a point
        conn.execute("INSERT INTO incidents (id, occurred_on, category, area_code) VALUES "
                     "('e1', '2026-03-09', 'hinh_su', 'C00'), ('e2', '2026-03-09', 'hinh_su', 'C01'), "
                     "('e3', '2026-03-09', 'hinh_su', 'C01')")
        conn.execute("INSERT INTO cameras (id) VALUES ('n1'), ('n2')")
    assert set(quality.records(db, "duplicates", "incidents")["id"]) == {"i1", "d1", "e2", "e3"}
    assert quality.summary(db, today=TODAY)["cameras"]["duplicates"] == 0
    with store.transaction(db) as conn:
        conn.execute("DELETE FROM incidents WHERE id LIKE 'e%'")
    records.delete_record(db, "incidents", "d1")
    assert quality.summary(db, today=TODAY)["incidents"]["duplicates"] == 0


def test_outside_a_chosen_set(tiny):
    db = tiny["db"]
    # every point with coordinates lies in the old communes except i8; limited to that set the answer is the same
    assert list(quality.records(db, "outside", "incidents", set_ids=[tiny["old"]])["id"]) == ["i8"]
    with pytest.raises(KeyError):
        quality.get_check("outside", "groups")
