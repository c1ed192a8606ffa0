"""Versions of the boundaries: storing a prepared file as a new boundary set,
and comparing two sets.

Nothing is ever overwritten.  :func:`commit` stores a :class:`Prepared` as a
*new* set (valid from a date) in one transaction; when it replaces a set, that
set's ``valid_to`` is closed and its areas stay.  Records keep their meaning:
points are placed again by location in the new set, and records known only by
an area code go through the crosswalk between the two sets (the share of each
old area lying in each new one, :func:`geo.assign.build_crosswalk`).  When a
commune set of the 2025 reform replaces a pre-2025 commune set and both use
GSO codes, the official old→new mapping shipped by ``vietnamadminunits`` is
written into that crosswalk (see :func:`official_crosswalk`).

:func:`compare_sets` lists, area by area, what changed between two sets
(added, removed, changed outline, renamed) for the compare map.

No Streamlit.  Messages for the officer are Vietnamese, raised as
:class:`BoundaryError`; the database is unchanged whenever anything fails.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlite_utils

from .. import areas, assign, store
from .encoding import name_key
from .errors import BoundaryError
from .pipeline import LEVEL_LABELS, Prepared

log = logging.getLogger(__name__)

# The level whose current set units of a level are linked to.
PARENT_LEVEL: dict[str, str | None] = {"province": None, "district": "province", "commune": "province",
                                       "village": "commune"}
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2, "village": 3}
# First day of the two-level local government (Resolution 202/2025/QH15).
REFORM_DAY = "2025-07-01"
# Share of a set's areas whose code and name must match the official list for
# the set to be taken as using GSO codes.
GSO_MATCH = 0.6
OFFICIAL_SOURCE = "vietnamadminunits"
UNNAMED = "(chưa có tên)"

Progress = Callable[[float, str], None]

# The JSON report of an import (CLI and page), in this order.
SUMMARY_FIELDS = ("set_id", "features", "crs_detected", "datum_shift", "encoding_detected", "repaired",
                  "dissolved", "duplicate_codes", "orphans", "warnings")


# --------------------------------------------------------------------------- #
# Parent sets
# --------------------------------------------------------------------------- #
def parent_level(level: str) -> str | None:
    """The level a unit of ``level`` belongs to (village → commune → province)."""
    return PARENT_LEVEL.get(level)


def default_parent_set(db: sqlite_utils.Database, level: str) -> areas.BoundarySet | None:
    """The current set of the level above ``level`` (None for provinces or when there is none)."""
    up = parent_level(level)
    return areas.current_set(db, up) if up else None


def parent_layer(db: sqlite_utils.Database, set_id: int | None) -> gpd.GeoDataFrame | None:
    """The areas of ``set_id`` (code, name, geometry; EPSG:4326), to pass as
    ``parent=`` to :func:`geo.boundaries.prepare`; None without a set."""
    if set_id is None:
        return None
    gdf = areas.load_areas(db, int(set_id))
    return gdf[["code", "name", "geometry"]] if len(gdf) else None


def _check_parent(db, level: str, parent_set_id: int | None) -> int | None:
    if parent_set_id is None:
        s = default_parent_set(db, level)
        return s.id if s else None
    try:
        s = areas.get_set(db, int(parent_set_id))
    except (KeyError, ValueError):
        raise BoundaryError(f"Không có bộ ranh giới cấp trên số {parent_set_id}.") from None
    if LEVEL_RANK[s.level] >= LEVEL_RANK[level]:
        raise BoundaryError(f"Bộ ranh giới {s.id} là cấp {LEVEL_LABELS.get(s.level, s.level)}, không phải "
                            f"cấp trên của {LEVEL_LABELS.get(level, level)}.")
    return s.id


# --------------------------------------------------------------------------- #
# The report
# --------------------------------------------------------------------------- #
def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def summary(prepared: Prepared, set_id: int | None = None) -> dict:
    """What an import did (or, with ``set_id=None``, would do), as plain JSON
    values: set_id, features, crs_detected, datum_shift, encoding_detected,
    repaired, dissolved, duplicate_codes, orphans, warnings."""
    out = {
        "set_id": None if set_id is None else int(set_id),
        "features": int(len(prepared.gdf)),
        "crs_detected": prepared.crs_detected,
        "datum_shift": prepared.datum_shift,
        "encoding_detected": prepared.encoding_detected,
        "repaired": prepared.repaired,
        "dissolved": prepared.dissolved,
        "duplicate_codes": prepared.duplicate_codes,
        "orphans": prepared.orphans,
        "warnings": prepared.warnings,
    }
    return _plain(out)


# --------------------------------------------------------------------------- #
# Commit
# --------------------------------------------------------------------------- #
def _date(value, what: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise BoundaryError(f"{what} “{value}” không hợp lệ; hãy ghi theo dạng YYYY-MM-DD "
                            "(ví dụ 2025-07-01).") from None


def _check_replaces(db, replaces, level: str, valid_from: str) -> areas.BoundarySet | None:
    if replaces is None:
        return None
    try:
        old = areas.get_set(db, int(replaces))
    except (KeyError, ValueError):
        raise BoundaryError(f"Không có bộ ranh giới số {replaces} để thay thế.") from None
    if old.level != level:
        raise BoundaryError(f"Bộ ranh giới {old.id} là cấp {LEVEL_LABELS.get(old.level, old.level)}; "
                            f"không thể thay bằng bộ cấp {LEVEL_LABELS.get(level, level)}.")
    if old.valid_to is not None:
        raise BoundaryError(f"Bộ ranh giới {old.id} đã hết hiệu lực từ {old.valid_to}; chỉ thay thế "
                            "được bộ đang hiện hành.")
    if old.valid_from and valid_from <= old.valid_from:
        raise BoundaryError(f"Ngày hiệu lực {valid_from} phải sau ngày hiệu lực của bộ bị thay thế "
                            f"({old.id}: từ {old.valid_from}).")
    return old


def check_request(db: sqlite_utils.Database, level: str, *, valid_from=None, replaces: int | None = None,
                  parent_set_id: int | None = None) -> dict:
    """Check the options of an import before the file is read (nothing is written).

    Returns ``{"valid_from": "YYYY-MM-DD" (today by default), "replaces": BoundarySet | None,
    "parent_set_id": int | None}`` (the parent defaulting to the current set of the
    level above); raises :class:`BoundaryError` for a bad date, an unknown set, a set of
    another level or one already closed."""
    if level not in LEVEL_RANK:
        raise BoundaryError(f"Cấp đơn vị “{level}” không hợp lệ; chọn một trong: {', '.join(LEVEL_RANK)}.")
    vf = parse_date(valid_from) or dt.date.today().isoformat()
    return {"valid_from": vf, "replaces": _check_replaces(db, replaces, level, vf),
            "parent_set_id": _check_parent(db, level, parent_set_id)}


def parse_date(value, what: str = "Ngày hiệu lực") -> str | None:
    """``YYYY-MM-DD`` (or a date) → ISO text; None/empty → None; else :class:`BoundaryError`."""
    return _date(value, what)


def check_permission(db: sqlite_utils.Database, user, level: str, gdf: gpd.GeoDataFrame,
                     replaces: areas.BoundarySet | None = None) -> str | None:
    """Who may store this set (see :mod:`geo.auth`): an administrator any set;
    nobody else (an officer's villages of their commune are a submission for review,
    :func:`geo.submissions.submit`; the province layer is assembled from them).  ``user``: a :class:`geo.auth.User`, a
    username, or None (the local administrator).  Returns the username to record;
    raises ``geo.auth.PermissionDenied`` (Vietnamese message)."""
    try:
        from .. import auth
    except ImportError:  # pragma: no cover - access control not installed
        return None if user is None else str(getattr(user, "username", user))
    actor = auth.resolve(db, user)
    if actor.is_admin:
        return None if user is None else actor.username
    if actor.role == "officer" and level == "village":
        raise auth.PermissionDenied("Cán bộ không lưu trực tiếp lớp thôn/tổ dân phố của tỉnh: hãy gửi ranh giới "
                                    "thôn của xã mình (chọn xã, --commune MÃ_XÃ) để quản trị viên duyệt.")
    raise auth.PermissionDenied("Chỉ quản trị viên được lưu bộ ranh giới cấp "
                                f"{LEVEL_LABELS.get(level, level)}.")


def default_name(prepared: Prepared, valid_from: str | None) -> str:
    label = LEVEL_LABELS.get(prepared.level, prepared.level)
    when = f" từ {valid_from}" if valid_from else ""
    return f"Ranh giới {label}{when} ({prepared.source_file})"


def commit(db: sqlite_utils.Database, prepared: Prepared, *, level: str | None = None,
           name: str | None = None, valid_from=None, replaces: int | None = None,
           parent_set_id: int | None = None, imported_by=None,
           progress: Progress | None = None) -> int:
    """Store ``prepared`` as a new boundary set and return its id.

    One transaction: the set and its areas (with map geometry), the closing of
    ``replaces`` (its ``valid_to`` becomes the day before ``valid_from``; its
    areas stay), the crosswalk from the replaced set (official 2025 mapping
    where it applies), the placement of every record in the new set, and an
    audit row.  On any error the database is unchanged.

    ``level`` defaults to (and must equal) ``prepared.level``; ``valid_from``
    (``YYYY-MM-DD`` or a date) defaults to today; ``parent_set_id`` to the
    current set of the level above (see :func:`default_parent_set`), the one
    whose areas should have been passed as ``parent=`` to ``prepare``.
    ``progress(fraction, message)`` is called as the work advances.
    ``imported_by``: the acting user (a ``geo.auth.User``, a username, or None
    for the local administrator), checked by :func:`check_permission`.

    Raises :class:`BoundaryError` (Vietnamese message) for a request that
    cannot be stored, ``geo.auth.PermissionDenied`` for a user who may not."""
    def step(f: float, msg: str) -> None:
        if progress is not None:
            try:
                progress(min(max(f, 0.0), 1.0), msg)
            except Exception:  # noqa: BLE001 - a broken progress bar must not stop an import
                log.debug("progress callback failed", exc_info=True)

    level = level or prepared.level
    if level not in LEVEL_RANK:
        raise BoundaryError(f"Cấp đơn vị “{level}” không hợp lệ; chọn một trong: {', '.join(LEVEL_RANK)}.")
    if level != prepared.level:
        raise BoundaryError(f"Tệp đã được đọc như cấp {LEVEL_LABELS.get(prepared.level, prepared.level)}, "
                            f"không phải cấp {LEVEL_LABELS.get(level, level)}; hãy đọc lại với đúng cấp.")
    gdf = prepared.gdf
    if gdf is None or gdf.empty:
        raise BoundaryError(f"Không có đơn vị nào để lưu từ {prepared.source_file}.")
    codes = gdf["code"].astype(str)
    if codes.duplicated().any():
        dup = sorted(set(codes[codes.duplicated()]))
        raise BoundaryError(f"Mã đơn vị bị trùng ({', '.join(dup[:5])}); mỗi đơn vị cần một mã riêng.")
    unnamed = gdf["name"].isna() | (gdf["name"].astype(str).str.strip() == "")
    if unnamed.any():  # prepare() warned about them; keep the unit, named after its code
        gdf = gdf.copy()
        gdf.loc[unnamed, "name"] = [f"{UNNAMED} {c}" for c in codes[unnamed]]
    step(0.02, "Đang kiểm tra… (checking)")
    req = check_request(db, level, valid_from=valid_from, replaces=replaces, parent_set_id=parent_set_id)
    user = check_permission(db, imported_by, level, gdf, req["replaces"])
    if level == "village":
        # one province layer made of commune parts: every commune of the file is checked
        from .. import submissions
        cur_v = areas.current_set(db, "village")
        if req["replaces"] is not None and (cur_v is None or req["replaces"].id != cur_v.id):
            raise BoundaryError(f"Lớp thôn/tổ dân phố hiện hành là bộ {cur_v.id if cur_v else '–'}; "
                                f"không thể thay bộ {req['replaces'].id}.")
        step(0.05, "Đang kiểm tra từng xã… (checking each commune)")
        made = submissions.import_province(
            db, gdf, user=imported_by, source_file=prepared.source_file, name=(name or "").strip() or None,
            valid_from=req["valid_from"], encoding=prepared.encoding_detected, source_crs=prepared.crs_used)
        prepared.warnings.extend(w for w in made["warnings"] if w not in prepared.warnings)
        step(1.0, "Đã lưu. (done)")
        return int(made["set_id"])
    with store.transaction(db) as conn:
        # checked again under the write lock: another import may have closed the set meanwhile
        req = check_request(db, level, valid_from=valid_from, replaces=replaces, parent_set_id=parent_set_id)
        vf, old, parent_id = req["valid_from"], req["replaces"], req["parent_set_id"]
        imported_by = user
        set_name = (name or "").strip() or default_name(prepared, vf)
        step(0.05, "Đang lưu ranh giới… (storing the areas)")
        set_id = areas.create_set(
            db, gdf, name=set_name, level=level, valid_from=vf, parent_set_id=parent_id,
            source_file=prepared.source_file, source_crs=prepared.crs_used, encoding=prepared.encoding_detected,
            imported_by=imported_by, replaces_set_id=old.id if old else None, assign_records=False)
        official = None
        if old is not None and level == "commune":
            # other crosswalks are built when a record first needs them (geo.assign)
            step(0.55, "Đang lập bảng chuyển đổi mã cũ → mới… (crosswalk)")
            official = official_crosswalk(db, old.id, set_id)
        step(0.7, "Đang gắn vụ việc, camera, mô hình vào địa bàn mới… (placing records)")
        placed = assign.assign_set(db, set_id)
        _audit(conn, imported_by, set_id, {
            "name": set_name, "level": level, "valid_from": vf, "areas": int(len(gdf)),
            "source_file": prepared.source_file, "source_crs": prepared.crs_used,
            "encoding": prepared.encoding_detected, "replaces_set_id": old.id if old else None,
            "parent_set_id": parent_id, "records_placed": placed,
            "official_crosswalk": None if not official else official.get("applied"),
        })
        store.bump_revision(db)
    step(1.0, "Đã lưu. (done)")
    return int(set_id)


def _audit(conn, user, set_id: int, after: dict) -> None:
    try:
        from .. import audit
    except ImportError:  # pragma: no cover - the audit log module is optional
        return
    audit.log(conn, user=user, action="import", target_kind="boundary_set", target_id=str(set_id),
              after=after)


# --------------------------------------------------------------------------- #
# The official 2025 mapping (vietnamadminunits)
# --------------------------------------------------------------------------- #
@functools.lru_cache(maxsize=1)
def official_2025_mapping() -> dict | None:
    """The official old→new commune mapping of the 2025 reform, by GSO code.

    Read from the tables shipped with ``vietnamadminunits`` (no network):
    ``{"version", "old": {code: names}, "new": {code: names}, "map": {old_code:
    (new_code, "merged" | "divided")}}``; a ward split between several new
    communes maps to the one the mapping names as its default.  None when the
    package is not installed or its tables are not as expected."""
    try:
        import importlib.metadata as md

        from vietnamadminunits.converter import converter_2025 as conv
        from vietnamadminunits.database import query
    except Exception:  # noqa: BLE001 - optional; area overlap is the rule without it
        return None
    try:
        legacy = query("SELECT provinceKey, districtKey, wardKey, wardCode, ward, wardShort "
                       "FROM admin_units_legacy")
        new = query("SELECT provinceKey, wardKey, wardCode, ward, wardShort FROM admin_units")
        old_by_key: dict[str, str] = {}
        old_names: dict[str, set[str]] = {}
        seen: dict[str, int] = {}
        for r in legacy:
            code = str(r["wardCode"] or "").strip()
            if not code:
                continue
            seen[code] = seen.get(code, 0) + 1
            old_by_key[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = code
            old_names.setdefault(code, set()).update(
                name_key(x) for x in (r["ward"], r["wardShort"]) if x)
        new_by_key = {(r["provinceKey"], r["wardKey"]): str(r["wardCode"]).strip() for r in new if r["wardCode"]}
        new_names: dict[str, set[str]] = {}
        for r in new:
            new_names.setdefault(str(r["wardCode"]).strip(), set()).update(
                name_key(x) for x in (r["ward"], r["wardShort"]) if x)
        mapping: dict[str, tuple[str, str]] = {}
        for prov, wards in conv.DICT_PROVINCE_WARD_NO_DIVIDED.items():
            for ward_key, old_keys in wards.items():
                to = new_by_key.get((prov, ward_key))
                for k in old_keys:
                    frm = old_by_key.get(k)
                    if to and frm and seen.get(frm) == 1:
                        mapping.setdefault(frm, (to, "merged"))
        for prov, olds in conv.DICT_PROVINCE_WARD_DIVIDED.items():
            for k, targets in olds.items():
                frm = old_by_key.get(k)
                default = next((t["newWardKey"] for t in targets if t.get("isDefaultNewWard")), None)
                to = new_by_key.get((prov, default)) if default else None
                if to and frm and seen.get(frm) == 1:
                    mapping.setdefault(frm, (to, "divided"))
        try:
            version = md.version("vietnamadminunits")
        except md.PackageNotFoundError:  # pragma: no cover
            version = "?"
    except Exception:  # noqa: BLE001 - a changed package: fall back to area overlap
        log.warning("vietnamadminunits tables not as expected; using area overlap only", exc_info=True)
        return None
    return {"version": version, "old": old_names, "new": new_names, "map": mapping}


def gso_match(table: pd.DataFrame, names: dict[str, set[str]]) -> float:
    """Share of the areas (``code``, ``name``) whose code is in ``names`` with a
    matching name (diacritics, case and spaces ignored)."""
    if table.empty:
        return 0.0
    ok = 0
    for code, nm in zip(table["code"].astype(str), table["name"]):
        keys = names.get(code)
        if keys and name_key(nm) in keys:
            ok += 1
    return ok / len(table)


def official_crosswalk(db: sqlite_utils.Database, old_set: int, new_set: int) -> dict:
    """Write the official 2025 old→new mapping into the crosswalk ``old_set → new_set``.

    Applies when ``old_set`` is a pre-2025 commune set and ``new_set`` a commune
    set of the reform (by their valid-from dates), both with GSO codes (at
    least :data:`GSO_MATCH` of their areas have a code and name found in the
    official lists), and ``vietnamadminunits`` is installed.  Then, for every
    old commune the mapping knows whose new commune is in ``new_set``:

    - merged whole into one new commune: the crosswalk says so (share 1; area
      overlap between files drawn differently no longer decides);
    - split between several: the area-overlap shares are kept; when none is a
      majority, the default new commune of the official mapping is made it.

    Rows of other codes keep the area-overlap shares (built here with
    :func:`geo.assign.build_crosswalk`).  The decision is stored in ``meta``
    (``crosswalk_source:OLD:NEW``, see :func:`crosswalk_source`).  Runs in one
    transaction (the import's, when called inside it).  Returns
    ``{"applied": bool, "reason", "merged", "divided", ...}``.
    """
    old_set, new_set = int(old_set), int(new_set)
    info: dict = {"applied": False, "from_set": old_set, "to_set": new_set}
    so, sn = areas.get_set(db, old_set), areas.get_set(db, new_set)
    if so.level != "commune" or sn.level != "commune":
        info["reason"] = "not communes"
        return info
    if (sn.valid_from and sn.valid_from < REFORM_DAY) or (so.valid_from and so.valid_from >= REFORM_DAY):
        info["reason"] = "not across the 2025 reform"
        return info
    official = official_2025_mapping()
    if official is None:
        info["reason"] = f"{OFFICIAL_SOURCE} not installed"
        return info
    ta, tb = areas.area_table(db, old_set), areas.area_table(db, new_set)
    ma, mb = gso_match(ta, official["old"]), gso_match(tb, official["new"])
    info.update(old_match=round(ma, 3), new_match=round(mb, 3))
    if ma < GSO_MATCH or mb < GSO_MATCH:
        info["reason"] = "codes are not GSO codes"
        store.set_meta(db, f"crosswalk_source:{old_set}:{new_set}", json.dumps(info, ensure_ascii=False))
        return info
    new_codes = set(tb["code"].astype(str))
    assign.build_crosswalk(db, old_set, new_set)          # the area-overlap shares first
    cw = pd.read_sql_query("SELECT from_code, to_code, share FROM crosswalk WHERE from_set = ? AND to_set = ?",
                           db.conn, params=[old_set, new_set])
    best = cw.groupby("from_code")["share"].max().to_dict() if len(cw) else {}
    merged, divided, changed = 0, 0, []
    with store.transaction(db) as conn:
        for code in ta["code"].astype(str):
            hit = official["map"].get(code)
            if hit is None or hit[0] not in new_codes:
                continue
            to, kind = hit
            if kind == "merged":
                rows = cw[cw["from_code"] == code]
                geo_best = rows.sort_values("share").iloc[-1]["to_code"] if len(rows) else None
                if geo_best != to or best.get(code, 0) <= assign.MAJORITY:
                    changed.append(code)
                conn.execute("DELETE FROM crosswalk WHERE from_set = ? AND to_set = ? AND from_code = ?",
                             (old_set, new_set, code))
                conn.execute("INSERT INTO crosswalk (from_set, from_code, to_set, to_code, share) "
                             "VALUES (?, ?, ?, ?, 1.0)", (old_set, code, new_set, to))
                merged += 1
            else:
                divided += 1
                if best.get(code, 0) > assign.MAJORITY:
                    continue
                share = float(cw.loc[(cw["from_code"] == code) & (cw["to_code"] == to), "share"].max()
                              if len(cw) else 0.0)
                share = max(0.0 if np.isnan(share) else share, assign.MAJORITY + 1e-6)
                conn.execute("INSERT OR REPLACE INTO crosswalk (from_set, from_code, to_set, to_code, share) "
                             "VALUES (?, ?, ?, ?, ?)", (old_set, code, new_set, to, round(share, 6)))
                changed.append(code)
        info.update(applied=True, reason="official 2025 mapping", source=f"{OFFICIAL_SOURCE} {official['version']}",
                    merged=merged, divided=divided, changed=changed[:200], changed_count=len(changed))
        store.set_meta(db, f"crosswalk_source:{old_set}:{new_set}", json.dumps(info, ensure_ascii=False))
    return info


def crosswalk_source(db: sqlite_utils.Database, from_set: int, to_set: int) -> dict | None:
    """How the crosswalk ``from_set → to_set`` was made, as stored by
    :func:`official_crosswalk` (None: area overlap only)."""
    raw = store.get_meta(db, f"crosswalk_source:{int(from_set)}:{int(to_set)}")
    return json.loads(raw) if raw else None


# --------------------------------------------------------------------------- #
# Comparing two sets
# --------------------------------------------------------------------------- #
STATUSES = ("unchanged", "changed", "renamed", "renamed_changed", "removed", "added")


def _same_name(a, b) -> bool:
    def norm(x):
        return " ".join(str(x).split()).casefold() if isinstance(x, str) else ""
    return norm(a) == norm(b)


def compare_sets(db: sqlite_utils.Database, a: int, b: int, *, tolerance: float = 0.01) -> pd.DataFrame:
    """Area by area, what changed from set ``a`` to set ``b`` (matched by code).

    One row per code of either set: ``code``, ``status`` (``unchanged``,
    ``changed`` (outline), ``renamed``, ``renamed_changed``, ``removed`` (only
    in ``a``), ``added`` (only in ``b``)), ``name_a``, ``name_b``,
    ``area_a_km2``, ``area_b_km2``, ``overlap`` (intersection over union of
    the two outlines, for codes in both), and for added/removed areas the
    area of the other set covering most of it: ``match_code``, ``match_name``,
    ``match_share`` (share of this area inside it).  An outline counts as
    changed when more than ``tolerance`` of the union differs."""
    A = areas.load_areas(db, int(a))
    B = areas.load_areas(db, int(b))
    ga = dict(zip(A["code"], A.geometry.values))
    gb = dict(zip(B["code"], B.geometry.values))
    na, nb = dict(zip(A["code"], A["name"])), dict(zip(B["code"], B["name"]))
    ka, kb = dict(zip(A["code"], A["area_km2"])), dict(zip(B["code"], B["area_km2"]))
    both = sorted(set(ga) & set(gb))
    only_a = sorted(set(ga) - set(gb))
    only_b = sorted(set(gb) - set(ga))
    rows = []
    if both:
        g1 = np.array([ga[c] for c in both], dtype=object)
        g2 = np.array([gb[c] for c in both], dtype=object)
        inter = shapely.area(shapely.intersection(g1, g2))
        union = shapely.area(shapely.union(g1, g2))
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 1.0)
        for c, o in zip(both, iou):
            changed = (1.0 - o) > tolerance
            renamed = not _same_name(na[c], nb[c])
            status = ("renamed_changed" if renamed and changed else "renamed" if renamed
                      else "changed" if changed else "unchanged")
            rows.append({"code": c, "status": status, "name_a": na[c], "name_b": nb[c],
                         "area_a_km2": ka[c], "area_b_km2": kb[c], "overlap": round(float(o), 4),
                         "match_code": None, "match_name": None, "match_share": None})

    def best_match(codes, src, other_geoms, other_codes, other_names):
        out = {}
        if not codes or not len(other_codes):
            return out
        geoms = np.array([src[c] for c in codes], dtype=object)
        tree = shapely.STRtree(other_geoms)
        i, j = tree.query(geoms, predicate="intersects")
        if not len(i):
            return out
        share = shapely.area(shapely.intersection(geoms[i], other_geoms[j])) / np.maximum(
            shapely.area(geoms[i]), 1e-18)
        for ii, jj, s in zip(i, j, share):
            if s > out.get(codes[ii], (None, None, 0.0))[2]:
                out[codes[ii]] = (other_codes[jj], other_names[jj], float(s))
        return out

    mb = best_match(only_a, ga, np.asarray(B.geometry.values, dtype=object), B["code"].to_numpy(),
                    B["name"].to_numpy())
    ma = best_match(only_b, gb, np.asarray(A.geometry.values, dtype=object), A["code"].to_numpy(),
                    A["name"].to_numpy())
    for c in only_a:
        m = mb.get(c, (None, None, None))
        rows.append({"code": c, "status": "removed", "name_a": na[c], "name_b": None, "area_a_km2": ka[c],
                     "area_b_km2": None, "overlap": None, "match_code": m[0], "match_name": m[1],
                     "match_share": None if m[2] is None else round(m[2], 4)})
    for c in only_b:
        m = ma.get(c, (None, None, None))
        rows.append({"code": c, "status": "added", "name_a": None, "name_b": nb[c], "area_a_km2": None,
                     "area_b_km2": kb[c], "overlap": None, "match_code": m[0], "match_name": m[1],
                     "match_share": None if m[2] is None else round(m[2], 4)})
    cols = ["code", "status", "name_a", "name_b", "area_a_km2", "area_b_km2", "overlap", "match_code",
            "match_name", "match_share"]
    df = pd.DataFrame(rows, columns=cols)
    if len(df):
        order = {s: i for i, s in enumerate(STATUSES)}
        df = df.sort_values(["status", "code"], key=lambda s: s.map(order) if s.name == "status" else s)
    return df.reset_index(drop=True)


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """Number of areas of each status in a :func:`compare_sets` table."""
    counts = changes["status"].value_counts().to_dict() if len(changes) else {}
    return {s: int(counts.get(s, 0)) for s in STATUSES}
