"""End to end in headless Chromium: the app on a demo database, with every
request that is not to this machine blocked and recorded."""
import time

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app
from geo import areas, demo, store

pytestmark = pytest.mark.e2e


def map_frame(page, timeout=90):
    """The frame holding the Leaflet map, once its area shapes are drawn."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in page.frames:
            try:
                if f.evaluate("document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"):
                    return f
            except Exception:  # frame navigating
                pass
        page.wait_for_timeout(500)  # not time.sleep: Playwright's request guard runs only inside its calls
    raise AssertionError("the map never drew its areas")


def count_shapes(frame, expected, timeout=30):
    """Number of area shapes once it stops changing (the layer draws in one go)."""
    deadline = time.time() + timeout
    n = -1
    while time.time() < deadline:
        n = frame.evaluate("document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length")
        if n == expected:
            return n
        frame.page.wait_for_timeout(500)
    return n


@pytest.fixture(scope="module")
def app_url(demo_path, tmp_path_factory):
    require_browser()
    db = copy_db(demo_path, tmp_path_factory.mktemp("e2e"))
    with running_app(db) as url:
        yield url, db


def test_map_draws_one_shape_per_commune_offline(app_url):
    url, db = app_url
    n_communes = areas.current_set(store.open_db(db), "commune").areas
    with browser_page() as (page, blocked):
        page.goto(url + "/?period=ytd")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        frame = map_frame(page)
        assert count_shapes(frame, n_communes) == n_communes
        # the libraries came from this machine
        srcs = frame.evaluate("[...document.scripts].map(s => s.src).filter(Boolean)")
        assert any("/app/static/vendor/leaflet" in s for s in srcs), srcs
        page.get_by_text("Dữ liệu mẫu").first.wait_for()
        assert blocked == [], f"requests to other hosts were attempted: {blocked}"


def test_village_level_with_layers_from_a_shared_link(app_url):
    url, db = app_url
    conn = store.open_db(db)
    n_villages = areas.current_set(conn, "village").areas
    with browser_page() as (page, blocked):
        page.goto(url + "/?level=village&period=last_year&layers=heat,cameras,groups")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        frame = map_frame(page)
        assert count_shapes(frame, n_villages) == n_villages
        # the heat layer and clustered point layers are there
        assert frame.evaluate("document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 1
        assert frame.evaluate("document.querySelectorAll('.leaflet-marker-icon').length") > 0
        assert blocked == [], f"requests to other hosts were attempted: {blocked}"


def test_clicking_an_area_opens_its_profile(app_url):
    url, _ = app_url
    with browser_page() as (page, blocked):
        page.goto(url + "/?period=ytd")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        frame = map_frame(page)
        # click the middle of the first commune's shape
        box = frame.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(3).bounding_box()
        iframe_box = frame.frame_element().bounding_box()
        assert box and iframe_box
        frame.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(3).click(force=True)
        page.get_by_text("Hồ sơ địa bàn").first.wait_for(timeout=30000)
        assert page.get_by_text("Xu hướng").first.is_visible()
        assert blocked == []
