"""What a user feels, in headless Chromium: filter change → redrawn, our pages beside the naive page.

    .venv/bin/python bench/bench_browser.py [demo] [province] [--repeat N] [--pages map,compstat,...]

For each scale (the demo database, and bench_stats' synthetic province: 2,000 villages,
1,000,000 incidents) it starts the app and the naive page (bench/naive_app.py: a
``folium.Choropleth`` rebuilt and sent through ``st_folium`` on every rerun) on the same
database, logs in, and on the Map, CompStat, Coverage and Meeting pages changes each kind of
filter (period preset, commune drill-down, category, figure, layer -- those the page has)
``N`` times (default 10), timing from the click until Streamlit's rerun has finished and the
map has been drawn again.  Prints p50/p95 per page and per filter kind, the first map after
login (cold server, then warm), and the server's memory.  Times are printed, never asserted.
Chromium is Debian's /usr/bin/chromium; every request off this machine is blocked.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from table import print_table  # noqa: E402

PASSWORD = "bench-browser-2025"
USER = "bench_admin"
PAGES = ("map", "compstat", "coverage", "meeting")
KINDS = {"map": ("period", "commune", "category", "figure", "layer"),
         "compstat": ("period", "commune", "category"),
         "coverage": ("period", "commune", "category"),
         "meeting": ("period", "commune", "category", "figure", "layer"),
         "naive": ("period", "commune", "category", "figure", "layer")}


@contextlib.contextmanager
def serve(script: Path, db: Path):
    """``streamlit run script`` on a free port with ANTT_DB=db; yields (url, pid)."""
    from browser import free_port
    port = free_port()
    log = open(Path(tempfile.gettempdir()) / f"bench-browser-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env={**os.environ, "ANTT_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------------- the page

RENDERS = """() => { let n = 0;
  for (const f of document.querySelectorAll('iframe')) {
    try { const s = f.contentWindow.anttMap; if (s) n += s.renders; } catch (e) {} }
  return n; }"""
MARK_NAIVE = """() => { let n = 0;
  for (const f of document.querySelectorAll('iframe')) {
    try { for (const p of f.contentDocument.querySelectorAll('.leaflet-overlay-pane path')) { p.dataset.old = 1; n++; } }
    catch (e) {} }
  return n; }"""
NAIVE_NEW = """() => { for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentDocument.querySelector('.leaflet-overlay-pane path:not([data-old])')) return true; }
    catch (e) {} }
  return false; }"""


def running(page) -> bool:
    return page.locator("[data-testid='stStatusWidget']").count() > 0


WATCH = """() => { if (!window.__mut) { window.__mut = {n: 0, last: 0};
    new MutationObserver(() => { window.__mut.n++; window.__mut.last = performance.now(); })
      .observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true}); }
  window.__mut.n = 0; return performance.now(); }"""
LAST_CHANGE = """() => { let t = window.__mut.last;
  for (const f of document.querySelectorAll('iframe')) {
    try { const s = f.contentWindow.anttMap; if (s && s.lastRenderAt) t = Math.max(t, s.lastRenderAt
      + f.contentWindow.performance.timeOrigin - performance.timeOrigin); } catch (e) {} }
  return t; }"""


def settle(page, naive: bool, renders_before: int, has_map: bool, timeout: float = 60) -> None:
    """Until the rerun has finished and the map (if any) was drawn again; then 0.4 s quiet."""
    deadline = time.time() + timeout
    quiet = 0
    seen_at = None
    while time.time() < deadline:
        r = running(page)
        if naive:
            drawn = page.evaluate(NAIVE_NEW)
            if drawn and seen_at is None:       # the naive map's shapes appeared (in its own frame)
                seen_at = page.evaluate("performance.now()")
        elif has_map:
            drawn = page.evaluate(RENDERS) > renders_before
        else:
            drawn = page.evaluate("window.__mut.n") > 0
        if not r and drawn:
            quiet += 1
            if quiet >= 10:
                return seen_at or 0.0
        else:
            quiet = 0
        page.wait_for_timeout(40)
    raise TimeoutError("the page did not settle")


def idle(page, timeout=90):
    deadline = time.time() + timeout
    quiet = 0
    while time.time() < deadline and quiet < 5:
        quiet = quiet + 1 if not running(page) else 0
        page.wait_for_timeout(100)


def _select(page, label, option):
    side = page.get_by_test_id("stSidebar")
    for attempt in range(4):               # a rerun landing meanwhile closes the list
        side.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
        page.keyboard.type(option)         # long lists draw only the options in view
        opt = page.get_by_role("option").filter(has_text=option).first
        try:
            opt.wait_for(timeout=4000)
            opt.click()
            return
        except Exception:
            page.keyboard.press("Escape")
            idle(page)
            if attempt == 3:
                raise


def actions(kind: str, commune_label: str):
    """Two interactions that undo each other, for filter ``kind``."""
    side = lambda p: p.get_by_test_id("stSidebar")  # noqa: E731
    if kind == "period":
        return (lambda p: _select(p, "Thời gian", "28 ngày qua"), lambda p: _select(p, "Thời gian", "Từ đầu năm"))
    if kind == "commune":
        return (lambda p: _select(p, "Xã/Phường", commune_label), lambda p: _select(p, "Xã/Phường", "Toàn tỉnh"))
    if kind == "figure":
        return (lambda p: _select(p, "Chỉ tiêu hiển thị", "Tăng/giảm (%)"),
                lambda p: _select(p, "Chỉ tiêu hiển thị", "Chỉ số z"))
    if kind == "category":
        def add(p):
            box = side(p).locator('[data-testid="stMultiSelect"]').filter(has_text="Loại vụ việc").first
            box.locator("input").first.click()
            p.get_by_role("option").filter(has_text="Hình sự").first.click()
            p.keyboard.press("Escape")

        def remove(p):
            box = side(p).locator('[data-testid="stMultiSelect"]').filter(has_text="Loại vụ việc").first
            box.locator("input").first.click()
            p.keyboard.press("Backspace")
            p.keyboard.press("Escape")
        return add, remove
    if kind == "layer":
        def toggle(p):
            side(p).locator("button:has-text('Camera an ninh')").first.click()
        return toggle, toggle
    raise ValueError(kind)


def measure_page(page, kind_list, repeat: int, naive: bool, commune_label: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for kind in kind_list:
        a, b = actions(kind, commune_label)
        times = []
        for i in range(repeat):
            idle(page)
            before = 0 if naive else page.evaluate(RENDERS)
            has_map = naive or before > 0
            if naive:
                page.evaluate(MARK_NAIVE)
            t0 = page.evaluate(WATCH)            # browser clock: the last change on screen ends the measure
            (a if i % 2 == 0 else b)(page)
            try:
                seen_at = settle(page, naive, before, has_map)
            except TimeoutError:               # reported as a miss, the run goes on
                print(f"  {'naive' if naive else 'ours'} · {kind}: no redraw within 60 s", flush=True)
                continue
            times.append((max(page.evaluate(LAST_CHANGE), seen_at) - t0) / 1000)
            print(f"  {'naive' if naive else 'ours'} · {kind}: {times[-1]:.2f} s", flush=True)
        if repeat % 2:                     # leave the filter as it was
            idle(page)
            b(page)
            idle(page)
        out[kind] = times
    return out


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def fmt(xs) -> str:
    return f"p50 {pct(xs, .5):.2f} s · p95 {pct(xs, .95):.2f} s (n={len(xs)})"


# ------------------------------------------------------------------------- scales

def scale_db(scale: str) -> Path:
    from geo import auth, demo, store
    if scale == "demo":
        path = Path(os.environ.get("ANTT_BENCH_DEMO_DB") or Path(tempfile.gettempdir()) / "antt_bench_demo.db")
        if not path.exists():
            demo.build_demo(path)
    else:
        import bench_stats
        path = bench_stats.build_province(bench_stats.default_path())
    db = store.open_db(path)
    if auth.get_user(db, USER) is None:
        auth.create_user(db, USER, PASSWORD, "admin")
    db.conn.close()
    return path


def first_commune_label(path: Path) -> str:
    from geo import areas, filters, store
    db = store.open_db(path)
    tab = areas.area_table(db, areas.current_set(db, "commune").id)
    labels = sorted(filters.display_name(n, u) for n, u in zip(tab["name"], tab["unit_type"]))
    db.conn.close()
    return labels[len(labels) // 2]


def first_map_seconds(url: str, wait_ready: bool) -> float:
    """From the login click until the map page's areas are drawn (a fresh browser session)."""
    from browser import browser_page
    with browser_page(viewport=(1400, 900)) as (page, _):
        page.goto(url + "/")
        page.get_by_label("Tên đăng nhập").fill(USER, timeout=120_000)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        t0 = time.perf_counter()
        page.get_by_role("button", name="Đăng nhập").click()
        deadline = time.time() + 300
        while time.time() < deadline:
            n = page.evaluate("""() => { for (const f of document.querySelectorAll('iframe')) {
              try { if (f.contentDocument.querySelector('.leaflet-overlay-pane path.leaflet-interactive')) return 1; }
              catch (e) {} } return 0; }""")
            if n:
                return time.perf_counter() - t0
            page.wait_for_timeout(50)
    return float("nan")


def bench_scale(scale: str, repeat: int, pages) -> list[tuple[str, str, str]]:
    from browser import browser_page, log_in
    path = scale_db(scale)
    label = first_commune_label(path)
    rows: list[tuple[str, str, str]] = []
    ours: dict[str, dict[str, list[float]]] = {}
    with serve(ROOT / "app.py", path) as (url, pid):
        cold = first_map_seconds(url, wait_ready=False)
        warm_s = first_map_seconds(url, wait_ready=True)
        with browser_page(viewport=(1400, 900)) as (page, blocked):
            page.goto(url + "/?level=village&period=ytd")
            log_in(page, USER, PASSWORD, timeout=300_000)
            for name in pages:
                if name != "map":
                    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{name}']").first.click()
                    page.wait_for_url(f"**/{name}**", timeout=120_000)
                idle(page)
                page.wait_for_timeout(1500)
                idle(page)
                ours[name] = measure_page(page, KINDS[name], repeat, False, label)
                page.locator("[data-testid='stSidebarNav'] a").first.click()     # the map: the first page
                page.wait_for_timeout(500)
            if blocked:
                rows.append((f"{scale}: requests blocked (ours)", str(len(blocked)), blocked[0][:80]))
        rss = rss_mb(pid)
    with serve(ROOT / "bench" / "naive_app.py", path) as (url, _pid):
        with browser_page(viewport=(1400, 900)) as (page, blocked):
            page.goto(url + "/")
            page.get_by_test_id("stSidebar").wait_for(timeout=300_000)
            idle(page)
            page.get_by_test_id("stSidebar").get_by_text("Thôn/Tổ dân phố").click()
            idle(page)
            naive = measure_page(page, KINDS["naive"], repeat, True, label)
    all_naive = [x for v in naive.values() for x in v]
    rows.append((f"{scale}: first map after login, server just started", f"{cold:.1f} s",
                 "includes the start-up warm-up (progress bar shown)"))
    rows.append((f"{scale}: first map after login, warm server", f"{warm_s:.1f} s", "target ≤ 3 s"))
    for name in pages:
        xs = [x for v in ours[name].values() for x in v]
        rows.append((f"{scale}: {name} page, filter change → redrawn", fmt(xs),
                     f"naive st_folium page: {fmt(all_naive)}; ×{pct(all_naive, .5) / pct(xs, .5):.1f} at p50"))
        for kind, v in ours[name].items():
            nv = naive.get(kind, [])
            rows.append((f"{scale}:   {name} · {kind}", fmt(v), f"naive: {fmt(nv)}" if nv else ""))
    rows.append((f"{scale}: server RSS after the run", f"{rss:,.0f} MB", "target ≤ 1,536 MB"))
    return rows


def bench_rows(scales=("demo", "province"), repeat: int = 10, pages=PAGES) -> list[tuple[str, str, str]]:
    rows = []
    for s in scales:
        rows += bench_scale(s, repeat, pages)
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scales", nargs="*", default=["demo", "province"], choices=["demo", "province"])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--pages", default=",".join(PAGES))
    a = ap.parse_args(argv)
    print_table(bench_rows(a.scales, a.repeat, [p for p in a.pages.split(",") if p]))


if __name__ == "__main__":
    main()
