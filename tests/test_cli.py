"""`python -m geo` runs the same functions as the pages."""
import json
import subprocess
import sys

import pytest

from geo import stats
from geo.periods import Period, parse_date

from conftest import ROOT


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=120)


def test_stats_json_is_the_same_as_the_library(tiny):
    p = run("stats", "--db", tiny["path"], "--level", "commune", "--from", "2026-03-01", "--to", "2026-03-31")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert [tuple(r) for r in rows] == [stats.STAT_FIELDS] * 4
    lib = stats.area_stats(tiny["db"], tiny["communes"], Period(parse_date("2026-03-01"), parse_date("2026-03-31")))
    assert [r["incidents"] for r in rows] == lib["incidents"].tolist()
    assert rows[2]["change_pct"] is None  # C10: previous = 0 → null, not NaN


def test_stats_village_area_and_filters(tiny):
    p = run("stats", "--db", tiny["path"], "--level", "village", "--area", "C00", "--from", "2026-03-01",
            "--to", "2026-03-31", "--category", "hinh_su", "--model-type", "to_tu_quan_antt")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert [r["code"] for r in rows] == ["C00V0", "C00V1"]
    assert [r["incidents"] for r in rows] == [1, 0]
    assert all(r["villages"] == 1 for r in rows)


def test_stats_csv(tiny):
    p = run("stats", "--db", tiny["path"], "--level", "commune", "--from", "2026-03-01", "--to", "2026-03-31",
            "--format", "csv")
    assert p.returncode == 0
    lines = p.stdout.strip().splitlines()
    assert lines[0] == ",".join(stats.STAT_FIELDS) and len(lines) == 5


def test_stats_old_boundary_set(tiny):
    p = run("stats", "--db", tiny["path"], "--level", "commune", "--boundary-set", tiny["old"],
            "--from", "2025-03-01", "--to", "2025-03-31")
    assert p.returncode == 0, p.stderr
    assert sum(r["incidents"] for r in json.loads(p.stdout)) == 2


@pytest.mark.parametrize("args, message", [
    (["--level", "commune", "--from", "2026-03-31", "--to", "2026-03-01"], "thời gian"),
    (["--level", "commune", "--from", "2026-03-01", "--to", "2026-03-31", "--category", "xyz"], "xyz"),
    (["--level", "commune", "--boundary-set", "999", "--from", "2026-03-01", "--to", "2026-03-31"], "999"),
    (["--level", "village", "--boundary-set", "2", "--from", "2026-03-01", "--to", "2026-03-31"], "village"),
    (["--level", "commune", "--area", "NOPE", "--from", "2026-03-01", "--to", "2026-03-31"], "NOPE"),
])
def test_refusals_exit_2_with_one_line(tiny, args, message):
    p = run("stats", "--db", tiny["path"], *args)
    assert p.returncode == 2
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr


def test_bad_database_file_exit_2(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("hello")
    p = run("sets", "--db", bad)
    assert p.returncode == 2 and "SQLite" in p.stderr and bad.read_text() == "hello"


def test_db_from_environment(tiny):
    import os
    p = run("sets", env={**os.environ, "ANTT_DB": str(tiny["path"])})
    assert p.returncode == 0, p.stderr
    assert [s["level"] for s in json.loads(p.stdout)] == ["province", "commune", "commune", "village"]


def run_in(input_text, *args):
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, input=input_text, timeout=120)


def test_users_add_list_passwd_disable(tiny):
    db = tiny["path"]
    p = run_in("mat-khau-1234\n", "users", "add", "xa00", "--role", "officer", "--area", "C00", "--db", db)
    assert p.returncode == 0, p.stderr
    assert "mat-khau-1234" not in p.stdout + p.stderr
    users = json.loads(run("users", "list", "--db", db).stdout)
    assert users == [{"username": "xa00", "role": "officer", "area_code": "C00", "disabled": False,
                      "must_change_password": False}]
    assert run_in("mat-khau-5678\n", "users", "passwd", "xa00", "--db", db).returncode == 0
    from geo import auth, store
    assert auth.authenticate(store.open_db(db), "xa00", "mat-khau-5678").username == "xa00"
    assert run("users", "disable", "xa00", "--db", db).returncode == 0
    assert json.loads(run("users", "list", "--db", db).stdout)[0]["disabled"] is True


def test_users_refusals(tiny):
    db = tiny["path"]
    p = run_in("short\n", "users", "add", "ab", "--role", "viewer", "--db", db)
    assert p.returncode == 2 and "ít nhất" in p.stderr
    p = run_in("", "users", "add", "ab", "--role", "viewer", "--db", db)
    assert p.returncode == 2 and "stdin" in p.stderr
    run_in("mat-khau-1234\n", "users", "add", "xem", "--role", "viewer", "--db", db)
    p = run("users", "list", "--user", "xem", "--db", db)
    assert p.returncode == 2 and "quản trị" in p.stderr


def test_stats_as_an_officer_sees_only_their_commune(tiny):
    db = tiny["path"]
    run_in("mat-khau-1234\n", "users", "add", "xa00", "--role", "officer", "--area", "C00", "--db", db)
    p = run("stats", "--db", db, "--level", "village", "--from", "2026-03-01", "--to", "2026-03-31",
            "--user", "xa00")
    assert p.returncode == 0, p.stderr
    assert [r["code"] for r in json.loads(p.stdout)] == ["C00V0", "C00V1"]
    p = run("stats", "--db", db, "--level", "commune", "--from", "2026-03-01", "--to", "2026-03-31",
            "--user", "nobody")
    assert p.returncode == 2
