"""What a person reads when moderation blocks or warns: one plain sentence per reason."""

from __future__ import annotations

from collections.abc import Sequence

from app.moderation.pii import LABELS
from app.moderation.types import Finding

ASK_INSTEAD = "Ask a question about your documents instead."

BLOCK_MESSAGES: dict[str, str] = {
    "prompt_injection": "Blocked: this looks like an attempt to override the assistant's instructions "
                        f"(prompt injection). {ASK_INSTEAD}",
    "jailbreak": "Blocked: this asks the assistant to take on another role or drop its rules (jailbreak). "
                 f"{ASK_INSTEAD}",
    "system_prompt_request": "Blocked: the assistant does not share its internal instructions (system prompt "
                             f"request). {ASK_INSTEAD}",
    "harmful": "Blocked: this asks for help with something that could seriously hurt people or break the "
               "law. citewise only answers questions about your documents.",
    "self_harm": "citewise can't help with this, but you don't have to go through it alone. Please talk to "
                 "someone you trust or call a crisis line; if you are in danger right now, call your local "
                 "emergency number.",
    "offensive": "Blocked: please ask again without insults or abusive language.",
    "moderation_unavailable": "Blocked: the moderation service could not be reached and this installation "
                              "is set to block questions when that happens. Try again in a minute or tell "
                              "the administrator.",
    "system_prompt_leak": "The answer was withheld because it repeated the assistant's internal "
                          "instructions. Try asking differently.",
    "credential_request": "The answer was withheld because it asked you for a password or another secret; "
                          "a document may be trying to trick readers. Tell your administrator.",
    "openai": "Blocked by the moderation service ({categories}). Rephrase the question.",
}
WARN_MESSAGES: dict[str, str] = {
    "offensive": "Note: the question contains offensive language; it was answered anyway.",
    "unsupported_link": "Note: a link that is not in your documents was removed from the answer.",
    "harmful": "Note: this question touches on harm to people; the answer only quotes your documents.",
    "prompt_injection": "Note: parts of this question read like instructions to the assistant; they were "
                        "treated as part of the question, not followed.",
    "jailbreak": "Note: parts of this question read like instructions to the assistant; they were treated "
                 "as part of the question, not followed.",
    "system_prompt_request": "Note: the assistant does not share its internal instructions.",
}
# Which reason a message names when several apply, most important first.
PRIORITY = ("too_long", "rate_limit", "self_harm", "harmful", "credential_request", "system_prompt_leak",
            "system_prompt_request",
            "jailbreak", "prompt_injection", "offensive", "openai", "moderation_unavailable")


def _rank(finding: Finding) -> int:
    category = "openai" if finding.category.startswith("openai:") else finding.category
    return PRIORITY.index(category) if category in PRIORITY else len(PRIORITY)


def block_message(findings: Sequence[Finding]) -> str:
    """The reason for a block, from its most important blocking finding."""
    blocking = sorted((f for f in findings if f.action == "block"), key=_rank)
    if not blocking:
        return "Blocked by moderation."
    top = blocking[0]
    if top.category in {"too_long", "rate_limit"}:
        return top.detail  # these findings carry their full message (lengths, seconds to wait)
    if top.category.startswith("openai:"):
        flagged = {f.category.split(":", 1)[1] for f in blocking if f.category.startswith("openai:")}
        names = ", ".join(sorted(flagged))
        return BLOCK_MESSAGES["openai"].format(categories=names)
    return BLOCK_MESSAGES.get(top.category, "Blocked by moderation.")


def warn_message(findings: Sequence[Finding], where: str = "question") -> str | None:
    """Notes for a warning: what personal data was redacted, and any other reason."""
    notes: list[str] = []
    redacted = [f for f in findings if f.category.startswith("pii:") and f.action == "warn"]
    if redacted:
        kinds = list(dict.fromkeys(f.category.split(":", 1)[1] for f in redacted))
        names = " and ".join(f"{LABELS.get(k, k.lower())} (shown as <{k}>)" for k in kinds)
        if where == "question":
            notes.append(f"Personal data in your question was redacted before it was searched, sent to a mode"
                         f"l or "
                         f"logged: {names}.")
        else:
            notes.append(f"Personal data that is not in the cited documents was removed from the answer:"
                         f" {names}.")
    seen: set[str] = set()
    for finding in sorted((f for f in findings if f.action == "warn"), key=_rank):
        note = WARN_MESSAGES.get(finding.category)
        if note and note not in seen:
            seen.add(note)
            notes.append(note)
    return " ".join(notes) or None
