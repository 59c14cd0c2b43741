"""Every number and table the admin console shows, computed from the index catalog, the query log and
the moderation audit log. Pure functions of those stores (no Panel), so they are tested without a browser
and shared with the Prometheus endpoint (`app.web.metrics`).

Definitions used throughout:
- an *answer* is a logged question that was neither blocked by moderation nor a "no answer";
- no-answer rate = no-answer questions / questions not blocked;
- cache hit rate and unverified-citation rate are shares of answers (an answer is unverified when at
  least one sentence it cites is not supported by the cited passage);
- thumbs ratio = thumbs up / all thumbs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.errors import UserError
from app.index import KnowledgeIndex
from app.moderation.audit import AuditLog
from app.query_log import QueryLog

PAGED_TYPES = frozenset({"pdf"})  # file types whose chunks should all carry a page number
STAGE_ORDER = (
    "moderation_in", "rewrite", "embed", "dense", "keyword", "retrieve", "select", "pre_llm",
    "first_token", "answer", "verify", "moderation_out", "total",
)
FLAG_LABELS = {"no_text": "no text extracted"}


# --- small helpers ------------------------------------------------------------------------------------
def format_bytes(size: int | float | None) -> str:
    """1536 -> '1.5 KB'."""
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover - the loop always returns


def since_days(days: int | None, now: datetime | None = None) -> str | None:
    """The ISO timestamp `days` ago (None for 'all time'), comparable with the logs' `at` columns."""
    if not days:
        return None
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="milliseconds")


def rate(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return float(part) / float(whole) if whole else None


def short_time(stamp: str | None) -> str:
    """'2026-11-23T08:28:03.481+00:00' -> '2026-11-23 08:28' (UTC, as logged)."""
    return (stamp or "")[:16].replace("T", " ")


def percent(value: float | None) -> str:
    """0.167 -> '16.7%'; nothing to divide (None or NaN) -> '–'."""
    return "–" if value is None or value != value else f"{value * 100:.1f}%"


def _frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


# --- index --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndexTotals:
    collections: int
    documents: int
    documents_ok: int
    documents_failed: int
    pages: int
    chunks: int
    passages: int
    tokens: int
    disk_bytes: int
    embedding_model: str
    embedding_dimension: int
    vector_store: str
    last_sync_at: str | None
    last_sync_result: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def last_sync_text(summary: dict[str, Any] | None) -> str:
    """'3 added, 1 failed, 10 unchanged' (the non-zero counts) for the catalog's last sync summary."""
    if not summary:
        return "never synced"
    keys = ("added", "updated", "removed", "failed", "unchanged")
    parts = [f"{summary.get(key, 0)} {key}" for key in keys if summary.get(key)]
    return ", ".join(parts) or "nothing to do"


def index_totals(index: KnowledgeIndex) -> IndexTotals:
    """The index's headline numbers (KnowledgeIndex.stats, with the last sync made readable)."""
    stats = index.stats()
    last = stats.get("last_sync") or None
    return IndexTotals(
        collections=int(stats["collections"]), documents=int(stats["documents"]),
        documents_ok=int(stats["documents_ok"]), documents_failed=int(stats["documents_failed"]),
        pages=int(stats["pages"]), chunks=int(stats["chunks"]), passages=int(stats["passages"]),
        tokens=int(stats["tokens"]), disk_bytes=int(stats["disk_bytes"]),
        embedding_model=str(stats["embedding_model"] or ""),
        embedding_dimension=int(stats["embedding_dimension"]),
        vector_store=str(stats["vector_store"]), last_sync_at=(last or {}).get("at"),
        last_sync_result=last_sync_text(last),
    )


DOCUMENT_COLUMNS = (
    "path", "name", "collection", "type", "pages", "chunks", "tokens", "status", "error", "ingested_at",
    "injection", "no_text", "flags", "size",
)


def documents_frame(index: KnowledgeIndex) -> pd.DataFrame:
    """One row per indexed file, with its flags split out (injection found, no text extracted)."""
    rows = []
    for f in index.files():
        rows.append({
            "path": f.path, "name": Path(f.path).name, "collection": f.collection, "type": f.file_type,
            "pages": f.pages, "chunks": f.chunk_count, "tokens": f.token_count, "status": f.status,
            "error": f.error or "", "ingested_at": short_time(f.ingested_at),
            "injection": bool(f.injection_flags), "no_text": "no_text" in f.flags,
            "flags": ", ".join(FLAG_LABELS.get(flag, flag.replace("_", " ")) for flag in f.flags),
            "size": f.size,
        })
    frame = _frame(rows, DOCUMENT_COLUMNS)
    return frame.astype({"pages": "Int64"}) if not frame.empty else frame


def chunk_token_counts(index: KnowledgeIndex) -> list[int]:
    """The length in tokens of every chunk (for the chunk-length histogram)."""
    return index.chunk_token_counts()


def histogram(values: Sequence[float], bins: int = 20) -> pd.DataFrame:
    """Equal-width bins over the values: columns start, end, count (empty frame for no values)."""
    if not values:
        return _frame([], ("start", "end", "count"))
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=bins)
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts.astype(int)})


def documents_by_type(index: KnowledgeIndex) -> pd.DataFrame:
    """Documents and chunks per file type, most documents first."""
    return _frame(index.documents_by_type(), ("type", "documents", "chunks", "failed"))


def duplicate_chunks(index: KnowledgeIndex, limit: int = 200) -> pd.DataFrame:
    """Passages used by more than one chunk (identical text stored once): copies, files, text."""
    out = []
    for r in index.shared_passages(limit):
        names = sorted({Path(p).name for p in (r["files"] or "").split(",") if p})
        out.append({"passage": r["passage"], "copies": r["copies"], "files": ", ".join(names),
                    "text": snippet(r["text"], 160)})
    return _frame(out, ("passage", "copies", "files", "text"))


def missing_files(index: KnowledgeIndex) -> pd.DataFrame:
    """Indexed files that are no longer on disk (their citations cannot be opened)."""
    rows = [
        {"path": f.path, "collection": f.collection, "chunks": f.chunk_count}
        for f in index.files() if not Path(f.path).exists()
    ]
    return _frame(rows, ("path", "collection", "chunks"))


def chunks_without_page(index: KnowledgeIndex) -> pd.DataFrame:
    """Per file type: chunks, chunks without a page number, and whether that type should have pages."""
    out = [{**r, "paged": r["type"] in PAGED_TYPES} for r in index.pages_by_type()]
    return _frame(out, ("type", "chunks", "without_page", "paged"))


def failed_files(index: KnowledgeIndex) -> pd.DataFrame:
    """Files whose last ingestion failed, with the reason."""
    rows = [
        {"path": f.path, "type": f.file_type, "error": f.error or "unknown reason",
         "ingested_at": short_time(f.ingested_at)}
        for f in index.files() if f.status != "ok"
    ]
    return _frame(rows, ("path", "type", "error", "ingested_at"))


@dataclass(frozen=True)
class Health:
    duplicate_chunks: int  # chunks beyond the first of each passage
    duplicate_passages: int  # passages used more than once
    missing_files: int
    chunks_without_page: int  # in file types that have pages (PDF)
    failed_files: int
    injection_files: int
    no_text_files: int


def health(index: KnowledgeIndex, missing: pd.DataFrame | None = None, docs: pd.DataFrame | None = None,
           pages: pd.DataFrame | None = None) -> Health:
    """The health counters shown as badges above the health plots (pass frames already computed so that
    nothing is read twice: `missing_files` looks at every indexed file on disk)."""
    dup = index.duplicate_counts()
    pages = chunks_without_page(index) if pages is None else pages
    docs = documents_frame(index) if docs is None else docs
    missing = missing_files(index) if missing is None else missing
    return Health(
        duplicate_chunks=int(dup[0]), duplicate_passages=int(dup[1]), missing_files=len(missing),
        chunks_without_page=int(pages.loc[pages["paged"], "without_page"].sum()) if not pages.empty else 0,
        failed_files=int((docs["status"] != "ok").sum()) if not docs.empty else 0,
        injection_files=int(docs["injection"].sum()) if not docs.empty else 0,
        no_text_files=int(docs["no_text"].sum()) if not docs.empty else 0,
    )


def snippet(text: str | None, limit: int) -> str:
    """The text on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- usage --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UsageSummary:
    questions: int
    blocked: int
    no_answer: int
    answers: int
    no_answer_rate: float | None
    cache_hits: int
    cache_hit_rate: float | None
    unverified_answers: int
    unverified_rate: float | None
    thumbs_up: int
    thumbs_down: int
    thumbs_up_ratio: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    p50_ms: float | None
    p95_ms: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def usage_summary(log: QueryLog, since: str | None = None, channel: str | None = None) -> UsageSummary:
    """Counts and rates over the questions logged since `since` (all time when None) on `channel` ("chat",
    "cli"; all when None). p50/p95 are end-to-end milliseconds of the same questions."""
    row = log.usage_totals(since, channel)
    thumbs = log.thumbs(since, channel)
    totals = log.total_ms(since, channel)
    p50, p95 = (float(v) for v in np.percentile(totals, [50, 95])) if totals else (None, None)
    not_blocked = row["questions"] - row["blocked"]
    return UsageSummary(
        questions=row["questions"], blocked=row["blocked"], no_answer=row["no_answer"],
        answers=row["answers"],
        no_answer_rate=rate(row["no_answer"], not_blocked), cache_hits=row["cache_hits"],
        cache_hit_rate=rate(row["cache_hits"], row["answers"]), unverified_answers=row["unverified_answers"],
        unverified_rate=rate(row["unverified_answers"], row["answers"]), thumbs_up=thumbs["up"],
        thumbs_down=thumbs["down"], thumbs_up_ratio=rate(thumbs["up"], thumbs["up"] + thumbs["down"]),
        prompt_tokens=row["prompt_tokens"], completion_tokens=row["completion_tokens"],
        cost_usd=float(row["cost_usd"]), p50_ms=p50, p95_ms=p95,
    )


def queries_by_day(log: QueryLog, since: str | None = None, channel: str | None = None) -> pd.DataFrame:
    """Questions per UTC day and answer mode (llm, offline, no-answer, blocked, ...)."""
    rows = log.questions_by_day(since, channel)
    return _frame(rows, ("day", "mode", "questions"))


def stage_timings(
    log: QueryLog, since: str | None = None, limit: int | None = None, channel: str | None = None
) -> dict[str, list[float]]:
    """Milliseconds per pipeline stage over the latest `limit` questions (all when None), keys without the
    _ms suffix."""
    stages: dict[str, list[float]] = {}
    for timings in log.latest_timings(since, channel, limit):
        for key, value in timings.items():
            if key.endswith("_ms") and isinstance(value, int | float):
                stages.setdefault(key[:-3], []).append(float(value))
    return stages


def latency_by_stage(log: QueryLog, since: str | None = None, channel: str | None = None) -> pd.DataFrame:
    """p50 and p95 milliseconds per pipeline stage, in pipeline order, over the questions `usage_summary`
    reads (so its "total" row is the summary's p50/p95)."""
    stages = stage_timings(log, since, None, channel)
    order = {name: i for i, name in enumerate(STAGE_ORDER)}
    rows = []
    for stage in sorted(stages, key=lambda s: (order.get(s, len(order)), s)):
        values = stages[stage]
        p50, p95 = np.percentile(values, [50, 95])
        rows.append({"stage": stage, "p50_ms": float(p50), "p95_ms": float(p95), "samples": len(values)})
    return _frame(rows, ("stage", "p50_ms", "p95_ms", "samples"))


def tokens_cost_by_day(log: QueryLog, since: str | None = None, channel: str | None = None) -> pd.DataFrame:
    """Tokens and estimated cost per UTC day and model (questions answered without a model: 'none')."""
    rows = log.usage_by_day_and_model(since, channel)
    return _frame(rows, ("day", "model", "questions", "prompt_tokens", "completion_tokens", "cost_usd"))


def feedback_comments(
    log: QueryLog, since: str | None = None, limit: int = 200, channel: str | None = None
) -> pd.DataFrame:
    """Readers' thumbs with their comments on the questions asked in the period, newest first."""
    rows = log.feedback_with_questions(since, channel, limit)
    out = [{**r, "at": short_time(r["at"]), "rating": "up" if r["rating"] > 0 else "down",
            "answer": snippet(r["answer"], 200)} for r in rows]
    return _frame(out, ("at", "rating", "comment", "question", "answer", "variant"))


@dataclass(frozen=True)
class EmptyMessages:
    """What the Usage tab's charts say when they have nothing to draw, consistent with its header."""

    questions: str
    latency: str
    tokens: str
    cost: str
    feedback: str


def empty_messages(summary: UsageSummary, period: str, channel: str | None = None) -> EmptyMessages:
    """The empty-chart messages for a period ("Last 30 days") and channel whose totals are `summary`:
    "No questions" only when there are none; otherwise why a chart is empty although questions were asked."""
    where = {"chat": " in the chat", "cli": " from the CLI"}.get(channel or "", "")
    if not summary.questions:
        none = f"No questions{where} in this period ({period.lower()})."
        return EmptyMessages(none, none, none, none, none)
    n = summary.questions
    asked = f"{n:,} question{'' if n == 1 else 's'}{where} in this period"
    return EmptyMessages(
        questions="",
        latency=f"No timings were logged for the {asked}.",
        tokens="" if summary.prompt_tokens + summary.completion_tokens
        else f"No LLM tokens: the {asked} were answered without a model (offline, cached or refused).",
        cost="" if summary.cost_usd else f"No cost: the {asked} used no priced LLM tokens.",
        feedback="" if summary.thumbs_up + summary.thumbs_down else f"No thumbs up or down on the {asked}.",
    )


VARIANT_COLUMNS = (
    "variant", "questions", "answers", "no_answer_rate", "thumbs_up", "thumbs_down", "thumbs_up_ratio",
    "p50_ms", "p95_ms", "tokens", "cost_usd", "cost_per_answer_usd",
)


def prompt_variants(log: QueryLog, since: str | None = None, channel: str | None = None) -> pd.DataFrame:
    """The A/B arms side by side: answers, no-answer rate, feedback, latency, tokens and cost of each."""
    rows = log.questions_by_variant(since, channel)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["variant"], []).append(r)
    out = []
    for variant in sorted(groups):
        items = groups[variant]
        answers = [r for r in items if not r["no_answer"] and r["mode"] != "no-answer"]
        up = sum(1 for r in items if (r["rating"] or 0) > 0)
        down = sum(1 for r in items if (r["rating"] or 0) < 0)
        p50, p95 = np.percentile([r["total_ms"] for r in items], [50, 95])
        cost = float(sum(r["cost_usd"] for r in items))
        out.append({
            "variant": variant, "questions": len(items), "answers": len(answers),
            "no_answer_rate": rate(len(items) - len(answers), len(items)),
            "thumbs_up": up, "thumbs_down": down,
            "thumbs_up_ratio": rate(up, up + down), "p50_ms": float(p50), "p95_ms": float(p95),
            "tokens": int(sum(r["tokens"] for r in items)), "cost_usd": cost,
            "cost_per_answer_usd": rate(cost, len(answers)),
        })
    return _frame(out, VARIANT_COLUMNS)


def variant_answers(
    log: QueryLog, per_variant: int = 5, since: str | None = None, channel: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The latest answers of each prompt variant (question, answer, rating), for reading side by side."""
    rows = log.answers_by_variant(since, channel)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        bucket = out.setdefault(r["variant"], [])
        if len(bucket) < per_variant:
            bucket.append({key: r[key] for key in ("at", "question", "answer", "rating")})
    return dict(sorted(out.items()))


RECENT_COLUMNS = (
    "at", "channel", "question", "answer", "mode", "sources", "total_ms", "timings", "moderation", "feedback",
    "comment", "variant", "model", "cost_usd", "id",
)


def _sources(entry: dict[str, Any]) -> str:
    cited = entry.get("citations") or []
    items = cited or entry.get("passages") or []
    labels = []
    for item in items:
        name = Path(str(item.get("path", ""))).name
        page = item.get("page")
        labels.append(f"[{item.get('n', '?')}] {name}" + (f" p.{page}" if page else ""))
    return "; ".join(dict.fromkeys(labels))


def _timings_text(timings: dict[str, Any]) -> str:
    order = {name: i for i, name in enumerate(STAGE_ORDER)}
    keys = sorted((k for k in timings if k.endswith("_ms") and k != "total_ms"),
                  key=lambda k: order.get(k[:-3], len(order)))
    return " · ".join(f"{k[:-3]} {float(timings[k]):.0f}" for k in keys)


def _moderation_text(entry: dict[str, Any]) -> str:
    findings = entry.get("moderation") or []
    if not findings and not entry.get("moderation_action"):
        return ""
    cats = ", ".join(dict.fromkeys(f"{f.get('layer')}:{f.get('category')}" for f in findings))
    action = entry.get("moderation_action") or "allow"
    return f"{action} ({cats})" if cats else action


def recent_questions(log: QueryLog, limit: int = 200) -> pd.DataFrame:
    """The latest questions with answer, sources, timings, moderation and feedback (PII already redacted)."""
    rows = []
    for e in log.recent(limit):
        rating = e.get("rating")
        rows.append({
            "at": short_time(e["at"]), "channel": e.get("channel") or "", "question": e["question"],
            "answer": e["answer"], "mode": e["mode"],
            "sources": _sources(e), "total_ms": round(float(e["total_ms"]), 1),
            "timings": _timings_text(e.get("timings") or {}), "moderation": _moderation_text(e),
            "feedback": "up" if rating and rating > 0 else "down" if rating and rating < 0 else "",
            "comment": e.get("comment") or "", "variant": e.get("prompt_variant") or "",
            "model": e.get("model") or "", "cost_usd": float(e.get("cost_usd") or 0.0), "id": e["id"],
        })
    return _frame(rows, RECENT_COLUMNS)


# --- moderation audit log -------------------------------------------------------------------------------
AUDIT_COLUMNS = ("time", "layer", "action", "category", "score", "excerpt", "session")


@dataclass(frozen=True)
class AuditCounts:
    total: int
    by_layer: dict[str, int]
    by_action: dict[str, int]
    by_category: dict[str, int]


def _read_audit(audit: AuditLog, read: Callable[[AuditLog], Any]) -> Any:
    """`read(audit)`; a log SQLite cannot read is an error that names the file (never an empty screen)."""
    try:
        return read(audit)
    except sqlite3.Error as exc:
        raise UserError(f"the moderation audit log {audit.path} cannot be read ({exc}); move it aside "
                        "to start a new one") from exc


def audit_entries(
    audit: AuditLog, limit: int = 500, layer: str | None = None, action: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """The moderation audit log, newest first, filtered; an empty table when there is no log yet."""
    rows = _read_audit(audit, lambda a: a.recent(limit, layer or None, action or None, category or None))
    out = [{**{c: r.get(c) for c in AUDIT_COLUMNS}, "time": short_time(r.get("time"))} for r in rows or []]
    return _frame(out, AUDIT_COLUMNS)


def audit_counts(audit: AuditLog) -> AuditCounts:
    """How many moderation decisions were logged, by layer, by action and by category."""
    result = _read_audit(audit, lambda a: a.counts()) or {}

    def counts(key: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in (result.get(key) or {}).items()}

    return AuditCounts(
        int(result.get("total") or 0), counts("by_layer"), counts("by_action"), counts("by_category"))
