"""No network access from any reader (issue 12, item 4): a local HTTP listener stands for
"another server"; uploaded files that point at it (GeoJSON crs links, KML NetworkLinks,
/vsicurl/ paths) are read without a single request arriving, with a warning."""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

import pytest
import shapely

from conftest import ROOT
from geo import offline
from geo.boundaries import prepare
from geo.boundaries import read as rd


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],' \
                   b'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):  # noqa: N802
            hits.append("HEAD " + self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    srv.shutdown()
    srv.server_close()


def square(x0=106.0, y0=21.0, d=0.05):
    return shapely.geometry.mapping(shapely.box(x0, y0, x0 + d, y0 + d))


def geojson(path, crs=None, feature_crs=None):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": {"ma": f"X{i}", "ten": f"Xã Thử {i}"},
                         "geometry": square(106 + 0.05 * i), **({"crs": feature_crs} if feature_crs else {})}
                        for i in range(3)]}
    if crs is not None:
        doc["crs"] = crs
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("make_crs", [
    lambda base: {"type": "link", "properties": {"href": f"{base}/crs.wkt", "type": "ogcwkt"}},
    lambda base: {"type": "link", "properties": {"href": f"{base}/crs.prj", "type": "esriwkt"}},
    lambda base: {"type": "name", "properties": {"name": f"{base}/def/crs/EPSG/0/4326"}},
])
def test_geojson_crs_links_are_ignored_and_never_fetched(tmp_path, listener, make_crs):
    base, hits = listener
    p = geojson(tmp_path / "a.geojson", crs=make_crs(base), feature_crs=make_crs(base))
    result = prepare(p, level="commune", code_field="ma", name_field="ten")
    assert hits == []
    assert len(result.gdf) == 3
    assert any("liên kết hệ toạ độ" in w and "không tải" in w for w in result.warnings)


def test_big_geojson_crs_links_are_cut_without_parsing(tmp_path, listener, monkeypatch):
    base, hits = listener
    monkeypatch.setattr(rd, "_MAX_PARSED_GEOJSON", 0)
    p = geojson(tmp_path / "big.geojson", crs={"type": "link", "properties": {"href": f"{base}/x", "type": "proj4"}})
    result = prepare(p, level="commune", code_field="ma", name_field="ten")
    assert hits == [] and len(result.gdf) == 3
    assert any("liên kết hệ toạ độ" in w for w in result.warnings)


def test_ogc_crs_urls_are_kept(tmp_path):
    p = geojson(tmp_path / "a.geojson", crs={"type": "name", "properties": {
        "name": "http://www.opengis.net/def/crs/EPSG/0/4326"}})
    assert rd.strip_links(p, "geojson") == []


def test_kml_network_links_are_ignored_and_never_fetched(tmp_path, listener):
    base, hits = listener
    ring = "106,21 106.05,21 106.05,21.05 106,21.05 106,21"
    p = tmp_path / "a.kml"
    p.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<NetworkLink><name>ngoài</name><refreshVisibility>1</refreshVisibility>
  <Link><href>{base}/more.kml</href><refreshMode>onInterval</refreshMode></Link></NetworkLink>
<kml:NetworkLink xmlns:kml="http://www.opengis.net/kml/2.2"><kml:Url><kml:href>{base}/old.kml</kml:href></kml:Url></kml:NetworkLink>
<Placemark><name>Xã Thử</name><ExtendedData><Data name="ma"><value>X1</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>""", encoding="utf-8")
    result = prepare(p, level="commune", name_field="Name")
    assert hits == []
    assert len(result.gdf) == 1
    assert any("NetworkLink" in w and "2 liên kết" in w for w in result.warnings)


def test_gdal_itself_fetches_nothing(tmp_path, listener):
    """Below our own stripping: GDAL's curl is off for the whole process."""
    import pyogrio
    base, hits = listener
    raw = geojson(tmp_path / "raw.geojson", crs={"type": "link", "properties": {"href": f"{base}/c", "type": "esriwkt"}})
    try:
        pyogrio.read_dataframe(raw)
    except Exception:  # noqa: BLE001 - failing is fine, fetching is not
        pass
    for url in (f"/vsicurl/{base}/x.geojson", f"/vsicurl_streaming/{base}/x.geojson"):
        with pytest.raises(Exception):
            pyogrio.read_dataframe(url)
    assert hits == []
    for key, value in offline.GDAL_OPTIONS.items():
        assert os.environ[key] == value


def test_cli_import_fetches_nothing(tmp_path, listener, tiny):
    base, hits = listener
    tiny["db"].conn.close()
    p = geojson(tmp_path / "a.geojson", crs={"type": "link", "properties": {"href": f"{base}/crs", "type": "ogcwkt"}})
    r = subprocess.run([sys.executable, "-m", "geo", "import-boundaries", str(p), "--db", str(tiny["path"]),
                        "--level", "commune", "--code-field", "ma", "--name-field", "ten", "--dry-run"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert hits == []
    assert "liên kết hệ toạ độ" in r.stdout
