"""`make bench`: citewise against the tutorial pipeline, measured in the same run.

Parts (all by default; pick with --only):
- ingest:    first ingest of a PDF folder, citewise vs tutorial pipeline (wall time, pages/s, chunks/s);
- resync:    re-sync of the unchanged folder vs the first ingest;
- memory:    peak RSS of `python -m ingest sync` on a 10,000-page corpus (a child process);
- retrieval: p50/p95 on a synthetic 100,000-chunk index: retrieval, offline answer, time before the
             first LLM token; the tutorial's `similarity_search` on the same vectors as the baseline.
Absolute times are noisy on shared machines; the ratios are what the targets are about.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MODELS = ROOT / ".cache" / "models"

from app.evals.answers import percentile  # noqa: E402 - after the path and offline settings above


def _settings(data_dir: Path) -> Any:
    from app.settings import Settings

    return Settings(data_dir=data_dir, model_cache_dir=MODELS, moderation=False)


def _sync_cli(folder: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`python -m ingest sync FOLDER --json` in its own process, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "ingest", "sync", str(folder), "--json"], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "CITEWISE_DATA_DIR": str(data_dir),
                        "CITEWISE_MODEL_CACHE_DIR": str(MODELS), "CITEWISE_MODERATION": "false"},
    )


def bench_ingest(work: Path, files: int, pages: int, results: dict[str, Any]) -> None:
    from app.services import build_services
    from bench import tutorial
    from bench.corpus import write_pdfs
    from ingest.sync import SyncOptions, sync

    folder = work / "pdfs"
    page_count = write_pdfs(folder, files, pages)
    print(f"corpus: {files} PDFs, {page_count} pages", flush=True)

    torch_embeddings = tutorial.TorchEmbeddings()
    torch_embeddings.embed_documents(["warm up"])
    t = time.perf_counter()
    base = tutorial.ingest(folder, work / "tutorial-chroma", torch_embeddings)
    tutorial_s = time.perf_counter() - t
    del base["store"]

    services = build_services(_settings(work / "citewise"))
    settings, index, embedder = services.settings, services.index, services.embedder
    embedder.warm_up()
    options = SyncOptions(chunk_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens)
    t = time.perf_counter()
    report = sync(index, embedder, [folder], options)
    citewise_s = time.perf_counter() - t
    assert not report.failed, report.failed

    t = time.perf_counter()
    again = sync(index, embedder, [folder], options)
    resync_s = time.perf_counter() - t
    assert again.passages_embedded == 0 and again.unchanged == files

    t = time.perf_counter()
    cli = _sync_cli(folder, work / "citewise")
    resync_cli_s = time.perf_counter() - t
    results["ingest"] = {
        "pages": page_count,
        "tutorial": {"seconds": round(tutorial_s, 2), "chunks": base["chunks"],
                     "pages_per_s": round(page_count / tutorial_s, 1),
                     "chunks_per_s": round(base["chunks"] / tutorial_s, 1)},
        "citewise": {"seconds": round(citewise_s, 2), "chunks": report.chunks_added,
                     "pages_per_s": round(page_count / citewise_s, 1),
                     "chunks_per_s": round(report.chunks_added / citewise_s, 1),
                     "backend": settings.embed_backend},
        "speedup": round(tutorial_s / citewise_s, 2),
    }
    results["resync"] = {
        "seconds_in_process": round(resync_s, 4),
        "ratio_vs_first_ingest": round(citewise_s / resync_s, 1),
        "seconds_cli_process": round(resync_cli_s, 2),
        "cli_exit": cli.returncode,
    }
    index.close()


def bench_memory(work: Path, pages: int, results: dict[str, Any]) -> None:
    from bench.corpus import write_pdfs

    folder = work / "big"
    per_file = 100
    page_count = write_pdfs(folder, max(1, pages // per_file), per_file)
    print(f"memory corpus: {page_count} pages", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = _sync_cli(folder, work / "big-data")
    seconds = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    results["memory"] = {
        "pages": page_count, "chunks": summary.get("chunks_added"), "seconds": round(seconds, 1),
        "peak_rss_mb": round(max(peak_kb, before) / 1024, 1), "exit": proc.returncode,
        "target_mb": 2048,
    }


def _synthetic_index(work: Path, chunks: int) -> tuple[Any, list[str]]:
    """Services over an index of `chunks` passages (real text, random unit vectors), and the queries."""
    import numpy as np

    from app.index import NewChunk
    from app.services import build_services
    from app.text import sentence_spans
    from bench.corpus import abstracts
    from ingest.sync import passage_id

    # Random vectors are far from every query: lift the relevance floor so every question is answered
    # and the whole pipeline (offline answer, prompt building) is timed, not the no-answer shortcut.
    settings = _settings(work / "synthetic").model_copy(update={"min_relevance": 0.0, "answer_cache": False})
    services = build_services(settings)
    index = services.index
    rng = np.random.default_rng(3)
    source = abstracts()
    per_file = 100
    made = 0
    while made < chunks:
        title, text = next(source)
        batch = []
        for position in range(per_file):
            spans = sentence_spans(text)
            s, e = spans[position % len(spans)]
            piece = f"{text[s:e]} ({made + position})"
            batch.append(NewChunk(position, passage_id(title, piece), piece, title, None, [title], s, e, 60))
        vectors = rng.standard_normal((len(batch), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index.add_vectors([c.passage_id for c in batch], vectors)
        index.write_file({"path": f"/synthetic/{made // per_file}.txt", "collection": "default",
                          "file_type": "text", "status": "ok", "chunk_count": len(batch)}, batch)
        made += per_file
        title, text = next(source)
    queries = []
    if (Path(__file__).resolve().parent.parent.parent / "shared/datasets/scifact-train/queries.jsonl").exists():
        with (ROOT.parent / "shared/datasets/scifact-train/queries.jsonl").open() as handle:
            queries = [json.loads(line)["text"] for line in handle][:200]
    if not queries:
        queries = [f"{next(source)[0]} evidence" for _ in range(200)]
    return services, queries


def bench_retrieval(work: Path, chunks: int, results: dict[str, Any]) -> None:
    from app.assistant import Assistant
    from bench import tutorial
    from tests.fakes import FakeChatModel

    t = time.perf_counter()
    services, queries = _synthetic_index(work, chunks)
    print(f"synthetic index: {chunks} chunks in {time.perf_counter() - t:.0f} s", flush=True)
    settings, index, embedder, prompts = services.settings, services.index, services.embedder, services.prompts
    embedder.warm_up()
    offline = services.assistant
    for q in queries[:5]:
        offline.ask(q)  # warm caches and lazy imports

    retrieve, answer = [], []
    stages: dict[str, list[float]] = {}
    for q in queries:
        offline.retriever._cache.clear()
        t = time.perf_counter()
        found = offline.retriever.search(q)
        retrieve.append((time.perf_counter() - t) * 1000)
        for stage, ms in found.ranking.timings.items():
            stages.setdefault(stage, []).append(ms)
        offline.retriever._cache.clear()
        t = time.perf_counter()
        offline.ask(q)
        answer.append((time.perf_counter() - t) * 1000)

    fake = FakeChatModel()
    with_llm = Assistant(settings, index, embedder, prompts, llm=fake)
    pre_llm = []
    for q in queries:
        fake.enqueue("The answer is in the passages [1].")
        with_llm.retriever._cache.clear()
        result = with_llm.ask(q)
        pre_llm.append(result.timings["pre_llm_ms"])

    torch_embeddings = tutorial.TorchEmbeddings()
    import chromadb
    from langchain_chroma import Chroma

    store = Chroma(collection_name=settings.chroma_collection, embedding_function=torch_embeddings,
                   client=chromadb.PersistentClient(path=str(settings.index_dir / "chroma")))
    store.similarity_search("warm up", k=6)
    baseline = []
    for q in queries:
        t = time.perf_counter()
        store.similarity_search(q, k=6)
        baseline.append((time.perf_counter() - t) * 1000)

    def summary(values: list[float]) -> dict[str, float]:
        return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(percentile(values, 0.95), 1)}

    results["retrieval"] = {
        "chunks": chunks, "queries": len(queries),
        "citewise_retrieval": {**summary(retrieve), "target_p95_ms": 50},
        "citewise_retrieval_stages": {stage: summary(values) for stage, values in stages.items()},
        "citewise_offline_answer": {**summary(answer), "target_p95_ms": 300},
        "citewise_before_first_llm_token": {**summary(pre_llm), "target_p95_ms": 100},
        "tutorial_similarity_search": summary(baseline),
        "retrieval_p95_vs_tutorial": round(percentile(retrieve, 0.95) / percentile(baseline, 0.95), 2),
    }
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["ingest", "memory", "retrieval"], action="append")
    parser.add_argument("--files", type=int, default=40, help="PDFs in the ingest corpus")
    parser.add_argument("--pages", type=int, default=8, help="pages per PDF in the ingest corpus")
    parser.add_argument("--memory-pages", type=int, default=10000)
    parser.add_argument("--chunks", type=int, default=100000, help="size of the synthetic index")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "bench.json")
    args = parser.parse_args()
    parts = args.only or ["ingest", "memory", "retrieval"]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="citewise-bench-") as tmp:
        work = Path(tmp)
        if "ingest" in parts:
            bench_ingest(work, args.files, args.pages, results)
            print(json.dumps({k: results[k] for k in ("ingest", "resync")}, indent=2), flush=True)
        if "retrieval" in parts:
            bench_retrieval(work, args.chunks, results)
            print(json.dumps(results["retrieval"], indent=2), flush=True)
        if "memory" in parts:
            bench_memory(work, args.memory_pages, results)
            print(json.dumps(results["memory"], indent=2), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {args.out}")


if __name__ == "__main__":
    main()
