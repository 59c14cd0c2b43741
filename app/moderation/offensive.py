"""Offensive language (insults, slurs, obscenity) with `alt-profanity-check`'s packaged linear model.

It scores how abusive the wording is, not what is asked: "How do I kill a Python process?" scores low,
an insult scores close to 1. Harmful intent is the job of `harm_rules`.

The model is English-only and misreads other languages' words ("die Standardwerte" scores 0.94 because of
the English "die"), so for text that reads as German, French or Spanish only a near-certain score counts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

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


def _model() -> Callable[[Sequence[str]], Sequence[float]]:
    global _predict
    if _predict is None:
        with _lock:
            if _predict is None:
                from profanity_check import predict_prob

                _predict = predict_prob
    return _predict


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
    if not text.strip():
        return 0.0
    score = float(_model()([text])[0])
    if score < FOREIGN_AT and not looks_english(text):
        return 0.0
    return score
