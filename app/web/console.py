"""The admin console at /console: what is in the index, how it is used, where it fails, and how to fix it.

`console_mount(settings)` returns what the web server adds to `pn.serve`: the /console page, the /metrics
endpoint, the login/logout pages (through the auth provider in `serve_kwargs`) and the access rules of
`app.web.auth` (which also installs Panel's authorize callback; see its docstring for how readers get a
403). Every number comes from `app.web.admin_stats`; this module only lays them out and runs the actions
(upload, re-sync, delete, retrieval test) in a worker thread, so the page stays responsive. Errors are
shown as one readable line; tracebacks go to the server log only.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn
from bokeh.models import ColumnDataSource, NumeralTickFormatter
from bokeh.plotting import figure
from bokeh.transform import dodge

from app.errors import user_message
from app.index import KnowledgeIndex
from app.query_log import QueryLog
from app.settings import Settings
from app.web import admin_stats as stats
from app.web.auth import (
    REFUSAL_TEMPLATE,
    TEMPLATES,
    Authenticator,
    CitewiseAuth,
    Identity,
    make_authorize,
    session_identity,
)
from app.web.metrics import MetricsHandler

log = logging.getLogger(__name__)

ROUTE = "/console"
ACCENT = "#2f54c7"
PALETTE = ("#2f54c7", "#e07a1f", "#2a9d6f", "#c4364a", "#7a5bc7", "#8a8f9c", "#d4a21c", "#1f8fb3")
MODE_COLORS = {"llm": "#2f54c7", "offline": "#2a9d6f", "llm-fallback": "#7a5bc7", "no-answer": "#d4a21c",
               "blocked": "#c4364a"}
PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": 0}
ANY = "any"
UPLOAD_LIMIT_MB = 15  # a browser upload travels in one websocket message (Bokeh's default limit: 20 MB)

CSS = (TEMPLATES / "console.css").read_text(encoding="utf-8")
TABS_CSS = """
.bk-header { border-bottom: 1px solid #d6dae2 !important; }
.bk-tab { font-size: 14px; padding: 8px 18px !important; color: #5c6474; border: 0 !important;
  border-bottom: 3px solid transparent !important; background: transparent !important; }
.bk-tab.bk-active { color: #2f54c7; font-weight: 600; border-bottom-color: #2f54c7 !important; }
.bk-tab:hover { color: #1d2230; }
"""
BUTTON_CSS = ".bk-btn { height: 34px; padding: 0 16px; font-size: 14px; }"
FLAG_FORMAT = {"type": "tickCross", "crossElement": False,
               "tickElement": "<span style='color:#c4364a;font-weight:700'>yes</span>"}
CARD_STYLES = {"background": "#ffffff", "border": "1px solid #e2e5eb", "border-radius": "12px",
               "padding": "8px 12px"}
VARIANT_TITLES = {
    "no_answer_rate": "no-answer", "thumbs_up_ratio": "up ratio", "thumbs_up": "up", "thumbs_down": "down",
    "p50_ms": "p50 ms", "p95_ms": "p95 ms", "cost_usd": "cost", "cost_per_answer_usd": "cost / answer",
}
CONFIRM_STYLES = {"background": "#fff6f5", "border": "1px solid #f1b8b3", "border-radius": "10px",
                  "padding": "4px 8px"}
SEVERE = ("failed files", "injection found")  # health problems shown in red rather than amber


# --- shared services -----------------------------------------------------------------------------------
class ConsoleServices:
    """What every console session shares: the index, the logs, the embedder (opened on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.audit_path = settings.logs_dir / "audit.sqlite3"
        self.uploads_dir = settings.data_dir / "uploads"
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="citewise-console")
        self.write_lock = threading.Lock()  # one index update (sync, upload, delete) at a time
        self._open_lock = threading.RLock()
        self._index: KnowledgeIndex | None = None
        self._log: QueryLog | None = None
        self._retriever: Any = None

    @property
    def index(self) -> KnowledgeIndex:
        with self._open_lock:
            if self._index is None:
                self._index = KnowledgeIndex(self.settings)
            return self._index

    @property
    def query_log(self) -> QueryLog:
        with self._open_lock:
            if self._log is None:
                self._log = QueryLog(self.settings.logs_dir / "queries.sqlite3")
            return self._log

    @property
    def embedder(self) -> Any:
        from app.embeddings import get_embedder

        return get_embedder(self.settings)

    def retriever(self) -> Any:
        from app.retrieval import Retriever

        with self._open_lock:
            if self._retriever is None:
                self._retriever = Retriever(self.index, self.embedder, self.settings)
            return self._retriever

    def sync_options(self, collection: str, prune: bool = False) -> Any:
        from ingest.sync import SyncOptions

        s = self.settings
        return SyncOptions(
            collection=collection or s.default_collection, prune=prune, chunk_tokens=s.chunk_tokens,
            overlap_tokens=s.chunk_overlap_tokens, max_file_bytes=int(s.max_file_mb * 2**20),
        )

    def sync(self, paths: Sequence[Path], collection: str, prune: bool, progress: Any) -> Any:
        """The same ingestion as `python -m ingest sync` (passage scan included), one at a time."""
        from ingest.sync import passage_scanner, sync

        if not self.write_lock.acquire(blocking=False):
            raise ConsoleError("Another index update is running. Wait for it to finish, then try again.")
        try:
            options = self.sync_options(collection, prune)
            return sync(self.index, self.embedder, list(paths), options, progress,
                        scan_passage=passage_scanner(self.settings))
        finally:
            self.write_lock.release()

    def delete(self, paths: Sequence[str]) -> int:
        """Remove documents from the catalog, keyword index and vectors; delete our copies of uploads."""
        if not self.write_lock.acquire(blocking=False):
            raise ConsoleError("Another index update is running. Wait for it to finish, then try again.")
        try:
            index = self.index
            index.begin_write()
            removed = index.remove_files(list(paths))
            index.end_write()
        finally:
            self.write_lock.release()
        uploads = self.uploads_dir.resolve()
        for path in paths:
            copy = Path(path)
            if copy.is_relative_to(uploads) and copy.is_file():
                copy.unlink()
        return removed

    def save_uploads(
        self, names: Sequence[str], contents: Sequence[bytes], collection: str
    ) -> tuple[list[Path], list[str]]:
        """Write uploaded files under <data_dir>/uploads/<collection>/; return (saved, problems)."""
        from ingest.readers import SUPPORTED_TYPES, detect_type

        folder = self.uploads_dir / _safe_name(collection or self.settings.default_collection)
        saved: list[Path] = []
        problems: list[str] = []
        limit = self.settings.max_file_mb * 2**20
        for name, data in zip(names, contents, strict=True):
            clean = _safe_name(Path(name).name)
            if not clean or clean.startswith("."):
                problems.append(f"{name}: not a usable file name; rename it and upload again")
                continue
            if detect_type(Path(clean)) is None:
                kinds = ", ".join(sorted(SUPPORTED_TYPES))
                problems.append(f"{name}: citewise cannot index this kind of file (supported: {kinds})")
                continue
            if len(data) > limit:
                mb = self.settings.max_file_mb
                problems.append(f"{name}: larger than CITEWISE_MAX_FILE_MB ({mb:g} MB)")
                continue
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / clean
            target.write_bytes(data)
            saved.append(target.resolve())
        return saved, problems


class ConsoleError(Exception):
    """Something the admin can act on; the message says how."""


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\- ]+", "_", name).strip().strip(".") if name else ""


class SyncProgress:
    """Collects ingest progress from the worker thread; the page polls `snapshot()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.chunks = 0
        self.last = ""

    def start(self, total_files: int) -> None:
        with self._lock:
            self.total = total_files

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        with self._lock:
            self.done += 1
            self.chunks += chunks
            self.last = f"{outcome} {Path(path).name}" + (f": {detail}" if detail else "")

    def finish(self) -> None: ...

    def snapshot(self) -> tuple[int, int, int, str]:
        with self._lock:
            return self.done, self.total, self.chunks, self.last


def sync_summary(report: Any) -> tuple[str, list[str]]:
    """One line for a sync report, and the failures (file: reason)."""
    line = (f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
            f"{len(report.removed)} removed, {len(report.skipped)} skipped, {len(report.failed)} failed "
            f"- {report.chunks_added} chunks added in {report.seconds:.1f} s.")
    failures = [f"{Path(f['path']).name}: {f['error']}" for f in report.failed]
    return line, failures


def error_text(exc: BaseException) -> str:
    """A readable one-liner for an error, never a traceback (that goes to the server log)."""
    if isinstance(exc, ConsoleError):
        return str(exc)
    message = user_message(exc)
    if message:
        return message
    return f"Something went wrong ({type(exc).__name__}). The details are in the server log."


# --- small view helpers ----------------------------------------------------------------------------------
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


def _html(text: str = "", **kwargs: Any) -> pn.pane.HTML:
    options: dict[str, Any] = {"stylesheets": [CSS], "sizing_mode": "stretch_width", "margin": (0, 0)}
    options.update(kwargs)
    return pn.pane.HTML(text, **options)


def empty(message: str) -> str:
    return f'<div class="empty">{html.escape(message)}</div>'


def number(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def _figure(title: str, height: int = 260, **kwargs: Any) -> Any:
    fig = figure(title=title, height=height, sizing_mode="stretch_width", toolbar_location=None, **kwargs)
    fig.title.text_font_size = "13px"
    fig.title.text_color = "#1d2230"
    fig.outline_line_color = None
    fig.grid.grid_line_color = "#eef0f4"
    fig.axis.axis_line_color = "#c9ced8"
    fig.axis.major_tick_line_color = "#c9ced8"
    fig.axis.minor_tick_line_color = None
    fig.axis.major_label_text_color = "#5c6474"
    fig.background_fill_color = "#ffffff"
    fig.border_fill_color = "#ffffff"
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
             horizontal: bool = False, fmt: str = "0,0", counts: bool = True) -> Any:
    labels = [str(v) for v in labels]
    source = ColumnDataSource({"label": labels, "value": list(values)})
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
    legend.label_text_font_size = "11px"
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
    options: dict[str, Any] = {
        "show_index": False, "disabled": True, "sizing_mode": "stretch_width", "layout": "fit_data_stretch",
        "pagination": "local", "page_size": 15, "theme": "simple",
    }
    options.update(kwargs)
    return pn.widgets.Tabulator(frame, **options)


def card(*objects: Any, title: str = "", **kwargs: Any) -> pn.Column:
    header = [_html(f"<h2>{html.escape(title)}</h2>")] if title else []
    options: dict[str, Any] = {"styles": CARD_STYLES, "sizing_mode": "stretch_width", "margin": (6, 6)}
    options.update(kwargs)
    return pn.Column(*header, *objects, **options)


def plot_or_empty(make: Callable[[], Any], has_data: bool, message: str) -> Any:
    return make() if has_data else _html(empty(message))


# --- the page --------------------------------------------------------------------------------------------
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
        self._areas: list[_Area] = []
        self.period = pn.widgets.Select(name="Period", options=PERIODS, value=30, width=160)
        self.period.param.watch(lambda _e: self._rebuild("usage"), "value")
        self.refresh_button = pn.widgets.Button(name="Refresh", button_type="default", width=100)
        self.refresh_button.on_click(lambda _e: self.refresh())
        self._build_actions()
        self._build_tester()
        self._build_moderation_filters()
        self.areas: dict[str, _Area] = {}
        for name, builder in (
            ("overview", self._overview), ("health", self._health), ("documents", self._documents),
            ("usage", self._usage), ("questions", self._questions), ("moderation", self._moderation),
        ):
            self.areas[name] = _Area(pn.Column(sizing_mode="stretch_width", margin=0), builder)
        self.refresh()
        self.refresh_button.stylesheets = [BUTTON_CSS]
        header = pn.Row(
            _html(self._brand_html()), _html(self._links_html(), sizing_mode="fixed", width=380, height=62),
            pn.Column(self.refresh_button, margin=(14, 24, 0, 0)),
            sizing_mode="stretch_width", margin=0,
            styles={"background": "#ffffff", "border-bottom": "1px solid #e2e5eb"},
        )
        self.tabs = pn.Tabs(
            ("Overview", pn.Column(self.areas["overview"].column, self.areas["health"].column,
                                   sizing_mode="stretch_width")),
            ("Documents", pn.Column(self.actions, self.areas["documents"].column,
                                    sizing_mode="stretch_width")),
            ("Retrieval tester", self.tester),
            ("Usage", pn.Column(pn.Row(self.period, margin=(6, 6)), self.areas["usage"].column,
                                sizing_mode="stretch_width")),
            ("Questions", self.areas["questions"].column),
            ("Moderation", pn.Column(self.moderation_filters, self.areas["moderation"].column,
                                     sizing_mode="stretch_width")),
            dynamic=False, sizing_mode="stretch_width", margin=(8, 18), stylesheets=[TABS_CSS],
        )
        self.layout = pn.Column(
            header, pn.Row(self.alert, margin=(8, 24, 0, 24)), self.tabs,
            sizing_mode="stretch_width", margin=0, styles={"background": "#f4f5f7", "min-height": "100vh"},
        )

    # --- refresh -----------------------------------------------------------------------------------
    @staticmethod
    def _brand_html() -> str:
        return ('<div class="bar inline"><div class="brand"><div class="logo">cw</div><div>'
                "<h1>citewise admin console</h1><p>Index health, usage, quality and moderation</p>"
                "</div></div></div>")

    def _links_html(self) -> str:
        name = html.escape(self.identity.name)
        return ('<div class="bar inline" style="justify-content:flex-end"><div class="links">'
                f'<span>Signed in as <b>{name}</b></span><a href="/" target="_blank">Chat</a>'
                '<a href="/metrics" target="_blank">Metrics</a>'
                '<a href="/logout?next=/console" id="sign-out">Sign out</a></div></div>')

    def refresh(self) -> None:
        """Recompute every area from the stores."""
        self.alert.visible = False
        for name in self.areas:
            self._rebuild(name)
        try:
            self.test_collection.options = [ANY, *self.services.index.collections()]
        except Exception:  # the overview already shows why the index cannot be read
            log.exception("cannot list the collections")

    def _rebuild(self, name: str) -> None:
        area = self.areas[name]
        try:
            area.column.objects = area.build()
        except Exception as exc:  # one broken area must not take the page down
            log.exception("console area %s failed", name)
            alert = pn.pane.Alert(error_text(exc), alert_type="danger", sizing_mode="stretch_width")
            area.column.objects = [alert]

    def show_error(self, exc: BaseException) -> None:
        if not isinstance(exc, ConsoleError):
            log.exception("console action failed", exc_info=exc)
        self.alert.object = error_text(exc)
        self.alert.visible = True

    async def _in_worker(self, fn: Callable[[], Any], on_tick: Callable[[], None] | None = None) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.services.executor, fn)
        while not future.done():
            await asyncio.sleep(0.25)
            if on_tick is not None:
                on_tick()
        return future.result()

    # --- overview and health -------------------------------------------------------------------------
    def _overview(self) -> list[Any]:
        t = stats.index_totals(self.services.index)
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
        return [_html(kpi_grid(cards), margin=(6, 6))]

    def _health(self) -> list[Any]:
        index = self.services.index
        h = stats.health(index)
        lengths = stats.chunk_token_counts(index)
        by_type = stats.documents_by_type(index)
        pages = stats.chunks_without_page(index)
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
        failed = stats.failed_files(index)
        missing = stats.missing_files(index)
        dups = stats.duplicate_chunks(index)
        return [
            _html("<h2 style='margin:14px 6px 4px'>Health</h2>"),
            _html(kpi_grid(cards), margin=(6, 6)),
            pn.Row(card(hist), card(types), sizing_mode="stretch_width"),
            pn.Row(card(issues), card(page_plot), sizing_mode="stretch_width"),
            card(self._failed_view(failed), title=f"Failed files ({len(failed)})"),
            pn.Row(
                card(table(missing) if not missing.empty else _html(empty("Every indexed file is on disk.")),
                     title=f"Files missing on disk ({len(missing)})"),
                card(table(dups, page_size=8) if not dups.empty else _html(empty("No duplicate chunks.")),
                     title=f"Duplicate chunks ({h.duplicate_chunks})"),
                sizing_mode="stretch_width",
            ),
        ]

    @staticmethod
    def _failed_view(failed: pd.DataFrame) -> Any:
        if failed.empty:
            return _html(empty("No failed files."))
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

    # --- documents and actions -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        s = self.services.settings
        accept = ",".join(sorted(_supported_suffixes()))
        self.upload_input = pn.widgets.FileInput(multiple=True, accept=accept, sizing_mode="stretch_width")
        self.upload_collection = pn.widgets.TextInput(name="Collection", value=s.default_collection,
                                                      width=180)
        self.upload_button = pn.widgets.Button(name="Upload and index", button_type="primary", width=160)
        self.upload_button.on_click(self._on_upload)
        self.folder_input = pn.widgets.TextInput(
            name="Folder on the server", placeholder="/path/to/documents", sizing_mode="stretch_width")
        self.folder_collection = pn.widgets.TextInput(name="Collection", value=s.default_collection,
                                                      width=180)
        self.prune = pn.widgets.Checkbox(name="Remove indexed files that vanished from the folder",
                                         value=True)
        self.sync_button = pn.widgets.Button(name="Sync folder", button_type="primary", width=160)
        self.sync_button.on_click(self._on_sync)
        self.progress = pn.indicators.Progress(value=0, max=1, visible=False, sizing_mode="stretch_width",
                                               bar_color="primary")
        self.job_status = _html("")
        self.job_failures = _html("")
        upload = card(
            _html(f'<p class="note">PDF, Markdown, text, HTML or DOCX, up to {UPLOAD_LIMIT_MB} MB per '
                  "upload. Files are saved under the data folder's <code>uploads/</code> and indexed like "
                  "<code>python -m ingest sync</code>.</p>"),
            self.upload_input, pn.Row(self.upload_collection, self.upload_button, align="end"),
            title="Upload files",
        )
        resync = card(
            _html('<p class="note">Index new and changed files of a folder the server can read; unchanged '
                  "files cost nothing.</p>"),
            self.folder_input, pn.Row(self.folder_collection, self.sync_button, align="end"), self.prune,
            title="Re-sync a folder",
        )
        self.actions = pn.Column(
            pn.Row(upload, resync, sizing_mode="stretch_width"),
            pn.Column(self.progress, self.job_status, self.job_failures, sizing_mode="stretch_width",
                      margin=(0, 12)),
            sizing_mode="stretch_width",
        )
        self.delete_button = pn.widgets.Button(name="Delete selected", button_type="danger", disabled=True,
                                               width=160)
        self.delete_button.on_click(self._on_delete_request)
        self.confirm_text = _html("")
        self.confirm_button = pn.widgets.Button(name="Yes, delete", button_type="danger", width=120)
        self.confirm_button.on_click(self._on_delete_confirm)
        self.cancel_button = pn.widgets.Button(name="Cancel", width=100)
        self.cancel_button.on_click(lambda _e: self._close_confirm())
        self.confirm_row = pn.Row(self.confirm_text, self.confirm_button, self.cancel_button, visible=False,
                                  sizing_mode="stretch_width", styles=CONFIRM_STYLES)
        self.documents_table: pn.widgets.Tabulator | None = None
        self._pending_delete: list[str] = []

    def _documents(self) -> list[Any]:
        frame = stats.documents_frame(self.services.index)
        if frame.empty:
            self.documents_table = None
            return [card(_html(empty("The index is empty. Upload files or sync a folder above.")),
                         title="Documents (0)")]
        frame = frame[[
            "name", "type", "status", "injection", "no_text", "pages", "chunks", "tokens", "ingested_at",
            "collection", "error", "path", "size",
        ]]
        self.documents_table = table(
            frame, selectable="checkbox", page_size=20, header_filters={
                "name": {"type": "input", "func": "like", "placeholder": "search"},
                "path": {"type": "input", "func": "like", "placeholder": "search"},
                "collection": {"type": "input", "func": "like", "placeholder": "filter"},
                "type": {"type": "input", "func": "like", "placeholder": "filter"},
                "status": {"type": "input", "func": "like", "placeholder": "filter"},
                "error": {"type": "input", "func": "like", "placeholder": "search"},
            },
            titles={"ingested_at": "ingested at", "injection": "injection found",
                    "no_text": "no text extracted", "size": "bytes"},
            formatters={"injection": FLAG_FORMAT, "no_text": FLAG_FORMAT, "error": {"type": "textarea"}},
            widths={"path": 320, "error": 260}, text_align={"injection": "center", "no_text": "center"},
            frozen_columns=["name"], css_classes=["documents-table"],
        )
        self.documents_table.param.watch(self._on_selection, "selection")
        self.delete_button.disabled = True
        self._close_confirm()
        return [card(
            pn.Row(_html(f"<h2>Documents ({len(frame)})</h2>"), self.delete_button,
                   sizing_mode="stretch_width"),
            self.confirm_row,
            _html('<p class="note">Click a column title to sort; type in the boxes under the titles to '
                  "search. Select documents with the checkboxes to delete them from the index.</p>"),
            self.documents_table,
        )]

    def _on_selection(self, event: Any) -> None:
        self.delete_button.disabled = not event.new
        self.delete_button.name = f"Delete selected ({len(event.new)})" if event.new else "Delete selected"

    def _on_delete_request(self, _event: Any) -> None:
        if self.documents_table is None:
            return
        chosen = self.documents_table.selected_dataframe
        self._pending_delete = list(chosen["path"])
        if not self._pending_delete:
            return
        names = ", ".join(Path(p).name for p in self._pending_delete[:5])
        more = f" and {len(self._pending_delete) - 5} more" if len(self._pending_delete) > 5 else ""
        self.confirm_text.object = (
            f"<p style='margin:8px 4px'>Delete <b>{html.escape(names)}</b>{more} from the index (vectors, "
            "keyword index and catalog)? Files on disk are kept, except copies uploaded here.</p>")
        self.confirm_row.visible = True

    def _close_confirm(self) -> None:
        self.confirm_row.visible = False
        self._pending_delete = []

    async def _on_delete_confirm(self, _event: Any) -> None:
        paths = list(self._pending_delete)
        self._close_confirm()
        if not paths:
            return
        self.confirm_button.loading = True
        try:
            removed = await self._in_worker(lambda: self.services.delete(paths))
            self.job_status.object = status_html(f"Deleted {removed} document(s) from the index.")
            self.job_failures.object = ""
        except Exception as exc:
            self.show_error(exc)
        finally:
            self.confirm_button.loading = False
        self.refresh()

    async def _on_upload(self, _event: Any) -> None:
        names = _as_list(self.upload_input.filename)
        contents = _as_list(self.upload_input.value)
        if not names:
            self.show_error(ConsoleError("Choose one or more files first."))
            return
        collection = self.upload_collection.value.strip()
        try:
            saved, problems = await self._in_worker(
                lambda: self.services.save_uploads(names, contents, collection))
        except Exception as exc:
            self.show_error(exc)
            return
        if not saved:
            self.show_error(ConsoleError("Nothing was indexed. " + " ".join(problems)))
            return
        await self._run_sync(saved, collection, prune=False, button=self.upload_button, problems=problems)
        self.upload_input.clear()

    async def _on_sync(self, _event: Any) -> None:
        raw = self.folder_input.value.strip()
        if not raw:
            self.show_error(ConsoleError("Type the path of a folder on the server first."))
            return
        folder = Path(raw).expanduser()
        if not folder.is_absolute():
            self.show_error(ConsoleError(f"{raw} is not an absolute path: type the full path (/srv/docs)."))
            return
        if not folder.exists():
            self.show_error(ConsoleError(f"{raw} does not exist on the server (or it cannot read it)."))
            return
        collection = self.folder_collection.value.strip()
        await self._run_sync([folder], collection, self.prune.value, self.sync_button)

    async def _run_sync(self, paths: list[Path], collection: str, prune: bool, button: pn.widgets.Button,
                        problems: Sequence[str] = ()) -> None:
        self.alert.visible = False
        progress = SyncProgress()
        self.progress.value, self.progress.max, self.progress.visible = 0, 1, True
        self.job_status.object = status_html("Indexing… (reading, chunking and embedding)")
        self.job_failures.object = ""
        button.loading = True

        def tick() -> None:
            done, total, chunks, last = progress.snapshot()
            self.progress.max = max(total, 1)
            self.progress.value = min(done, self.progress.max)
            self.job_status.object = status_html(
                f"Indexing… {done}/{total} files, {chunks} chunks. {html.escape(last)}")

        try:
            report = await self._in_worker(
                lambda: self.services.sync(paths, collection, prune, progress), tick)
        except Exception as exc:
            self.progress.visible = False
            self.job_status.object = ""
            self.show_error(exc)
            return
        finally:
            button.loading = False
        line, failures = sync_summary(report)
        failures = list(problems) + failures
        self.progress.visible = False
        self.job_status.object = status_html(f"<b>Sync finished:</b> {html.escape(line)}")
        if failures:
            items = "".join(f"<li>{html.escape(f)}</li>" for f in failures)
            self.job_failures.object = ('<div class="note" id="job-problems" style="color:#7a1f17">'
                                        f"<b>Problems:</b><ul>{items}</ul></div>")
        self.refresh()

    # --- retrieval tester ----------------------------------------------------------------------------
    def _build_tester(self) -> None:
        self.test_query = pn.widgets.TextInput(name="Query", placeholder="Type a question or keywords…",
                                               sizing_mode="stretch_width")
        self.test_collection = pn.widgets.Select(name="Collection", options=[ANY], value=ANY, width=180)
        self.test_depth = pn.widgets.IntSlider(name="Results per list", start=3, end=30, value=10, width=200)
        self.test_button = pn.widgets.Button(name="Search", button_type="primary", width=120)
        self.test_button.on_click(self._on_test)
        self.test_query.param.watch(self._on_test, "enter_pressed")
        self.test_results = pn.Column(
            _html(empty("Results appear here: the dense (embedding) ranking, the BM25 keyword ranking, and "
                        "the fused ranking the chat uses.")), sizing_mode="stretch_width")
        self.tester = pn.Column(
            card(pn.Row(self.test_query, self.test_collection, self.test_depth, self.test_button, align="end",
                        sizing_mode="stretch_width"), title="Retrieval tester"),
            self.test_results, sizing_mode="stretch_width",
        )

    async def _on_test(self, _event: Any) -> None:
        query = self.test_query.value.strip()
        if not query:
            self.show_error(ConsoleError("Type a query to test first."))
            return
        collection = None if self.test_collection.value == ANY else self.test_collection.value
        depth = self.test_depth.value
        self.test_button.loading = True
        try:
            result = await self._in_worker(lambda: self._rank(query, collection, depth))
        except Exception as exc:
            self.show_error(exc)
            return
        finally:
            self.test_button.loading = False
        self.alert.visible = False
        timings = " · ".join(f"{k[:-3]} {v:.0f} ms" for k, v in result["timings"].items())
        columns = []
        for key, title, hint in (
            ("dense", "Dense", "cosine similarity of embeddings"),
            ("keyword", "BM25", "keyword score (FTS5)"),
            ("fused", "Fused", self._fused_hint()),
        ):
            columns.append(_html(ranking_html(title, hint, result[key]), margin=(6, 6)))
        self.test_results.objects = [
            _html(f'<p class="note" id="tester-timings" data-query="{html.escape(query)}" '
                  f'style="margin:4px 8px">Timings: {html.escape(timings)}</p>'),
            pn.Row(*columns, sizing_mode="stretch_width"),
        ]

    def _fused_hint(self) -> str:
        from app.retrieval import DENSE_WEIGHT

        mode = self.services.settings.retrieval_mode
        if mode == "hybrid":
            return f"what the chat uses: {DENSE_WEIGHT:.2f} × dense + {1 - DENSE_WEIGHT:.2f} × scaled BM25"
        return f"what the chat uses (CITEWISE_RETRIEVAL_MODE={mode})"

    def _rank(self, query: str, collection: str | None, depth: int) -> dict[str, Any]:
        from app.retrieval import Filters

        ranking = self.services.retriever().rank(query, depth=depth, filters=Filters(collection=collection))
        ids = list(dict.fromkeys(pid for lst in (ranking.dense, ranking.keyword, ranking.fused)
                                 for pid, _ in lst[:depth]))
        chunks = self.services.index.chunks_for(ids, collection=collection)

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

    # --- usage -----------------------------------------------------------------------------------------
    def _usage(self) -> list[Any]:
        qlog = self.services.query_log
        since = stats.since_days(self.period.value)
        u = stats.usage_summary(qlog, since)
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
        by_day = stats.queries_by_day(qlog, since)
        latency = stats.latency_by_stage(qlog, since)
        money = stats.tokens_cost_by_day(qlog, since)
        variants = stats.prompt_variants(qlog, since)
        comments = stats.feedback_comments(qlog, since)
        if not money.empty:
            money = money.assign(tokens=money["prompt_tokens"] + money["completion_tokens"])
            money = money[(money["tokens"] > 0) | (money["cost_usd"] > 0)]
        none = "No questions in this period."

        def per_day(frame: pd.DataFrame, stack: str, value: str, title: str, **options: Any) -> Any:
            return card(plot_or_empty(lambda: stacked_by_day(frame, stack, value, title, **options),
                                      not frame.empty, none))

        return [
            _html(kpi_grid(cards), margin=(6, 6)),
            pn.Row(
                per_day(by_day, "mode", "questions", "Questions per day"),
                card(plot_or_empty(lambda: latency_plot(latency), not latency.empty, none)),
                sizing_mode="stretch_width"),
            pn.Row(
                per_day(money, "model", "tokens", "Tokens per day by model"),
                per_day(money, "model", "cost_usd", "Cost per day by model (USD)", fmt="$0,0.00[00]",
                        counts=False),
                sizing_mode="stretch_width"),
            card(self._variants_view(variants), title="Prompt variants (A/B)"),
            card(table(comments, widths={"comment": 260, "question": 240, "answer": 300})
                 if not comments.empty else _html(empty("No feedback in this period.")),
                 title=f"Feedback ({u.thumbs_up} thumbs up, {u.thumbs_down} thumbs down)"),
        ]

    def _variants_view(self, variants: pd.DataFrame) -> Any:
        if variants.empty:
            return _html(empty("No answers yet. Set CITEWISE_PROMPT_AB to compare prompt variants."))
        shown = variants.copy()
        for col in ("no_answer_rate", "thumbs_up_ratio"):
            shown[col] = [stats.percent(v) for v in shown[col]]
        for col in ("p50_ms", "p95_ms"):
            shown[col] = [round(v) for v in shown[col]]
        shown["cost_usd"] = [f"${v:,.4f}" for v in shown["cost_usd"]]
        shown["cost_per_answer_usd"] = ["–" if v is None or pd.isna(v) else f"${v:,.5f}"
                                        for v in shown["cost_per_answer_usd"]]
        answers = stats.variant_answers(self.services.query_log, per_variant=3)
        blocks = []
        for variant, items in answers.items():
            body = "".join(
                f'<div class="q">{html.escape(i["question"])}{_rating_note(i["rating"])}</div>'
                f'<div class="a">{html.escape(i["answer"])}</div>' for i in items)
            blocks.append(f'<div class="variant"><h3>{html.escape(variant)}</h3>{body}</div>')
        return pn.Column(
            table(shown, titles=VARIANT_TITLES),
            _html(f'<div class="variants">{"".join(blocks)}</div>', margin=(8, 0)),
            sizing_mode="stretch_width",
        )

    # --- recent questions ------------------------------------------------------------------------------
    def _questions(self) -> list[Any]:
        frame = stats.recent_questions(self.services.query_log, limit=500)
        if frame.empty:
            return [card(_html(empty("No questions yet. They appear here as readers ask in the chat.")),
                         title="Recent questions")]
        full = frame.set_index("id")
        shown = frame.assign(answer=[stats.snippet(a, 140) for a in frame["answer"]])

        def details(row: pd.Series) -> Any:
            entry = full.loc[row["id"]]
            return _html(
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
            _html('<p class="note">Newest first; personal data was redacted before it was logged. Click the '
                  "▸ of a row for the full answer.</p>"),
            questions, title=f"Recent questions ({len(frame)})",
        )]

    # --- moderation ------------------------------------------------------------------------------------
    def _build_moderation_filters(self) -> None:
        self.mod_layer = pn.widgets.Select(name="Layer", options=[ANY], value=ANY, width=160)
        self.mod_action = pn.widgets.Select(name="Action", options=[ANY], value=ANY, width=160)
        self.mod_category = pn.widgets.Select(name="Category", options=[ANY], value=ANY, width=220)
        for widget in (self.mod_layer, self.mod_action, self.mod_category):
            widget.param.watch(lambda _e: self._rebuild("moderation"), "value")
        self.moderation_filters = card(pn.Row(self.mod_layer, self.mod_action, self.mod_category),
                                       title="Moderation audit log")

    def _moderation(self) -> list[Any]:
        path = self.services.audit_path
        counts = stats.audit_counts(path)
        for widget, values in ((self.mod_layer, counts.by_layer), (self.mod_action, counts.by_action),
                               (self.mod_category, counts.by_category)):
            options = [ANY, *sorted(values)]
            if widget.value not in options:
                options.append(widget.value)
            widget.options = options

        def chosen(widget: pn.widgets.Select) -> str | None:
            return None if widget.value == ANY else widget.value

        entries = stats.audit_entries(path, 500, chosen(self.mod_layer), chosen(self.mod_action),
                                      chosen(self.mod_category))
        if not counts.total:
            charts: list[Any] = [card(_html(empty("No moderation decisions recorded yet.")))]
        else:
            top = sorted(counts.by_category.items(), key=lambda kv: -kv[1])[:12]
            charts = [
                card(bar_plot([k for k, _ in top], [v for _, v in top], "Decisions by category",
                              color="#7a5bc7", horizontal=True)),
                card(bar_plot(list(counts.by_action), list(counts.by_action.values()), "Decisions by action",
                              color="#c4364a", horizontal=True),
                     bar_plot(list(counts.by_layer), list(counts.by_layer.values()), "Decisions by layer",
                              horizontal=True)),
            ]
        body = (table(entries, page_size=20, widths={"excerpt": 420}, css_classes=["audit-table"])
                if not entries.empty
                else _html(empty("No audit entries match these filters.")))
        return [pn.Row(*charts, sizing_mode="stretch_width"),
                card(body, title=f"Entries ({len(entries)}{'+' if len(entries) >= 500 else ''})")]


def _rating_note(rating: int | None) -> str:
    return " (thumbs up)" if (rating or 0) > 0 else " (thumbs down)" if (rating or 0) < 0 else ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _supported_suffixes() -> list[str]:
    from ingest.readers import SUPPORTED_TYPES

    return list(SUPPORTED_TYPES)


def refusal_view(message: str) -> pn.pane.HTML:
    """What a session that is not the admin's sees (the HTTP layer normally refuses it first)."""
    return _html(f'<div class="refusal" id="refusal"><h2>Admin only</h2><p>{html.escape(message)}</p>'
                 '<p><a href="/logout?next=/console">Sign in as admin</a> · '
                 '<a href="/">Back to the chat</a></p></div>')


# --- mounting --------------------------------------------------------------------------------------------
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
