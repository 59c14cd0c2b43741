"""The web server: the reader's chat at /, the admin console's pages, and /files/<id> for cited originals.

One process serves every browser session. The Assistant (index, embedder, LLM client, moderator, query
log) is built once and shared; each session gets its own `ChatPage` and conversation. Answers are
computed in a thread pool so the event loop stays free for the other sessions.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import socket
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import panel as pn
from tornado.web import RequestHandler

from app.assistant import Assistant, build_assistant
from app.chat_history import ChatHistory
from app.errors import UserError
from app.index import KnowledgeIndex
from app.settings import Settings
from app.web.auth import COOKIE as LOGIN_COOKIE
from app.web.browser_id import PATH as BROWSER_ID_PATH
from app.web.browser_id import BrowserIdHandler, BrowserIds
from app.web.chat import chat_page
from app.web.console import console_mount

ANSWER_WORKERS = 4  # answers computed at once; more sessions queue for a free worker
FILE_CHUNK = 1 << 20
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "markdown": "text/plain; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class FileHandler(RequestHandler):
    """GET /files/<file id | passage id>: the original of an indexed file, and nothing else.

    The key is looked up in the catalog, so only files that were indexed can be served; a path never
    comes from the URL. Documents are served inline but sandboxed (no scripts, own origin), except PDFs,
    which the browser's own viewer shows (open them at a page with `#page=N`).
    """

    index: KnowledgeIndex

    def initialize(self, index: KnowledgeIndex) -> None:
        self.index = index

    async def prepare(self) -> None:
        provider = getattr(self.application, "auth_provider", None)
        if provider is not None and getattr(provider, "get_user_async", None) is not None:
            self.current_user = await provider.get_user_async(self)

    def get_current_user(self) -> Any:
        provider = getattr(self.application, "auth_provider", None)
        if provider is not None and getattr(provider, "get_user", None) is not None:
            return provider.get_user(self)
        return "reader"

    def _fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(message + "\n")

    def _locate(self, key: str) -> tuple[str, str, int | None] | None:
        catalog = self.index.catalog
        if key.isdigit():
            rows = catalog.query("SELECT path, file_type FROM files WHERE id = ?", (int(key),))
            return (rows[0]["path"], rows[0]["file_type"], None) if rows else None
        rows = catalog.query(
            "SELECT f.path, f.file_type, c.page FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE c.passage_id = ? ORDER BY f.path, c.position LIMIT 1",
            (key.lower(),),
        )
        return (rows[0]["path"], rows[0]["file_type"], rows[0]["page"]) if rows else None

    async def get(self, key: str) -> None:
        if not self.current_user:
            self._fail(403, "Log in to citewise first, then open the source again.")
            return
        found = self._locate(key)
        if found is None:
            self._fail(404, "This file is not in the citewise index (it may have been removed). "
                            "Ask the question again to get fresh sources.")
            return
        path, file_type, page = found
        if page and file_type == "pdf" and not key.isdigit():
            file_id = self.index.catalog.query("SELECT id FROM files WHERE path = ?", (path,))[0]["id"]
            self.redirect(f"{file_id}#page={page}")
            return
        source = Path(path)
        if not source.is_file():
            self._fail(410, f"{source.name} was moved or deleted after it was indexed. Re-index the folder "
                            "(python -m ingest sync <folder> --prune) to update the sources.")
            return
        content_type = CONTENT_TYPES.get(file_type) or mimetypes.guess_type(source.name)[0]
        self.set_header("Content-Type", content_type or "application/octet-stream")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "private, no-cache")
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(source.name)}")
        if file_type != "pdf":
            self.set_header("Content-Security-Policy", "sandbox")
        self.set_header("Content-Length", str(source.stat().st_size))
        with source.open("rb") as handle:
            while chunk := handle.read(FILE_CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()


@dataclass
class ServerApp:
    """Everything `pn.serve` needs: pages by route, tornado handlers, extra options."""

    assistant: Assistant
    executor: Executor
    routes: dict[str, Callable[[], Any]] = field(default_factory=dict)
    extra_patterns: list[tuple[Any, ...]] = field(default_factory=list)
    serve_kwargs: dict[str, Any] = field(default_factory=dict)


def build_server_app(settings: Settings, assistant: Assistant | None = None) -> ServerApp:
    """The chat at "/", /files/<id>, and whatever the admin console mounts, sharing one Assistant."""
    assistant = assistant or build_assistant(settings)
    executor = ThreadPoolExecutor(max_workers=ANSWER_WORKERS, thread_name_prefix="citewise-answer")

    mount = console_mount(settings)
    history = ChatHistory(settings.logs_dir / "chats.sqlite3")
    browser_ids = BrowserIds(settings)
    logins = getattr(mount.serve_kwargs.get("auth_provider"), "auth", None)

    def signed_in() -> str | None:
        """The signed-in user of this page's request (saved chats follow the user), if any."""
        if logins is None:
            return None
        identity = logins.read_cookie(pn.state.cookies.get(LOGIN_COOKIE))
        return identity.name if identity is not None else None

    def chat() -> Any:
        return chat_page(assistant, executor, history, browser_ids, signed_in)

    routes: dict[str, Callable[[], Any]] = {"/": chat, **mount.routes}
    patterns: list[tuple[Any, ...]] = [
        (r"/files/([0-9]+|[0-9a-fA-F]{16,64})", FileHandler, {"index": assistant.index}),
        (BROWSER_ID_PATH, BrowserIdHandler, {"ids": browser_ids}),
        *mount.extra_patterns,
    ]
    kwargs = dict(mount.serve_kwargs)
    titles = kwargs.pop("title", {})
    if isinstance(titles, str):
        titles = {route: titles for route in routes}
    kwargs["title"] = {"/": "citewise", **titles} if len(routes) > 1 else "citewise"
    return ServerApp(assistant, executor, routes, patterns, kwargs)


def warm_up(assistant: Assistant) -> None:
    """Load the models and open the stores now, so that the first reader does not wait for them."""
    assistant.embedder.warm_up()
    moderator_warm_up = getattr(assistant.moderator, "warm_up", None)
    if moderator_warm_up is not None:
        moderator_warm_up()
    if assistant.index.catalog.query("SELECT EXISTS(SELECT 1 FROM chunks)")[0][0]:
        assistant.retriever.search("warm up")


def websocket_origins(host: str, port: int) -> list[str]:
    """Browser origins allowed to open a session: this machine's names (or BOKEH_ALLOW_WS_ORIGIN)."""
    configured = [o.strip() for o in os.environ.get("BOKEH_ALLOW_WS_ORIGIN", "").split(",") if o.strip()]
    if configured:
        return configured
    names = {"localhost", "127.0.0.1"}
    if host in WILDCARD_HOSTS:
        names |= {socket.gethostname(), socket.getfqdn()}
    else:
        names.add(host)
    return sorted(f"{name}:{port}" for name in names)


def start_server(
    settings: Settings, port: int | None = None, host: str | None = None, assistant: Assistant | None = None,
    start: bool = True,
) -> Any:
    """Build and bind the server (returns bokeh's Server); with start=True it serves until stopped."""
    port = settings.port if port is None else port
    host = host or settings.host
    app = build_server_app(settings, assistant)
    warm_up(app.assistant)
    try:
        server = pn.serve(
            app.routes, port=port, address=host, websocket_origin=websocket_origins(host, port), show=False,
            start=False, threaded=False, extra_patterns=app.extra_patterns, **app.serve_kwargs,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} is already in use: pass --port N or set CITEWISE_PORT") from None
        raise
    if start:
        shown = "localhost" if host in WILDCARD_HOSTS else host
        print(f"citewise is serving http://{shown}:{server.port}/ (answers: {app.assistant.mode_label})",
              flush=True)
        server.start()
        try:
            server.io_loop.start()
        except KeyboardInterrupt:
            print("citewise stopped.", flush=True)
        finally:
            app.executor.shutdown(wait=False, cancel_futures=True)
    return server


def serve(settings: Settings, port: int | None, host: str | None) -> None:
    """`python -m app serve`: the chat (and console) on the existing index, until Ctrl+C."""
    start_server(settings, port, host)
