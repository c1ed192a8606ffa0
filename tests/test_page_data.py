"""The data page (ui/data.py) under Streamlit's AppTest on the hand-made database —
import with a dry run and a confirmation (AppTest can upload files since 1.4x),
the record form, the data-quality panel and its deep link — and the page's plain
helpers; plus one run in headless Chromium (skipped without a browser)."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geo import audit, auth, quality, records, store
from geo.stats import format_number as fmt
from ui import data as page

APP = str(ROOT / "app.py")
PAGE = "ui/data.py"
TABS = {"import": "Nhập tệp", "form": "Biểu mẫu", "quality": "Chất lượng dữ liệu"}

INCIDENTS_CSV = (
    "Mã vụ việc,Ngày xảy ra,Loại vụ việc,Kinh độ,Vĩ độ,Mã địa bàn,Mô tả\n"
    "i1,05/03/2026,Hình sự,106.02,21.02,,Trộm cắp (sửa)\n"          # i1 exists: an update
    "n1,10/03/2026,Ma túy,106.07,21.02,,Mới\n"                        # new
    "n2,11/03/2026,Không biết,106.07,21.02,,Loại lạ\n"                # rejected: category
    "n3,31/02/2026,Hình sự,21.02,106.07,,Ngày sai\n"                  # rejected: date, swapped
).encode("utf-8")


def new_app(tiny, monkeypatch, **query):
    """The app logged in as an administrator (the page acts as ``_acting_user()`` = the local
    administrator for now), on the data page."""
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = auth.User(username="test_admin", role="admin")
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(tiny, monkeypatch):
    return new_app(tiny, monkeypatch)


def open_tab(at, name):
    at.session_state[page.TAB_KEY] = TABS[name]
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at):
    """The text as a reader sees it (Markdown escapes of user text, ui/safe.md, removed)."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning,
                                           *at.error])).replace("\u200b", "")


def button(at, label_start):
    return next(b for b in at.button if b.label.startswith(label_start))


def metrics(at):
    return {m.label: m.value for m in at.metric}


def upload(at, name, content, mime="text/csv"):
    at.file_uploader(key="data_upload").set_value((name, content, mime)).run()
    assert not at.exception, at.exception
    return at


def dump(db) -> list:
    return db.conn.execute("SELECT * FROM incidents ORDER BY id").fetchall()


# --------------------------------------------------------------------------- rendering
def test_every_tab_renders(app):
    assert [t.label for t in app.tabs] == list(TABS.values())
    assert "Tải tệp lên để kiểm tra thử" in texts(app)
    assert app.radio(key="data_imp_kind").value == "groups"
    open_tab(app, "form")
    assert app.selectbox(key="data_form_pick").value == page.NEW
    assert [b.label for b in app.button if b.label == "Thêm bản ghi"]
    open_tab(app, "quality")
    assert "Bấm một mục để xem danh sách" in texts(app)
    open_tab(app, "import")
    assert not app.exception


def test_nobody_logged_in_gets_the_login_form_not_the_page(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not at.tabs and not at.file_uploader
    assert at.text_input(key="login_user") is not None


def test_english(tiny, monkeypatch):
    at = new_app(tiny, monkeypatch, lang="en")
    assert [t.label for t in at.tabs] == ["Import", "Form", "Data quality"]
    at.session_state[page.TAB_KEY] = "Data quality"
    at.run()
    assert not at.exception
    assert any(b.label.startswith("Incidents outside the boundaries: ") for b in at.button)


# --------------------------------------------------------------------------- data quality
def test_quality_counts_are_those_of_geo_quality(app, tiny):
    open_tab(app, "quality")
    expected = quality.counts(tiny["db"])
    shown = {b.key: b.label for b in app.button if (b.key or "").startswith("dq_")}
    assert len(shown) == len(expected) == len(quality.CHECKS)
    for r in expected.itertuples(index=False):
        assert shown[f"dq_{r.check}:{r.kind}"] == f"{r.label}: **{fmt(r.count)}**"
    # the hand-made figures (see conftest.make_tiny)
    assert shown["dq_outside:incidents"].endswith("**1**")          # i8
    assert shown["dq_no_coordinates:incidents"].endswith("**2**")   # i6, i7
    assert shown["dq_unknown_vocab:groups"].endswith("**1**")       # g5


def test_a_count_opens_its_list_and_puts_it_in_the_url(app):
    open_tab(app, "quality")
    app.button(key="dq_unknown_vocab:incidents").click().run()
    assert not app.exception
    assert app.query_params["dq"] in ("unknown_vocab:incidents", ["unknown_vocab:incidents"])
    table = app.dataframe[0].value
    assert list(table["Mã vụ việc"]) == ["i9"]
    assert list(table["Loại vụ việc"]) == ["not_a_category"]        # the stored code, as it is
    # clicking it again closes the list
    app.button(key="dq_unknown_vocab:incidents").click().run()
    assert "dq" not in app.query_params
    assert not app.dataframe


def test_deep_link_opens_the_quality_tab_on_that_list(tiny, monkeypatch):
    at = new_app(tiny, monkeypatch, dq="outside:incidents")
    assert at.session_state[page.TAB_KEY] == TABS["quality"]
    assert "Vụ việc nằm ngoài ranh giới: 1" in texts(at)
    table = at.dataframe[0].value
    assert list(table["Mã vụ việc"]) == ["i8"]
    assert list(table["Kinh độ"]) == [107.5]


def test_a_bad_deep_link_is_ignored(tiny, monkeypatch):
    at = new_app(tiny, monkeypatch, dq="nope:{{7*7}}")
    assert at.session_state[page.TAB_KEY] == TABS["import"]
    assert any("nope" in str(t.value) for t in at.toast)


def test_quality_counts_follow_a_write(app, tiny):
    open_tab(app, "quality")
    assert app.button(key="dq_outside:incidents").label.endswith("**1**")
    records.add_record(tiny["db"], "incidents", {"id": "x1", "occurred_on": "2026-03-01", "category": "ma_tuy",
                                                 "lon": 107.6, "lat": 22.6})
    app.run()
    assert app.button(key="dq_outside:incidents").label.endswith("**2**")   # the revision keys the cache


# --------------------------------------------------------------------------- import
def test_upload_shows_a_dry_run_then_confirm_imports(app, tiny, monkeypatch):
    db = tiny["db"]
    before = dump(db)
    app.radio(key="data_imp_kind").set_value("incidents").run()
    calls = []
    real = records.import_records
    monkeypatch.setattr(page.records, "import_records",
                        lambda *a, **k: calls.append(k["dry_run"]) or real(*a, **k))
    upload(app, "vv.csv", INCIDENTS_CSV)
    assert "Kiểm tra thử vv.csv (chưa ghi gì)" in texts(app)
    assert metrics(app) == {"Thêm mới": "1", "Cập nhật": "1", "Không đổi": "0", "Bị từ chối": "2"}
    errors = app.dataframe[0].value
    assert list(errors.columns) == ["Dòng", "Cột", "Lỗi"]
    assert list(errors["Dòng"]) == [4, 5, 5]
    assert "không có trong danh mục" in errors["Lỗi"].iloc[0]
    assert "bị đảo" in " ".join(errors["Lỗi"])
    changes = app.dataframe[1].value
    assert changes.iloc[0].tolist() == ["i1", "Cập nhật", "Mô tả", "–", "Trộm cắp (sửa)"]
    assert dump(db) == before                         # nothing written
    app.run()
    assert calls == [True]                            # the dry run is cached across reruns

    button(app, "Xác nhận").click().run()
    assert not app.exception
    assert calls == [True, False]
    assert "Đã nhập vv.csv: 1 thêm mới, 1 cập nhật, 0 không đổi, 2 bị từ chối." in texts(app)
    assert not [b for b in app.button if b.label.startswith("Xác nhận")]
    assert records.get_record(db, "incidents", "n1")["category"] == "ma_tuy"
    assert records.get_record(db, "incidents", "i1")["description"] == "Trộm cắp (sửa)"
    assert records.get_record(db, "incidents", "n2") is None
    log = audit.entries(db, target_kind="incidents")
    assert set(log["action"]) == {"import", "update"}
    assert set(log["username"]) == {"test_admin"}
    app.run()
    assert calls == [True, False]                     # the result stays; no new dry run


def test_the_same_file_again_has_nothing_to_write(app, tiny):
    records.import_records(tiny["db"], "incidents", INCIDENTS_CSV, file_name="vv.csv")
    app.radio(key="data_imp_kind").set_value("incidents").run()
    upload(app, "vv.csv", INCIDENTS_CSV)
    assert metrics(app)["Không đổi"] == "2"
    assert "Không có gì để ghi" in texts(app)
    assert not [b for b in app.button if b.label.startswith("Xác nhận")]


def test_a_write_between_dry_run_and_confirm_gives_a_new_dry_run(app, tiny):
    db = tiny["db"]
    app.radio(key="data_imp_kind").set_value("incidents").run()
    upload(app, "vv.csv", INCIDENTS_CSV)
    old = button(app, "Xác nhận")
    records.add_record(db, "incidents", {"id": "n1", "occurred_on": "2026-03-10", "category": "ma_tuy",
                                         "lon": 106.07, "lat": 21.02, "description": "Mới"})
    app.run()                                         # someone else imported n1 meanwhile
    assert metrics(app)["Thêm mới"] == "0" and metrics(app)["Không đổi"] == "1"
    assert button(app, "Xác nhận").key != old.key     # a click on the old button imports nothing blind


@pytest.mark.parametrize("name, content, reason", [
    ("x.csv", b"%PDF-1.4 not a table", "tệp PDF không phải CSV"),   # a PDF saved as .csv
    ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "tệp Excel .xls (định dạng cũ)"),
    ("x.csv", b"a,b,c\n1,2,3\n", "không tìm thấy dòng tiêu đề"),
    ("x.csv", "Mã vụ việc,Mô tả\nx,y\n".encode(), "thiếu cột bắt buộc"),
])
def test_an_unreadable_file_gives_the_reason_in_vietnamese(app, tiny, name, content, reason):
    before = dump(tiny["db"])
    app.radio(key="data_imp_kind").set_value("incidents").run()
    upload(app, name, content)
    assert len(app.error) == 1 and reason in app.error[0].value
    assert app.error[0].value.startswith("Không đọc được tệp")
    assert dump(tiny["db"]) == before


def test_an_unexpected_failure_is_logged_not_shown(app, monkeypatch, caplog):
    def boom(*a, **k):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(page.records, "import_records", boom)
    with caplog.at_level(logging.ERROR, logger="antt"):
        upload(app, "g.csv", "Mã tổ,Tên tổ,Loại mô hình\ng9,Tổ 9,Khác\n".encode())
    assert len(app.error) == 1 and "Có lỗi không mong muốn" in app.error[0].value
    assert "secret" not in texts(app)
    assert any("secret internals" in (r.exc_text or "") for r in caplog.records)


def test_template_downloads_are_offered(app):
    labels = {getattr(e, "proto", None) and e.proto.label for e in app.get("download_button")}
    assert {"Biểu mẫu Excel (.xlsx)", "Biểu mẫu CSV"} <= labels


# --------------------------------------------------------------------------- form
def new_prefix(kind):
    return page._prefix(kind, None)


def test_form_adds_a_group_and_it_is_audited(app, tiny):
    db = tiny["db"]
    open_tab(app, "form")
    p = new_prefix("groups")
    app.text_input(key=p + "id").set_value("g9")
    app.text_input(key=p + "name").set_value("Tổ tự quản số 9")
    app.selectbox(key=p + "model_type").set_value("doi_dan_phong_pccc")
    app.selectbox(key=p + "village_code").set_value("C10V1")
    app.date_input(key=p + "founded_on").set_value(dt.date(2024, 5, 1))
    app.number_input(key=p + "members").set_value(12)
    button(app, "Thêm bản ghi").click().run()
    assert not app.exception, app.exception
    rec = records.get_record(db, "groups", "g9")
    assert (rec["name"], rec["model_type"], rec["village_code"], rec["founded_on"], rec["members"]) == \
        ("Tổ tự quản số 9", "doi_dan_phong_pccc", "C10V1", "2024-05-01", 12)
    log = audit.entries(db, target_kind="groups", target_id="g9")
    assert list(log["action"]) == ["create"] and list(log["username"]) == ["test_admin"]
    assert audit.decode(log["after"].iloc[0])["name"] == "Tổ tự quản số 9"
    # the form now shows the new record, with its history
    assert "Đã thêm mô hình, tổ, đội mã g9." in texts(app)
    assert app.selectbox(key="data_form_pick").value == "g9"
    history = app.dataframe[0].value
    assert history["Thao tác"].tolist() == ["Thêm mới"]
    assert "Tên tổ: Tổ tự quản số 9" in history["Nội dung"].iloc[0]


def test_form_adds_a_camera_from_the_coordinates(app, tiny):
    db = tiny["db"]
    open_tab(app, "form")
    app.radio(key="data_form_kind").set_value("cameras").run()
    p = new_prefix("cameras")
    assert app.number_input(key=p + "radius_m").value == 50.0      # the default radius
    app.text_input(key=p + "id").set_value("k9")
    app.number_input(key=p + "lon").set_value(106.17)
    app.number_input(key=p + "lat").set_value(21.17)
    app.checkbox(key=p + "connected_to_police").check()
    button(app, "Thêm bản ghi").click().run()
    assert not app.exception, app.exception
    rec = records.get_record(db, "cameras", "k9")
    assert (rec["lon"], rec["lat"], rec["radius_m"], rec["connected_to_police"]) == (106.17, 21.17, 50.0, 1)
    assert db.conn.execute("SELECT code FROM record_areas WHERE kind = 'camera' AND record_id = 'k9' "
                           "AND set_id = ?", (tiny["villages"],)).fetchone() == ("C11V1",)


def test_form_errors_are_shown_by_field_and_nothing_is_written(app, tiny):
    db = tiny["db"]
    open_tab(app, "form")
    app.radio(key="data_form_kind").set_value("incidents").run()
    p = new_prefix("incidents")
    app.text_input(key=p + "id").set_value("n9")
    app.date_input(key=p + "occurred_on").set_value(dt.date(2026, 3, 1))
    app.selectbox(key=p + "category").set_value("hinh_su")
    app.number_input(key=p + "lon").set_value(21.02)       # swapped
    app.number_input(key=p + "lat").set_value(106.02)
    rev = store.revision(db)
    button(app, "Thêm bản ghi").click().run()
    assert not app.exception
    assert records.get_record(db, "incidents", "n9") is None and store.revision(db) == rev
    assert "Chưa lưu được" in app.error[0].value
    assert any("bị đảo" in m.value for m in app.markdown if m.value.startswith(":red["))
    # the typed values are kept for fixing
    assert app.text_input(key=p + "id").value == "n9"
    app.number_input(key=p + "lon").set_value(106.02)
    app.number_input(key=p + "lat").set_value(21.02)
    button(app, "Thêm bản ghi").click().run()
    assert records.get_record(db, "incidents", "n9")["category"] == "hinh_su"


def test_form_edits_deletes_and_restores_a_record(app, tiny):
    db = tiny["db"]
    open_tab(app, "form")
    app.selectbox(key="data_form_pick").set_value("g1").run()
    p = page._prefix("groups", "g1")
    assert app.text_input(key=p + "id").value == "g1" and app.text_input(key=p + "id").disabled
    assert app.text_input(key=p + "name").value == "Tổ 1"
    app.text_input(key=p + "name").set_value("Tổ 1 (đổi tên)")
    button(app, "Lưu thay đổi").click().run()
    assert not app.exception
    assert records.get_record(db, "groups", "g1")["name"] == "Tổ 1 (đổi tên)"
    assert "Đã lưu bản ghi g1." in texts(app)
    hist = app.dataframe[0].value
    assert hist["Nội dung"].iloc[0] == "Tên tổ: Tổ 1 → Tổ 1 (đổi tên)"

    button(app, "Lưu thay đổi").click().run()                 # nothing changed: nothing written
    assert "Không có gì thay đổi" in texts(app)
    assert len(audit.entries(db, target_kind="groups", target_id="g1")) == 1

    app.button(key=p + "btn_del").click().run()                # a reason is required
    assert "Hãy ghi lý do xóa" in texts(app)
    assert records.get_record(db, "groups", "g1")["deleted_at"] is None
    app.text_input(key=p + "reason_del").set_value("trùng với g2")
    app.button(key=p + "btn_del").click().run()
    assert not app.exception
    assert records.get_record(db, "groups", "g1")["deleted_at"] is not None
    assert "Bản ghi này đã bị xóa" in texts(app)
    assert "(đã xóa)" in app.selectbox(key="data_form_pick").format_func("g1")

    app.button(key=p + "btn_res").click().run()
    assert records.get_record(db, "groups", "g1")["deleted_at"] is None
    log = audit.entries(db, target_kind="groups", target_id="g1")
    assert list(log["action"]) == ["restore", "delete", "update"]
    assert log[log["action"] == "delete"]["detail"].iloc[0] == "trùng với g2"


def test_search_finds_a_record_by_part_of_its_id(app):
    open_tab(app, "form")
    app.radio(key="data_form_kind").set_value("incidents").run()
    app.text_input(key="data_form_search").set_value("9").run()
    assert app.selectbox(key="data_form_pick").options[1:] == ["i9 — 17/03/2026 · Khác"]


def test_a_quality_list_row_opens_in_the_form(app):
    open_tab(app, "quality")
    app.button(key="dq_outside:incidents").click().run()
    app.session_state["dq_table_outside_incidents"] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    if not [b for b in app.button if b.key == "dq_open_form"]:
        pytest.skip("AppTest cannot select dataframe rows in this Streamlit version")
    app.button(key="dq_open_form").click().run()
    assert app.session_state[page.TAB_KEY] == TABS["form"]
    assert app.selectbox(key="data_form_pick").value == "i8"


# --------------------------------------------------------------------------- helpers
def test_run_import_never_raises(tiny):
    out = page.run_import(tiny["db"], "incidents", b"%PDF-1.4", "x.pdf", dry_run=True)
    assert not out.ok and "PDF" in out.error and not out.internal
    out = page.run_import(tiny["db"], "incidents", INCIDENTS_CSV, "vv.csv", dry_run=True)
    assert out.ok and out.writes == 2 and out.revision == store.revision(tiny["db"])


def test_tables_of_a_result(tiny):
    res = records.import_records(tiny["db"], "incidents", INCIDENTS_CSV, dry_run=True)
    err = page.errors_frame(res, "en")
    assert list(err.columns) == ["Row", "Column", "Problem"] and len(err) == 3
    ch = page.changes_frame(res, "vi")
    assert ch.to_dict("records") == [{"Mã": "i1", "Thao tác": "Cập nhật", "Trường": "Mô tả", "Trước": "–",
                                      "Sau": "Trộm cắp (sửa)"}]


def test_form_values_and_widget_values_round_trip():
    spec = records.kind_spec("incidents")
    stored = {"id": "a", "occurred_on": "2026-03-05 14:30", "category": "hinh_su", "lon": 106.0, "lat": 21.0,
              "area_code": None, "description": "", "source": None}
    widgets = {f.name: page.widget_value(f, stored.get(f.name)) for f in spec.fields}
    times = {"occurred_on": page.time_value(stored["occurred_on"])}
    assert widgets["occurred_on"] == dt.date(2026, 3, 5) and times["occurred_on"] == dt.time(14, 30)
    vals = page.form_values("incidents", widgets, times)
    assert vals == {"id": "a", "occurred_on": "2026-03-05 14:30", "category": "hinh_su", "lon": 106.0,
                    "lat": 21.0, "area_code": None, "description": None, "source": None}
    assert page.form_values("incidents", {**widgets}, {})["occurred_on"] == "2026-03-05"
    g = page.form_values("cameras", {"id": " k ", "connected_to_police": None, "installed_on": dt.date(2025, 1, 2)})
    assert (g["id"], g["connected_to_police"], g["installed_on"]) == ("k", False, "2025-01-02")


def test_errors_by_field():
    per, general = page.errors_by_field("cameras", [
        {"column": "Kinh độ", "message": "đảo"}, {"column": "", "message": "chung"},
        {"column": "Bán kính quan sát (m)", "message": "> 0"}])
    assert per == {"lon": ["đảo"], "radius_m": ["> 0"]} and general == ["chung"]


def test_parse_dq():
    assert page.parse_dq("outside:incidents") == ("outside", "incidents")
    assert page.parse_dq("outside:groups") is None          # no such check for groups
    for bad in (None, "", "outside", "x:y", ["outside:incidents"]):
        assert page.parse_dq(bad) is None


def test_record_choices(tiny):
    db = tiny["db"]
    c = page.record_choices(db, "groups", "")
    assert set(c["id"]) == {"g1", "g2", "g3", "g4", "g5"} and not c["deleted"].any()
    assert page.record_choices(db, "groups", "g_")["id"].tolist() == []     # _ is not a wildcard
    assert page.record_choices(db, "groups", "G2")["id"].tolist() == ["g2"]  # LIKE ignores case
    records.delete_record(db, "groups", "g2", reason="x")
    c = page.record_choices(db, "groups", "g2")
    assert c["id"].tolist() == ["g2"] and c["deleted"].tolist() == [True]
    assert c["label"].iloc[0] == "g2 — Tổ 2"


def test_history_describes_each_change(tiny):
    db = tiny["db"]
    for name in ("an", "binh"):
        auth.create_user(db, name, "mat-khau-du-dai", "admin")
    records.add_record(db, "cameras", {"id": "k9", "lon": 106.02, "lat": 21.02}, user="an")
    records.update_record(db, "cameras", "k9", {"connected_to_police": True}, user="binh")
    records.delete_record(db, "cameras", "k9", reason="lắp nhầm")
    h = page.history_frame(db, "cameras", "k9", "vi")
    assert h["Thao tác"].tolist() == ["Xóa", "Cập nhật", "Thêm mới"]
    assert h["Người thực hiện"].tolist() == ["system", "binh", "an"]
    assert h["Nội dung"].iloc[1] == "Kết nối với Công an: Không → Có"
    assert h["Ghi chú"].iloc[0] == "lắp nhầm"


# --------------------------------------------------------------------------- browser
@pytest.mark.e2e
def test_upload_dry_run_and_confirm_in_chromium(tiny, tmp_path):
    from browser import browser_page, require_browser, running_app
    require_browser()
    db = tiny["db"]
    csv = tmp_path / "vv.csv"
    csv.write_bytes(INCIDENTS_CSV)
    auth.create_user(db, "quantri", "mat-khau-du-dai", "admin")
    with running_app(tiny["path"]) as url, browser_page() as (pg, blocked):
        pg.goto(url + "/data")
        pg.get_by_label("Tên đăng nhập").fill("quantri", timeout=60_000)
        pg.get_by_label("Mật khẩu").fill("mat-khau-du-dai")
        pg.get_by_role("button", name="Đăng nhập").click()
        pg.get_by_role("tab", name="Nhập tệp").wait_for(timeout=60_000)
        pg.get_by_text("Vụ việc", exact=True).first.click()
        pg.wait_for_timeout(1500)
        pg.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
        pg.get_by_text("Kiểm tra thử vv.csv").wait_for(timeout=60_000)
        assert records.get_record(db, "incidents", "n1") is None
        with pg.expect_download(timeout=60_000) as dl:
            pg.get_by_role("button", name="Tải dòng bị từ chối (CSV)").click()
        rejected = dl.value.path().read_bytes().decode("utf-8-sig").splitlines()
        assert rejected[0].endswith(",Lỗi") and [r.split(",")[0] for r in rejected[1:]] == ["n2", "n3"]
        with pg.expect_download(timeout=60_000) as dl:
            pg.get_by_role("button", name="Biểu mẫu Excel (.xlsx)").click()
        assert dl.value.path().read_bytes()[:4] == b"PK\x03\x04"
        pg.get_by_role("button", name="Xác nhận").click()
        pg.get_by_text("Đã nhập vv.csv").wait_for(timeout=60_000)
        assert records.get_record(db, "incidents", "n1")["lon"] == 106.07

        # the form: a click on the map sets the location, saving writes it with an audit row
        pg.get_by_role("tab", name="Biểu mẫu").click()
        pg.get_by_text("Loại dữ liệu").last.wait_for(timeout=60_000)
        pg.locator('[data-testid="stRadio"]').last.get_by_text("Vụ việc", exact=True).click()
        search = pg.get_by_role("textbox", name="Tìm theo mã").first
        search.fill("n1")
        search.press("Enter")
        pg.wait_for_timeout(1500)
        pg.locator('[data-testid="stSelectbox"]').filter(has_text="Bản ghi").first.click()
        pg.get_by_role("option").filter(has_text="n1 —").first.click()
        frame = pg.locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.wait_for(timeout=60_000)
        pg.wait_for_timeout(3000)
        box = frame.bounding_box()
        pg.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
        pg.wait_for_timeout(3000)
        pg.get_by_role("button", name="Lưu thay đổi").click()
        pg.get_by_text("Đã lưu bản ghi n1.").wait_for(timeout=60_000)
        rec = records.get_record(db, "incidents", "n1")
        assert rec["lon"] != 106.07 and 105 < rec["lon"] < 108 and 20 < rec["lat"] < 22
        assert audit.entries(db, target_kind="incidents", target_id="n1")["action"].iloc[0] == "update"
        assert blocked == []


def test_a_refusal_of_the_acting_user_is_shown_plainly(app, tiny, monkeypatch):
    """A viewer is refused by the library (import) and by the page itself (no form at all)."""
    db = tiny["db"]
    auth.create_user(db, "lanhdao", "mat-khau-du-dai", "viewer")
    out = page.run_import(db, "groups", "Mã tổ,Tên tổ,Loại mô hình\ng9,Tổ 9,Khác\n".encode(), "g.csv",
                          dry_run=True, user="lanhdao")
    assert not out.ok and out.denied and not out.internal
    app.session_state["user"] = auth.get_user(db, "lanhdao")
    app.run()                       # the viewer's navigation has no data page: back on the map
    assert not app.exception
    assert records.get_record(db, "groups", "g9") is None
    assert not app.file_uploader
    # reached directly, the page itself refuses a viewer
    direct = AppTest.from_file(str(ROOT / "ui" / "data.py"), default_timeout=60)
    direct.session_state["user"] = auth.get_user(db, "lanhdao")
    direct.run()
    assert not direct.exception and not direct.file_uploader
    assert any("chỉ được xem" in e.value for e in direct.error)


def test_admin_downloads_a_backup_of_the_database(app, tiny):
    import sqlite3
    from geo import schema
    make = app.button(key="data_backup_make")
    make.click().run()
    assert not app.exception, app.exception
    path, name = app.session_state["_data_backup"]
    assert name.startswith("antt-backup-") and name.endswith(".db")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == \
        store.open_db(tiny["path"]).conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    conn.close()
    db = store.open_db(tiny["path"])
    row = db.conn.execute("SELECT username FROM audit_log WHERE action = 'db.backup'").fetchone()
    assert row == ("test_admin",)


def test_an_officer_gets_no_backup_button(tiny, monkeypatch):
    monkeypatch.setenv("ANTT_DB", str(tiny["path"]))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = auth.User(username="test_officer", role="officer", area_code="C00")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "data_backup_make"]
