"""Several writers, crashes and re-embeds cannot leave the dense index, the keyword index and the catalog
disagreeing; `python -m ingest check` says when they do and what to run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from app.index import IndexBusy, KnowledgeIndex, ReembedPending
from app.settings import Settings
from ingest.cli import cli
from ingest.sync import SyncOptions, sync
from tests.conftest import MODEL_CACHE, ROOT
from tests.test_sync import assert_consistent

WORDS = ["valve", "pump", "meter", "panel", "inverter", "cable", "grid", "battery", "fuse", "relay", "sensor",
         "switch", "boiler", "filter", "gauge", "hose", "nozzle", "tank"]


def _write_docs(folder: Path, prefix: str, count: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        paragraphs = [" ".join(rng.choice(WORDS, 40)) + f" {prefix} {i} paragraph {p}." for p in range(6)]
        (folder / f"{prefix}-{i:03d}.md").write_text(f"# {prefix} {i}\n\n" + "\n\n".join(paragraphs),
                                                     encoding="utf-8")


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "CITEWISE_DATA_DIR": str(data), "CITEWISE_MODEL_CACHE_DIR": str(MODEL_CACHE),
            "CITEWISE_MODERATION": "false"}


def _files_in_catalog(data: Path) -> int:
    catalog = data / "index" / "catalog.sqlite3"
    if not catalog.exists():
        return 0
    try:
        with sqlite3.connect(catalog) as db:
            return int(db.execute("SELECT COUNT(*) FROM files").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _holder_pid(data: Path) -> int | None:
    try:
        text = (data / "index" / "writer.lock").read_text(encoding="utf-8")
    except OSError:
        return None
    return int(text.split()[1].rstrip(":")) if text.startswith("pid ") else None


def test_two_concurrent_syncs_and_a_kill_leave_index_consistent(tmp_path: Path) -> None:
    """Cron's `ingest sync` and another writer on different folders at once, one killed mid-way: the
    other waits for the lock instead of reconciling under the first one's feet, and the index agrees."""
    first, second, data = tmp_path / "first", tmp_path / "second", tmp_path / "data"
    _write_docs(first, "alpha", 120, seed=1)
    _write_docs(second, "beta", 120, seed=2)
    env = _env(data)
    procs = {
        name: subprocess.Popen([sys.executable, "-m", "ingest", "sync", str(folder), "--json"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, folder in (("first", first), ("second", second))
    }
    by_pid = {p.pid: name for name, p in procs.items()}
    deadline = time.time() + 180
    victim = None
    while time.time() < deadline and all(p.poll() is None for p in procs.values()):
        holder = _holder_pid(data)
        if holder in by_pid and _files_in_catalog(data) >= 5:
            victim = by_pid[holder]
            break
        time.sleep(0.05)
    assert victim is not None, "neither sync was caught writing (one finished before it could be killed)"
    procs[victim].send_signal(signal.SIGKILL)
    procs[victim].wait(timeout=60)
    survivor = "second" if victim == "first" else "first"
    out, errors = procs[survivor].communicate(timeout=600)
    assert procs[survivor].returncode == 0, errors
    assert "waiting" in errors  # it told the operator it waited for the other writer
    report = json.loads(out)
    assert report["added"] == 120

    check = subprocess.run([sys.executable, "-m", "ingest", "check", "--json"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    result = json.loads(check.stdout)
    assert result["ok"] and result["passages"] == result["vectors"] == result["keyword_rows"] > 0

    rerun = subprocess.run([sys.executable, "-m", "ingest", "sync", str(first if victim == "first" else second),
                            "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    index = KnowledgeIndex(Settings(data_dir=data, model_cache_dir=MODEL_CACHE))
    assert len(index.files()) == 240
    assert_consistent(index)
    index.close()


def test_a_second_writer_waits_then_fails_clearly(settings: Settings) -> None:
    holder = KnowledgeIndex(settings)
    other = KnowledgeIndex(settings.model_copy(update={"index_lock_wait_s": 0.3}))
    told: list[str] = []
    other.on_lock_wait = told.append
    with holder.writer(), pytest.raises(IndexBusy, match=f"pid {os.getpid()}"):
        other.begin_write()
    assert told and "waiting up to" in told[0]
    assert other.begin_write() == {"vectors_removed": 0, "files_reset": 0}  # free again
    other.end_write()
    holder.close()
    other.close()


def test_check_finds_passages_without_vectors_and_repair_fixes_them(data_dir: Path, docs: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(docs)]).exit_code == 0
    stats = json.loads(runner.invoke(cli, ["stats", "--json"]).stdout)
    assert stats["passages"] == stats["vectors"] == stats["keyword_rows"] > 0
    index = KnowledgeIndex(Settings(data_dir=data_dir, model_cache_dir=MODEL_CACHE))
    lost = sorted(index.catalog.passage_ids())[:2]
    index.vectors.delete(lost)  # what a second writer's reconcile used to do, silently
    index.close()

    stats = json.loads(runner.invoke(cli, ["stats", "--json"]).stdout)
    assert stats["vectors"] == stats["passages"] - 2
    broken = runner.invoke(cli, ["check"])
    assert broken.exit_code == 1
    assert "2 passages have no vector" in broken.output and "ingest check --repair" in broken.output

    repaired = runner.invoke(cli, ["check", "--repair", "--json"])
    assert repaired.exit_code == 0, repaired.output
    assert json.loads(repaired.stdout)["repaired"]["files_reset"] >= 1
    resync = json.loads(runner.invoke(cli, ["sync", str(docs), "--json"]).stdout)
    assert resync["added"]  # the files that lost vectors are read again
    assert runner.invoke(cli, ["check"]).exit_code == 0


def test_interrupted_reembed_is_flagged_and_finished_by_running_it_again(settings: Settings, docs: Path,
                                                                       embedder) -> None:  # noqa: ANN001
    index = KnowledgeIndex(settings)
    sync(index, embedder, [docs], SyncOptions())
    passages = len(index.catalog.passage_ids())
    calls = 0

    def failing(texts: list[str]) -> np.ndarray:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise KeyboardInterrupt  # Ctrl-C half-way
        return embedder.embed_array(texts)

    with pytest.raises(KeyboardInterrupt):
        index.reembed(failing, batch=2)
    check = index.check()
    assert check.reembed_pending and not check.ok
    assert check.vectors == passages  # nothing was deleted up front: search keeps working
    assert any("ingest reembed" in p for p in check.problems())
    with pytest.raises(ReembedPending, match="ingest reembed"):
        index.begin_write()
    assert index.reembed(embedder.embed_array) == passages
    assert index.check().ok
    assert_consistent(index)
    index.close()
