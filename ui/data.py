"""Data (Dữ liệu): import files of groups, cameras and incidents (a dry run first,
then a confirmed import), add/edit/soft-delete one record in a form, and the data
quality panel whose counts open the lists behind them.

Streamlit code is in :func:`main` and the ``_``-prefixed functions it calls; the
helpers above them are plain functions on bytes and the database, importable and
tested without a browser (tests/test_page_data.py).  Every check, write and
audit row comes from :mod:`geo.records`, :mod:`geo.quality` and :mod:`geo.audit`;
every label from :mod:`geo.i18n`.

URL: ``dq=<check>:<kind>`` opens the data-quality tab on that list (shareable).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re

import pandas as pd
import streamlit as st

from geo import areas, audit, auth, i18n, maps, numfmt, quality, records, store, templates, vocab
from ui import grid
from ui.session import fmt   # numbers in the page's language
from ui.safe import md

log = logging.getLogger("antt")

KINDS = tuple(records.KINDS)          # groups, cameras, incidents
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xls"]   # .xls is refused with a clear message by geo.records
MAX_SHOWN = 5000                      # rows shown in a table on the page (downloads have them all)
MAX_PICK = 200                        # records offered in the form's record list
NEW = ""                              # the "new record" choice of the record list
TAB_KEY = "data_tab"
POINT_COLOR = "#c00000"
AREA_COLOR = "#dbe6f0"
LONG_TEXT = ("notes", "description")      # drawn full width under the other fields


def _acting_user():
    """The logged-in user every read of a record and every write is made as."""
    from ui.session import acting_user
    return acting_user()




def tr(key: str, lang: str, **fmt_args) -> str:
    return i18n.t(key, lang, **fmt_args)




def kind_label(kind: str, lang: str) -> str:
    spec = records.kind_spec(kind)
    return spec.en if lang == "en" else spec.vi


def field_label(kind: str, name: str, lang: str) -> str:
    try:
        return records.kind_spec(kind).field(name).label(lang)
    except KeyError:
        return name


# --------------------------------------------------------------------------- #
# Import: a dry run, then the real thing
# --------------------------------------------------------------------------- #
@dataclasses.dataclass
class Outcome:
    """An import attempt: the result, or why there is none."""
    result: records.ImportResult | None = None
    error: str | None = None          # the file cannot be read: the Vietnamese reason
    denied: str | None = None         # the acting user may not import: the Vietnamese reason
    internal: bool = False            # an unexpected failure (logged); nothing was written
    revision: int | None = None       # the data revision the result is about

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def writes(self) -> int:
        return 0 if self.result is None else self.result.inserted + self.result.updated


def file_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dry_run_key(data_sha: str, kind: str, revision: int) -> tuple:
    """What a dry run depends on: the file, the kind and the stored data."""
    return (data_sha, kind, int(revision))


def run_import(db, kind: str, data: bytes, file_name: str | None, *, dry_run: bool,
               user: str | None = None) -> Outcome:
    """:func:`geo.records.import_records` that never raises: an unreadable file gives
    ``error`` (the Vietnamese reason), anything else is logged and gives ``internal``."""
    rev = store.revision(db)
    try:
        res = records.import_records(db, kind, data, user=user, dry_run=dry_run, file_name=file_name)
    except records.RecordFileError as e:
        return Outcome(error=str(e), revision=rev)
    except (auth.PermissionDenied, auth.AuthError) as e:
        return Outcome(denied=str(e), revision=rev)
    except store.StoreError as e:       # e.g. a full disk: nothing was written
        return Outcome(error=str(e), revision=rev)
    except Exception:  # noqa: BLE001 - logged; the officer sees a plain message
        log.exception("import of %s (%s, dry_run=%s) failed", file_name, kind, dry_run)
        return Outcome(internal=True, revision=rev)
    return Outcome(result=res, revision=rev if dry_run else store.revision(db))


def errors_frame(result: records.ImportResult, lang: str, limit: int | None = None,
                 items: list[dict] | None = None) -> pd.DataFrame:
    """The rejected rows' problems: row, column, message (in Vietnamese, from geo.records);
    ``items``: other {row, column, message} lists (the row warnings of kept rows)."""
    errs = result.errors if items is None else items
    errs = errs if limit is None else errs[:limit]
    return pd.DataFrame({
        tr("data_col_row", lang): [e["row"] for e in errs],
        tr("data_col_column", lang): [e["column"] for e in errs],
        tr("data_col_message", lang): [e["message"] for e in errs],
    })


def display_value(kind: str, name: str, v, lang: str) -> str:
    """A stored value as an officer reads it: vocabulary labels, Có/Không, dd/mm/yyyy."""
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    try:
        f = records.kind_spec(kind).field(name)
    except KeyError:
        return str(v)
    if f.type == "vocab":
        return f.vocab.label(v, lang) if v in f.vocab else str(v)
    if f.type == "bool":
        return tr("data_yes" if v in (1, True, "1") else "data_no", lang)
    if f.type in ("date", "datetime") and isinstance(v, str) and len(v) >= 10:
        try:
            d = numfmt.fmt_date(dt.date.fromisoformat(v[:10]))
            return d + v[10:] if len(v) > 10 else d
        except ValueError:
            return v
    if f.type in ("lon", "lat") and isinstance(v, (int, float)):
        return f"{v:.6f}".rstrip("0").rstrip(".")      # as typed: a dot, up to ~10 cm
    if f.type == "float" and isinstance(v, (int, float)):
        return numfmt.fmt_number(v, None, lang)
    return str(v)


def changes_frame(result: records.ImportResult, lang: str, limit: int | None = None) -> pd.DataFrame:
    """One row per changed field of each updated/restored record: id, action, field, before → after."""
    kind = result.kind
    rows = []
    for ch in result.changes:
        action = tr(f"data_action_{ch['action']}", lang)
        if not ch["fields"]:
            rows.append((ch["id"], action, "", "", ""))
        for f, (before, after) in ch["fields"].items():
            rows.append((ch["id"], action, field_label(kind, f, lang), display_value(kind, f, before, lang),
                         display_value(kind, f, after, lang)))
        if limit is not None and len(rows) >= limit:
            rows = rows[:limit]
            break
    cols = [tr(k, lang) for k in ("data_col_id", "data_col_action", "data_col_field", "data_col_before",
                                  "data_col_after")]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- #
# Form
# --------------------------------------------------------------------------- #
def record_choices(db, kind: str, search: str = "", limit: int = MAX_PICK, lang: str = "vi",
                   user=None) -> pd.DataFrame:
    """Records for the form's list: ``id``, ``label``, ``deleted``; with ``search``, ids
    containing it (the exact id first), else the most recently changed ones.  An
    officer's list holds only the records of their area."""
    spec = records.kind_spec(kind)
    actor = auth.resolve(db, user)
    desc = {"groups": "name", "cameras": "owner",
            "incidents": "substr(occurred_on, 1, 10) || ' · ' || category"}[spec.name]
    sql = f"SELECT id, {desc} AS d, deleted_at IS NOT NULL AS deleted FROM {spec.table}"
    args: list = []
    q = (search or "").strip()
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql += " WHERE id LIKE ? ESCAPE '\\' ORDER BY id = ? DESC, updated_at DESC, id DESC"
        args = [like, q]
    else:
        sql += " ORDER BY updated_at DESC, id DESC"
    if actor.role == "officer":  # filter by location first, then keep ``limit`` of them
        loc = {"groups": "village_code", "cameras": "lon, lat", "incidents": "lon, lat, area_code"}[spec.name]
        df = pd.read_sql_query(sql.replace(" AS deleted FROM", f" AS deleted, {loc} FROM"), db.conn, params=args)
        inside = records._in_scope(db, actor, spec, df)
        df = df[inside].head(int(limit)).reset_index(drop=True)
    else:
        sql += f" LIMIT {int(limit)}"
        df = pd.read_sql_query(sql, db.conn, params=args)
    if spec.name == "incidents":
        def nice(d):
            if not isinstance(d, str) or " · " not in d:
                return d
            day, cat = d.split(" · ", 1)
            return f"{display_value('incidents', 'occurred_on', day, lang)} · {vocab.CATEGORIES.label(cat, lang)}"
        df["d"] = df["d"].map(nice)
    df["label"] = [f"{i} — {d}" if isinstance(d, str) and d else str(i) for i, d in zip(df["id"], df["d"])]
    df["deleted"] = df["deleted"].astype(bool)
    return df[["id", "label", "deleted"]]


def code_options(db, kind: str) -> dict[str, str]:
    """Area codes a record of ``kind`` may name, with a readable label: villages of the
    current village set (groups); communes and villages of the current sets (incidents)."""
    levels = {"groups": ("village",), "incidents": ("commune", "village")}.get(kind, ())
    out: dict[str, str] = {}
    for level in levels:
        s = areas.current_set(db, level)
        if s is None:
            continue
        parents = {}
        if s.parent_set_id:
            parents = dict(db.conn.execute("SELECT code, name FROM areas WHERE set_id = ?", (s.parent_set_id,)))
        for code, name, parent in db.conn.execute(
                "SELECT code, name, parent_code FROM areas WHERE set_id = ? ORDER BY name, code", (s.id,)):
            p = parents.get(parent)
            out.setdefault(code, f"{name}{' – ' + p if p else ''} ({code})")
    return out


def widget_value(f: records.Field, v):
    """A stored value as the form widget of its field holds it."""
    if v is None or (isinstance(v, float) and v != v):
        return False if f.type == "bool" else None
    if f.type in ("date", "datetime"):
        try:
            return dt.date.fromisoformat(str(v)[:10])
        except ValueError:
            return None
    if f.type == "bool":
        return bool(int(v)) if str(v).lstrip("-").isdigit() else bool(v)
    if f.type in ("lon", "lat", "float"):
        return float(v)
    if f.type == "int":
        return int(v)
    return str(v)


def time_value(v) -> dt.time | None:
    """The time of day of a stored ``YYYY-MM-DD HH:MM`` (None when only a date)."""
    s = "" if v is None else str(v)
    if len(s) >= 16:
        try:
            return dt.time.fromisoformat(s[11:16])
        except ValueError:
            return None
    return None


def form_values(kind: str, widgets: dict, times: dict | None = None) -> dict:
    """The form's widget values as the record values for add_record/update_record
    (empty text → None, date + optional time → ``YYYY-MM-DD[ HH:MM]``)."""
    spec = records.kind_spec(kind)
    out: dict = {}
    for f in spec.fields:
        v = widgets.get(f.name)
        if isinstance(v, str):
            v = v.strip() or None
        if f.type == "datetime" and isinstance(v, dt.date):
            tm = (times or {}).get(f.name)
            v = f"{v.isoformat()} {tm:%H:%M}" if tm is not None and (tm.hour, tm.minute) != (0, 0) else v.isoformat()
        elif f.type == "date" and isinstance(v, dt.date):
            v = v.isoformat()
        elif f.type == "bool":
            v = bool(v)
        out[f.name] = v
    return out


def errors_by_field(kind: str, errors: list[dict]) -> tuple[dict[str, list[str]], list[str]]:
    """RecordError.errors split into {field: [messages]} (by the Vietnamese column label)
    and the messages that belong to no single field."""
    spec = records.kind_spec(kind)
    by_label = {f.vi: f.name for f in spec.fields}
    per: dict[str, list[str]] = {}
    general: list[str] = []
    for e in errors:
        f = by_label.get(e.get("column") or "")
        if f:
            per.setdefault(f, []).append(e["message"])
        else:
            general.append(e["message"])
    return per, general


def describe_change(kind: str, action: str, before: dict | None, after: dict | None, lang: str) -> str:
    """What an audit row changed, in one line: ``Trường: trước → sau; …``."""
    before, after = before or {}, after or {}
    spec = records.kind_spec(kind)
    names = [f.name for f in spec.fields]
    if action == "create":
        return "; ".join(f"{field_label(kind, n, lang)}: {display_value(kind, n, after.get(n), lang)}"
                         for n in names if after.get(n) is not None)
    if action in ("update", "import"):
        return "; ".join(
            f"{field_label(kind, n, lang)}: {display_value(kind, n, before.get(n), lang)} → "
            f"{display_value(kind, n, after.get(n), lang)}"
            for n in names if before.get(n) != after.get(n))
    return ""


def fmt_time(iso: str | None) -> str:
    """A stored time in local time, ``dd/mm/yyyy HH:MM`` (geo.numfmt); empty → ""."""
    if not iso:
        return ""
    out = numfmt.fmt_datetime(iso)
    return out[:16] if re.match(r"\d\d/\d\d/\d{4} ", out) else out


def history_frame(db, kind: str, record_id: str, lang: str, limit: int = 200, *, actor=None) -> pd.DataFrame:
    """The audit rows of one record, newest first: when, who, action, what changed, note
    (``actor``: who asks; a non-admin sees their own actions only, see :func:`geo.audit.entries`)."""
    log_ = audit.entries(db, target_kind=kind, target_id=str(record_id), limit=limit, actor=actor)
    rows = []
    for r in log_.itertuples(index=False):
        detail = audit.decode(r.detail)
        if isinstance(detail, dict):
            if detail.get("via") == "import":
                detail = tr("data_via_import", lang, file=detail.get("file") or "")
            else:
                detail = ", ".join(f"{k}: {v}" for k, v in detail.items() if v not in (None, "") and k != "sha256")
        rows.append((fmt_time(r.at), r.username, tr(f"data_action_{r.action}", lang),
                     describe_change(kind, r.action, audit.decode(r.before), audit.decode(r.after), lang),
                     "" if detail is None else str(detail)))
    cols = [tr(k, lang) for k in ("data_col_at", "data_col_user", "data_col_action", "data_col_changes",
                                  "data_col_detail")]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- #
# Data quality
# --------------------------------------------------------------------------- #
def parse_dq(value) -> tuple[str, str] | None:
    """``"check:kind"`` (from the URL) → (check, kind) when such a check exists, else None."""
    if not value or not isinstance(value, str) or ":" not in value:
        return None
    check, kind = value.split(":", 1)
    try:
        quality.get_check(check.strip(), kind.strip())
    except KeyError:
        return None
    return check.strip(), kind.strip()


def dq_value(check: str, kind: str) -> str:
    return f"{check}:{kind}"


def kind_totals(db) -> dict[str, int]:
    return {k: int(db.conn.execute(f"SELECT count(*) FROM {records.kind_spec(k).table} "
                                   "WHERE deleted_at IS NULL").fetchone()[0]) for k in KINDS}


def records_frame(df: pd.DataFrame, kind: str, lang: str) -> pd.DataFrame:
    """Stored records for display: the kind's fields (labels as column names) and when changed."""
    spec = records.kind_spec(kind)
    cols = [f.name for f in spec.fields if f.name in df.columns]
    out = df[cols].copy()
    for f in spec.fields:
        if f.name in out and f.type in ("vocab", "bool"):
            out[f.name] = [display_value(kind, f.name, v, lang) for v in out[f.name]]
    out.columns = [field_label(kind, c, lang) for c in cols]
    if "updated_at" in df:
        out[tr("data_col_updated", lang)] = [str(v)[:16].replace("T", " ") if v else "" for v in df["updated_at"]]
    return out


# --------------------------------------------------------------------------- #
# The page
# --------------------------------------------------------------------------- #
@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _cached_counts(db_file: str, revision: int, today: str, username: str, _db, _user) -> pd.DataFrame:
    return quality.counts(_db, today=dt.date.fromisoformat(today), user=_user)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _cached_totals(db_file: str, revision: int, _db) -> dict:
    return kind_totals(_db)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _cached_list(db_file: str, revision: int, today: str, check: str, kind: str, limit: int, username: str,
                 _db, _user) -> pd.DataFrame:
    return quality.records(_db, check, kind, today=dt.date.fromisoformat(today), limit=limit, user=_user)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _cached_choices(db_file: str, revision: int, kind: str, search: str, lang: str, username: str, _db,
                    _user) -> pd.DataFrame:
    return record_choices(_db, kind, search, lang=lang, user=_user)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _cached_code_options(db_file: str, revision: int, kind: str, _db) -> dict:
    return code_options(_db, kind)


def _require_login(db) -> None:
    """Nobody logged in: the login form stands in for the page.  A viewer has nothing
    to import or edit here (the library refuses too)."""
    from geo import auth
    from ui.session import acting_user
    user = acting_user(db)
    if user.role == "viewer":
        st.error(str(auth.PermissionDenied("Tài khoản chỉ được xem số liệu tổng hợp, không được thay đổi dữ liệu.")))
        st.stop()


def main() -> None:  # pragma: no cover - exercised through AppTest
    from ui.session import acting_user, database, lang, show_demo_banner, t

    db = database()
    _require_login(db)
    L = lang()
    ss = st.session_state
    st.markdown(f"#### {t('data_title')}")
    show_demo_banner(db)

    # the deep link (?dq=check:kind) opens the quality tab, once per session
    if "_data_init" not in ss:
        ss._data_init = True
        q = st.query_params.get("dq")
        chosen = parse_dq(q)
        if q and chosen is None:
            st.toast(f"⚠️ {t('data_dq_bad', dq=q)}")
        ss.data_dq = dq_value(*chosen) if chosen else None
        ss._data_default_tab = 2 if chosen else 0
    labels = [t("data_tab_import"), t("data_tab_form"), t("data_tab_quality")]
    tab_import, tab_form, tab_quality = st.tabs(labels, key=TAB_KEY, on_change="rerun",
                                                default=labels[ss._data_default_tab])
    # The import tab always runs (an uploaded file would be lost otherwise); the
    # others only when open: the quality counts take seconds on big tables, and a
    # Leaflet map drawn in a hidden tab comes out the wrong size.
    with tab_import:
        _import_tab(db, L, t)
    if tab_form.open is not False:
        with tab_form:
            _form_tab(db, L, t)
    if tab_quality.open is not False:
        with tab_quality:
            _quality_tab(db, L, t)
    if acting_user(db).is_admin:
        _backup_section(db, t)


def make_backup(user) -> tuple[str, str]:
    """A fresh backup of the app's database in a private temporary folder:
    (path, download file name).  :func:`geo.maintenance.backup` does the work."""
    import tempfile
    from pathlib import Path
    from geo import maintenance
    name = f"antt-backup-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.db"
    out = Path(tempfile.mkdtemp(prefix="antt-backup-")) / name
    maintenance.backup(store.db_path(), out, user=user)
    return str(out), name


def _backup_section(db, t) -> None:
    from pathlib import Path
    from ui.session import acting_user
    ss = st.session_state
    with st.expander(t("data_backup_title")):
        st.caption(t("data_backup_help"))
        if st.button(t("data_backup_make"), key="data_backup_make"):
            old = ss.pop("_data_backup", None)
            if old:
                Path(old[0]).unlink(missing_ok=True)
            try:
                ss["_data_backup"] = make_backup(acting_user(db))
            except (store.StoreError, auth.PermissionDenied) as e:
                st.error(t("data_backup_failed", error=md(e)))
        made = ss.get("_data_backup")
        if made and Path(made[0]).exists():
            path, name = made
            size = fmt(Path(path).stat().st_size / 1e6, 1) + " MB"
            st.download_button(t("data_backup_download", size=size), data=Path(path).read_bytes(),
                               file_name=name, mime="application/vnd.sqlite3", key="data_backup_dl")


# ----------------------------------------------------------------- import tab
def _import_tab(db, L, t) -> None:
    ss = st.session_state
    kind = st.radio(t("data_kind"), KINDS, key="data_imp_kind", horizontal=True,
                    format_func=lambda k: kind_label(k, L))
    c1, c2, c3 = st.columns([2, 2, 3])
    c1.download_button(t("data_template_xlsx"), data=lambda: templates.template_xlsx(kind, L),
                       file_name=f"mau_{kind}.xlsx", icon=":material/table_view:", key="data_tpl_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore")
    c2.download_button(t("data_template_csv"), data=lambda: templates.template_csv(kind, L),
                       file_name=f"mau_{kind}.csv", mime="text/csv", icon=":material/description:",
                       key="data_tpl_csv", on_click="ignore")
    c3.caption(t("data_template_help"))
    up = st.file_uploader(t("data_upload"), type=UPLOAD_TYPES, key="data_upload", help=t("data_upload_help"))
    if up is None:
        st.caption(t("data_upload_hint"))
        return
    data = up.getvalue()
    shas = ss.setdefault("_data_sha", {})
    sha = shas.get(up.file_id)
    user = _acting_user()
    if sha is None:  # a new upload: size and per-hour count limits, counted once
        try:
            auth.check_upload(db, user, up.name, len(data))
        except auth.PermissionDenied as e:
            st.error(md(e))
            return
        shas.clear()
        sha = shas[up.file_id] = file_sha(data)
    rev = store.revision(db)

    done = ss.get("data_imp_done")
    if done and done["key"] == dry_run_key(sha, kind, rev):
        _show_outcome(done["outcome"], kind, up.name, L, t, final=True)
        return

    key = dry_run_key(sha, kind, rev)
    cached = ss.get("data_dry")
    if cached and cached[0] == key:
        out = cached[1]
    else:
        with st.spinner(t("data_checking")):
            out = run_import(db, kind, data, up.name, dry_run=True, user=user)
        ss.data_dry = (key, out)              # one dry run kept: files can be big
    _show_outcome(out, kind, up.name, L, t, final=False)
    if not out.ok:
        return
    if not out.writes:
        st.info(t("data_nothing_to_write"))
        return
    # the button's key names the data revision: if the data changed since this dry
    # run, the page shows a new dry run and a new button instead of importing blind
    if st.button(t("data_confirm", n=fmt(out.writes)), type="primary", icon=":material/upload:",
                 key=f"data_confirm_{sha[:16]}_{kind}_{rev}"):
        with st.spinner(t("data_importing")):
            res = run_import(db, kind, data, up.name, dry_run=False, user=user)
        if not res.ok:
            _show_error(res, t)
            return
        ss.data_imp_done = {"key": dry_run_key(sha, kind, res.revision), "outcome": res}
        ss.pop("data_dry", None)
        st.rerun()


def _show_error(out: Outcome, t) -> None:
    if out.internal:
        st.error(t("data_error_generic"))
    elif out.denied:
        st.error(md(out.denied))
    else:
        st.error(t("data_file_error", reason=md(out.error)))


def _show_outcome(out: Outcome, kind: str, file_name: str, L: str, t, *, final: bool) -> None:
    if not out.ok:
        _show_error(out, t)
        return
    r = out.result
    if final:
        st.success(t("data_imported", file=md(file_name), inserted=fmt(r.inserted), updated=fmt(r.updated),
                     unchanged=fmt(r.unchanged), rejected=fmt(r.rejected)))
    else:
        st.markdown(f"##### {t('data_dry_title', file=md(file_name))}")
    cols = st.columns(4)
    for col, k, n in zip(cols, ("data_inserted", "data_updated", "data_unchanged", "data_rejected"),
                         (r.inserted, r.updated, r.unchanged, r.rejected)):
        col.metric(t(k), fmt(n))
    for w in r.warnings:
        st.warning(md(w))
    if r.ignored_columns:
        st.caption(t("data_ignored_columns", cols=", ".join(md(c) for c in r.ignored_columns)))
    if final and r.outside:
        st.warning(t("data_outside", n=fmt(len(r.outside))))
    if r.row_warnings:   # kept rows: a value outside the list counted as "Khác", its text kept
        with st.expander(t("data_row_warnings", n=fmt(len(r.row_warnings)))):
            grid.show(errors_frame(r, L, MAX_SHOWN, items=r.row_warnings), hide_index=True, width="stretch",
                         key=f"data_row_warnings_{'final' if final else 'dry'}",
                         column_config={t("data_col_message"): st.column_config.TextColumn(width="large")})
    if r.errors:
        st.markdown(f"**{t('data_errors', rows=fmt(r.rejected), n=fmt(len(r.errors)))}**")
        grid.show(errors_frame(r, L, MAX_SHOWN), hide_index=True, width="stretch",
                     height=min(400, 38 + 35 * min(len(r.errors), MAX_SHOWN)),
                     column_config={t("data_col_row"): st.column_config.NumberColumn(width="small"),
                                    t("data_col_message"): st.column_config.TextColumn(width="large")})
        if len(r.errors) > MAX_SHOWN:
            st.caption(t("data_shown_first", shown=fmt(MAX_SHOWN), total=fmt(len(r.errors))))
        stem = re.sub(r"[^\w.-]+", "_", file_name.rsplit(".", 1)[0])[:60] or "tep"
        d1, d2, d3 = st.columns([2, 2, 3])
        tag = "final" if final else "dry"
        d1.download_button(t("data_download_rejected_csv"), data=lambda: templates.rejected_file(r, "csv"),
                           file_name=f"{stem}_bi_tu_choi.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:", key=f"data_rej_csv_{tag}")
        d2.download_button(t("data_download_rejected_xlsx"), data=lambda: templates.rejected_file(r, "xlsx"),
                           file_name=f"{stem}_bi_tu_choi.xlsx", on_click="ignore", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key=f"data_rej_xlsx_{tag}")
        d3.caption(t("data_rejected_help"))
    if r.changes:
        st.markdown(f"**{t('data_changes_done' if final else 'data_changes', n=fmt(len(r.changes)))}**")
        ch = changes_frame(r, L, MAX_SHOWN)
        grid.show(ch, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(ch)))
        if len(ch) >= MAX_SHOWN:
            st.caption(t("data_changes_more"))


# ------------------------------------------------------------------- form tab
def _form_tab(db, L, t) -> None:
    ss = st.session_state
    path = str(store.db_path())
    rev = store.revision(db)
    kind = st.radio(t("data_kind"), KINDS, key="data_form_kind", horizontal=True,
                    format_func=lambda k: kind_label(k, L), persist_state="page")
    c2, c3 = st.columns([2, 3])
    search = c2.text_input(t("data_search_id"), key="data_form_search", persist_state="page",
                           help=t("data_search_help", n=MAX_PICK), placeholder=t("data_search_placeholder"))
    me = _acting_user()
    choices = _cached_choices(path, rev, kind, search or "", L, me.username, db, me)
    labels = dict(zip(choices["id"], choices["label"]))
    deleted = dict(zip(choices["id"], choices["deleted"]))
    current = ss.get("data_form_pick")
    if current and current not in labels:       # keep a chosen (or just added) record in the list
        rec = _get(db, kind, current)
        if rec is None:
            ss.data_form_pick = NEW
        else:
            one = _cached_choices(path, rev, kind, current, L, me.username, db, me)
            one = one[one["id"] == current]
            labels = {current: one["label"].iloc[0] if len(one) else str(current), **labels}
            deleted[current] = bool(rec.get("deleted_at"))
    options = [NEW, *labels]
    rid = c3.selectbox(t("data_record"), options, key="data_form_pick", persist_state="page",
                       format_func=lambda i: t("data_new_record") if i == NEW else
                       labels.get(i, str(i)) + (f" {t('data_deleted_suffix')}" if deleted.get(i) else ""))
    if not choices["id"].size and search:
        st.caption(t("data_search_none", q=md(search)))

    msg = ss.pop("_dfm_msg", None)
    if msg:
        getattr(st, msg[0])(msg[1])

    try:
        rec = records.get_record(db, kind, rid, user=_acting_user()) if rid else None
    except (auth.PermissionDenied, auth.AuthError) as e:
        st.error(md(e))
        return
    if rid and rec is None:
        st.warning(t("data_record_gone", id=md(rid)))
        return
    if rec and rec.get("deleted_at"):
        _deleted_record(db, kind, rec, path, L, t)
    else:
        _record_form(db, kind, rec, path, rev, L, t)
    if rid:
        st.markdown(f"##### {t('data_history')}")
        from ui.session import acting_user
        hist = history_frame(db, kind, rid, L, actor=acting_user(db))
        if hist.empty:
            st.caption(t("data_history_none"))
        else:
            grid.show(hist, hide_index=True, width="stretch")


def _get(db, kind: str, rid: str) -> dict | None:
    try:
        return records.get_record(db, kind, rid, user=_acting_user())
    except (auth.PermissionDenied, auth.AuthError):
        return None


def _prefix(kind: str, rid: str | None) -> str:
    return f"dfm_{kind}_{hashlib.sha1((rid or '').encode()).hexdigest()[:10] if rid else 'new'}_"


def _load_form(kind: str, rec: dict | None, prefix: str) -> None:
    """Put the record's values into the form's widgets (once per record and version, or
    when the widgets were dropped)."""
    ss = st.session_state
    spec = records.kind_spec(kind)
    stamp = (prefix, (rec or {}).get("updated_at"))
    if ss.get("_dfm_loaded") == stamp and prefix + "id" in ss:
        return
    for f in spec.fields:
        ss[prefix + f.name] = widget_value(f, (rec or {}).get(f.name))
        if f.type == "datetime":
            ss[prefix + f.name + "__time"] = time_value((rec or {}).get(f.name))
    if rec is None:
        for f in spec.fields:
            if f.default is not None:
                ss[prefix + f.name] = widget_value(f, f.default)
    ss._dfm_loaded = stamp


def _record_form(db, kind: str, rec: dict | None, path: str, rev: int, L: str, t) -> None:
    ss = st.session_state
    spec = records.kind_spec(kind)
    rid = rec["id"] if rec else None
    prefix = _prefix(kind, rid)
    _load_form(kind, rec, prefix)
    errs = ss.get("_dfm_errors")
    per, general = errors_by_field(kind, errs["errors"]) if errs and errs["prefix"] == prefix else ({}, [])
    if general or per:
        st.error(t("data_form_errors") + "\n\n" + "\n".join(
            f"- {md(m)}" for m in [*general, *(f'{field_label(kind, f, L)}: {x}' for f, ms in per.items()
                                             for x in ms)]))

    if "lon" in spec.field_names:
        _location_map(db, kind, rid, prefix, L, t)

    code_opts = _cached_code_options(path, rev, kind, db) if any(f.type == "code" for f in spec.fields) else {}
    with st.form(key=f"dfm_form_{prefix}", border=True):
        short = [f for f in spec.fields if f.name not in LONG_TEXT]
        cols = st.columns(2)
        for i, f in enumerate(short):
            with cols[i % 2]:
                _field_widget(f, prefix, rec, code_opts, L, t, per.get(f.name, []))
        for f in spec.fields:
            if f.name in LONG_TEXT:
                _field_widget(f, prefix, rec, code_opts, L, t, per.get(f.name, []))
        st.caption(t("data_required_hint"))
        st.form_submit_button(t("data_save") if rec else t("data_save_new"), type="primary",
                              icon=":material/save:", on_click=_save, args=(path, kind, rid, prefix, L))
    if rec:
        with st.expander(t("data_delete"), icon=":material/delete:"):
            st.caption(t("data_delete_help"))
            st.text_input(t("data_delete_reason"), key=prefix + "reason_del")
            st.button(t("data_delete"), key=prefix + "btn_del", on_click=_delete,
                      args=(path, kind, rid, prefix, L))


def _field_widget(f: records.Field, prefix: str, rec: dict | None, code_opts: dict, L: str, t,
                  errors: list[str]) -> None:
    _widget(f, prefix, rec, code_opts, L, t)
    for m in errors:
        st.markdown(f":red[{md(m)}]")


def _widget(f: records.Field, prefix: str, rec: dict | None, code_opts: dict, L: str, t) -> None:
    key = prefix + f.name
    label = f.label(L) + (" *" if f.required else "")
    hint = f.hint or None
    if f.type == "id":
        st.text_input(label, key=key, disabled=rec is not None, help=hint, value=None)
    elif f.type == "vocab":
        opts = list(f.vocab.codes)
        cur = st.session_state.get(key)
        if cur and cur not in opts:
            opts.append(cur)              # an unknown stored code stays visible (and is refused on save)
        st.selectbox(label, opts, key=key, index=None, placeholder=t("data_choose"),
                     format_func=lambda c: f.vocab.label(c, L) if c in f.vocab else
                     t("data_unknown_value", v=c))
    elif f.type == "code":
        cur = st.session_state.get(key)
        if code_opts:
            opts = list(code_opts)
            if cur and cur not in code_opts:
                opts.insert(0, cur)
            st.selectbox(label, opts, key=key, index=None, placeholder=t("data_choose"), help=hint,
                         format_func=lambda c: code_opts.get(c, c), accept_new_options=True)
        else:
            st.text_input(label, key=key, help=hint, value=None)
    elif f.type in ("date", "datetime"):
        cur = st.session_state.get(key)
        lo, hi = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
        if isinstance(cur, dt.date):
            lo, hi = min(lo, cur), max(hi, cur)
        if f.type == "datetime":
            a, b = st.columns([3, 2])
            a.date_input(label, key=key, value=None, min_value=lo, max_value=hi, format="DD/MM/YYYY")
            b.time_input(t("data_time"), key=key + "__time", value=None, step=60)
        else:
            st.date_input(label, key=key, value=None, min_value=lo, max_value=hi, format="DD/MM/YYYY")
    elif f.type in ("lon", "lat"):
        st.number_input(label, key=key, value=None, step=0.0001, format="%.6f", help=hint)
    elif f.type == "float":
        st.number_input(label, key=key, value=None, step=5.0, format="%.1f", help=hint)
    elif f.type == "int":
        st.number_input(label, key=key, value=None, step=1, help=hint)
    elif f.type == "bool":
        st.checkbox(label, key=key)
    elif f.name in LONG_TEXT:
        st.text_area(label, key=key, value=None, height=80)
    else:
        st.text_input(label, key=key, help=hint, value=None)


def _location_map(db, kind: str, rid: str | None, prefix: str, L: str, t) -> None:
    """A small map: a click sets the longitude and latitude of the form."""
    import folium
    from streamlit_folium import st_folium

    ss = st.session_state
    lon, lat = ss.get(prefix + "lon"), ss.get(prefix + "lat")
    s = areas.current_set(db, "village") or areas.current_set(db, "commune")
    if s is not None:
        feats = areas.map_features(db, s.id)
        classes = maps.categorical_classes([t(f"level_{s.level}")], [AREA_COLOR])
        m = maps.choropleth(feats, {f["properties"]["code"]: 0 for f in feats["features"]},
                            metric_label=t("data_map_areas"), classes=classes, tiles=maps.default_tiles(),
                            no_data_label=t("no_data"), areas_label=t("legend_areas"), lang=L)
    else:
        m = maps.base_map(tiles=maps.default_tiles(), lang=L)
    if lon is not None and lat is not None:
        folium.CircleMarker([lat, lon], radius=7, color="#ffffff", weight=2, fill=True,
                            fill_color=POINT_COLOR, fill_opacity=1.0).add_to(m)
        d = 0.01
        m.fit_bounds([[lat - d, lon - d], [lat + d, lon + d]])
    maps.finish(m)
    st.caption(t("data_map_hint"))
    out = st_folium(m, height=360, use_container_width=True, returned_objects=["last_clicked"],
                    key=f"dfm_map_{prefix}")
    click = (out or {}).get("last_clicked")
    if click and click.get("lat") is not None:
        pt = (round(float(click["lng"]), 6), round(float(click["lat"]), 6))
        if ss.get("_dfm_click") != (prefix, pt):
            ss._dfm_click = (prefix, pt)
            ss[prefix + "lon"], ss[prefix + "lat"] = pt
            st.rerun()


def _deleted_record(db, kind: str, rec: dict, path: str, L: str, t) -> None:
    rid = rec["id"]
    prefix = _prefix(kind, rid)
    st.warning(t("data_is_deleted", at=fmt_time(rec.get("deleted_at"))))
    spec = records.kind_spec(kind)
    grid.show(pd.DataFrame({t("data_col_field"): [f.label(L) for f in spec.fields],
                               t("data_col_value"): [display_value(kind, f.name, rec.get(f.name), L)
                                                     for f in spec.fields]}),
                 hide_index=True, width="stretch")
    st.text_input(t("data_restore_reason"), key=prefix + "reason_res")
    st.button(t("data_restore"), key=prefix + "btn_res", type="primary", icon=":material/restore_from_trash:",
              on_click=_restore, args=(path, kind, rid, prefix, L))


def _open(path: str):
    return store.open_db(path)


def _save(path: str, kind: str, rid: str | None, prefix: str, lang: str) -> None:
    """Form submit (a callback: runs before the page, so errors show next to the fields)."""
    ss = st.session_state
    spec = records.kind_spec(kind)
    widgets = {f.name: ss.get(prefix + f.name) for f in spec.fields}
    times = {f.name: ss.get(prefix + f.name + "__time") for f in spec.fields if f.type == "datetime"}
    values = form_values(kind, widgets, times)
    ss.pop("_dfm_errors", None)
    db = None
    try:
        db = _open(path)
        if rid is None:
            rec = records.add_record(db, kind, values, user=_acting_user())
            ss.data_form_pick = rec["id"]
            ss.data_form_search = ""
            ss._dfm_msg = ("success", tr("data_saved_new", lang, kind=kind_label(kind, lang).lower(),
                                         id=md(rec["id"])))
        else:
            rev = store.revision(db)
            records.update_record(db, kind, rid, {k: v for k, v in values.items() if k != "id"},
                                  user=_acting_user())
            changed = store.revision(db) != rev
            ss._dfm_msg = ("success", tr("data_saved", lang, id=md(rid))) if changed else \
                ("info", tr("data_no_change", lang))
    except records.RecordError as e:
        ss._dfm_errors = {"prefix": prefix, "errors": e.errors}
    except (auth.PermissionDenied, auth.AuthError) as e:
        ss._dfm_msg = ("error", md(e))
    except KeyError:
        ss._dfm_msg = ("warning", tr("data_record_gone", lang, id=md(rid)))
    except Exception:  # noqa: BLE001 - logged; the officer sees a plain message
        log.exception("saving %s %s from the form failed", kind, rid)
        ss._dfm_msg = ("error", tr("data_error_save", lang))
    finally:
        if db is not None:
            db.conn.close()


def _delete(path: str, kind: str, rid: str, prefix: str, lang: str) -> None:
    ss = st.session_state
    reason = (ss.get(prefix + "reason_del") or "").strip()
    if not reason:
        ss._dfm_msg = ("error", tr("data_delete_need_reason", lang))
        return
    _set_deleted(path, kind, rid, True, reason, lang)


def _restore(path: str, kind: str, rid: str, prefix: str, lang: str) -> None:
    reason = (st.session_state.get(prefix + "reason_res") or "").strip() or None
    _set_deleted(path, kind, rid, False, reason, lang)


def _set_deleted(path, kind, rid, deleted: bool, reason, lang) -> None:
    ss = st.session_state
    db = None
    try:
        db = _open(path)
        fn = records.delete_record if deleted else records.restore_record
        fn(db, kind, rid, user=_acting_user(), reason=reason)
        ss._dfm_msg = ("success", tr("data_deleted" if deleted else "data_restored", lang, id=md(rid)))
    except (auth.PermissionDenied, auth.AuthError) as e:
        ss._dfm_msg = ("error", md(e))
    except KeyError:
        ss._dfm_msg = ("warning", tr("data_record_gone", lang, id=md(rid)))
    except Exception:  # noqa: BLE001
        log.exception("%s of %s %s failed", "delete" if deleted else "restore", kind, rid)
        ss._dfm_msg = ("error", tr("data_error_save", lang))
    finally:
        if db is not None:
            db.conn.close()


# ---------------------------------------------------------------- quality tab
def _choose_dq(value: str | None) -> None:
    st.session_state.data_dq = value


def _open_in_form(kind: str, rid: str, form_label: str) -> None:
    ss = st.session_state
    ss[TAB_KEY] = form_label
    ss.data_form_kind = kind
    ss.data_form_search = ""
    ss.data_form_pick = rid


def _quality_tab(db, L, t) -> None:
    ss = st.session_state
    path = str(store.db_path())
    rev = store.revision(db)
    today = dt.date.today().isoformat()
    with st.spinner(t("data_counting")):
        me = _acting_user()
        counts = _cached_counts(path, rev, today, me.username, db, me).copy()
        counts["label"] = [quality.get_check(c, k).label(L) for c, k in zip(counts["check"], counts["kind"])]
        totals = _cached_totals(path, rev, db)
    st.caption(t("data_quality_intro"))
    chosen = parse_dq(ss.get("data_dq"))
    cols = st.columns(len(KINDS))
    for col, kind in zip(cols, KINDS):
        with col:
            st.markdown(f"**{kind_label(kind, L)}** · {t('data_quality_total', n=fmt(totals[kind]))}")
            for r in counts[counts["kind"] == kind].itertuples(index=False):
                value = dq_value(r.check, kind)
                sel = chosen == (r.check, kind)
                st.button(f"{r.label}: **{fmt(r.count)}**", key=f"dq_{value}", width="stretch",
                          type="primary" if sel else ("secondary" if r.count else "tertiary"),
                          on_click=_choose_dq, args=(None if sel else value,))
    if chosen is None:
        st.query_params.pop("dq", None)
        return
    check, kind = chosen
    st.query_params["dq"] = dq_value(check, kind)
    n = int(counts[(counts["check"] == check) & (counts["kind"] == kind)]["count"].iloc[0])
    st.divider()
    st.markdown(f"##### {t('data_dq_list', label=quality.get_check(check, kind).label(L), n=fmt(n))}")
    st.caption(t("data_dq_share", dq=dq_value(check, kind)))
    if not n:
        st.info(t("data_dq_none"))
        return
    me = _acting_user()
    df = _cached_list(path, rev, today, check, kind, MAX_SHOWN, me.username, db, me)
    shown = records_frame(df, kind, L)
    event = grid.show(shown, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"dq_table_{check}_{kind}")
    if n > len(df):
        st.caption(t("data_shown_first", shown=fmt(len(df)), total=fmt(n)))
    b1, b2, _ = st.columns([3, 2, 3])
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows:
        rid = str(df["id"].iloc[rows[0]])
        b1.button(t("data_edit_in_form", id=md(rid)), type="primary", icon=":material/edit:",
                  key="dq_open_form", on_click=_open_in_form, args=(kind, rid, t("data_tab_form")))
    else:
        b1.caption(t("data_dq_select_hint"))

    def full_list() -> bytes:
        conn = store.open_db(path)
        try:
            return templates.table_bytes(records_frame(quality.records(conn, check, kind, user=_acting_user()),
                                                       kind, L), "csv")
        finally:
            conn.conn.close()
    b2.download_button(t("data_download_list"), data=full_list, file_name=f"{check}_{kind}.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:", key="dq_download")


if __name__ == "__main__":
    # Streamlit runs this file as ``__main__``; run the importable module's copy
    # instead, so the cached functions and classes are defined once.
    from ui import data as _page
    _page.main()
