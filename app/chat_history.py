"""Saved conversations of the browser chat: `<data_dir>/logs/chats.sqlite3` (this module owns its SQL).

A chat belongs to an owner: the browser (a random id in a signed cookie) or, with logins, the user.
Each turn stores what the query log stores for the question (the text after PII redaction) and the
answer as the page showed it (after output moderation, which redacts PII the passages do not contain),
with its citations, so a reopened chat looks as it did and can be exported with its sources.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.sqlite_db import open_database

TITLE_CHARS = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chats_owner ON chats(owner, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    PRIMARY KEY (chat_id, position)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def title_from(question: str) -> str:
    """A chat's title: its first question on one line, cut at a word near TITLE_CHARS."""
    flat = " ".join(question.split())
    if len(flat) <= TITLE_CHARS:
        return flat or "New chat"
    return flat[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class ChatSummary:
    """One entry of the sidebar."""

    id: str
    title: str
    updated_at: str
    turns: int


@dataclass(frozen=True)
class StoredTurn:
    """A question and its answer (`Answer.as_dict()` of the shown answer)."""

    question: str
    answer: dict[str, Any]
    at: str


class ChatHistory:
    """Thread-safe store of chats and their turns; every call is scoped to an owner."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.db = open_database(path, _SCHEMA, foreign_keys=True)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def chats(self, owner: str) -> list[ChatSummary]:
        """The owner's chats, most recently used first."""
        rows = self._run(
            "SELECT c.id, c.title, c.updated_at, COUNT(t.position) AS turns FROM chats c"
            " LEFT JOIN turns t ON t.chat_id = c.id WHERE c.owner = ? GROUP BY c.id"
            " ORDER BY c.updated_at DESC, c.created_at DESC",
            (owner,),
        )
        return [ChatSummary(r["id"], r["title"], r["updated_at"], int(r["turns"])) for r in rows]

    def owns(self, owner: str, chat_id: str) -> bool:
        return bool(self._run("SELECT 1 FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)))

    def title(self, owner: str, chat_id: str) -> str | None:
        rows = self._run("SELECT title FROM chats WHERE id = ? AND owner = ?", (chat_id, owner))
        return str(rows[0]["title"]) if rows else None

    def add_turn(self, owner: str, chat_id: str | None, question: str, answer: dict[str, Any]) -> str:
        """Append a turn (creating the chat, titled by this question, when `chat_id` is None or
        unknown); returns the chat id."""
        at = _now()
        with self._lock:
            known = chat_id is not None and self.db.execute(
                "SELECT 1 FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).fetchone()
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not known:
                    chat_id = uuid.uuid4().hex
                    self.db.execute(
                        "INSERT INTO chats(id, owner, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                        (chat_id, owner, title_from(question), at, at),
                    )
                position = self.db.execute(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM turns WHERE chat_id = ?", (chat_id,)
                ).fetchone()[0]
                self.db.execute(
                    "INSERT INTO turns(chat_id, position, at, question, answer) VALUES (?, ?, ?, ?, ?)",
                    (chat_id, position, at, question, json.dumps(answer, default=str)),
                )
                self.db.execute("UPDATE chats SET updated_at = ? WHERE id = ?", (at, chat_id))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        assert chat_id is not None
        return chat_id

    def drop_last_turn(self, owner: str, chat_id: str) -> bool:
        """Remove the newest turn (before it is regenerated); False if there is none."""
        if not self.owns(owner, chat_id):
            return False
        rows = self._run(
            "DELETE FROM turns WHERE chat_id = ? AND position ="
            " (SELECT MAX(position) FROM turns WHERE chat_id = ?) RETURNING position",
            (chat_id, chat_id),
        )
        return bool(rows)

    def turns(self, owner: str, chat_id: str) -> list[StoredTurn]:
        """The chat's turns, oldest first (none if the chat is not the owner's)."""
        rows = self._run(
            "SELECT t.question, t.answer, t.at FROM turns t JOIN chats c ON c.id = t.chat_id"
            " WHERE c.id = ? AND c.owner = ? ORDER BY t.position",
            (chat_id, owner),
        )
        return [StoredTurn(r["question"], json.loads(r["answer"]), r["at"]) for r in rows]

    def rename(self, owner: str, chat_id: str, title: str) -> bool:
        title = " ".join(title.split())[:TITLE_CHARS]
        if not title:
            return False
        rows = self._run("UPDATE chats SET title = ? WHERE id = ? AND owner = ? RETURNING id",
                         (title, chat_id, owner))
        return bool(rows)

    def delete(self, owner: str, chat_id: str) -> bool:
        rows = self._run("DELETE FROM chats WHERE id = ? AND owner = ? RETURNING id", (chat_id, owner))
        return bool(rows)


def export_markdown(title: str, turns: Sequence[StoredTurn]) -> str:
    """The chat as Markdown: each question, its answer, and its sources (file, page, quoted sentence)."""
    lines = [f"# {title}", ""]
    for turn in turns:
        answer = turn.answer
        lines += [f"## {turn.question}", "", str(answer.get("text", "")).strip(), ""]
        citations = answer.get("citations") or []
        if citations:
            lines += ["Sources:", ""]
        for c in citations:
            where = str(c.get("file_name", ""))
            if c.get("page"):
                where += f", page {c['page']}"
            if c.get("headings"):
                where += " › " + " › ".join(str(h) for h in c["headings"])
            start, end = (c.get("span") or (0, 0))[:2]
            quote = " ".join(str(c.get("text", ""))[int(start):int(end)].split())
            flag = "" if c.get("supported", True) else " (unverified)"
            lines.append(f"- [{c.get('n')}] {where}{flag}")
            if quote:
                lines.append(f"  > {quote}")
        if citations:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
