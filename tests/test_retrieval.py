"""Hybrid retrieval over a real index: both signals, filters, diversity, duplicates, the relevance floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.retrieval import Filters, Retriever, fuse
from ingest.sync import SyncOptions, sync


@pytest.fixture
def retriever(settings, index, embedder, docs: Path) -> Retriever:  # noqa: ANN001
    sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    extra = docs.parent / "extra"
    extra.mkdir()
    (extra / "backups.md").write_text(
        "# Backups\n\n" + "\n\n".join(
            f"## Site {i}\n\nBackups of site {i} run every night and are kept for {i + 7} days on tape."
            for i in range(8)
        ), encoding="utf-8")
    (extra / "backups-copy.md").write_text(
        "# Backups\n\n## Site 0\n\nBackups of site 0 run every night and are kept for 7 days on tape.\n",
        encoding="utf-8")
    (extra / "vault.txt").write_text("Backup tapes leave the building every Friday for the vault.\n")
    sync(index, embedder, [extra], SyncOptions(collection="ops"))
    return Retriever(index, embedder, settings)


def test_dense_finds_a_paraphrase_and_keyword_an_exact_name(retriever: Retriever) -> None:
    dense = retriever.search("How much RAM is required?", mode="dense")
    assert "2 GB of memory" in dense.passages[0].text
    keyword = retriever.search("setup.exe", mode="keyword")
    assert "setup.exe" in keyword.passages[0].text
    hybrid = retriever.search("How much RAM does Foobar need?")
    assert "2 GB of memory" in hybrid.passages[0].text


def test_ranking_keeps_both_lists_and_the_fused_scores(retriever: Retriever) -> None:
    ranking = retriever.rank("help desk weekdays", "hybrid")
    assert ranking.dense and ranking.keyword and ranking.fused
    top = ranking.fused[0][0]
    assert top in dict(ranking.dense) and top in dict(ranking.keyword)
    result = retriever.search("help desk weekdays")
    first = result.passages[0]
    assert first.dense_score is not None and first.keyword_score is not None and first.file_name == "page.html"


def test_filters_by_collection_path_and_type(retriever: Retriever) -> None:
    ops = retriever.search("When do backups run?", filters=Filters(collection="ops"))
    assert ops.passages and {p.collection for p in ops.passages} == {"ops"}
    text_only = retriever.search("When do backup tapes leave?", filters=Filters(file_type="text"))
    assert {p.file_type for p in text_only.passages} == {"text"}
    by_glob = retriever.search("help desk", filters=Filters(path_glob="*.html"))
    assert by_glob.passages and all(p.path.endswith(".html") for p in by_glob.passages)


def test_one_long_document_cannot_fill_every_slot(retriever: Retriever) -> None:
    result = retriever.search("How long are backups kept on tape?", k=6)
    per_file: dict[str, int] = {}
    for p in result.passages:
        per_file[p.file_name] = per_file.get(p.file_name, 0) + 1
    assert per_file.get("backups.md", 0) <= 3
    assert "vault.txt" in per_file


def test_near_duplicate_passages_are_collapsed(retriever: Retriever) -> None:
    result = retriever.search("backups of site 0 kept 7 days", k=6)
    texts = [p.text for p in result.passages]
    assert sum("site 0 run every night" in t for t in texts) == 1


def test_unrelated_question_gets_no_passages_but_possibly_related(retriever: Retriever) -> None:
    result = retriever.search("What is the boiling point of mercury?")
    assert result.no_answer and result.passages == []
    assert result.possibly_related


def test_fusion_functions_order_by_combined_evidence() -> None:
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.4)]
    keyword = [("c", 12.0), ("b", 6.0)]
    fused = dict(fuse(dense, keyword))
    assert fused["b"] > 0 and fused["c"] > fused["b"]


def _reports(folder: Path) -> Path:
    """Three companies' annual reports that say the same kinds of things: only the name tells them apart."""
    folder.mkdir()
    for company, capex, sales in (("Globex", "1,577", "12.4"), ("Initech", "2,310", "8.9"), ("Umbrella", "905", "4.2")):
        sections = [
            f"## Capital expenditure\n\nCapital expenditure for FY2018 was ${capex} million, spent on plants.",
            f"## Sales\n\nNet sales grew to ${sales} billion in Q4 and the year, driven by new products.",
            "## Risks\n\nOur business depends on suppliers, interest rates and the economy in our markets.",
            "## Employees\n\nWe employ people in many countries and train them every year.",
        ] + [f"## Note {i}\n\nThe Form 10-K note {i} describes accounting policies for leases." for i in range(6)]
        (folder / f"{company.lower()}_2018_annual_report.md").write_text(
            f"# {company} Annual Report 2018\n\n" + "\n\n".join(sections), encoding="utf-8")
    return folder


@pytest.fixture
def report_retriever(settings, index, embedder, tmp_path: Path) -> Retriever:  # noqa: ANN001
    sync(index, embedder, [_reports(tmp_path / "reports")], SyncOptions())
    return Retriever(index, embedder, settings)


def test_a_question_naming_a_document_gets_that_documents_passages(report_retriever: Retriever) -> None:
    result = report_retriever.search("What was Initech's capital expenditure?", k=6)
    assert result.passages[0].file_name == "initech_2018_annual_report.md"
    assert "2,310" in result.passages[0].text
    # The named document may fill more than half of the slots: the question is about it.
    named = [p for p in result.passages if p.file_name.startswith("initech")]
    assert len(named) > 3


def test_without_a_named_document_results_are_spread_over_files(report_retriever: Retriever) -> None:
    result = report_retriever.search("How much was spent on capital expenditure?", k=6)
    assert len({p.file_name for p in result.passages}) == 3


@pytest.mark.parametrize(("query", "expected"), [
    ("FY2018", "Capital expenditure for FY2018"), ("$1,577", "$1,577 million"), ("1577", "$1,577 million"),
    ("Q4 sales", "in Q4"), ("10-K", "Form 10-K"), ("10K", "Form 10-K"),
])
def test_short_tokens_and_figures_are_searchable(report_retriever: Retriever, query: str, expected: str) -> None:
    hits = report_retriever.index.catalog.keyword_search(query, 5)
    assert hits, query
    texts = [h.text for h in report_retriever.index.chunks_for([hits[0][0]])[hits[0][0]]]
    assert any(expected in t for t in texts)


def test_a_short_name_like_3m_is_a_search_term(settings, index, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "makers"
    folder.mkdir()
    (folder / "a.md").write_text("# Suppliers\n\n3M supplies the adhesive tape for the assembly line.\n")
    (folder / "b.md").write_text("# Suppliers\n\nAvery supplies the labels for the packaging line.\n")
    sync(index, embedder, [folder], SyncOptions())
    hits = index.catalog.keyword_search("Who is 3M?", 5)
    assert len(hits) == 1 and "3M supplies" in index.chunks_for([hits[0][0]])[hits[0][0]][0].text


def test_a_year_in_the_question_picks_that_years_report_of_the_named_company(
    settings, index, embedder, tmp_path: Path,  # noqa: ANN001
) -> None:
    folder = tmp_path / "years"
    folder.mkdir()
    for company in ("Globex", "Initech"):
        for year, capex in ((2017, "1,101"), (2018, "1,577"), (2019, "1,890")):
            (folder / f"{company.lower()}_{year}_annual_report.md").write_text(
                f"# {company} annual report\n\n## Capital expenditure\n\nCapital expenditure was ${capex} million in "
                f"{year}, up from the year before.\n\n## Outlook\n\nWe expect growth in {year + 1} and {year + 2}.\n",
                encoding="utf-8")
    sync(index, embedder, [folder], SyncOptions())
    retriever = Retriever(index, embedder, settings)
    named = retriever.named_files("What was Initech's capital expenditure in FY2018?")
    assert max(named, key=lambda path: named[path]).endswith("initech_2018_annual_report.md")
    assert all("initech" in Path(path).name for path in named)
    result = retriever.search("What was Initech's capital expenditure in FY2018?", k=4)
    assert result.passages[0].file_name == "initech_2018_annual_report.md"


def _report_of(company: str, year: int, capex: str) -> str:
    """An annual report about `year` (filed the next year): it compares `year` with the two before it."""
    return (
        f"# {company} annual report\n\nFiled in March {year + 1}.\n\n"
        f"## Capital expenditure\n\nCapital expenditure was ${capex} million in {year}, compared with "
        f"{year - 1} and {year - 2}. In {year} we opened two plants.\n\n"
        f"## Results\n\nNet sales in {year} rose over {year - 1}. Margins in {year} were stable.\n\n"
        f"## Outlook\n\nWe expect growth in {year + 1} and beyond.\n"
    )


def test_the_report_about_the_year_asked_wins_even_when_its_name_carries_no_year(
    settings, index, embedder, tmp_path: Path,  # noqa: ANN001
) -> None:
    folder = tmp_path / "filed"
    folder.mkdir()
    for name, year, capex in (("first", 2017, "1,101"), ("second", 2018, "1,577"), ("third", 2019, "1,890")):
        (folder / f"initech_{name}.md").write_text(_report_of("Initech", year, capex), encoding="utf-8")
    for other in ("Globex", "Umbrella", "Hooli", "Vandelay", "Acme", "Stark", "Wayne"):
        (folder / f"{other.lower()}.md").write_text(_report_of(other, 2018, "905"), encoding="utf-8")
    sync(index, embedder, [folder], SyncOptions())
    retriever = Retriever(index, embedder, settings)
    periods = index.catalog.file_periods([str(folder / "initech_second.md")])
    assert periods[str(folder / "initech_second.md")] == {"2018"}
    # The year asked, not the year filed (2019 is on the 2018 report's cover too).
    named = retriever.named_files("What was Initech's capital expenditure in FY2018?")
    assert [Path(p).name for p in named] == ["initech_second.md"]
    assert retriever.search("What was Initech's capital expenditure in FY2018?", k=4).passages[0] \
        .file_name == "initech_second.md"
    # A change between two years is read in the later year's report, which holds both.
    assert [Path(p).name for p in retriever.named_files("How did Initech's capital expenditure change "
                                                        "from FY2018 to FY2019?")] == ["initech_third.md"]
    # A year after every report: the latest report before it (its outlook speaks of it).
    assert [Path(p).name for p in retriever.named_files("What does Initech expect for 2021?")] == [
        "initech_third.md"]
    # A year no report is about: the next report, which holds it as its comparative year.
    assert [Path(p).name for p in retriever.named_files("What was Initech's capital expenditure in 2016?")] == [
        "initech_first.md"]
    # No year: every report of the named company stays named.
    assert len(retriever.named_files("What does Initech spend on plants?")) == 3


def test_a_name_written_as_one_word_in_the_file_name_is_found(
    settings, index, embedder, tmp_path: Path,  # noqa: ANN001
) -> None:
    folder = tmp_path / "joined"
    folder.mkdir()
    (folder / "UMBRELLACORP_2018_report.md").write_text(
        "# Annual report\n\n## Capital expenditure\n\nCapital expenditure was $905 million, spent on labs.\n",
        encoding="utf-8")
    for other in ("globex", "initech"):
        (folder / f"{other.upper()}_2018_report.md").write_text(
            "# Annual report\n\n## Capital expenditure\n\nCapital expenditure was $1,200 million on plants. "
            "Our suppliers include an umbrella maker and a corp of engineers.\n", encoding="utf-8")
    sync(index, embedder, [folder], SyncOptions())
    retriever = Retriever(index, embedder, settings)
    named = retriever.named_files("What was Umbrella Corp's capital expenditure?")
    assert [Path(p).name for p in named] == ["UMBRELLACORP_2018_report.md"]
    result = retriever.search("What was Umbrella Corp's capital expenditure?", k=3)
    assert result.passages[0].file_name == "UMBRELLACORP_2018_report.md"


def test_the_answers_pool_reads_on_in_the_document_found_and_only_there(
    settings, index, embedder, tmp_path: Path,  # noqa: ANN001
) -> None:
    docs = tmp_path / "tables"
    docs.mkdir()
    rows = "\n".join(f"Spare part {n}\t{n * 7}\t{n * 9}" for n in range(1, 61))
    (docs / "parts.md").write_text(
        "# Warehouse inventory\n\n## Spare parts on hand\n\nItem\t2024\t2023\n" + rows + "\n", encoding="utf-8")
    (docs / "other.md").write_text("# Holidays\n\nThe warehouse closes on public holidays.\n", encoding="utf-8")
    assert not sync(index, embedder, [docs], SyncOptions()).failed
    retriever = Retriever(index, embedder, settings.model_copy(update={"top_k": 1}))
    found = retriever.search("How many of spare part 1 were on hand in 2024?")
    assert found.passages and found.passages[0].file_name == "parts.md"
    pool = found.candidates
    assert pool[0] is found.passages[0], "the shown passages come first"
    assert any("Spare part 60" in p.text for p in pool), "the rest of the table is in the pool"
    assert found.focus == {found.passages[0].path} and all(p.file_name == "parts.md" for p in pool)


def _add_file(catalog, path: str, texts: list[str]) -> None:  # noqa: ANN001 - Catalog
    from app.index.catalog import NewChunk

    chunks = [NewChunk(n, f"{path}-{n}", text, "", None, [], 0, len(text), 10) for n, text in enumerate(texts)]
    with catalog.transaction() as conn:
        catalog.write_file(conn, {"path": path, "collection": "default", "file_type": "text", "status": "ok",
                                  "chunk_count": len(chunks), "ingested_at": "2026-11-27T00:00:00Z"}, chunks)


def test_term_counts_follow_documents_added_by_this_process_and_by_another(tmp_path: Path) -> None:
    """The index remembers how many passages hold a word (every question looks its words up); a sync in
    this process or in another one (`python -m ingest sync` beside the running app) must show at once."""
    from app.index.catalog import Catalog

    path = tmp_path / "catalog.sqlite3"
    app_side = Catalog(path)
    _add_file(app_side, "/docs/a.txt", ["Neptune has fourteen known moons.", "Uranus rolls on its side."])
    assert app_side.document_frequency("neptune") == 1
    assert app_side.passage_count() == 2
    assert app_side.term_statistics("Neptune moons", ["/docs/a.txt-0"])["neptune"]["df"] == 1

    _add_file(app_side, "/docs/b.txt", ["Neptune was found in 1846."])
    assert app_side.document_frequency("neptune") == 2

    ingest_side = Catalog(path)  # another connection, as an ingest process has
    _add_file(ingest_side, "/docs/c.txt", ["Triton circles Neptune backwards.", "Neptune is blue."])
    ingest_side.close()
    assert app_side.document_frequency("neptune") == 4
    assert app_side.passage_count() == 5
    stats = app_side.term_statistics("Neptune Triton", ["/docs/c.txt-0"])
    assert stats["neptune"]["df"] == 4 and stats["triton"]["found"]
    app_side.close()



def _statement_pdf(path: Path) -> Path:
    """A report as a PDF without an outline: pages of discussion that use the question's words, then the
    statements, each page titled only by its first lines, then notes under a running head."""
    from fpdf import FPDF

    pdf = FPDF()

    def page(title: list[str], rows: list[tuple[str, ...]] | None = None, prose: str = "") -> None:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in title:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        for label, *figures in rows or []:
            pdf.cell(100, 6, label)
            for figure in figures:
                pdf.cell(35, 6, figure, align="R")
            pdf.ln(6)
        if prose:
            pdf.multi_cell(0, 6, prose)

    page(["INITRODE HOLDINGS", "Annual Report 2023"])
    for n in range(6):
        page(["Liquidity and Capital Resources"], prose=" ".join([
            f"In 2023 we spent cash on equipment for plant {n}, as the cash flow statement shows, and expect to "
            f"spend more cash on equipment in 2024. Cash flow from our operations funded the equipment we bought "
            f"for plant {n}; how much we spend on equipment depends on demand."] * 3))
    page(["INITRODE HOLDINGS", "CONSOLIDATED BALANCE SHEETS", "(in millions)"],
         [("", "2023", "2022"), ("Cash and cash equivalents", "2,310", "1,905"), ("Inventories", "1,120", "998"),
          ("Total current assets", "4,870", "4,102"), ("Total assets", "12,640", "11,875")])
    page(["INITRODE HOLDINGS", "CONSOLIDATED STATEMENTS OF CASH FLOWS", "(in millions)"],
         [("", "2023", "2022"), ("Net income", "1,466", "1,320"), ("Depreciation", "402", "388"),
          ("Purchases of machinery", "(1,204)", "(980)"), ("Dividends paid", "(310)", "(295)"),
          ("Net change in cash", "405", "211")])
    for n in range(3):
        page(["INITRODE HOLDINGS", "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"],
             prose=f"Note {n + 1}. Our accounting for leases, pensions and taxes follows the standards of 2023.")
    pdf.output(str(path))
    return path


def test_a_question_naming_a_statement_is_shown_that_statements_page(
    settings, index, embedder, tmp_path: Path,  # noqa: ANN001
) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    _statement_pdf(folder / "initrode_2023.pdf")
    assert not sync(index, embedder, [folder], SyncOptions()).failed
    retriever = Retriever(index, embedder, settings.model_copy(update={"top_k": 4}))
    plain = retriever.search("How much cash did Initrode spend on equipment in 2023?")
    assert all(p.page != 9 for p in plain.passages), "the discussion pages share more words with the question"
    named = retriever.search("How much cash did Initrode spend on equipment in 2023, according to the "
                             "cash flow statement?")
    pages = [p.page for p in named.passages]
    assert 9 in pages, pages
    assert 8 not in pages, "the balance sheet is not the statement the question names"
    assert len(named.passages) == 4
