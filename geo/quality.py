"""Data quality: how many records have each known problem, and which ones.

Each check is one SQL condition on one record table, so a count and the list
behind it (:func:`counts`, :func:`records`) can never disagree.  Soft-deleted
records are left out.  The checks:

- ``no_coordinates`` — cameras and incidents without a point (incidents with
  only an area code are placed through it, but cannot be mapped as points);
- ``no_village`` — groups without a village code;
- ``outside`` — records with a point that lies in no area of the boundary sets
  in use (default: every set); they are kept, never dropped;
- ``unknown_code`` — a village/area code that is in no boundary set;
- ``unknown_vocab`` — a category or model type not in :mod:`geo.vocab`
  (shown as "Khác");
- ``duplicates`` — probable duplicates: incidents of the same day and category
  at the same place (points within ~10 m, or the same area code), cameras at the
  same point (~1 m), groups with the same name, village and model type; every
  record of such a cluster is counted;
- ``future_dates`` — a date after today;
- ``date_order`` — dissolved before founded, removed before installed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from . import auth, vocab

KINDS = ("groups", "cameras", "incidents")
_AREA_KIND = {"groups": "group", "cameras": "camera", "incidents": "incident"}


@dataclass(frozen=True)
class Check:
    key: str
    kind: str           # groups / cameras / incidents
    vi: str
    en: str
    where: str          # SQL condition on the table aliased ``t``; may use :today and {sets}

    def label(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


def _in(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


_NO_POINT = "(t.lon IS NULL OR t.lat IS NULL)"
_OUTSIDE = ("t.lon IS NOT NULL AND t.lat IS NOT NULL AND NOT EXISTS (SELECT 1 FROM record_areas ra "
            "WHERE ra.kind = '{akind}' AND ra.set_id IN ({sets}) AND ra.record_id = t.id)")
_UNKNOWN_CODE = "t.{col} IS NOT NULL AND t.{col} NOT IN (SELECT code FROM areas)"
_DUP = ("t.id IN (SELECT id FROM (SELECT id, count(*) OVER (PARTITION BY {key}) AS n FROM {table} "
        "WHERE deleted_at IS NULL AND {key} IS NOT NULL) WHERE n > 1)")
_INC_KEY = ("substr(occurred_on, 1, 10) || '|' || category || '|' || "
            "CASE WHEN lon IS NOT NULL AND lat IS NOT NULL THEN printf('%.4f,%.4f', lon, lat) "
            "ELSE 'code:' || area_code END")       # NULL (never a duplicate) with neither
_CAM_KEY = "CASE WHEN lon IS NOT NULL AND lat IS NOT NULL THEN printf('%.5f,%.5f', lon, lat) END"
_GRP_KEY = "lower(trim(name)) || '|' || coalesce(village_code, '') || '|' || model_type"

CHECKS: tuple[Check, ...] = (
    Check("no_coordinates", "incidents", "Vụ việc không có tọa độ", "Incidents without coordinates", _NO_POINT),
    Check("no_coordinates", "cameras", "Camera không có tọa độ", "Cameras without coordinates", _NO_POINT),
    Check("no_village", "groups", "Mô hình không có mã thôn", "Groups without a village code",
          "t.village_code IS NULL"),
    Check("outside", "incidents", "Vụ việc nằm ngoài ranh giới", "Incidents outside the boundaries",
          _OUTSIDE.replace("{akind}", "incident")),
    Check("outside", "cameras", "Camera nằm ngoài ranh giới", "Cameras outside the boundaries",
          _OUTSIDE.replace("{akind}", "camera")),
    Check("unknown_code", "incidents", "Vụ việc có mã địa bàn không xác định", "Incidents with an unknown area code",
          _UNKNOWN_CODE.format(col="area_code")),
    Check("unknown_code", "groups", "Mô hình có mã thôn không xác định", "Groups with an unknown village code",
          _UNKNOWN_CODE.format(col="village_code")),
    Check("unknown_vocab", "incidents", "Vụ việc có loại không có trong danh mục",
          "Incidents with an unknown category", f"t.category NOT IN ({_in(vocab.CATEGORIES.codes)})"),
    Check("unknown_vocab", "groups", "Mô hình có loại không có trong danh mục",
          "Groups with an unknown model type", f"t.model_type NOT IN ({_in(vocab.MODEL_TYPES.codes)})"),
    Check("duplicates", "incidents", "Vụ việc có thể bị trùng", "Possible duplicate incidents",
          _DUP.format(key=_INC_KEY, table="incidents")),
    Check("duplicates", "cameras", "Camera có thể bị trùng", "Possible duplicate cameras",
          _DUP.format(key=_CAM_KEY, table="cameras")),
    Check("duplicates", "groups", "Mô hình có thể bị trùng", "Possible duplicate groups",
          _DUP.format(key=_GRP_KEY, table="groups")),
    Check("future_dates", "incidents", "Vụ việc có ngày ở tương lai", "Incidents dated in the future",
          "substr(t.occurred_on, 1, 10) > :today"),
    Check("future_dates", "cameras", "Camera có ngày ở tương lai", "Cameras with a future date",
          "(t.installed_on > :today OR t.removed_on > :today)"),
    Check("future_dates", "groups", "Mô hình có ngày ở tương lai", "Groups with a future date",
          "(t.founded_on > :today OR t.dissolved_on > :today)"),
    Check("date_order", "cameras", "Camera tháo trước ngày lắp", "Cameras removed before installed",
          "t.removed_on IS NOT NULL AND t.installed_on IS NOT NULL AND t.removed_on < t.installed_on"),
    Check("date_order", "groups", "Mô hình giải thể trước ngày thành lập", "Groups dissolved before founded",
          "t.dissolved_on IS NOT NULL AND t.founded_on IS NOT NULL AND t.dissolved_on < t.founded_on"),
)

CHECK_KEYS = tuple(dict.fromkeys(c.key for c in CHECKS))


def get_check(key: str, kind: str) -> Check:
    for c in CHECKS:
        if c.key == key and c.kind == kind:
            return c
    raise KeyError(f"không có kiểm tra {key} cho {kind} (no check {key!r} for {kind!r})")


def _sql(db, check: Check, select: str, set_ids) -> str:
    if set_ids is None:
        set_ids = [r[0] for r in db.conn.execute("SELECT id FROM boundary_sets")]
    sets = ", ".join(str(int(s)) for s in set_ids) or "NULL"
    where = check.where.replace("{sets}", sets)
    return f"SELECT {select} FROM {check.kind} t WHERE t.deleted_at IS NULL AND ({where})"


def counts(db: sqlite_utils.Database, *, today: dt.date | None = None, set_ids=None,
           lang: str = "vi", user=None) -> pd.DataFrame:
    """One row per check and kind: ``check, kind, label, count`` (zeros included).

    ``set_ids``: the boundary sets a point must fall in (default every set).
    ``user``: an officer counts only the records of their area."""
    actor = auth.resolve(db, user)
    params = {"today": (today or dt.date.today()).isoformat()}
    rows = []
    for c in CHECKS:
        if actor.role == "officer":
            n = len(records(db, c.key, c.kind, today=today, set_ids=set_ids, user=actor))
        else:
            n = db.conn.execute(_sql(db, c, "count(*)", set_ids), params).fetchone()[0]
        rows.append({"check": c.key, "kind": c.kind, "label": c.label(lang), "count": int(n)})
    return pd.DataFrame(rows, columns=["check", "kind", "label", "count"])


def summary(db: sqlite_utils.Database, **kw) -> dict[str, dict[str, int]]:
    """``{kind: {check: count}}`` (see :func:`counts`)."""
    out: dict[str, dict[str, int]] = {}
    for r in counts(db, **kw).to_dict("records"):
        out.setdefault(r["kind"], {})[r["check"]] = r["count"]
    return out


def records(db: sqlite_utils.Database, check: str, kind: str, *, today: dt.date | None = None,
            set_ids=None, limit: int | None = None, user=None) -> pd.DataFrame:
    """The records behind one count (every stored column), ordered by id.

    ``user``: incident rows only for admins and officers; an officer gets only
    the records of their area (a record with no location at all is not theirs
    to see unless its code places it there)."""
    actor = auth.resolve(db, user)
    if kind == "incidents":
        auth.require_points(actor)
    c = get_check(check, kind)
    sql = _sql(db, c, "t.*", set_ids) + " ORDER BY t.id"
    if limit and actor.role != "officer":
        sql += f" LIMIT {int(limit)}"
    df = pd.read_sql_query(sql, db.conn, params={"today": (today or dt.date.today()).isoformat()})
    if actor.role == "officer":
        code_col = "village_code" if kind == "groups" else ("area_code" if "area_code" in df else None)
        from . import scope
        inside = scope.resolve(db, actor).mask(db, lon=df["lon"] if "lon" in df else None,
                                               lat=df["lat"] if "lat" in df else None,
                                               codes=df[code_col] if code_col else None, n=len(df))
        df = df[inside].reset_index(drop=True)
        if limit:
            df = df.head(int(limit))
    return df
