"""The chunker: passages fit the model's window, keep exact spans, pages and headings."""

from __future__ import annotations

from app.text import sentence_spans
from ingest.chunking import MAX_HEADER_TOKENS, WINDOW, chunk_document, document_header, make_context
from ingest.documents import Block, ParsedDocument


def _doc(blocks: list[tuple[str, int | None, tuple[str, ...]]]) -> ParsedDocument:
    text, out = "", []
    for body, page, headings in blocks:
        if text:
            text += "\n\n"
        out.append(Block(body, len(text), page, headings))
        text += body
    return ParsedDocument(text=text, blocks=out, file_type="markdown", title="Manual")


def _chunks(doc: ParsedDocument, embedder, **kwargs):  # noqa: ANN001, ANN202
    return chunk_document(doc, embedder.count_tokens_batch, embedder.token_offsets, **kwargs)


def test_sentence_spans_keep_abbreviations_together() -> None:
    text = "Use a flag, e.g. the --prune flag. Then run it again! Done?"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["Use a flag, e.g. the --prune flag.", "Then run it again!", "Done?"]


def test_every_chunk_fits_the_embedding_window_with_its_context(embedder) -> None:  # noqa: ANN001
    sentence = "The pressure relief valve must be inspected by a certified technician every month. "
    doc = _doc([(sentence * 60, 1, ("Safety", "Valves")), ("One more closing remark.", 2, ("Safety",))])
    chunks = _chunks(doc, embedder, chunk_tokens=200)
    assert len(chunks) > 3
    for chunk in chunks:
        embedded = f"{chunk.context}\n\n{chunk.text}"
        assert embedder.count_tokens(embedded) <= WINDOW
        assert chunk.token_count <= 200


def test_spans_point_at_the_chunk_text_in_the_document(embedder) -> None:  # noqa: ANN001
    doc = _doc([
        ("First paragraph about solar panels. It has two sentences.", 1, ("Intro",)),
        ("Second page text about inverters.", 2, ("Intro",)),
    ])
    for chunk in _chunks(doc, embedder):
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_chunks_never_cross_pages_or_headings(embedder) -> None:  # noqa: ANN001
    doc = _doc([
        ("Alpha text on page one.", 1, ("A",)),
        ("Beta text on page two.", 2, ("A",)),
        ("Gamma text under another heading.", 2, ("B",)),
    ])
    chunks = _chunks(doc, embedder)
    assert [(c.page, c.headings, c.text) for c in chunks] == [
        (1, ("A",), "Alpha text on page one."),
        (2, ("A",), "Beta text on page two."),
        (2, ("B",), "Gamma text under another heading."),
    ]
    assert chunks[0].context == "Manual > A"


def test_neighbouring_chunks_overlap_by_whole_sentences(embedder) -> None:  # noqa: ANN001
    sentences = [f"Sentence number {i} talks about topic {i} in some detail here." for i in range(80)]
    doc = _doc([(" ".join(sentences), None, ())])
    chunks = _chunks(doc, embedder, chunk_tokens=100, overlap_tokens=20)
    assert len(chunks) >= 3
    for first, second in zip(chunks, chunks[1:], strict=False):
        last_sentence = first.text.rsplit(". ", 1)[-1]
        assert second.text.startswith(last_sentence.rstrip("."))
    # and every sentence is in some chunk
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)


def test_a_sentence_longer_than_the_window_is_cut_not_dropped(embedder) -> None:  # noqa: ANN001
    long = "word " * 700
    doc = _doc([(long.strip() + ".", None, ())])
    chunks = _chunks(doc, embedder, chunk_tokens=200)
    assert sum(c.text.count("word") for c in chunks) >= 700
    assert all(c.token_count <= 200 for c in chunks)


def test_punctuation_only_blocks_make_no_chunk(embedder) -> None:  # noqa: ANN001
    doc = _doc([("* * *", None, ()), ("Real content is here.", None, ())])
    assert [c.text for c in _chunks(doc, embedder)] == ["Real content is here."]


def test_context_joins_title_and_headings_without_repeats() -> None:
    assert make_context("Guide", ("Guide", "Install")) == "Guide > Install"
    assert make_context(None, ()) == ""


def test_document_header_names_subject_title_file_and_collection_once() -> None:
    header = document_header("Pump Guide", "ACME Corp", "pump_guide-2024.pdf", "manuals")
    assert header == "ACME Corp · Pump Guide · pump guide 2024 · manuals"
    # A file name without words and the default collection say nothing; a repeated title is left out.
    assert document_header("Effects of aspirin", None, "4983.md", "default") == "Effects of aspirin"
    assert document_header(None, None, "OperationsHandbook.md") == "Operations Handbook"
    assert make_context("Pump Guide · manuals", ("Pump Guide", "Seals")) == "Pump Guide · manuals > Seals"


def test_every_chunk_carries_the_header_within_the_window(embedder) -> None:  # noqa: ANN001
    sentence = "The pressure relief valve must be inspected by a certified technician every month. "
    doc = _doc([(sentence * 40, 3, ("Safety",))])
    long_header = document_header("Pump Guide " * 30, "Globex Corporation", "globex-pumps.pdf")
    chunks = _chunks(doc, embedder, chunk_tokens=200, header=long_header)
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.context.startswith("Globex Corporation · Pump Guide") and chunk.context.endswith("> Safety")
        assert chunk.header == chunks[0].header and embedder.count_tokens(chunk.header) <= MAX_HEADER_TOKENS + 1
        assert embedder.count_tokens(f"{chunk.context}\n\n{chunk.text}") <= WINDOW


def test_table_rows_are_units_of_their_own(embedder) -> None:  # noqa: ANN001
    rows = "\n".join(f"Line item {i}\t{i},000\t{i + 1},000" for i in range(1, 120))
    doc = _doc([(rows, 7, ("Balance sheet",))])
    chunks = _chunks(doc, embedder, chunk_tokens=120)
    assert len(chunks) > 2
    for chunk in chunks:  # cut between rows, never inside one
        assert all(line.startswith("Line item ") and line.count("\t") == 2 for line in chunk.text.split("\n"))
