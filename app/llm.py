"""The chat model: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp server) via ChatOpenAI.

Retries are the openai SDK's own (`CITEWISE_LLM_MAX_RETRIES`): 408, 409, 429, 5xx, timeouts and refused
connections, with exponential backoff and jitter, honouring the endpoint's Retry-After, and only before a
stream starts (never after part of an answer was shown). A request that still fails raises
`LLMUnavailable` with a short reason a person can read, and the pipeline falls back to the offline
answerer. Token usage and the estimated cost are filled into the `usage` dict the caller passes, so that
concurrent answers sharing one `ChatLLM` never mix their numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from app.prompts import count_chat_tokens
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, BaseMessage

# openai and langchain_openai take seconds to import: they load only when an LLM is configured and used,
# so `python -m app ask` without an LLM never pays for them.
log = logging.getLogger(__name__)


def _retryable() -> tuple[type[Exception], ...]:
    import openai

    return (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError,
            openai.InternalServerError)


class LLMUnavailable(Exception):
    """The endpoint failed after retries; `reason` is safe to show (no keys, no stack)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def llm_configured(settings: Settings) -> bool:
    """An LLM answers when a key or an OpenAI-compatible base URL is set."""
    return settings.openai_api_key is not None or bool(settings.llm_base_url)


def describe_error(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.RateLimitError):
        return "rate limited (HTTP 429)"
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "cannot connect to the endpoint"
    if isinstance(exc, openai.AuthenticationError):
        return "the API key was refused (HTTP 401): check OPENAI_API_KEY"
    if isinstance(exc, openai.NotFoundError):
        return "model or endpoint not found (HTTP 404): check CITEWISE_LLM_MODEL and CITEWISE_LLM_BASE_URL"
    if isinstance(exc, openai.APIStatusError):
        return f"the endpoint answered HTTP {exc.status_code}"
    return type(exc).__name__


def cost_usd(settings: Settings, prompt_tokens: int, completion_tokens: int) -> float:
    return round(prompt_tokens * settings.price_input_per_mtok / 1e6
                 + completion_tokens * settings.price_output_per_mtok / 1e6, 6)


class ChatLLM:
    """Streaming chat completions with retries, usage and cost."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self.model = ChatOpenAI(
            model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
            temperature=settings.llm_temperature, timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            stream_usage=True, max_completion_tokens=settings.llm_max_answer_tokens,
        )

    def stream(self, messages: Sequence[BaseMessage], usage: dict[str, Any] | None = None) -> Iterator[str]:
        """Yield the answer's text as it arrives (the SDK retries only before the first token). Closing the
        generator (a stopped answer) closes the HTTP response."""
        import openai

        usage = usage if usage is not None else {}
        produced: list[str] = []
        chunks = self.model.stream(list(messages))
        try:
            for chunk in chunks:
                if chunk.usage_metadata:
                    usage["prompt_tokens"] = chunk.usage_metadata.get("input_tokens", 0)
                    usage["completion_tokens"] = chunk.usage_metadata.get("output_tokens", 0)
                text = chunk.text if isinstance(chunk.text, str) else str(chunk.content)
                if text:
                    produced.append(text)
                    yield text
        except openai.OpenAIError as exc:
            if produced:  # part of an answer was shown: do not repeat it, give up cleanly
                raise LLMUnavailable(f"{describe_error(exc)} while answering") from None
            retried = isinstance(exc, _retryable()) or (isinstance(exc, openai.APIStatusError)
                                                        and exc.status_code >= 500)
            retries = self.settings.llm_max_retries
            suffix = f" after {retries} retries" if retried and retries else ""
            log.warning("LLM request failed: %s%s", describe_error(exc), suffix)
            raise LLMUnavailable(describe_error(exc) + suffix) from None
        finally:
            chunks.close()  # also when the caller stops reading: the HTTP response is closed
        self._fill_usage(usage, messages, "".join(produced))

    def complete(self, messages: Sequence[BaseMessage], usage: dict[str, Any] | None = None) -> AIMessage:
        """The whole reply at once (used for the follow-up rewrite)."""
        from langchain_core.messages import AIMessage

        return AIMessage("".join(self.stream(messages, usage)))

    def _fill_usage(self, usage: dict[str, Any], messages: Sequence[BaseMessage], text: str) -> None:
        usage["model"] = self.settings.llm_model
        if "prompt_tokens" not in usage:  # the endpoint did not report usage: estimate it
            usage["prompt_tokens"] = sum(count_chat_tokens(str(m.content)) + 4 for m in messages)
            usage["completion_tokens"] = count_chat_tokens(text)
            usage["estimated"] = True
        usage["cost_usd"] = cost_usd(self.settings, usage["prompt_tokens"], usage["completion_tokens"])
