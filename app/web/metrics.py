"""GET /metrics: citewise's counters in the Prometheus text format (version 0.0.4), for teams that already
scrape Prometheus. The same numbers as the admin console, read from the query log, the moderation audit
log and the index catalog (the stores are the only state, so several server processes agree). They are
computed in a worker thread, off the event loop, and reused for `CACHE_S` seconds.

The families are built by a prometheus_client custom collector (`StoresCollector`) registered on a
private `CollectorRegistry`, and written by `generate_latest`; nothing is kept in process-wide metric
objects, so every process reports what the stores hold.

The endpoint shows aggregate counts only (no questions, names or paths) and needs no login, like most
exporters; put it behind your reverse proxy's access rules if that matters in your network.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import numpy as np
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from tornado.ioloop import IOLoop
from tornado.web import RequestHandler

from app.index import KnowledgeIndex
from app.moderation.audit import AuditLog
from app.query_log import QueryLog
from app.services import Services
from app.web import admin_stats

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the format `generate_latest` writes
LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CACHE_S = 5.0  # a scrape within this many seconds of the last one gets the same numbers
STAGE_WINDOW = 5000  # latest questions used for the per-stage quantiles


def query_metrics(query_log: QueryLog) -> list[Metric]:
    """Counters from the query log: questions, no-answers, cache hits, latency, tokens, cost, feedback."""
    questions = CounterMetricFamily("citewise_questions_total", "Questions asked, by answer mode.",
                                    labels=["mode"])
    for mode, n in query_log.questions_by_mode().items():
        questions.add_metric([mode], n)
    summary = admin_stats.usage_summary(query_log)
    out: list[Metric] = [
        questions,
        CounterMetricFamily("citewise_no_answer_total", "Questions the documents did not answer (not blocked).",
                            value=summary.no_answer),
        CounterMetricFamily("citewise_answers_total", "Questions answered from the documents.",
                            value=summary.answers),
        CounterMetricFamily("citewise_cache_hits_total", "Answers served from the answer cache.",
                            value=summary.cache_hits),
        CounterMetricFamily("citewise_unverified_answers_total",
                            "Answers with at least one cited sentence its passage does not support.",
                            value=summary.unverified_answers),
    ]
    cumulative, count, total_ms = query_log.latency_histogram([b * 1000 for b in LATENCY_BUCKETS_S])
    buckets = [(f"{bound:g}", n) for bound, n in zip(LATENCY_BUCKETS_S, cumulative, strict=True)]
    out.append(HistogramMetricFamily("citewise_question_duration_seconds",
                                     "Time to answer a question, end to end.",
                                     buckets=[*buckets, ("+Inf", count)], sum_value=total_ms / 1000.0))
    stages = GaugeMetricFamily("citewise_stage_latency_seconds",
                               f"p50/p95 time per pipeline stage over the latest {STAGE_WINDOW} questions.",
                               labels=["stage", "quantile"])
    for stage, values in sorted(admin_stats.stage_timings(query_log, limit=STAGE_WINDOW).items()):
        p50, p95 = np.percentile(values, [50, 95])
        stages.add_metric([stage, "0.5"], p50 / 1000.0)
        stages.add_metric([stage, "0.95"], p95 / 1000.0)
    out.append(stages)
    tokens = CounterMetricFamily("citewise_llm_tokens_total", "LLM tokens used, by model and kind.",
                                 labels=["model", "kind"])
    cost = CounterMetricFamily("citewise_llm_cost_usd_total", "Estimated LLM cost in USD, by model.",
                               labels=["model"])
    for r in query_log.usage_by_model():
        tokens.add_metric([r["model"], "prompt"], r["prompt_tokens"])
        tokens.add_metric([r["model"], "completion"], r["completion_tokens"])
        cost.add_metric([r["model"]], r["cost_usd"])
    out += [tokens, cost]
    feedback = CounterMetricFamily("citewise_feedback_total", "Readers' thumbs on answers.", labels=["rating"])
    feedback.add_metric(["up"], summary.thumbs_up)
    feedback.add_metric(["down"], summary.thumbs_down)
    moderated = CounterMetricFamily("citewise_moderated_questions_total",
                                    "Questions whose moderation decision was warn or block.", labels=["action"])
    for action, n in query_log.moderated_by_action().items():
        moderated.add_metric([action], n)
    out += [feedback, moderated]
    return out


def audit_metrics(audit: AuditLog) -> list[Metric]:
    """Moderation decisions from the audit log: by action, by layer and by category."""
    counts = admin_stats.audit_counts(audit)
    families: list[Metric] = []
    for label, values, name, text in (
        ("action", counts.by_action, "citewise_moderation_actions_total", "Moderation decisions, by action."),
        ("layer", counts.by_layer, "citewise_moderation_layer_findings_total",
         "Moderation decisions, by layer."),
        ("category", counts.by_category, "citewise_moderation_category_findings_total",
         "Moderation decisions, by category."),
    ):
        family = CounterMetricFamily(name, text, labels=[label])
        for key, value in sorted(values.items()):
            family.add_metric([key], value)
        families.append(family)
    return families


def index_metrics(index: KnowledgeIndex) -> list[Metric]:
    """Gauges describing the index: documents, chunks, tokens, pages, disk size, last sync."""
    t = admin_stats.index_totals(index)
    documents = GaugeMetricFamily("citewise_index_documents", "Indexed files, by ingestion status.",
                                  labels=["status"])
    documents.add_metric(["ok"], t.documents_ok)
    documents.add_metric(["failed"], t.documents_failed)
    out: list[Metric] = [
        documents,
        GaugeMetricFamily("citewise_index_chunks", "Chunks in the index.", value=t.chunks),
        GaugeMetricFamily("citewise_index_passages", "Distinct passages (embedded once each).", value=t.passages),
        GaugeMetricFamily("citewise_index_tokens", "Tokens in all chunks.", value=t.tokens),
        GaugeMetricFamily("citewise_index_pages", "Pages of paged documents.", value=t.pages),
        GaugeMetricFamily("citewise_index_collections", "Collections.", value=t.collections),
        GaugeMetricFamily("citewise_index_disk_bytes", "Bytes on disk (catalog and embedded vectors).",
                          value=t.disk_bytes),
    ]
    if t.last_sync_at:
        try:
            stamp = datetime.strptime(t.last_sync_at, "%Y-%m-%dT%H:%M:%S%z").timestamp()
            out.append(GaugeMetricFamily("citewise_index_last_sync_timestamp_seconds",
                                         "When the last sync finished (Unix time).", value=stamp))
        except ValueError:
            pass
    return out


class StoresCollector(Collector):
    """A prometheus_client custom collector: every family citewise exports, read from the stores on each
    collection (a scrape sees what the index and the logs hold now, whichever process wrote it)."""

    def __init__(self, index: KnowledgeIndex, query_log: QueryLog, audit: AuditLog) -> None:
        self.index = index
        self.query_log = query_log
        self.audit = audit

    def collect(self) -> Iterator[Metric]:
        """The metric families, in a stable order: questions, moderation, index."""
        yield from query_metrics(self.query_log)
        yield from audit_metrics(self.audit)
        yield from index_metrics(self.index)


def registry_for(index: KnowledgeIndex, query_log: QueryLog, audit: AuditLog) -> CollectorRegistry:
    """A private registry (not prometheus_client's global one) holding only citewise's collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoresCollector(index, query_log, audit))
    return registry


def exposition(index: KnowledgeIndex, query_log: QueryLog, audit: AuditLog) -> str:
    """The Prometheus text exposition of every family citewise exports (blocking: reads the stores)."""
    return generate_latest(registry_for(index, query_log, audit)).decode("utf-8")


class MetricsCache:
    """The exposition text, computed in a worker thread (reading the logs and walking the Chroma folder
    must not stall the event loop that streams every reader's answer) and reused for `ttl_s` seconds."""

    def __init__(self, services: Services, ttl_s: float = CACHE_S) -> None:
        self.services = services
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._registry: CollectorRegistry | None = None  # built on the first scrape, in the worker thread
        self._text: str | None = None
        self._at = 0.0

    def text(self) -> str:
        """The current exposition (blocking; call it from a worker thread)."""
        with self._lock:  # concurrent scrapes wait for one computation instead of running their own
            if self._text is None or time.monotonic() - self._at >= self.ttl_s:
                if self._registry is None:  # opening the stores is I/O too: not at start-up, not on the loop
                    s = self.services
                    self._registry = registry_for(s.index, s.query_log, s.audit_log)
                self._text = generate_latest(self._registry).decode("utf-8")
                self._at = time.monotonic()
            return self._text


class MetricsHandler(RequestHandler):
    """GET /metrics."""

    def initialize(self, cache: MetricsCache) -> None:
        self.cache = cache

    async def get(self) -> None:
        try:
            text = await IOLoop.current().run_in_executor(None, self.cache.text)
        except Exception as exc:  # a scrape must get a short answer, never a traceback
            log.exception("metrics failed")
            self.set_status(500)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"citewise metrics are unavailable right now ({type(exc).__name__}); "
                        "see the server log.\n")
            return
        self.set_header("Content-Type", CONTENT_TYPE)
        self.set_header("Cache-Control", "no-store")
        self.finish(text)
