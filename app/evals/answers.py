"""Answer evaluation any user can run on their own documents and questions.

Each JSONL line: `question`, optional `answers` (acceptable strings), optional `source` (file name that
should be cited), optional `pages` (1-based evidence pages of `source`), optional `unanswerable: true`.
DIR is indexed into a temporary data dir (or into `index_dir`, kept between runs so a re-run only
re-syncs) and every question goes through the real pipeline in one process.

Besides the answer itself, it scores the level a reader checks: is the top retrieved passage from the
right file, is an evidence page among the top 5 passages, and is the first citation on an evidence page.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from app.settings import Settings


def _load_questions(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not str(item.get("question", "")).strip():
            raise ValueError(f"{path}:{number}: each line needs a non-empty \"question\"")
        items.append(item)
    return items


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of `values`; 0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def evaluate_answers(
    docs: Path, questions: Path, settings: Settings, llm: Any | None = None, index_dir: Path | None = None,
    holdout_every: int = 0,
) -> dict[str, Any]:
    """Index `docs`, answer every question, and score answers, citations, pages and no-answer decisions.

    `index_dir` keeps the index between runs (only changed files are re-read); `holdout_every` N > 0 also
    reports every N-th question (the held-out part) and the others separately.
    """
    from app.errors import UserError
    from app.services import build_services
    from ingest.sync import SyncOptions, sync

    try:
        items = _load_questions(questions)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="citewise-answers-") as tmp:
        run_settings = settings.model_copy(update={
            "data_dir": index_dir or Path(tmp), "model_cache_dir": settings.models_dir, "chroma_url": None,
            "chroma_host": None, "answer_cache": False,
            "rate_limit_per_minute": 10**6, "rate_limit_burst": 10**6,
        })
        services = build_services(run_settings, llm=llm)
        assistant = services.assistant
        sync(services.index, services.embedder, [docs], SyncOptions(
            chunk_tokens=run_settings.chunk_tokens, overlap_tokens=run_settings.chunk_overlap_tokens))
        rows = []
        for number, item in enumerate(items, start=1):
            t = time.perf_counter()
            answer, ranked = _ask(assistant, item["question"])
            seconds = time.perf_counter() - t
            expected = [a.lower() for a in item.get("answers") or []]
            cited = [c.file_name for c in answer.citations]
            source = item.get("source")
            pages = {int(n) for n in item.get("pages") or []}
            retrieved = answer.passages or answer.possibly_related
            ranked_pages = [f"{f}:{page}" for f, page in ranked[:5]]
            ranked = [(f, page in pages) for f, page in ranked]
            first = answer.citations[0] if answer.citations else None
            rows.append({
                "question": item["question"],
                "held_out": bool(holdout_every) and number % holdout_every == 0,
                "source": source,
                "pages": sorted(pages),
                "unanswerable": bool(item.get("unanswerable")),
                "no_answer": answer.no_answer,
                "contains_answer": any(a in answer.text.lower() for a in expected) if expected else None,
                "first_citation_ok": (bool(cited) and cited[0] == source) if source else None,
                "top_passage_ok": (bool(retrieved) and retrieved[0].file_name == source) if source else None,
                "evidence_page_in_top5": any(
                    p.file_name == source and p.page in pages for p in retrieved[:5]) if source and pages else None,
                "evidence_page_at_rank1": (bool(ranked) and ranked[0] == (source, True))
                if source and pages else None,
                "first_citation_on_page": (first is not None and first.file_name == source and first.page in pages)
                if source and pages else None,
                "retrieved": [f"{p.file_name}:{p.page}" for p in retrieved[:5]],
                "ranked": ranked_pages,
                "first_citation": f"{first.file_name}:{first.page}" if first else None,
                "citations": len(answer.citations),
                "unverified": len(answer.unverified),
                "mode": answer.mode,
                "decision": (answer.decision or {}).get("reason"),
                "seconds": seconds,
                "answer": answer.text,
            })
        chunks = assistant.index.stats()["chunks"]
        assistant.index.close()
    results = _summarize(rows, chunks)
    if holdout_every:
        results["tuned"] = _summarize([r for r in rows if not r["held_out"]], chunks)
        results["held_out"] = _summarize([r for r in rows if r["held_out"]], chunks)
    return results


def _ask(assistant: Any, question: str) -> tuple[Any, list[tuple[str, int | None]]]:
    """The answer, and (file name, page) of the passages in retrieval's own order, before the answer
    reorders them by the quotes it chose."""
    answer = None
    ranked: list[tuple[str, int | None]] = []
    for event in assistant.stream(question, session_id="eval"):
        if event.kind == "retrieval" and event.retrieval is not None:
            shown = event.retrieval.passages or event.retrieval.possibly_related
            ranked = [(p.file_name, p.page) for p in shown]
        elif event.kind == "final":
            answer = event.answer
    assert answer is not None
    return answer, ranked


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _summarize(rows: list[dict[str, Any]], chunks: int) -> dict[str, Any]:
    answerable = [r for r in rows if not r["unanswerable"]]
    predicted_none = [r for r in rows if r["no_answer"]]
    truly_none = [r for r in rows if r["unanswerable"]]
    cited_total = sum(r["citations"] for r in rows)
    latencies = [r["seconds"] * 1000 for r in rows]
    return {
        "questions": len(rows),
        "chunks_indexed": chunks,
        "answer_contains_expected": _rate(
            [r["contains_answer"] for r in answerable if r["contains_answer"] is not None]
        ),
        "first_citation_from_expected_source": _rate(
            [r["first_citation_ok"] for r in answerable if r["first_citation_ok"] is not None]),
        "top_passage_from_expected_source": _rate(
            [r["top_passage_ok"] for r in answerable if r["top_passage_ok"] is not None]),
        "evidence_page_in_top5": _rate(
            [r["evidence_page_in_top5"] for r in answerable if r["evidence_page_in_top5"] is not None]),
        "evidence_page_at_retrieval_rank1": _rate(
            [r["evidence_page_at_rank1"] for r in answerable if r["evidence_page_at_rank1"] is not None]),
        "first_citation_on_evidence_page": _rate(
            [r["first_citation_on_page"] for r in answerable if r["first_citation_on_page"] is not None]),
        "unverified_citation_rate": round(sum(r["unverified"] for r in rows) / cited_total, 3) if cited_total else 0.0,
        "no_answer_precision": _rate([r["unanswerable"] for r in predicted_none]),
        "no_answer_recall": _rate([r["no_answer"] for r in truly_none]),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        "rows": rows,
    }


def _show(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _source_lines(results: dict[str, Any]) -> list[str]:
    return [
        f"top retrieved passage from the source:   {_show(results['top_passage_from_expected_source'])}",
        f"evidence page in the top 5 passages:     {_show(results['evidence_page_in_top5'])}",
        f"evidence page at rank 1 of retrieval:    {_show(results['evidence_page_at_retrieval_rank1'])}",
        f"first citation from the expected source: {_show(results['first_citation_from_expected_source'])}",
        f"first citation on an evidence page:      {_show(results['first_citation_on_evidence_page'])}",
    ]


def format_answers_report(results: dict[str, Any]) -> str:
    show = _show
    lines = [
        f"{results['questions']} questions over {results['chunks_indexed']} chunks",
        f"answer contains an acceptable string:   {show(results['answer_contains_expected'])}",
        *_source_lines(results),
        f"unverified-citation rate:                {show(results['unverified_citation_rate'])}",
        f"no-answer precision / recall:            {show(results['no_answer_precision'])} / "
        f"{show(results['no_answer_recall'])}",
        f"latency p50 / p95:                       {results['latency_p50_ms']} ms / {results['latency_p95_ms']} ms",
    ]
    for part, label in (("tuned", "tuned on"), ("held_out", "held out")):
        if part in results:
            lines.append(f"\n{label} ({results[part]['questions']} questions):")
            lines += ["  " + line for line in _source_lines(results[part])]
    misses = [r for r in results["rows"] if r["contains_answer"] is False or r["first_citation_ok"] is False
              or r["evidence_page_in_top5"] is False or r["first_citation_on_page"] is False
              or (r["unanswerable"] != r["no_answer"])]
    held_out = [r for r in misses if r["held_out"]]
    if held_out:  # a held-out part stays held out: its questions are not read one by one
        misses = [r for r in misses if not r["held_out"]]
        lines.append(f"\n{len(held_out)} misses of the held-out part are not listed (--json has every row)")
    if misses:
        lines.append("\nmisses:")
        for r in misses:
            lines.append(f"- {r['question'][:160]}  [{r['mode']}] {r['answer'][:140]!r}")
            if r["source"]:
                pages = f" p. {r['pages']}" if r["pages"] else ""
                lines.append(f"    expected {r['source']}{pages}; retrieved {', '.join(r['retrieved'])}; "
                             f"first citation {r['first_citation']}")
            if r.get("decision") and r["no_answer"] != r["unanswerable"]:
                lines.append(f"    decision: {r['decision']}")
    return "\n".join(lines)
