"""A small logistic-regression classifier for prompt injection on the packaged MiniLM sentence embeddings.

The weights (384 numbers and a bias, with the thresholds and the validation numbers they were chosen
with) live in `injection_classifier.json` beside this file; `scripts/train_moderation.py` writes them. At
run time only numpy is needed: p = sigmoid(w . embedding + b).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("injection_classifier.json")


@dataclass(frozen=True)
class InjectionClassifier:
    """p(injection | text) from a sentence embedding; `block_at` / `warn_at` turn it into actions."""

    weights: np.ndarray
    bias: float
    block_at: float
    warn_at: float
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> InjectionClassifier:
        """Read the weights file; a clear error if it is missing or malformed."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            weights = np.asarray(data["weights"], dtype=np.float32)
            return cls(weights, float(data["bias"]), float(data["block_at"]), float(data["warn_at"]),
                       {k: v for k, v in data.items() if k not in {"weights", "bias"}})
        except (OSError, ValueError, KeyError) as exc:
            raise RuntimeError(
                f"the moderation classifier weights at {path} are missing or broken ({exc}); "
                "run `python scripts/train_moderation.py` to recreate them"
            ) from exc

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        """p(injection) for each row of `vectors` (n, 384)."""
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-logits))
