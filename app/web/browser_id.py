"""Which browser is this? A random id in a signed, HttpOnly cookie, so a browser finds its saved chats.

GET /chat/browser sets the cookie when the browser has none (or a forged one) and answers with the
signed value, which the page passes to its session (the session was opened before the cookie existed);
later page loads carry the cookie. The key is CITEWISE_COOKIE_SECRET when set, otherwise a random key kept
in `<data_dir>/logs/browser.key` (mode 0600), so ids survive restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from tornado.web import RequestHandler

from app.settings import Settings, secret_value

COOKIE = "citewise_browser"
PATH = "/chat/browser"
COOKIE_DAYS = 365


def _key(settings: Settings) -> bytes:
    configured = secret_value(settings.cookie_secret)
    if configured:
        return hashlib.sha256(b"citewise-browser\x00" + configured.encode()).digest()
    path = settings.logs_dir / "browser.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return Path(path).read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class BrowserIds:
    """Signs and checks browser ids."""

    def __init__(self, settings: Settings) -> None:
        self._key = _key(settings)

    def _sign(self, browser: str) -> str:
        return hmac.new(self._key, browser.encode(), "sha256").hexdigest()[:32]

    def new(self) -> str:
        """A fresh signed cookie value."""
        browser = secrets.token_hex(16)
        return f"{browser}.{self._sign(browser)}"

    def read(self, value: str | None) -> str | None:
        """The browser id in a cookie value, or None when it is missing or not signed by us."""
        if not value or value.count(".") != 1:
            return None
        browser, signature = value.split(".")
        if len(browser) != 32 or not hmac.compare_digest(signature, self._sign(browser)):
            return None
        return browser


class BrowserIdHandler(RequestHandler):
    """GET /chat/browser: make sure this browser has an id cookie; answer with it for the page."""

    ids: BrowserIds

    def initialize(self, ids: BrowserIds) -> None:
        self.ids = ids

    def get(self) -> None:
        value = self.get_cookie(COOKIE)
        if self.ids.read(value) is None:
            value = self.ids.new()
            self.set_cookie(COOKIE, value, path="/", httponly=True, samesite="Lax",
                            secure=self.request.protocol == "https", expires_days=COOKIE_DAYS)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"token": value}))
