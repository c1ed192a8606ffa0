"""The browser map (ui/mapview.py) end to end in headless Chromium: a filter change restyles
the shapes already in the browser and sends kilobytes, the map fills the screen at 1920×1080
(map page, presentation, comparison), legends never cover an area and list every point
layer, the timeline plays with no server round trip, and an officer's websocket never
carries another commune's areas."""
import json
import re
import time

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app
from geo import areas, auth, demo, mapdata, store, views

pytestmark = pytest.mark.e2e
PASSWORD = "mat-khau-e2e"
FULL_HD = (1920, 1080)


def map_frames(page, n=1, timeout=90):
    """The frames of the browser map component once ``n`` of them have drawn their areas."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = []
        for f in page.frames:
            try:
                if f.evaluate("!!(window.anttMap && window.anttMap.polys.length && "
                              "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length)"):
                    found.append(f)
            except Exception:  # frame navigating
                pass
        if len(found) >= n:
            return found
        page.wait_for_timeout(500)
    raise AssertionError("the map never drew its areas")


def drawn_key(frame):
    return frame.evaluate("document.body.getAttribute('data-values')")


def wait_redrawn(page, frame, before, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        k = drawn_key(frame)
        if k and k != before:
            return k
        page.wait_for_timeout(100)
    raise AssertionError("the map was not updated")


def record_ws(page):
    """Bytes and messages the page's websocket receives and sends (Streamlit's protocol)."""
    log = {"in": [], "out": 0}

    def on_ws(ws):
        ws.on("framereceived", lambda p: log["in"].append(p if isinstance(p, bytes) else p.encode()))
        ws.on("framesent", lambda p: log.__setitem__("out", log["out"] + 1))
    page.on("websocket", on_ws)
    return log


def idle(page, timeout=60):
    """Wait until Streamlit has finished running the script (its status widget is gone)."""
    deadline = time.time() + timeout
    quiet = 0
    while time.time() < deadline and quiet < 3:
        quiet = quiet + 1 if page.locator("[data-testid='stStatusWidget']").count() == 0 else 0
        page.wait_for_timeout(200)


def choose(page, label, option):
    side = page.get_by_test_id("stSidebar")
    for attempt in range(3):               # a rerun landing meanwhile closes the list
        idle(page)
        side.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
        opt = page.get_by_role("option").filter(has_text=option).first
        try:
            opt.wait_for(timeout=5000)
            opt.click()
            return
        except Exception:
            if attempt == 2:
                raise


def frame_element_box(page, frame):
    return frame.frame_element().bounding_box()


def content_box(page):
    """The content column: Streamlit's main block container less its padding."""
    return page.evaluate("""() => {
      const el = document.querySelector("[data-testid='stMainBlockContainer']");
      const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
      const l = parseFloat(cs.paddingLeft), rt = parseFloat(cs.paddingRight);
      return {x: r.left + l, y: r.top, width: r.width - l - rt, height: r.height};
    }""")


@pytest.fixture(scope="module")
def app(demo_path, tmp_path_factory):
    require_browser()
    path = copy_db(demo_path, tmp_path_factory.mktemp("mapview"))
    db = store.open_db(path)
    communes = areas.area_table(db, areas.current_set(db, "commune").id)
    mine, other = communes["code"].iloc[0], communes["code"].iloc[1]
    auth.create_user(db, "can_bo_mv", PASSWORD, "officer", mine)
    quarter = views.save_view(db, "Quý — toàn tỉnh", {"level": "commune", "period": "last_quarter"})
    with running_app(path) as url:
        yield {"url": url, "db": db, "path": path, "mine": mine, "other": other, "view": quarter}


def test_a_filter_change_restyles_in_place_and_sends_kilobytes(app):
    db = app["db"]
    vset = areas.current_set(db, "village")
    geom = mapdata.geometry(db, vset.id)
    # pieces of the encoded shapes as they travel (compact JSON), to see whether they are sent
    pieces = [json.dumps(geom["g"][i][0][0][:16], separators=(",", ":"))[:-1].encode() for i in (0, len(geom["g"]) // 2)]
    with browser_page() as (page, blocked):
        ws = record_ws(page)
        page.goto(app["url"] + "/?level=village&period=ytd")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        (frame,) = map_frames(page)
        page.wait_for_timeout(1500)
        first = b"".join(ws["in"])
        assert all(p in first for p in pieces)            # the first view brings the shapes
        frame.evaluate("window.__kept = 'same document'")
        for label, option in (("Thời gian", "28 ngày qua"), ("Chỉ tiêu hiển thị", "Tăng/giảm (%)")):
            before = drawn_key(frame)
            ws["in"].clear()
            choose(page, label, option)
            wait_redrawn(page, frame, before)
            page.wait_for_timeout(1500)           # the rest of the rerun
            received = b"".join(ws["in"])
            print(f"filter change ({option}): {len(received):,} bytes received for the whole rerun")
            # the shapes stayed in the browser: the same document, and no shape was sent again
            assert frame.evaluate("window.__kept") == "same document"
            assert not [p for p in pieces if p in received], option
            assert frame.evaluate("document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length") \
                == vset.areas
        assert blocked == []


def _coverage(boxes, region):
    """Share of ``region`` (x, y, w, h) covered by the union of ``boxes`` (no overlaps assumed)."""
    x0, y0, w, h = region
    total = 0.0
    for b in boxes:
        ix = max(0.0, min(b["x"] + b["width"], x0 + w) - max(b["x"], x0))
        iy = max(0.0, min(b["y"] + b["height"], y0 + h) - max(b["y"], y0))
        total += ix * iy
    return total / (w * h)


def _areas_clear_of_legend(frame):
    """The drawn areas' bounding box, the legend's box, and whether they intersect."""
    return frame.evaluate("""() => {
      const ps = [...document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')];
      const r = ps.map(p => p.getBoundingClientRect()).filter(r => r.width > 0);
      const a = {l: Math.min(...r.map(x => x.left)), t: Math.min(...r.map(x => x.top)),
                 r: Math.max(...r.map(x => x.right)), b: Math.max(...r.map(x => x.bottom))};
      const g = document.querySelector('.antt-legend').getBoundingClientRect();
      const m = document.getElementById('map').getBoundingClientRect();
      const hit = r.some(x => x.left < g.right && x.right > g.left && x.top < g.bottom && x.bottom > g.top);
      return {areas: a, legend: {l: g.left, t: g.top, r: g.right, b: g.bottom}, map: {w: m.width, h: m.height}, hit};
    }""")


def test_the_map_fills_the_screen_and_the_legend_covers_no_area(app):
    """At 1920×1080 the map covers ≥ 85 % of the space below the page's header (title, key
    figures: everything above the map) in the content column, down to the bottom of the
    screen; the province fills the map; the legend overlaps no area's shape."""
    with browser_page(viewport=FULL_HD) as (page, blocked):
        page.goto(app["url"] + "/?period=ytd&layers=cameras,groups,heat")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        (frame,) = map_frames(page)
        page.wait_for_timeout(2500)
        box, content = frame_element_box(page, frame), content_box(page)
        region = (content["x"], box["y"], content["width"], FULL_HD[1] - box["y"])
        assert _coverage([box], region) >= 0.85, (box, content)
        geo, last = _areas_clear_of_legend(frame), None
        for _ in range(30):          # the fit is animated: measure once the shapes stand still
            if geo == last:
                break
            page.wait_for_timeout(500)
            last, geo = geo, _areas_clear_of_legend(frame)
        a, m = geo["areas"], geo["map"]
        assert max((a["r"] - a["l"]) / m["w"], (a["b"] - a["t"]) / m["h"]) >= 0.8, geo   # fitted, not 40 %
        assert not geo["hit"], geo
        # every point layer has its legend, and the legend folds away
        legend = frame.locator(".antt-legend")
        for name in ("Camera an ninh", "Mô hình (tổ, đội)", "Mật độ vụ việc"):
            assert name in legend.inner_text()
        frame.locator(".antt-legend .antt-lt").click()
        assert not frame.locator(".antt-legend .antt-lb").is_visible()
        assert blocked == []


def test_presentation_and_comparison_fill_the_screen(app):
    v = app["view"]
    with browser_page(viewport=FULL_HD) as (page, blocked):
        page.goto(f"{app['url']}/meeting?present={v.id}&slide=1")
        page.get_by_label("Tên đăng nhập").fill(demo.DEMO_ADMIN, timeout=60_000)
        page.get_by_label("Mật khẩu").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        (frame,) = map_frames(page)
        page.wait_for_timeout(2500)
        box, content = frame_element_box(page, frame), content_box(page)
        region = (content["x"], box["y"], content["width"], FULL_HD[1] - box["y"])
        assert _coverage([box], region) >= 0.85, (box, content)
        assert not _areas_clear_of_legend(frame)["hit"]
        page.screenshot(path=str(app["path"].parent / "presentation.png"))

        # four quarters side by side: the four maps share the screen below the first row
        page.keyboard.press("Escape")
        page.get_by_test_id("stSidebar").wait_for(timeout=60_000)
        year = time.localtime().tm_year - 1
        page.goto(f"{app['url']}/meeting?sec=compare&cmp=quarters&year={year}&level=commune")
        # a full load keeps the login (the session cookie): no login form this time
        page.get_by_role("button", name="Đăng xuất").wait_for(timeout=60_000)
        frames = map_frames(page, n=4)
        page.wait_for_timeout(3000)
        boxes = [frame_element_box(page, f) for f in frames]
        content = content_box(page)
        top = min(b["y"] for b in boxes)
        region = (content["x"], top, content["width"], FULL_HD[1] - top)
        assert _coverage(boxes, region) >= 0.85, (boxes, content)
        assert not any(_areas_clear_of_legend(f)["hit"] for f in frames)
        page.screenshot(path=str(app["path"].parent / "comparison.png"))
        assert blocked == []


def test_the_timeline_plays_in_the_browser(app):
    with browser_page() as (page, blocked):
        ws = record_ws(page)
        page.goto(app["url"] + "/?level=village&period=ytd")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        (frame,) = map_frames(page)
        idle(page)
        page.locator("[data-testid='stSidebar'] button:has-text('Theo tháng')").click()
        frame.locator(".antt-time input[type=range]").wait_for(timeout=90_000)
        page.wait_for_timeout(2000)
        labels = frame.evaluate("window.anttMap.timeline.labels")
        assert len(labels) >= 2 and all(re.fullmatch(r"\d\d/\d{4}", x) for x in labels)
        sent_before = ws["out"]
        fills = []
        for i in range(len(labels)):
            frame.evaluate(f"""() => {{ const r = document.querySelector('.antt-time input');
                r.value = '{i}'; r.dispatchEvent(new Event('input')); }}""")
            fills.append(frame.evaluate("""() => [...document.querySelectorAll(
                '.leaflet-overlay-pane path.leaflet-interactive')].map(p => p.getAttribute('fill')).join()"""))
            assert labels[i] in frame.locator(".antt-legend").inner_text()
        assert len(set(fills)) > 1                       # the frames differ
        frame.locator(".antt-play").click()              # and it plays by itself
        page.wait_for_timeout(2500)
        assert frame.evaluate("window.anttMap.tlFrame") >= 1
        assert ws["out"] == sent_before                  # no server round trip per frame
        ms = frame.evaluate("window.anttMap.frameTimes")
        print(f"timeline frames: {len(ms)}, median {sorted(ms)[len(ms) // 2]:.1f} ms per frame")
        assert blocked == []


def test_an_officers_websocket_never_carries_another_communes_areas(app):
    db = app["db"]
    vset = areas.current_set(db, "village")
    villages = areas.area_table(db, vset.id)
    own = villages[villages["parent_code"] == app["mine"]]
    others = villages[villages["parent_code"] == app["other"]]
    with browser_page() as (page, blocked):
        ws = record_ws(page)
        page.goto(app["url"] + "/?level=village&period=ytd&layers=cameras,groups")
        log_in(page, "can_bo_mv", PASSWORD)
        (frame,) = map_frames(page)
        page.wait_for_timeout(2000)
        assert frame.evaluate("window.anttMap.geom.codes.length") == len(own)
        received = b"".join(ws["in"])
        assert not [c for c in others["code"] if c.encode() in received]
        assert not [n for n in others["name"] if n not in set(own["name"]) and n.encode() in received]
        assert blocked == []
