"""A fix for a lost update in Panel's websocket writer (`panel.io.document._dispatch_msgs`, Panel 1.9).

When a page's websocket is busy, Panel turns each change into a message, parks it in `_WRITE_MSGS[doc]`
and schedules a writer task; a task that finds the socket still busy parks the message again and
schedules a successor. The flag `_WRITE_BLOCK[doc]` says "writes are pending", but the first writer
clears it when its own messages are out, even if a successor has re-parked newer ones. The successor
then sees no flag and returns, leaving the newest change (for example a finished answer) unsent until
some later change flushes it: under load about one answer in 200 stayed on "Reading the question…"
until the reader asked again (issue 12, item 11).

The fix: a writer task that finds parked messages always sends them, whatever the flag says. Every
parked message has a task scheduled after it, so none can be left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from panel.io import document as panel_document

_FIXED = "_citewise_fixed"


def install() -> None:
    """Patch Panel's writer once per process (idempotent)."""
    current = panel_document._dispatch_msgs
    if getattr(current, _FIXED, False):
        return
    original: Callable[[Any], Coroutine[Any, Any, None]] = current

    async def dispatch_msgs(doc: Any) -> None:
        if doc in panel_document._WRITE_MSGS:
            panel_document._WRITE_BLOCK[doc] = True  # parked messages: this task must send them
        await original(doc)

    setattr(dispatch_msgs, _FIXED, True)
    dispatch_msgs.__wrapped_original__ = original  # lets a test show the race without the fix
    panel_document._dispatch_msgs = dispatch_msgs
