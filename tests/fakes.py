"""Test doubles: a chat model with queued replies that records every prompt it was sent."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from app.llm import LLMUnavailable


class FakeChatModel:
    """Stands in for `app.llm.ChatLLM`: replies are queued with `enqueue`, prompts land in `history`.

    A queued `LLMUnavailable` is raised instead of replying (an endpoint that is down). Asking for more
    replies than were queued fails the test, so a test also proves how many LLM calls were made.
    """

    def __init__(self, *replies: str | LLMUnavailable, chunk_size: int = 7) -> None:
        self.replies: list[str | LLMUnavailable] = list(replies)
        self.history: list[list[BaseMessage]] = []
        self.chunk_size = chunk_size

    def enqueue(self, *replies: str | LLMUnavailable) -> None:
        self.replies.extend(replies)

    def stream(self, messages: Sequence[BaseMessage], usage: dict[str, Any] | None = None) -> Iterator[str]:
        self.history.append(list(messages))
        if not self.replies:
            raise AssertionError(f"the fake LLM was called but has no reply queued; prompt: {messages}")
        reply = self.replies.pop(0)
        if isinstance(reply, LLMUnavailable):
            raise reply
        if usage is not None:
            usage.update({"model": "fake", "prompt_tokens": sum(len(str(m.content).split()) for m in messages),
                          "completion_tokens": len(reply.split()), "cost_usd": 0.0})
        for i in range(0, len(reply), self.chunk_size):
            yield reply[i : i + self.chunk_size]

    def complete(self, messages: Sequence[BaseMessage], usage: dict[str, Any] | None = None) -> AIMessage:
        return AIMessage("".join(self.stream(messages, usage)))
