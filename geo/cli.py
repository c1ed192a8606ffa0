"""``python -m geo``: the command line over the same functions as the pages.

Each command prints JSON (or CSV) on stdout.  A refused request exits 2 with a
one-line reason on stderr; nothing in the database changes then.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from . import auth, store


class CliError(Exception):
    """A request the CLI refuses; the message is printed on stderr, exit 2."""


def _db_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", help="database file (default: $ANTT_DB or data/antt.db)")
    return p


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return _clean(v.item())
    return v


def _print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")


def cmd_demo(args) -> int:
    from . import demo
    path = store.db_path(args.db)
    if path.exists() and not args.force:
        raise CliError(f"{path} đã tồn tại; dùng --force để tạo lại (already exists; use --force)")
    summary = demo.build_demo(path, seed=args.seed, overwrite=args.force)
    _print_json({k: _clean(v) if not isinstance(v, dict) else v for k, v in summary.items()})
    return 0


def cmd_sets(args) -> int:
    from . import areas
    db = store.open_db(args.db, create=False)
    _print_json([{k: _clean(v) for k, v in s.__dict__.items()} for s in areas.list_sets(db)])
    return 0


def resolve_set(db, level: str, set_id: int | None):
    """The boundary set to compute on: the given one (checked), else the current one of ``level``."""
    from . import areas
    if set_id is None:
        s = areas.current_set(db, level)
        if s is None:
            raise CliError(f"chưa có bộ ranh giới cấp {level} (no {level} boundary set)")
        return s
    try:
        s = areas.get_set(db, set_id)
    except KeyError as e:
        raise CliError(str(e.args[0])) from None
    if s.level != level:
        raise CliError(f"bộ ranh giới {set_id} là cấp {s.level}, không phải {level} "
                       f"(set {set_id} is {s.level}, not {level})")
    return s


def cmd_stats(args) -> int:
    from . import stats, vocab
    from .periods import Period, parse_date
    try:
        period = Period(parse_date(args.date_from), parse_date(args.date_to))
    except ValueError as e:
        raise CliError(f"khoảng thời gian không hợp lệ: {e}") from None
    for c in args.category or []:
        if c not in vocab.CATEGORIES:
            raise CliError(f"loại vụ việc không có: {c} (unknown category; one of {', '.join(vocab.CATEGORIES.codes)})")
    for m in args.model_type or []:
        if m not in vocab.MODEL_TYPES:
            raise CliError(f"loại mô hình không có: {m} (unknown model type)")
    db = store.open_db(args.db, create=False)
    s = resolve_set(db, args.level, args.boundary_set)
    df = stats.area_stats(db, s.id, period, categories=args.category, model_types=args.model_type,
                          area=args.area, user=args.user)
    if args.area and df.empty:
        raise CliError(f"không có địa bàn {args.area} trong bộ ranh giới {s.id} (unknown area)")
    if args.format == "csv":
        from . import cellsafe
        cellsafe.write_csv(df, sys.stdout)
    else:
        rows = [{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")]
        _print_json(rows)
    return 0


def cmd_import_records(args) -> int:
    """Import a CSV/XLSX file of records; print what was (or, with --dry-run, would be) done.

    Exit 0 whenever the file could be read, rejected rows included; exit 2 (database
    untouched) when it cannot be read at all.  The file is read before the database is
    opened, so a refused file never changes it.
    """
    from . import records
    try:
        raw = records.read_table(args.file, args.kind)
    except records.RecordFileError as e:
        raise CliError(f"{args.file}: {e}") from None
    db = store.open_db(args.db, create=False)
    try:
        result = records.import_table(db, args.kind, raw, user=args.user, dry_run=args.dry_run)
    except records.RecordFileError as e:
        raise CliError(f"{args.file}: {e}") from None
    if args.rejects and result.rejected:
        from . import templates
        out = Path(args.rejects)
        out.write_bytes(templates.rejected_file(result, "xlsx" if out.suffix.lower() == ".xlsx" else "csv"))
    _print_json(result.to_dict())
    return 0


# --- boundaries: import-boundaries, export-boundaries -------------------------------------

_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _boundary_files(names: list[str]) -> list[Path] | Path:
    """The upload to read: one file, or the parts of a shapefile (a lone .shp brings
    its .shx/.dbf/.prj/.cpg siblings along)."""
    paths = [Path(n) for n in names]
    if len(paths) == 1 and paths[0].suffix.lower() == ".shp" and paths[0].parent.is_dir():
        stem = paths[0].stem.lower()
        parts = [q for q in sorted(paths[0].parent.iterdir())
                 if q.is_file() and q.stem.lower() == stem and q.suffix.lower() in _SHP_PARTS]
        return parts or paths
    return paths[0] if len(paths) == 1 else paths


def cmd_import_boundaries(args) -> int:
    """Read, check and (unless --dry-run) store a boundary file as a new boundary set.

    Prints one JSON object (set_id, features, crs_detected, datum_shift, encoding_detected,
    repaired, dissolved, duplicate_codes, orphans, warnings).  A refused file exits 2 with
    one line on stderr; the file is fully read and checked before anything is written, and
    the set is stored in one transaction, so the database is unchanged then.
    """
    from .boundaries import BoundaryError, prepare
    from .boundaries import versions as bv
    if args.commune:
        return _import_commune_villages(args)
    try:
        valid_from = bv.parse_date(args.valid_from)
    except BoundaryError as e:
        raise CliError(str(e)) from None
    path = store.db_path(args.db)
    db = store.open_db(path, create=False) if path.exists() else None
    parent_id = None
    parent = None
    if db is not None:
        try:
            req = bv.check_request(db, args.level, valid_from=valid_from, replaces=args.replaces)
        except BoundaryError as e:
            raise CliError(str(e)) from None
        parent_id = req["parent_set_id"]
        parent = bv.parent_layer(db, parent_id)
    elif args.replaces is not None:
        raise CliError(f"{path}: chưa có cơ sở dữ liệu nên không có bộ {args.replaces} để thay thế "
                       "(no database)")
    files = _boundary_files(args.file)
    try:
        prepared = prepare(files, level=args.level, layer=args.layer, code_field=args.code_field,
                           name_field=args.name_field, parent_field=args.parent_field, crs=args.crs,
                           encoding=args.encoding, parent=parent)
    except BoundaryError as e:
        raise CliError(str(e)) from None
    except Exception as e:  # noqa: BLE001 - an unreadable file is refused, never a stack trace
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise CliError(f"không đọc được {Path(args.file[0]).name} ({type(e).__name__}: {first})") from None
    if args.dry_run:
        if db is not None:  # say now what the real import would refuse
            bv.check_permission(db, args.user, args.level, prepared.gdf, req["replaces"])
        _print_json(bv.summary(prepared, None))
        return 0
    created = db is None
    if db is None:
        db = store.open_db(path)
    try:
        set_id = bv.commit(db, prepared, level=args.level, name=args.name, valid_from=valid_from,
                           replaces=args.replaces, parent_set_id=parent_id, imported_by=args.user)
    except BoundaryError as e:
        if created:
            _remove_db(db, path)
        raise CliError(str(e)) from None
    except BaseException:
        if created:
            _remove_db(db, path)
        raise
    _print_json(bv.summary(prepared, set_id))
    return 0


def _import_commune_villages(args) -> int:
    """``import-boundaries FILE --level village --commune CODE``: the villages of one commune,
    checked against it; an officer's become a pending submission, an admin's are approved.
    Prints submission_id, status, commune, villages, outside_share, uncovered_share,
    overlaps, warnings, replaced_pending, set_id, checks."""
    from . import scope, submissions
    from .boundaries import BoundaryError, prepare
    from .boundaries import versions as bv
    from .boundaries.village_checks import commune_polygon
    if args.level != "village":
        raise CliError("--commune chỉ dùng với --level village (villages of one commune)")
    if args.replaces is not None:
        raise CliError("--replaces không dùng với --commune: thôn của xã thay vào lớp thôn hiện hành")
    path = store.db_path(args.db)
    if not path.exists():
        raise CliError(f"{path}: chưa có cơ sở dữ liệu (no database)")
    db = store.open_db(path, create=False)
    sc = scope.resolve(db, args.user)
    try:
        submissions._may_submit(db, sc, args.commune)     # before reading the file
        commune_polygon(db, args.commune)
        parent = bv.parent_layer(db, bv.default_parent_set(db, "village").id)
        prepared = prepare(_boundary_files(args.file), level="village", layer=args.layer,
                           code_field=args.code_field, name_field=args.name_field,
                           parent_field=args.parent_field, crs=args.crs, encoding=args.encoding, parent=parent)
        out = submissions.submit(db, prepared, args.commune, user=sc, dry_run=args.dry_run)
    except BoundaryError as e:
        raise CliError(str(e)) from None
    except auth.PermissionDenied:
        raise
    except Exception as e:  # noqa: BLE001 - an unreadable file is refused, never a stack trace
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise CliError(f"không đọc được {Path(args.file[0]).name} ({type(e).__name__}: {first})") from None
    out["checks"] = out.pop("report")
    out["warnings"] = list(dict.fromkeys([*prepared.warnings, *out["warnings"]]))
    _print_json(out)
    return 0


def cmd_submissions(args) -> int:
    """``submissions list [--status S]``, ``submissions approve ID``, ``submissions reject ID --why TEXT``."""
    from . import submissions
    from .boundaries import BoundaryError
    db = store.open_db(args.db, create=False)
    try:
        if args.action == "list":
            if args.id is not None:
                raise CliError("submissions list không nhận ID (use --status)")
            _print_json(submissions.list_submissions(db, status=args.status, user=args.user))
            return 0
        if args.id is None:
            raise CliError(f"submissions {args.action} cần số bản gửi (needs ID)")
        if args.action == "approve":
            _print_json(submissions.approve(db, args.id, user=args.user))
        else:
            if not (args.why or "").strip():
                raise CliError("submissions reject cần lý do: --why TEXT")
            _print_json(submissions.reject(db, args.id, why=args.why, user=args.user))
    except BoundaryError as e:
        raise CliError(str(e)) from None
    return 0


def cmd_village_status(args) -> int:
    """One row per commune of the current commune set: code, name, status, villages,
    updated_on, uploaded_by (JSON or CSV)."""
    from . import submissions
    db = store.open_db(args.db, create=False)
    auth.resolve(db, args.user)
    df = submissions.village_status(db)
    if args.format == "csv":
        from . import cellsafe
        cellsafe.write_csv(df, sys.stdout)   # names come from uploads: no live formula
    else:
        _print_json(df.to_dict(orient="records"))
    return 0


def _remove_db(db, path: Path) -> None:
    """Remove a database file this command created and could not fill."""
    db.conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def cmd_export_boundaries(args) -> int:
    """Write a boundary set (WGS 84; code, name, level, unit_type, parent_code) as GeoJSON
    (stdout or -o FILE) or GeoPackage (-o FILE)."""
    from . import areas
    db = store.open_db(args.db, create=False)
    try:
        s = areas.get_set(db, args.set)
    except KeyError as e:
        raise CliError(str(e.args[0])) from None
    fmt = args.format or ("gpkg" if args.output and Path(args.output).suffix.lower() == ".gpkg" else "geojson")
    if fmt == "gpkg" and not args.output:
        raise CliError("định dạng gpkg cần tệp đầu ra: thêm -o FILE.gpkg (gpkg needs -o FILE)")
    gdf = areas.load_areas(db, s.id)[["code", "name", "level", "unit_type", "parent_code", "geometry"]]
    if fmt == "geojson":
        text = gdf.to_json(drop_id=True, ensure_ascii=False)
        if not args.output:
            sys.stdout.write(text + "\n")
            return 0
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        import pyogrio
        out = Path(args.output)
        out.unlink(missing_ok=True)
        pyogrio.write_dataframe(gdf, out, driver="GPKG", layer=f"boundary_set_{s.id}")
    _print_json({"set_id": s.id, "features": int(len(gdf)), "format": fmt, "file": str(args.output)})
    return 0


def _export_request(args):
    """(db, geo.export.View) for ``brief`` and ``map-png``, checked like ``stats``."""
    from . import stats, vocab
    from .export import View
    from .periods import Period, parse_date
    try:
        period = Period(parse_date(args.date_from), parse_date(args.date_to))
    except ValueError as e:
        raise CliError(f"khoảng thời gian không hợp lệ: {e}") from None
    for c in args.category or []:
        if c not in vocab.CATEGORIES:
            raise CliError(f"loại vụ việc không có: {c} "
                           f"(unknown category; one of {', '.join(vocab.CATEGORIES.codes)})")
    for m in args.model_type or []:
        if m not in vocab.MODEL_TYPES:
            raise CliError(f"loại mô hình không có: {m} (unknown model type)")
    db = store.open_db(args.db, create=False)
    s = resolve_set(db, args.level, args.boundary_set)
    if args.area and not stats.codes_within(db, s.id, args.area):
        raise CliError(f"không có địa bàn {args.area} trong bộ ranh giới {s.id} (unknown area)")
    view = View(set_id=s.id, period=period, area=args.area or None, categories=tuple(args.category or ()),
                model_types=tuple(args.model_type or ()), metric=args.metric, scheme=args.scheme, lang=args.lang,
                user=args.user)
    if view.stats(db).empty:
        raise CliError(f"không có địa bàn nào để báo cáo trong bộ ranh giới {s.id} (no area to report on)")
    return db, view


def _write_output(path: str, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file, then renamed)."""
    import os
    import tempfile
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def cmd_brief(args) -> int:
    """The PDF meeting brief (A4 landscape, Vietnamese, fonts embedded) for a period and area."""
    from .export import brief
    db, view = _export_request(args)
    pdf = brief.brief_pdf(db, view)
    out = _write_output(args.output, pdf)
    _print_json({"output": str(out), "bytes": len(pdf), "set_id": view.set_id, "area": view.area,
                 "from": view.period.start.isoformat(), "to": view.period.end.isoformat()})
    return 0


def cmd_map_png(args) -> int:
    """The map as PNG (title, period, legend, scale bar, north arrow), drawn with no network."""
    from .export import png
    if not (200 <= args.width <= 10000 and 200 <= args.height <= 10000):
        raise CliError("--width và --height phải từ 200 đến 10000 điểm ảnh (pixels)")
    db, view = _export_request(args)
    data = png.map_png(db, view, width=args.width, height=args.height, dpi=args.dpi)
    out = _write_output(args.output, data)
    _print_json({"output": str(out), "bytes": len(data), "width": args.width, "height": args.height,
                 "set_id": view.set_id, "area": view.area, "metric": view.metric,
                 "from": view.period.start.isoformat(), "to": view.period.end.isoformat()})
    return 0


def _export_options(p) -> None:
    from .metrics import METRICS
    p.add_argument("--level", choices=["commune", "village"], default="commune")
    p.add_argument("--boundary-set", type=int)
    p.add_argument("--area", help="a commune or village code (default: the whole province)")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--category", nargs="+", action="extend")
    p.add_argument("--model-type", nargs="+", action="extend")
    p.add_argument("--metric", choices=list(METRICS), default="incidents", help="what the map shows")
    p.add_argument("--scheme", choices=["quantiles", "equal_interval", "natural_breaks"], default="quantiles",
                   help="how the map's classes are made")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--user", help="act with this user's rights (default: the local administrator)")
    p.add_argument("-o", "--output", required=True, metavar="FILE")


# --- users: add, list, passwd, disable -------------------------------------------------------

def _read_password(prompt: str) -> str:
    """From the terminal (asked twice) or, when piped, the first line of stdin; never argv."""
    import getpass
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Nhập lại mật khẩu / repeat: ") != first:
            raise CliError("hai lần nhập mật khẩu không khớp (passwords differ)")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CliError("không đọc được mật khẩu từ stdin (no password on stdin)")
    return line.rstrip("\r\n")


def cmd_backup(args) -> int:
    """Copy the database with SQLite's online backup (consistent while the app runs)."""
    from . import maintenance
    _print_json(maintenance.backup(args.db, args.output, user=args.user))
    return 0


def cmd_check(args) -> int:
    """Integrity check, schema version and WAL state (read-only); exit 1 when not ok."""
    from . import maintenance
    result = maintenance.check(args.db)
    _print_json(result)
    return 0 if result["ok"] else 1


def cmd_users(args) -> int:
    db = store.open_db(args.db, create=False)
    actor = auth.resolve(db, args.user)
    if args.action == "list":
        auth.require_admin(actor)
        _print_json([{"username": u.username, "role": u.role, "area_code": u.area_code,
                      "disabled": u.disabled, "must_change_password": u.must_change_password}
                     for u in auth.list_users(db)])
        return 0
    if not args.name:
        raise CliError(f"users {args.action} cần tên người dùng (needs NAME)")
    if args.action == "add":
        if not args.role:
            raise CliError("users add cần --role {admin,officer,viewer}")
        u = auth.create_user(db, args.name, _read_password("Mật khẩu / password: "), args.role, args.area,
                             actor=actor, must_change_password=args.must_change)
        _print_json({"username": u.username, "role": u.role, "area_code": u.area_code})
    elif args.action == "passwd":
        auth.change_password(db, args.name, _read_password("Mật khẩu mới / new password: "), actor=actor)
        _print_json({"username": args.name.lower(), "password": "changed"})
    elif args.action in ("disable", "enable"):
        auth.set_disabled(db, args.name, args.action == "disable", actor=actor)
        _print_json({"username": args.name.lower(), "disabled": args.action == "disable"})
    return 0


def cmd_audit(args) -> int:
    """``audit verify``: check the hash chain of the audit log; JSON on stdout, exit 0 when
    every row is intact, 1 when a link is broken (``first_broken_id`` names the first)."""
    from . import audit
    db = store.open_db(args.db, create=False)
    auth.require_admin(auth.resolve(db, args.user))
    result = audit.verify(db)
    _print_json(result)
    return 0 if result["ok"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="ANTT Atlas command line")
    sub = parser.add_subparsers(dest="command", required=True)
    dbp = _db_parent()

    p = sub.add_parser("demo", parents=[dbp], help="build the demo province database")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--force", action="store_true", help="replace an existing database file")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("backup", parents=[dbp], help="online backup of the database (safe while the app runs)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the backup file to write")
    p.add_argument("--user", help="act as this user (an administrator; default: the local administrator)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("check", parents=[dbp], help="integrity check, schema version and WAL state (read-only)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("sets", parents=[dbp], help="list the boundary sets")
    p.set_defaults(func=cmd_sets)

    p = sub.add_parser("stats", parents=[dbp], help="figures per area for a period")
    p.add_argument("--level", choices=["commune", "village"], required=True)
    p.add_argument("--boundary-set", type=int)
    p.add_argument("--area")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--category", nargs="+", action="extend")
    p.add_argument("--model-type", nargs="+", action="extend")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--user", help="act with this user's rights (default: the local administrator)")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("import-records", parents=[dbp],
                       help="import groups, cameras or incidents from a CSV/XLSX file")
    p.add_argument("kind", choices=["groups", "cameras", "incidents"])
    p.add_argument("file", help="CSV (UTF-8, UTF-8 with BOM, Windows-1258) or .xlsx")
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--user", help="acting username for the audit log (default: system)")
    p.add_argument("--rejects", metavar="FILE", help="write the rejected rows (+ 'Lỗi') to FILE (.csv or .xlsx)")
    p.set_defaults(func=cmd_import_records)

    p = sub.add_parser("import-boundaries", parents=[dbp],
                       help="read a boundary file and store it as a new boundary set")
    p.add_argument("file", nargs="+", metavar="FILE",
                   help=".zip (shapefile), .shp (with its .shx/.dbf/.prj beside it), .geojson/.json, "
                        ".kml/.kmz or .gpkg")
    p.add_argument("--level", choices=["province", "commune", "village"], required=True)
    p.add_argument("--layer", help="layer to read (GeoPackage, zip with several shapefiles)")
    p.add_argument("--code-field", help="column holding the unit code")
    p.add_argument("--name-field", help="column holding the unit name")
    p.add_argument("--parent-field", help="column holding the parent unit's code or name")
    p.add_argument("--commune", metavar="CODE",
                   help="with --level village: the villages of this one commune (an officer: their own), "
                        "checked against it and submitted for review")
    p.add_argument("--crs", metavar="EPSG:NNNN", help="coordinate system of the file (overrides .prj)")
    p.add_argument("--encoding", help="text encoding: utf-8, cp1258, tcvn3, vni, latin-1")
    p.add_argument("--valid-from", metavar="YYYY-MM-DD", help="first day the set is valid (default: today)")
    p.add_argument("--replaces", type=int, metavar="SET_ID", help="the set this one replaces (closed, kept)")
    p.add_argument("--name", help="name of the new set (default: from level, date and file)")
    p.add_argument("--user", help="acting user (default: the local administrator)")
    p.add_argument("--dry-run", action="store_true", help="read and check only; write nothing")
    p.set_defaults(func=cmd_import_boundaries)

    p = sub.add_parser("submissions", parents=[dbp], help="village boundary submissions: list, approve, reject")
    p.add_argument("action", choices=["list", "approve", "reject"])
    p.add_argument("id", nargs="?", type=int, metavar="ID")
    p.add_argument("--status", choices=["pending", "approved", "rejected", "superseded"])
    p.add_argument("--why", help="the reason of a rejection (shown to the officer)")
    p.add_argument("--user", help="act as this user (default: the local administrator)")
    p.set_defaults(func=cmd_submissions)

    p = sub.add_parser("village-status", parents=[dbp], help="village map status of every commune")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--user", help="act as this user (default: the local administrator)")
    p.set_defaults(func=cmd_village_status)

    p = sub.add_parser("export-boundaries", parents=[dbp], help="write a boundary set as GeoJSON or GeoPackage")
    p.add_argument("--set", type=int, required=True, metavar="SET_ID")
    p.add_argument("--format", choices=["geojson", "gpkg"],
                   help="default: gpkg when -o ends in .gpkg, else geojson")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: GeoJSON on stdout)")
    p.set_defaults(func=cmd_export_boundaries)
    p = sub.add_parser("brief", parents=[dbp], help="the PDF meeting brief (A4 landscape, Vietnamese)")
    _export_options(p)
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("map-png", parents=[dbp], help="the map as a PNG picture")
    _export_options(p)
    p.add_argument("--width", type=int, default=1600, help="pixels (default 1600)")
    p.add_argument("--height", type=int, default=1000, help="pixels (default 1000)")
    p.add_argument("--dpi", type=int, default=100, help="dots per inch of the text (default 100)")
    p.set_defaults(func=cmd_map_png)
    p = sub.add_parser("users", parents=[dbp], help="user accounts: add, list, passwd, disable, enable")
    p.add_argument("action", choices=["add", "list", "passwd", "disable", "enable"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=list(auth.ROLES))
    p.add_argument("--area", help="the officer's commune code")
    p.add_argument("--must-change", action="store_true", help="the user must change the password at first login")
    p.add_argument("--user", help="act as this user (default: the local administrator)")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", parents=[dbp], help="the audit log: verify its hash chain")
    p.add_argument("action", choices=["verify"])
    p.add_argument("--user", help="act as this user (an administrator; default: the local administrator)")
    p.set_defaults(func=cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, store.StoreError, auth.AuthError, auth.PermissionDenied) as e:
        print(f"lỗi: {e}", file=sys.stderr)
        return 2
