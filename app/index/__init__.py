"""The index on disk (catalog, keyword index, vectors): the only module that knows its layout."""

from app.index.catalog import STOPWORDS, ChunkHit, FileRow, IndexFormatOutdated, KeywordSearchError, NewChunk
from app.index.lock import IndexBusy
from app.index.store import IndexCheck, IndexModelMismatch, KnowledgeIndex, ReembedPending, embed_text, utc_now
from app.index.vectors import VectorStoreError

__all__ = [
    "STOPWORDS", "ChunkHit", "FileRow", "IndexBusy", "IndexCheck", "IndexFormatOutdated", "IndexModelMismatch",
    "KeywordSearchError", "KnowledgeIndex", "NewChunk", "ReembedPending", "VectorStoreError", "embed_text",
    "utc_now",
]
