"""Sync folders into the index: add new files, replace changed ones, optionally prune vanished ones.

A file is unchanged when its size and modification time match the catalog (or, with `checksum`, its
content hash does): it costs a `stat`, no read and no embedding. Changed and new files are parsed and
chunked in a background thread while the main thread embeds, so parsing overlaps with the model.
Only passages whose content is new to the index are embedded; everything else is reused.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.index import KnowledgeIndex, NewChunk, embed_text
from ingest.chunking import chunk_document, document_header
from ingest.documents import ReadError
from ingest.readers import detect_type, read_document

PREFETCH = 4  # files parsed ahead of the embedder (bounded: the corpus is streamed, never held)
EMBED_BUFFER = 256  # new passages gathered (sorted by length) before one embedding pass


class Embedder(Protocol):
    def embed_array(self, texts: Sequence[str]) -> np.ndarray: ...
    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]: ...
    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


@dataclass
class SyncOptions:
    collection: str = "default"
    prune: bool = False
    dry_run: bool = False
    checksum: bool = False
    pdf_password: str | None = None
    chunk_tokens: int = 200
    overlap_tokens: int = 24
    max_file_bytes: int = 200 * 1024 * 1024


@dataclass
class SyncReport:
    files_seen: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    passages_embedded: int = 0
    pages: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    repaired: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The machine-readable summary printed by `sync --json`."""
        return {
            "files_seen": self.files_seen,
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "removed": len(self.removed),
            "skipped": len(self.skipped),
            "failed": self.failed,
            "warnings": self.warnings,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "passages_embedded": self.passages_embedded,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "paths": {"added": self.added, "updated": self.updated, "removed": self.removed},
        }


class Progress(Protocol):
    def start(self, total_files: int) -> None: ...
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


@dataclass
class _Parsed:
    work: _Work
    record: dict[str, Any]
    chunks: list[NewChunk]
    error: str | None = None


def file_hash(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def passage_id(context: str, text: str) -> str:
    return hashlib.blake2b(f"{context}\x00{text}".encode(), digest_size=16).hexdigest()


def walk(roots: Iterable[Path]) -> Iterator[Path]:
    """Files under the roots (recursive, sorted, hidden files and folders left out)."""
    for root in roots:
        if root.is_file():
            yield root
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(folder) / name


def _parse(work: _Work, options: SyncOptions, embedder: Embedder) -> _Parsed:
    base = {
        "path": str(work.path), "collection": options.collection, "file_type": work.file_type,
        "content_hash": work.content_hash, "size": work.size, "mtime_ns": work.mtime_ns,
    }
    try:
        doc = read_document(work.path, pdf_password=options.pdf_password)
    except ReadError as exc:
        return _Parsed(work, {**base, "status": "failed", "error": str(exc)}, [], str(exc))
    except Exception as exc:  # a reader bug must not stop the run: report it against the file
        reason = f"could not read this file ({type(exc).__name__}: {exc})"
        return _Parsed(work, {**base, "status": "failed", "error": reason}, [], reason)
    title = doc.title or work.path.stem.replace("_", " ").replace("-", " ")
    header = document_header(doc.title, doc.subject, work.path.name, options.collection)
    chunks = chunk_document(
        doc, embedder.count_tokens_batch, embedder.token_offsets, title=title,
        chunk_tokens=options.chunk_tokens, overlap_tokens=options.overlap_tokens, header=header,
    )
    record = {
        **base, "pages": doc.pages, "title": title, "chunk_count": len(chunks),
        "token_count": sum(c.token_count for c in chunks), "warnings": doc.warnings,
    }
    if not chunks:
        reason = next((w for w in doc.warnings if "no text" in w), "no text could be extracted")
        flags = ["no_text"]
        return _Parsed(work, {**record, "status": "failed", "error": reason, "flags": flags}, [], reason)
    new_chunks = [
        NewChunk(
            position=c.position, passage_id=passage_id(c.context, c.text), text=c.text, context=c.context,
            page=c.page, headings=c.headings, char_start=c.start, char_end=c.end, token_count=c.token_count,
            header=c.header,
        )
        for c in chunks
    ]
    return _Parsed(work, {**record, "status": "ok", "error": None}, new_chunks)


def _plan(
    index: KnowledgeIndex, roots: Sequence[Path], options: SyncOptions, report: SyncReport
) -> tuple[list[_Work], list[str]]:
    """Decide what to parse (new or changed files) and what to prune."""
    todo: list[_Work] = []
    seen: set[str] = set()
    for path in walk(roots):
        report.files_seen += 1
        file_type = detect_type(path)
        resolved = str(path.resolve())
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
        fresh = known is not None and known.status == "ok" and known.collection == options.collection
        if fresh and not options.checksum and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
            report.unchanged += 1
            continue
        try:
            digest = file_hash(path)
        except OSError as exc:
            report.failed.append({"path": resolved, "error": f"cannot read file: {exc.strerror or exc}"})
            continue
        if fresh and known.content_hash == digest:
            report.unchanged += 1
            if not options.dry_run and (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
                index.touch_file(resolved, st.st_size, st.st_mtime_ns)
            continue
        todo.append(_Work(Path(resolved), file_type, st.st_size, st.st_mtime_ns, digest, known is not None))
    prune: list[str] = []
    if options.prune:
        for root in roots:
            resolved_root = str(root.resolve())
            for row in index.files(under=resolved_root):
                if row.path not in seen and not Path(row.path).exists():
                    prune.append(row.path)
    return todo, sorted(set(prune))


def passage_scanner(settings: Any) -> Callable[[str], list[str]] | None:
    """The moderation check that flags instructions hidden in documents (indirect injection), or None
    when moderation is off. The CLI and the console's uploads both sync with it."""
    if not settings.moderation:
        return None
    from app.moderation import Moderator

    moderator = Moderator(settings)
    return lambda text: sorted({f.category for f in moderator.scan_passage(text)})


def sync(
    index: KnowledgeIndex,
    embedder: Embedder,
    roots: Sequence[Path],
    options: SyncOptions,
    progress: Progress | None = None,
    scan_passage: Callable[[str], list[str]] | None = None,
) -> SyncReport:
    """Bring the index in line with the files under `roots`; see the module docstring."""
    progress = progress or NoProgress()
    report = SyncReport(dry_run=options.dry_run)
    started = time.perf_counter()
    missing = [str(r) for r in roots if not r.exists()]
    for path in missing:
        report.failed.append({"path": path, "error": "no such file or folder"})
    roots = [r for r in roots if r.exists()]
    if not options.dry_run:
        report.repaired = index.begin_write()
    todo, prune = _plan(index, roots, options, report)
    if options.dry_run:
        for work in todo:
            (report.updated if work.existed else report.added).append(str(work.path))
        report.removed = prune
        report.seconds = time.perf_counter() - started
        return report

    progress.start(len(todo) + len(prune))
    if prune:
        for path in prune:
            row = index.file(path)
            report.chunks_removed += row.chunk_count if row else 0
        index.remove_files(prune)
        report.removed = prune
        for path in prune:
            progress.file_done(path, "removed", 0)

    pending: list[_Parsed] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="citewise-parse") as pool:
        futures: list[Future[_Parsed]] = []
        queue = iter(todo)
        for work in queue:
            futures.append(pool.submit(_parse, work, options, embedder))
            if len(futures) >= PREFETCH:
                break
        while futures:
            parsed = futures.pop(0).result()
            nxt = next(queue, None)
            if nxt is not None:
                futures.append(pool.submit(_parse, nxt, options, embedder))
            pending.append(parsed)
            new_count = sum(len(p.chunks) for p in pending)
            if new_count >= EMBED_BUFFER or not futures:
                _commit(index, embedder, pending, report, progress, scan_passage)
                pending = []
    if pending:
        _commit(index, embedder, pending, report, progress, scan_passage)
    summary = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "added": len(report.added), "updated": len(report.updated), "removed": len(report.removed),
        "failed": len(report.failed), "unchanged": report.unchanged,
    }
    index.end_write(summary)
    progress.finish()
    report.seconds = time.perf_counter() - started
    return report


def _commit(
    index: KnowledgeIndex, embedder: Embedder, batch: list[_Parsed], report: SyncReport,
    progress: Progress, scan_passage: Callable[[str], list[str]] | None,
) -> None:
    """Embed the batch's new passages in one pass, then store each file in its own transaction."""
    wanted: dict[str, NewChunk] = {}
    for parsed in batch:
        for chunk in parsed.chunks:
            wanted.setdefault(chunk.passage_id, chunk)
    new_ids = sorted(index.missing_passages(list(wanted)), key=lambda pid: wanted[pid].token_count)
    if new_ids:
        vectors = embedder.embed_array([embed_text(wanted[p].context, wanted[p].text) for p in new_ids])
        index.add_vectors(new_ids, vectors)
        report.passages_embedded += len(new_ids)
    flags: dict[str, list[str]] = {}
    if scan_passage is not None:
        for pid in new_ids:
            found = scan_passage(wanted[pid].text)
            if found:
                flags[pid] = found
    for parsed in batch:
        path = str(parsed.work.path)
        old = index.file(path) if parsed.work.existed else None
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
