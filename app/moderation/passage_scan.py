"""The ingest-time scan of new passages for instructions aimed at the assistant (indirect injection).

It must not cost a second pass over the corpus:
- a classifier on sentence embeddings reads the vectors the index has just computed for the same
  passages (no second embedding);
- the document rules run once per passage and variant as one compiled pattern: their union, without
  IGNORECASE (every variant is already lower-cased; the few letters IGNORECASE would still equate, like
  the dotless i, are folded first), which is half the cost of the rules one by one. Only a passage the
  union matches, rare in real documents, runs the moderator's own scan for the rule names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.moderation import injection_rules
from app.moderation.normalize import variants

PassageScan = Callable[[Sequence[str], np.ndarray], list[list[str]]]

# Letters Python's IGNORECASE treats as equal although lower() keeps them apart (see sre_compile).
_FOLD = str.maketrans({"ı": "i", "ſ": "s", "ẛ": "ṡ", "\u212a": "k", "µ": "μ", "ς": "σ", "ﬅ": "ﬆ"})


def union_pattern(rules: Sequence[Any]) -> re.Pattern[str]:
    """One pattern that matches wherever any of `rules` matches (on lower-cased, folded text)."""
    return re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules))


class PassageScanner:
    """Flags (category names) for each new passage, from its text and its index vector."""

    def __init__(self, moderator: Any, classifier: Any | None) -> None:
        self.moderator = moderator
        self.classifier = classifier
        self.rules_any = union_pattern(injection_rules.DOCUMENT_RULES)

    def might_match(self, text: str) -> bool:
        """True when a document rule may match the text or a hidden form of it (never a false no)."""
        return any(self.rules_any.search(candidate.translate(_FOLD)) for _, candidate in variants(text))

    def scan(self, texts: Sequence[str], vectors: np.ndarray) -> list[list[str]]:
        """One sorted list of flag categories per passage (empty for a clean one)."""
        flags: list[set[str]] = [set() for _ in texts]
        for i, text in enumerate(texts):
            if self.might_match(text):
                flags[i].update(f.category for f in self.moderator.scan_passage(text))
        if self.classifier is not None and len(texts):
            column = self.classifier.column("prompt_injection")
            probabilities = self.classifier.predict_proba_embeddings(vectors)[:, column]
            for i in np.flatnonzero(probabilities >= self.classifier.block_at["prompt_injection"]):
                flags[int(i)].add("prompt_injection")
        return [sorted(found) for found in flags]
