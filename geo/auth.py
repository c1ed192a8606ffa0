"""Users and roles: who may see and change what (the area scope: :mod:`geo.scope`).

Every read of records and every write in ``geo`` takes the acting
:class:`User`; this module is the one place that says what that user may do.
Hiding widgets is not security: the library refuses, whatever the caller.

Roles
- ``admin``: everything, including users and boundary commits for the province;
- ``officer`` with an area (a commune code): reads and writes records and
  uploads village boundaries, only inside that area;
- ``viewer`` (leadership): every aggregate figure and map; never incident
  descriptions, and incident points only as aggregates (heat), never exact.

Passwords are hashed with Argon2id (``argon2-cffi``); they are never stored or
logged in clear.  Repeated failed logins lock the account for a while.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import audit, store

ROLES = ("admin", "officer", "viewer")
MIN_PASSWORD = 8
MAX_FAILED_LOGINS = 5        # per account (known or not) and lock window
MAX_FAILED_PER_CLIENT = 20   # per client (browser address) and lock window
LOCK_MINUTES = 15
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")

_hasher = PasswordHasher()


def idle_timeout_minutes() -> int:
    """Minutes of inactivity before a session is logged out (``ANTT_IDLE_MINUTES``, default 30)."""
    try:
        return max(1, int(os.environ.get("ANTT_IDLE_MINUTES", "30")))
    except ValueError:
        return 30


class AuthError(Exception):
    """A login or account request that is refused; the message is for the user (Vietnamese)."""


class PermissionDenied(Exception):
    """The acting user may not do this; the message is for the user (Vietnamese)."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    area_code: str | None = None
    id: int | None = None
    disabled: bool = False
    must_change_password: bool = False
    version: int = 0  # bumped by the database on every change of password, role, area or disabled

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_points(self) -> bool:
        """May receive exact incident points and descriptions."""
        return self.role in ("admin", "officer")


# The CLI without --user acts as the local administrator (it has the database file anyway).
SYSTEM = User(username="system", role="admin")

_COLS = "id, username, role, area_code, disabled, must_change_password, version"


def _user(row) -> User:
    uid, name, role, area, disabled, must, version = row
    return User(username=name, role=role, area_code=area, id=uid, disabled=bool(disabled),
                must_change_password=bool(must), version=int(version or 0))


def get_user_by_id(db: sqlite_utils.Database, user_id: int) -> User | None:
    row = db.conn.execute(f"SELECT {_COLS} FROM users WHERE id = ?", (user_id,)).fetchone()
    return _user(row) if row else None


def get_user(db: sqlite_utils.Database, username: str) -> User | None:
    row = db.conn.execute(f"SELECT {_COLS} FROM users WHERE username = ?", (username,)).fetchone()
    return _user(row) if row else None


def list_users(db: sqlite_utils.Database) -> list[User]:
    return [_user(r) for r in db.conn.execute(f"SELECT {_COLS} FROM users ORDER BY username")]


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Chỉ quản trị viên được thực hiện thao tác này.")


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AuthError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")


def _check_area(db, area_code: str | None) -> None:
    if not area_code:
        raise AuthError("Cán bộ (officer) phải được gán một địa bàn (--area MÃ_XÃ).")
    # an officer's area is a commune (their scope is its polygon in the current commune set,
    # see geo.scope), never a village: villages are uploaded by officers themselves
    if db.conn.execute("SELECT 1 FROM areas WHERE code = ? AND level = 'commune'",
                       (area_code,)).fetchone() is None:
        raise AuthError(f"Không có xã/phường mã {area_code}.")


def create_user(db: sqlite_utils.Database, username: str, password: str, role: str, area_code: str | None = None,
                *, actor: User = SYSTEM, must_change_password: bool = False) -> User:
    """Add a user (admin only); the password is stored as an Argon2id hash."""
    require_admin(actor)
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise AuthError("Tên đăng nhập 2–32 ký tự: chữ thường không dấu, số, '.', '_', '-'.")
    if role not in ROLES:
        raise AuthError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    if role == "officer":
        _check_area(db, area_code)
    elif role == "admin":
        area_code = None
    _check_password(password)
    if get_user(db, username):
        raise AuthError(f"Tên đăng nhập {username} đã có.")
    with store.transaction(db) as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash, role, area_code, must_change_password, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (username, _hasher.hash(password), role, area_code, int(must_change_password), store.now_iso()))
        audit.log(conn, user=actor.username, action="user.create", target_kind="user", target_id=username,
                  after={"role": role, "area_code": area_code, "must_change_password": must_change_password})
    return get_user(db, username)


_dummy_hash: str | None = None


def _dummy() -> str:
    """An Argon2 hash of a random secret: an unknown name is checked against it, so it
    costs the same time as a real account and can never match."""
    global _dummy_hash
    if _dummy_hash is None:
        import secrets
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(24))
    return _dummy_hash


def _throttle_keys(username: str, client: str | None) -> list[tuple[str, int, str]]:
    """(key, failures allowed per lock window, message when locked) for this attempt."""
    keys = [(f"account:{username}", MAX_FAILED_LOGINS,
             "Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau {until:%H:%M}.")]
    if client:
        keys.append((f"client:{str(client)[:200]}", MAX_FAILED_PER_CLIENT,
                     "Máy này đăng nhập sai quá nhiều lần; thử lại sau {until:%H:%M}."))
    return keys


def _reserve_attempt(db, username: str, client: str | None, now: dt.datetime):
    """Count this attempt as a failure *before* the password is checked, atomically.

    One ``BEGIN IMMEDIATE`` transaction reads the locks and adds one to each counter
    (``failures = failures + 1``): however many processes guess at once, no more than
    the allowed number of checks happen per lock window, for known and unknown names
    alike.  Returns the user's row (id, hash, disabled) or None; raises
    :class:`AuthError` when a lock is in force (nothing is checked then)."""
    stamp = now.isoformat(timespec="seconds")
    keys = _throttle_keys(username, client)
    with store.transaction(db) as conn:
        for key, _limit, message in keys:
            row = conn.execute("SELECT locked_until FROM login_throttle WHERE key = ?", (key,)).fetchone()
            if row and row[0] and dt.datetime.fromisoformat(row[0]) > now:
                raise AuthError(message.format(until=dt.datetime.fromisoformat(row[0])))
        lock = (now + dt.timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
        for key, limit, _message in keys:
            # a lock that has run out starts the count afresh
            (failures,) = conn.execute(
                "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, 1, NULL, ?) "
                "ON CONFLICT (key) DO UPDATE SET "
                "failures = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END, "
                "locked_until = NULL, updated_at = excluded.updated_at RETURNING failures",
                (key, stamp)).fetchone()
            if failures >= limit:
                conn.execute("UPDATE login_throttle SET locked_until = ? WHERE key = ?", (lock, key))
        # old counters go (names sprayed by a guesser must not pile up), locks only once run out
        conn.execute("DELETE FROM login_throttle WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)",
                     ((now - dt.timedelta(days=1)).isoformat(timespec="seconds"), stamp))
        return conn.execute("SELECT id, password_hash, disabled FROM users WHERE username = ?",
                            (username,)).fetchone()


def authenticate(db: sqlite_utils.Database, username: str, password: str, *, client: str | None = None,
                 now: dt.datetime | None = None) -> User:
    """The user for these credentials, or :class:`AuthError`.

    One message for every wrong name or password, and the same work for an unknown
    name as for a real one (its password is checked against a dummy Argon2 hash, its
    failures are counted and locked the same way), so names cannot be probed.
    Throttled per account (:data:`MAX_FAILED_LOGINS` per :data:`LOCK_MINUTES`) and,
    when ``client`` (e.g. the browser's IP address) is given, per client
    (:data:`MAX_FAILED_PER_CLIENT`)."""
    now = now or dt.datetime.now().astimezone()
    username = (username or "").strip().lower()[:64]
    row = _reserve_attempt(db, username, client, now)
    wrong = AuthError("Sai tên đăng nhập hoặc mật khẩu.")
    try:
        _hasher.verify(row[1] if row else _dummy(), password or "")
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with store.transaction(db) as conn:
            audit.log(conn, user=username or "?", action="login.failed", target_kind="user",
                      target_id=username, detail={"client": client} if client else None)
        raise wrong from None
    uid, pw_hash, disabled = row
    with store.transaction(db) as conn:
        # the attempt succeeded: the account starts afresh; the client gets this attempt back
        conn.execute("DELETE FROM login_throttle WHERE key = ?", (f"account:{username}",))
        if client:
            conn.execute("UPDATE login_throttle SET failures = max(failures - 1, 0) WHERE key = ? "
                         "AND locked_until IS NULL", (f"client:{str(client)[:200]}",))
        if disabled:
            raise AuthError("Tài khoản đã bị vô hiệu hóa.")
        new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(pw_hash) else pw_hash
        conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?, "
                     "password_hash = ? WHERE id = ?", (now.isoformat(timespec="seconds"), new_hash, uid))
    return get_user(db, username)


def change_password(db: sqlite_utils.Database, username: str, new_password: str, *, actor: User,
                    old_password: str | None = None) -> None:
    """A user changes their own password (giving the old one); an admin sets anyone's."""
    username = (username or "").strip().lower()
    if actor.username != username:
        require_admin(actor)  # before looking the name up: a non-admin learns nothing
    if get_user(db, username) is None:
        raise AuthError(f"Không có người dùng {username}.")
    if actor.username == username and (not actor.is_admin or old_password is not None):
        authenticate(db, username, old_password or "")
    _check_password(new_password)
    with store.transaction(db) as conn:
        conn.execute("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE username = ?",
                     (_hasher.hash(new_password), username))
        audit.log(conn, user=actor.username, action="user.password", target_kind="user", target_id=username)


def set_disabled(db: sqlite_utils.Database, username: str, disabled: bool = True, *, actor: User) -> None:
    require_admin(actor)
    username = (username or "").strip().lower()
    before = get_user(db, username)
    if before is None:
        raise AuthError(f"Không có người dùng {username}.")
    with store.transaction(db) as conn:
        conn.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username))
        audit.log(conn, user=actor.username, action="user.disable" if disabled else "user.enable",
                  target_kind="user", target_id=username, before={"disabled": before.disabled},
                  after={"disabled": disabled})


def resolve(db: sqlite_utils.Database, user: "User | str | None") -> User:
    """The acting :class:`User`: None is the local administrator (the CLI without
    --user), a name is looked up (unknown or disabled: refused)."""
    if user is None:
        return SYSTEM
    if isinstance(user, User):
        return user
    inner = getattr(user, "user", None)  # a geo.scope.Scope: resolved already
    if isinstance(inner, User):
        return inner
    found = get_user(db, str(user).strip().lower())
    if found is None:
        raise PermissionDenied(f"Không có người dùng {user}.")
    if found.disabled:
        raise PermissionDenied(f"Tài khoản {found.username} đã bị vô hiệu hóa.")
    return found


def require_writer(user: User) -> None:
    """Records may be written by admins and officers (officers inside their area)."""
    if user.role not in ("admin", "officer"):
        raise PermissionDenied("Tài khoản chỉ được xem số liệu tổng hợp, không được thay đổi dữ liệu.")


def require_points(user: User) -> None:
    """Exact incident points and descriptions: admins and officers only."""
    if not user.sees_points:
        raise PermissionDenied("Tài khoản chỉ được xem số liệu tổng hợp (không xem vị trí, nội dung vụ việc).")


def upload_limits() -> tuple[int, int]:
    """(bytes per upload, uploads per user per hour): ``ANTT_MAX_UPLOAD_MB`` (200) and
    ``ANTT_MAX_UPLOADS_PER_HOUR`` (30)."""
    def env_int(name, default):
        try:
            return max(1, int(os.environ.get(name, default)))
        except ValueError:
            return default
    return env_int("ANTT_MAX_UPLOAD_MB", 200) * 2**20, env_int("ANTT_MAX_UPLOADS_PER_HOUR", 30)


def check_upload(db: sqlite_utils.Database, user: User, name: str, size: int, *,
                 now: dt.datetime | None = None) -> None:
    """Refuse an upload over the size limit or beyond the user's hourly count; an
    accepted one is counted (and audited as ``upload``)."""
    max_bytes, per_hour = upload_limits()
    if size > max_bytes:
        raise PermissionDenied(f"Tệp {name} lớn hơn giới hạn {max_bytes // 2**20} MB.")
    now = now or dt.datetime.now().astimezone()
    since = (now - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    n = db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'upload' AND username = ? AND at >= ?",
                        (user.username, since)).fetchone()[0]
    if n >= per_hour:
        raise PermissionDenied(f"Đã tải lên {n} tệp trong một giờ qua (giới hạn {per_hour}); thử lại sau.")
    with store.transaction(db) as conn:
        audit.log(conn, user=user.username, action="upload", target_kind="file", target_id=name,
                  detail={"bytes": int(size)}, at=now.isoformat(timespec="seconds"))
