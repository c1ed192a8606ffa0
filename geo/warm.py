"""Warm what the first visitor needs, in the background: at server start and after each write.

No Streamlit here.  :func:`start` runs one daemon thread per database file that
loads the records (``geo.stats.record_tables``), the placements of the current
boundary sets (``record_areas`` indexes, camera discs, through ``area_stats`` of
the default view of each level) and the map geometry of those sets
(``geo.mapdata.geometry``), then watches the data revision: when a write bumps
it, the same steps run again, so the first page after an import does not pay
for it.  Nothing waits for the thread; :func:`status` says how far it is, for a
page to show progress where a wait remains (:func:`wait`).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger("antt.warm")
POLL_SECONDS = 2.0
STEPS = ("records", "placements", "geometry")


@dataclass
class Status:
    """Where the warm-up of one database file is."""
    revision: int | None = None        # the data revision last warmed completely
    running: bool = False
    step: str = ""
    done: int = 0
    total: int = len(STEPS)
    seconds: float | None = None       # how long the last complete warm-up took
    timings: dict = field(default_factory=dict)   # seconds per step of the last warm-up
    error: str | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()


_status: dict[str, Status] = {}
_threads: dict[str, threading.Thread] = {}
_lock = threading.Lock()


def _lap(st: Status, step: str, since: float) -> float:
    now = time.perf_counter()
    st.timings[step] = round(now - since, 2)
    return now


def warm(path: str, st: Status | None = None) -> Status:
    """Run every warm-up step once on the database at ``path`` (in this thread)."""
    from . import areas, filters, mapdata, periods, stats, store
    st = st or Status()
    t0 = time.perf_counter()
    db = store.open_db(path, create=False)
    try:
        rev = store.revision(db)
        st.running, st.done, st.error = True, 0, None
        st.step = STEPS[0]
        stats.record_tables(db)
        lap = _lap(st, STEPS[0], t0)
        st.done, st.step = 1, STEPS[1]
        sets = [s for s in (areas.current_set(db, level) for level in filters.LEVELS) if s is not None]
        default = periods.preset(filters.DEFAULT_PRESET)
        for s in sets:                    # placements, camera discs, the default view's figures
            stats.area_stats(db, s.id, default)
        lap = _lap(st, STEPS[1], lap)
        st.done, st.step = 2, STEPS[2]
        for s in sets:
            mapdata.geometry(db, s.id)
        _lap(st, STEPS[2], lap)
        st.done, st.step = 3, ""
        st.revision = rev
        st.seconds = time.perf_counter() - t0
        st._ready.set()
        log.info("warm-up done in %.1f s (revision %s): %s", st.seconds, rev, st.timings)
    except Exception as e:  # a warm-up failure only costs speed; pages report real errors
        st.error = str(e)
        st._ready.set()
        log.exception("warm-up failed")
    finally:
        st.running = False
        db.conn.close()
    return st


def _loop(path: str, st: Status, poll: float) -> None:
    from . import store
    while True:
        try:
            db = store.open_db(path, create=False)
            try:
                rev = store.revision(db)
            finally:
                db.conn.close()
            if rev != st.revision:
                warm(path, st)
        except Exception:
            log.exception("warm-up watch failed")
        time.sleep(poll)


def start(path: str, poll: float = POLL_SECONDS) -> Status:
    """Start (once per file and process) the background warm-up of ``path``; returns its status."""
    key = str(path)
    with _lock:
        st = _status.get(key)
        if st is None:
            st = _status[key] = Status()
            th = threading.Thread(target=_loop, args=(key, st, poll), name="antt-warm", daemon=True)
            _threads[key] = th
            th.start()
    return st


def status(path: str) -> Status | None:
    return _status.get(str(path))


def wait(path: str, on_progress=None, timeout: float = 120.0) -> bool:
    """Wait for the first warm-up of ``path`` (if one was started), calling
    ``on_progress(status)`` a few times a second; True when it has finished."""
    st = status(path)
    if st is None:
        return True
    deadline = time.time() + timeout
    while not st.ready and time.time() < deadline:
        if on_progress:
            on_progress(st)
        st._ready.wait(0.25)
    return st.ready
