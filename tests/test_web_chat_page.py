"""The chat page without a browser: what one session shows and remembers, and the HTML it is given.

The browser tests (test_web_chat.py) drive the real page; these check the same behaviour in-process, in
seconds, including the cases a browser test cannot stage cheaply (an empty index, a crash in the
pipeline) and the escaping of untrusted text.
"""

from __future__ import annotations

import asyncio
import threading
import time
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
    page.header.collection = "handbook"
    assert ask(page, "When is the help desk open?").collection == "handbook"
    page.header.collection = "elsewhere"  # e.g. removed by an admin while the page was open
    error = page.feed.objects[-1].info["error"]
    assert error["title"] == "The collection 'elsewhere' does not exist" and "handbook" in error["message"]
    assert page.session.collection is None and page.header.collection == ""


def test_empty_index_says_what_to_do(settings: Any, index: Any, embedder: Any, executor: Any) -> None:
    page = ChatPage(make_assistant(settings, index, embedder), executor)
    assert "No documents are indexed yet" in page.welcome.html and page.welcome.examples == []
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


# --- saved chats, documents, stopping (issue 15) --------------------------------------------------
@pytest.fixture
def history(settings: Any) -> Any:
    from app.chat_history import ChatHistory

    store = ChatHistory(settings.logs_dir / "chats.sqlite3")
    yield store
    store.close()


def test_a_chat_is_saved_and_a_new_page_of_the_same_browser_reopens_it(
    assistant: Assistant, executor: Any, history: Any
) -> None:
    page = ChatPage(assistant, executor, history=history, owner="browser:one")
    ask(page, "When is the help desk open?")
    ask(page, "And on public holidays?")
    [saved] = history.chats("browser:one")
    assert saved.title == "When is the help desk open?" and saved.turns == 2
    assert history.chats("browser:other") == []  # another browser sees nothing

    again = ChatPage(assistant, executor, history=history, owner="browser:one")  # a reload
    assert again.chat_id == saved.id and [e.question for e in again._exchanges] == [
        "When is the help desk open?", "And on public holidays?"]
    restored = again._exchanges[0]
    assert "9:00" in restored.view.answer_html and restored.view.info["citations"]
    again.show_source(restored, restored.view.info["citations"][0]["n"])
    assert again.source.passage["highlight"].startswith("The help desk is open")
    assert len(again.session.history) == 2  # follow-ups still read against the reopened chat
    assert [e.view.last for e in again._exchanges] == [False, True]
    stranger = ChatPage(assistant, executor, history=history, owner="browser:other")
    assert not stranger.open_chat(saved.id) and stranger._exchanges == []


def test_rename_export_and_delete(assistant: Assistant, executor: Any, history: Any) -> None:
    page = ChatPage(assistant, executor, history=history, owner="browser:one")
    exchange = ask(page, "When is the help desk open?")
    chat_id = page.chat_id
    page.rename_chat(chat_id, "  Help   desk  ")
    assert page.chats.chats[0]["title"] == "Help desk"
    text = page.export_chat(chat_id)
    citation = exchange.answer.citations[0]
    quote = " ".join(citation.text[citation.span[0]:citation.span[1]].split())
    assert text.startswith("# Help desk\n\n## When is the help desk open?\n")
    assert f"- [{citation.n}] page.html › Office hours" in text and f"  > {quote}" in text
    assert page.chats.download["name"] == "citewise-help-desk.md" and page.chats.download["text"] == text
    page.delete_chat(chat_id)
    assert history.chats("browser:one") == [] and page.chat_id is None and page._exchanges == []


def test_saved_questions_are_redacted_like_the_query_log(
    settings: Any, index: Any, embedder: Any, docs: Any, executor: Any, history: Any
) -> None:
    from app.moderation import Moderator

    sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    moderated = Assistant(settings, index, embedder, load_prompts(settings.prompts_dir),
                          moderator=Moderator(settings, embedder),
                          log=QueryLog(settings.logs_dir / "queries.sqlite3"))
    page = ChatPage(moderated, executor, history=history, owner="browser:one")
    ask(page, "My email is jane.doe@example.com, when is the help desk open?")
    [turn] = history.turns("browser:one", page.chat_id)
    [logged] = moderated.log.recent(1)
    assert "jane.doe@example.com" not in turn.question and "<EMAIL>" in turn.question
    assert turn.question == logged["question"]
    assert "jane.doe" not in history.chats("browser:one")[0].title


def test_regenerate_replaces_the_last_answer(assistant: Assistant, executor: Any, history: Any) -> None:
    page = ChatPage(assistant, executor, history=history, owner="browser:one")
    ask(page, "When is the help desk open?")
    first = ask(page, "What does the installer need?")
    again = asyncio.run(page.regenerate())
    assert again is not None and again is not first and again.answer is not None
    assert [e.question for e in page._exchanges] == ["When is the help desk open?", "What does the installer need?"]
    assert first.view not in page.feed.objects and again.view in page.feed.objects
    assert [t.question for t in history.turns("browser:one", page.chat_id)] == [
        "When is the help desk open?", "What does the installer need?"]
    assert len(page.session.history) == 2


def test_ask_about_one_document_scopes_the_search(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    paths = {d["name"]: d["path"] for d in page.documents.documents}
    assert {"install.md", "notes.txt", "page.html"} <= set(paths)
    entry = next(d for d in page.documents.documents if d["name"] == "install.md")
    assert entry["collection"] == "handbook" and entry["type"] == "markdown"
    page.set_scope(paths["notes.txt"])
    assert page.composer.scope == "notes.txt"
    scoped = ask(page, "When is the help desk open?")
    assert all(p.path == paths["notes.txt"] for p in scoped.passages.values())
    assert not any("9:00" in c.text for c in scoped.citations.values())
    page.set_scope(None)
    assert page.composer.scope == ""
    assert "9:00" in ask(page, "When is the help desk open?").view.answer_html
    page.set_scope("/no/such/file.md")
    assert page.feed.objects[-1].info["error"]["title"] == "This document is not in the index"
    assert page.composer.scope == "" and page.session.path_glob is None


def test_example_questions_come_from_the_documents_headings(assistant: Assistant, executor: Any) -> None:
    page = ChatPage(assistant, executor)
    examples = page.welcome.examples
    assert 1 <= len(examples) <= 3
    headings = [h.lower() for _, hs in assistant.index.section_headings() for h in hs]
    for question in examples:
        topic = question.removeprefix("What do the documents say about ").lower()
        assert any(topic.rstrip("?") in h or topic == h for h in headings), question


def test_example_questions_read_well() -> None:
    from app.web.chat_docs import example_questions

    sections = [("a.md", ["Guide", "Getting started"]), ("b.md", ["FAQ", "Where is my data stored?"]),
                ("c.pdf", ["Handbook", "2.1) Restoring a file"]), ("d.md", ["Title only"])]
    assert example_questions(sections) == [
        "What do the documents say about getting started?", "Where is my data stored?",
        "What do the documents say about restoring a file?",
    ]

class SlowStreamingLLM:
    """An LLM whose answer streams a word every 50 ms; records how far it got and whether it was closed."""

    def __init__(self) -> None:
        self.sent = 0
        self.closed = threading.Event()

    def stream(self, messages: Any, usage: dict[str, Any] | None = None) -> Any:
        try:
            for _ in range(400):
                time.sleep(0.05)
                self.sent += 1
                yield "word "
        finally:
            self.closed.set()

    def complete(self, messages: Any, usage: dict[str, Any] | None = None) -> Any:
        raise AssertionError("no follow-up rewrite in this test")


def _llm_assistant(assistant: Assistant) -> tuple[Assistant, SlowStreamingLLM]:
    llm = SlowStreamingLLM()
    slow = Assistant(assistant.settings, assistant.index, assistant.embedder, assistant.prompts, llm=llm,
                     log=assistant.log)
    return slow, llm


async def _until(condition: Any) -> None:
    for _ in range(600):  # a bound, not a speed target: the condition normally holds at once
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


@pytest.mark.parametrize("how", ["stop", "new_chat", "tab_closed"])
def test_stopping_an_answer_stops_its_worker_and_the_llm_stream(
    assistant: Assistant, executor: Any, how: str
) -> None:
    slow, llm = _llm_assistant(assistant)
    page = ChatPage(slow, executor)

    async def scenario() -> Any:
        task = asyncio.ensure_future(page.ask("When is the help desk open?"))
        await _until(lambda: llm.sent >= 3)
        assert page.composer.busy
        {"stop": page.stop, "new_chat": page.new_chat, "tab_closed": page.stop_all}[how]()
        exchange = await task
        await _until(llm.closed.is_set)
        return exchange

    exchange = asyncio.run(scenario())
    sent = llm.sent
    time.sleep(0.3)
    assert llm.sent == sent < 400  # nothing more was read from the LLM after the stop
    assert exchange.answer is None and not page.composer.busy
    if how == "stop":
        assert exchange.view.info["notice"] == "Stopped: the answer was not finished." and not exchange.view.live
    assert page.session.history == []


def test_saved_chats_follow_the_signed_in_user_else_the_browser() -> None:
    from app.web.chat import history_owner

    assert history_owner("alice", "b1") == history_owner("alice", "b2") == "user:alice"
    assert history_owner(None, "b1") == "browser:b1" and history_owner(None, None) is None
