"""Changing the index from the web app (the console's uploads, re-syncs and deletes; editors' uploads in
the chat): one writer at a time, through the same sync as `python -m ingest sync`.

`writing(index)` takes the index's writer lock without waiting (a page must not hang while another
writer, a console session or `python -m ingest` in a shell or cron, runs); `sync_files` is the CLI's
sync with the limits of `services.sync_options` (`SyncOptions.from_settings`) and the passage scan.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.index import IndexBusy, KnowledgeIndex
from app.services import Services


class IndexUpdateBusy(Exception):
    """Another writer holds the index; the message says to wait and try again."""


@contextmanager
def writing(index: KnowledgeIndex) -> Iterator[KnowledgeIndex]:
    """The index under its writer lock, or IndexUpdateBusy at once when another writer holds it."""
    try:
        with index.writer(wait_s=0):
            yield index
    except IndexBusy:
        holder = index.writer_lock.holder()
        who = f" ({holder})" if holder else ""
        raise IndexUpdateBusy(f"Another index update is running{who}. Wait for it to finish, then try "
                              "again.") from None


def sync_files(services: Services, paths: Sequence[Path], collection: str | None, prune: bool,
               progress: Any) -> Any:
    """The same ingestion as `python -m ingest sync` (limits from settings, passage scan included), one
    writer at a time; returns ingest's SyncReport. No collection (None or blank): files already indexed
    keep theirs and new ones go to the default, as a CLI sync without --collection does."""
    from ingest.sync import sync

    name = (collection or "").strip()
    with writing(services.index) as index:
        options = services.sync_options(name or None, prune=prune, keep_collections=not name)
        return sync(index, services.embedder, list(paths), options, progress,
                    scan_passage=services.passage_scanner())


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
    failures += [f"{Path(p).name}: no longer on disk but still searchable; sync again with \"Remove indexed "
                 "files that vanished\" ticked to remove it" for p in report.gone]
    return line, failures


@dataclass(frozen=True)
class FileResult:
    """What became of one uploaded file: "indexed", "unchanged", "skipped" or "failed" (with why)."""

    name: str
    outcome: str
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "outcome": self.outcome, "reason": self.reason}


def file_results(saved: Sequence[Path], report: Any) -> list[FileResult]:
    """One result per saved file, from the sync report (a file the report does not name was unchanged:
    the same content was indexed before)."""
    indexed = {str(Path(p).resolve()) for p in [*report.added, *report.updated]}
    failed = {str(Path(f["path"]).resolve()): str(f["error"]) for f in report.failed}
    skipped = {str(Path(f["path"]).resolve()): str(f["reason"]) for f in report.skipped_files}
    skipped.update({str(Path(p).resolve()): "citewise cannot index this kind of file" for p in report.skipped})
    results = []
    for path in saved:
        key = str(path.resolve())
        if key in failed:
            results.append(FileResult(path.name, "failed", failed[key]))
        elif key in skipped:
            results.append(FileResult(path.name, "skipped", skipped[key]))
        elif key in indexed:
            results.append(FileResult(path.name, "indexed"))
        else:
            results.append(FileResult(path.name, "unchanged", "the same content is already indexed"))
    return results
