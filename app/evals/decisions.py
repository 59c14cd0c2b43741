"""Evaluations of the answer decision: right page, leave-one-out no-answer, refusals, follow-ups.

- `evaluate_pages_and_loo`: a folder of documents and questions with `source` (file name) and optional
  1-based `pages`. Each question is asked of the whole index (is the first citation on an evidence page?
  was it refused?) and again with its own file left out (the documents then do not cover it: was it
  refused?). The index is built once in a reusable data dir; the left-out file is filtered at query
  time, not re-indexed.
- `evaluate_refusals`: a BEIR folder whose queries all have an answer in its corpus (they should be
  answered), and a CSV of prompts the corpus does not cover (they should be refused).
- `evaluate_followups`: conversations of two or three turns (JSONL), each follow-up checked on its
  rewritten question (terms it must and must not hold) and on the file its answer cites first.

Every row carries the decision and its reason, so a miss can be read, not only counted. Questions are
split into a tuned half and a held-out half (every other question) and reported separately.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.settings import Settings


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def open_assistant(docs: Path, data_dir: Path, settings: Settings) -> Any:
    """An assistant over `docs` indexed in `data_dir` (re-used: only new or changed files are indexed).

    Moderation, the answer cache and rate limits are off, so the answer decision alone is measured.
    """
    from app.assistant import build_assistant
    from app.embeddings import get_embedder
    from ingest.sync import SyncOptions, sync

    run_settings = settings.model_copy(update={
        "data_dir": data_dir, "model_cache_dir": settings.models_dir, "chroma_url": None, "chroma_host": None,
        "answer_cache": False, "moderation": False,
        "rate_limit_per_minute": 10**6, "rate_limit_burst": 10**6,
    })
    assistant = build_assistant(run_settings, llm=None)
    sync(assistant.index, get_embedder(run_settings), [docs], SyncOptions(
        chunk_tokens=run_settings.chunk_tokens, overlap_tokens=run_settings.chunk_overlap_tokens))
    return assistant


def _split(index: int, holdout_every: int) -> str:
    return "held-out" if holdout_every and index % holdout_every == holdout_every - 1 else "tuned"


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def evaluate_pages_and_loo(
    docs: Path, questions: Path, settings: Settings, data_dir: Path, holdout_every: int = 2,
    leave_one_out: bool = True,
) -> dict[str, Any]:
    """First-citation page hits and refusals with the source present, and refusals with it left out."""
    from app.retrieval import Filters

    items = _read_jsonl(questions)
    assistant = open_assistant(docs, data_dir, settings)
    rows = []
    for number, item in enumerate(items):
        t = time.perf_counter()
        answer = assistant.ask(item["question"], session_id="eval")
        first = answer.citations[0] if answer.citations else None
        pages = item.get("pages") or []
        row: dict[str, Any] = {
            "question": item["question"], "source": item.get("source"), "split": _split(number, holdout_every),
            "refused": answer.no_answer, "reason": (answer.decision or {}).get("reason"),
            "first_citation": f"{first.file_name} p.{first.page}" if first else None,
            "right_file": bool(first and first.file_name == item.get("source")),
            "on_evidence_page": bool(first and first.file_name == item.get("source") and first.page in pages)
            if pages else None,
            "seconds": round(time.perf_counter() - t, 3),
        }
        if leave_one_out and item.get("source"):
            pattern = f"*/{glob_escape(item['source'])}"
            left_out = assistant.ask(item["question"], session_id="eval", filters=Filters(exclude_glob=pattern))
            row["loo_refused"] = left_out.no_answer
            row["loo_reason"] = (left_out.decision or {}).get("reason")
            cited = left_out.citations[0] if left_out.citations else None
            row["loo_first_citation"] = f"{cited.file_name} p.{cited.page}" if cited else None
        rows.append(row)
    assistant.index.close()
    report: dict[str, Any] = {"questions": len(rows), "splits": {}, "rows": rows}
    for split in ("tuned", "held-out", "all"):
        part = [r for r in rows if split == "all" or r["split"] == split]
        report["splits"][split] = {
            "questions": len(part),
            "first_citation_on_evidence_page": _rate([r["on_evidence_page"] for r in part
                                                      if r["on_evidence_page"] is not None]),
            "first_citation_right_file": _rate([r["right_file"] for r in part]),
            "refused_with_source_present": _rate([r["refused"] for r in part]),
            "loo_no_answer_recall": _rate([r["loo_refused"] for r in part if "loo_refused" in r]),
        }
    return report


def glob_escape(name: str) -> str:
    """A file name as a literal GLOB pattern."""
    return "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in name)


def _csv_prompts(path: Path, label: str | None) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("prompt") or row.get("text") or "").strip()
            if text and (label is None or (row.get("label") or "").strip().lower() == label):
                yield text


def evaluate_refusals(
    beir: Path, uncovered: Path, settings: Settings, data_dir: Path, label: str | None = "safe",
    holdout_every: int = 2, max_queries: int | None = None,
) -> dict[str, Any]:
    """BEIR queries (all answerable from the corpus) should be answered; prompts from `uncovered` refused."""
    from app.evals.retrieval import read_jsonl, write_corpus

    docs = data_dir / "corpus"
    if not docs.exists():
        docs.mkdir(parents=True)
        write_corpus(beir / "corpus.jsonl", docs)
    assistant = open_assistant(docs, data_dir / "data", settings)
    qrels_ids = {line.split("\t")[0] for line in (beir / "qrels" / "train.tsv").read_text().splitlines()[1:]} \
        if (beir / "qrels" / "train.tsv").exists() else None
    queries = [q["text"] for q in read_jsonl(beir / "queries.jsonl") if qrels_ids is None or str(q["_id"]) in qrels_ids]
    prompts = list(_csv_prompts(uncovered, label))
    if max_queries:
        queries, prompts = queries[:max_queries], prompts[:max_queries]
    rows = []
    for kind, texts in (("answerable", queries), ("uncovered", prompts)):
        for number, text in enumerate(texts):
            answer = assistant.ask(text, session_id="eval")
            rows.append({"kind": kind, "question": text, "split": _split(number, holdout_every),
                         "refused": answer.no_answer, "reason": (answer.decision or {}).get("reason")})
    assistant.index.close()
    report: dict[str, Any] = {"splits": {}, "rows": rows}
    for split in ("tuned", "held-out", "all"):
        part = [r for r in rows if split == "all" or r["split"] == split]
        report["splits"][split] = {
            "answerable": sum(r["kind"] == "answerable" for r in part),
            "answerable_refused": _rate([r["refused"] for r in part if r["kind"] == "answerable"]),
            "uncovered": sum(r["kind"] == "uncovered" for r in part),
            "uncovered_refused": _rate([r["refused"] for r in part if r["kind"] == "uncovered"]),
        }
    return report


def evaluate_followups(
    docs: Path, conversations: Path, settings: Settings, data_dir: Path, holdout_every: int = 2,
) -> dict[str, Any]:
    """Each conversation: turns of {question, standalone_has[], standalone_lacks[], cites (file glob)}."""
    from app.conversation import Turn

    items = _read_jsonl(conversations)
    assistant = open_assistant(docs, data_dir, settings)
    rows = []
    for number, conversation in enumerate(items):
        history: list[Turn] = []
        for position, turn in enumerate(conversation["turns"]):
            answer = assistant.ask(turn["question"], history, session_id=f"eval-{number}")
            history.append(Turn(answer.question, answer.text, answer.rewritten_query))
            if position == 0:
                continue
            standalone = answer.standalone.lower()
            wanted = [w.lower() for w in turn.get("standalone_has", [])]
            unwanted = [w.lower() for w in turn.get("standalone_lacks", [])]
            first = answer.citations[0].file_name if answer.citations else None
            rewrite_ok = all(w in standalone for w in wanted) and not any(w in standalone for w in unwanted)
            cites = turn.get("cites")
            rows.append({
                "conversation": number, "split": _split(number, holdout_every), "question": turn["question"],
                "standalone": answer.standalone, "rewrite_ok": rewrite_ok, "first_citation": first,
                "cites_ok": bool(first and fnmatch.fnmatch(first, cites)) if cites else None,
                "refused": answer.no_answer, "reason": (answer.decision or {}).get("reason"),
            })
    assistant.index.close()
    report: dict[str, Any] = {"conversations": len(items), "follow_ups": len(rows), "splits": {}, "rows": rows}
    for split in ("tuned", "held-out", "all"):
        part = [r for r in rows if split == "all" or r["split"] == split]
        report["splits"][split] = {
            "follow_ups": len(part),
            "rewrite_ok": _rate([r["rewrite_ok"] for r in part]),
            "cites_expected_file": _rate([r["cites_ok"] for r in part if r["cites_ok"] is not None]),
            "both_ok": _rate([r["rewrite_ok"] and bool(r["cites_ok"]) for r in part]),
        }
    return report


def format_decision_report(report: dict[str, Any]) -> str:
    """Per split, the figures of any of the three evaluations, then the misses with their reasons."""
    lines = []
    for split, figures in report["splits"].items():
        shown = ", ".join(f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
                          if v is not None)
        lines.append(f"{split:>9}: {shown}")
    misses = [r for r in report["rows"] if r.get("loo_refused") is False or r.get("rewrite_ok") is False
              or r.get("cites_ok") is False or (r.get("kind") == "uncovered" and not r["refused"])
              or (r.get("kind") == "answerable" and r["refused"])
              or (r.get("kind") is None and r.get("refused") and "loo_refused" in r)]
    held_out = [r for r in misses if r.get("split") == "held-out"]
    if held_out:  # a held-out part stays held out: its questions are not read one by one
        misses = [r for r in misses if r.get("split") != "held-out"]
        lines.append(f"\n{len(held_out)} misses of the held-out part are not listed (--json has every row)")
    if misses:
        lines.append(f"\n{len(misses)} misses (first 40):")
        for r in misses[:40]:
            what = r.get("standalone") or r.get("question", "")
            reason = r.get("loo_reason") if r.get("loo_refused") is False else r.get("reason")
            lines.append(f"- {what[:110]!r} -> {r.get('first_citation') or r.get('loo_first_citation')} "
                         f"({reason})")
    return "\n".join(lines)
