"""Question floods: limits per browser (a reload does not reset them), per signed-in user, per address
and overall; a forged browser cookie is no browser id."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.assistant import Assistant
from app.prompts import load_prompts
from app.query_log import QueryLog
from app.settings import Settings
from app.web.auth import Authenticator
from app.web.chat import ChatPage
from app.web.client_limits import Client, ClientLimiter
from ingest.sync import SyncOptions, sync

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter(settings: Settings, **limits: int) -> tuple[ClientLimiter, Clock]:
    clock = Clock()
    return ClientLimiter(settings.model_copy(update=limits), clock), clock


def test_reloading_the_page_does_not_reset_the_question_limit(settings, index, embedder, docs) -> None:  # noqa: ANN001
    sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    quiet = settings.model_copy(update={"moderation": False, "rate_limit_burst": 2, "rate_limit_per_minute": 2})
    assistant = Assistant(quiet, index, embedder, load_prompts(quiet.prompts_dir),
                          log=QueryLog(quiet.logs_dir / "queries.sqlite3"))
    limiter = ClientLimiter(quiet)
    browser = Client(browser="b-1", address="192.0.2.10")
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = ChatPage(assistant, pool, limiter=limiter, client=browser)
        for question in ("When is the help desk open?", "Who approves budget requests?"):
            exchange = asyncio.run(first.ask(question))
            assert exchange is not None and exchange.answer is not None
        reloaded = ChatPage(assistant, pool, limiter=limiter, client=browser)  # a new page session
        assert reloaded.session.session_id != first.session.session_id
        exchange = asyncio.run(reloaded.ask("When is the quarterly review?"))
    assert exchange is not None and exchange.answer is None
    error = exchange.view.info["error"]
    assert "from this browser" in error["message"] and "please wait 30 seconds" in error["message"]


def test_new_browsers_from_one_address_hit_the_address_limit(settings) -> None:  # noqa: ANN001
    limiter, _ = _limiter(settings, rate_limit_address_burst=3, rate_limit_per_address_per_minute=6)
    answers = [limiter.check(Client(browser=f"fresh-{i}", address="198.51.100.4")) for i in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None and "from your network address" in answers[3] and "10 seconds" in answers[3]
    assert limiter.check(Client(browser="other", address="198.51.100.5")) is None


def test_everyone_together_hit_the_global_limit(settings) -> None:  # noqa: ANN001
    limiter, clock = _limiter(settings, rate_limit_global_burst=5, rate_limit_global_per_minute=60)
    answers = [limiter.check(Client(browser=f"b{i}", address=f"203.0.113.{i}")) for i in range(6)]
    assert answers[:5] == [None] * 5 and answers[5] is not None and "Many people are asking" in answers[5]
    clock.now += 1.0
    assert limiter.check(Client(browser="b9", address="203.0.113.99")) is None


def test_a_signed_in_user_is_limited_across_browsers(settings) -> None:  # noqa: ANN001
    limiter, _ = _limiter(settings, rate_limit_burst=2, rate_limit_per_minute=2)
    assert limiter.check(Client(browser="laptop", user="ana", address="10.0.0.1")) is None
    assert limiter.check(Client(browser="phone", user="ana", address="10.0.0.2")) is None
    refused = limiter.check(Client(browser="tablet", user="ana", address="10.0.0.3"))
    assert refused is not None and "from your account" in refused


def test_a_question_that_must_wait_takes_no_token_anywhere(settings) -> None:  # noqa: ANN001
    limiter, _ = _limiter(settings, rate_limit_burst=1, rate_limit_per_minute=1, rate_limit_address_burst=2)
    assert limiter.check(Client(browser="a", address="10.9.9.9")) is None
    for _ in range(5):
        assert limiter.check(Client(browser="a", address="10.9.9.9")) is not None
    assert limiter.check(Client(browser="b", address="10.9.9.9")) is None  # the address still had a token


def test_a_forged_or_foreign_browser_cookie_is_no_browser_id(data_dir) -> None:  # noqa: ANN001
    auth = Authenticator(Settings(data_dir=data_dir, cookie_secret="s" * 32))
    browser, value = auth.make_browser_id()
    assert auth.read_browser(value) == browser
    assert auth.read_browser("attacker-chosen-id") is None
    other = Authenticator(Settings(data_dir=data_dir, cookie_secret="t" * 32))
    assert other.read_browser(value) is None
