"""Attacks through the indexed folders: links out of the folder, files swapped after indexing, ids walked.

Each test performs the attack against the real sync and the real /files handler (served by tornado on a
free port) and checks what an operator or a visitor sees.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.index import KnowledgeIndex
from app.retrieval import Retriever
from app.web.files import ROUTE, FileHandler
from ingest.cli import cli
from ingest.sync import SyncOptions, sync
from tests.http_fixtures import serve_handlers

SECRET = "Quartermaster passphrase: zebra-obsidian-lantern-4471."


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the synced folder that the server process can read (stands in for /etc/passwd)."""
    secret = tmp_path / "private" / "secrets.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n\nThe vault code is kept by the quartermaster.\n", encoding="utf-8")
    return secret


@pytest.fixture
def linked_docs(docs: Path, outside: Path) -> Path:
    """The docs folder with a link named like a document, pointing out of the folder."""
    (docs / "notes-2.txt").symlink_to(outside)
    (docs / "guides" / "private").symlink_to(outside.parent, target_is_directory=True)
    return docs


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def files_url(index: KnowledgeIndex) -> Iterator[str]:
    with serve_handlers([(ROUTE, FileHandler, {"index": index})]) as base:
        yield base + "/files/"


def test_link_out_of_the_folder_is_not_indexed_and_is_reported(index, embedder, settings, linked_docs,  # noqa: ANN001
                                                                outside) -> None:
    report = sync(index, embedder, [linked_docs], SyncOptions())
    paths = [f.path for f in index.files()]
    assert str(outside) not in paths and not any("secrets" in p or "notes-2" in p for p in paths)
    skipped = {Path(s["path"]).name: s["reason"] for s in report.skipped_files}
    assert "outside the synced folder" in skipped["notes-2.txt"] and str(outside) in skipped["notes-2.txt"]
    assert "not followed" in skipped["private"]
    assert not report.failed and len(report.added) == 3
    # nothing of the linked file can be found, so nothing of it can be quoted in an answer
    found = Retriever(index, embedder, settings).search("What is the quartermaster passphrase?")
    assert all("zebra" not in p.text for p in found.passages + found.possibly_related)


def test_link_out_of_the_folder_is_reported_by_the_cli(data_dir, linked_docs) -> None:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["sync", str(linked_docs), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    reasons = {Path(s["path"]).name: s["reason"] for s in summary["skipped_files"]}
    assert "outside the synced folder" in reasons["notes-2.txt"]
    text = CliRunner().invoke(cli, ["sync", str(linked_docs)])
    assert "skipped" in text.stdout and "notes-2.txt" in text.stdout and "outside the synced folder" in text.stdout


def test_link_inside_the_folder_is_indexed_once_at_its_own_place(index, embedder, docs) -> None:  # noqa: ANN001
    (docs / "same-notes.txt").symlink_to(docs / "notes.txt")
    report = sync(index, embedder, [docs], SyncOptions())
    assert sorted(Path(p).name for p in report.added) == ["install.md", "notes.txt", "page.html"]


def test_file_ids_cannot_be_walked(index, embedder, docs, files_url) -> None:  # noqa: ANN001
    sync(index, embedder, [docs], SyncOptions())
    ids = [f.id for f in index.files()]
    for file_id in [*ids, 0, 99, 10**19, 12345678901234567890]:
        status, _, body = _get(files_url + str(file_id))
        assert status == 404 and b"Quartermaster" not in body, file_id
    token = index.file_token(ids[0])
    assert str(ids[0]) != token and len(token) >= 33
    forged = ("0" * 32) + format(ids[0], "x")
    assert _get(files_url + forged)[0] == 404
    status, headers, _ = _get(files_url + token)
    assert status == 200


def test_failed_file_is_never_served(index, embedder, docs, files_url) -> None:  # noqa: ANN001
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 40)
    sync(index, embedder, [docs], SyncOptions())
    row = index.file(str((docs / "binary.txt").resolve()))
    assert row is not None and row.status == "failed"
    status, _, body = _get(files_url + index.file_token(row.id))
    assert status == 404 and b"\x00\x01" not in body


def test_file_swapped_for_a_link_after_indexing_is_not_served(index, embedder, docs, outside,  # noqa: ANN001
                                                               files_url) -> None:
    sync(index, embedder, [docs], SyncOptions())
    notes = docs / "notes.txt"
    row = index.file(str(notes.resolve()))
    assert row is not None
    token = index.file_token(row.id)
    status, headers, body = _get(files_url + token)
    assert status == 200 and b"quarterly review" in body
    assert headers["Content-Security-Policy"] == "sandbox" and headers["X-Content-Type-Options"] == "nosniff"
    notes.unlink()
    notes.symlink_to(outside)
    status, _, body = _get(files_url + token)
    assert status == 410 and b"zebra" not in body and b"Re-index" in body


def test_file_of_a_folder_swapped_for_a_link_is_not_served(index, embedder, docs, outside,  # noqa: ANN001
                                                            files_url) -> None:
    sync(index, embedder, [docs], SyncOptions())
    row = index.file(str((docs / "guides" / "install.md").resolve()))
    assert row is not None
    token = index.file_token(row.id)
    (docs / "guides").rename(docs / "old-guides")
    (outside.parent / "install.md").write_text("# stolen\n\nzebra secrets\n", encoding="utf-8")
    (docs / "guides").symlink_to(outside.parent, target_is_directory=True)
    status, _, body = _get(files_url + token)
    assert status == 410 and b"zebra" not in body


def test_every_file_response_is_sandboxed_pdfs_too(index, embedder, docs, files_url) -> None:  # noqa: ANN001
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Pump maintenance happens every spring before the season starts.")
    pdf.output(str(docs / "pump.pdf"))
    sync(index, embedder, [docs], SyncOptions())
    row = index.file(str((docs / "pump.pdf").resolve()))
    assert row is not None and row.status == "ok"
    status, headers, body = _get(files_url + index.file_token(row.id))
    assert status == 200 and body.startswith(b"%PDF") and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Security-Policy"] == "sandbox" and headers["X-Content-Type-Options"] == "nosniff"
    missing = _get(files_url + "f" * 40)
    assert missing[0] == 404 and missing[1]["Content-Security-Policy"] == "sandbox"


def test_file_outside_every_synced_root_is_not_served(index, embedder, docs, files_url, tmp_path) -> None:  # noqa: ANN001
    sync(index, embedder, [docs], SyncOptions())
    row = index.file(str((docs / "notes.txt").resolve()))
    assert row is not None
    index.catalog.set_meta("synced_roots", json.dumps([str(tmp_path / "elsewhere")]))
    assert _get(files_url + index.file_token(row.id))[0] == 410


def test_file_indexed_through_an_old_link_is_removed_at_the_next_sync(index, embedder, settings, linked_docs,  # noqa: ANN001
                                                                     outside) -> None:
    # an index built by a citewise that followed the link: the outside file's text is in the catalog
    sync(index, embedder, [outside], SyncOptions())
    index.catalog.set_meta("synced_roots", "[]")
    assert index.file(str(outside)) is not None
    report = sync(index, embedder, [linked_docs], SyncOptions())
    assert str(outside) in report.removed and index.file(str(outside)) is None
    found = Retriever(index, embedder, settings).search("What is the quartermaster passphrase?")
    assert all("zebra" not in p.text for p in found.passages + found.possibly_related)
