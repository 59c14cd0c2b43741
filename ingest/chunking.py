"""Split a parsed document into passages that fit the embedder's window, measured in its own tokens.

A chunk never crosses a page or a section (heading path), so its page and heading citations are exact.
Inside a section, sentences are packed up to the budget; neighbouring chunks share up to
`overlap_tokens` of whole trailing sentences; a sentence longer than the budget is cut at token
boundaries. The document header and heading path (the chunk's `context`) count against the window too,
because they are embedded with the text.

Every chunk carries its document's header (`document_header`): the most prominent text of its first
page (a filing's company name), its title, the words of its file name and its collection. A question
that names a document ("3M", "the operations handbook") then finds that document's passages, in the
embedding and in the header's own BM25 field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import PurePath

from app.text import sentence_spans
from ingest.documents import Block, Chunk, ParsedDocument

WINDOW = 254  # the model's 256 word pieces less [CLS] and [SEP]
MAX_CONTEXT_TOKENS = 48
MAX_HEADER_TOKENS = 32  # the header's share of the context (and so of the window)
HEADER_SEPARATOR = " · "
DEFAULT_COLLECTION = "default"


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


def file_name_words(file_name: str) -> str | None:
    """The words of a file name ("ops_handbook-v2.pdf" -> "ops handbook v2"); None when it has none
    (a number or a hash says nothing about the document)."""
    stem = PurePath(file_name).stem
    if not re.search(r"[^\W\d_]{2,}", stem):
        return None
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)  # camelCase -> camel Case
    return " ".join(re.sub(r"[_\-.+]+", " ", spaced).split()) or None


def document_header(
    title: str | None, subject: str | None = None, file_name: str | None = None, collection: str | None = None,
) -> str:
    """Who a passage belongs to: "subject · title · file name words · collection", repeats left out.

    The collection is left out when it is the default one (it would say nothing).
    """
    candidates = [subject, title, file_name_words(file_name) if file_name else None,
                  collection if collection and collection != DEFAULT_COLLECTION else None]
    parts: list[str] = []
    for candidate in candidates:
        part = " ".join((candidate or "").split())
        if part and not any(part.lower() in seen.lower() for seen in parts):
            parts.append(part)
    return HEADER_SEPARATOR.join(parts)


def make_context(header: str | None, headings: Sequence[str]) -> str:
    """The line embedded before a chunk's text: document header and heading path (a heading that
    repeats a part of the header, like a title heading, is left out)."""
    header = (header or "").strip()
    known = {part.strip().lower() for part in header.split(HEADER_SEPARATOR)} if header else set()
    parts = [header] if header else []
    for heading in headings:
        heading = heading.strip()
        if heading and heading.lower() not in known and (not parts or heading != parts[-1]):
            parts.append(heading)
    return " > ".join(parts)


def _trim_context(
    context: str, offsets: Callable[[str], list[tuple[int, int]]], limit: int = MAX_CONTEXT_TOKENS
) -> str:
    spans = offsets(context)
    if len(spans) <= limit:
        return context
    return context[: spans[limit - 1][1]] + "…"


def _units(
    doc_text: str, blocks: Sequence[Block], budget: int,
    count_batch: Callable[[Sequence[str]], list[int]], offsets: Callable[[str], list[tuple[int, int]]],
) -> list[_Unit]:
    spans = [
        (s, e) for b in blocks for s, e in sentence_spans(b.text, b.start)
        if any(ch.isalnum() for ch in doc_text[s:e])  # ornaments like '* * *' carry nothing
    ]
    counts = count_batch([doc_text[s:e] for s, e in spans]) if spans else []
    units: list[_Unit] = []
    for (start, end), tokens in zip(spans, counts, strict=True):
        if tokens <= budget:
            units.append(_Unit(start, end, tokens))
            continue
        # A sentence longer than the window: cut it at word-piece boundaries.
        pieces = offsets(doc_text[start:end])
        for i in range(0, len(pieces), budget):
            part = pieces[i : i + budget]
            units.append(_Unit(start + part[0][0], start + part[-1][1], len(part)))
    return units


def _pack(units: Sequence[_Unit], budget: int, overlap: int) -> Iterator[list[_Unit]]:
    current: list[_Unit] = []
    used = 0
    fresh = False  # does `current` hold anything not already emitted?
    for unit in units:
        if current and used + unit.tokens > budget:
            yield current
            carry: list[_Unit] = []
            carried = 0
            for prev in reversed(current):
                if carried + prev.tokens > overlap or carried + prev.tokens + unit.tokens > budget:
                    break
                carry.insert(0, prev)
                carried += prev.tokens
            current, used, fresh = carry, carried, False
        current.append(unit)
        used += unit.tokens
        fresh = True
    if current and fresh:
        yield current


def chunk_document(
    doc: ParsedDocument,
    count_batch: Callable[[Sequence[str]], list[int]],
    offsets: Callable[[str], list[tuple[int, int]]],
    title: str | None = None,
    chunk_tokens: int = 200,
    overlap_tokens: int = 24,
    header: str | None = None,
) -> list[Chunk]:
    """Chunks of `doc` in document order. `count_batch`/`offsets` come from the embedder's tokenizer.

    `header` (see `document_header`) defaults to the title; it is cut to MAX_HEADER_TOKENS word pieces.
    """
    chunks: list[Chunk] = []
    header = _trim_context(header if header is not None else (title or doc.title or ""), offsets, MAX_HEADER_TOKENS)
    for (page, headings), group in groupby(doc.blocks, key=lambda b: (b.page, b.headings)):
        blocks = list(group)
        context = _trim_context(make_context(header, headings), offsets)
        context_tokens = count_batch([context])[0] + 1 if context else 0
        budget = max(32, min(chunk_tokens, WINDOW - context_tokens))
        units = _units(doc.text, blocks, budget, count_batch, offsets)
        for packed in _pack(units, budget, min(overlap_tokens, budget // 4)):
            start, end = packed[0].start, packed[-1].end
            text = doc.text[start:end]
            if sum(ch.isalnum() for ch in text) < 2:
                continue
            chunks.append(
                Chunk(
                    text=text,
                    context=context,
                    position=len(chunks),
                    start=start,
                    end=end,
                    page=page,
                    headings=headings,
                    token_count=sum(u.tokens for u in packed),
                    header=header,
                )
            )
    return chunks
