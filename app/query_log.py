"""The query log, feedback and answer cache: `<data_dir>/logs/queries.sqlite3`.

Every answer is recorded (question with PII redacted, rewritten query, passages and scores, answer,
mode, prompt variant, timings, tokens, cost, cache hit) for the admin console; readers' thumbs up/down
go in `feedback`; `answer_cache` holds answers keyed by question, passages, prompt version and model.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    session TEXT NOT NULL,
    question TEXT NOT NULL,
    rewritten TEXT,
    collection TEXT,
    mode TEXT NOT NULL,
    answer TEXT NOT NULL,
    no_answer INTEGER NOT NULL,
    passages TEXT NOT NULL,
    citations TEXT NOT NULL,
    unverified INTEGER NOT NULL DEFAULT 0,
    timings TEXT NOT NULL,
    total_ms REAL NOT NULL DEFAULT 0,
    model TEXT,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    cache_hit INTEGER NOT NULL DEFAULT 0,
    prompt_variant TEXT,
    moderation_action TEXT,
    moderation TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS queries_at ON queries(at);
CREATE TABLE IF NOT EXISTS feedback (
    query_id TEXT PRIMARY KEY REFERENCES queries(id),
    at TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT
);
CREATE TABLE IF NOT EXISTS answer_cache (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    answer TEXT NOT NULL
);
"""


STORED_TEXT_CHARS = 8_000  # longest question or answer text kept in the log (refused input is shorter still)


def _bounded(text: str | None) -> str | None:
    if text is None or len(text) <= STORED_TEXT_CHARS:
        return text
    return text[: STORED_TEXT_CHARS - 1] + "…"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class QueryLog:
    """Thread-safe access to the query log database."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def record(self, entry: dict[str, Any]) -> str:
        """Store one answered (or refused) question; returns its id for feedback."""
        query_id = entry.get("id") or uuid.uuid4().hex
        row = {
            "id": query_id, "at": entry.get("at") or now(), "session": entry.get("session", ""),
            "question": _bounded(entry["question"]), "rewritten": _bounded(entry.get("rewritten")),
            "collection": entry.get("collection"), "mode": entry["mode"], "answer": _bounded(entry["answer"]),
            "no_answer": int(bool(entry.get("no_answer"))),
            "passages": json.dumps(entry.get("passages", [])),
            "citations": json.dumps(entry.get("citations", [])),
            "unverified": int(entry.get("unverified", 0)), "timings": json.dumps(entry.get("timings", {})),
            "total_ms": float(entry.get("total_ms", 0.0)), "model": entry.get("model"),
            "prompt_tokens": int(entry.get("prompt_tokens", 0)),
            "completion_tokens": int(entry.get("completion_tokens", 0)),
            "cost_usd": float(entry.get("cost_usd", 0.0)), "cache_hit": int(bool(entry.get("cache_hit"))),
            "prompt_variant": entry.get("prompt_variant"), "moderation_action": entry.get("moderation_action"),
            "moderation": json.dumps(entry.get("moderation", [])),
        }
        cols = ", ".join(row)
        marks = ", ".join("?" * len(row))
        self._run(f"INSERT OR REPLACE INTO queries({cols}) VALUES ({marks})", list(row.values()))
        return query_id

    def feedback(self, query_id: str, rating: int, comment: str | None = None) -> None:
        if rating not in (-1, 1):
            raise ValueError("rating must be 1 (thumbs up) or -1 (thumbs down)")
        self._run(
            "INSERT OR REPLACE INTO feedback(query_id, at, rating, comment) VALUES (?, ?, ?, ?)",
            (query_id, now(), rating, (comment or "").strip() or None),
        )

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._run(
            "SELECT q.*, f.rating, f.comment FROM queries q LEFT JOIN feedback f ON f.query_id = q.id"
            " ORDER BY q.at DESC LIMIT ?",
            (limit,),
        )
        out = []
        for r in rows:
            data = dict(r)
            for key in ("passages", "citations", "timings", "moderation"):
                data[key] = json.loads(data[key])
            out.append(data)
        return out

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Read-only SQL for the admin console's aggregates."""
        return [dict(r) for r in self._run(sql, params)]

    # --- answer cache -----------------------------------------------------------------------------
    def cached(self, key: str) -> dict[str, Any] | None:
        rows = self._run("SELECT answer FROM answer_cache WHERE key = ?", (key,))
        return json.loads(rows[0]["answer"]) if rows else None

    def cache(self, key: str, answer: dict[str, Any]) -> None:
        self._run(
            "INSERT OR REPLACE INTO answer_cache(key, at, answer) VALUES (?, ?, ?)",
            (key, now(), json.dumps(answer)),
        )

