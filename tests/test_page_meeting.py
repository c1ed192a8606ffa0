"""The meeting page under Streamlit's AppTest, on the hand-made database."""
import re
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, logged_in
from geo import audit, views

APP = str(ROOT / "app.py")
MARCH = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def app(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = logged_in(AppTest.from_file(APP, default_timeout=120))
    at.switch_page("ui/meeting.py")
    return at


@pytest.fixture
def two_views(tiny):
    db = tiny["db"]
    a = views.save_view(db, "Toàn tỉnh tháng 3", {"level": "commune", **MARCH})
    b = views.save_view(db, "Xã 00 — thôn", {"level": "village", "area": "C00", **MARCH, "metric": "change_pct"})
    return a, b


def texts(at):
    """The text as a reader sees it (Markdown escapes of user text, ui/safe.md, removed)."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.title, *at.subheader])).replace("\u200b", "")


def qp(at, key):
    v = at.query_params.get(key)
    return v[-1] if isinstance(v, list) else v


def test_a_shared_link_sets_the_filters(app):
    app.query_params.update({"level": "village", "area": "C00", "cat": "hinh_su", "metric": "change_pct",
                             "scheme": "equal_interval", **MARCH})
    app.run()
    assert not app.exception
    assert app.radio(key="f_level").value == "village"
    assert app.selectbox(key="f_commune").value == "C00"
    assert app.multiselect(key="f_cat").value == ["hinh_su"]
    assert app.selectbox(key="f_metric").value == "change_pct"
    assert app.selectbox(key="f_scheme").value == "equal_interval"
    assert "Tăng/giảm (%) — Xã 00 · 01/03/2026 – 31/03/2026" in texts(app)
    # the figures of the view: 1 incident in C00's villages in March (hinh_su)
    assert {m.label: m.value for m in app.metric}["Tổng số vụ việc"] == "1"
    # and the URL keeps every filter
    assert qp(app, "area") == "C00" and qp(app, "metric") == "change_pct" and qp(app, "from") == "2026-03-01"


def test_exports_are_offered(app):
    app.query_params.update(MARCH)
    app.run()
    assert not app.exception
    labels = {b.label for b in app.get("download_button")}
    assert {"Báo cáo giao ban (PDF)", "Bản đồ (PNG)", "Bảng số liệu (CSV)", "Bảng số liệu (Excel)",
            "Địa bàn và số liệu (GeoJSON)"} <= labels


def test_save_the_current_view(app, tiny):
    app.query_params.update({"level": "village", "area": "C00", **MARCH, "sec": "views"})
    app.run()
    app.text_input(key="mt_save_name").input("Giao ban tháng 3 — Xã 00")
    app.button[0].click().run()            # the form's submit button
    assert not app.exception
    saved = views.list_views(tiny["db"])
    assert [v.name for v in saved] == ["Giao ban tháng 3 — Xã 00"]
    assert saved[0].query == {"level": "village", "set": str(tiny["villages"]), "area": "C00", **MARCH}
    assert any("Đã lưu" in s.value for s in app.success)
    # a second save of the same name is refused with a message
    app.text_input(key="mt_save_name").input("Giao ban tháng 3 — Xã 00")
    app.button[0].click().run()
    assert any("đã có" in e.value for e in app.error)
    assert len(views.list_views(tiny["db"])) == 1


def test_open_a_saved_view(app, two_views, tiny):
    a, b = two_views
    app.query_params.update({"sec": "views"})
    app.run()
    assert "Xã 00 — thôn" in texts(app) and "Toàn tỉnh tháng 3" in texts(app)
    app.button(key=f"mt_open_{b.id}").click().run()
    assert not app.exception
    assert app.segmented_control(key="mt_section").value == "map"
    assert app.radio(key="f_level").value == "village" and app.selectbox(key="f_commune").value == "C00"
    assert app.selectbox(key="f_metric").value == "change_pct"
    assert qp(app, "area") == "C00" and qp(app, "sec") == "map"


def test_rename_and_delete(app, two_views, tiny):
    a, b = two_views
    app.query_params.update({"sec": "views"})
    app.run()
    app.text_input(key=f"mt_rn_name_{a.id}").input("Toàn tỉnh — quý I")
    app.button(key=f"mt_rn_{a.id}").click().run()
    assert not app.exception
    assert views.get_view(tiny["db"], a.id).name == "Toàn tỉnh — quý I"
    app.button(key=f"mt_del_{b.id}").click().run()
    assert not app.exception
    assert [v.id for v in views.list_views(tiny["db"])] == [a.id]
    assert set(audit.entries(tiny["db"], target_kind="saved_view")["action"]) >= {"view.rename", "view.delete"}


def test_presentation_steps_through_the_views(app, two_views):
    a, b = two_views
    app.query_params.update({"sec": "views", **MARCH})
    app.run()
    app.multiselect(key="mt_present_ids").set_value([b.id, a.id]).run()
    app.button(key="mt_present_start").click().run()
    assert not app.exception
    assert qp(app, "present") == f"{b.id},{a.id}" and qp(app, "slide") == "1"
    assert [t.value for t in app.title] == ["Xã 00 — thôn"]
    assert "Xã 00 · 01/03/2026 – 31/03/2026 · Tăng/giảm (%)" in texts(app)
    assert app.button(key="mt_prev").disabled
    assert len(app.sidebar.selectbox) == 0                    # no filters while presenting
    app.button(key="mt_next").click().run()
    assert [t.value for t in app.title] == ["Toàn tỉnh tháng 3"] and qp(app, "slide") == "2"
    assert app.button(key="mt_next").disabled
    app.button(key="mt_prev").click().run()
    assert [t.value for t in app.title] == ["Xã 00 — thôn"]
    # leaving goes back to where the presentation was started
    app.button(key="mt_exit").click().run()
    assert not app.exception
    assert qp(app, "present") is None and qp(app, "sec") == "views" and qp(app, "from") == "2026-03-01"
    assert app.segmented_control(key="mt_section").value == "views"


def test_presentation_from_a_link_and_with_missing_views(app, two_views):
    a, b = two_views
    app.query_params.update({"present": f"{a.id},999,{b.id}", "slide": "2"})
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Xã 00 — thôn"]          # 999 skipped: slide 2 is b
    app2 = logged_in(AppTest.from_file(APP, default_timeout=120))
    app2.switch_page("ui/meeting.py")
    app2.query_params.update({"present": "998,999"})
    app2.run()
    assert not app2.exception and app2.warning
    app2.button(key="mt_exit").click().run()
    assert not app2.exception and qp(app2, "present") is None


def test_side_by_side_quarters_share_one_classification(app):
    app.query_params.update({**MARCH, "sec": "compare", "cmp": "quarters", "year": "2026"})
    app.run()
    assert not app.exception
    text = texts(app)
    for q in ("Quý 1/2026: 01/01/2026 – 31/03/2026", "Quý 2/2026", "Quý 3/2026", "Quý 4/2026"):
        assert q in text
    assert "Các bản đồ dùng chung một cách phân lớp" in text
    # i1–i4, i6, i9 (not i8: outside every boundary)
    assert "Quý 1/2026: 01/01/2026 – 31/03/2026** — tổng số vụ việc: 6" in text
    assert qp(app, "cmp") == "quarters"


def test_side_by_side_this_year_and_last(app):
    app.query_params.update({**MARCH, "sec": "compare"})
    app.run()
    assert not app.exception
    text = texts(app)
    assert "Cùng kỳ năm trước: 01/03/2025 – 31/03/2025** — tổng số vụ việc: 2" in text
    assert "Thời gian: 01/03/2026 – 31/03/2026** — tổng số vụ việc: 5" in text


def test_english(app, two_views):
    app.query_params.update({"lang": "en", "sec": "views", **MARCH})
    app.run()
    assert not app.exception
    assert "Review meeting" in texts(app)
    assert "Start the presentation" in {b.label for b in app.button}
