"""Saved views: a named URL query per owner, every write audited."""
import datetime as dt
import json

import pytest

from conftest import closed, fresh_copy
from geo import audit, auth, filters, schema, store, views


@pytest.fixture(scope="module")
def with_users(tiny_template, tmp_path_factory):
    """The tiny database with the accounts the tests act as (views resolve their user like every
    write of geo), made once for the module: five Argon2 hashes are seconds on a loaded machine."""
    t = fresh_copy(tiny_template, tmp_path_factory.mktemp("views"))
    for name, role in (("canbo1", "viewer"), ("u1", "viewer"), ("u2", "viewer"), ("khach", "viewer"),
                       ("sep", "admin")):
        auth.create_user(t["db"], name, "mat-khau-1234", role)
    return closed(t)


@pytest.fixture
def tiny(with_users, tmp_path):
    """This module's tiny: a fresh copy, per test, of the one with the accounts."""
    return fresh_copy(with_users, tmp_path)


def q(**kw):
    base = {"level": "commune", "period": "custom", "from": "2026-03-01", "to": "2026-03-31"}
    return {**base, **kw}


def test_the_migration_adds_the_table(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    cols = [r[1] for r in db.conn.execute("PRAGMA table_info(saved_views)")]
    assert cols == ["id", "name", "owner", "query", "created_at", "updated_at"]


def test_save_list_get_and_the_audit_row(tiny):
    db = tiny["db"]
    v = views.save_view(db, "  Giao ban   tháng 3 ", q(metric="change_pct"), user="canbo1")
    assert v.name == "Giao ban tháng 3" and v.owner == "canbo1" and v.metric == "change_pct"
    assert views.get_view(db, v.id) == v
    assert [x.id for x in views.list_views(db)] == [v.id]
    assert views.list_views(db, owner="someone") == []
    stored = json.loads(db.conn.execute("SELECT query FROM saved_views").fetchone()[0])
    assert stored == q(metric="change_pct")
    row = audit.entries(db, target_kind="saved_view").iloc[0]
    assert (row["action"], row["username"], row["target_id"]) == ("view.create", "canbo1", str(v.id))
    assert json.loads(row["after"])["name"] == "Giao ban tháng 3"


def test_local_admin_owns_as_system(tiny):
    v = views.save_view(tiny["db"], "A", q())
    assert v.owner == audit.SYSTEM_USER
    assert views.list_views(tiny["db"], owner=None)[0].id == v.id


def test_a_view_is_its_link(tiny):
    """Opening a view gives exactly the filters of the URL it was saved from."""
    db = tiny["db"]
    f = filters.from_query(q(level="village", area="C00", cat="hinh_su,ma_tuy", mt="to_tu_quan_antt",
                             layers="heat", metric="z", scheme="equal_interval"), db)
    v = views.save_view(db, "Thôn của xã 00", views.view_query(f.to_query()))
    assert v.filters(db) == f
    assert v.metric == "z"


def test_view_query_leaves_out_the_language_and_takes_a_metric():
    assert views.view_query({"level": "commune", "lang": "en"}) == {"level": "commune"}
    assert views.view_query({"level": "commune"}, "z") == {"level": "commune", "metric": "z"}
    assert views.view_query({"level": "commune", "metric": "z"}, "incidents") == {"level": "commune"}


def test_duplicate_names_per_owner(tiny):
    db = tiny["db"]
    a = views.save_view(db, "Tháng 3", q(), user="u1")
    with pytest.raises(views.ViewError, match="đã có"):
        views.save_view(db, "Tháng 3", q(area="C00"), user="u1")
    views.save_view(db, "Tháng 3", q(), user="u2")           # another owner: fine
    b = views.save_view(db, "Tháng 3", q(area="C00"), user="u1", replace=True)
    assert b.id == a.id and b.query["area"] == "C00" and b.created_at == a.created_at
    assert audit.entries(db, action="view.update").iloc[0]["target_id"] == str(a.id)
    assert len(views.list_views(db)) == 2


def test_rename(tiny):
    db = tiny["db"]
    a = views.save_view(db, "Một", q(), user="u1")
    views.save_view(db, "Hai", q(), user="u1")
    r = views.rename_view(db, a.id, "Ba", user="u1")
    assert r.name == "Ba" and views.get_view(db, a.id).name == "Ba"
    with pytest.raises(views.ViewError, match="đã có"):
        views.rename_view(db, a.id, "Hai", user="u1")
    e = audit.entries(db, action="view.rename").iloc[0]
    assert json.loads(e["before"])["name"] == "Một" and json.loads(e["after"])["name"] == "Ba"
    assert [v.name for v in views.list_views(db)] == ["Ba", "Hai"]


def test_delete(tiny):
    db = tiny["db"]
    a = views.save_view(db, "Một", q())
    gone = views.delete_view(db, a.id)
    assert gone.name == "Một" and views.list_views(db) == []
    with pytest.raises(views.ViewError):
        views.get_view(db, a.id)
    with pytest.raises(views.ViewError):
        views.delete_view(db, a.id)
    e = audit.entries(db, action="view.delete").iloc[0]
    assert e["username"] == audit.SYSTEM_USER and json.loads(e["before"])["query"]["level"] == "commune"


def test_only_the_owner_or_an_admin_changes_a_view(tiny):
    db = tiny["db"]
    a = views.save_view(db, "Của u1", q(), user="u1")
    with pytest.raises(views.ViewError, match="chỉ người tạo"):
        views.rename_view(db, a.id, "Khác", user="khach")
    with pytest.raises(views.ViewError, match="chỉ người tạo"):
        views.delete_view(db, a.id, user="khach")
    assert views.rename_view(db, a.id, "Đổi bởi quản trị", user="sep").name == "Đổi bởi quản trị"
    assert views.rename_view(db, a.id, "Đổi bởi máy", user=None).owner == "u1"
    views.delete_view(db, a.id, user="u1")
    # a refused write leaves no audit row
    assert set(audit.entries(db, target_kind="saved_view")["username"]) == {"u1", "sep", audit.SYSTEM_USER}
    # a user object (the page's logged-in user) works as a name does
    b = views.save_view(db, "Của sếp", q(), user=auth.get_user(db, "sep"))
    assert b.owner == "sep"


def test_an_unknown_user_is_refused(tiny):
    with pytest.raises(auth.PermissionDenied):
        views.save_view(tiny["db"], "A", q(), user="nobody")
    assert views.list_views(tiny["db"]) == []


@pytest.mark.parametrize("name", ["", "   ", None, "x" * (views.MAX_NAME + 1)])
def test_bad_names_are_refused(tiny, name):
    with pytest.raises(views.ViewError):
        views.save_view(tiny["db"], name, q())
    assert views.list_views(tiny["db"]) == []


def test_control_characters_and_unicode_forms_are_cleaned(tiny):
    v = views.save_view(tiny["db"], "Tha\u0300nh pho\u0302\n\tmới\x00 2", q())   # decomposed marks, controls
    assert v.name == "Thành phô mới 2"


def test_bad_queries_are_refused(tiny):
    with pytest.raises(views.ViewError):
        views.save_view(tiny["db"], "A", ["level", "commune"])
    with pytest.raises(views.ViewError, match="quá dài"):
        views.save_view(tiny["db"], "A", {"area": "x" * 5000})


def test_get_views_keeps_the_order_and_skips_missing(tiny):
    db = tiny["db"]
    a = views.save_view(db, "A", q())
    b = views.save_view(db, "B", q())
    assert [v.id for v in views.get_views(db, [b.id, 999, a.id])] == [b.id, a.id]
    with pytest.raises(views.ViewError):
        views.get_view(db, "not a number")


def test_views_do_not_change_the_data_revision(tiny):
    db = tiny["db"]
    rev = store.revision(db)
    v = views.save_view(db, "A", q())
    views.rename_view(db, v.id, "B")
    views.delete_view(db, v.id)
    assert store.revision(db) == rev


def test_timestamps(tiny):
    v = views.save_view(tiny["db"], "A", q())
    assert dt.datetime.fromisoformat(v.created_at) and v.created_at == v.updated_at
