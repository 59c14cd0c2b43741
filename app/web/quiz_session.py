"""One reader taking a quiz: which question is asked, what was answered, the score, a retry of the misses.

Pure state over an `app.quiz.model.Quiz` (no Panel, no I/O), so the browser's quiz view and its tests
share it. Questions are asked one at a time; an answer is checked with `app.quiz.model.is_correct` and
cannot be changed once given. When a round is over, the items answered wrong can be asked again as a new
round ("Retry the 3 you missed"); the first round's score is kept beside the current round's.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.quiz.model import Quiz, QuizError, QuizItem, is_correct


@dataclass(frozen=True)
class Outcome:
    """A reader's answer to one item: what they gave and whether it was right."""

    index: int  # the item's position in `Quiz.items`
    response: str
    correct: bool


@dataclass(frozen=True)
class Score:
    right: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 0


class QuizSession:
    """The rounds of one quiz: round 1 asks every item, each retry asks the items missed in the last round."""

    def __init__(self, quiz: Quiz) -> None:
        if not quiz.items:
            raise QuizError("This quiz has no questions: try another document or another kind of question.")
        self.quiz = quiz
        self.round = 1
        self.order: list[int] = list(range(len(quiz.items)))
        self.position = 0
        self.outcomes: dict[int, Outcome] = {}  # this round's answers, by item index
        self.first_round: dict[int, Outcome] = {}

    @property
    def finished(self) -> bool:
        """Every item of this round has been asked and answered."""
        return self.position >= len(self.order)

    @property
    def current_index(self) -> int | None:
        return None if self.finished else self.order[self.position]

    def current(self) -> QuizItem | None:
        """The item being asked (None when the round is over)."""
        index = self.current_index
        return None if index is None else self.quiz.items[index]

    def current_outcome(self) -> Outcome | None:
        """The answer already given to the current item, if any."""
        index = self.current_index
        return None if index is None else self.outcomes.get(index)

    def answer(self, response: str) -> Outcome | None:
        """Check `response` against the current item and record it; a second answer to the same item is
        ignored (the first one stands). None when the round is over or the response is empty."""
        index = self.current_index
        if index is None:
            return None
        if index in self.outcomes:
            return self.outcomes[index]
        response = response.strip()
        return self._record(index, response) if response else None

    def _record(self, index: int, response: str) -> Outcome:
        outcome = Outcome(index, response, is_correct(self.quiz.items[index], response))
        self.outcomes[index] = outcome
        if self.round == 1:
            self.first_round[index] = outcome
        return outcome

    def answer_choice(self, choice: int) -> Outcome | None:
        """Answer a multiple-choice item by the position of the chosen option (None if out of range)."""
        index, item = self.current_index, self.current()
        if index is None or item is None or not 0 <= choice < len(item.choices):
            return None
        if index in self.outcomes:
            return self.outcomes[index]
        return self._record(index, item.choices[choice])

    def advance(self) -> bool:
        """Go to the next item once the current one is answered; False if it is not answered yet."""
        if self.finished or self.current_outcome() is None:
            return False
        self.position += 1
        return True

    def score(self) -> Score:
        """Right answers out of the items of this round."""
        return Score(sum(1 for i in self.order if (o := self.outcomes.get(i)) is not None and o.correct),
                     len(self.order))

    def first_score(self) -> Score:
        """Right answers on the first try, out of every item."""
        return Score(sum(1 for o in self.first_round.values() if o.correct), len(self.quiz.items))

    def missed(self) -> list[int]:
        """Items of this round answered wrong (or not answered), in the order they were asked."""
        return [i for i in self.order if not ((o := self.outcomes.get(i)) is not None and o.correct)]

    def retry_missed(self) -> int:
        """Start a new round with the items missed in this one; returns how many (0: nothing to retry,
        the session is unchanged). Only a finished round can be retried."""
        missed = self.missed()
        if not self.finished or not missed:
            return 0
        self.round += 1
        self.order = missed
        self.position = 0
        self.outcomes = {}
        return len(missed)
