"""The tutorial-style LangChain pipeline citewise is measured against.

pypdf pages -> RecursiveCharacterTextSplitter(1000, 200) -> sentence-transformers on torch -> Chroma,
as in LangChain's RAG tutorials (with pypdf called directly and the embeddings wrapped by hand, since
langchain-community is being retired).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings


class TorchEmbeddings(Embeddings):
    """What HuggingFaceEmbeddings does: sentence-transformers on torch, normalized."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        from app.embeddings import packaged_model_path

        self.model = SentenceTransformer(str(packaged_model_path()), device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(texts, batch_size=32, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text], normalize_embeddings=True)[0].tolist()


def load_pdf_pages(folder: Path) -> list[Document]:
    from pypdf import PdfReader

    docs = []
    for path in sorted(folder.rglob("*.pdf")):
        reader = PdfReader(str(path))
        for number, page in enumerate(reader.pages):
            docs.append(Document(page.extract_text() or "", metadata={"source": str(path), "page": number}))
    return docs


def ingest(folder: Path, persist_dir: Path, embeddings: TorchEmbeddings) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    pages = load_pdf_pages(folder)
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(pages)
    client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(
        collection_name="tutorial", embedding_function=embeddings, client=client,
        collection_metadata={"hnsw:space": "cosine"},
    )
    for start in range(0, len(chunks), 2000):
        store.add_documents(chunks[start : start + 2000])
    return {"pages": len(pages), "chunks": len(chunks), "store": store}
