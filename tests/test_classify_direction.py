"""Issue 11 item 3: change maps centred on zero; more-is-better metrics in greens.

Before the fix, change % and z were cut by quantiles like any figure, with the sequential
yellow-red palette: a class such as "−4,1 – 5,4" was orange, so improving areas looked worse."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import classify, maps, metrics
from geo.export import classes_for

ISSUE_VALUES = {f"a{i}": v for i, v in enumerate(
    [-60.0, -35.5, -12.0, -4.1, -1.0, 0.0, 0.0, 2.2, 5.4, 9.9, 14.0, 33.3, 120.0, None])}
GREEN = {"#006837", "#1a9850", "#66bd63", "#91cf60", "#a6d96a"}
RED = {"#fdae61", "#fc8d59", "#f46d43", "#d73027", "#a50026"}


@pytest.mark.parametrize("scheme", classify.SCHEMES)
@pytest.mark.parametrize("metric", ["change", "change_pct", "z"])
def test_no_class_straddles_zero(metric, scheme):
    c = classify.classify_metric(ISSUE_VALUES, metric, scheme=scheme)
    assert c["direction"] == "diverging"
    by_class = {}
    for v in ISSUE_VALUES.values():
        if v is not None:
            by_class.setdefault(classify.class_index(c, v), set()).add((v > 0) - (v < 0))
    assert all(len(signs) == 1 for signs in by_class.values()), by_class
    mid = c["neutral_class"]
    assert by_class[mid] == {0} and c["labels"][mid] == "0"
    assert c["colors"][mid] == classify.NEUTRAL_COLOR
    assert set(c["colors"][:mid]) <= GREEN and set(c["colors"][mid + 1:]) <= RED
    # falling values green, rising red: -4.1 (an improvement) is never an alarm colour
    assert c["colors"][classify.class_index(c, -4.1)] in GREEN
    assert c["colors"][classify.class_index(c, 5.4)] in RED
    assert sum(c["counts"]) == 13 and c["nodata_count"] == 1
    assert len(c["colors"]) == len(c["labels"]) == c["k"] == 2 * mid + 1


@settings(deadline=None, max_examples=60)
@given(st.lists(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).map(lambda v: round(v, 2)),
                min_size=1, max_size=60),
       st.sampled_from(["change", "change_pct", "z"]), st.sampled_from(classify.SCHEMES),
       st.integers(min_value=1, max_value=9))
def test_classes_are_mirrored(values, metric, scheme, k):
    c = classify.classify_metric(values + [-v for v in values], metric, scheme=scheme, k=k)
    mid = c["neutral_class"]
    for v in values:
        assert classify.class_index(c, v) + classify.class_index(c, -v) == 2 * mid
        assert (classify.class_index(c, v) == mid) == (v == 0)
    assert c["counts"] == c["counts"][::-1]


def test_z_real_change_limit_is_fixed():
    c = classify.classify_metric({"a": -3.0, "b": -2.0, "c": -1.99, "d": 0, "e": 1.5, "f": 2.0, "g": 4.4}, "z")
    idx = {v: classify.class_index(c, v) for v in (-3.0, -2.0, -1.99, 0, 1.5, 2.0, 4.4)}
    assert idx[-3.0] == idx[-2.0] != idx[-1.99]     # |z| >= 2 (a real change) in the strong class
    assert idx[2.0] == idx[4.4] != idx[1.5]


@pytest.mark.parametrize("metric", ["coverage_pct", "camera_area_pct"])
def test_more_is_better_is_green_and_said(metric):
    c = classify.classify_metric({"a": 5.0, "b": 30.0, "c": 60.0, "d": 95.0, "e": 100.0}, metric)
    assert c["direction"] == "more_better"
    assert c["colors"] == classify.GREENS[c["k"]]
    assert c["colors"][classify.class_index(c, 100.0)] == classify.GREENS[c["k"]][-1]   # most = darkest green
    assert not set(c["colors"]) & set(classify.PALETTES[c["k"]])
    assert "tốt" in c["direction_label"]
    assert "better" in classify.classify_metric({"a": 1.0}, metric, lang="en")["direction_label"]


def test_legend_says_which_way_is_better():
    c = maps.classify_metric({"a": -4.1, "b": 0.0, "c": 7.0}, "change_pct")
    html = maps.legend_html(c, c["counts"], 0, metric_label="Tăng/giảm (%)")
    assert "Giảm là tốt" in html
    # -4.1 (falling) is counted in a green class
    mid = c["neutral_class"]
    assert re.search(rf'data-class="{mid - 1}" data-count="1"><i style="background:{c["colors"][mid - 1]}"', html)
    assert c["colors"][mid - 1] in GREEN
    en = maps.classify_metric({"a": 50.0}, "coverage_pct", lang="en")
    assert "More is better" in maps.legend_html(en, en["counts"], 0, metric_label="Coverage")
    # the map embeds that legend
    feats = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "a", "name": "A"},
         "geometry": {"type": "Polygon", "coordinates": [[[106, 21], [106.1, 21], [106.1, 21.1], [106, 21]]]}}]}
    page = maps.choropleth(feats, {"a": -4.1}, metric_label="x", classes=c).get_root().render()
    assert "antt-better" in page


@pytest.mark.parametrize("metric", list(metrics.METRICS))
def test_one_rule_for_page_export_and_brief(metric):
    """The map page, the PNG export and the brief call the same classification."""
    vals = {"a": -3.0, "b": 0.0, "c": 4.0, "d": 10.0}
    assert classes_for(vals, metric) == maps.classify_metric(vals, metric)
    assert (classify.metric_direction(metric) == "diverging") == metrics.METRICS[metric].diverging
