"""How citewise opens its SQLite files (catalog, query log, chat history, sign-in sessions): one connection per
store, shared by threads under the store's own lock, write-ahead logging, rows readable by column name."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_database(
    path: Path, schema: str = "", timeout: float = 30.0, foreign_keys: bool = False
) -> sqlite3.Connection:
    """A connection to the database at `path` (its folder is created), in autocommit mode, with `schema`
    (idempotent `CREATE ... IF NOT EXISTS` statements) applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=timeout)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    if foreign_keys:
        db.execute("PRAGMA foreign_keys=ON")
    if schema:
        db.executescript(schema)
    return db
