"""Sync folders into the index: add new files, replace changed ones, optionally prune vanished ones.

A file is unchanged when its size and modification time match the catalog (or, with `checksum`, its
content hash does): it costs a `stat`, no read and no embedding. Changed and new files go through a
pipeline whose stages overlap: PDFs and DOCX files are parsed in worker processes (`parse_pool`), the
main thread chunks, one thread embeds a batch while the main thread scans and writes the one before.
Only passages whose content is new to the index are embedded; everything else is reused.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from app.index import FileRow, KnowledgeIndex, NewChunk, embed_text
from ingest import discovery
from ingest.chunking import chunk_document, document_header
from ingest.documents import ParsedDocument, ReadError
from ingest.file_access import FileVanished, hash_file
from ingest.parse_pool import ParseJob, ParsePool, default_workers, parse_file
from ingest.readers import ReadLimits, detect_type

__all__ = ["SyncOptions", "SyncReport", "passage_id", "sync", "walk"]

# The scan of new passages for hidden instructions (app.moderation.passage_scan builds one): one sorted
# list of flag categories per passage, from its text and the vector the index stores for it.
PassageScan = Callable[[Sequence[str], np.ndarray], list[list[str]]]

PREFETCH = 4  # files parsed ahead of the embedder (bounded: the corpus is streamed, never held)
EMBED_BUFFER = 256  # new passages gathered (sorted by length) before one embedding pass
EMBED_SLICE = 128  # passages per embedding call inside a pass (progress moves at least this often)
PROCESS_TYPES = {"pdf", "docx"}  # formats slow enough to parse in worker processes
# Failures of the storage or the machine, not of the file's content: tried again on the next sync.
PASSING_FAILURES = ("reading the file took longer", "the parser crashed", "permission denied", "cannot read the file")


class Embedder(Protocol):
    def embed_array(self, texts: Sequence[str]) -> np.ndarray: ...
    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]: ...
    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


@dataclass
class SyncOptions:
    collection: str = "default"
    # No collection was asked for: files already indexed keep theirs (only new files go to `collection`),
    # so re-running a sync without --collection neither moves them nor embeds them again.
    keep_collections: bool = False
    prune: bool = False
    dry_run: bool = False
    checksum: bool = False
    pdf_password: str | None = None
    chunk_tokens: int = 200
    overlap_tokens: int = 24
    max_file_bytes: int = 200 * 1024 * 1024
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_text_chars: int = 10_000_000
    max_chunks_per_file: int = 20_000
    read_timeout_s: float = 60.0
    parse_workers: int = 0  # processes parsing PDF/DOCX files; 0 = one per three cores; -1 = a thread

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> SyncOptions:
        """Options with every limit taken from settings (the CLI and the console use the same)."""
        values: dict[str, Any] = {
            "collection": settings.default_collection, "chunk_tokens": settings.chunk_tokens,
            "overlap_tokens": settings.chunk_overlap_tokens, "max_file_bytes": int(settings.max_file_mb * 2**20),
            "max_unzipped_bytes": int(settings.max_unzipped_mb * 2**20), "max_text_chars": settings.max_text_chars,
            "max_chunks_per_file": settings.max_chunks_per_file, "read_timeout_s": settings.read_timeout_s,
            "parse_workers": settings.ingest_workers,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def read_settings(self) -> str:
        """The settings a file's content is judged by (size and text limits, passage sizes): a file that
        failed under these is not read again until it changes or they do (a PDF password is always tried)."""
        return ",".join(map(str, (self.max_file_bytes, self.max_unzipped_bytes, self.max_text_chars,
                                  self.max_chunks_per_file, self.chunk_tokens, self.overlap_tokens)))

    @property
    def read_limits(self) -> ReadLimits:
        return ReadLimits(self.max_file_bytes, self.max_unzipped_bytes, self.max_text_chars, self.read_timeout_s)


@dataclass
class SyncReport:
    files_seen: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # indexed, no longer on disk, kept (no --prune)
    skipped: list[str] = field(default_factory=list)  # unsupported file types
    skipped_files: list[dict[str, str]] = field(default_factory=list)  # left out by policy, with the reason
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    passages_embedded: int = 0
    pages: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    repaired: dict[str, int] = field(default_factory=dict)
    # Seconds per stage: CPU of parsing (in its workers), chunking, the passage scan and writing (this
    # thread), embedding (every other thread of this process), and the wall time this thread waited for
    # vectors. The stages overlap, so they add up to more than `seconds`.
    stages: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def as_json(self) -> dict[str, Any]:
        """The machine-readable summary printed by `sync --json`."""
        return {
            "files_seen": self.files_seen,
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "removed": len(self.removed),
            "gone": self.gone,
            "skipped": len(self.skipped),
            "skipped_files": self.skipped_files,
            "failed": self.failed,
            "warnings": self.warnings,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "passages_embedded": self.passages_embedded,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "paths": {"added": self.added, "updated": self.updated, "removed": self.removed},
            "stages": {name: round(value, 3) for name, value in sorted(self.stages.items())},
        }


class Progress(Protocol):
    def start(self, total_files: int) -> None: ...
    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None: ...
    def finish(self) -> None: ...


@runtime_checkable
class DetailedProgress(Protocol):
    """A progress display that also follows pages and passages inside files (all calls may come from
    other threads)."""

    def start(self, total_files: int) -> None: ...
    def plan(self, sizes: dict[str, int]) -> None: ...  # bytes of each file to parse
    def pages_read(self, path: str, done: int, total: int) -> None: ...
    def passages_queued(self, count: int) -> None: ...  # new passages found, to embed
    def passages_embedded(self, count: int) -> None: ...
    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, total_files: int) -> None: ...
    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None: ...
    def finish(self) -> None: ...


@dataclass
class _Work:
    """A file that must be (re)parsed, with what the catalog knew of it."""

    path: Path
    file_type: str
    size: int
    mtime_ns: int
    content_hash: str
    existed: bool
    collection: str = "default"


def file_hash(path: Path, timeout_s: float = 60.0) -> str:
    """BLAKE2b-160 of a regular file (never through a link; a hung read fails after `timeout_s`)."""
    return hash_file(path, timeout_s)


def passage_id(context: str, text: str) -> str:
    return hashlib.blake2b(f"{context}\x00{text}".encode(), digest_size=16).hexdigest()


def walk(roots: Iterable[Path]) -> Iterator[Path]:
    """Regular files under the roots that a sync may read (see `ingest.discovery` for the policy)."""
    for found in discovery.walk(roots):
        if found.real is not None:
            yield found.real


def _plan(
    index: KnowledgeIndex, roots: Sequence[Path], options: SyncOptions, report: SyncReport
) -> tuple[list[_Work], list[str]]:
    """Decide what to parse (new or changed files) and what to prune."""
    todo: list[_Work] = []
    seen: set[str] = set()
    synced = [Path(r) for r in index.synced_roots()]
    for found in discovery.walk(roots):
        report.files_seen += 1
        if found.real is None:
            entry = {"path": found.shown, "error" if found.failed else "reason": found.reason or ""}
            (report.failed if found.failed else report.skipped_files).append(entry)
            if found.link_target is not None:
                _forget_linked(index, found.link_target, synced, options, report)
            continue
        path = found.real
        file_type = detect_type(path)
        resolved = str(path.resolve())
        if resolved in seen:  # a link inside the folder to a file already found
            report.files_seen -= 1
            continue
        if file_type is None:
            report.skipped.append(resolved)
            continue
        seen.add(resolved)
        try:
            st = path.stat()
        except OSError as exc:
            report.failed.append({"path": resolved, "error": f"cannot read file: {exc.strerror or exc}"})
            continue
        if st.st_size > options.max_file_bytes:
            report.failed.append({
                "path": resolved,
                "error": f"file is {st.st_size / 2**20:.0f} MB, over the {options.max_file_bytes / 2**20:.0f} MB"
                " limit (CITEWISE_MAX_FILE_MB)",
            })
            continue
        known = index.file(resolved)
        collection = known.collection if known is not None and options.keep_collections else options.collection
        fresh = known is not None and known.status == "ok" and known.collection == collection
        if fresh and not options.checksum and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
            report.unchanged += 1
            continue
        failed_before = (
            known is not None and known.status == "failed" and index.failure_settings(resolved) == options.read_settings
            and not (options.pdf_password and file_type == "pdf")
        )
        if failed_before and not options.checksum and (known.size, known.mtime_ns) == (st.st_size, st.st_mtime_ns):
            report.failed.append(_failed_again(known))
            continue
        try:
            digest = file_hash(path, options.read_timeout_s)
        except FileVanished as exc:
            report.skipped_files.append({"path": resolved, "reason": str(exc)})
            continue
        except ReadError as exc:
            report.failed.append({"path": resolved, "error": str(exc)})
            continue
        if failed_before and known.content_hash == digest:
            report.failed.append(_failed_again(known))
            continue
        if fresh and known.content_hash == digest:
            report.unchanged += 1
            if not options.dry_run and (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
                index.touch_file(resolved, st.st_size, st.st_mtime_ns)
            continue
        todo.append(_Work(Path(resolved), file_type, st.st_size, st.st_mtime_ns, digest, known is not None,
                          collection))
    gone: set[str] = set()
    for root in roots:
        resolved_root = str(root.resolve())
        for row in index.files(under=resolved_root):
            if row.path not in seen and not Path(row.path).exists():
                gone.add(row.path)
    if not options.prune:  # still searchable: say so, and how to drop them
        report.gone = sorted(gone)
        return todo, []
    return todo, sorted(gone)


def _failed_again(known: FileRow) -> dict[str, str]:
    """A failure remembered from an earlier sync of the same file version, with what to do."""
    when = known.ingested_at[:16].replace("T", " ")
    return {"path": known.path, "error": f"{known.error} (unchanged since the last attempt, {when} UTC, so not "
            "read again: sync again once the file, or a limit named here, has changed)"}


def _forget_linked(
    index: KnowledgeIndex, target: Path, synced: list[Path], options: SyncOptions, report: SyncReport
) -> None:
    """Remove a file that an older citewise indexed by following a link out of the folder (it is in no
    synced folder of its own), so its text can no longer be found, quoted or served."""
    row = index.file(str(target))
    if row is None or any(target == root or target.is_relative_to(root) for root in synced):
        return
    report.removed.append(row.path)
    report.chunks_removed += row.chunk_count
    if not options.dry_run:
        index.remove_files([row.path])


def sync(
    index: KnowledgeIndex,
    embedder: Embedder,
    roots: Sequence[Path],
    options: SyncOptions,
    progress: Progress | None = None,
    scan_passage: PassageScan | None = None,
) -> SyncReport:
    """Bring the index in line with the files under `roots`; see the module docstring.

    `scan_passage(texts, vectors)` flags new passages (moderation's scan for hidden instructions); it
    gets the vectors the index stores for them, so the scan costs no second embedding.
    """
    progress = progress or NoProgress()
    report = SyncReport(dry_run=options.dry_run)
    started = time.perf_counter()
    missing = [str(r) for r in roots if not r.exists()]
    for path in missing:
        report.failed.append({"path": path, "error": "no such file or folder"})
    roots = [r for r in roots if r.exists()]
    if not options.dry_run:
        report.repaired = index.begin_write()
        index.add_synced_roots([r for r in map(discovery.synced_root, roots) if r is not None])
    todo, prune = _plan(index, roots, options, report)
    if options.dry_run:
        for work in todo:
            (report.updated if work.existed else report.added).append(str(work.path))
        report.removed = [*report.removed, *prune]
        report.seconds = time.perf_counter() - started
        return report

    progress.start(len(todo) + len(prune))
    if isinstance(progress, DetailedProgress):
        progress.plan({str(w.path): w.size for w in todo})
    if prune:
        for path in prune:
            row = index.file(path)
            report.chunks_removed += row.chunk_count if row else 0
        index.remove_files(prune)
        report.removed = [*report.removed, *prune]
        for path in prune:
            progress.file_done(path, "removed", 0)

    _ingest(index, embedder, todo, options, report, progress, scan_passage)
    summary = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "added": len(report.added), "updated": len(report.updated), "removed": len(report.removed),
        "failed": len(report.failed), "unchanged": report.unchanged,
    }
    index.end_write(summary)
    progress.finish()
    report.seconds = time.perf_counter() - started
    return report


# --- the pipeline: parse (worker processes) ‖ chunk ‖ embed (thread) ‖ scan + write ------------------------
@dataclass
class _Parsed:
    """A parsed and chunked file, waiting for its new passages' vectors."""

    work: _Work
    record: dict[str, Any]
    chunks: list[NewChunk]
    error: str | None = None
    vanished: bool = False  # deleted after the walk found it: reported, never stored as a failed row


@dataclass
class _Batch:
    """Files whose new passages are embedded together, then written in order."""

    files: list[_Parsed] = field(default_factory=list)
    new: dict[str, NewChunk] = field(default_factory=dict)  # passage id -> a chunk with that passage
    future: Future[np.ndarray] | None = None


def _parsed_files(
    todo: Sequence[_Work], options: SyncOptions, progress: Progress, stages: dict[str, float]
) -> Iterator[tuple[_Work, ParsedDocument | None, str | None]]:
    """Parse the files, in order: PDFs and DOCX in worker processes, lighter formats in a thread."""
    detailed = progress if isinstance(progress, DetailedProgress) else None
    heavy = any(w.file_type in PROCESS_TYPES for w in todo)
    if heavy and options.parse_workers >= 0:
        workers = options.parse_workers or default_workers()
        with ParsePool(min(workers, len(todo))) as pool:

            def on_page(key: int, done: int, total: int) -> None:
                if detailed is not None:
                    detailed.pages_read(str(todo[key].path), done, total)

            submitted = 0
            for key, work in enumerate(todo):
                while submitted < len(todo) and submitted <= key + PREFETCH:
                    pool.submit(ParseJob(submitted, todo[submitted].path, options.pdf_password, options.read_limits))
                    submitted += 1
                result = pool.next_result(key, on_page)
                stages["parse_cpu"] += result.cpu_seconds
                yield work, result.doc, result.error
        return

    def parse(work: _Work) -> tuple[ParsedDocument | None, str | None, float]:
        def on_page(done: int, total: int) -> None:
            if detailed is not None:
                detailed.pages_read(str(work.path), done, total)

        cpu = time.thread_time()
        doc, error = parse_file(work.path, options.pdf_password, on_page, options.read_limits)
        return doc, error, time.thread_time() - cpu

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="citewise-parse") as pool:
        futures = [pool.submit(parse, w) for w in todo[:PREFETCH]]
        for i, work in enumerate(todo):
            if i + PREFETCH < len(todo):
                futures.append(pool.submit(parse, todo[i + PREFETCH]))
            doc, error, cpu = futures[i].result()
            futures[i] = None  # type: ignore[call-overload]  # let the parsed document go
            stages["parse_cpu"] += cpu
            stages["parse_cpu_in_process"] += cpu
            yield work, doc, error


def _chunk(work: _Work, doc: ParsedDocument | None, error: str | None, options: SyncOptions,
           embedder: Embedder) -> _Parsed:
    base = {
        "path": str(work.path), "collection": work.collection, "file_type": work.file_type,
        "content_hash": work.content_hash, "size": work.size, "mtime_ns": work.mtime_ns,
    }
    if doc is None:
        reason = error or "could not read this file"
        if not os.path.lexists(work.path):  # deleted after the walk found it
            return _Parsed(work, base, [], reason, vanished=True)
        lasting = None if reason.startswith(PASSING_FAILURES) else options.read_settings
        record = {**base, "status": "failed", "error": reason, "read_settings": lasting}
        return _Parsed(work, record, [], reason)
    title = doc.title or work.path.stem.replace("_", " ").replace("-", " ")
    header = document_header(doc.title, doc.subject, work.path.name, work.collection)
    chunks = chunk_document(
        doc, embedder.count_tokens_batch, embedder.token_offsets, title=title,
        chunk_tokens=options.chunk_tokens, overlap_tokens=options.overlap_tokens, header=header,
    )
    if len(chunks) > options.max_chunks_per_file:
        reason = (f"the file makes {len(chunks):,} passages, over the limit of {options.max_chunks_per_file:,} "
                  "per file (CITEWISE_MAX_CHUNKS_PER_FILE): split it into smaller files or raise the limit")
        return _Parsed(work, {**base, "status": "failed", "error": reason, "read_settings": options.read_settings},
                       [], reason)
    record = {
        **base, "pages": doc.pages, "title": title, "chunk_count": len(chunks),
        "token_count": sum(c.token_count for c in chunks), "warnings": doc.warnings,
    }
    if not chunks:
        reason = next((w for w in doc.warnings if "no text" in w), "no text could be extracted")
        flags = ["no_text"]
        record = {**record, "status": "failed", "error": reason, "flags": flags, "read_settings": options.read_settings}
        return _Parsed(work, record, [], reason)
    new_chunks = [
        NewChunk(
            position=c.position, passage_id=passage_id(c.context, c.text), text=c.text, context=c.context,
            page=c.page, headings=c.headings, char_start=c.start, char_end=c.end, token_count=c.token_count,
            header=c.header,
        )
        for c in chunks
    ]
    return _Parsed(work, {**record, "status": "ok", "error": None}, new_chunks)


def _ingest(
    index: KnowledgeIndex, embedder: Embedder, todo: Sequence[_Work], options: SyncOptions,
    report: SyncReport, progress: Progress, scan_passages: PassageScan | None,
) -> None:
    """Parse, chunk, embed, scan and write `todo`, overlapping the stages; files are written in order.

    Worker processes parse ahead (up to PREFETCH files); this thread chunks; one thread embeds a batch
    while this one scans and writes the batch before it. A passage new to the index is embedded once,
    even when several files of the run share it.
    """
    stages = report.stages
    cpu0, main0 = time.process_time(), time.thread_time()
    detailed = progress if isinstance(progress, DetailedProgress) else None
    batch = _Batch()
    inflight: _Batch | None = None
    embedding: set[str] = set()  # passage ids in batches not written yet
    driver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citewise-embed-driver")

    def embed(texts: list[str]) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), EMBED_SLICE):
            parts.append(embedder.embed_array(texts[start : start + EMBED_SLICE]))
            if detailed is not None:
                detailed.passages_embedded(len(parts[-1]))
        return np.concatenate(parts)

    def launch(ready: _Batch) -> None:
        nonlocal inflight
        if ready.new:
            ids = sorted(ready.new, key=lambda pid: ready.new[pid].token_count)  # similar lengths together
            ready.new = {pid: ready.new[pid] for pid in ids}
            texts = [embed_text(c.context, c.text) for c in ready.new.values()]
            ready.future = driver.submit(embed, texts)
        previous, inflight = inflight, ready
        if previous is not None:
            finish(previous)

    def finish(done: _Batch) -> None:
        t = time.perf_counter()
        vectors = done.future.result() if done.future is not None else None
        stages["embed_wait"] += time.perf_counter() - t
        _write_batch(index, done, vectors, report, progress, scan_passages, stages)
        embedding.difference_update(done.new)

    parsed_files = _parsed_files(todo, options, progress, stages)
    try:
        for work, doc, error in parsed_files:
            if detailed is not None and work.file_type != "pdf":  # read whole; PDFs report every page
                detailed.pages_read(str(work.path), 0, 0)
            cpu = time.thread_time()
            parsed = _chunk(work, doc, error, options, embedder)
            stages["chunk"] += time.thread_time() - cpu
            batch.files.append(parsed)
            candidates = {c.passage_id: c for c in parsed.chunks
                          if c.passage_id not in batch.new and c.passage_id not in embedding}
            fresh = index.missing_passages(list(candidates))
            for pid in fresh:
                batch.new[pid] = candidates[pid]
                embedding.add(pid)
            if detailed is not None:
                detailed.passages_queued(len(fresh))
            idle = inflight is None or inflight.future is None or inflight.future.done()
            if len(batch.new) >= EMBED_BUFFER or idle:
                launch(batch)
                batch = _Batch()
        if batch.files:
            launch(batch)
        if inflight is not None:
            finish(inflight)
    finally:
        parsed_files.close()  # stops the parse workers now, also on Ctrl-C or an error
        driver.shutdown(wait=True, cancel_futures=True)
        main = time.thread_time() - main0
        in_thread = stages.pop("parse_cpu_in_process", 0.0)
        stages["embed_cpu"] += max(0.0, time.process_time() - cpu0 - main - in_thread)


def _write_batch(
    index: KnowledgeIndex, batch: _Batch, vectors: np.ndarray | None, report: SyncReport,
    progress: Progress, scan_passages: PassageScan | None, stages: dict[str, float],
) -> None:
    """Scan the batch's new passages, add their vectors, then store each file in its own transaction."""
    ids = list(batch.new)
    flags: dict[str, list[str]] = {}
    if scan_passages is not None and ids and vectors is not None:
        cpu = time.thread_time()
        found = scan_passages([batch.new[pid].text for pid in ids], vectors)
        flags = {pid: categories for pid, categories in zip(ids, found, strict=True) if categories}
        stages["scan"] += time.thread_time() - cpu
    cpu = time.thread_time()
    if ids and vectors is not None:
        index.add_vectors(ids, vectors)
        report.passages_embedded += len(ids)
    for parsed in batch.files:
        path = str(parsed.work.path)
        old = index.file(path) if parsed.work.existed else None
        if parsed.vanished:  # deleted mid-sync: no failed row (a later --prune removes an old entry)
            report.skipped_files.append({"path": path, "reason": parsed.error or "deleted during the sync"})
            progress.file_done(path, "skipped", 0, parsed.error)
            continue
        if parsed.error is not None:
            if old is not None and old.status == "ok":
                # Keep the last good version searchable; record why the new one failed.
                report.failed.append({"path": path, "error": parsed.error + " (previous version kept)"})
                progress.file_done(path, "failed", 0, parsed.error)
                continue
            index.write_file(parsed.record, [])
            report.failed.append({"path": path, "error": parsed.error})
            progress.file_done(path, "failed", 0, parsed.error)
            continue
        file_flags = sorted({*parsed.record.get("flags", []),
                             *(f for c in parsed.chunks for f in flags.get(c.passage_id, []))})
        index.write_file({**parsed.record, "flags": file_flags}, parsed.chunks, flags)
        report.chunks_added += len(parsed.chunks)
        report.pages += parsed.record.get("pages") or 0
        if old is not None:
            report.chunks_removed += old.chunk_count
            report.updated.append(path)
        else:
            report.added.append(path)
        for warning in parsed.record.get("warnings") or []:
            report.warnings.append({"path": path, "warning": warning})
        progress.file_done(path, "updated" if old else "added", len(parsed.chunks))
    stages["write"] += time.thread_time() - cpu
