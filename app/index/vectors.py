"""The dense half of the index: passage vectors in Chroma (cosine space), embedded or on a server.

Chroma never embeds anything itself here: every call passes vectors we computed, and the collection is
created with no embedding function, so its default (which downloads a model) is never used.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from app.settings import Settings  # noqa: E402

_BATCH = 4000  # below Chroma's max batch size


class VectorStoreError(Exception):
    """Chroma could not be reached or used; the message says what to check."""


log = logging.getLogger(__name__)
OWNER_KEY = "citewise_catalog_id"  # collection metadata: the catalog that owns the collection
OWNER_PATH_KEY = "citewise_catalog"  # ... and where it lives (host:path), for the refusal message


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def server_address(settings: Settings) -> tuple[str, int, bool] | None:
    """(host, port, ssl) of the configured Chroma server, or None for embedded Chroma."""
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        ssl = url.scheme == "https"
        return url.hostname or "127.0.0.1", url.port or (443 if ssl else 8000), ssl
    if settings.chroma_host:
        return settings.chroma_host, settings.chroma_port, False
    return None


class VectorStore:
    """Passage vectors keyed by passage id (the passage's content hash)."""

    def __init__(self, settings: Settings) -> None:
        import chromadb

        address = server_address(settings)
        try:
            if address is None:
                path = settings.index_dir / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
                self.location = str(path)
            else:
                host, port, ssl = address
                self.client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_chroma_settings())
                self.client.heartbeat()
                self.location = f"{'https' if ssl else 'http'}://{host}:{port}"
            self.collection = self.client.get_or_create_collection(
                settings.chroma_collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:  # chromadb raises many kinds; the user needs one message
            where = "the Chroma server" if address else f"the Chroma folder {settings.index_dir / 'chroma'}"
            raise VectorStoreError(f"cannot open {where}: {exc}. Is it running and reachable?") from exc
        self.remote = address is not None

    def claim(self, catalog_id: str, catalog_path: str) -> None:
        """Record `catalog_id` as the owner of the collection, or refuse one another catalog owns.

        The catalog (files, chunks, keyword index) is a local SQLite file; a catalog reconciles, prunes
        and re-embeds the collection as if it were the only one writing to it, so two catalogs (two
        hosts, or two data folders) sharing one collection delete each other's vectors."""
        try:
            metadata = dict(self.collection.metadata or {})
        except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
            raise self._failed("read the collection's metadata", exc) from exc
        owner = metadata.get(OWNER_KEY)
        if owner == catalog_id:
            return
        if owner:
            raise VectorStoreError(
                f"the Chroma collection '{self.collection.name}' at {self.location} belongs to another citewise "
                f"catalog ({metadata.get(OWNER_PATH_KEY, 'another host or data folder')}), not to {catalog_path}. "
                "Two catalogs writing to one collection delete each other's vectors. Run every writer on the "
                "host that owns it (several app processes on that host are fine), or give this catalog its own "
                "collection with CITEWISE_CHROMA_COLLECTION.")
        metadata.update({OWNER_KEY: catalog_id, OWNER_PATH_KEY: catalog_path})
        try:
            self.collection.modify(metadata={k: v for k, v in metadata.items() if not k.startswith("hnsw:")})
        except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
            raise self._failed("record its owner", exc) from exc

    def _failed(self, action: str, exc: Exception) -> VectorStoreError:
        log.error("Chroma failed to %s at %s: %s", action, self.location, exc)
        where = "the Chroma server" if self.remote else "the Chroma folder"
        return VectorStoreError(f"{where} at {self.location} failed to {action}: {exc}. Check that it is "
                                "running and readable; `python -m ingest check` tells whether the index agrees.")

    def count(self) -> int:
        try:
            return int(self.collection.count())
        except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
            raise self._failed("count vectors", exc) from exc

    def upsert(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        try:
            for start in range(0, len(ids), _BATCH):
                self.collection.upsert(
                    ids=list(ids[start : start + _BATCH]), embeddings=vectors[start : start + _BATCH]
                )
        except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
            raise self._failed("store vectors", exc) from exc

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        try:
            for start in range(0, len(ids), _BATCH):
                self.collection.delete(ids=ids[start : start + _BATCH])
        except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
            raise self._failed("delete vectors", exc) from exc

    def all_ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            try:
                page = self.collection.get(include=[], limit=20000, offset=offset)["ids"]
            except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
                raise self._failed("list vectors", exc) from exc
            out.update(page)
            if len(page) < 20000:
                return out
            offset += len(page)

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), _BATCH):
            try:
                got = self.collection.get(ids=list(ids[start : start + _BATCH]), include=["embeddings"])
            except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
                raise self._failed("read vectors", exc) from exc
            for pid, vec in zip(got["ids"], got["embeddings"], strict=True):
                out[pid] = np.asarray(vec, dtype=np.float32)
        return out

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k nearest passages as (id, cosine similarity), best first."""
        if k <= 0:
            return []
        # The embedded Chroma returns what it has when asked for more (counting first cost ~10 ms of every
        # question on 100,000 passages); a server, perhaps of another version, is asked for no more than it holds.
        total = self.count() if self.remote else k
        if total == 0:
            return []
        try:
            res = self.collection.query(
                query_embeddings=[vector.tolist()], n_results=min(k, total), include=["distances"]
            )
        except Exception as exc:  # chromadb raises many kinds; the caller gets one readable error
            raise self._failed("search", exc) from exc
        return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def disk_bytes(self) -> int | None:
        if self.remote:
            return None
        return sum(p.stat().st_size for p in Path(self.location).rglob("*") if p.is_file())
