"""The reader's chat page: ask, watch the answer stream in, click [n] to read the cited passage.

One `ChatPage` per browser session; all sessions share one `Assistant`. An answer is built in a worker
thread (`Assistant.stream` embeds, searches and calls the LLM, all blocking) and its events are passed
to the session's event loop through a queue, so a slow answer never holds up other readers.

The browser side is small components (header, chats sidebar, welcome card, answer card, question box,
documents panel, source panel) written in plain JavaScript in `app/web/static/`; they insert document
text with `textContent`, and the answer body arrives as HTML built from escaped text by
`app.web.chat_render.answer_html`.

Conversations are saved per browser (`app.chat_history`, keyed by the signed-in user or the browser's
signed cookie, which `app.web.auth` sets on the page's first request)
and reopened on reload. An answer can be stopped: its worker stops reading the pipeline's events and
closes it, which closes the LLM stream; New chat and a closed tab stop unfinished answers the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import panel as pn
import param

from app.assistant import Answer, Assistant, Event
from app.chat_history import ChatHistory, export_markdown
from app.citations import Citation
from app.errors import user_message
from app.retrieval import Filters, Passage
from app.web import panel_fix
from app.web.auth import Identity, request_identity
from app.web.chat_docs import document_entries, exact_path_glob, example_questions
from app.web.chat_quiz import ChatQuiz, Exporter, QuizMaker
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
from app.web.chat_uploads import ChatUploader, ChatUploads, UploadReport
from app.web.client_limits import Client, ClientLimiter, current_client
from app.web.state import ChatSession
from app.web.static_files import static_text
from app.web.uploads import with_uploader

T = TypeVar("T")
log = logging.getLogger(__name__)

CSS = static_text("chat.css")
INDEX_HINT = "python -m ingest sync data/sample --collection sample"
PAGE_BACKGROUND = "var(--cw-bg, #f4f5f7)"
STOPPED = "Stopped: the answer was not finished."
# The document around the components: a phone-sized viewport, and the colours of both themes as
# inherited custom properties (they reach into every component's shadow root). The theme follows the
# system unless the reader picked one with the header's toggle (kept in localStorage).
PAGE_TEMPLATE = """{% extends base %}
{% block postamble %}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<style>""" + static_text("theme.css") + """</style>
<script>
try { const t = localStorage.getItem("citewise-theme"); if (t) document.documentElement.dataset.theme = t; }
catch (e) {}
</script>
{% endblock %}
"""


@functools.lru_cache(maxsize=1)
def _page_template() -> Any:
    from panel.io.resources import BASE_TEMPLATE, _env

    return _env.from_string(PAGE_TEMPLATE, globals={"base": BASE_TEMPLATE})


class Header(pn.custom.JSComponent):
    """Name, answering mode, collection picker, chats/documents/theme buttons and New chat."""

    app_name = param.String(default="citewise")
    mode_label = param.String(default="")
    collections = param.List(default=[])
    collection = param.String(default="")

    _esm = static_text("header.js")
    _stylesheets = [CSS]


class Composer(pn.custom.JSComponent):
    """The question box: Enter sends, Shift+Enter adds a line; it keeps the focus. While an answer is
    being written its button stops it; a document scope shows as a removable chip."""

    placeholder = param.String(default="Ask about your documents…")
    max_chars = param.Integer(default=2000)
    focus_token = param.Integer(default=0, doc="Increment to put the cursor back in the box.")
    busy = param.Boolean(default=False, doc="An answer is being written: the button stops it.")
    scope = param.String(default="", doc="The document questions are limited to ('' for all).")

    _esm = static_text("composer.js")
    _stylesheets = [CSS]


class Welcome(pn.custom.JSComponent):
    """The card before the first question, with example questions from the documents' headings."""

    html = param.String(default="", doc="Safe HTML from chat_render.welcome_html.")
    examples = param.List(default=[])

    _esm = static_text("welcome.js")
    _stylesheets = [CSS]


class TurnView(pn.custom.JSComponent):
    """One question and its answer card (text, notices, sources, retrieval step, actions)."""

    question = param.String(default="")
    progress = param.String(default="", doc="What the pipeline is doing, shown with a spinner.")
    answer_html = param.String(default="", doc="Safe HTML from chat_render.answer_html.")
    live = param.Boolean(default=False, doc="The answer is still streaming in.")
    info = param.Dict(default={})
    feedback = param.Dict(default={})
    last = param.Boolean(default=False, doc="The newest answer (it can be regenerated).")

    _esm = static_text("turn.js")
    _stylesheets = [CSS]


_SHEET = """
:host { width: 440px; flex: none; }
@media (max-width: 760px) {
  :host { position: fixed !important; inset: 0 !important; width: auto !important; height: auto !important;
    z-index: 1000; }
  .source-panel, .source-view, .docs-view { width: 100% !important; height: 100% !important; }
  .source-view, .docs-view { border-left: 0; }
}
"""


class SourcePanel(pn.custom.JSComponent):
    """The cited passage, its place in the file, the supporting sentence highlighted, a link to the file."""

    passage = param.Dict(default={})

    _esm = static_text("panel_head.js", "source.js")
    _stylesheets = [CSS + _SHEET]


class DocumentsPanel(pn.custom.JSComponent):
    """The indexed documents (title, type, pages, collection) with a search box, "Ask about this" and
    "Quiz me"; for editors and the admin, an "Add documents" box (`upload`: limits and collections; empty
    for everyone else, whose upload messages the server refuses anyway)."""

    documents = param.List(default=[])
    scope = param.String(default="")
    quiz = param.Boolean(default=False, doc="Quizzes can be made on this server (shows 'Quiz me').")
    upload = param.Dict(default={}, doc="The upload control's settings ({} : no control).")

    _esm = with_uploader(static_text("panel_head.js", "documents.js"))
    _stylesheets = [CSS + _SHEET.replace("440px", "380px")]


class ChatList(pn.custom.JSComponent):
    """Saved chats: open, rename, delete, export as Markdown."""

    chats = param.List(default=[])
    current = param.String(default="")
    download = param.Dict(default={}, doc="{name, text, token}: the browser saves it as a file.")
    enabled = param.Boolean(default=True)

    _esm = static_text("panel_head.js", "save_file.js", "chats.js")
    _stylesheets = [CSS + """
:host { width: 260px; flex: none; }
@media (max-width: 760px) {
  :host { position: fixed !important; inset: 0 auto 0 0 !important; width: min(86vw, 320px) !important;
    height: auto !important; z-index: 999; box-shadow: 0 0 24px rgba(0, 0, 0, 0.25); }
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
    cancel: threading.Event = field(default_factory=threading.Event)
    stopped: asyncio.Event | None = None


def _build(cls: type[T], data: dict[str, Any]) -> T:
    """A dataclass from saved fields, ignoring fields it no longer has (new ones need defaults)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def restore_answer(data: dict[str, Any]) -> Answer | None:
    """An `Answer` from `Answer.as_dict()` as saved in the chat history; None if it cannot be read."""
    try:
        fields = dict(data)
        fields["citations"] = [Citation.from_dict(c) for c in data.get("citations", [])]
        fields["passages"] = [Passage.from_dict(p) for p in data.get("passages", [])]
        fields["possibly_related"] = [Passage.from_dict(p) for p in data.get("possibly_related", [])]
        return _build(Answer, fields)
    except (TypeError, ValueError, KeyError):
        log.warning("a saved answer could not be read back", exc_info=True)
        return None


class ChatPage:
    """The chat of one browser session."""

    def __init__(
        self, assistant: Assistant, executor: Executor, session: ChatSession | None = None,
        limiter: ClientLimiter | None = None, client: Client | None = None,
        history: ChatHistory | None = None, owner: str | None = None,
        identity: Identity | None = None, uploads: ChatUploads | None = None,
        quiz_maker: QuizMaker | None = None, quiz_executor: Executor | None = None,
        quiz_exports: dict[str, tuple[str, str, Exporter]] | None = None,
    ) -> None:
        self.assistant = assistant
        self.executor = executor
        self.session = session or ChatSession()
        self.limiter = limiter
        self.client = client or current_client()
        self.history = history
        self.owner = owner
        self.chat_id: str | None = None
        self.scope_path: str | None = None
        self._file_ids: dict[str, str | None] = {}
        self._exchanges: list[Exchange] = []
        self._generation = 0  # bumped by New chat, so an answer still running is not remembered
        self._lock: asyncio.Lock | None = None
        self._downloads = 0
        documents, collections = self._index_summary()
        self.header = Header(
            mode_label=assistant.mode_label, collections=collections, sizing_mode="stretch_width", margin=0,
        )
        self.header.param.watch(self._on_collection, "collection")
        self.header.on_msg(self._on_header_msg)
        self.welcome = Welcome(
            html=welcome_html(assistant.mode_label, documents, collections, INDEX_HINT),
            examples=example_questions(assistant.index.section_headings()) if documents else [],
            sizing_mode="stretch_width", margin=0,
        )
        self.welcome.on_msg(self._on_welcome_msg)
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
        self.documents = DocumentsPanel(
            documents=document_entries(assistant.index.documents()), visible=False,
            sizing_mode="stretch_height", margin=0,
        )
        self.documents.on_msg(self._on_documents_msg)
        self.uploads = uploads
        self.uploader = ChatUploader(uploads, identity, self._add_view, self._after_upload)
        if self.uploader.allowed and uploads is not None:
            self.documents.upload = uploads.control(self.session.collection, collections)
        self.chats = ChatList(visible=False, enabled=history is not None, sizing_mode="stretch_height", margin=0)
        self.chats.on_msg(self._on_chats_msg)
        self.conversation = pn.Column(self.feed, self.composer, sizing_mode="stretch_both", margin=0)
        self.quiz = ChatQuiz(
            quiz_maker, quiz_executor or executor, assistant.index.documents, self.file_url, self._show_quiz,
            self._open_source, exports=quiz_exports, limit=self._quiz_limit,
        )
        self.documents.quiz = self.quiz.available
        self.layout = pn.Column(
            self.header,
            pn.Row(self.chats, self.conversation, self.quiz.view, self.documents, self.source,
                   sizing_mode="stretch_both", margin=0),
            sizing_mode="stretch_both", margin=0, styles={"background": PAGE_BACKGROUND},
        )
        if self.owner is not None:
            self._restore_latest()

    # --- index facts ------------------------------------------------------------------------------
    def _index_summary(self) -> tuple[int, list[str]]:
        files = self.assistant.index.searchable_files()
        return int(files), self.assistant.index.collections()

    def _has_passages(self) -> bool:
        return not self.assistant.index.is_empty()

    def file_url(self, path: str, page: int | None) -> str | None:
        """Link to the original file (served by /files/<token>, opaque), at the page for a PDF."""
        if path not in self._file_ids:
            row = self.assistant.index.file(path)
            ok = row is not None and row.status == "ok"
            self._file_ids[path] = self.assistant.index.file_token(row.id) if ok and row is not None else None
        file_id = self._file_ids[path]
        if file_id is None:
            return None
        return f"files/{file_id}" + (f"#page={page}" if page else "")

    # --- browser messages -------------------------------------------------------------------------
    async def _on_composer_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind = data.get("kind")
        if kind == "send":
            await self.ask(str(data.get("text", "")))
        elif kind == "stop":
            self.stop()
        elif kind == "unscope":
            self.set_scope(None)

    async def _on_welcome_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("kind") == "example":
            await self.ask(str(data.get("text", "")))

    def _on_header_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind = data.get("kind")
        if kind == "new_chat":
            self.new_chat()
        elif kind == "toggle_chats":
            self.chats.visible = not self.chats.visible
        elif kind == "toggle_documents":
            self.documents.visible = not self.documents.visible
            if self.documents.visible:
                self.source.visible = False

    def _on_collection(self, event: param.parameterized.Event) -> None:
        known = self.assistant.index.collections()
        if event.new and event.new not in known:  # removed since the page was opened
            self._notice(f"The collection '{event.new}' does not exist",
                         f"Known collections: {', '.join(known) or 'none'}. Pick one of them.")
            self.header.param.update(collections=known, collection="")
            self.session.collection = None
            return
        self.session.collection = event.new or None
        self._offer_upload(known)

    def _offer_upload(self, collections: list[str]) -> None:
        """Keep the upload control's collections and default (the chat's collection) current."""
        if self.uploader.allowed and self.uploads is not None:
            self.documents.upload = self.uploads.control(self.session.collection, collections)

    def _after_upload(self) -> None:
        """New documents were indexed: refresh the documents panel, the collections and the examples."""
        self._file_ids.clear()
        documents, collections = self._index_summary()
        self.documents.documents = document_entries(self.assistant.index.documents())
        self.header.collections = collections
        self._offer_upload(collections)
        self.welcome.param.update(
            html=welcome_html(self.assistant.mode_label, documents, collections, INDEX_HINT),
            examples=example_questions(self.assistant.index.section_headings()) if documents else [],
        )

    def _on_source_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("kind") == "close":
            self.source.visible = False
            self.composer.focus_token += 1

    def _on_documents_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind = data.get("kind")
        if kind == "close":
            self.documents.visible = False
            self.composer.focus_token += 1
        elif kind == "scope":
            self.set_scope(str(data.get("path", "")))
        elif kind == "quiz":
            self.open_quiz(str(data.get("path", "")))
        elif kind == "upload":  # refused unless this page's login may add documents (ChatUploader)
            reply = self.uploader.handle(data)
            if reply is not None:
                self.documents._send_msg(reply)

    def _on_chats_msg(self, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind, chat_id = data.get("kind"), str(data.get("id", ""))
        if kind == "open":
            self.open_chat(chat_id)
        elif kind == "rename":
            self.rename_chat(chat_id, str(data.get("title", "")))
        elif kind == "delete":
            self.delete_chat(chat_id)
        elif kind == "export":
            self.export_chat(chat_id)
        elif kind == "close":
            self.chats.visible = False
        elif kind == "wide":
            self.chats.visible = True

    # --- documents --------------------------------------------------------------------------------
    def set_scope(self, path: str | None) -> None:
        """Limit the next questions to one indexed document (None: all documents again)."""
        known = {d["path"]: d for d in self.documents.documents}
        if path is not None and path not in known:
            self.composer.scope = ""
            self.scope_path = None
            self._notice("This document is not in the index", "It may have been removed; pick another one "
                         "from Documents.")
            return
        if self.quiz.view.visible:  # "Ask about this" from the quiz: back to the conversation to ask
            self.quiz.leave()
        self.scope_path = path
        self.composer.scope = known[path]["name"] if path is not None else ""
        self.documents.scope = path or ""
        self.session.path_glob = exact_path_glob(path) if path is not None else None
        if path is not None:
            self.documents.visible = False
        self.composer.focus_token += 1

    # --- the quiz ---------------------------------------------------------------------------------
    def open_quiz(self, path: str) -> bool:
        """Show the quiz setup for a document the documents panel lists, in place of the conversation."""
        if self.quiz.open(path):
            return True
        self._notice("No quiz for this document", "It is not in the index (it may have been removed), or "
                     "quizzes are off on this server; pick another one from Documents.")
        return False

    def _show_quiz(self, shown: bool) -> None:
        """The quiz in place of the conversation, or the conversation back (it was only hidden)."""
        self.quiz.view.visible = shown
        self.conversation.visible = not shown
        if shown:
            self.documents.visible = False
        else:
            self.composer.focus_token += 1

    def _quiz_limit(self) -> str | None:
        """Making a quiz counts as a question for the rate limits (an LLM may make it)."""
        return self.limiter.check(self.client) if self.limiter is not None else None

    def _notice(self, title: str, message: str) -> None:
        view = TurnView(sizing_mode="stretch_width", margin=0,
                        info={"mode": "error", "done": True, "error": {"title": title, "message": message}})
        if self.welcome in self.feed.objects:
            self.feed.objects = [view]
        else:
            self.feed.append(view)

    # --- saved chats ------------------------------------------------------------------------------
    def _refresh_chats(self) -> None:
        if self.history is None or self.owner is None:
            return
        self.chats.param.update(
            chats=[{"id": c.id, "title": c.title, "updated": c.updated_at[:16].replace("T", " "),
                    "turns": c.turns} for c in self.history.chats(self.owner)],
            current=self.chat_id or "",
        )

    def _restore_latest(self) -> None:
        self._refresh_chats()
        if self.chats.chats:
            self.open_chat(str(self.chats.chats[0]["id"]))

    def open_chat(self, chat_id: str) -> bool:
        """Show a saved chat (its answers, sources and follow-up context) in place of the current one."""
        if self.history is None or self.owner is None or not self.history.owns(self.owner, chat_id):
            return False
        self._clear()
        self.chat_id = chat_id
        for turn in self.history.turns(self.owner, chat_id):
            answer = restore_answer(turn.answer)
            view = TurnView(question=turn.question, sizing_mode="stretch_width", margin=0)
            exchange = Exchange(view=view, question=turn.question, collection=turn.answer.get("collection"))
            view.on_msg(functools.partial(self._on_turn_msg, exchange))
            self._add_view(view)
            self._exchanges.append(exchange)
            if answer is None:
                self._show_error(exchange, "This answer could not be shown",
                                 "It was saved by another version of citewise. Ask the question again.")
                continue
            self._show_final(exchange, answer, remember=True, save=False)
        self._mark_last()
        self._refresh_chats()
        return True

    def rename_chat(self, chat_id: str, title: str) -> None:
        if self.history is not None and self.owner is not None:
            self.history.rename(self.owner, chat_id, title)
            self._refresh_chats()

    def delete_chat(self, chat_id: str) -> None:
        if self.history is None or self.owner is None:
            return
        if self.history.delete(self.owner, chat_id) and chat_id == self.chat_id:
            self.new_chat()
        self._refresh_chats()

    def export_chat(self, chat_id: str) -> str | None:
        """The chat as Markdown, handed to the browser as a download."""
        if self.history is None or self.owner is None:
            return None
        title = self.history.title(self.owner, chat_id)
        if title is None:
            return None
        text = export_markdown(title, self.history.turns(self.owner, chat_id))
        self._downloads += 1
        safe = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")[:60] or "chat"
        self.chats.download = {"name": f"citewise-{safe}.md", "text": text, "token": self._downloads}
        return text

    def _save(self, exchange: Exchange, answer: Answer) -> None:
        if self.history is None or self.owner is None or answer.mode == "blocked":
            return
        data = answer.as_dict()
        data["collection"] = exchange.collection
        self.chat_id = self.history.add_turn(self.owner, self.chat_id, answer.question, data)
        self._refresh_chats()

    # --- the conversation -------------------------------------------------------------------------
    def _clear(self) -> None:
        if self.quiz.view.visible:
            self.quiz.leave()
        self.stop_all()
        self._generation += 1
        self.session.reset()
        self._exchanges.clear()
        self.source.visible = False
        self.feed.objects = [self.welcome]

    def new_chat(self) -> None:
        """Forget the conversation and clear the page (unfinished answers are stopped)."""
        self._clear()
        self.chat_id = None
        self._refresh_chats()
        self.composer.focus_token += 1

    def stop(self) -> None:
        """Stop the answer being written (its worker and its LLM stream)."""
        for exchange in self._exchanges:
            if exchange.answer is None and not exchange.cancel.is_set():
                self._stop(exchange)

    def stop_all(self) -> None:
        """Stop every unfinished answer of this page (New chat, another chat opened, tab closed)."""
        for exchange in self._exchanges:
            exchange.cancel.set()
            if exchange.stopped is not None:
                exchange.stopped.set()

    def _stop(self, exchange: Exchange) -> None:
        exchange.cancel.set()
        if exchange.stopped is not None:
            exchange.stopped.set()
        info = dict(exchange.view.info)
        info.update({"mode": info.get("mode") or "stopped", "done": True, "notice": STOPPED,
                     "notice_kind": "info"})
        exchange.view.param.update(live=False, progress="", info=info)

    def _add_view(self, view: TurnView | UploadReport) -> None:
        if self.welcome in self.feed.objects:
            self.feed.objects = [view]
        else:
            self.feed.append(view)

    def _mark_last(self) -> None:
        for i, exchange in enumerate(self._exchanges):
            exchange.view.last = i == len(self._exchanges) - 1

    async def ask(self, question: str, fresh: bool = False) -> Exchange | None:
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
        view.on_msg(functools.partial(self._on_turn_msg, exchange))
        self._add_view(view)
        self._exchanges.append(exchange)
        self._mark_last()
        refusal = self.limiter.check(self.client) if self.limiter is not None else None
        if refusal is not None:  # per browser, user, address, overall: a reload does not reset these
            self._show_error(exchange, "Please wait a moment", refusal)
            return exchange
        async with self._lock:
            if exchange not in self._exchanges or exchange.cancel.is_set():  # New chat or Stop meanwhile
                return exchange
            if not self._has_passages():
                self._show_error(exchange, "No documents are indexed yet",
                                 f"Index some documents first, for example: {INDEX_HINT}, then ask again.")
                return exchange
            self.composer.busy = True
            try:
                await self._stream_answer(exchange, fresh)
            finally:
                self.composer.busy = any(e.answer is None and not e.cancel.is_set() for e in self._exchanges
                                         if e is not exchange)
        return exchange

    async def regenerate(self) -> Exchange | None:
        """Answer the last question again, without the answer cache, replacing the last answer."""
        if not self._exchanges or self._exchanges[-1].answer is None:
            return None
        last = self._exchanges.pop()
        self.feed.objects = [v for v in self.feed.objects if v is not last.view] or [self.welcome]
        if last.answer is not None and last.answer.mode != "blocked" and self.session.history:
            self.session.history.pop()
        if self.history is not None and self.owner is not None and self.chat_id is not None:
            self.history.drop_last_turn(self.owner, self.chat_id)
        return await self.ask(last.question, fresh=True)

    async def _stream_answer(self, exchange: Exchange, fresh: bool = False) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()
        history = self.session.recent_history()
        filters: Filters = self.session.filters
        session_id = self.session.session_id
        generation = self._generation
        cancel = exchange.cancel
        exchange.stopped = asyncio.Event()

        def put(item: Event | BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # the server is shutting down: nobody is listening
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            if cancel.is_set():
                put(None)
                return
            events = self.assistant.stream(exchange.question, history, session_id, self.client.user, filters=filters,
                                           fresh=fresh)
            try:
                for event in events:
                    if cancel.is_set():
                        break
                    put(event)
            except Exception as exc:  # shown as a friendly message; unexpected ones are logged below
                put(exc)
            finally:
                events.close()  # a stopped answer ends here: the pipeline and its LLM stream are closed
                put(None)

        worker = loop.run_in_executor(self.executor, work)
        stopped = asyncio.ensure_future(exchange.stopped.wait())
        text = ""
        finished = False
        try:
            while not finished:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    worker.cancel()  # not started yet: it never will; running: it stops at its next event
                    return
                batch = [getter.result()]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                changed_text = False
                for item in batch:
                    if item is None:
                        finished = True
                    elif cancel.is_set():
                        continue
                    elif isinstance(item, BaseException):
                        self._show_exception(exchange, item)
                    elif item.kind == "final" and item.answer is not None:
                        self._show_final(exchange, item.answer, remember=generation == self._generation)
                    elif item.kind in ("delta", "replace"):
                        text = text + item.text if item.kind == "delta" else item.text
                        changed_text = True
                    else:
                        self._show_progress(exchange, item)
                if changed_text and exchange.answer is None and not cancel.is_set():
                    exchange.view.param.update(
                        answer_html=answer_html(text, set(exchange.passages), verbatim=self.assistant.llm is None),
                        live=True, progress="",
                    )
            await worker
        finally:
            stopped.cancel()

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

    def _show_final(self, exchange: Exchange, answer: Answer, remember: bool, save: bool = True) -> None:
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
            if save:
                self._save(exchange, answer)

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
    async def _on_turn_msg(self, exchange: Exchange, event: Any) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        kind = data.get("kind")
        if kind == "regenerate" and self._exchanges and exchange is self._exchanges[-1]:
            await self.regenerate()
            return
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


def history_owner(user: str | None, browser: str | None) -> str | None:
    """Whose saved chats a page shows: the signed-in user's (the same on every browser), else this
    browser's (its signed cookie, set by the auth provider on the page's first request)."""
    if user:
        return f"user:{user}"
    return f"browser:{browser}" if browser else None


def chat_page(
    assistant: Assistant, executor: Executor, limiter: ClientLimiter | None = None,
    history: ChatHistory | None = None, uploads: ChatUploads | None = None,
    quiz_maker: QuizMaker | None = None, quiz_executor: Executor | None = None,
    quiz_exports: dict[str, tuple[str, str, Exporter]] | None = None,
) -> pn.viewable.Viewable:
    """A fresh chat page for one browser session (its saved chats found by login or browser cookie;
    an upload box when its login may add documents; "Quiz me" when a quiz maker is given)."""
    panel_fix.install()
    client = current_client()
    page = ChatPage(assistant, executor, limiter=limiter, client=client, history=history,
                    owner=history_owner(client.user, client.browser), identity=request_identity(),
                    uploads=uploads, quiz_maker=quiz_maker, quiz_executor=quiz_executor,
                    quiz_exports=quiz_exports)
    doc = pn.state.curdoc
    if doc is not None and doc.session_context is not None:
        doc.template = _page_template()

        def closed(context: Any) -> None:  # a closed tab stops its answers and the quiz being made
            page.stop_all()
            page.quiz.cancel()

        pn.state.on_session_destroyed(closed)
    return page.layout
