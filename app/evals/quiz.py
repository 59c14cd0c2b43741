"""`python -m app eval quiz`: how good the study-mode quizzes are on a folder of documents.

For every document and kind it makes a quiz and measures: answers supported by their quote (the offline
generator guarantees it), self-consistency (the question, asked to citewise's own retrieval over the
whole index, finds its source passage in the top 3), coverage (the share of a document's pages the
questions come from), near-duplicate questions, and for multiple choice whether distractors are of the
answer's kind and never equal to it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from app.quiz.keys import STOPWORDS, answer_kind, same_answer, supported
from app.quiz.model import BLANK, Quiz, QuizError, QuizKind
from app.settings import Settings

TOP = 3
NEAR_DUPLICATE = 0.7  # word-set overlap (Jaccard) at which two questions count as the same question


def open_services(docs: Path, data_dir: Path, settings: Settings) -> Any:
    """Services over `docs` indexed in `data_dir` (re-used: only new or changed files are indexed), with
    moderation and the LLM off, so the offline generator and retrieval alone are measured."""
    from app.services import build_services
    from ingest.sync import SyncOptions, sync

    run_settings = settings.model_copy(update={
        "data_dir": data_dir, "model_cache_dir": settings.models_dir, "chroma_url": None, "chroma_host": None,
        "moderation": False, "openai_api_key": None, "llm_base_url": None,
    })
    services = build_services(run_settings)
    sync(services.index, services.embedder, [docs], SyncOptions(
        chunk_tokens=run_settings.chunk_tokens, overlap_tokens=run_settings.chunk_overlap_tokens))
    return services


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def near_duplicates(questions: list[str]) -> int:
    """Questions that nearly repeat an earlier one of the same quiz."""
    seen: list[set[str]] = []
    count = 0
    for question in questions:
        words = _words(question.replace(BLANK, " "))
        if any(words and other and len(words & other) / len(words | other) >= NEAR_DUPLICATE for other in seen):
            count += 1
        seen.append(words)
    return count


def score_quiz(quiz: Quiz, services: Any, pages: int | None) -> dict[str, Any]:
    """The measures of one quiz (counts, so that they add up over documents)."""
    found = 0
    for item in quiz.items:
        query = item.question.replace(BLANK, " ")
        hits = services.retriever.search(query, k=TOP).passages[:TOP]
        found += any(p.passage_id == item.source.passage_id for p in hits)
    distractors = [(item.answer, item.answer_kind, d) for item in quiz.items for d in item.distractors]
    item_pages = {item.source.page for item in quiz.items if item.source.page}
    return {
        "questions": len(quiz.items),
        "supported": sum(supported(i.answer, i.source.quote) for i in quiz.items),
        "retrieved_top3": found,
        "near_duplicates": near_duplicates([i.question for i in quiz.items]),
        "distractors": len(distractors),
        "distractors_same_kind": sum(answer_kind(d) == kind for _, kind, d in distractors),
        "distractors_equal_answer": sum(same_answer(d, answer) for answer, _, d in distractors),
        "pages": pages or 0,
        "pages_used": len(item_pages),
        "answer_kinds": [i.answer_kind for i in quiz.items],
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals and rates over the documents of one kind."""
    total = {key: sum(r[key] for r in rows) for key in
             ("questions", "supported", "retrieved_top3", "near_duplicates", "distractors",
              "distractors_same_kind", "distractors_equal_answer")}
    paged = [r for r in rows if r["pages"]]
    kinds: dict[str, int] = {}
    for r in rows:
        for k in r["answer_kinds"]:
            kinds[k] = kinds.get(k, 0) + 1
    return {
        **total,
        "documents": len(rows),
        "supported_rate": _rate(total["supported"], total["questions"]),
        "self_consistency_top3": _rate(total["retrieved_top3"], total["questions"]),
        "near_duplicate_rate": _rate(total["near_duplicates"], total["questions"]),
        "distractor_same_kind_rate": _rate(total["distractors_same_kind"], total["distractors"]),
        "page_coverage": round(sum(r["pages_used"] / r["pages"] for r in paged) / len(paged), 3) if paged else None,
        "pages_per_question": _rate(sum(r["pages_used"] for r in paged), sum(r["questions"] for r in paged)),
        "answer_kinds": kinds,
    }


def evaluate_quiz(
    docs: Path, settings: Settings, data_dir: Path, kinds: list[QuizKind], n: int = 10,
    max_docs: int | None = None, holdout_every: int = 0,
) -> dict[str, Any]:
    """Quizzes for every document of `docs` (or the first `max_docs`), measured per kind; with
    `holdout_every` N > 0, every Nth document's figures are also reported apart (`held_out`), as a part
    nothing was tuned on."""
    from app.quiz.generate import make_quiz

    services = open_services(docs, data_dir, settings)
    root = str(docs.resolve())
    files = [f for f in services.index.documents() if f.path.startswith(root)][: max_docs or None]
    report: dict[str, Any] = {"docs": str(docs), "documents": len(files), "n": n, "kinds": {}}
    every = max(holdout_every, 0)
    held = {Path(f.path).name for i, f in enumerate(files) if every and i % every == every - 1}
    for kind in kinds:
        rows, failed, seconds = [], [], 0.0
        for file in files:
            t = time.perf_counter()
            try:
                quiz = make_quiz(services, file.path, n, kind)
            except QuizError as exc:
                failed.append({"file": Path(file.path).name, "reason": str(exc)})
                continue
            seconds += time.perf_counter() - t
            rows.append({"file": Path(file.path).name, **score_quiz(quiz, services, file.pages)})
        if held:
            report.setdefault("held_out", {})[kind] = summarise([r for r in rows if r["file"] in held])
        report["kinds"][kind] = {**summarise(rows), "failed": failed,
                                 "seconds_per_quiz": round(seconds / max(len(rows), 1), 2), "per_document": rows}
    return report


def format_quiz_report(report: dict[str, Any]) -> str:
    """The report for a terminal: one block per kind."""
    lines = [f"quiz evaluation: {report['documents']} documents of {report['docs']}, {report['n']} questions each"]
    for kind, s in report["kinds"].items():
        lines += [
            f"\n[{kind}] {s['questions']} questions from {s['documents']} documents"
            f" ({len(s['failed'])} without a quiz), {s['seconds_per_quiz']} s per quiz",
            f"  answer supported by its quote     {s['supported_rate']}",
            f"  self-consistency (source in top {TOP}) {s['self_consistency_top3']}",
            f"  page coverage (pages used/pages)  {s['page_coverage']}   distinct pages per question"
            f" {s['pages_per_question']}",
            f"  near-duplicate questions          {s['near_duplicate_rate']}",
            f"  answer kinds                      {s['answer_kinds']}",
        ]
        if kind == "mcq":
            lines.append(f"  distractors of the answer's kind  {s['distractor_same_kind_rate']}"
                         f"   equal to the answer: {s['distractors_equal_answer']}")
        if kind in report.get("held_out", {}):
            h = report["held_out"][kind]
            lines.append(f"  held-out documents ({h['documents']}): self-consistency {h['self_consistency_top3']}"
                         f", answer kinds {h['answer_kinds']}")
        for fail in s["failed"][:5]:
            lines.append(f"  no quiz: {fail['file']}: {fail['reason'][:100]}")
    return "\n".join(lines)

