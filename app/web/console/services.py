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
from app.index import KnowledgeIndex
from app.moderation.audit import AuditLog
from app.query_log import QueryLog
from app.retrieval import Retriever
from app.services import Services
from app.web.index_updates import IndexUpdateBusy, SyncProgress, sync_files, sync_summary, writing

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
        session, an editor's upload in the chat, or `python -m ingest`) holds it."""
        try:
            with writing(self.index) as index:
                yield index
        except IndexUpdateBusy as exc:
            raise ConsoleError(str(exc)) from None

    def sync(self, paths: Sequence[Path], collection: str | None, prune: bool, progress: Any) -> Any:
        """The same ingestion as `python -m ingest sync` (passage scan included), one writer at a time."""
        try:
            return sync_files(self.services, paths, collection, prune, progress)
        except IndexUpdateBusy as exc:
            raise ConsoleError(str(exc)) from None
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


def error_text(exc: BaseException) -> str:
    """A readable one-liner for an error, never a traceback (that goes to the server log)."""
    if isinstance(exc, ConsoleError):
        return str(exc)
    message = user_message(exc)
    if message:
        return message
    return f"Something went wrong ({type(exc).__name__}). The details are in the server log."


__all__ = ["ConsoleError", "ConsoleServices", "SyncProgress", "error_text", "sync_summary"]
