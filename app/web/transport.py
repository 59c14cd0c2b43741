"""What the HTTP layer accepts: the largest websocket message a page may send, and which component
resources Panel's /components/ route may load.

A chat page sends questions of at most `CITEWISE_MAX_QUESTION_CHARS` characters; its websocket accepts
messages up to `CITEWISE_WEBSOCKET_MAX_KB` (Bokeh's default is 20 MB), so a script that sends megabytes
is cut off by tornado (close code 1009, "message too big") before Bokeh parses anything and before any
moderation runs. The admin console's websocket (admin-only: refused at the handshake for anyone else)
takes uploads in parts of 512 KB (`app.web.uploads`), so its limit is a few MB.

Panel's /components/<module>/<class>/<attribute>/<file> route imports `<module>` by the name in the URL:
`/components/..%2f..` ended in a TypeError (a 500 with a traceback) and any installed module could be
imported by a visitor. `SafeComponentResourceHandler` serves only modules that are already loaded and
answers 404 for anything else.

A reader who closes a tab while an update is on its way leaves tornado a write to a closed socket; its
"Task exception was never retrieved" traceback is not an error of the server, so `quiet_closed_sockets`
drops exactly that case from the event loop's error log.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any, ClassVar

from bokeh.server.urls import per_app_patterns
from panel.io.server import AutoloadJsHandler, ComponentResourceHandler
from panel.io.server import WSHandler as PanelWSHandler
from tornado.iostream import StreamClosedError
from tornado.web import HTTPError
from tornado.websocket import WebSocketClosedError

from app.web.auth import is_console_path

CONSOLE_MESSAGE_BYTES = 4 * 2**20  # room for one upload part (512 KB, base64) and the console's own messages


class BoundedWSHandler(PanelWSHandler):
    """Panel's websocket handler with a message-size limit per page: small for the chat, room for uploads
    on the admin console."""

    chat_limit: ClassVar[int] = 512 * 1024
    console_limit: ClassVar[int] = CONSOLE_MESSAGE_BYTES

    @property
    def max_message_size(self) -> int:
        return self.console_limit if is_console_path(self.request.path) else self.chat_limit


class GuardedAutoloadJsHandler(AutoloadJsHandler):
    """Panel's autoload.js handler, answering 403 to a requester the auth provider refuses (Panel's own
    handler awaited the None that Bokeh's login redirect returns: a 500 with a traceback)."""

    async def prepare(self) -> None:
        await super().prepare()
        if self.current_user is None:
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("Sign in first.\n")


def install_message_limits(chat_bytes: int, console_bytes: int = CONSOLE_MESSAGE_BYTES) -> None:
    """Make every Panel app served from now on use `BoundedWSHandler` with these limits and the guarded
    autoload handler (process-wide, as Panel itself installs its handlers)."""
    BoundedWSHandler.chat_limit = chat_bytes
    BoundedWSHandler.console_limit = console_bytes
    replacements = {r"/ws": BoundedWSHandler, r"/autoload.js": GuardedAutoloadJsHandler}
    for i, pattern in enumerate(per_app_patterns):
        handler = replacements.get(pattern[0])
        if handler is not None and pattern[1] is not handler:
            per_app_patterns[i] = (pattern[0], handler, *pattern[2:])


COMPONENTS_ROUTE = r"/components/(.*)"
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


class SafeComponentResourceHandler(ComponentResourceHandler):
    """Panel's component resources, for modules this process has already loaded only (never an import
    chosen by the URL)."""

    def parse_url_path(self, path: str) -> str:
        module = path.split("/", 1)[0]
        if not _MODULE_NAME.fullmatch(module) or module not in sys.modules:
            raise HTTPError(404, "Not found")
        return str(super().parse_url_path(path))


def quiet_closed_sockets(loop: asyncio.AbstractEventLoop) -> None:
    """Log unhandled task errors as before, except a write to a websocket the reader already closed."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), WebSocketClosedError | StreamClosedError):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handle)
