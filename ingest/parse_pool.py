"""Parse files in worker processes, so pure-Python PDF parsing uses its own core and not the GIL of the
process that embeds and writes.

Each worker is `python -m ingest.parse_pool`, fed one file at a time over its stdin and answering over its
stdout with length-prefixed pickles: a note per page read (for progress), then the parsed document or the
reason it could not be read. The parent knows which file each worker holds, so a worker that dies (a
crash in a parser's native code, the kernel's OOM killer) costs that one file a clear error and is
replaced. Workers run in their own session (a Ctrl-C reaches only the parent, which stops them), die with
the parent (`PR_SET_PDEATHSIG` on Linux; elsewhere when their stdin closes), and are stopped when the pool
is closed, whatever ended the sync.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ingest.documents import ParsedDocument, ReadError
from ingest.readers import ReadLimits

_HEADER = struct.Struct(">Q")
log = logging.getLogger(__name__)


@dataclass
class ParseJob:
    """One file to parse."""

    key: int
    path: Path
    pdf_password: str | None = None
    limits: ReadLimits | None = None


@dataclass
class ParseResult:
    """What a worker made of one file: a document, or the reason there is none."""

    key: int
    doc: ParsedDocument | None
    error: str | None
    cpu_seconds: float = 0.0


@dataclass
class PageNote:
    """A worker finished reading `done` of the `total` pages of a file."""

    key: int
    done: int
    total: int


def parse_file(path: Path, pdf_password: str | None = None, on_page: Any = None,
               limits: ReadLimits | None = None) -> tuple[ParsedDocument | None, str | None]:
    """Read one file; every failure becomes a reason (a reader bug must not stop the run)."""
    from ingest.readers import read_document

    try:
        return read_document(path, pdf_password=pdf_password, limits=limits, on_page=on_page), None
    except ReadError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - report it against the file
        return None, f"could not read this file ({type(exc).__name__}: {exc})"


def default_workers() -> int:
    """One parse process per three cores, at least one: parsing takes about a third of the CPU time of a
    PDF ingest and embedding the rest (measured; see docs/DESIGN.md)."""
    return max(1, -(-(os.cpu_count() or 1) // 3))


# --- the parent's side ----------------------------------------------------------------------------------
@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    job: ParseJob | None = None
    reader: threading.Thread | None = None
    sent: float = field(default_factory=time.monotonic)


class ParsePool:
    """Worker processes that parse files; results come back in submission order via `results()`."""

    def __init__(self, workers: int) -> None:
        self.size = max(1, workers)
        self._workers: list[_Worker] = []
        self._events: queue.Queue[tuple[_Worker, Any]] = queue.Queue()
        self._waiting: list[ParseJob] = []
        self._done: dict[int, ParseResult] = {}
        self._closed = False
        self._spawn_failed = False

    # lifecycle
    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "ingest.parse_pool", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True,
        )
        worker = _Worker(proc)
        worker.reader = threading.Thread(target=self._read, args=(worker,), daemon=True,
                                         name="citewise-parse-reader")
        worker.reader.start()
        return worker

    def _read(self, worker: _Worker) -> None:
        """Forward a worker's messages to the pool's queue; report its death once its output ends."""
        stream = worker.proc.stdout
        assert stream is not None
        try:
            while True:
                message = _read_frame(stream)
                if message is None:
                    break
                self._events.put((worker, message))
        except Exception:  # noqa: BLE001 - a message we cannot read: treat the worker as broken
            worker.proc.kill()
        finally:
            self._events.put((worker, None))

    def close(self) -> None:
        """Stop every worker (politely, then by force) and wait for them."""
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            with contextlib.suppress(OSError):
                if worker.proc.stdin:
                    worker.proc.stdin.close()  # an idle worker exits at end of input
            if worker.job is not None:
                worker.proc.kill()  # a busy one is stopped now: nobody wants its result
        deadline = time.monotonic() + 5
        for worker in self._workers:
            try:
                worker.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
            if worker.proc.stdout:
                worker.proc.stdout.close()

    # work
    def submit(self, job: ParseJob) -> None:
        """Queue a file; it goes to the first idle worker."""
        self._waiting.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._waiting:
            idle = next((w for w in self._workers if w.job is None), None)
            if idle is None:
                if len(self._workers) >= self.size:
                    return
                try:
                    idle = self._spawn()
                except OSError as exc:  # no process can be started (permissions, limits): parse here
                    if self._workers:
                        return  # a running worker takes the job when it is free
                    self._parse_here(self._waiting.pop(0), exc)
                    continue
                self._workers.append(idle)
            job = self._waiting.pop(0)
            idle.job, idle.sent = job, time.monotonic()
            try:
                assert idle.proc.stdin is not None
                _write_frame(idle.proc.stdin, (job.path, job.pdf_password, job.limits))
            except OSError:
                pass  # the worker is gone; its reader thread reports it and the job fails below

    def _parse_here(self, job: ParseJob, why: OSError) -> None:
        """Parse a job in this process, when no worker process could be started."""
        if not self._spawn_failed:
            self._spawn_failed = True
            log.warning("cannot start a parse process (%s): parsing in the main process instead",
                        why.strerror or why)
        started = time.process_time()
        doc, error = parse_file(job.path, job.pdf_password, None, job.limits)
        self._done[job.key] = ParseResult(job.key, doc, error, time.process_time() - started)

    def next_result(self, key: int, on_page: Any = None) -> ParseResult:
        """Wait for the result of the job `key` (others that finish meanwhile are kept for later).

        `on_page(key, done, total)` is called for every page note of any job while waiting.
        """
        while key not in self._done:
            worker, message = self._events.get()
            job = worker.job
            if message is None:
                self._workers.remove(worker)
                worker.proc.wait()
                if job is not None:
                    code = worker.proc.returncode
                    how = f"signal {-code}" if code < 0 else f"exit code {code}"
                    reason = f"the parser crashed on this file ({how}); the other files were indexed"
                    self._done[job.key] = ParseResult(job.key, None, reason)
                self._dispatch()
                continue
            if isinstance(message, PageNote):
                if job is not None and on_page is not None:
                    on_page(job.key, message.done, message.total)
                continue
            doc, error, cpu = message
            assert job is not None
            self._done[job.key] = ParseResult(job.key, doc, error, cpu)
            worker.job = None
            self._dispatch()
        return self._done.pop(key)

    def pids(self) -> list[int]:
        """Process ids of the running workers."""
        return [w.proc.pid for w in self._workers]


def _write_frame(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        part = stream.read(size)
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _read_frame(stream: IO[bytes]) -> Any | None:
    try:
        header = _read_exact(stream, _HEADER.size)
        if header is None:
            return None
        data = _read_exact(stream, _HEADER.unpack(header)[0])
    except (OSError, ValueError):
        return None
    return None if data is None else pickle.loads(data)  # noqa: S301 - our own child process


# --- the worker's side ----------------------------------------------------------------------------------
def _die_with_parent(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)  # the parent died before we could ask to follow it


def worker_main(parent: int) -> None:
    """Serve parse requests from stdin until it closes."""
    _die_with_parent(parent)
    source = sys.stdin.buffer
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the frames
    while True:
        request = _read_frame(source)
        if request is None:
            return
        path, password, limits = request

        def on_page(done: int, total: int) -> None:
            _write_frame(sink, PageNote(0, done, total))

        started = time.process_time()
        doc, error = parse_file(path, password, on_page, limits)
        try:
            _write_frame(sink, (doc, error, time.process_time() - started))
        except BrokenPipeError:
            return


if __name__ == "__main__":
    # Run the worker from the importable module, so what it pickles names `ingest.parse_pool`, not `__main__`.
    from ingest import parse_pool

    parse_pool.worker_main(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())
