"""The Retrieval tester tab: the dense, BM25 and fused rankings of a query side by side."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import panel as pn

from app.web import admin_stats as stats
from app.web.console.plots import ANY, card, empty, html_pane, ranking_html, row, themed
from app.web.console.services import ConsoleError

if TYPE_CHECKING:
    from app.web.console.page import ConsolePage


class TesterTab:
    """A query box and the three rankings it produces."""

    def __init__(self, page: ConsolePage) -> None:
        self.page = page
        self._build_tester()

    def _build_tester(self) -> None:
        self.test_query = pn.widgets.TextInput(label="Query", placeholder="Type a question or keywords…",
                                               sizing_mode="stretch_width")
        self.test_collection = pn.widgets.Select(label="Collection", options=[ANY], value=ANY, width=180)
        self.test_depth = pn.widgets.IntSlider(label="Results per list", start=3, end=30, value=10, width=200)
        self.test_button = pn.widgets.Button(label="Search", color="primary", width=120)
        self.test_button.on_click(self._on_test)
        self.test_query.styles = {"flex": "1 1 240px"}
        themed(self.test_query, self.test_collection, self.test_depth)
        self.test_query.param.watch(self._on_test, "enter_pressed")
        self.test_results = pn.Column(
            html_pane(empty("Results appear here: the dense (embedding) ranking, the BM25 keyword ranking, and "
                        "the fused ranking the chat uses.")), sizing_mode="stretch_width")
        self.tester = pn.Column(
            card(row(self.test_query, self.test_collection, self.test_depth, self.test_button),
                 title="Retrieval tester"),
            self.test_results, sizing_mode="stretch_width",
        )

    async def _on_test(self, _event: Any) -> None:
        query = self.test_query.value.strip()
        if not query:
            self.page.show_error(ConsoleError("Type a query to test first."))
            return
        collection = None if self.test_collection.value == ANY else self.test_collection.value
        depth = self.test_depth.value
        self.test_button.loading = True
        try:
            result = await self.page.in_worker(lambda: self._rank(query, collection, depth))
        except Exception as exc:
            self.page.show_error(exc)
            return
        finally:
            self.test_button.loading = False
        self.page.alert.visible = False
        timings = " · ".join(f"{k[:-3]} {v:.0f} ms" for k, v in result["timings"].items())
        columns = []
        for key, title, hint in (
            ("dense", "Dense", "cosine similarity of embeddings"),
            ("keyword", "BM25", "keyword score (FTS5)"),
            ("fused", "Fused", self._fused_hint()),
        ):
            columns.append(html_pane(ranking_html(title, hint, result[key]), margin=(6, 6)))
        self.test_results.objects = [
            html_pane(f'<p class="note" id="tester-timings" data-query="{html.escape(query)}" '
                  f'style="margin:4px 8px">Timings: {html.escape(timings)}</p>'),
            row(*columns, basis="300px"),
        ]

    def _fused_hint(self) -> str:
        from app.retrieval import DENSE_WEIGHT

        mode = self.page.services.settings.retrieval_mode
        if mode == "hybrid":
            return f"what the chat uses: {DENSE_WEIGHT:.2f} × dense + {1 - DENSE_WEIGHT:.2f} × scaled BM25"
        return f"what the chat uses (CITEWISE_RETRIEVAL_MODE={mode})"

    def _rank(self, query: str, collection: str | None, depth: int) -> dict[str, Any]:
        from app.retrieval import Filters

        ranking = self.page.services.retriever().rank(query, depth=depth, filters=Filters(collection=collection))
        ids = list(dict.fromkeys(pid for lst in (ranking.dense, ranking.keyword, ranking.fused)
                                 for pid, _ in lst[:depth]))
        chunks = self.page.services.index.chunks_for(ids, collection=collection)

        def frame(items: list[tuple[str, float]]) -> pd.DataFrame:
            rows = []
            for rank, (pid, score) in enumerate(items[:depth], start=1):
                hits = chunks.get(pid) or []
                hit = hits[0] if hits else None
                rows.append({
                    "rank": rank, "score": round(float(score), 4),
                    "document": Path(hit.path).name if hit else "?", "page": hit.page if hit else None,
                    "heading": " > ".join(hit.headings) if hit else "",
                    "text": stats.snippet(hit.text if hit else "", 180),
                })
            return pd.DataFrame(rows, columns=["rank", "score", "document", "page", "heading", "text"])

        return {"dense": frame(ranking.dense), "keyword": frame(ranking.keyword),
                "fused": frame(ranking.fused), "timings": ranking.timings}

    def update_collections(self, collections: list[str]) -> None:
        """Offer the index's collections (and "any") in the collection filter."""
        self.test_collection.options = [ANY, *collections]
