"""`python -m ingest` / `citewise-ingest`: sync folders into the index, list, remove, stats, reembed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from app.errors import friendly
from app.settings import get_settings

cli = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Index documents (PDF, Markdown, text, HTML, DOCX) for citewise.",
)
out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


class RichProgress:
    """A progress bar (files, chunks, ETA) on a terminal."""

    def __init__(self, console: Console) -> None:
        self.chunks = 0
        self.bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("files · {task.fields[chunks]} chunks"), TimeRemainingColumn(), console=console,
            transient=False,
        )
        self.task: Any = None

    def start(self, total_files: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("indexing", total=total_files, chunks=0)

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        self.chunks += chunks
        self.bar.update(self.task, advance=1, chunks=self.chunks)
        if outcome == "failed":
            self.bar.console.print(f"[red]failed[/red] {path}: {detail}")

    def finish(self) -> None:
        self.bar.stop()


class LineProgress:
    """Plain log lines when stderr is not a terminal (CI, cron, pipes)."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def start(self, total_files: int) -> None:
        self.total = total_files
        print(f"indexing {total_files} file(s)", file=sys.stderr, flush=True)

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        self.done += 1
        tail = f": {detail}" if detail else f" ({chunks} chunks)" if chunks else ""
        print(f"[{self.done}/{self.total}] {outcome} {path}{tail}", file=sys.stderr, flush=True)

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
    collection: Annotated[str | None, typer.Option(help="Collection to put the files in.")] = None,
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
                                    pdf_password=pdf_password)
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
                out.print(f"would {label}: {path}")
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
    if report.repaired and any(report.repaired.values()):
        lines.append(f"Repaired an interrupted sync: {report.repaired}.")
    for line in lines:
        out.print(line)
    for skipped in report.skipped_files:
        out.print(f"[yellow]skipped[/yellow] {escape(skipped['path'])}: {escape(skipped['reason'])}",
                  highlight=False)
    for warning in report.warnings:
        out.print(f"[yellow]warning[/yellow] {warning['path']}: {warning['warning']}")
    for failure in report.failed:
        out.print(f"[red]failed[/red] {failure['path']}: {failure['error']}")


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
            out.print(f"removed {t}")
        for u in unknown:
            err.print(f"not in the index: {u}")
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
