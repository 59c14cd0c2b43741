"""The quiz in the chat: "Quiz me" on a document opens a quiz view in place of the conversation.

The reader picks the kind of question and how many; the quiz is made in a worker thread (an LLM can take
seconds) while the page shows progress and stays responsive. Questions come one at a time
(`app.web.quiz_session.QuizSession`); after each answer the view shows right or wrong, the correct answer
and the passage it comes from (file, page, heading, the supporting sentence highlighted), inserted as
text, never as Markdown or HTML, with a button that opens it in the chat's source panel (and its link
to the original file). At the end: the score, a retry of the missed items, downloads. Leaving returns to
the conversation, which was only hidden.

Access: a quiz is made only from a document this page's documents panel lists (checked on the server
against the index when the quiz is opened and again when it is made; the browser's message is never
trusted), and items whose passage is from another file are dropped. The browser receives a question's
answer and passage only after the reader has answered it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import panel as pn
import param

from app.errors import user_message
from app.index import FileRow
from app.quiz.model import QUIZ_KINDS, Quiz, QuizError, QuizKind, QuizSource
from app.web.chat_render import FileUrl, place, reflow
from app.web.quiz_session import Outcome, QuizSession
from app.web.static_files import static_text

log = logging.getLogger(__name__)

KIND_LABELS: dict[str, str] = {"mcq": "Multiple choice", "cloze": "Fill in the blank", "short": "Short answer"}
KIND_NOUNS: dict[str, str] = {"mcq": "multiple-choice", "cloze": "fill-in-the-blank", "short": "short-answer"}
DEFAULT_KIND: QuizKind = "mcq"
DEFAULT_COUNT = 10
MAX_COUNT = 30
SOURCE_NOTE = "The highlighted sentence is the one the answer comes from."

# (document path, number of questions, kind, should_stop) -> Quiz; should_stop() is true once the reader left
QuizMaker = Callable[[str, int, QuizKind, Callable[[], bool]], Quiz]
Exporter = Callable[[Quiz], str]


class QuizView(pn.custom.JSComponent):
    """The quiz: setup, progress while it is made, one question at a time, the score (`view` says which)."""

    view = param.Dict(default={}, doc="What to show, from ChatQuiz (plain values, inserted as text).")
    download = param.Dict(default={}, doc="{name, text, type, token}: the browser saves it as a file.")

    _esm = static_text("save_file.js", "quiz.js")
    _stylesheets = [static_text("chat.css"),
                    static_text("quiz.css")]


def quiz_source(source: QuizSource, collection: str | None, url: str | None) -> dict[str, Any]:
    """A quiz item's passage for the quiz view and the source panel (the payload `citation_source`
    gives): the supporting sentence highlighted, every piece plain text."""
    text = source.text
    start, end = source.start, source.end
    if not (0 <= start <= end <= len(text)):
        start = end = 0
    return {
        "title": source.file_name, "file_name": source.file_name, "page": source.page,
        "heading": " › ".join(source.headings), "collection": collection,
        "label": place(source.file_name, source.page, source.headings),
        "before": reflow(text[:start]), "highlight": reflow(text[start:end]), "after": reflow(text[end:]),
        "supported": True, "note": SOURCE_NOTE, "url": url,
        "url_label": f"Open {source.file_name} at page {source.page}" if source.page else f"Open {source.file_name}",
    }


def parse_count(value: Any) -> int:
    """The number of questions asked for, within 1..MAX_COUNT (the default for anything unreadable)."""
    try:
        count = int(value)
    except (TypeError, ValueError):
        return DEFAULT_COUNT
    return max(1, min(MAX_COUNT, count))


def parse_kind(value: Any) -> QuizKind:
    """A known kind of question (the default for anything else)."""
    for kind in QUIZ_KINDS:
        if value == kind:
            return kind
    return DEFAULT_KIND


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")[:60] or "quiz"


class ChatQuiz:
    """The quiz of one chat page: its view, the document it is about and the reader's session."""

    def __init__(
        self, maker: QuizMaker | None, executor: Executor, documents: Callable[[], Sequence[FileRow]],
        file_url: FileUrl, show: Callable[[bool], None], open_source: Callable[[dict[str, Any]], None],
        exports: dict[str, tuple[str, str, Exporter]] | None = None,
        limit: Callable[[], str | None] | None = None,
    ) -> None:
        """`maker` makes the quiz (None: quizzes are off on this server); `documents` lists what this page
        may see; `show(True)` puts the quiz in place of the conversation, `show(False)` back; `exports`
        maps a format to (file suffix, MIME type, function); `limit` says why to wait, or None."""
        self.maker = maker
        self.executor = executor
        self.documents = documents
        self.file_url = file_url
        self.show = show
        self.open_source = open_source
        self.exports = exports or {}
        self.limit = limit
        self.view = QuizView(visible=False, sizing_mode="stretch_both", margin=0)
        self.view.on_msg(self._on_msg)
        self.document: FileRow | None = None
        self.session: QuizSession | None = None
        self._generation = 0  # bumped when the reader leaves or starts over: a quiz still being made is dropped
        self._downloads = 0

    @property
    def available(self) -> bool:
        return self.maker is not None

    # --- what the reader may quiz on ----------------------------------------------------------------
    def _visible(self, path: str) -> FileRow | None:
        """The document at `path` if this page lists it (indexed without error, with passages)."""
        return next((f for f in self.documents() if f.path == path), None)

    def _title(self, document: FileRow) -> str:
        return (document.title or "").strip() or Path(document.path).stem

    # --- actions ----------------------------------------------------------------------------------
    def open(self, path: str) -> bool:
        """Show the quiz setup for the document at `path`; False (nothing shown) if this page does not
        list it."""
        document = self._visible(path)
        if document is None or self.maker is None:
            return False
        self._generation += 1
        self.document, self.session = document, None
        self._setup()
        self.show(True)
        return True

    def cancel(self) -> None:
        """Drop a quiz still being made: a language model writing it stops before its next request."""
        self._generation += 1

    def leave(self) -> None:
        """Back to the conversation; a quiz still being made is dropped."""
        self.cancel()
        self.session = None
        self.view.visible = False
        self.show(False)

    async def start(self, kind: QuizKind, count: int) -> None:
        """Make the quiz in a worker thread, then ask its first question (or say plainly why not)."""
        document = self.document
        if document is None or self.maker is None:
            return
        if self._visible(document.path) is None:  # removed from the index since the panel was opened
            self._error("This document is not in the index any more",
                        "It may have been removed; pick another one from Documents.", retry=False)
            return
        refusal = self.limit() if self.limit is not None else None
        if refusal is not None:
            self._error("Please wait a moment", refusal)
            return
        self._generation += 1
        generation = self._generation
        self.session = None
        self.view.view = {**self._base(), "phase": "making",
                          "message": f"Making {count} {KIND_NOUNS[kind]} question{'s' if count != 1 else ''} "
                                     f"from {Path(document.path).name}…"}
        maker = self.maker
        loop = asyncio.get_running_loop()
        try:
            quiz = await loop.run_in_executor(self.executor, maker, document.path, count, kind,
                                              lambda: generation != self._generation)
        except QuizError as exc:
            if generation == self._generation:
                self._error("No quiz could be made", str(exc))
            return
        except Exception as exc:  # a reader sees a message, never a traceback; unexpected ones are logged
            if generation != self._generation:
                return
            message = user_message(exc)
            if message is None:
                log.error("making a quiz failed", exc_info=exc)
                message = ("The error was written to the server log. Try again; if it keeps happening, tell "
                           "whoever runs citewise.")
            else:
                message = message[:1].upper() + message[1:]
            self._error("No quiz could be made", message)
            return
        if generation != self._generation:  # the reader left or started over meanwhile
            return
        items = tuple(item for item in quiz.items if item.source.path == document.path)
        if len(items) < len(quiz.items):
            log.warning("a quiz on %s held %d items from other files; they were dropped",
                        document.path, len(quiz.items) - len(items))
        if not items:
            self._error("No quiz could be made", "No questions could be made from this document. Try another "
                        "kind of question or another document.")
            return
        self.session = QuizSession(Quiz(quiz.subject, quiz.kind, items, quiz.generator, quiz.dropped, quiz.notes))
        self._show_question()

    def answer(self, data: dict[str, Any]) -> Outcome | None:
        """Check the reader's answer (a choice's position for multiple choice, else the text)."""
        session = self.session
        if session is None or session.current() is None:
            return None
        item = session.current()
        if item is not None and item.kind == "mcq" and item.choices:
            try:
                outcome = session.answer_choice(int(data.get("choice", -1)))
            except (TypeError, ValueError):
                outcome = None
        else:
            outcome = session.answer(str(data.get("response", ""))[:500])
        if outcome is not None:
            self._show_question()
        return outcome

    def advance(self) -> None:
        """The next question, or the score when the round is over."""
        if self.session is not None and self.session.advance():
            self._show_question()

    def retry(self) -> None:
        """Ask the items missed in this round again."""
        if self.session is not None and self.session.retry_missed():
            self._show_question()

    def show_source(self) -> None:
        """Open the current (answered) item's passage in the chat's source panel."""
        session = self.session
        if session is None:
            return
        outcome = session.current_outcome()
        if outcome is None:
            return
        self.open_source(self._source(session.quiz.items[outcome.index].source))

    def export(self, fmt: str) -> str | None:
        """The quiz in `fmt` ("markdown", "anki"), handed to the browser as a download."""
        if self.session is None or fmt not in self.exports:
            return None
        suffix, mime, exporter = self.exports[fmt]
        text = exporter(self.session.quiz)
        self._downloads += 1
        name = f"citewise-quiz-{_safe_name(Path(self.session.quiz.subject).stem or self.session.quiz.subject)}"
        self.view.download = {"name": f"{name}.{suffix}", "text": text, "type": mime, "token": self._downloads}
        return text

    # --- browser messages -------------------------------------------------------------------------
    async def _on_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind = data.get("kind")
        if kind == "start":
            await self.start(parse_kind(data.get("quiz_kind")), parse_count(data.get("count")))
        elif kind == "answer":
            self.answer(data)
        elif kind == "next":
            self.advance()
        elif kind == "retry":
            self.retry()
        elif kind == "source":
            self.show_source()
        elif kind == "download":
            self.export(str(data.get("format", "")))
        elif kind == "setup" and self.document is not None:
            self._generation += 1
            self.session = None
            self._setup()
        elif kind == "leave":
            self.leave()

    # --- views ------------------------------------------------------------------------------------
    def _base(self) -> dict[str, Any]:
        document = self.document
        if document is None:
            return {"title": "Quiz"}
        return {"title": f"Quiz: {self._title(document)}", "file_name": Path(document.path).name}

    def _setup(self) -> None:
        self.view.view = {
            **self._base(), "phase": "setup", "kinds": [[k, KIND_LABELS[k]] for k in QUIZ_KINDS],
            "kind": DEFAULT_KIND, "count": DEFAULT_COUNT, "max_count": MAX_COUNT,
        }

    def _error(self, title: str, message: str, retry: bool = True) -> None:
        self.view.view = {**self._base(), "phase": "error", "error": {"title": title, "message": message},
                          "retry": retry}

    def _source(self, source: QuizSource) -> dict[str, Any]:
        document = self._visible(source.path)
        return quiz_source(source, document.collection if document else None,
                           self.file_url(source.path, source.page))

    def _show_question(self) -> None:
        session = self.session
        if session is None:
            return
        quiz = session.quiz
        base = {**self._base(), "round": session.round, "notes": list(quiz.notes),
                "kind_label": KIND_LABELS.get(quiz.kind, quiz.kind)}
        item = session.current()
        if item is None:
            score, first = session.score(), session.first_score()
            missed = session.missed()
            self.view.view = {
                **base, "phase": "done",
                "score": {"right": score.right, "total": score.total, "percent": score.percent},
                "first": {"right": first.right, "total": first.total, "percent": first.percent},
                "missed": [{"question": quiz.items[i].question, "answer": quiz.items[i].answer} for i in missed],
                "downloads": [[fmt, label] for fmt, label in (("markdown", "Download as Markdown"),
                                                               ("anki", "Download for Anki (CSV)"))
                              if fmt in self.exports],
            }
            return
        outcome = session.current_outcome()
        score = session.score()
        view: dict[str, Any] = {
            **base, "phase": "question" if outcome is None else "feedback",
            "number": session.position + 1, "total": len(session.order),
            "right_so_far": score.right,
            "item": {"kind": item.kind, "question": item.question, "choices": list(item.choices)},
        }
        if outcome is not None:  # the answer and its passage reach the browser only now
            view["result"] = {"correct": outcome.correct, "response": outcome.response, "answer": item.answer,
                              "chosen": item.choices.index(outcome.response) if outcome.response in item.choices
                              else -1,
                              "right_choice": item.choices.index(item.answer) if item.answer in item.choices
                              else -1}
            view["source"] = self._source(item.source)
            view["last"] = session.position + 1 >= len(session.order)
        self.view.view = view
