"""`make_quiz`: questions about a document or collection, every answer cited to its passage.

Without a language model (the default) questions are sentences of the document with a key blanked or
asked for (`app/quiz/offline.py`). With one configured, it writes the questions through structured
output and each one is checked against its passage (`app/quiz/llm_quiz.py`); when the model fails the
quiz is made offline, with a note saying so.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.index.catalog import ChunkHit, FileRow
from app.quiz.keys import supported
from app.quiz.model import QUIZ_KINDS, Quiz, QuizError, QuizItem, QuizKind
from app.quiz.offline import key_pool, make_item
from app.quiz.sentences import Candidate, candidates, spread
from app.quiz.subject import resolve_subject

if TYPE_CHECKING:
    from app.services import Services

MAX_QUESTIONS = 100


def quotas(n: int, files: int) -> list[int]:
    """`n` questions shared as evenly as possible over `files` documents (earlier files get the rest)."""
    return [n // files + (1 if i < n % files else 0) for i in range(files)]


def offline_items(
    chunks: list[ChunkHit], n: int, kind: QuizKind, rng: random.Random, used: set[str],
    shared: Callable[[Candidate], bool] = lambda cand: False,
) -> list[QuizItem]:
    """Up to `n` questions from one document's chunks, spread over it (see `sentences.spread`).

    Sentences whose wording another document repeats (`shared`: a yearly report's "Revenue grew 7% to
    $2.1 billion" next year with other figures) are asked only when the document has too few others:
    without its answer such a question does not say which document it is about."""
    pool_of_sentences = candidates(chunks)
    if not pool_of_sentences:
        return []
    keys = key_pool(chunks)
    items: list[QuizItem] = []
    tried: set[tuple[int, int]] = set()
    deferred: list[Candidate] = []
    remaining: list[Candidate] = pool_of_sentences
    allow_shared = False
    for round_ in range(16):  # a chosen sentence may be shared or have no usable key: choose again
        wanted = n - len(items)
        if wanted > 0 and not allow_shared and deferred and (not remaining or round_ >= 12):
            allow_shared = True  # too few sentences of its own: ask the shared ones after all
            tried -= {(c.order, c.start) for c in deferred}
            remaining = [*remaining, *deferred]
        if wanted <= 0 or not remaining:
            break
        for cand in spread(remaining, wanted, len(chunks)):
            tried.add((cand.order, cand.start))
            if not allow_shared and shared(cand):
                deferred.append(cand)
                continue
            item = make_item(cand, kind, keys, used, rng)
            if item is not None:
                items.append(item)
        taken = {(i.source.passage_id, i.source.start) for i in items}
        remaining = [c for c in remaining if (c.order, c.start) not in tried
                     and all(not _near(c, i) for i in items) and (c.chunk.passage_id, c.start) not in taken]
    return sorted(items, key=lambda i: (i.source.page or 0, i.source.start))


def _near(cand: Candidate, item: QuizItem) -> bool:
    return cand.flat == " ".join(item.source.quote.split())


def offline_quiz(services: Services, name: str, files: list[FileRow], n: int, kind: QuizKind,
                 notes: tuple[str, ...] = ()) -> Quiz:
    """A quiz made from the documents' own sentences (no language model)."""
    rng = random.Random(f"{name}:{kind}:{n}")
    used: set[str] = set()
    items: list[QuizItem] = []
    chunks_by_file = {f.path: services.index.file_chunks(f.path) for f in files}
    share = quotas(n, len(files))
    seen: dict[tuple[str, str], bool] = {}

    def shared(cand: Candidate) -> bool:
        key = (cand.chunk.path, cand.flat)
        if key not in seen:
            seen[key] = bool(services.index.files_sharing_wording(cand.flat, cand.chunk.path))
        return seen[key]

    for file, quota in zip(files, share, strict=True):
        items += offline_items(chunks_by_file[file.path], quota, kind, rng, used, shared)
    if len(items) < n and len(files) > 1:  # documents with few good sentences leave room for the others
        for file in files:
            got = sum(1 for i in items if i.source.path == file.path)
            items += offline_items(chunks_by_file[file.path], got + n - len(items), kind, rng, used,
                                   shared)[got:]
            if len(items) >= n:
                break
    items = [i for i in items[:n] if supported(i.answer, i.source.quote)]  # checked, not trusted
    if not items:
        raise QuizError(f"nothing to quiz on in {name}: it has no sentence that stands on its own with a date, "
                        "figure, name or term to ask for (tables and headings are skipped); try another document"
                        + (" or --kind cloze (multiple choice needs three other answers of the same kind)"
                           if kind == "mcq" else ""))
    if len(items) < n:
        notes = (*notes, f"Only {len(items)} of the {n} questions asked for: the document has few sentences "
                         "that stand on their own with something to ask.")
    return Quiz(subject=name, kind=kind, items=tuple(items), generator="offline", notes=notes)


def make_quiz(services: Services, subject: str, n: int = 10, kind: QuizKind = "mcq") -> Quiz:
    """A quiz of `n` questions of `kind` about `subject` (a path, file name or title of an indexed document,
    or a collection name), each cited to the passage and sentence that answers it.

    Raises QuizError (with what to do next) for an unknown subject, a bad kind or count, or a document with
    nothing to ask about."""
    if kind not in QUIZ_KINDS:
        raise QuizError(f"unknown kind '{kind}': use {', '.join(QUIZ_KINDS)}")
    if not 1 <= n <= MAX_QUESTIONS:
        raise QuizError(f"ask for between 1 and {MAX_QUESTIONS} questions (got {n})")
    name, files = resolve_subject(services.index, subject)
    if services.llm is not None:
        from app.quiz.llm_quiz import llm_quiz

        return llm_quiz(services, name, files, n, kind)
    return offline_quiz(services, name, files, n, kind)
