"""What a quiz is: questions, their answers and the passage each one comes from.

Every item carries the passage it was made from (file, page, headings, the passage's text) and the
sentence inside it that supports the answer, so the answer key can always be checked at its source.
The generators (offline and LLM), the CLI, the exports and the browser all speak these types.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

QuizKind = Literal["mcq", "cloze", "short"]
QUIZ_KINDS: tuple[QuizKind, ...] = ("mcq", "cloze", "short")
BLANK = "_____"


@dataclass(frozen=True)
class QuizSource:
    """The passage an item comes from and the supporting sentence inside it (`quote` is `text[start:end]`)."""

    passage_id: str
    path: str
    file_name: str
    page: int | None
    headings: tuple[str, ...]
    text: str
    start: int
    end: int

    @property
    def quote(self) -> str:
        return self.text[self.start:self.end]

    @property
    def label(self) -> str:
        """How a reader sees the source: `file.pdf p. 4 · Section`."""
        parts = [self.file_name + (f" p. {self.page}" if self.page else "")]
        if self.headings:
            parts.append(self.headings[-1])
        return " · ".join(parts)


@dataclass(frozen=True)
class QuizItem:
    """One question. For `mcq`, `choices` holds the answer and its distractors in display order."""

    kind: QuizKind
    question: str
    answer: str
    source: QuizSource
    choices: tuple[str, ...] = ()
    answer_kind: str = "term"  # what the answer is: number, date, name or term

    @property
    def distractors(self) -> tuple[str, ...]:
        return tuple(choice for choice in self.choices if choice != self.answer)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["source"]["quote"] = self.source.quote
        data["source"]["label"] = self.source.label
        return data


@dataclass(frozen=True)
class Quiz:
    """Questions about one document or collection (`subject`), made by `generator` ("offline" or "llm")."""

    subject: str
    kind: QuizKind
    items: tuple[QuizItem, ...]
    generator: str
    dropped: int = 0  # LLM items that failed validation against their passage
    notes: tuple[str, ...] = field(default_factory=tuple)  # plain-language remarks for the reader
    prompt: str | None = None  # the prompt template (and A/B variant) an LLM quiz was written with

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "kind": self.kind, "generator": self.generator, "dropped": self.dropped,
            "notes": list(self.notes), "prompt": self.prompt, "items": [item.as_dict() for item in self.items],
        }


class QuizError(Exception):
    """A quiz cannot be made (unknown document, nothing quizzable); the message says what to do."""


class QuizCancelled(QuizError):
    """The reader left before the quiz was made; the work stops between requests to the model."""


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\s\u00a0]+", " ", text)
    return re.sub(r"^[\s\W]+|[\s\W]+$", "", text)


def is_correct(item: QuizItem, response: str) -> bool:
    """Whether a reader's response answers `item` (case, spacing and outer punctuation ignored)."""
    given = _normal(response)
    if not given:
        return False
    expected = _normal(item.answer)
    if given == expected:
        return True
    if item.kind == "mcq":
        return False
    # figures: "1,577" and "1577", "$1.5 billion" and "1.5 billion" are the same answer
    if item.answer_kind != "number":
        return False
    given_digits, expected_digits = (re.sub(r"[^\d.]", "", value) for value in (given, expected))
    return bool(given_digits) and given_digits == expected_digits
