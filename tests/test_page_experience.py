"""Everyday experience under AppTest (issue 13): officer scope in the filters, trends on the
sidebar period, CompStat arrows and sparklines, boundary-page defaults, tables without "None"."""
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


def test_compstat_sparklines_at_village_level_are_each_rows_own_counts(at):
    """Every row's sparkline ends on the row's own count, the communes' "village not known"
    rows included (the series is counted per row code, not resolved area by area)."""
    compstat(at, level="village", **MARCH)
    df = next(d.value for d in at.dataframe if "spark" in d.value.columns and len(d.value) > 5)
    rows = df[df["name"] != "Tổng"]
    assert any(str(n).startswith("▨") for n in rows["name"]), rows["name"].tolist()   # unplaced rows shown
    assert [v[-1] for v in rows["spark"]] == list(rows["incidents"])
