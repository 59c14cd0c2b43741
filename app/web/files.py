"""GET /files/<token | passage id>: the original of an indexed file, and nothing else.

A file is served only when all of these hold, checked on every request:
- the key is a token this index issued for the file (`KnowledgeIndex.file_token`: an HMAC, so ids
  cannot be walked) or the content-addressed id of one of its passages;
- its ingest succeeded (`status = 'ok'`): a file that failed to parse is never served;
- its path still resolves to itself (no component became a symbolic link since it was indexed) and lies
  under a folder that was synced into the index;
- it is still a regular file (opened with `O_NOFOLLOW | O_NONBLOCK`, checked with `fstat`).

Every response carries `Content-Security-Policy: sandbox` and `X-Content-Type-Options: nosniff`, so a
document (HTML, a PDF with scripts, anything a browser might sniff) runs nothing in citewise's origin.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tornado.web import RequestHandler

from app.index import KnowledgeIndex
from app.index.catalog import FileRow

FILE_CHUNK = 1 << 20
ROUTE = r"/files/([0-9A-Za-z]{1,100})"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "markdown": "text/plain; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
NOT_FOUND = ("This file is not in the citewise index (it may have been removed). Ask the question again to get "
             "fresh sources.")
GONE = ("{name} was moved, replaced or deleted after it was indexed. Re-index the folder "
        "(python -m ingest sync <folder> --prune) to update the sources.")


def servable_path(index: KnowledgeIndex, row: FileRow) -> Path | None:
    """The file's path if it may be served now (see the module docstring), else None."""
    if row.status != "ok":
        return None
    try:
        real = os.path.realpath(row.path, strict=True)
    except (OSError, RuntimeError):
        return None
    if real != row.path:
        return None
    path = Path(real)
    if not any(path == Path(root) or path.is_relative_to(root) for root in index.synced_roots()):
        return None
    return path


def open_regular(path: Path) -> int | None:
    """A read-only descriptor of `path` if it is (still) a regular file reached without a link."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


class FileHandler(RequestHandler):
    """Serves the originals of indexed files; see the module docstring for what is refused."""

    index: KnowledgeIndex

    def initialize(self, index: KnowledgeIndex) -> None:
        self.index = index

    async def prepare(self) -> None:
        provider = getattr(self.application, "auth_provider", None)
        if provider is not None and getattr(provider, "get_user_async", None) is not None:
            self.current_user = await provider.get_user_async(self)

    def get_current_user(self) -> Any:
        provider = getattr(self.application, "auth_provider", None)
        if provider is not None and getattr(provider, "get_user", None) is not None:
            return provider.get_user(self)
        return "reader"

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", "sandbox")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "private, no-cache")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self._fail(status_code, "The file could not be served.")

    def _fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(message + "\n")

    async def get(self, key: str) -> None:
        if not self.current_user:
            self._fail(403, "Log in to citewise first, then open the source again.")
            return
        row = self.index.file_for_token(key)
        if row is None:
            by_passage = self.index.file_for_passage(key)
            if by_passage is not None:
                row, page = by_passage
                token = self.index.file_token(row.id)
                self.redirect(f"{token}#page={page}" if page and row.file_type == "pdf" else token)
                return
        if row is None or row.status != "ok":
            self._fail(404, NOT_FOUND)
            return
        path = servable_path(self.index, row)
        fd = open_regular(path) if path is not None else None
        if fd is None:
            self._fail(410, GONE.format(name=Path(row.path).name))
            return
        with os.fdopen(fd, "rb") as handle:
            content_type = CONTENT_TYPES.get(row.file_type) or mimetypes.guess_type(row.path)[0]
            self.set_header("Content-Type", content_type or "application/octet-stream")
            self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(Path(row.path).name)}")
            self.set_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
            while chunk := handle.read(FILE_CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()
