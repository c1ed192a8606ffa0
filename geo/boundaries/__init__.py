"""Reading and cleaning the boundary files officers upload.

The one entry point is :func:`prepare`; it returns a :class:`Prepared` (a
clean WGS 84 GeoDataFrame plus everything the upload page shows: detected CRS
and datum shift, encoding with samples, field mapping, repairs, dissolved
parts, duplicate codes, orphans, overlaps and gaps) or raises
:class:`BoundaryError` with a one-line Vietnamese message.

Modules: ``read`` (safe unpacking, formats, layers), ``crs`` (VN-2000,
zones, datum shift, Vietnam bounds), ``encoding`` (UTF-8, Windows-1258,
TCVN3, VNI), ``fields`` (columns, unit-type prefixes), ``repair`` (validity,
dissolve, overlaps/gaps), ``hierarchy`` (parents, orphans), ``versions``
(storing a prepared file as a new boundary set, versions, crosswalk, comparing
two sets).  No Streamlit.
"""
from .crs import DATUM_SHIFT_LABEL, VN2000_EPSG, parse_crs
from .encoding import ENCODINGS, decode_bytes, decode_tcvn3, decode_vni
from .errors import BoundaryError, FieldChoiceNeeded, LayerChoiceNeeded
from .fields import LEVELS, split_unit_prefix
from .hierarchy import link_parents
from .pipeline import Prepared, prepare
from .read import DEFAULT_MAX_BYTES
from .repair import overlaps_and_gaps
from .versions import (change_counts, commit, compare_sets, crosswalk_source, default_parent_set,
                       official_crosswalk, parent_layer, summary)

__all__ = [
    "prepare", "Prepared", "BoundaryError", "LayerChoiceNeeded", "FieldChoiceNeeded",
    "ENCODINGS", "LEVELS", "DEFAULT_MAX_BYTES", "DATUM_SHIFT_LABEL", "VN2000_EPSG",
    "decode_bytes", "decode_tcvn3", "decode_vni", "split_unit_prefix", "parse_crs",
    "link_parents", "overlaps_and_gaps",
    "commit", "compare_sets", "change_counts", "summary", "default_parent_set", "parent_layer",
    "official_crosswalk", "crosswalk_source",
]
