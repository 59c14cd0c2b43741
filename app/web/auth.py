"""Logins for the web app: the admin console (/console) is for the admin; the chat is open unless
`CITEWISE_REQUIRE_LOGIN` asks for a reader login too. Roles: the admin (`CITEWISE_ADMIN_PASSWORD`), editors
(`CITEWISE_EDITOR_ACCOUNTS`: readers who may also add documents from the chat, never the console) and
readers (`CITEWISE_READER_ACCOUNTS`); `may_add_documents` is the one check for uploads from the chat.

How access is enforced, all at the HTTP level, before a Panel session is built:

1. `CitewiseAuth` is a Bokeh auth provider, given to `pn.serve` as `auth_provider`. Bokeh asks it who
   the requester is for every Panel page, websocket, metadata/autoload request (and the /files handler
   asks it too). It answers with the `Identity` of a valid login, or the anonymous guest where no login
   is needed (the chat, unless require_login). Where a login is needed it answers None, so Bokeh
   redirects a page load to /login?next=<page> and refuses a websocket upgrade with 403. A console
   websocket, metadata or autoload request is refused unless the login is the admin's.
   The answer is also kept on the tornado request (`citewise_identity`, with the browser id and the
   client address), where the Panel session built for that request reads it (`request_identity`).
2. `authorize` is installed as `pn.config.authorize_callback`. Panel calls it on every page GET with the
   URL path; for /console it refuses anyone but the admin: Panel answers HTTP 403 with
   `templates/console_refused.html` (installed as `pn.config.auth_template`).
3. The console page checks the identity again when its session is built (`session_identity`).

The login never travels in Bokeh's session token: the token is embedded in the page, where any script
can read it, so the server is started with the login and browser cookies (and the raw Cookie header)
excluded from it (`TOKEN_EXCLUSIONS`); sessions learn who they serve from the request itself.

Logins are server-side sessions: the HttpOnly, SameSite=Lax cookie holds a random session id signed
with tornado's signed values (key: `CITEWISE_COOKIE_SECRET`, random per start when unset, so a restart
then signs everyone out). The session lives in `<data_dir>/auth/sessions.sqlite3` (only a hash of its id)
with the account's fingerprint, so logout revokes it at once and a password change ends the account's
sessions. Passwords are hashed with bcrypt at start and checked with `bcrypt.checkpw` (an unknown user
name is checked against a dummy hash, so timing tells nothing).

Password guessing is slowed, not banned: after `FREE_FAILURES` wrong passwords an account and an
address must wait 1, 2, 4, ... seconds (at most `MAX_DELAY_S`) between tries, and the password is not
even checked before the wait is over. A browser that has signed in to the account before (its signed
`citewise_browser` cookie) is not held up by the account's delay, so an attacker cannot lock the admin
out. Client addresses come from `X-Forwarded-For` only when the peer is a trusted proxy
(`CITEWISE_TRUSTED_PROXIES`; none by default).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import ipaddress
import logging
import math
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Literal
from urllib.parse import unquote, urlencode

import bcrypt
from bokeh.server.auth_provider import AuthProvider
from tornado.web import RequestHandler, create_signed_value, decode_signed_value
from tornado.websocket import WebSocketHandler

from app.settings import Settings, secret_value

log = logging.getLogger(__name__)

Role = Literal["admin", "editor", "reader", "guest"]
UPLOAD_ROLES: frozenset[str] = frozenset({"admin", "editor"})  # may add documents from the chat
COOKIE = "citewise_login"
BROWSER_COOKIE = "citewise_browser"
TOKEN_EXCLUSIONS = {"exclude_cookies": [COOKIE, BROWSER_COOKIE], "exclude_headers": ["Cookie"]}
SESSION_HOURS = 12
BROWSER_DAYS = 365
BCRYPT_ROUNDS = 12
CONSOLE_PATH = "/console"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
FREE_FAILURES = 3  # wrong passwords per account and per address before the delays start
MAX_DELAY_S = 300.0  # the longest wait between tries (the delay doubles per failure up to this)
FAILURE_MEMORY_S = 24 * 3600.0  # failures are forgotten after a day without any
TEMPLATES = Path(__file__).resolve().parent / "templates"
REFUSAL_TEMPLATE = TEMPLATES / "console_refused.html"
LOGIN_TEMPLATE = Template((TEMPLATES / "login.html").read_text(encoding="utf-8"))
DISABLED_MESSAGE = (
    "The admin console is disabled because no admin password is set. Set CITEWISE_ADMIN_PASSWORD "
    "(and optionally CITEWISE_ADMIN_USER, default 'admin') in the environment or in .env, then restart "
    "`python -m app serve`."
)
_SAFE_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%?#]*")


@dataclass(frozen=True)
class Identity:
    """Who made a request: a signed-in admin or reader, or an anonymous guest of the open chat."""

    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_add_documents(self) -> bool:
        """Editors and the admin may upload documents from the chat; readers and guests may not."""
        return self.role in UPLOAD_ROLES


def may_add_documents(identity: Identity | None) -> bool:
    """May this requester upload documents from the chat? Only a signed-in editor or admin."""
    return identity is not None and identity.may_add_documents


GUEST = Identity("guest", "guest")


@dataclass(frozen=True)
class _Account:
    role: Role
    password_hash: bytes
    fingerprint: str  # changes with the password: sessions of an old password are void


def is_console_path(path: str) -> bool:
    """True for the console page and its websocket/metadata/autoload endpoints."""
    return path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/")


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to go to after login/logout; anything else gives the default.

    Only a plain absolute path is accepted: no scheme, no host, no `//` or backslash (browsers read
    `/\\evil` and `//evil` as another site), no whitespace or control characters (browsers drop tabs and
    line breaks, so `/\t/evil` becomes `//evil`; CR/LF would split the header), checked again after
    percent-decoding."""
    if not target or not _SAFE_PATH.fullmatch(target):
        return default
    decoded = unquote(target)
    if decoded.startswith("//") or target.startswith("//") or "\\" in decoded:
        return default
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in decoded):
        return default
    return target


def parse_reader_accounts(spec: str | None, setting: str = "CITEWISE_READER_ACCOUNTS") -> dict[str, str]:
    """'name:password,name2:password2' -> {name: password}; malformed entries are skipped with a warning
    naming `setting` (the reader and editor accounts share the format)."""
    accounts: dict[str, str] = {}
    for entry in (spec or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        name = name.strip()
        if not sep or not name or not password:
            log.warning("%s: an entry is not 'name:password' and was skipped", setting)
            continue
        accounts[name] = password
    return accounts


# --- client addresses --------------------------------------------------------------------------------------
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | None) -> list[Network]:
    """'127.0.0.1, 10.0.0.0/8' -> networks; entries that are not addresses are skipped with a warning."""
    networks: list[Network] = []
    for entry in (spec or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            log.warning("CITEWISE_TRUSTED_PROXIES: %r is not an address or network and was skipped", entry)
    return networks


def _trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Any, trusted: list[Network]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the last address in
    X-Forwarded-For that is not itself a trusted proxy."""
    peer = str(getattr(request, "remote_ip", None) or "unknown")
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = [a.strip() for a in str(request.headers.get("X-Forwarded-For", "")).split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, trusted):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer
    return peer


# --- server-side login sessions ------------------------------------------------------------------------------
class LoginStore:
    """Login sessions and known browsers in SQLite (only hashes of the ids are stored)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user TEXT NOT NULL, role TEXT NOT NULL,"
            " account TEXT NOT NULL, expires REAL NOT NULL);"
            "CREATE TABLE IF NOT EXISTS browsers (browser TEXT NOT NULL, user TEXT NOT NULL, seen REAL NOT NULL,"
            " PRIMARY KEY (browser, user));"
        )

    @staticmethod
    def _key(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    def add(self, session_id: str, identity: Identity, account: str, expires: float) -> None:
        with self._lock:
            self.db.execute("DELETE FROM sessions WHERE expires < ?", (time.time() - 86400,))
            self.db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?)",
                            (self._key(session_id), identity.name, identity.role, account, expires))

    def get(self, session_id: str) -> tuple[str, str, str, float] | None:
        with self._lock:
            row = self.db.execute("SELECT user, role, account, expires FROM sessions WHERE id = ?",
                                  (self._key(session_id),)).fetchone()
        return (str(row[0]), str(row[1]), str(row[2]), float(row[3])) if row else None

    def revoke(self, session_id: str) -> None:
        with self._lock:
            self.db.execute("DELETE FROM sessions WHERE id = ?", (self._key(session_id),))

    def remember_browser(self, browser: str, user: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO browsers VALUES (?, ?, ?)", (self._key(browser), user, time.time()))

    def knows_browser(self, browser: str | None, user: str) -> bool:
        if not browser:
            return False
        with self._lock:
            row = self.db.execute("SELECT 1 FROM browsers WHERE browser = ? AND user = ?",
                                  (self._key(browser), user)).fetchone()
        return row is not None


class LoginThrottle:
    """Exponential delays after failed sign-ins, per key ("account:<name>", "address:<ip>")."""

    def __init__(self, free: int = FREE_FAILURES, max_delay_s: float = MAX_DELAY_S) -> None:
        self.free = free
        self.max_delay_s = max_delay_s
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` wrong passwords: 0 for the free ones, then 1, 2, 4, ..."""
        if failures < self.free:
            return 0.0
        return min(2.0 ** (failures - self.free), self.max_delay_s)

    def wait(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until a try is allowed for all of these keys (0: now)."""
        now = time.monotonic() if now is None else now
        longest = 0.0
        with self._lock:
            for key in keys:
                count, last = self._failures.get(key, (0, 0.0))
                if count and now - last > FAILURE_MEMORY_S:
                    del self._failures[key]
                    continue
                longest = max(longest, last + self.delay(count) - now)
        return max(0.0, longest)

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                count, _ = self._failures.get(key, (0, 0.0))
                self._failures[key] = (count + 1, now)
            if len(self._failures) > 100_000:
                cutoff = now - FAILURE_MEMORY_S
                self._failures = {k: v for k, v in self._failures.items() if v[1] >= cutoff}

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class Authenticator:
    """The accounts of this server, their login sessions, and the throttle on guessing passwords."""

    def __init__(self, settings: Settings) -> None:
        self.require_login = settings.require_login
        self.admin_user = settings.admin_user.strip() or "admin"
        secret = secret_value(settings.cookie_secret)
        self._secret = secret.encode() if secret else secrets.token_bytes(32)
        self.trusted_proxies = parse_networks(settings.trusted_proxies)
        self._dummy_hash = bcrypt.hashpw(_prehash("citewise-no-such-user"), bcrypt.gensalt(BCRYPT_ROUNDS))
        self._accounts: dict[str, _Account] = {}
        admin_password = secret_value(settings.admin_password)
        if admin_password:
            self._accounts[self.admin_user] = self._account("admin", self.admin_user, admin_password)
        roles: tuple[tuple[Role, str, Any], ...] = (
            ("editor", "CITEWISE_EDITOR_ACCOUNTS", settings.editor_accounts),
            ("reader", "CITEWISE_READER_ACCOUNTS", settings.reader_accounts),
        )
        for role, setting, spec in roles:
            for name, password in parse_reader_accounts(secret_value(spec), setting).items():
                if name in self._accounts:
                    log.warning("%s: account %r already exists (%s) and was ignored", setting, name,
                                self._accounts[name].role)
                    continue
                self._accounts[name] = self._account(role, name, password)
        self.store = LoginStore(settings.data_dir / "auth" / "sessions.sqlite3")
        self.throttle = LoginThrottle()

    # --- accounts -----------------------------------------------------------------------------------
    def _account(self, role: Role, name: str, password: str) -> _Account:
        fingerprint = hmac.new(self._secret, f"citewise-login\x00{role}\x00{name}\x00{password}".encode(),
                               "sha256").hexdigest()
        return _Account(role, bcrypt.hashpw(_prehash(password), bcrypt.gensalt(BCRYPT_ROUNDS)), fingerprint)

    @property
    def console_enabled(self) -> bool:
        """False until an admin password is configured."""
        return any(a.role == "admin" for a in self._accounts.values())

    def check_password(self, name: str, password: str) -> Identity | None:
        """The identity for correct credentials, else None (bcrypt; unknown names cost the same)."""
        account = self._accounts.get(name)
        expected = account.password_hash if account else self._dummy_hash
        matches = bcrypt.checkpw(_prehash(password), expected)
        if account is None or not matches:
            return None
        return Identity(name, account.role)

    # --- cookies ------------------------------------------------------------------------------------
    def make_cookie(self, identity: Identity, now: float | None = None) -> str:
        """Start a login session for `identity`; the signed cookie value that proves it for SESSION_HOURS."""
        session_id = secrets.token_urlsafe(32)
        expires = (now if now is not None else time.time()) + SESSION_HOURS * 3600
        self.store.add(session_id, identity, self._accounts[identity.name].fingerprint, expires)
        return create_signed_value(self._secret, COOKIE, session_id).decode()

    def _session_id(self, value: str | None, now: float | None = None) -> str | None:
        if not value:
            return None
        clock = (lambda: now) if now is not None else None
        try:
            raw = decode_signed_value(self._secret, COOKIE, value, max_age_days=SESSION_HOURS / 24 + 1,
                                      clock=clock)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - any malformed cookie is simply no login
            return None
        return raw.decode() if raw else None

    def read_cookie(self, value: str | None, now: float | None = None) -> Identity | None:
        """The identity a cookie proves, or None if it is missing, forged, expired, revoked or out of date."""
        session_id = self._session_id(value, now)
        if session_id is None:
            return None
        found = self.store.get(session_id)
        if found is None:
            return None
        name, role, fingerprint, expires = found
        account = self._accounts.get(name)
        if account is None or account.role != role or not hmac.compare_digest(account.fingerprint, fingerprint):
            return None
        if expires < (now if now is not None else time.time()):
            return None
        return Identity(name, account.role)

    def revoke(self, value: str | None) -> None:
        """End the login session a cookie stands for (logout): the cookie is worthless from now on."""
        session_id = self._session_id(value)
        if session_id is not None:
            self.store.revoke(session_id)

    def make_browser_id(self) -> tuple[str, str]:
        """(id, signed cookie value) for a browser that has none yet."""
        browser = secrets.token_urlsafe(18)
        return browser, create_signed_value(self._secret, BROWSER_COOKIE, browser).decode()

    def read_browser(self, value: str | None) -> str | None:
        """The browser id a signed `citewise_browser` cookie holds, or None."""
        if not value:
            return None
        try:
            raw = decode_signed_value(self._secret, BROWSER_COOKIE, value, max_age_days=BROWSER_DAYS)
        except Exception:  # noqa: BLE001
            return None
        return raw.decode() if raw else None

    # --- failed-login throttle ----------------------------------------------------------------------
    def _keys(self, user: str, address: str, browser: str | None) -> list[str]:
        keys = [f"address:{address}"]
        if not self.store.knows_browser(browser, user):
            keys.append(f"account:{user}")
        return keys

    def wait_before_try(self, user: str, address: str, browser: str | None) -> float:
        """Seconds this sign-in must wait (per address, and per account unless the browser is known)."""
        return self.throttle.wait(self._keys(user, address, browser))

    def record_failure(self, user: str, address: str, browser: str | None = None) -> None:
        self.throttle.failed([f"address:{address}", f"account:{user}"])

    def record_success(self, identity: Identity, address: str, browser: str | None) -> None:
        self.throttle.succeeded([f"address:{address}", f"account:{identity.name}"])
        if browser:
            self.store.remember_browser(browser, identity.name)

    # --- decisions ----------------------------------------------------------------------------------
    def user_for(self, path: str, cookie: str | None) -> Identity | None:
        """Who the requester of `path` is for Bokeh; None means 'must log in first' (see module doc)."""
        return self.decide(path, self.read_cookie(cookie))

    def decide(self, path: str, identity: Identity | None) -> Identity | None:
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
        return allows(path, self.read_cookie(cookie))

    # --- requests -----------------------------------------------------------------------------------
    def identify(self, handler: RequestHandler) -> Identity | None:
        """Who `handler`'s request is (for Bokeh), noting on the request its identity, browser id and client
        address for the Panel session built from it; gives a new browser its signed browser cookie."""
        request = handler.request
        login = self.read_cookie(handler.get_cookie(COOKIE))
        browser = self.read_browser(handler.get_cookie(BROWSER_COOKIE))
        if browser is None and not isinstance(handler, WebSocketHandler):
            browser, value = self.make_browser_id()
            handler.set_cookie(BROWSER_COOKIE, value, path="/", httponly=True, samesite="Lax",
                               secure=request.protocol == "https", expires_days=BROWSER_DAYS)
        request.citewise_identity = login  # type: ignore[attr-defined]
        request.citewise_browser = browser  # type: ignore[attr-defined]
        request.citewise_address = client_address(request, self.trusted_proxies)  # type: ignore[attr-defined]
        return self.decide(request.path, login)


def allows(path: str, identity: Identity | None) -> bool:
    """May `identity` open the page at `path`? Only the admin may open the console."""
    if not is_console_path(path):
        return True
    return identity is not None and identity.is_admin


def _prehash(password: str) -> bytes:
    """bcrypt reads at most 72 bytes: hash longer passwords down first (base64 of SHA-256, 44 bytes)."""
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


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

    def _browser(self) -> str:
        """This browser's id (from its signed cookie), giving it one if it has none."""
        browser = self.auth.read_browser(self.get_cookie(BROWSER_COOKIE))
        if browser is None:
            browser, value = self.auth.make_browser_id()
            self.set_cookie(BROWSER_COOKIE, value, path="/", httponly=True, samesite="Lax",
                            secure=self.request.protocol == "https", expires_days=BROWSER_DAYS)
        return browser

    async def post(self) -> None:
        next_url = safe_next(self.get_argument("next", None), "")  # "" : where the role belongs
        user = self.get_argument("username", "").strip()[:200]
        password = self.get_argument("password", "")[:1000]
        address = client_address(self.request, self.auth.trusted_proxies)
        browser = self._browser()
        if is_console_path(next_url) and not self.auth.console_enabled:
            self._page(503, next_url)
            return
        wait = self.auth.wait_before_try(user, address, browser)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            self._page(429, next_url, f"Too many failed sign-ins for this account or from this address: try again "
                                      f"in {seconds} second{'s' if seconds != 1 else ''}.", user)
            return
        loop = asyncio.get_running_loop()
        identity = await loop.run_in_executor(None, self.auth.check_password, user, password)
        if identity is None:
            self.auth.record_failure(user, address, browser)
            log.info("failed sign-in from %s", address)
            self._page(401, next_url, "Wrong user name or password.", user)
            return
        self.auth.record_success(identity, address, browser)
        self.set_cookie(
            COOKIE, self.auth.make_cookie(identity), path="/", httponly=True, samesite="Lax",
            secure=self.request.protocol == "https", expires_days=SESSION_HOURS / 24,
        )
        log.info("%s %r signed in", identity.role, identity.name)
        default = CONSOLE_PATH if identity.is_admin else "/"
        self.redirect(next_url or default)


class LogoutHandler(RequestHandler):
    """GET /logout ends the login session (server-side), clears the cookie, shows the login page."""

    auth: Authenticator | None = None

    def initialize(self, auth: Authenticator | None = None) -> None:
        self.auth = auth

    def get(self) -> None:
        if self.auth is not None:
            self.auth.revoke(self.get_cookie(COOKIE))
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
            (LOGOUT_PATH, LogoutHandler, {"auth": self.auth}),
        ]

    @property
    def get_user(self) -> Any:
        def get_user(handler: RequestHandler) -> Identity | None:
            return self.auth.identify(handler)

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


def request_value(name: str) -> Any:
    """A value `Authenticator.identify` noted on the request of the current Panel session (or None).

    Read from the tornado request itself, never from the session token (which a page script can read
    and anyone can forge)."""
    import panel as pn

    doc = pn.state.curdoc
    context = doc.session_context if doc is not None else None
    request = context.request if context is not None else None
    return getattr(request, name, None) if request is not None else None


def request_identity() -> Identity | None:
    """The login of the current Panel session's request, or None."""
    identity = request_value("citewise_identity")
    return identity if isinstance(identity, Identity) else None


def make_authorize(auth: Authenticator) -> Any:
    """The `pn.config.authorize_callback`: False (HTTP 403) for anyone but the admin on /console."""

    def authorize(user_info: Any, path: str) -> bool:
        return allows(path, request_identity())

    return authorize


def session_identity(auth: Authenticator) -> Identity | None:
    """The identity of the current Panel session's request (from its login), or None."""
    return request_identity()
