"""Attacks on the running web app over plain HTTP and websockets (no browser needed): oversized websocket
messages, open redirects after login, the login cookie in the page, logout, password guessing, and odd
URLs that used to end in a 500 with a traceback.

One `python -m app serve` is started for the module, exactly as a user starts it; every test also checks
that the server log stays free of tracebacks.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.web_fixtures import ChatServer, launch_chat_server

ADMIN_PASSWORD = "correct horse battery staple"
READER_PASSWORD = "reader-pass-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    home = tmp_path_factory.mktemp("attack-web")
    running = launch_chat_server(
        home / "data", home, home / "server.log", moderation="false", admin_password=ADMIN_PASSWORD,
        reader_accounts=f"ana:{READER_PASSWORD}", trusted_proxies="127.0.0.1",
    ).wait_until_ready()
    yield running
    running.stop()


@pytest.fixture
def clean_log(server: ChatServer) -> Iterator[ChatServer]:
    """The server; afterwards its log must hold no traceback and no error."""
    server.new_log()
    yield server
    log = server.new_log()
    assert "Traceback" not in log and " ERROR " not in log and "500 " not in log, f"server log:\n{log}"


def request(server: ChatServer, method: str, path: str, body: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """One raw HTTP request (no redirect following): status, headers (last value wins), body."""
    parsed = urlparse(server.url)
    conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=60)
    data = urlencode(body) if body is not None else None
    sent = dict(headers or {})
    if data is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    text = response.read().decode("utf-8", errors="replace")
    result = (response.status, {k: v for k, v in response.getheaders()}, text)
    conn.close()
    return result


def login_cookie(headers: dict[str, str]) -> str | None:
    match = re.search(r"citewise_login=([^;]*)", headers.get("Set-Cookie", ""))
    return match.group(1) if match and match.group(1) else None


def sign_in(server: ChatServer, user: str, password: str, next_url: str = "", address: str = "10.0.0.1",
            cookie: str = "") -> tuple[int, dict[str, str], str]:
    headers = {"X-Forwarded-For": address}
    if cookie:
        headers["Cookie"] = cookie
    return request(server, "POST", "/login", {"username": user, "password": password, "next": next_url}, headers)


def page_token(html: str) -> str:
    match = re.search(r'"token":\s*"([^"]+)"', html) or re.search(r'token&quot;:&quot;([^&]+)&', html)
    assert match, "no session token in the page"
    return match.group(1)


def token_payload(token: str) -> dict[str, Any]:
    """The readable part of a Bokeh session token (what any script in the page can decode)."""
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


# --- 12.2: the transport caps what a page may send ------------------------------------------------------
def test_megabyte_websocket_message_is_cut_off_at_the_transport(clean_log: ChatServer) -> None:
    status, _, html = request(clean_log, "GET", "/")
    assert status == 200
    token = page_token(html)
    origin = clean_log.url.rstrip("/")

    async def attack() -> tuple[int | None, str | None]:
        ws_url = origin.replace("http://", "ws://") + "/ws"
        conn = await websocket_connect(HTTPRequest(ws_url, headers={"Origin": origin}),
                                       subprotocols=["bokeh", token])
        await conn.write_message("x" * (1 << 20))
        while await conn.read_message() is not None:
            pass
        return conn.close_code, conn.close_reason

    code, reason = asyncio.run(asyncio.wait_for(attack(), 60))
    assert code == 1009 and reason == "message too big"
    assert request(clean_log, "GET", "/")[0] == 200  # and the server serves the next reader at once
