"""Shared fixtures: a hand-made database with known figures, the demo database,
and a guard that refuses every network connection that is not to this machine."""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures" / "boundaries"
TODAY = dt.date(2026, 11, 20)

_real_connect = socket.socket.connect
MAIN_MODULE = sys.modules["__main__"]   # pytest's own (see real_main_module)


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to reach another host fails the test loudly."""
    def guarded(self, address):
        if not _is_local(address):
            raise AssertionError(f"network access attempted: {address!r}")
        return _real_connect(self, address)
    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def real_main_module():
    """Put pytest's ``__main__`` module back after each test.

    Streamlit's AppTest installs the page script (app.py) as ``sys.modules['__main__']`` and
    leaves it there; a later test's ``multiprocessing`` 'spawn' child would then import and run
    app.py before its target (seconds each, and it built data/antt.db in the work tree)."""
    yield
    sys.modules["__main__"] = MAIN_MODULE


def make_tiny(path) -> dict:
    """A 2×2-commune province, each commune split into two villages, with records
    placed so every figure is known by hand (see tests/test_stats.py)."""
    from geo import areas, assign, store
    db = store.open_db(path)
    x0, y0, d = 106.0, 21.0, 0.1
    prov = gpd.GeoDataFrame({"code": ["P"], "name": ["Tỉnh Thử"], "unit_type": ["tinh"]},
                            geometry=[shapely.box(x0, y0, x0 + 2 * d, y0 + 2 * d)], crs=4326)
    communes, villages = [], []
    for i in range(2):
        for j in range(2):
            c = f"C{i}{j}"
            box = shapely.box(x0 + i * d, y0 + j * d, x0 + (i + 1) * d, y0 + (j + 1) * d)
            communes.append({"code": c, "name": f"Xã {i}{j}", "unit_type": "xa", "parent_code": "P",
                             "geometry": box})
            for k in range(2):
                vb = shapely.box(x0 + i * d + k * d / 2, y0 + j * d, x0 + i * d + (k + 1) * d / 2, y0 + (j + 1) * d)
                villages.append({"code": f"{c}V{k}", "name": f"Thôn {i}{j}{k}", "unit_type": "thon",
                                 "parent_code": c, "geometry": vb, "population": 1000})
    # old (pre-reform) communes: each current commune was two old ones (left/right halves)
    old = [{"code": f"O{v['code']}", "name": f"Cũ {v['name']}", "unit_type": "xa", "parent_code": "P",
            "geometry": v["geometry"]} for v in villages]
    sp = areas.create_set(db, prov, name="Tỉnh", level="province", valid_from="2019-01-01", assign_records=False)
    so = areas.create_set(db, gpd.GeoDataFrame(old, crs=4326), name="Xã cũ", level="commune",
                          valid_from="2019-01-01", valid_to="2025-06-30", parent_set_id=sp, assign_records=False)
    sc = areas.create_set(db, gpd.GeoDataFrame(communes, crs=4326), name="Xã mới", level="commune",
                          valid_from="2025-07-01", parent_set_id=sp, replaces_set_id=so, assign_records=False)
    sv = areas.create_set(db, gpd.GeoDataFrame(villages, crs=4326), name="Thôn", level="village",
                          valid_from="2025-07-01", parent_set_id=sc, assign_records=False)
    inc = [
        # id, day, category, lon, lat, area_code, area_set
        ("i1", "2026-03-05", "hinh_su", 106.02, 21.02, None, None),        # C00V0
        ("i2", "2026-03-10", "ma_tuy", 106.07, 21.02, None, None),         # C00V1
        ("i3", "2026-03-31", "hinh_su", 106.12, 21.02, None, None),        # C10V0
        ("i4", "2026-02-20", "hinh_su", 106.02, 21.02, None, None),        # previous period, C00V0
        ("i5", "2025-03-15", "hinh_su", 106.02, 21.12, None, None),        # last year, C01V0
        ("i6", "2026-03-15", "chay_no", None, None, "C11", sc),            # code only, current commune
        ("i7", "2025-03-20", "hinh_su", None, None, "OC11V1", so),         # code only, old commune → C11
        ("i8", "2026-03-16", "hinh_su", 107.5, 22.5, None, None),          # outside every boundary
        ("i9", "2026-03-17", "not_a_category", 106.17, 21.17, None, None), # unknown code → khac, C11V1
    ]
    groups = [
        ("g1", "Tổ 1", "to_tu_quan_antt", "C00V0", "2020-01-01", None),
        ("g2", "Tổ 2", "to_tu_quan_antt", "C00V1", "2020-01-01", "2026-03-01"),   # dissolved before end
        ("g3", "Đội 3", "doi_dan_phong_pccc", "C10V0", "2026-03-31", None),       # founded on the last day
        ("g4", "Tổ 4", "to_tu_quan_antt", "C11V1", "2026-04-01", None),           # founded after the period
        ("g5", "Nhóm 5", "unknown_type", "C01V0", "2019-05-01", None),           # unknown type → khac
    ]
    cams = [
        ("k1", 106.02, 21.02, "2024-01-01", None, 50),
        ("k2", 106.03, 21.03, "2024-01-01", "2026-03-31", 50),    # removed on the last day: inactive
        ("k3", 106.12, 21.12, "2026-04-02", None, 50),            # installed later
    ]
    with store.transaction(db) as conn:
        conn.executemany("INSERT INTO incidents (id, occurred_on, category, lon, lat, area_code, area_set_id) "
                         "VALUES (?,?,?,?,?,?,?)", inc)
        conn.executemany("INSERT INTO groups (id, name, model_type, village_code, founded_on, dissolved_on) "
                         "VALUES (?,?,?,?,?,?)", groups)
        conn.executemany("INSERT INTO cameras (id, lon, lat, installed_on, removed_on, radius_m) "
                         "VALUES (?,?,?,?,?,?)", cams)
        for s in (sp, so, sc, sv):
            assign.assign_set(db, s)
        store.bump_revision(db)
    return {"db": db, "path": Path(path), "province": sp, "old": so, "communes": sc, "villages": sv}


@pytest.fixture(scope="session")
def tiny_template(tmp_path_factory) -> dict:
    """make_tiny's database, built once for the session (closed; copy it, never write to it)."""
    return closed(make_tiny(tmp_path_factory.mktemp("tiny-template") / "tiny.db"))


def fresh_copy(template: dict, dst_dir) -> dict:
    """An open copy, through SQLite's backup API, of a database described as make_tiny returns it
    (``path`` and the set ids): the same dict with ``db`` opened on the copy in ``dst_dir``."""
    from browser import copy_db
    from geo import store
    path = copy_db(Path(template["path"]), Path(dst_dir))
    return {**{k: v for k, v in template.items() if k != "db"}, "db": store.open_db(path), "path": path}


def closed(t: dict) -> dict:
    """``t`` without its (now closed) connection: a template for :func:`fresh_copy`."""
    t["db"].conn.close()
    return {k: v for k, v in t.items() if k != "db"}


@pytest.fixture
def tiny(tmp_path, tiny_template):
    """A fresh copy of make_tiny's database for this test (same ids and figures as make_tiny(path)),
    copied through SQLite's backup API from the session's one build instead of built anew."""
    return fresh_copy(tiny_template, tmp_path)


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    """A small demo database (scale 0.05), built once for the session."""
    from geo import demo
    p = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.build_demo(p, seed=7, today=TODAY, scale=0.05)
    return p


def logged_in(at, role: str = "admin", area: str | None = None, username: str | None = None):
    """An AppTest whose browser session is logged in (pages need a user)."""
    from geo import auth
    at.session_state["user"] = auth.User(username=username or f"test_{role}", role=role, area_code=area)
    return at


def pytest_sessionfinish(session, exitstatus):
    """Close the session's one Chromium (tests/browser.py), if a test started it."""
    browser = sys.modules.get("browser")
    if browser is not None and hasattr(browser, "close_shared_browser"):
        browser.close_shared_browser()
