"""A database as an older version of the program left it: the migrations before the one
that holds a given statement, applied by hand (for tests of that migration)."""
from __future__ import annotations

import sqlite3

from geo import schema


def database_before(path, marker: str) -> sqlite3.Connection:
    """An open connection to a new database at ``path`` with every migration before the
    first one holding a statement containing ``marker`` (its user_version set)."""
    number = next(i for i, m in enumerate(schema.MIGRATIONS, 1)
                  if any(isinstance(s, str) and marker in s for s in m))
    conn = sqlite3.connect(path, isolation_level=None)
    for i, m in enumerate(schema.MIGRATIONS[:number - 1], 1):
        for statement in m:
            statement(conn) if callable(statement) else conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {i}")
    return conn
