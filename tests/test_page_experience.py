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
