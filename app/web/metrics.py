"""GET /metrics: citewise's counters in the Prometheus text format (version 0.0.4), for teams that already
scrape Prometheus. The same numbers as the admin console, read from the query log, the moderation audit
log and the index catalog (the stores are the only state, so several server processes agree). They are
computed in a worker thread, off the event loop, and reused for `CACHE_S` seconds.

The endpoint shows aggregate counts only (no questions, names or paths) and needs no login, like most
exporters; put it behind your reverse proxy's access rules if that matters in your network.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from tornado.ioloop import IOLoop
from tornado.web import RequestHandler

from app.index import KnowledgeIndex
from app.moderation.audit import AuditLog
from app.query_log import QueryLog
from app.services import Services
from app.web import admin_stats

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CACHE_S = 5.0  # a scrape within this many seconds of the last one gets the same numbers
STAGE_WINDOW = 5000  # latest questions used for the per-stage quantiles


@dataclass
class Metric:
    """One metric family: its samples are (suffix, labels, value)."""

    name: str
    kind: str  # counter | gauge | histogram | summary
    help: str
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, suffix: str = "", **labels: Any) -> Metric:
        self.samples.append((suffix, {k: str(v) for k, v in labels.items()}, float(value)))
        return self


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def render(metrics: Iterable[Metric]) -> str:
    """The Prometheus text exposition of the metric families."""
    lines: list[str] = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {metric.help}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        for suffix, labels, value in metric.samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            braces = "{" + label_text + "}" if label_text else ""
            lines.append(f"{metric.name}{suffix}{braces} {_number(value)}")
    return "\n".join(lines) + "\n"


def query_metrics(query_log: QueryLog) -> list[Metric]:
    """Counters from the query log: questions, no-answers, cache hits, latency, tokens, cost, feedback."""
    questions = Metric("citewise_questions_total", "counter", "Questions asked, by answer mode.")
    for mode, n in query_log.questions_by_mode().items():
        questions.add(n, mode=mode)
    summary = admin_stats.usage_summary(query_log)
    out = [
        questions,
        Metric("citewise_no_answer_total", "counter", "Questions the documents did not answer (not blocked).")
        .add(summary.no_answer),
        Metric("citewise_answers_total", "counter", "Questions answered from the documents.")
        .add(summary.answers),
        Metric("citewise_cache_hits_total", "counter", "Answers served from the answer cache.")
        .add(summary.cache_hits),
        Metric("citewise_unverified_answers_total", "counter",
               "Answers with at least one cited sentence its passage does not support.")
        .add(summary.unverified_answers),
    ]
    buckets, count, total_ms = query_log.latency_histogram([b * 1000 for b in LATENCY_BUCKETS_S])
    latency = Metric("citewise_question_duration_seconds", "histogram",
                     "Time to answer a question, end to end.")
    for bound, n in zip(LATENCY_BUCKETS_S, buckets, strict=True):
        latency.add(n, "_bucket", le=_number(bound))
    latency.add(count, "_bucket", le="+Inf").add(total_ms / 1000.0, "_sum").add(count, "_count")
    out.append(latency)
    stages = Metric("citewise_stage_latency_seconds", "gauge",
                    f"p50/p95 time per pipeline stage over the latest {STAGE_WINDOW} questions.")
    for stage, values in sorted(admin_stats.stage_timings(query_log, limit=STAGE_WINDOW).items()):
        p50, p95 = np.percentile(values, [50, 95])
        stages.add(p50 / 1000.0, stage=stage, quantile="0.5").add(p95 / 1000.0, stage=stage, quantile="0.95")
    out.append(stages)
    tokens = Metric("citewise_llm_tokens_total", "counter", "LLM tokens used, by model and kind.")
    cost = Metric("citewise_llm_cost_usd_total", "counter", "Estimated LLM cost in USD, by model.")
    for r in query_log.usage_by_model():
        tokens.add(r["prompt_tokens"], model=r["model"], kind="prompt")
        tokens.add(r["completion_tokens"], model=r["model"], kind="completion")
        cost.add(r["cost_usd"], model=r["model"])
    out += [tokens, cost]
    feedback = Metric("citewise_feedback_total", "counter", "Readers' thumbs on answers.")
    feedback.add(summary.thumbs_up, rating="up").add(summary.thumbs_down, rating="down")
    moderated = Metric("citewise_moderated_questions_total", "counter",
                       "Questions whose moderation decision was warn or block.")
    for action, n in query_log.moderated_by_action().items():
        moderated.add(n, action=action)
    out += [feedback, moderated]
    return out


def audit_metrics(audit: AuditLog) -> list[Metric]:
    """Moderation decisions from the audit log: by action, by layer and by category."""
    counts = admin_stats.audit_counts(audit)
    families = []
    for label, values, name, text in (
        ("action", counts.by_action, "citewise_moderation_actions_total", "Moderation decisions, by action."),
        ("layer", counts.by_layer, "citewise_moderation_layer_findings_total",
         "Moderation decisions, by layer."),
        ("category", counts.by_category, "citewise_moderation_category_findings_total",
         "Moderation decisions, by category."),
    ):
        metric = Metric(name, "counter", text)
        for key, value in sorted(values.items()):
            metric.add(value, **{label: key})
        families.append(metric)
    return families


def index_metrics(index: KnowledgeIndex) -> list[Metric]:
    """Gauges describing the index: documents, chunks, tokens, pages, disk size, last sync."""
    t = admin_stats.index_totals(index)
    out = [
        Metric("citewise_index_documents", "gauge", "Indexed files, by ingestion status.")
        .add(t.documents_ok, status="ok").add(t.documents_failed, status="failed"),
        Metric("citewise_index_chunks", "gauge", "Chunks in the index.").add(t.chunks),
        Metric("citewise_index_passages", "gauge", "Distinct passages (embedded once each).").add(t.passages),
        Metric("citewise_index_tokens", "gauge", "Tokens in all chunks.").add(t.tokens),
        Metric("citewise_index_pages", "gauge", "Pages of paged documents.").add(t.pages),
        Metric("citewise_index_collections", "gauge", "Collections.").add(t.collections),
        Metric("citewise_index_disk_bytes", "gauge", "Bytes on disk (catalog and embedded vectors).")
        .add(t.disk_bytes),
    ]
    if t.last_sync_at:
        try:
            stamp = datetime.strptime(t.last_sync_at, "%Y-%m-%dT%H:%M:%S%z").timestamp()
            out.append(Metric("citewise_index_last_sync_timestamp_seconds", "gauge",
                              "When the last sync finished (Unix time).").add(stamp))
        except ValueError:
            pass
    return out


def collect(index: KnowledgeIndex, query_log: QueryLog, audit: AuditLog) -> list[Metric]:
    """Every metric family citewise exports."""
    return [*query_metrics(query_log), *audit_metrics(audit), *index_metrics(index)]


def parse(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Parse the text format back into {sample name: [(labels, value)]} (for tests and debugging)."""
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = sample.match(line)
        if match is None:
            raise ValueError(f"not a Prometheus sample line: {line!r}")
        name, labels, value = match.groups()
        parsed = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                  for k, v in label.findall(labels or "")}
        out.setdefault(name, []).append((parsed, float(value)))
    return out


class MetricsCache:
    """The exposition text, computed in a worker thread (reading the logs and walking the Chroma folder
    must not stall the event loop that streams every reader's answer) and reused for `ttl_s` seconds."""

    def __init__(self, services: Services, ttl_s: float = CACHE_S) -> None:
        self.services = services
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._text: str | None = None
        self._at = 0.0

    def text(self) -> str:
        """The current exposition (blocking; call it from a worker thread)."""
        with self._lock:  # concurrent scrapes wait for one computation instead of running their own
            if self._text is None or time.monotonic() - self._at >= self.ttl_s:
                s = self.services
                self._text = render(collect(s.index, s.query_log, s.audit_log))
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


def sample_value(parsed: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels` (0 when none)."""
    return sum(v for lab, v in parsed.get(name, []) if all(lab.get(k) == val for k, val in labels.items()))

