"""Village boundaries from the communes: submissions, review, and the status per commune.

A commune officer's upload of their commune's villages becomes a **pending
submission** (table ``village_submissions``), kept apart from ``boundary_sets``
and ``areas``: nothing that reads areas sees it before approval.  An
administrator sees every check and the before/after map, and approves (the
villages join the province layer as a new version of it, see
:mod:`geo.village_layer`) or rejects it with a reason; the officer sees the
status and the reason.  A second upload for a commune with a pending one
supersedes the pending one.  An administrator's own upload for a commune is
approved at once.  Every step is in the audit log.

The checks are those of :mod:`geo.boundaries.village_checks`, run on upload and
again on approval (the layer may have changed meanwhile).

No Streamlit.  Refusals are Vietnamese: :class:`geo.boundaries.BoundaryError`
for the file, :class:`geo.auth.PermissionDenied` for the user.
"""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import sqlite_utils

from . import areas, audit, auth, store, village_layer
from . import scope as scope_mod
from .boundaries.errors import BoundaryError
from .boundaries.village_checks import VillageCheck, check_villages

STATUSES = ("pending", "approved", "rejected", "superseded")
VILLAGE_STATUS_FIELDS = ("code", "name", "status", "villages", "updated_on", "uploaded_by")
SUMMARY_FIELDS = ("submission_id", "status", "commune", "villages", "outside_share", "uncovered_share",
                  "overlaps", "warnings", "replaced_pending", "set_id")
_COLS = ("id, commune_code, commune_set_id, status, submitted_by, submitted_at, source_file, villages, "
         "report, reviewed_by, reviewed_at, reason, set_id")


def _gdf_of(prepared_or_gdf) -> tuple[gpd.GeoDataFrame, str | None]:
    gdf = getattr(prepared_or_gdf, "gdf", prepared_or_gdf)
    return gdf, getattr(prepared_or_gdf, "source_file", None)


def _may_submit(db, who, commune: str) -> scope_mod.Scope:
    sc = scope_mod.resolve(db, who)
    u = sc.user
    if u.is_admin:
        return sc
    if u.role != "officer":
        raise auth.PermissionDenied("Tài khoản chỉ được xem số liệu tổng hợp, không được gửi ranh giới.")
    if str(commune) not in sc.communes:
        raise auth.PermissionDenied(f"Cán bộ chỉ được gửi ranh giới thôn của xã mình "
                                    f"({', '.join(sc.communes) or u.area_code}), không phải xã {commune}.")
    return sc


def check(db: sqlite_utils.Database, prepared_or_gdf, commune: str, *, user=None) -> VillageCheck:
    """Every check of these villages of ``commune`` for this user (nothing written)."""
    _may_submit(db, user, str(commune))
    gdf, _ = _gdf_of(prepared_or_gdf)
    return check_villages(db, gdf, str(commune))


def _summary(res: VillageCheck, *, submission_id=None, status=None, replaced=None, set_id=None) -> dict:
    return {"submission_id": submission_id, "status": status, "commune": res.commune_code,
            "villages": int(len(res.gdf)), "outside_share": round(res.outside_share, 6),
            "uncovered_share": round(res.uncovered_share, 6), "overlaps": res.overlaps,
            "warnings": list(res.warnings), "replaced_pending": replaced, "set_id": set_id}


def submit(db: sqlite_utils.Database, prepared_or_gdf, commune: str, *, user=None,
           source_file: str | None = None, dry_run: bool = False) -> dict:
    """Submit the villages of ``commune`` (a :class:`~geo.boundaries.Prepared` or a
    GeoDataFrame).  An officer (their own commune only) makes a pending submission,
    superseding a pending one of the commune; an administrator's is approved at once.
    A refused file raises :class:`BoundaryError` naming the villages, and writes nothing.
    Returns the JSON summary (:data:`SUMMARY_FIELDS`, plus ``report``)."""
    commune = str(commune).strip()
    sc = _may_submit(db, user, commune)
    gdf, src = _gdf_of(prepared_or_gdf)
    source_file = source_file or src
    res = check_villages(db, gdf, commune)
    res.raise_if_refused()
    if dry_run:
        out = _summary(res, status="dry_run")
        out["report"] = res.report()
        return out
    actor = sc.user.username
    features = res.gdf.to_json(drop_id=True, ensure_ascii=False)
    report = res.report()
    with store.transaction(db) as conn:
        now = store.now_iso()
        prev = conn.execute("SELECT id FROM village_submissions WHERE commune_code = ? AND status = 'pending'",
                            (commune,)).fetchone()
        cur = conn.execute(
            "INSERT INTO village_submissions (commune_code, commune_set_id, status, submitted_by, submitted_at, "
            "source_file, villages, features, report) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)"
            if prev is None else
            "INSERT INTO village_submissions (commune_code, commune_set_id, status, submitted_by, submitted_at, "
            "source_file, villages, features, report) VALUES (?, ?, 'superseded', ?, ?, ?, ?, ?, ?)",
            (commune, res.commune_set_id, actor, now, source_file, int(len(res.gdf)), features,
             json.dumps(report, ensure_ascii=False)))
        sid = int(cur.lastrowid)
        if prev is not None:  # the new one takes the pending place (one pending per commune)
            conn.execute("UPDATE village_submissions SET status = 'superseded', reviewed_at = ?, reason = ? "
                         "WHERE id = ?", (now, f"Thay bằng bản gửi #{sid}", prev[0]))
            conn.execute("UPDATE village_submissions SET status = 'pending' WHERE id = ?", (sid,))
            audit.log(conn, user=actor, action="village.supersede", target_kind="village_submission",
                      target_id=str(prev[0]), after={"by": sid})
        audit.log(conn, user=actor, action="village.submit", target_kind="village_submission", target_id=str(sid),
                  after={"commune": commune, "villages": int(len(res.gdf)), "source_file": source_file,
                         "outside_share": report["outside_share"], "uncovered_share": report["uncovered_share"],
                         "warnings": len(res.warnings)})
        status, set_id = "pending", None
        if sc.user.is_admin:
            set_id = _approve(db, conn, sid, sc.user)["set_id"]
            status = "approved"
    out = _summary(res, submission_id=sid, status=status, replaced=prev[0] if prev else None, set_id=set_id)
    out["report"] = report
    return out


def _row(db, submission_id: int) -> dict | None:
    r = db.conn.execute(f"SELECT {_COLS} FROM village_submissions WHERE id = ?", (int(submission_id),)).fetchone()
    if r is None:
        return None
    keys = [c.strip() for c in _COLS.split(",")]
    d = dict(zip(keys, r))
    d["report"] = json.loads(d["report"]) if d["report"] else {}
    return d


def _features(db, submission_id: int) -> gpd.GeoDataFrame:
    (text,) = db.conn.execute("SELECT features FROM village_submissions WHERE id = ?",
                              (int(submission_id),)).fetchone()
    data = json.loads(text)
    if not data.get("features"):
        return gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=areas.WGS84)
    return gpd.GeoDataFrame.from_features(data["features"], crs=areas.WGS84)


def _approve(db, conn, submission_id: int, admin: auth.User) -> dict:
    row = _row(db, submission_id)
    if row is None:
        raise BoundaryError(f"Không có bản gửi số {submission_id}.")
    if row["status"] != "pending":
        raise BoundaryError(f"Bản gửi số {submission_id} đang ở trạng thái {row['status']}, không thể duyệt.")
    cur_c = areas.current_set(db, "commune")
    if cur_c is None or cur_c.id != row["commune_set_id"]:
        raise BoundaryError(f"Bộ ranh giới xã đã thay đổi từ khi gửi bản số {submission_id}; "
                            "cán bộ cần gửi lại theo ranh giới xã hiện hành.")
    gdf = _features(db, submission_id)
    res = check_villages(db, gdf, row["commune_code"])   # again: the layer may have changed meanwhile
    res.raise_if_refused()
    made = village_layer.replace_communes(db, {row["commune_code"]: res.gdf}, imported_by=admin.username,
                                          source_file=row["source_file"])
    now = store.now_iso()
    conn.execute("UPDATE village_submissions SET status = 'approved', reviewed_by = ?, reviewed_at = ?, "
                 "set_id = ? WHERE id = ?", (admin.username, now, made["set_id"], int(submission_id)))
    audit.log(conn, user=admin.username, action="village.approve", target_kind="village_submission",
              target_id=str(submission_id), before={"status": "pending"},
              after={"status": "approved", "commune": row["commune_code"], "set_id": made["set_id"],
                     "replaces_set_id": made["replaces_set_id"], "villages": int(len(res.gdf)),
                     "records_placed": made["records_placed"]})
    return made


def approve(db: sqlite_utils.Database, submission_id: int, *, user=None) -> dict:
    """Approve a pending submission (administrators): its villages replace the commune's
    in a new version of the province layer.  Returns ``{submission_id, status, commune,
    set_id, replaces_set_id, villages, records_placed}``."""
    admin = scope_mod.user_of(db, user)
    auth.require_admin(admin)
    with store.transaction(db) as conn:
        made = _approve(db, conn, int(submission_id), admin)
    row = _row(db, submission_id)
    return {"submission_id": int(submission_id), "status": "approved", "commune": row["commune_code"],
            "set_id": made["set_id"], "replaces_set_id": made["replaces_set_id"],
            "layer_villages": made["villages"], "villages": row["villages"],
            "records_placed": made["records_placed"]}


def reject(db: sqlite_utils.Database, submission_id: int, *, why: str, user=None) -> dict:
    """Reject a pending submission with a reason (administrators); the officer sees it."""
    admin = scope_mod.user_of(db, user)
    auth.require_admin(admin)
    why = " ".join(str(why or "").split())
    if not why:
        raise BoundaryError("Cần ghi lý do từ chối (--why).")
    with store.transaction(db) as conn:
        row = _row(db, submission_id)
        if row is None:
            raise BoundaryError(f"Không có bản gửi số {submission_id}.")
        if row["status"] != "pending":
            raise BoundaryError(f"Bản gửi số {submission_id} đang ở trạng thái {row['status']}, không thể từ chối.")
        conn.execute("UPDATE village_submissions SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, "
                     "reason = ? WHERE id = ?", (admin.username, store.now_iso(), why, int(submission_id)))
        audit.log(conn, user=admin.username, action="village.reject", target_kind="village_submission",
                  target_id=str(submission_id), before={"status": "pending"},
                  after={"status": "rejected", "reason": why, "commune": row["commune_code"]})
    return {"submission_id": int(submission_id), "status": "rejected", "commune": row["commune_code"],
            "reason": why}


def _visible(db, who) -> tuple[scope_mod.Scope, tuple[str, ...] | None]:
    sc = scope_mod.resolve(db, who)
    if sc.user.is_admin:
        return sc, None
    if sc.user.role != "officer":
        raise auth.PermissionDenied("Chỉ quản trị viên và cán bộ xã xem được các bản gửi ranh giới thôn.")
    return sc, sc.communes


def list_submissions(db: sqlite_utils.Database, *, status: str | None = None, user=None) -> list[dict]:
    """Submissions, newest first (an officer: their commune's only), without geometry:
    id, commune_code, commune_name, status, submitted_by, submitted_at, source_file,
    villages, reviewed_by, reviewed_at, reason, set_id, outside_share, uncovered_share,
    overlaps, warnings."""
    if status is not None and status not in STATUSES:
        raise BoundaryError(f"Trạng thái “{status}” không hợp lệ; chọn một trong: {', '.join(STATUSES)}.")
    _, communes = _visible(db, user)
    sql = f"SELECT {_COLS} FROM village_submissions"
    where, args = [], []
    if status:
        where.append("status = ?")
        args.append(status)
    if communes is not None:
        where.append(f"commune_code IN ({','.join('?' * len(communes))})" if communes else "0")
        args += list(communes)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    names = _commune_names(db)
    keys = [c.strip() for c in _COLS.split(",")]
    out = []
    for r in db.conn.execute(sql, args):
        d = dict(zip(keys, r))
        rep = json.loads(d.pop("report") or "{}")
        d["commune_name"] = names.get(d["commune_code"], rep.get("commune_name"))
        d["outside_share"] = rep.get("outside_share")
        d["uncovered_share"] = rep.get("uncovered_share")
        d["overlaps"] = len(rep.get("overlaps") or [])
        d["warnings"] = rep.get("warnings") or []
        out.append(d)
    return out


def get_submission(db: sqlite_utils.Database, submission_id: int, *, user=None) -> dict:
    """One submission with its report and villages (``gdf``), for the review page."""
    _, communes = _visible(db, user)
    row = _row(db, submission_id)
    if row is None or (communes is not None and row["commune_code"] not in communes):
        raise BoundaryError(f"Không có bản gửi số {submission_id}.")
    row["gdf"] = _features(db, submission_id)
    row["commune_name"] = _commune_names(db).get(row["commune_code"])
    return row


def review_checks(db: sqlite_utils.Database, submission: dict) -> VillageCheck:
    """The checks of a submission (from :func:`get_submission`) against today's commune
    and layer, as approval will run them."""
    return check_villages(db, submission["gdf"], submission["commune_code"])


def _commune_names(db) -> dict[str, str]:
    cur = areas.current_set(db, "commune")
    if cur is None:
        return {}
    return dict(db.conn.execute("SELECT code, name FROM areas WHERE set_id = ?", (cur.id,)).fetchall())


def current_villages(db: sqlite_utils.Database, commune: str) -> gpd.GeoDataFrame:
    """The villages of ``commune`` in the current layer (the "before" of a review)."""
    layer = areas.current_set(db, "village")
    if layer is None:
        return gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=areas.WGS84)
    codes = [r[0] for r in db.conn.execute("SELECT code FROM areas WHERE set_id = ? AND parent_code = ?",
                                           (layer.id, str(commune)))]
    if not codes:
        return gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=areas.WGS84)
    return areas.load_areas(db, layer.id, codes=codes)


def import_province(db: sqlite_utils.Database, gdf: gpd.GeoDataFrame, *, user=None, source_file=None,
                    name: str | None = None, valid_from: str | None = None, encoding=None,
                    source_crs=None) -> dict:
    """An administrator's whole-province village file (``parent_code`` = each village's
    commune): every commune's villages go through the checks; all must pass.  The
    communes of the file get their villages replaced in one new layer version (the
    others are carried over); each is recorded as an approved submission."""
    admin = scope_mod.user_of(db, user)
    auth.require_admin(admin)
    if gdf is None or gdf.empty:
        raise BoundaryError("Tệp không có thôn/tổ dân phố nào.")
    parent = gdf["parent_code"] if "parent_code" in gdf.columns else pd.Series([None] * len(gdf))
    orphan = parent.isna() | (parent.astype(str).str.strip() == "")
    if orphan.any():
        shown = ", ".join(f"{c} {n}" for c, n in zip(gdf.loc[orphan, "code"], gdf.loc[orphan, "name"]))
        raise BoundaryError(f"{int(orphan.sum())} thôn/tổ dân phố không gắn được vào xã nào ({shown[:300]}); "
                            "hãy chỉ cột mã xã (--parent-field) hoặc sửa ranh giới.")
    checks: dict[str, VillageCheck] = {}
    refused = []
    for commune, part in gdf.groupby(parent.astype(str)):
        res = check_villages(db, part, commune)
        checks[commune] = res
        if res.refused:
            refused.append(res.refusal())
    if refused:
        raise BoundaryError(" ".join(refused)[:2000])
    codes = pd.concat([r.gdf["code"] for r in checks.values()])
    if codes.duplicated().any():
        dup = sorted(set(codes[codes.duplicated()]))
        raise BoundaryError(f"Mã thôn bị trùng giữa các xã ({', '.join(dup[:5])}).")
    with store.transaction(db) as conn:
        made = village_layer.replace_communes(db, {c: r.gdf for c, r in checks.items()},
                                              imported_by=admin.username, source_file=source_file, name=name,
                                              valid_from=valid_from, encoding=encoding, source_crs=source_crs)
        now = store.now_iso()
        for commune, res in checks.items():
            conn.execute(
                "UPDATE village_submissions SET status = 'superseded', reviewed_at = ?, reason = ? "
                "WHERE commune_code = ? AND status = 'pending'",
                (now, "Thay bằng tệp toàn tỉnh của quản trị viên", commune))
            conn.execute(
                "INSERT INTO village_submissions (commune_code, commune_set_id, status, submitted_by, submitted_at, "
                "source_file, villages, features, report, reviewed_by, reviewed_at, set_id) "
                "VALUES (?, ?, 'approved', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (commune, res.commune_set_id, admin.username, now, source_file, int(len(res.gdf)),
                 res.gdf.to_json(drop_id=True, ensure_ascii=False), json.dumps(res.report(), ensure_ascii=False),
                 admin.username, now, made["set_id"]))
        audit.log(conn, user=admin.username, action="import", target_kind="boundary_set",
                  target_id=str(made["set_id"]),
                  after={"level": "village", "communes": sorted(checks), "villages": int(len(codes)),
                         "source_file": source_file, "replaces_set_id": made["replaces_set_id"],
                         "records_placed": made["records_placed"]})
    made["warnings"] = [w for r in checks.values() for w in r.warnings]
    made["checks"] = checks
    return made


def village_status(db: sqlite_utils.Database) -> pd.DataFrame:
    """One row per commune of the current commune set: code, name, status (approved |
    pending | none), villages (in the current layer), updated_on, uploaded_by.

    Pending: a submission waits for review (its date and uploader); approved: the
    current layer has villages of the commune (date and uploader of the last approved
    submission, else of the layer version they came with); none: no village map."""
    cols = list(VILLAGE_STATUS_FIELDS)
    cur = areas.current_set(db, "commune")
    if cur is None:
        return pd.DataFrame(columns=cols)
    tab = areas.area_table(db, cur.id)[["code", "name"]]
    layer = areas.current_set(db, "village")
    counts: dict[str, int] = {}
    if layer is not None:
        counts = dict(db.conn.execute("SELECT parent_code, count(*) FROM areas WHERE set_id = ? "
                                      "GROUP BY parent_code", (layer.id,)).fetchall())
    pending = {c: (at, by) for c, at, by in db.conn.execute(
        "SELECT commune_code, submitted_at, submitted_by FROM village_submissions WHERE status = 'pending'")}
    approved = {}
    for c, at, by in db.conn.execute(
            "SELECT commune_code, reviewed_at, submitted_by FROM village_submissions WHERE status = 'approved' "
            "ORDER BY id"):
        approved[c] = (at, by)
    origin = _layer_origin(db, layer)
    rows = []
    for code, name in zip(tab["code"], tab["name"]):
        n = int(counts.get(code, 0))
        if code in pending:
            status, (at, by) = "pending", pending[code]
        elif n > 0:
            status, (at, by) = "approved", approved.get(code, origin)
        else:
            status, at, by = "none", None, None
        rows.append({"code": code, "name": name, "status": status, "villages": n,
                     "updated_on": at[:10] if at else None, "uploaded_by": by})
    return pd.DataFrame(rows, columns=cols)


def village_map_status(db: sqlite_utils.Database, set_id: int) -> pd.Series:
    """code → village-map status (approved | pending | none) of the areas of ``set_id``
    when it is the current commune set (empty otherwise): what a figure that needs
    villages shows for a commune with no village map, instead of 0 %."""
    cur = areas.current_set(db, "commune")
    if cur is None or int(set_id) != cur.id:
        return pd.Series(dtype=object)
    st = village_status(db)
    return pd.Series(st["status"].to_numpy(), index=st["code"].to_numpy(), dtype=object)


def _layer_origin(db, layer) -> tuple[str | None, str | None]:
    """(imported_at, imported_by) of the first version of the layer (before any commune update)."""
    s = layer
    while s is not None and s.replaces_set_id is not None:
        notes = db.conn.execute("SELECT notes FROM boundary_sets WHERE id = ?", (s.id,)).fetchone()[0]
        if not notes:
            break
        s = areas.get_set(db, s.replaces_set_id)
    return (s.imported_at, s.imported_by or "system") if s is not None else (None, None)


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    """Communes per status in a :func:`village_status` table."""
    vc = status["status"].value_counts().to_dict() if len(status) else {}
    return {k: int(vc.get(k, 0)) for k in ("approved", "pending", "none")}


def status_map_features(db: sqlite_utils.Database) -> dict:
    """The current communes (map geometry) with their village-map status, as GeoJSON."""
    cur = areas.current_set(db, "commune")
    if cur is None:
        return {"type": "FeatureCollection", "features": []}
    st = village_status(db).set_index("code")
    fc = areas.map_features(db, cur.id)
    feats = []
    for f in fc["features"]:
        code = f["properties"]["code"]
        props = dict(f["properties"])
        if code in st.index:
            r = st.loc[code]
            props.update(status=r["status"], villages=int(r["villages"]), updated_on=r["updated_on"],
                         uploaded_by=r["uploaded_by"])
        feats.append({**f, "properties": props})
    return {"type": "FeatureCollection", "features": feats}
