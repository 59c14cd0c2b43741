"""The answering pipeline end to end over a real index: prompts sent, citations verified, no-answer,
follow-ups, the offline answerer, the answer cache, the query log and LLM fallback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.assistant import Assistant, Turn, rule_rewrite
from app.llm import LLMUnavailable
from app.prompts import load_prompts
from app.query_log import QueryLog
from ingest.sync import SyncOptions, sync
from tests.fakes import FakeChatModel

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def indexed(index, embedder, docs):  # noqa: ANN001, ANN201
    report = sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    assert not report.failed
    return index


def make_assistant(settings, index, embedder, llm=None, **overrides) -> Assistant:  # noqa: ANN001
    settings = settings.model_copy(update={"moderation": False, **overrides})
    log = QueryLog(settings.logs_dir / "queries.sqlite3")
    return Assistant(settings, index, embedder, load_prompts(settings.prompts_dir), llm=llm, log=log)


def test_llm_gets_the_system_prompt_and_fenced_numbered_passages(settings, indexed, embedder) -> None:  # noqa: ANN001
    llm = FakeChatModel("The help desk is open from 9:00 to 17:00 on weekdays [1].")
    assistant = make_assistant(settings, indexed, embedder, llm)
    answer = assistant.ask("When is the help desk open?")
    system, user = llm.history[0]
    assert system.content == load_prompts(settings.prompts_dir).get("system").render()
    assert "When is the help desk open?" in user.content
    assert re.search(r'\[1\] page\.html.*\n<quote n="1" trust="untrusted">\nThe help desk is open', user.content)
    assert user.content.count("<quote n=") == len(answer.passages)
    assert answer.mode == "llm" and not answer.no_answer
    [citation] = answer.citations
    assert citation.file_name == "page.html" and citation.supported
    assert citation.text[citation.span[0]:citation.span[1]].startswith("The help desk is open from 9:00")
    assert answer.prompt_variant == "answer:v1"
    assert answer.usage["model"] == "fake"


def test_markers_to_missing_passages_are_dropped_and_unsupported_claims_flagged(  # noqa: ANN001
    settings, indexed, embedder
) -> None:
    llm = FakeChatModel(
        "The help desk is open from 9:00 to 17:00 on weekdays [1]. "
        "The help desk serves free coffee to every visitor [1]. Ask the finance team [42]."
    )
    answer = make_assistant(settings, indexed, embedder, llm).ask("When is the help desk open?")
    assert "[42]" not in answer.text
    assert any("free coffee" in claim for claim in answer.unverified)
    assert not any("9:00 to 17:00" in claim for claim in answer.unverified)
    assert [c.n for c in answer.citations] == [1]


def test_no_answer_cites_nothing_and_never_calls_the_llm(settings, indexed, embedder) -> None:  # noqa: ANN001
    llm = FakeChatModel()  # no reply queued: a call would fail the test
    answer = make_assistant(settings, indexed, embedder, llm).ask("What is the capital of Mongolia?")
    assert answer.no_answer and answer.mode == "no-answer"
    assert answer.citations == [] and answer.passages == []
    assert "do not cover" in answer.text
    assert answer.possibly_related, "the closest passages are offered as possibly related"
    assert llm.history == []


def test_offline_answer_quotes_cited_passages_verbatim(settings, indexed, embedder) -> None:  # noqa: ANN001
    answer = make_assistant(settings, indexed, embedder).ask("How much memory does Foobar need?")
    assert answer.mode == "offline"
    assert "Quoting your documents" in (answer.notice or "")
    assert answer.citations and not answer.unverified
    by_n = {p.n: p for p in answer.passages}
    for sentence, numbers in re.findall(r"(.+?)\s*((?:\[\d+\])+)\s*", answer.text):
        for n in map(int, re.findall(r"\d+", numbers)):
            assert sentence.strip() in by_n[n].text, f"{sentence!r} is not in passage [{n}]"
    assert "2 GB of memory" in answer.text


def test_follow_up_is_rewritten_by_the_llm_with_the_condense_prompt(settings, indexed, embedder) -> None:  # noqa: ANN001
    llm = FakeChatModel("How do I install Foobar on Windows?", "Double-click setup.exe and follow the wizard [1].")
    history = [Turn("How do I install Foobar on Linux?", "Run make install in the source folder [1].")]
    answer = make_assistant(settings, indexed, embedder, llm).ask("and on Windows?", history)
    condense = llm.history[0][0].content
    assert "How do I install Foobar on Linux?" in condense and "and on Windows?" in condense
    assert answer.rewritten_query == "How do I install Foobar on Windows?"
    assert "How do I install Foobar on Windows?" in llm.history[1][1].content
    assert answer.citations[0].headings[-1] == "On Windows"


def test_follow_up_without_llm_uses_the_rule_rewrite(settings, indexed, embedder) -> None:  # noqa: ANN001
    history = [Turn("When does the quarterly review happen?", "Every March, June, September and December [1].")]
    assert rule_rewrite("and the budget requests?", history) is not None
    answer = make_assistant(settings, indexed, embedder).ask("and the budget requests?", history)
    assert answer.rewritten_query and "quarterly" in answer.rewritten_query
    assert any("two weeks before the review" in c.text for c in answer.citations)


def test_llm_failure_falls_back_to_quotes_with_a_notice(settings, indexed, embedder) -> None:  # noqa: ANN001
    llm = FakeChatModel(LLMUnavailable("rate limited (HTTP 429) after 3 retries"))
    answer = make_assistant(settings, indexed, embedder, llm).ask("When is the help desk open?")
    assert answer.mode == "llm-fallback"
    assert "rate limited (HTTP 429)" in (answer.notice or "")
    assert answer.citations and "9:00" in answer.text


def test_second_identical_question_is_a_cache_hit(settings, indexed, embedder) -> None:  # noqa: ANN001
    llm = FakeChatModel("The help desk is open from 9:00 to 17:00 on weekdays [1].")
    assistant = make_assistant(settings, indexed, embedder, llm)
    first = assistant.ask("When is the help desk open?")
    second = assistant.ask("when is the help desk open")
    assert not first.cache_hit and second.cache_hit
    assert second.text == first.text and len(llm.history) == 1
    assert second.citations


def test_every_answer_is_logged_for_the_console(settings, indexed, embedder) -> None:  # noqa: ANN001
    assistant = make_assistant(settings, indexed, embedder)
    answer = assistant.ask("How much memory does Foobar need?", session_id="s-1")
    assistant.ask("What is the capital of Mongolia?", session_id="s-1")
    rows = {r["question"]: r for r in QueryLog(settings.logs_dir / "queries.sqlite3").recent()}
    logged = rows["How much memory does Foobar need?"]
    assert logged["id"] == answer.query_id and logged["mode"] == "offline" and logged["session"] == "s-1"
    assert logged["passages"][0]["path"].endswith("install.md")
    assert rows["What is the capital of Mongolia?"]["no_answer"]
    assert set(answer.timings) >= {"retrieve_ms", "answer_ms", "verify_ms", "total_ms"}


def test_ab_variant_is_stable_per_session_and_recorded(settings, indexed, embedder) -> None:  # noqa: ANN001
    replies = ["The help desk is open from 9:00 to 17:00 on weekdays [1]."] * 40
    llm = FakeChatModel(*replies)
    assistant = make_assistant(settings, indexed, embedder, llm, prompt_ab="answer@concise:0.5",
                               answer_cache=False)
    seen = {assistant.ask("When is the help desk open?", session_id=f"s{i}").prompt_variant for i in range(12)}
    assert seen == {"answer:v1", "answer@concise:v1"}
    again = {assistant.ask("When is the help desk open?", session_id="s3").prompt_variant for _ in range(3)}
    assert len(again) == 1


def test_stream_yields_deltas_then_a_final_answer(settings, indexed, embedder) -> None:  # noqa: ANN001
    llm = FakeChatModel("The help desk is open from 9:00 to 17:00 on weekdays [1].", chunk_size=5)
    events = list(make_assistant(settings, indexed, embedder, llm).stream("When is the help desk open?"))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "final" and kinds.count("delta") > 3 and "retrieval" in kinds
    streamed = "".join(e.text for e in events if e.kind == "delta")
    assert streamed == events[-1].answer.text


def test_collection_filter_scopes_the_search(settings, indexed, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    answer = make_assistant(settings, indexed, embedder).ask(
        "When is the help desk open?", filters=__import__("app.retrieval", fromlist=["Filters"]).Filters(
            collection="nothing-here"))
    assert answer.no_answer and not answer.citations


def test_rule_rewrite_leaves_standalone_questions_alone() -> None:
    history = [Turn("How do I install Foobar on Linux?", "Run make install [1].")]
    assert rule_rewrite("What is the capital of Mongolia?", history) is None
    assert rule_rewrite("and on Windows?", history) is not None
    assert rule_rewrite("how often?", history) is not None
    assert rule_rewrite("and on Windows?", []) is None
