"""OpenAI's moderation endpoint (`omni-moderation-latest`) as an extra, optional layer.

Its own base URL and key come from settings (`openai_moderation_base_url`, `openai_moderation_api_key`).
When the endpoint cannot be reached, `moderation_fail_open` decides: allow (fail open) or block (fail
closed). Either way the outcome is a finding, so it lands in the audit log.
"""

from __future__ import annotations

from typing import Any

from app.moderation.types import Finding
from app.settings import Settings, secret_value

MODEL = "omni-moderation-latest"
UNAVAILABLE = "moderation_unavailable"


class OpenAIModeration:
    """Asks the moderation endpoint about one text; never raises for network or service trouble."""

    def __init__(self, settings: Settings, timeout_s: float = 10.0) -> None:
        self.fail_open = settings.moderation_fail_open
        self.base_url = settings.openai_moderation_base_url
        self.timeout_s = timeout_s
        # Only the moderation key: the LLM's key may belong to another host and is never sent here.
        self._api_key = secret_value(settings.openai_moderation_api_key)
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url or None, api_key=self._api_key or "not-set",
                                  timeout=self.timeout_s, max_retries=1)
        return self._client

    def check(self, text: str, layer: str) -> list[Finding]:
        """Findings for every category the endpoint flags; one 'unavailable' finding if it cannot answer."""
        import openai

        try:
            response = self._get_client().moderations.create(model=MODEL, input=text)
        except openai.OpenAIError as exc:
            action = "allow" if self.fail_open else "block"
            policy = "failing open: allowed" if self.fail_open else "failing closed: blocked"
            reason = type(exc).__name__
            status = getattr(exc, "status_code", None)
            detail = f"moderation endpoint unavailable ({reason}{f' {status}' if status else ''}); {policy}"
            return [Finding("openai", UNAVAILABLE, 0.0, detail, action)]
        findings: list[Finding] = []
        for result in response.results:
            if not result.flagged:
                continue
            flags = result.categories.model_dump(by_alias=True)
            scores = result.category_scores.model_dump(by_alias=True)
            for name, flagged in flags.items():
                if flagged:
                    score = float(scores.get(name) or 0.0)
                    findings.append(Finding("openai", f"openai:{name}", score,
                                            f"{MODEL} flagged {name} on the {layer}", "block"))
        return findings
