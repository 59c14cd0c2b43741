"""Offensive language (insults, slurs, obscenity) with `alt-profanity-check`'s packaged linear model.

It scores how abusive the wording is, not what is asked: "How do I kill a Python process?" scores low,
an insult scores close to 1. Harmful intent is the job of `harm_rules`.

The model is English-only and misreads other languages' words ("die Standardwerte" scores 0.94 because of
the English "die"), so for text that reads as German, French or Spanish only a near-certain score counts.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

WARN_AT = 0.9  # a note to the person; the question is still answered
BLOCK_AT = 0.98  # abuse that asks nothing is blocked; a sworn-at question is still answered, with a note
FOREIGN_AT = 0.995  # the only level that counts for text that is not English

_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH = frozenset({
    "the", "a", "an", "is", "are", "was", "of", "to", "and", "in", "on", "for", "with", "what", "how",
    "why", "which", "who", "you", "i", "it", "this", "that", "do", "does", "can", "my", "your", "not",
    "be", "have"
})
_OTHER = frozenset({
    "der", "die", "das", "und", "ist", "ein", "eine", "nicht", "mit", "für", "wie", "was", "ich", "du",
    "sie", "zu", "den", "dem", "des", "auf", "le", "la", "les", "et", "est", "un", "une", "pour",
    "avec", "que", "qui", "je", "tu", "pas", "el", "los", "las", "es", "y", "en", "por", "con", "para",
    "qué", "como", "yo"
})

_predict: Callable[[Sequence[str]], Sequence[float]] | None = None
_lock = threading.Lock()
log = logging.getLogger(__name__)

# The model is tf-idf (lower-cased words of two or more characters, L2-normalised) into five linear SVMs,
# each with an increasing Platt calibration, averaged. For a text, the tf-idf vector is non-negative with
# norm 1, so an SVM's decision is at most its intercept plus the norm of the positive weights of the
# words present (Cauchy-Schwarz). That bound, calibrated and averaged, caps the score: when the cap is
# below WARN_AT the model (sklearn and scipy: seconds to import) need not load. The bound's inputs are
# derived from the model once and cached next to the other models, the weights memory-mapped.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_cache_dir: Path | None = None
_bound: _ScoreBound | None = None


@dataclass(frozen=True)
class _ScoreBound:
    rows: dict[str, int]  # word -> row of `weights`
    weights: np.ndarray  # words x SVMs, negative weights set to 0
    intercepts: np.ndarray
    platt_a: np.ndarray
    platt_b: np.ndarray

    def cap(self, text: str) -> float:
        """The highest score the model can give `text`."""
        rows = sorted({self.rows[t] for t in _TOKEN.findall(text.lower()) if t in self.rows})
        raised = np.sqrt((np.asarray(self.weights[rows], dtype=np.float64) ** 2).sum(axis=0))
        decision = self.intercepts + raised
        return float(np.mean(1.0 / (1.0 + np.exp(self.platt_a * decision + self.platt_b))))


def use_cache_dir(folder: Path) -> None:
    """Where the bound's inputs are kept (the model cache); set once by the Moderator."""
    global _cache_dir
    _cache_dir = folder


@functools.cache
def _release() -> str | None:
    """The installed alt-profanity-check's version, read once: reading package metadata costs milliseconds,
    and the bound is consulted on every question."""
    try:
        return version("alt-profanity-check")
    except PackageNotFoundError:
        return None


def _bound_dir() -> Path | None:
    release = _release()
    if _cache_dir is None or release is None:
        return None
    return _cache_dir / f"profanity-check-{release}-bound"


def _score_bound() -> _ScoreBound | None:
    """The cached bound, or None until the model has been loaded once (or if it cannot be used)."""
    global _bound
    folder = _bound_dir()
    if _bound is None and folder is not None and (folder / "calibration.json").is_file():
        words = (folder / "words.txt").read_text(encoding="utf-8").split("\n")
        calibration = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
        _bound = _ScoreBound(
            {w: i for i, w in enumerate(words)}, np.load(folder / "weights.npy", mmap_mode="r"),
            np.array(calibration["intercepts"]), np.array(calibration["platt_a"]),
            np.array(calibration["platt_b"]),
        )
    return _bound


def _save_score_bound() -> None:
    from profanity_check import profanity_check

    folder = _bound_dir()
    if folder is None or (folder / "calibration.json").is_file():
        return
    svms = profanity_check.model.calibrated_classifiers_
    platt_a = [float(c.calibrators[0].a_) for c in svms]
    if any(a >= 0 for a in platt_a) or any(len(c.calibrators) != 1 for c in svms):
        return  # not the increasing calibration the bound relies on: always run the model
    vocabulary = profanity_check.vectorizer.vocabulary_
    weights = np.stack([c.estimator.coef_[0] for c in svms], axis=1).clip(min=0)
    keep = sorted(i for i in vocabulary.values() if weights[i].any())
    by_column = {column: word for word, column in vocabulary.items()}
    calibration = {"intercepts": [float(c.estimator.intercept_[0]) for c in svms], "platt_a": platt_a,
                   "platt_b": [float(c.calibrators[0].b_) for c in svms]}
    try:
        partial = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
        partial.mkdir(parents=True, exist_ok=True)
        (partial / "words.txt").write_text("\n".join(by_column[i] for i in keep), encoding="utf-8")
        np.save(partial / "weights.npy", weights[keep].astype(np.float32))
        (partial / "calibration.json").write_text(json.dumps(calibration), encoding="utf-8")
        partial.replace(folder)
    except OSError as exc:  # a read-only or contested cache only costs speed
        log.info("profanity bound not cached in %s: %s", folder.parent, exc)


def _model() -> Callable[[Sequence[str]], Sequence[float]]:
    global _predict
    if _predict is None:
        with _lock:
            if _predict is None:
                from profanity_check import predict_prob

                _save_score_bound()
                _predict = predict_prob
    return _predict


def may_offend(text: str) -> bool:
    """False when the model cannot score `text` at WARN_AT or above (so it need not run)."""
    bound = _score_bound()
    return bound is None or bound.cap(text) >= WARN_AT


_QUESTION = re.compile(r"\?|^\s*(?:what|how|why|when|where|who|which|can|could|does|do|is|are|should|"
                       r"wie|was|warum|wann|wo|wer|welche|kann|comment|pourquoi|quand|où|qui|quel|cómo|por "
                       r"qué|"
                       r"cuándo|dónde|quién|qué)\b", re.IGNORECASE)


def asks_something(text: str) -> bool:
    """True when the text is (or contains) a question."""
    return bool(_QUESTION.search(text))


def looks_english(text: str) -> bool:
    """True unless German/French/Spanish function words outnumber English ones."""
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    other = sum(w in _OTHER for w in words)
    return other <= english


def offensive_score(text: str) -> float:
    """Probability (0..1) that `text` is offensive; non-English text scores 0 unless the model is sure."""
    if not text.strip() or not may_offend(text):
        return 0.0
    score = float(_model()([text])[0])
    if score < FOREIGN_AT and not looks_english(text):
        return 0.0
    return score
