"""One admin's console session: the header, the tabs, and refreshing their areas from the stores."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import panel as pn

from app.web.auth import Identity
from app.web.console.documents import DocumentsTab
from app.web.console.moderation import ModerationTab
from app.web.console.overview import OverviewTab
from app.web.console.plots import BUTTON_CSS, TABS_CSS, html_pane, row
from app.web.console.questions import QuestionsTab
from app.web.console.services import ConsoleError, ConsoleServices, error_text
from app.web.console.tester import TesterTab
from app.web.console.usage import UsageTab

log = logging.getLogger(__name__)


@dataclass
class _Area:
    """A region of the page rebuilt on refresh."""

    column: pn.Column
    build: Callable[[], list[Any]]
    objects: list[Any] = field(default_factory=list)


class ConsolePage:
    """One admin's console session."""

    def __init__(self, services: ConsoleServices, identity: Identity) -> None:
        self.services = services
        self.identity = identity
        self.alert = pn.pane.Alert("", alert_type="danger", visible=False, sizing_mode="stretch_width")
        self.refresh_button = pn.widgets.Button(label="Refresh", color="default", width=100)
        self.refresh_button.on_click(self._on_refresh)
        self.overview = OverviewTab(self)
        self.documents = DocumentsTab(self)
        self.tester = TesterTab(self)
        self.usage = UsageTab(self)
        self.questions = QuestionsTab(self)
        self.moderation = ModerationTab(self)
        self.areas: dict[str, _Area] = {}
        for name, builder in (
            ("overview", self.overview.totals), ("health", self.overview.health),
            ("documents", self.documents.documents), ("usage", self.usage.usage),
            ("questions", self.questions.questions), ("moderation", self.moderation.moderation),
        ):
            loading = pn.indicators.LoadingSpinner(value=True, size=24, margin=(12, 12))
            self.areas[name] = _Area(pn.Column(loading, sizing_mode="stretch_width", margin=0), builder)
        pn.state.onload(self.refresh)  # the numbers are read in a worker once the page is shown
        self.refresh_button.stylesheets = [BUTTON_CSS]
        brand = html_pane(self._brand_html(), sizing_mode="stretch_width",
                          styles={"flex": "1 1 300px", "min-width": "0"})
        links = html_pane(self._links_html(), sizing_mode="stretch_width",
                          styles={"flex": "1 1 320px", "min-width": "0"})
        header = row(
            brand, links, pn.Column(self.refresh_button, margin=(12, 16, 10, 12)),
            align_items="center",
            styles={"background": "var(--cw-card, #ffffff)", "border-bottom": "1px solid var(--cw-line, #e2e5eb)"},
        )
        self.tabs = pn.Tabs(
            ("Overview", pn.Column(self.areas["overview"].column, self.areas["health"].column,
                                   sizing_mode="stretch_width")),
            ("Documents", pn.Column(self.documents.actions, self.areas["documents"].column,
                                    sizing_mode="stretch_width")),
            ("Retrieval tester", self.tester.tester),
            ("Usage", pn.Column(self.usage.filters, self.areas["usage"].column,
                                sizing_mode="stretch_width")),
            ("Questions", self.areas["questions"].column),
            ("Moderation", pn.Column(self.moderation.moderation_filters, self.areas["moderation"].column,
                                     sizing_mode="stretch_width")),
            dynamic=False, sizing_mode="stretch_width", margin=(8, 8), stylesheets=[TABS_CSS],
        )
        self.layout = pn.Column(
            header, pn.Row(self.alert, margin=(8, 12, 0, 12), sizing_mode="stretch_width"), self.tabs,
            sizing_mode="stretch_width", margin=0,
            styles={"background": "var(--cw-bg, #f4f5f7)", "min-height": "100vh", "color": "var(--cw-ink, #1d2230)"},
        )

    @staticmethod
    def _brand_html() -> str:
        return ('<div class="bar inline"><div class="brand"><div class="logo">cw</div><div>'
                "<h1>citewise admin console</h1><p>Index health, usage, quality and moderation</p>"
                "</div></div></div>")

    def _links_html(self) -> str:
        name = html.escape(self.identity.name)
        return ('<div class="bar inline links-bar"><div class="links">'
                f'<span>Signed in as <b>{name}</b></span><a href="/" target="_blank">Chat</a>'
                '<a href="/metrics" target="_blank">Metrics</a>'
                '<a href="/logout?next=/console" id="sign-out">Sign out</a></div></div>')

    async def _on_refresh(self, _event: Any) -> None:
        self.refresh_button.loading = True
        try:
            await self.refresh()
        finally:
            self.refresh_button.loading = False

    async def refresh(self) -> None:
        """Recompute every area from the stores, in the worker pool (never on the event loop, where it
        would stall every reader's answer), numbers shared between sessions for a few seconds."""
        self.alert.visible = False
        await asyncio.gather(*(self.rebuild(name) for name in self.areas))
        try:
            collections = await self.in_worker(self.services.index.collections)
        except Exception:  # the overview already shows why the index cannot be read
            log.exception("cannot list the collections")
            return
        self.tester.update_collections(collections)

    async def rebuild(self, name: str) -> None:
        """Recompute one area in a worker; a failure shows as one readable line in that area only."""
        area = self.areas[name]
        try:
            objects = await self.in_worker(area.build)
        except Exception as exc:  # one broken area must not take the page down
            log.exception("console area %s failed", name)
            objects = [pn.pane.Alert(error_text(exc), alert_type="danger", sizing_mode="stretch_width")]
        area.column.objects = objects

    def show_error(self, exc: BaseException) -> None:
        """Show an action's error above the tabs (the traceback goes to the server log)."""
        if not isinstance(exc, ConsoleError):
            log.exception("console action failed", exc_info=exc)
        self.alert.object = error_text(exc)
        self.alert.visible = True

    async def in_worker(self, fn: Callable[[], Any], on_tick: Callable[[], None] | None = None) -> Any:
        """Run `fn` in the console's worker pool, calling `on_tick` on the loop while it runs."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.services.executor, fn)
        while not future.done():
            await asyncio.sleep(0.25)
            if on_tick is not None:
                on_tick()
        return future.result()
