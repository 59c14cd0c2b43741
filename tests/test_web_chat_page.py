"""The chat page without a browser: what one session shows and remembers, and the HTML it is given.

The browser tests (test_web_chat.py) drive the real page; these check the same behaviour in-process, in
seconds, including the cases a browser test cannot stage cheaply (an empty index, a crash in the
pipeline) and the escaping of untrusted text.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.assistant import Assistant
from app.errors import UserError
from app.prompts import load_prompts
from app.query_log import QueryLog
from app.web.chat import ChatPage
from app.web.chat_render import answer_html, citation_source, reflow
from ingest.sync import SyncOptions, sync

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def executor() -> Any:
    pool = ThreadPoolExecutor(max_workers=2)
    yield pool
    pool.shutdown(wait=True)


def make_assistant(settings: Any, index: Any, embedder: Any) -> Assistant:
    settings = settings.model_copy(update={"moderation": False})
    log = QueryLog(settings.logs_dir / "queries.sqlite3")
    return Assistant(settings, index, embedder, load_prompts(settings.prompts_dir), log=log)


@pytest.fixture
def assistant(settings: Any, index: Any, embedder: Any, docs: Any) -> Assistant:
    report = sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    assert not report.failed
    return make_assistant(settings, index, embedder)


def ask(page: ChatPage, question: str) -> Any:
    exchange = asyncio.run(page.ask(question))
    assert exchange is not None
    return exchange


# --- escaping and markers -------------------------------------------------------------------------
def test_answer_html_escapes_html_and_renders_no_links_or_images() -> None:
    text = ('<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) '
            '![pixel](http://tracker.example/p.png) <http://example.com> **Bold** claim [1].')
    html = answer_html(text, {1})
    assert "<script" not in html and "<img" not in html and "href=\"javascript" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<a href=\"http" not in html
    assert "<strong>Bold</strong>" in html
    assert html.count('class="cite"') == 1 and 'data-n="1"' in html


def test_markers_link_only_known_passages_and_never_inside_code() -> None:
    html = answer_html("Run `make [2]` first [1][3]. See [1, 2].", {1, 2})
    assert html.count('class="cite"') == 3  # [1], then [1] and [2] of the group; [3] is unknown
    assert "<code>make [2]</code>" in html and "[3]" in html


def test_source_highlight_is_the_supporting_sentence(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    exchange = ask(page, "When is the help desk open?")
    [citation] = list(exchange.citations.values())[:1]
    payload = citation_source(citation, "handbook", page.file_url(citation.path, citation.page))
    assert payload["highlight"] == reflow(citation.text[citation.span[0]:citation.span[1]])
    assert payload["highlight"].startswith("The help desk is open from 9:00")
    assert payload["before"] + payload["highlight"] + payload["after"] == reflow(citation.text)
    row = assistant.index.file(citation.path)
    assert payload["url"] == f"files/{assistant.index.file_token(row.id)}"


def test_reflow_joins_wrapped_lines_but_keeps_paragraphs_and_lists() -> None:
    assert reflow("one line\nwrapped.\n\nNext\n- a\n- b") == "one line wrapped.\n\nNext\n- a\n- b"


# --- one session ----------------------------------------------------------------------------------
def test_a_question_gets_a_cited_answer_and_the_source_panel(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    exchange = ask(page, "When is the help desk open?")
    view = exchange.view
    assert view.progress == "" and not view.live
    assert "9:00" in view.answer_html and 'class="cite"' in view.answer_html
    info = view.info
    assert info["done"] and info["mode"] == "offline" and info["query_id"]
    assert info["citations"][0]["label"] == "page.html · Office hours"
    assert "Quoting your documents" in info["notice"]
    assert info["retrieval"]["passages"] >= 1 and info["retrieval"]["timings"]

    page.show_source(exchange, info["citations"][0]["n"])
    assert page.source.visible and page.source.passage["file_name"] == "page.html"
    assert page.source.passage["highlight"].startswith("The help desk is open")


def test_follow_ups_use_the_session_history_and_new_chat_forgets_it(
    assistant: Assistant, executor: Any
) -> None:
    page, other = ChatPage(assistant, executor), ChatPage(assistant, executor)
    ask(page, "When is the help desk open?")
    follow_up = ask(page, "And on public holidays?")
    assert follow_up.answer.rewritten_query and "help" in follow_up.answer.rewritten_query
    assert len(page.session.history) == 2 and other.session.history == []
    page.new_chat()
    assert page.session.history == [] and page.feed.objects == [page.welcome]


def test_feedback_goes_to_the_query_log(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    exchange = ask(page, "When is the help desk open?")
    page.give_feedback(exchange, -1, None)
    assert exchange.view.feedback["rating"] == -1 and not exchange.view.feedback["commented"]
    page.give_feedback(exchange, -1, "  too short  ")
    [row] = [r for r in assistant.log.recent() if r["id"] == exchange.answer.query_id]
    assert row["rating"] == -1 and row["comment"] == "too short"


def test_collection_picker_scopes_the_search(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    assert page.header.collections == ["handbook"]
    page.header.collection = "elsewhere"
    exchange = ask(page, "When is the help desk open?")
    assert exchange.view.info["mode"] == "no-answer" and exchange.collection == "elsewhere"


def test_empty_index_says_what_to_do(settings: Any, index: Any, embedder: Any, executor: Any) -> None:
    page = ChatPage(make_assistant(settings, index, embedder), executor)
    assert "No documents are indexed yet" in page.welcome.object
    exchange = ask(page, "Anything there?")
    error = exchange.view.info["error"]
    assert error["title"] == "No documents are indexed yet" and "python -m ingest sync" in error["message"]


def test_pipeline_errors_become_friendly_messages(
    assistant: Assistant, executor: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    page = ChatPage(assistant, executor)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise UserError("the vector store at http://localhost:8000 is not reachable: start it")
        yield  # pragma: no cover - makes this a generator like Assistant.stream

    monkeypatch.setattr(assistant, "stream", broken)
    error = ask(page, "When is the help desk open?").view.info["error"]
    assert error["title"] == "This question could not be answered"
    assert error["message"].startswith("The vector store at http://localhost:8000 is not reachable")

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(assistant, "stream", crash)
    error = ask(page, "When is the help desk open?").view.info["error"]
    assert error["title"] == "Something went wrong while answering" and "boom" not in error["message"]
    assert "boom" in caplog.text  # the details go to the server log, not to the reader
