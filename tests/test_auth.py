import datetime as dt

import pytest

from geo import auth, scope


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
    assert scope.resolve(db, u).codes(db, tiny["communes"]) == {"C00"}
    assert scope.resolve(db, u).codes(db, tiny["villages"]) == {"C00V0", "C00V1"}
    assert scope.resolve(db, u).codes(db, tiny["old"]) == {"OC00V0", "OC00V1"}   # old communes inside it
    assert scope.resolve(db, auth.SYSTEM).codes(db, tiny["communes"]) is None


def test_user_writes_are_audited(db):
    auth.create_user(db, "minh", "correct-horse", "viewer")
    auth.set_disabled(db, "minh", actor=auth.SYSTEM)
    actions = [r[0] for r in db.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["user.create", "user.disable"]


# --- records are scoped by role and area -------------------------------------------------------

CSV = ("id,occurred_on,category,lon,lat,area_code\n"
       "n1,2026-03-02,hinh_su,106.02,21.02,\n"     # in C00
       "n2,2026-03-02,hinh_su,106.12,21.02,\n"     # in C10
       "n3,2026-03-02,ma_tuy,,,C00V1\n"            # code inside C00
       "n4,2026-03-02,ma_tuy,,,C11\n")             # code of another commune


def test_officer_imports_only_inside_the_area(tiny):
    from geo import records
    db = tiny["db"]
    auth.create_user(db, "xa00", "correct-horse", "officer", "C00")
    r = records.import_records(db, "incidents", CSV.encode(), user="xa00", file_name="x.csv",
                               today=dt.date(2026, 11, 20))
    assert r.inserted == 2 and r.rejected == 2
    assert sorted(e["row"] for e in r.errors) == [3, 5]
    assert all("Ngoài địa bàn" in e["message"] for e in r.errors)
    assert db.conn.execute("SELECT group_concat(id) FROM incidents WHERE id LIKE 'n%' ORDER BY id").fetchone()[0] \
        in ("n1,n3", "n3,n1")


def test_officer_cannot_read_or_change_another_commune(tiny):
    from geo import records
    db = tiny["db"]
    auth.create_user(db, "xa00", "correct-horse", "officer", "C00")
    assert records.get_record(db, "incidents", "i3", user="xa00") is None        # i3 lies in C10
    assert records.get_record(db, "incidents", "i1", user="xa00")["id"] == "i1"
    seen = set(records.list_records(db, "incidents", user="xa00")["id"])
    assert seen == {"i1", "i2", "i4"}
    with pytest.raises(auth.PermissionDenied):
        records.update_record(db, "incidents", "i3", {"description": "x"}, user="xa00")
    with pytest.raises(auth.PermissionDenied):   # moving its own record out of the area
        records.update_record(db, "incidents", "i1", {"lon": 106.12}, user="xa00")
    with pytest.raises(auth.PermissionDenied):
        records.delete_record(db, "incidents", "i3", user="xa00")
    with pytest.raises(auth.PermissionDenied):
        records.add_record(db, "cameras", {"id": "k9", "lon": 106.12, "lat": 21.12,
                                           "installed_on": "2026-01-01"}, user="xa00")
    records.add_record(db, "cameras", {"id": "k9", "lon": 106.02, "lat": 21.02,
                                       "installed_on": "2026-01-01"}, user="xa00")
    assert db.conn.execute("SELECT username FROM audit_log WHERE target_id = 'k9'").fetchone()[0] == "xa00"


def test_viewer_never_gets_incident_records_and_cannot_write(tiny):
    from geo import records
    db = tiny["db"]
    auth.create_user(db, "lanh_dao", "correct-horse", "viewer")
    with pytest.raises(auth.PermissionDenied):
        records.list_records(db, "incidents", user="lanh_dao")
    with pytest.raises(auth.PermissionDenied):
        records.get_record(db, "incidents", "i1", user="lanh_dao")
    with pytest.raises(auth.PermissionDenied):
        records.import_records(db, "incidents", CSV.encode(), user="lanh_dao", file_name="x.csv")
    assert len(records.list_records(db, "groups", user="lanh_dao")) == 5   # programmes are not sensitive


def test_unknown_or_disabled_acting_user_is_refused(tiny):
    from geo import records
    db = tiny["db"]
    with pytest.raises(auth.PermissionDenied):
        records.list_records(db, "groups", user="nobody")
    auth.create_user(db, "cu", "correct-horse", "admin")
    auth.set_disabled(db, "cu", actor=auth.SYSTEM)
    with pytest.raises(auth.PermissionDenied):
        records.add_record(db, "cameras", {"id": "k8", "lon": 106.02, "lat": 21.02}, user="cu")


def test_data_quality_lists_follow_the_role(tiny):
    from geo import quality
    db = tiny["db"]
    auth.create_user(db, "xa11", "correct-horse", "officer", "C11")
    auth.create_user(db, "lanh_dao", "correct-horse", "viewer")
    everyone = quality.records(db, "outside", "incidents")
    assert "i8" in set(everyone["id"])                     # the admin sees the point outside every area
    assert "i8" not in set(quality.records(db, "outside", "incidents", user="xa11")["id"])
    mine = quality.counts(db, user="xa11").set_index(["check", "kind"])["count"]
    allc = quality.counts(db).set_index(["check", "kind"])["count"]
    assert (mine <= allc).all() and mine.sum() < allc.sum()
    with pytest.raises(auth.PermissionDenied):
        quality.records(db, "outside", "incidents", user="lanh_dao")


def test_upload_limits(tiny, monkeypatch):
    db = tiny["db"]
    u = auth.create_user(db, "tai_len", "correct-horse", "officer", "C00")
    monkeypatch.setenv("ANTT_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("ANTT_MAX_UPLOADS_PER_HOUR", "2")
    with pytest.raises(auth.PermissionDenied, match="giới hạn 1 MB"):
        auth.check_upload(db, u, "big.zip", 2 * 2**20)
    auth.check_upload(db, u, "a.csv", 100)
    auth.check_upload(db, u, "b.csv", 100)
    with pytest.raises(auth.PermissionDenied, match="giới hạn 2"):
        auth.check_upload(db, u, "c.csv", 100)
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'upload'").fetchone()[0] == 2
