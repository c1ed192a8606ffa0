"""No network access from any reader: GDAL's HTTP (curl) and PROJ's network are off for
the whole process.

ANTT Atlas works with no internet at all, and a file uploaded by a user must never make
the server fetch a URL (SSRF): a GeoJSON ``"crs": {"type": "link", "href": …}``, a
``/vsicurl/`` path, a KML NetworkLink, a PROJ grid on a CDN.  GDAL has no single
"network off" switch, so :data:`GDAL_OPTIONS` routes every curl request through a proxy
of a scheme curl does not know (the request fails at once, before any connection is
made), turns retries off and keeps GDAL from listing folders it opens; ``PROJ_NETWORK``
is off.  The options are set as environment variables when :mod:`geo` is imported
(GDAL reads them there on every request) and again as GDAL config options when the
boundary reader loads pyogrio, before its first read.

The readers also drop what would ask for a URL, with a warning for the user
(:func:`geo.boundaries.read.strip_links`)."""
from __future__ import annotations

import os

BLACKHOLE_PROXY = "antt-offline://127.0.0.1:9"   # an unknown scheme: curl refuses before connecting
GDAL_OPTIONS = {
    "GDAL_HTTP_PROXY": BLACKHOLE_PROXY,
    "GDAL_HTTPS_PROXY": BLACKHOLE_PROXY,
    "GDAL_HTTP_PROXYUSERPWD": "",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_NETRC": "NO",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".antt-offline-none",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "PROJ_NETWORK": "OFF",
}
# (GDAL sets curl's proxy itself from GDAL_HTTP(S)_PROXY, so curl's own http_proxy /
# no_proxy variables do not apply; they are left alone for the rest of the process.)


def apply_env() -> None:
    """Set the options in the process environment (inherited by GDAL, PROJ, curl)."""
    for key, value in GDAL_OPTIONS.items():
        os.environ[key] = value


def apply_gdal() -> None:
    """Set the options as GDAL config options too (they win over the environment) and
    turn PROJ's network off through pyproj."""
    apply_env()
    import pyogrio
    pyogrio.set_gdal_config_options(dict(GDAL_OPTIONS))
    try:
        import pyproj.network
        pyproj.network.set_network_enabled(False)
    except Exception:  # noqa: BLE001 - an old pyproj: PROJ_NETWORK=OFF is set anyway
        pass
