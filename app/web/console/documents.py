"""The Documents tab: upload, re-sync a folder, the documents table and deleting from the index."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import panel as pn

from app.web import admin_stats as stats
from app.web.console.plots import (
    BUTTON_CSS,
    CONFIRM_STYLES,
    FLAG_FORMAT,
    card,
    empty,
    html_pane,
    row,
    status_html,
    table,
    themed,
)
from app.web.console.services import ConsoleError, SyncProgress, sync_summary
from app.web.uploads import ChunkedUpload, UploadReceiver, limit_text

if TYPE_CHECKING:
    from app.web.console.page import ConsolePage


class DocumentsTab:
    """Upload and sync actions above the table of indexed documents."""

    def __init__(self, page: ConsolePage) -> None:
        self.page = page
        self._build_actions()

    def _build_actions(self) -> None:
        s = self.page.services.settings
        accept = ",".join(sorted(_supported_suffixes()))
        self.upload_collection = pn.widgets.TextInput(label="Collection", value=s.default_collection,
                                                      width=180)
        receiver = UploadReceiver(self.page.services.uploads_dir, s.max_file_mb)
        self.upload = ChunkedUpload(receiver, lambda: self.upload_collection.value.strip(), self._on_uploaded,
                                    accept=accept, sizing_mode="stretch_width")
        self.folder_input = pn.widgets.TextInput(
            name="Folder on the server", placeholder="/path/to/documents", sizing_mode="stretch_width")
        self.folder_collection = pn.widgets.TextInput(
            name="Collection", value="", placeholder=f"unchanged (new: {s.default_collection})", width=180)
        self.prune = pn.widgets.Checkbox(label="Remove indexed files that vanished from the folder",
                                         value=True)
        self.sync_button = pn.widgets.Button(label="Sync folder", color="primary", width=160)
        self.sync_button.on_click(self._on_sync)
        self.progress = pn.indicators.Progress(value=0, max=1, visible=False, sizing_mode="stretch_width",
                                               bar_color="primary")
        self.job_status = html_pane("")
        self.job_failures = html_pane("")
        upload = card(
            html_pane(f'<p class="note">PDF, Markdown, text, HTML or DOCX, up to {limit_text(s.max_file_mb)} '
                  "per file. Files are saved under the data folder's <code>uploads/</code> and indexed like "
                  "<code>python -m ingest sync</code>.</p>"),
            self.upload_collection, self.upload,
            title="Upload files",
        )
        resync = card(
            html_pane('<p class="note">Index new and changed files of a folder the server can read; unchanged '
                  "files cost nothing.</p>"),
            self.folder_input, row(self.folder_collection, self.sync_button), self.prune,
            title="Re-sync a folder",
        )
        self.actions = pn.Column(
            row(upload, resync, basis="360px"),
            pn.Column(self.progress, self.job_status, self.job_failures, sizing_mode="stretch_width",
                      margin=(0, 12)),
            sizing_mode="stretch_width",
        )
        self.delete_button = pn.widgets.Button(label="Delete selected", color="danger", disabled=True,
                                               width=160)
        self.delete_button.on_click(self._on_delete_request)
        self.confirm_text = html_pane("")
        self.confirm_button = pn.widgets.Button(label="Yes, delete", color="danger", width=120)
        self.confirm_button.on_click(self._on_delete_confirm)
        self.cancel_button = pn.widgets.Button(label="Cancel", width=100, stylesheets=[BUTTON_CSS])
        self.cancel_button.on_click(lambda _e: self._close_confirm())
        self.confirm_row = row(self.confirm_text, self.confirm_button, self.cancel_button, visible=False,
                               styles=CONFIRM_STYLES)
        themed(self.upload_collection, self.folder_input, self.folder_collection, self.prune, self.progress)
        self.documents_table: pn.widgets.Tabulator | None = None
        self._pending_delete: list[str] = []
        self._upload_task: asyncio.Future[None] | None = None

    def documents(self) -> list[Any]:
        frame = stats.documents_frame(self.page.services.index)
        if frame.empty:
            self.documents_table = None
            return [card(html_pane(empty("The index is empty. Upload files or sync a folder above.")),
                         title="Documents (0)")]
        frame = frame[[
            "name", "type", "status", "injection", "no_text", "pages", "chunks", "tokens", "ingested_at",
            "collection", "error", "path", "size",
        ]]
        self.documents_table = table(
            frame, selectable="checkbox", page_size=20, header_filters={
                "name": {"type": "input", "func": "like", "placeholder": "search"},
                "path": {"type": "input", "func": "like", "placeholder": "search"},
                "collection": {"type": "input", "func": "like", "placeholder": "filter"},
                "type": {"type": "input", "func": "like", "placeholder": "filter"},
                "status": {"type": "input", "func": "like", "placeholder": "filter"},
                "error": {"type": "input", "func": "like", "placeholder": "search"},
            },
            titles={"ingested_at": "ingested at", "injection": "injection found",
                    "no_text": "no text extracted", "size": "bytes"},
            formatters={"injection": FLAG_FORMAT, "no_text": FLAG_FORMAT, "error": {"type": "textarea"}},
            widths={"path": 320, "error": 260}, text_align={"injection": "center", "no_text": "center"},
            frozen_columns=["name"], css_classes=["documents-table"],
        )
        self.documents_table.param.watch(self._on_selection, "selection")
        self.delete_button.disabled = True
        self._close_confirm()
        return [card(
            row(html_pane(f"<h2>Documents ({len(frame)})</h2>", width=220, sizing_mode="fixed"),
                self.delete_button),
            self.confirm_row,
            html_pane('<p class="note">Click a column title to sort; type in the boxes under the titles to '
                  "search. Select documents with the checkboxes to delete them from the index.</p>"),
            self.documents_table,
        )]

    def _on_selection(self, event: Any) -> None:
        self.delete_button.disabled = not event.new
        self.delete_button.label = f"Delete selected ({len(event.new)})" if event.new else "Delete selected"

    def _on_delete_request(self, _event: Any) -> None:
        if self.documents_table is None:
            return
        chosen = self.documents_table.selected_dataframe
        self._pending_delete = list(chosen["path"])
        if not self._pending_delete:
            return
        names = ", ".join(Path(p).name for p in self._pending_delete[:5])
        more = f" and {len(self._pending_delete) - 5} more" if len(self._pending_delete) > 5 else ""
        self.confirm_text.object = (
            f"<p style='margin:8px 4px'>Delete <b>{html.escape(names)}</b>{more} from the index (vectors, "
            "keyword index and catalog)? Files on disk are kept, except copies uploaded here.</p>")
        self.confirm_row.visible = True

    def _close_confirm(self) -> None:
        self.confirm_row.visible = False
        self._pending_delete = []

    async def _on_delete_confirm(self, _event: Any) -> None:
        paths = list(self._pending_delete)
        self._close_confirm()
        if not paths:
            return
        self.confirm_button.loading = True
        try:
            removed = await self.page.in_worker(lambda: self.page.services.delete(paths))
            self.job_status.object = status_html(f"Deleted {removed} document(s) from the index.")
            self.job_failures.object = ""
        except Exception as exc:
            self.page.show_error(exc)
        finally:
            self.confirm_button.loading = False
        await self.page.refresh()

    def _on_uploaded(self, saved: list[Path], problems: list[str], collection: str) -> None:
        """The browser sent its last file: index what was saved (scheduled on the session's loop)."""
        self._upload_task = asyncio.ensure_future(self._index_uploads(saved, problems, collection))

    async def _index_uploads(self, saved: list[Path], problems: list[str], collection: str) -> None:
        if not saved:
            self.page.show_error(ConsoleError("Nothing was indexed. " + " ".join(problems)))
            return
        collection = self.upload_collection.value.strip()
        self.upload.busy = True
        try:
            await self._run_sync(saved, collection, prune=False, button=None, problems=problems)
        finally:
            self.upload.busy = False

    async def _on_sync(self, _event: Any) -> None:
        raw = self.folder_input.value.strip()
        if not raw:
            self.page.show_error(ConsoleError("Type the path of a folder on the server first."))
            return
        folder = Path(raw).expanduser()
        if not folder.is_absolute():
            self.page.show_error(ConsoleError(f"{raw} is not an absolute path: type the full path (/srv/docs)."))
            return
        if not folder.exists():
            self.page.show_error(ConsoleError(f"{raw} does not exist on the server (or it cannot read it)."))
            return
        collection = self.folder_collection.value.strip()
        await self._run_sync([folder], collection, self.prune.value, self.sync_button)

    async def _run_sync(self, paths: list[Path], collection: str, prune: bool,
                        button: pn.widgets.Button | None, problems: Sequence[str] = ()) -> None:
        self.page.alert.visible = False
        progress = SyncProgress()
        self.progress.value, self.progress.max, self.progress.visible = 0, 1, True
        self.job_status.object = status_html("Indexing… (reading, chunking and embedding)")
        self.job_failures.object = ""
        if button is not None:
            button.loading = True

        def tick() -> None:
            done, total, chunks, last = progress.snapshot()
            self.progress.max = max(total, 1)
            self.progress.value = min(done, self.progress.max)
            self.job_status.object = status_html(
                f"Indexing… {done}/{total} files, {chunks} chunks. {html.escape(last)}")

        try:
            report = await self.page.in_worker(
                lambda: self.page.services.sync(paths, collection, prune, progress), tick)
        except Exception as exc:
            self.progress.visible = False
            self.job_status.object = ""
            self.page.show_error(exc)
            return
        finally:
            if button is not None:
                button.loading = False
        line, failures = sync_summary(report)
        failures = list(problems) + failures
        self.progress.visible = False
        self.job_status.object = status_html(f"<b>Sync finished:</b> {html.escape(line)}")
        if failures:
            items = "".join(f"<li>{html.escape(f)}</li>" for f in failures)
            self.job_failures.object = ('<div class="note" id="job-problems">'
                                        f"<b>Problems:</b><ul>{items}</ul></div>")
        await self.page.refresh()


def _supported_suffixes() -> list[str]:
    from ingest.readers import SUPPORTED_TYPES

    return list(SUPPORTED_TYPES)
