"""Per-run plumbing shared by the pages: the database, the language, errors.

Streamlit code only; every figure comes from ``geo``.
"""
from __future__ import annotations

import logging

import streamlit as st

from geo import i18n, store

log = logging.getLogger("antt")


@st.cache_resource(show_spinner=False)
def _ensure_database(path: str) -> str:
    """Build the demo database on first start when none exists (once per process)."""
    from pathlib import Path

    from geo import demo
    p = Path(path)
    if not p.exists():
        bar = st.progress(0.0, text=i18n.t("building_demo", lang()))
        try:
            demo.build_demo(p, progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
        except FileExistsError:
            pass  # another process finished building it first: use that one
        bar.empty()
    return path


@st.cache_resource(show_spinner=False)
def _warm_up(path: str) -> None:
    """Load the records and the current sets' area indexes in the background, once
    per process, so the first page view does not pay for it."""
    import threading

    from geo import areas, filters, periods, stats

    def work():
        try:
            db = store.open_db(path)
            for level in filters.LEVELS:  # the default view of each level
                s = areas.current_set(db, level)
                if s is not None:
                    stats.area_stats(db, s.id, periods.preset(filters.DEFAULT_PRESET))
        except Exception:  # a warm-up failure only costs speed; the page reports real errors
            log.exception("cache warm-up failed")

    threading.Thread(target=work, name="antt-warm-up", daemon=True).start()


def lang() -> str:
    q = st.query_params.get("lang")
    return st.session_state.get("lang") or (q if q in i18n.LANGS else i18n.DEFAULT_LANG)


def t(key: str, **fmt) -> str:
    return i18n.t(key, lang(), **fmt)


def database():
    """An open connection for this run (the file is created from demo data if missing).

    A file that is not a usable ANTT database stops the page with a clear message."""
    path = str(store.db_path())
    try:
        _ensure_database(path)
        db = store.open_db(path)
        _warm_up(path)
        return db
    except store.StoreError as e:
        st.error(f"{t('db_error')}: {e}")
        st.stop()


def show_demo_banner(db) -> None:
    if store.is_demo(db):
        st.caption(f":material/science: {t('demo_banner')}")
