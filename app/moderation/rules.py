"""The rule engine: named regular expressions, each with a category, a score and the action it asks for.

Rule tables live in `injection_rules.py` (attacks on the assistant) and `harm_rules.py` (requests for
help with harm). Rules run on every variant from `normalize.variants`, so a rule also catches its text
when it is hidden in base64, hex, rot13, leetspeak, spaced or look-alike letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.moderation.normalize import variants
from app.moderation.types import SEVERITY, Finding


@dataclass(frozen=True)
class Rule:
    """One pattern: `detail` says in plain words what it recognises."""

    category: str
    detail: str
    pattern: re.Pattern[str]
    score: float = 0.95
    action: str = "block"
    unless: re.Pattern[str] | None = None  # a context that downgrades the match to a warning


def rule(category: str, detail: str, pattern: str, score: float = 0.95, action: str = "block",
         unless: str | None = None) -> Rule:
    """Compile a rule; patterns see cleaned, lower-cased text with runs of whitespace as one space."""
    return Rule(category, detail, re.compile(pattern, re.IGNORECASE),
                score, action, re.compile(unless, re.IGNORECASE) if unless else None)


def match_rules(text: str, rules: Sequence[Rule], layer: str, deep: bool = True) -> list[Finding]:
    """Findings for every rule that matches `text` or a de-obfuscated/decoded form of it (one per rule)."""
    found: dict[tuple[str, str], Finding] = {}
    for how, candidate in variants(text, deep=deep):
        for item in rules:
            key = (item.category, item.detail)
            if key in found:
                continue
            match = item.pattern.search(candidate)
            if match is None:
                continue
            action = item.action
            if item.unless is not None and item.unless.search(candidate):
                action = "warn" if action == "block" else action
            where = "" if how == "plain" else f" (hidden as {how})"
            excerpt = match.group(0).strip()[:80]
            detail = f"{item.detail}{where}: “{excerpt}”"
            found[key] = Finding(layer, item.category, item.score, detail, action)
    return sorted(found.values(), key=lambda f: (-SEVERITY.get(f.action, 0), -f.score))


def words(options: Iterable[str]) -> str:
    """A non-capturing alternation of phrases (regex syntax allowed inside each option)."""
    return "(?:" + "|".join(options) + ")"
