"""A tornado application served on a free port in a background thread, for HTTP-level tests of one handler."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.web import Application


@contextmanager
def serve_handlers(handlers: list[tuple[Any, ...]], **settings: Any) -> Iterator[str]:
    """Serve these tornado handlers at http://127.0.0.1:<port>; yields the base URL (no trailing slash)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            server = HTTPServer(Application(handlers, **settings))
            server.listen(0, "127.0.0.1")
            box["server"] = server
            box["port"] = next(iter(server._sockets.values())).getsockname()[1]
            started.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{box['port']}"
    finally:
        loop.call_soon_threadsafe(box["server"].stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
