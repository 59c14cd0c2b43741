"""All of citewise's configuration, in one place.

Every field reads from an environment variable `CITEWISE_<FIELD>` (or a `.env` file in the working
directory). Each one is documented, with its default, in `.env.example`; a test keeps the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedBackend = Literal["onnx-int8", "onnx", "torch"]


class Settings(BaseSettings):
    """citewise settings; `CITEWISE_DATA_DIR` relocates all state (index, logs, model cache)."""

    model_config = SettingsConfigDict(
        env_prefix="CITEWISE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- state on disk -------------------------------------------------------------------------
    data_dir: Path = Field(Path("var"), description="Folder that holds all state: index, logs, caches.")
    model_cache_dir: Path | None = Field(
        None, description="Where exported ONNX models are cached; default <data_dir>/models."
    )

    # --- vector store ---------------------------------------------------------------------------
    chroma_url: str | None = Field(
        None, description="Chroma server URL (http://host:port). Unset: embedded Chroma in the data dir."
    )
    chroma_host: str | None = Field(None, description="Chroma server host (alternative to chroma_url).")
    chroma_port: int = Field(8000, description="Chroma server port, used with chroma_host.")
    chroma_collection: str = Field("citewise", description="Name of the Chroma collection.")

    # --- embeddings and chunking ----------------------------------------------------------------
    embed_backend: EmbedBackend = Field(
        "onnx-int8", description="onnx-int8 (fastest), onnx (fp32) or torch (reference)."
    )
    embed_batch_size: int = Field(
        4, ge=1, le=1024,
        description="Chunks per inference call; small batches run fastest on CPU (measured in make bench).",
    )
    chunk_tokens: int = Field(
        200, ge=32, le=254, description="Target chunk size in the embedder's own word pieces."
    )
    chunk_overlap_tokens: int = Field(
        24, ge=0, le=128, description="Word pieces repeated between neighbouring chunks of one section."
    )

    # --- ingestion ------------------------------------------------------------------------------
    max_file_mb: float = Field(200.0, gt=0, description="Files larger than this are skipped with a reason.")
    max_unzipped_mb: float = Field(
        100.0, gt=0, description="Zip-based files (DOCX) that unpack to more than this are refused (zip bombs)."
    )
    max_text_chars: int = Field(
        10_000_000, ge=1000, description="Most characters of text extracted from one file; more fails that file."
    )
    max_chunks_per_file: int = Field(
        20_000, ge=1, description="Most passages one file may add to the index; more fails that file."
    )
    read_timeout_s: float = Field(
        60.0, gt=0, description="Seconds one file's read may take (a hung network share fails that file only)."
    )
    ingest_workers: int = Field(
        0, ge=-1, le=64,
        description="Processes that parse PDF and DOCX files during a sync, beside the embedding threads; "
        "0 picks one per three cores (at least one), -1 parses in a thread of the syncing process.",
    )
    default_collection: str = Field("default", description="Collection name when none is given.")
    index_lock_wait_s: float = Field(
        600.0, ge=0, description="How long a sync, remove or re-embed waits for another writer of the same "
        "index to finish before it gives up (the console never waits).")

    # --- retrieval ----------------------------------------------------------------------------
    retrieval_mode: Literal["hybrid", "dense", "keyword"] = Field(
        "hybrid", description="How passages are found: hybrid (dense + BM25 fused), dense or keyword."
    )
    top_k: int = Field(6, ge=1, le=50, description="Passages given to the answerer.")
    min_relevance: float = Field(
        0.4, ge=0.0, le=1.0, description="Best dense cosine below which the documents 'do not cover' a question."
    )

    # --- LLM (any OpenAI-compatible endpoint); unset key and base URL: offline answerer ---------
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("CITEWISE_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key for the LLM endpoint (OPENAI_API_KEY also works).",
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("CITEWISE_LLM_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible base URL (Ollama: http://localhost:11434/v1).",
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name at the endpoint.")
    llm_temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Seconds before one LLM request times out.")
    llm_max_retries: int = Field(
        3, ge=0, le=10,
        description="Retries on 429/5xx/timeouts before an answer starts (the openai SDK's backoff, which "
        "honours Retry-After).")
    llm_context_tokens: int = Field(16000, ge=1024, description="The model's context window in tokens.")
    llm_max_answer_tokens: int = Field(800, ge=64, description="Tokens reserved for the answer.")
    price_input_per_mtok: float = Field(0.15, ge=0, description="USD per million prompt tokens (cost estimate).")
    price_output_per_mtok: float = Field(0.60, ge=0, description="USD per million completion tokens.")

    # --- prompts ------------------------------------------------------------------------------
    prompts_dir: Path = Field(
        Path(__file__).resolve().parent.parent / "prompts", description="Prompt templates folder."
    )
    prompt_ab: str | None = Field(
        None, description="A/B split, e.g. 'answer@concise:0.5' runs prompts/answer@concise.md for half the sessions."
    )
    answer_cache: bool = Field(True, description="Reuse answers for the same question over the same passages.")

    debug: bool = Field(False, description="Show full tracebacks for internal errors (CLI) instead of a short note.")

    # --- moderation ---------------------------------------------------------------------------
    moderation: bool = Field(True, description="Check questions and answers (injection, harm, PII, abuse).")
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    rate_limit_per_minute: int = Field(
        20, ge=1, description="Questions per minute per session, browser and signed-in user (token buckets)."
    )
    rate_limit_burst: int = Field(8, ge=1, description="Questions a session may send at once before waiting.")
    rate_limit_per_address_per_minute: int = Field(
        60, ge=1, description="Questions per minute from one client address (all its browsers together)."
    )
    rate_limit_address_burst: int = Field(20, ge=1, description="Questions one address may send at once.")
    rate_limit_global_per_minute: int = Field(
        600, ge=1, description="Questions per minute from everyone together (protects the answer workers)."
    )
    rate_limit_global_burst: int = Field(60, ge=1, description="Questions everyone together may send at once.")
    openai_moderation: bool = Field(False, description="Also ask OpenAI's omni-moderation-latest.")
    openai_moderation_base_url: str | None = Field(None, description="Base URL for the moderation endpoint.")
    openai_moderation_api_key: SecretStr | None = Field(None, description="Key for the moderation endpoint.")
    moderation_fail_open: bool = Field(True, description="If the moderation endpoint is down: allow (true) or block.")

    # --- web app ------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(5006, ge=1, le=65535, description="Port of the web server.")
    admin_user: str = Field("admin", description="Admin login name for /console.")
    admin_password: SecretStr | None = Field(
        None, description="Admin password; unset: /console is disabled until one is set."
    )
    require_login: bool = Field(False, description="Require a reader login for the chat too.")
    reader_accounts: SecretStr | None = Field(
        None, description="Reader logins for require_login, as 'name:password,name2:password2'."
    )
    editor_accounts: SecretStr | None = Field(
        None, description="Editor logins: readers who may also upload documents from the chat, as"
        " 'name:password,name2:password2' (the admin may too)."
    )
    cookie_secret: SecretStr | None = Field(None, description="Secret for login cookies; random per start when unset.")
    trusted_proxies: str | None = Field(
        None,
        description="Reverse proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated);"
        " unset: none, the peer address is the client.",
    )
    websocket_max_kb: int = Field(
        512, ge=16, le=20480,
        description="Largest websocket message a chat page may send, in KB (questions are tiny; Bokeh allows 20 MB).",
    )

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("CITEWISE_CHROMA_URL must start with http:// or https://")
        return value or None

    # --- derived paths --------------------------------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or (self.data_dir / "models")

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def sessions_dir(self) -> Path:
        """Saved conversations of `python -m app ask --session NAME`."""
        return self.data_dir / "sessions"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call `get_settings.cache_clear()` after changing env)."""
    return Settings()


def secret_value(secret: SecretStr | None) -> str | None:
    """The plain value of an optional secret, for the one place that must send it."""
    return secret.get_secret_value() if secret is not None else None
