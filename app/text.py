"""Plain-text utilities shared by ingestion and the answer pipeline (no imports from either).

Layering: `app.settings`, `app.text`, `app.embeddings` and `app.index` are the foundation; `ingest` builds
on them only; the answer pipeline (`app.retrieval`, `app.citations`, `app.assistant`, ...) builds on the
foundation and never imports `ingest`; `app.services`, `app.web`, `app.evals` and the CLIs sit on top.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by quotes/brackets) before white space, at a blank line,
# or at a line break that starts a list item or a table row.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*(?:[-*+•]|\d+[.)])\s)"
    r"|\n(?=[^\n]*\t)"  # a table row (cells separated by tabs, see ingest.readers.CELL) is a unit of its own
)
# A year a text speaks of: "2018", "FY2022", "FY 2021" (not part of a longer number or a figure like "$2,018").
YEAR = re.compile(r"(?<![\d.,$])(?:FY\s?'?)?((?:19|20)\d{2})(?!\d|,\d)", re.IGNORECASE)
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|Fig|fig|Eq|eq|Dr|Mr|Mrs|Ms|Prof|No|approx|al)\.$")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (shifted by `offset`), white space trimmed."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        if _ABBREV.search(text[pos : match.start()]):
            continue
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    out = []
    for start, end in spans:
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        lead = len(piece) - len(piece.lstrip())
        out.append((offset + start + lead, offset + start + lead + len(stripped)))
    return out


def question_years(text: str) -> list[str]:
    """The years a question asks about, in order: '2018', 'FY2022' -> '2022'; "FY '21" is not guessed."""
    return list(dict.fromkeys(m.group(1) for m in YEAR.finditer(text)))
