"""What one browser session of the chat remembers: its conversation, its collection, its answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.assistant import Answer, Turn
from app.retrieval import Filters

HISTORY_TURNS = 6  # earlier exchanges passed to the assistant for follow-up questions


@dataclass
class ChatSession:
    """Per-session state; the Assistant itself is shared by every session of the process."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    collection: str | None = None
    path_glob: str | None = None  # "ask about this document": an exact-path pattern
    history: list[Turn] = field(default_factory=list)

    @property
    def filters(self) -> Filters:
        """The retrieval filters the reader chose: the collection picker and a document scope."""
        return Filters(collection=self.collection or None, path_glob=self.path_glob)

    def recent_history(self) -> list[Turn]:
        """The last few exchanges, oldest first, for the follow-up rewrite."""
        return self.history[-HISTORY_TURNS:]

    def remember(self, answer: Answer, question: str) -> None:
        """Answered (not blocked) exchanges join the conversation that follow-ups are read against."""
        if answer.mode != "blocked":
            turn = Turn(question=question, answer=answer.text, standalone=answer.rewritten_query)
            self.history.append(turn)

    def reset(self) -> None:
        """Start a new chat: forget the conversation. The session id stays (rate limits, A/B arm)."""
        self.history.clear()
