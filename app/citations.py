"""Citations: parse [n] markers, drop the ones that point nowhere, verify each cited sentence.

A cited sentence is *supported* when its passage backs it up, lexically (most of its content words
are in one passage sentence) or in meaning (embedding similarity to its best passage sentence), and
that sentence agrees with it on numbers, units, negation and quantifiers (`app.claim_agreement`). Every
citation carries the char span of the passage sentence that supports it best, for highlighting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.claim_agreement import disagreement
from app.retrieval import Passage, content_words
from app.text import sentence_spans

MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
LEXICAL_SUPPORT = 0.6  # share of a claim's content words found in one passage sentence
SEMANTIC_SUPPORT = 0.62  # cosine of the claim to its best passage sentence (all-MiniLM-L6-v2)


@dataclass
class Citation:
    """One cited passage (the retrieved `Passage` itself), with how well the answer's claims hold."""

    passage: Passage
    span: tuple[int, int]  # best-supporting sentence inside `text`
    supported: bool
    support: float
    claims: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.passage.n

    @property
    def passage_id(self) -> str:
        return self.passage.passage_id

    @property
    def chunk_id(self) -> int:
        return self.passage.chunk_id

    @property
    def path(self) -> str:
        return self.passage.path

    @property
    def file_name(self) -> str:
        return self.passage.file_name

    @property
    def page(self) -> int | None:
        return self.passage.page

    @property
    def headings(self) -> list[str]:
        return self.passage.headings

    @property
    def text(self) -> str:
        return self.passage.text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        """A citation from `as_dict()` output (a saved answer)."""
        span = data.get("span") or (0, 0)
        return cls(Passage.from_dict(data), (int(span[0]), int(span[1])), bool(data.get("supported")),
                   float(data.get("support") or 0.0), list(data.get("claims") or []))

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.passage.as_dict(),
            "span": self.span, "supported": self.supported, "support": self.support, "claims": self.claims,
        }


@dataclass
class CheckedAnswer:
    text: str
    citations: list[Citation]
    unverified: list[str]  # cited sentences their passage does not support


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def lexical_overlap(claim: str, source: str) -> float:
    words = {_stem(w) for w in content_words(claim)}
    if not words:
        return 1.0
    have = {_stem(w) for w in content_words(source)}
    return len(words & have) / len(words)


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the passage numbers each cites (markers right after it count too)."""
    out: list[tuple[str, list[int]]] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        leading = re.match(r"^(?:\s*\[[\d\s,;]+\])+", sentence)
        if leading and out:  # "... night. [1] The console ...": the marker closes the previous sentence
            out[-1][1].extend(int(n) for n in re.findall(r"\d+", leading.group(0)))
            sentence = sentence[leading.end():]
        numbers = [int(n) for group in MARKER.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)]
        claim = re.sub(r"\s+([.!?,;:])", r"\1", MARKER.sub("", sentence)).strip()
        if not claim and out:  # a lone marker after a sentence belongs to that sentence
            out[-1][1].extend(numbers)
            continue
        out.append((claim, numbers))
    return out


def drop_dangling_markers(text: str, valid: set[int]) -> str:
    """Remove markers (or numbers inside them) that point at no passage."""

    def keep(match: re.Match[str]) -> str:
        numbers = [n for n in re.split(r"\s*[,;]\s*", match.group(1)) if int(n) in valid]
        return f"[{', '.join(numbers)}]" if numbers else ""

    return re.sub(r"\s+(?=\[\s*\])", "", MARKER.sub(keep, text)).replace(" .", ".")


def best_support(
    claim: str, passage: Passage, embed: Any | None
) -> tuple[tuple[int, int], float, bool]:
    """The passage sentence that best supports `claim`: (span, score, supported)."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    sentences = [passage.text[s:e] for s, e in spans]
    lexical = [lexical_overlap(claim, s) for s in sentences]
    scores = list(lexical)
    semantic = [0.0] * len(sentences)
    # A sentence holding every content word of the claim, the only one that does (a quote copied from
    # the passage), is the best support whatever the meaning scores say (a cosine is at most 1): the
    # embedding call, most of the check's time, would not change the result.
    whole_words = [i for i, lx in enumerate(lexical) if lx >= 1.0]
    verbatim = len(whole_words) == 1 and disagreement(claim, sentences[whole_words[0]]) is None
    if embed is not None and not verbatim:
        vectors = embed([claim, *sentences])
        semantic = [float(x) for x in np.asarray(vectors[1:]) @ np.asarray(vectors[0])]
        scores = [max(lx, sm) for lx, sm in zip(lexical, semantic, strict=True)]
    best = int(np.argmax(scores))
    # A sentence supports the claim when it is close enough AND agrees on numbers, units, negation and
    # quantifiers (app/claim_agreement.py): "400 newtons" or "is not 40 newtons" share the words of
    # "is 40 newtons" but contradict it.
    backing = [i for i, s in enumerate(sentences)
               if (lexical[i] >= LEXICAL_SUPPORT or semantic[i] >= SEMANTIC_SUPPORT) and disagreement(claim, s) is None]
    # A claim may merge two sentences of the passage: check against the whole passage too.
    whole = lexical_overlap(claim, passage.text)
    whole_ok = whole >= 0.8 and disagreement(claim, passage.text, whole_passage=True) is None
    if backing:
        best = max(backing, key=lambda i: scores[i])
    supported = bool(backing) or whole_ok
    return spans[best], max(scores[best], whole if whole_ok else 0.0), supported


def check_answer(text: str, passages: Sequence[Passage], embed: Any | None = None) -> CheckedAnswer:
    """Clean the markers of `text` and verify every cited sentence against its passage(s)."""
    by_n = {p.n: p for p in passages}
    text = drop_dangling_markers(text, set(by_n))
    citations: dict[int, Citation] = {}
    unverified: list[str] = []
    for claim, numbers in split_claims(text):
        if not numbers:
            continue
        claim_ok = False
        for n in dict.fromkeys(numbers):
            passage = by_n.get(n)
            if passage is None:
                continue
            span, score, ok = best_support(claim, passage, embed)
            claim_ok = claim_ok or ok
            current = citations.get(n)
            if current is None or (ok and not current.supported) or score > current.support:
                citations[n] = Citation(
                    passage, span=span, supported=ok or bool(current and current.supported),
                    support=round(score, 3), claims=(current.claims if current else []),
                )
            citations[n].claims.append(claim)
        if not claim_ok:
            unverified.append(claim)
    return CheckedAnswer(text, [citations[n] for n in sorted(citations)], unverified)


def number_in_order(
    text: str, citations: Sequence[Citation], passages: Sequence[Passage] = ()
) -> tuple[str, list[Citation]]:
    """Renumber citations 1, 2, 3… in the order they first appear in `text`; markers follow.

    The sources list then matches the markers one to one with no gaps ("Sources (2)" lists [1] and [2],
    never [3] and [4]). A citation holds the retrieved passage itself, so renumbering the passage renumbers
    the citation; the other `passages` follow the cited ones, in their old order.
    """
    order: list[int] = []
    for group in MARKER.findall(text):
        for number in re.split(r"\s*[,;]\s*", group):
            if int(number) not in order and any(c.n == int(number) for c in citations):
                order.append(int(number))
    order += [c.n for c in citations if c.n not in order]
    mapping = {old: new for new, old in enumerate(order, start=1)}

    def renumber(match: re.Match[str]) -> str:
        numbers = [mapping.get(int(n), int(n)) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        return f"[{', '.join(str(n) for n in dict.fromkeys(numbers))}]"

    old_numbers = {id(c.passage): c.n for c in citations}
    for citation in citations:
        citation.passage.n = mapping[old_numbers[id(citation.passage)]]
    others = [p for p in passages if id(p) not in old_numbers]
    for passage in others:
        if passage.n in mapping:  # a copy of a cited passage
            passage.n = mapping[passage.n]
    rest = [p for p in others if p.n not in mapping.values() or p.n > len(mapping)]
    for n, passage in enumerate(sorted(rest, key=lambda p: p.n), start=len(mapping) + 1):
        passage.n = n
    return MARKER.sub(renumber, text), sorted(citations, key=lambda c: c.n)
