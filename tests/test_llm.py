"""The LLM client against a local server speaking the OpenAI wire protocol: streaming, retries, fallback."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from app.llm import ChatLLM, LLMUnavailable, llm_configured
from tests.openai_server import Reply


@pytest.fixture
def llm_settings(settings, server):  # noqa: ANN001, ANN201
    return settings.model_copy(update={
        "llm_base_url": server.base_url, "llm_model": "test-model", "llm_timeout_s": 1.0,
        "llm_max_retries": 2, "price_input_per_mtok": 1.0, "price_output_per_mtok": 2.0,
    })


MESSAGES = [SystemMessage("Be brief."), HumanMessage("What is the answer?")]


def test_streams_the_reply_and_records_usage_and_cost(llm_settings, server) -> None:  # noqa: ANN001
    server.script.append(Reply("The answer is forty two [1]."))
    usage: dict = {}
    pieces = list(ChatLLM(llm_settings).stream(MESSAGES, usage))
    assert len(pieces) > 1, "the reply should arrive in several pieces"
    assert "".join(pieces) == "The answer is forty two [1]."
    sent = server.requests[0]["body"]
    assert sent["stream"] is True and sent["model"] == "test-model"
    assert [m["content"] for m in sent["messages"]] == ["Be brief.", "What is the answer?"]
    assert usage["completion_tokens"] == 6 and usage["prompt_tokens"] == 6
    assert usage["cost_usd"] == pytest.approx((6 * 1.0 + 6 * 2.0) / 1e6)


def test_a_429_is_retried_and_then_answers(llm_settings, server) -> None:  # noqa: ANN001
    server.script += [Reply(status=429), Reply(status=503), Reply("Recovered.")]
    assert "".join(ChatLLM(llm_settings).stream(MESSAGES)) == "Recovered."
    assert len(server.requests) == 3


def test_gives_up_after_the_configured_retries(llm_settings, server) -> None:  # noqa: ANN001
    server.script += [Reply(status=429)] * 5
    with pytest.raises(LLMUnavailable) as info:
        list(ChatLLM(llm_settings).stream(MESSAGES))
    assert "429" in info.value.reason and "2 retries" in info.value.reason
    assert len(server.requests) == 3  # the first try and two retries


def test_a_timeout_becomes_a_readable_reason(llm_settings, server) -> None:  # noqa: ANN001
    server.script += [Reply("late", hang_s=3.0)] * 3
    with pytest.raises(LLMUnavailable) as info:
        list(ChatLLM(llm_settings.model_copy(update={"llm_max_retries": 0})).stream(MESSAGES))
    assert "timed out" in info.value.reason


def test_client_errors_are_not_retried(llm_settings, server) -> None:  # noqa: ANN001
    server.script += [Reply(status=401), Reply("never")]
    with pytest.raises(LLMUnavailable) as info:
        list(ChatLLM(llm_settings).stream(MESSAGES))
    assert "401" in info.value.reason and "check OPENAI_API_KEY" in info.value.reason  # what to fix
    assert len(server.requests) == 1
    server.script[:] = [Reply(status=404)]
    with pytest.raises(LLMUnavailable) as info:
        list(ChatLLM(llm_settings).stream(MESSAGES))
    assert "check CITEWISE_LLM_MODEL" in info.value.reason


def test_the_key_goes_in_the_header_and_nowhere_in_the_reason(llm_settings, server) -> None:  # noqa: ANN001
    from pydantic import SecretStr

    configured = llm_settings.model_copy(update={"openai_api_key": SecretStr("sk-test-secret")})
    server.script += [Reply(status=500)] * 3
    with pytest.raises(LLMUnavailable) as info:
        list(ChatLLM(configured).stream(MESSAGES))
    assert server.requests[0]["authorization"] == "Bearer sk-test-secret"
    assert "sk-test-secret" not in info.value.reason


def test_configured_only_with_a_key_or_a_base_url(settings) -> None:  # noqa: ANN001
    assert not llm_configured(settings)
    assert llm_configured(settings.model_copy(update={"llm_base_url": "http://localhost:11434/v1"}))
