"""Write data/sample/operations-handbook.pdf, the bundled multi-page sample PDF (needs fpdf2, a dev extra).

The PDF is committed; run this only to change its text: `python scripts/make_sample_pdf.py`.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).resolve().parent.parent / "data" / "sample" / "operations-handbook.pdf"

SECTIONS: list[tuple[str, list[str]]] = [
    ("1. Backups", [
        "The index lives in the data folder (var/ by default). Back it up while no sync is running: copy "
        "the whole folder, including the catalog.sqlite3 file and the chroma folder, to another disk.",
        "A nightly backup is enough for most teams, because the index can always be rebuilt from the "
        "original documents. Keep at least seven daily copies.",
        "To restore a backup, stop citewise, replace the data folder with the copy and start citewise "
        "again. No re-indexing is needed after a restore.",
    ]),
    ("2. Upgrading", [
        "Before upgrading, make a backup of the data folder. Then pull the new version and run make run; "
        "the installer updates the virtual environment in place.",
        "If a new version changes the embedding model, citewise refuses to open the old index and says "
        "so. Run python -m ingest reembed to embed all passages again with the new model; the original "
        "files are not needed for this.",
    ]),
    ("3. Monitoring", [
        "The admin console at /console shows the number of queries per day, the latency of each stage "
        "and the share of questions that had no answer in the documents.",
        "Teams that use Prometheus can scrape the metrics endpoint at /metrics. It exposes query counts, "
        "latency, token usage and cost, feedback and moderation decisions.",
        "A rising no-answer rate usually means that readers ask about documents that were never indexed. "
        "Look at the recent questions in the console and add the missing documents.",
    ]),
    ("4. Troubleshooting", [
        "If the chat says that the index is empty, run python -m ingest sync with the folder of your "
        "documents, then reload the page.",
        "If a file is reported as failed, the sync output gives the reason, for example an encrypted PDF "
        "without its password or a file that is not really text. Fix the file and run the sync again; "
        "only the failed and changed files are processed.",
        "If answers are slow with a language model, check the model server first: the retrieval step "
        "itself takes a few milliseconds. The timings under each answer show where the time went.",
    ]),
    ("5. Scaling out", [
        "By default Chroma runs inside the citewise process and stores its data in the data folder. To "
        "grow past one machine, start a Chroma server with chroma run --path /srv/chroma --port 8000 and "
        "set CITEWISE_CHROMA_URL=http://chroma-host:8000 for every citewise process.",
        "The catalog and keyword index stay in SQLite in each data folder; run the ingestion from one "
        "machine so that they stay in step with the vectors.",
    ]),
]


def main() -> None:
    pdf = FPDF(format="A4")
    pdf.set_title("citewise operations handbook")
    pdf.set_author("The citewise team")
    pdf.set_auto_page_break(auto=True, margin=20)
    for title, paragraphs in SECTIONS:
        pdf.add_page()
        pdf.start_section(title)
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, title)
        pdf.ln(2)
        pdf.set_font("Helvetica", size=11)
        for para in paragraphs:
            pdf.multi_cell(0, 6, para)
            pdf.ln(3)
    pdf.output(str(OUT))
    print(f"wrote {OUT} ({len(SECTIONS)} pages)")


if __name__ == "__main__":
    main()
