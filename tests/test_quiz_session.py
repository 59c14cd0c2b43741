"""A reader taking a quiz (app.web.quiz_session): answers are checked, scored, and missed ones asked again."""

from __future__ import annotations

import pytest

from app.quiz.model import Quiz, QuizError, QuizItem, QuizSource
from app.web.quiz_session import QuizSession

PASSAGE = ("Foobar needs Python 3.11 and 2 GB of memory. The installer writes to /opt/foobar. "
           "The help desk is open from 9:00 to 17:00 on weekdays.")


def _source(sentence: str) -> QuizSource:
    start = PASSAGE.index(sentence)
    return QuizSource("p1", "/docs/install.md", "install.md", None, ("Installing Foobar",), PASSAGE, start,
                      start + len(sentence))


def _quiz() -> Quiz:
    return Quiz("/docs/install.md", "mcq", (
        QuizItem("mcq", "How much memory does Foobar need?", "2 GB",
                 _source("Foobar needs Python 3.11 and 2 GB of memory."), ("4 GB", "2 GB", "8 GB", "1 GB"),
                 "number"),
        QuizItem("mcq", "Where does the installer write?", "/opt/foobar",
                 _source("The installer writes to /opt/foobar."), ("/usr/local", "/opt/foobar", "/srv", "/tmp")),
        QuizItem("mcq", "When does the help desk open on weekdays?", "9:00",
                 _source("The help desk is open from 9:00 to 17:00 on weekdays."), ("8:00", "9:00", "10:00")),
    ), "offline")


def test_answers_are_checked_scored_and_cannot_be_changed() -> None:
    session = QuizSession(_quiz())
    first = session.answer_choice(1)  # "2 GB"
    assert first is not None and first.correct and first.response == "2 GB"
    again = session.answer_choice(0)  # a second click on the same question changes nothing
    assert again == first and session.score().right == 1
    assert session.advance()
    assert not session.advance()  # the second question is not answered yet
    wrong = session.answer_choice(0)
    assert wrong is not None and not wrong.correct
    assert session.answer_choice(9) is None and session.current_outcome() == wrong  # out of range: ignored
    session.advance()
    assert session.answer(" 9:00 ") is not None  # typed answers are checked like the model checks them
    session.advance()
    assert session.finished and session.current() is None
    score = session.score()
    assert (score.right, score.total, score.percent) == (2, 3, 67)
    assert session.missed() == [1]


def test_an_empty_answer_is_not_recorded() -> None:
    session = QuizSession(_quiz())
    assert session.answer("   ") is None and session.current_outcome() is None
    assert not session.advance()


def test_retry_asks_only_the_missed_items_and_keeps_the_first_score() -> None:
    session = QuizSession(_quiz())
    assert session.retry_missed() == 0  # the round is not over yet
    for choice in (0, 0, 1):  # wrong, wrong, right
        session.answer_choice(choice)
        session.advance()
    assert session.missed() == [0, 1]
    assert session.retry_missed() == 2
    assert session.round == 2 and not session.finished
    assert session.current() == _quiz().items[0]
    assert session.current_outcome() is None  # asked afresh
    session.answer_choice(1)  # now right
    session.advance()
    session.answer_choice(0)  # still wrong
    session.advance()
    assert (session.score().right, session.score().total) == (1, 2)
    first = session.first_score()
    assert (first.right, first.total) == (1, 3)  # the first try is not rewritten by the retry
    assert session.missed() == [1]
    assert session.retry_missed() == 1 and session.round == 3
    session.answer("/opt/foobar")
    session.advance()
    assert session.missed() == [] and session.retry_missed() == 0 and session.round == 3


def test_a_quiz_without_questions_says_what_to_do() -> None:
    with pytest.raises(QuizError, match="another document"):
        QuizSession(Quiz("/docs/empty.md", "short", (), "offline"))
