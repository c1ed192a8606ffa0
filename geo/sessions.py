"""Login sessions kept on the server, named by a signed cookie; the acting user re-checked.

A session is a row of ``sessions``: the SHA-256 of a random id, the user and the
user's ``version`` when it started.  The browser holds ``id.signature`` (HMAC-SHA256
with a secret kept in the database) in an HttpOnly cookie, so a new tab or a reload
finds the session again; nothing secret is ever put in a URL.

The session ends when:
- the user logs out (:func:`end`);
- it is idle longer than ``ANTT_IDLE_MINUTES`` or older than ``ANTT_SESSION_HOURS`` (12);
- the user's password, role, area or disabled flag changes: a trigger of the schema
  bumps ``users.version`` and deletes the user's sessions, whatever code made the
  change, and :func:`still_valid` refuses a user object of an older version (a tab
  already open is refused at its next interaction).

The browser gets its cookie through :func:`handoff`: a one-time nonce, valid for a
minute, that the page posts (in the body, never the URL) to the server's
``/antt/session`` route, which answers with the ``Set-Cookie`` header.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
import time

import sqlite_utils

from . import auth, store

COOKIE = "antt_session"
HANDOFF_SECONDS = 60
TOUCH_SECONDS = 20  # last_seen is written at most this often per session


def max_age_hours() -> int:
    """Hours after which a session ends even when active (``ANTT_SESSION_HOURS``, default 12)."""
    try:
        return max(1, int(os.environ.get("ANTT_SESSION_HOURS", "12")))
    except ValueError:
        return 12


def _secret(db: sqlite_utils.Database) -> bytes:
    value = store.get_meta(db, "session_secret")
    if not value:
        with store.transaction(db) as conn:
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('session_secret', ?)",
                         (secrets.token_hex(32),))
        value = store.get_meta(db, "session_secret")
    return bytes.fromhex(value)


def _sign(db, sid: str) -> str:
    return hmac.new(_secret(db), sid.encode(), hashlib.sha256).hexdigest()


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now().astimezone()


def _sid(db, cookie: str | None) -> str | None:
    """The session id of a well-signed cookie value, else None."""
    if not cookie or not isinstance(cookie, str) or cookie.count(".") != 1 or len(cookie) > 200:
        return None
    sid, sig = cookie.split(".")
    if not sid or not hmac.compare_digest(_sign(db, sid), sig):
        return None
    return sid


def start(db: sqlite_utils.Database, user: auth.User, *, now: dt.datetime | None = None) -> str:
    """A new session for ``user`` (just authenticated); returns the cookie value."""
    if user.id is None:
        raise auth.AuthError("Tài khoản không có trong cơ sở dữ liệu.")
    sid = secrets.token_urlsafe(32)
    at = _now(now).isoformat(timespec="seconds")
    with store.transaction(db) as conn:
        conn.execute("INSERT INTO sessions (token_hash, user_id, user_version, created_at, last_seen_at) "
                     "SELECT ?, id, version, ?, ? FROM users WHERE id = ?", (_hash(sid), at, at, user.id))
    return f"{sid}.{_sign(db, sid)}"


def resolve(db: sqlite_utils.Database, cookie: str | None, *, now: dt.datetime | None = None) -> auth.User | None:
    """The user of the session this cookie names, or None (unsigned, unknown, ended,
    idle, too old, or the user changed since).  A live session's last use is updated."""
    sid = _sid(db, cookie)
    if sid is None:
        return None
    h = _hash(sid)
    row = db.conn.execute(
        "SELECT s.user_id, s.user_version, s.created_at, s.last_seen_at, u.version, u.disabled "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", (h,)).fetchone()
    if row is None:
        return None
    uid, sversion, created, seen, uversion, disabled = row
    now = _now(now)
    idle = dt.timedelta(minutes=auth.idle_timeout_minutes())
    too_old = now - dt.datetime.fromisoformat(created) > dt.timedelta(hours=max_age_hours())
    if disabled or sversion != uversion or too_old or now - dt.datetime.fromisoformat(seen) > idle:
        with store.transaction(db) as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (h,))
        return None
    touch(db, cookie, now=now, _seen=seen)
    return auth.get_user_by_id(db, uid)


def touch(db: sqlite_utils.Database, cookie: str | None, *, now: dt.datetime | None = None,
          _seen: str | None = None) -> None:
    """Mark the session as used now (written at most every TOUCH_SECONDS)."""
    sid = _sid(db, cookie)
    if sid is None:
        return
    now = _now(now)
    if _seen is None:
        row = db.conn.execute("SELECT last_seen_at FROM sessions WHERE token_hash = ?", (_hash(sid),)).fetchone()
        if row is None:
            return
        _seen = row[0]
    if (now - dt.datetime.fromisoformat(_seen)).total_seconds() >= TOUCH_SECONDS:
        with store.transaction(db) as conn:
            conn.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                         (now.isoformat(timespec="seconds"), _hash(sid)))


def still_valid(db: sqlite_utils.Database, user: auth.User, cookie: str | None = None) -> bool:
    """Whether the user object a browser session holds may still act: one indexed read
    of the user's version and disabled flag (and of the session row, when there is one)."""
    if user.id is None:        # the CLI's local administrator, or a test's hand-made user
        return True
    row = db.conn.execute("SELECT version, disabled FROM users WHERE id = ?", (user.id,)).fetchone()
    if row is None or row[1] or int(row[0]) != user.version:
        return False
    if cookie is not None:
        sid = _sid(db, cookie)
        if sid is None or db.conn.execute("SELECT 1 FROM sessions WHERE token_hash = ?",
                                          (_hash(sid),)).fetchone() is None:
            return False
    return True


def end(db: sqlite_utils.Database, cookie: str | None) -> None:
    """Log out: the session is deleted on the server (its cookie is worthless from now on)."""
    sid = _sid(db, cookie)
    if sid is not None:
        with store.transaction(db) as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash(sid),))


def end_all(db: sqlite_utils.Database, user_id: int) -> int:
    """End every session of a user; returns how many there were."""
    with store.transaction(db) as conn:
        return conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount


def count(db: sqlite_utils.Database, user_id: int | None = None) -> int:
    q, args = "SELECT count(*) FROM sessions", ()
    if user_id is not None:
        q, args = q + " WHERE user_id = ?", (user_id,)
    return db.conn.execute(q, args).fetchone()[0]


# --- handing the cookie to the browser ---------------------------------------------------
# In-process only: the page (a Streamlit script thread) and the /antt/session route
# run in the same server process.
_pending: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def handoff(cookie: str) -> str:
    """A one-time nonce that :func:`redeem` exchanges for ``cookie`` within a minute."""
    nonce = secrets.token_urlsafe(24)
    with _lock:
        now = time.monotonic()
        for k in [k for k, (_, exp) in _pending.items() if exp < now]:
            del _pending[k]
        _pending[_hash(nonce)] = (cookie, now + HANDOFF_SECONDS)
    return nonce


def redeem(nonce: str | None) -> str | None:
    """The cookie value of a pending nonce (once), or None."""
    if not nonce or len(nonce) > 100:
        return None
    with _lock:
        item = _pending.pop(_hash(nonce), None)
    if item is None or item[1] < time.monotonic():
        return None
    return item[0]
