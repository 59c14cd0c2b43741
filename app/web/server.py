"""The web server: the reader's chat (and its quizzes) at /, the admin console's pages, and /files/<id> for
cited originals.

One process serves every browser session. Its stores and models come from one `app.services.Services`
(index, embedder, LLM client, moderator, logs), shared by the chat, the console and /metrics; each
session gets its own `ChatPage` and conversation. Answers are computed in a thread pool so the event loop
stays free for the other sessions. Access rules (who may log in, who sees /console) are installed here,
for every page, by `install_access`.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import panel as pn

from app.assistant import Assistant
from app.errors import UserError
from app.quiz.export import to_anki_csv, to_markdown
from app.quiz.generate import make_quiz
from app.services import Services, build_services
from app.settings import Settings
from app.web.auth import REFUSAL_TEMPLATE, TOKEN_EXCLUSIONS, Authenticator, CitewiseAuth, make_authorize
from app.web.chat import chat_page
from app.web.chat_quiz import Exporter
from app.web.chat_uploads import ChatUploads
from app.web.client_limits import ClientLimiter
from app.web.console import console_mount
from app.web.files import ROUTE as FILES_ROUTE
from app.web.files import FileHandler
from app.web.metrics import MetricsCache, MetricsHandler
from app.web.transport import (
    COMPONENTS_ROUTE,
    SafeComponentResourceHandler,
    install_message_limits,
    quiet_closed_sockets,
)

ANSWER_WORKERS = 4  # answers computed at once; more sessions queue for a free worker
QUIZ_WORKERS = 2  # quizzes made at once, in their own pool so that they never hold up answers
QUIZ_EXPORTS: dict[str, tuple[str, str, Exporter]] = {
    "markdown": ("md", "text/markdown", to_markdown), "anki": ("csv", "text/csv", to_anki_csv),
}
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


@dataclass
class ServerApp:
    """Everything `pn.serve` needs: pages by route, tornado handlers, extra options."""

    services: Services
    assistant: Assistant
    executor: Executor
    quiz_executor: Executor | None = None
    routes: dict[str, Callable[[], Any]] = field(default_factory=dict)
    extra_patterns: list[tuple[Any, ...]] = field(default_factory=list)
    serve_kwargs: dict[str, Any] = field(default_factory=dict)


def install_access(settings: Settings) -> tuple[Authenticator, dict[str, Any]]:
    """The access rules of `app.web.auth` for the whole server: returns the authenticator and the
    `pn.serve` options (the auth provider, which serves /login and /logout and identifies chat users).

    Installs `pn.config.authorize_callback` and `pn.config.auth_template` (process-wide Panel settings)
    so that a reader who opens /console gets HTTP 403.
    """
    auth = Authenticator(settings)
    pn.config.authorize_callback = make_authorize(auth)
    pn.config.auth_template = str(REFUSAL_TEMPLATE)
    return auth, {"auth_provider": CitewiseAuth(auth)}


def build_server_app(services: Services) -> ServerApp:
    """The chat at "/", /files/<id>, /metrics and the admin console, all on one `Services`."""
    assistant = services.assistant
    assistant.channel = "chat"  # the query log tells the chat's questions from the CLI's
    executor = ThreadPoolExecutor(max_workers=ANSWER_WORKERS, thread_name_prefix="citewise-answer")
    quiz_executor = ThreadPoolExecutor(max_workers=QUIZ_WORKERS, thread_name_prefix="citewise-quiz")
    quiz_maker = functools.partial(make_quiz, services)  # (document path, count, kind, should_stop) -> Quiz

    limiter = ClientLimiter(services.settings)
    history = services.chat_history
    uploads = ChatUploads(services)  # editors' and the admin's uploads from the chat

    def chat() -> Any:
        return chat_page(assistant, executor, limiter, history, uploads, quiz_maker, quiz_executor, QUIZ_EXPORTS)

    auth, kwargs = install_access(services.settings)
    mount = console_mount(services, auth)
    routes: dict[str, Callable[[], Any]] = {"/": chat, **mount.routes}
    patterns: list[tuple[Any, ...]] = [
        (FILES_ROUTE, FileHandler, {"index": services.index}),
        (COMPONENTS_ROUTE, SafeComponentResourceHandler, {}),  # ahead of Panel's own route for the same path
        (r"/metrics", MetricsHandler, {"cache": MetricsCache(services)}),
    ]
    kwargs.update(TOKEN_EXCLUSIONS)  # the login never rides in the page's session token
    kwargs["title"] = {"/": "citewise", **mount.titles}
    return ServerApp(services, assistant, executor, quiz_executor, routes, patterns, kwargs)


def warm_up(assistant: Assistant) -> None:
    """Load the models and open the stores now, so that the first reader does not wait for them (and a
    Chroma collection that another catalog owns is refused at start, not at the first question)."""
    _ = assistant.index.vectors
    assistant.embedder.warm_up()
    moderator_warm_up = getattr(assistant.moderator, "warm_up", None)
    if moderator_warm_up is not None:
        moderator_warm_up()
    if not assistant.index.is_empty():
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
    settings: Settings, port: int | None = None, host: str | None = None, services: Services | None = None,
    start: bool = True,
) -> Any:
    """Build and bind the server (returns bokeh's Server); with start=True it serves until stopped."""
    port = settings.port if port is None else port
    host = host or settings.host
    install_message_limits(settings.websocket_max_kb * 1024)
    app = build_server_app(services or build_services(settings))
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
        quiet_closed_sockets(server.io_loop.asyncio_loop)
        try:
            server.io_loop.start()
        except KeyboardInterrupt:
            print("citewise stopped.", flush=True)
        finally:
            app.executor.shutdown(wait=False, cancel_futures=True)
            if app.quiz_executor is not None:
                app.quiz_executor.shutdown(wait=False, cancel_futures=True)
    return server


def serve(settings: Settings, port: int | None, host: str | None) -> None:
    """`python -m app serve`: the chat (and console) on the existing index, until Ctrl+C."""
    start_server(settings, port, host)
