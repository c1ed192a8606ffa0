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
