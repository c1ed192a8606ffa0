"""Monthly and weekly series on the hand-made database (tests/conftest.py: make_tiny)."""
import datetime as dt

import pandas as pd
import pytest

from geo import stats, trends
from geo.periods import REFORM_DATE, Period

D = dt.date
TS = pd.Timestamp


def test_monthly_total_on_current_communes(tiny):
    """i5 and i7 (old code, through the crosswalk) in March 2025; i4 in February 2026;
    i1, i2, i3, i6 (code only) and i9 (unknown category) in March 2026; i8 lies outside."""
    s = trends.incident_series(tiny["db"], tiny["communes"], "2025-01-01", "2026-04-30", by=None)
    assert list(s.columns) == ["incidents"] and len(s) == 16
    assert s.index[0] == TS("2025-01-01") and s.index[-1] == TS("2026-04-01")
    nz = s[s["incidents"] > 0]["incidents"]
    assert nz.to_dict() == {TS("2025-03-01"): 2, TS("2026-02-01"): 1, TS("2026-03-01"): 5}
    assert s.attrs["reform"] == TS("2025-07-01") and s.attrs["reform_date"] == REFORM_DATE
    assert s.attrs["partial"] == []


def test_by_category(tiny):
    s = trends.incident_series(tiny["db"], tiny["communes"], "2026-03-01", "2026-03-31")
    assert list(s.columns) == stats.vocab.CATEGORIES.codes
    row = s.loc[TS("2026-03-01")]
    assert (row["hinh_su"], row["ma_tuy"], row["chay_no"], row["khac"]) == (2, 1, 1, 1)
    s = trends.incident_series(tiny["db"], tiny["communes"], "2026-03-01", "2026-03-31",
                               categories=["ma_tuy", "hinh_su"])
    assert list(s.columns) == ["ma_tuy", "hinh_su"] and s.iloc[0].tolist() == [1, 2]


def test_by_area_and_area_of_a_set_above(tiny):
    db = tiny["db"]
    s = trends.incident_series(db, tiny["communes"], "2025-03-01", "2026-03-31", by="area", areas=["C00", "C11"])
    assert s.loc[TS("2026-03-01")].tolist() == [2, 2]
    assert s.loc[TS("2025-03-01")].tolist() == [0, 1]     # i7 through the crosswalk
    # village set, areas named by their commune; the province holds every village
    v = trends.incident_series(db, tiny["villages"], "2026-03-01", "2026-03-31", by="area", areas=["C00", "P"])
    # i6 (commune code, split between two villages) is in no village, but in C11's
    # "village not known" row, which counts toward the province (issue 11: totals reconcile)
    assert v.iloc[0].tolist() == [2, 5]
    everyone = trends.incident_series(db, tiny["villages"], "2026-03-01", "2026-03-31", by="area")
    assert len(everyone.columns) == 8 + 4 and everyone.iloc[0].sum() == 5
    assert everyone.loc[TS("2026-03-01"), stats.unplaced_code("C11")] == 1
    one = trends.incident_series(db, tiny["communes"], "2026-03-01", "2026-03-31", by=None, areas=["C11"])
    assert one.iloc[0, 0] == 2


def test_same_numbers_as_area_stats(tiny):
    db = tiny["db"]
    for sid in (tiny["communes"], tiny["villages"], tiny["old"]):
        s = trends.incident_series(db, sid, "2026-03-01", "2026-03-31", by="area")
        a = stats.area_stats(db, sid, Period(D(2026, 3, 1), D(2026, 3, 31)))
        assert s.iloc[0][a["code"]].tolist() == a["incidents"].tolist()
        assert s.iloc[0].sum() == a["incidents"].sum()


def test_old_boundary_set(tiny):
    """The same records on the pre-reform communes: i6's current-commune code is split between
    two old communes (no majority), so it is in neither."""
    s = trends.incident_series(tiny["db"], tiny["old"], "2025-01-01", "2026-03-31", by="area")
    assert s.loc[TS("2025-03-01"), ["OC01V0", "OC11V1"]].tolist() == [1, 1]
    assert s.loc[TS("2026-03-01")].sum() == 4


def test_weekly_buckets_start_on_monday(tiny):
    """1 March 2026 is a Sunday: its week starts on Monday 23 February; 31 March's ends on 5 April."""
    s = trends.incident_series(tiny["db"], tiny["communes"], "2026-03-01", "2026-03-31", freq="week", by=None)
    assert list(s.index) == [TS(d) for d in ("2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16",
                                             "2026-03-23", "2026-03-30")]
    # i4 (20 Feb) is before the start; i6 is on Sunday 15 March
    assert s["incidents"].tolist() == [0, 1, 2, 1, 0, 1]
    assert s.attrs["partial"] == [TS("2026-02-23"), TS("2026-03-30")]
    assert s.attrs["reform"] is None


def test_reform_crossing():
    assert trends.reform_crossing("2025-06-30", "2025-07-01") == REFORM_DATE
    assert trends.reform_crossing("2025-07-01", "2025-12-31") is None      # starts on it: nothing before
    assert trends.reform_crossing("2019-01-01", "2025-06-30") is None
    w = trends.buckets("2025-06-01", "2025-07-31", "week")
    assert TS("2025-06-30") in w                                            # the week of Tuesday 1 July


def test_programme_series(tiny):
    """End of each month: g2 dissolved 1 March, g3 founded 31 March, g4 founded 1 April;
    k2 removed 31 March, k3 installed 2 April."""
    db = tiny["db"]
    p = trends.programme_series(db, tiny["communes"], "2026-01-01", "2026-04-30")
    assert p["groups_active"].tolist() == [3, 3, 3, 4]
    assert p["cameras_active"].tolist() == [2, 2, 1, 2]
    assert p["villages"].tolist() == [8] * 4
    assert p["villages_covered"].tolist() == [3, 3, 3, 4]
    assert p["coverage_pct"].tolist() == [37.5, 37.5, 37.5, 50.0]
    # 31 March is the figure area_stats gives for a period ending that day
    a = stats.area_stats(db, tiny["communes"], Period(D(2026, 3, 1), D(2026, 3, 31)))
    mar = p.loc[TS("2026-03-01")]
    assert (mar["groups_active"], mar["cameras_active"], mar["villages_covered"]) == \
        (a["groups_active"].sum(), a["cameras_active"].sum(), a["villages_covered"].sum())
    # the last bucket is taken on the series' end, not the month's end
    assert trends.sample_days("2026-03-01", "2026-04-15") == [D(2026, 3, 31), D(2026, 4, 15)]


def test_programme_series_by_type_and_area(tiny):
    db = tiny["db"]
    p = trends.programme_series(db, tiny["communes"], "2026-04-01", "2026-04-30", by="model_type")
    row = p.iloc[0]
    assert (row["to_tu_quan_antt"], row["doi_dan_phong_pccc"], row["khac"]) == (2, 1, 1)
    assert row.sum() == 4
    c00 = trends.programme_series(db, tiny["communes"], "2026-01-01", "2026-03-31", areas=["C00"])
    assert c00["groups_active"].tolist() == [2, 2, 1] and c00["villages"].tolist() == [2, 2, 2]
    assert c00["cameras_active"].tolist() == [2, 2, 1]
    f = trends.programme_series(db, tiny["villages"], "2026-01-01", "2026-03-31", model_types=["to_tu_quan_antt"])
    assert f["groups_active"].tolist() == [2, 2, 1] and f["villages_covered"].tolist() == [2, 2, 1]


def test_bad_arguments(tiny):
    with pytest.raises(ValueError):
        trends.incident_series(tiny["db"], tiny["communes"], "2026-03-31", "2026-03-01")
    with pytest.raises(ValueError):
        trends.incident_series(tiny["db"], tiny["communes"], "2026-03-01", "2026-03-31", freq="day")
    with pytest.raises(ValueError):
        trends.incident_series(tiny["db"], tiny["communes"], "2026-03-01", "2026-03-31", by="colour")


def test_demo_series_match_area_stats_on_both_generations(demo_path):
    from geo import areas, store
    db = store.open_db(demo_path, create=False)
    for s in areas.list_sets(db, "commune"):
        ser = trends.incident_series(db, s.id, "2024-01-01", "2024-01-31", by="area")
        a = stats.area_stats(db, s.id, Period(D(2024, 1, 1), D(2024, 1, 31)))
        assert ser.iloc[0].tolist() == a["incidents"].tolist()
        cat = trends.incident_series(db, s.id, "2019-01-01", "2026-11-20")
        tot = trends.incident_series(db, s.id, "2019-01-01", "2026-11-20", by=None)
        assert (cat.sum(axis=1) == tot["incidents"]).all()
        assert cat.attrs["reform"] == TS("2025-07-01")
