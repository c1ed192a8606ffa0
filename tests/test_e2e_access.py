"""Access control as a person meets it, in headless Chromium: an officer of one
commune never gets another commune's data, a viewer never gets incident
descriptions or exact incident points, whatever the page."""
import time

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app, settle
from geo import areas, auth, store
from geo.periods import preset

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-e2e"


def map_frame(page, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in page.frames:
            try:
                if f.evaluate("document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"):
                    return f
            except Exception:
                pass
        page.wait_for_timeout(500)  # not time.sleep: Playwright's request guard runs only inside its calls
    raise AssertionError("the map never drew its areas")


def everything_sent(page) -> str:
    """The page and every frame as the browser has them (what the user's machine received)."""
    out = []
    for f in page.frames:
        try:
            out.append(f.content())
        except Exception:
            pass
    return "\n".join(out)


@pytest.fixture(scope="module")
def app(demo_path, tmp_path_factory):
    require_browser()
    path = copy_db(demo_path, tmp_path_factory.mktemp("access"))
    db = store.open_db(path)
    communes = areas.area_table(db, areas.current_set(db, "commune").id)
    mine, other = communes["code"].iloc[0], communes["code"].iloc[1]
    auth.create_user(db, "can_bo", PASSWORD, "officer", mine)
    auth.create_user(db, "lanh_dao", PASSWORD, "viewer")
    with running_app(path) as url:
        yield {"url": url, "db": db, "mine": mine, "other": other,
               "other_name": communes["name"].iloc[1]}


def test_officer_sees_only_their_commune(app):
    db = app["db"]
    vset = areas.current_set(db, "village")
    villages = areas.area_table(db, vset.id)
    own = villages[villages["parent_code"] == app["mine"]]
    with browser_page() as (page, blocked):
        page.goto(app["url"] + "/?level=village&period=ytd")
        log_in(page, "can_bo", PASSWORD)
        frame = map_frame(page)
        page.wait_for_timeout(1000)
        assert frame.evaluate("document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length") \
            == len(own)
        sent = everything_sent(page)
        other_villages = villages[villages["parent_code"] == app["other"]]["code"]
        assert not [c for c in other_villages if c in sent]
        assert blocked == []


def test_viewer_never_receives_descriptions_or_exact_points(app):
    db = app["db"]
    p = preset("last_year")
    sample = db.conn.execute(
        "SELECT description, lon, lat FROM incidents WHERE occurred_on BETWEEN ? AND ? AND lon IS NOT NULL "
        "AND description IS NOT NULL AND length(description) > 12 ORDER BY id LIMIT 300",
        (str(p.start), str(p.end))).fetchall()
    assert sample
    with browser_page() as (page, blocked):
        page.goto(app["url"] + "/?level=village&period=last_year&layers=heat,cameras,groups")
        log_in(page, "lanh_dao", PASSWORD)
        map_frame(page)
        settle(page)                                  # the script ran, nothing shown changes any more
        pages_seen = [everything_sent(page)]
        for path in ("compstat", "trends", "coverage", "hotspots", "meeting"):
            # through the sidebar: a full page load would be a new (logged-out) session
            page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first.click()
            page.wait_for_url(f"**/{path}**", timeout=60_000)
            settle(page)
            pages_seen.append(everything_sent(page))
        sent = "\n".join(pages_seen)
        assert not [d for d, _, _ in sample if d in sent]
        exact = [(lon, lat) for _, lon, lat in sample if f"{lat:.5f}" in sent and f"{lon:.5f}" in sent]
        assert exact == []
        # and no way in: the data and boundary pages are not offered to a viewer
        assert page.get_by_role("link", name="Dữ liệu").count() == 0
        assert blocked == []
