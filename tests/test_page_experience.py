"""Everyday experience under AppTest (issue 13): officer scope in the filters, trends on the
sidebar period, CompStat arrows and sparklines, boundary-page defaults, tables without "None"."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, logged_in

APP = str(ROOT / "app.py")
MARCH = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def at(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(APP, default_timeout=60)


def warnings(at):
    return " ".join(str(w.value) for w in at.warning)


@pytest.mark.parametrize("level", ["commune", "village"])
def test_officer_is_offered_only_their_commune(at, level):
    logged_in(at, "officer", "C00")
    at.query_params.update({"level": level, **MARCH})
    at.run()
    assert not at.exception
    box = at.selectbox(key="f_commune")
    assert box.options == ["Xã Xã 00"] and box.value == "C00"       # no "Toàn tỉnh", no other commune
    if level == "village":
        assert set(at.selectbox(key="f_village").options) == {"Tất cả", "Thôn Thôn 000", "Thôn Thôn 001"}


@pytest.mark.parametrize("query", [{"area": "C01"}, {"level": "village", "area": "C01V0"}])
def test_a_link_to_another_commune_says_so(at, query):
    logged_in(at, "officer", "C00")
    at.query_params.update({**MARCH, **query})
    at.run()
    assert not at.exception
    assert "ngoài địa bàn được giao" in warnings(at) and query["area"] in warnings(at)
    assert at.selectbox(key="f_commune").value == "C00"


def test_own_area_in_a_link_gives_no_warning(at):
    logged_in(at, "officer", "C00")
    at.query_params.update({**MARCH, "level": "village", "area": "C00V1"})
    at.run()
    assert "ngoài địa bàn" not in warnings(at)
    assert at.selectbox(key="f_village").value == "C00V1"


def test_admin_keeps_the_whole_province(at):
    logged_in(at, "admin")
    at.query_params.update(MARCH)
    at.run()
    assert at.selectbox(key="f_commune").options[0] == "Toàn tỉnh"
    assert len(at.selectbox(key="f_commune").options) == 5


def compstat(at, **query):
    logged_in(at, "admin")
    at.switch_page("ui/compstat.py")
    at.query_params.update(query)
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("month, z_text, direction, color", [
    ("04", "-4,47", "DOWN", "GREEN"),   # April 2026: 0 incidents against 5 in March → z = 2(√0 − √5)
    ("03", "2,47", "UP", "RED"),        # March: 5 against 1 in February → z = 2(√5 − √1)
])
def test_compstat_z_arrow_follows_the_sign_of_z(at, month, z_text, direction, color):
    end = "30" if month == "04" else "31"
    compstat(at, period="custom", **{"from": f"2026-{month}-01", "to": f"2026-{month}-{end}"})
    z = next(m for m in at.metric if m.label == "Chỉ số z")
    assert z.value == z_text
    assert z.proto.direction == getattr(z.proto.MetricDirection, direction)
    assert z.proto.color == getattr(z.proto.MetricColor, color)     # more incidents is worse


def test_compstat_has_a_sparkline_per_area_and_a_map(at):
    compstat(at, **MARCH)
    df = next(d.value for d in at.dataframe if "spark" in d.value.columns and len(d.value) == 5)
    assert all(len(v) == 12 for v in df["spark"])
    # the last month of each sparkline is the area's March count (the table's own number)
    assert [v[-1] for v in df["spark"]] == list(df["incidents"])
    assert any("Bản đồ thay đổi" in str(m.value) for m in at.markdown)


def trends_page(at, **query):
    logged_in(at, "admin")
    at.switch_page("ui/trends.py")
    at.query_params.update(query)
    at.run()
    assert not at.exception
    return at


def chart_rows(at):
    from test_page_analytics import charts, series_data
    return series_data(charts(at)[0])


def test_trends_follow_the_sidebar_period(at, tiny):
    from geo import trends
    trends_page(at, **MARCH)
    texts = " ".join(str(e.value) for e in [*at.markdown, *at.caption])
    assert "Xu hướng, 01/03/2026 – 31/03/2026" in texts
    assert not [d for d in at.date_input if d.key.startswith("tr_")]   # no start date of its own
    ser = trends.incident_series(tiny["db"], tiny["communes"], "2026-03-01", "2026-03-31")
    assert int(chart_rows(at)["value"].sum()) == int(ser.to_numpy().sum()) == 5


def test_trends_moving_average(at, tiny):
    from geo import trends
    trends_page(at, period="custom", **{"from": "2026-01-01", "to": "2026-03-31"})
    at.button_group(key="tr_style").set_value("lines").run()
    at.selectbox(key="tr_ma_month").set_value(3).run()
    assert not at.exception
    rows = chart_rows(at)
    ser = trends.incident_series(tiny["db"], tiny["communes"], "2026-01-01", "2026-03-31")
    want = trends.moving_average(ser, 3)
    hs = rows[rows["series"] == "Hình sự"]["value"].tolist()
    assert hs == want["hinh_su"].tolist() and hs == [0.0, 0.5, 1.0]   # Jan 0, Feb 1, Mar 2: trailing means
    import json
    assert "Vụ việc (trung bình 3 tháng)" in json.dumps(json.loads(at.get("vega_lite_chart")[0].proto.spec),
                                                        ensure_ascii=False)


def test_moving_average_is_trailing():
    import pandas as pd
    from geo import trends
    df = pd.DataFrame({"a": [0, 3, 6, 9]})
    assert trends.moving_average(df, 2)["a"].tolist() == [0, 1.5, 4.5, 7.5]
    assert trends.moving_average(df, 1) is df


def test_trend_category_colours_are_the_vocabulary_colours(at, tiny):
    import json
    from geo import vocab
    trends_page(at, **MARCH)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    enc = next(l["encoding"]["color"] for l in spec["layer"] if "color" in l.get("encoding", {})
               and "scale" in l["encoding"]["color"])
    got = dict(zip(enc["scale"]["domain"], enc["scale"]["range"]))
    assert got and all(got[vocab.CATEGORIES.label(c, "vi")] == vocab.CATEGORIES.term(c).color
                       for c in vocab.CATEGORIES.codes if vocab.CATEGORIES.label(c, "vi") in got)


def test_one_number_format_per_language():
    from geo import numfmt, stats
    assert numfmt.fmt_number(1234.5, 1) == stats.format_number(1234.5, 1) == "1.234,5"
    assert numfmt.fmt_number(1234.5, 1, "en") == stats.format_number(1234.5, 1, "en") == "1,234.5"
    assert numfmt.fmt_number(10.6) == "10,6" and numfmt.fmt_number(None) == "–"
    assert stats.format_number(-0.001, 2) == "0,00"


def test_local_dd_mm_yyyy_times():
    import datetime as dt
    from geo import numfmt
    utc = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.timezone.utc)
    local = utc.astimezone()
    assert numfmt.fmt_datetime(utc.isoformat()) == local.strftime("%d/%m/%Y %H:%M:%S")
    assert numfmt.fmt_date("2026-03-01") == "01/03/2026" and numfmt.fmt_datetime(None) == "–"


def test_audit_log_in_vietnamese_with_local_times_and_no_none(at, tiny):
    from geo import auth
    auth.create_user(tiny["db"], "canbo", "mat-khau-an-toan", "officer", "C00")
    logged_in(at, "admin")
    at.switch_page("ui/admin.py")
    at.run()
    assert not at.exception
    df = next(d.value for d in at.dataframe if "Thời điểm" in d.value.columns)
    assert {"Thời điểm", "Tên đăng nhập", "Thao tác", "Đối tượng", "Trước", "Sau", "Chi tiết"} <= set(df.columns)
    assert not {"at", "username", "action", "before", "after", "detail"} & set(df.columns)
    assert df["Thời điểm"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d").all()
    assert not df.isna().any().any() and "None" not in df.astype(str).to_numpy()


# --------------------------------------------------------------------------- #
# Tables: one helper (ui/grid.py), no "None"/"nan", numbers and dates in the language
# --------------------------------------------------------------------------- #
RAW_EMPTY = {"None", "nan", "NaN", "NaT", "<NA>", "null"}


def shown_tables(at):
    """The text every table of the run shows (the Styler's display values), one frame per table."""
    import pyarrow as pa
    out = []
    for el in [*at.dataframe, *at.table]:
        a = el.proto.arrow_data
        assert a.HasField("styler"), "a table drawn without ui.grid (no display text)"
        out.append(pa.ipc.open_stream(a.styler.display_values).read_pandas())
    return out


def test_no_direct_dataframe_outside_the_table_helper():
    import ast
    bad = []
    for path in [*(ROOT / "ui").glob("*.py"), ROOT / "app.py"]:
        if path.name == "grid.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("dataframe", "table", "data_editor")
                    and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("pd", "grid"))):
                bad.append(f"{path.name}:{node.lineno}")
    assert bad == []


@pytest.mark.parametrize("page, query", [
    ("ui/map.py", {**MARCH, "level": "village"}),
    ("ui/map.py", {**MARCH, "metric": "coverage_pct"}),
    ("ui/coverage.py", {**MARCH, "level": "village"}),
    ("ui/hotspots.py", MARCH),
    ("ui/compstat.py", MARCH),
    ("ui/about.py", {}),
    ("ui/admin.py", {}),
    ("ui/boundaries.py", {}),
])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_tables_show_no_raw_empty_values_in_either_language(at, tiny, page, query, language):
    from geo import submissions
    submissions.reject  # noqa: B018  (the village-status table lists communes with no village map)
    logged_in(at, "admin")
    at.switch_page(page)
    at.query_params.update({**query, "lang": language})
    at.session_state["map_table_open"] = True       # the map page builds its table only while open
    at.run()
    assert not at.exception
    frames = shown_tables(at)
    assert frames or page == "ui/hotspots.py", "no table on the page"   # tiny: maybe no hot spot
    for df in frames:
        cells = {str(v).strip() for v in df.to_numpy().ravel() if not isinstance(v, (list, tuple))}
        assert not cells & RAW_EMPTY, (page, df.head())
        assert not [c for c in cells if re.fullmatch(r"\d{4}-\d\d-\d\d([ T].*)?", c)], (page, "ISO date shown")


def test_table_numbers_and_dates_follow_the_language():
    import datetime as dt
    import pandas as pd
    from ui import grid
    df = pd.DataFrame({"n": [1234.5, None], "d": ["2026-03-01", None], "s": [None, "x"],
                       "when": [pd.Timestamp("2026-03-01 10:00"), pd.NaT]})
    vi = grid.styled(df, "vi", dates=["d"], decimals={"n": 1})
    en = grid.styled(df, "en", dates=["d"], decimals={"n": 1})
    assert vi._display_funcs[(0, 0)](1234.5) == "1.234,5" and en._display_funcs[(0, 0)](1234.5) == "1,234.5"
    for sty in (vi, en):
        assert [sty._display_funcs[(i, j)](df.iat[i, j]) for i in range(2) for j in range(4)][1:] == [
            "01/03/2026", "—", "01/03/2026 10:00:00", "—", "—", "x", "—"]
    assert grid.cell_text(dt.date(2026, 1, 2), "en") == "02/01/2026"


def test_data_page_values_and_boundary_set_labels_in_the_language():
    from geo import areas
    from ui import boundaries, data
    assert data.display_value("cameras", "radius_m", 1234.5, "vi") == "1.234,5"
    assert data.display_value("cameras", "radius_m", 1234.5, "en") == "1,234.5"
    s = areas.BoundarySet(id=3, name="Xã", level="commune", parent_set_id=None, valid_from="2019-01-01",
                          valid_to="2025-06-30", source_file=None, source_crs=None, encoding=None,
                          imported_at=None, imported_by=None, is_demo=False, areas=1, replaces_set_id=None)
    for lang in ("vi", "en"):
        label = boundaries.set_label(s, lang)
        assert "01/01/2019 → 30/06/2025" in label and "2019-01-01" not in label


def test_pages_format_numbers_in_the_page_language():
    """No page formats a number with a fixed (Vietnamese) language: every call of
    ``fmt_number``/``format_number`` in ui/ names the language, none is imported bare."""
    import ast
    bad = []
    for path in (ROOT / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and any(a.name in ("format_number", "fmt_number") for a in node.names):
                bad.append(f"{path.name}:{node.lineno} import")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("format_number", "fmt_number")
                    and len(node.args) < 3 and not any(k.arg == "lang" for k in node.keywords)):
                bad.append(f"{path.name}:{node.lineno}")
    assert bad == []


@pytest.mark.parametrize("path, target, note", [
    ("map", "", None), ("/map/", "", None), ("", "", None), ("compstat", "compstat", None),
    ("Bản-đồ", "", None), ("so-sanh", "compstat", None), ("quan-tri", "admin", None),
    ("khong-co-trang-nay", "", "nav_unknown"), ("data", "", "nav_not_allowed"),
])
def test_a_typed_path_opens_its_page_or_home_with_a_note(path, target, note):
    from ui import nav
    offered = {"", "compstat", "trends", "admin"}                 # e.g. a viewer: no "data"
    every = offered | {"data", "boundaries"}
    assert nav.route(path, offered, every) == (target, note)


# --------------------------------------------------------------------------- #
# Issue 10 item 6: a commune with no village map is marked on the village-level maps
# --------------------------------------------------------------------------- #
def drop_villages_of(tiny, commune: str):
    from geo import store
    with store.transaction(tiny["db"]) as conn:
        conn.execute("DELETE FROM areas WHERE set_id = ? AND parent_code = ?", (tiny["villages"], commune))
    store.bump_revision(tiny["db"])


def map_component_args(at) -> dict:
    import json
    return json.loads(at.get("component_instance")[0].proto.json_args)


def test_communes_without_villages_are_listed_per_scope(tiny):
    from geo import mapdata
    assert mapdata.communes_without_villages(tiny["db"], tiny["villages"]) == []
    drop_villages_of(tiny, "C11")
    assert mapdata.communes_without_villages(tiny["db"], tiny["villages"]) == ["C11"]
    assert mapdata.communes_without_villages(tiny["db"], tiny["villages"], {"C00"}) == []
    assert mapdata.communes_without_villages(tiny["db"], tiny["communes"]) == []      # not a village set
    p = mapdata.no_map_payload(tiny["db"], tiny["villages"], label="Chưa có bản đồ thôn")
    assert p["codes"] == ["C11"] and p["names"] == ["Xã 11"] and p["n"] == 1 and len(p["g"]) == 1


@pytest.mark.parametrize("role, area, marked", [("admin", None, ["C11"]), ("officer", "C00", None)])
def test_the_village_map_draws_a_commune_with_no_village_map_as_such(at, tiny, role, area, marked):
    drop_villages_of(tiny, "C11")
    logged_in(at, role, area)
    at.query_params.update({**MARCH, "level": "village"})
    at.run()
    assert not at.exception
    import json
    args = map_component_args(at)
    blobs = {**json.loads(args["blobs"])}
    nomap = [b for b in blobs.values() if b.get("kind") == "nomap"]
    if marked is None:                     # an officer of C00: nothing of another commune is sent
        assert nomap == []
        return
    assert [b["data"]["codes"] for b in nomap] == [marked]
    assert nomap[0]["data"]["label"] == "Chưa có bản đồ thôn" and nomap[0]["key"] in args["layers"]
    # at commune level nothing is marked
    at.radio(key="f_level").set_value("commune").run()
    assert not [k for k in map_component_args(at)["layers"] if k.startswith("n")]


def test_the_png_map_hatches_a_commune_with_no_village_map_and_names_it_in_the_legend(tiny):
    import datetime as dt
    from geo.export import View, png
    from geo.periods import Period
    drop_villages_of(tiny, "C11")
    march = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    view = View(set_id=tiny["villages"], period=march)
    assert list(png.no_map_communes(tiny["db"], view)["code"]) == ["C11"]
    fig = png.map_figure(tiny["db"], view, width=800, height=500)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.startswith("Chưa có bản đồ thôn") and "(1 " in t for t in texts)
    hatched = [p for ax in fig.axes for p in [*ax.patches, *ax.collections] if p.get_hatch()]
    assert len(hatched) >= 2                                   # on the map and its legend key
    assert png.no_map_communes(tiny["db"], View(set_id=tiny["villages"], period=march, area="C00")) is None
    assert png.no_map_communes(tiny["db"], View(set_id=tiny["communes"], period=march)) is None


@pytest.mark.parametrize("page", ["ui/hotspots.py", "ui/boundaries.py"])
@pytest.mark.parametrize("language, zoom_in", [("vi", "Phóng to"), ("en", "Zoom in")])
def test_folium_maps_fill_the_space_fold_their_legend_and_speak_the_language(at, page, language, zoom_in):
    """The st_folium maps of Hot spots and Boundaries (CompStat's is the browser map component,
    tested with the other component maps): as tall as the window below
    them, the folding legend the areas are fitted around, Leaflet's texts in the language."""
    import json
    logged_in(at, "admin")
    at.switch_page(page)
    at.query_params.update({**MARCH, "lang": language})
    at.run()
    assert not at.exception
    scripts = [json.loads(e.proto.json_args).get("script", "") for e in at.get("component_instance")
               if "st_folium" in e.proto.component_name]
    assert scripts, "no folium map on the page"
    for s in scripts:
        assert "anttLeaflet.fill(" in s and "anttLeaflet.legend(" in s and "anttLeaflet.localize(" in s
        assert json.dumps(zoom_in, ensure_ascii=False) in s


def test_coverage_shares_in_the_number_format_of_the_language(at):
    """A progress bar's label printed "50.0 %" in the Vietnamese table; the shares are numbers
    of the language now."""
    logged_in(at, "admin")
    at.switch_page("ui/coverage.py")
    at.query_params.update(MARCH)
    at.run()
    assert not at.exception
    df = next(d for d in shown_tables(at) if "coverage_pct" in d.columns)
    assert "50,0" in set(df["coverage_pct"])
    import json
    cfg = json.loads(next(e for e in at.dataframe if "coverage_pct" in e.value.columns).proto.columns)
    assert not any("progress" in json.dumps(v) for v in cfg.values())


@pytest.mark.parametrize("page", ["ui/coverage.py", "ui/trends.py"])
def test_charts_use_the_number_format_of_the_language(at, page):
    import json
    logged_in(at, "admin")
    at.switch_page(page)
    at.query_params.update(MARCH)
    at.run()
    assert not at.exception
    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert specs
    for spec in specs:
        assert spec.get("config", {}).get("locale", {}).get("number", {}).get("decimal") == ",", page


def test_compstat_sparklines_at_village_level_are_each_rows_own_counts(at):
    """Every row's sparkline ends on the row's own count, the communes' "village not known"
    rows included (the series is counted per row code, not resolved area by area)."""
    compstat(at, level="village", **MARCH)
    df = next(d.value for d in at.dataframe if "spark" in d.value.columns and len(d.value) > 5)
    rows = df[df["name"] != "Tổng"]
    assert any(str(n).startswith("▨") for n in rows["name"]), rows["name"].tolist()   # unplaced rows shown
    assert [v[-1] for v in rows["spark"]] == list(rows["incidents"])
