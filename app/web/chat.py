"""The reader's chat page: ask, watch the answer stream in, click [n] to read the cited passage.

One `ChatPage` per browser session; all sessions share one `Assistant`. An answer is built in a worker
thread (`Assistant.stream` embeds, searches and calls the LLM, all blocking) and its events are passed
to the session's event loop through a queue, so a slow answer never holds up other readers.

The browser side is four small components (header, answer card, question box, source panel) written in
plain JavaScript in `app/web/static/`; they insert document text with `textContent`, and the answer body
arrives as HTML built from escaped text by `app.web.chat_render.answer_html`.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import panel as pn
import param

from app.assistant import Answer, Assistant, Event
from app.citations import Citation
from app.errors import user_message
from app.retrieval import Passage
from app.web.chat_render import (
    QUOTED_MODES,
    answer_html,
    answer_info,
    citation_source,
    passage_source,
    related_passages,
    retrieval_info,
    welcome_html,
)
from app.web.state import ChatSession

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSS = (STATIC / "chat.css").read_text(encoding="utf-8")
INDEX_HINT = "python -m ingest sync data/sample --collection sample"
PAGE_BACKGROUND = "#f4f5f7"


def _esm(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


class Header(pn.custom.JSComponent):
    """Name, answering mode, collection picker and the New chat button."""

    app_name = param.String(default="citewise")
    mode_label = param.String(default="")
    collections = param.List(default=[])
    collection = param.String(default="")

    _esm = _esm("header.js")
    _stylesheets = [CSS]


class Composer(pn.custom.JSComponent):
    """The question box: Enter sends, Shift+Enter adds a line; it keeps the focus."""

    placeholder = param.String(default="Ask about your documents…")
    max_chars = param.Integer(default=2000)
    focus_token = param.Integer(default=0, doc="Increment to put the cursor back in the box.")

    _esm = _esm("composer.js")
    _stylesheets = [CSS]


class TurnView(pn.custom.JSComponent):
    """One question and its answer card (text, notices, sources, retrieval step, actions)."""

    question = param.String(default="")
    progress = param.String(default="", doc="What the pipeline is doing, shown with a spinner.")
    answer_html = param.String(default="", doc="Safe HTML from chat_render.answer_html.")
    live = param.Boolean(default=False, doc="The answer is still streaming in.")
    info = param.Dict(default={})
    feedback = param.Dict(default={})

    _esm = _esm("turn.js")
    _stylesheets = [CSS]


class SourcePanel(pn.custom.JSComponent):
    """The cited passage, its place in the file, the supporting sentence highlighted, a link to the file."""

    passage = param.Dict(default={})

    _esm = _esm("source.js")
    _stylesheets = [CSS + """
:host { width: 440px; flex: none; }
@media (max-width: 760px) {
  :host { position: fixed !important; inset: 0 !important; width: auto !important; height: auto !important;
    z-index: 1000; }
  .source-panel, .source-view { width: 100% !important; height: 100% !important; }
  .source-view { border-left: 0; }
}
"""]


@dataclass
class Exchange:
    """A question on the page and what its source links point at."""

    view: TurnView
    question: str
    collection: str | None
    passages: dict[int, Passage] = field(default_factory=dict)
    citations: dict[int, Citation] = field(default_factory=dict)
    related: list[Passage] = field(default_factory=list)
    answer: Answer | None = None


class ChatPage:
    """The chat of one browser session."""

    def __init__(self, assistant: Assistant, executor: Executor, session: ChatSession | None = None) -> None:
        self.assistant = assistant
        self.executor = executor
        self.session = session or ChatSession()
        self._file_ids: dict[str, int | None] = {}
        self._exchanges: list[Exchange] = []
        self._generation = 0  # bumped by New chat, so an answer still running is not remembered
        self._lock: asyncio.Lock | None = None
        documents, collections = self._index_summary()
        self.header = Header(
            mode_label=assistant.mode_label, collections=collections, sizing_mode="stretch_width", margin=0,
        )
        self.header.param.watch(self._on_collection, "collection")
        self.header.on_msg(self._on_header_msg)
        self.welcome = pn.pane.HTML(
            welcome_html(assistant.mode_label, documents, collections, INDEX_HINT),
            stylesheets=[CSS], sizing_mode="stretch_width", margin=0,
        )
        self.feed = pn.Column(
            self.welcome, sizing_mode="stretch_both", scroll=True, auto_scroll_limit=100000, margin=0,
            css_classes=["feed"],
        )
        self.composer = Composer(
            max_chars=assistant.settings.max_question_chars, sizing_mode="stretch_width", margin=0,
        )
        self.composer.on_msg(self._on_composer_msg)
        self.source = SourcePanel(visible=False, sizing_mode="stretch_height", margin=0)
        self.source.on_msg(self._on_source_msg)
        chat = pn.Column(self.feed, self.composer, sizing_mode="stretch_both", margin=0)
        self.layout = pn.Column(
            self.header,
            pn.Row(chat, self.source, sizing_mode="stretch_both", margin=0),
            sizing_mode="stretch_both", margin=0, styles={"background": PAGE_BACKGROUND},
        )

    # --- index facts ------------------------------------------------------------------------------
    def _index_summary(self) -> tuple[int, list[str]]:
        files = self.assistant.index.catalog.query("SELECT COUNT(*) FROM files WHERE chunk_count > 0")[0][0]
        return int(files), self.assistant.index.collections()

    def _has_passages(self) -> bool:
        return bool(self.assistant.index.catalog.query("SELECT EXISTS(SELECT 1 FROM chunks)")[0][0])

    def file_url(self, path: str, page: int | None) -> str | None:
        """Link to the original file (served by /files/<id>), at the page for a PDF."""
        if path not in self._file_ids:
            row = self.assistant.index.file(path)
            self._file_ids[path] = row.id if row is not None else None
        file_id = self._file_ids[path]
        if file_id is None:
            return None
        return f"files/{file_id}" + (f"#page={page}" if page else "")

    # --- browser messages -------------------------------------------------------------------------
    async def _on_composer_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("kind") == "send":
            await self.ask(str(data.get("text", "")))

    def _on_header_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("kind") == "new_chat":
            self.new_chat()

    def _on_collection(self, event: param.parameterized.Event) -> None:
        self.session.collection = event.new or None

    def _on_source_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("kind") == "close":
            self.source.visible = False
            self.composer.focus_token += 1

    def new_chat(self) -> None:
        """Forget the conversation and clear the page."""
        self._generation += 1
        self.session.reset()
        self._exchanges.clear()
        self.source.visible = False
        self.feed.objects = [self.welcome]
        self.composer.focus_token += 1

    # --- asking -----------------------------------------------------------------------------------
    async def ask(self, question: str) -> Exchange | None:
        """Show the question and stream its answer into a new answer card."""
        question = question.strip()
        if not question:
            return None
        if self._lock is None:
            self._lock = asyncio.Lock()
        waiting = self._lock.locked()
        view = TurnView(
            question=question, sizing_mode="stretch_width", margin=0,
            progress="Waiting for the previous answer…" if waiting else "Reading the question…",
        )
        exchange = Exchange(view=view, question=question, collection=self.session.collection)
        view.on_msg(lambda event: self._on_turn_msg(exchange, event))
        if self.welcome in self.feed.objects:
            self.feed.objects = [view]
        else:
            self.feed.append(view)
        self._exchanges.append(exchange)
        async with self._lock:
            if exchange not in self._exchanges:  # New chat was pressed while it waited
                return exchange
            if not self._has_passages():
                self._show_error(exchange, "No documents are indexed yet",
                                 f"Index some documents first, for example: {INDEX_HINT}, then ask again.")
                return exchange
            await self._stream_answer(exchange)
        return exchange

    async def _stream_answer(self, exchange: Exchange) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()
        history = self.session.recent_history()
        filters = self.session.filters
        session_id = self.session.session_id
        generation = self._generation

        def work() -> None:
            try:
                for event in self.assistant.stream(exchange.question, history, session_id, filters=filters):
                    loop.call_soon_threadsafe(queue.put_nowait, event)
            except Exception as exc:  # shown as a friendly message; unexpected ones are logged below
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = loop.run_in_executor(self.executor, work)
        text = ""
        finished = False
        while not finished:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            changed_text = False
            for item in batch:
                if item is None:
                    finished = True
                elif isinstance(item, BaseException):
                    self._show_exception(exchange, item)
                elif item.kind == "final" and item.answer is not None:
                    self._show_final(exchange, item.answer, remember=generation == self._generation)
                elif item.kind in ("delta", "replace"):
                    text = text + item.text if item.kind == "delta" else item.text
                    changed_text = True
                else:
                    self._show_progress(exchange, item)
            if changed_text and exchange.answer is None:
                exchange.view.param.update(
                    answer_html=answer_html(text, set(exchange.passages), verbatim=self.assistant.llm is None),
                    live=True, progress="",
                )
        await worker

    def _show_progress(self, exchange: Exchange, event: Event) -> None:
        view = exchange.view
        if event.kind == "status":
            view.progress = event.text
        elif event.kind == "rewrite":
            view.progress = f"Searching for: {event.text}"
        elif event.kind == "retrieval" and event.retrieval is not None:
            retrieval = event.retrieval
            exchange.passages = {p.n: p for p in retrieval.passages}
            timings = {k: round(v, 2) for k, v in retrieval.ranking.timings.items()}
            view.info = {"done": False, "retrieval": retrieval_info(
                exchange.question, retrieval.query if retrieval.query != exchange.question else None,
                len(retrieval.passages), timings, exchange.collection,
            )}
            view.progress = ("Nothing relevant found…" if retrieval.no_answer else
                           f"Found {len(retrieval.passages)} passages, writing the answer…")

    def _show_final(self, exchange: Exchange, answer: Answer, remember: bool) -> None:
        exchange.answer = answer
        exchange.citations = {c.n: c for c in answer.citations}
        exchange.passages = exchange.passages or {p.n: p for p in answer.passages}
        exchange.related = related_passages(answer)
        shows_text = answer.mode not in ("blocked", "no-answer")
        exchange.view.param.update(
            answer_html=answer_html(answer.text, set(exchange.citations), verbatim=answer.mode in QUOTED_MODES)
            if shows_text else "",
            live=False, progress="",
            info=answer_info(answer, exchange.collection, self.file_url),
        )
        if remember:
            self.session.remember(answer, exchange.question)

    def _show_exception(self, exchange: Exchange, exc: BaseException) -> None:
        message = user_message(exc)
        if message is None:
            log.error("answering failed", exc_info=exc)
            self._show_error(
                exchange, "Something went wrong while answering",
                "The error was written to the server log. Try again; if it keeps happening, tell whoever "
                "runs citewise.",
            )
        else:
            sentence = message[:1].upper() + message[1:]
            self._show_error(exchange, "This question could not be answered", sentence)

    def _show_error(self, exchange: Exchange, title: str, message: str) -> None:
        exchange.view.param.update(
            progress="", live=False, answer_html="",
            info={"mode": "error", "done": True, "error": {"title": title, "message": message}},
        )

    # --- answer card actions ----------------------------------------------------------------------
    def _on_turn_msg(self, exchange: Exchange, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind = data.get("kind")
        try:
            n = int(data.get("n", -1))
        except (TypeError, ValueError):
            return
        if kind == "cite":
            self.show_source(exchange, n)
        elif kind == "related" and 0 <= n < len(exchange.related):
            passage = exchange.related[n]
            self._open_source(passage_source(
                passage, self.file_url(passage.path, passage.page),
                "Possibly related: this passage was the closest match, but not close enough to answer.",
            ))
        elif kind == "feedback":
            self.give_feedback(exchange, data.get("rating"), data.get("comment"))

    def show_source(self, exchange: Exchange, n: int) -> None:
        """Open the source panel at passage [n] of an answer."""
        citation = exchange.citations.get(n)
        if citation is not None:
            self._open_source(citation_source(
                citation, exchange.passages[n].collection if n in exchange.passages else exchange.collection,
                self.file_url(citation.path, citation.page),
            ))
            return
        passage = exchange.passages.get(n)
        if passage is not None:
            self._open_source(passage_source(
                passage, self.file_url(passage.path, passage.page),
                f"Passage [{n}] was found for this question; the answer does not cite it.",
            ))

    def _open_source(self, payload: dict[str, Any]) -> None:
        self.source.passage = payload
        self.source.visible = True

    def give_feedback(self, exchange: Exchange, rating: Any, comment: Any) -> None:
        """Store thumbs up/down (and an optional comment) for the admin console."""
        answer = exchange.answer
        if answer is None or answer.query_id is None or rating not in (1, -1):
            return
        text = str(comment).strip()[:1000] if comment is not None else None
        if self.assistant.log is None:
            exchange.view.feedback = {"rating": rating, "commented": True,
                                      "message": "Feedback is not stored on this server."}
            return
        self.assistant.log.feedback(answer.query_id, rating, text)
        commented = comment is not None
        exchange.view.feedback = {
            "rating": rating, "commented": commented,
            "message": "Thanks, your comment was saved." if commented else "Thanks for the feedback.",
        }


def chat_page(assistant: Assistant, executor: Executor) -> pn.viewable.Viewable:
    """A fresh chat page for one browser session."""
    return ChatPage(assistant, executor).layout
