"""The browser map's data (geo/mapdata.py), the timeline frames (geo/timeline.py) and the
background warm-up (geo/warm.py), on the hand-made tiny province."""
import datetime as dt

from geo import auth, mapdata, maps, metrics, scope, stats, store, timeline, warm
from geo.periods import Period

P = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_geometry_is_built_once_per_set_and_scope_and_holds_only_that_scope(tiny):
    db = tiny["db"]
    all_ = mapdata.geometry(db, tiny["villages"])
    assert all_["codes"] == ["C00V0", "C00V1", "C01V0", "C01V1", "C10V0", "C10V1", "C11V0", "C11V1"]
    assert mapdata.geometry(db, tiny["villages"]) is all_                 # cached: sets never change
    officer = auth.User(username="xa00", role="officer", area_code="C00")
    mine = mapdata.geometry(db, tiny["villages"], scope.resolve(db, officer).codes(db, tiny["villages"]))
    assert mine["codes"] == ["C00V0", "C00V1"] and mine["key"] != all_["key"]
    text = str(mine)
    assert "C01V0" not in text and "Thôn 010" not in text                  # nothing of another commune
    # the shapes decode back to the areas (same encoding as the folium maps)
    poly = maps.decode_geometry(mine["g"][0])
    assert poly["type"] == "MultiPolygon" and len(poly["coordinates"][0][0]) >= 4


def test_a_filter_change_sends_classes_not_shapes(tiny):
    db = tiny["db"]
    geom = mapdata.geometry(db, tiny["villages"])
    df = stats.area_stats(db, tiny["villages"], P, area="C00")
    vals = metrics.metric_values(df, "incidents")
    classes = maps.classify(vals, k=2)
    v = mapdata.values(geom, vals, classes, table=df, fields=[("incidents_prev", "Kỳ trước")], metric_label="Vụ việc")
    # only C00's villages are shown; the others are hidden (-2), not "no data"
    assert [k for c, k in zip(geom["codes"], v["k"]) if c not in ("C00V0", "C00V1")] == [mapdata.HIDDEN] * 6
    assert all(k >= 0 for c, k in zip(geom["codes"], v["k"]) if c in ("C00V0", "C00V1"))
    assert v["shown"] == ["C00V0", "C00V1"]
    assert "g" not in v and "codes" not in v                                 # no geometry in a value update
    assert mapdata.payload_bytes(v) < mapdata.payload_bytes(geom)
    # the legend counts the areas shown only
    assert 'data-class="-1" data-count="0"' in v["legend"]
    assert sum(int(x) for x in __import__("re").findall(r'data-count="(\d+)"', v["legend"])) == 2
    # the same values give the same key (the browser skips the restyle); a change refits only
    # when the areas shown change
    v2 = mapdata.values(geom, vals, classes, table=df, fields=[("incidents_prev", "Kỳ trước")], metric_label="Vụ việc")
    assert v2["key"] == v["key"] and v2["fit"] == v["fit"]
    whole = stats.area_stats(db, tiny["villages"], P)
    v3 = mapdata.values(geom, metrics.metric_values(whole, "incidents"), classes, table=whole, metric_label="Vụ việc")
    assert v3["fit"] != v["fit"]


def test_text_from_the_data_stays_text(tiny):
    db = tiny["db"]
    geom = mapdata.geometry(db, tiny["villages"])
    v = mapdata.values(geom, {}, maps.classify({}), metric_label="<script>alert(1)</script>")
    assert "<script>" not in v["legend"]


def test_frame_periods():
    months = timeline.frame_periods(Period(dt.date(2026, 1, 1), dt.date(2026, 11, 20)), "month")
    assert [str(p.start) for p in months[:2]] == ["2026-01-01", "2026-02-01"] and len(months) == 11
    assert months[-1] == Period(dt.date(2026, 11, 1), dt.date(2026, 11, 20))
    # one month (or less): the twelve months up to it
    one = timeline.frame_periods(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 20)), "month")
    assert len(one) == 12 and one[0].start == dt.date(2025, 12, 1)
    weeks = timeline.frame_periods(Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), "week")
    assert weeks[0].start == dt.date(2026, 10, 1) and weeks[1].start.weekday() == 0
    assert all(p.days <= 7 for p in weeks) and weeks[-1].end == dt.date(2026, 10, 31)
    short = timeline.frame_periods(Period(dt.date(2026, 10, 27), dt.date(2026, 10, 29)), "week")
    assert len(short) == timeline.DEFAULT_FRAMES["week"]


def test_timeline_frames_are_the_figures_of_area_stats(tiny):
    db = tiny["db"]
    frames = timeline.frames(db, tiny["communes"], Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)), "incidents")
    assert [label for label, _ in frames] == ["02/2026", "03/2026"]
    march = stats.area_stats(db, tiny["communes"], P)
    assert frames[1][1] == metrics.metric_values(march, "incidents")
    geom = mapdata.geometry(db, tiny["communes"])
    classes = maps.classify([v for _, vals in frames for v in vals.values()], k=2)
    blob = mapdata.timeline(geom, frames, classes, geom["codes"], metric_label="Vụ việc")
    assert len(blob["k"]) == 2 and len(blob["k"][0]) == len(geom["codes"]) and len(blob["legends"]) == 2
    assert "02/2026" in blob["legends"][0]


def test_warm_up_loads_records_placements_and_geometry(tiny):
    path = str(tiny["path"])
    st = warm.warm(path)
    assert st.ready and st.error is None and st.done == st.total
    assert st.revision == store.revision(tiny["db"])
    assert set(st.timings) == set(warm.STEPS)


def test_the_server_warms_up_at_start_before_any_visit(tiny, monkeypatch):
    """serve.py starts geo.warm when the server starts (not at the first page view), so the
    first visitor after a restart finds the records, placements and geometry loaded."""
    import runpy
    from pathlib import Path
    path = str(tiny["path"])
    monkeypatch.setenv("ANTT_DB", path)
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    assert warm.status(path) is None
    runpy.run_path("serve.py")
    st = warm.status(path)
    assert st is not None
    assert warm.wait(path, timeout=60) and st.error is None
    assert st.revision == store.revision(tiny["db"])
