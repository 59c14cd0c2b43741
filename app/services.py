"""The composition root: every store and model of one process, opened once and shared.

`build_services(settings)` is the only place that decides which index, logs, embedder, retriever,
moderator, LLM client and assistant a process uses. The CLIs, the web chat, the admin console, /metrics,
the evaluations and the benchmarks all take what they need from it, so one process never holds two
copies of a store (two SQLite connections to the same catalog, two retriever caches, two rate limiters).
Everything is opened on first use: `python -m ingest stats` does not load the embedding model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from app.settings import Settings

if TYPE_CHECKING:
    from app.assistant import Assistant
    from app.chat_history import ChatHistory
    from app.embeddings import MiniLMEmbedder
    from app.index import KnowledgeIndex
    from app.moderation import Moderator
    from app.moderation.audit import AuditLog
    from app.moderation.passage_scan import PassageScan
    from app.prompts import PromptLibrary
    from app.query_log import QueryLog
    from app.retrieval import Retriever
    from ingest.sync import SyncOptions

T = TypeVar("T")


class _Shared(Generic[T]):
    """A read-only attribute computed once per `Services` (under its lock) on first access."""

    def __init__(self, make: Callable[[Any], T]) -> None:
        self.make = make
        self.name = make.__name__
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        with obj._lock:
            if self.name not in obj._opened:
                obj._opened[self.name] = self.make(obj)
            return obj._opened[self.name]  # type: ignore[no-any-return]


class Services:
    """Everything one process opens from its settings, each opened once, on first use."""

    def __init__(self, settings: Settings, llm: Any | None = None, moderator: Any | None = None) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._opened: dict[str, Any] = {}
        self.on_lock_wait: Callable[[str], None] | None = None  # told when a write waits for another writer
        if llm is not None:
            self._opened["llm"] = llm
        if moderator is not None:
            self._opened["moderator"] = moderator

    @property
    def audit_path(self) -> Path:
        """The moderation audit log's file (it may not exist yet)."""
        return self.settings.logs_dir / "audit.sqlite3"

    @property
    def query_log_path(self) -> Path:
        """The query log's file."""
        return self.settings.logs_dir / "queries.sqlite3"

    @_Shared
    def index(self) -> KnowledgeIndex:
        """The knowledge index (catalog, keyword index and vectors)."""
        from app.index import KnowledgeIndex

        index = KnowledgeIndex(self.settings)
        index.on_lock_wait = self.on_lock_wait
        return index

    @_Shared
    def query_log(self) -> QueryLog:
        """Questions, answers, feedback and the answer cache."""
        from app.query_log import QueryLog

        return QueryLog(self.query_log_path)

    @_Shared
    def chat_history(self) -> ChatHistory:
        """Saved conversations of the web chat, per signed-in user or browser."""
        from app.chat_history import ChatHistory

        return ChatHistory(self.settings.logs_dir / "chats.sqlite3")

    @_Shared
    def audit_log(self) -> AuditLog:
        """The moderation audit log."""
        from app.moderation.audit import AuditLog

        return AuditLog(self.audit_path)

    @_Shared
    def embedder(self) -> MiniLMEmbedder:
        """The embedding model (shared with the moderation classifier)."""
        from app.embeddings import get_embedder

        return get_embedder(self.settings)

    @_Shared
    def retriever(self) -> Retriever:
        """Hybrid retrieval over the index (the chat and the console's retrieval tester share it)."""
        from app.retrieval import Retriever

        return Retriever(self.index, self.embedder, self.settings)

    @_Shared
    def moderator(self) -> Moderator | None:
        """Input, output and document moderation, or None when CITEWISE_MODERATION is off."""
        if not self.settings.moderation:
            return None
        from app.moderation import Moderator

        return Moderator(self.settings, self.embedder, self.audit_log)

    @_Shared
    def prompts(self) -> PromptLibrary:
        """The prompt templates, checked (variables, A/B variants) when first loaded."""
        from app.prompts import load_prompts, validate_ab

        prompts = load_prompts(self.settings.prompts_dir)
        validate_ab(prompts, self.settings.prompt_ab)
        return prompts

    @_Shared
    def llm(self) -> Any | None:
        """The LLM client, or None when no LLM is configured (answers quote the documents)."""
        from app.llm import ChatLLM, llm_configured

        return ChatLLM(self.settings) if llm_configured(self.settings) else None

    @_Shared
    def assistant(self) -> Assistant:
        """The question-answering pipeline."""
        from app.assistant import Assistant

        return Assistant(self.settings, self.index, self.embedder, self.prompts, llm=self.llm,
                         moderator=self.moderator, log=self.query_log, retriever=self.retriever)

    def passage_scanner(self) -> PassageScan | None:
        """The ingest-time scan that flags instructions hidden in documents (indirect injection), or None
        when moderation is off. The CLI, the console's uploads and the benchmarks all sync with it.

        It reads the vectors the index has just computed for the new passages, so a classifier on those
        vectors costs no second embedding; the injection classifier is not consulted on documents yet
        (trained on chat messages, at its blocking threshold it flagged 5 of 1,739 passages of four real
        SEC filings), so documents are judged by the document rules."""
        moderator = self.moderator
        if moderator is None:
            return None
        from app.moderation.passage_scan import PassageScanner

        return PassageScanner(moderator, classifier=None).scan

    def sync_options(self, collection: str | None = None, **options: Any) -> SyncOptions:
        """Sync options with every limit taken from settings (collection, chunk sizes, file limits, parse
        workers) plus `options`."""
        from ingest.sync import SyncOptions

        return SyncOptions.from_settings(self.settings, collection=collection, **options)


def build_services(settings: Settings, llm: Any | None = None, moderator: Any | None = None) -> Services:
    """The services of one process (`llm`/`moderator` replace the configured ones, e.g. in tests)."""
    return Services(settings, llm=llm, moderator=moderator)
