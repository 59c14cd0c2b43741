"""The Moderator: every layer in one object the answering pipeline calls at three points.

- `check_input(question)`: length, rate limit, PII redaction, injection/jailbreak/system-prompt and harm
  rules (also on decoded payloads), offensive language, the trained injection classifier, and the OpenAI
  endpoint when configured.
- `check_output(answer, passages)`: system prompt leakage, signs that an attack worked, a request for the
  reader's credentials, offensive language, links and PII that the passages do not contain, and the
  OpenAI endpoint. Pass only trusted passages (not those flagged as injected). On streamed partial text
  (`final=False`) only the cheap, unambiguous checks run.
- `scan_passage(chunk)`: instructions aimed at an AI hidden in a document (indirect injection).

Heavy parts (presidio, the embedder, the profanity model) load on first use and are shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.moderation import harm_rules, injection_rules
from app.moderation.answer_checks import credential_request, remove_links, unsupported_links
from app.moderation.audit import AuditLog, redacted_excerpt
from app.moderation.classifier import SafetyClassifier, hands_over_a_task
from app.moderation.harm_evidence import harmful_help_asked, victim_side
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
        self._classifier: SafetyClassifier | None = None
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
    def classifier(self) -> SafetyClassifier:
        if self._classifier is None:
            self._classifier = SafetyClassifier.load()
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
        self.classifier.predict_proba(["warm up"], self.embedder)
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
        rules = bounded_rules(redacted, INPUT_RULES, "input")
        findings += rules
        findings += self._offensive(redacted, "input")
        if strongest(findings) != "block" and text.strip():
            scores = self._scores(redacted)
            findings += self._classify(scores, redacted)
            findings += _combine(findings)
            findings += self._rule_and_classifier(findings, rules, scores, redacted)
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

        asked = credential_request(text)
        if asked is not None:
            findings.append(Finding("output", "credential_request", 0.95,
                                    f"the answer asks the reader for a secret: “{asked[:80]}”", "block"))
        findings += self._offensive(text, "output", passages)
        links = unsupported_links(text, passages)
        if links:
            findings.append(Finding("output", "unsupported_link", 0.9, f"{len(links)} link(s) that no passage "
                                    "contains; removed from the answer", "warn"))
        spans = unsupported(text, find_pii(text), passages)
        findings += _pii_findings(spans, "output", "not in the cited passages; redacted from the answer")
        redacted = remove_links(redact(text, spans), links)
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

    def _scores(self, text: str) -> dict[str, float]:
        """The safety classifier's heads on the whole text and its parts (see `classifier.parts`)."""
        model = self.classifier
        scores = model.predict_proba([text], self.embedder)[0]
        return dict(zip(model.labels, scores.tolist(), strict=True))

    def _classify(self, scores: dict[str, float], text: str) -> list[Finding]:
        """Findings for the heads' scores: block, or flag (evidence only), by each head's thresholds. A text
        that asks for operational help with serious harm (`harm_evidence`) is blocked from the lower
        `with_evidence_at`: the words give the intent, the classifier must still lean towards harm. A text asked
        from a victim's or defender's side with no such evidence (`harm_evidence.victim_side`) is blocked only
        from the higher `victim_block_at` ("What should I do if my identity was stolen?")."""
        model = self.classifier
        found = []
        for label, p in scores.items():
            victim_at = model.victim_block_at.get(label, model.block_at[label])
            if model.block_at[label] <= p < victim_at and model.blocks_alone[label] and victim_side(text):
                found.append(Finding("input", label, round(p, 3), f"the {label.replace('_', ' ')} classifier gives "
                                     f"p={p:.2f}, asked from a victim's or defender's side", "flag"))
                continue
            evidence_at = model.with_evidence_at.get(label, model.block_at[label])
            kind = harmful_help_asked(text) if evidence_at <= p < model.block_at[label] \
                and model.blocks_alone[label] else None
            if kind is not None:
                found.append(Finding("input", kind, round(p, 3), f"asks for operational help with serious harm "
                                     f"and the {label.replace('_', ' ')} classifier agrees (p={p:.2f})", "block"))
                continue
            if p < model.flag_at[label]:
                continue
            # Below the block threshold, or for a head that is evidence only, the classifier only flags
            # (audited, no note to the person); with a rule's warning it blocks (see `_combine`).
            action = "block" if p >= model.block_at[label] and model.blocks_alone[label] else "flag"
            found.append(Finding("input", label, round(p, 3),
                                 f"the {label.replace('_', ' ')} classifier gives p={p:.2f}", action))
        return found

    def _rule_and_classifier(
        self, findings: list[Finding], rules: list[Finding], scores: dict[str, float], text: str
    ) -> list[Finding]:
        """A rule's sign of an attack aimed at the assistant (a new role, a task switch, an attack word), a
        text shaped like a hand-over of a new task (several sentences, not ending in a question; see
        `classifier.hands_over_a_task`) and an injection score at or above `with_rule_at` block together.
        A reader's question ("How do I enable debug mode in the config?", with or without a sentence of
        context before it) never does."""
        if strongest(findings) == "block" or "prompt_injection" not in scores:
            return []
        signs = [f for f in rules if f.category in ATTACKS and f.action in {"flag", "warn"}]
        p = scores["prompt_injection"]
        if not signs or p < self.classifier.with_rule_at["prompt_injection"] or not hands_over_a_task(text):
            return []
        return [Finding("input", signs[0].category, round(p, 3), f"{signs[0].detail}; the injection classifier "
                        f"agrees (p={p:.2f})", "block")]

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
    """A rule's warning about an attack plus another, separate sign of one (another rule, the classifier)
    add up to a block. Evidence-only findings ('flag') never block together on their own: they are often
    the same word seen twice ("debug mode" by a rule and by the classifier)."""
    weak = [f for f in findings if f.action in {"warn", "flag"} and f.category in ATTACKS]
    if len({f.detail for f in weak}) < 2 or not any(f.action == "warn" for f in weak):
        return []
    top = max(weak, key=lambda f: f.score)
    return [Finding(top.layer, top.category, top.score, "several signs of an attack on the assistant together",
                    "block")]
