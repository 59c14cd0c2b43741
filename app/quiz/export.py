"""A quiz as a reader takes it away: Markdown (questions, then the answer key with citations) and a CSV
that Anki imports as notes (front, back, source)."""

from __future__ import annotations

import csv
import html
import io

from app.quiz.model import Quiz, QuizItem

CSV_COLUMNS = ("front", "back", "source")
LETTERS = "ABCDEFGH"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def citation(item: QuizItem) -> str:
    """Where an answer comes from, as one line: file, page, heading."""
    src = item.source
    parts = [src.file_name]
    if src.page:
        parts.append(f"page {src.page}")
    if src.headings:
        parts.append(" > ".join(src.headings))
    return ", ".join(parts)


def choice_lines(item: QuizItem) -> list[str]:
    return [f"{LETTERS[i]}. {choice}" for i, choice in enumerate(item.choices)]


def answer_text(item: QuizItem) -> str:
    """The answer as the key shows it: with its letter for multiple choice."""
    if item.choices and item.answer in item.choices:
        return f"{LETTERS[item.choices.index(item.answer)]}. {item.answer}"
    return item.answer


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")


def to_markdown(quiz: Quiz) -> str:
    """Questions (with choices), then an answer key citing file, page, heading and the quoted sentence."""
    lines = [f"# Quiz: {_md_escape(quiz.subject)}", ""]
    lines += [f"_{_md_escape(note)}_" for note in quiz.notes] + ([""] if quiz.notes else [])
    lines += ["## Questions", ""]
    for n, item in enumerate(quiz.items, start=1):
        lines.append(f"{n}. {_md_escape(_one_line(item.question))}")
        lines += [f"   - {_md_escape(line)}" for line in choice_lines(item)]
    lines += ["", "## Answer key", ""]
    for n, item in enumerate(quiz.items, start=1):
        lines.append(f"{n}. **{_md_escape(answer_text(item))}** ({_md_escape(citation(item))})")
        lines.append(f"   > {_md_escape(_one_line(item.source.quote))}")
    return "\n".join(lines) + "\n"


def anki_front(item: QuizItem) -> str:
    """The front of a card (HTML: the question, then one choice per line)."""
    front = html.escape(_one_line(item.question))
    if item.choices:
        front += "<br>" + "<br>".join(html.escape(line) for line in choice_lines(item))
    return front


def to_anki_csv(quiz: Quiz) -> str:
    """CSV with a header row (front, back, source), one note per question; Anki's "Import File" maps the
    columns to fields (allow HTML: choices are separated by <br>)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in quiz.items:
        back = f"{html.escape(answer_text(item))}<br><i>“{html.escape(_one_line(item.source.quote))}”</i>"
        writer.writerow([anki_front(item), back, citation(item)])
    return buffer.getvalue()
