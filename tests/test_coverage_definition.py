"""Issue 11 item 4: one coverage definition per filter.

Before the fix, with a model-type filter the Coverage page's headline counted villages covered
by the selected types (766) while its vùng-trắng map and list, and the brief's, still counted
villages with no group of any type (1,276 on the demo)."""
import datetime as dt

import pytest

from geo import areas, coverage, stats, store
from geo.export import View
from geo.export import brief
from geo.periods import Period

END = dt.date(2026, 10, 31)
PERIOD = Period(dt.date(2026, 10, 1), END)


@pytest.fixture(scope="module")
def demo(demo_path):
    db = store.open_db(demo_path, create=False)
    return db, areas.current_set(db, "commune").id


@pytest.mark.parametrize("types", [["to_tu_quan_antt"], ["camera_an_ninh", "nhom_zalo_an_ninh"], None])
def test_vung_trang_is_the_complement_of_covered(demo, types):
    db, cs = demo
    df = stats.area_stats(db, cs, PERIOD, model_types=types)
    white = coverage.vung_trang(db, cs, END, model_types=types)
    assert len(white) == int(df["villages"].sum()) - int(df["villages_covered"].sum())
    # and per commune
    per = white.groupby("area_code").size()
    got = per.reindex(df["code"]).fillna(0).astype(int).tolist()
    assert got == (df["villages"] - df["villages_covered"]).tolist()


def test_filter_changes_the_vung_trang(demo):
    db, cs = demo
    any_type = coverage.vung_trang(db, cs, END)
    one_type = coverage.vung_trang(db, cs, END, model_types=["to_tu_quan_antt"])
    assert set(any_type["code"]) < set(one_type["code"])


def test_brief_uses_the_selected_model_types(demo):
    db, cs = demo
    view = View(cs, PERIOD, model_types=("to_tu_quan_antt",))
    data = brief.collect(db, view)
    df = data.stats
    assert len(data.vung_trang) == int(df["villages"].sum()) - int(df["villages_covered"].sum())
    # the model mix lists only the selected types
    assert [c for c in data.model_mix.columns if c not in ("code", "name", "total")] == ["to_tu_quan_antt"]
    assert int(data.model_mix["total"].sum()) == int(df["groups_active"].sum())
