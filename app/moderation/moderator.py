"""The Moderator: every layer in one object the answering pipeline calls at three points.

- `check_input(question)`: length, rate limit, PII redaction, injection/jailbreak/system-prompt and harm
  rules (also on decoded payloads), offensive language, the trained injection classifier, and the OpenAI
  endpoint when configured.
- `check_output(answer, passages)`: system prompt leakage, signs that an attack worked, offensive
  language, PII that the cited passages do not contain, and the OpenAI endpoint. On streamed partial text
  (`final=False`) only the cheap, unambiguous checks run.
- `scan_passage(chunk)`: instructions aimed at an AI hidden in a document (indirect injection).

Heavy parts (presidio, the embedder, the profanity model) load on first use and are shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.moderation import harm_rules, injection_rules
from app.moderation.audit import AuditLog, redacted_excerpt
from app.moderation.classifier import InjectionClassifier
from app.moderation.leakage import LeakDetector, load_system_prompt
from app.moderation.messages import block_message, warn_message
from app.moderation.offensive import BLOCK_AT, WARN_AT, asks_something, offensive_score, use_cache_dir
from app.moderation.openai_layer import OpenAIModeration
from app.moderation.pii import LABELS, PiiSpan, find_pii, redact, scan_windows, unsupported
from app.moderation.rate_limit import RateLimiter, wait_message
from app.moderation.rules import match_rules
from app.moderation.types import SEVERITY, Decision, Finding, strongest
from app.settings import Settings

INPUT_RULES = injection_rules.RULES + harm_rules.RULES
ATTACKS = {"prompt_injection", "jailbreak", "system_prompt_request"}


class Moderator:
    """Moderation for one settings object; build it once per process and share it."""

    def __init__(
        self, settings: Settings, embedder: Any | None = None, audit: AuditLog | None = None
    ) -> None:
        self.settings = settings
        self.audit = audit
        use_cache_dir(settings.models_dir)
        self._embedder = embedder
        self._classifier: InjectionClassifier | None = None
        self._leaks: LeakDetector | None = None
        self.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        self.openai = OpenAIModeration(settings) if settings.openai_moderation else None

    # --- lazily loaded parts -------------------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from app.embeddings import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def classifier(self) -> InjectionClassifier:
        if self._classifier is None:
            self._classifier = InjectionClassifier.load()
        return self._classifier

    @property
    def leaks(self) -> LeakDetector:
        if self._leaks is None:
            self._leaks = LeakDetector(load_system_prompt(self.settings))
        return self._leaks

    def warm_up(self) -> None:
        """Load everything now (about 2 s) so the first question is as fast as the rest."""
        find_pii("warm up +1 415 555 2671")
        offensive_score("warm up")
        self.classifier.probability(self.embedder.embed_array(["warm up"]))
        _ = self.leaks

    # --- the three checks -----------------------------------------------------------------------------
    def check_input(self, text: str, session_id: str, user: str | None = None) -> Decision:
        """Decide about a question: allow, warn (with redactions or a note) or block, with the reason."""
        findings: list[Finding] = []
        # The length comes first, before any pattern runs: a refused question costs a len() and keeps only a
        # short, redacted excerpt (for the audit and the query log), never its full text.
        too_long = too_long_finding(text, self.settings.max_question_chars)
        if too_long is not None:
            return self._finish([too_long], redacted_excerpt(text), session_id, "input")
        wait, scope = self.limiter.check(session_id, user)
        if wait > 0:
            findings.append(Finding("rate", "rate_limit", 1.0, wait_message(wait, scope), "block"))
            return self._finish(findings, redacted_excerpt(text), session_id, "input")

        spans = find_pii(text)
        redacted = redact(text, spans)
        findings += _pii_findings(spans, "pii", "redacted from the question")
        # Every later layer sees the redacted text, so no finding's detail (logged) can quote personal data.
        findings += bounded_rules(redacted, INPUT_RULES, "input")
        findings += self._offensive(redacted, "input")
        if strongest(findings) != "block" and text.strip():
            findings += self._classify(redacted)
            findings += _combine(findings)
        if self.openai is not None and strongest(findings) != "block":
            findings += self.openai.check(redacted, "input")
        return self._finish(findings, redacted, session_id, "input")

    def check_output(self, text: str, passages: list[str], session_id: str, final: bool = True) -> Decision:
        """Decide about an answer; `final=False` (streamed partial text) runs only cheap, clear-cut checks."""
        findings: list[Finding] = []
        leak = self.leaks.leaked(text, passages)
        if leak is not None:
            share, example = leak
            findings.append(Finding("output", "system_prompt_leak", round(share, 3),
                                    f"the answer repeats the system prompt: “{example}”", "block"))
        markers = bounded_rules(text, injection_rules.OUTPUT_RULES, "output", deep=final)
        if markers and not (passages and bounded_rules("\n".join(passages), injection_rules.OUTPUT_RULES, "output",
                                                       deep=False)):
            findings += markers  # an attack marker the cited passages do not explain
        if not final:
            decision = Decision(strongest(findings), text, None, findings)
            if decision.action == "block":
                decision.message = block_message(findings)
                self._record(session_id, "output", findings, text)
            return decision

        findings += self._offensive(text, "output", passages)
        spans = unsupported(text, find_pii(text), passages)
        findings += _pii_findings(spans, "output", "not in the cited passages; redacted from the answer")
        redacted = redact(text, spans)
        if self.openai is not None and strongest(findings) != "block":
            findings += self.openai.check(redacted, "output")
        return self._finish(findings, redacted, session_id, "output")

    def scan_passage(self, text: str) -> list[Finding]:
        """Instructions aimed at the assistant inside a document chunk (flagged, never blocked)."""
        found = bounded_rules(text, injection_rules.DOCUMENT_RULES, "document")
        return [Finding(f.layer, f.category, f.score, f.detail, "flag") for f in found]

    # --- layers ---------------------------------------------------------------------------------------
    def _offensive(self, text: str, layer: str, passages: Sequence[str] = ()) -> list[Finding]:
        score = offensive_score(text)
        if score < WARN_AT:
            return []
        quoted = bool(passages) and max(offensive_score(p) for p in passages) >= WARN_AT
        abuse = score >= BLOCK_AT and not quoted and (layer == "output" or not asks_something(text))
        action = "block" if abuse else "warn"
        detail = "offensive or abusive wording (alt-profanity-check)"
        return [Finding(layer, "offensive", round(score, 3), detail, action)]

    def _classify(self, text: str) -> list[Finding]:
        model = self.classifier
        p = float(model.probability(self.embedder.embed_array([text]))[0])
        if p < model.warn_at:
            return []
        # Below the block threshold the classifier alone only flags (audited, no note to the person);
        # together with another sign of an attack it blocks (see `_combine`).
        action = "block" if p >= model.block_at else "flag"
        return [Finding("input", "prompt_injection", round(p, 3),
                        f"the injection classifier gives p={p:.2f}", action)]

    # --- decision and audit ---------------------------------------------------------------------------
    def _finish(self, findings: list[Finding], text: str, session_id: str, layer: str) -> Decision:
        action = strongest(findings)
        if action == "block":
            message = block_message(findings)
        elif action == "warn":
            message = warn_message(findings, "question" if layer == "input" else "answer")
        else:
            message = None
        self._record(session_id, layer, findings, text)
        return Decision(action, text, message, findings)

    def _record(self, session_id: str, layer: str, findings: list[Finding], excerpt: str) -> None:
        if self.audit is None:
            return
        if not findings:
            self.audit.record(session_id, layer, "none", 0.0, "allow", excerpt)
        for f in findings:
            self.audit.record(session_id, f.layer, f.category, f.score, f.action, excerpt)


def too_long_finding(text: str, limit: int) -> Finding | None:
    """The block for a question over `limit` characters (checked before anything else looks at it)."""
    if len(text) <= limit:
        return None
    message = (f"Your question is {len(text):,} characters long; the limit is {limit:,}. "
               "Shorten it and ask again.")
    return Finding("input", "too_long", 1.0, message, "block")


def bounded_rules(text: str, rules: Sequence[Any], layer: str, deep: bool = True) -> list[Finding]:
    """`match_rules` over windows of at most SCAN_WINDOW characters (overlapping by SCAN_OVERLAP), so no
    single regular-expression scan runs over an unbounded text; one finding per rule, as match_rules."""
    found: dict[tuple[str, str], Finding] = {}
    for window in scan_windows(text):
        for finding in match_rules(window, rules, layer, deep=deep):
            key = (finding.category, finding.detail.split(":", 1)[0])
            if key not in found or SEVERITY.get(finding.action, 0) > SEVERITY.get(found[key].action, 0):
                found[key] = finding
    return sorted(found.values(), key=lambda f: (-SEVERITY.get(f.action, 0), -f.score))


def _pii_findings(spans: Sequence[PiiSpan], layer: str, what: str) -> list[Finding]:
    return [Finding(layer, f"pii:{s.kind}", round(s.score, 3), f"{LABELS.get(s.kind, s.kind)} {what}", "warn")
            for s in spans]


def _combine(findings: list[Finding]) -> list[Finding]:
    """Two separate weak signs of an attack (a warning rule and the classifier, say) add up to a block."""
    weak = [f for f in findings if f.action in {"warn", "flag"} and f.category in ATTACKS]
    if len({f.detail for f in weak}) < 2:
        return []
    top = max(weak, key=lambda f: f.score)
    return [Finding(top.layer, top.category, top.score,
    "several signs of an attack on the assistant together",
                    "block")]
