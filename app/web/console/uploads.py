"""Console uploads in parts: the browser checks the size first, then sends each file in slices that stay
far below the websocket's message limit, and the server writes them to a partial file it checks as it
grows (admin session only: the console's websocket is refused to anyone else).

`UploadReceiver` holds the server's rules (safe names, supported types, `CITEWISE_MAX_FILE_MB`, declared
size never exceeded) and is tested without a browser; `ChunkedUpload` is the widget that talks to it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import param
from panel.custom import JSComponent

log = logging.getLogger(__name__)

PART_BYTES = 512 * 1024  # one slice of a file per websocket message (about 0.7 MB once base64-encoded)
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
    return f"{max_file_mb:g} MB (CITEWISE_MAX_FILE_MB)"


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


_ESM = Path(__file__).with_name("upload.js").read_text(encoding="utf-8")
_CSS = """
.upload-box { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; padding: 4px 0; }
.upload-box input[type=file] { flex: 1 1 220px; min-width: 0; font-size: 14px; color: var(--cw-ink, #1d2230); }
.upload-go { height: 34px; padding: 0 16px; font-size: 14px; border-radius: 6px; border: 0; cursor: pointer;
  background: var(--cw-accent, #2f54c7); color: var(--cw-accent-ink, #fff); font-weight: 600; }
.upload-go:disabled { opacity: .55; cursor: progress; }
.upload-note { flex-basis: 100%; margin: 0; font-size: 14px; color: var(--cw-muted, #5c6474); }
.upload-note[data-tone=bad] { color: var(--cw-bad, #a3281c); font-weight: 600; }
"""


class ChunkedUpload(JSComponent):
    """File picker and "Upload and index" button: checks sizes in the browser, sends files in parts.

    `on_finished(saved_paths, problems)` runs (scheduled on the session's loop) after the last file.
    """

    max_bytes = param.Integer(default=0, doc="Largest file accepted, in bytes")
    max_label = param.String(default="", doc="The limit as shown to the admin")
    accept = param.String(default="", doc="File suffixes offered by the picker")
    part_bytes = param.Integer(default=PART_BYTES)
    busy = param.Boolean(default=False, doc="A sync started by this widget is running")

    _esm = _ESM
    _stylesheets = [_CSS]

    def __init__(self, receiver: UploadReceiver, collection: Callable[[], str],
                 on_finished: Callable[[list[Path], list[str]], Any], **params: Any) -> None:
        super().__init__(max_bytes=receiver.max_bytes, max_label=limit_text(receiver.max_file_mb), **params)
        self._receiver = receiver
        self._collection = collection
        self._on_finished = on_finished
        self._saved: list[Path] = []
        self._problems: list[str] = []

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        op = msg.get("op")
        try:
            if op == "start":
                self._receiver.abort()
                self._saved, self._problems = [], [str(p) for p in msg.get("refused") or []][:100]
                self._send_msg({"op": "started"})
            elif op == "begin":
                self._receiver.begin(str(msg.get("name", "")), int(msg.get("size", -1)), self._collection())
                self._send_msg({"op": "ready"})
            elif op == "part":
                received = self._receiver.part(decode_part(str(msg.get("data", ""))))
                self._send_msg({"op": "ack", "received": received})
            elif op == "end":
                self._saved.append(self._receiver.end())
                self._send_msg({"op": "saved"})
            elif op == "done":
                saved, problems = self._saved, self._problems
                self._saved, self._problems = [], []
                self._on_finished(saved, problems)
        except UploadRefused as exc:
            self._problems.append(str(exc))
            self._send_msg({"op": "refused", "reason": str(exc)})
        except Exception as exc:  # the browser waits for a reply: never leave it without one
            log.exception("console upload failed")
            self._receiver.abort()
            reason = f"the upload could not be saved on the server ({type(exc).__name__}); see the server log"
            self._problems.append(reason)
            self._send_msg({"op": "refused", "reason": reason})
