"""Offline browser assets for the maps: Leaflet and its plugins, served by Streamlit.

The JavaScript/CSS libraries come from the npm registry at set-up time
(``npm ci`` at the repository root, from the committed ``package.json`` and
``package-lock.json``).  :func:`install_static` copies the few files the maps
use from ``node_modules/`` to ``static/vendor/``; Streamlit serves that folder
at ``/app/static/vendor/...`` (``[server] enableStaticServing = true`` in
``.streamlit/config.toml``).  :func:`configure_folium` points folium's classes
at those local copies, so a rendered map -- and what ``streamlit_folium``
sends to the browser -- refers to no other host.

No Streamlit here.  Typical app start::

    from geo import assets
    assets.install_static()          # cheap when static/vendor is up to date
    assets.configure_folium(st.get_option("server.baseUrlPath") or "")
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
NODE_MODULES = "node_modules"
VENDOR_DIR = Path("static") / "vendor"          # relative to the project directory
STATIC_URL = "/app/static"                       # where Streamlit serves <project>/static


class AssetsError(RuntimeError):
    """The browser libraries cannot be installed; the message says what to run."""


@dataclass(frozen=True)
class Asset:
    name: str     # key used by folium to de-duplicate links ("leaflet", "leaflet_css", ...)
    source: str   # path under node_modules/
    target: str   # path under static/vendor/
    kind: str     # "js", "css" or "file" (images and licences referenced by the above)


# The single table of vendored files: npm package file -> static/vendor/<path>.
ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", "leaflet/dist/leaflet.js", "leaflet/leaflet.js", "js"),
    Asset("leaflet_css", "leaflet/dist/leaflet.css", "leaflet/leaflet.css", "css"),
    # images referenced by leaflet.css (layer control toggle, default marker)
    Asset("leaflet_layers_png", "leaflet/dist/images/layers.png", "leaflet/images/layers.png", "file"),
    Asset("leaflet_layers_2x_png", "leaflet/dist/images/layers-2x.png", "leaflet/images/layers-2x.png", "file"),
    Asset("leaflet_marker_png", "leaflet/dist/images/marker-icon.png", "leaflet/images/marker-icon.png", "file"),
    Asset("leaflet_marker_2x_png", "leaflet/dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png", "file"),
    Asset("leaflet_shadow_png", "leaflet/dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png", "file"),
    Asset("leaflet_license", "leaflet/LICENSE", "leaflet/LICENSE", "file"),
    Asset("leaflet-heat.js", "leaflet.heat/dist/leaflet-heat.js", "leaflet.heat/leaflet-heat.js", "js"),
    Asset("leaflet_heat_license", "leaflet.heat/LICENSE", "leaflet.heat/LICENSE", "file"),
    Asset("markerclusterjs", "leaflet.markercluster/dist/leaflet.markercluster.js",
          "leaflet.markercluster/leaflet.markercluster.js", "js"),
    Asset("markerclustercss", "leaflet.markercluster/dist/MarkerCluster.css",
          "leaflet.markercluster/MarkerCluster.css", "css"),
    Asset("markerclusterdefaultcss", "leaflet.markercluster/dist/MarkerCluster.Default.css",
          "leaflet.markercluster/MarkerCluster.Default.css", "css"),
    Asset("markercluster_license", "leaflet.markercluster/MIT-LICENCE.txt",
          "leaflet.markercluster/MIT-LICENCE.txt", "file"),
)
BY_NAME: dict[str, Asset] = {a.name: a for a in ASSETS}
# the project's own browser files (not from npm): path under the project -> static/vendor/<path>
OWN_FILES: tuple[tuple[str, str], ...] = (("geo/js/antt-leaflet.js", "antt/antt-leaflet.js"),)
SHARED_JS = PROJECT_DIR / OWN_FILES[0][0]      # shared by the browser map component and the folium maps

# Which assets each kind of layer needs (names from ASSETS), in load order.
LEAFLET_JS = ("leaflet",)
LEAFLET_CSS = ("leaflet_css",)
HEAT_JS = ("leaflet-heat.js",)
CLUSTER_JS = ("markerclusterjs",)
CLUSTER_CSS = ("markerclustercss", "markerclusterdefaultcss")

_state = {"base_url_path": ""}
_lock = threading.Lock()


# --------------------------------------------------------------------------- install

def install_static(project_dir: str | os.PathLike = PROJECT_DIR) -> list[Path]:
    """Copy the vendored files from ``node_modules/`` into ``static/vendor/``.

    Idempotent and cheap: a file whose copy already has the same size and
    modification time is skipped (only two ``stat`` calls per file).  Copies
    are written to a temporary file and renamed, so concurrent app starts never
    serve a half-written file.  Returns the files written this time (empty when
    everything was up to date).

    Raises :class:`AssetsError` naming ``npm ci`` when a needed source file is
    missing (``node_modules`` not installed) and no up-to-date copy exists.
    """
    root = Path(project_dir)
    modules = root / NODE_MODULES
    vendor = root / VENDOR_DIR
    written: list[Path] = []
    missing: list[str] = []
    pairs = [(modules / a.source, vendor / a.target, a.source) for a in ASSETS]
    pairs += [(PROJECT_DIR / s, vendor / d, s) for s, d in OWN_FILES]
    with _lock:
        for src, dst, name in pairs:
            try:
                s = src.stat()
            except FileNotFoundError:
                if not dst.is_file():
                    missing.append(name)
                continue    # keep an existing copy (e.g. a deployment without node_modules)
            try:
                d = dst.stat()
                if d.st_size == s.st_size and int(d.st_mtime) == int(s.st_mtime):
                    continue
            except FileNotFoundError:
                pass
            dst.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
            os.close(fd)
            try:
                shutil.copy2(src, tmp)
                os.replace(tmp, dst)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            written.append(dst)
    if missing:
        raise AssetsError(
            f"Thiếu thư viện bản đồ trong {modules}: {', '.join(missing)}. "
            f"Hãy chạy `npm ci` trong thư mục {root} (cần package.json và package-lock.json). "
            f"(map libraries are not installed: run `npm ci` in {root})"
        )
    return written


def vendor_files(project_dir: str | os.PathLike = PROJECT_DIR) -> list[Path]:
    """Where every vendored file lives once installed."""
    return ([Path(project_dir) / VENDOR_DIR / a.target for a in ASSETS]
            + [Path(project_dir) / VENDOR_DIR / d for _, d in OWN_FILES])


def node_modules_present(project_dir: str | os.PathLike = PROJECT_DIR) -> bool:
    """True when ``npm ci`` has been run (every source file of the table exists)."""
    modules = Path(project_dir) / NODE_MODULES
    return all((modules / a.source).is_file() for a in ASSETS)


# --------------------------------------------------------------------------- URLs

def url(name: str, base_url_path: str | None = None) -> str:
    """The browser URL of one asset, e.g. ``/app/static/vendor/leaflet/leaflet.js``.

    ``base_url_path`` is Streamlit's ``server.baseUrlPath`` (when the app is
    served under a prefix); by default the one given to :func:`configure_folium`.
    """
    prefix = _state["base_url_path"] if base_url_path is None else _clean_prefix(base_url_path)
    return f"{prefix}{STATIC_URL}/vendor/{BY_NAME[name].target}"


def links(names: Iterable[str], base_url_path: str | None = None) -> list[tuple[str, str]]:
    """``[(name, url), ...]`` in folium's ``default_js``/``default_css`` format."""
    return [(n, url(n, base_url_path)) for n in names]


def _clean_prefix(base_url_path: str) -> str:
    p = (base_url_path or "").strip().strip("/")
    return f"/{p}" if p else ""


def configure_folium(base_url_path: str | None = None) -> None:
    """Point folium at the local copies of Leaflet and the plugins the maps use.

    Rewrites the class-level ``default_js``/``default_css`` of ``folium.Map``,
    ``folium.plugins.HeatMap``, ``MarkerCluster`` and ``FastMarkerCluster``.
    jQuery, Bootstrap, awesome-markers and Font Awesome are dropped: the maps
    use ``DivIcon``/``CircleMarker``, never ``folium.Icon``.  Idempotent; call
    it once at app start (``geo.maps`` also calls it before building a map).
    ``base_url_path``: Streamlit's ``server.baseUrlPath``; ``None`` keeps the
    value from the previous call (initially none).
    """
    import folium
    import folium.plugins

    if base_url_path is not None:
        _state["base_url_path"] = _clean_prefix(base_url_path)
    folium.Map.default_js = links(LEAFLET_JS)
    folium.Map.default_css = links(LEAFLET_CSS)
    folium.plugins.HeatMap.default_js = links(HEAT_JS)
    for cls in (folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster):
        cls.default_js = links(CLUSTER_JS)
        cls.default_css = links(CLUSTER_CSS)


# --------------------------------------------------------------------------- checks

_ABS_RE = re.compile(r"""(?i)\bhttps?://[^\s"'<>()\\`]+""")
_PROTO_REL_RE = re.compile(
    r"""(?i)(?:\b(?:src|href|action)\s*=\s*["']?|\burl\(\s*["']?|@import\s+["'])(//[^\s"'<>()\\`]+)"""
)
# XML namespace names are identifiers, never fetched.
NAMESPACE_HOSTS = frozenset({"www.w3.org"})


def external_urls(text: str, allowed_hosts: Iterable[str] = ()) -> list[str]:
    """Every http(s) URL to another host found in rendered HTML, JS or CSS.

    Finds absolute ``http://``/``https://`` URLs anywhere and protocol-relative
    ``//host/...`` ones in ``src=``, ``href=``, ``url(...)`` and ``@import``.
    Root-relative URLs (``/app/static/...``) are ours and never reported, nor
    XML namespace names (``http://www.w3.org/2000/svg``).  Returns each URL
    once, in order of appearance.
    """
    allowed = {h.lower() for h in allowed_hosts} | NAMESPACE_HOSTS
    found: list[str] = []
    for m in _ABS_RE.finditer(text):
        found.append(m.group(0))
    for m in _PROTO_REL_RE.finditer(text):
        found.append(m.group(1))
    out: list[str] = []
    for u in found:
        host = (urlsplit(u if "://" in u else "http:" + u).hostname or "").lower()
        if not host or host in allowed:
            continue
        if u not in out:
            out.append(u)
    return out
