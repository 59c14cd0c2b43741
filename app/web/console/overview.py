"""The Overview tab: index totals and health (duplicates, missing files, failed files, page metadata)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from bokeh.models import ColumnDataSource

from app.index import KnowledgeIndex
from app.web import admin_stats as stats
from app.web.console.plots import (
    ACCENT,
    SEVERE,
    _figure,
    _legend_above,
    bar_plot,
    card,
    empty,
    histogram_plot,
    html_pane,
    kpi,
    kpi_grid,
    number,
    plot_or_empty,
    row,
    table,
)

if TYPE_CHECKING:
    from app.web.console.page import ConsolePage


class OverviewTab:
    """Index totals (the KPI cards) and the health area under them."""

    def __init__(self, page: ConsolePage) -> None:
        self.page = page

    def totals(self) -> list[Any]:
        t = self.page.services.cached("totals", lambda: stats.index_totals(self.page.services.index))
        failed_tone = "bad" if t.documents_failed else ""
        cards = [
            kpi("Documents", number(t.documents), f"{t.documents_failed} failed", "documents", failed_tone),
            kpi("Chunks", number(t.chunks), f"{number(t.passages)} distinct passages", "chunks"),
            kpi("Tokens", number(t.tokens), "in all chunks", "tokens"),
            kpi("Pages", number(t.pages), "of paged documents", "pages"),
            kpi("Collections", number(t.collections), "", "collections"),
            kpi("Disk size", stats.format_bytes(t.disk_bytes), t.vector_store, "disk"),
            kpi("Embedding model", t.embedding_model.split("/")[-1], f"{t.embedding_dimension} dimensions",
                "model", small=True),
            kpi("Last sync", stats.short_time(t.last_sync_at) or "never", t.last_sync_result, "last-sync",
                small=True),
        ]
        return [html_pane(kpi_grid(cards), margin=(6, 6))]

    def health(self) -> list[Any]:
        data = self.page.services.cached("health", lambda: _health_data(self.page.services.index))
        h, lengths, by_type, pages = data["health"], data["lengths"], data["by_type"], data["pages"]
        failed, missing, dups = data["failed"], data["missing"], data["dups"]
        problems = {
            "duplicate chunks": h.duplicate_chunks, "files missing on disk": h.missing_files,
            "PDF chunks without page": h.chunks_without_page, "failed files": h.failed_files,
            "injection found": h.injection_files, "no text extracted": h.no_text_files,
        }
        cards = []
        for label, value in problems.items():
            tone = ("bad" if label in SEVERE else "warn") if value else "good"
            cards.append(kpi(label.capitalize(), number(value), "", "health-" + label.split()[0], tone))
        hist = plot_or_empty(
            lambda: histogram_plot(stats.histogram(lengths, 20), "Chunk length", "tokens per chunk"),
            bool(lengths), "No chunks yet: index some documents.")
        types = plot_or_empty(
            lambda: bar_plot(by_type["type"], by_type["documents"], "Documents by type"),
            not by_type.empty, "No documents yet.")
        issues = plot_or_empty(
            lambda: bar_plot(list(problems), list(problems.values()), "Health issues", color="#c4364a",
                             horizontal=True),
            any(problems.values()), "No health issues found.")
        page_plot = plot_or_empty(lambda: self._page_plot(pages), not pages.empty, "No chunks yet.")
        return [
            html_pane("<h2 style='margin:14px 6px 4px'>Health</h2>"),
            html_pane(kpi_grid(cards), margin=(6, 6)),
            row(card(hist), card(types), basis="420px"),
            row(card(issues), card(page_plot), basis="420px"),
            card(self._failed_view(failed), title=f"Failed files ({len(failed)})"),
            row(
                card(table(missing) if not missing.empty else html_pane(empty("Every indexed file is on disk.")),
                     title=f"Files missing on disk ({len(missing)})"),
                card(table(dups, page_size=8) if not dups.empty else html_pane(empty("No duplicate chunks.")),
                     title=f"Duplicate chunks ({h.duplicate_chunks})"),
                basis="420px",
            ),
        ]

    @staticmethod
    def _failed_view(failed: pd.DataFrame) -> Any:
        if failed.empty:
            return html_pane(empty("No failed files."))
        return table(failed, widths={"error": 460}, formatters={"error": {"type": "textarea"}},
                     titles={"ingested_at": "ingested at"}, css_classes=["failed-table"])

    @staticmethod
    def _page_plot(pages: pd.DataFrame) -> Any:
        types = list(pages["type"])
        rows = list(zip(pages["chunks"], pages["without_page"], pages["paged"], strict=True))
        keys = ["with page", "no pages in this format", "page missing"]
        source = ColumnDataSource({
            "type": types, keys[0]: [int(c - w) for c, w, _ in rows],
            keys[1]: [0 if paged else int(w) for _, w, paged in rows],
            keys[2]: [int(w) if paged else 0 for _, w, paged in rows],
        })
        fig = _figure("Page metadata of chunks, by file type", x_range=types)
        fig.vbar_stack(keys, x="type", width=0.65, color=[ACCENT, "#c9ced8", "#c4364a"], source=source,
                       legend_label=keys, line_alpha=0)
        fig.y_range.start = 0
        fig.yaxis.ticker.min_interval = 1
        fig.xgrid.grid_line_color = None
        return _legend_above(fig)


def _health_data(index: KnowledgeIndex) -> dict[str, Any]:
    """Everything the health area shows, each read once (files are looked up on disk once)."""
    missing = stats.missing_files(index)
    docs = stats.documents_frame(index)
    pages = stats.chunks_without_page(index)
    return {
        "health": stats.health(index, missing=missing, docs=docs, pages=pages), "missing": missing,
        "lengths": stats.chunk_token_counts(index), "by_type": stats.documents_by_type(index),
        "pages": pages, "failed": stats.failed_files(index), "dups": stats.duplicate_chunks(index),
    }
