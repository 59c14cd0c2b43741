"""What every console session shares (the stores, one index update at a time) and the job helpers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from app.errors import user_message
from app.index import IndexBusy, KnowledgeIndex
from app.moderation.audit import AuditLog
from app.query_log import QueryLog
from app.retrieval import Retriever
from app.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_S = 5.0  # console numbers are shared between sessions for this long


class ConsoleServices:
    """What every console session shares: the process's `Services`, a worker pool and the uploads folder."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.uploads_dir = services.settings.data_dir / "uploads"
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="citewise-console")
        self._cache: dict[str, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    def cached(self, key: str, make: Callable[[], T], ttl_s: float = CACHE_S) -> T:
        """`make()`, shared by every console session for `ttl_s` seconds (one admin's refresh, or several
        admins refreshing at once, read the stores once)."""
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < ttl_s:
                return hit[1]  # type: ignore[no-any-return]
        value = make()
        with self._cache_lock:
            self._cache[key] = (time.monotonic(), value)
        return value

    def forget(self) -> None:
        """Drop cached numbers (after an upload, sync or delete changed the index)."""
        with self._cache_lock:
            self._cache.clear()

    @property
    def index(self) -> KnowledgeIndex:
        return self.services.index

    @property
    def query_log(self) -> QueryLog:
        return self.services.query_log

    @property
    def audit_log(self) -> AuditLog:
        return self.services.audit_log

    def retriever(self) -> Retriever:
        return self.services.retriever

    @contextmanager
    def _writing(self) -> Iterator[KnowledgeIndex]:
        """The index under its writer lock, or a ConsoleError at once when another writer (a console
        session, or `python -m ingest` from a shell or cron) holds it."""
        index = self.index
        try:
            with index.writer(wait_s=0):
                yield index
        except IndexBusy:
            holder = index.writer_lock.holder()
            who = f" ({holder})" if holder else ""
            raise ConsoleError(f"Another index update is running{who}. Wait for it to finish, then try "
                               "again.") from None

    def sync(self, paths: Sequence[Path], collection: str, prune: bool, progress: Any) -> Any:
        """The same ingestion as `python -m ingest sync` (passage scan included), one writer at a time."""
        from ingest.sync import sync

        try:
            with self._writing() as index:
                options = self.services.sync_options(collection, prune=prune)
                return sync(index, self.services.embedder, list(paths), options, progress,
                            scan_passage=self.services.passage_scanner())
        finally:
            self.forget()

    def delete(self, paths: Sequence[str]) -> int:
        """Remove documents from the catalog, keyword index and vectors; delete our copies of uploads."""
        try:
            with self._writing() as index:
                index.begin_write()
                removed = index.remove_files(list(paths))
                index.end_write()
        finally:
            self.forget()
        uploads = self.uploads_dir.resolve()
        for path in paths:
            copy = Path(path)
            if copy.is_relative_to(uploads) and copy.is_file():
                copy.unlink()
        return removed


class ConsoleError(Exception):
    """Something the admin can act on; the message says how."""


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
    """One line for a sync report, and the files that failed or were skipped (file: reason)."""
    line = (f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
            f"{len(report.removed)} removed, {len(report.skipped)} skipped, {len(report.failed)} failed "
            f"- {report.chunks_added} chunks added in {report.seconds:.1f} s.")
    failures = [f"{Path(f['path']).name}: {f['error']}" for f in report.failed]
    failures += [f"{Path(f['path']).name}: skipped, {f['reason']}" for f in report.skipped_files]
    failures += [f"{Path(p).name}: skipped, citewise cannot index this kind of file" for p in report.skipped]
    return line, failures


def error_text(exc: BaseException) -> str:
    """A readable one-liner for an error, never a traceback (that goes to the server log)."""
    if isinstance(exc, ConsoleError):
        return str(exc)
    message = user_message(exc)
    if message:
        return message
    return f"Something went wrong ({type(exc).__name__}). The details are in the server log."
