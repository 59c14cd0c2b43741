"""Readers turn one file into a `ParsedDocument`: its text, with page numbers and heading paths.

One reader per format: PDF (pypdf, 1-based pages, outline headings, encrypted files), Markdown
(heading-aware, front matter, code fences), plain text, HTML (visible text and title) and DOCX.
A file that cannot be read raises `ReadError` with a reason a person can act on; the sync goes on.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.documents import Block, ParsedDocument, ReadError
from ingest.file_access import DEFAULT_TIMEOUT_S, read_bytes

SUPPORTED_TYPES: dict[str, str] = {
    ".pdf": "pdf",
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
    ".txt": "text", ".text": "text", ".rst": "text", ".log": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".docx": "docx",
}
NO_TEXT_LAYER = "no text layer (scanned PDF?): run OCR first, e.g. `ocrmypdf in.pdf out.pdf`"
NO_PASSWORD = ("encrypted PDF: add a copy saved without the password, or give the password to "
               "`python -m ingest sync --pdf-password`")
DAMAGED_PDF = ": the file is damaged or not a PDF; open it and save or export it as PDF again"

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd files are ours to report


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one file may cost (settings: CITEWISE_MAX_FILE_MB, CITEWISE_MAX_UNZIPPED_MB,
    CITEWISE_MAX_TEXT_CHARS, CITEWISE_READ_TIMEOUT_S). A file over a bound is one failed file."""

    max_bytes: int = 200 * 2**20
    max_unzipped_bytes: int = 100 * 2**20
    max_text_chars: int = 10_000_000
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_zip_members: int = 10_000


def too_much_text(limit: int) -> ReadError:
    return ReadError(f"the file holds more than {limit:,} characters of text (CITEWISE_MAX_TEXT_CHARS): "
                     "split it into smaller files or raise the limit")


def detect_type(path: Path) -> str | None:
    """The reader for a file by its suffix, or None when citewise does not index that kind of file."""
    return SUPPORTED_TYPES.get(path.suffix.lower())


PageCallback = Callable[[int, int], None]  # (pages read, pages in the file), for progress


def read_document(
    path: Path, pdf_password: str | None = None, limits: ReadLimits | None = None,
    on_page: PageCallback | None = None,
) -> ParsedDocument:
    """Read one file. Raises ReadError (with the reason) for anything that cannot be indexed.

    The file is read once, as a regular file (never through a link, a FIFO or a device), within the
    size and time limits; zip-based formats are checked for their unpacked size before parsing, and the
    extracted text is capped (`ReadLimits`). `on_page(done, total)` is called after each page of a PDF
    (progress on large files).
    """
    limits = limits or ReadLimits()
    file_type = detect_type(path)
    if file_type is None:
        raise ReadError(f"unsupported file type '{path.suffix}'")
    data = read_bytes(path, limits.max_bytes, limits.timeout_s)
    if not data:
        raise ReadError("empty file: it holds no text to index (was it saved completely?)")
    if file_type == "pdf":
        return read_pdf(io.BytesIO(data), pdf_password, limits.max_text_chars, on_page)
    if file_type == "docx":
        return read_docx(io.BytesIO(data), limits)
    text, warnings = decode_text(data)
    if len(text) > limits.max_text_chars:
        raise too_much_text(limits.max_text_chars)
    reader = {"markdown": parse_markdown, "text": parse_text, "html": parse_html}[file_type]
    doc = reader(text)
    doc.warnings = warnings + doc.warnings
    if not doc.blocks:
        raise ReadError("no text in the file")
    return doc


# --- text decoding ----------------------------------------------------------------------------------
def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes of a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _clean(data.decode("utf-16")), []
        except UnicodeDecodeError:
            raise ReadError("broken UTF-16 text") from None
    head = data[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) * 0.05:
        raise ReadError("this looks like a binary file, not text (wrong file extension?)")
    try:
        return _clean(data.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    return _clean(text), ["not valid UTF-8: decoded as Windows-1252; re-save the file as UTF-8 if letters look wrong"]


def _clean(text: str) -> str:
    """Unify line ends, drop NULs and trailing blanks of each line (linear: no regex backtracking on long
    runs of spaces)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").split("\n")
    return "\n".join([line.rstrip(" \t\u00a0") for line in lines[:-1]] + lines[-1:])


# --- building a document ----------------------------------------------------------------------------
class _Builder:
    """Collects blocks and their offsets in the extracted text (blocks are joined by blank lines)."""

    def __init__(self, max_chars: int | None = None) -> None:
        self.parts: list[str] = []
        self.blocks: list[Block] = []
        self.length = 0
        self.max_chars = max_chars

    def add(self, text: str, page: int | None = None, headings: tuple[str, ...] = ()) -> None:
        text = text.strip()
        if not text:
            return
        if self.max_chars is not None and self.length + len(text) > self.max_chars:
            raise too_much_text(self.max_chars)
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        self.blocks.append(Block(text, self.length, page, headings))
        self.parts.append(text)
        self.length += len(text)

    def build(self, file_type: str, title: str | None, pages: int | None = None,
              warnings: list[str] | None = None) -> ParsedDocument:
        return ParsedDocument("".join(self.parts), self.blocks, file_type, title, pages, warnings or [])


def _set_heading(stack: list[tuple[int, str]], level: int, title: str) -> tuple[str, ...]:
    while stack and stack[-1][0] >= level:
        stack.pop()
    stack.append((level, title))
    return tuple(t for _, t in stack)


# --- plain text ---------------------------------------------------------------------------------------
def parse_text(text: str) -> ParsedDocument:
    out = _Builder()
    for para in re.split(r"\n\s*\n", text):
        out.add(para)
    return out.build("text", None)


# --- Markdown ----------------------------------------------------------------------------------------
# The closing #s of a heading are stripped in code: a lazy group followed by \s*#*\s*$ backtracks
# quadratically over a long run of spaces.
_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
# Bounded repeats: every match attempt looks at most a few thousand characters ahead, so a paragraph of
# 200,000 "[" or "](" does not make the substitution quadratic.
_LINK = re.compile(r"!\[([^\]]{0,1000})\]\([^)]{0,2000}\)|\[([^\]]{1,1000})\]\([^)]{0,2000}\)")


def _drop_comments(text: str) -> str:
    """Text without HTML comments `<!-- ... -->` (a linear scan: an unclosed `<!--` ends the text, and a
    thousand unclosed ones do not make the scan quadratic, as the regex `<!--.*?-->` would)."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            out.append(text[pos:])
            break
        end = text.find("-->", start + 4)
        if end < 0:  # unclosed: the regex would keep it, and so do we
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        pos = end + 3
    return "".join(out)


def _md_inline(text: str) -> str:
    """Readable text: links keep their words, images their alt text, HTML comments go."""
    return _LINK.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(1), text)


def parse_markdown(text: str) -> ParsedDocument:
    title: str | None = None
    lines = _drop_comments(text).split("\n")
    if lines and lines[0].strip() == "---":  # YAML front matter: keep its title, skip the rest
        for i in range(1, min(len(lines), 200)):
            if lines[i].strip() in ("---", "..."):
                for meta in lines[1:i]:
                    m = re.match(r"^title:\s*['\"]?(.*?)['\"]?\s*$", meta)
                    if m and m.group(1):
                        title = m.group(1)
                lines = lines[i + 1:]
                break
    out = _Builder()
    stack: list[tuple[int, str]] = []
    headings: tuple[str, ...] = ()
    para: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if para:
            out.add(_md_inline("\n".join(para)), None, headings)
            para.clear()

    for line in lines:
        if fence is not None:
            para.append(line)
            if line.strip().startswith(fence):
                fence = None
                flush()
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)[:3]
            para.append(line)
            continue
        atx = _ATX.fullmatch(line.rstrip("\n"))
        setext = _SETEXT.match(line) if para and len(para) == 1 and line.strip() else None
        if atx:
            flush()
            heading = _md_inline(atx.group(2).rstrip().rstrip("#").rstrip()).strip("*_` ")
            headings = _set_heading(stack, len(atx.group(1)), heading)
            title = title or (heading if len(atx.group(1)) == 1 else None)
        elif setext and not para[0].lstrip().startswith(("-", "*", "+")):
            heading = _md_inline(para.pop()).strip("*_` ")
            level = 1 if setext.group(1).startswith("=") else 2
            headings = _set_heading(stack, level, heading)
            title = title or (heading if level == 1 else None)
        elif not line.strip():
            flush()
        else:
            para.append(line)
    flush()
    return out.build("markdown", title)


# --- HTML --------------------------------------------------------------------------------------------
_HIDDEN_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "canvas", "head", "object"]
_BLOCK_TAGS = {"p", "li", "td", "th", "pre", "blockquote", "dd", "dt", "figcaption", "caption", "address",
               "div", "section", "article", "main", "aside", "header", "footer", "nav", "form", "table",
               "ul", "ol", "dl", "tr", "body", "h1", "h2", "h3", "h4", "h5", "h6"}


def parse_html(text: str) -> ParsedDocument:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(text, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup.find_all(_HIDDEN_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.attrs is None:
            continue
        style = str(tag.get("style", "")).replace(" ", "").lower()
        if tag.has_attr("hidden") or tag.get("aria-hidden") == "true" or "display:none" in style:
            tag.decompose()
    out = _Builder()
    stack: list[tuple[int, str]] = []
    headings: tuple[str, ...] = ()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            text = re.sub(r"[ \t\r\f\v]+", " ", "".join(pending))
            out.add(re.sub(r" ?\n ?", "\n", text), None, headings)
            pending.clear()

    def walk(node: Tag) -> None:
        nonlocal headings
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                pending.append(str(child))  # as is: "Un<b>believ</b>able" is one word
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                flush()
                heading = child.get_text(" ", strip=True)
                if heading:
                    headings = _set_heading(stack, int(name[1]), heading)
            elif name == "br":
                pending.append("\n")
            elif name in _BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(soup.body or soup)
    flush()
    if not title:
        first_h1 = next((t for lvl, t in stack if lvl == 1), None)
        title = first_h1
    return out.build("html", title)


# --- DOCX --------------------------------------------------------------------------------------------
def check_zip(source: io.BytesIO, limits: ReadLimits, kind: str = "DOCX") -> None:
    """Refuse a zip-based file whose members unpack to more than the limit (a zip bomb) before any part
    of it is inflated. zipfile never inflates a member past its declared size, so the declared sizes
    bound the work."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError(f"not a valid {kind} file ({type(exc).__name__}); was it saved as .doc?") from None
    finally:
        source.seek(0)
    if len(members) > limits.max_zip_members:
        raise ReadError(f"the {kind} file holds {len(members):,} parts, over the limit of "
                        f"{limits.max_zip_members:,}: it looks like a zip bomb and was not opened")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unzipped_bytes:
        raise ReadError(
            f"the {kind} file unpacks to {unpacked / 2**20:,.0f} MB, over the "
            f"{limits.max_unzipped_bytes / 2**20:,.0f} MB limit (CITEWISE_MAX_UNZIPPED_MB): it may be a zip "
            "bomb; it was not opened. Raise the limit if the file is genuine."
        )


def read_docx(source: Path | io.BytesIO, limits: ReadLimits | None = None) -> ParsedDocument:
    """A DOCX file (a path, or its bytes) as blocks with heading paths; zip bombs are refused unopened."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    limits = limits or ReadLimits()
    if isinstance(source, Path):
        source = io.BytesIO(read_bytes(source, limits.max_bytes, limits.timeout_s))
    check_zip(source, limits)
    try:
        document = docx.Document(source)
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise ReadError(f"not a valid DOCX file ({type(exc).__name__}); was it saved as .doc?") from None
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds for broken files
        raise ReadError(f"cannot open the DOCX file ({type(exc).__name__}: {exc})") from None
    out = _Builder(limits.max_text_chars)
    stack: list[tuple[int, str]] = []
    headings: tuple[str, ...] = ()
    title = (document.core_properties.title or "").strip() or None

    def items() -> Iterable[Any]:
        return document.iter_inner_content()

    for item in items():
        if isinstance(item, Paragraph):
            text = item.text.strip()
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            match = re.match(r"^(?:Heading|Überschrift|Titre|Título)\s*(\d)$", style)
            if style == "Title":
                title = title or text
                headings = _set_heading(stack, 0, text)
            elif match:
                headings = _set_heading(stack, int(match.group(1)), text)
            else:
                out.add(text, None, headings)
        elif isinstance(item, Table):
            rows = []
            for row in item.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))
                if any(cells):
                    rows.append(" | ".join(cells))
            out.add("\n".join(rows), None, headings)
    doc = out.build("docx", title)
    if not doc.blocks:
        raise ReadError("no text in the DOCX file")
    return doc


# --- PDF ---------------------------------------------------------------------------------------------
def read_pdf(
    source: Path | io.BytesIO, password: str | None = None, max_text_chars: int | None = None,
    on_page: PageCallback | None = None,
) -> ParsedDocument:
    """A PDF (a path, or its bytes) as blocks with 1-based pages and outline headings."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(source if isinstance(source, io.BytesIO) else str(source), strict=False)
        if reader.is_encrypted:
            opened = reader.decrypt(password or "")
            if not opened:
                if password:
                    raise ReadError("encrypted PDF: the password given does not open it")
                raise ReadError(NO_PASSWORD)
        page_count = len(reader.pages)
    except ReadError:
        raise
    except DependencyError as exc:
        raise ReadError(f"encrypted PDF needs a crypto library: {exc}") from None
    except FileNotDecryptedError:
        raise ReadError(NO_PASSWORD) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ReadError(f"not a readable PDF ({_short(exc)}){DAMAGED_PDF}") from None
    except Exception as exc:  # noqa: BLE001 - a broken PDF can make pypdf raise anything
        raise ReadError(f"not a readable PDF ({type(exc).__name__}: {_short(exc)}){DAMAGED_PDF}") from None
    if page_count == 0:
        raise ReadError("the PDF has no pages")

    outline = _outline_by_page(reader)
    title = _pdf_title(reader)
    subject = pdf_cover_subject(reader.pages[0])
    out = _Builder(max_text_chars)
    warnings: list[str] = []
    empty: list[int] = []
    failed: list[int] = []
    headings: tuple[str, ...] = ()
    for number in range(1, page_count + 1):
        headings = outline.get(number, headings)
        try:
            paragraphs = pdf_page_paragraphs(reader.pages[number - 1])
        except Exception:  # noqa: BLE001 - one bad page must not lose the others
            failed.append(number)
            continue
        if on_page is not None:
            on_page(number, page_count)
        if not paragraphs:
            empty.append(number)
            continue
        for para in paragraphs:
            out.add(para, number, headings)
    if failed:
        warnings.append(f"text of page(s) {_ranges(failed)} could not be extracted")
    if not out.blocks:
        warnings.append(NO_TEXT_LAYER)
    elif empty:
        warnings.append(f"page(s) {_ranges(empty)} have no text layer (images only?)")
    doc = out.build("pdf", title, page_count, warnings)
    doc.subject = subject
    return doc


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:160]


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _pdf_title(reader: Any) -> str | None:
    try:
        title = (reader.metadata.title or "").strip() if reader.metadata else ""
    except Exception:  # noqa: BLE001 - broken metadata is common and harmless
        return None
    if not title or title.lower() in {"untitled", "title"} or re.search(r"\.(docx?|pdf|tex|dvi)$", title, re.I):
        return None
    if not re.search(r"[^\W\d_]{3,}", title):  # an id like "0000320187-18-000142" is not a title
        return None
    return re.sub(r"^Microsoft Word - ", "", title)


MAX_SUBJECT_WORDS = 12


def pdf_cover_subject(page: Any) -> str | None:
    """The most prominent text of a page (the largest font that sets real words): on a report's or a
    filing's cover, its title or the company's name as the cover states it. None when nothing stands out.

    Found by type size alone, so it works for any kind of PDF; text in a size no larger than the page's
    body text is never taken.
    """
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            scale = abs(tm[3] or 1.0) * abs(cm[3] or 1.0) if tm and cm else 1.0
            pieces.append((round(size * scale, 1), text))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # noqa: BLE001 - the subject is optional; the page's text is read separately
        return None
    if not pieces:
        return None
    weights: dict[float, int] = {}
    for size, text in pieces:
        weights[size] = weights.get(size, 0) + len(text.strip())
    body = max(weights, key=lambda size: weights[size])  # the size most characters are set in
    for size in sorted({size for size, _ in pieces if size > body * 1.15}, reverse=True):
        parts = [t.strip() for s, t in pieces if s == size and t.strip()]
        # Separate lines set as separate pieces; letters set one by one ("F", "O", "R", "M") stay joined.
        text = "".join(p if i == 0 or (len(p) == 1 or len(parts[i - 1]) == 1) else " " + p
                       for i, p in enumerate(parts))
        words = text.split()
        letters = sum(ch.isalpha() for ch in text)
        if letters >= 3 and words and sum(len(w) == 1 for w in words) <= len(words) / 2:
            return " ".join(words[:MAX_SUBJECT_WORDS])
    return None


def _outline_by_page(reader: Any) -> dict[int, tuple[str, ...]]:
    """Heading path in force from each page where an outline entry starts (the last entry wins)."""
    found: dict[int, tuple[str, ...]] = {}

    def visit(items: list[Any], parents: tuple[str, ...]) -> None:
        last: tuple[str, ...] = parents
        for item in items:
            if isinstance(item, list):
                visit(item, last)
                continue
            try:
                title = str(item.title).strip()
                page = reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: BLE001 - dangling outline entries are common
                continue
            if title and page >= 1:
                last = (*parents, title)
                found[page] = last

    try:
        visit(reader.outline, ())
    except Exception:  # noqa: BLE001
        return {}
    return found


_BULLET = re.compile(r"^\s*(?:[-*•▪◦‣●]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
CELL = "\t"  # what separates the cells of a table row in extracted PDF text
SHORT_PAGE = 200  # letters and digits below which a page's layout text is checked against its plain text
_GAP = re.compile(r"(?<=\S)[^\S\n]{3,}(?=\S)")  # a column gap in pypdf's layout text
_WORDS = re.compile(r"[^\W\d_]{2,}")


def pdf_page_paragraphs(page: Any) -> list[str]:
    """A page's paragraphs, its tables kept as one row per line with their cells separated.

    pypdf's layout mode places text by its position: a table row (a label and its figures) stays on one
    line, and words are not split by the producer's spacing (on 285 pages of 22 SEC filings, 0.01% of
    words split against 0.33% in plain mode, which also sets each table cell on a line of its own). Its
    weakness is prose set in columns side by side, which it interleaves line by line; for such pages, and
    when layout extraction fails, the plain mode's reading order is used. Layout mode also leaves out
    rotated text, so a page where it finds little text (under SHORT_PAGE letters and digits) is read in
    plain mode too, and the plain text wins when it holds more than twice as much.
    """
    try:
        layout = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # noqa: BLE001 - the plain mode below is the fallback
        layout = ""
    if layout.strip() and not side_by_side_prose(layout):
        found = sum(ch.isalnum() for ch in layout)
        if found >= SHORT_PAGE:
            return pdf_paragraphs(layout_rows(layout), rows=True)
        plain = page.extract_text() or ""
        if sum(ch.isalnum() for ch in plain) <= 2 * found:
            return pdf_paragraphs(layout_rows(layout), rows=True)
        return pdf_paragraphs(plain)
    return pdf_paragraphs(page.extract_text() or "")


def side_by_side_prose(layout: str) -> bool:
    """Whether a page's layout text interleaves columns of prose (several words on both sides of a gap
    on at least a fifth of its lines, and on three lines or more)."""
    lines = [line.strip() for line in layout.split("\n") if line.strip()]
    columns = sum(
        sum(len(_WORDS.findall(cell)) >= 3 for cell in _GAP.split(line)) >= 2 for line in lines
    )
    return columns >= 3 and columns >= len(lines) / 5


def layout_rows(layout: str) -> str:
    """Layout text with its positioning spaces gone: cells joined by CELL, "$   4,466" as "$4,466"."""
    lines = []
    for line in _clean(layout).split("\n"):
        line = re.sub(r"([$€£(])\s+(?=[\d(])", r"\1", line.strip())
        lines.append(_GAP.sub(CELL, line))
    return "\n".join(lines)


def pdf_paragraphs(raw: str, rows: bool = False) -> list[str]:
    """Re-flow a page's extracted lines into paragraphs: join wrapped lines, undo hyphenation.

    With `rows`, lines holding CELL are table rows: each stays on its own line in its paragraph.
    """
    lines = [ln.strip() for ln in _clean(raw).split("\n")]
    widths = sorted(len(ln) for ln in lines if ln)
    if not widths:
        return []
    full = widths[int(len(widths) * 0.8)] if len(widths) > 4 else widths[-1]
    paragraphs: list[str] = []
    current = ""
    last = ""  # the previous line as extracted: a short one ends its paragraph
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            last = line
            continue
        if not current:
            current, last = line, line
            continue
        if rows and (CELL in line or CELL in last):
            current += "\n" + line
            last = line
            continue
        short = len(last) < 0.75 * full and last[-1] not in ",;-"
        if _BULLET.match(line) or short:
            paragraphs.append(current)
            current = line
        elif current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current += " " + line
        last = line
    if current:
        paragraphs.append(current)
    return [p for p in paragraphs if any(ch.isalnum() for ch in p)]

