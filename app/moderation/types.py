"""The two values every moderation layer produces: a `Finding` per signal and one `Decision` per check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Action = Literal["allow", "warn", "block"]
SEVERITY: dict[str, int] = {"allow": 0, "flag": 1, "warn": 2, "block": 3}


@dataclass(frozen=True)
class Finding:
    """One thing a layer noticed.

    layer: input | output | document | rate | pii | offensive | classifier | openai
    category: prompt_injection, jailbreak, system_prompt_request, harmful, self_harm, offensive, pii:EMAIL,
        rate_limit, too_long, system_prompt_leak, moderation_unavailable, openai:<category>, ...
    action: what this finding alone asks for: allow | flag | warn | block
    """

    layer: str
    category: str
    score: float
    detail: str
    action: str


@dataclass
class Decision:
    """The outcome of one check: what to do, the (redacted) text to use downstream, and why."""

    action: Action
    text: str
    message: str | None = None
    findings: list[Finding] = field(default_factory=list)


def strongest(findings: list[Finding]) -> Action:
    """The decision the findings add up to: block beats warn beats allow ('flag' alone allows)."""
    level = max((SEVERITY.get(f.action, 0) for f in findings), default=0)
    if level >= SEVERITY["block"]:
        return "block"
    if level >= SEVERITY["warn"]:
        return "warn"
    return "allow"
