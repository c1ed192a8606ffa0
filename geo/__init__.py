"""ANTT Atlas library: boundaries, records, figures and maps.

No Streamlit here: pages and the CLI (``python -m geo``) call these functions.
"""
__version__ = "0.1.0"

from . import offline as _offline

_offline.apply_env()  # no network from GDAL/PROJ, for the whole process, before any read
