"""`python -m app` / `citewise`: ask questions, serve the web app, run evaluations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from app.errors import UserError, friendly, hinting_group
from app.settings import get_settings
from app.verbatim import terminal_text


def _ask_hint(name: str) -> str | None:
    """`python -m app "How do I ...?"` means `python -m app ask "How do I ...?"`."""
    return f'To ask it: python -m app ask "{name}"' if " " in name.strip() or name.endswith("?") else None


cli = typer.Typer(
    cls=hinting_group(_ask_hint), add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
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
    session: Annotated[str | None, typer.Option(
        help="Continue the conversation saved under this name (follow-ups like 'and in 2017?' work).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed documents, with citations."""
    from app.conversation import Turn, load_session, save_turn
    from app.retrieval import Filters
    from app.services import build_services

    if not question.strip():
        raise UserError('the question is empty: ask something, e.g. `python -m app ask "How do I re-index a folder?"`')
    settings = get_settings()
    history: list[Turn] = []
    if session is not None:
        try:
            history = load_session(settings.sessions_dir, session)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    assistant = build_services(settings).assistant
    if assistant.index.is_empty():
        raise UserError("the index is empty: index some documents first, e.g. `python -m ingest sync data/sample`")
    check_scope(assistant.index.collections(), collection, assistant.index.stats()["chunks"])
    file_type = file_type.lower() if file_type else None
    if file_type is not None and path is None and not assistant.index.passage_filter(collection, None, file_type):
        types = sorted({r.file_type for r in assistant.index.files(collection) if r.status == "ok"})
        raise UserError(f"no indexed document is of type '{file_type}'"
                        + (f" in collection '{collection}'" if collection else "")
                        + f"; the types indexed are: {', '.join(types) or 'none'}")
    if path is not None and not assistant.index.passage_filter(collection, path, file_type):
        raise UserError(f"no indexed document matches --path '{path}'"
                        + (f" in collection '{collection}'" if collection else "")
                        + (f" and --file-type '{file_type}'" if file_type else "")
                        + "; `python -m ingest list` shows what is indexed")
    answer = assistant.ask(question, history, session_id=f"cli:{session}" if session else "cli",
                           filters=Filters(collection, path, file_type))
    if session is not None and answer.mode != "blocked":
        save_turn(settings.sessions_dir, session, Turn(answer.question, answer.text, answer.rewritten_query))
    if as_json:
        _print_json(answer.as_dict())
    else:
        print_answer(answer)
    raise typer.Exit(3 if answer.mode == "blocked" else 0)


def check_scope(known: list[str], collection: str | None, chunks: int) -> None:
    """Refuse, with what to do instead, a question that could only get "not covered": an empty index or a
    collection that does not exist (usually a typo)."""
    if chunks == 0:
        raise UserError("the index is empty: index some documents first, e.g. `python -m ingest sync data/sample`")
    if collection is not None and collection not in known:
        listed = ", ".join(known) if known else "none"
        raise UserError(f"the collection '{collection}' does not exist; known collections: {listed}")


def print_answer(answer: Any) -> None:
    """The answer for a terminal: text, notice, sources with the supporting sentence."""
    if answer.mode == "blocked":
        err.print(f"[bold red]{escape(answer.text)}[/bold red]")
        return
    if answer.rewritten_query:
        out.print(f"[dim]understood as: {escape(terminal_text(answer.rewritten_query))}[/dim]")
    out.print(terminal_text(answer.text), markup=False, highlight=False)
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
        out.print(f"    “{terminal_text(c.text[c.span[0]:c.span[1]])}”", markup=False, highlight=False)
    if answer.no_answer and answer.decision and answer.decision.get("reason"):
        out.print(f"[dim]why: {escape(terminal_text(answer.decision['reason']))}[/dim]")
    if answer.no_answer and answer.possibly_related:
        out.print("\n[bold]Possibly related[/bold]")
        for p in answer.possibly_related:
            out.print(f"- {terminal_text(p.label)}", markup=False, highlight=False)


@cli.command()
@friendly
def quiz(
    subject: Annotated[str, typer.Argument(
        help="An indexed document (path, file name or title) or a collection name.")],
    n: Annotated[int, typer.Option("--n", help="How many questions.")] = 10,
    kind: Annotated[str, typer.Option(help="mcq (multiple choice), cloze (fill the blank) or short.")] = "mcq",
    markdown: Annotated[Path | None, typer.Option(help="Also write the quiz and its answer key here.")] = None,
    anki: Annotated[Path | None, typer.Option(help="Also write a CSV Anki imports (front, back, source).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Study mode: a quiz about a document, every answer cited to the sentence it comes from."""
    from app.quiz.export import to_anki_csv, to_markdown
    from app.quiz.generate import make_quiz
    from app.quiz.model import QUIZ_KINDS, QuizError
    from app.services import build_services

    if kind not in QUIZ_KINDS:
        raise UserError(f"unknown --kind '{kind}': use {', '.join(QUIZ_KINDS)}")
    try:
        made = make_quiz(build_services(get_settings()), subject, n, kind)  # type: ignore[arg-type]
    except QuizError as exc:
        raise UserError(str(exc)) from None
    for target, text in ((markdown, to_markdown), (anki, to_anki_csv)):
        if target is not None:
            try:
                target.write_text(text(made), encoding="utf-8")
            except OSError as exc:
                raise UserError(f"cannot write {target}: {exc.strerror}") from None
    if as_json:
        _print_json(made.as_dict())
    else:
        print_quiz(made)


def print_quiz(made: Any) -> None:
    """A quiz for a terminal: questions with choices, then the answer key with citations."""
    from app.quiz.export import answer_text, choice_lines, citation

    out.print(f"[bold]Quiz: {escape(made.subject)}[/bold] ({len(made.items)} questions, {made.kind})")
    for note in made.notes:
        out.print(f"[dim]{escape(note)}[/dim]")
    for number, item in enumerate(made.items, start=1):
        out.print(f"\n{number}. {terminal_text(' '.join(item.question.split()))}", markup=False, highlight=False)
        for line in choice_lines(item):
            out.print(f"   {terminal_text(line)}", markup=False, highlight=False)
    out.print("\n[bold]Answer key[/bold]")
    for number, item in enumerate(made.items, start=1):
        out.print(f"{number}. {terminal_text(answer_text(item))}  ({terminal_text(citation(item))})",
                  markup=False, highlight=False)
        out.print(f"    “{terminal_text(' '.join(item.source.quote.split()))}”", markup=False, highlight=False)


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
    from app.evals.retrieval import evaluate, format_report

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
    questions: Annotated[Path, typer.Option(help="JSONL: question, answers, source, pages, unanswerable.")],
    index_dir: Annotated[Path | None, typer.Option(
        help="Keep the index in this data folder between runs (re-runs only re-sync changed files).")] = None,
    holdout_every: Annotated[int, typer.Option(
        help="Also report every N-th question (held out from tuning) and the rest separately.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Answer quality on your own documents and questions: answers, sources, evidence pages."""
    from app.evals.answers import evaluate_answers, format_answers_report

    if not docs.is_dir():
        raise UserError(f"{docs} is not a folder")
    if not questions.is_file():
        raise UserError(f"{questions} does not exist")
    results = evaluate_answers(docs, questions, get_settings(), index_dir=index_dir, holdout_every=holdout_every)
    _print_json(results) if as_json else out.print(format_answers_report(results), highlight=False)


DataDirOpt = Annotated[Path | None, typer.Option(
    "--data-dir", help="Keep the evaluation's index here and reuse it next time (default: a temporary folder).")]
HoldoutOpt = Annotated[int, typer.Option(help="Every N-th item is held out from tuning and reported apart.")]


def _eval_data_dir(data_dir: Path | None) -> tuple[Path, Any]:
    import tempfile

    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        return data_dir, None
    tmp = tempfile.TemporaryDirectory(prefix="citewise-eval-")
    return Path(tmp.name), tmp


@eval_cli.command("decisions")
@friendly
def eval_decisions(
    docs: Annotated[Path, typer.Option(help="Folder of documents to index.")],
    questions: Annotated[Path, typer.Option(help="JSONL: question, source (file name), pages (1-based).")],
    data_dir: DataDirOpt = None,
    holdout_every: HoldoutOpt = 2,
    leave_one_out: Annotated[bool, typer.Option(help="Also ask each question with its source left out.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """First citation on an evidence page, and the no-answer decision with each question's file left out."""
    from app.evals.decisions import evaluate_pages_and_loo, format_decision_report

    if not docs.is_dir() or not questions.is_file():
        raise UserError(f"need a folder of documents ({docs}) and a questions file ({questions})")
    folder, tmp = _eval_data_dir(data_dir)
    results = evaluate_pages_and_loo(docs, questions, get_settings(), folder, holdout_every, leave_one_out)
    _print_json(results) if as_json else out.print(format_decision_report(results), markup=False, highlight=False)


@eval_cli.command("refusals")
@friendly
def eval_refusals(
    beir: Annotated[Path, typer.Option(help="BEIR folder whose queries its corpus answers.")],
    uncovered: Annotated[Path, typer.Option(help="CSV of prompts the corpus does not cover (prompt/text column).")],
    label: Annotated[str | None, typer.Option(help="Only rows of the CSV with this label.")] = "safe",
    data_dir: DataDirOpt = None,
    holdout_every: HoldoutOpt = 2,
    max_queries: Annotated[int | None, typer.Option(help="Only the first N of each.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answerable queries answered, uncovered prompts refused (the no-answer decision both ways)."""
    from app.evals.decisions import evaluate_refusals, format_decision_report

    if not (beir / "corpus.jsonl").exists() or not uncovered.is_file():
        raise UserError(f"need a BEIR folder ({beir}) and a CSV of prompts ({uncovered})")
    folder, tmp = _eval_data_dir(data_dir)
    results = evaluate_refusals(beir, uncovered, get_settings(), folder, label, holdout_every, max_queries)
    _print_json(results) if as_json else out.print(format_decision_report(results), markup=False, highlight=False)


@eval_cli.command("followups")
@friendly
def eval_followups(
    docs: Annotated[Path, typer.Option(help="Folder of documents to index.")],
    conversations: Annotated[Path, typer.Option(
        help="JSONL of conversations (see bench/followups_financebench.jsonl).")],
    data_dir: DataDirOpt = None,
    holdout_every: HoldoutOpt = 2,
    as_json: JsonOpt = False,
) -> None:
    """Follow-up questions: the rewritten question and the file cited."""
    from app.evals.decisions import evaluate_followups, format_decision_report

    if not docs.is_dir():
        raise UserError(f"{docs} is not a folder: the conversations are about documents you do not have here")
    if not conversations.is_file():
        raise UserError(f"{conversations} does not exist")
    folder, tmp = _eval_data_dir(data_dir)
    results = evaluate_followups(docs, conversations, get_settings(), folder, holdout_every)
    _print_json(results) if as_json else out.print(format_decision_report(results), markup=False, highlight=False)


@eval_cli.command("quiz")
@friendly
def eval_quiz(
    docs: Annotated[Path, typer.Option(help="Folder of documents to index and make quizzes from.")],
    kind: Annotated[list[str] | None, typer.Option(help="mcq, cloze or short (repeatable; default all).")] = None,
    n: Annotated[int, typer.Option("--n", help="Questions per document.")] = 10,
    max_docs: Annotated[int | None, typer.Option(help="Only the first N documents (by path).")] = None,
    data_dir: DataDirOpt = None,
    holdout_every: HoldoutOpt = 2,
    as_json: JsonOpt = False,
) -> None:
    """Quiz quality: answers supported, questions that find their source, page coverage, duplicates,
    distractors of the answer's kind."""
    from app.evals.quiz import evaluate_quiz, format_quiz_report
    from app.quiz.model import QUIZ_KINDS

    if not docs.is_dir():
        raise UserError(f"{docs} is not a folder of documents")
    kinds = kind or list(QUIZ_KINDS)
    for k in kinds:
        if k not in QUIZ_KINDS:
            raise UserError(f"unknown --kind '{k}': use {', '.join(QUIZ_KINDS)}")
    folder, tmp = _eval_data_dir(data_dir)
    results = evaluate_quiz(docs, get_settings(), folder, kinds, n, max_docs, holdout_every)  # type: ignore[arg-type]
    _print_json(results) if as_json else out.print(format_quiz_report(results), markup=False, highlight=False)


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
    from app.evals.safety import format_report, run_safety_eval, shared_files
    from app.moderation import Moderator
    from app.services import build_services

    runs = [(f, text_field, label_field) for f in file or []]
    if shared is not None:
        runs += shared_files(shared)
    if not runs:
        raise UserError("pass --file PATH (repeatable) or --shared FOLDER")
    for path, _, _ in runs:
        if not path.is_file():
            raise UserError(f"{path} does not exist")
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 10**9, "rate_limit_burst": 10**9})
    # Its own moderator, without the audit log: an evaluation must not fill the audit with test prompts.
    moderator = Moderator(settings, build_services(settings).embedder)
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
