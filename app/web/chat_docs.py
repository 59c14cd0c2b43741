"""What the chat offers about the index itself: the documents list, a scope to one document, and example
questions made from the documents' own section headings. Pure functions over index facts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.index import FileRow

EXAMPLES = 3
_WORDS = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*|[IVXivx]+|[A-Za-z])[.)]?\s+(?=\w)")


def document_entries(files: Sequence[FileRow]) -> list[dict[str, Any]]:
    """One entry per document for the documents panel (plain values, shown with textContent)."""
    return [
        {"path": f.path, "name": Path(f.path).name, "title": (f.title or "").strip() or Path(f.path).stem,
         "type": f.file_type, "pages": f.pages, "collection": f.collection}
        for f in files
    ]


def exact_path_glob(path: str) -> str:
    """A GLOB pattern that matches exactly `path` (the retrieval filter treats a plain string as
    'contains'; a bracket makes it a pattern, and brackets also escape the special characters)."""
    escaped = "".join(f"[{ch}]" if ch in "[]*?" else ch for ch in path)
    return escaped if "[" in escaped else f"[{escaped[0]}]{escaped[1:]}"


def example_questions(sections: Sequence[tuple[str, list[str]]], count: int = EXAMPLES) -> list[str]:
    """Up to `count` questions about section headings, each from a different file where possible.

    The deepest heading of a chunk names its section ("Re-indexing a folder"); a document's title alone
    (a one-level heading path) is used only when nothing deeper exists."""
    picked: list[str] = []
    seen_files: set[str] = set()
    seen_topics: set[str] = set()
    candidates = [(p, h[-1], len(h)) for p, h in sections if h]
    candidates.sort(key=lambda c: (c[2] < 2,))  # sections first, stable otherwise (file order)
    for allow_same_file in (False, True):
        for path, heading, _depth in candidates:
            heading = _NUMBERING.sub("", heading.strip())  # "1 Backups", "2.3) Limits"
            topic = " ".join(_WORDS.findall(heading))
            words = topic.split()
            if not 2 <= len(words) <= 8 or topic.lower() in seen_topics:
                continue
            if path in seen_files and not allow_same_file:
                continue
            seen_files.add(path)
            seen_topics.add(topic.lower())
            # A heading that is already a question ("Where is my data stored?") is asked as it is.
            picked.append(heading if heading.endswith("?") else _question(topic))
            if len(picked) == count:
                return picked
    return picked


def _question(topic: str) -> str:
    first = topic.split()[0]
    if first[1:].islower():  # "Re-indexing a folder" -> "re-indexing a folder"; keep "API keys", "Ollama"
        topic = topic[0].lower() + topic[1:]
    return f"What do the documents say about {topic}?"
