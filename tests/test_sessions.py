"""Server-side sessions named by a signed cookie; the acting user re-read by id and version
(issue 12 item 3, issue 13 item 3)."""
import datetime as dt

import pytest

from geo import auth, sessions

PW = "mat-khau-an-toan"


@pytest.fixture
def db(tiny):
    d = tiny["db"]
    auth.create_user(d, "canbo", PW, "officer", "C00")
    auth.create_user(d, "khac", PW, "viewer")
    return d


def login(db, name="canbo"):
    user = auth.authenticate(db, name, PW)
    return user, sessions.start(db, user)


def test_a_cookie_finds_its_session_again(db):
    user, cookie = login(db)
    again = sessions.resolve(db, cookie)
    assert again == user and again.area_code == "C00"
    assert sessions.still_valid(db, user, cookie)


def test_the_cookie_is_signed_and_the_database_holds_no_usable_token(db):
    _, cookie = login(db)
    sid, sig = cookie.split(".")
    assert sessions.resolve(db, f"{sid}.{'0' * len(sig)}") is None        # forged signature
    assert sessions.resolve(db, sid) is None
    assert sessions.resolve(db, "") is None and sessions.resolve(db, None) is None
    stored = [r[0] for r in db.conn.execute("SELECT token_hash FROM sessions")]
    assert sid not in stored and cookie not in stored and len(stored) == 1


def test_admin_disables_a_logged_in_officer_next_interaction_refused(db):
    user, cookie = login(db)
    assert sessions.still_valid(db, user, cookie)
    auth.set_disabled(db, "canbo", True, actor=auth.SYSTEM)
    assert not sessions.still_valid(db, user, cookie)      # the open tab
    assert not sessions.still_valid(db, user)              # even without a cookie
    assert sessions.resolve(db, cookie) is None            # a new tab or reload
    assert sessions.count(db, user.id) == 0
    auth.set_disabled(db, "canbo", False, actor=auth.SYSTEM)
    assert sessions.resolve(db, cookie) is None            # enabling again does not revive it


@pytest.mark.parametrize("change", [
    "UPDATE users SET role = 'viewer', area_code = NULL WHERE username = 'canbo'",
    "UPDATE users SET area_code = 'C01' WHERE username = 'canbo'",
    "password",
])
def test_a_role_area_or_password_change_ends_the_old_sessions(db, change):
    user, cookie = login(db)
    other_user, other_cookie = login(db, "khac")
    if change == "password":
        auth.change_password(db, "canbo", "mot-mat-khau-moi", actor=auth.SYSTEM)
    else:
        with db.conn:
            db.conn.execute(change)
    assert not sessions.still_valid(db, user, cookie)
    assert sessions.resolve(db, cookie) is None
    assert auth.get_user(db, "canbo").version == user.version + 1
    assert sessions.resolve(db, other_cookie) == other_user     # another user is untouched


def test_a_successful_login_does_not_end_the_users_other_sessions(db):
    user, cookie = login(db)
    login(db)   # a second browser
    assert sessions.resolve(db, cookie) == user
    assert sessions.count(db, user.id) == 2


def test_logout_ends_the_session(db):
    user, cookie = login(db)
    sessions.end(db, cookie)
    assert sessions.resolve(db, cookie) is None
    assert not sessions.still_valid(db, user, cookie)


def test_idle_and_age_limits(db, monkeypatch):
    monkeypatch.setenv("ANTT_IDLE_MINUTES", "30")
    t0 = dt.datetime(2026, 11, 20, 8, 0).astimezone()
    user = auth.authenticate(db, "canbo", PW)
    cookie = sessions.start(db, user, now=t0)
    assert sessions.resolve(db, cookie, now=t0 + dt.timedelta(minutes=29)) == user   # and touched
    assert sessions.resolve(db, cookie, now=t0 + dt.timedelta(minutes=58)) == user   # 29 min after last use
    assert sessions.resolve(db, cookie, now=t0 + dt.timedelta(minutes=89)) is None   # idle 31 min
    cookie = sessions.start(db, user, now=t0)
    for m in range(25, 13 * 60, 25):                        # active all day: still ends after 12 h
        last = sessions.resolve(db, cookie, now=t0 + dt.timedelta(minutes=m))
    assert last is None


def test_a_cookie_of_another_database_is_refused(db, tmp_path):
    from conftest import make_tiny
    other = make_tiny(tmp_path / "other.db")["db"]
    auth.create_user(other, "canbo", PW, "officer", "C00")
    _, cookie = login(other)
    assert sessions.resolve(db, cookie) is None


def test_the_handoff_nonce_works_once():
    nonce = sessions.handoff("abc.def")
    assert sessions.redeem("wrong") is None
    assert sessions.redeem(nonce) == "abc.def"
    assert sessions.redeem(nonce) is None
