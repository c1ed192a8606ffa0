"""Benchmark: a login check for a real account and for an unknown name take the same time
(an unknown name is checked against a dummy Argon2 hash), and the hash chain of the audit
log (geo.audit) beside plain appends.

    .venv/bin/python bench/bench_auth.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from table import print_table  # noqa: E402


def _median_ms(fn, n: int) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def bench_rows(n: int = 20) -> list[tuple[str, str, str]]:
    import datetime as dt
    import sqlite3

    from geo import audit, auth, store
    rows = []
    with tempfile.TemporaryDirectory() as d:
        db = store.open_db(Path(d) / "a.db")
        auth.create_user(db, "that", "correct-horse", "viewer")
        base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

        def attempt(name):
            def run(i):
                try:  # a new window each time: never locked, always a real check
                    auth.authenticate(db, name, "wrong-password", now=base + dt.timedelta(hours=i))
                except auth.AuthError:
                    pass
            return run
        known_run, unknown_run = attempt("that"), attempt("nobody-here")
        kt, ut = [], []
        for i in range(n):  # interleaved, so a busy machine slows both alike
            kt.append(_median_ms(lambda _: known_run(i), 1))
            ut.append(_median_ms(lambda _: unknown_run(i), 1))
        known, unknown = statistics.median(kt), statistics.median(ut)
        rows.append(("failed login, existing account (median)", f"{known:.0f} ms",
                     f"unknown name, same run: {unknown:.0f} ms (Argon2id on a dummy hash)"))

        # audit: the chained append beside a plain INSERT of the same rows
        def chained(i):
            with store.transaction(db) as conn:
                audit.log(conn, user="bench", action="bench", target_kind="x", target_id=str(i),
                          after={"i": i, "text": "Thôn " * 20})
        ours = _median_ms(chained, 2000)
        plain_db = sqlite3.connect(Path(d) / "plain.db", isolation_level=None)
        plain_db.execute("PRAGMA journal_mode = WAL")
        plain_db.execute("PRAGMA synchronous = NORMAL")
        plain_db.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, at, username, action, target_kind, "
                         "target_id, before, after, detail)")

        def plain(i):
            plain_db.execute("BEGIN IMMEDIATE")
            plain_db.execute("INSERT INTO log (at, username, action, target_kind, target_id, after) "
                             "VALUES (?,?,?,?,?,?)", (store.now_iso(), "bench", "bench", "x", str(i),
                                                      audit.to_json({"i": i, "text": "Thôn " * 20})))
            plain_db.execute("COMMIT")
        naive = _median_ms(plain, 2000)
        rows.append(("one audited write, hash-chained (median)", f"{ours:.2f} ms", f"plain INSERT {naive:.2f} ms"))
        t0 = time.perf_counter()
        res = audit.verify(db)
        secs = time.perf_counter() - t0
        rows.append((f"audit verify, {res['rows']:,} rows", f"{1000 * secs:.0f} ms", "–"))
    return rows


if __name__ == "__main__":
    print_table(bench_rows())
