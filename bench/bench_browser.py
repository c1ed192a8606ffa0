"""What a user feels, in headless Chromium: filter change → redrawn, our pages beside the naive page.

    .venv/bin/python bench/bench_browser.py                       # everything, one table (~30-60 min)
    .venv/bin/python bench/bench_browser.py --scale province --pages map --repeat 4
    .venv/bin/python bench/bench_browser.py --scale demo --no-naive --no-first

Scales: ``demo`` (the demo province: ~50 communes, ~1,500 villages, ~300,000 incidents) and
``province`` (bench_stats' synthetic province: 2,000 villages, 1,000,000 incidents; built once
and cached, see ``bench_stats.default_path``).  Each run works on a private copy of the
database (SQLite's backup API) with a benchmark administrator added, so nothing shared is
written.

For each scale:

1. **First map after login**: a server just started (``tests/browser.py``'s ``app_server``, the
   same start as the end-to-end tests); a fresh browser logs in as soon as the form is there;
   time from the click on "Đăng nhập" until the map's areas are drawn.  This includes what is
   left of the start-up warm-up (``geo.warm``).  Then the same from a second fresh browser
   session once the warm-up is done ("warm server").
2. **Filter change → redrawn**, at village level, on the Map, CompStat, Coverage and Meeting
   pages: each kind of filter the page has (period preset, commune drill-down, category, figure,
   layer) is changed ``--repeat`` times (back and forth).  The time runs from the input event that
   commits the change (the Enter on a list, the click on a layer) -- taken in the browser by a
   capture listener -- to the later of: the last message the server sent for that rerun
   (the WebSocket is watched), the last change to the page's DOM, and the map component's redraw
   (``window.anttMap.lastRenderAt`` in its frame); a change counts as finished once nothing has
   moved for 0.7 s (not counted).
3. The same filter changes on the **naive page** (``bench/naive_app.py``: ``folium.Choropleth``
   rebuilt and sent through ``st_folium`` on every rerun), same database, same figures; its end
   is the later of the last server message and the moment its new map's areas are on screen.
4. **Server RSS**: the peak of the server process tree (``/proc``: VmHWM of the server, and the
   sampled sum of VmRSS over it and its children every 0.25 s), for our server and the naive one.

Prints progress lines, then one table: page, scale, ours p50/p95, naive p50/p95, ratio at p50,
with a row per filter kind, the first-map rows and RSS, and the run conditions (CPU count,
load average before/after, date).  Times are printed, never asserted.  Every request off this
machine is blocked (tests/browser.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))


PASSWORD = "bench-browser-2025"
USER = "bench_admin"
PAGES = ("map", "compstat", "coverage", "meeting")
KINDS = {"map": ("period", "commune", "category", "figure", "layer"),
         "compstat": ("period", "commune", "category"),
         "coverage": ("period", "commune", "category"),
         "meeting": ("period", "commune", "category", "figure", "layer"),
         "naive": ("period", "commune", "category", "figure", "layer")}
QUIET = 0.7                # s without a server message or a DOM change: the change has finished
TIMEOUT = 180              # s for one change before it is reported as a miss
TARGETS = {"p50": 0.8, "p95": 1.5, "ratio": 3.0, "first": 3.0, "rss_mb": 1536}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------------- memory

class RssSampler:
    """Peak memory of a process and its children, sampled from /proc in a thread."""

    def __init__(self, pid: int, every: float = 0.25):
        self.pid, self.every, self.peak_sum_kb = pid, every, 0
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    @staticmethod
    def _field(pid: int, name: str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def tree(self) -> list[int]:
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            for task in Path(f"/proc/{p}/task").glob("*"):
                try:
                    todo += [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    pass
        return out

    def _run(self):
        while not self._stop.is_set():
            self.peak_sum_kb = max(self.peak_sum_kb, sum(self._field(p, "VmRSS") for p in self.tree()))
            self._stop.wait(self.every)

    def hwm_mb(self) -> float:
        return sum(self._field(p, "VmHWM") for p in self.tree()) / 1024

    def stop(self) -> tuple[float, float]:
        """(peak of the sampled tree sum, VmHWM summed over the tree), in MB."""
        hwm = self.hwm_mb()
        self._stop.set()
        self._th.join(2)
        return self.peak_sum_kb / 1024, hwm


# ------------------------------------------------------------------------- the page

# installed before any page script: watch the WebSocket (server messages) and the inputs
INIT = """(() => {
  if (window.__bench) return;
  const b = window.__bench = {ws: 0, wsn: 0, input: 0, mut: 0, fresh: 0, running: false, started: 0, finished: 0,
                              runs: 0};
  // Streamlit's ForwardMsg (protobuf): a script run begins with new_session (field 4) and ends
  // with script_finished (field 6); only the top-level field numbers are read
  const topFields = (buf) => { const u = new Uint8Array(buf), out = []; let i = 0;
    const varint = () => { let x = 0, s = 0, c; do { c = u[i++]; x += (c & 127) * 2 ** s; s += 7; } while (c & 128 && i < u.length); return x; };
    while (i < u.length) { const tag = varint(), f = Math.floor(tag / 8), w = tag & 7; out.push(f);
      if (w === 0) varint(); else if (w === 2) { const n = varint(); i += n; } else if (w === 1) i += 8; else if (w === 5) i += 4; else break; }
    return out; };
  const W = window.WebSocket;
  window.WebSocket = class extends W {
    constructor(...a) { super(...a);
      this.addEventListener('message', (e) => { const now = performance.now(); b.ws = now; b.wsn++;
        if (!(e.data instanceof ArrayBuffer)) return;
        const f = topFields(e.data);
        if (f.includes(4)) { b.running = true; b.started = now; }
        if (f.includes(6)) { b.running = false; b.finished = now; b.runs++; } }); }
  };
  for (const ev of ['keydown', 'click'])
    window.addEventListener(ev, () => { b.input = performance.now(); }, true);
  const watch = () => new MutationObserver((ms) => {
      for (const m of ms) {
        const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
        if (m.target === document.body || (el && el.closest && el.closest(
            '[role="listbox"], .react-aria-Popover, [data-baseweb="popover"], [role="dialog"]'))) continue;  // a list
        b.mut = performance.now(); return;
      }
    }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  if (document.body) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();"""

# the naive map's areas are marked; an area not marked is a new map drawn
MARK = """() => { const b = window.__bench; b.fresh = 0;
  for (const f of document.querySelectorAll('iframe')) {
    try { for (const p of f.contentDocument.querySelectorAll('.leaflet-overlay-pane path')) p.dataset.old = 1; }
    catch (e) {} }
  if (b.probe) clearInterval(b.probe);
  b.probe = setInterval(() => {
    if (b.fresh) return;
    for (const f of document.querySelectorAll('iframe')) {
      try { if (f.contentDocument.querySelector('.leaflet-overlay-pane path:not([data-old])')) {
        b.fresh = performance.now(); return; } } catch (e) {} }
  }, 10);
  return performance.now(); }"""

STATE = """() => { const b = window.__bench;
  const r = {ws: b.ws, wsn: b.wsn, input: b.input, mut: b.mut, fresh: b.fresh, now: performance.now(),
             render: 0, maps: 0, paths: 0, running: b.running, runs: b.runs, finished: b.finished};
  for (const f of document.querySelectorAll('iframe')) {
    try { const w = f.contentWindow, s = w.anttMap;
      if (s) { r.maps++; if (s.lastRenderAt) r.render = Math.max(r.render,
                 s.lastRenderAt + w.performance.timeOrigin - performance.timeOrigin); }
      r.paths += f.contentDocument.querySelectorAll('.leaflet-overlay-pane path').length;
    } catch (e) {} }
  return r; }"""


class Miss(Exception):
    pass


def state(page) -> dict:
    return page.evaluate(STATE)


def settle(page, since: dict, t0: float, naive: bool, has_map: bool, timeout: float = TIMEOUT) -> tuple[float, str]:
    """Wait until the change that began at ``t0`` (browser clock) has finished; its duration in s
    and a note ('' or why the map end was not seen)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        page.wait_for_timeout(50)
        s = state(page)
        if s["runs"] == since["runs"] or s["running"]:
            continue                                  # the rerun has not finished yet
        last = max(s["ws"], s["mut"])
        drawn = (s["fresh"] > t0) if naive else (s["render"] > t0 if has_map else True)
        mark = s["fresh"] if naive else s["render"]
        quiet = (s["now"] - max(last, mark)) / 1000
        if quiet >= QUIET and drawn:
            return (max(last, mark) - t0) / 1000, ""
        if quiet >= 5:                                # finished, but no new map drawn
            return (last - t0) / 1000, "no map redraw"
    raise Miss(f"not finished within {timeout:.0f} s")


def idle(page, timeout: float = 120) -> None:
    """Until nothing has come from the server or changed on the page for QUIET s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = state(page)
        if not s["running"] and (s["now"] - max(s["ws"], s["mut"])) / 1000 >= QUIET:
            return
        page.wait_for_timeout(100)


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def choose(page, label: str, text: str) -> None:
    """Pick ``text`` in the sidebar list ``label``: open it, type, click the option (the click
    commits the change)."""
    box = sidebar(page).get_by_role("combobox", name=label, exact=True)
    for attempt in range(4):              # a rerun landing meanwhile may close the list
        box.click()
        box.fill(text)                    # long lists draw only the options in view
        opt = page.get_by_role("option").filter(has_text=text).first
        try:
            opt.wait_for(timeout=8000)
            opt.click()
            return
        except Exception:
            page.keyboard.press("Escape")
            idle(page)
            if attempt == 3:
                raise


def multi(page, label: str, text: str | None) -> None:
    """Add ``text`` to the sidebar multiselect ``label`` (the click on the option commits), or
    with None remove its last choice (Backspace commits)."""
    box = sidebar(page).get_by_role("combobox", name=label, exact=True)
    box.click()
    if text is None:
        page.keyboard.press("Backspace")
        return
    box.fill(text)
    opt = page.get_by_role("option").filter(has_text=text).first
    opt.wait_for(timeout=8000)
    opt.click()


def pill(page, text: str) -> None:
    sidebar(page).locator(f"button:has-text('{text}')").first.click()


def actions(kind: str, commune: str):
    """Two inputs that undo each other, for filter ``kind``."""
    if kind == "period":
        return lambda p: choose(p, "Thời gian", "28 ngày qua"), lambda p: choose(p, "Thời gian", "Từ đầu năm")
    if kind == "commune":
        return lambda p: choose(p, "Xã/Phường", commune), lambda p: choose(p, "Xã/Phường", "Toàn tỉnh")
    if kind == "figure":
        return (lambda p: choose(p, "Chỉ tiêu hiển thị", "Tăng/giảm (%)"),
                lambda p: choose(p, "Chỉ tiêu hiển thị", "Vụ việc"))
    if kind == "category":
        return lambda p: multi(p, "Loại vụ việc", "Hình sự"), lambda p: multi(p, "Loại vụ việc", None)
    if kind == "layer":
        return lambda p: pill(p, "Camera an ninh"), lambda p: pill(p, "Camera an ninh")
    raise ValueError(kind)


def measure_page(page, kinds, repeat: int, naive: bool, commune: str, tag: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for kind in kinds:
        a, b = actions(kind, commune)
        times: list[float] = []
        for i in range(repeat):
            idle(page)
            page.keyboard.press("Escape")        # no list left open
            idle(page)
            before = state(page)
            has_map = before["maps"] > 0
            if naive:
                page.evaluate(MARK)
            try:
                (a if i % 2 == 0 else b)(page)
                t0 = page.evaluate("window.__bench.input")
                secs, note = settle(page, before, t0, naive, has_map)
            except Exception as e:              # reported as a miss, the run goes on
                log(f"  {tag} · {kind}: MISS ({str(e).splitlines()[0][:120]})")
                continue
            times.append(secs)
            log(f"  {tag} · {kind}: {secs:.2f} s{' (' + note + ')' if note else ''}")
        if repeat % 2:                          # leave the filter as it was
            try:
                idle(page)
                b(page)
                idle(page)
            except Exception as e:
                log(f"  {tag} · {kind}: could not undo ({str(e).splitlines()[0][:80]})")
        page.keyboard.press("Escape")
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
    if not xs:
        return "–"
    return f"{pct(xs, .5):.2f} / {pct(xs, .95):.2f} s (n={len(xs)})"


# ------------------------------------------------------------------------- scales

def scale_db(scale: str, workdir: Path) -> Path:
    """A private copy of the scale's database, with the benchmark administrator."""
    from browser import copy_db

    from geo import auth, demo, store
    if scale == "demo":
        src = Path(os.environ.get("ANTT_BENCH_DEMO_DB") or Path(tempfile.gettempdir()) / "antt_bench_demo.db")
        if not src.exists():
            log(f"building the demo database at {src} (~30 s)")
            demo.build_demo(src)
    else:
        import bench_stats
        src = bench_stats.default_path()
        log(f"synthetic province at {src} (built once: several minutes the first time)")
        src = bench_stats.build_province(src)
    d = workdir / scale
    d.mkdir(parents=True, exist_ok=True)
    path = copy_db(src, d)
    db = store.open_db(path)
    if auth.get_user(db, USER) is None:
        auth.create_user(db, USER, PASSWORD, "admin")
    db.conn.close()
    return path


def commune_name(path: Path) -> str:
    """A commune in the middle of the list whose name is in no other's (typing it picks it)."""
    from geo import areas, store
    db = store.open_db(path)
    names = sorted(areas.area_table(db, areas.current_set(db, "commune").id)["name"])
    db.conn.close()
    unique = [n for n in names if sum(n in m for m in names) == 1]
    return unique[len(unique) // 2]


def open_page(url: str):
    from browser import browser_page
    cm = browser_page(viewport=(1400, 900))
    page, blocked = cm.__enter__()
    page.add_init_script(INIT)
    return cm, page, blocked


def first_map(url: str) -> float:
    """From the click on "Đăng nhập" until the map page's areas are drawn (a fresh browser session)."""
    cm, page, _ = open_page(url)
    try:
        page.goto(url + "/?level=village")
        page.get_by_label("Tên đăng nhập").fill(USER, timeout=300_000)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        t0 = time.perf_counter()
        page.get_by_role("button", name="Đăng nhập").click()
        deadline = time.time() + 300
        while time.time() < deadline:
            if state(page)["paths"] > 0:
                return time.perf_counter() - t0
            page.wait_for_timeout(25)
        return float("nan")
    finally:
        cm.__exit__(None, None, None)


def warm_done(proc, timeout: float = 600) -> float | None:
    """Wait for the warm-up's "done" line in the server log; its seconds (None: not seen)."""
    import re
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.search(r"warm-up done in ([0-9.]+) s", proc.log_path.read_text(errors="replace"))
        if m:
            return float(m.group(1))
        time.sleep(0.5)
    return None


def go_to(page, name: str) -> None:
    if name == "map":                    # the default page: its link is the app's root
        page.locator("[data-testid='stSidebarNav'] a").first.click()
        page.wait_for_timeout(500)
    else:
        page.locator(f"[data-testid='stSidebarNav'] a[href$='/{name}']").first.click()
        page.wait_for_url(f"**/{name}**", timeout=120_000)
    idle(page)
    page.wait_for_timeout(1000)
    idle(page)


def naive_static() -> None:
    """Streamlit serves ``static/`` beside the main script: the naive page (bench/naive_app.py)
    gets a copy of the local Leaflet files in bench/static (git-ignored)."""
    import shutil

    from geo import assets
    assets.install_static()
    shutil.copytree(ROOT / "static", ROOT / "bench" / "static", dirs_exist_ok=True)


def bench_scale(scale: str, repeat: int, pages, kinds, naive: bool, first: bool, workdir: Path) -> dict:
    from browser import app_server, log_in
    path = scale_db(scale, workdir)
    commune = commune_name(path)
    res: dict = {"scale": scale, "ours": {}, "naive": {}, "blocked": 0}
    log(f"{scale}: our server (serve.py) on {path}")
    with app_server(path, timeout=300, log_dir=workdir) as (url, proc):
        rss = RssSampler(proc.pid)
        if first:
            res["first_cold"] = first_map(url)
            log(f"{scale}: first map after login, server just started: {res['first_cold']:.2f} s")
            res["warm_s"] = warm_done(proc)
            res["first_warm"] = first_map(url)
            log(f"{scale}: first map after login, warm server: {res['first_warm']:.2f} s "
                f"(warm-up took {res['warm_s']} s)")
        if pages:
            cm, page, blocked = open_page(url)
            try:
                page.goto(url + "/?level=village&period=ytd")
                log_in(page, USER, PASSWORD, timeout=300_000)
                for name in pages:
                    if name != "map":
                        go_to(page, name)
                    else:
                        idle(page)
                    res["ours"][name] = measure_page(page, [k for k in KINDS[name] if k in kinds], repeat,
                                                     False, commune, f"{scale} {name}")
                    if name != "map":
                        go_to(page, "map")
                res["blocked"] += len(blocked)
            finally:
                cm.__exit__(None, None, None)
        res["rss"] = rss.stop()
    log(f"{scale}: our server peak RSS {res['rss'][0]:,.0f} MB (VmHWM {res['rss'][1]:,.0f} MB)")
    if naive:
        log(f"{scale}: the naive page (bench/naive_app.py)")
        naive_static()
        with app_server(path, timeout=300, script="bench/naive_app.py", log_dir=workdir) as (url, proc):
            rss = RssSampler(proc.pid)
            cm, page, blocked = open_page(url)
            try:
                page.goto(url + "/")
                sidebar(page).wait_for(timeout=300_000)
                idle(page)
                page.evaluate(MARK)
                sidebar(page).get_by_text("Thôn/Tổ dân phố").click()
                idle(page)
                res["naive"] = measure_page(page, [k for k in KINDS["naive"] if k in kinds], repeat, True,
                                            commune, f"{scale} naive")
                res["blocked"] += len(blocked)
            finally:
                cm.__exit__(None, None, None)
            res["naive_rss"] = rss.stop()
    return res


def rows_for(res: dict) -> list[tuple]:
    s = res["scale"]
    rows = []
    nv = res["naive"]
    all_naive = [x for v in nv.values() for x in v]
    for name, kinds in res["ours"].items():
        xs = [x for v in kinds.values() for x in v]
        nx = [x for k in kinds for x in nv.get(k, [])]     # the naive page on the same kinds of filter
        ratio = pct(nx, .5) / pct(xs, .5) if xs and nx else float("nan")
        rows.append((f"{name} page", s, fmt(xs), fmt(nx), f"×{ratio:.1f}" if ratio == ratio else "–"))
        for kind, v in kinds.items():
            n = nv.get(kind, [])
            r = pct(n, .5) / pct(v, .5) if v and n else float("nan")
            rows.append((f"  · {kind}", s, fmt(v), fmt(n), f"×{r:.1f}" if r == r else "–"))
    if all_naive and not res["ours"]:
        rows.append(("naive page", s, "–", fmt(all_naive), "–"))
    if "first_cold" in res:
        rows.append(("first map after login, server just started", s, f"{res['first_cold']:.2f} s", "–",
                     f"warm-up {res.get('warm_s')} s"))
        rows.append(("first map after login, warm server", s, f"{res['first_warm']:.2f} s", "–", ""))
    if "rss" in res:
        peak, hwm = res["rss"]
        npk = res.get("naive_rss")
        rows.append(("server RSS, peak (tree sum sampled / VmHWM)", s, f"{peak:,.0f} / {hwm:,.0f} MB",
                     f"{npk[0]:,.0f} / {npk[1]:,.0f} MB" if npk else "–", ""))
    if res["blocked"]:
        rows.append(("requests off this machine (blocked)", s, str(res["blocked"]), "", ""))
    return rows


def print_rows(rows, header) -> None:
    """A Markdown table (pasted as is into the README's benchmark section)."""
    w = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(f"{str(c):<{w[i]}}" for i, c in enumerate(r)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for r in rows:
        print(line(r))


def conditions(load_before) -> list[str]:
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    return [f"date {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC · commit {commit} · {os.cpu_count()} CPUs · "
            f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} · {chromium}",
            f"targets (issue 14, province scale, map page): p50 ≤ {TARGETS['p50']} s, p95 ≤ {TARGETS['p95']} s, "
            f"≥ {TARGETS['ratio']:.0f}× the naive page; first map ≤ {TARGETS['first']:.0f} s; RSS ≤ {TARGETS['rss_mb']} MB",
            "ours / naive: p50 / p95 of filter change → redrawn (from the committing input event to the last server "
            "message, DOM change or map redraw)"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scales", nargs="*", help="demo and/or province (or --scale)")
    ap.add_argument("--scale", choices=["demo", "province", "all"], default=None)
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated, of " + ",".join(PAGES)
                    + " (empty: none, e.g. only first map and the naive page)")
    ap.add_argument("--kinds", default="period,commune,category,figure,layer")
    ap.add_argument("--repeat", type=int, default=10, help="changes per filter kind and page (default 10)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive page")
    ap.add_argument("--no-first", action="store_true", help="skip the first map after login")
    a = ap.parse_args(argv)
    if any(x not in ("demo", "province") for x in a.scales):
        ap.error("scales: demo, province")
    scales = list(a.scales) or (["demo", "province"] if a.scale in (None, "all") else [a.scale])
    pages = [p for p in a.pages.split(",") if p]
    bad = [p for p in pages if p not in PAGES]
    if bad:
        ap.error(f"unknown page {bad}")
    kinds = [k for k in a.kinds.split(",") if k]
    load = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="antt-bench-browser-") as tmp:
        for s in scales:
            results.append(bench_scale(s, a.repeat, pages, kinds, not a.no_naive, not a.no_first, Path(tmp)))
    for line in conditions(load):
        print(line)
    print_rows([r for res in results for r in rows_for(res)],
               ("measure", "scale", "ours p50 / p95", "naive p50 / p95", "naive ÷ ours (p50)"))


if __name__ == "__main__":
    main()
