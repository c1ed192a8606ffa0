"""The test harness itself (tests/conftest.py): what one test leaves behind must not slow or
change the next one."""
from __future__ import annotations

import sys

import conftest


def test_an_apptest_run_replaces_the_main_module():
    """Streamlit's script runner installs the page script as ``sys.modules['__main__']`` and
    leaves it there after the run (the first half of the pair below)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_string("import streamlit as st\nst.write('x')").run()
    assert not at.exception
    assert sys.modules["__main__"] is not conftest.MAIN_MODULE


def test_the_next_test_has_the_real_main_module_back():
    """Otherwise every ``multiprocessing`` 'spawn' child of a later test imports that script
    first: app.py, which built data/antt.db in the work tree and made
    test_login_throttle's eight guessers take 139 s instead of 8 s."""
    assert sys.modules["__main__"] is conftest.MAIN_MODULE


def test_running_app_moves_on_from_a_port_taken_meanwhile(tmp_path, monkeypatch):
    """Two test workers start app servers at once: a port another server took between
    free_port() and streamlit's bind must give a new port, never a URL served by the other one."""
    import socket
    import urllib.request

    import browser
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    taken = other.getsockname()[1]
    real, handed = browser.free_port, []

    def taken_first() -> int:        # the first port handed out is one another server holds
        handed.append(1)
        return taken if len(handed) == 1 else real()
    monkeypatch.setattr(browser, "free_port", taken_first)
    try:
        with browser.running_app(tmp_path / "x.db") as url:
            assert url != f"http://127.0.0.1:{taken}" and len(handed) == 2
            with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
                assert r.status == 200
    finally:
        other.close()
