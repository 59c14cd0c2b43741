"""Split a parsed document into passages that fit the embedder's window, measured in its own tokens.

A chunk never crosses a page or a section (heading path), so its page and heading citations are exact.
Inside a section, sentences are packed up to the budget; neighbouring chunks share up to
`overlap_tokens` of whole trailing sentences; a sentence longer than the budget is cut at token
boundaries. The title and heading path (the chunk's `context`) count against the window too, because
they are embedded with the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from app.text import sentence_spans
from ingest.documents import Block, Chunk, ParsedDocument

WINDOW = 254  # the model's 256 word pieces less [CLS] and [SEP]
MAX_CONTEXT_TOKENS = 48


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


def make_context(title: str | None, headings: Sequence[str]) -> str:
    """The line embedded before a chunk's text: document title and heading path."""
    parts = [p.strip() for p in [title or "", *headings] if p and p.strip()]
    deduped = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    return " > ".join(deduped)


def _trim_context(context: str, offsets: Callable[[str], list[tuple[int, int]]]) -> str:
    spans = offsets(context)
    if len(spans) <= MAX_CONTEXT_TOKENS:
        return context
    return context[: spans[MAX_CONTEXT_TOKENS - 1][1]] + "…"


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
) -> list[Chunk]:
    """Chunks of `doc` in document order. `count_batch`/`offsets` come from the embedder's tokenizer."""
    chunks: list[Chunk] = []
    title = title or doc.title
    for (page, headings), group in groupby(doc.blocks, key=lambda b: (b.page, b.headings)):
        blocks = list(group)
        context = _trim_context(make_context(title, headings), offsets)
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
                )
            )
    return chunks
