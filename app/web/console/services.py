"""What every console session shares (the stores, one index update at a time) and the job helpers."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from app.errors import user_message
from app.index import KnowledgeIndex
from app.query_log import QueryLog
from app.settings import Settings

log = logging.getLogger(__name__)


class ConsoleServices:
    """What every console session shares: the index, the logs, the embedder (opened on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.audit_path = settings.logs_dir / "audit.sqlite3"
        self.uploads_dir = settings.data_dir / "uploads"
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="citewise-console")
        self.write_lock = threading.Lock()  # one index update (sync, upload, delete) at a time
        self._open_lock = threading.RLock()
        self._index: KnowledgeIndex | None = None
        self._log: QueryLog | None = None
        self._retriever: Any = None

    @property
    def index(self) -> KnowledgeIndex:
        with self._open_lock:
            if self._index is None:
                self._index = KnowledgeIndex(self.settings)
            return self._index

    @property
    def query_log(self) -> QueryLog:
        with self._open_lock:
            if self._log is None:
                self._log = QueryLog(self.settings.logs_dir / "queries.sqlite3")
            return self._log

    @property
    def embedder(self) -> Any:
        from app.embeddings import get_embedder

        return get_embedder(self.settings)

    def retriever(self) -> Any:
        from app.retrieval import Retriever

        with self._open_lock:
            if self._retriever is None:
                self._retriever = Retriever(self.index, self.embedder, self.settings)
            return self._retriever

    def sync_options(self, collection: str, prune: bool = False) -> Any:
        from ingest.sync import SyncOptions

        s = self.settings
        return SyncOptions(
            collection=collection or s.default_collection, prune=prune, chunk_tokens=s.chunk_tokens,
            overlap_tokens=s.chunk_overlap_tokens, max_file_bytes=int(s.max_file_mb * 2**20),
        )

    def sync(self, paths: Sequence[Path], collection: str, prune: bool, progress: Any) -> Any:
        """The same ingestion as `python -m ingest sync` (passage scan included), one at a time."""
        from ingest.sync import passage_scanner, sync

        if not self.write_lock.acquire(blocking=False):
            raise ConsoleError("Another index update is running. Wait for it to finish, then try again.")
        try:
            options = self.sync_options(collection, prune)
            return sync(self.index, self.embedder, list(paths), options, progress,
                        scan_passage=passage_scanner(self.settings))
        finally:
            self.write_lock.release()

    def delete(self, paths: Sequence[str]) -> int:
        """Remove documents from the catalog, keyword index and vectors; delete our copies of uploads."""
        if not self.write_lock.acquire(blocking=False):
            raise ConsoleError("Another index update is running. Wait for it to finish, then try again.")
        try:
            index = self.index
            index.begin_write()
            removed = index.remove_files(list(paths))
            index.end_write()
        finally:
            self.write_lock.release()
        uploads = self.uploads_dir.resolve()
        for path in paths:
            copy = Path(path)
            if copy.is_relative_to(uploads) and copy.is_file():
                copy.unlink()
        return removed

    def save_uploads(
        self, names: Sequence[str], contents: Sequence[bytes], collection: str
    ) -> tuple[list[Path], list[str]]:
        """Write uploaded files under <data_dir>/uploads/<collection>/; return (saved, problems)."""
        from ingest.readers import SUPPORTED_TYPES, detect_type

        folder = self.uploads_dir / _safe_name(collection or self.settings.default_collection)
        saved: list[Path] = []
        problems: list[str] = []
        limit = self.settings.max_file_mb * 2**20
        for name, data in zip(names, contents, strict=True):
            clean = _safe_name(Path(name).name)
            if not clean or clean.startswith("."):
                problems.append(f"{name}: not a usable file name; rename it and upload again")
                continue
            if detect_type(Path(clean)) is None:
                kinds = ", ".join(sorted(SUPPORTED_TYPES))
                problems.append(f"{name}: citewise cannot index this kind of file (supported: {kinds})")
                continue
            if len(data) > limit:
                mb = self.settings.max_file_mb
                problems.append(f"{name}: larger than CITEWISE_MAX_FILE_MB ({mb:g} MB)")
                continue
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / clean
            target.write_bytes(data)
            saved.append(target.resolve())
        return saved, problems


class ConsoleError(Exception):
    """Something the admin can act on; the message says how."""


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\- ]+", "_", name).strip().strip(".") if name else ""


class SyncProgress:
    """Collects ingest progress from the worker thread; the page polls `snapshot()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.chunks = 0
        self.last = ""

    def start(self, total_files: int) -> None:
        with self._lock:
            self.total = total_files

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        with self._lock:
            self.done += 1
            self.chunks += chunks
            self.last = f"{outcome} {Path(path).name}" + (f": {detail}" if detail else "")

    def finish(self) -> None: ...

    def snapshot(self) -> tuple[int, int, int, str]:
        with self._lock:
            return self.done, self.total, self.chunks, self.last


def sync_summary(report: Any) -> tuple[str, list[str]]:
    """One line for a sync report, and the failures (file: reason)."""
    line = (f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
            f"{len(report.removed)} removed, {len(report.skipped)} skipped, {len(report.failed)} failed "
            f"- {report.chunks_added} chunks added in {report.seconds:.1f} s.")
    failures = [f"{Path(f['path']).name}: {f['error']}" for f in report.failed]
    return line, failures


def error_text(exc: BaseException) -> str:
    """A readable one-liner for an error, never a traceback (that goes to the server log)."""
    if isinstance(exc, ConsoleError):
        return str(exc)
    message = user_message(exc)
    if message:
        return message
    return f"Something went wrong ({type(exc).__name__}). The details are in the server log."
