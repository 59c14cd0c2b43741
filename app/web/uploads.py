"""Uploads in parts, for the admin console and for editors in the chat: the browser checks the size
first, then sends each file in slices that stay far below the websocket's message limit, and the server
writes them to a partial file it checks as it grows.

`UploadReceiver` holds the server's rules (safe names, supported types, `CITEWISE_MAX_FILE_MB`, declared
size never exceeded) and is tested without a browser; `UploadSession` is the server's side of the
message exchange (it asks `refusal()` before every message, so a page that is not allowed to upload is
refused whatever its script sends); `ChunkedUpload` is the console's widget. The browser's side is
`static/uploader.js`, shared by the console's widget and the chat's documents panel.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import param
from panel.custom import JSComponent

log = logging.getLogger(__name__)

PART_BYTES = 512 * 1024  # one slice of a file per websocket message (about 0.7 MB once base64-encoded)
MIN_PART_BYTES = 8 * 1024
MESSAGE_ROOM = 4 * 1024  # what a part's message carries besides the base64 data
INCOMING = ".incoming"  # partial files, inside the uploads folder


class UploadRefused(Exception):
    """An upload the server will not take; the message names the file and says what to do."""


def safe_name(name: str) -> str:
    """A file name reduced to letters, digits, `.`, `-`, `_` and spaces (no folders, no leading dots)."""
    return re.sub(r"[^\w.\- ]+", "_", name).strip().strip(".") if name else ""


def size_text(size: float) -> str:
    """Bytes as MB with one decimal ('25.3 MB')."""
    return f"{size / 2**20:.1f} MB"


def limit_text(max_file_mb: float) -> str:
    """The upload limit as shown to the user ('200 MB (CITEWISE_MAX_FILE_MB)')."""
    return f"{max_file_mb:g} MB (CITEWISE_MAX_FILE_MB)"


def part_bytes_for(message_bytes: int) -> int:
    """The largest slice of a file whose message (base64: 4 bytes per 3) fits `message_bytes`, at most
    PART_BYTES (the chat's websocket takes 512 KB messages: its parts are 381 KB)."""
    fits = (message_bytes - MESSAGE_ROOM) * 3 // 4
    return max(MIN_PART_BYTES, min(PART_BYTES, fits // 1024 * 1024))


@dataclass
class _Partial:
    name: str
    size: int
    temp: Path
    target: Path
    received: int = 0


@dataclass
class UploadReceiver:
    """Receives files in parts into `<uploads_dir>/<collection>/`, one file at a time."""

    uploads_dir: Path
    max_file_mb: float
    partial: _Partial | None = field(default=None, init=False)

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    def begin(self, name: str, size: int, collection: str) -> None:
        """Accept a file of `size` bytes named `name`, or raise UploadRefused with the reason."""
        from ingest.readers import SUPPORTED_TYPES, detect_type

        self.abort()
        clean = safe_name(Path(name.replace("\\", "/")).name)
        if not clean or clean.startswith("."):
            raise UploadRefused(f"{name}: not a usable file name; rename it and upload again")
        if detect_type(Path(clean)) is None:
            kinds = ", ".join(sorted(SUPPORTED_TYPES))
            raise UploadRefused(f"{name}: citewise cannot index this kind of file (supported: {kinds})")
        if size < 0 or size > self.max_bytes:
            raise UploadRefused(f"{name} is {size_text(size)}: larger than the upload limit of "
                                f"{limit_text(self.max_file_mb)}; nothing was saved")
        folder = self.uploads_dir / (safe_name(collection) or "default")
        incoming = self.uploads_dir / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        temp = incoming / f"{secrets.token_hex(8)}.part"
        temp.write_bytes(b"")
        self.partial = _Partial(clean, size, temp, folder / clean)

    def part(self, data: bytes) -> int:
        """Append one part; returns the bytes received so far (more than declared: refused)."""
        current = self._current()
        if current.received + len(data) > current.size:
            self.abort()
            raise UploadRefused(f"{current.name}: more data arrived than the file's declared size; "
                                "nothing was saved")
        with current.temp.open("ab") as out:
            out.write(data)
        current.received += len(data)
        return current.received

    def end(self) -> Path:
        """The complete file moved into its collection folder (replacing an earlier upload of that name)."""
        current = self._current()
        self.partial = None
        if current.received != current.size:
            current.temp.unlink(missing_ok=True)
            raise UploadRefused(f"{current.name}: the upload stopped after {size_text(current.received)} "
                                f"of {size_text(current.size)}; upload it again")
        current.target.parent.mkdir(parents=True, exist_ok=True)
        current.temp.replace(current.target)
        return current.target.resolve()

    def abort(self) -> None:
        """Drop an unfinished file."""
        if self.partial is not None:
            self.partial.temp.unlink(missing_ok=True)
            self.partial = None

    def _current(self) -> _Partial:
        if self.partial is None:
            raise UploadRefused("no upload in progress; choose the files again")
        return self.partial


def decode_part(text: str) -> bytes:
    """A base64 part as bytes (anything else is refused)."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise UploadRefused("a part of the upload was damaged; upload the file again") from None


_PRELUDE = (Path(__file__).resolve().parent / "static" / "uploader.js").read_text(encoding="utf-8")


def with_uploader(module: str) -> str:
    """A component's ES module with the shared sending code (`uploadFiles`, `static/uploader.js`) before it."""
    return _PRELUDE + "\n" + module


_ESM = with_uploader((Path(__file__).resolve().parent / "static" / "upload.js").read_text(encoding="utf-8"))
_CSS = """
.upload-box { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; padding: 4px 0; }
.upload-box input[type=file] { flex: 1 1 220px; min-width: 0; font-size: 14px; color: var(--cw-ink, #1d2230); }
.upload-go { height: 34px; padding: 0 16px; font-size: 14px; border-radius: 6px; border: 0; cursor: pointer;
  background: var(--cw-accent, #2f54c7); color: var(--cw-accent-ink, #fff); font-weight: 600; }
.upload-go:disabled { opacity: .55; cursor: progress; }
.upload-note { flex-basis: 100%; margin: 0; font-size: 14px; color: var(--cw-muted, #5c6474); }
.upload-note[data-tone=bad] { color: var(--cw-bad, #a3281c); font-weight: 600; }
"""

Finished = Callable[[list[Path], list[str], str], Any]


class UploadSession:
    """The server's side of one page's uploads: `handle(message)` returns the reply to send (or None).

    `collection(start_message)` names the collection of an upload (or raises UploadRefused);
    `refusal()` is asked before every message and refuses all of them when it returns a reason;
    `on_finished(saved_paths, problems, collection)` runs after the browser's last file.
    """

    def __init__(self, receiver: UploadReceiver, collection: Callable[[Mapping[str, Any]], str],
                 on_finished: Finished, refusal: Callable[[], str | None] = lambda: None) -> None:
        self.receiver = receiver
        self._collection_of = collection
        self._on_finished = on_finished
        self._refusal = refusal
        self._collection: str | None = None
        self._saved: list[Path] = []
        self._problems: list[str] = []

    def handle(self, msg: Mapping[str, Any]) -> dict[str, Any] | None:
        """Apply one message of the upload exchange; never raises (refusals are replies)."""
        op = msg.get("op")
        refusal = self._refusal()
        if refusal is not None:
            self.receiver.abort()
            self._collection = None
            return None if op == "done" else {"op": "refused", "reason": refusal}
        try:
            if op == "start":
                self.receiver.abort()
                self._collection = self._collection_of(msg)
                self._saved, self._problems = [], [str(p) for p in msg.get("refused") or []][:100]
                return {"op": "started"}
            if self._collection is None:
                raise UploadRefused("no upload in progress; choose the files again")
            if op == "begin":
                self.receiver.begin(str(msg.get("name", "")), int(msg.get("size", -1)), self._collection)
                return {"op": "ready"}
            if op == "part":
                received = self.receiver.part(decode_part(str(msg.get("data", ""))))
                return {"op": "ack", "received": received}
            if op == "end":
                self._saved.append(self.receiver.end())
                return {"op": "saved"}
            if op == "done":
                saved, problems, collection = self._saved, self._problems, self._collection
                self._saved, self._problems, self._collection = [], [], None
                self._on_finished(saved, problems, collection)
            return None
        except UploadRefused as exc:
            self._problems.append(str(exc))
            return {"op": "refused", "reason": str(exc)}
        except (TypeError, ValueError):
            self.receiver.abort()
            return {"op": "refused", "reason": "the upload message was not understood; choose the files again"}
        except Exception as exc:  # the browser waits for a reply: never leave it without one
            log.exception("upload failed")
            self.receiver.abort()
            reason = f"the upload could not be saved on the server ({type(exc).__name__}); see the server log"
            self._problems.append(reason)
            return {"op": "refused", "reason": reason}


class ChunkedUpload(JSComponent):
    """The console's file picker and "Upload and index" button (the websocket is the admin's only).

    `on_finished(saved_paths, problems, collection)` runs (scheduled on the session's loop) after the
    last file.
    """

    max_bytes = param.Integer(default=0, doc="Largest file accepted, in bytes")
    max_label = param.String(default="", doc="The limit as shown to the admin")
    accept = param.String(default="", doc="File suffixes offered by the picker")
    part_bytes = param.Integer(default=PART_BYTES)
    busy = param.Boolean(default=False, doc="A sync started by this widget is running")

    _esm = _ESM
    _stylesheets = [_CSS]

    def __init__(self, receiver: UploadReceiver, collection: Callable[[], str], on_finished: Finished,
                 **params: Any) -> None:
        super().__init__(max_bytes=receiver.max_bytes, max_label=limit_text(receiver.max_file_mb), **params)
        self._session = UploadSession(receiver, lambda _msg: collection(), on_finished)

    def _handle_msg(self, msg: Any) -> None:
        if isinstance(msg, dict):
            reply = self._session.handle(msg)
            if reply is not None:
                self._send_msg(reply)
