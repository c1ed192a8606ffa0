"""Helpers for end-to-end tests: run the app on a database, drive Debian's Chromium.

Every request that is not to this machine is blocked and recorded, so a test can
assert that the app never tried to reach another host.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def require_browser():
    """Skip (or, in CI, fail) when Chromium or Playwright is missing."""
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed (requirements-dev.txt)"
    if missing:
        if os.environ.get("ANTT_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(db_path: Path, env: dict | None = None, timeout: float = 90, script: str | Path = "serve.py",
               log_dir: Path | None = None):
    """Start ``streamlit run script`` (default serve.py: the pages of app.py and the
    session-cookie routes) on a free port with ``ANTT_DB=db_path``; yield (URL, process).
    The server's output goes to ``streamlit-PORT.log`` beside the database (or in ``log_dir``).
    A port taken meanwhile (by another test worker's server: streamlit then exits with
    "Port … is not available") gets a new one.  Shared by the end-to-end tests and
    bench/bench_browser.py."""
    full_env = {**os.environ, "ANTT_DB": str(db_path), **(env or {})}
    for attempt in range(3):
        port = free_port()
        cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / script), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        log_path = Path(log_dir or db_path.parent) / f"streamlit-{port}.log"
        log = open(log_path, "w")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout
            while True:
                try:
                    log.flush()
                    ours = f"URL: {url}" in log_path.read_text()   # this server has the port (not another's)
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.status == 200 and ours:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    text = log_path.read_text()
                    if proc.poll() is not None and "is not available" in text and attempt < 2:
                        break
                    raise RuntimeError("streamlit did not start:\n" + text[-3000:])
                time.sleep(0.3)
            if proc.poll() is not None:      # the port was taken: try another
                continue
            proc.log_path = log_path
            yield url, proc
            return
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


@contextlib.contextmanager
def running_app(db_path: Path, env: dict | None = None, timeout: float = 90):
    """Start ``streamlit run serve.py`` (the pages of app.py and the session-cookie routes) on a
    free port with ``ANTT_DB=db_path``; yield its URL."""
    with app_server(db_path, env, timeout) as (url, _proc):
        yield url


def is_local_url(url: str) -> bool:
    p = urlparse(url)
    if p.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
        return True
    return p.hostname in ("127.0.0.1", "localhost", "::1")


_SHARED: dict = {"playwright": None, "browser": None}


def shared_browser():
    """One headless Chromium for the whole test session (started on first use, relaunched if it
    died); each :func:`browser_page` gets a new context of its own, so no cookie, storage or
    cache passes from one test to the next."""
    browser = _SHARED["browser"]
    if browser is None or not browser.is_connected():
        if _SHARED["playwright"] is None:
            from playwright.sync_api import sync_playwright
            _SHARED["playwright"] = sync_playwright().start()
            atexit.register(close_shared_browser)
        browser = _SHARED["playwright"].chromium.launch(executable_path=CHROMIUM, headless=True,
                                                        args=CHROMIUM_ARGS)
        _SHARED["browser"] = browser
    return browser


def close_shared_browser() -> None:
    browser, pw = _SHARED["browser"], _SHARED["playwright"]
    _SHARED["browser"] = _SHARED["playwright"] = None
    with contextlib.suppress(Exception):
        if browser is not None:
            browser.close()
    with contextlib.suppress(Exception):
        if pw is not None:
            pw.stop()


@contextlib.contextmanager
def browser_page(viewport=(1400, 900)):
    """A Chromium page whose non-local requests are blocked; yields (page, blocked_urls).

    The page lives in a new browser context (its own cookies, storage and cache) of the
    session's one Chromium (:func:`shared_browser`), closed afterwards."""
    blocked: list[str] = []
    context = shared_browser().new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           locale="vi-VN")

    def guard(route):
        if is_local_url(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    try:
        context.route("**/*", guard)
        page = context.new_page()
        yield page, blocked
    finally:
        with contextlib.suppress(Exception):
            context.close()


# what the page shows, for settle(): the script's run state and the text of the page and of its
# same-origin frames (components)
_SHOWN = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const parts = [app ? app.getAttribute('data-test-script-state') : 'none',
                 document.querySelectorAll("[data-testid='stStatusWidget']").length, document.body.innerText];
  document.querySelectorAll('iframe').forEach(f => { try { parts.push(f.contentDocument.body.innerText); }
                                                      catch (e) { parts.push('?'); } });
  return JSON.stringify(parts); }"""


def settle(page, quiet_ms: int = 1500, timeout: float = 60) -> None:
    """Wait until Streamlit has finished running the script and nothing shown has changed for
    ``quiet_ms`` (instead of a fixed pause): the page, its frames and Streamlit's run state."""
    deadline = time.time() + timeout
    last, since = None, time.time()
    while time.time() < deadline:
        try:
            now = page.evaluate(_SHOWN)
        except Exception:  # navigating
            now = None
        if now != last:
            last, since = now, time.time()
        elif now is not None and '"notRunning",0,' in now and (time.time() - since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(200)   # not time.sleep: the request guard runs only inside Playwright's calls
    raise AssertionError(f"the page did not settle within {timeout} s")


def copy_db(src: Path, dst_dir: Path) -> Path:
    """A copy of the database through SQLite's backup API (copying the file with
    plain I/O would drop this process's locks on it; see geo.store.connect_file)."""
    import sqlite3

    from geo import store
    dst = dst_dir / src.name
    source = store.connect_file(src, "ro")
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return dst


def log_in(page, username: str, password: str, timeout: float = 60_000) -> None:
    """Fill the login form that stands in for any page until someone logs in."""
    page.get_by_label("Tên đăng nhập").fill(username, timeout=timeout)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đăng xuất").wait_for(timeout=timeout)
