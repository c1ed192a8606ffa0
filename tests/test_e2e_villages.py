"""The village flow of the Boundaries page in headless Chromium: an officer uploads their
commune's villages and submits them; an administrator reviews and approves them; the
province layer then holds them, every other commune's villages carried over."""

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app
from geo import areas, auth, store, submissions

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-e2e"


@pytest.fixture(scope="module")
def app(demo_path, tmp_path_factory):
    require_browser()
    tmp = tmp_path_factory.mktemp("villages")
    path = copy_db(demo_path, tmp)
    db = store.open_db(path)
    communes = areas.area_table(db, areas.current_set(db, "commune").id)
    mine = communes["code"].iloc[0]
    auth.create_user(db, "can_bo_thon", PASSWORD, "officer", mine)
    auth.create_user(db, "quan_tri", PASSWORD, "admin")
    layer = areas.current_set(db, "village")
    own = areas.load_areas(db, layer.id)
    own = own[own["parent_code"] == mine][["code", "name", "geometry"]].reset_index(drop=True)
    own["code"] = [f"{mine}-M{i + 1}" for i in range(len(own))]      # the commune's new village codes
    f = tmp / "thon_moi.geojson"
    own.rename(columns={"code": "ma_thon", "name": "ten_thon"}).to_file(f, driver="GeoJSON")
    with running_app(path) as url:
        yield {"url": url, "db": db, "mine": mine, "file": f, "codes": list(own["code"]), "layer": layer.id}


def test_officer_submits_and_admin_approves_in_the_browser(app, tmp_path):
    db = app["db"]
    sets_before = [s.id for s in areas.list_sets(db, "village")]
    with browser_page() as (page, blocked):
        page.goto(app["url"] + "/boundaries")
        log_in(page, "can_bo_thon", PASSWORD)
        page.get_by_text("Ranh giới thôn/tổ dân phố của xã").first.wait_for(timeout=60_000)
        assert page.get_by_text("Nhập tệp ranh giới").count() == 0          # no province-level upload
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(app["file"]))
        page.get_by_role("button", name="Gửi để duyệt").wait_for(timeout=120_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(tmp_path / "officer.png"), full_page=True)
        page.get_by_role("button", name="Gửi để duyệt").click()
        page.get_by_text("chờ quản trị viên duyệt").first.wait_for(timeout=60_000)
        page.get_by_text("Các bản đã gửi").wait_for(timeout=30_000)        # their list (a canvas grid)
        assert blocked == []
    pending = submissions.list_submissions(db, status="pending")
    assert [p["commune_code"] for p in pending] == [app["mine"]]
    assert [s.id for s in areas.list_sets(db, "village")] == sets_before    # nothing reads it before approval

    with browser_page() as (page, blocked):
        page.goto(app["url"] + "/boundaries")
        log_in(page, "quan_tri", PASSWORD)
        page.get_by_text("Duyệt ranh giới thôn do các xã gửi").wait_for(timeout=60_000)
        page.get_by_role("button", name="Duyệt", exact=True).wait_for(timeout=120_000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(tmp_path / "admin.png"), full_page=True)
        page.get_by_role("button", name="Duyệt", exact=True).click()
        page.get_by_text("Đã duyệt bản số").wait_for(timeout=120_000)
        assert page.get_by_text("Không có bản gửi nào chờ duyệt.").count() == 1
        assert blocked == []
    opened = [s for s in areas.list_sets(db, "village") if s.valid_to is None]
    assert len(opened) == 1 and opened[0].id != app["layer"]
    tab = areas.area_table(db, opened[0].id)
    assert set(tab.loc[tab["parent_code"] == app["mine"], "code"]) == set(app["codes"])
    old = areas.area_table(db, app["layer"])
    assert set(tab.loc[tab["parent_code"] != app["mine"], "code"]) == \
        set(old.loc[old["parent_code"] != app["mine"], "code"])
