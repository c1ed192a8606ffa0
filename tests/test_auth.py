import datetime as dt

import pytest

from geo import auth


@pytest.fixture
def db(tiny):
    return tiny["db"]


def test_passwords_are_hashed_never_in_clear(db):
    auth.create_user(db, "an", "mat-khau-an-toan", "admin")
    stored = db.conn.execute("SELECT password_hash FROM users WHERE username = 'an'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "mat-khau-an-toan" not in stored
    dump = "\n".join(db.conn.iterdump())
    assert "mat-khau-an-toan" not in dump


def test_login_and_wrong_password(db):
    auth.create_user(db, "binh", "correct-horse", "viewer")
    assert auth.authenticate(db, "binh", "correct-horse").role == "viewer"
    assert auth.authenticate(db, " BINH ", "correct-horse").username == "binh"
    with pytest.raises(auth.AuthError, match="Sai tên đăng nhập hoặc mật khẩu"):
        auth.authenticate(db, "binh", "wrong-password")
    with pytest.raises(auth.AuthError, match="Sai tên đăng nhập hoặc mật khẩu"):
        auth.authenticate(db, "nobody", "whatever-pass")


def test_throttled_after_repeated_failures(db):
    auth.create_user(db, "cuong", "correct-horse", "viewer")
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(auth.AuthError):
            auth.authenticate(db, "cuong", "bad-password", now=now)
    with pytest.raises(auth.AuthError, match="tạm khóa"):
        auth.authenticate(db, "cuong", "correct-horse", now=now + dt.timedelta(minutes=1))
    later = now + dt.timedelta(minutes=auth.LOCK_MINUTES + 1)
    assert auth.authenticate(db, "cuong", "correct-horse", now=later).username == "cuong"


def test_disabled_user_cannot_log_in(db):
    auth.create_user(db, "dung", "correct-horse", "viewer")
    auth.set_disabled(db, "dung", actor=auth.SYSTEM)
    with pytest.raises(auth.AuthError, match="vô hiệu"):
        auth.authenticate(db, "dung", "correct-horse")


def test_officer_needs_a_known_area(db):
    with pytest.raises(auth.AuthError, match="địa bàn"):
        auth.create_user(db, "em", "correct-horse", "officer")
    with pytest.raises(auth.AuthError, match="ZZZ"):
        auth.create_user(db, "em", "correct-horse", "officer", "ZZZ")
    u = auth.create_user(db, "em", "correct-horse", "officer", "C00")
    assert u.area_code == "C00" and u.sees_points


def test_only_admins_manage_users(db):
    viewer = auth.create_user(db, "giang", "correct-horse", "viewer")
    with pytest.raises(auth.PermissionDenied):
        auth.create_user(db, "hoa", "correct-horse", "admin", actor=viewer)
    with pytest.raises(auth.PermissionDenied):
        auth.set_disabled(db, "giang", actor=viewer)
    with pytest.raises(auth.PermissionDenied):
        auth.change_password(db, "an-other", "new-password-1", actor=viewer)


def test_change_password(db):
    u = auth.create_user(db, "khoa", "correct-horse", "viewer", must_change_password=True)
    assert u.must_change_password
    with pytest.raises(auth.AuthError):
        auth.change_password(db, "khoa", "new-password-1", actor=u, old_password="wrong-one!")
    auth.change_password(db, "khoa", "new-password-1", actor=u, old_password="correct-horse")
    assert not auth.authenticate(db, "khoa", "new-password-1").must_change_password
    with pytest.raises(auth.AuthError, match="ít nhất"):
        auth.change_password(db, "khoa", "short", actor=auth.SYSTEM)


def test_officer_scope_follows_boundary_sets(tiny):
    db = tiny["db"]
    u = auth.create_user(db, "lan", "correct-horse", "officer", "C00")
    assert auth.area_scope(db, u, tiny["communes"]) == {"C00"}
    assert auth.area_scope(db, u, tiny["villages"]) == {"C00V0", "C00V1"}
    assert auth.area_scope(db, u, tiny["old"]) == {"OC00V0", "OC00V1"}   # old communes inside it
    assert auth.area_scope(db, auth.SYSTEM, tiny["communes"]) is None


def test_user_writes_are_audited(db):
    auth.create_user(db, "minh", "correct-horse", "viewer")
    auth.set_disabled(db, "minh", actor=auth.SYSTEM)
    actions = [r[0] for r in db.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["user.create", "user.disable"]
