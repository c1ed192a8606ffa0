"""Per-run plumbing shared by the pages: the database, the language, errors.

Streamlit code only; every figure comes from ``geo``.
"""
from __future__ import annotations

import logging

import streamlit as st

from geo import auth, i18n, sessions, store
from ui.safe import md

log = logging.getLogger("antt")


@st.cache_resource(show_spinner=False)
def _ensure_database(path: str) -> str:
    """Build the demo database on first start when none exists (once per process)."""
    from pathlib import Path

    from geo import demo
    p = Path(path)
    if not p.exists():
        bar = st.progress(0.0, text=i18n.t("building_demo", lang()))
        try:
            demo.build_demo(p, progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
        except FileExistsError:
            pass  # another process finished building it first: use that one
        bar.empty()
    return path


@st.cache_resource(show_spinner=False)
def _warm_up(path: str) -> None:
    """Warm records, placements and map geometry in the background, once per process and
    again after each write (geo.warm watches the data revision); never blocks a page."""
    from geo import warm
    warm.start(path)


def wait_for_warm_up() -> None:
    """On the first view after the server started: a progress bar until the records are
    in memory (instead of a blank page, and without loading them twice)."""
    from geo import warm
    path = str(store.db_path())
    st_ = warm.status(path)
    if st_ is None or st_.ready:
        return
    bar = st.progress(0.0)

    def show(s):
        bar.progress(min(s.done / max(s.total, 1), 1.0),
                     text=t("warming_up", step=t(f"warm_{s.step}") if s.step else "…", done=s.done, total=s.total))

    warm.wait(path, on_progress=show)
    bar.empty()


def lang() -> str:
    q = st.query_params.get("lang")
    return st.session_state.get("lang") or (q if q in i18n.LANGS else i18n.DEFAULT_LANG)


def t(key: str, **fmt) -> str:
    return i18n.t(key, lang(), **fmt)


def fmt(value, decimals: int = 0) -> str:
    """A number in the page's language (geo.numfmt): 1.234,5 in Vietnamese, 1,234.5 in English."""
    from geo import numfmt
    return numfmt.fmt_number(value, decimals, lang())


def database():
    """An open connection for this run (the file is created from demo data if missing).

    A file that is not a usable ANTT database stops the page with a clear message."""
    path = str(store.db_path())
    try:
        _ensure_database(path)
        db = store.open_db(path)
        _warm_up(path)
        return db
    except store.StoreError as e:
        st.error(f"{t('db_error')}: {md(e)}")
        st.stop()


def show_demo_banner(db) -> None:
    if store.is_demo(db):
        st.caption(f":material/science: {t('demo_banner')}")


# --- who is logged in -------------------------------------------------------------------
# The user object lives in this browser session (a tab); a signed HttpOnly cookie names
# the server-side session (geo/sessions.py), so a new tab or a reload finds it again.
# On every run the user is re-checked by id and version: a disabled or changed account
# is refused at its next interaction.

def _cookie() -> str | None:
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser connection (AppTest)
        return None


def current_user(db=None) -> auth.User | None:
    """The logged-in user of this browser session, or None (also after the idle timeout,
    and once the account was disabled or its password, role or area changed)."""
    import time
    ss = st.session_state
    db = db if db is not None else database()
    user = ss.get("user")
    if user is None:
        cookie = _cookie()
        if not cookie or ss.get("_cookie_refused") == cookie:
            return None
        found = sessions.resolve(db, cookie)
        if found is None:
            ss._cookie_refused = cookie   # ended or expired: asked once, not on every run
            return None
        ss.user, ss.session_cookie, ss.last_seen = found, cookie, time.time()
        return found
    now = time.time()
    if now - ss.get("last_seen", now) > 60 * auth.idle_timeout_minutes():
        logout(reason="idle", db=db)
        return None
    if not sessions.still_valid(db, user, ss.get("session_cookie")):
        logout(reason="changed", db=db)
        return None
    sessions.touch(db, ss.get("session_cookie"))
    ss.last_seen = now
    return user


def login(user: auth.User, db=None) -> None:
    """Start a session for a user just authenticated; the browser gets its cookie on the next run."""
    import time
    ss = st.session_state
    db = db if db is not None else database()
    if ss.get("session_cookie"):
        sessions.end(db, ss.session_cookie)   # e.g. after a password change: the old one is dead anyway
    ss.user = user
    ss.last_seen = time.time()
    ss.pop("session_cookie", None)
    if user.id is not None:
        cookie = sessions.start(db, user)
        ss.session_cookie = cookie
        ss._cookie_action = ("session", sessions.handoff(cookie))


def logout(reason: str | None = None, db=None) -> None:
    ss = st.session_state
    cookie = ss.get("session_cookie")
    if cookie:
        sessions.end(db if db is not None else database(), cookie)
    if cookie or _cookie():
        ss._cookie_action = ("logout", "")
        ss._cookie_refused = _cookie()   # this connection's (old) cookie is not asked again
    for key in ("user", "last_seen", "_filters_from_url", "session_cookie"):
        ss.pop(key, None)
    if reason:
        ss.logout_reason = reason


def cookie_script() -> None:
    """Tell the browser to store (after login) or drop (after logout) the session cookie:
    a POST to the server's own route, the one-time nonce in the body (app.py calls this)."""
    action = st.session_state.pop("_cookie_action", None)
    if action is None:
        return
    kind, nonce = action
    path = "antt/session" if kind == "session" else "antt/logout"
    import json
    st.html(f"""<script>fetch(new URL({json.dumps("/" + path)}, window.location.origin),
        {{method: "POST", body: {json.dumps(nonce)}, credentials: "same-origin",
          headers: {{"Content-Type": "text/plain"}}}}).catch(() => {{}});</script>""",
            unsafe_allow_javascript=True)


def acting_user(db=None) -> auth.User:
    """The user every geo call of a page acts as.  With nobody logged in (app.py
    normally stops before the page) the page shows the login form and stops."""
    db = db if db is not None else database()
    user = current_user(db)
    if user is None:
        login_form(db)
        st.stop()
    wait_for_warm_up()
    return user


def show_error(e: Exception) -> None:
    """A refusal from geo, said plainly; anything unexpected is logged, never shown as a trace."""
    if isinstance(e, (auth.PermissionDenied, auth.AuthError)):
        st.error(md(e))
    else:
        log.exception("unexpected error")
        st.error(t("unexpected_error"))


def login_form(db) -> None:
    """The login form (drawn by app.py in place of any page until someone logs in)."""
    from geo import demo
    st.title(t("app_title"))
    st.caption(t("app_subtitle"))
    # kept until the next login: the form may be drawn by more than one rerun (a page switch)
    reason = st.session_state.get("logout_reason")
    if reason == "idle":
        st.info(t("logged_out_idle", minutes=auth.idle_timeout_minutes()))
    elif reason == "changed":
        st.warning(t("logged_out_changed"))
    with st.form("login"):
        username = st.text_input(t("username"), key="login_user")
        password = st.text_input(t("password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login"), type="primary")
    if submitted:
        try:
            login(auth.authenticate(db, username, password, client=getattr(st.context, "ip_address", None)), db)
            st.session_state.pop("logout_reason", None)
            st.rerun()
        except auth.AuthError as e:
            st.error(md(e))
    if store.is_demo(db):
        st.caption(t("demo_login_hint", user=demo.DEMO_ADMIN, password=demo.DEMO_PASSWORD))
