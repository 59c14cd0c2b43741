"""The Moderation tab: the audit log's decisions by category, action and layer, and its entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import panel as pn

from app.web import admin_stats as stats
from app.web.console.plots import ACTION_COLORS, ANY, bar_plot, card, empty, html_pane, row, table, themed

if TYPE_CHECKING:
    from app.web.console.page import ConsolePage


class ModerationTab:
    """Filters over the audit log and what they select."""

    def __init__(self, page: ConsolePage) -> None:
        self.page = page
        self._build_moderation_filters()

    def _build_moderation_filters(self) -> None:
        self.mod_layer = pn.widgets.Select(label="Layer", options=[ANY], value=ANY, width=160)
        self.mod_action = pn.widgets.Select(label="Action", options=[ANY], value=ANY, width=160)
        self.mod_category = pn.widgets.Select(label="Category", options=[ANY], value=ANY, width=220)
        for widget in (self.mod_layer, self.mod_action, self.mod_category):
            widget.param.watch(self._on_filter, "value")
        themed(self.mod_layer, self.mod_action, self.mod_category)
        self.moderation_filters = card(row(self.mod_layer, self.mod_action, self.mod_category),
                                       title="Moderation audit log")

    def moderation(self) -> list[Any]:
        audit = self.page.services.audit_log
        counts = stats.audit_counts(audit)
        for widget, values in ((self.mod_layer, counts.by_layer), (self.mod_action, counts.by_action),
                               (self.mod_category, counts.by_category)):
            options = [ANY, *sorted(values)]
            if widget.value not in options:
                options.append(widget.value)
            widget.options = options

        def chosen(widget: pn.widgets.Select) -> str | None:
            return None if widget.value == ANY else widget.value

        entries = stats.audit_entries(audit, 500, chosen(self.mod_layer), chosen(self.mod_action),
                                      chosen(self.mod_category))
        if not counts.total:
            charts: list[Any] = [card(html_pane(empty("No moderation decisions recorded yet.")))]
        else:
            top = sorted(counts.by_category.items(), key=lambda kv: -kv[1])[:12]
            charts = [
                card(bar_plot([k for k, _ in top], [v for _, v in top], "Decisions by category",
                              color="#7a5bc7", horizontal=True)),
                card(bar_plot(list(counts.by_action), list(counts.by_action.values()), "Decisions by action",
                              colors=ACTION_COLORS, horizontal=True),
                     bar_plot(list(counts.by_layer), list(counts.by_layer.values()), "Decisions by layer",
                              horizontal=True)),
            ]
        body = (table(entries, page_size=20, widths={"excerpt": 420}, css_classes=["audit-table"])
                if not entries.empty
                else html_pane(empty("No audit entries match these filters.")))
        return [row(*charts, basis="420px"),
                card(body, title=f"Entries ({len(entries)}{'+' if len(entries) >= 500 else ''})")]

    async def _on_filter(self, _event: Any) -> None:
        await self.page.rebuild("moderation")
