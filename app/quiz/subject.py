"""What a quiz is about: the indexed documents a path, file name, title or collection name stands for."""

from __future__ import annotations

from pathlib import Path

from app.index import KnowledgeIndex
from app.index.catalog import FileRow
from app.quiz.model import QuizError

LIST_HINT = "`python -m ingest list` shows what is indexed"


def _label(row: FileRow) -> str:
    return Path(row.path).name


def resolve_subject(index: KnowledgeIndex, subject: str) -> tuple[str, list[FileRow]]:
    """(a name for the subject, its documents): an exact path, file name, file stem or title first, then a
    collection, then a unique part of a file name or title. Raises QuizError saying what to do."""
    wanted = subject.strip()
    if not wanted:
        raise QuizError(f"name a document to quiz on: a file name, path, title or collection; {LIST_HINT}")
    if index.is_empty():
        raise QuizError("the index is empty: index some documents first, e.g. `python -m ingest sync data/sample`")
    every = index.files()
    docs = [f for f in every if f.status == "ok" and f.chunk_count > 0]
    low = wanted.casefold()
    resolved = str(Path(wanted).expanduser().resolve()) if "/" in wanted or Path(wanted).exists() else wanted
    for matches in (
        [f for f in every if f.path in (wanted, resolved)],
        [f for f in every if Path(f.path).name.casefold() == low or Path(f.path).stem.casefold() == low],
        [f for f in every if (f.title or "").strip().casefold() == low],
        [f for f in every if f.path.casefold().endswith("/" + low.lstrip("./"))],
    ):
        if matches:
            usable = [f for f in matches if f in docs]
            if not usable:
                row = matches[0]
                why = f" ({row.error})" if row.error else " (no text was found in it)"
                raise QuizError(f"{_label(row)} is indexed but has nothing to quiz on{why}; "
                                "fix or replace the file and sync it again")
            return (_label(usable[0]) if len(usable) == 1 else wanted), usable
    if wanted in index.collections():
        in_collection = [f for f in docs if f.collection == wanted]
        if in_collection:
            return wanted, in_collection
    partial = [f for f in docs if low in Path(f.path).name.casefold() or low in (f.title or "").casefold()]
    if len(partial) == 1:
        return _label(partial[0]), partial
    if len(partial) > 1:
        names = ", ".join(_label(f) for f in partial[:8]) + (", ..." if len(partial) > 8 else "")
        raise QuizError(f"'{wanted}' matches {len(partial)} documents ({names}); give one file name, "
                        "or a collection name to quiz on several")
    raise QuizError(f"no indexed document or collection matches '{wanted}'; give a file name, path, title or "
                    f"collection name ({LIST_HINT})")
