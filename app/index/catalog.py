"""The catalog and keyword index: one SQLite file (`<data_dir>/index/catalog.sqlite3`).

Tables:
- `files`: one row per source file (path, hash, size, mtime, type, pages, chunks, status, error, ...);
- `chunks`: one row per chunk of a file (position, page, heading path, char span, passage id);
- `passages`: one row per distinct chunk content; its `id` (a content hash) is also the Chroma id, so
  identical chunks are stored and embedded once;
- `passages_fts`: FTS5 (BM25) over passages, rowid = passages.rowid, three weighted fields: the
  document header (`header`), the heading path (`context`) and the text;
- `files_fts`: FTS5 over each file's document header, rowid = files.id: which documents a question names;
- `read_failures`: for a file whose content could not be indexed, the read settings it failed under;
- `meta`: key/value facts about the index (embedding model, dimension, format version, sync state).
Passages and their keyword entries change in the same transaction as the chunk rows that use them.

Keyword fields are stored in a search form (`search_form`) that keeps short tokens and figures findable:
"10-K" also as "10k", "FY2018" also as "2018", "$1,577" as "1577". Queries go through the same form.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from app.sqlite_db import open_database
from app.text import YEAR, question_years

# Version 2: document headers embedded and keyword-indexed with every passage, a header BM25 field,
# the search form of figures. An index of another version must be rebuilt (see IndexFormatOutdated).
SCHEMA_VERSION = "2"
HEADER_WEIGHT = 0.5  # BM25 weight of the document header field (headings 0.5, text 1.0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    collection TEXT NOT NULL,
    file_type TEXT NOT NULL,
    content_hash TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    pages INTEGER,
    title TEXT,
    header TEXT,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    token_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    flags TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_collection ON files(collection);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    context TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    flags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    passage_id TEXT NOT NULL,
    page INTEGER,
    headings TEXT NOT NULL DEFAULT '[]',
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    UNIQUE (file_id, position)
);
CREATE INDEX IF NOT EXISTS chunks_passage ON chunks(passage_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    header, context, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS files_fts USING fts5(
    header, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS read_failures (path TEXT PRIMARY KEY, settings TEXT NOT NULL);
"""


class IndexFormatOutdated(Exception):
    """The index on disk was written by an older citewise whose keyword index or embedded text differ."""

# Words too common to help BM25; dropping them from queries keeps keyword search fast and sharp.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves""".split()
)
T = TypeVar("T")
_WORD = re.compile(r"\w+", re.UNICODE)
POSTINGS_BUDGET = 20_000  # matching passages one keyword query may score (see keyword_search)
DF_CACHE_SIZE = 50_000  # terms whose passage counts are remembered (Catalog.document_frequencies)
FILE_CACHE_SIZE = 64  # file versions whose periods and openings are remembered (Catalog._per_file_version)
PASSAGE_COUNT = " passages"  # their key for the passage count (no term holds a space)


_GROUPED_NUMBER = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])")
_HYPHENATED = re.compile(r"\b[^\W_]+(?:[-/][^\W_]+){1,2}\b")
_LETTERS_DIGITS = re.compile(r"\b(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+\b")  # words of letters and digits
_RUNS = re.compile(r"\d+|[^\W\d_]+")


def search_form(text: str) -> str:
    """Text as the keyword index stores and matches it: figures and short compounds kept findable.

    "$1,577" becomes "1577" (the tokenizer would split it into "1" and "577"); "10-K" and "COVID-19" are
    followed by their joined form ("10k", "covid19"); a word of letters and digits by its numbers of two
    digits or more, its words of three letters or more and its short prefixed numbers ("FY2018" -> "2018",
    "2022Q4" -> "2022", "Q4"). The original words stay, so nothing that matched before
    stops matching.
    """
    text = _GROUPED_NUMBER.sub(lambda m: m.group(0).replace(",", ""), text)

    def joined(match: re.Match[str]) -> str:
        return f"{match.group(0)} {re.sub(r'[-/]', '', match.group(0))}"

    text = _HYPHENATED.sub(joined, text)

    def split(match: re.Match[str]) -> str:
        whole = match.group(0)
        runs = _RUNS.findall(whole)
        extra = [r for r in runs if len(r) >= (2 if r.isdigit() else 3)]
        # A short prefix and its number stay together as their own word: "2022Q4" -> also "Q4".
        extra += [a + b for a, b in pairwise(runs) if not a.isdigit() and len(a) <= 2 and b.isdigit()
                  and a + b != whole]
        return " ".join([whole, *extra])

    return _LETTERS_DIGITS.sub(split, text)


log = logging.getLogger(__name__)


class KeywordSearchError(Exception):
    """The keyword index (SQLite FTS5) could not be searched (locked, damaged, unreadable)."""


def query_terms(text: str) -> list[str]:
    """The words of a query that can match: lower-cased, stopwords dropped, first occurrence kept."""
    words = [w.lower() for w in _WORD.findall(search_form(text))]
    return list(dict.fromkeys(w for w in words if (w not in STOPWORDS and len(w) > 1) or w.isdigit()))


FILE_CONDITION_FLAGS = frozenset({"no_text"})  # set by the readers; every other flag is a passage-scan finding


def injection_flags(flags: Sequence[str]) -> list[str]:
    """The flags that mark instructions aimed at the assistant found in a document by the ingest-time
    passage scan (prompt injection, jailbreak, system-prompt requests, ...): every flag that does not
    describe the file itself. `ingest list --json` and the admin console both count with this."""
    return [flag for flag in flags if flag not in FILE_CONDITION_FLAGS]


@dataclass(frozen=True)
class FileRow:
    id: int
    path: str
    collection: str
    file_type: str
    content_hash: str | None
    size: int
    mtime_ns: int
    pages: int | None
    title: str | None
    header: str | None
    chunk_count: int
    token_count: int
    status: str
    error: str | None
    warnings: list[str]
    flags: list[str]
    ingested_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> FileRow:
        data = dict(row)
        data["warnings"] = json.loads(data["warnings"])
        data["flags"] = json.loads(data["flags"])
        return cls(**data)

    @property
    def injection_flags(self) -> list[str]:
        """What the passage scan found in this file (see `injection_flags`)."""
        return injection_flags(self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "injection_flags": self.injection_flags}


@dataclass(frozen=True)
class ChunkHit:
    """A chunk of a file, with its passage text: what a citation points at."""

    chunk_id: int
    passage_id: str
    path: str
    collection: str
    file_type: str
    title: str | None
    page: int | None
    headings: list[str]
    char_start: int
    char_end: int
    text: str
    context: str
    token_count: int
    flags: list[str]


@dataclass
class NewChunk:
    position: int
    passage_id: str
    text: str
    context: str
    page: int | None
    headings: Sequence[str]
    char_start: int
    char_end: int
    token_count: int
    header: str = ""  # the document header (see ingest.chunking.document_header), its own BM25 field


def _own_headings(chunk: NewChunk) -> list[str]:
    """The chunk's headings that do not repeat a part of its header (a title heading is in the header
    field already; counting it twice would double its weight)."""
    parts = {part.strip().lower() for part in chunk.header.split(" · ")}
    return [h for h in chunk.headings if h.strip().lower() not in parts]


def _file_conditions(
    collection: str | None, path_glob: str | None, file_type: str | None, exclude_glob: str | None
) -> tuple[str, list[Any]]:
    """The query filters as SQL conditions on the files table (aliased `f`), each " AND ...", and their
    parameters; a path pattern without a wildcard matches anywhere in the path."""
    sql = ""
    params: list[Any] = []
    if collection:
        sql += " AND f.collection = ?"
        params.append(collection)
    if file_type:
        sql += " AND f.file_type = ?"
        params.append(file_type)
    if path_glob:
        sql += " AND f.path GLOB ?"
        params.append(path_glob if any(ch in path_glob for ch in "*?[") else f"*{path_glob}*")
    if exclude_glob:
        sql += " AND f.path NOT GLOB ?"
        params.append(exclude_glob if any(ch in exclude_glob for ch in "*?[") else f"*{exclude_glob}*")
    return sql, params


_CHUNK_HITS = (
    "SELECT c.id AS chunk_id, c.passage_id, f.path, f.collection, f.file_type, f.title, c.page,"
    " c.headings, c.char_start, c.char_end, p.text, p.context, c.token_count, p.flags"
    " FROM chunks c JOIN files f ON f.id = c.file_id JOIN passages p ON p.id = c.passage_id"
)


def _chunk_hit(data: dict[str, Any]) -> ChunkHit:
    """A `ChunkHit` from a row of `_CHUNK_HITS` (its JSON columns decoded)."""
    data["headings"] = json.loads(data["headings"])
    data["flags"] = json.loads(data["flags"])
    return ChunkHit(**data)


class Catalog:
    """SQLite access for the index; safe to share between threads (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._periods: dict[tuple[int, str], set[str]] = {}  # file_periods, per file version
        self._openings: dict[tuple[int, str], list[ChunkHit]] = {}  # section_openings, per file version
        # Passages per keyword term and the passage count, for the index as it is now (`_frequencies`):
        # every question looks its terms up for BM25's budget, the relevance floor and the answer decision.
        self._df: dict[str, int] = {}
        self._mentions: dict[tuple[str, str], int] = {}  # `_files_mentioning`, likewise
        self._df_version: tuple[int, int] | None = None
        self.db = open_database(path, foreign_keys=True)
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._check_format()
        self.db.executescript(_SCHEMA)
        if self.get_meta("schema_version") is None:
            self.set_meta("schema_version", SCHEMA_VERSION)

    def _check_format(self) -> None:
        """Refuse an index of another format with what to do, instead of searching it wrongly."""
        has_meta = self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if not has_meta:
            return
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] == SCHEMA_VERSION:
            return
        self.db.close()
        raise IndexFormatOutdated(
            f"the index in {self.path.parent} has format {row[0]}, but this citewise reads format "
            f"{SCHEMA_VERSION} (passages now carry their document's header in the embedding and in the "
            "keyword index). Rebuild it: move that folder away (or point CITEWISE_DATA_DIR at a new one) "
            "and run `python -m ingest sync` on your folders again."
        )

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    # --- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def meta_once(self, key: str, value: str) -> str:
        """The stored value of `key`, storing `value` first if there is none (atomic across processes)."""
        with self._lock:
            self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, value))
            return str(self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    # --- files ------------------------------------------------------------------------------------
    def file(self, path: str) -> FileRow | None:
        rows = self.query("SELECT * FROM files WHERE path = ?", (path,))
        return FileRow.from_row(rows[0]) if rows else None

    def failure_settings(self, path: str) -> str | None:
        """The read settings under which this file version failed for good (its content, not the storage,
        was refused), or None: a sync does not read that version again under the same settings."""
        rows = self.query("SELECT settings FROM read_failures WHERE path = ?", (path,))
        return str(rows[0][0]) if rows else None

    def files(self, collection: str | None = None, under: str | None = None) -> list[FileRow]:
        sql, params = "SELECT * FROM files WHERE 1=1", []
        if collection:
            sql += " AND collection = ?"
            params.append(collection)
        if under:
            sql += " AND (path = ? OR path LIKE ? ESCAPE '\\')"
            escaped = under.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [under, escaped + "/%"]
        return [FileRow.from_row(r) for r in self.query(sql + " ORDER BY path", params)]

    def section_headings(self, limit_per_file: int = 20) -> list[tuple[str, list[str]]]:
        """(file path, heading path) of the first sections of each indexed file, in file order."""
        rows = self.query(
            "SELECT f.path, c.headings FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE f.status = 'ok' AND c.position < ? ORDER BY f.path, c.position",
            (limit_per_file,),
        )
        return [(str(r["path"]), list(json.loads(r["headings"]))) for r in rows]

    def existing_passages(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self.query(f"SELECT id FROM passages WHERE id IN ({marks})", part))
        return found

    def write_file(
        self, conn: sqlite3.Connection, record: dict[str, Any], chunks: Sequence[NewChunk],
        passage_flags: dict[str, list[str]] | None = None,
    ) -> int:
        """Insert or replace a file row and all its chunks (inside the caller's transaction)."""
        passage_flags = passage_flags or {}
        row = conn.execute("SELECT id FROM files WHERE path = ?", (record["path"],)).fetchone()
        cols = [
            "collection", "file_type", "content_hash", "size", "mtime_ns", "pages", "title",
            "chunk_count", "token_count", "status", "error", "warnings", "flags", "ingested_at",
        ]
        defaults = {"chunk_count": 0, "token_count": 0, "size": 0, "mtime_ns": 0, "warnings": "[]", "flags": "[]"}
        values = [record.get(c) if record.get(c) is not None else defaults.get(c) for c in cols]
        if row is None:
            cur = conn.execute(
                f"INSERT INTO files(path, {', '.join(cols)}) VALUES (?, {', '.join('?' * len(cols))})",
                [record["path"], *values],
            )
            file_id = int(cur.lastrowid or 0)
        else:
            file_id = int(row[0])
            conn.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
            conn.execute(
                f"UPDATE files SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?", [*values, file_id]
            )
        for chunk in chunks:
            exists = conn.execute("SELECT 1 FROM passages WHERE id = ?", (chunk.passage_id,)).fetchone()
            if not exists:
                cur = conn.execute(
                    "INSERT INTO passages(id, text, context, token_count, flags) VALUES (?, ?, ?, ?, ?)",
                    (chunk.passage_id, chunk.text, chunk.context, chunk.token_count,
                     json.dumps(passage_flags.get(chunk.passage_id, []))),
                )
                conn.execute(
                    "INSERT INTO passages_fts(rowid, header, context, text) VALUES (?, ?, ?, ?)",
                    (cur.lastrowid, search_form(chunk.header), search_form(" > ".join(_own_headings(chunk))),
                     search_form(chunk.text)),
                )
            conn.execute(
                "INSERT INTO chunks(file_id, position, passage_id, page, headings, char_start, char_end,"
                " token_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (file_id, chunk.position, chunk.passage_id, chunk.page, json.dumps(list(chunk.headings)),
                 chunk.char_start, chunk.char_end, chunk.token_count),
            )
        conn.execute("DELETE FROM files_fts WHERE rowid = ?", (file_id,))
        header = next((c.header for c in chunks if c.header), "")
        if header:
            conn.execute("INSERT INTO files_fts(rowid, header) VALUES (?, ?)", (file_id, search_form(header)))
        conn.execute("UPDATE files SET header = ? WHERE id = ?", (header or None, file_id))
        if record.get("read_settings"):
            conn.execute("INSERT OR REPLACE INTO read_failures(path, settings) VALUES (?, ?)",
                         (record["path"], record["read_settings"]))
        else:
            conn.execute("DELETE FROM read_failures WHERE path = ?", (record["path"],))
        return file_id

    def delete_file(self, conn: sqlite3.Connection, path: str) -> bool:
        row = conn.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
        if row is None:
            return False
        conn.execute("DELETE FROM files_fts WHERE rowid = ?", (row[0],))
        conn.execute("DELETE FROM read_failures WHERE path = ?", (path,))
        cur = conn.execute("DELETE FROM files WHERE id = ?", (row[0],))
        return cur.rowcount > 0

    def drop_orphan_passages(self, conn: sqlite3.Connection) -> list[str]:
        """Delete passages no chunk uses (and their keyword entries); return their ids."""
        rows = conn.execute(
            "SELECT rowid, id FROM passages WHERE id NOT IN (SELECT passage_id FROM chunks)"
        ).fetchall()
        for row in rows:
            conn.execute("DELETE FROM passages_fts WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM passages WHERE rowid = ?", (row[0],))
        return [row[1] for row in rows]

    def passage_ids(self) -> set[str]:
        return {r[0] for r in self.query("SELECT id FROM passages")}

    # --- aggregates for the admin console ---------------------------------------------------------
    def totals(self) -> tuple[dict[str, Any], dict[str, Any], int]:
        """(files, pages, ok, failed), (chunks n, tokens), passages."""
        row = self.query(
            "SELECT COUNT(*) AS files, COALESCE(SUM(pages), 0) AS pages,"
            " COALESCE(SUM(status = 'ok'), 0) AS ok, COALESCE(SUM(status != 'ok'), 0) AS failed"
            " FROM files"
        )[0]
        chunks = self.query("SELECT COUNT(*) AS n, COALESCE(SUM(token_count), 0) AS tokens FROM chunks")[0]
        passages = int(self.query("SELECT COUNT(*) FROM passages")[0][0])
        return dict(row), dict(chunks), passages

    def chunk_token_counts(self) -> list[int]:
        return [int(r[0]) for r in self.query("SELECT token_count FROM chunks")]

    def documents_by_type(self) -> list[dict[str, Any]]:
        """type, documents, chunks, failed; most documents first."""
        rows = self.query(
            "SELECT file_type AS type, COUNT(*) AS documents, COALESCE(SUM(chunk_count), 0) AS chunks,"
            " COALESCE(SUM(status != 'ok'), 0) AS failed FROM files"
            " GROUP BY file_type ORDER BY documents DESC, type"
        )
        return [dict(r) for r in rows]

    def shared_passages(self, limit: int) -> list[dict[str, Any]]:
        """passage, copies, files (comma-separated paths), text of passages used by several chunks."""
        rows = self.query(
            "SELECT c.passage_id AS passage, COUNT(*) AS copies, GROUP_CONCAT(DISTINCT f.path) AS files,"
            " p.text AS text FROM chunks c"
            " JOIN files f ON f.id = c.file_id JOIN passages p ON p.id = c.passage_id"
            " GROUP BY c.passage_id HAVING COUNT(*) > 1 ORDER BY copies DESC, passage LIMIT ?",
            (limit,),
        )
        return [dict(r) for r in rows]

    def duplicate_counts(self) -> tuple[int, int]:
        """(chunks beyond the first of each passage, passages used more than once)."""
        row = self.query(
            "SELECT COALESCE(SUM(n - 1), 0), COUNT(*) FROM"
            " (SELECT COUNT(*) AS n FROM chunks GROUP BY passage_id HAVING COUNT(*) > 1)"
        )[0]
        return int(row[0]), int(row[1])

    def pages_by_type(self) -> list[dict[str, Any]]:
        """type, chunks, without_page per file type."""
        rows = self.query(
            "SELECT f.file_type AS type, COUNT(*) AS chunks, COALESCE(SUM(c.page IS NULL), 0) AS without_page"
            " FROM chunks c JOIN files f ON f.id = c.file_id GROUP BY f.file_type ORDER BY type"
        )
        return [dict(r) for r in rows]

    def has_chunks(self) -> bool:
        return bool(self.query("SELECT EXISTS(SELECT 1 FROM chunks)")[0][0])

    def searchable_files(self) -> int:
        """Files with at least one chunk."""
        return int(self.query("SELECT COUNT(*) FROM files WHERE chunk_count > 0")[0][0])

    def collection_names(self) -> list[str]:
        return [r[0] for r in self.query("SELECT DISTINCT collection FROM files ORDER BY 1")]

    def passages_for_embedding(self) -> list[tuple[str, str, str]]:
        """(id, context, text) of every passage, in insertion order."""
        return [(r[0], r[1], r[2]) for r in self.query("SELECT id, context, text FROM passages ORDER BY rowid")]

    def keyword_consistency(self) -> dict[str, int]:
        """Keyword-index rows, passages without one, and rows without a passage."""
        rows = self.query("SELECT count(*) FROM passages_fts")[0][0]
        missing = self.query(
            "SELECT count(*) FROM passages WHERE rowid NOT IN (SELECT rowid FROM passages_fts)")[0][0]
        stray = self.query(
            "SELECT count(*) FROM passages_fts WHERE rowid NOT IN (SELECT rowid FROM passages)")[0][0]
        return {"rows": int(rows), "missing": int(missing), "stray": int(stray)}

    def repair_keyword_rows(self) -> int:
        """Add missing keyword rows and delete stray ones; return how many rows changed."""
        with self.transaction() as conn:
            stray = conn.execute(
                "DELETE FROM passages_fts WHERE rowid NOT IN (SELECT rowid FROM passages)").rowcount
            added = conn.execute(
                "INSERT INTO passages_fts(rowid, context, text) SELECT rowid, context, text FROM passages"
                " WHERE rowid NOT IN (SELECT rowid FROM passages_fts)").rowcount
        return int(stray) + int(added)

    # --- search -----------------------------------------------------------------------------------
    def keyword_search(
        self, text: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """BM25 over passages: (passage id, score), best first; a higher score is better.

        BM25 scores every passage that matches any query term, so on a large index a few very common
        words ("cells", "patients") would make one query score most of the corpus. When the query's terms
        together match more than POSTINGS_BUDGET passages, the most common terms are left out (they carry
        the least weight in BM25 anyway) until the rest fit; small indexes are never pruned.
        """
        terms = query_terms(text)[:64]
        if not terms:
            return []
        terms = self._affordable_terms(terms)
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        inner = (f"SELECT rowid, bm25(passages_fts, {HEADER_WEIGHT}, 0.5, 1.0) AS score FROM passages_fts "
                 "WHERE passages_fts MATCH ? ")
        params: list[Any] = [match]
        if allowed is not None:
            if not allowed:
                return []
            inner += "AND rowid IN (SELECT rowid FROM passages WHERE id IN (SELECT value FROM json_each(?))) "
            params.append(json.dumps(sorted(allowed)))
        inner += "ORDER BY score LIMIT ?"
        params.append(k)
        sql = f"SELECT p.id, s.score FROM ({inner}) s JOIN passages p ON p.rowid = s.rowid ORDER BY s.score"
        try:
            rows = self.query(sql, params)
        except sqlite3.Error as exc:  # e.g. "database is locked": say so instead of finding nothing
            log.error("keyword search failed: %s", exc)
            raise KeywordSearchError(f"the keyword index ({self.path}) failed: {exc}") from exc
        return [(r[0], -float(r[1])) for r in rows]

    def document_frequency(self, term: str) -> int:
        """Passages that contain `term` (through the same stemmer as the keyword index)."""
        return self.document_frequencies([term])[term]

    def _count_matches(self, term: str) -> int:
        phrase = '"' + term.replace('"', "") + '"'
        try:
            return int(self.query("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", [phrase])[0][0])
        except sqlite3.Error as exc:
            log.error("keyword search failed: %s", exc)
            raise KeywordSearchError(f"the keyword index ({self.path}) failed: {exc}") from exc

    def _fresh_counts(self) -> None:
        """Forget the remembered counts when the index changed since: a write of this connection
        (`total_changes`) or a commit of another one, such as an ingest process (`PRAGMA data_version`)."""
        with self._lock:
            version = (int(self.db.execute("PRAGMA data_version").fetchone()[0]), self.db.total_changes)
            if version != self._df_version or len(self._df) + len(self._mentions) > DF_CACHE_SIZE:
                self._df.clear()
                self._mentions.clear()
                self._df_version = version

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Passages that contain each term, remembered until the index changes."""
        self._fresh_counts()
        out: dict[str, int] = {}
        for term in terms:
            count = self._df.get(term)
            if count is None:
                count = self._df[term] = self._count_matches(term)
            out[term] = count
        return out

    def passage_count(self) -> int:
        """Passages in the index, remembered until the index changes."""
        self._fresh_counts()
        count = self._df.get(PASSAGE_COUNT)
        if count is None:
            count = self._df[PASSAGE_COUNT] = int(self.query("SELECT count(*) FROM passages")[0][0])
        return count

    def _affordable_terms(self, terms: list[str]) -> list[str]:
        if len(terms) == 1:
            return terms
        frequency = self.document_frequencies(terms)
        kept = sorted(terms, key=lambda t: frequency[t])
        while len(kept) > 1 and sum(frequency[t] for t in kept) > POSTINGS_BUDGET:
            kept.pop()
        return [t for t in terms if t in kept]

    def term_coverage(self, text: str, passage_ids: Sequence[str]) -> dict[str, float]:
        """Share of the query's information (IDF-weighted terms) that each passage contains, 0..1.

        A rare word of the question found in a passage ("Ollama") counts much more than a common one
        ("citewise" in citewise's own manual). Terms match through the same stemmer as BM25.
        """
        terms = query_terms(text)[:16]
        if not terms or not passage_ids:
            return {pid: 0.0 for pid in passage_ids}
        total = self.passage_count() or 1
        rowids = self._rowids(passage_ids)
        found = {pid: 0.0 for pid in passage_ids}
        weight_sum = 0.0
        for term in terms:
            phrase = '"' + term.replace('"', "") + '"'
            try:
                holding = self._holding(phrase, rowids)
            except sqlite3.Error as exc:
                log.error("keyword search failed: %s", exc)
                raise KeywordSearchError(f"the keyword index ({self.path}) failed: {exc}") from exc
            df = self.document_frequency(term)
            idf = math.log((total - df + 0.5) / (df + 0.5) + 1.0)
            weight_sum += idf
            for pid in {rowids[r] for r in holding}:
                found[pid] += idf
        return {pid: (v / weight_sum if weight_sum else 0.0) for pid, v in found.items()}

    def named_files(self, text: str) -> dict[str, tuple[float, float]]:
        """Files whose document header the question names: path -> (name score, detail score).

        A word of the question in the headers of at most half the files is a *name* of those files when
        most files that mention it at all (header or text) have it in their header: it scores
        log(files / files whose header has it) times that share. "Boeing", in 2 of 22 headers and
        mentioned by no other filing, scores 2.4; "backups", one manual's title but a word of many, little.
        Other header words ("2015" in one filing's file name, mentioned by many) only tell the named files
        apart: they add their full log(files / files whose header has it) as the detail score.
        Two adjacent words of the question are also tried joined, as file names write a name
        ("American Express" -> "AMERICANEXPRESS_2022_10K.pdf").
        """
        words = [w.lower() for w in _WORD.findall(text) if w.isalpha() and len(w) > 1]
        joined = [a + b for a, b in pairwise(words) if a not in STOPWORDS and b not in STOPWORDS]
        terms = list(dict.fromkeys(query_terms(text)[:32] + joined[:32]))
        total = self.query("SELECT count(*) FROM files_fts")[0][0]
        if not terms or not total:
            return {}
        names: dict[int, float] = {}
        details: dict[int, float] = {}
        for term in terms:
            phrase = '"' + term.replace('"', "") + '"'
            try:
                ids = [r[0] for r in self.query("SELECT rowid FROM files_fts WHERE files_fts MATCH ?", [phrase])]
            except sqlite3.OperationalError:
                continue
            if not ids:
                continue
            idf = math.log(total / len(ids))
            share = len(ids) / max(len(ids), self._files_mentioning(phrase, ids)) if len(ids) * 2 <= total else 0.0
            target = names if share >= 0.5 else details
            for file_id in ids:
                target[file_id] = target.get(file_id, 0.0) + (idf * share if share >= 0.5 else idf)
        if not names:
            return {}
        rows = self.query("SELECT id, path FROM files WHERE id IN (SELECT value FROM json_each(?))",
                          [json.dumps(list(names))])
        return {r["path"]: (names[r["id"]], details.get(r["id"], 0.0)) for r in rows}

    def file_periods(self, paths: Sequence[str]) -> dict[str, set[str]]:
        """For each file, the years it is about: the years its document header holds (title, file name,
        cover) and the year its passages mention most often.

        An annual report for 2018 compares 2018 with 2017 and 2016 throughout and mentions 2018 most,
        even when it was filed in 2019 under a file name that says so. Computed once per file version.
        """
        def periods(file: sqlite3.Row) -> set[str]:
            counts: dict[str, int] = {}
            texts = self.query("SELECT p.text FROM chunks c JOIN passages p ON p.id = c.passage_id"
                               " WHERE c.file_id = ?", [file["id"]])
            for text_row in texts:
                for match in YEAR.finditer(text_row[0]):
                    counts[match.group(1)] = counts.get(match.group(1), 0) + 1
            years = set(question_years(search_form(file["header"] or "")))
            if counts:
                years.add(max(counts, key=lambda y: (counts[y], y)))
            return years

        return self._per_file_version(paths, self._periods, periods)

    def section_openings(self, paths: Sequence[str]) -> dict[str, list[ChunkHit]]:
        """For each file, the first chunk of each of its pages and sections (page and heading path), in
        reading order: where a page's or a section's title stands. Computed once per file version."""
        def openings(file: sqlite3.Row) -> list[ChunkHit]:
            rows = self.query(
                _CHUNK_HITS.replace("SELECT ", "SELECT MIN(c.position) AS first, ", 1)
                + " WHERE c.file_id = ? GROUP BY c.page, c.headings ORDER BY first", [file["id"]])
            hits = []
            for r in rows:
                data = dict(r)
                data.pop("first")
                hits.append(_chunk_hit(data))
            return hits

        return self._per_file_version(paths, self._openings, openings)

    def _per_file_version(
        self, paths: Sequence[str], cache: dict[tuple[int, str], T], compute: Callable[[sqlite3.Row], T],
    ) -> dict[str, T]:
        """`compute(file row)` for each file at `paths` that the index holds, remembered in `cache` per file
        version (id and content hash: a re-indexed file is computed again); a full cache (FILE_CACHE_SIZE)
        starts over."""
        out: dict[str, T] = {}
        for path in paths:
            row = self.query("SELECT id, content_hash, header FROM files WHERE path = ?", [path])
            if not row:
                continue
            key = (row[0]["id"], row[0]["content_hash"] or "")
            cached = cache.get(key)
            if cached is None:
                if len(cache) >= FILE_CACHE_SIZE:
                    cache.clear()
                cached = cache[key] = compute(row[0])
            out[path] = cached
        return out

    def file_frequency(self, term: str) -> tuple[int, int, int]:
        """(files whose header holds `term`, files whose header or passages hold it, all files)."""
        phrase = '"' + term.replace('"', "") + '"'
        total = int(self.query("SELECT count(*) FROM files_fts")[0][0])
        try:
            headers = [r[0] for r in self.query("SELECT rowid FROM files_fts WHERE files_fts MATCH ?", [phrase])]
        except sqlite3.OperationalError:
            return 0, 0, total
        return len(headers), self._files_mentioning(phrase, headers), total

    def files_named_for(self, term: str) -> int:
        """Files whose file name holds `term` ("ulta" in "ULTABEAUTY_2023_10K.pdf"): the documents named for it.
        A term of three letters or fewer must be a whole word of the name."""
        term = term.lower()
        count = 0
        for (path,) in self.query("SELECT path FROM files"):
            name = re.split(r"[\\/]", path)[-1].rsplit(".", 1)[0].lower()
            words = re.findall(r"[^\W_]+", name)
            if term in words or (len(term) > 3 and term in "".join(words)):
                count += 1
        return count

    def _files_mentioning(self, phrase: str, named: list[int]) -> int:
        """Files whose header or passages contain `phrase` (passages of files named by it not counted);
        remembered until the index changes."""
        key = (phrase, json.dumps(named))
        self._fresh_counts()
        count = self._mentions.get(key)
        if count is None:
            rows = self.query(
                "SELECT count(DISTINCT c.file_id) FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid"
                " JOIN chunks c ON c.passage_id = p.id"
                " WHERE passages_fts MATCH ? AND c.file_id NOT IN (SELECT value FROM json_each(?))",
                ["{context text} : " + phrase, key[1]])
            count = self._mentions[key] = int(rows[0][0])
        return len(named) + count

    def passage_files(self, passage_ids: Sequence[str]) -> dict[str, set[str]]:
        """For each passage id, the paths of the files that hold it."""
        out: dict[str, set[str]] = {pid: set() for pid in passage_ids}
        if not passage_ids:
            return out
        rows = self.query(
            "SELECT c.passage_id, f.path FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE c.passage_id IN (SELECT value FROM json_each(?))", [json.dumps(list(passage_ids))])
        for r in rows:
            out[r[0]].add(r[1])
        return out

    def term_statistics(
        self, text: str, passage_ids: Sequence[str], paths: Sequence[str] = (),
    ) -> dict[str, dict[str, Any]]:
        """For each query term: its IDF in the index and whether any of `passage_ids` holds it
        (`found`), or, with `paths`, any passage of those files (`in_files`).

        Terms match through the same stemmer as BM25; years ("2018", "fy2018") are left to the caller.
        """
        terms = [t for t in query_terms(text) if not re.fullmatch(r"(?:fy)?\d{2,4}", t)][:24]
        total = self.passage_count() or 1
        rowids = self._rowids(passage_ids)
        file_rowids: dict[int, str] | None = None
        out: dict[str, dict[str, Any]] = {}
        for term in terms:
            phrase = '"' + term.replace('"', "") + '"'
            try:
                hit = bool(self._holding(phrase, rowids, first=True))
            except sqlite3.OperationalError:
                continue
            in_files = hit
            if paths and not hit:
                if file_rowids is None:
                    file_rowids = self._file_rowids(paths)
                in_files = bool(self._holding("{context text} : " + phrase, file_rowids, first=True))
            df = self.document_frequency(term)
            out[term] = {"idf": math.log((total - df + 0.5) / (df + 0.5) + 1.0), "df": df, "found": bool(hit),
                         "in_files": in_files}
        return out

    def _rowids(self, passage_ids: Sequence[str]) -> dict[int, str]:
        """The keyword index's row of each passage: row id -> passage id."""
        if not passage_ids:
            return {}
        rows = self.query("SELECT rowid, id FROM passages WHERE id IN (SELECT value FROM json_each(?))",
                          [json.dumps(list(passage_ids))])
        return {int(r[0]): r[1] for r in rows}

    def _file_rowids(self, paths: Sequence[str]) -> dict[int, str]:
        """The keyword index's rows of every passage of the files at `paths`: row id -> passage id."""
        rows = self.query(
            "SELECT DISTINCT p.rowid, p.id FROM passages p JOIN chunks c ON c.passage_id = p.id"
            " JOIN files f ON f.id = c.file_id WHERE f.path IN (SELECT value FROM json_each(?))",
            [json.dumps(list(paths))])
        return {int(r[0]): r[1] for r in rows}

    def _holding(self, match: str, rowids: dict[int, str], first: bool = False) -> list[int]:
        """Which of the rows `rowids` match the FTS5 query `match` (the first one only with `first`).
        Matches are checked against the row ids alone, not joined to the passages: the common words of a
        question match a large share of a big index."""
        if not rowids:
            return []
        sql = ("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? AND rowid IN "
               "(SELECT value FROM json_each(?))" + (" LIMIT 1" if first else ""))
        return [int(r[0]) for r in self.query(sql, [match, json.dumps(list(rowids))])]

    def passage_filter(
        self, collection: str | None = None, path_glob: str | None = None, file_type: str | None = None,
        exclude_glob: str | None = None,
    ) -> set[str] | None:
        """Passage ids of chunks in files that match the filters; None when no filter is set."""
        if not (collection or path_glob or file_type or exclude_glob):
            return None
        where, params = _file_conditions(collection, path_glob, file_type, exclude_glob)
        sql = "SELECT DISTINCT c.passage_id FROM chunks c JOIN files f ON f.id = c.file_id WHERE 1=1" + where
        return {r[0] for r in self.query(sql, params)}

    def paths_matching(
        self, paths: Sequence[str], collection: str | None = None, path_glob: str | None = None,
        file_type: str | None = None, exclude_glob: str | None = None,
    ) -> set[str]:
        """The `paths` of files that match the filters."""
        where, more = _file_conditions(collection, path_glob, file_type, exclude_glob)
        sql = "SELECT path FROM files f WHERE path IN (SELECT value FROM json_each(?))" + where
        params: list[Any] = [json.dumps(list(paths)), *more]
        return {r[0] for r in self.query(sql, params)}

    def page_neighbours(self, chunk_ids: Sequence[int], reach: int = 2) -> dict[int, list[ChunkHit]]:
        """For each chunk id, the chunks of the same file and page within `reach` positions of it (a table
        split over several chunks: the row that answers may sit next to the chunk that was found)."""
        out: dict[int, list[ChunkHit]] = {int(cid): [] for cid in chunk_ids}
        if not out:
            return out
        sql = (
            "SELECT s.id AS source_id, c.id AS chunk_id, c.passage_id, f.path, f.collection, f.file_type,"
            " f.title, c.page, c.headings, c.char_start, c.char_end, p.text, p.context, c.token_count, p.flags"
            " FROM chunks s JOIN chunks c ON c.file_id = s.file_id AND c.id != s.id"
            " AND c.position BETWEEN s.position - ? AND s.position + ? AND c.page IS s.page"
            " JOIN files f ON f.id = c.file_id JOIN passages p ON p.id = c.passage_id"
            " WHERE s.id IN (SELECT value FROM json_each(?)) ORDER BY s.id, c.position"
        )
        for r in self.query(sql, [reach, reach, json.dumps(list(out))]):
            data = dict(r)
            source = data.pop("source_id")
            out[source].append(_chunk_hit(data))
        return out

    def files_sharing_text(self, text: str, path: str) -> int:
        """Files other than `path` with a passage that holds `text` word for word (an FTS5 phrase query);
        0 when the keyword index cannot say."""
        words = re.findall(r"[^\W_]+", search_form(text))
        return len(self._files_with_phrase("{text}", words, path) or ()) if words else 0

    def _files_with_phrase(self, columns: str, words: Sequence[str], path: str) -> set[str] | None:
        """Files other than `path` whose passages hold `words` as a phrase in the FTS5 `columns`
        (e.g. "{text}"); None when the keyword index cannot say."""
        try:
            rows = self.query(
                "SELECT DISTINCT f.path FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid"
                " JOIN chunks c ON c.passage_id = p.id JOIN files f ON f.id = c.file_id"
                " WHERE passages_fts MATCH ? AND f.path != ?",
                [f'{columns} : "' + " ".join(words) + '"', path])
        except sqlite3.OperationalError as exc:
            log.warning("keyword phrase search failed: %s", exc)
            return None
        return {str(row[0]) for row in rows}

    def file_chunks(self, path: str) -> list[ChunkHit]:
        """Every chunk of one file, in reading order, with its page, headings and passage text."""
        rows = self.query(_CHUNK_HITS + " WHERE f.path = ? ORDER BY c.position", (path,))
        return [_chunk_hit(dict(r)) for r in rows]

    def files_sharing_wording(self, sentence: str, path: str, share: float = 0.5) -> set[str]:
        """Other files (not `path`) that hold most of `sentence`'s wording, figures aside: its words between
        figures and years, cut into phrases of up to four words, at least `share` of which each such file
        holds (through the keyword index's stemmer).

        A yearly report repeats "Net sales increased 7% to $514 billion in 2022" next year with other
        figures, often with a few words changed; asked without its figure, such a sentence does not say
        which document it comes from."""
        words = re.findall(r"[^\W_]+", search_form(sentence))
        runs: list[list[str]] = [[]]
        for word in words:
            if any(ch.isdigit() for ch in word):
                runs.append([])
            else:
                runs[-1].append(word.lower())
        phrases = [run[i:i + 4] for run in runs for i in range(0, len(run), 4)]
        phrases = [p for p in phrases if len(p) >= 2]
        if sum(len(p) for p in phrases) < 3:  # too few words to be a template
            return set()
        held: dict[str, int] = {}
        for phrase in phrases:
            found = self._files_with_phrase("{context text}", phrase, path)
            if found is None:
                return set()
            for other in found:
                held[other] = held.get(other, 0) + 1
        return {other for other, count in held.items() if count >= share * len(phrases)}

    def chunks_for(
        self, passage_ids: Sequence[str], collection: str | None = None,
        path_glob: str | None = None, file_type: str | None = None, exclude_glob: str | None = None,
    ) -> dict[str, list[ChunkHit]]:
        """For each passage id, the chunks (in files matching the filters) that hold it."""
        out: dict[str, list[ChunkHit]] = {pid: [] for pid in passage_ids}
        if not passage_ids:
            return out
        sql = _CHUNK_HITS + " WHERE c.passage_id IN (SELECT value FROM json_each(?))"
        where, more = _file_conditions(collection, path_glob, file_type, exclude_glob)
        sql += where
        params: list[Any] = [json.dumps(list(passage_ids)), *more]
        for r in self.query(sql + " ORDER BY f.path, c.position", params):
            hit = _chunk_hit(dict(r))
            out[hit.passage_id].append(hit)
        return out
