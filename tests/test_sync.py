"""Ingestion: incremental sync by content, pruning, dry runs, bad files, and consistency after crashes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from app.index import IndexFormatOutdated, IndexModelMismatch, KnowledgeIndex
from ingest.cli import cli
from ingest.sync import SyncOptions, sync
from tests.conftest import MODEL_CACHE, ROOT


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner = inner
        self.embedded = 0

    def embed_array(self, texts):  # noqa: ANN001, ANN201
        self.embedded += len(texts)
        return self.inner.embed_array(texts)

    def count_tokens_batch(self, texts):  # noqa: ANN001, ANN201
        return self.inner.count_tokens_batch(texts)

    def token_offsets(self, text):  # noqa: ANN001, ANN201
        return self.inner.token_offsets(text)


def assert_consistent(index: KnowledgeIndex) -> None:
    """Dense vectors, keyword index and catalog describe exactly the same passages."""
    db = index.catalog
    passages = {r[0] for r in db.query("SELECT id FROM passages")}
    assert index.vectors.all_ids() == passages
    fts = {r[0] for r in db.query("SELECT rowid FROM passages_fts")}
    assert fts == {r[0] for r in db.query("SELECT rowid FROM passages")}
    used = {r[0] for r in db.query("SELECT DISTINCT passage_id FROM chunks")}
    assert used == passages, "orphan passages or chunks without a passage"
    for row in db.query(
        "SELECT f.path, f.chunk_count, COUNT(c.id) AS n FROM files f LEFT JOIN chunks c ON c.file_id = f.id"
        " GROUP BY f.id"
    ):
        assert row["chunk_count"] == row["n"], row["path"]
    dupes = db.query("SELECT file_id, position, COUNT(*) FROM chunks GROUP BY 1, 2 HAVING COUNT(*) > 1")
    assert not dupes


def _sync(index, embedder, root, **kwargs):  # noqa: ANN001, ANN003, ANN202
    return sync(index, embedder, [root], SyncOptions(**kwargs))


def test_first_sync_indexes_supported_files_and_skips_the_rest(index, embedder, docs) -> None:  # noqa: ANN001
    report = _sync(index, embedder, docs)
    assert report.files_seen == 4
    assert len(report.added) == 3 and len(report.skipped) == 1 and not report.failed
    assert report.skipped[0].endswith("image.png")
    types = {Path(f.path).name: f.file_type for f in index.files()}
    assert types == {"install.md": "markdown", "notes.txt": "text", "page.html": "html"}
    hits = index.catalog.keyword_search("help desk weekdays", 5)
    assert hits and index.chunks_for([hits[0][0]])[hits[0][0]][0].path.endswith("page.html")
    assert not index.catalog.keyword_search("secret", 5), "script text must not be indexed"
    assert_consistent(index)


def test_resync_of_unchanged_files_embeds_nothing(index, embedder, docs) -> None:  # noqa: ANN001
    counting = CountingEmbedder(embedder)
    _sync(index, counting, docs)
    first = counting.embedded
    assert first > 0
    report = _sync(index, counting, docs)
    assert report.unchanged == 3 and not report.added and not report.updated
    assert counting.embedded == first
    # a new modification time with the same content is still unchanged (content hash)
    os.utime(docs / "notes.txt", ns=(time.time_ns(), time.time_ns()))
    report = _sync(index, counting, docs)
    assert report.unchanged == 3 and counting.embedded == first


def test_changed_file_has_its_old_passages_replaced(index, embedder, docs) -> None:  # noqa: ANN001
    counting = CountingEmbedder(embedder)
    _sync(index, counting, docs)
    before = counting.embedded
    (docs / "notes.txt").write_text(
        "The quarterly review happens every March, June, September and December.\n\n"
        "Travel expenses are reimbursed within ten working days.\n", encoding="utf-8")
    report = _sync(index, counting, docs)
    assert [Path(p).name for p in report.updated] == ["notes.txt"]
    assert counting.embedded - before == 1, "only the changed passage is embedded again"
    assert not index.catalog.keyword_search("finance budget requests", 5)
    assert index.catalog.keyword_search("travel reimbursed", 5)
    assert_consistent(index)


def test_prune_removes_files_that_vanished(index, embedder, docs) -> None:  # noqa: ANN001
    _sync(index, embedder, docs)
    (docs / "page.html").unlink()
    kept = _sync(index, embedder, docs)
    assert not kept.removed and len(index.files()) == 3
    pruned = _sync(index, embedder, docs, prune=True)
    assert [Path(p).name for p in pruned.removed] == ["page.html"]
    assert pruned.chunks_removed > 0
    assert not index.catalog.keyword_search("help desk", 5)
    assert_consistent(index)


def test_dry_run_reports_changes_without_touching_the_index(index, embedder, docs) -> None:  # noqa: ANN001
    report = _sync(index, embedder, docs, dry_run=True)
    assert len(report.added) == 3
    assert index.files() == [] and index.stats()["chunks"] == 0


def test_identical_chunks_are_stored_and_embedded_once(index, embedder, docs) -> None:  # noqa: ANN001
    (docs / "archive").mkdir()
    shutil.copy(docs / "notes.txt", docs / "archive" / "notes.txt")  # same title, same text
    counting = CountingEmbedder(embedder)
    _sync(index, counting, docs)
    stats = index.stats()
    assert stats["chunks"] == stats["passages"] + stats["duplicate_chunks"]
    assert stats["duplicate_chunks"] >= 1
    # Both files are still found as sources of the shared passage.
    pid = index.catalog.keyword_search("quarterly review", 1)[0][0]
    paths = {h.path for h in index.chunks_for([pid])[pid]}
    assert paths == {str(docs / "notes.txt"), str(docs / "archive" / "notes.txt")}
    assert_consistent(index)


def test_bad_files_are_reported_and_the_rest_indexed(index, embedder, docs) -> None:  # noqa: ANN001
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (docs / "empty.md").write_bytes(b"")
    report = _sync(index, embedder, docs)
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(failed) == {"broken.pdf", "binary.txt", "empty.md"}
    assert all(reason for reason in failed.values())
    assert len(report.added) == 3
    assert {f.status for f in index.files() if Path(f.path).name in failed} == {"failed"}
    assert_consistent(index)


def test_cli_sync_json_and_exit_code(data_dir, docs) -> None:  # noqa: ANN001
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    runner = CliRunner()
    result = runner.invoke(cli, ["sync", str(docs), "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert {k for k in summary} >= {
        "files_seen", "added", "updated", "unchanged", "removed", "skipped", "failed", "chunks_added",
        "chunks_removed", "seconds",
    }
    assert summary["added"] == 3 and summary["skipped"] == 1
    assert summary["failed"][0]["path"].endswith("broken.pdf") and summary["failed"][0]["error"]
    (docs / "broken.pdf").unlink()
    result = runner.invoke(cli, ["sync", str(docs), "--prune", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["unchanged"] == 3


def test_cli_sync_says_which_deleted_files_are_still_searchable(data_dir, docs) -> None:  # noqa: ANN001
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(docs)]).exit_code == 0
    (docs / "notes.txt").unlink()
    kept = runner.invoke(cli, ["sync", str(docs)])
    assert kept.exit_code == 0, kept.output
    assert "1 indexed file(s) no longer on disk are still searchable" in " ".join(kept.output.split())
    assert "--prune" in kept.output and "notes.txt" in kept.output
    listed = json.loads(runner.invoke(cli, ["sync", str(docs), "--json"]).stdout)
    assert [Path(p).name for p in listed["gone"]] == ["notes.txt"] and listed["removed"] == 0
    pruned = json.loads(runner.invoke(cli, ["sync", str(docs), "--prune", "--json"]).stdout)
    assert pruned["removed"] == 1 and pruned["gone"] == []


def test_a_sync_without_collection_keeps_the_files_in_theirs(data_dir, docs) -> None:  # noqa: ANN001
    # Re-running the nightly `ingest sync FOLDER` without --collection used to move every file to the
    # default collection and embed it all again (the collection is part of each passage's header).
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(docs), "--collection", "hr"]).exit_code == 0
    (docs / "new.md").write_text("# Parking\n\nVisitors park behind the north gate.\n", encoding="utf-8")
    again = json.loads(runner.invoke(cli, ["sync", str(docs), "--json"]).stdout)
    assert again["unchanged"] == 3 and again["added"] == 1 and again["updated"] == 0
    listed = {Path(r["path"]).name: r["collection"] for r in json.loads(runner.invoke(cli, ["list", "--json"]).stdout)}
    assert listed == {"install.md": "hr", "notes.txt": "hr", "page.html": "hr", "new.md": "default"}
    moved = json.loads(runner.invoke(cli, ["sync", str(docs), "--collection", "default", "--json"]).stdout)
    assert moved["updated"] == 3  # asked for explicitly, it still moves them


def test_cli_names_a_failed_file_with_brackets_as_it_is_on_disk(data_dir, docs) -> None:  # noqa: ANN001
    (docs / "notes[v2].md").write_text("", encoding="utf-8")  # fails: empty
    (docs / "[draft] plan.txt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", str(docs)])
    assert result.exit_code == 1, result.output
    shown = result.output.replace("\n", "")  # rich folds long paths onto the next line
    assert "notes[v2].md: empty file" in shown and "[draft] plan.txt: empty file" in shown
    removed = CliRunner().invoke(cli, ["remove", str(docs / "notes[v2].md")])
    assert "notes[v2].md" in removed.output.replace("\n", "")


def test_cli_list_remove_and_stats(data_dir, docs) -> None:  # noqa: ANN001
    runner = CliRunner()
    empty = runner.invoke(cli, ["list"])
    assert empty.exit_code == 0 and "python -m ingest sync FOLDER" in " ".join(empty.output.split())
    assert runner.invoke(cli, ["sync", str(docs)]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["list", "--json"]).stdout)
    assert len(listed) == 3
    stats = json.loads(runner.invoke(cli, ["stats", "--json"]).stdout)
    assert stats["documents"] == 3 and stats["embedding_model"].endswith("all-MiniLM-L6-v2")
    result = runner.invoke(cli, ["remove", str(docs / "notes.txt"), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["removed"][0].endswith("notes.txt")
    after = json.loads(runner.invoke(cli, ["stats", "--json"]).stdout)
    assert after["documents"] == 2 and after["chunks"] < stats["chunks"]
    missing = runner.invoke(cli, ["remove", str(docs / "nope.txt")])
    assert missing.exit_code == 1 and "not in the index" in missing.output


def test_index_built_with_another_model_is_a_clear_error(settings, index) -> None:  # noqa: ANN001
    index.catalog.set_meta("embedding_model", "BAAI/bge-small-en-v1.5")
    index.close()
    with pytest.raises(IndexModelMismatch, match="ingest reembed"):
        KnowledgeIndex(settings)
    runner = CliRunner()
    result = runner.invoke(cli, ["stats"])
    assert result.exit_code == 2 and "bge-small" in result.output and "Traceback" not in result.output


def test_index_of_an_older_format_says_to_rebuild_it(settings, index) -> None:  # noqa: ANN001
    index.catalog.set_meta("schema_version", "1")
    index.close()
    with pytest.raises(IndexFormatOutdated, match="ingest sync"):
        KnowledgeIndex(settings)
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 2 and "format 1" in result.output and "Traceback" not in result.output


def _many_docs(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    words = ["valve", "pump", "meter", "panel", "inverter", "cable", "grid", "battery", "fuse", "relay",
             "sensor", "switch"]
    for i in range(count):
        paragraphs = [
            " ".join(rng.choice(words, 40)) + f" document {i} paragraph {p}." for p in range(6)
        ]
        (folder / f"doc-{i:03d}.md").write_text(f"# Doc {i}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_sync_then_rerun_leaves_a_consistent_index(tmp_path, sig) -> None:  # noqa: ANN001
    folder = tmp_path / "many"
    _many_docs(folder, 120)
    data = tmp_path / "data"
    env = {**os.environ, "CITEWISE_DATA_DIR": str(data), "CITEWISE_MODEL_CACHE_DIR": str(MODEL_CACHE),
           "CITEWISE_MODERATION": "false"}
    cmd = [sys.executable, "-m", "ingest", "sync", str(folder), "--json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    catalog = data / "index" / "catalog.sqlite3"
    deadline = time.time() + 120
    import sqlite3

    while time.time() < deadline and proc.poll() is None:
        if catalog.exists():
            try:
                with sqlite3.connect(catalog) as db:
                    if db.execute("SELECT COUNT(*) FROM files").fetchone()[0] >= 5:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    assert proc.poll() is None, "the sync finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    if sig == signal.SIGINT:
        # 130 from our handler; -SIGINT when the signal lands inside Chroma's native code, which then
        # lets the default action end the process. Either way the re-run below must find a consistent index.
        assert proc.returncode in (130, -signal.SIGINT)
        assert b"Traceback" not in proc.stderr.read()
    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    from app.settings import Settings

    index = KnowledgeIndex(Settings(data_dir=data, model_cache_dir=MODEL_CACHE))
    assert len(index.files()) == 120
    assert_consistent(index)
    index.close()


def test_the_consoles_sync_summary_names_files_gone_from_disk(index, embedder, docs) -> None:  # noqa: ANN001
    from app.web.index_updates import sync_summary

    _sync(index, embedder, docs)
    (docs / "notes.txt").unlink()
    _, problems = sync_summary(_sync(index, embedder, docs))
    assert any(p.startswith("notes.txt: no longer on disk but still searchable") for p in problems)


def test_a_console_folder_sync_without_a_collection_keeps_the_files_in_theirs(data_dir, docs) -> None:  # noqa: ANN001
    from app.services import build_services
    from app.settings import get_settings
    from app.web.index_updates import SyncProgress, sync_files

    assert CliRunner().invoke(cli, ["sync", str(docs), "--collection", "hr"]).exit_code == 0
    services = build_services(get_settings())
    try:
        report = sync_files(services, [docs], "  ", False, SyncProgress())  # the field left blank
        assert report.unchanged == 3 and not report.updated and not report.added
        assert {r.collection for r in services.index.files()} == {"hr"}
    finally:
        services.index.close()


class RecordingProgress:
    """Which files the sync read (every file it parses ends with `file_done`)."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def start(self, total_files: int) -> None: ...
    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None:
        self.read.append(Path(path).name)

    def finish(self) -> None: ...


def test_a_failed_file_is_not_read_again_until_it_or_the_limits_change(index, embedder, docs) -> None:  # noqa: ANN001
    big = docs / "big.txt"
    big.write_text("A very long log line that repeats.\n" * 200, encoding="utf-8")  # 7,000 characters
    limited = SyncOptions(max_text_chars=5000)
    first = RecordingProgress()
    report = sync(index, embedder, [docs], limited, first)
    assert "big.txt" in first.read and report.failed[0]["path"].endswith("big.txt")
    assert "unchanged since" not in report.failed[0]["error"]

    again = RecordingProgress()
    report = sync(index, embedder, [docs], limited, again)
    assert again.read == [], "an unchanged failed file must not be read again"
    assert [Path(f["path"]).name for f in report.failed] == ["big.txt"]  # still counted as failed
    error = report.failed[0]["error"]
    assert "characters" in error and "unchanged since the last attempt" in error
    assert report.unchanged == 3
    assert sync(index, embedder, [docs], SyncOptions(max_text_chars=5000, checksum=True)).failed

    raised = RecordingProgress()
    report = sync(index, embedder, [docs], SyncOptions(max_text_chars=50_000), raised)
    assert raised.read == ["big.txt"] and not report.failed and report.updated[0].endswith("big.txt")

    big.write_text("A very long log line that repeats.\n" * 300, encoding="utf-8")  # a new, longer version
    sync(index, embedder, [docs], limited)
    big.write_text("Short now.\n", encoding="utf-8")
    changed = RecordingProgress()
    report = sync(index, embedder, [docs], limited, changed)
    assert changed.read == ["big.txt"] and not report.failed
    assert_consistent(index)


def test_cli_sync_of_an_unchanged_failed_file_still_fails_and_says_what_to_do(data_dir, docs) -> None:  # noqa: ANN001
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(docs)]).exit_code == 1
    result = runner.invoke(cli, ["sync", str(docs)])
    assert result.exit_code == 1, result.output
    shown = " ".join(result.output.split())
    assert "1 failed" in shown and "broken.pdf" in shown
    assert "unchanged since the last attempt" in shown and "sync again once the file" in shown


def test_an_encrypted_pdf_is_remembered_until_a_password_is_given(index, embedder, docs) -> None:  # noqa: ANN001
    from tests.test_readers import _encrypted_pdf

    _encrypted_pdf(docs / "locked.pdf")
    assert "--pdf-password" in _sync(index, embedder, docs).failed[0]["error"]
    again = RecordingProgress()
    report = sync(index, embedder, [docs], SyncOptions(), again)
    assert again.read == [] and "unchanged since the last attempt" in report.failed[0]["error"]
    unlocked = RecordingProgress()
    report = sync(index, embedder, [docs], SyncOptions(pdf_password="s3cret"), unlocked)
    assert unlocked.read == ["locked.pdf"] and not report.failed
    assert index.catalog.keyword_search("salary bands", 5)
