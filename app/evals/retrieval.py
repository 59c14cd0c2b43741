"""Retrieval evaluation on any BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).

The corpus is written out as one Markdown file per entry (title as its heading, then the text) and
indexed into a temporary data dir through the real ingestion path; queries run through the real
retrieval path; a document scores as its best chunk. Prints nDCG@10, recall@10 and recall@100.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from app.settings import Settings


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        for row in reader:
            if len(row) < 3 or row[0] in ("query-id", "query_id"):
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(
        (2 ** relevant.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k])
    )
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def _safe_name(doc_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in doc_id)


def write_corpus(corpus: Path, folder: Path) -> dict[str, str]:
    """One Markdown file per corpus entry; returns file name -> document id."""
    names: dict[str, str] = {}
    for entry in read_jsonl(corpus):
        doc_id = str(entry["_id"])
        name = f"{_safe_name(doc_id)}.md"
        title = (entry.get("title") or "").strip().replace("\n", " ")
        body = (entry.get("text") or "").strip()
        text = f"# {title}\n\n{body}\n" if title else f"{body}\n"
        (folder / name).write_text(text, encoding="utf-8")
        names[name] = doc_id
    return names


def evaluate(
    beir_dir: Path, split: str, modes: Sequence[str], settings: Settings,
    max_queries: int | None = None, dense_weights: Sequence[float] = (),
) -> dict[str, Any]:
    """Index the corpus in a temporary data dir and score each retrieval mode on the split's queries."""
    from app.services import build_services
    from ingest.sync import SyncOptions, sync

    qrels = load_qrels(beir_dir / "qrels" / f"{split}.tsv")
    queries = [q for q in read_jsonl(beir_dir / "queries.jsonl") if str(q["_id"]) in qrels]
    if max_queries:
        queries = queries[:max_queries]
    with tempfile.TemporaryDirectory(prefix="citewise-eval-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        names = write_corpus(beir_dir / "corpus.jsonl", docs)
        run_settings = settings.model_copy(
            update={"data_dir": Path(tmp) / "data", "model_cache_dir": settings.models_dir,
                    "chroma_url": None, "chroma_host": None}
        )
        services = build_services(run_settings)
        index, embedder = services.index, services.embedder
        t = time.perf_counter()
        report = sync(index, embedder, [docs], SyncOptions(
            chunk_tokens=run_settings.chunk_tokens, overlap_tokens=run_settings.chunk_overlap_tokens))
        index_seconds = time.perf_counter() - t
        retriever = services.retriever
        path_to_doc = {str((docs / name).resolve()): doc for name, doc in names.items()}
        results: dict[str, Any] = {
            "dataset": str(beir_dir), "split": split, "queries": len(queries),
            "documents": len(names), "chunks": report.chunks_added,
            "index_seconds": round(index_seconds, 1), "embed_backend": run_settings.embed_backend,
            "modes": {},
        }
        variants = [(m, None) for m in modes] + [("hybrid", w) for w in dense_weights]
        for mode, weight in variants:
            scores = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
            latencies = []
            for q in queries:
                t = time.perf_counter()
                kwargs = {"dense_weight": weight} if weight is not None else {}
                ranking = retriever.rank(q["text"], mode=mode, depth=200, **kwargs)  # type: ignore[arg-type]
                latencies.append(time.perf_counter() - t)
                ranked = _docs_in_order(index, ranking.fused, path_to_doc)
                rel = qrels[str(q["_id"])]
                scores["ndcg@10"] += ndcg_at(ranked, rel, 10)
                scores["recall@10"] += recall_at(ranked, rel, 10)
                scores["recall@100"] += recall_at(ranked, rel, 100)
            name = mode if weight is None else f"hybrid(w={weight})"
            results["modes"][name] = {
                **{k: round(v / max(1, len(queries)), 4) for k, v in scores.items()},
                "p50_ms": round(sorted(latencies)[len(latencies) // 2] * 1000, 1) if latencies else 0,
            }
        # Every query of a BEIR split has a relevant document: the relevance floor should answer them all.
        refused = sum(retriever.search(q["text"]).no_answer for q in queries)
        results["relevance_floor"] = {
            "mode": run_settings.retrieval_mode, "min_relevance": run_settings.min_relevance,
            "answerable_refused": round(refused / max(1, len(queries)), 4),
        }
        index.close()
    return results


def _docs_in_order(index: Any, fused: list[tuple[str, float]], path_to_doc: dict[str, str]) -> list[str]:
    """Documents in the order of their best chunk."""
    chunks = index.chunks_for([pid for pid, _ in fused])
    ranked: list[str] = []
    seen: set[str] = set()
    for pid, _ in fused:
        for hit in chunks.get(pid, []):
            doc = path_to_doc.get(hit.path)
            if doc is not None and doc not in seen:
                seen.add(doc)
                ranked.append(doc)
    return ranked


def format_report(results: dict[str, Any]) -> str:
    lines = [
        f"{results['dataset']} [{results['split']}]: {results['queries']} queries, "
        f"{results['documents']} documents, {results['chunks']} chunks "
        f"(indexed in {results['index_seconds']} s, {results['embed_backend']})",
        f"{'mode':<16}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'p50 ms':>9}",
    ]
    for mode, s in results["modes"].items():
        lines.append(
            f"{mode:<16}{s['ndcg@10']:>9.4f}{s['recall@10']:>8.4f}{s['recall@100']:>8.4f}{s['p50_ms']:>9.1f}"
        )
    floor = results.get("relevance_floor")
    if floor:
        lines.append(f"relevance floor ({floor['mode']}, min {floor['min_relevance']}): "
                     f"{floor['answerable_refused']:.1%} of these answerable queries got 'not covered'")
    return "\n".join(lines)
