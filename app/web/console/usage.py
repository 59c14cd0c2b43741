"""The Usage tab: questions, latency, tokens and cost per period, prompt variants and feedback.

Every card, chart and table of the tab reads the same period and channel (chat, CLI or both)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd
import panel as pn

from app.web import admin_stats as stats
from app.web.console.plots import (
    CHANNELS,
    PERIODS,
    VARIANT_TITLES,
    card,
    empty,
    html_pane,
    kpi,
    kpi_grid,
    latency_plot,
    money_format,
    number,
    plot_or_empty,
    row,
    stacked_by_day,
    table,
    themed,
)

if TYPE_CHECKING:
    from app.web.console.page import ConsolePage


class UsageTab:
    """Usage over a chosen period."""

    def __init__(self, page: ConsolePage) -> None:
        self.page = page
        self.period = pn.widgets.Select(label="Period", options=PERIODS, value=30, width=160)
        self.channel = pn.widgets.Select(label="Channel", options=CHANNELS, value="", width=160)
        for widget in (self.period, self.channel):
            widget.param.watch(self._on_period, "value")
        themed(self.period, self.channel)
        self.filters = row(self.period, self.channel, margin=(6, 6))

    async def _on_period(self, _event: Any) -> None:
        await self.page.rebuild("usage")

    def usage(self) -> list[Any]:
        qlog = self.page.services.query_log
        since = stats.since_days(self.period.value)
        channel = self.channel.value or None
        u = stats.usage_summary(qlog, since, channel)
        period = next(label for label, days in PERIODS.items() if days == self.period.value)
        none = stats.empty_messages(u, period, channel)
        thumbs = f"{u.thumbs_up} up / {u.thumbs_down} down"
        latency_s = f"{(u.p50_ms or 0) / 1000:.2f} / {(u.p95_ms or 0) / 1000:.2f} s"
        cards = [
            kpi("Questions", number(u.questions), f"{u.blocked} blocked", "questions"),
            kpi("No-answer rate", stats.percent(u.no_answer_rate), f"{u.no_answer} not covered", "no-answer"),
            kpi("Cache hit rate", stats.percent(u.cache_hit_rate), f"{u.cache_hits} of {u.answers} answers",
                "cache"),
            kpi("Unverified citations", stats.percent(u.unverified_rate), f"{u.unverified_answers} answers",
                "unverified", "warn" if u.unverified_answers else ""),
            kpi("Thumbs up", stats.percent(u.thumbs_up_ratio), thumbs, "thumbs"),
            kpi("Latency p50 / p95", latency_s, "end to end", "latency", small=True),
            kpi("Tokens", number(u.prompt_tokens + u.completion_tokens),
                f"{number(u.prompt_tokens)} in / {number(u.completion_tokens)} out", "llm-tokens"),
            kpi("Cost", f"${u.cost_usd:,.4f}", "estimated", "cost"),
        ]
        by_day = stats.queries_by_day(qlog, since, channel)
        latency = stats.latency_by_stage(qlog, since, channel)
        money = stats.tokens_cost_by_day(qlog, since, channel)
        variants = stats.prompt_variants(qlog, since, channel)
        comments = stats.feedback_comments(qlog, since, channel=channel)
        if not money.empty:
            money = money.assign(tokens=money["prompt_tokens"] + money["completion_tokens"])
        tokens = money[money["tokens"] > 0] if not money.empty else money
        cost = money[money["cost_usd"] > 0] if not money.empty else money

        def per_day(frame: pd.DataFrame, stack: str, value: str, title: str, message: str,
                    **options: Any) -> Any:
            return card(plot_or_empty(lambda: stacked_by_day(frame, stack, value, title, **options),
                                      not frame.empty, message or none.questions))

        return [
            html_pane(kpi_grid(cards), margin=(6, 6)),
            row(
                per_day(by_day, "mode", "questions", "Questions per day", none.questions),
                card(plot_or_empty(lambda: latency_plot(latency), not latency.empty, none.latency)),
                basis="420px"),
            row(
                per_day(tokens, "model", "tokens", "Tokens per day by model", none.tokens),
                per_day(cost, "model", "cost_usd", "Cost per day by model (USD)", none.cost,
                        fmt=money_format(cost.groupby("day")["cost_usd"].sum().max() if not cost.empty else 0),
                        counts=False),
                basis="420px"),
            card(self._variants_view(variants, since, channel), title="Prompt variants (A/B)"),
            card(table(comments, widths={"comment": 260, "question": 240, "answer": 300})
                 if not comments.empty else html_pane(empty(none.feedback)),
                 title=f"Feedback ({u.thumbs_up} thumbs up, {u.thumbs_down} thumbs down)"),
        ]

    def _variants_view(self, variants: pd.DataFrame, since: str | None, channel: str | None) -> Any:
        if variants.empty:
            return html_pane(empty("No answers in this period. Set CITEWISE_PROMPT_AB to compare prompt "
                                   "variants."))
        shown = variants.copy()
        for col in ("no_answer_rate", "thumbs_up_ratio"):
            shown[col] = [stats.percent(v) for v in shown[col]]
        for col in ("p50_ms", "p95_ms"):
            shown[col] = [round(v) for v in shown[col]]
        shown["cost_usd"] = [f"${v:,.4f}" for v in shown["cost_usd"]]
        shown["cost_per_answer_usd"] = ["–" if v is None or pd.isna(v) else f"${v:,.5f}"
                                        for v in shown["cost_per_answer_usd"]]
        answers = stats.variant_answers(self.page.services.query_log, 3, since, channel)
        blocks = []
        for variant, items in answers.items():
            body = "".join(
                f'<div class="q">{html.escape(i["question"])}{_rating_note(i["rating"])}</div>'
                f'<div class="a">{html.escape(i["answer"])}</div>' for i in items)
            blocks.append(f'<div class="variant"><h3>{html.escape(variant)}</h3>{body}</div>')
        return pn.Column(
            table(shown, titles=VARIANT_TITLES),
            html_pane(f'<div class="variants">{"".join(blocks)}</div>', margin=(8, 0)),
            sizing_mode="stretch_width",
        )


def _rating_note(rating: int | None) -> str:
    return " (thumbs up)" if (rating or 0) > 0 else " (thumbs down)" if (rating or 0) < 0 else ""
