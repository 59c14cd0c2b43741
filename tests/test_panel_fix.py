"""The lost-update race in Panel's websocket writer, staged step by step (see app/web/panel_fix.py).

A change made while the page's socket is busy must still reach the page without any later change. The
race is staged with a fake connection whose write lock and pending writes the test controls; the browser
load test (test_web_chat_load.py) shows the same fault end to end.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from bokeh.document import Document
from panel.io import document as panel_document

from app.web import panel_fix


@dataclass
class _Block:
    _value: int = 1  # 0 while someone holds the socket's write lock (what Panel checks)


@dataclass
class _Lock:
    _block: _Block = field(default_factory=_Block)


class _Socket:
    def __init__(self) -> None:
        self.write_lock = _Lock()
        self.sent: list[str] = []
        self.pending: list[asyncio.Future[None]] = []


class _Protocol:
    def create(self, kind: str, events: list[str]) -> str:
        return "+".join(events)


@dataclass
class _Connection:
    _socket: _Socket
    protocol: _Protocol = field(default_factory=_Protocol)

    def __hash__(self) -> int:
        return id(self)


def _write(conn: _Connection, events: Any = None, msg: str | None = None) -> list[asyncio.Future[None]]:
    """Panel's per-socket writer, for the fake socket: records the message, finishes when told to."""
    conn._socket.sent.append(str(msg))
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    conn._socket.pending.append(future)
    return [future]


async def _stage_race() -> list[str]:
    doc = Document()
    socket = _Socket()
    conn = _Connection(socket)
    panel_document.extra_socket_handlers[_Socket] = _write
    try:
        panel_document.schedule_write_events(doc, [conn], ["progress"])  # writer A starts sending
        await asyncio.sleep(0)
        assert socket.sent == ["progress"] and socket.pending
        socket.write_lock._block._value = 0  # bokeh itself is writing to the socket now
        panel_document.schedule_write_events(doc, [conn], ["answer"])  # writer B finds it busy, parks
        await asyncio.sleep(0)
        for future in socket.pending:  # A's writes complete: A clears the "writes pending" flag
            future.set_result(None)
        socket.write_lock._block._value = 1  # the socket is free again
        for _ in range(20):  # B's successor runs after its 10 ms pause
            await asyncio.sleep(0.02)
        for future in socket.pending:
            if not future.done():
                future.set_result(None)
        await asyncio.sleep(0.02)
        return socket.sent
    finally:
        del panel_document.extra_socket_handlers[_Socket]
        panel_document._WRITE_MSGS.pop(doc, None)
        panel_document._WRITE_BLOCK.pop(doc, None)


@pytest.fixture
def unpatched() -> Any:
    panel_fix.install()
    saved = panel_document._dispatch_msgs
    original = getattr(saved, "__wrapped_original__", None)
    yield original
    panel_document._dispatch_msgs = saved


def test_a_change_made_while_the_socket_is_busy_reaches_the_page() -> None:
    panel_fix.install()
    assert asyncio.run(_stage_race()) == ["progress", "answer"]


def test_without_the_fix_the_change_is_left_behind(unpatched: Any) -> None:
    if unpatched is None:
        pytest.skip("Panel's original writer is not reachable")
    panel_document._dispatch_msgs = unpatched
    sent = asyncio.run(_stage_race())
    assert sent == ["progress"], "Panel no longer loses this update: app/web/panel_fix.py can go"
