"""The quiz in the chat page without a browser (app.web.chat_quiz): who may get a quiz on what, what the
page shows while it is made and when it fails, and what reaches the browser before and after an answer.

The quizzes here are built by the tests from the indexed documents' own text (the generator has its own
tests); the browser test in test_web_chat.py runs the real generator.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.assistant import Assistant
from app.prompts import load_prompts
from app.quiz.model import Quiz, QuizError, QuizItem, QuizKind, QuizSource
from app.web.chat import ChatPage
from ingest.sync import SyncOptions, sync

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def assistant(settings: Any, index: Any, embedder: Any, docs: Any) -> Assistant:
    report = sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    assert not report.failed
    settings = settings.model_copy(update={"moderation": False})
    return Assistant(settings, index, embedder, load_prompts(settings.prompts_dir))


def _path(assistant: Assistant, name: str) -> str:
    return next(f.path for f in assistant.index.documents() if Path(f.path).name == name)


def _item(path: str, text: str, sentence: str, question: str, answer: str, choices: tuple[str, ...]) -> QuizItem:
    start = text.index(sentence)
    source = QuizSource("p", path, Path(path).name, None, ("Notes",), text, start, start + len(sentence))
    return QuizItem("mcq" if choices else "short", question, answer, source, choices)


NOTES = ("The quarterly review happens every March, June, September and December.\n\n"
         "Budget requests must reach the finance team two weeks before the review.\n")


def _notes_quiz(path: str, other: str | None = None) -> Quiz:
    items = [
        _item(path, NOTES, "Budget requests must reach the finance team two weeks before the review.",
              "Who must budget requests reach two weeks before the review?", "the finance team",
              ("the finance team", "the help desk", "the board")),
        _item(path, NOTES, "The quarterly review happens every March, June, September and December.",
              "In which month of the first quarter does the review happen?", "March",
              ("January", "February", "March")),
    ]
    if other is not None:  # an item from a file the quiz is not about
        items.append(_item(other, "The help desk is open from 9:00 to 17:00 on weekdays.",
                           "The help desk is open from 9:00 to 17:00 on weekdays.",
                           "When does the help desk open?", "9:00", ("9:00", "8:00")))
    return Quiz(path, "mcq", tuple(items), "offline")


def _page(assistant: Assistant, executor: Any, maker: Callable[..., Quiz]) -> ChatPage:
    return ChatPage(assistant, executor, quiz_maker=maker,
                    quiz_exports={"markdown": ("md", "text/markdown", lambda q: f"# {q.subject}\n")})


def test_quiz_me_opens_the_quiz_and_leaving_keeps_the_conversation(assistant: Assistant, executor: Any) -> None:
    asked: list[tuple[str, int, str]] = []

    def maker(subject: str, n: int, kind: QuizKind, should_stop: Callable[[], bool] | None = None) -> Quiz:
        asked.append((subject, n, kind))
        return _notes_quiz(subject)

    page = _page(assistant, executor, maker)
    assert page.documents.quiz  # the panel offers "Quiz me"
    exchange = asyncio.run(page.ask("When is the help desk open?"))
    assert exchange is not None
    path = _path(assistant, "notes.txt")
    assert page.open_quiz(path)
    assert page.quiz.view.visible and not page.conversation.visible and not page.documents.visible
    setup = page.quiz.view.view
    assert setup["phase"] == "setup" and setup["kind"] == "mcq" and setup["count"] == 10
    assert [k for k, _ in setup["kinds"]] == ["mcq", "cloze", "short"]

    asyncio.run(page.quiz.start("mcq", 10))
    assert asked == [(path, 10, "mcq")]
    view = page.quiz.view.view
    assert view["phase"] == "question" and view["number"] == 1 and view["total"] == 2
    # Before the reader answers, the browser gets neither the answer nor its passage.
    assert "result" not in view and "source" not in view and "answer" not in view["item"]
    assert "Budget requests" not in str(view)

    page.quiz.answer({"choice": 1})  # wrong: "the help desk"
    view = page.quiz.view.view
    assert view["phase"] == "feedback" and not view["result"]["correct"]
    assert view["result"]["answer"] == "the finance team" and view["result"]["right_choice"] == 0
    source = view["source"]
    assert source["file_name"] == "notes.txt" and source["collection"] == "handbook"
    assert source["highlight"] == "Budget requests must reach the finance team two weeks before the review."
    assert source["url"] and source["url"].startswith("files/")
    page.quiz.show_source()  # the chat's source panel shows the same passage, with its link to the file
    assert page.source.visible and page.source.passage["highlight"] == source["highlight"]

    page.quiz.advance()
    page.quiz.answer({"choice": 2})  # right: "March"
    assert page.quiz.view.view["result"]["correct"] and page.quiz.view.view["last"]
    page.quiz.advance()
    done = page.quiz.view.view
    assert done["phase"] == "done" and done["score"] == {"right": 1, "total": 2, "percent": 50}
    assert [m["answer"] for m in done["missed"]] == ["the finance team"]
    assert done["downloads"] == [["markdown", "Download as Markdown"]]
    page.quiz.export("markdown")
    assert page.quiz.view.download["name"] == "citewise-quiz-notes.md"

    page.quiz.retry()
    retry = page.quiz.view.view
    assert retry["phase"] == "question" and retry["round"] == 2 and retry["total"] == 1
    assert retry["item"]["question"].startswith("Who must budget requests")

    page.quiz.leave()
    assert not page.quiz.view.visible and page.conversation.visible
    assert exchange.view in page.feed.objects and len(page.session.history) == 1  # the conversation is intact

    page.open_quiz(path)  # "Ask about this" from the documents panel goes back to the conversation, scoped
    page.set_scope(path)
    assert not page.quiz.view.visible and page.conversation.visible and page.composer.scope == "notes.txt"


def test_a_document_the_page_does_not_list_gets_no_quiz(assistant: Assistant, executor: Any, tmp_path: Path) -> None:
    called = threading.Event()

    def maker(subject: str, n: int, kind: QuizKind, should_stop: Callable[[], bool] | None = None) -> Quiz:
        called.set()
        return _notes_quiz(subject)

    page = _page(assistant, executor, maker)
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nThe vault code is 4711.\n", encoding="utf-8")
    for path in (str(outside), "/etc/passwd", ""):
        assert not page.open_quiz(path)
        assert not page.quiz.view.visible and page.conversation.visible
    asyncio.run(page.quiz.start("mcq", 5))  # a forged start without an opened document does nothing
    assert not called.is_set()
    notice = page.feed.objects[-1].info
    assert notice["error"]["title"] == "No quiz for this document"


def test_items_from_other_files_are_dropped(assistant: Assistant, executor: Any) -> None:
    notes, page_html = _path(assistant, "notes.txt"), _path(assistant, "page.html")
    page = _page(assistant, executor, lambda subject, n, kind, should_stop: _notes_quiz(subject, other=page_html))
    page.open_quiz(notes)
    asyncio.run(page.quiz.start("mcq", 3))
    assert page.quiz.view.view["total"] == 2
    assert all(item.source.path == notes for item in page.quiz.session.quiz.items)


def test_generator_errors_are_shown_plainly(assistant: Assistant, executor: Any, caplog: Any) -> None:
    def refuses(subject: str, n: int, kind: QuizKind, should_stop: Callable[[], bool]) -> Quiz:
        raise QuizError("Nothing in this document can be asked as a fill-in-the-blank question; try multiple "
                        "choice.")

    def crashes(subject: str, n: int, kind: QuizKind, should_stop: Callable[[], bool]) -> Quiz:
        raise RuntimeError("boom in the generator")

    path = _path(assistant, "notes.txt")
    page = _page(assistant, executor, refuses)
    page.open_quiz(path)
    asyncio.run(page.quiz.start("cloze", 4))
    view = page.quiz.view.view
    assert view["phase"] == "error" and view["error"]["message"].startswith("Nothing in this document")

    page = _page(assistant, executor, crashes)
    page.open_quiz(path)
    asyncio.run(page.quiz.start("short", 4))
    view = page.quiz.view.view
    assert view["phase"] == "error" and "server log" in view["error"]["message"]
    assert "boom" not in str(view) and "Traceback" not in str(view)
    assert "making a quiz failed" in caplog.text  # the cause is in the server's log


def test_leaving_while_the_quiz_is_made_drops_it(assistant: Assistant, executor: Any) -> None:
    release = threading.Event()
    told_to_stop: list[bool] = []

    def slow(subject: str, n: int, kind: QuizKind, should_stop: Callable[[], bool]) -> Quiz:
        told_to_stop.append(should_stop())
        release.wait(10)
        told_to_stop.append(should_stop())  # a language model writing it stops before its next request
        return _notes_quiz(subject)

    page = _page(assistant, executor, slow)
    page.open_quiz(_path(assistant, "notes.txt"))

    async def run() -> None:
        task = asyncio.ensure_future(page.quiz.start("mcq", 2))
        await asyncio.sleep(0.05)
        assert page.quiz.view.view["phase"] == "making" and "2 multiple-choice questions" in (
            page.quiz.view.view["message"])
        page.quiz.leave()
        release.set()
        await task

    asyncio.run(run())
    assert page.quiz.session is None and not page.quiz.view.visible
    assert told_to_stop == [False, True]


def test_without_a_quiz_maker_there_is_no_quiz_me(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    assert not page.documents.quiz
    assert not page.open_quiz(_path(assistant, "notes.txt"))
