import datetime as dt

from geo import filters

TODAY = dt.date(2026, 11, 23)


def test_round_trip_through_the_url(tiny):
    db = tiny["db"]
    f = filters.Filters(level="village", set_id=tiny["villages"], area="C00", preset="custom",
                        start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), categories=("hinh_su", "ma_tuy"),
                        model_types=("khac",), layers=("heat", "cameras"), metric="z", scheme="natural_breaks", lang="en")
    back = filters.from_query(f.to_query(), db, TODAY)
    assert back == f and not back.warnings


def test_defaults_and_presets(tiny):
    f = filters.from_query({}, tiny["db"], TODAY)
    assert f.level == "commune" and f.set_id == tiny["communes"]  # the current set
    assert (f.start, f.end) == (TODAY - dt.timedelta(days=27), TODAY)
    f = filters.from_query({"period": "ytd"}, tiny["db"], TODAY)
    assert f.start == dt.date(2026, 1, 1)


def test_bad_values_fall_back_with_warnings(tiny):
    q = {"level": "planet", "set": "abc", "period": "custom", "from": "2026-13-01", "to": "x",
         "cat": "hinh_su,bogus", "layers": "heat,<script>", "area": "ZZZ", "lang": "fr", "metric": "x",
         "scheme": "y"}
    f = filters.from_query(q, tiny["db"], TODAY)
    assert f.level == "commune" and f.set_id == tiny["communes"] and f.preset == "last_28"
    assert f.categories == ("hinh_su",) and f.layers == ("heat",) and f.area is None and f.lang == "vi"
    assert f.metric == "incidents" and f.scheme == "quantiles"
    assert len(f.warnings) >= 6


def test_set_of_another_level_is_refused(tiny):
    f = filters.from_query({"level": "village", "set": str(tiny["communes"])}, tiny["db"], TODAY)
    assert f.set_id == tiny["villages"] and f.warnings


def test_area_choices_include_parent_communes(tiny):
    ch = filters.area_choices(tiny["db"], tiny["villages"])
    assert ch["C00"] == "Xã Xã 00" or ch["C00"].startswith("Xã")
    assert "C00V0" in ch
