"""Figures on the hand-made database, where every number is known."""
import math

import pytest

from geo import stats
from geo.periods import Period, parse_date

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))


def by_code(df):
    return {r["code"]: r for r in df.to_dict("records")}


def test_fields_are_the_contract(tiny):
    df = stats.area_stats(tiny["db"], tiny["communes"], MARCH)
    assert tuple(df.columns) == stats.STAT_FIELDS


def test_incident_counts_current_previous_last_year(tiny):
    r = by_code(stats.area_stats(tiny["db"], tiny["communes"], MARCH))
    assert (r["C00"]["incidents"], r["C00"]["incidents_prev"], r["C00"]["incidents_last_year"]) == (2, 1, 0)
    assert (r["C01"]["incidents"], r["C01"]["incidents_prev"], r["C01"]["incidents_last_year"]) == (0, 0, 1)
    assert (r["C10"]["incidents"], r["C10"]["incidents_prev"], r["C10"]["incidents_last_year"]) == (1, 0, 0)
    # C11: one code-only incident of the current set, one point with an unknown category (counted as khác);
    # last year an incident known only by an old commune code, mapped through the crosswalk
    assert (r["C11"]["incidents"], r["C11"]["incidents_prev"], r["C11"]["incidents_last_year"]) == (2, 0, 1)


def test_change_pct_and_z(tiny):
    r = by_code(stats.area_stats(tiny["db"], tiny["communes"], MARCH))
    assert r["C00"]["change"] == 1 and r["C00"]["change_pct"] == 100.0
    assert r["C00"]["z"] == pytest.approx(round(2 * (math.sqrt(2) - 1), 2))
    assert r["C10"]["change"] == 1 and math.isnan(r["C10"]["change_pct"])  # previous = 0 → null
    assert r["C10"]["z"] == 2.0


def test_category_filter(tiny):
    r = by_code(stats.area_stats(tiny["db"], tiny["communes"], MARCH, categories=["hinh_su"]))
    assert [r[c]["incidents"] for c in ("C00", "C01", "C10", "C11")] == [1, 0, 1, 0]
    assert r["C11"]["incidents_last_year"] == 1
    r = by_code(stats.area_stats(tiny["db"], tiny["communes"], MARCH, categories=["khac"]))
    assert r["C11"]["incidents"] == 1


def test_groups_coverage_and_cameras(tiny):
    r = by_code(stats.area_stats(tiny["db"], tiny["communes"], MARCH))
    assert [r[c]["groups_active"] for c in ("C00", "C01", "C10", "C11")] == [1, 1, 1, 0]
    assert [r[c]["villages"] for c in ("C00", "C01", "C10", "C11")] == [2, 2, 2, 2]
    assert [r[c]["villages_covered"] for c in ("C00", "C01", "C10", "C11")] == [1, 1, 1, 0]
    assert [r[c]["coverage_pct"] for c in ("C00", "C01", "C10", "C11")] == [50.0, 50.0, 50.0, 0.0]
    # k2 is removed on the last day, k3 installed after it
    assert [r[c]["cameras_active"] for c in ("C00", "C01", "C10", "C11")] == [1, 0, 0, 0]


def test_model_type_filter(tiny):
    r = by_code(stats.area_stats(tiny["db"], tiny["communes"], MARCH, model_types=["to_tu_quan_antt"]))
    assert [r[c]["groups_active"] for c in ("C00", "C01", "C10", "C11")] == [1, 0, 0, 0]
    assert [r[c]["villages_covered"] for c in ("C00", "C01", "C10", "C11")] == [1, 0, 0, 0]


def test_village_level(tiny):
    r = by_code(stats.area_stats(tiny["db"], tiny["villages"], MARCH))
    villages = {c: v for c, v in r.items() if v["placed"]}
    assert len(villages) == 8
    assert all(v["villages"] == 1 for v in villages.values())
    assert {c: v["villages_covered"] for c, v in r.items() if v["villages_covered"]} == \
        {"C00V0": 1, "C10V0": 1, "C01V0": 1}
    assert r["C00V0"]["incidents"] == 1 and r["C00V1"]["incidents"] == 1 and r["C11V1"]["incidents"] == 1
    # a commune-only code is split between two villages: it is placed in neither village,
    # but in the commune's "village not known" row (issue 11: totals reconcile)
    assert r["C11V0"]["incidents"] == 0
    unplaced = {c: v for c, v in r.items() if not v["placed"]}
    assert list(unplaced) == [stats.unplaced_code("C11")]
    row = unplaced[stats.unplaced_code("C11")]
    assert row["incidents"] == 1 and row["villages"] == 0 and row["coverage_pct"] != row["coverage_pct"]
    assert row["name"] == "Chưa xác định thôn (Xã 11)"
    communes = stats.area_stats(tiny["db"], tiny["communes"], MARCH)
    assert communes["placed"].all()
    assert sum(v["incidents"] for v in r.values()) == communes["incidents"].sum()


def test_area_limits_rows_to_the_area_and_inside(tiny):
    df = stats.area_stats(tiny["db"], tiny["villages"], MARCH, area="C00")
    assert sorted(df["code"]) == ["C00V0", "C00V1"]
    df = stats.area_stats(tiny["db"], tiny["communes"], MARCH, area="P")
    assert len(df) == 4
    df = stats.area_stats(tiny["db"], tiny["communes"], MARCH, area="C10")
    assert list(df["code"]) == ["C10"]


def test_old_boundary_set(tiny):
    """The same records re-aggregated onto the pre-reform communes."""
    r = by_code(stats.area_stats(tiny["db"], tiny["old"], Period(parse_date("2025-03-01"), parse_date("2025-03-31"))))
    assert r["OC01V0"]["incidents"] == 1          # a point
    assert r["OC11V1"]["incidents"] == 1          # the old code itself
    assert sum(v["incidents"] for v in r.values()) == 2


def test_cache_follows_the_revision(tiny):
    db = tiny["db"]
    before = stats.area_stats(db, tiny["communes"], MARCH)["incidents"].sum()
    from geo import assign, store
    with store.transaction(db) as conn:
        conn.execute("INSERT INTO incidents (id, occurred_on, category, lon, lat) "
                     "VALUES ('new', '2026-03-02', 'hinh_su', 106.02, 21.02)")
        assign.assign_records(db, "incident", ["new"])
        store.bump_revision(db)
    assert stats.area_stats(db, tiny["communes"], MARCH)["incidents"].sum() == before + 1


def test_format_number_is_vietnamese():
    assert stats.format_number(1234567) == "1.234.567"
    assert stats.format_number(12.345, 1) == "12,3"
    assert stats.format_number(float("nan")) == "–"


# --- map metrics (geo.metrics) ------------------------------------------------------

def test_metric_values(tiny):
    from geo import metrics
    df = stats.area_stats(tiny["db"], tiny["communes"], MARCH)
    assert metrics.metric_values(df, "incidents") == {"C00": 2.0, "C01": 0.0, "C10": 1.0, "C11": 2.0}
    assert metrics.metric_values(df, "change_pct") == {"C00": 100.0, "C01": None, "C10": None, "C11": None}
    assert metrics.metric_values(df, "z")["C10"] == 2.0
    assert metrics.metric_values(df, "coverage_pct") == {"C00": 50.0, "C01": 50.0, "C10": 50.0, "C11": 0.0}
    cam = metrics.metric_values(df, "camera_area_pct")
    assert cam["C00"] > 0 and cam["C01"] == 0.0
    with pytest.raises(ValueError):
        metrics.metric_values(df, "colour")
    assert set(metrics.METRICS) >= {"incidents", "rate_per_1000", "change_pct", "z", "coverage_pct",
                                    "camera_area_pct"}
    assert metrics.METRICS["z"].diverging and not metrics.METRICS["incidents"].diverging
    assert metrics.label_key("rate_per_1000") == "rate_per_1000"


def test_rate_per_1000(tiny):
    """Villages have 1,000 residents each; communes have none of their own: the sum of their villages."""
    from geo import metrics
    db = tiny["db"]
    pop = metrics.area_population(db, tiny["communes"])
    assert pop.to_dict() == {"C00": 2000.0, "C01": 2000.0, "C10": 2000.0, "C11": 2000.0}
    df = stats.area_stats(db, tiny["communes"], MARCH)
    assert metrics.metric_values(df, "rate_per_1000", population=pop) == \
        {"C00": 1.0, "C01": 0.0, "C10": 0.5, "C11": 1.0}
    # unknown or zero population: no data
    got = metrics.metric_values(df, "rate_per_1000", population={"C00": 4000, "C01": 0})
    assert got == {"C00": 0.5, "C01": None, "C10": None, "C11": None}
    assert set(metrics.metric_values(df, "rate_per_1000").values()) == {None}
    v = stats.area_stats(db, tiny["villages"], MARCH)
    assert metrics.metric_values(v, "rate_per_1000", population=metrics.area_population(db, tiny["villages"]))["C00V0"] == 1.0
    # the pre-reform communes: villages through the crosswalk (one village per old commune)
    assert metrics.area_population(db, tiny["old"]).to_dict()["OC00V0"] == 1000.0


def test_warm_area_stats_reads_no_sql(tiny):
    """Once loaded, a filter change is computed from memory: no query but the revision check."""
    db = tiny["db"]
    stats.area_stats(db, tiny["communes"], MARCH)
    seen = []
    db.conn.set_trace_callback(seen.append)
    try:
        stats.area_stats(db, tiny["communes"], MARCH, categories=["hinh_su"], model_types=["khac"])
    finally:
        db.conn.set_trace_callback(None)
    assert all("data_revision" in s or "PRAGMA database_list" in s for s in seen), seen
