"""Where record placements are stored: spans over the versions of a layer.

A boundary set belongs to a *layer* (``boundary_sets.layer_id``; a set with none is
a layer of its own).  The province village layer is one layer whose versions are
the sets made by :func:`geo.village_layer.replace_communes`; every other set is a
one-version layer.

``record_spans`` holds one row per record and *run of versions* in which it lies
in the same area: ``set_id`` is the first version of the run, ``until_set`` the
first version after it (NULL: every later version too).  A new version of a layer
therefore inherits every placement of the version before it without a row being
copied; only the records whose area changes get new rows.  Readers never see
spans: the view ``record_areas`` (``kind, set_id, record_id, code, method``) gives
one row per record and set, exactly as a table of placements per set would.

Writing goes through :func:`write`: the placements of some versions of a layer,
for all records of a kind or for some of them, are merged with what the other
versions hold and stored again as runs.
"""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd

KINDS = ("incident", "camera", "group")
METHODS = ("point", "code", "crosswalk")


def layer_versions(conn: sqlite3.Connection) -> dict[int, list[int]]:
    """set id → the ids of every version of its layer, oldest first."""
    layers: dict[int, list[int]] = {}
    for sid, layer in conn.execute("SELECT id, coalesce(layer_id, id) FROM boundary_sets ORDER BY id"):
        layers.setdefault(int(layer), []).append(int(sid))
    out: dict[int, list[int]] = {}
    for versions in layers.values():
        for sid in versions:
            out[sid] = versions
    return out


def _ids_json(ids) -> str:
    return json.dumps([str(i) for i in ids], ensure_ascii=False)


def write(conn: sqlite3.Connection, kind: str, placed: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
          *, ids=None, fresh: bool = False) -> None:
    """Store the placements ``placed`` ({set id: (record ids, codes, methods)}) of ``kind``.

    For every set of ``placed`` the given rows become the whole placement of the
    records concerned: all records of ``kind`` when ``ids`` is None (records with no
    row are in no area of that set), else the records ``ids``.  ``fresh=True``: the
    records have no placement anywhere yet (new ids).  Other versions of the same
    layers keep theirs.  Inside the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    versions_of = layer_versions(conn)
    by_layer: dict[tuple[int, ...], list[int]] = {}
    for sid in placed:
        by_layer.setdefault(tuple(versions_of[int(sid)]), []).append(int(sid))
    for versions, written in by_layer.items():
        rows = {sid: placed[sid] for sid in written}
        _check(kind, rows)
        if len(versions) == 1:
            _write_single(conn, kind, versions[0], rows[versions[0]], ids, fresh)
        else:
            _write_layer(conn, kind, list(versions), rows, ids, fresh)


def _check(kind, rows) -> None:
    """The table's CHECKs, once per batch (they are skipped per row when inserting)."""
    for _, _, methods in rows.values():
        if len(methods) and not set(pd.unique(np.asarray(methods, dtype=object))) <= set(METHODS):
            raise ValueError(f"bad record_spans rows for {kind!r}")


def _write_single(conn, kind, sid, rows, ids, fresh) -> None:
    """A one-version layer: the rows of the set are its placements (no runs to merge)."""
    if not fresh:
        if ids is None:
            conn.execute("DELETE FROM record_spans WHERE kind = ? AND set_id = ?", (kind, sid))
        else:
            conn.execute("DELETE FROM record_spans WHERE kind = ? AND set_id = ? "
                         "AND record_id IN (SELECT value FROM json_each(?))", (kind, sid, _ids_json(ids)))
    rids, codes, methods = rows
    if len(rids):
        _insert(conn, kind, int(sid), np.asarray(rids, dtype=object), None,
                np.asarray(codes, dtype=object), np.asarray(methods, dtype=object))


def _write_layer(conn, kind, versions: list[int], rows: dict, ids, fresh) -> None:
    """Versions of a layer with more than one version: merge and store as runs."""
    col = {v: i for i, v in enumerate(versions)}
    n = len(versions)
    written_ids = [np.asarray(r[0], dtype=object) for r in rows.values()]
    if fresh:
        old = pd.DataFrame(columns=["record_id", "set_id", "until_set", "code", "method"])
    elif ids is None:
        old = pd.read_sql_query(
            "SELECT record_id, set_id, until_set, code, method FROM record_spans WHERE kind = ? "
            "AND set_id IN (SELECT value FROM json_each(?))", conn, params=[kind, json.dumps(versions)])
    else:
        old = pd.read_sql_query(
            "SELECT record_id, set_id, until_set, code, method FROM record_spans WHERE kind = ? "
            "AND set_id IN (SELECT value FROM json_each(?)) AND record_id IN (SELECT value FROM json_each(?))",
            conn, params=[kind, json.dumps(versions), _ids_json(ids)])
    # the records concerned, and a (code, method) vocabulary
    universe = [old["record_id"].to_numpy(dtype=object), *written_ids]
    if ids is not None:
        universe.append(np.asarray([str(i) for i in ids], dtype=object))
    rec = pd.Index(pd.unique(np.concatenate(universe))) if universe else pd.Index([])
    if not len(rec):
        return
    pairs_old = (old["code"].astype(str) + "\x1f" + old["method"].astype(str)).to_numpy(dtype=object)
    pairs_new = [np.char.add(np.char.add(np.asarray(r[1], dtype=str), "\x1f"), np.asarray(r[2], dtype=str))
                 .astype(object) for r in rows.values()]
    vocab, inv = np.unique(np.concatenate([pairs_old, *pairs_new]) if len(pairs_old) or pairs_new
                           else np.array([], dtype=object), return_inverse=True)
    inv = inv.astype(np.int32)
    m = np.full((len(rec), n), -1, dtype=np.int32)
    # what is stored, expanded to one cell per record and version
    if len(old):
        r = rec.get_indexer(old["record_id"].to_numpy(dtype=object))
        vers = np.asarray(versions, dtype=np.int64)          # ascending (layer_versions)
        c0 = np.searchsorted(vers, old["set_id"].to_numpy(dtype=np.int64))
        until = pd.to_numeric(old["until_set"], errors="coerce").to_numpy(dtype=float)
        c1 = np.where(np.isnan(until), n, np.searchsorted(vers, np.nan_to_num(until, nan=0).astype(np.int64)))
        lens = c1 - c0
        rr = np.repeat(r, lens)
        cc = np.repeat(c0, lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
        m[rr, cc] = np.repeat(inv[:len(old)], lens)
    before = m.copy()
    # the written versions: the given rows are the whole placement of the records concerned
    off = len(old)
    for (sid, (rids, _, _)), pn in zip(rows.items(), pairs_new):
        c = col[sid]
        m[:, c] = -1
        if len(rids):
            m[rec.get_indexer(np.asarray(rids, dtype=object)), c] = inv[off:off + len(pn)]
        off += len(pn)
    changed = np.flatnonzero((m != before).any(axis=1))
    if not len(changed):
        return
    sub = m[changed]
    flat = sub.ravel()
    idx = np.arange(len(flat))
    start = (idx % n == 0) | np.concatenate([[True], flat[1:] != flat[:-1]])
    starts = np.flatnonzero(start)
    ends = np.concatenate([starts[1:], [len(flat)]])
    keep = flat[starts] >= 0
    starts, ends = starts[keep], ends[keep]
    row = starts // n
    c0 = starts % n
    c1 = (ends - 1) % n + 1
    vers = np.asarray(versions, dtype=np.int64)
    since = vers[c0]
    until_ = np.where(c1 < n, vers[np.minimum(c1, n - 1)], -1)
    vals = vocab[flat[starts]]
    split = pd.Series(vals, dtype=object).str.split("\x1f", n=1, expand=True) if len(vals) else None
    rids_changed = rec.to_numpy(dtype=object)[changed]
    if not fresh:
        conn.execute("DELETE FROM record_spans WHERE kind = ? AND set_id IN (SELECT value FROM json_each(?)) "
                     "AND record_id IN (SELECT value FROM json_each(?))",
                     (kind, json.dumps(versions), _ids_json(rids_changed)))
    if len(starts):
        _insert(conn, kind, since, rids_changed[row], until_, split[0].to_numpy(dtype=object),
                split[1].to_numpy(dtype=object))


def _insert(conn, kind, since, rids: np.ndarray, until: np.ndarray | None, codes, methods) -> None:
    """Insert spans in primary-key order, in one statement (a JSON array bound as one
    parameter; the values were checked by :func:`_check`, the table's CHECK lists
    are not evaluated again per row: a third of a large insert).  ``since``: one set
    id for every row, or one per row; ``until`` None: every span is open (NULL)."""
    one_set = np.ndim(since) == 0
    if one_set:
        if not pd.Series(rids, dtype=object).is_monotonic_increasing:
            order = np.argsort(rids, kind="stable")
            rids, codes, methods = rids[order], codes[order], methods[order]
    else:
        order = np.lexsort((rids.astype(str), since))
        since, rids, codes, methods = since[order], rids[order], codes[order], methods[order]
        until = None if until is None else until[order]
    one_method = methods[0] if len(methods) and (methods == methods[0]).all() else None
    cols = [rids.tolist(), codes.tolist()]
    sql = {"rid": "json_extract(value, '$[0]')", "code": "json_extract(value, '$[1]')"}
    k = 2
    if one_method is None:
        cols.append(methods.tolist())
        sql["method"], k = f"json_extract(value, '$[{k}]')", k + 1
    else:
        sql["method"] = f"'{one_method}'"
    if one_set:
        sql["set"] = str(int(since))
    else:
        cols.append(since.tolist())
        sql["set"], k = f"json_extract(value, '$[{k}]')", k + 1
    if until is None:
        sql["until"] = "NULL"
    else:
        cols.append([None if u < 0 else int(u) for u in until.tolist()])
        sql["until"] = f"json_extract(value, '$[{k}]')"
    payload = json.dumps(list(zip(*cols)), ensure_ascii=False)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    try:
        conn.execute(
            "INSERT INTO record_spans (kind, set_id, record_id, code, method, until_set) "
            f"SELECT ?, {sql['set']}, {sql['rid']}, {sql['code']}, {sql['method']}, {sql['until']} "
            "FROM json_each(?)", (kind, payload))
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")


def record_ids_in(conn: sqlite3.Connection, kind: str, set_id: int, codes) -> set[str]:
    """Ids of the records of ``kind`` placed, in set ``set_id``, in one of ``codes``
    (through the index on codes: no scan of the set's placements)."""
    sid = int(set_id)
    versions = [v for v in layer_versions(conn).get(sid, [sid]) if v <= sid]
    return {r[0] for r in conn.execute(
        "SELECT record_id FROM record_spans INDEXED BY record_spans_code WHERE kind = ? "
        "AND code IN (SELECT value FROM json_each(?)) AND set_id IN (SELECT value FROM json_each(?)) "
        "AND (until_set IS NULL OR until_set > ?)", (kind, _ids_json(codes), json.dumps(versions), sid))}
