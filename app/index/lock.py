"""The writer lock: one process (and one thread) at a time writes to an index, across processes.

A write session (sync, remove, re-embed, the console's uploads and deletes) holds an exclusive `flock`
on `<index_dir>/writer.lock`. The kernel releases it when the holder exits, even after kill -9, so a
crashed writer never blocks the next one; the next writer then finds the index dirty and repairs it,
knowing that nobody else is half-way through a write. A second writer waits (saying who it waits for)
up to a timeout, then fails with `IndexBusy`.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

POLL_S = 0.2


class IndexBusy(Exception):
    """Another writer holds the index and did not finish within the wait."""


class WriterLock:
    """A re-entrant (per object) exclusive lock across processes and threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._handle: IO[str] | None = None

    def holder(self) -> str:
        """Who holds the lock, as recorded by the holder ("pid 123: ingest sync"), or "" if unknown."""
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def acquire(self, wait_s: float, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to `wait_s` seconds for another writer; raise `IndexBusy` after that."""
        deadline = time.monotonic() + max(wait_s, 0.0)
        got = self._thread_lock.acquire(timeout=wait_s) if wait_s > 0 else self._thread_lock.acquire(False)
        if not got:
            raise IndexBusy(self._busy_message(wait_s))
        try:
            if self._depth == 0:
                self._lock_file(deadline, wait_s, on_wait)
            self._depth += 1
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        """Give the lock back (the file lock when the outermost holder releases)."""
        self._depth -= 1
        if self._depth == 0 and self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.seek(0)
                handle.truncate()
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
        self._thread_lock.release()

    @property
    def depth(self) -> int:
        """How many times this object holds the lock now (0: not held)."""
        return self._depth

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._depth > 0

    def _lock_file(self, deadline: float, wait_s: float, on_wait: Callable[[str], None] | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise IndexBusy(self._busy_message(wait_s)) from None
                if on_wait is not None and not told:
                    holder = self.holder() or "another process"
                    on_wait(f"Another citewise writer is updating this index ({holder}); waiting up to "
                            f"{wait_s:.0f} s for it to finish…")
                    told = True
                time.sleep(POLL_S)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}: {_command()}\n")
        handle.flush()
        self._handle = handle

    def _busy_message(self, wait_s: float) -> str:
        holder = self.holder() or "another process or session"
        waited = f" within {wait_s:.0f} s" if wait_s > 0 else ""
        return (f"another writer is updating the index ({holder}) and did not finish{waited}. Wait for it "
                "to finish and try again (CITEWISE_INDEX_LOCK_WAIT_S sets how long a command waits).")


def _command() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if name == "__main__.py":
        name = Path(sys.argv[0]).parent.name
    return " ".join([name, *sys.argv[1:2]])[:120]
