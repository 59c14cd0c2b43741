"""The moderation audit log: every decision, with a PII-redacted excerpt, in one SQLite file.

The admin console lists `recent()` rows and `counts()`; nothing here stores an unredacted question.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.moderation.pii import find_pii, redact

EXCERPT_CHARS = 300
_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    session TEXT NOT NULL,
    layer TEXT NOT NULL,
    category TEXT NOT NULL,
    score REAL NOT NULL,
    action TEXT NOT NULL,
    excerpt TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action);
"""


def redacted_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of `text`, with e-mail addresses, phone, card and IBAN numbers and IPs as placeholders."""
    clipped = text[: limit * 2]
    safe = redact(clipped, find_pii(clipped, use_presidio=False))
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


class AuditLog:
    """Append-only log of moderation decisions in SQLite (safe to share between threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        self._conn.row_factory = sqlite3.Row
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)

    def record(
        self, session: str, layer: str, category: str, score: float, action: str, excerpt: str
    ) -> None:
        """Store one decision; the excerpt is PII-redacted and shortened here, whatever the caller passed."""
        row = (datetime.now(UTC).isoformat(timespec="milliseconds"), session or "-", layer, category,
               round(float(score), 4), action, redacted_excerpt(excerpt))
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO audit(time, session, layer, category, score, action, excerpt) VALUES (?,?,?,?,?,"
                "?,?)",
                row,
            )

    def recent(self, limit: int = 200, layer: str | None = None, action: str | None = None,
               category: str | None = None) -> list[dict[str, Any]]:
        """The newest rows first, optionally only one layer, action or category."""
        where, args = [], []
        for column, value in (("layer", layer), ("action", action), ("category", category)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, (*args, int(limit))).fetchall()
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, Any]:
        """{'total': n, 'by_layer': {...}, 'by_action': {...}, 'by_category': {...}}."""
        result: dict[str, Any] = {}
        with self._lock:
            result["total"] = self._conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
            for column in ("layer", "action", "category"):
                rows = self._conn.execute(
                    f"SELECT {column}, COUNT(*) FROM audit GROUP BY {column} ORDER BY COUNT(*) DESC"
                ).fetchall()
                result[f"by_{column}"] = {r[0]: r[1] for r in rows}
        return result

    def close(self) -> None:
        with self._lock:
            self._conn.close()
