"""Reading a file to index, safely: regular files only, never through a link, bounded in size and time.

The walk (`ingest.discovery`) already left out links that leave the folder, FIFOs and devices; the file
can still change between the walk and the read. So every read opens the resolved path with
`O_NOFOLLOW | O_NONBLOCK` (a swapped-in link fails, a swapped-in FIFO does not block), checks with
`fstat` that it holds a regular file, reads at most the size limit, and gives up after a timeout (a hung
network share ends as one failed file, not a hung sync).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ingest.documents import ReadError

T = TypeVar("T")
BLOCK = 1 << 20
DEFAULT_TIMEOUT_S = 60.0


class FileVanished(ReadError):
    """The file was deleted (or moved away) after the walk found it."""


def _open(path: Path) -> int:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileVanished("the file was deleted during the sync") from None
    except PermissionError:
        raise ReadError("permission denied: the file cannot be read by this user") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadError("the file was replaced by a symbolic link: not followed") from None
        raise ReadError(f"cannot read the file ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ReadError("not a regular file (FIFO, device or socket): only regular files are read")
    return fd


def _with_timeout(work: Callable[[], T], timeout_s: float) -> T:
    """Run `work` in a helper thread; a read that hangs past the timeout becomes a ReadError."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    thread = threading.Thread(target=run, name="citewise-read", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise ReadError(f"reading the file took longer than {timeout_s:g} s (a hung network share?): "
                        "skipped; raise CITEWISE_READ_TIMEOUT_S if the storage is just slow")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def read_bytes(path: Path, max_bytes: int, timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
    """The content of a regular file (at most `max_bytes`, else a ReadError), within `timeout_s`."""

    def work() -> bytes:
        fd = _open(path)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ReadError(f"file is over the {max_bytes / 2**20:.0f} MB limit (CITEWISE_MAX_FILE_MB)")
        return data

    return _with_timeout(work, timeout_s)


def hash_file(path: Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """BLAKE2b-160 of a regular file's content, within `timeout_s`."""

    def work() -> str:
        digest = hashlib.blake2b(digest_size=20)
        fd = _open(path)
        with os.fdopen(fd, "rb") as handle:
            for block in iter(lambda: handle.read(BLOCK), b""):
                digest.update(block)
        return digest.hexdigest()

    return _with_timeout(work, timeout_s)
