"""``python -m geo import-boundaries`` / ``export-boundaries``, run as a subprocess
on the shared fixtures (skipped with a reason when ../shared/fixtures/boundaries
is absent)."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest
import shapely

from conftest import ROOT
from geo.boundaries.versions import SUMMARY_FIELDS

try:
    import helpers_boundaries as H
except ImportError:  # tests/ imported as a package
    from tests import helpers_boundaries as H

VI_CHARS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def geo_cli(*args, check=None):
    env = {k: v for k, v in os.environ.items() if k != "ANTT_DB"}
    env["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-m", "geo", *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=300)
    if check is not None:
        assert r.returncode == check, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return r


class InProcess:
    """The result of ``geo.cli.main`` run in this process (the many refusal cases:
    same code path as the subprocess, without its start-up time)."""

    def __init__(self, capsys, args):
        from geo import cli
        self.returncode = cli.main([str(a) for a in args])
        gc.collect()  # close the connection main() opened
        cap = capsys.readouterr()
        self.stdout, self.stderr = cap.out, cap.err


def refused_line(r) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    err = r.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert VI_CHARS & set(err.lower()), err
    return err


def files_of(db) -> bytes:
    """The database file's bytes (nothing is written: no transaction ever commits)."""
    return db.read_bytes()


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The TM-3 fixture imported into a new database by the CLI."""
    tm3 = H.fixture(H.TM3_ZIP)
    db = tmp_path_factory.mktemp("cli") / "antt.db"
    r = geo_cli("import-boundaries", tm3, "--db", db, "--level", "commune", "--valid-from", "2025-07-01",
                check=0)
    return db, json.loads(r.stdout)


def test_tm3_zip_becomes_a_set(imported):
    db, out = imported
    assert tuple(out) == SUMMARY_FIELDS
    assert out["set_id"] == 1 and out["features"] == 54
    assert out["crs_detected"].startswith("EPSG:5899")
    assert out["datum_shift"].startswith("EPSG:6960")
    assert out["encoding_detected"] == "utf-8"
    assert [r["code"] for r in out["repaired"]] == ["06688"]
    assert out["dissolved"] == [] and out["duplicate_codes"] == [] and out["orphans"] == []
    assert all(isinstance(w, str) for w in out["warnings"])
    sets = json.loads(geo_cli("sets", "--db", db, check=0).stdout)
    assert [(s["id"], s["level"], s["valid_from"], s["valid_to"], s["areas"], s["source_crs"]) for s in sets] == \
        [(1, "commune", "2025-07-01", None, 54, "EPSG:5899")]


def test_export_round_trip_within_1_m(imported, tmp_path):
    db, _ = imported
    out = tmp_path / "xa.geojson"
    r = json.loads(geo_cli("export-boundaries", "--db", db, "--set", 1, "-o", out, check=0).stdout)
    assert r == {"set_id": 1, "features": 54, "format": "geojson", "file": str(out)}
    got = pyogrio.read_dataframe(out)
    assert got.crs.to_epsg() == 4326
    assert list(got.columns) == ["code", "name", "level", "unit_type", "parent_code", "geometry"]
    assert set(got["level"]) == {"commune"} and set(got["parent_code"]) == {"22"}
    ref = H.reference_communes().set_index("id")
    got = got.set_index("code").loc[ref.index]
    assert (got["name"] == ref["name"]).all()
    # farthest point of either outline from the other, in metres
    far = shapely.hausdorff_distance(got.geometry.values, ref.geometry.values) * 111_320
    assert far.max() < 1.0, far.max()


def test_export_to_stdout_and_geopackage(imported, tmp_path):
    db, _ = imported
    fc = json.loads(geo_cli("export-boundaries", "--db", db, "--set", 1, check=0).stdout)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 54
    assert set(fc["features"][0]["properties"]) == {"code", "name", "level", "unit_type", "parent_code"}
    gpkg = tmp_path / "xa.gpkg"
    geo_cli("export-boundaries", "--db", db, "--set", 1, "-o", gpkg, check=0)
    back = pyogrio.read_dataframe(gpkg)
    assert len(back) == 54 and back.crs.to_epsg() == 4326
    assert "Hạ Long" in set(back["name"])
    refused_line(geo_cli("export-boundaries", "--db", db, "--set", 1, "--format", "gpkg"))
    assert "99" in refused_line(geo_cli("export-boundaries", "--db", db, "--set", 99))


def test_dry_run_leaves_the_database_byte_identical(imported):
    db, _ = imported
    before = files_of(db)
    r = geo_cli("import-boundaries", H.fixture(H.TM3_TCVN3_ZIP), "--db", db, "--level", "commune",
                "--dry-run", check=0)
    out = json.loads(r.stdout)
    assert out["set_id"] is None and out["features"] == 54 and out["encoding_detected"] == "tcvn3"
    assert files_of(db) == before


def test_dry_run_without_a_database_creates_none(tmp_path):
    db = tmp_path / "none.db"
    r = geo_cli("import-boundaries", H.fixture(H.TM3_ZIP), "--db", db, "--level", "commune", "--dry-run",
                check=0)
    assert json.loads(r.stdout)["set_id"] is None
    assert not db.exists()


@pytest.mark.parametrize("make", ["traversal_zip", "not_geojson", "outside_vietnam", "wrong_extension"])
def test_refused_file_exits_2_and_leaves_the_database_unchanged(imported, tmp_path, make, capsys):
    db, _ = imported
    if make == "not_geojson":
        bad = tmp_path / "xa.geojson"
        bad.write_text("{ this is not json", encoding="utf-8")
    elif make == "traversal_zip":
        bad = tmp_path / "xa.zip"
        bad.write_bytes(H.zip_bytes({"../../evil.shp": b"x" * 200, "xa.dbf": b"y"}))
    elif make == "outside_vietnam":
        bad = tmp_path / "paris.geojson"
        bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"ten": "Paris"},
             "geometry": shapely.geometry.mapping(shapely.box(2.3, 48.8, 2.4, 48.9))}]}), encoding="utf-8")
    else:
        bad = tmp_path / "xa.docx"
        bad.write_bytes(b"PK\x03\x04 not a boundary file")
    before = files_of(db)
    args = ["import-boundaries", bad, "--db", db, "--level", "commune"]
    # the first case as a real process, the others in this one
    err = refused_line(geo_cli(*args) if make == "traversal_zip" else InProcess(capsys, args))
    assert err.startswith("lỗi: ")
    assert files_of(db) == before


def test_refused_file_does_not_create_a_database(tmp_path):
    db = tmp_path / "new.db"
    bad = tmp_path / "xa.geojson"
    bad.write_text("[]", encoding="utf-8")
    refused_line(geo_cli("import-boundaries", bad, "--db", db, "--level", "commune"))
    assert not db.exists()


def test_geopackage_without_layer_lists_the_layers(imported):
    db, _ = imported
    before = files_of(db)
    err = refused_line(geo_cli("import-boundaries", H.fixture(H.GPKG), "--db", db, "--level", "commune"))
    for name in ("xa_phuong_2025", "xa_phuong_truoc_2025_gadm41", "huyen_odm"):
        assert name in err
    assert files_of(db) == before


def test_replaces_closes_the_old_set_and_keeps_its_areas(tmp_path):
    db = tmp_path / "v.db"
    geo_cli("import-boundaries", H.fixture(H.TM3_ZIP), "--db", db, "--level", "commune",
            "--valid-from", "2025-07-01", check=0)
    r = geo_cli("import-boundaries", H.fixture(H.GPKG), "--layer", "xa_phuong_2025", "--db", db,
                "--level", "commune", "--valid-from", "2026-01-01", "--replaces", 1, "--name", "Xã 2026",
                check=0)
    out = json.loads(r.stdout)
    assert out["set_id"] == 2 and out["features"] == 54 and out["crs_detected"].startswith("EPSG:3405")
    sets = {s["id"]: s for s in json.loads(geo_cli("sets", "--db", db, check=0).stdout)}
    assert sets[1]["valid_to"] == "2025-12-31" and sets[1]["areas"] == 54
    assert sets[2]["valid_to"] is None and sets[2]["replaces_set_id"] == 1 and sets[2]["name"] == "Xã 2026"
    # the old set still exports in full
    fc = json.loads(geo_cli("export-boundaries", "--db", db, "--set", 1, check=0).stdout)
    assert len(fc["features"]) == 54
    # replacing it again is refused: it is closed
    before = files_of(db)
    err = refused_line(geo_cli("import-boundaries", H.fixture(H.TM3_ZIP), "--db", db, "--level", "commune",
                               "--valid-from", "2026-06-01", "--replaces", 1))
    assert "hết hiệu lực" in err and files_of(db) == before


@pytest.mark.parametrize("args, word", [
    (["--valid-from", "2025/07/01"], "YYYY-MM-DD"),
    (["--replaces", "42"], "42"),
    (["--crs", "EPSG:99999999"], "EPSG"),
    (["--encoding", "klingon"], "klingon"),
    (["--code-field", "KhongCo"], "KhongCo"),
])
def test_bad_options_exit_2(imported, args, word, capsys):
    db, _ = imported
    before = files_of(db)
    err = refused_line(InProcess(capsys, ["import-boundaries", H.fixture(H.TM3_ZIP), "--db", db,
                                          "--level", "commune", *args]))
    assert word in err and files_of(db) == before


def test_loose_shapefile_by_its_shp(tmp_path):
    """A .shp path brings its .shx/.dbf/.prj/.cpg; villages link to the commune set."""
    db = tmp_path / "t.db"
    from conftest import make_tiny
    make_tiny(db)["db"].conn.close()
    geoms = [shapely.box(106.0 + i * 0.05, 21.0, 106.05 + i * 0.05, 21.1) for i in range(4)]
    gdf = gpd.GeoDataFrame({"MaThon": [f"T{i}" for i in range(4)], "TenThon": [f"Thôn Số {i}" for i in range(4)]},
                           geometry=geoms, crs=4326).to_crs(5899)
    shp = H.write_shapefile(gdf, tmp_path / "shp", "thon")
    out = json.loads(geo_cli("import-boundaries", shp, "--db", db, "--level", "village",
                             "--valid-from", "2026-01-01", "--replaces", 4, check=0).stdout)
    assert out["set_id"] == 5 and out["features"] == 4 and out["orphans"] == []
    assert out["crs_detected"].startswith("EPSG:5899")
    fc = json.loads(geo_cli("export-boundaries", "--db", db, "--set", 5, check=0).stdout)
    parents = {f["properties"]["code"]: f["properties"]["parent_code"] for f in fc["features"]}
    # the file's communes get its villages, the others keep theirs (one province layer)
    assert parents == {"T0": "C00", "T1": "C00", "T2": "C10", "T3": "C10", "C01V0": "C01", "C01V1": "C01",
                       "C11V0": "C11", "C11V1": "C11"}
    back = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in fc["features"]}
    assert max(shapely.hausdorff_distance(back[f"T{i}"], g) for i, g in enumerate(geoms)) * 111_320 < 1.0


def test_a_viewer_may_not_import(tmp_path, capsys):
    from conftest import make_tiny
    from geo import auth
    db = tmp_path / "t.db"
    t = make_tiny(db)
    auth.create_user(t["db"], "lanhdao", "matkhau-an-toan", "viewer")
    t["db"].conn.close()
    before = files_of(db)
    src = tmp_path / "xa.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"MaXa": "07001", "TenXa": "Xã Một"},
         "geometry": shapely.geometry.mapping(shapely.box(106.0, 21.0, 106.1, 21.1))}]}), encoding="utf-8")
    for extra in ([], ["--dry-run"]):
        err = refused_line(InProcess(capsys, ["import-boundaries", src, "--db", db, "--level", "commune",
                                              "--valid-from", "2026-01-01", "--user", "lanhdao", *extra]))
        assert "quản trị viên" in err
    assert files_of(db) == before
