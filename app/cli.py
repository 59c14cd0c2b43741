"""`python -m app` / `citewise`: ask questions, serve the web app, run evaluations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from app.errors import UserError, friendly
from app.settings import get_settings

cli = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="citewise: answers from your documents, with citations you can check.",
)
eval_cli = typer.Typer(no_args_is_help=True, help="Measure retrieval, answers and moderation.")
cli.add_typer(eval_cli, name="eval")
out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@cli.command()
@friendly
def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    collection: Annotated[str | None, typer.Option(help="Search only this collection.")] = None,
    path: Annotated[str | None, typer.Option(help="Search only files whose path matches (glob).")] = None,
    file_type: Annotated[str | None, typer.Option(help="pdf, markdown, text, html or docx.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed documents, with citations."""
    from app.assistant import build_assistant
    from app.retrieval import Filters

    assistant = build_assistant(get_settings())
    if assistant.index.stats()["chunks"] == 0:
        raise UserError("the index is empty: index some documents first, e.g. `python -m ingest sync data/sample`")
    answer = assistant.ask(question, filters=Filters(collection, path, file_type))
    if as_json:
        _print_json(answer.as_dict())
    else:
        print_answer(answer)
    raise typer.Exit(3 if answer.mode == "blocked" else 0)


def print_answer(answer: Any) -> None:
    """The answer for a terminal: text, notice, sources with the supporting sentence."""
    if answer.mode == "blocked":
        err.print(f"[bold red]{escape(answer.text)}[/bold red]")
        return
    if answer.rewritten_query:
        out.print(f"[dim]searched for: {escape(answer.rewritten_query)}[/dim]")
    out.print(answer.text, markup=False, highlight=False)
    if answer.notice:
        out.print(f"[dim]{escape(answer.notice)}[/dim]")
    if answer.unverified:
        count = len(answer.unverified)
        out.print(f"[yellow]{count} cited sentence(s) could not be verified against their passage.[/yellow]")
    if answer.citations:
        out.print("\n[bold]Sources[/bold]")
    for c in answer.citations:
        where = c.file_name + (f", page {c.page}" if c.page else "") + (
            f" > {' > '.join(c.headings)}" if c.headings else "")
        mark = "" if c.supported else " [yellow](unverified)[/yellow]"
        out.print(f"\\[{c.n}] {escape(where)}{mark}", highlight=False)
        out.print(f"    “{c.text[c.span[0]:c.span[1]]}”", markup=False, highlight=False)
    if answer.no_answer and answer.possibly_related:
        out.print("\n[bold]Possibly related[/bold]")
        for p in answer.possibly_related:
            out.print(f"- {p.label}", markup=False, highlight=False)


@cli.command()
@friendly
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default CITEWISE_PORT, 5006).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
) -> None:
    """Serve the browser chat (and the admin console at /console) on an existing index."""
    from app.web.server import serve as run_server

    settings = get_settings()
    run_server(settings, port=port or settings.port, host=host or settings.host)


@eval_cli.command("retrieval")
@friendly
def eval_retrieval(
    beir: Annotated[Path, typer.Option(help="A BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/).")],
    split: Annotated[str, typer.Option(help="qrels/<split>.tsv to score.")] = "test",
    mode: Annotated[list[str] | None, typer.Option(help="dense, keyword or hybrid (repeatable).")] = None,
    max_queries: Annotated[int | None, typer.Option(help="Score only the first N queries.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """nDCG@10, recall@10 and recall@100 of retrieval on a BEIR dataset."""
    from app.eval_retrieval import evaluate, format_report

    if not (beir / "corpus.jsonl").exists():
        raise UserError(f"{beir} is not a BEIR folder (no corpus.jsonl)")
    if not (beir / "qrels" / f"{split}.tsv").exists():
        raise UserError(f"no judgements for split '{split}': {beir / 'qrels' / (split + '.tsv')} is missing")
    settings = get_settings()
    modes = mode or [settings.retrieval_mode]
    for m in modes:
        if m not in ("dense", "keyword", "hybrid"):
            raise UserError(f"unknown mode '{m}': use dense, keyword or hybrid")
    results = evaluate(beir, split, modes, settings, max_queries=max_queries)
    _print_json(results) if as_json else out.print(format_report(results), highlight=False)


@eval_cli.command("answers")
@friendly
def eval_answers(
    docs: Annotated[Path, typer.Option(help="Folder of documents to index.")],
    questions: Annotated[Path, typer.Option(help="JSONL: question, answers, source, unanswerable.")],
    as_json: JsonOpt = False,
) -> None:
    """Answer quality on your own documents and questions."""
    from app.eval_answers import evaluate_answers, format_answers_report

    if not docs.is_dir():
        raise UserError(f"{docs} is not a folder")
    if not questions.is_file():
        raise UserError(f"{questions} does not exist")
    results = evaluate_answers(docs, questions, get_settings())
    _print_json(results) if as_json else out.print(format_answers_report(results), highlight=False)


@eval_cli.command("safety")
@friendly
def eval_safety(
    file: Annotated[list[Path] | None, typer.Option(help="CSV or JSONL of prompts (repeatable).")] = None,
    shared: Annotated[Path | None, typer.Option(
        help="The shared datasets folder: run every safety set in it (and SciFact's claims as benign).")] = None,
    text_field: Annotated[str | None, typer.Option(help="Column with the prompt text.")] = None,
    label_field: Annotated[str | None, typer.Option(help="Column with the label (1/0, safe/unsafe).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Detection and false-positive rates of moderation, per labelled file, with a confusion table."""
    from app.embeddings import get_embedder
    from app.eval_safety import format_report, run_safety_eval, shared_files
    from app.moderation import Moderator

    runs = [(f, text_field, label_field) for f in file or []]
    if shared is not None:
        runs += shared_files(shared)
    if not runs:
        raise UserError("pass --file PATH (repeatable) or --shared FOLDER")
    for path, _, _ in runs:
        if not path.is_file():
            raise UserError(f"{path} does not exist")
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 10**9, "rate_limit_burst": 10**9})
    moderator = Moderator(settings, get_embedder(settings))
    moderator.warm_up()
    results = [run_safety_eval(path, text, label, moderator) for path, text, label in runs]
    if as_json:
        _print_json(results[0] if len(results) == 1 else results)
        return
    out.print("\n\n".join(format_report(r) for r in results), highlight=False, soft_wrap=True)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
