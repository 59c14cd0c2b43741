"""What a reader extracts from a file, and what the chunker makes of it."""

from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """A file could not be read; the message says why and what the user can do about it."""


@dataclass(frozen=True)
class Block:
    """A run of text with one page and one heading path (a paragraph, a page, a section body).

    `start` is the character offset of `text` inside `ParsedDocument.text`, so that
    `doc.text[block.start : block.start + len(block.text)] == block.text`.
    """

    text: str
    start: int
    page: int | None = None  # 1-based page number (PDF), None when the format has no pages
    headings: tuple[str, ...] = ()  # heading path, outermost first


@dataclass
class ParsedDocument:
    """The extracted text of one file and its structure."""

    text: str
    blocks: list[Block]
    file_type: str  # pdf | markdown | text | html | docx
    title: str | None = None
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. "page 3 has no text layer"
    subject: str | None = None  # the most prominent text of the first page (a PDF's cover: a company name)


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document.

    `text` is what a reader sees and what is cited; `context` (the document header, then the heading
    path) is prepended when embedding, so that a passage is found by what its document and section are
    about; `header` alone is the document's keyword field. `start`/`end` are its character span inside
    `ParsedDocument.text`.
    """

    text: str
    context: str
    position: int
    start: int
    end: int
    page: int | None
    headings: tuple[str, ...]
    token_count: int
    header: str = ""
