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
import zlib
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
    """One raw HTTP request (no redirect following): status, headers (repeated ones joined by newlines), body."""
    parsed = urlparse(server.url)
    conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=60)
    data = urlencode(body) if body is not None else None
    sent = dict(headers or {})
    if data is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    text = response.read().decode("utf-8", errors="replace")
    merged: dict[str, str] = {}
    for key, value in response.getheaders():
        merged[key] = f"{merged[key]}\n{value}" if key in merged else value  # every Set-Cookie is kept
    result = (response.status, merged, text)
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
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    packed = payload.pop("__bk__zlib_", None)  # Bokeh compresses the extra payload
    if packed:
        payload.update(json.loads(zlib.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))))
    return payload


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

    # A server that took the megabyte would keep the connection open and the wait would time out. The
    # close frame (1009) can be lost when the server resets the socket while the client is still sending.
    code, reason = asyncio.run(asyncio.wait_for(attack(), 60))
    assert code is None or (code == 1009 and reason == "message too big")
    assert request(clean_log, "GET", "/")[0] == 200  # and the server serves the next reader at once


# --- 12.10: no open redirect after sign-in ----------------------------------------------------------------
@pytest.mark.parametrize("next_url", [
    "/\t/evil.example/phish", "/%09/evil.example/phish", "//evil.example/phish", "\\\\evil.example",
    "/\\evil.example", "https://evil.example/", "/\n/evil.example", " //evil.example", "/%2F/evil.example",
    "javascript:alert(1)", "/console\r\nSet-Cookie: pwned=1",
])
def test_sign_in_never_sends_the_browser_to_another_site(clean_log: ChatServer, next_url: str) -> None:
    status, headers, _ = sign_in(clean_log, "ana", READER_PASSWORD, next_url, address="10.10.0.1")
    assert status == 302
    location = headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert not any(ch in location for ch in "\\\t\r\n ") and "evil" not in location, location
    assert "pwned" not in headers.get("Set-Cookie", "")
    page_status, _, page = request(clean_log, "GET", "/login?" + urlencode({"next": next_url}))
    assert page_status == 200 and "evil.example" not in page


def test_sign_in_keeps_a_local_next_page(clean_log: ChatServer) -> None:
    status, headers, _ = sign_in(clean_log, "admin", ADMIN_PASSWORD, "/console?tab=usage", address="10.10.0.2")
    assert status == 302 and headers["Location"] == "/console?tab=usage"


# --- 12.14: odd requests get clean 4xx answers, never a 500 with a traceback --------------------------------
@pytest.mark.parametrize("path", [
    "/files/12345678901234567890", "/files/99999999999999999999999999", "/files/1",
    "/components/..%2f..%2f..%2fetc%2fpasswd", "/components/..%2F..%2Fapp%2Fsettings.py",
    "/login?next=%0d%0aSet-Cookie:%20pwned=1", "/logout?next=%0d%0aLocation:%20http://evil.example",
    "/console/autoload.js", "/console/autoload.js?bokeh-autoload-element=x&bokeh-app-path=/console",
    "/console/metadata",
])
def test_odd_requests_get_a_clean_4xx(clean_log: ChatServer, path: str) -> None:
    status, headers, body = request(clean_log, "GET", path, headers={"X-Forwarded-For": "10.14.0.1"})
    assert status < 500, (path, status, body[:300])
    assert "Traceback" not in body and "root:" not in body and "pwned" not in headers.get("Set-Cookie", "")
    assert "evil.example" not in headers.get("Location", "")


def test_reader_fetching_the_console_autoload_script_is_refused_cleanly(clean_log: ChatServer) -> None:
    _, headers, _ = sign_in(clean_log, "ana", READER_PASSWORD, address="10.14.0.2")
    cookie = f"citewise_login={login_cookie(headers)}"
    for path in ("/console/autoload.js?bokeh-autoload-element=x&bokeh-app-path=/console", "/console/metadata",
                 "/console"):
        status, _, body = request(clean_log, "GET", path, headers={"Cookie": cookie})
        assert status in (302, 403), (path, status)
        assert "Traceback" not in body


# --- 12.9: the login cookie stays out of page scripts' reach and dies at logout -----------------------------
def test_login_cookie_is_not_in_the_session_token_of_the_page(clean_log: ChatServer) -> None:
    _, headers, _ = sign_in(clean_log, "admin", ADMIN_PASSWORD, "/console", address="10.9.0.1")
    cookie = login_cookie(headers)
    assert cookie and "HttpOnly" in headers["Set-Cookie"]
    status, _, html = request(clean_log, "GET", "/console", headers={"Cookie": f"citewise_login={cookie}"})
    assert status == 200
    payload = json.dumps(token_payload(page_token(html)))
    assert "citewise_login" not in payload and cookie not in payload and cookie not in html
    status, _, chat = request(clean_log, "GET", "/", headers={"Cookie": f"citewise_login={cookie}"})
    assert status == 200 and cookie not in json.dumps(token_payload(page_token(chat)))


def test_logout_revokes_the_login_cookie(clean_log: ChatServer) -> None:
    _, headers, _ = sign_in(clean_log, "admin", ADMIN_PASSWORD, "/console", address="10.9.0.2")
    cookie = {"Cookie": f"citewise_login={login_cookie(headers)}"}
    assert request(clean_log, "GET", "/console", headers=cookie)[0] == 200
    status, _, _ = request(clean_log, "GET", "/logout", headers=cookie)
    assert status == 302
    status, headers_after, _ = request(clean_log, "GET", "/console", headers=cookie)  # the stolen copy
    assert status in (302, 403) and "/login" in headers_after.get("Location", "/login")


# --- 12.13: password guessing is slowed per account and address, the admin is not locked out ----------------
def test_wrong_passwords_slow_the_attacker_but_not_the_admin(clean_log: ChatServer) -> None:
    # the admin signs in once from their usual browser: it becomes a known browser for the account
    status, headers, _ = sign_in(clean_log, "admin", ADMIN_PASSWORD, address="10.13.0.1")
    assert status == 302
    browser = re.search(r"citewise_browser=([^;]+)", headers.get("Set-Cookie", ""))
    assert browser, headers.get("Set-Cookie")
    known = f"citewise_browser={browser.group(1)}"
    # an attacker guesses from elsewhere
    answers = [sign_in(clean_log, "admin", f"guess-{i}", address="10.66.6.6") for i in range(6)]
    assert [a[0] for a in answers[:3]] == [401, 401, 401]
    assert answers[-1][0] == 429 and "try again in" in answers[-1][2]
    # the right password from the attacker's address is not even checked while it must wait
    assert sign_in(clean_log, "admin", ADMIN_PASSWORD, address="10.66.6.6")[0] == 429
    # the admin, from the usual browser, is not held up by the attacker
    assert sign_in(clean_log, "admin", ADMIN_PASSWORD, address="10.13.0.1", cookie=known)[0] == 302
    # the per-address delay is short and grows: after it passes, the right password works (no 10-minute ban)
    wait = int(re.search(r"try again in (\d+) second", answers[-1][2]).group(1))  # type: ignore[union-attr]
    assert 1 <= wait <= 8
    import time

    time.sleep(wait + 0.5)
    assert sign_in(clean_log, "admin", ADMIN_PASSWORD, address="10.66.6.6")[0] == 302


def test_forwarded_addresses_are_ignored_unless_from_a_trusted_proxy(data_dir) -> None:  # noqa: ANN001
    from app.web.auth import client_address, parse_networks

    class Request:
        def __init__(self, peer: str, forwarded: str) -> None:
            self.remote_ip = peer
            self.headers = {"X-Forwarded-For": forwarded}

    spoofed = Request("203.0.113.9", "10.0.0.1")
    assert client_address(spoofed, parse_networks(None)) == "203.0.113.9"
    proxied = Request("127.0.0.1", "198.51.100.7, 10.1.1.1")
    assert client_address(proxied, parse_networks("127.0.0.1, 10.0.0.0/8")) == "198.51.100.7"
    assert client_address(proxied, parse_networks(None)) == "127.0.0.1"


def test_a_write_to_a_closed_websocket_is_not_logged_as_a_server_error(caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    from tornado.websocket import WebSocketClosedError

    from app.web.transport import quiet_closed_sockets

    async def closed() -> None:
        raise WebSocketClosedError()

    async def broken() -> None:
        raise ValueError("a real fault")

    loop = asyncio.new_event_loop()
    quiet_closed_sockets(loop)
    with caplog.at_level("ERROR", logger="asyncio"):
        for coro in (closed(), broken()):
            task = loop.create_task(coro)
            loop.run_until_complete(asyncio.wait([task]))
            del task
        import gc
        gc.collect()
    loop.close()
    logged = caplog.text
    assert "a real fault" in logged and "WebSocketClosedError" not in logged
