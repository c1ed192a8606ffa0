"""Lockout (issue 12, item 2): failures counted atomically before each check, so parallel
guessers get no more checks than the limit; unknown names answer like real ones (same
message, same Argon2 work, locked the same way); throttling per account and per client."""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp

import pytest

from geo import audit, auth

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def db(tiny):
    auth.create_user(tiny["db"], "cuong", "correct-horse", "viewer")
    return tiny["db"]


def _guesser(path: str, n: int, start) -> None:
    from geo import auth as a, store as s
    conn = s.open_db(path)
    start.wait()
    for i in range(n):
        try:
            a.authenticate(conn, "cuong", f"guess-{i}-xxxxxxxx")
        except a.AuthError:
            pass
    conn.conn.close()


def checks(db, name: str) -> int:
    """Password checks that failed for ``name`` (each is audited as login.failed)."""
    return int((audit.entries(db, action="login.failed", target_id=name, limit=None)).shape[0])


def test_parallel_guessers_get_no_more_checks_than_the_limit(db, tiny):
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_guesser, args=(str(tiny["path"]), 8, start)) for _ in range(8)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(600)   # generous: a loaded CI machine starts eight interpreters slowly
        assert p.exitcode == 0
    assert checks(db, "cuong") == auth.MAX_FAILED_LOGINS   # was 36–38 of 64 with the counter read outside
    with pytest.raises(auth.AuthError, match="tạm khóa"):
        auth.authenticate(db, "cuong", "correct-horse")


def answers(db, name: str, n: int, now=NOW) -> list[str]:
    out = []
    for i in range(n):
        try:
            auth.authenticate(db, name, f"wrong-password-{i}", now=now + dt.timedelta(seconds=i))
        except auth.AuthError as e:
            out.append(str(e))
    return out


def test_unknown_names_answer_like_real_ones(db):
    known = answers(db, "cuong", auth.MAX_FAILED_LOGINS + 2)
    unknown = answers(db, "khong-co-ai", auth.MAX_FAILED_LOGINS + 2)
    assert known == unknown
    assert known[0] == "Sai tên đăng nhập hoặc mật khẩu."
    assert "tạm khóa" in known[-1]


def test_unknown_names_cost_one_argon2_check(db, monkeypatch):
    calls = []
    real = auth._hasher

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, h, pw):
            calls.append(h)
            return real.verify(h, pw)
    monkeypatch.setattr(auth, "_hasher", Counting())
    for name in ("cuong", "khong-co-ai"):
        with pytest.raises(auth.AuthError):
            auth.authenticate(db, name, "wrong-password", now=NOW)
    real_hash = db.conn.execute("SELECT password_hash FROM users WHERE username = 'cuong'").fetchone()[0]
    assert len(calls) == 2 and calls[0] == real_hash
    # the dummy has the same Argon2 parameters as a real hash (same time), and matches nothing
    assert calls[1].split("$")[:4] == real_hash.split("$")[:4]


def test_lock_window_and_success_reset(db):
    for i in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(auth.AuthError, match="Sai"):
            auth.authenticate(db, "cuong", "bad-password", now=NOW)
    assert auth.authenticate(db, "cuong", "correct-horse", now=NOW).username == "cuong"
    # the success started the count afresh
    assert answers(db, "cuong", auth.MAX_FAILED_LOGINS - 1) == ["Sai tên đăng nhập hoặc mật khẩu."] * 4
    later = NOW + dt.timedelta(minutes=auth.LOCK_MINUTES + 1)
    answers(db, "cuong", 1)
    with pytest.raises(auth.AuthError, match="tạm khóa"):
        auth.authenticate(db, "cuong", "correct-horse", now=NOW + dt.timedelta(minutes=1))
    assert auth.authenticate(db, "cuong", "correct-horse", now=later).username == "cuong"


def test_throttled_per_client(db):
    """One client trying many names is stopped too; another client is not."""
    for i in range(auth.MAX_FAILED_PER_CLIENT):
        with pytest.raises(auth.AuthError, match="Sai"):
            auth.authenticate(db, f"ten-{i}", "wrong-password", client="10.0.0.9", now=NOW)
    with pytest.raises(auth.AuthError, match="Máy này"):
        auth.authenticate(db, "cuong", "correct-horse", client="10.0.0.9", now=NOW)
    assert auth.authenticate(db, "cuong", "correct-horse", client="10.0.0.10", now=NOW).username == "cuong"


def test_own_account_does_not_reset_the_client_count(db):
    """Logging in to one's own account between guesses does not buy new guesses."""
    auth.create_user(db, "attacker", "my-own-pass", "viewer")
    for i in range(auth.MAX_FAILED_PER_CLIENT - 1):
        with pytest.raises(auth.AuthError):
            auth.authenticate(db, f"ten-{i % 3}x{i}", "wrong-password", client="c1", now=NOW)
        if i % 4 == 0:
            auth.authenticate(db, "attacker", "my-own-pass", client="c1", now=NOW)
    row = db.conn.execute("SELECT failures FROM login_throttle WHERE key = 'client:c1'").fetchone()
    assert row[0] >= auth.MAX_FAILED_PER_CLIENT - 1 - 0  # every failure still counts
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "zz", "wrong-password", client="c1", now=NOW)
    with pytest.raises(auth.AuthError, match="Máy này"):
        auth.authenticate(db, "attacker", "my-own-pass", client="c1", now=NOW)


def test_refused_while_locked_changes_nothing_but_stays_locked(db):
    answers(db, "cuong", auth.MAX_FAILED_LOGINS)
    before = checks(db, "cuong")
    answers(db, "cuong", 3)
    assert checks(db, "cuong") == before   # no password check at all while locked


def test_old_counters_are_pruned_locks_kept_until_they_run_out(db):
    answers(db, "cuong", auth.MAX_FAILED_LOGINS)            # locked until NOW + 15 min
    answers(db, "ten-phun-ra", 1)                           # a sprayed name, one failure
    later = NOW + dt.timedelta(days=2)
    answers(db, "khac", 1, now=later)
    keys = {k for (k,) in db.conn.execute("SELECT key FROM login_throttle")}
    assert keys == {"account:khac"}
