"""`make bench`: citewise against the tutorial pipeline, measured in the same run.

Parts (all by default; pick with --only):
- ingest:    first ingest of real PDFs (the shared FinanceBench dev filings when present, else generated
             PDFs) with citewise's defaults (moderation and its passage scan on) vs the tutorial pipeline,
             in this process tree, one after the other; moderation off as a third run; the stage
             breakdown (CPU seconds per stage) of the default run;
- resync:    re-sync of the unchanged folder vs the first ingest;
- memory:    peak resident memory of `python -m ingest sync` (parent and parse workers together) on
             10,000 generated pages, or the dev filings with --memory-corpus filings;
- retrieval: p50/p95 on a synthetic 100,000-chunk index: retrieval, offline answer, time before the
             first LLM token; the tutorial's `similarity_search` on the same vectors as the baseline.
Absolute times are noisy on shared machines; the ratios are what the targets are about: on a machine
shared with other work, compare CPU seconds (printed beside the wall times) and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MODELS = ROOT / ".cache" / "models"
SHARED = ROOT.parent / "shared" / "datasets"  # the shared datasets beside a clone (`--shared` elsewhere)
FILINGS = SHARED / "financebench-dev" / "pdfs"

from app.evals.answers import percentile  # noqa: E402 - after the path and offline settings above


def _settings(data_dir: Path, moderation: bool = False) -> Any:
    from app.settings import Settings

    return Settings(data_dir=data_dir, model_cache_dir=MODELS, moderation=moderation)


def _sync_cli(folder: Path, data_dir: Path, moderation: bool = True) -> subprocess.CompletedProcess[str]:
    """`python -m ingest sync FOLDER --json` in its own process, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "ingest", "sync", str(folder), "--json"], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "CITEWISE_DATA_DIR": str(data_dir),
                        "CITEWISE_MODEL_CACHE_DIR": str(MODELS),
                        "CITEWISE_MODERATION": "true" if moderation else "false"},
    )


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in kB; 0 elsewhere."""
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


class PeakMemory:
    """Samples the resident memory of a process tree (parent plus parse workers) every 0.2 s."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _corpus(work: Path, pdfs: Path | None, max_files: int, files: int, pages: int) -> tuple[Path, str, int]:
    """The PDF folder to ingest: the shared dev filings (or `--pdfs`) when present, else generated PDFs.

    Returns (folder, description, page count)."""
    from pypdf import PdfReader

    from bench.corpus import write_pdfs

    source = pdfs or (FILINGS if FILINGS.is_dir() else None)
    if source is not None and source.is_dir():
        chosen = sorted(source.glob("*.pdf"))
        if max_files:
            step = max(1, len(chosen) // max_files)  # spread over companies, not the first few
            chosen = chosen[::step][:max_files]
        folder = work / "pdfs"
        folder.mkdir()
        for path in chosen:
            shutil.copy(path, folder / path.name)  # a private copy: the index records its own paths
        page_count = sum(len(PdfReader(str(p)).pages) for p in sorted(folder.glob("*.pdf")))
        return folder, f"{len(chosen)} real PDFs from {source.parent.name}/{source.name}", page_count
    folder = work / "pdfs"
    page_count = write_pdfs(folder, files, pages)
    return folder, f"{files} generated PDFs (the shared dev filings were not found)", page_count


def _citewise_ingest(folder: Path, data_dir: Path, moderation: bool) -> tuple[Any, float, float, Any]:
    """A first ingest with the CLI's defaults in this process; (report, wall s, CPU s of the tree, services)."""
    from app.services import build_services
    from ingest.sync import sync

    services = build_services(_settings(data_dir, moderation=moderation))
    index, embedder = services.index, services.embedder
    embedder.warm_up()
    options = services.sync_options()
    scan = services.passage_scanner()
    cpu = _cpu_seconds()
    t = time.perf_counter()
    report = sync(index, embedder, [folder], options, scan_passage=scan)
    seconds = time.perf_counter() - t
    assert not report.failed, report.failed
    return report, seconds, _cpu_seconds() - cpu, services


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the parse workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def bench_ingest(work: Path, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from bench import tutorial

    folder, described, page_count = _corpus(work, args.pdfs, args.max_files, args.files, args.pages)
    print(f"corpus: {described}, {page_count} pages; load average before: {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)

    torch_embeddings = tutorial.TorchEmbeddings()
    torch_embeddings.embed_documents(["warm up"])
    cpu = _cpu_seconds()
    t = time.perf_counter()
    base = tutorial.ingest(folder, work / "tutorial-chroma", torch_embeddings)
    tutorial_s, tutorial_cpu = time.perf_counter() - t, _cpu_seconds() - cpu
    del base["store"]
    print(f"tutorial pipeline: {tutorial_s:.1f} s", flush=True)

    report, citewise_s, citewise_cpu, services = _citewise_ingest(folder, work / "citewise", moderation=True)
    print(f"citewise, defaults (moderation on): {citewise_s:.1f} s", flush=True)
    off, off_s, off_cpu, off_services = _citewise_ingest(folder, work / "citewise-off", moderation=False)
    off_services.index.close()
    print(f"citewise, moderation off: {off_s:.1f} s", flush=True)

    from ingest.sync import sync

    settings = services.settings
    t = time.perf_counter()
    again = sync(services.index, services.embedder, [folder], services.sync_options(),
                 scan_passage=services.passage_scanner())
    resync_s = time.perf_counter() - t
    assert again.passages_embedded == 0 and not again.added and not again.updated
    services.index.close()
    t = time.perf_counter()
    cli = _sync_cli(folder, work / "citewise")
    resync_cli_s = time.perf_counter() - t

    stages = {name: round(value, 1) for name, value in sorted(report.stages.items())}
    results["ingest"] = {
        "corpus": described, "pages": page_count,
        "conditions": {"cpus": os.cpu_count(), "load_average_after": round(os.getloadavg()[0], 1)},
        "tutorial": {"seconds": round(tutorial_s, 1), "cpu_seconds": round(tutorial_cpu, 1),
                     "chunks": base["chunks"], "pages_per_s": round(page_count / tutorial_s, 1)},
        "citewise": {"seconds": round(citewise_s, 1), "cpu_seconds": round(citewise_cpu, 1),
                     "chunks": report.chunks_added, "pages_per_s": round(page_count / citewise_s, 1),
                     "chunks_per_s": round(report.chunks_added / citewise_s, 1),
                     "backend": settings.embed_backend, "moderation": True,
                     "flagged_passages": index_flags(work / "citewise")},
        "citewise_moderation_off": {"seconds": round(off_s, 1), "cpu_seconds": round(off_cpu, 1)},
        "speedup_vs_tutorial": round(tutorial_s / citewise_s, 2),
        "speedup_vs_tutorial_cpu": round(tutorial_cpu / citewise_cpu, 2),
        "moderation_cost": f"{(citewise_s / off_s - 1) * 100:+.1f}% wall, "
                           f"{(citewise_cpu / off_cpu - 1) * 100:+.1f}% CPU",
        "stages_seconds": stages,
        "targets": {"speedup_vs_tutorial": ">= 3", "moderation_cost": "<= +10%"},
    }
    results["resync"] = {
        "seconds_in_process": round(resync_s, 4),
        "ratio_vs_first_ingest": round(citewise_s / resync_s, 1),
        "seconds_cli_process": round(resync_cli_s, 2),
        "ratio_cli_vs_first_ingest": round(citewise_s / resync_cli_s, 1),
        "cli_exit": cli.returncode,
        "target_ratio": ">= 50",
    }
    print(_stage_table(report, citewise_s), flush=True)


def index_flags(data_dir: Path) -> int:
    """Passages the ingest scan flagged."""
    import sqlite3

    with sqlite3.connect(data_dir / "index" / "catalog.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM passages WHERE flags != '[]'").fetchone()[0])


STAGE_NOTES = {
    "parse_cpu": "parse (pypdf, in worker processes), CPU",
    "chunk": "chunk (sentence packing, word-piece counts), CPU",
    "embed_cpu": "embed (ONNX int8, concurrent calls), CPU",
    "scan": "scan new passages for hidden instructions (document rules), CPU",
    "write": "write (SQLite/FTS5 and Chroma's calls; Chroma's own threads count as embed), CPU",
    "embed_wait": "main thread waiting for vectors, wall",
}


def _stage_table(report: Any, seconds: float) -> str:
    lines = [f"stage breakdown of the default ingest ({seconds:.1f} s wall; stages overlap):"]
    for name, note in STAGE_NOTES.items():
        lines.append(f"  {note:<84} {report.stages.get(name, 0.0):8.1f} s")
    return "\n".join(lines)


def bench_memory(work: Path, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Peak resident memory of `python -m ingest sync` (parent and parse workers together)."""
    from bench.corpus import write_pdfs

    filings = args.pdfs or FILINGS
    if args.memory_corpus == "filings" and filings.is_dir():
        folder, described = filings, f"the PDFs in {filings.parent.name}/{filings.name} (real)"
    else:
        folder = work / "big"
        per_file = 100
        write_pdfs(folder, max(1, args.memory_pages // per_file), per_file)
        described = f"{max(1, args.memory_pages // per_file)} generated PDFs of {per_file} pages"
    print(f"memory corpus: {described}", flush=True)
    env = {**os.environ, "CITEWISE_DATA_DIR": str(work / "big-data"), "CITEWISE_MODEL_CACHE_DIR": str(MODELS)}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "sync", str(folder), "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with PeakMemory(proc.pid) as peak:
        stdout, _ = proc.communicate()
    seconds = time.perf_counter() - t
    summary = json.loads(stdout) if stdout.strip().startswith("{") else {}
    results["memory"] = {
        "corpus": described, "pages": summary.get("pages"), "chunks": summary.get("chunks_added"),
        "seconds": round(seconds, 1), "peak_rss_mb_process_tree": round(peak.peak_kb / 1024, 1),
        "exit": proc.returncode, "target_mb": 2048,
    }


QUESTIONS = 200  # per kind: the shared SciFact claims (most refused) and questions from the corpus's own words


def corpus_question(passage: str, words: int = 10) -> str:
    """A question that a passage of the corpus answers, built from its own words ("What about <its first
    words>?"): the answer decision lets it through, so the answer and the LLM's prompt are timed too."""
    text = re.sub(r"\s*\(\d+\)$", "", passage)  # the synthetic passage's serial number
    return "What about " + " ".join(re.findall(r"[^\W_]+", text)[:words]) + "?"


def _synthetic_index(work: Path, chunks: int) -> tuple[Any, list[str], list[str]]:
    """Services over an index of `chunks` passages (real text, random unit vectors), the queries (SciFact
    claims when present), and questions built from passages of the index (`corpus_question`)."""
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
    every = max(1, chunks // QUESTIONS)
    answerable: list[str] = []
    while made < chunks:
        title, text = next(source)
        batch = []
        for position in range(per_file):
            spans = sentence_spans(text)
            s, e = spans[position % len(spans)]
            piece = f"{text[s:e]} ({made + position})"
            batch.append(NewChunk(position, passage_id(title, piece), piece, title, None, [title], s, e, 60))
            if (made + position) % every == every // 2 and len(answerable) < QUESTIONS:
                answerable.append(corpus_question(piece))
        vectors = rng.standard_normal((len(batch), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index.add_vectors([c.passage_id for c in batch], vectors)
        index.write_file({"path": f"/synthetic/{made // per_file}.txt", "collection": "default",
                          "file_type": "text", "status": "ok", "chunk_count": len(batch)}, batch)
        made += per_file
        title, text = next(source)
    queries = []
    if (SHARED / "scifact-train" / "queries.jsonl").exists():
        with (SHARED / "scifact-train" / "queries.jsonl").open() as handle:
            queries = [json.loads(line)["text"] for line in handle][:QUESTIONS]
    if not queries:
        queries = [f"{next(source)[0]} evidence" for _ in range(QUESTIONS)]
    return services, queries, answerable


def _forget(assistant: Any) -> None:
    """Cold questions: the retriever's query vectors and the embedder's vectors by text are forgotten."""
    assistant.retriever._cache.clear()
    assistant.embedder.clear_text_cache()


def _time_offline(offline: Any, queries: list[str]) -> tuple[list[float], list[float], dict[str, list[float]], int]:
    """(retrieval ms, offline answer ms, retrieval stages, questions answered) over `queries`, cold query
    embeddings (`_forget` before each)."""
    retrieve, answer = [], []
    stages: dict[str, list[float]] = {}
    answered = 0
    for q in queries:
        _forget(offline)
        t = time.perf_counter()
        found = offline.retriever.search(q)
        retrieve.append((time.perf_counter() - t) * 1000)
        for stage, ms in found.ranking.timings.items():
            stages.setdefault(stage, []).append(ms)
        _forget(offline)
        t = time.perf_counter()
        result = offline.ask(q)
        answer.append((time.perf_counter() - t) * 1000)
        answered += not result.no_answer
    return retrieve, answer, stages, answered


def _time_before_llm(with_llm: Any, fake: Any, queries: list[str]) -> list[float]:
    """The time before the LLM is called (`pre_llm_ms`: moderation off, retrieval, answer decision, prompt)
    of the questions the answer decision lets through, with a fake LLM that replies at once."""
    pre_llm = []
    for q in queries:
        fake.replies.clear()
        fake.enqueue("The answer is in the passages [1].")
        _forget(with_llm)
        result = with_llm.ask(q)
        if "pre_llm_ms" in result.timings:  # questions the answer decision refuses never reach the LLM
            pre_llm.append(result.timings["pre_llm_ms"])
    return pre_llm


def bench_retrieval(work: Path, chunks: int, results: dict[str, Any]) -> None:
    from app.assistant import Assistant
    from bench import tutorial
    from tests.fakes import FakeChatModel

    t = time.perf_counter()
    services, queries, answerable = _synthetic_index(work, chunks)
    print(f"synthetic index: {chunks} chunks in {time.perf_counter() - t:.0f} s", flush=True)
    settings, index, embedder, prompts = services.settings, services.index, services.embedder, services.prompts
    # The tutorial's baseline first, as a process of its own would see it: after many single-text ONNX calls,
    # torch's thread pool sometimes runs its queries ~30 times slower in the same process.
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

    embedder.warm_up()
    offline = services.assistant
    for q in queries[:5] + answerable[:5]:
        offline.ask(q)  # warm caches and lazy imports

    retrieve, answer, stages, answered = _time_offline(offline, queries)
    _, answer_own, _, answered_own = _time_offline(offline, answerable)

    fake = FakeChatModel()
    with_llm = Assistant(settings, index, embedder, prompts, llm=fake)
    pre_llm = _time_before_llm(with_llm, fake, queries)
    pre_llm_own = _time_before_llm(with_llm, fake, answerable)


    def summary(values: list[float]) -> dict[str, float]:
        if not values:
            return {"p50_ms": 0.0, "p95_ms": 0.0}
        return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(percentile(values, 0.95), 1)}

    results["retrieval"] = {
        "chunks": chunks, "queries": len(queries), "corpus_questions": len(answerable),
        "citewise_retrieval": {**summary(retrieve), "target_p95_ms": 50},
        "citewise_retrieval_stages": {stage: summary(values) for stage, values in stages.items()},
        # The shared queries (SciFact claims; the synthetic index's vectors are random, so most are refused)
        # and the questions built from the corpus's own words (answered), timed apart.
        "citewise_offline_answer": {**summary(answer), "target_p95_ms": 300, "answered": answered},
        "citewise_offline_answer_corpus_questions": {**summary(answer_own), "target_p95_ms": 300,
                                                     "answered": answered_own},
        "citewise_before_first_llm_token": {**summary(pre_llm), "target_p95_ms": 100,
                                            "questions_sent_to_llm": len(pre_llm)},
        "citewise_before_first_llm_token_corpus_questions": {**summary(pre_llm_own), "target_p95_ms": 100,
                                                             "questions_sent_to_llm": len(pre_llm_own)},
        "tutorial_similarity_search": summary(baseline),
        "retrieval_p95_vs_tutorial": round(percentile(retrieve, 0.95) / percentile(baseline, 0.95), 2),
        "offline_answer_p95_vs_tutorial": round(percentile(answer, 0.95) / percentile(baseline, 0.95), 2),
        "offline_answer_corpus_questions_p95_vs_tutorial":
            round(percentile(answer_own, 0.95) / percentile(baseline, 0.95), 2) if answer_own else None,
    }
    index.close()


def _use_shared(folder: Path) -> None:
    """Read the shared datasets from `folder` (SciFact's abstracts and claims, the dev filings)."""
    global SHARED, FILINGS
    from bench import corpus

    SHARED, FILINGS = folder, folder / "financebench-dev" / "pdfs"
    corpus.SCIFACT = folder / "scifact-train" / "corpus.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["ingest", "memory", "retrieval"], action="append")
    parser.add_argument("--pdfs", type=Path, help="PDF folder to ingest (default: the shared dev filings)")
    parser.add_argument("--max-files", type=int, default=0, help="use this many of the PDFs (0 = all)")
    parser.add_argument("--files", type=int, default=40, help="generated PDFs, when there are no filings")
    parser.add_argument("--pages", type=int, default=8, help="pages per generated PDF")
    parser.add_argument("--memory-corpus", choices=["generated", "filings"], default="generated",
                        help="memory run on --memory-pages generated pages, or on the dev filings")
    parser.add_argument("--memory-pages", type=int, default=10000)
    parser.add_argument("--chunks", type=int, default=100000, help="size of the synthetic index")
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the shared datasets folder (SciFact for the synthetic index, the dev filings)")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "bench.json")
    args = parser.parse_args()
    _use_shared(args.shared)
    parts = args.only or ["ingest", "memory", "retrieval"]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="citewise-bench-") as tmp:
        work = Path(tmp)
        if "ingest" in parts:
            bench_ingest(work, args, results)
            print(json.dumps({k: results[k] for k in ("ingest", "resync")}, indent=2), flush=True)
        if "retrieval" in parts:
            bench_retrieval(work, args.chunks, results)
            print(json.dumps(results["retrieval"], indent=2), flush=True)
        if "memory" in parts:
            bench_memory(work, args, results)
            print(json.dumps(results["memory"], indent=2), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {args.out}")


if __name__ == "__main__":
    main()
