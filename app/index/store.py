"""The knowledge index: catalog + keyword index (SQLite) and passage vectors (Chroma), kept in step.

Ingestion writes through `KnowledgeIndex`; the app reads through it. Consistency rules:
- a passage's vector is written to Chroma *before* the SQLite transaction that makes it visible, so
  a passage in the catalog always has a vector;
- passages that no chunk uses any more are deleted from SQLite first, then from Chroma;
- a write session holds the writer lock (`app.index.lock`, across processes), sets `dirty` in the
  catalog and clears it when it ends cleanly; a writer that finds the index dirty (after Ctrl-C or
  kill -9; the lock guarantees no other writer is half-way) reconciles the two stores: vectors without
  a passage are deleted, and files whose passages lost their vector are dropped so the next sync
  re-ingests them;
- a re-embed marks `reembed_pending` until every vector is rewritten; until then writes refuse to start
  and `python -m ingest check` says to run the re-embed again (it resumes safely).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.embeddings import DIMENSION, MODEL_NAME
from app.index.catalog import Catalog, ChunkHit, FileRow, NewChunk
from app.index.lock import WriterLock
from app.index.vectors import VectorStore, server_address
from app.settings import Settings


class IndexModelMismatch(Exception):
    """The index on disk was built with another embedding model."""


class ReembedPending(Exception):
    """A re-embed was interrupted; it must be run again before anything else writes."""


@dataclass(frozen=True)
class IndexCheck:
    """Whether the catalog, the keyword index and the vectors agree (`python -m ingest check`)."""

    passages: int
    keyword_rows: int
    vectors: int
    passages_without_vector: int
    vectors_without_passage: int
    passages_without_keyword_row: int
    keyword_rows_without_passage: int
    dirty: bool
    reembed_pending: bool

    @property
    def ok(self) -> bool:
        return not (self.passages_without_vector or self.vectors_without_passage
                    or self.passages_without_keyword_row or self.keyword_rows_without_passage
                    or self.dirty or self.reembed_pending)

    def problems(self) -> list[str]:
        """What disagrees, and the command that fixes it, one line each."""
        out = []
        if self.reembed_pending:
            out.append("a re-embed was interrupted: run `python -m ingest reembed` again to finish it.")
        if self.dirty:
            out.append("a write did not finish (crash or kill): run `python -m ingest check --repair`.")
        repair = "run `python -m ingest check --repair`, then sync your folders again to re-read the files."
        if self.passages_without_vector:
            out.append(f"{self.passages_without_vector} passages have no vector: {repair}")
        if self.vectors_without_passage:
            out.append(f"{self.vectors_without_passage} vectors belong to no passage: {repair}")
        if self.passages_without_keyword_row or self.keyword_rows_without_passage:
            out.append(f"{self.passages_without_keyword_row} passages have no keyword-index row and "
                       f"{self.keyword_rows_without_passage} keyword rows no passage: {repair}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "problems": self.problems()}


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KnowledgeIndex:
    """One citewise index. Thread-safe for the app's readers and one writer."""

    def __init__(self, settings: Settings, check_model: bool = True) -> None:
        """Open the index; `check_model=False` opens one built with another model (to re-embed it)."""
        self.settings = settings
        self.catalog = Catalog(settings.index_dir / "catalog.sqlite3")
        self._vectors: VectorStore | None = None
        self._vectors_lock = threading.Lock()
        self.writer_lock = WriterLock(settings.index_dir / "writer.lock")
        self.on_lock_wait: Callable[[str], None] | None = None  # told when a write waits for another
        if check_model:
            self._check_model()

    # --- opening ----------------------------------------------------------------------------------
    @property
    def vectors(self) -> VectorStore:
        """Chroma, opened on first use (a re-sync that changes nothing never needs it)."""
        if self._vectors is None:
            with self._vectors_lock:
                if self._vectors is None:
                    vectors = VectorStore(self.settings)
                    vectors.claim(self.catalog_id, f"{socket.gethostname()}:{self.catalog.path}")
                    self._vectors = vectors
        return self._vectors

    @property
    def catalog_id(self) -> str:
        """This catalog's identity (made on first use), recorded as the owner of its Chroma collection."""
        return self.catalog.meta_once("catalog_id", uuid.uuid4().hex)

    def _check_model(self) -> None:
        model = self.catalog.get_meta("embedding_model")
        dim = self.catalog.get_meta("embedding_dimension")
        if not model:
            self.catalog.set_meta("embedding_model", MODEL_NAME)
            self.catalog.set_meta("embedding_dimension", str(DIMENSION))
            return
        if model != MODEL_NAME or int(dim or 0) != DIMENSION:
            raise IndexModelMismatch(
                f"the index in {self.settings.index_dir} was built with {model} ({dim} dimensions), but "
                f"this citewise embeds with {MODEL_NAME} ({DIMENSION}). Re-embed it with "
                "`python -m ingest reembed`, or point CITEWISE_DATA_DIR at a new folder and sync again."
            )

    def close(self) -> None:
        while self.writer_lock.held:
            self.writer_lock.release()
        self.catalog.close()

    # --- write sessions ---------------------------------------------------------------------------
    @contextmanager
    def writer(self, wait_s: float | None = None) -> Iterator[None]:
        """Hold the writer lock for a block (waiting up to `wait_s`, default CITEWISE_INDEX_LOCK_WAIT_S;
        0 fails at once with `IndexBusy`). Whatever `begin_write` left held inside is released too."""
        wait = self.settings.index_lock_wait_s if wait_s is None else wait_s
        self.writer_lock.acquire(wait, self.on_lock_wait)
        depth = self.writer_lock.depth
        try:
            yield
        finally:
            while self.writer_lock.depth >= depth:
                self.writer_lock.release()

    def begin_write(self) -> dict[str, int]:
        """Start a write session under the writer lock (held until `end_write`); repair the index first
        if the last session did not end cleanly."""
        self.writer_lock.acquire(self.settings.index_lock_wait_s, self.on_lock_wait)
        try:
            if server_address(self.settings):
                _ = self.vectors  # a shared collection that another catalog owns is refused before any work
            if self.catalog.get_meta("reembed_pending") == "1":
                raise ReembedPending(
                    "a re-embed of this index was interrupted: run `python -m ingest reembed` to finish it "
                    "before changing the index.")
            repaired = {"vectors_removed": 0, "files_reset": 0}
            if self.catalog.get_meta("dirty") == "1":
                repaired = self.reconcile()
            self.catalog.set_meta("dirty", "1")
        except BaseException:
            self.writer_lock.release()
            raise
        return repaired

    def end_write(self, summary: dict[str, Any] | None = None) -> None:
        """End a write session cleanly: drop unused passages, record `summary`, release the lock."""
        try:
            self.collect_garbage()
            if summary is not None:
                self.catalog.set_meta("last_sync", json.dumps(summary))
            self.catalog.set_meta("dirty", "0")
        finally:
            if self.writer_lock.held:
                self.writer_lock.release()

    def reconcile(self) -> dict[str, int]:
        """Make Chroma and the catalog agree (after an interrupted write)."""
        in_chroma = self.vectors.all_ids()
        in_catalog = self.catalog.passage_ids()
        stray = in_chroma - in_catalog
        self.vectors.delete(stray)
        lost = in_catalog - in_chroma
        files_reset = 0
        if lost:
            lost_json = json.dumps(sorted(lost))
            with self.catalog.transaction() as conn:
                paths = [
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT f.path FROM files f JOIN chunks c ON c.file_id = f.id"
                        " WHERE c.passage_id IN (SELECT value FROM json_each(?))",
                        (lost_json,),
                    )
                ]
                for path in paths:
                    self.catalog.delete_file(conn, path)
                files_reset = len(paths)
                orphans = self.catalog.drop_orphan_passages(conn)
            self.vectors.delete(set(orphans) - lost)
        return {"vectors_removed": len(stray), "files_reset": files_reset}

    def missing_passages(self, ids: Sequence[str]) -> set[str]:
        """Which of these passage ids have no stored passage (and so need embedding)."""
        return set(ids) - self.catalog.existing_passages(ids)

    def add_vectors(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        if ids:
            self.vectors.upsert(ids, vectors)

    def write_file(
        self, record: dict[str, Any], chunks: Sequence[NewChunk],
        passage_flags: dict[str, list[str]] | None = None,
    ) -> None:
        """Store a file and its chunks; their new passages' vectors must already be added."""
        record = {**record, "ingested_at": record.get("ingested_at") or utc_now()}
        for key in ("warnings", "flags"):
            record[key] = json.dumps(record.get(key) or [])
        with self.catalog.transaction() as conn:
            self.catalog.write_file(conn, record, chunks, passage_flags)

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        with self.catalog.transaction() as conn:
            conn.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path))

    def remove_files(self, paths: Sequence[str]) -> int:
        """Delete files from catalog, keyword index and vectors together; return how many existed."""
        removed = 0
        with self.catalog.transaction() as conn:
            for path in paths:
                removed += self.catalog.delete_file(conn, path)
        self.collect_garbage()
        return removed

    def collect_garbage(self) -> int:
        with self.catalog.transaction() as conn:
            orphans = self.catalog.drop_orphan_passages(conn)
        if orphans:
            self.vectors.delete(orphans)
        return len(orphans)

    def reembed(self, embed: Any, batch: int = 256) -> int:
        """Recompute every passage vector with `embed(texts) -> np.ndarray` (after a model change).

        Crash-safe: `reembed_pending` is set first and cleared last, vectors are overwritten in place
        (same ids), so an interrupted run leaves every passage with a vector and is finished by running
        it again. Old vectors are deleted up front only when the dimension changes."""
        with self.writer():
            self.catalog.set_meta("reembed_pending", "1")
            rows = self.catalog.passages_for_embedding()
            ids = {r[0] for r in rows}
            current = self.vectors.all_ids()
            if int(self.catalog.get_meta("embedding_dimension") or DIMENSION) != DIMENSION:
                self.vectors.delete(current)
            else:
                self.vectors.delete(current - ids)
            for start in range(0, len(rows), batch):
                part = rows[start : start + batch]
                vecs = embed([embed_text(context, text) for _, context, text in part])
                self.vectors.upsert([pid for pid, _, _ in part], vecs)
            self.catalog.set_meta("embedding_model", MODEL_NAME)
            self.catalog.set_meta("embedding_dimension", str(DIMENSION))
            self.catalog.set_meta("dirty", "0")
            self.catalog.set_meta("reembed_pending", "0")
        return len(rows)

    # --- checking ---------------------------------------------------------------------------------
    def check(self) -> IndexCheck:
        """Compare passages, keyword rows and vectors id by id (reads everything: an admin command)."""
        in_catalog = self.catalog.passage_ids()
        in_chroma = self.vectors.all_ids()
        keyword = self.catalog.keyword_consistency()
        return IndexCheck(
            passages=len(in_catalog), keyword_rows=keyword["rows"], vectors=len(in_chroma),
            passages_without_vector=len(in_catalog - in_chroma),
            vectors_without_passage=len(in_chroma - in_catalog),
            passages_without_keyword_row=keyword["missing"], keyword_rows_without_passage=keyword["stray"],
            dirty=self.catalog.get_meta("dirty") == "1",
            reembed_pending=self.catalog.get_meta("reembed_pending") == "1",
        )

    def repair(self) -> dict[str, int]:
        """Make the stores agree under the writer lock: reconcile vectors and catalog (files that lost
        vectors are dropped, so the next sync re-reads them) and rebuild the keyword rows."""
        with self.writer():
            if self.catalog.get_meta("reembed_pending") == "1":
                raise ReembedPending("a re-embed of this index was interrupted: run `python -m ingest reembed` "
                                     "to finish it first.")
            self.catalog.set_meta("dirty", "1")
            repaired = self.reconcile()
            repaired["keyword_rows_fixed"] = self.catalog.repair_keyword_rows()
            self.catalog.set_meta("dirty", "0")
        return repaired

    # --- reading ----------------------------------------------------------------------------------
    def file(self, path: str) -> FileRow | None:
        return self.catalog.file(path)

    def files(self, collection: str | None = None, under: str | None = None) -> list[FileRow]:
        return self.catalog.files(collection, under)

    def failure_settings(self, path: str) -> str | None:
        """The read settings under which this file's current version failed (see the catalog)."""
        return self.catalog.failure_settings(path)

    # --- what may be served -------------------------------------------------------------------------
    def add_synced_roots(self, roots: Sequence[Any]) -> None:
        """Remember the (resolved) folders and files synced into this index; /files serves nothing else."""
        known = set(self.synced_roots())
        fresh = sorted(known | {str(r) for r in roots})
        if fresh != sorted(known):
            self.catalog.set_meta("synced_roots", json.dumps(fresh))

    def synced_roots(self) -> list[str]:
        """The folders and files ever synced into this index (resolved paths)."""
        raw = self.catalog.get_meta("synced_roots")
        return list(json.loads(raw)) if raw else []

    def _token_key(self) -> bytes:
        key = self.catalog.get_meta("file_token_key")
        if not key:
            with self._vectors_lock:
                key = self.catalog.get_meta("file_token_key")
                if not key:
                    key = secrets.token_hex(32)
                    self.catalog.set_meta("file_token_key", key)
        return bytes.fromhex(key)

    def file_token(self, file_id: int) -> str:
        """An opaque, unguessable name for a file in links (/files/<token>): ids cannot be walked."""
        mac = hmac.new(self._token_key(), f"file:{file_id}".encode(), hashlib.sha256).hexdigest()[:32]
        return f"{mac}{file_id:x}"

    def file_for_token(self, token: str) -> FileRow | None:
        """The file a token names, or None for anything that is not a token this index issued."""
        token = token.lower()
        if len(token) < 33 or len(token) > 48 or any(ch not in "0123456789abcdef" for ch in token):
            return None
        mac, hex_id = token[:32], token[32:]
        file_id = int(hex_id, 16)
        if not hmac.compare_digest(self.file_token(file_id)[:32], mac):
            return None
        rows = self.catalog.query("SELECT * FROM files WHERE id = ?", (file_id,))
        return FileRow.from_row(rows[0]) if rows else None

    def file_for_passage(self, passage_id: str) -> tuple[FileRow, int | None] | None:
        """The first file (and page) holding a passage, by its content-addressed id."""
        if len(passage_id) != 32 or any(ch not in "0123456789abcdef" for ch in passage_id.lower()):
            return None
        rows = self.catalog.query(
            "SELECT f.*, c.page AS chunk_page FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE c.passage_id = ? AND f.status = 'ok' ORDER BY f.path, c.position LIMIT 1",
            (passage_id.lower(),),
        )
        if not rows:
            return None
        data = dict(rows[0])
        page = data.pop("chunk_page")
        data["warnings"], data["flags"] = json.loads(data["warnings"]), json.loads(data["flags"])
        return FileRow(**data), page

    def documents(self) -> list[FileRow]:
        """The files a reader can ask about: indexed without error and holding at least one passage."""
        return [f for f in self.catalog.files() if f.status == "ok" and f.chunk_count > 0]

    def section_headings(self, limit_per_file: int = 20) -> list[tuple[str, list[str]]]:
        """(file path, heading path) of the first sections of each indexed file."""
        return self.catalog.section_headings(limit_per_file)

    def collections(self) -> list[str]:
        return self.catalog.collection_names()

    def is_empty(self) -> bool:
        """No chunk is indexed (nothing to search)."""
        return not self.catalog.has_chunks()

    def searchable_files(self) -> int:
        """Files with at least one chunk."""
        return self.catalog.searchable_files()

    # --- searching (the retriever) ----------------------------------------------------------------
    def passage_filter(
        self, collection: str | None = None, path_glob: str | None = None, file_type: str | None = None,
        exclude_glob: str | None = None,
    ) -> set[str] | None:
        """Passage ids of chunks in files that match the filters; None when no filter is set."""
        return self.catalog.passage_filter(collection=collection, path_glob=path_glob, file_type=file_type,
                                           exclude_glob=exclude_glob)

    def paths_matching(
        self, paths: Sequence[str], collection: str | None = None, path_glob: str | None = None,
        file_type: str | None = None, exclude_glob: str | None = None,
    ) -> set[str]:
        """The `paths` of files that match the filters."""
        return self.catalog.paths_matching(paths, collection=collection, path_glob=path_glob,
                                           file_type=file_type, exclude_glob=exclude_glob)

    def keyword_search(self, text: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """BM25 over passages (header, headings, text): (passage id, score), best first; only `allowed`
        passages when given. Raises KeywordSearchError when the keyword index cannot be read."""
        return self.catalog.keyword_search(text, k, allowed)

    def named_files(self, text: str) -> dict[str, tuple[float, float]]:
        """Files whose document header the question names: path -> (name score, detail score)."""
        return self.catalog.named_files(text)

    def file_periods(self, paths: Sequence[str]) -> dict[str, set[str]]:
        """For each file, the years it is about (its header's years and the year its passages mention most)."""
        return self.catalog.file_periods(paths)

    def section_openings(self, paths: Sequence[str]) -> dict[str, list[ChunkHit]]:
        """For each file, the first chunk of each page and section (where its title stands)."""
        return self.catalog.section_openings(paths)

    def passage_files(self, passage_ids: Sequence[str]) -> dict[str, set[str]]:
        """For each passage id, the paths of the files that hold it."""
        return self.catalog.passage_files(passage_ids)

    def term_coverage(self, text: str, passage_ids: Sequence[str]) -> dict[str, float]:
        """Share of the query's information (IDF-weighted terms) that each passage contains, 0..1."""
        return self.catalog.term_coverage(text, passage_ids)

    # --- aggregates (the admin console and /metrics) ------------------------------------------------
    def chunk_token_counts(self) -> list[int]:
        """The length in tokens of every chunk."""
        return self.catalog.chunk_token_counts()

    def documents_by_type(self) -> list[dict[str, Any]]:
        """type, documents, chunks, failed per file type; most documents first."""
        return self.catalog.documents_by_type()

    def shared_passages(self, limit: int = 200) -> list[dict[str, Any]]:
        """Passages used by more than one chunk: passage, copies, files (comma-separated), text."""
        return self.catalog.shared_passages(limit)

    def duplicate_counts(self) -> tuple[int, int]:
        """(chunks beyond the first of each passage, passages used more than once)."""
        return self.catalog.duplicate_counts()

    def pages_by_type(self) -> list[dict[str, Any]]:
        """type, chunks, without_page per file type."""
        return self.catalog.pages_by_type()

    def files_sharing_text(self, text: str, path: str) -> int:
        """Files other than `path` holding `text` word for word (boilerplate shared by documents)."""
        return self.catalog.files_sharing_text(text, path)

    def file_chunks(self, path: str) -> list[ChunkHit]:
        """Every chunk of one file in reading order (page, headings, passage text)."""
        return self.catalog.file_chunks(path)

    def files_sharing_wording(self, sentence: str, path: str) -> set[str]:
        """Other files holding `sentence`'s wording with any figures (see `Catalog.files_sharing_wording`)."""
        return self.catalog.files_sharing_wording(sentence, path)

    def chunks_for(self, passage_ids: Sequence[str], **filters: Any) -> dict[str, list[ChunkHit]]:
        return self.catalog.chunks_for(passage_ids, **filters)

    def page_neighbours(self, chunk_ids: Sequence[int], reach: int = 2) -> dict[int, list[ChunkHit]]:
        return self.catalog.page_neighbours(chunk_ids, reach)

    def stats(self) -> dict[str, Any]:
        c = self.catalog
        row, chunks, passages = c.totals()
        last = c.get_meta("last_sync")
        address = server_address(self.settings)
        catalog_bytes = sum(
            p.stat().st_size for p in c.path.parent.glob(c.path.name + "*") if p.is_file()
        )
        chroma_bytes = None if address else self.vectors.disk_bytes()
        return {
            "collections": len(self.collections()),
            "documents": row["files"],
            "documents_ok": row["ok"],
            "documents_failed": row["failed"],
            "pages": row["pages"],
            "chunks": chunks["n"],
            "passages": passages,
            "keyword_rows": c.keyword_consistency()["rows"],
            "vectors": self.vectors.count(),
            "duplicate_chunks": chunks["n"] - passages,
            "tokens": chunks["tokens"],
            "embedding_model": c.get_meta("embedding_model"),
            "embedding_dimension": int(c.get_meta("embedding_dimension") or 0),
            "vector_store": "chroma server " + self.vectors.location if address else "chroma embedded",
            "disk_bytes": catalog_bytes + (chroma_bytes or 0),
            "last_sync": json.loads(last) if last else None,
        }


def embed_text(context: str, text: str) -> str:
    """What is embedded for a passage: its title/heading context, then its text."""
    return f"{context}\n\n{text}" if context else text
