"""Compare pypdf's plain and layout text extraction page by page, and citewise's choice between them.

`python -m bench.pdf_text FOLDER [--every N]` samples every N-th page of each PDF under FOLDER and
prints, per mode: seconds per page, the split-word rate (adjacent words that are not both in the
embedding model's vocabulary but are one word of it when joined, like "reconc iles") and the share of
lines holding a figure that also hold a label (a table row read as one line).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from ingest.readers import CELL, pdf_page_paragraphs

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2" / "vocab.txt"
_WORD = re.compile(r"[A-Za-z]+")
_FIGURE = re.compile(r"\d[\d,]{2,}")


def split_rate(text: str, vocab: set[str]) -> float | None:
    """Share of words that look split off their neighbour; None for pages of under 20 words."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 20:
        return None
    splits = sum(1 for a, b in zip(words, words[1:], strict=False)
                 if (a not in vocab or b not in vocab) and a + b in vocab)
    return splits / len(words)


def labelled_figures(text: str) -> float | None:
    """Share of the lines with a figure that also hold a word of three letters (a row with its label)."""
    lines = [line for line in text.split("\n") if _FIGURE.search(line)]
    if not lines:
        return None
    return sum(1 for line in lines if re.search(r"[A-Za-z]{3,}", line)) / len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--every", type=int, default=10, help="sample every N-th page")
    args = parser.parse_args()
    vocab = {w.strip() for w in VOCAB.read_text(encoding="utf-8").splitlines() if w.strip().isalpha()}
    modes: dict[str, Callable[[Any], str]] = {
        "plain": lambda page: page.extract_text() or "",
        "layout": lambda page: page.extract_text(extraction_mode="layout") or "",
        "citewise": lambda page: "\n\n".join(pdf_page_paragraphs(page)).replace(CELL, "  "),
    }
    stats: dict[str, dict[str, list[float]]] = {m: {"s": [], "split": [], "rows": []} for m in modes}
    for path in sorted(args.folder.rglob("*.pdf")):
        try:
            reader = PdfReader(str(path), strict=False)
            pages = list(reader.pages)
        except Exception:  # noqa: BLE001 - unreadable files are the readers' tests' business
            continue
        for page in pages[:: args.every]:
            for mode, extract in modes.items():
                started = time.perf_counter()
                try:
                    text = extract(page)
                except Exception:  # noqa: BLE001
                    continue
                stats[mode]["s"].append(time.perf_counter() - started)
                for key, value in (("split", split_rate(text, vocab)), ("rows", labelled_figures(text))):
                    if value is not None:
                        stats[mode][key].append(value)
    print(f"{'mode':<10}{'pages':>7}{'s/page':>9}{'split words':>13}{'labelled figure lines':>23}")
    for mode, values in stats.items():
        def mean(key: str, values: dict[str, list[float]] = values) -> float:
            return statistics.mean(values[key]) if values[key] else 0.0
        print(f"{mode:<10}{len(values['s']):>7}{mean('s'):>9.3f}{mean('split'):>13.2%}{mean('rows'):>23.1%}")


if __name__ == "__main__":
    main()
