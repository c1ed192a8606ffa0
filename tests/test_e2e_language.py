"""Vietnamese mode at 1920×1080 in Chromium (issue 13 items 2 and 9): no element of any page
shows English text, Streamlit's own included (uploader, placeholders, an open select menu) and
Leaflet's (zoom buttons, layer switch, the "Leaflet" link) in every map; a typed path opens its
page or the home page with a note, never Streamlit's "Page not found" dialog."""
import re

import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app, settle
from geo import demo, i18n

pytestmark = pytest.mark.e2e

PAGES = ["", "map", "compstat", "trends", "coverage", "hotspots", "boundaries", "meeting", "data", "about",
         "account", "admin", "khong-co-trang-nay"]
# words of Streamlit's English interface (and of a raw value shown as is)
ENGLISH = re.compile(r"\b(the|and|drag|drop|browse|files?|limit|per|choose|options?|page|found|none|null|nan|"
                     r"select|upload|press|enter|apply|results?|running|stop|error|ask|google|chatgpt|search|"
                     r"download|clear|close|settings|rerun|skip|main|content|seem|exist|requested|zoom|layers|leaflet|popup|"
                     r"javascript|library|interactive)\b", re.I)
ALLOWED = {"English", "ANTT Atlas"}   # the language switch names itself; the product name

# visible text nodes and placeholders of the page and of its same-origin frames; the icons of
# Material Symbols are ligatures (their text is an icon name, not shown as text)
COLLECT = """() => {
  const out = [];
  const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const icon = el => /Material/i.test(getComputedStyle(el).fontFamily);
  const walk = (doc, top) => {
    const w = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT); let n;
    while ((n = w.nextNode())) { const t = n.nodeValue.trim(), p = n.parentElement;
      if (t && p && shown(p) && !icon(p) && !['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(p.tagName)) out.push(t); }
    // in the top page the titles; in a map's frame also aria-labels (Leaflet's zoom buttons, layer switch)
    doc.querySelectorAll('[placeholder],[title]' + (top ? '' : ',.leaflet-container [aria-label]')).forEach(el => {
      if ((shown(el) || !top) && el.tagName !== 'IFRAME')
        for (const a of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(a) && (a !== 'aria-label' || !top))
          out.push(el.getAttribute(a)); });
  };
  walk(document, true);
  document.querySelectorAll('iframe').forEach(f => { try { walk(f.contentDocument, false); } catch (e) {} });
  return out; }"""


@pytest.fixture(scope="module")
def app(demo_path, tmp_path_factory):
    require_browser()
    path = copy_db(demo_path, tmp_path_factory.mktemp("language"))
    with running_app(path) as url:
        yield url


def english(texts):
    return sorted({t for t in texts if t not in ALLOWED and ENGLISH.search(t)
                   and not re.search(r"[à-ỹÀ-Ỹđ]", t)})


def test_no_english_text_in_vietnamese_mode_at_1920x1080(app):
    found = {}
    with browser_page((1920, 1080)) as (page, blocked):
        page.goto(app + "/")
        log_in(page, demo.DEMO_ADMIN, demo.DEMO_PASSWORD)
        for name in PAGES:
            page.goto(f"{app}/{name}")                     # a full load: the session cookie keeps the login
            page.get_by_role("button", name="Đăng xuất").first.wait_for(timeout=90_000)
            settle(page)                                   # the script ran, nothing changes any more
            if name in ("boundaries", "data"):
                page.get_by_text(re.compile("^Tối đa 200 MB mỗi tệp")).first.wait_for(timeout=30_000)
            if name in ("map", "khong-co-trang-nay"):   # the home page, no "Page not found" dialog
                page.get_by_text("Tổng số vụ việc").first.wait_for(timeout=30_000)
                assert page.locator('[role="dialog"]').count() == 0, name
                if name == "khong-co-trang-nay":
                    page.get_by_text("Không có trang “khong-co-trang-nay”").wait_for(timeout=20_000)
            if name in ("compstat", "hotspots", "", "map"):   # a map's frame: Leaflet drawn, its texts checked
                try:
                    page.frame_locator("iframe").first.locator(".leaflet-control-zoom-in").wait_for(
                        state="attached", timeout=90_000)
                except Exception:
                    page.screenshot(path=f"/tmp/antt-nomap-{name or 'map'}.png")
                    raise
            bad = english(page.evaluate(COLLECT))
            if bad:
                found[name or "map"] = bad
                page.screenshot(path=f"/tmp/antt-english-{name or 'map'}.png")
        # a select box opened: its menu, then its "no results" text
        page.goto(f"{app}/trends")
        page.get_by_role("button", name="Đăng xuất").first.wait_for(timeout=90_000)
        page.wait_for_timeout(3000)
        page.locator('[data-testid="stMultiSelect"]').last.locator("input").click()   # the areas to compare
        page.locator('[role="listbox"]').first.wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        bad = english(page.evaluate(COLLECT))
        if bad:
            found["trends-menu"] = bad
        page.keyboard.type("zzqx")
        page.wait_for_timeout(1000)
        texts = page.evaluate(COLLECT)
        assert any(t == "Không có kết quả" or t.startswith("Không có kết quả") for t in texts), texts[-20:]
        bad = english(texts)
        if bad:
            found["trends-no-results"] = bad
            page.screenshot(path="/tmp/antt-english-menu.png")
        assert blocked == []
    assert found == {}


def test_every_streamlit_text_has_a_translation():
    assert all(v and v != k for k, v in i18n.STREAMLIT_VI.items())
    for src, rep in i18n.STREAMLIT_VI_PATTERNS:
        assert re.compile(src) and "$" in rep or not re.search(r"\(", src)
