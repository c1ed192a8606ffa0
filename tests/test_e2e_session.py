"""Sessions as a person meets them in Chromium (issue 13 item 3, issue 12 item 3): a login
survives a reload and a new tab through an HttpOnly cookie, never a secret in the URL;
logout ends it; an admin disabling the account ends it at the next interaction."""
import pytest

from browser import browser_page, copy_db, log_in, require_browser, running_app
from geo import auth, sessions, store

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-e2e"


@pytest.fixture(scope="module")
def app(tiny_path, tmp_path_factory):
    require_browser()
    path = copy_db(tiny_path, tmp_path_factory.mktemp("session"))
    db = store.open_db(path)
    auth.create_user(db, "can_bo", PASSWORD, "officer", "C00")
    with running_app(path) as url:
        yield {"url": url, "db": db}


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    from conftest import make_tiny
    return make_tiny(tmp_path_factory.mktemp("tiny") / "tiny.db")["path"]


def logged_in_page(page, timeout=60_000):
    page.get_by_role("button", name="Đăng xuất").wait_for(timeout=timeout)


def login_form_shown(page, timeout=60_000):
    page.get_by_label("Tên đăng nhập").wait_for(timeout=timeout)


def wait_for_cookie(context, page, timeout_ms=15_000):
    for _ in range(timeout_ms // 250):
        found = [c for c in context.cookies() if c["name"] == sessions.COOKIE]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    raise AssertionError("no session cookie was set")


def test_login_survives_reload_and_new_tab_then_logout_ends_it(app):
    with browser_page() as (page, blocked):
        context = page.context
        page.goto(app["url"] + "/compstat?period=ytd")
        log_in(page, "can_bo", PASSWORD)
        cookie = wait_for_cookie(context, page)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie").find(sessions.COOKIE) == -1   # no script can read it
        assert cookie["value"] not in page.url
        page.reload()
        logged_in_page(page)
        tab = context.new_page()
        tab.goto(app["url"] + "/trends?period=ytd")
        logged_in_page(tab)                        # no second login
        assert cookie["value"] not in tab.url and "antt_session" not in tab.url
        tab.get_by_role("button", name="Đăng xuất").click()
        login_form_shown(tab)
        for _ in range(40):                        # the logout POST clears the cookie
            if not [c for c in context.cookies() if c["name"] == sessions.COOKIE]:
                break
            tab.wait_for_timeout(250)
        assert not [c for c in context.cookies() if c["name"] == sessions.COOKIE]
        assert sessions.resolve(app["db"], cookie["value"]) is None        # ended on the server
        third = context.new_page()
        third.goto(app["url"] + "/compstat")
        login_form_shown(third)
        # the old cookie, put back by hand (a copy kept by an attacker), is worthless
        context.add_cookies([{**cookie}])
        fourth = context.new_page()
        fourth.goto(app["url"] + "/compstat")
        login_form_shown(fourth)
        assert blocked == []


def test_admin_disables_a_logged_in_officer_next_interaction_refused(app):
    with browser_page() as (page, blocked):
        page.goto(app["url"] + "/compstat?period=ytd")
        log_in(page, "can_bo", PASSWORD)
        wait_for_cookie(page.context, page)
        auth.set_disabled(app["db"], "can_bo", True, actor=auth.SYSTEM)
        try:
            page.get_by_role("link", name="Xu hướng").click()      # the next interaction
            login_form_shown(page)
            page.get_by_text("Phiên đăng nhập đã kết thúc").wait_for(timeout=10_000)
            assert page.get_by_role("button", name="Đăng xuất").count() == 0
            page.reload()                                          # and the cookie no longer works
            login_form_shown(page)
        finally:
            auth.set_disabled(app["db"], "can_bo", False, actor=auth.SYSTEM)
