"""Logins for the web app: the admin console (/console) is for the admin; the chat is open unless
`CITEWISE_REQUIRE_LOGIN` asks for a reader login too.

How access is enforced, all at the HTTP level, before a Panel session is built:

1. `CitewiseAuth` is a Bokeh auth provider, given to `pn.serve` as `auth_provider`. Bokeh asks it who
   the requester is for every Panel page, websocket, metadata/autoload request (and the chat's /files
   handler asks it too). It answers with the `Identity` in a valid signed login cookie, or the anonymous
   guest where no login is needed (the chat, unless require_login). Where a login is needed it answers
   None, so Bokeh redirects a page load to /login?next=<page> and refuses a websocket upgrade with 403.
   A console websocket, metadata or autoload request is refused unless the cookie holds the admin.
2. `authorize` is installed as `pn.config.authorize_callback`. Panel calls it on every page GET with the
   URL path; for /console it reads the login cookie of the request and refuses anyone but the admin:
   Panel answers HTTP 403 with `templates/console_refused.html` (installed as `pn.config.auth_template`).
3. The console page checks the cookie again when its session is built (`session_identity`), so even a
   session opened with a hand-made token shows nothing but the refusal.

Passwords are never stored or compared in the clear: each is hashed once at start with PBKDF2-SHA256 and
a random per-process salt, and a login attempt is hashed the same way and compared with
`hmac.compare_digest` (an unknown user name is hashed too, so timing tells nothing). A login sets an
HttpOnly, SameSite=Lax cookie `<payload>.<HMAC-SHA256>`; the signing key is derived from
`CITEWISE_COOKIE_SECRET` (random per start when unset: restarting then signs everyone out) and the
account's password, so changing a password also ends that account's sessions. Repeated failures from one
address are refused for a while.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Literal
from urllib.parse import urlencode

from bokeh.server.auth_provider import AuthProvider
from tornado.web import RequestHandler

from app.settings import Settings, secret_value

log = logging.getLogger(__name__)

Role = Literal["admin", "reader", "guest"]
COOKIE = "citewise_login"
SESSION_HOURS = 12
PBKDF2_ROUNDS = 120_000
CONSOLE_PATH = "/console"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
MAX_FAILURES = 8  # failed logins from one address within FAILURE_WINDOW_S before it must wait
FAILURE_WINDOW_S = 600.0
TEMPLATES = Path(__file__).resolve().parent / "templates"
REFUSAL_TEMPLATE = TEMPLATES / "console_refused.html"
LOGIN_TEMPLATE = Template((TEMPLATES / "login.html").read_text(encoding="utf-8"))
DISABLED_MESSAGE = (
    "The admin console is disabled because no admin password is set. Set CITEWISE_ADMIN_PASSWORD "
    "(and optionally CITEWISE_ADMIN_USER, default 'admin') in the environment or in .env, then restart "
    "`python -m app serve`."
)


@dataclass(frozen=True)
class Identity:
    """Who made a request: a signed-in admin or reader, or an anonymous guest of the open chat."""

    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


GUEST = Identity("guest", "guest")


@dataclass(frozen=True)
class _Account:
    role: Role
    password_hash: bytes
    signing_key: bytes


def is_console_path(path: str) -> bool:
    """True for the console page and its websocket/metadata/autoload endpoints."""
    return path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/")


def safe_next(target: str | None, default: str) -> str:
    """A local path to go to after login/logout; anything else (other sites, //host) gives the default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def parse_reader_accounts(spec: str | None) -> dict[str, str]:
    """'name:password,name2:password2' -> {name: password}; malformed entries are skipped with a warning."""
    accounts: dict[str, str] = {}
    for entry in (spec or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        name = name.strip()
        if not sep or not name or not password:
            log.warning("CITEWISE_READER_ACCOUNTS: an entry is not 'name:password' and was skipped")
            continue
        accounts[name] = password
    return accounts


class Authenticator:
    """The accounts of this server and the signed login cookies that prove who someone is."""

    def __init__(self, settings: Settings) -> None:
        self.require_login = settings.require_login
        self.admin_user = settings.admin_user.strip() or "admin"
        secret = secret_value(settings.cookie_secret)
        self._secret = secret.encode() if secret else secrets.token_bytes(32)
        self._salt = secrets.token_bytes(16)
        self._dummy_hash = self._hash("citewise-no-such-user")
        self._accounts: dict[str, _Account] = {}
        admin_password = secret_value(settings.admin_password)
        if admin_password:
            self._accounts[self.admin_user] = self._account("admin", self.admin_user, admin_password)
        for name, password in parse_reader_accounts(secret_value(settings.reader_accounts)).items():
            if name in self._accounts:
                log.warning("reader account %r has the admin's name and was ignored", name)
                continue
            self._accounts[name] = self._account("reader", name, password)
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    # --- accounts -----------------------------------------------------------------------------------
    def _hash(self, password: str) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), self._salt, PBKDF2_ROUNDS)

    def _account(self, role: Role, name: str, password: str) -> _Account:
        key = hmac.new(self._secret, f"citewise-login\x00{role}\x00{name}\x00{password}".encode(), "sha256")
        return _Account(role, self._hash(password), key.digest())

    @property
    def console_enabled(self) -> bool:
        """False until an admin password is configured."""
        return any(a.role == "admin" for a in self._accounts.values())

    @property
    def has_readers(self) -> bool:
        return any(a.role == "reader" for a in self._accounts.values())

    def check_password(self, name: str, password: str) -> Identity | None:
        """The identity for correct credentials, else None (constant-time comparison of hashes)."""
        account = self._accounts.get(name)
        expected = account.password_hash if account else self._dummy_hash
        matches = hmac.compare_digest(self._hash(password), expected)
        if account is None or not matches:
            return None
        return Identity(name, account.role)

    # --- cookies ------------------------------------------------------------------------------------
    def make_cookie(self, identity: Identity, now: float | None = None) -> str:
        """A signed cookie value that proves `identity` for SESSION_HOURS."""
        account = self._accounts[identity.name]
        expires = int((now if now is not None else time.time()) + SESSION_HOURS * 3600)
        body = json.dumps({"u": identity.name, "r": identity.role, "exp": expires}, separators=(",", ":"))
        payload = _b64(body.encode())
        signature = _b64(hmac.new(account.signing_key, payload.encode(), "sha256").digest())
        return f"{payload}.{signature}"

    def read_cookie(self, value: str | None, now: float | None = None) -> Identity | None:
        """The identity a cookie proves, or None if it is missing, forged, expired or out of date."""
        if not value or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        try:
            data = json.loads(_unb64(payload))
            name, role, expires = str(data["u"]), str(data["r"]), int(data["exp"])
        except (ValueError, KeyError, TypeError):
            return None
        account = self._accounts.get(name)
        if account is None or account.role != role:
            return None
        expected = _b64(hmac.new(account.signing_key, payload.encode(), "sha256").digest())
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return None
        if expires < (now if now is not None else time.time()):
            return None
        return Identity(name, account.role)

    # --- failed-login throttle ----------------------------------------------------------------------
    def throttled(self, address: str) -> bool:
        """True while this address has too many recent failed logins."""
        with self._lock:
            recent = self._failures.get(address)
            if not recent:
                return False
            cutoff = time.monotonic() - FAILURE_WINDOW_S
            while recent and recent[0] < cutoff:
                recent.popleft()
            return len(recent) >= MAX_FAILURES

    def record_failure(self, address: str) -> None:
        with self._lock:
            self._failures.setdefault(address, deque()).append(time.monotonic())

    # --- decisions ----------------------------------------------------------------------------------
    def user_for(self, path: str, cookie: str | None) -> Identity | None:
        """Who the requester of `path` is for Bokeh; None means 'must log in first' (see module doc)."""
        identity = self.read_cookie(cookie)
        if is_console_path(path):
            if identity is None:
                return None
            if path.rstrip("/") != CONSOLE_PATH and not identity.is_admin:
                return None  # the console's websocket, metadata and autoload are the admin's alone
            return identity
        if identity is not None:
            return identity
        return None if self.require_login else GUEST

    def allows(self, path: str, cookie: str | None) -> bool:
        """May the requester open the page at `path`? Only the admin may open the console."""
        if not is_console_path(path):
            return True
        identity = self.read_cookie(cookie)
        return identity is not None and identity.is_admin


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- pages and handlers ------------------------------------------------------------------------------
def login_page(auth: Authenticator, next_url: str, error: str | None = None, user: str = "") -> str:
    """The login form (or, for the console without an admin password, how to enable it)."""
    wants_console = is_console_path(next_url)
    subtitle = "Admin console" if wants_console else "Sign in to ask your documents"
    if wants_console and not auth.console_enabled:
        message = f'<p class="note" id="login-message">{html.escape(DISABLED_MESSAGE)}</p>'
        return LOGIN_TEMPLATE.substitute(
            subtitle=subtitle, message=message, form="", footer='<a href="/">Go to the chat</a>'
        )
    message = f'<p class="error" id="login-message" role="alert">{html.escape(error)}</p>' if error else ""
    form = (
        f'<form method="post" action="{LOGIN_PATH}">'
        f'<input type="hidden" name="next" value="{html.escape(next_url)}">'
        '<label for="username">User name</label>'
        f'<input id="username" name="username" autocomplete="username" required autofocus '
        f'value="{html.escape(user)}">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit" id="sign-in">Sign in</button></form>'
    )
    footer = '<a href="/">Back to the chat</a>' if wants_console and not auth.require_login else ""
    return LOGIN_TEMPLATE.substitute(subtitle=subtitle, message=message, form=form, footer=footer)


class LoginHandler(RequestHandler):
    """GET /login shows the form; POST checks the credentials, sets the cookie, goes to `next`."""

    auth: Authenticator

    def initialize(self, auth: Authenticator) -> None:
        self.auth = auth

    def check_xsrf_cookie(self) -> None:
        """No XSRF token on this form: a forged sign-in could only sign someone into an account whose
        password the forger already knows. The check stays off even if a deployment enables it."""
        return None

    def _page(self, status: int, next_url: str, error: str | None = None, user: str = "") -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(login_page(self.auth, next_url, error, user))

    def get(self) -> None:
        next_url = safe_next(self.get_argument("next", None), "")
        disabled = is_console_path(next_url) and not self.auth.console_enabled
        self._page(503 if disabled else 200, next_url)

    def post(self) -> None:
        next_url = safe_next(self.get_argument("next", None), "")  # "" : where the role belongs
        user = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        address = self.request.remote_ip or "unknown"
        if is_console_path(next_url) and not self.auth.console_enabled:
            self._page(503, next_url)
            return
        if self.auth.throttled(address):
            self._page(429, next_url, "Too many failed sign-ins from this address. Wait 10 minutes and try "
                                      "again.", user)
            return
        identity = self.auth.check_password(user, password)
        if identity is None:
            self.auth.record_failure(address)
            log.info("failed sign-in from %s", address)
            self._page(401, next_url, "Wrong user name or password.", user)
            return
        self.set_cookie(
            COOKIE, self.auth.make_cookie(identity), path="/", httponly=True, samesite="Lax",
            secure=self.request.protocol == "https", expires_days=SESSION_HOURS / 24,
        )
        log.info("%s %r signed in", identity.role, identity.name)
        default = CONSOLE_PATH if identity.is_admin else "/"
        self.redirect(next_url or default)


class LogoutHandler(RequestHandler):
    """GET /logout clears the login cookie and shows the login page (for `next`, if given)."""

    def get(self) -> None:
        self.clear_cookie(COOKIE, path="/")
        next_url = safe_next(self.get_argument("next", None), "")
        self.redirect(f"{LOGIN_PATH}?{urlencode({'next': next_url})}" if next_url else LOGIN_PATH)


class CitewiseAuth(AuthProvider):
    """The Bokeh auth provider for pn.serve(auth_provider=...): see the module docstring."""

    def __init__(self, auth: Authenticator) -> None:
        self.auth = auth
        super().__init__()

    @property
    def endpoints(self) -> list[tuple[Any, ...]]:
        return [
            (LOGIN_PATH, LoginHandler, {"auth": self.auth}),
            (LOGOUT_PATH, LogoutHandler),
        ]

    @property
    def get_user(self) -> Any:
        def get_user(handler: RequestHandler) -> Identity | None:
            return self.auth.user_for(handler.request.path, handler.get_cookie(COOKIE))

        return get_user

    @property
    def login_url(self) -> str:
        return LOGIN_PATH

    @property
    def login_handler(self) -> type[RequestHandler]:
        return LoginHandler

    @property
    def logout_url(self) -> str:
        return LOGOUT_PATH

    @property
    def logout_handler(self) -> type[RequestHandler]:
        return LogoutHandler


def make_authorize(auth: Authenticator) -> Any:
    """The `pn.config.authorize_callback`: False (HTTP 403) for anyone but the admin on /console."""

    def authorize(user_info: Any, path: str) -> bool:
        import panel as pn

        return auth.allows(path, pn.state.cookies.get(COOKIE))

    return authorize


def session_identity(auth: Authenticator) -> Identity | None:
    """The identity of the current Panel session's request (from its login cookie), or None."""
    import panel as pn

    return auth.read_cookie(pn.state.cookies.get(COOKIE))
