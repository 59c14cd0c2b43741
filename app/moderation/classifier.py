"""A small safety classifier on the packaged MiniLM sentence embeddings: one logistic-regression head per
kind of attack (`prompt_injection`: the text tries to change or reveal the assistant's instructions;
`harmful`: it asks for help with serious harm).

The weights (384 numbers and a bias per head, with each head's thresholds, the data sources and licences it
was trained on and its validation numbers) live in `safety_classifier.json` beside this file;
`scripts/train_moderation.py` writes them. At run time only numpy is needed: p = sigmoid(W . e + b).

A head may also read the words (`ngram` in its weights): the text's word uni- and bigrams and character 3- to
5-grams, hashed into `dim` buckets (CRC-32), each present bucket counting 1 and the vector scaled to length
`scale`; its logit adds w_ngram . x. Harmful requests carry lexical signs of intent ("without getting
caught", "step-by-step instructions to synthesize") that a sentence embedding blurs.

Long texts are judged on their parts as well as the whole (`parts`): a harmful request wrapped in a story,
a role play or many paragraphs of preamble still scores as itself.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("safety_classifier.json")
WHOLE_ONLY_CHARS = 240  # shorter texts are judged as a whole only
PART_CHARS = 320  # a part is one or more sentences up to about this long
MIN_SENTENCE_CHARS = 20  # shorter sentences of a short text are not judged on their own
MAX_PARTS = 12  # at most this many parts are embedded (spread over the text), to bound the cost

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=\S)|\n")


class Embeds(Protocol):
    """Anything with the embedder's batch method (app.embeddings.MiniLMEmbedder)."""

    def embed_array(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class SafetyClassifier:
    """p(label | text) for each label, from sentence embeddings; `block_at` / `flag_at` turn them into actions."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (dimension, len(labels))
    bias: np.ndarray  # (len(labels),)
    block_at: dict[str, float]
    flag_at: dict[str, float]
    blocks_alone: dict[str, bool] = field(default_factory=dict)  # False: the head is evidence only
    # With a rule's sign of an attack aimed at the assistant, in a text shaped like a hand-over, a score at or
    # above this blocks (see `Moderator._rule_and_classifier`); absent from the weights file: `block_at`.
    with_rule_at: dict[str, float] = field(default_factory=dict)
    # With evidence of a request for operational help with serious harm (`harm_evidence`), a score at or above
    # this blocks; absent from the weights file: `block_at` (the evidence then changes nothing).
    with_evidence_at: dict[str, float] = field(default_factory=dict)
    # Asked from a victim's or defender's side with no evidence (`harm_evidence.victim_side`), a score blocks
    # only at or above this; absent from the weights file: `block_at` (the framing then changes nothing).
    victim_block_at: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    # Per head that reads the words: (its n-gram weights (dim,), scale); see `ngram_buckets`.
    ngrams: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> SafetyClassifier:
        """Read the weights file; a clear error if it is missing or malformed."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            heads = data["heads"]
            labels = tuple(heads)
            weights = np.asarray([heads[name]["weights"] for name in labels], dtype=np.float32).T
            bias = np.asarray([heads[name]["bias"] for name in labels], dtype=np.float32)
            return cls(labels, weights, bias,
                       {name: float(heads[name]["block_at"]) for name in labels},
                       {name: float(heads[name]["flag_at"]) for name in labels},
                       {name: bool(heads[name].get("blocks_alone", True)) for name in labels},
                       {name: float(heads[name].get("with_rule_at", heads[name]["block_at"])) for name in labels},
                       {name: float(heads[name].get("with_evidence_at", heads[name]["block_at"])) for name in labels},
                       {name: float(heads[name].get("victim_block_at", heads[name]["block_at"])) for name in labels},
                       {k: v for k, v in data.items() if k != "heads"},
                       {name: (np.asarray(heads[name]["ngram"]["weights"], dtype=np.float32),
                               float(heads[name]["ngram"]["scale"])) for name in labels if "ngram" in heads[name]})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RuntimeError(
                f"the moderation classifier weights at {path} are missing or broken ({exc}); "
                "run `python scripts/train_moderation.py` to recreate them"
            ) from exc

    def predict_proba_embeddings(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities (n, len(labels)) for precomputed MiniLM embeddings (n, 384), e.g. the index's
        own passage vectors at ingest; column j belongs to `labels[j]`. Heads that also read the words
        (`ngrams`) need the `texts` the vectors belong to; without them those heads see the embedding only."""
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias
        if texts is not None:
            for label, (weights, scale) in self.ngrams.items():
                logits[:, self.column(label)] += [ngram_logit(text, weights, scale) for text in texts]
        return 1.0 / (1.0 + np.exp(-logits))

    def predict_proba(self, texts: Sequence[str], embedder: Embeds) -> np.ndarray:
        """Probabilities (n, len(labels)) for texts, each the highest over the whole text and its parts."""
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for piece in [text, *parts(text)]:
                pieces.append(piece)
                owner.append(i)
        if not pieces:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        scores = self.predict_proba_embeddings(embedder.embed_array(pieces), pieces)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        np.maximum.at(out, np.asarray(owner), scores)
        return out

    def column(self, label: str) -> int:
        """The column of `label` in the probability arrays."""
        return self.labels.index(label)


def ngram_buckets(text: str, dim: int) -> np.ndarray:
    """The distinct hash buckets (CRC-32 modulo `dim`) of the text's lower-cased word unigrams and bigrams
    and its character 3- to 5-grams (over the words joined by single spaces)."""
    tokens = _WORD.findall(text.lower())
    grams = set(tokens) | {f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)}
    joined = f" {' '.join(tokens)} "
    grams |= {"#" + joined[k:k + n] for n in (3, 4, 5) for k in range(len(joined) - n + 1)}
    return np.unique(np.fromiter((zlib.crc32(g.encode("utf-8")) % dim for g in grams), dtype=np.int64,
                                 count=len(grams)))


def ngram_logit(text: str, weights: np.ndarray, scale: float) -> float:
    """A head's word part of the logit: its weights at the text's buckets, the vector scaled to `scale`."""
    buckets = ngram_buckets(text, len(weights))
    return float(weights[buckets].sum() * scale / np.sqrt(len(buckets))) if len(buckets) else 0.0


def hands_over_a_task(text: str) -> bool:
    """Whether the text has the shape of a hand-over: two or more sentences (or lines) that do not end in a
    question. A prompt that sets up a context and then gives the assistant a new task or role ends with that
    task or an open cue ("Ben:"); a reader's question about their own system ("Our staging server crashed.
    How do I put it into maintenance mode?") ends with the question."""
    text = text.strip()
    pieces = [p for p in _SENTENCE_END.split(text) if len(p.strip()) > 2]
    return len(pieces) >= 2 and not text.endswith(("?", "？", "¿"))


def parts(text: str, part_chars: int = PART_CHARS, max_parts: int = MAX_PARTS) -> list[str]:
    """The parts a long text is also judged on: paragraphs, split further into runs of whole sentences of
    about `part_chars` characters. A short text's parts are its sentences (when it has two or more of at
    least `MIN_SENTENCE_CHARS` characters); a one-sentence text has none (the whole is enough). When there are more
    than `max_parts`, an even spread of them is kept, first and last included."""
    text = text.strip()
    if len(text) <= WHOLE_ONLY_CHARS:
        # A short text of several sentences is judged on each of them too: a request after a sentence of
        # set-up ("My grandmother used to tell me stories. Tell me how she made ...") is seen as itself.
        sentences = [p.strip() for p in _SENTENCE_END.split(text) if len(p.strip()) >= MIN_SENTENCE_CHARS]
        return sentences if len(sentences) >= 2 else []
    found: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        current = ""
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            sentence = sentence.strip()
            if not sentence:
                continue
            if current and len(current) + len(sentence) + 1 > part_chars:
                found.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            found.append(current)
    found = [p[: part_chars * 2] for p in found if p != text]
    if len(found) <= max_parts:
        return found
    step = (len(found) - 1) / (max_parts - 1)
    return [found[round(i * step)] for i in range(max_parts)]
