"""The console's look: colours, KPI cards, tables, cards and the Bokeh plots (pure view helpers)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import panel as pn
from bokeh.models import ColumnDataSource, NumeralTickFormatter
from bokeh.plotting import figure
from bokeh.transform import dodge

from app.web.auth import TEMPLATES

ACCENT = "#2f54c7"
PLOT_INK = "#8a90a0"  # titles, labels and legends of plots: legible on the light and the dark cards
PLOT_GRID = "#9aa0ad"
PALETTE = ("#2f54c7", "#e07a1f", "#2a9d6f", "#c4364a", "#7a5bc7", "#8a8f9c", "#d4a21c", "#1f8fb3")
MODE_COLORS = {"llm": "#2f54c7", "offline": "#2a9d6f", "llm-fallback": "#7a5bc7", "no-answer": "#d4a21c",
               "blocked": "#c4364a"}
# Moderation decisions: blocked in the same red as blocked answers, allowed in green, the rest in between.
ACTION_COLORS = {"block": MODE_COLORS["blocked"], "allow": MODE_COLORS["offline"], "warn": MODE_COLORS["no-answer"],
                 "flag": PALETTE[1]}
NEUTRAL = PALETTE[5]
PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": 0}
CHANNELS = {"Chat and CLI": "", "Chat": "chat", "CLI": "cli"}  # where the questions were asked
ANY = "any"

CSS = (TEMPLATES / "console.css").read_text(encoding="utf-8")
THEME_CSS = (TEMPLATES / "console_theme.css").read_text(encoding="utf-8")
# The document around the components: a phone-sized viewport and the light and dark colours (inherited
# custom properties, see console_theme.css); a theme pinned in the chat (localStorage) applies here too.
PAGE_TEMPLATE = """{% extends base %}
{% block postamble %}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<style>""" + THEME_CSS + """</style>
<script>
try { const t = localStorage.getItem("citewise-theme"); if (t) document.documentElement.dataset.theme = t; }
catch (e) {}
</script>
{% endblock %}
"""
# Panel's widgets take their colours from --panel-* properties set on each shadow root: map them to ours.
WIDGET_CSS = """
:host { --panel-background-color: var(--cw-card, #fff); --panel-on-background-color: var(--cw-ink, #1d2230);
  --panel-surface-color: var(--cw-soft, #f3f3f3); --panel-on-surface-color: var(--cw-ink, #1d2230);
  --panel-border-color: var(--cw-line, #e0e0e0); color: var(--cw-ink, #1d2230); font-size: 14px; }
input, select, textarea { background-color: var(--cw-card, #fff) !important; color: var(--cw-ink, #1d2230) !important;
  border-color: var(--cw-line, #e0e0e0) !important; font-size: 14px !important; }
label, .bk-input-group label { color: var(--cw-muted, #5c6474); font-size: 14px; }
"""
TABS_CSS = WIDGET_CSS + """
.bk-header { border-bottom: 1px solid var(--cw-line, #d6dae2) !important; }
.bk-headers-wrapper { flex-wrap: wrap; }  /* every tab in reach on a phone (two lines, no hidden tabs) */
.bk-tab { font-size: 14px; padding: 8px 18px !important; color: var(--cw-muted, #5c6474); border: 0 !important;
  border-bottom: 3px solid transparent !important; background: transparent !important; }
.bk-tab.bk-active { color: var(--cw-accent, #2f54c7); font-weight: 600;
  border-bottom-color: var(--cw-accent, #2f54c7) !important; }
.bk-tab:hover { color: var(--cw-ink, #1d2230); }
@media (max-width: 640px) { .bk-tab { padding: 10px 10px !important; } }
"""
BUTTON_CSS = """.bk-btn { height: 34px; padding: 0 16px; font-size: 14px; }
.bk-btn-default { background: var(--cw-card, #fff); color: var(--cw-ink, #1d2230); border-color: var(--cw-line, #ccc); }
.bk-btn-default:hover { background: var(--cw-accent-soft, #eaf0ff); }
"""
TABLE_CSS = """
.tabulator { background-color: var(--cw-card, #fff) !important; color: var(--cw-ink, #1d2230);
  border-color: var(--cw-line, #e2e5eb) !important; font-size: 14px; }
.tabulator .tabulator-header, .tabulator .tabulator-header .tabulator-col,
.tabulator .tabulator-tableholder, .tabulator .tabulator-footer {
  background-color: var(--cw-card, #fff) !important; color: var(--cw-ink, #1d2230) !important;
  border-color: var(--cw-line, #e2e5eb) !important; }
.tabulator-row, .tabulator-row.tabulator-row-even { background-color: var(--cw-card, #fff) !important;
  color: var(--cw-ink, #1d2230); border-color: var(--cw-grid, #eef0f4) !important; }
.tabulator-row.tabulator-row-even { background-color: var(--cw-soft, #fafbfc) !important; }
.tabulator-row.tabulator-selectable:hover { background-color: var(--cw-accent-soft, #eaf0ff) !important; }
.tabulator input, .tabulator select { background: var(--cw-card, #fff); color: var(--cw-ink, #1d2230);
  border: 1px solid var(--cw-line, #e2e5eb); }
.tabulator .tabulator-footer .tabulator-page { background: var(--cw-card, #fff) !important;
  color: var(--cw-ink, #1d2230) !important; }
"""
FLAG_FORMAT = {"type": "tickCross", "crossElement": False,
               "tickElement": "<span style='color:#c4364a;font-weight:700'>yes</span>"}
CARD_STYLES = {"background": "var(--cw-card, #ffffff)", "border": "1px solid var(--cw-line, #e2e5eb)",
               "border-radius": "12px", "padding": "8px 12px", "color": "var(--cw-ink, #1d2230)",
               "min-width": "0", "box-sizing": "border-box"}
VARIANT_TITLES = {
    "no_answer_rate": "no-answer", "thumbs_up_ratio": "up ratio", "thumbs_up": "up", "thumbs_down": "down",
    "p50_ms": "p50 ms", "p95_ms": "p95 ms", "cost_usd": "cost", "cost_per_answer_usd": "cost / answer",
}
CONFIRM_STYLES = {"background": "var(--cw-bad-bg, #fff6f5)", "border": "1px solid var(--cw-bad-line, #f1b8b3)",
                  "border-radius": "10px", "padding": "4px 8px"}
SEVERE = ("failed files", "injection found")  # health problems shown in red rather than amber


def kpi(label: str, value: Any, hint: str = "", key: str = "", tone: str = "", small: bool = False) -> str:
    """One KPI card as HTML (values escaped); `key` becomes data-kpi for tests."""
    cls = f"kpi {tone}".strip()
    value_cls = "value small" if small else "value"
    return (f'<div class="{cls}" data-kpi="{html.escape(key)}"><div class="label">{html.escape(label)}</div>'
            f'<div class="{value_cls}">{html.escape(str(value))}</div>'
            + (f'<div class="hint">{html.escape(hint)}</div>' if hint else "") + "</div>")


def status_html(inner: str) -> str:
    """The one-line status of the current index job (`inner` is already escaped HTML)."""
    return f'<p class="note" id="job-status">{inner}</p>'


def kpi_grid(cards: Sequence[str]) -> str:
    return f'<div class="kpis">{"".join(cards)}</div>'


def html_pane(text: str = "", **kwargs: Any) -> pn.pane.HTML:
    """An HTML pane with the console's style sheet."""
    options: dict[str, Any] = {"stylesheets": [CSS], "sizing_mode": "stretch_width", "margin": (0, 0)}
    options.update(kwargs)
    return pn.pane.HTML(text, **options)


def empty(message: str) -> str:
    return f'<div class="empty">{html.escape(message)}</div>'


def number(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def money_format(largest: float) -> str:
    """The tick format of a money axis from 0 to `largest`: enough decimals that neighbouring ticks differ
    ($0.00005, $0.0001, $0.00015 rather than $0.0001 twice). Bokeh puts about six ticks on an axis at
    steps of 1, 2 or 5 times a power of ten, so the smallest step is above a twelfth of the range."""
    if largest <= 0:
        return "$0,0.00"
    decimals = max(2, math.ceil(-math.log10(largest / 12)) + 1)
    return "$0,0.00" + (f"[{'0' * (decimals - 2)}]" if decimals > 2 else "")


def _figure(title: str, height: int = 260, **kwargs: Any) -> Any:
    fig = figure(title=title, height=height, sizing_mode="stretch_width", toolbar_location=None, **kwargs)
    fig.title.text_font_size = "13px"
    fig.title.text_color = PLOT_INK  # canvas text cannot read CSS colours: a grey legible on light and dark
    fig.outline_line_color = None
    fig.grid.grid_line_color = PLOT_GRID
    fig.grid.grid_line_alpha = 0.35
    fig.axis.axis_line_color = PLOT_GRID
    fig.axis.major_tick_line_color = PLOT_GRID
    fig.axis.minor_tick_line_color = None
    fig.axis.major_label_text_color = PLOT_INK
    fig.axis.axis_label_text_color = PLOT_INK
    fig.background_fill_alpha = 0  # the card's colour shows through, in either theme
    fig.border_fill_alpha = 0
    fig.min_border_left = 40
    return fig


def histogram_plot(frame: pd.DataFrame, title: str, x_label: str) -> Any:
    fig = _figure(title)
    fig.quad(left="start", right="end", top="count", bottom=0, source=ColumnDataSource(frame),
             fill_color=ACCENT, line_color="white", fill_alpha=0.9)
    fig.xaxis.axis_label = x_label
    fig.yaxis.axis_label = "chunks"
    fig.y_range.start = 0
    fig.yaxis.ticker.min_interval = 1
    return fig


def bar_plot(labels: Sequence[str], values: Sequence[float], title: str, color: str = ACCENT,
             horizontal: bool = False, fmt: str = "0,0", counts: bool = True,
             colors: dict[str, str] | None = None) -> Any:
    """Bars of one colour, or with `colors` each label's own (labels not in it in a neutral grey)."""
    labels = [str(v) for v in labels]
    fills = [colors.get(label, NEUTRAL) if colors is not None else color for label in labels]
    source = ColumnDataSource({"label": labels, "value": list(values), "color": fills})
    color = "color"
    if horizontal:
        fig = _figure(title, height=max(160, 40 + 32 * len(labels)), y_range=list(reversed(labels)))
        fig.hbar(y="label", right="value", height=0.65, source=source, color=color)
        fig.x_range.start = 0
        fig.xaxis.formatter = NumeralTickFormatter(format=fmt)
        fig.ygrid.grid_line_color = None
        if counts:
            fig.xaxis.ticker.min_interval = 1
    else:
        fig = _figure(title, x_range=labels)
        fig.vbar(x="label", top="value", width=0.65, source=source, color=color)
        fig.y_range.start = 0
        fig.yaxis.formatter = NumeralTickFormatter(format=fmt)
        fig.xgrid.grid_line_color = None
        if counts:
            fig.yaxis.ticker.min_interval = 1
    return fig


def stacked_by_day(frame: pd.DataFrame, stack: str, value: str, title: str, fmt: str = "0,0",
                   counts: bool = True) -> Any:
    """Vertical bars per day, stacked by `stack` (mode, model, ...)."""
    table = frame.pivot_table(index="day", columns=stack, values=value, aggfunc="sum", fill_value=0)
    days = [str(d) for d in table.index]
    keys = [str(c) for c in table.columns]
    data: dict[str, list[Any]] = {"day": days}
    for key in keys:
        data[key] = [float(v) for v in table[key]]
    fig = _figure(title, x_range=days)
    spare = iter(c for c in PALETTE if c not in MODE_COLORS.values() or stack != "mode")
    colors = [MODE_COLORS[k] if stack == "mode" and k in MODE_COLORS else next(spare, "#8a8f9c")
              for k in keys]
    fig.vbar_stack(keys, x="day", width=0.7, color=colors, source=ColumnDataSource(data),
                   legend_label=keys, line_alpha=0)
    fig.y_range.start = 0
    fig.yaxis.formatter = NumeralTickFormatter(format=fmt)
    fig.xgrid.grid_line_color = None
    fig.xaxis.major_label_orientation = 0.8 if len(days) > 8 else 0
    if counts:
        fig.yaxis.ticker.min_interval = 1
    return _legend_above(fig)


def _legend_above(fig: Any) -> Any:
    legend = fig.legend[0]
    legend.orientation = "horizontal"
    legend.label_text_font_size = "12px"
    legend.label_text_color = PLOT_INK
    legend.background_fill_alpha = 0
    legend.border_line_color = None
    legend.padding = 0
    legend.margin = 4
    fig.add_layout(legend, "above")
    return fig


def latency_plot(frame: pd.DataFrame) -> Any:
    stages = list(frame["stage"])
    height = max(180, 50 + 34 * len(stages))
    fig = _figure("Latency by stage (ms)", height=height, y_range=list(reversed(stages)))
    source = ColumnDataSource(frame)
    fig.hbar(y=dodge("stage", 0.18, range=fig.y_range), right="p50_ms", height=0.34, source=source,
             color=ACCENT, legend_label="p50")
    fig.hbar(y=dodge("stage", -0.18, range=fig.y_range), right="p95_ms", height=0.34, source=source,
             color="#e07a1f", legend_label="p95")
    fig.x_range.start = 0
    fig.ygrid.grid_line_color = None
    return _legend_above(fig)


def ranking_html(title: str, hint: str, frame: pd.DataFrame) -> str:
    """One ranking of the retrieval tester: rank, score (with a bar), document, heading, passage start."""
    if frame.empty:
        items = '<div class="empty">No matches.</div>'
    else:
        top = max(float(frame["score"].max()), 1e-9)
        rows = []
        for r in frame.to_dict("records"):
            page = r["page"]
            has_page = page is not None and pd.notna(page)
            where = html.escape(r["document"]) + (f", p. {int(page)}" if has_page else "")
            heading = f' <span class="muted">› {html.escape(r["heading"])}</span>' if r["heading"] else ""
            width = max(2, round(100 * max(float(r["score"]), 0.0) / top))
            rows.append(
                f'<li><div class="rank">{r["rank"]}</div><div class="body"><div class="line">'
                f'<b>{where}</b>{heading}<span class="score">{float(r["score"]):.3f}</span></div>'
                f'<div class="meter"><span style="width:{width}%"></span></div>'
                f'<div class="text">{html.escape(r["text"])}</div></div></li>')
        items = f'<ol class="ranking">{"".join(rows)}</ol>'
    return (f'<div class="rank-card"><h2>{html.escape(title)} '
            f'<span class="muted">· {html.escape(hint)}</span></h2>{items}</div>')


def table(frame: pd.DataFrame, **kwargs: Any) -> pn.widgets.Tabulator:
    """A Tabulator that scrolls sideways inside its own box (never the page), in the console's colours."""
    options: dict[str, Any] = {
        "show_index": False, "disabled": True, "sizing_mode": "stretch_width", "layout": "fit_data_stretch",
        "pagination": "local", "page_size": 15, "theme": "simple", "stylesheets": [TABLE_CSS],
    }
    options.update(kwargs)
    return pn.widgets.Tabulator(frame, **options)


def card(*objects: Any, title: str = "", **kwargs: Any) -> pn.Column:
    header = [html_pane(f"<h2>{html.escape(title)}</h2>")] if title else []
    options: dict[str, Any] = {"styles": CARD_STYLES, "sizing_mode": "stretch_width", "margin": (6, 6)}
    options.update(kwargs)
    return pn.Column(*header, *objects, **options)


def row(*objects: Any, basis: str | None = None, **kwargs: Any) -> pn.FlexBox:
    """Objects side by side that wrap onto the next line when the screen is narrow (phones); with `basis`
    each grows from that width (cards of plots and tables share the line, one per line on a phone)."""
    if basis:
        for obj in objects:
            obj.styles = {**obj.styles, "flex": f"1 1 {basis}", "min-width": "0", "max-width": "100%"}
    options: dict[str, Any] = {"flex_wrap": "wrap", "sizing_mode": "stretch_width", "margin": 0,
                               "align_items": "flex-end" if not basis else "stretch"}
    options.update(kwargs)
    return pn.FlexBox(*objects, **options)


def themed(*widgets: Any) -> None:
    """Give Panel widgets the console's colours (light or dark) and 14 px text."""
    for widget in widgets:
        widget.stylesheets = [*widget.stylesheets, WIDGET_CSS]


def console_template() -> Any:
    """The page template of a console session (viewport and colours)."""
    from panel.io.resources import BASE_TEMPLATE, _env

    return _env.from_string(PAGE_TEMPLATE, globals={"base": BASE_TEMPLATE})


def plot_or_empty(make: Callable[[], Any], has_data: bool, message: str) -> Any:
    return make() if has_data else html_pane(empty(message))
