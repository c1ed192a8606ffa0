"""Offline assets: the vendored file table, install_static, configure_folium, URL checks."""
from __future__ import annotations

import json
import os
import re
import time

import folium
import folium.plugins
import pytest

from folium_links import streamlit_folium_links
from geo import assets

ROOT = assets.PROJECT_DIR
HAVE_NODE_MODULES = assets.node_modules_present(ROOT)
needs_node_modules = pytest.mark.skipif(
    not HAVE_NODE_MODULES, reason="node_modules absent: run `npm ci` at the repository root")


@pytest.fixture(autouse=True)
def _configured():
    assets.configure_folium("")
    yield
    assets.configure_folium("")


# --------------------------------------------------------------------------- table / npm

def test_asset_table_is_consistent():
    names = [a.name for a in assets.ASSETS]
    targets = [a.target for a in assets.ASSETS]
    assert len(set(names)) == len(names)
    assert len(set(targets)) == len(targets)
    assert {a.kind for a in assets.ASSETS} <= {"js", "css", "file"}
    for group in (assets.LEAFLET_JS, assets.LEAFLET_CSS, assets.HEAT_JS, assets.CLUSTER_JS, assets.CLUSTER_CSS):
        for n in group:
            assert n in assets.BY_NAME


def test_every_asset_comes_from_a_pinned_npm_dependency():
    pkg = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    deps = pkg["dependencies"]
    for a in assets.ASSETS:
        package = a.source.split("/")[0]
        assert package in deps, f"{a.source}: {package} is not in package.json"
        version = deps[package]
        assert version[0].isdigit(), f"{package} must be pinned to an exact version"
        assert lock["packages"][f"node_modules/{package}"]["version"] == version
    assert deps["leaflet"] == "1.9.4"


def test_css_images_are_in_the_table():
    """leaflet.css refers to images/*.png relative to itself: they must be vendored too."""
    targets = {a.target for a in assets.ASSETS}
    for img in ("layers.png", "layers-2x.png", "marker-icon.png"):
        assert f"leaflet/images/{img}" in targets


# --------------------------------------------------------------------------- install_static

def test_install_static_without_node_modules_names_npm_ci(tmp_path):
    with pytest.raises(assets.AssetsError, match="npm ci"):
        assets.install_static(tmp_path)


@needs_node_modules
def test_install_static_copies_then_is_cheap_and_idempotent(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    written = assets.install_static(tmp_path)
    assert sorted(written) == sorted(assets.vendor_files(tmp_path))
    for a in assets.ASSETS:
        assert (tmp_path / "static/vendor" / a.target).read_bytes() == (ROOT / "node_modules" / a.source).read_bytes()
    t = time.perf_counter()
    assert assets.install_static(tmp_path) == []          # up to date: nothing written
    assert time.perf_counter() - t < 0.5
    # a stale copy is replaced
    js = tmp_path / "static/vendor/leaflet/leaflet.js"
    js.write_text("stale")
    assert assets.install_static(tmp_path) == [js]
    assert js.stat().st_size == (ROOT / "node_modules/leaflet/dist/leaflet.js").stat().st_size
    assert not list((tmp_path / "static/vendor").rglob("*.tmp"))


@needs_node_modules
def test_install_static_keeps_existing_copies_without_node_modules(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    assets.install_static(tmp_path)
    (tmp_path / "node_modules").unlink()
    assert assets.install_static(tmp_path) == []            # a deployment with static/vendor only
    (tmp_path / "static/vendor/leaflet/leaflet.js").unlink()
    with pytest.raises(assets.AssetsError, match="npm ci"):
        assets.install_static(tmp_path)


@needs_node_modules
def test_vendored_css_fetches_nothing_from_other_hosts():
    for a in assets.ASSETS:
        if a.kind == "css":
            text = (ROOT / "node_modules" / a.source).read_text(encoding="utf-8")
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)      # comments are never fetched
            assert assets.external_urls(text) == [], a.source


# --------------------------------------------------------------------------- configure_folium

def _sample_folium_map() -> folium.Map:
    m = folium.Map(location=[21.0, 106.5], zoom_start=10, tiles=None)
    folium.plugins.HeatMap([[21.0, 106.5, 1.0], [21.01, 106.51, 0.5]]).add_to(m)
    mc = folium.plugins.MarkerCluster().add_to(m)
    folium.CircleMarker([21.0, 106.5], radius=4).add_to(mc)
    folium.plugins.FastMarkerCluster([[21.0, 106.5], [21.1, 106.6]]).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_configure_folium_points_every_used_class_at_local_files():
    for cls in (folium.Map, folium.plugins.HeatMap, folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster):
        for _, url in list(cls.default_js) + list(cls.default_css):
            assert url.startswith("/app/static/vendor/"), (cls.__name__, url)
    names = {n for n, _ in folium.Map.default_js + folium.Map.default_css}
    assert names == {"leaflet", "leaflet_css"}      # no jquery, bootstrap, awesome-markers, font-awesome


def test_plain_folium_map_is_offline_after_configure():
    m = _sample_folium_map()
    page = m.get_root().render()
    assert assets.external_urls(page) == []
    js, css = streamlit_folium_links(m)
    assert js[0] == "/app/static/vendor/leaflet/leaflet.js"       # leaflet loads first
    assert "/app/static/vendor/leaflet.heat/leaflet-heat.js" in js
    assert all(u.startswith("/app/static/vendor/") for u in js + css)


@needs_node_modules
def test_every_linked_file_is_installed(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    assets.install_static(tmp_path)
    js, css = streamlit_folium_links(_sample_folium_map())
    for u in js + css:
        rel = u.removeprefix("/app/")
        assert (tmp_path / rel).is_file(), u


def test_base_url_path_prefix():
    assets.configure_folium("/antt/")
    assert folium.Map.default_js[0][1] == "/antt/app/static/vendor/leaflet/leaflet.js"
    assert assets.url("markerclusterjs") == "/antt/app/static/vendor/leaflet.markercluster/leaflet.markercluster.js"
    assets.configure_folium()          # None keeps the prefix
    assert assets.url("leaflet").startswith("/antt/")
    assets.configure_folium("")
    assert assets.url("leaflet") == "/app/static/vendor/leaflet/leaflet.js"


def test_streamlit_folium_links_reports_the_colormap_trap():
    """A branca ColorMap anywhere makes streamlit_folium add d3 from CDNs."""
    import branca.colormap

    m = folium.Map(tiles=None)
    branca.colormap.LinearColormap(["#ffffff", "#ff0000"], vmin=0, vmax=1).add_to(m)
    js, _ = streamlit_folium_links(m)
    assert any("d3js.org" in u for u in assets.external_urls("\n".join(js)))


# --------------------------------------------------------------------------- external_urls

def test_external_urls_finds_absolute_and_protocol_relative_urls():
    page = """
    <script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>
    <link rel="stylesheet" href="//cdnjs.cloudflare.com/x.css"/>
    <style>@import "//fonts.example.org/f.css"; .a { background: url(//img.example.net/a.png) }</style>
    <script src="/app/static/vendor/leaflet/leaflet.js"></script>
    <svg xmlns="http://www.w3.org/2000/svg"></svg>
    var t = L.tileLayer("http://tiles.local:8080/{z}/{x}/{y}.png");
    """
    found = assets.external_urls(page)
    assert found == [
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "http://tiles.local:8080/{z}/{x}/{y}.png",
        "//cdnjs.cloudflare.com/x.css",
        "//fonts.example.org/f.css",
        "//img.example.net/a.png",
    ]
    assert "http://tiles.local:8080/{z}/{x}/{y}.png" not in assets.external_urls(page, allowed_hosts=["tiles.local"])
    assert assets.external_urls("<a href='/app/static/x.js'>x</a> 10/2 // comment") == []


def test_config_toml_enables_static_serving_offline():
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableStaticServing"] is True
    assert cfg["server"]["headless"] is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["toolbarMode"] == "minimal"


def test_gitignore_keeps_vendor_out_of_git():
    lines = set((ROOT / ".gitignore").read_text().split())
    assert {".venv/", "node_modules/", "static/vendor/", "data/*.db*", "__pycache__/"} <= lines
    assert os.path.exists(ROOT / "package-lock.json")
