"""The database schema and its history: numbered migrations, applied in order.

``PRAGMA user_version`` holds the number of the last migration applied.  A
database whose version is higher than the number of migrations known here was
written by a newer ANTT Atlas; :func:`geo.store.open_db` refuses it instead of
guessing.
"""
from __future__ import annotations

# Each entry is one migration: a list of SQL statements (or Python steps, called with
# the connection) run in one transaction.
# Never edit a migration that has shipped: append a new one.


def _chain_existing_audit_rows(conn) -> None:
    from .audit import chain_existing
    chain_existing(conn)


# The placements of each record in each set (one row per record and set), from the runs
# of geo.placements: a span [set_id, until_set) of a layer's versions.  Asked for one set
# (``WHERE kind = ? AND set_id = ?``) it reads the spans of that set's layer versions up
# to it, each through the primary key (CROSS JOIN keeps that loop order and ``+u.id``
# keeps the equality on the key: the planner would otherwise scan every span of the
# kind below the set's id, once per record in a correlated query).
RECORD_AREAS_VIEW = """CREATE VIEW record_areas AS
    SELECT s.kind AS kind, v.id AS set_id, s.record_id AS record_id, s.code AS code, s.method AS method
    FROM boundary_sets v
    CROSS JOIN boundary_sets u
    CROSS JOIN record_spans s
    WHERE coalesce(u.layer_id, u.id) = coalesce(v.layer_id, v.id) AND u.id <= v.id
      AND s.set_id = +u.id AND (s.until_set IS NULL OR s.until_set > v.id)"""

MIGRATIONS: list[list[str]] = [
    # 1: the core data model
    [
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        )""",
        """CREATE TABLE boundary_sets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('province','district','commune','village')),
            parent_set_id INTEGER REFERENCES boundary_sets(id),
            valid_from TEXT,
            valid_to TEXT,
            source_file TEXT,
            source_crs TEXT,
            encoding TEXT,
            imported_at TEXT NOT NULL,
            imported_by TEXT,
            replaces_set_id INTEGER REFERENCES boundary_sets(id),
            is_demo INTEGER NOT NULL DEFAULT 0,
            notes TEXT
        )""",
        """CREATE TABLE areas (
            set_id INTEGER NOT NULL REFERENCES boundary_sets(id),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('province','district','commune','village')),
            unit_type TEXT,
            parent_code TEXT,
            geometry BLOB NOT NULL,          -- WKB, WGS84 (EPSG:4326)
            geometry_simple TEXT,            -- GeoJSON geometry, coverage-simplified for maps
            area_km2 REAL,
            population INTEGER,
            households INTEGER,
            centroid_lon REAL,
            centroid_lat REAL,
            PRIMARY KEY (set_id, code)
        )""",
        "CREATE INDEX areas_parent ON areas (set_id, parent_code)",
        """CREATE TABLE crosswalk (
            from_set INTEGER NOT NULL REFERENCES boundary_sets(id),
            from_code TEXT NOT NULL,
            to_set INTEGER NOT NULL REFERENCES boundary_sets(id),
            to_code TEXT NOT NULL,
            share REAL NOT NULL,             -- share of from_code's surface inside to_code
            PRIMARY KEY (from_set, from_code, to_set, to_code)
        )""",
        """CREATE TABLE groups (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            model_type TEXT NOT NULL,
            village_code TEXT,
            founded_on TEXT,
            dissolved_on TEXT,
            members INTEGER,
            leader TEXT,
            core_force INTEGER,
            notes TEXT,
            updated_at TEXT,
            deleted_at TEXT
        )""",
        "CREATE INDEX groups_village ON groups (village_code)",
        """CREATE TABLE cameras (
            id TEXT PRIMARY KEY,
            lon REAL,
            lat REAL,
            installed_on TEXT,
            removed_on TEXT,
            owner TEXT,
            radius_m REAL NOT NULL DEFAULT 50,
            connected_to_police INTEGER NOT NULL DEFAULT 0,
            notes TEXT,
            updated_at TEXT,
            deleted_at TEXT
        )""",
        """CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            occurred_on TEXT NOT NULL,       -- YYYY-MM-DD, optionally 'YYYY-MM-DD HH:MM'
            category TEXT NOT NULL,
            lon REAL,
            lat REAL,
            area_code TEXT,
            area_set_id INTEGER REFERENCES boundary_sets(id),
            description TEXT,
            source TEXT,
            updated_at TEXT,
            deleted_at TEXT
        )""",
        "CREATE INDEX incidents_day ON incidents (occurred_on)",
        # Which area of each boundary set a record lies in: computed once when the
        # record or the set arrives (point in polygon, or code through the crosswalk).
        """CREATE TABLE record_areas (
            kind TEXT NOT NULL CHECK (kind IN ('incident','camera','group')),
            set_id INTEGER NOT NULL REFERENCES boundary_sets(id),
            record_id TEXT NOT NULL,
            code TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('point','code','crosswalk')),
            PRIMARY KEY (kind, set_id, record_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin','officer','viewer')),
            area_code TEXT,
            area_set_id INTEGER REFERENCES boundary_sets(id),
            disabled INTEGER NOT NULL DEFAULT 0,
            must_change_password INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        )""",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            username TEXT,
            action TEXT NOT NULL,
            target_kind TEXT,
            target_id TEXT,
            before TEXT,                     -- JSON
            after TEXT,                      -- JSON
            detail TEXT
        )""",
        "CREATE INDEX audit_at ON audit_log (at)",
        # The audit log is append-only: nothing may change or remove a row.
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    ],
    # saved views (meetings): a named URL query of the filters (+ metric), per owner
    [
        """CREATE TABLE saved_views (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            owner TEXT NOT NULL,             -- username; 'system' = the local administrator
            query TEXT NOT NULL,             -- JSON: Filters.to_query() plus 'metric'
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (owner, name)
        )""",
    ],
    # login throttling: failures per account name (known or not) and per client, counted
    # atomically before each password check (geo.auth.authenticate)
    [
        """CREATE TABLE login_throttle (
            key TEXT PRIMARY KEY,            -- 'account:NAME' or 'client:ADDRESS'
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            updated_at TEXT NOT NULL
        )""",
    ],
    # a tamper-evident audit log: each row carries the hash of its content and of the row
    # before it (geo.audit.row_hash); rows written before get theirs now.  INSERT OR
    # REPLACE of an existing row, an insert before the last row and an insert that does
    # not continue the chain are refused like UPDATE and DELETE (NEW.id is -1 when not given).
    [
        "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT",
        "ALTER TABLE audit_log ADD COLUMN row_hash TEXT",
        "DROP TRIGGER audit_log_no_update",
        _chain_existing_audit_rows,
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_append_chained BEFORE INSERT ON audit_log
           BEGIN SELECT CASE
             WHEN NEW.id >= 1 AND NEW.id <= (SELECT max(id) FROM audit_log)
               THEN RAISE(ABORT, 'audit_log is append-only')
             WHEN NEW.row_hash IS NULL
               OR NEW.prev_hash IS NOT (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1)
               THEN RAISE(ABORT, 'audit_log: row does not continue the hash chain')
           END; END""",
    ],
    # village boundaries uploaded by commune officers, waiting for review: kept apart from
    # boundary_sets/areas so that nothing that reads areas sees them before approval
    [
        """CREATE TABLE village_submissions (
            id INTEGER PRIMARY KEY,
            commune_code TEXT NOT NULL,
            commune_set_id INTEGER NOT NULL REFERENCES boundary_sets(id),
            status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','superseded')),
            submitted_by TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            source_file TEXT,
            villages INTEGER NOT NULL,
            features TEXT NOT NULL,          -- GeoJSON FeatureCollection of the checked villages (WGS84)
            report TEXT NOT NULL,            -- JSON: every check (geo.boundaries.village_checks)
            reviewed_by TEXT,
            reviewed_at TEXT,
            reason TEXT,
            set_id INTEGER REFERENCES boundary_sets(id)   -- the layer version an approval made
        )""",
        "CREATE INDEX village_submissions_commune ON village_submissions (commune_code, id)",
        # at most one pending submission per commune (a new one supersedes it)
        "CREATE UNIQUE INDEX village_submissions_one_pending ON village_submissions (commune_code) "
        "WHERE status = 'pending'",
    ],
    # core force is an organisation (geo.vocab.CORE_FORCES), not a number: the old INTEGER
    # column (a number of core members) keeps its numbers as core_members; a text someone
    # stored in it anyway becomes 'khac' with the text kept in the notes.  Incidents keep the
    # label of an unknown category as written in the file.
    [
        "ALTER TABLE groups RENAME COLUMN core_force TO core_members",
        "ALTER TABLE groups ADD COLUMN core_force TEXT",
        """UPDATE groups SET core_force = 'khac',
               notes = CASE WHEN notes IS NULL OR notes = '' THEN 'Lực lượng nòng cốt theo tệp: ' || core_members
                            ELSE notes || '; Lực lượng nòng cốt theo tệp: ' || core_members END,
               core_members = NULL
           WHERE typeof(core_members) = 'text'""",
        "ALTER TABLE incidents ADD COLUMN category_original TEXT",
    ],
    # login sessions kept on the server (a signed HttpOnly cookie names one), and a version
    # counter per user: a change of password, role, area or the disabled flag bumps it and
    # ends every session of that user, whatever code path made the change
    [
        "ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,     -- sha256 of the random session id (the cookie holds id.signature)
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            user_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        )""",
        "CREATE INDEX sessions_user ON sessions (user_id)",
        """CREATE TRIGGER users_version_bump AFTER UPDATE OF password_hash, role, area_code, area_set_id, disabled
           ON users
           WHEN OLD.password_hash IS NOT NEW.password_hash OR OLD.role IS NOT NEW.role
             OR OLD.area_code IS NOT NEW.area_code OR OLD.area_set_id IS NOT NEW.area_set_id
             OR OLD.disabled IS NOT NEW.disabled
           BEGIN
             UPDATE users SET version = version + 1 WHERE id = NEW.id;
             DELETE FROM sessions WHERE user_id = NEW.id;
           END""",
    ],
    # record placements stored as runs over the versions of a layer (geo.placements): a new
    # version of the village layer inherits every placement of the one before without a row
    # being copied.  Every set is a layer of its own until a version is made from it
    # (layer_id NULL); the view record_areas gives the placements per set, as before.
    [
        "ALTER TABLE boundary_sets ADD COLUMN layer_id INTEGER REFERENCES boundary_sets(id)",
        "ALTER TABLE record_areas RENAME TO record_spans",
        "ALTER TABLE record_spans ADD COLUMN until_set INTEGER REFERENCES boundary_sets(id)",
        # the records of some areas (a commune whose villages are replaced) without a scan
        "CREATE INDEX record_spans_code ON record_spans (kind, code)",
        # and the incidents known only by such an area's code
        "CREATE INDEX incidents_area_code ON incidents (area_code) WHERE area_code IS NOT NULL",
        RECORD_AREAS_VIEW,
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)

# Table names that are part of the contract (tests check they exist).
CONTRACT_TABLES = ("boundary_sets", "areas", "groups", "cameras", "incidents", "users", "audit_log")
