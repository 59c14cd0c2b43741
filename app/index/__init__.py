"""The index on disk (catalog, keyword index, vectors): the only module that knows its layout."""

from app.index.catalog import ChunkHit, FileRow, IndexFormatOutdated, NewChunk
from app.index.store import IndexModelMismatch, KnowledgeIndex, embed_text, utc_now
from app.index.vectors import VectorStoreError

__all__ = [
    "ChunkHit", "FileRow", "IndexFormatOutdated", "IndexModelMismatch", "KnowledgeIndex", "NewChunk",
    "VectorStoreError",
    "embed_text", "utc_now",
]
