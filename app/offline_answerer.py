"""The embedded default: an extractive answer that quotes the sentences that best answer the question.

It never generates: every sentence of the answer is a sentence of a cited passage, verbatim, so it
cannot state anything the documents do not say. Sentences are scored by meaning (embedding similarity
to the question) plus term overlap, with a small preference for higher-ranked passages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.citations import lexical_overlap
from app.retrieval import Passage, content_words, near_duplicate
from app.text import sentence_spans

MAX_SENTENCES = 3
PASSAGES_SCANNED = 4
MIN_WORDS = 4
PASSAGE_WEIGHT = 0.25  # how much the passage's retrieval score counts for its sentences
RELATIVE_FLOOR = 0.85  # further sentences must score at least this share of the best one


@dataclass(frozen=True)
class Quote:
    passage: Passage
    span: tuple[int, int]
    score: float

    @property
    def sentence(self) -> str:
        return self.passage.text[self.span[0] : self.span[1]]


def _candidates(passages: Sequence[Passage]) -> list[tuple[Passage, tuple[int, int]]]:
    out = []
    for passage in passages[:PASSAGES_SCANNED]:
        for start, end in sentence_spans(passage.text):
            sentence = passage.text[start:end]
            if len(content_words(sentence)) >= MIN_WORDS - 1 and len(sentence.split()) >= MIN_WORDS:
                out.append((passage, (start, end)))
    return out


def select_quotes(question: str, passages: Sequence[Passage], embed_array: object) -> list[Quote]:
    """The best sentences to quote (at most MAX_SENTENCES), the best one's passage first."""
    candidates = _candidates(passages)
    if not candidates:
        return []
    texts = [p.text[s:e] for p, (s, e) in candidates]
    # A sentence is read in its section: "Nothing leaves your machine" answers "does it send my data?"
    # only under the heading that asks it. The heading helps score the sentence; only the sentence is quoted.
    in_context = [f"{p.headings[-1]}: {t}" if p.headings else t for (p, _), t in zip(candidates, texts, strict=True)]
    vectors = embed_array([question, *in_context])  # type: ignore[operator]
    similarity = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    best_passage = max(p.score for p in passages[:PASSAGES_SCANNED]) or 1.0
    scored = []
    for (passage, span), text, sim in zip(candidates, in_context, similarity, strict=True):
        overlap = lexical_overlap(question, text)
        relevance = PASSAGE_WEIGHT * passage.score / best_passage
        scored.append(Quote(passage, span, float(sim) + 0.35 * overlap + relevance))
    scored.sort(key=lambda q: q.score, reverse=True)
    chosen: list[Quote] = []
    for quote in scored:
        if chosen and quote.score < RELATIVE_FLOOR * chosen[0].score:
            break
        if any(near_duplicate(quote.sentence, c.sentence, 0.6) for c in chosen):
            continue
        chosen.append(quote)
        if len(chosen) == MAX_SENTENCES:
            break
    # Read like the document: passages in the order of their best sentence, sentences in text order.
    first_seen = {id(q.passage): i for i, q in reversed(list(enumerate(chosen)))}
    return sorted(chosen, key=lambda q: (first_seen[id(q.passage)], q.span[0]))


def compose(quotes: Sequence[Quote]) -> str:
    """Join the quotes into one answer, each followed by its marker."""
    parts = []
    for quote in quotes:
        sentence = " ".join(quote.sentence.split())
        if sentence[-1:] not in ".!?:":
            sentence += "."
        parts.append(f"{sentence} [{quote.passage.n}]")
    return " ".join(parts)
