"""Markdown injection (issue 12, item 5), in headless Chromium: a boundary-set name and an
area name chosen by an officer, and a crafted shared link, carry a remote image, a fake
login link, raw HTML and an autolink pointing at a local listener.  The admin's Trends
page shows them as typed text: no image loads, no link exists, no request arrives."""
from __future__ import annotations

import http.server
import threading
import urllib.parse

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app
from geo import areas, demo, store

pytestmark = pytest.mark.e2e


@pytest.fixture
def listener():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1], hits
    srv.shutdown()
    srv.server_close()


def payload(port: int, tag: str) -> str:
    base = f"http://127.0.0.1:{port}"
    return (f"{tag} ![anh]({base}/{tag}-md.png) [Đăng nhập lại]({base}/{tag}-login) "
            f'<img src="{base}/{tag}-html.png"> {base}/{tag}-auto :red[đỏ] **đậm**')


def test_hostile_names_render_as_text_and_fetch_nothing(demo_path, tmp_path, listener):
    require_browser()
    port, hits = listener
    path = copy_db(demo_path, tmp_path)
    db = store.open_db(path)
    cset = areas.current_set(db, "commune")
    code = areas.area_table(db, cset.id).sort_values("code")["code"].iloc[0]
    set_name, area_name = payload(port, "set"), payload(port, "area")
    db.conn.execute("UPDATE boundary_sets SET name = ? WHERE id = ?", (set_name, cset.id))
    db.conn.execute("UPDATE areas SET name = ? WHERE set_id = ? AND code = ?", (area_name, cset.id, code))
    db.conn.close()
    query = urllib.parse.urlencode({"level": "commune", "area": code, "metric": payload(port, "url")})
    with running_app(path) as url, browser_page() as (page, blocked):
        page.goto(f"{url}/trends?{query}")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        caption = page.locator("[data-testid='stCaptionContainer']", has_text="set ![anh]").first
        caption.wait_for(timeout=90_000)
        page.wait_for_timeout(3000)  # let any image or toast load
        text = caption.inner_text().replace("\u200b", "")  # zero-width spaces keep URLs from autolinking
        assert f"set ![anh](http://127.0.0.1:{port}/set-md.png)" in text
        assert f'<img src="http://127.0.0.1:{port}/set-html.png">' in text
        assert ":red[đỏ] **đậm**" in text
        assert f"area ![anh](http://127.0.0.1:{port}/area-md.png)" in text
        links = page.evaluate(f"""() => [...document.querySelectorAll('img, a, iframe, source, video, audio')]
            .map(e => e.getAttribute('src') || e.getAttribute('href') || '')
            .filter(u => u.includes(':{port}'))""")
        assert links == []
        for frame in page.frames:
            try:
                assert f":{port}/" not in frame.evaluate(
                    "() => [...document.querySelectorAll('[src],[href]')].map(e => e.getAttribute('src') || "
                    "e.getAttribute('href')).join(' ')")
            except AssertionError:
                raise
            except Exception:  # noqa: BLE001 - a frame that went away
                pass
        assert caption.locator("a, img, span[style*=color], strong").count() == 0
        assert hits == []
        assert blocked == []
