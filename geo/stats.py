"""Every figure per area, defined once.

The map, the CompStat table, the CLI (``python -m geo stats``) and exports all
read :func:`area_stats`.  Definitions (also in the README):

- a period is [start, end], both days included; the previous period is the
  same number of days just before ``start``; last year is the same dates one
  year earlier;
- an incident belongs to an area of a boundary set when its point lies in it,
  or, with no point, through its area code (mapped through the crosswalk when
  the code belongs to another set) — see :mod:`geo.assign`;
- ``change = incidents - incidents_prev``; ``change_pct = 100·change/prev``
  (null when prev = 0); ``z = 2(√incidents − √incidents_prev)``, |z| ≥ 2 marks
  a real change;
- a group is active on a day when ``founded_on ≤ day`` and (``dissolved_on`` is
  empty or later); a village is covered when it has an active group of the
  selected model types on ``end``; ``coverage_pct`` = covered / villages × 100;
- a camera is active on a day when ``installed_on ≤ day`` and (``removed_on``
  is empty or later); ``camera_area_pct`` and ``incidents_in_camera_view_pct``
  are defined and computed in :mod:`geo.coverage`.

Incidents are held in memory as numpy arrays, loaded once per database
revision, so any filter is a few vectorised passes (no SQL per rerun).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlite_utils

from . import areas, store, vocab
from .periods import Period

EPOCH = dt.date(1970, 1, 1)
STAT_FIELDS = ("code", "name", "incidents", "incidents_prev", "incidents_last_year", "change",
               "change_pct", "z", "groups_active", "villages", "villages_covered", "coverage_pct",
               "cameras_active", "camera_area_pct", "incidents_in_camera_view_pct", "placed")
Z_REAL = 2.0
# At village level, the records of a commune that are in no village of it (they carry only the
# commune's code, or their point is in no village of the commune) are one row per commune, coded
# ``<commune code>~0`` with ``placed`` False: the village rows then add up to the
# commune rows, for any filter.
UNPLACED_SUFFIX = "~0"
UNPLACED_LABEL = {"vi": "Chưa xác định thôn", "en": "Village not known"}

DEFINITIONS = {
    "vi": """
- **Kỳ báo cáo** [từ ngày, đến ngày], tính cả hai ngày. **Kỳ trước**: cùng số ngày ngay trước ngày bắt đầu.
  **Cùng kỳ năm trước**: cùng các ngày đó của năm trước.
- **Vụ việc của một địa bàn**: vụ việc trong kỳ có tọa độ nằm trong địa bàn (theo bộ ranh giới đang xem);
  vụ việc không có tọa độ được tính theo mã địa bàn, quy đổi qua bảng tương ứng khi mã thuộc bộ ranh giới khác.
- **Tăng/giảm** = vụ việc − kỳ trước; **%** = 100 × tăng/giảm ÷ kỳ trước (trống khi kỳ trước = 0);
  **z** = 2 × (√vụ việc − √kỳ trước); |z| ≥ 2 là thay đổi thực sự.
- **Mô hình đang hoạt động** vào một ngày: ngày thành lập ≤ ngày đó và chưa giải thể (hoặc giải thể sau ngày đó).
  **Thôn/TDP có mô hình**: có ít nhất một mô hình (thuộc các loại đã chọn) hoạt động vào ngày cuối kỳ.
  **Tỷ lệ phủ** = thôn có mô hình ÷ số thôn × 100. Thôn không có mô hình nào: **vùng trắng**.
- **Camera đang hoạt động** vào một ngày: ngày lắp đặt ≤ ngày đó và chưa tháo (hoặc tháo sau ngày đó).
  **Diện tích có camera (%)** = phần diện tích địa bàn nằm trong bán kính quan sát của ít nhất một camera
  hoạt động vào ngày cuối kỳ (hợp các hình tròn, tính trong hệ tọa độ mét đồng diện tích).
  **Vụ việc trong vùng camera (%)** = tỷ lệ vụ việc có tọa độ trong kỳ nằm trong bán kính của một camera
  đang hoạt động vào đúng ngày xảy ra vụ việc (trống khi kỳ không có vụ việc có tọa độ).
- **Tỷ lệ trên 1.000 dân** = vụ việc ÷ dân số × 1.000 (trống khi chưa có dân số).
- **Điểm nóng (Gi\\*)**: thống kê Getis-Ord Gi\\* trên số vụ việc của các thôn, láng giềng là các thôn chung ranh giới
  (kể cả chính thôn đó); điểm nóng (z > 0) hoặc điểm lạnh (z < 0) với độ tin cậy 90 / 95 / 99 % khi giá trị p hai phía
  dưới ngưỡng của α = 0,10 / 0,05 / 0,01 đã hiệu chỉnh kiểm định bội theo tỷ lệ phát hiện sai (FDR, Benjamini–Hochberg);
  thôn có ít hơn số vụ tối thiểu (mặc định 5) không được xét.
- **Chưa xác định thôn**: ở cấp thôn, vụ việc (mô hình, camera) của một xã không nằm trong thôn nào của xã (chỉ có mã xã)
  là một dòng riêng của xã đó; tổng các dòng cấp thôn bằng tổng cấp xã.
- Loại vụ việc, loại mô hình, lực lượng nòng cốt không có trong danh mục được tính là **Khác** (giữ nguyên văn bản gốc).
""",
    "en": """
- **Period** [from, to], both days included. **Previous period**: the same number of days just before `from`.
  **Same period last year**: the same calendar dates one year earlier.
- **Incidents of an area**: incidents in the period whose point lies in the area (in the boundary set shown);
  incidents with no point count in the area of their area code, mapped through the crosswalk when the code
  belongs to another set.
- **Change** = incidents − previous; **%** = 100 × change ÷ previous (empty when previous = 0);
  **z** = 2 × (√incidents − √previous); |z| ≥ 2 marks a real change.
- A **group is active** on a day when founded on or before it and not dissolved (or dissolved later).
  A **village is covered** when it has at least one active group of the selected model types on the last day.
  **Coverage** = covered villages ÷ villages × 100. Villages with no group at all are "vùng trắng".
- A **camera is active** on a day when installed on or before it and not removed (or removed later).
  **Camera area (%)** = share of the area's surface within the radius of at least one camera active on the
  last day (union of the discs, computed in an equal-area metric projection).
  **Incidents in camera view (%)** = share of the period's incidents with a point that lie within the radius
  of a camera active on the incident's own date (empty when the period has no incident with a point).
- **Rate per 1,000 residents** = incidents ÷ population × 1,000 (empty when the population is unknown).
- **Hot spots (Gi\\*)**: Getis-Ord Gi\\* on incident counts per village, neighbours being the villages sharing a
  border (and the village itself); a hot (z > 0) or cold (z < 0) spot at 90 / 95 / 99 % confidence when the
  two-sided p-value is below the cut-off of α = 0.10 / 0.05 / 0.01 corrected for multiple testing by the false
  discovery rate (FDR, Benjamini–Hochberg); villages with fewer incidents than the minimum (default 5) are not tested.
- **Village not known**: at village level, a commune's incidents (groups, cameras) in none of its villages (only
  the commune's code) are one row of that commune; the village rows add up to the commune level.
- Incident categories, model types and core forces not in the lists count as **Other** (the text as written is kept).
""",
}


def day_number(d: dt.date | str) -> int:
    d = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
    return (d - EPOCH).days


def _days(series: pd.Series) -> np.ndarray:
    """ISO date strings (optionally with a time) → day numbers; bad/missing → -1."""
    s = pd.to_datetime(series.astype("string").str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    out = ((s - pd.Timestamp(EPOCH)).dt.days).to_numpy(dtype="float64")
    return np.where(np.isnan(out), -1, out).astype(np.int32)


@dataclass
class RecordTables:
    """The records of one database revision, in memory."""
    revision: int
    inc_ids: pd.Index
    inc_day: np.ndarray
    inc_cat: np.ndarray            # index into vocab.CATEGORIES.codes (unknown → khac)
    inc_lon: np.ndarray
    inc_lat: np.ndarray
    groups: pd.DataFrame
    cameras: pd.DataFrame
    _area_idx: dict = field(default_factory=dict)   # (kind, set_id) → (codes, idx per record)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Figures derived from these records once (camera discs, incidents in camera view, month
    # and week numbers…): see :meth:`derived`.  They live and die with this revision.
    _derived: dict = field(default_factory=dict)
    _derived_lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def inc_has_point(self) -> np.ndarray:
        return self.derived("has_point", lambda: np.isfinite(self.inc_lon) & np.isfinite(self.inc_lat))

    def derived(self, key, build):
        """``build()`` computed once per revision and kept under ``key``."""
        v = self._derived.get(key)
        if v is None:
            with self._derived_lock:
                v = self._derived.get(key)
                if v is None:
                    v = build()
                    self._derived[key] = v
        return v

    def incident_areas(self, db, set_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes of the set, index into codes for each incident, -1 when none)."""
        return self._areas(db, "incident", set_id, self.inc_ids)

    def _areas(self, db, kind, set_id, ids: pd.Index):
        key = (kind, int(set_id))
        with self._lock:
            if key not in self._area_idx:
                codes = areas.area_table(db, set_id)["code"].to_numpy()
                ra = pd.read_sql_query(
                    "SELECT record_id, code FROM record_areas WHERE kind = ? AND set_id = ?",
                    db.conn, params=[kind, int(set_id)])
                idx = np.full(len(ids), -1, dtype=np.int32)
                pos = ids.get_indexer(ra["record_id"])
                cpos = pd.Index(codes).get_indexer(ra["code"])
                ok = (pos >= 0) & (cpos >= 0)
                idx[pos[ok]] = cpos[ok]
                self._area_idx[key] = (codes, idx)
            return self._area_idx[key]


_tables: dict[str, RecordTables] = {}
_tables_lock = threading.Lock()


def _db_file(db: sqlite_utils.Database) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


_pinned = threading.local()


@contextlib.contextmanager
def snapshot(db: sqlite_utils.Database):
    """Inside this block every :func:`record_tables` call of this thread on this
    database returns the same tables, even if a write lands meanwhile: one
    figure is never computed from two data revisions."""
    pins = getattr(_pinned, "tables", None)
    if pins is None:
        pins = _pinned.tables = {}
    key = _db_file(db)
    if key in pins:  # nested: keep the outer snapshot
        yield pins[key]
        return
    pins[key] = record_tables(db)
    try:
        yield pins[key]
    finally:
        del pins[key]


def consistent(fn):
    """Decorator: run ``fn(db, ...)`` on one snapshot of the records."""
    @functools.wraps(fn)
    def wrapper(db, *args, **kwargs):
        with snapshot(db):
            return fn(db, *args, **kwargs)
    return wrapper


def record_tables(db: sqlite_utils.Database) -> RecordTables:
    """The in-memory records for the database's current revision (loaded once)."""
    key = _db_file(db)
    pinned = getattr(_pinned, "tables", None)
    if pinned and key in pinned:
        return pinned[key]
    rev = store.revision(db)
    with _tables_lock:
        t = _tables.get(key)
        if t is not None and t.revision == rev:
            return t
    inc = pd.read_sql_query(
        "SELECT id, occurred_on, category, lon, lat FROM incidents WHERE deleted_at IS NULL", db.conn)
    cat_index = {c: i for i, c in enumerate(vocab.CATEGORIES.codes)}
    other = cat_index["khac"]
    groups = pd.read_sql_query(
        "SELECT id, name, model_type, village_code, founded_on, dissolved_on, members, core_force "
        "FROM groups WHERE deleted_at IS NULL", db.conn)
    groups["model_type"] = groups["model_type"].map(vocab.MODEL_TYPES.normalize)
    groups["core_force"] = groups["core_force"].map(vocab.CORE_FORCES.normalize)   # none stated: khác
    groups["start"] = _days(groups["founded_on"])
    groups["stop"] = _days(groups["dissolved_on"])
    cams = pd.read_sql_query(
        "SELECT id, lon, lat, installed_on, removed_on, radius_m, connected_to_police, owner "
        "FROM cameras WHERE deleted_at IS NULL", db.conn)
    cams["start"] = _days(cams["installed_on"])
    cams["stop"] = _days(cams["removed_on"])
    t = RecordTables(
        revision=rev,
        inc_ids=pd.Index(inc["id"]),
        inc_day=_days(inc["occurred_on"]),
        inc_cat=inc["category"].map(cat_index).fillna(other).to_numpy(dtype=np.int8),
        inc_lon=inc["lon"].to_numpy(dtype=float),
        inc_lat=inc["lat"].to_numpy(dtype=float),
        groups=groups,
        cameras=cams,
    )
    with _tables_lock:
        _tables[key] = t
    return t


def active_mask(start: np.ndarray, stop: np.ndarray, day: int) -> np.ndarray:
    """Active on ``day``: started on or before it, and not stopped by it (stop empty = -1)."""
    return (start >= 0) & (start <= day) & ((stop < 0) | (stop > day))


def category_mask(t: RecordTables, categories) -> np.ndarray:
    """Incidents of the given category codes (none given: all)."""
    if not categories:
        return np.ones(len(t.inc_cat), dtype=bool)
    lut = np.zeros(len(vocab.CATEGORIES), dtype=bool)
    lut[[vocab.CATEGORIES.codes.index(c) for c in categories if c in vocab.CATEGORIES]] = True
    return lut[t.inc_cat]


def unplaced_code(commune_code: str) -> str:
    """The row code of a commune's records placed in no village of it (see :data:`UNPLACED_SUFFIX`)."""
    return f"{commune_code}{UNPLACED_SUFFIX}"


def unplaced_commune(code) -> str | None:
    """The commune code of an unplaced row's code, None for any other code."""
    if isinstance(code, str) and code.endswith(UNPLACED_SUFFIX):
        return code[: -len(UNPLACED_SUFFIX)]
    return None


def unplaced_parent_set(db, set_id: int):
    """The set (communes) above a village set whose unplaced rows :func:`area_stats` adds,
    None when ``set_id`` is not a village set with a parent set.  Kept per data revision."""
    t = record_tables(db)
    return t.derived(("unplaced_parent", int(set_id)), lambda: (_unplaced_parent_set(db, int(set_id)),))[0]


def _unplaced_parent_set(db, set_id: int):
    s = areas.get_set(db, set_id)
    if s.level != "village" or s.parent_set_id is None:
        return None
    return areas.get_set(db, s.parent_set_id)


def row_index(db, set_id: int, kind: str = "incident") -> tuple[np.ndarray, np.ndarray]:
    """(row codes, row index of each record of ``kind``, -1 when none) on ``set_id``.

    On most sets the rows are the set's areas (the placement of :mod:`geo.assign`).  On a
    village set with a parent set the rows are the villages, then one unplaced row per area
    of the parent set; a record counts through its placement in the parent set: in its
    village when that village lies in that commune, else in the commune's unplaced row.  So
    every record counted at commune level is counted exactly once at village level."""
    set_id = int(set_id)
    t = record_tables(db)
    ids = t.inc_ids if kind == "incident" else pd.Index((t.groups if kind == "group" else t.cameras)["id"])
    return t.derived(("row_index", kind, set_id), lambda: _row_index(db, t, kind, set_id, ids))


def _row_index(db, t, kind, set_id, ids):
    codes_v, idx_v = t._areas(db, kind, set_id, ids)
    pset = unplaced_parent_set(db, set_id)
    if pset is None:
        return codes_v, idx_v
    codes_p, idx_p = t._areas(db, kind, pset.id, ids)
    vtab = set_table(db, set_id)
    vpar = pd.Index(codes_p).get_indexer(vtab["parent_code"])
    vpar_of = pd.Series(vpar, index=vtab["code"].to_numpy()).reindex(codes_v).fillna(-1).to_numpy(dtype=np.int64)
    inside = (idx_v >= 0) & (idx_p >= 0) & (vpar_of[np.clip(idx_v, 0, None)] == idx_p)
    ext = np.where(inside, idx_v, np.where(idx_p >= 0, len(codes_v) + idx_p, -1)).astype(np.int32)
    codes = np.concatenate([np.asarray(codes_v, dtype=object),
                            np.array([unplaced_code(c) for c in codes_p], dtype=object)])
    return codes, ext


def row_codes_within(db, set_id: int, area: str) -> set[str]:
    """Row codes of ``set_id`` (see :func:`row_index`) that are ``area`` or lie inside it."""
    out = set(codes_within(db, set_id, area))
    pset = unplaced_parent_set(db, set_id)
    if pset is not None:
        out |= {unplaced_code(c) for c in codes_within(db, pset.id, area)}
    return out


def row_scope(db, user, set_id: int) -> set[str] | None:
    """Row codes of ``set_id`` the user (or their :class:`geo.scope.Scope`) may see (None:
    all): their areas and, at village level, the unplaced rows of the communes in their area."""
    from . import scope as scope_mod
    who = scope_mod.resolve(db, user)
    allowed = who.codes(db, set_id)
    if allowed is None:
        return None
    pset = unplaced_parent_set(db, set_id)
    if pset is not None:
        allowed = set(allowed) | {unplaced_code(c) for c in (who.codes(db, pset.id) or ())}
    return allowed


def incident_counts(db, set_id: int, period: Period, categories=None, *, _mask=None) -> pd.Series:
    """Incidents per row of the set in the period (every row, zeros included): per area,
    and at village level per commune's unplaced row too (see :func:`row_index`)."""
    t = record_tables(db)
    codes, idx = row_index(db, set_id)
    base = (category_mask(t, categories) & (idx >= 0)) if _mask is None else _mask
    m = base & (t.inc_day >= day_number(period.start)) & (t.inc_day <= day_number(period.end))
    return pd.Series(np.bincount(idx[m], minlength=len(codes)), index=codes, dtype="int64")


def set_table(db, set_id: int) -> pd.DataFrame:
    """:func:`geo.areas.area_table`, read once per data revision (do not modify it)."""
    t = record_tables(db)
    return t.derived(("area_table", int(set_id)), lambda: areas.area_table(db, int(set_id)))


def village_set_for(db, set_id: int):
    """The village set whose villages count toward the areas of ``set_id``: the set itself
    (village level), its child village set, else the current village set (via the crosswalk)."""
    s = areas.get_set(db, set_id)
    if s.level == "village":
        return s
    kid = areas.child_set(db, set_id)
    if kid is not None and kid.level == "village":
        return kid
    return areas.current_set(db, "village")


def village_parents(db, set_id: int) -> pd.Series:
    """For each village of :func:`village_set_for` ``set_id``: the code of the area of
    ``set_id`` it counts toward (itself at village level).  Kept per data revision."""
    t = record_tables(db)
    return t.derived(("village_parents", int(set_id)), lambda: _village_parents_of(db, int(set_id)))


def _village_parents_of(db, set_id: int) -> pd.Series:
    s = areas.get_set(db, set_id)
    vset = village_set_for(db, set_id)
    if vset is None:
        return pd.Series(dtype=object)
    if vset.id == s.id:
        codes = areas.area_table(db, set_id)["code"]
        return pd.Series(codes.to_numpy(), index=codes.to_numpy())
    if vset.parent_set_id == s.id:
        tab = areas.area_table(db, vset.id)
        return pd.Series(tab["parent_code"].to_numpy(), index=tab["code"].to_numpy())
    from . import assign
    cw = assign.crosswalk_map(db, vset.id, set_id)
    return pd.Series(cw, dtype=object)


_village_parents = village_parents   # former name


@consistent
def area_stats(db: sqlite_utils.Database, set_id: int, period: Period, *, categories=None,
               model_types=None, area: str | None = None, user=None) -> pd.DataFrame:
    """One row per area of ``set_id`` with every figure of :data:`STAT_FIELDS`.

    On a village set with a parent set, each commune whose records are in no village of
    it (only the commune's code, see :func:`row_index`) adds one row with ``placed``
    False, so the rows of every figure counted from records (incidents, groups and
    cameras active) add up to the commune level's, whatever the filter.
    ``area`` limits the rows to that area and the areas inside it (it may be a
    code of this set or of a set above it).  ``user`` (the acting user; None =
    the local administrator): an officer gets only the areas of their own area.
    """
    scope = row_scope(db, user, set_id)
    set_id = int(set_id)
    t = record_tables(db)
    tab = set_table(db, set_id)
    rcodes, ridx = row_index(db, set_id)
    n_areas = len(tab)
    base = category_mask(t, categories) & (ridx >= 0)
    cur = incident_counts(db, set_id, period, _mask=base)
    prev = incident_counts(db, set_id, period.previous(), _mask=base)
    last = incident_counts(db, set_id, period.last_year(), _mask=base)
    extra = rcodes[n_areas:] if len(rcodes) > len(tab) else np.array([], dtype=object)
    pset = unplaced_parent_set(db, set_id)
    extra_names = []
    if len(extra):
        pnames = set_table(db, pset.id).set_index("code")["name"]
        extra_names = [f"{UNPLACED_LABEL['vi']} ({pnames.get(unplaced_commune(c), unplaced_commune(c))})"
                       for c in extra]
    df = pd.DataFrame({"code": np.concatenate([tab["code"].to_numpy(dtype=object), extra]),
                       "name": np.concatenate([tab["name"].to_numpy(dtype=object),
                                               np.array(extra_names, dtype=object)])})
    df["placed"] = np.arange(len(df)) < n_areas
    df["incidents"] = cur.reindex(df["code"]).to_numpy()
    df["incidents_prev"] = prev.reindex(df["code"]).to_numpy()
    df["incidents_last_year"] = last.reindex(df["code"]).to_numpy()
    df["change"] = df["incidents"] - df["incidents_prev"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * df["change"] / df["incidents_prev"].where(df["incidents_prev"] > 0)
    df["change_pct"] = pct.round(1)
    df["z"] = (2.0 * (np.sqrt(df["incidents"]) - np.sqrt(df["incidents_prev"]))).round(2)

    end = day_number(period.end)
    g = t.groups
    gmask = active_mask(g["start"].to_numpy(), g["stop"].to_numpy(), end)
    if model_types:
        gmask &= g["model_type"].isin(list(model_types)).to_numpy()
    active = g[gmask]
    gcodes, gidx = row_index(db, set_id, "group")
    gi = gidx[gmask]
    df["groups_active"] = np.bincount(gi[gi >= 0], minlength=len(gcodes))[
        pd.Index(gcodes).get_indexer(df["code"])]

    parents = village_parents(db, set_id)
    villages = parents.value_counts()
    covered_villages = set(active["village_code"].dropna())
    cov = parents[parents.index.isin(covered_villages)].value_counts()
    df["villages"] = villages.reindex(df["code"]).fillna(0).astype("int64").to_numpy()
    df["villages_covered"] = cov.reindex(df["code"]).fillna(0).astype("int64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        df["coverage_pct"] = (100.0 * df["villages_covered"] / df["villages"].where(df["villages"] > 0)).round(1)

    c = t.cameras
    cmask = active_mask(c["start"].to_numpy(), c["stop"].to_numpy(), end)
    ccodes, cidx = row_index(db, set_id, "camera")
    ci = cidx[cmask]
    df["cameras_active"] = np.bincount(ci[ci >= 0], minlength=len(ccodes))[
        pd.Index(ccodes).get_indexer(df["code"])]
    from . import coverage
    df["camera_area_pct"] = coverage.camera_area_pct(db, set_id, period.end).reindex(df["code"]).round(2).to_numpy()
    df["incidents_in_camera_view_pct"] = (
        coverage.in_view_pct(db, set_id, period, categories).reindex(df["code"]).round(1).to_numpy())

    if len(extra):   # an unplaced row is listed only when it holds something
        holds = df[["incidents", "incidents_prev", "incidents_last_year", "groups_active",
                    "cameras_active"]].sum(axis=1) > 0
        df = df[df["placed"] | holds]
    if area:
        df = df[df["code"].isin(row_codes_within(db, set_id, area))]
    if scope is not None:
        df = df[df["code"].isin(scope)]
    return df[list(STAT_FIELDS)].reset_index(drop=True)


def codes_within(db, set_id: int, area: str) -> set[str]:
    """Codes of ``set_id`` that are ``area`` or lie inside it.

    ``area`` may belong to ``set_id`` or to any ancestor set (walking parent codes),
    else areas whose majority lies in it are taken (crosswalk)."""
    set_id = int(set_id)
    chain = [areas.get_set(db, set_id)]
    while chain[-1].parent_set_id is not None:
        chain.append(areas.get_set(db, chain[-1].parent_set_id))
    tables = {s.id: areas.area_table(db, s.id) for s in chain}
    for depth, s in enumerate(chain):
        if area in set(tables[s.id]["code"]):
            wanted = {area}
            for below in reversed(chain[:depth]):  # walk down to set_id
                tb = tables[below.id]
                wanted = set(tb.loc[tb["parent_code"].isin(wanted), "code"])
            return wanted
    # a code of another, unrelated set (e.g. an old district): by majority overlap
    from . import assign
    for code_set in assign._code_sets(db).get(area, []):
        cw = assign.build_crosswalk(db, set_id, code_set)
        return set(cw.loc[(cw["to_code"] == area) & (cw["share"] > assign.MAJORITY), "from_code"])
    return set()


def format_number(v, decimals: int = 0, lang: str = "vi") -> str:
    """Numbers as shown: Vietnamese 1.234,5 (English 1,234.5); '–' for null (geo.numfmt)."""
    from .numfmt import fmt_number
    if v is pd.NA:
        return "–"
    return fmt_number(v, decimals, lang)