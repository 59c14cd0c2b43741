"""The quiz in the browser, against `python -m app serve` with the real quiz generator on a small document.

A reader asks a question, opens "Quiz me" from the documents panel, answers one question right and one
wrong, reads the cited passage, gets the score, retries the missed question, downloads the quiz and
goes back to the conversation. Fails on a browser console error, an uncaught page error or a traceback
in the server log; screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web_fixtures import (
    BROWSER_TESTS,
    SCREENSHOTS,
    ChatServer,
    chromium_browser,
    launch_chat_server,
    server_env,
)

pytestmark = BROWSER_TESTS

TIMEOUT_MS = 60_000
HANDBOOK = """# Greenhouse handbook

## Watering

The orchid greenhouse is watered every Tuesday with rainwater from the north tank.
Seedlings in the propagation room are misted twice a day by the automatic sprinklers.

## People

Margaret Okafor leads the orchid team and keeps the pollination records.
Tomasz Wierzbicki repairs the irrigation pumps and orders the spare valves.
Visitors sign in at the Palm Pavilion before they enter any glasshouse.
The compost yard is managed by Ingrid Solberg and two volunteers from the village.
"""


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def quiz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    """A chat (no LLM: quizzes made offline) on one small indexed Markdown document."""
    home = tmp_path_factory.mktemp("quiz")
    folder = home / "garden"
    folder.mkdir()
    (folder / "greenhouse-handbook.md").write_text(HANDBOOK, encoding="utf-8")
    data_dir = home / "data"
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "sync", str(folder), "--collection", "garden"],
        cwd=home, env=server_env(data_dir, moderation="false"), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    server = launch_chat_server(data_dir, home, home / "server.log", moderation="false")
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as chromium:
        yield chromium


def _right_choice(question: str, choices: list[str]) -> int:
    """The choice that fills the blank with the document's own words (the reader knows the handbook)."""
    text = _flat(HANDBOOK)
    fits = [i for i, choice in enumerate(choices) if _flat(question.replace("_____", choice)) in text]
    assert len(fits) == 1, (question, choices)
    return fits[0]


def test_a_reader_takes_a_quiz_from_the_documents_panel(browser: Any, quiz_server: ChatServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.goto(quiz_server.url)
        box = page.locator("textarea")
        box.fill("Who repairs the irrigation pumps?")
        box.press("Enter")
        page.locator("article.answer.done").first.wait_for(timeout=TIMEOUT_MS)

        page.locator("button.documents-toggle").click()
        doc = page.locator("aside.docs-view li.doc", has_text="greenhouse-handbook.md")
        doc.locator("button.quiz-me").click()
        quiz = page.locator("section.quiz-view")
        setup = quiz.locator("form.quiz-setup")
        setup.wait_for()
        assert page.locator("aside.docs-view").is_hidden() and box.is_hidden()  # the quiz replaces the chat
        assert setup.locator("input[value=mcq]").is_checked()  # defaults: 10 multiple-choice questions
        assert setup.locator("input.quiz-count").input_value() == "10"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "30-quiz-setup.png"))
        setup.locator("button.quiz-start").click()

        card = quiz.locator("article.quiz-card")
        card.wait_for(timeout=TIMEOUT_MS)
        progress = quiz.locator(".quiz-progress").inner_text()
        total = int(re.search(r"Question 1 of (\d+)", progress).group(1))  # type: ignore[union-attr]
        assert 2 <= total <= 10
        if total < 10:  # the generator's note says why there are fewer
            assert "Only" in quiz.locator(".notice").first.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "31-quiz-question.png"))

        def question_and_choices() -> tuple[str, list[str]]:
            return card.locator(".quiz-question").inner_text(), card.locator("button.choice").all_inner_texts()

        # 1: answered right
        question, choices = question_and_choices()
        right = _right_choice(question, choices)
        card.locator("button.choice").nth(right).click()
        verdict = quiz.locator(".verdict")
        verdict.wait_for()
        assert verdict.inner_text().startswith("Right.")
        source = quiz.locator(".quiz-source")
        assert "greenhouse-handbook.md" in source.locator(".quiz-source-label").inner_text()
        assert "People" in source.locator(".quiz-source-label").inner_text()  # the heading
        mark = _flat(source.locator("mark").inner_text())
        assert mark == _flat(question.replace("_____", choices[right]))  # the supporting sentence
        assert mark in _flat(source.locator(".passage").inner_text())
        source.locator("button.quiz-open-source").click()  # the chat's source panel, with the file link
        panel = page.locator("aside.source-view")
        panel.locator("mark").wait_for()
        assert _flat(panel.locator("mark").inner_text()) == mark
        response = page.request.get(quiz_server.url + str(panel.locator("a.open-file").get_attribute("href")))
        assert response.ok and "Margaret Okafor" in response.text()
        panel.locator("button.close").click()
        quiz.locator("button.quiz-next").click()

        # 2: answered wrong
        quiz.locator(".quiz-progress", has_text="Question 2 of").wait_for()
        question, choices = question_and_choices()
        right = _right_choice(question, choices)
        wrong = (right + 1) % len(choices)
        card.locator("button.choice").nth(wrong).click()
        verdict.wait_for()
        text = verdict.inner_text()
        assert text.startswith("Not quite.") and f"The answer: {choices[right]}" in text
        assert f"You answered: {choices[wrong]}" in text
        assert "wrong" in (card.locator("button.choice").nth(wrong).get_attribute("class") or "")
        assert _flat(source.locator("mark").inner_text()) == _flat(question.replace("_____", choices[right]))
        page.screenshot(path=str(SCREENSHOTS / "32-quiz-wrong-answer.png"))

        # the rest: answered right
        for number in range(3, total + 1):
            quiz.locator("button.quiz-next").click()
            quiz.locator(".quiz-progress", has_text=f"Question {number} of").wait_for()
            question, choices = question_and_choices()
            card.locator("button.choice").nth(_right_choice(question, choices)).click()
            verdict.wait_for()
        quiz.locator("button.quiz-next", has_text="See your score").click()
        score = quiz.locator(".quiz-score")
        score.wait_for()
        assert _flat(score.inner_text()).startswith(f"Your score: {total - 1} of {total}")
        assert choices and "Missed (1)" in quiz.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "33-quiz-score.png"))

        with page.expect_download() as download_info:
            quiz.locator("button.quiz-download[data-format=markdown]").click()
        markdown = Path(download_info.value.path()).read_text(encoding="utf-8")
        assert markdown.startswith("# Quiz") and "Answer key" in markdown
        with page.expect_download() as download_info:
            quiz.locator("button.quiz-download[data-format=anki]").click()
        assert download_info.value.suggested_filename.endswith(".csv")

        # retry the missed one
        quiz.locator("button.quiz-retry", has_text="Retry the 1 you missed").click()
        quiz.locator(".quiz-progress", has_text="Question 1 of 1").wait_for()
        question, choices = question_and_choices()
        card.locator("button.choice").nth(_right_choice(question, choices)).click()
        verdict.wait_for()
        quiz.locator("button.quiz-next").click()
        score.wait_for()
        assert _flat(score.inner_text()).startswith("Your score: 1 of 1")
        assert f"First try: {total - 1} of {total}" in score.inner_text()
        assert quiz.locator("button.quiz-retry").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "34-quiz-retried.png"))

        # back to the conversation, as it was
        quiz.locator("button.quiz-leave").click()
        box.wait_for()
        assert quiz.is_hidden()
        assert page.locator(".bubble").all_inner_texts() == ["Who repairs the irrigation pumps?"]
        assert "Tomasz Wierzbicki" in page.locator("article.answer.done").first.inner_text()
        assert not errors, errors
        log = quiz_server.log()
        assert "Traceback" not in log and " ERROR " not in log, log
    finally:
        context.close()
