"""The web server: the reader's chat at /, the admin console's pages, and /files/<id> for cited originals.

One process serves every browser session. The Assistant (index, embedder, LLM client, moderator, query
log) is built once and shared; each session gets its own `ChatPage` and conversation. Answers are
computed in a thread pool so the event loop stays free for the other sessions.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import panel as pn

from app.assistant import Assistant, build_assistant
from app.errors import UserError
from app.settings import Settings
from app.web.auth import TOKEN_EXCLUSIONS
from app.web.chat import chat_page
from app.web.client_limits import ClientLimiter
from app.web.console import console_mount
from app.web.files import ROUTE as FILES_ROUTE
from app.web.files import FileHandler
from app.web.transport import COMPONENTS_ROUTE, SafeComponentResourceHandler, install_message_limits

ANSWER_WORKERS = 4  # answers computed at once; more sessions queue for a free worker
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


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

    limiter = ClientLimiter(settings)

    def chat() -> Any:
        return chat_page(assistant, executor, limiter)

    mount = console_mount(settings)
    routes: dict[str, Callable[[], Any]] = {"/": chat, **mount.routes}
    patterns: list[tuple[Any, ...]] = [
        (FILES_ROUTE, FileHandler, {"index": assistant.index}),
        (COMPONENTS_ROUTE, SafeComponentResourceHandler, {}),  # ahead of Panel's own route for the same path
        *mount.extra_patterns,
    ]
    kwargs = {**TOKEN_EXCLUSIONS, **mount.serve_kwargs}  # the login never rides in the page's session token
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
    install_message_limits(settings.websocket_max_kb * 1024)
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
