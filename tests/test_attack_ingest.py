"""Hostile or careless folders and files against the sync: zip bombs, floods of text, names that are not
UTF-8, link loops, FIFOs and devices, unreadable folders, files deleted mid-sync.

Each test performs the attack against the real sync (or the CLI) and checks that the run finishes, that the
bad entry is reported on its own with a reason a person can act on, and that the other files are indexed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from ingest.cli import cli
from ingest.documents import ReadError
from ingest.file_access import _with_timeout
from ingest.readers import ReadLimits, read_document
from ingest.sync import SyncOptions, sync
from tests.conftest import ROOT
from tests.web_fixtures import server_env


def _docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    document.add_heading("Handbook", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def _bomb(path: Path, unpacked_mb: int) -> Path:
    """A valid DOCX with one extra part of `unpacked_mb` MB of XML that compresses to almost nothing."""
    _docx(path, ["Holidays: employees receive 25 days of paid leave."])
    block = b"<w:t>" + b" " * (1 << 20) + b"</w:t>"
    with (zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
          archive.open("customXml/padding.xml", "w", force_zip64=True) as part):
        for _ in range(unpacked_mb):
            part.write(block)
    return path


# --- 12.3: zip bombs and floods of text --------------------------------------------------------------
def test_docx_zip_bomb_is_refused_before_it_is_unpacked(index, embedder, docs) -> None:  # noqa: ANN001
    bomb = _bomb(docs / "holidays.docx", unpacked_mb=120)
    assert bomb.stat().st_size < 2 * 2**20
    report = sync(index, embedder, [docs], SyncOptions())
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert "zip bomb" in failed["holidays.docx"] and "CITEWISE_MAX_UNZIPPED_MB" in failed["holidays.docx"]
    assert len(report.added) == 3
    assert index.file(str(bomb.resolve())).chunk_count == 0


def test_docx_with_thousands_of_parts_is_refused(tmp_path: Path) -> None:
    path = _docx(tmp_path / "parts.docx", ["Just a little text."])
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(60):
            archive.writestr(f"customXml/extra{i}.xml", "<a/>")
    with pytest.raises(ReadError, match="zip bomb"):
        read_document(path, limits=ReadLimits(max_zip_members=50))


def test_text_flood_in_one_file_fails_that_file_only(index, embedder, docs) -> None:  # noqa: ANN001
    (docs / "flood.md").write_text("# Flood\n\n" + "All work and no play. " * 2000, encoding="utf-8")
    _docx(docs / "flood.docx", ["All work and no play makes a dull report. " * 40] * 10)
    report = sync(index, embedder, [docs], SyncOptions(max_text_chars=5_000))
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(failed) == {"flood.md", "flood.docx"}
    assert all("CITEWISE_MAX_TEXT_CHARS" in reason for reason in failed.values())
    assert len(report.added) == 3


def test_file_making_too_many_passages_fails_with_the_limit(index, embedder, docs) -> None:  # noqa: ANN001
    sections = "\n\n".join(f"## Part {i}\n\nSection {i} of the manual explains step {i}." for i in range(30))
    (docs / "manual.md").write_text("# Manual\n\n" + sections, encoding="utf-8")
    report = sync(index, embedder, [docs], SyncOptions(max_chunks_per_file=10))
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert "CITEWISE_MAX_CHUNKS_PER_FILE" in failed["manual.md"] and "30 passages" in failed["manual.md"]
    assert len(report.added) == 3


def test_limits_come_from_settings(monkeypatch, settings) -> None:  # noqa: ANN001
    monkeypatch.setattr(settings, "max_unzipped_mb", 7.0)
    monkeypatch.setattr(settings, "max_chunks_per_file", 12)
    options = SyncOptions.from_settings(settings, collection="ops")
    assert options.max_unzipped_bytes == 7 * 2**20 and options.max_chunks_per_file == 12
    assert options.collection == "ops" and options.read_limits.max_unzipped_bytes == 7 * 2**20


@pytest.mark.timeout(60)  # a hang guard: the quadratic scans this replaces took hours on these inputs
def test_markdown_with_thousands_of_unclosed_comments_is_read_in_linear_time(tmp_path: Path) -> None:
    # "<!--.*?-->" over 200,000 unclosed openers scans the rest of the text from each one (quadratic)
    (tmp_path / "odd.md").write_text("# Odd\n\nText before.\n\n" + "<!-- " * 200_000, encoding="utf-8")
    doc = read_document(tmp_path / "odd.md")
    assert doc.blocks[0].text == "Text before."


@pytest.mark.timeout(60)
def test_markdown_built_to_make_the_link_and_heading_patterns_backtrack_is_read(tmp_path: Path) -> None:
    hostile = ("# Manual\n\nIntro text.\n\n" + "[" * 200_000 + "\n\n" + "[a](" * 100_000 + "\n\n"
               + "# " + " " * 200_000 + "x\n\nLast words.\n")
    (tmp_path / "hostile.md").write_text(hostile, encoding="utf-8")
    doc = read_document(tmp_path / "hostile.md")
    assert doc.blocks[0].text == "Intro text." and doc.blocks[-1].text == "Last words."
    assert doc.blocks[-1].headings == ("x",)


def test_markdown_headings_and_links_read_as_before(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text("# Guide #\n\n## Set-up ##   \n\nSee [the docs](https://x.example/a) and "
                                   "![logo](l.png).\n", encoding="utf-8")
    doc = read_document(tmp_path / "m.md")
    assert doc.title == "Guide" and doc.blocks[0].headings == ("Guide", "Set-up")
    assert doc.blocks[0].text == "See the docs and logo."


# --- 12.7: one bad entry must not abort the run ---------------------------------------------------------
def test_file_name_that_is_not_utf8_is_one_failed_file(data_dir, docs) -> None:  # noqa: ANN001
    name = os.fsdecode(b"caf\xe9 menu.txt")
    (docs / name).write_text("The cafe serves soup on Fridays.\n", encoding="utf-8")
    folder = docs / os.fsdecode(b"r\xe9sum\xe9s")
    folder.mkdir()
    (folder / "cv.txt").write_text("A résumé.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", str(docs), "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 3
    reasons = {f["path"].rsplit("/", 1)[-1]: f["error"] for f in summary["failed"]}
    assert "not valid UTF-8" in reasons["caf\\xe9 menu.txt"] and "rename" in reasons["caf\\xe9 menu.txt"]
    assert "not valid UTF-8" in reasons["r\\xe9sum\\xe9s"]


def test_symlink_loops_are_failed_entries_not_a_crash(index, embedder, docs) -> None:  # noqa: ANN001
    (docs / "self.txt").symlink_to(docs / "self.txt")
    (docs / "a.md").symlink_to(docs / "b.md")
    (docs / "b.md").symlink_to(docs / "a.md")
    (docs / "dangling.txt").symlink_to(docs / "gone.txt")
    (docs / "guides" / "up").symlink_to(docs, target_is_directory=True)
    report = sync(index, embedder, [docs], SyncOptions())
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(failed) == {"self.txt", "a.md", "b.md", "dangling.txt"}
    assert all("symbolic link" in reason for reason in failed.values())
    assert len(report.added) == 3


# --- 12.8: FIFOs and devices -------------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_fifo_and_links_to_devices_do_not_hang_the_sync(index, embedder, docs) -> None:  # noqa: ANN001
    os.mkfifo(docs / "pipe.txt")
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "pipe-link.md").symlink_to(docs / "pipe.txt")
    report = sync(index, embedder, [docs], SyncOptions())
    skipped = {Path(s["path"]).name: s["reason"] for s in report.skipped_files}
    assert "not a regular file (a FIFO)" in skipped["pipe.txt"]
    assert "not a regular file (a FIFO)" in skipped["pipe-link.md"]
    assert "outside the synced folder" in skipped["zero.txt"]
    assert len(report.added) == 3 and not report.failed


@pytest.mark.timeout(60)
def test_a_read_that_hangs_gives_up_after_the_timeout(tmp_path: Path) -> None:
    fifo = tmp_path / "hung"
    os.mkfifo(fifo)  # opening it for reading blocks until a writer comes: a hung share in miniature

    with pytest.raises(ReadError, match="longer than 0.5 s"):
        _with_timeout(lambda: fifo.read_bytes(), 0.5)
    with fifo.open("wb"):  # release the helper thread
        pass


# --- 12.15: unreadable folders, files deleted mid-sync ----------------------------------------------------
def _as_ordinary_user() -> list[str]:
    """A command prefix that runs without the power to read any folder (root drops it through setpriv)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder unreadable")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_unreadable_folder_is_reported_per_folder(data_dir, docs) -> None:  # noqa: ANN001
    locked = docs / "locked"
    locked.mkdir()
    (locked / "salaries.md").write_text("# Salaries\n\nsecret\n", encoding="utf-8")
    locked.chmod(0o000)
    try:
        out = subprocess.run([*_as_ordinary_user(), sys.executable, "-m", "ingest", "sync", str(docs), "--json"],
                             cwd=ROOT, env=server_env(data_dir), capture_output=True, text=True, timeout=300)
    finally:
        locked.chmod(0o755)
    assert out.returncode == 1, out.stderr
    summary = json.loads(out.stdout)
    failed = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    assert "cannot open this folder" in failed["locked"] and "Permission denied" in failed["locked"]
    assert summary["added"] == 3


class DeletesAFile:
    """A progress display during which someone deletes a file the sync has planned to read."""

    def __init__(self, victim: Path) -> None:
        self.victim = victim

    def start(self, total_files: int) -> None:
        self.victim.unlink()

    def file_done(self, path: str, outcome: str, chunks: int, detail: str | None = None) -> None: ...

    def finish(self) -> None: ...


def test_file_deleted_mid_sync_is_not_left_as_a_failed_row(index, embedder, docs) -> None:  # noqa: ANN001
    victim = docs / "notes.txt"
    report = sync(index, embedder, [docs], SyncOptions(), progress=DeletesAFile(victim))
    assert not report.failed
    assert [Path(s["path"]).name for s in report.skipped_files] == ["notes.txt"]
    assert "deleted during the sync" in report.skipped_files[0]["reason"]
    assert index.file(str(victim.resolve())) is None
    assert sorted(Path(f.path).name for f in index.files()) == ["install.md", "page.html"]


def test_one_run_with_every_kind_of_bad_entry_finishes_and_reports_each(data_dir, docs) -> None:  # noqa: ANN001
    os.mkfifo(docs / "pipe.md")
    (docs / "loop.txt").symlink_to(docs / "loop.txt")
    (docs / os.fsdecode(b"\xff.txt")).write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", str(docs)])
    assert result.exit_code == 1, result.output
    assert "3 added" in result.stdout and "2 failed" in result.stdout and "1 left out" in result.stdout
    assert "pipe.md" in result.stdout and "loop.txt" in result.stdout and "\\xff.txt" in result.stdout
