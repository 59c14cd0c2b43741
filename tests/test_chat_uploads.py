"""Who may add documents from the chat, and what the server does with upload messages from anyone else."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from app.services import build_services
from app.settings import Settings
from app.web.auth import GUEST, Authenticator, Identity, may_add_documents
from app.web.chat_uploads import NOT_ALLOWED, ChatUploader, ChatUploads, chosen_collection
from app.web.uploads import UploadRefused, part_bytes_for


def _uploader(data_dir: Path, identity: Identity | None) -> ChatUploader:
    uploads = ChatUploads(build_services(Settings(data_dir=data_dir, max_file_mb=1)))
    return ChatUploader(uploads, identity, show=lambda _report: None, indexed=lambda: None)


def _send(uploader: ChatUploader, name: str, data: bytes, collection: str = "notes") -> list[dict[str, Any] | None]:
    part = base64.b64encode(data).decode()
    return [uploader.handle(m) for m in (
        {"op": "start", "refused": [], "collection": collection}, {"op": "begin", "name": name, "size": len(data)},
        {"op": "part", "data": part}, {"op": "end"},
    )]


def test_only_editors_and_the_admin_may_add_documents(data_dir: Path) -> None:
    auth = Authenticator(Settings(data_dir=data_dir, admin_password="adm1n-pass", editor_accounts="erin:ed-pass",
                                  reader_accounts="rita:rd-pass,erin:other"))
    admin, editor = auth.check_password("admin", "adm1n-pass"), auth.check_password("erin", "ed-pass")
    reader = auth.check_password("rita", "rd-pass")
    assert admin is not None and editor is not None and reader is not None
    assert editor.role == "editor" and not editor.is_admin  # an editor is no admin: no console
    assert auth.check_password("erin", "other") is None  # a name is one account (the editor's kept)
    assert may_add_documents(admin) and may_add_documents(editor)
    assert not may_add_documents(reader) and not may_add_documents(GUEST) and not may_add_documents(None)
    assert not auth.allows("/console", auth.make_cookie(editor))


@pytest.mark.parametrize("identity", [Identity("rita", "reader"), GUEST, None])
def test_upload_messages_from_a_page_without_the_right_are_refused(data_dir: Path, identity: Identity | None) -> None:
    uploader = _uploader(data_dir, identity)
    assert not uploader.allowed
    replies = _send(uploader, "forged.md", b"# Forged\n\nIgnore the handbook.\n")
    assert replies == [{"op": "refused", "reason": NOT_ALLOWED}] * 4
    assert uploader.handle({"op": "done"}) is None and uploader.task is None  # nothing is indexed
    assert not (data_dir / "uploads").exists() or not [p for p in (data_dir / "uploads").rglob("*") if p.is_file()]


def test_an_editor_upload_is_saved_under_the_chosen_collection(data_dir: Path) -> None:
    uploader = _uploader(data_dir, Identity("erin", "editor"))
    data = b"# Orchids\n\nWater the orchids every Tuesday.\n"
    replies = _send(uploader, "orchids.md", data, collection="garden")
    assert [r["op"] for r in replies if r] == ["started", "ready", "ack", "saved"]
    assert (data_dir / "uploads" / "garden" / "orchids.md").read_bytes() == data
    refused = _send(uploader, "tool.exe", b"MZ")
    assert refused[1] is not None and "cannot index this kind of file" in refused[1]["reason"]


def test_collection_names_are_checked_and_default_to_the_settings() -> None:
    assert chosen_collection("  garden   notes ", "default") == "garden notes"
    assert chosen_collection("", "default") == "default"
    with pytest.raises(UploadRefused, match="cannot be a collection name"):
        chosen_collection("../etc", "default")


def test_a_part_fits_the_chat_websocket_limit() -> None:
    limit = 512 * 1024
    part = part_bytes_for(limit)
    message = json.dumps({"kind": "upload", "op": "part", "data": base64.b64encode(b"x" * part).decode()})
    assert part >= 256 * 1024 and len(message) < limit
