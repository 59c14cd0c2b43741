"""`python -m ingest` / `citewise-ingest`: sync folders into the index, list, remove, stats, reembed."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from app.errors import friendly, hinting_group
from app.settings import get_settings


def _sync_hint(name: str) -> str | None:
    """`python -m ingest data/sample` means `python -m ingest sync data/sample`."""
    return f"To index it: python -m ingest sync {name}" if os.path.exists(name) else None


cli = typer.Typer(
    cls=hinting_group(_sync_hint), add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Index documents (PDF, Markdown, text, HTML, DOCX) for citewise.",
)
out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


class WorkMeter:
    """How far a sync is, from pages parsed and passages embedded, with rates and an ETA.

    A PDF ingest spends about a third of its CPU time parsing and the rest embedding, scanning and
    writing, so the fraction done weighs the bytes parsed by PARSE_SHARE and the passages embedded (out of
    those expected at the rate seen so far) by the rest. Every call may come from another thread.
    """

    PARSE_SHARE = 0.35

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.sizes: dict[str, int] = {}
        self.total_bytes = 0
        self.parsed: dict[str, float] = {}  # bytes parsed per file
        self.page_marks: dict[str, int] = {}
        self.pages = 0
        self.queued = 0
        self.embedded = 0
        self.files = 0
        self.files_done = 0
        self.chunks = 0
        self.written = 0  # bytes of the files written

    def plan(self, sizes: dict[str, int]) -> None:
        with self.lock:
            self.sizes, self.total_bytes = dict(sizes), max(1, sum(sizes.values()))
            self.started = time.monotonic()

    def pages_read(self, path: str, done: int, total: int) -> None:
        """`done` of the `total` pages of `path` read; total 0: a file without pages was read whole."""
        with self.lock:
            if total <= 0:
                self.parsed[path] = self.sizes.get(path, 0)
                return
            self.pages += max(0, done - self.page_marks.get(path, 0))
            self.page_marks[path] = done
            self.parsed[path] = self.sizes.get(path, 0) * done / max(1, total)

    def passages_queued(self, count: int) -> None:
        with self.lock:
            self.queued += count

    def passages_embedded(self, count: int) -> None:
        with self.lock:
            self.embedded += count

    def file_done(self, path: str, chunks: int) -> None:
        with self.lock:
            self.files_done += 1
            self.chunks += chunks
            if path in self.sizes:
                self.parsed[path] = self.sizes[path]
                self.written += self.sizes[path]

    def fraction(self) -> float:
        """Share of the work done, 0..1."""
        with self.lock:
            parsed = min(1.0, sum(self.parsed.values()) / self.total_bytes) if self.sizes else 0.0
            if parsed <= 0:
                return 0.0
            expected = max(self.queued / parsed, self.queued, 1)  # passages to embed, at the rate so far
            embedded = max(self.written / self.total_bytes, self.embedded / expected if self.queued else 0.0)
            return min(1.0, self.PARSE_SHARE * parsed + (1 - self.PARSE_SHARE) * min(1.0, embedded))

    def status(self) -> str:
        """'35% · 3/22 files · 410 pages (21/s) · 1,520 chunks embedded (74/s) · ETA 1m05s'."""
        elapsed = max(1e-6, time.monotonic() - self.started)
        done = self.fraction()
        eta = f"ETA {_duration(elapsed * (1 - done) / done)}" if done > 0.005 else "ETA …"
        parts = [f"{done:4.0%}", f"{self.files_done}/{self.files} files"]
        if self.pages:
            parts.append(f"{self.pages:,} pages ({self.pages / elapsed:.0f}/s)")
        parts.append(f"{self.embedded:,} chunks embedded ({self.embedded / elapsed:.0f}/s)")
        parts.append(eta)
        return " · ".join(parts)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class RichProgress:
    """A progress bar on a terminal: share done, files, pages and chunks with their rates, and an ETA,
    updated per page parsed and per batch embedded."""

    def __init__(self, console: Console) -> None:
        self.meter = WorkMeter()
        self.bar = Progress(
            TextColumn("[bold]indexing"), BarColumn(), TextColumn("{task.fields[status]}"), console=console,
            transient=False, refresh_per_second=4,
        )
        self.task: Any = None

    def start(self, total_files: int) -> None:
        self.meter.files = total_files
        self.bar.start()
        self.task = self.bar.add_task("indexing", total=1000, status="starting…")

    def plan(self, sizes: dict[str, int]) -> None:
        self.meter.plan(sizes)

    def _update(self) -> None:
        self.bar.update(self.task, completed=int(self.meter.fraction() * 1000), status=self.meter.status())

    def pages_read(self, path: str, done: int, total: int) -> None:
        self.meter.pages_read(path, done, total)
        self._update()

    def passages_queued(self, count: int) -> None:
        self.meter.passages_queued(count)

    def passages_embedded(self, count: int) -> None:
        self.meter.passages_embedded(count)
        self._update()

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        self.meter.file_done(path, chunks)
        self._update()
        if outcome == "failed":
            self.bar.console.print(f"[red]failed[/red] {escape(path)}: {escape(detail or '')}")

    def finish(self) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=1000, status=self.meter.status())
        self.bar.stop()


class LineProgress:
    """Plain log lines when stderr is not a terminal (CI, cron, pipes): one per file, and a status line
    (share done, rates, ETA) at most every `every` seconds while pages are parsed and chunks embedded."""

    def __init__(self, every: float = 2.0) -> None:
        self.meter = WorkMeter()
        self.every = every
        self.last = 0.0
        self.lock = threading.Lock()

    def start(self, total_files: int) -> None:
        self.meter.files = total_files
        self.last = time.monotonic() - self.every + 1.0  # the first status line after about a second
        print(f"indexing {total_files} file(s)", file=sys.stderr, flush=True)

    def plan(self, sizes: dict[str, int]) -> None:
        self.meter.plan(sizes)

    def _maybe_status(self) -> None:
        with self.lock:
            now = time.monotonic()
            if now - self.last < self.every:
                return
            self.last = now
        print(f"… {self.meter.status()}", file=sys.stderr, flush=True)

    def pages_read(self, path: str, done: int, total: int) -> None:
        self.meter.pages_read(path, done, total)
        self._maybe_status()

    def passages_queued(self, count: int) -> None:
        self.meter.passages_queued(count)

    def passages_embedded(self, count: int) -> None:
        self.meter.passages_embedded(count)
        self._maybe_status()

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        self.meter.file_done(path, chunks)
        tail = f": {detail}" if detail else f" ({chunks} chunks)" if chunks else ""
        print(f"[{self.meter.files_done}/{self.meter.files}] {outcome} {path}{tail}", file=sys.stderr, flush=True)

    def finish(self) -> None: ...


def _services() -> Any:
    from app.services import build_services

    services = build_services(get_settings())
    services.on_lock_wait = lambda message: err.print(f"[yellow]{escape(message)}[/yellow]")
    return services


def _open_index() -> Any:
    return _services().index


@cli.command()
@friendly
def sync(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive).")],
    collection: Annotated[str | None, typer.Option(
        help="Collection to put the files in (default: files already indexed keep theirs, new ones go to "
             "CITEWISE_DEFAULT_COLLECTION).")] = None,
    prune: Annotated[bool, typer.Option(help="Remove indexed files that vanished from these folders.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Show what would change; touch nothing.")] = False,
    checksum: Annotated[bool, typer.Option(help="Hash every file instead of trusting size and mtime.")] = False,
    pdf_password: Annotated[str | None, typer.Option(help="Password for encrypted PDFs.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add new files, re-index changed ones, skip unchanged ones (and --prune removed ones)."""
    from ingest.sync import sync as run_sync

    services = _services()
    options = services.sync_options(collection, prune=prune, dry_run=dry_run, checksum=checksum,
                                    pdf_password=pdf_password, keep_collections=collection is None)
    progress = RichProgress(err) if err.is_terminal and not as_json else LineProgress()
    report = run_sync(services.index, services.embedder, paths, options, progress,
                      scan_passage=services.passage_scanner())
    if as_json:
        _print_json(report.as_json())
    else:
        _print_sync_summary(report)
    raise typer.Exit(1 if report.failed else 0)


def _print_sync_summary(report: Any) -> None:
    verb = "would be" if report.dry_run else "were"
    if report.dry_run:
        for label, items in (("add", report.added), ("update", report.updated), ("remove", report.removed)):
            for path in items:
                out.print(f"would {label}: {escape(path)}")
    lines = [
        f"{report.files_seen} files seen: {len(report.added)} added, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed, {len(report.skipped)} skipped "
        f"(unsupported type), {len(report.skipped_files)} left out (links, special files), "
        f"{len(report.failed)} failed.",
    ]
    if not report.dry_run:
        lines.append(
            f"{report.chunks_added} chunks added ({report.passages_embedded} embedded), "
            f"{report.chunks_removed} removed, in {report.seconds:.1f} s."
        )
    else:
        lines.append(f"Nothing {verb} changed: this was a dry run.")
    if report.gone:
        lines.append(f"{len(report.gone)} indexed file(s) no longer on disk are still searchable: run the "
                     "sync again with --prune to remove them from the index.")
    if report.repaired and any(report.repaired.values()):
        lines.append(f"Repaired an interrupted sync: {report.repaired}.")
    for line in lines:
        out.print(line)
    for skipped in report.skipped_files:
        out.print(f"[yellow]skipped[/yellow] {escape(skipped['path'])}: {escape(skipped['reason'])}",
                  highlight=False)
    for warning in report.warnings:
        out.print(f"[yellow]warning[/yellow] {escape(warning['path'])}: {escape(warning['warning'])}")
    for path in report.gone:
        out.print(f"[yellow]not on disk[/yellow] {escape(path)}", highlight=False)
    for failure in report.failed:
        out.print(f"[red]failed[/red] {escape(failure['path'])}: {escape(failure['error'])}")


def group_by_folder(rows: list[Any]) -> list[tuple[str, str, list[tuple[Any, str]]]]:
    """Files per collection, each with the folder they share and their paths relative to it."""
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.collection, []).append(row)
    result = []
    for name, members in sorted(groups.items()):
        parents = [str(Path(r.path).parent) for r in members]
        try:
            folder = os.path.commonpath(parents)
        except ValueError:  # paths on different drives: nothing in common
            folder = ""
        shown = [(r, os.path.relpath(r.path, folder) if folder else r.path) for r in members]
        result.append((name, folder or "(several folders)", shown))
    return result


@cli.command("list")
@friendly
def list_files(
    collection: Annotated[str | None, typer.Option(help="Only this collection.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List indexed files with their status."""
    rows = _open_index().files(collection=collection)
    if as_json:
        _print_json([r.as_dict() for r in rows])
        return
    for collection_name, folder, group in group_by_folder(rows):
        out.print(f"[bold]{escape(collection_name)}[/bold] [dim]in {escape(folder)}[/dim]")
        table = Table(expand=False, show_edge=False, pad_edge=False)
        table.add_column("path", overflow="fold", ratio=3)
        table.add_column("type", no_wrap=True)
        table.add_column("pages", justify="right", no_wrap=True)
        table.add_column("chunks", justify="right", no_wrap=True)
        table.add_column("status", overflow="fold", ratio=2)
        table.add_column("ingested", no_wrap=True)
        for r, shown in group:
            status = r.status if r.status == "ok" else f"[red]{r.status}[/red]: {escape(r.error or '')}"
            table.add_row(escape(shown), r.file_type, str(r.pages or ""), str(r.chunk_count), status,
                          r.ingested_at[:16].replace("T", " "))
        out.print(table)
    out.print(f"{len(rows)} file(s)")
    if not rows:
        where = f" in collection '{escape(collection)}'" if collection else ""
        out.print(f"Nothing is indexed{where} yet: add a folder with `python -m ingest sync FOLDER"
                  + (f" --collection {escape(collection)}" if collection else "") + "`.", highlight=False)


@cli.command()
@friendly
def remove(
    paths: Annotated[list[Path], typer.Argument(help="Indexed files, or folders to remove everything under.")],
    as_json: JsonOpt = False,
) -> None:
    """Remove files from the index (dense vectors, keyword index and catalog together)."""
    index = _open_index()
    targets: list[str] = []
    for path in paths:
        resolved = str(path.resolve())
        targets += [r.path for r in index.files(under=resolved)]
    targets = sorted(set(targets))
    index.begin_write()
    removed = index.remove_files(targets)
    index.end_write()
    unknown = [str(p) for p in paths if not any(t.startswith(str(p.resolve())) for t in targets)]
    if as_json:
        _print_json({"removed": targets, "not_indexed": unknown})
    else:
        for t in targets:
            out.print(f"removed {escape(t)}")
        for u in unknown:
            err.print(f"not in the index: {escape(u)}")
        out.print(f"{removed} file(s) removed")
    raise typer.Exit(1 if unknown else 0)


@cli.command()
@friendly
def stats(as_json: JsonOpt = False) -> None:
    """Totals of the index: documents, chunks, tokens, pages, disk size, model, last sync."""
    data = _open_index().stats()
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        out.print(f"{key:>20}: {value}")


@cli.command("is-empty")
@friendly
def is_empty() -> None:
    """Exit 0 when the index has nothing to search, 1 when it has (2 when it cannot be opened)."""
    empty = _open_index().is_empty()
    out.print("the index is empty" if empty else "the index has documents")
    raise typer.Exit(0 if empty else 1)


@cli.command()
@friendly
def check(
    repair: Annotated[bool, typer.Option(help="Make the stores agree (waits for other writers).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check that passages, keyword-index rows and vectors agree (exit 1 when they do not)."""
    index = _open_index()
    repaired = index.repair() if repair else None
    result = index.check()
    if as_json:
        _print_json({**result.as_dict(), **({"repaired": repaired} if repaired is not None else {})})
    else:
        if repaired is not None:
            out.print(f"repaired: {repaired}")
        out.print(f"passages: {result.passages}, keyword rows: {result.keyword_rows}, "
                  f"vectors: {result.vectors}")
        if result.ok:
            out.print("ok: the catalog, the keyword index and the vectors agree.")
        for problem in result.problems():
            err.print(f"[red]problem[/red] {escape(problem)}")
    raise typer.Exit(0 if result.ok else 1)


@cli.command()
@friendly
def reembed(as_json: JsonOpt = False) -> None:
    """Recompute every passage vector with the current embedding model (no re-parsing)."""
    from app.index import KnowledgeIndex

    services = _services()
    index = KnowledgeIndex(services.settings, check_model=False)  # whatever model it was built with
    index.on_lock_wait = services.on_lock_wait
    count = index.reembed(services.embedder.embed_array)
    if as_json:
        _print_json({"passages": count})
    else:
        out.print(f"re-embedded {count} passages")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
