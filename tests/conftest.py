"""Shared fixtures: every test gets its own data dir; the exported ONNX model is shared (it is read-only)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The exported ONNX model, shared by every test session (and clone) of this user: exported on the first
# run, read-only afterwards, and never inside the repository.
MODEL_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citewise" / "test-models"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# Tests never talk to a real LLM or moderation endpoint, whatever the developer's shell has.
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_var, None)
for _var in [v for v in os.environ if v.startswith("CITEWISE_")]:
    os.environ.pop(_var)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh CITEWISE_DATA_DIR for this test (and settings that read it)."""
    from app.settings import get_settings

    path = tmp_path / "data"
    monkeypatch.setenv("CITEWISE_DATA_DIR", str(path))
    monkeypatch.setenv("CITEWISE_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def settings(data_dir: Path):  # noqa: ANN201 - Settings
    from app.settings import get_settings

    return get_settings()


@pytest.fixture(scope="session")
def embedder():  # noqa: ANN201 - MiniLMEmbedder
    from app.embeddings import MiniLMEmbedder

    model = MiniLMEmbedder("onnx-int8", MODEL_CACHE, 32)
    model.warm_up()
    return model


@pytest.fixture
def index(settings):  # noqa: ANN001, ANN201
    from app.index import KnowledgeIndex

    idx = KnowledgeIndex(settings)
    yield idx
    idx.close()


@pytest.fixture
def offline_assistant(settings, index, embedder, tmp_path: Path):  # noqa: ANN001, ANN201
    """Index documents written by the test ({file name: text}) and return an offline assistant over them
    (moderation and the answer cache off, so the answer pipeline alone is tested)."""
    from app.assistant import Assistant
    from app.prompts import load_prompts
    from ingest.sync import SyncOptions, sync

    def make(files: dict[str, str]):  # noqa: ANN202 - Assistant
        folder = tmp_path / f"docs{len(list(tmp_path.glob('docs*')))}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        assert not sync(index, embedder, [folder], SyncOptions()).failed
        run = settings.model_copy(update={"moderation": False, "answer_cache": False})
        return Assistant(run, index, embedder, load_prompts(run.prompts_dir))

    return make


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    """A small thread pool for the pages' background work (answers, quizzes), shut down after the test."""
    pool = ThreadPoolExecutor(max_workers=2)
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A small folder of documents in several formats (written by the tests, not shipped data)."""
    folder = tmp_path / "docs"
    (folder / "guides").mkdir(parents=True)
    (folder / "guides" / "install.md").write_text(
        "# Installing Foobar\n\nFoobar needs Python 3.11 and 2 GB of memory.\n\n"
        "## On Linux\n\nRun `make install` in the source folder. The installer writes to /opt/foobar.\n\n"
        "## On Windows\n\nDouble-click setup.exe and follow the wizard. Reboot when it asks.\n",
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text(
        "The quarterly review happens every March, June, September and December.\n\n"
        "Budget requests must reach the finance team two weeks before the review.\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        "<html><head><title>Office hours</title><script>var secret = 'do not index';</script></head>"
        "<body><h1>Office hours</h1><p>The help desk is open from 9:00 to 17:00 on weekdays.</p>"
        "<p>On public holidays the help desk is closed.</p></body></html>",
        encoding="utf-8",
    )
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return folder


@pytest.fixture
def server():  # noqa: ANN201 - Iterator[OpenAIServer]
    """A local HTTP server that speaks the OpenAI wire protocol (tests/openai_server.py), for LLM tests."""
    from tests.openai_server import OpenAIServer

    srv = OpenAIServer().start()
    yield srv
    srv.stop()
