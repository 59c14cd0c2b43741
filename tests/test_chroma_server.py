"""Server mode: the same sync and search against a real `chroma run` on a loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.index import KnowledgeIndex, VectorStoreError
from app.retrieval import Retriever
from ingest.sync import SyncOptions, sync
from tests.web_fixtures import free_port

pytestmark = pytest.mark.server


@pytest.fixture
def chroma_server(tmp_path: Path):  # noqa: ANN201
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "chroma.log").read_text()) from None
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def test_sync_and_search_through_a_chroma_server(settings, embedder, docs, chroma_server) -> None:  # noqa: ANN001
    server_settings = settings.model_copy(update={"chroma_url": chroma_server})
    index = KnowledgeIndex(server_settings)
    report = sync(index, embedder, [docs], SyncOptions())
    assert len(report.added) == 3
    assert index.vectors.remote and index.vectors.count() == index.stats()["passages"]
    assert not (settings.index_dir / "chroma").exists(), "server mode must not write an embedded store"
    result = Retriever(index, embedder, server_settings).search("When is the help desk open?", mode="dense")
    assert result.passages and result.passages[0].file_name == "page.html"
    # a re-sync against the server embeds nothing
    again = sync(index, embedder, [docs], SyncOptions())
    assert again.unchanged == 3 and again.passages_embedded == 0
    index.close()


def test_unreachable_server_is_a_clear_error(settings) -> None:  # noqa: ANN001
    bad = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port()}"})
    index = KnowledgeIndex(bad)
    with pytest.raises(VectorStoreError, match="Chroma server"):
        _ = index.vectors
    index.close()


def test_a_second_catalog_on_a_shared_collection_is_refused(settings, embedder, docs, chroma_server,  # noqa: ANN001
                                                            tmp_path: Path) -> None:
    """Host A indexes into the server; host B (its own data folder, so its own catalog) points at the
    same collection: B is refused before it can reconcile A's vectors away, at start-up and on sync."""
    first = settings.model_copy(update={"chroma_url": chroma_server})
    index = KnowledgeIndex(first)
    assert len(sync(index, embedder, [docs], SyncOptions()).added) == 3
    vectors = index.vectors.count()
    index.close()

    other_host = first.model_copy(update={"data_dir": tmp_path / "other-host"})
    intruder = KnowledgeIndex(other_host)
    with pytest.raises(VectorStoreError, match="belongs to another citewise catalog"):
        intruder.begin_write()
    with pytest.raises(VectorStoreError, match="CITEWISE_CHROMA_COLLECTION"):
        _ = intruder.vectors
    intruder.close()
    serve = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--port", str(free_port())], cwd=Path(__file__).resolve().parent.parent,
        env={**_env_without_citewise(), "CITEWISE_DATA_DIR": str(other_host.data_dir),
             "CITEWISE_MODEL_CACHE_DIR": str(settings.model_cache_dir), "CITEWISE_CHROMA_URL": chroma_server,
             "CITEWISE_MODERATION": "false"},
        capture_output=True, text=True, timeout=120,
    )
    assert serve.returncode == 2 and "belongs to another citewise catalog" in serve.stderr
    assert "Traceback" not in serve.stderr

    again = KnowledgeIndex(first)  # the owner still works, its vectors untouched
    assert again.vectors.count() == vectors and again.check().ok
    own = KnowledgeIndex(other_host.model_copy(update={"chroma_collection": "citewise-host-b"}))
    assert len(sync(own, embedder, [docs], SyncOptions()).added) == 3  # its own collection is fine
    own.close()
    again.close()


def _env_without_citewise() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")}
