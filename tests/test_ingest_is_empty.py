"""`python -m ingest is-empty`, which `make run` asks before indexing the samples."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.index import KnowledgeIndex
from app.settings import Settings
from ingest.cli import cli
from tests.conftest import MODEL_CACHE


def test_is_empty_answers_with_its_exit_code(data_dir: Path, docs: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["is-empty"]).exit_code == 0
    assert runner.invoke(cli, ["sync", str(docs)]).exit_code == 0
    assert runner.invoke(cli, ["is-empty"]).exit_code == 1


def test_an_index_of_another_model_is_a_clear_error_not_a_traceback(data_dir: Path) -> None:
    index = KnowledgeIndex(Settings(data_dir=data_dir, model_cache_dir=MODEL_CACHE))
    index.catalog.set_meta("embedding_model", "BAAI/bge-small-en-v1.5")
    index.close()
    result = CliRunner().invoke(cli, ["is-empty"])
    assert result.exit_code == 2
    assert "bge-small" in result.output and "ingest reembed" in result.output
    assert "Traceback" not in result.output
