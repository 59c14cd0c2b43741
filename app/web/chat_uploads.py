"""Adding documents from the chat, for editors and the admin (`app.web.auth.may_add_documents`).

The upload control lives in the documents panel and is sent only to pages whose login may add documents;
its messages travel on the panel's own channel, where `ChatUploader` answers them through the same
`UploadSession` and `UploadReceiver` as the console (safe names, supported types, `CITEWISE_MAX_FILE_MB`,
declared sizes), asking before every message whether this page's login may upload, so a reader's page is
refused whatever its script sends. Saved files are indexed by `index_updates.sync_files` (the CLI's sync:
writer lock, `SyncOptions.from_settings` limits, passage scan) in a one-thread pool, and the chat shows
a card with the progress and one result per file; the page then refreshes its documents and collections.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import panel as pn
import param

from app.errors import user_message
from app.services import Services
from app.web.auth import Identity, may_add_documents
from app.web.index_updates import IndexUpdateBusy, SyncProgress, file_results, sync_files
from app.web.static_files import static_text
from app.web.uploads import UploadReceiver, UploadRefused, UploadSession, limit_text, part_bytes_for

log = logging.getLogger(__name__)

NOT_ALLOWED = ("Only editors and the admin may add documents. Sign in with an editor login "
               "(CITEWISE_EDITOR_ACCOUNTS), or ask whoever runs citewise to add the files.")
_COLLECTION = re.compile(r"[\w.\- ]{1,60}")


def chosen_collection(raw: Any, default: str) -> str:
    """The collection an upload goes to: the name the editor typed (or `default` when empty)."""
    name = " ".join(str(raw or "").split()) or default
    if not _COLLECTION.fullmatch(name):
        raise UploadRefused(f"'{name[:60]}' cannot be a collection name: use letters, digits, '.', '-', '_' "
                            "and spaces (at most 60), then upload again")
    return name


class ChatUploads:
    """What every chat page shares for uploads: the process's services and one index update at a time."""

    def __init__(self, services: Services, executor: Executor | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.uploads_dir = services.settings.data_dir / "uploads"
        self.executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="citewise-upload")

    def control(self, collection: str | None, collections: list[str]) -> dict[str, Any]:
        """What the browser's upload control needs (limits, part size, collections to offer)."""
        from ingest.readers import SUPPORTED_TYPES

        s = self.settings
        return {
            "max_bytes": int(s.max_file_mb * 2**20), "max_label": limit_text(s.max_file_mb),
            "part_bytes": part_bytes_for(s.websocket_max_kb * 1024),
            "accept": ",".join(sorted(SUPPORTED_TYPES)), "collection": collection or s.default_collection,
            "collections": collections,
        }


class UploadReport(pn.custom.JSComponent):
    """A card in the chat: the files being indexed into a collection, then one result per file."""

    collection = param.String(default="")
    progress = param.String(default="", doc="What is happening now, with a spinner ('' when finished).")
    results = param.List(default=[], doc="[{name, outcome, reason}] once indexing is finished.")
    error = param.String(default="", doc="Why nothing was indexed.")

    _esm = static_text("upload_report.js")
    _stylesheets = [static_text("chat.css")]


class ChatUploader:
    """One chat page's side of uploads: answers the panel's upload messages, indexes, reports."""

    def __init__(self, uploads: ChatUploads | None, identity: Identity | None,
                 show: Callable[[UploadReport], None], indexed: Callable[[], None]) -> None:
        self.uploads = uploads
        self.identity = identity
        self._show = show
        self._indexed = indexed
        self.task: asyncio.Future[None] | None = None
        default = uploads.settings.default_collection if uploads is not None else "default"
        folder = uploads.uploads_dir if uploads is not None else Path("uploads")
        max_mb = uploads.settings.max_file_mb if uploads is not None else 0.0
        self.session = UploadSession(
            UploadReceiver(folder, max_mb), lambda msg: chosen_collection(msg.get("collection"), default),
            self._on_finished, self.refusal,
        )

    @property
    def allowed(self) -> bool:
        """This page's login may add documents (and the server takes uploads)."""
        return self.uploads is not None and may_add_documents(self.identity)

    def refusal(self) -> str | None:
        """Why this page may not upload, or None."""
        if self.allowed:
            return None
        return NOT_ALLOWED

    def handle(self, msg: Mapping[str, Any]) -> dict[str, Any] | None:
        """The reply to one upload message from the documents panel."""
        if not self.allowed and msg.get("op") == "start":
            who = self.identity.name if self.identity is not None else "a guest"
            log.warning("refused an upload from the chat: %s may not add documents", who)
        return self.session.handle(msg)

    def _on_finished(self, saved: list[Path], problems: list[str], collection: str) -> None:
        self.task = asyncio.ensure_future(self.index(saved, problems, collection))

    async def index(self, saved: list[Path], problems: list[str], collection: str) -> UploadReport:
        """Index the saved files into `collection`, showing progress and then one result per file."""
        report = UploadReport(collection=collection, sizing_mode="stretch_width", margin=0,
                              progress=f"Indexing {len(saved)} file{'s' if len(saved) != 1 else ''}…")
        self._show(report)
        refused = [{"name": "", "outcome": "not uploaded", "reason": p} for p in problems]
        if not saved or self.uploads is None:
            report.param.update(progress="", results=refused)
            return report
        uploads = self.uploads
        progress = SyncProgress()
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(uploads.executor, lambda: sync_files(
            uploads.services, saved, collection, False, progress))
        while not job.done():
            await asyncio.sleep(0.25)
            done, total, chunks, _ = progress.snapshot()
            if total:
                report.progress = f"Indexing… {done} of {total} files, {chunks} passages"
        try:
            sync_report = job.result()
        except IndexUpdateBusy as exc:
            report.param.update(progress="", error=str(exc), results=refused)
            return report
        except Exception as exc:  # shown as one readable line; the traceback goes to the server log
            message = user_message(exc)
            if message is None:
                log.error("indexing an upload from the chat failed", exc_info=exc)
                message = "Indexing failed; the details are in the server log. Try again later."
            report.param.update(progress="", error=message, results=refused)
            return report
        results = [r.as_dict() for r in file_results(saved, sync_report)]
        who = self.identity.name if self.identity is not None else "?"
        log.info("%r added %d file(s) to the collection %r from the chat", who, len(saved), collection)
        report.param.update(progress="", results=results + refused)
        self._indexed()
        return report
