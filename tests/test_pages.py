"""Every page under Streamlit's AppTest, on the hand-made database."""
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, logged_in

APP = str(ROOT / "app.py")


@pytest.fixture
def app(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    return logged_in(AppTest.from_file(APP, default_timeout=60))


def texts(at):
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.title, *at.subheader])


def test_map_page_shows_the_period_figures(app):
    app.query_params.update({"period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    app.run()
    assert not app.exception
    assert "Vụ việc theo xã/phường, 01/03/2026 – 31/03/2026" in texts(app)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Tổng số vụ việc"] == "5"          # C00 2 + C10 1 + C11 2 (see test_stats)
    assert metrics["Cùng kỳ năm trước"] == "2"
    assert metrics["Camera đang hoạt động"] == "1"
    # the filter state is written back to the URL
    assert app.query_params["from"] == ["2026-03-01"] or app.query_params["from"] == "2026-03-01"


def test_map_page_village_level_and_area_from_the_url(app, tiny):
    app.query_params.update({"level": "village", "area": "C00", "period": "custom", "from": "2026-03-01",
                             "to": "2026-03-31", "cat": "hinh_su", "layers": "heat,cameras,groups"})
    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Tổng số vụ việc"] == "1"
    assert app.selectbox(key="f_commune").value == "C00"
    assert app.multiselect(key="f_cat").value == ["hinh_su"]


def test_changing_a_filter_updates_the_figures(app):
    app.query_params.update({"period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    app.run()
    app.multiselect(key="f_cat").set_value(["khac"]).run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Tổng số vụ việc"] == "1"


def test_metric_and_classification_from_the_url(app):
    app.query_params.update({"metric": "coverage_pct", "scheme": "equal_interval", "period": "custom",
                             "from": "2026-03-01", "to": "2026-03-31"})
    app.run()
    assert not app.exception
    assert "Tỷ lệ phủ (%) theo xã/phường" in texts(app)
    assert app.selectbox(key="f_metric").value == "coverage_pct"
    assert app.selectbox(key="f_scheme").value == "equal_interval"


def test_english_switch(app):
    app.query_params.update({"lang": "en", "period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    app.run()
    assert not app.exception
    assert "Incidents by commune" in texts(app)


def test_no_demo_banner_on_real_data(app):
    app.run()
    assert "Dữ liệu mẫu" not in texts(app)


def test_about_page_lists_sets_and_definitions(app):
    app.run()
    app.switch_page("ui/about.py").run()
    assert not app.exception
    assert "Các bộ ranh giới" in texts(app)
    assert "vùng trắng" in texts(app)
    assert len(app.dataframe[0].value) == 4


def test_database_that_is_not_sqlite_shows_a_message(tmp_path, monkeypatch):
    bad = tmp_path / "bad.db"
    bad.write_text("not a database")
    monkeypatch.setenv("ANTT_DB", str(bad))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("SQLite" in e.value for e in at.error)
    assert bad.read_text() == "not a database"


def test_login_is_required_and_keeps_the_requested_view(tiny, monkeypatch):
    from geo import auth
    auth.create_user(tiny["db"], "xa00", "correct-horse", "officer", "C00")
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"level": "village", "period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    at.run()
    assert not at.exception and not at.metric          # nothing but the login form
    at.text_input(key="login_user").input("xa00")
    at.text_input(key="login_password").input("wrong-password")
    at.button[0].click().run()
    assert any("Sai tên đăng nhập" in e.value for e in at.error)
    at.text_input(key="login_password").input("correct-horse")
    at.button[0].click().run()
    assert not at.exception
    # the shared view opens, limited to the officer's commune
    assert "Vụ việc theo thôn/tổ dân phố, 01/03/2026 – 31/03/2026" in texts(at)
    assert {m.label: m.value for m in at.metric}["Tổng số vụ việc"] == "2"   # C00V0 + C00V1


def test_viewer_has_no_data_or_admin_pages(app):
    from geo import auth
    app.session_state["user"] = auth.User(username="lanh_dao", role="viewer")
    app.run()
    assert not app.exception
    for hidden in ("ui/admin.py", "ui/data.py", "ui/boundaries.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(hidden)


def test_admin_page_refuses_a_non_admin_even_when_reached(tiny, monkeypatch):
    """The page itself checks the role (the library refuses too), not only the navigation."""
    from geo import auth
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "ui" / "admin.py"), default_timeout=60)
    at.session_state["user"] = auth.User(username="xa00", role="officer", area_code="C00")
    at.run()
    assert not at.exception
    assert any("quản trị" in e.value for e in at.error)
    assert not at.dataframe


def test_a_user_who_must_change_the_password_gets_only_the_account_page(app, tiny):
    """Outside demo data (the tiny database is not demo data)."""
    from geo import auth
    auth.create_user(tiny["db"], "moi", "correct-horse", "viewer", must_change_password=True)
    app.session_state["user"] = auth.get_user(tiny["db"], "moi")
    app.run()
    assert not app.exception
    assert not app.metric                                  # no map figures
    assert any("đổi mật khẩu" in w.value for w in app.warning)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("ui/map.py")


def test_filters_survive_a_change_of_page(app):
    app.query_params.update({"period": "ytd", "cat": "hinh_su", "level": "village"})
    app.run()
    app.switch_page("ui/about.py").run()        # a page without the filter widgets
    app.switch_page("ui/map.py").run()
    assert not app.exception
    assert app.selectbox(key="f_preset").value == "ytd"
    assert app.multiselect(key="f_cat").value == ["hinh_su"]
    assert app.radio(key="f_level").value == "village"


def _components(at) -> list[str]:
    """The names of the custom components (e.g. the browser map, st_folium) the page drew."""
    out = []
    todo = [at._tree]
    while todo:
        node = todo.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "component_name"):
            out.append(proto.component_name)
        todo.extend(getattr(node, "children", {}).values())
    return out


def test_map_table_is_built_only_while_its_expander_is_open(app):
    """A filter change does not build (style, serialise, send) the figures table nobody opened:
    at province scale it cost more than the rest of the rerun."""
    app.query_params.update({"period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    app.run()
    assert [e.label for e in app.expander] == ["Bảng số liệu"]
    assert len(app.dataframe) == 0
    app.session_state["map_table_open"] = True       # the user opens it: the page reruns with it
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert int(table["incidents"].sum()) == 5


def test_compstat_map_is_the_browser_map(app):
    """CompStat's map of z keeps its shapes in the browser (ui/mapview.py) like the map page,
    instead of a folium map rebuilt and re-sent on every filter change."""
    app.run()
    app.switch_page("ui/compstat.py").run()
    assert not app.exception
    names = _components(app)
    assert any(n.endswith("antt_map") for n in names), names
    assert not any("st_folium" in n for n in names), names
