"""Which sentences of a document make good questions, and which of them to ask, spread over the document.

A good sentence stands on its own: prose (not a table row, header or list of figures), 8 to 40 words,
ending like a sentence, not opening with a word that points back at the previous one ("This",
"However", "It"), and holding a key worth asking for (a date, figure, name or a rare term). Sentences
are scored by how central their words are to the document, then chosen one per stretch of the
document, so ten questions come from ten places, not from the first page.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from app.index.catalog import ChunkHit
from app.quiz.keys import STOPWORDS, Key, find_keys, lower_words, noun_terms
from app.text import sentence_spans

MIN_WORDS, MAX_WORDS = 8, 40
# Openings that need the previous sentence to be understood.
_NEEDS_CONTEXT = frozenset(
    "this that these those it its they them their he she his her such however therefore thus hence also "
    "moreover furthermore additionally besides accordingly consequently similarly likewise nevertheless "
    "nonetheless instead otherwise then and but or so which both another finally first second third "
    "here there above below following".split()
)
_NEEDS_CONTEXT_PAIRS = ("in addition", "as a result", "for example", "for instance", "in this", "as such",
                        "on the other", "in contrast", "as noted", "as described", "as discussed", "see the",
                        "as shown", "in that", "at that", "by contrast", "of these", "of this", "in these",
                        "in such", "the same", "the above", "the following", "the former", "the latter")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_DEBRIS = re.compile(r"\.{3,}|…|\|| {3,}|_{3,}|https?://|www\.|@\w|\bpage \d+ of\b", re.IGNORECASE)
KIND_WEIGHT = {"number": 1.0, "date": 1.0, "name": 0.8, "term": 0.5}
_ABBREVIATIONS = frozenset("inc co corp ltd llc plc no nos vs etc approx jr sr st dept fig figs est".split())
_INNER_STOP = re.compile(r"(\S+)\.\s+[a-z]")


def _spliced(flat: str) -> bool:
    """Two pieces of text run together: a full stop followed by a lower-case word ("... Topic 326. through
    the sale"), which layout extraction produces when a note is set beside the text; "U.S. government"
    and "Inc. and" are abbreviations, not splices."""
    for match in _INNER_STOP.finditer(flat):
        word = match.group(1).strip("()[],;:\"'")
        if "." in word or len(word) <= 1 or word.lower() in _ABBREVIATIONS:
            continue
        return True
    return False


@dataclass(frozen=True)
class Candidate:
    """A sentence that could become a question: where it is (`chunk.text[start:end]`) and its keys."""

    chunk: ChunkHit
    order: int  # the chunk's position in its file
    place: float  # where in the document it is, 0 (start) to 1: by page when the file has pages
    start: int
    end: int
    flat: str  # the sentence with its white space collapsed (what a question shows)
    keys: tuple[Key, ...]
    score: float

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(w.lower() for w in _WORD.findall(self.flat) if w.lower() not in STOPWORDS)


def self_contained(flat: str, raw: str) -> bool:
    """Whether a sentence reads as a fact on its own (prose, complete, no back-reference)."""
    words = flat.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or "\t" in raw or raw.count("\n") > 4:
        return False
    if not flat[0].isupper() or flat[-1] not in ".!" or _DEBRIS.search(flat):
        return False
    first = words[0].strip("\"'(“").lower().rstrip(",:;")
    if first in _NEEDS_CONTEXT or flat.lower().startswith(_NEEDS_CONTEXT_PAIRS):
        return False
    if all(w[:1].isupper() or w[:1].isdigit() for w in words[:4]) or _spliced(flat):
        return False  # a heading glued to the sentence, or two texts run together
    if flat.count("(") != flat.count(")") or flat.count('"') % 2 or flat.count("“") != flat.count("”"):
        return False
    letters = sum(ch.isalpha() for ch in flat)
    if letters < 0.7 * sum(not ch.isspace() for ch in flat):
        return False
    lowered = [w for w in words if w[:1].islower()]
    if len(lowered) < 0.5 * len(words):  # title case: a header or a list of names, not a sentence
        return False
    function_words = sum(w.lower().strip(",.;:") in STOPWORDS for w in words)
    return function_words >= 2


def document_counts(chunks: Sequence[ChunkHit]) -> Counter[str]:
    """How many passages of the document use each content word (overlapping chunks counted once each)."""
    counts: Counter[str] = Counter()
    for chunk in chunks:
        counts.update({w.lower() for w in _WORD.findall(chunk.text)} - STOPWORDS)
    return counts


def candidates(chunks: Sequence[ChunkHit]) -> list[Candidate]:
    """Every self-contained sentence of a document's chunks that holds a key, once (chunks overlap)."""
    counts = document_counts(chunks)
    total = max(len(chunks), 1)
    common = frozenset(w for w, c in counts.items() if c > max(3, total // 4))
    whole = "\n".join(chunk.text for chunk in chunks)
    nouns, lower = noun_terms(whole), lower_words(whole)
    seen: set[str] = set()
    out: list[Candidate] = []
    pages = max((chunk.page or 0 for chunk in chunks), default=0)
    for order, chunk in enumerate(chunks):
        place = (chunk.page - 1) / pages if pages and chunk.page else order / total
        for start, end in sentence_spans(chunk.text):
            raw = chunk.text[start:end]
            flat = " ".join(raw.split())
            if flat.lower() in seen or not self_contained(flat, raw):
                continue
            seen.add(flat.lower())
            # best kind first; among terms, the one the document uses most (a subject of it, not a passing word)
            keys = tuple(sorted(find_keys(flat, common, nouns, lower),
                                key=lambda k: (-KIND_WEIGHT[k.kind], -counts[k.text.lower()], k.start)))
            if not keys:
                continue
            words = [w.lower() for w in _WORD.findall(flat) if w.lower() not in STOPWORDS]
            # central: words the document uses in several passages, but not everywhere
            centrality = sum(math.log1p(counts[w]) for w in words if 1 < counts[w] <= max(3, total // 2))
            centrality /= max(len(words), 1) ** 0.5
            best_key = max(KIND_WEIGHT[k.kind] for k in keys)
            length_fit = 1.0 - abs(len(flat.split()) - 22) / 40
            out.append(Candidate(chunk, order, place, start, end, flat, keys, centrality + best_key + length_fit))
    return out


def similar(a: Candidate, b: Candidate) -> bool:
    """Whether two sentences share half their content words (a near-duplicate question)."""
    wa, wb = a.words, b.words
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5


def spread(
    pool: Sequence[Candidate], n: int, shared: Callable[[Candidate], bool] | None = None,
    placed: Sequence[float] = (),
) -> list[Candidate]:
    """Up to `n` candidates spread over the document: the best of each stretch (of n) no question is in
    yet (`placed` holds the places of questions already made), then, one at a time, the best of those
    farthest from every question. No two near-duplicates, and none that `shared` says other documents
    also hold word for word (boilerplate: asking it would not be about this document). In reading order."""
    if n <= 0 or not pool:
        return []
    parts = n + len(placed)
    occupied = {min(int(place * parts), parts - 1) for place in placed}
    stretches: dict[int, list[Candidate]] = {}
    for cand in pool:
        stretches.setdefault(min(int(cand.place * parts), parts - 1), []).append(cand)
    chosen: list[Candidate] = []

    def take(cand: Candidate) -> bool:
        if len(chosen) >= n or any(cand is c or similar(cand, c) for c in chosen):
            return False
        if shared is not None and shared(cand):
            return False
        chosen.append(cand)
        return True

    for stretch in sorted(set(stretches) - occupied):
        for cand in sorted(stretches[stretch], key=lambda c: -c.score):
            if take(cand):
                break
    rest = [c for c in pool if not any(c is o for o in chosen)]
    while len(chosen) < n and rest:
        marks = [c.place for c in chosen] + list(placed)

        def gap(cand: Candidate, marks: list[float] = marks) -> int:
            return int(min((abs(cand.place - m) for m in marks), default=1.0) * 20)

        rest.sort(key=lambda c: (-gap(c), -c.score))
        for i, cand in enumerate(rest):
            if take(cand):
                del rest[: i + 1]  # the ones passed over were refused (near-duplicate or shared)
                break
        else:
            break
    return sorted(chosen, key=lambda c: (c.order, c.start))
