"""Helpers for the browser tests: index the samples, run `python -m app serve` in a subprocess, a slow LLM.

The server runs exactly as a user starts it (the CLI, its own process, a temporary data dir), so the
tests see what a reader sees, including the server's log, which must stay free of tracebacks.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MODEL_CACHE
from tests.openai_server import OpenAIServer, Reply

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "sample"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "no chromium on PATH: install it with `make browser` (Debian's chromium package)"
# The marks of a module of browser tests: `pytestmark = BROWSER_TESTS`.
BROWSER_TESTS = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason=NO_CHROMIUM)]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SERVER_START_S = 120.0


def moderation_available() -> bool:
    """The Moderator has landed (app.moderation exports it)."""
    if importlib.util.find_spec("app.moderation") is None:
        return False
    import app.moderation

    return hasattr(app.moderation, "Moderator")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a citewise process: only these CITEWISE_ settings, never the developer's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CITEWISE_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({
        "CITEWISE_DATA_DIR": str(data_dir), "CITEWISE_MODEL_CACHE_DIR": str(MODEL_CACHE),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
        "PYTHONUNBUFFERED": "1",
        # this checkout's code, whatever the working folder (an installed citewise must not shadow it)
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    })
    env.update({f"CITEWISE_{k.upper()}": v for k, v in settings.items()})
    return env


def index_samples(data_dir: Path, cwd: Path, **settings: str) -> None:
    """`python -m ingest sync data/sample --collection sample` into `data_dir`."""
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "sync", str(SAMPLES), "--collection", "sample"],
        cwd=cwd, env=server_env(data_dir, **settings), capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"indexing the samples failed:\n{result.stdout}\n{result.stderr}")


@dataclass
class ChatServer:
    """A running `python -m app serve` (started on a free port when created)."""

    log_path: Path
    data_dir: Path
    cwd: Path
    settings: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] = field(init=False)
    url: str = field(init=False)
    _checked: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._spawn()

    def _spawn(self) -> None:
        """(Re)start the process on a free port."""
        port = free_port()
        with self.log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(port), "--host", "127.0.0.1"],
                cwd=self.cwd, env=server_env(self.data_dir, **self.settings), stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{port}/"
        self._checked = 0

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def new_log(self) -> str:
        """What the server logged since the last call."""
        text = self.log()
        fresh, self._checked = text[self._checked:], len(text)
        return fresh

    def wait_until_ready(self, timeout_s: float = SERVER_START_S) -> ChatServer:
        """Wait until the server answers HTTP; fail with its log if it exits or takes too long."""
        deadline = time.monotonic() + timeout_s
        retries = 2
        while time.monotonic() < deadline:
            if self.process.poll() is not None and retries and "already in use" in self.log():
                retries -= 1  # another process took the free port first: try another one
                self._spawn()
                continue
            if self.process.poll() is not None:
                raise RuntimeError(f"the chat server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the chat server did not answer within {timeout_s:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def launch_chat_server(data_dir: Path, cwd: Path, log_path: Path, **settings: str) -> ChatServer:
    """Start `python -m app serve` on a free port (call `wait_until_ready` before using it)."""
    return ChatServer(log_path, data_dir, cwd, dict(settings))


_QUOTE = re.compile(r'<quote n="1"[^>]*>\n(.*?)\n</quote>', re.DOTALL)


@dataclass
class SlowLLM(OpenAIServer):
    """An OpenAI-compatible endpoint that streams, word by word with a pause, the first sentence of
    passage [1] followed by its marker: a real streamed answer whose citation checks out."""

    word_delay_s: float = 0.12
    model: str = "test-model"
    status: int = 200  # set to 500 to play an endpoint that is down

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if self.status != 200:
            return Reply(status=self.status)
        prompt = str(body.get("messages", [{}])[-1].get("content", ""))
        match = _QUOTE.search(prompt)
        if not match:
            return Reply("The documents do not answer this.")
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(match.group(1).split()))
        sentence = next((s for s in sentences if len(s.split()) >= 4), sentences[0])
        return Reply(f"{sentence} [1]")


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download does not work offline)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
