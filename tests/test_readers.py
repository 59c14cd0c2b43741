"""Readers: each format gives its text with 1-based pages, heading paths and exact offsets; bad files
fail with a ReadError that says what to do. Every input is written by the test itself."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from PIL import Image

from ingest.documents import ParsedDocument, ReadError
from ingest.readers import CELL, NO_TEXT_LAYER, decode_text, detect_type, pdf_paragraphs, read_document

MARKDOWN = """---
title: "Field Manual"
author: Jane Front-Matter
---
Read this before the first shift.

# Setup

Install the [agent](https://example.com/agent-download) first. ![wiring diagram](img/wiring.png)

## Network

Open port 8443 on the firewall.

```bash
# restart the agent
systemctl restart agent
```

### Proxy

Set HTTPS_PROXY for outbound traffic.

Troubleshooting
===============

Check the agent log first.

Known issues
------------

Clock drift breaks the TLS handshake.
"""

HTML = """<!DOCTYPE html>
<html><head><title>Office hours</title>
<style>p { color: red; }</style>
<script>var token = "script-secret";</script></head>
<body>
<h1>Help desk</h1>
<p>Open from <b>9:00</b> to 17:00. See <a href="/rules">the rules</a>. Un<b>believ</b>able service.</p>
<div hidden><p>hidden-attribute text</p></div>
<p style="display: none">display-none text</p>
<span aria-hidden="true">aria-hidden text</span>
<noscript>noscript text</noscript>
<h2>Holidays</h2>
<p>Closed on public holidays.</p>
<h3>Christmas</h3>
<ul><li>Closed from 24 to 26 December.</li></ul>
<h2>Contact</h2>
<p>Call extension 555.</p>
</body></html>
"""


def _assert_offsets(doc: ParsedDocument) -> None:
    assert doc.blocks
    for block in doc.blocks:
        assert doc.text[block.start : block.start + len(block.text)] == block.text


def _new_pdf() -> FPDF:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    return pdf


def _write_page(pdf: FPDF, text: str, section: str | None = None, level: int = 0) -> None:
    pdf.add_page()
    if section:
        pdf.start_section(section, level=level)
    pdf.multi_cell(0, 6, text)


def _guide_pdf(path: Path) -> Path:
    pdf = _new_pdf()
    pdf.set_title("Pump Maintenance Guide")
    _write_page(pdf, "The pump moves coolant through the loop at 1200 rpm.", "Introduction")
    _write_page(pdf, "Drain the reservoir before opening the housing.", "Servicing")
    _write_page(pdf, "Replace the shaft seal every 2000 hours.", "Seals", level=1)
    _write_page(pdf, "Torque the housing bolts to 25 Nm.")  # no outline entry: the section goes on
    pdf.output(str(path))
    return path


def _encrypted_pdf(path: Path) -> Path:
    pdf = _new_pdf()
    pdf.set_encryption(owner_password="owner-pass", user_password="s3cret")
    _write_page(pdf, "Salary bands for 2024 are confidential.")
    pdf.output(str(path))
    return path


def _png(path: Path) -> Path:
    Image.new("RGB", (60, 40), (200, 30, 30)).save(path)
    return path


# --- PDF -----------------------------------------------------------------------------------------------
def test_pdf_blocks_carry_1_based_pages_outline_headings_and_title(tmp_path: Path) -> None:
    doc = read_document(_guide_pdf(tmp_path / "guide.pdf"))
    assert doc.file_type == "pdf"
    assert doc.title == "Pump Maintenance Guide"
    assert doc.pages == 4
    assert doc.warnings == []
    found = {b.page: (b.text, b.headings) for b in doc.blocks}
    assert sorted(found) == [1, 2, 3, 4]
    assert "1200 rpm" in found[1][0] and found[1][1] == ("Introduction",)
    assert "reservoir" in found[2][0] and found[2][1] == ("Servicing",)
    assert "shaft seal" in found[3][0] and found[3][1] == ("Servicing", "Seals")
    assert "25 Nm" in found[4][0] and found[4][1] == ("Servicing", "Seals")
    _assert_offsets(doc)


def test_pdf_without_title_metadata_has_no_title(tmp_path: Path) -> None:
    pdf = _new_pdf()
    _write_page(pdf, "Plain page without metadata.")
    pdf.output(str(tmp_path / "plain.pdf"))
    assert read_document(tmp_path / "plain.pdf").title is None


@pytest.mark.parametrize("password", ["s3cret", "owner-pass"])
def test_encrypted_pdf_opens_with_its_password(tmp_path: Path, password: str) -> None:
    doc = read_document(_encrypted_pdf(tmp_path / "locked.pdf"), pdf_password=password)
    assert "Salary bands for 2024" in doc.text
    assert doc.blocks[0].page == 1
    _assert_offsets(doc)


def test_encrypted_pdf_without_password_says_to_give_one(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--pdf-password") as raised:
        read_document(_encrypted_pdf(tmp_path / "locked.pdf"))
    # an editor uploading in the browser has no command line: the message also says what they can do
    assert "copy saved without the password" in str(raised.value)


def test_encrypted_pdf_with_wrong_password_says_so(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="password given does not open it"):
        read_document(_encrypted_pdf(tmp_path / "locked.pdf"), pdf_password="guess")


def test_pdf_without_any_text_has_no_blocks_and_says_to_run_ocr(tmp_path: Path) -> None:
    pdf = _new_pdf()
    pdf.add_page()
    pdf.image(str(_png(tmp_path / "scan.png")), x=10, y=10, w=120)
    pdf.add_page()
    pdf.output(str(tmp_path / "scan.pdf"))
    doc = read_document(tmp_path / "scan.pdf")
    assert doc.blocks == []
    assert doc.pages == 2
    assert NO_TEXT_LAYER in doc.warnings
    assert "ocrmypdf" in NO_TEXT_LAYER


def test_pdf_image_only_page_is_named_in_a_warning(tmp_path: Path) -> None:
    pdf = _new_pdf()
    _write_page(pdf, "Page one has words.")
    pdf.add_page()
    pdf.image(str(_png(tmp_path / "figure.png")), x=10, y=10, w=120)
    _write_page(pdf, "Page three has words too.")
    pdf.output(str(tmp_path / "mixed.pdf"))
    doc = read_document(tmp_path / "mixed.pdf")
    assert [b.page for b in doc.blocks] == [1, 3]
    assert any("page(s) 2 have no text layer" in w for w in doc.warnings)


def test_corrupt_pdf_is_not_readable(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(ReadError, match="not a readable PDF") as raised:
        read_document(tmp_path / "broken.pdf")
    assert "save or export it as PDF again" in str(raised.value)


@pytest.mark.parametrize("name", ["empty.pdf", "empty.md", "empty.docx"])
def test_empty_file_says_empty(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(ReadError, match="empty file: it holds no text to index"):
        read_document(tmp_path / name)


def test_pdf_paragraphs_rejoin_hyphenated_and_wrapped_lines() -> None:
    raw = (
        "The maintenance sched-\n"
        "ule lists every inspection that the pump\n"
        "needs during its first year of operation.\n"
        "\n"
        "Second paragraph starts here and it goes\n"
        "on for a while before it ends right here.\n"
    )
    assert pdf_paragraphs(raw) == [
        "The maintenance schedule lists every inspection that the pump "
        "needs during its first year of operation.",
        "Second paragraph starts here and it goes on for a while before it ends right here.",
    ]


def test_pdf_paragraphs_keep_list_items_apart_and_drop_ornaments() -> None:
    raw = "Before you start, check:\n- the oil level\n- the belt tension\n* * *\n"
    assert pdf_paragraphs(raw) == ["Before you start, check:", "- the oil level", "- the belt tension"]


# --- Markdown ------------------------------------------------------------------------------------------
def _md_doc(tmp_path: Path) -> ParsedDocument:
    (tmp_path / "manual.md").write_text(MARKDOWN, encoding="utf-8")
    return read_document(tmp_path / "manual.md")


def _headings_of(doc: ParsedDocument, words: str) -> tuple[str, ...]:
    return next(b.headings for b in doc.blocks if words in b.text)


def test_markdown_heading_paths_follow_nesting_and_setext(tmp_path: Path) -> None:
    doc = _md_doc(tmp_path)
    assert doc.file_type == "markdown"
    assert _headings_of(doc, "first shift") == ()
    assert _headings_of(doc, "Install the") == ("Setup",)
    assert _headings_of(doc, "port 8443") == ("Setup", "Network")
    assert _headings_of(doc, "HTTPS_PROXY") == ("Setup", "Network", "Proxy")
    assert _headings_of(doc, "agent log") == ("Troubleshooting",)
    assert _headings_of(doc, "Clock drift") == ("Troubleshooting", "Known issues")
    _assert_offsets(doc)


def test_markdown_front_matter_gives_the_title_and_is_not_indexed(tmp_path: Path) -> None:
    doc = _md_doc(tmp_path)
    assert doc.title == "Field Manual"
    assert "Jane Front-Matter" not in doc.text
    assert "author:" not in doc.text


def test_markdown_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("intro line\n\n# Release Notes\n\n## 1.2\n\nFixed a leak.\n")
    assert read_document(tmp_path / "notes.md").title == "Release Notes"


def test_markdown_hash_lines_in_code_fences_are_code_not_headings(tmp_path: Path) -> None:
    doc = _md_doc(tmp_path)
    code = next(b for b in doc.blocks if "systemctl restart agent" in b.text)
    assert "# restart the agent" in code.text
    assert code.headings == ("Setup", "Network")
    assert all("restart the agent" not in h for b in doc.blocks for h in b.headings)


def test_markdown_links_keep_their_words_not_their_urls(tmp_path: Path) -> None:
    doc = _md_doc(tmp_path)
    assert "Install the agent first." in doc.text
    assert "wiring diagram" in doc.text
    assert "example.com" not in doc.text
    assert "wiring.png" not in doc.text


# --- HTML ----------------------------------------------------------------------------------------------
def test_html_title_and_heading_paths(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    doc = read_document(tmp_path / "page.html")
    assert doc.file_type == "html"
    assert doc.title == "Office hours"
    assert _headings_of(doc, "Open from") == ("Help desk",)
    assert _headings_of(doc, "public holidays") == ("Help desk", "Holidays")
    assert _headings_of(doc, "24 to 26 December") == ("Help desk", "Holidays", "Christmas")
    assert _headings_of(doc, "extension 555") == ("Help desk", "Contact")
    _assert_offsets(doc)


def test_html_script_style_and_hidden_elements_are_not_text(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    text = read_document(tmp_path / "page.html").text
    for hidden in ["script-secret", "color: red", "hidden-attribute", "display-none", "aria-hidden",
                   "noscript text", "Office hours"]:
        assert hidden not in text


def test_html_inline_tags_do_not_split_words_or_punctuation(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    text = read_document(tmp_path / "page.html").text
    assert "Open from 9:00 to 17:00. See the rules. Unbelievable service." in text


# --- DOCX ----------------------------------------------------------------------------------------------
def test_docx_headings_come_from_styles_and_tables_are_text(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Onboarding", level=1)
    document.add_paragraph("Welcome to the team.")
    document.add_heading("Equipment", level=2)
    document.add_paragraph("Every hire gets a laptop.")
    table = document.add_table(rows=2, cols=2)
    for (row, col), value in {(0, 0): "Item", (0, 1): "Count", (1, 0): "Monitor", (1, 1): "2"}.items():
        table.cell(row, col).text = value
    document.add_heading("Policies", level=1)
    document.add_paragraph("Read the handbook.")
    document.save(str(tmp_path / "onboarding.docx"))

    doc = read_document(tmp_path / "onboarding.docx")
    assert doc.file_type == "docx"
    assert _headings_of(doc, "Welcome") == ("Onboarding",)
    assert _headings_of(doc, "laptop") == ("Onboarding", "Equipment")
    assert _headings_of(doc, "Monitor") == ("Onboarding", "Equipment")
    assert _headings_of(doc, "handbook") == ("Policies",)
    table_block = next(b.text for b in doc.blocks if "Monitor" in b.text)
    assert "Item" in table_block and "Count" in table_block and "2" in table_block
    assert all(b.text not in {"Onboarding", "Equipment", "Policies"} for b in doc.blocks)
    _assert_offsets(doc)


def test_docx_that_is_really_text_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "report.docx").write_text("This was saved as plain text.\n", encoding="utf-8")
    with pytest.raises(ReadError, match="not a valid DOCX file"):
        read_document(tmp_path / "report.docx")


# --- plain text ----------------------------------------------------------------------------------------
def test_text_utf8_with_bom(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"\xef\xbb\xbfCaf\xc3\xa9 opens at 8.\r\n\r\nIt closes at 18.\r\n")
    doc = read_document(tmp_path / "notes.txt")
    assert doc.file_type == "text"
    assert [b.text for b in doc.blocks] == ["Café opens at 8.", "It closes at 18."]
    assert doc.warnings == []
    _assert_offsets(doc)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_text_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    (tmp_path / "gruss.txt").write_bytes(bom + "Grüße aus Köln.\n\nZweiter Absatz.".encode(encoding))
    doc = read_document(tmp_path / "gruss.txt")
    assert [b.text for b in doc.blocks] == ["Grüße aus Köln.", "Zweiter Absatz."]
    assert doc.warnings == []


def test_text_windows_1252_decodes_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "legacy.txt").write_bytes("Café crème “quoted”.".encode("cp1252"))
    doc = read_document(tmp_path / "legacy.txt")
    assert doc.text == "Café crème “quoted”."
    assert any("Windows-1252" in w for w in doc.warnings)


def test_binary_file_named_txt_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ReadError, match="binary"):
        read_document(tmp_path / "photo.txt")


def test_decode_text_rejects_nul_bytes() -> None:
    with pytest.raises(ReadError, match="binary"):
        decode_text(b"looks like text\x00\x00\x00but is not")


def test_whitespace_only_text_file_has_no_text(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text(" \n\n\t\n")
    with pytest.raises(ReadError, match="no text"):
        read_document(tmp_path / "blank.txt")


def test_detect_type_by_suffix() -> None:
    assert detect_type(Path("Report.PDF")) == "pdf"
    assert detect_type(Path("notes.markdown")) == "markdown"
    assert detect_type(Path("page.htm")) == "html"
    assert detect_type(Path("memo.docx")) == "docx"
    assert detect_type(Path("budget.xlsx")) is None
    assert detect_type(Path("Makefile")) is None


def test_unsupported_suffix_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "budget.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ReadError, match="unsupported file type '.xlsx'"):
        read_document(tmp_path / "budget.xlsx")


# --- PDF tables and covers -------------------------------------------------------------------------------
_BALANCE = [("Cash and equivalents", "$4,466", "$4,249"), ("Short-term investments", "197", "996"),
            ("Accounts receivable, net", "4,272", "3,498"), ("Inventories", "5,622", "5,261"),
            ("Total current assets", "16,525", "15,134")]


def _report_pdf(path: Path) -> Path:
    pdf = _new_pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 14, "Globex Corporation", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, "Annual report for the fiscal year ended May 31, 2019. " * 3)
    pdf.add_page()
    pdf.multi_cell(0, 5, "The balance sheet below shows our current assets at the end of the year.")
    pdf.cell(100, 6, "(Dollars in millions)")
    pdf.cell(30, 6, "2019", align="R")
    pdf.cell(30, 6, "2018", align="R", new_x="LMARGIN", new_y="NEXT")
    for label, now, before in _BALANCE:
        pdf.cell(100, 6, label)
        pdf.cell(30, 6, now, align="R")
        pdf.cell(30, 6, before, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_pdf_table_rows_stay_on_one_line_with_their_cells_separated(tmp_path: Path) -> None:
    doc = read_document(_report_pdf(tmp_path / "report.pdf"))
    page2 = "\n".join(b.text for b in doc.blocks if b.page == 2)
    lines = page2.split("\n")
    for label, now, before in _BALANCE:
        assert f"{label}{CELL}{now}{CELL}{before}" in lines
    assert "balance sheet below shows our current assets" in page2  # the prose stays prose
    assert all(b.page in (1, 2) for b in doc.blocks) and any(b.page == 1 for b in doc.blocks)
    _assert_offsets(doc)


def test_pdf_cover_subject_is_the_most_prominent_text_of_the_first_page(tmp_path: Path) -> None:
    doc = read_document(_report_pdf(tmp_path / "report.pdf"))
    assert doc.subject == "Globex Corporation"
    pdf = _new_pdf()
    _write_page(pdf, "Every line of this page is set in the same size. " * 5)
    pdf.output(str(tmp_path / "flat.pdf"))
    assert read_document(tmp_path / "flat.pdf").subject is None


def test_pdf_metadata_title_that_is_only_an_id_is_no_title(tmp_path: Path) -> None:
    pdf = _new_pdf()
    pdf.set_title("0000320187-19-000051")
    _write_page(pdf, "A filing whose producer stored its accession number as the title.")
    pdf.output(str(tmp_path / "filing.pdf"))
    assert read_document(tmp_path / "filing.pdf").title is None


def test_pdf_paragraphs_keep_table_rows_when_asked() -> None:
    raw = f"Current assets:\nInventories{CELL}5,622{CELL}5,261\nGoodwill{CELL}154{CELL}154\nTotal{CELL}5,776{CELL}5,415"
    assert pdf_paragraphs(raw, rows=True) == [raw]


def test_pdf_prose_in_two_columns_keeps_its_reading_order(tmp_path: Path) -> None:
    left = "The left column explains how the pump is installed on its frame and levelled. " * 6
    right = "The right column lists the spare parts every site keeps in its store room. " * 6
    pdf = _new_pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(10, 20)
    pdf.multi_cell(85, 5, left)
    pdf.set_xy(110, 20)
    pdf.multi_cell(85, 5, right)
    pdf.output(str(tmp_path / "columns.pdf"))
    text = read_document(tmp_path / "columns.pdf").text
    assert "installed on its frame and levelled. The left column" in text
    assert "keeps in its store room. The right column" in text
