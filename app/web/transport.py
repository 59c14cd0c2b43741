"""Limits at the transport: the largest websocket message a page may send.

A chat page sends questions of at most `CITEWISE_MAX_QUESTION_CHARS` characters; its websocket accepts
messages up to `CITEWISE_WEBSOCKET_MAX_KB` (Bokeh's default is 20 MB), so a script that sends megabytes
is cut off by tornado (close code 1009, "message too big") before Bokeh parses anything and before any
moderation runs. The admin console's websocket (admin-only: refused at the handshake for anyone else)
keeps room for a browser upload, which travels in one message.
"""

from __future__ import annotations

from typing import ClassVar

from bokeh.server.urls import per_app_patterns
from panel.io.server import WSHandler as PanelWSHandler

from app.web.auth import is_console_path

CONSOLE_MESSAGE_BYTES = 20 * 2**20  # room for the console's upload of up to 15 MB (base64 in one message)


class BoundedWSHandler(PanelWSHandler):
    """Panel's websocket handler with a message-size limit per page: small for the chat, room for uploads
    on the admin console."""

    chat_limit: ClassVar[int] = 512 * 1024
    console_limit: ClassVar[int] = CONSOLE_MESSAGE_BYTES

    @property
    def max_message_size(self) -> int:
        return self.console_limit if is_console_path(self.request.path) else self.chat_limit


def install_message_limits(chat_bytes: int, console_bytes: int = CONSOLE_MESSAGE_BYTES) -> None:
    """Make every Panel app served from now on use `BoundedWSHandler` with these limits (process-wide,
    as Panel itself installs its handler)."""
    BoundedWSHandler.chat_limit = chat_bytes
    BoundedWSHandler.console_limit = console_bytes
    for i, pattern in enumerate(per_app_patterns):
        if pattern[0] == r"/ws" and pattern[1] is not BoundedWSHandler:
            per_app_patterns[i] = (pattern[0], BoundedWSHandler, *pattern[2:])
