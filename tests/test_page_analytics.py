"""The analytics pages (CompStat, trends, coverage, hot spots) under Streamlit's AppTest,
on the hand-made database: every figure shown is the one :mod:`geo` computes.

March 2026 per commune (current, previous, last year): C00 2/1/0, C01 0/0/1, C10 1/0/0,
C11 2/0/1 (see tests/test_compstat.py)."""
import re
import datetime as dt
import io
import json

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT, logged_in
from geo import compstat, coverage, hotspots, maps, stats, trends
from geo.filters import display_name
from geo.periods import Period

APP = str(ROOT / "app.py")
MARCH = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}
PMARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture
def app(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    return logged_in(AppTest.from_file(APP, default_timeout=90))


@pytest.fixture
def downloads(monkeypatch):
    """What the pages offer for download: [(label, bytes, file name)]."""
    got = []
    real = st.download_button

    def spy(label, data, file_name=None, *args, **kwargs):
        got.append((label, data, file_name))
        return real(label, data, file_name, *args, **kwargs)
    monkeypatch.setattr(st, "download_button", spy)
    return got


def open_page(app, page, **query):
    """The page opened from a link (the URL's filters apply on the first run)."""
    app.switch_page(f"ui/{page}.py")
    app.query_params.update({**MARCH, **query})
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(at):
    """The text as a reader sees it (Markdown escapes of user text, ui/safe.md, removed)."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.title, *at.subheader])).replace("\u200b", "")


def metrics(at):
    return {m.label: m.value for m in at.metric}


def charts(at):
    return at.get("vega_lite_chart")


def chart_data(el) -> list[pd.DataFrame]:
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in el.proto.datasets]


def series_data(el) -> pd.DataFrame:
    """The chart's series (not its reform rule or partial-period bands)."""
    return next(d for d in chart_data(el) if "value" in d.columns or "n" in d.columns)


def read_csv(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")          # UTF-8 with BOM, for Excel
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- CompStat

def test_compstat_totals_and_rows_are_those_of_geo(app, tiny, downloads):
    open_page(app, "compstat")
    assert "So sánh kỳ theo xã/phường, 01/03/2026 – 31/03/2026" in texts(app)
    a = stats.area_stats(tiny["db"], tiny["communes"], PMARCH)
    m = metrics(app)
    assert m["Tổng số vụ việc"] == str(a["incidents"].sum()) == "5"
    assert m["Kỳ trước"] == str(a["incidents_prev"].sum()) == "1"
    assert m["Cùng kỳ năm trước"] == str(a["incidents_last_year"].sum()) == "2"
    tot = compstat.totals(compstat.from_stats(a))
    assert m["Chỉ số z"] == stats.format_number(tot["z"], 2)

    # the full table: sorted by z (descending) as geo sorts it, the totals row last
    table = app.dataframe[-1].value
    want = compstat.compstat(tiny["db"], tiny["communes"], PMARCH)
    assert table["name"].tolist() == [*want["name"], "Tổng"]
    assert table["incidents"].tolist() == [*want["incidents"], 5]
    assert table["z"].tolist()[:-1] == want["z"].tolist()
    # real changes (|z| ≥ 2) are marked, against the previous period and last year
    marks = dict(zip(table["name"], table["mark"]))
    assert marks["Xã 11"] == "▲ Tăng" and marks["Xã 10"] == "▲ Tăng" and marks["Xã 00"] == ""
    assert dict(zip(table["name"], table["mark_ly"]))["Xã 01"] == "▼ Giảm"

    # top worse (side by side with "better", empty here)
    top = app.dataframe[0].value
    assert top["name"].tolist() == compstat.top_changes(want, 5, "worse")["name"].tolist()
    assert "Không có địa bàn nào." in texts(app)

    # the CSV download: UTF-8 with BOM, every area and the totals
    label, data, name = downloads[-1]
    assert name == "compstat_20260301_20260331.csv"
    csv = read_csv(data)
    assert csv["Mã"].tolist()[:-1] == want["code"].tolist()
    assert csv["Vụ việc"].tolist() == [str(v) for v in [*want["incidents"], 5]]


def test_compstat_sort_and_top_against_last_year(app, tiny):
    open_page(app, "compstat")
    app.selectbox(key="cs_sort").set_value("name").run()
    assert not app.exception
    assert app.dataframe[-1].value["name"].tolist() == ["Xã 00", "Xã 01", "Xã 10", "Xã 11", "Tổng"]
    app.toggle(key="cs_desc_True").set_value(True).run()
    assert app.dataframe[-1].value["name"].tolist()[:4] == ["Xã 11", "Xã 10", "Xã 01", "Xã 00"]
    app.button_group(key="cs_against").set_value("last_year").run()
    assert not app.exception
    want = compstat.compstat(tiny["db"], tiny["communes"], PMARCH)
    worse, better = app.dataframe[0].value, app.dataframe[1].value
    assert worse["name"].tolist() == compstat.top_changes(want, 5, "worse", against="last_year")["name"].tolist()
    assert better["name"].tolist() == ["Xã 01"]


def test_compstat_village_level_and_area(app, tiny):
    open_page(app, "compstat", level="village", area="C00", cat="hinh_su")
    table = app.dataframe[-1].value
    want = compstat.compstat(tiny["db"], tiny["villages"], PMARCH, categories=["hinh_su"], area="C00")
    # village names come with their commune (they repeat from one commune to the next)
    assert table["name"].tolist() == [*(f"{n} (Xã 00)" for n in want["name"]), "Tổng"] and len(want) == 2
    assert metrics(app)["Tổng số vụ việc"] == str(want["incidents"].sum())


# --------------------------------------------------------------------------- trends

def test_trends_cross_the_reform_from_2019(app, tiny):
    open_page(app, "trends")
    app.button_group(key="tr_span").set_value("since_2019").run()      # the explicit "since 2019" choice
    assert "Xu hướng, 01/01/2019 – 31/03/2026" in texts(app)
    ser = trends.incident_series(tiny["db"], tiny["communes"], "2019-01-01", "2026-03-31")
    assert f"Tổng số vụ việc: {ser.to_numpy().sum()}" in texts(app)
    assert "Sắp xếp ĐVHC 2 cấp (01/07/2025)" in texts(app)
    # the incidents chart: one series per category, and the reform rule with its label
    inc = charts(app)[0]
    spec = json.loads(inc.proto.spec)
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "rule", "text"]
    data = chart_data(inc)
    assert int(series_data(inc)["value"].sum()) == int(ser.to_numpy().sum()) == 8
    assert data[1]["label"].tolist() == ["Sắp xếp ĐVHC 2 cấp (01/07/2025)"]
    assert data[1]["day"].iloc[0] == pd.Timestamp("2025-07-01")
    # groups, cameras and coverage: the last month is what programme_series gives
    prog = trends.programme_series(tiny["db"], tiny["communes"], "2019-01-01", "2026-03-31")
    for el, field in zip(charts(app)[1:], ("groups_active", "cameras_active", "coverage_pct")):
        assert series_data(el)["value"].iloc[-1] == prog[field].iloc[-1]


def test_trends_without_the_reform_and_partial_buckets(app):
    open_page(app, "trends", **{"from": "2025-08-01", "to": "2026-03-15"})   # the sidebar's period
    assert not app.exception
    assert "Sắp xếp ĐVHC" not in texts(app)
    assert "rule" not in app.get("vega_lite_chart")[0].proto.spec
    assert "Kỳ chưa trọn" in texts(app) and "03/2026" in texts(app)


def test_trends_compare_areas_and_weeks(app, tiny):
    open_page(app, "trends")
    app.button_group(key="tr_span").set_value("since_2019").run()
    app.multiselect(key=f"tr_areas_{tiny['communes']}_").set_value(["C00", "C11"]).run()
    app.button_group(key="tr_freq").set_value("week").run()
    assert not app.exception
    assert "Vụ việc theo địa bàn" in texts(app)
    data = series_data(charts(app)[0])
    ser = trends.incident_series(tiny["db"], tiny["communes"], "2019-01-01", "2026-03-31", freq="week",
                                 by="area", areas=["C00", "C11"])
    got = data.groupby("series")["value"].sum().to_dict()
    name = {c: display_name(f"Xã {c[1:]}", "xa") for c in ("C00", "C11")}   # as the sidebar names them
    assert got == {name["C00"]: ser["C00"].sum(), name["C11"]: ser["C11"].sum()}
    assert data["bucket"].dt.day_of_week.eq(0).all()                           # weeks start on Monday


# --------------------------------------------------------------------------- coverage

def test_coverage_figures_and_vung_trang(app, tiny, downloads):
    open_page(app, "coverage")
    a = stats.area_stats(tiny["db"], tiny["communes"], PMARCH)
    m = metrics(app)
    assert m["Số thôn/TDP"] == str(a["villages"].sum()) == "8"
    assert m["Thôn/TDP có mô hình"] == str(a["villages_covered"].sum()) == "3"
    assert m["Tỷ lệ phủ (%)"] == "37,5 %"
    white = coverage.vung_trang(tiny["db"], tiny["communes"], dt.date(2026, 3, 31))
    assert m["Thôn/TDP vùng trắng"] == str(len(white))
    table, listed = app.dataframe[0].value, app.dataframe[1].value
    assert sorted(table["code"]) == sorted(a["code"])
    assert table.set_index("code")["coverage_pct"].to_dict() == a.set_index("code")["coverage_pct"].to_dict()
    assert listed["code"].tolist() == white["code"].tolist()
    csv = read_csv(next(d for label, d, name in downloads if name.startswith("vung_trang")))
    assert csv["Mã"].tolist() == white["code"].tolist()
    # the model-type mix: groups active on the last day, per commune and type
    mix = coverage.model_mix(tiny["db"], tiny["communes"], dt.date(2026, 3, 31))
    data = series_data(charts(app)[0])
    assert int(data["n"].sum()) == int(mix["total"].sum())


def test_coverage_one_commune_at_village_level(app, tiny):
    open_page(app, "coverage", level="village", area="C00")
    white = coverage.vung_trang(tiny["db"], tiny["villages"], dt.date(2026, 3, 31), area="C00")
    listed = app.dataframe[1].value
    assert listed["code"].tolist() == white["code"].tolist() == ["C00V1"]
    assert listed["area_name"].tolist() == ["Xã 00"]          # the village's commune, not itself
    assert metrics(app)["Số thôn/TDP"] == "2"


# --------------------------------------------------------------------------- hot spots

def test_hotspots_page_on_tiny(app, tiny):
    open_page(app, "hotspots")
    assert "Điểm nóng theo thôn/TDP, 01/03/2026 – 31/03/2026" in texts(app)
    hs = hotspots.hot_spots(tiny["db"], tiny["villages"], PMARCH)
    m = metrics(app)
    # the headline is every page's total: C11's incident with only the commune code is in it (issue 11)
    total = stats.area_stats(tiny["db"], tiny["communes"], PMARCH)["incidents"].sum()
    assert m["Số thôn/TDP"] == str(len(hs)) and m["Vụ việc"] == str(total) == str(hs["incidents"].sum() + 1)
    assert m["Điểm nóng"] == str(int(((hs["confidence"] > 0) & (hs["z"] > 0)).sum()))
    # the page says which correction is used (issue 11)
    assert any("Benjamini–Hochberg" in i.value and "có ít nhất 5 vụ việc" in i.value for i in app.info)


def test_hotspots_table_on_the_demo(demo_path, tmp_path, monkeypatch):
    from browser import copy_db
    from geo import areas, store
    db_path = copy_db(demo_path, tmp_path)
    monkeypatch.setenv("ANTT_DB", str(db_path))
    monkeypatch.chdir(ROOT)
    at = logged_in(AppTest.from_file(APP, default_timeout=120))
    open_page(at, "hotspots", **{"from": "2026-01-01", "to": "2026-06-30"})
    db = store.open_db(db_path, create=False)
    hs = hotspots.hot_spots(db, areas.current_set(db, "village").id,
                            Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
    hot = hs[(hs["confidence"] > 0) & (hs["z"] > 0)].sort_values(["z", "code"], ascending=[False, True])
    assert len(hot) > 0
    table = at.dataframe[0].value
    assert table["name"].tolist() == hot["name"].tolist()
    assert table["z"].tolist() == hot["z"].tolist()
    assert set(table["class_label"]) <= {"Điểm nóng – tin cậy 99 %", "Điểm nóng – tin cậy 95 %",
                                          "Điểm nóng – tin cậy 90 %"}


def test_categorical_classes_for_the_choropleth():
    c = maps.categorical_classes(["a", "b", "c"], ["#111111", "#222222", "#333333"], {"x": 0, "y": 2, "z": None})
    assert c["k"] == 3 and c["counts"] == [1, 0, 1] and c["nodata_count"] == 1
    assert [maps.class_index(c, v) for v in (0, 1, 2, None)] == [0, 1, 2, -1]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "name": code},
         "geometry": {"type": "Polygon", "coordinates": [[[106 + i * 0.1, 21], [106.1 + i * 0.1, 21],
                                                          [106.1 + i * 0.1, 21.1], [106 + i * 0.1, 21]]]}}
        for i, code in enumerate(("x", "y", "z"))]}
    html = maps.map_html(maps.choropleth(fc, {"x": 0, "y": 2}, metric_label="M", classes=c))
    assert '"v":"a"' in html and '"v":"c"' in html      # the tooltip shows the class, not its number
    with pytest.raises(ValueError):
        maps.categorical_classes(["a"], [])


# --------------------------------------------------------------------------- English

@pytest.mark.parametrize("page,title", [("compstat", "CompStat by commune, 01/03/2026 – 31/03/2026"),
                                        ("trends", "Trends, 01/03/2026 – 31/03/2026"),
                                        ("coverage", "Programme coverage by commune, on 31/03/2026"),
                                        ("hotspots", "Hot spots by village, 01/03/2026 – 31/03/2026")])
def test_english(app, page, title):
    open_page(app, page, lang="en")
    assert title in texts(app)
    assert "Tổng" not in texts(app) and "Vùng trắng" not in texts(app)


# --------------------------------------------------------------------------- in Chromium

@pytest.mark.e2e
def test_pages_draw_offline_in_chromium(demo_path, tmp_path):
    """Each page reached from the navigation draws its charts or map, with no request to
    another host (Vega and the Material icons are Streamlit's own, Leaflet is vendored)."""
    import time

    from browser import browser_page, copy_db, log_in, require_browser, running_app
    from geo import demo
    require_browser()
    drawn = {"compstat": "[data-testid='stDataFrame'] canvas",
             "trends": ".vega-embed svg, .vega-embed canvas",
             "coverage": ".vega-embed svg, .vega-embed canvas",
             "hotspots": "[data-testid='stDataFrame'], [data-testid='stExpander']"}
    db = copy_db(demo_path, tmp_path)
    with running_app(db) as url, browser_page() as (page, blocked):
        page.goto(url + "/?period=last_year")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        for name, selector in drawn.items():
            # the sidebar lists app.py's pages once the session's navigation is drawn
            page.wait_for_function(NAV_READY, timeout=90_000)
            page.locator(f"[data-testid='stSidebarNav'] a[href$='/{name}']").click()
            page.wait_for_url(f"**/{name}*")
            page.locator(selector).first.wait_for(timeout=90_000)
            if name in ("coverage", "hotspots"):     # the Leaflet maps draw their areas
                deadline = time.time() + 60
                while time.time() < deadline and not any(
                        _paths(f) for f in page.frames if f != page.main_frame):
                    # not time.sleep: the request guard (a Python route handler) only runs
                    # while Playwright is called, so sleeping would stall the page's requests
                    page.wait_for_timeout(500)
                assert any(_paths(f) for f in page.frames if f != page.main_frame), name
            assert page.locator("[data-testid='stException']").count() == 0, name
        # the language switch in the sidebar (app.py) applies to the page shown
        page.locator("[data-testid='stSidebar'] button:has-text('English')").click()
        page.get_by_text("Hot spots by village").wait_for(timeout=60_000)
        assert blocked == [], f"requests to other hosts were attempted: {blocked}"


NAV_READY = """() => {
  const hrefs = [...document.querySelectorAll("[data-testid='stSidebarNav'] a")].map(a => a.getAttribute("href"));
  return hrefs.some(h => h.endsWith("/hotspots")) && !hrefs.some(h => h.endsWith("/session"));
}"""


def _paths(frame) -> int:
    try:
        return frame.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length")
    except Exception:  # frame navigating
        return 0


# --------------------------------------------------------------------------- roles

def test_an_officer_sees_only_their_own_area(tiny, monkeypatch):
    """Every figure on the four pages is limited to the officer's commune (C00)."""
    from geo import auth
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    db = tiny["db"]

    def page(name, **query):
        at = AppTest.from_file(APP, default_timeout=90)
        at.session_state["user"] = auth.User(username="xa00", role="officer", area_code="C00")
        return open_page(at, name, **query)

    at = page("compstat")
    assert at.dataframe[-1].value["name"].tolist() == ["Xã 00", "Tổng"]
    assert metrics(at)["Tổng số vụ việc"] == "2"
    at = page("trends")
    own = trends.incident_series(db, tiny["communes"], "2026-03-01", "2026-03-31", areas=["C00"])
    assert f"Tổng số vụ việc: {own.to_numpy().sum()}" in texts(at)
    assert at.multiselect(key=f"tr_areas_{tiny['communes']}_C00").options == ["Xã Xã 00"]
    at = page("coverage")
    assert metrics(at)["Số thôn/TDP"] == "2" and at.dataframe[1].value["code"].tolist() == ["C00V1"]
    assert app_codes(at.dataframe[0].value) == ["C00"]
    at = page("hotspots")
    assert metrics(at)["Số thôn/TDP"] == "2" and metrics(at)["Vụ việc"] == "2"


def test_a_viewer_gets_the_hot_spot_map_without_exact_points(app, tiny):
    """The heat layer is built from gridded counts: a viewer (no exact points) gets it too."""
    from geo import auth
    app.session_state["user"] = auth.User(username="lanh_dao", role="viewer")
    open_page(app, "hotspots")
    assert metrics(app)["Số thôn/TDP"] == "8"


def app_codes(df: pd.DataFrame) -> list[str]:
    return sorted(df["code"])

