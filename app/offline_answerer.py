"""The embedded default: an extractive answer that quotes the text that carries what the question asks for.

It never generates: every quote is a sentence, or a table row with the header line that gives its columns
meaning, copied verbatim from a cited passage, so it cannot state anything the documents do not say.
Candidates are scored by meaning (embedding similarity to the question, read under their section heading),
term overlap, the passage's retrieval score, and whether they hold the kind of answer asked for: a figure
in the year asked about for "how much / what was … in 2018", a date for "when", a name for "who".
The same ranking orders the passages an LLM reads (`order_passages`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.answerability import answer_kind, has_kind, question_years
from app.citations import lexical_overlap
from app.retrieval import Passage, content_words, near_duplicate
from app.text import sentence_spans

MAX_SENTENCES = 3
PASSAGES_SCANNED = 4
MIN_WORDS = 4
MAX_SENTENCE_WORDS = 80  # longer "sentences" are runs of table text: their rows are candidates instead
PASSAGE_WEIGHT = 0.25  # how much the passage's retrieval score counts for its sentences
RELATIVE_FLOOR = 0.85  # further quotes must score at least this share of the best one
KIND_BONUS = 0.12  # the quote holds the kind of answer asked for (figure, date, name)
YEAR_BONUS = 0.12  # the quote (or its header) holds the year asked about
HEADER_LOOKBACK = 12  # lines above a row searched for its header

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_FIGURE = re.compile(r"(?<![\w.])\(?\$?\d[\d,]*(?:\.\d+)?\)?%?")
_LETTERS = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True)
class Quote:
    """A verbatim piece of a passage: a sentence, or a table row with its header line."""

    passage: Passage
    span: tuple[int, int]
    score: float
    header: tuple[int, int] | None = None

    @property
    def sentence(self) -> str:
        return self.passage.text[self.span[0] : self.span[1]]

    @property
    def text(self) -> str:
        """What is quoted: the sentence, or the header line and the row on two lines."""
        if self.header is None:
            return self.sentence
        return f"{self.passage.text[self.header[0]:self.header[1]].strip()}\n{self.sentence.strip()}"


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(stripped)))
        pos += len(line) + 1
    return out


def _figures(text: str) -> list[str]:
    return [f for f in _FIGURE.findall(text) if not _YEAR.fullmatch(f.strip("()$"))]


def _is_row(line: str) -> bool:
    """A table row: a label (words) followed by figures, like 'Total revenue $ 32,765 $ 31,657'."""
    tokens = line.split()
    if not tokens or len(tokens) > 40 or not _LETTERS.search(line):
        return False
    last = tokens[-1].strip("$€£")
    return bool(_figures(line)) and (bool(_FIGURE.fullmatch(last)) or last in ("—", "-", "–"))


def _is_header(line: str) -> bool:
    """A column header line: years (or period names) and almost no other figures."""
    years = _YEAR.findall(line)
    return len(years) >= 1 and len(_figures(line)) <= 1 and len(line.split()) <= 30


def _candidates(passages: Sequence[Passage]) -> list[tuple[Passage, tuple[int, int], tuple[int, int] | None]]:
    out: list[tuple[Passage, tuple[int, int], tuple[int, int] | None]] = []
    for passage in passages[:PASSAGES_SCANNED]:
        text = passage.text
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            words = len(sentence.split())
            if "\n" not in sentence and _is_row(sentence):
                continue  # a one-line row: quoted as a row, with its header
            if len(content_words(sentence)) >= MIN_WORDS - 1 and MIN_WORDS <= words <= MAX_SENTENCE_WORDS:
                out.append((passage, (start, end), None))
        lines = _lines(text)
        for i, (start, end) in enumerate(lines):
            if not _is_row(text[start:end]):
                continue
            header = None
            for j in range(i - 1, max(-1, i - 1 - HEADER_LOOKBACK), -1):
                if _is_header(text[lines[j][0]:lines[j][1]]):
                    header = lines[j]
                    break
            out.append((passage, (start, end), header))
    return out


def _kind_score(question: str, candidate: str, header: str) -> float:
    kind = answer_kind(question)
    score = KIND_BONUS if kind != "other" and has_kind(kind, candidate) else 0.0
    years = question_years(question)
    if years and any(y in candidate or y in header for y in years):
        score += YEAR_BONUS
    return score


def select_quotes(question: str, passages: Sequence[Passage], embed_array: object) -> list[Quote]:
    """The best quotes (at most MAX_SENTENCES), the best one's passage first."""
    candidates = _candidates(passages)
    if not candidates:
        return []
    texts = []
    for p, (s, e), header in candidates:
        body = p.text[s:e] if header is None else f"{p.text[header[0]:header[1]]} {p.text[s:e]}"
        texts.append(" ".join(body.split()))
    # A sentence is read in its section: "Nothing leaves your machine" answers "does it send my data?"
    # only under the heading that asks it. The heading helps score the sentence; only the sentence is quoted.
    in_context = [f"{' > '.join(p.headings)}: {t}" if p.headings else t
                  for (p, _, _), t in zip(candidates, texts, strict=True)]
    vectors = embed_array([question, *in_context])  # type: ignore[operator]
    similarity = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    best_passage = max(p.score for p in passages[:PASSAGES_SCANNED]) or 1.0
    scored = []
    for (passage, span, header), text, sim in zip(candidates, in_context, similarity, strict=True):
        overlap = lexical_overlap(question, text)
        relevance = PASSAGE_WEIGHT * passage.score / best_passage
        header_text = passage.text[header[0]:header[1]] if header else ""
        bonus = _kind_score(question, passage.text[span[0]:span[1]], header_text)
        scored.append(Quote(passage, span, float(sim) + 0.35 * overlap + relevance + bonus, header))
    scored.sort(key=lambda q: q.score, reverse=True)
    chosen: list[Quote] = []
    for quote in scored:
        if chosen and quote.score < RELATIVE_FLOOR * chosen[0].score:
            break
        if any(near_duplicate(quote.text, c.text, 0.6) or _overlaps(quote, c) for c in chosen):
            continue
        chosen.append(quote)
        if len(chosen) == MAX_SENTENCES:
            break
    # Read like the document: passages in the order of their best quote, quotes in text order.
    first_seen = {id(q.passage): i for i, q in reversed(list(enumerate(chosen)))}
    return sorted(chosen, key=lambda q: (first_seen[id(q.passage)], q.span[0]))


def _overlaps(a: Quote, b: Quote) -> bool:
    return a.passage is b.passage and a.span[0] < b.span[1] and b.span[0] < a.span[1]


def order_passages(passages: Sequence[Passage], quotes: Sequence[Quote]) -> list[Passage]:
    """Passages holding the chosen quotes first (best quote first), the rest after, renumbered 1..n."""
    ranked = sorted(quotes, key=lambda q: q.score, reverse=True)
    first = list(dict.fromkeys(id(q.passage) for q in ranked))
    by_id = {id(p): p for p in passages}
    ordered = [by_id[i] for i in first if i in by_id] + [p for p in passages if id(p) not in set(first)]
    for n, passage in enumerate(ordered, start=1):
        passage.n = n
    return ordered


def compose(quotes: Sequence[Quote]) -> str:
    """Join the quotes into one answer, each followed by its marker; table rows keep their own lines."""
    parts = []
    for quote in quotes:
        if quote.header is not None or _is_row(quote.sentence):
            parts.append(f"\n{quote.text.strip()} [{quote.passage.n}]\n")
            continue
        sentence = " ".join(quote.sentence.split())
        if sentence[-1:] not in ".!?:":
            sentence += "."
        parts.append(f"{sentence} [{quote.passage.n}]")
    return re.sub(r"\n{2,}", "\n", " ".join(parts)).replace(" \n", "\n").replace("\n ", "\n").strip()
