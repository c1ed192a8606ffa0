"""The CompStat table on the hand-made database (tests/conftest.py: make_tiny).

March 2026 per commune (current, previous, last year): C00 2/1/0, C01 0/0/1, C10 1/0/0, C11 2/0/1."""
import math

import pytest

from geo import compstat, stats
from geo.periods import Period, parse_date

MARCH = Period(parse_date("2026-03-01"), parse_date("2026-03-31"))
R2 = round(2 * math.sqrt(2), 2)            # z for 2 against 0: 2.83
R21 = round(2 * (math.sqrt(2) - 1), 2)     # z for 2 against 1: 0.83


def table(tiny, **kw):
    return compstat.compstat(tiny["db"], tiny["communes"], MARCH, **kw)


def test_rows_and_marks(tiny):
    t = table(tiny).set_index("code")
    assert tuple(t.reset_index().columns) == compstat.COLUMNS
    c00, c01, c10, c11 = (t.loc[c] for c in ("C00", "C01", "C10", "C11"))
    assert (c00["change"], c00["change_pct"], c00["z"], c00["real"], c00["direction"]) == (1, 100.0, R21, False, "up")
    assert (c00["change_ly"], c00["z_ly"], c00["real_ly"]) == (2, R2, True) and math.isnan(c00["change_ly_pct"])
    assert (c01["change"], c01["direction"], c01["real"]) == (0, "same", False)
    assert (c01["change_ly"], c01["change_ly_pct"], c01["z_ly"], c01["real_ly"], c01["direction_ly"]) == \
        (-1, -100.0, -2.0, True, "down")                        # |z| = 2 is a real change
    assert (c10["z"], c10["real"]) == (2.0, True)
    assert (c11["z"], c11["change_ly_pct"], c11["z_ly"]) == (R2, 100.0, R21)


def test_same_numbers_as_area_stats(tiny):
    t = table(tiny, sort="code", descending=False)
    a = stats.area_stats(tiny["db"], tiny["communes"], MARCH)
    for c in ("code", "incidents", "incidents_prev", "incidents_last_year", "change", "z"):
        assert t[c].tolist() == a[c].tolist()


def test_sorting(tiny):
    assert table(tiny)["code"].tolist() == ["C11", "C10", "C00", "C01"]                       # z, descending
    assert table(tiny, sort="z", descending=False)["code"].tolist() == ["C01", "C00", "C10", "C11"]
    # nulls last whichever the direction, ties by code
    assert table(tiny, sort="change_pct")["code"].tolist() == ["C00", "C01", "C10", "C11"]
    assert table(tiny, sort="change_ly_pct", descending=False)["code"].tolist() == ["C01", "C11", "C00", "C10"]
    assert table(tiny, sort="incidents")["code"].tolist() == ["C00", "C11", "C10", "C01"]
    assert table(tiny, sort="name", descending=False)["name"].tolist() == ["Xã 00", "Xã 01", "Xã 10", "Xã 11"]
    with pytest.raises(ValueError):
        table(tiny, sort="colour")


def test_top_changes(tiny):
    t = table(tiny)
    assert compstat.top_changes(t, 2, "worse")["code"].tolist() == ["C11", "C10"]
    assert compstat.top_changes(t, 5, "worse")["code"].tolist() == ["C11", "C10", "C00"]
    assert compstat.top_changes(t, 5, "worse", real_only=True)["code"].tolist() == ["C11", "C10"]
    assert compstat.top_changes(t, 5, "better").empty
    assert compstat.top_changes(t, 5, "better", against="last_year")["code"].tolist() == ["C01"]
    assert compstat.top_changes(t, 5, "worse", against="last_year")["code"].tolist() == ["C00", "C10", "C11"]


def test_totals(tiny):
    tot = compstat.totals(table(tiny))
    assert (tot["incidents"], tot["incidents_prev"], tot["incidents_last_year"]) == (5, 1, 2)
    assert (tot["change"], tot["change_pct"], tot["direction"]) == (4, 400.0, "up")
    assert tot["z"] == round(2 * (math.sqrt(5) - 1), 2) and tot["real"]
    assert (tot["change_ly"], tot["change_ly_pct"]) == (3, 150.0)
    assert tot["z_ly"] == round(2 * (math.sqrt(5) - math.sqrt(2)), 2) and not tot["real_ly"]


def test_filters_and_area_pass_through(tiny):
    t = table(tiny, categories=["hinh_su"], area="C00")
    assert t["code"].tolist() == ["C00"] and t.loc[0, "incidents"] == 1 and t.loc[0, "incidents_prev"] == 1
    assert t.loc[0, "direction"] == "same"
