"""The server's side of console uploads in parts: names, types, the size limit and partial files."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from app.web.uploads import UploadReceiver, UploadRefused, decode_part


def _send(receiver: UploadReceiver, name: str, data: bytes, collection: str = "docs", part: int = 4) -> Path:
    receiver.begin(name, len(data), collection)
    for start in range(0, len(data), part):
        receiver.part(data[start:start + part])
    return receiver.end()


def test_a_file_sent_in_parts_is_saved_whole_under_its_collection(tmp_path: Path) -> None:
    receiver = UploadReceiver(tmp_path / "uploads", max_file_mb=1)
    data = b"# Refunds\n\nRefunds are paid within 14 days.\n"
    saved = _send(receiver, "refunds.md", data)
    assert saved == (tmp_path / "uploads" / "docs" / "refunds.md").resolve()
    assert saved.read_bytes() == data
    assert not list((tmp_path / "uploads").rglob("*.part"))


def test_names_and_collections_cannot_leave_the_uploads_folder(tmp_path: Path) -> None:
    receiver = UploadReceiver(tmp_path / "uploads", max_file_mb=1)
    saved = _send(receiver, "../../etc/cron.d/evil.md", b"x", collection="../../..")
    assert saved.is_relative_to((tmp_path / "uploads").resolve())
    assert saved.name == "evil.md"
    saved = _send(receiver, "C:\\Users\\me\\notes.txt", b"y")
    assert saved.name == "notes.txt" and saved.parent.name == "docs"
    with pytest.raises(UploadRefused, match="not a usable file name"):
        receiver.begin("..", 1, "docs")
    assert _send(receiver, ".hidden.md", b"z").name == "hidden.md"  # never a dot file


def test_unsupported_types_and_sizes_over_the_limit_are_refused_before_any_byte(tmp_path: Path) -> None:
    receiver = UploadReceiver(tmp_path / "uploads", max_file_mb=0.5)
    with pytest.raises(UploadRefused, match=r"tool\.exe: citewise cannot index this kind of file"):
        receiver.begin("tool.exe", 10, "docs")
    with pytest.raises(UploadRefused, match=r"larger than the upload limit of 0\.5 MB \(CITEWISE_MAX_FILE_MB\)"):
        receiver.begin("big.pdf", 2**19 + 1, "docs")
    assert receiver.partial is None


def test_a_sender_that_lies_about_the_size_or_stops_early_leaves_nothing(tmp_path: Path) -> None:
    receiver = UploadReceiver(tmp_path / "uploads", max_file_mb=1)
    receiver.begin("small.md", 4, "docs")
    with pytest.raises(UploadRefused, match="more data arrived than the file's declared size"):
        receiver.part(b"12345")
    receiver.begin("short.md", 10, "docs")
    receiver.part(b"123")
    with pytest.raises(UploadRefused, match="the upload stopped after"):
        receiver.end()
    receiver.begin("again.md", 10, "docs")
    receiver.part(b"123")
    receiver.begin("other.md", 1, "docs")  # a new file drops the unfinished one
    assert len(list((tmp_path / "uploads").rglob("*.part"))) == 1
    receiver.abort()
    assert not list((tmp_path / "uploads").rglob("*.part"))
    assert not list((tmp_path / "uploads").rglob("*.md"))
    with pytest.raises(UploadRefused, match="no upload in progress"):
        receiver.part(b"1")


def test_damaged_parts_are_refused() -> None:
    assert decode_part(base64.b64encode(b"abc").decode()) == b"abc"
    with pytest.raises(UploadRefused, match="damaged"):
        decode_part("not base64!")
