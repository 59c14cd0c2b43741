"""A broken keyword index is said out loud: hybrid answers carry a notice, keyword-only fails clearly."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from ingest.sync import SyncOptions, sync
from tests.test_cli_ask import SAMPLES, use_env


@pytest.fixture
def broken_keyword_index(index, embedder, settings, monkeypatch):  # noqa: ANN001, ANN201
    use_env(monkeypatch, CITEWISE_MODERATION="false")
    assert not sync(index, embedder, [SAMPLES], SyncOptions(collection="sample")).failed
    index.close()
    with sqlite3.connect(Path(settings.index_dir) / "catalog.sqlite3") as db:
        # A damaged keyword index: a plain table where the FTS5 one was, so every MATCH fails.
        db.execute("DROP TABLE passages_fts")
        db.execute("CREATE TABLE passages_fts (context TEXT, text TEXT)")
    return SAMPLES


def test_hybrid_answer_says_keyword_search_was_left_out(broken_keyword_index) -> None:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["ask", "How do I re-index a folder?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["notice"].startswith("Meaning-based search only: the keyword index")
    assert answer["citations"][0]["file_name"] == "citewise-user-guide.md"


def test_keyword_only_search_on_a_broken_index_is_a_clear_error(broken_keyword_index, monkeypatch) -> None:  # noqa: ANN001
    use_env(monkeypatch, CITEWISE_RETRIEVAL_MODE="keyword")
    result = CliRunner().invoke(cli, ["ask", "How do I re-index a folder?"])
    assert result.exit_code == 2, result.output
    assert "error: the keyword index" in result.output and "failed: no such column" in result.output
    assert "bug in citewise" not in result.output
