"""What the console adds to the web server: the /console page, for admins only."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from typing import Any

import panel as pn

from app.services import Services
from app.web.auth import Authenticator, session_identity
from app.web.console.page import ConsolePage
from app.web.console.plots import console_template, html_pane
from app.web.console.services import ConsoleServices, error_text

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
    titles: dict[str, str] = field(default_factory=dict)  # browser tab titles by URL path


def console_mount(services: Services, auth: Authenticator) -> ConsoleMount:
    """The /console page for the admin that `auth` identifies (the server installs the access rules)."""
    console = ConsoleServices(services)

    def page() -> Any:
        # The tables are built after the page is shown (in a worker), so load their JavaScript up front.
        pn.extension("tabulator")
        identity = session_identity(auth)
        if identity is None or not identity.is_admin:
            return refusal_view("The admin console is for administrators only.")
        pn.extension("tabulator")  # tables may first appear after an upload: load their code with the page
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            doc.template = console_template()  # viewport for phones, light and dark colours
        try:
            return ConsolePage(console, identity).layout
        except Exception as exc:
            log.exception("the console page could not be built")
            return refusal_view(error_text(exc))

    if not auth.console_enabled:
        log.warning("the admin console is disabled: set CITEWISE_ADMIN_PASSWORD to enable it")
    return ConsoleMount(routes={ROUTE: page}, titles={ROUTE: "citewise admin console"})
