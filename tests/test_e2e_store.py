"""The reviewer's corruption, as a person meets it: the CLI run beside the running app
must never break the app's database (issue 11: two `users list` calls made every later
login fail with "disk I/O error")."""
import sqlite3
import subprocess
import sys

import pytest

from browser import ROOT, browser_page, log_in, require_browser, running_app
from conftest import make_tiny
from geo import auth, store

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-e2e-1"


def test_cli_beside_the_running_app_leaves_logins_working(tmp_path):
    require_browser()
    path = tmp_path / "antt.db"
    make_tiny(path)
    db = store.open_db(path)
    auth.create_user(db, "chief", PASSWORD, "admin")
    db.conn.close()
    with running_app(path) as url:
        for round_ in range(2):
            with browser_page() as (page, blocked):
                page.goto(url)
                log_in(page, "chief", PASSWORD)
                assert not blocked
            for _ in range(2):
                r = subprocess.run([sys.executable, "-m", "geo", "users", "list", "--db", str(path)],
                                   cwd=ROOT, capture_output=True, text=True, timeout=120)
                assert r.returncode == 0, r.stderr
        with browser_page() as (page, blocked):
            page.goto(url)
            log_in(page, "chief", PASSWORD)
            page.wait_for_timeout(1500)
            assert "disk I/O error" not in page.content()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    last = conn.execute("SELECT last_login_at FROM users WHERE username = 'chief'").fetchone()[0]
    conn.close()
    assert last                      # the app's own writes (the logins) went through
