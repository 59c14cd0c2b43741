"""The Questions tab: recent questions with their answers, sources and timings."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from app.web import admin_stats as stats
from app.web.console.plots import card, empty, html_pane, table

if TYPE_CHECKING:
    from app.web.console.page import ConsolePage


class QuestionsTab:
    """The newest questions, searchable, with the full answer on expansion."""

    def __init__(self, page: ConsolePage) -> None:
        self.page = page

    def questions(self) -> list[Any]:
        frame = stats.recent_questions(self.page.services.query_log, limit=500)
        if frame.empty:
            return [card(html_pane(empty("No questions yet. They appear here as readers ask in the chat.")),
                         title="Recent questions")]
        full = frame.set_index("id")
        shown = frame.assign(answer=[stats.snippet(a, 140) for a in frame["answer"]])

        def details(row: pd.Series) -> Any:
            entry = full.loc[row["id"]]
            return html_pane(
                '<div style="padding:8px 12px;font-size:13px"><b>Answer</b>'
                f'<div style="white-space:pre-wrap">{html.escape(entry["answer"])}</div>'
                f'<p><b>Sources:</b> {html.escape(entry["sources"] or "none")}</p>'
                f'<p><b>Timings (ms):</b> {html.escape(entry["timings"])}</p></div>')

        questions = table(
            shown, page_size=20, row_content=details, hidden_columns=["id"], css_classes=["questions-table"],
            header_filters={c: {"type": "input", "func": "like", "placeholder": "search"}
                            for c in ("question", "answer", "mode", "sources", "moderation", "variant")},
            widths={"question": 240, "answer": 320, "sources": 200, "timings": 220},
            titles={"total_ms": "total ms", "cost_usd": "cost $"},
        )
        return [card(
            html_pane('<p class="note">Newest first; personal data was redacted before it was logged. Click the '
                  "▸ of a row for the full answer.</p>"),
            questions, title=f"Recent questions ({len(frame)})",
        )]
