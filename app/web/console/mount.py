"""What the console adds to the web server: the /console page (admins only) and /metrics."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from typing import Any

import panel as pn

from app.settings import Settings
from app.web.auth import (
    REFUSAL_TEMPLATE,
    Authenticator,
    CitewiseAuth,
    make_authorize,
    session_identity,
)
from app.web.console.page import ConsolePage
from app.web.console.plots import html_pane
from app.web.console.services import ConsoleServices, error_text
from app.web.metrics import MetricsHandler

log = logging.getLogger(__name__)

ROUTE = "/console"


def refusal_view(message: str) -> pn.pane.HTML:
    """What a session that is not the admin's sees (the HTTP layer normally refuses it first)."""
    return html_pane(f'<div class="refusal" id="refusal"><h2>Admin only</h2><p>{html.escape(message)}</p>'
                 '<p><a href="/logout?next=/console">Sign in as admin</a> · '
                 '<a href="/">Back to the chat</a></p></div>')


@dataclass
class ConsoleMount:
    """What the console adds to the web server."""

    routes: dict[str, Any] = field(default_factory=dict)  # Panel pages by URL path
    extra_patterns: list[tuple[Any, ...]] = field(default_factory=list)  # tornado handlers
    serve_kwargs: dict[str, Any] = field(default_factory=dict)  # extra pn.serve options


def console_mount(settings: Settings) -> ConsoleMount:
    """The /console page, /metrics, and login/logout with the access rules of `app.web.auth`.

    Installs `pn.config.authorize_callback` and `pn.config.auth_template` (process-wide Panel settings)
    so that a reader who opens /console gets HTTP 403.
    """
    auth = Authenticator(settings)
    services = ConsoleServices(settings)
    pn.config.authorize_callback = make_authorize(auth)
    pn.config.auth_template = str(REFUSAL_TEMPLATE)

    def page() -> Any:
        identity = session_identity(auth)
        if identity is None or not identity.is_admin:
            return refusal_view("The admin console is for administrators only.")
        try:
            return ConsolePage(services, identity).layout
        except Exception as exc:
            log.exception("the console page could not be built")
            return refusal_view(error_text(exc))

    if not auth.console_enabled:
        log.warning("the admin console is disabled: set CITEWISE_ADMIN_PASSWORD to enable it")
    return ConsoleMount(
        routes={ROUTE: page},
        extra_patterns=[(r"/metrics", MetricsHandler, {"sources": services})],
        serve_kwargs={"auth_provider": CitewiseAuth(auth), "title": {ROUTE: "citewise admin console"}},
    )
