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

from . import store


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
                          area=args.area)
    if args.area and df.empty:
        raise CliError(f"không có địa bàn {args.area} trong bộ ranh giới {s.id} (unknown area)")
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False)
    else:
        rows = [{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")]
        _print_json(rows)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="ANTT Atlas command line")
    sub = parser.add_subparsers(dest="command", required=True)
    dbp = _db_parent()

    p = sub.add_parser("demo", parents=[dbp], help="build the demo province database")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--force", action="store_true", help="replace an existing database file")
    p.set_defaults(func=cmd_demo)

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
    p.set_defaults(func=cmd_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, store.StoreError) as e:
        print(f"lỗi: {e}", file=sys.stderr)
        return 2
