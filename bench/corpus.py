"""Benchmark corpora: PDFs written from SciFact abstracts (or generated prose when it is absent)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
SCIFACT = SHARED / "scifact-train" / "corpus.jsonl"

_WORDS = (
    "system data model index query passage answer document retrieval vector keyword page heading "
    "section cluster sample measure result method study patient protein cell growth signal energy "
    "network storage latency memory design trade-off policy review budget quarter report team"
).split()


def abstracts() -> Iterator[tuple[str, str]]:
    """(title, text) pairs: SciFact abstracts when the shared folder is there, else generated prose."""
    if SCIFACT.exists():
        while True:
            with SCIFACT.open(encoding="utf-8") as handle:
                for line in handle:
                    entry = json.loads(line)
                    if entry.get("text"):
                        yield entry.get("title") or "Untitled", entry["text"]
    rng = random.Random(7)
    while True:
        sentences = [
            " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
            for _ in range(rng.randint(6, 12))
        ]
        yield " ".join(rng.choice(_WORDS) for _ in range(5)).title(), " ".join(sentences)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def write_pdfs(folder: Path, files: int, pages_per_file: int) -> int:
    """Write `files` PDFs of `pages_per_file` pages (one abstract per page); returns the page count."""
    from fpdf import FPDF

    folder.mkdir(parents=True, exist_ok=True)
    source = abstracts()
    for i in range(files):
        pdf = FPDF()
        pdf.set_auto_page_break(False)
        pdf.set_font("Helvetica", size=10)
        for _ in range(pages_per_file):
            title, text = next(source)
            pdf.add_page()
            pdf.set_font("Helvetica", style="B", size=12)
            pdf.multi_cell(0, 6, _latin1(title)[:200], new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 5, _latin1(text)[:3500], new_x="LMARGIN", new_y="NEXT")
        pdf.output(str(folder / f"report-{i:04d}.pdf"))
    return files * pages_per_file
