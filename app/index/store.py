"""The knowledge index: catalog + keyword index (SQLite) and passage vectors (Chroma), kept in step.

Ingestion writes through `KnowledgeIndex`; the app reads through it. Consistency rules:
- a passage's vector is written to Chroma *before* the SQLite transaction that makes it visible, so
  a passage in the catalog always has a vector;
- passages that no chunk uses any more are deleted from SQLite first, then from Chroma;
- a write session sets `dirty` in the catalog and clears it when it ends cleanly; opening a dirty index
  for writing (after Ctrl-C or kill -9) reconciles the two stores: vectors without a passage are
  deleted, and files whose passages lost their vector are dropped so the next sync re-ingests them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.embeddings import DIMENSION, MODEL_NAME
from app.index.catalog import Catalog, ChunkHit, FileRow, NewChunk
from app.index.vectors import VectorStore, server_address
from app.settings import Settings


class IndexModelMismatch(Exception):
    """The index on disk was built with another embedding model."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KnowledgeIndex:
    """One citewise index. Thread-safe for the app's readers and one writer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = Catalog(settings.index_dir / "catalog.sqlite3")
        self._vectors: VectorStore | None = None
        self._vectors_lock = threading.Lock()
        self._check_model()

    # --- opening ----------------------------------------------------------------------------------
    @property
    def vectors(self) -> VectorStore:
        """Chroma, opened on first use (a re-sync that changes nothing never needs it)."""
        if self._vectors is None:
            with self._vectors_lock:
                if self._vectors is None:
                    self._vectors = VectorStore(self.settings)
        return self._vectors

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
        self.catalog.close()

    # --- write sessions ---------------------------------------------------------------------------
    def begin_write(self) -> dict[str, int]:
        """Mark a write session; repair the index first if the last one did not end cleanly."""
        repaired = {"vectors_removed": 0, "files_reset": 0}
        if self.catalog.get_meta("dirty") == "1":
            repaired = self.reconcile()
        self.catalog.set_meta("dirty", "1")
        return repaired

    def end_write(self, summary: dict[str, Any] | None = None) -> None:
        self.collect_garbage()
        if summary is not None:
            self.catalog.set_meta("last_sync", json.dumps(summary))
        self.catalog.set_meta("dirty", "0")

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
        """Recompute every passage vector with `embed(texts) -> np.ndarray` (after a model change)."""
        rows = self.catalog.query("SELECT id, context, text FROM passages ORDER BY rowid")
        self.vectors.delete(self.vectors.all_ids())
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            vecs = embed([embed_text(r["context"], r["text"]) for r in part])
            self.vectors.upsert([r["id"] for r in part], vecs)
        self.catalog.set_meta("embedding_model", MODEL_NAME)
        self.catalog.set_meta("embedding_dimension", str(DIMENSION))
        return len(rows)

    # --- reading ----------------------------------------------------------------------------------
    def file(self, path: str) -> FileRow | None:
        return self.catalog.file(path)

    def files(self, collection: str | None = None, under: str | None = None) -> list[FileRow]:
        return self.catalog.files(collection, under)

    def documents(self) -> list[FileRow]:
        """The files a reader can ask about: indexed without error and holding at least one passage."""
        return [f for f in self.catalog.files() if f.status == "ok" and f.chunk_count > 0]

    def section_headings(self, limit_per_file: int = 20) -> list[tuple[str, list[str]]]:
        """(file path, heading path) of the first sections of each indexed file."""
        return self.catalog.section_headings(limit_per_file)

    def collections(self) -> list[str]:
        return [r[0] for r in self.catalog.query("SELECT DISTINCT collection FROM files ORDER BY 1")]

    def chunks_for(self, passage_ids: Sequence[str], **filters: Any) -> dict[str, list[ChunkHit]]:
        return self.catalog.chunks_for(passage_ids, **filters)

    def stats(self) -> dict[str, Any]:
        c = self.catalog
        row = c.query(
            "SELECT COUNT(*) AS files, COALESCE(SUM(pages), 0) AS pages,"
            " COALESCE(SUM(status = 'ok'), 0) AS ok, COALESCE(SUM(status != 'ok'), 0) AS failed"
            " FROM files"
        )[0]
        chunks = c.query("SELECT COUNT(*) AS n, COALESCE(SUM(token_count), 0) AS tokens FROM chunks")[0]
        passages = c.query("SELECT COUNT(*) FROM passages")[0][0]
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
