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

from app.sqlite_db import open_database

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
    moderation TEXT NOT NULL DEFAULT '[]',
    channel TEXT NOT NULL DEFAULT 'chat'
);
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


CHANNELS = ("chat", "cli")  # where a question was asked: the web chat, or `python -m app ask` (and evaluations)


def channel_of_session(session: str) -> str:
    """The channel of a row logged before channels were recorded: the CLI's session is "cli", evaluations'
    "eval..."; every other session is a browser's."""
    return "cli" if session == "cli" or session.startswith("eval") else "chat"


def _since(since: str | None, alias: str = "", channel: str | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause for questions asked since `since` (all time when None) on `channel` (all when None)."""
    prefix = f"{alias}." if alias else ""
    clauses, params = ["1=1"], []
    if since:
        clauses.append(f"{prefix}at >= ?")
        params.append(since)
    if channel:
        clauses.append(f"{prefix}channel = ?")
        params.append(channel)
    return " WHERE " + " AND ".join(clauses), params


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class QueryLog:
    """Thread-safe access to the query log database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.db = open_database(path, _SCHEMA)
        self._add_channel_column()
        self.db.execute("CREATE INDEX IF NOT EXISTS queries_at ON queries(at)")

    def _add_channel_column(self) -> None:
        """Logs written before channels were recorded get the column, filled from the session ids."""
        columns = {r["name"] for r in self.db.execute("PRAGMA table_info(queries)")}
        if "channel" in columns:
            return
        self.db.execute("ALTER TABLE queries ADD COLUMN channel TEXT NOT NULL DEFAULT 'chat'")
        self.db.execute("UPDATE queries SET channel = 'cli' WHERE session = 'cli' OR session LIKE 'eval%'")

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
            "channel": entry.get("channel") or channel_of_session(str(entry.get("session", ""))),
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

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._run(sql, params)]

    # --- aggregates for the admin console and /metrics (`since`: ISO time, None for all time) ------
    def usage_totals(self, since: str | None = None, channel: str | None = None) -> dict[str, Any]:
        """questions, blocked, no_answer, answers, cache_hits, unverified_answers, prompt_tokens,
        completion_tokens, cost_usd (an *answer* is neither blocked nor a no-answer)."""
        where, params = _since(since, channel=channel)
        return self._rows(
            "SELECT COUNT(*) AS questions, COALESCE(SUM(mode = 'blocked'), 0) AS blocked,"
            " COALESCE(SUM(no_answer = 1 AND mode != 'blocked'), 0) AS no_answer,"
            " COALESCE(SUM(mode NOT IN ('blocked', 'no-answer') AND no_answer = 0), 0) AS answers,"
            " COALESCE(SUM(cache_hit = 1 AND mode NOT IN ('blocked', 'no-answer') AND no_answer = 0), 0)"
            " AS cache_hits,"
            " COALESCE(SUM(unverified > 0 AND mode NOT IN ('blocked', 'no-answer') AND no_answer = 0), 0)"
            " AS unverified_answers,"
            " COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,"
            " COALESCE(SUM(completion_tokens), 0) AS completion_tokens,"
            " COALESCE(SUM(cost_usd), 0) AS cost_usd FROM queries" + where,
            params,
        )[0]

    def thumbs(self, since: str | None = None, channel: str | None = None) -> dict[str, int]:
        """Thumbs up and down on questions asked since `since`: {"up": n, "down": n}."""
        where, params = _since(since, "q", channel)
        row = self._rows(
            "SELECT COALESCE(SUM(f.rating > 0), 0) AS up, COALESCE(SUM(f.rating < 0), 0) AS down"
            " FROM feedback f JOIN queries q ON q.id = f.query_id" + where,
            params,
        )[0]
        return {"up": int(row["up"]), "down": int(row["down"])}

    def total_ms(self, since: str | None = None, channel: str | None = None) -> list[float]:
        """End-to-end milliseconds of every question."""
        where, params = _since(since, channel=channel)
        return [float(r["total_ms"]) for r in self._rows("SELECT total_ms FROM queries" + where, params)]

    def questions_by_day(self, since: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        """day (UTC), mode, questions."""
        where, params = _since(since, channel=channel)
        return self._rows(
            "SELECT substr(at, 1, 10) AS day, mode, COUNT(*) AS questions FROM queries" + where
            + " GROUP BY day, mode ORDER BY day, mode",
            params,
        )

    def questions_by_mode(self) -> dict[str, int]:
        """All questions ever asked, by answer mode."""
        rows = self._rows("SELECT mode, COUNT(*) AS n FROM queries GROUP BY mode ORDER BY mode")
        return {str(r["mode"]): int(r["n"]) for r in rows}

    def latest_timings(
        self, since: str | None = None, channel: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The per-stage timings of the latest `limit` (all when None) questions, newest first (unreadable
        ones skipped)."""
        where, params = _since(since, channel=channel)
        out = []
        for r in self._rows("SELECT timings FROM queries" + where + " ORDER BY at DESC LIMIT ?",
                            [*params, -1 if limit is None else limit]):
            try:
                timings = json.loads(r["timings"])
            except (TypeError, ValueError):
                continue
            if isinstance(timings, dict):
                out.append(timings)
        return out

    def latency_histogram(self, bounds_ms: Sequence[float]) -> tuple[list[int], int, float]:
        """Questions at or under each bound (cumulative), all questions, and their summed milliseconds."""
        sums = ", ".join(f"COALESCE(SUM(total_ms <= ?), 0) AS b{i}" for i in range(len(bounds_ms)))
        row = self._rows(f"SELECT COUNT(*) AS n, COALESCE(SUM(total_ms), 0) AS total, {sums} FROM queries",
                         [float(b) for b in bounds_ms])[0]
        return [int(row[f"b{i}"]) for i in range(len(bounds_ms))], int(row["n"]), float(row["total"])

    def usage_by_day_and_model(self, since: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        """day, model ('none' without one), questions, prompt_tokens, completion_tokens, cost_usd."""
        where, params = _since(since, channel=channel)
        return self._rows(
            "SELECT substr(at, 1, 10) AS day, COALESCE(NULLIF(model, ''), 'none') AS model,"
            " COUNT(*) AS questions,"
            " SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens,"
            " SUM(cost_usd) AS cost_usd FROM queries" + where + " GROUP BY day, model ORDER BY day, model",
            params,
        )

    def usage_by_model(self) -> list[dict[str, Any]]:
        """model ('none' without one), prompt_tokens, completion_tokens, cost_usd, over all time."""
        return self._rows(
            "SELECT COALESCE(NULLIF(model, ''), 'none') AS model, SUM(prompt_tokens) AS prompt_tokens,"
            " SUM(completion_tokens) AS completion_tokens, SUM(cost_usd) AS cost_usd FROM queries"
            " GROUP BY 1 ORDER BY 1")

    def moderated_by_action(self) -> dict[str, int]:
        """Questions whose moderation decision was warn or block, by that action."""
        rows = self._rows("SELECT moderation_action AS action, COUNT(*) AS n FROM queries"
                          " WHERE moderation_action IN ('warn', 'block') GROUP BY 1 ORDER BY 1")
        return {str(r["action"]): int(r["n"]) for r in rows}

    def feedback_with_questions(
        self, since: str | None = None, channel: str | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """at, rating, comment, question, answer, variant of the latest thumbs on questions asked since
        `since` (the same questions `thumbs` counts), newest first."""
        where, params = _since(since, "q", channel)
        return self._rows(
            "SELECT f.at AS at, f.rating AS rating, COALESCE(f.comment, '') AS comment,"
            " q.question AS question, q.answer AS answer, q.prompt_variant AS variant"
            " FROM feedback f JOIN queries q ON q.id = f.query_id"
            + where + " ORDER BY f.at DESC, q.at DESC LIMIT ?",
            [*params, limit],
        )

    def questions_by_variant(self, since: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        """variant, mode, no_answer, total_ms, tokens, cost_usd, rating of every question not blocked."""
        where, params = _since(since, "q", channel)
        return self._rows(
            "SELECT COALESCE(q.prompt_variant, 'default') AS variant, q.mode AS mode,"
            " q.no_answer AS no_answer, q.total_ms AS total_ms,"
            " q.prompt_tokens + q.completion_tokens AS tokens, q.cost_usd AS cost_usd,"
            " f.rating AS rating FROM queries q LEFT JOIN feedback f ON f.query_id = q.id"
            + where + " AND q.mode != 'blocked'",
            params,
        )

    def answers_by_variant(self, since: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        """variant, question, answer, at, rating of every answer (not blocked, not no-answer), newest first."""
        where, params = _since(since, "q", channel)
        return self._rows(
            "SELECT COALESCE(q.prompt_variant, 'default') AS variant, q.question, q.answer, q.at, f.rating"
            " FROM queries q LEFT JOIN feedback f ON f.query_id = q.id"
            + where + " AND q.mode NOT IN ('blocked', 'no-answer') AND q.no_answer = 0 ORDER BY q.at DESC",
            params,
        )

    # --- answer cache -----------------------------------------------------------------------------
    def cached(self, key: str) -> dict[str, Any] | None:
        rows = self._run("SELECT answer FROM answer_cache WHERE key = ?", (key,))
        return json.loads(rows[0]["answer"]) if rows else None

    def cache(self, key: str, answer: dict[str, Any]) -> None:
        self._run(
            "INSERT OR REPLACE INTO answer_cache(key, at, answer) VALUES (?, ?, ?)",
            (key, now(), json.dumps(answer)),
        )

