"""The meeting page end to end in headless Chromium (every request off this machine blocked):
a shared link reproduces its filters, and presentation mode steps through saved views
with the buttons and with the keyboard."""
import re
import time

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app, settle
from geo import areas, demo, filters, store, views
from test_e2e import count_shapes, map_frame

NAV_READY = """() => {
  const hrefs = [...document.querySelectorAll("[data-testid='stSidebarNav'] a")].map(a => a.getAttribute("href"));
  return hrefs.some(h => h.endsWith("/meeting")) && !hrefs.some(h => h.endsWith("/session"));
}"""

pytestmark = pytest.mark.e2e
PERIOD = {"period": "custom", "from": "2026-09-01", "to": "2026-10-31"}


@pytest.fixture(scope="module")
def app(demo_path, tmp_path_factory):
    require_browser()
    path = copy_db(demo_path, tmp_path_factory.mktemp("e2e_meeting"))
    db = store.open_db(path)
    cset = areas.current_set(db, "commune")
    tab = areas.area_table(db, cset.id).sort_values("code")
    commune, name, unit = tab["code"].iloc[0], tab["name"].iloc[0], tab["unit_type"].iloc[0]
    vtab = areas.area_table(db, areas.current_set(db, "village").id)
    n_villages = int((vtab["parent_code"] == commune).sum())
    a = views.save_view(db, "Toàn tỉnh — hai tháng", {"level": "commune", **PERIOD})
    b = views.save_view(db, "Thôn của một xã — tăng/giảm",
                        {"level": "village", "area": commune, **PERIOD, "metric": "change_pct"})
    with running_app(path) as url:
        # Log in on the home page first, as a user would (a full page load later would be a new,
        # logged-out session).
        with browser_page() as (page, _):
            page.goto(url + "/")
            log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
            page.wait_for_function(NAV_READY, timeout=90_000)
        yield {"url": url, "db": path, "commune": commune, "commune_label": filters.display_name(name, unit),
               "n_villages": n_villages, "views": (a, b)}


def href(page) -> str:
    return page.evaluate("location.href")


def wait_for(cond, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def heading(page, text, timeout=90_000):
    page.get_by_role("heading", name=text, exact=True).wait_for(timeout=timeout)


def test_a_shared_link_applies_its_filters(app):
    link = (f"{app['url']}/meeting?level=village&area={app['commune']}&period=custom&from=2026-09-01"
            f"&to=2026-10-31&cat=hinh_su,ma_tuy&metric=change_pct&scheme=equal_interval&sec=map")
    with browser_page() as (page, blocked):
        page.goto(link)
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)     # the link waits for the login
        frame = map_frame(page)
        side = page.get_by_test_id("stSidebar")
        assert side.get_by_text("Tiếng Việt").count() == 1          # through app.py and its navigation
        # every filter of the link is in the sidebar's widgets
        assert side.get_by_role("radio", name="Thôn/Tổ dân phố").is_checked()
        box = lambda label: side.get_by_role("combobox", name=label, exact=True).input_value()  # noqa: E731
        assert box("Xã/Phường") == app["commune_label"]
        assert box("Thời gian") == "Tùy chọn"
        assert box("Chỉ tiêu hiển thị") == "Tăng/giảm (%)" and box("Cách phân lớp") == "Khoảng đều"
        dates = side.get_by_test_id("stDateInput").all_inner_texts()
        assert [re.sub(r"\s+", "", d.split("\n", 1)[1]) for d in dates] == ["01/09/2026", "31/10/2026"]
        chosen = side.get_by_test_id("stMultiSelect").first.inner_text()
        assert "Hình sự" in chosen and "Ma túy" in chosen
        # the figures are those of the link: the commune's villages only, for the period
        page.get_by_text(re.compile(r"Tăng/giảm \(%\) — .* · 01/09/2026 – 31/10/2026")).first.wait_for()
        assert count_shapes(frame, app["n_villages"]) == app["n_villages"]
        # the link is kept (and would reproduce the view once more)
        wait_for(lambda: f"area={app['commune']}" in href(page) and "metric=change_pct" in href(page), what="URL")
        assert blocked == [], f"requests to other hosts were attempted: {blocked}"


def test_presentation_steps_through_two_saved_views(app):
    a, b = app["views"]
    with browser_page() as (page, blocked):
        page.goto(f"{app['url']}/meeting?present={a.id},{b.id}&slide=1")
        # the login form stands in for the page; once in, the presentation opens (no sidebar,
        # so not browser.log_in, which waits for the sidebar's logout button)
        page.get_by_label("Tên đăng nhập").fill(demo.DEMO_ADMIN, timeout=60_000)
        page.get_by_label("Mật khẩu").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        heading(page, a.name)
        map_frame(page)
        assert page.get_by_test_id("stSidebar").count() == 0 or not page.get_by_test_id("stSidebar").is_visible()
        page.get_by_text("Khung 1/2").wait_for()
        # the next button
        page.get_by_role("button", name=re.compile("Sau")).click()
        heading(page, b.name)
        page.get_by_text("Khung 2/2").wait_for()
        wait_for(lambda: "slide=2" in href(page), what="slide=2 in the URL")
        # the keyboard: left, right
        settle(page)   # the rerun has finished: its buttons (and their shortcuts) are the new ones
        page.keyboard.press("ArrowLeft")
        heading(page, a.name)
        wait_for(lambda: "slide=1" in href(page), what="slide=1 in the URL")
        settle(page)
        page.keyboard.press("ArrowRight")
        heading(page, b.name)
        # a presentation clicker's Page Up
        settle(page)
        page.keyboard.press("PageUp")
        heading(page, a.name)
        # Esc leaves presentation mode: the sidebar and its filters are back
        settle(page)
        page.keyboard.press("Escape")
        heading(page, "Họp giao ban")
        page.get_by_test_id("stSidebar").wait_for()
        wait_for(lambda: "present=" not in href(page), what="the presentation to leave the URL")
        assert blocked == [], f"requests to other hosts were attempted: {blocked}"
