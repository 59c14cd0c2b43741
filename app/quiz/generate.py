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
from app.quiz.sentences import Candidate, candidates, similar, spread
from app.quiz.subject import resolve_subject

if TYPE_CHECKING:
    from app.services import Services

MAX_QUESTIONS = 100


def quotas(n: int, files: int) -> list[int]:
    """`n` questions shared as evenly as possible over `files` documents (earlier files get the rest)."""
    return [n // files + (1 if i < n % files else 0) for i in range(files)]


def offline_items(
    chunks: list[ChunkHit], n: int, kind: QuizKind, rng: random.Random, used: set[str],
    shared: Callable[[Candidate], bool] | None = None, asked_last: Callable[[Candidate], bool] | None = None,
) -> list[QuizItem]:
    """Up to `n` questions from one document's chunks, spread over it (see `sentences.spread`). Sentences
    `shared` says other documents hold are never asked; those `asked_last` marks only when the document
    has too few others."""
    remaining = candidates(chunks)
    if not remaining:
        return []
    keys = key_pool(chunks)
    made: list[tuple[Candidate, QuizItem]] = []
    first = _either(shared, asked_last)
    for refuse in (first, shared) if asked_last is not None else (shared,):
        for _ in range(4):  # a chosen sentence may have no usable key (mcq without distractors): choose again
            wanted = n - len(made)
            if wanted <= 0 or not remaining:
                break
            chosen = spread(remaining, wanted, refuse, placed=[c.place for c, _ in made])
            for cand in chosen:
                item = make_item(cand, kind, keys, used, rng)
                if item is not None:
                    made.append((cand, item))
            remaining = [c for c in remaining
                         if not any(c is o for o in chosen) and not any(similar(c, m) for m, _ in made)]
    made.sort(key=lambda pair: (pair[0].order, pair[0].start))
    return [item for _, item in made]


def _either(
    a: Callable[[Candidate], bool] | None, b: Callable[[Candidate], bool] | None,
) -> Callable[[Candidate], bool] | None:
    tests = [t for t in (a, b) if t is not None]
    return (lambda cand: any(t(cand) for t in tests)) if tests else None


def _cached(test: Callable[[Candidate], bool]) -> Callable[[Candidate], bool]:
    seen: dict[tuple[str, str], bool] = {}

    def cached(cand: Candidate) -> bool:
        key = (cand.chunk.path, cand.flat)
        if key not in seen:
            seen[key] = test(cand)
        return seen[key]

    return cached


def boilerplate(services: Services) -> Callable[[Candidate], bool]:
    """Whether another indexed document holds a candidate sentence word for word (never asked)."""
    return _cached(lambda cand: services.index.files_sharing_text(cand.flat, cand.chunk.path) > 0)


def same_wording(services: Services) -> Callable[[Candidate], bool]:
    """Whether another indexed document holds a candidate's wording with other figures (a yearly report's
    "Revenue grew 7% to $2.1 billion" next year with other numbers): without its answer such a question
    does not say which document it is about, so it is asked last."""
    return _cached(lambda cand: bool(services.index.files_sharing_wording(cand.flat, cand.chunk.path)))


def offline_quiz(services: Services, name: str, files: list[FileRow], n: int, kind: QuizKind,
                 notes: tuple[str, ...] = ()) -> Quiz:
    """A quiz made from the documents' own sentences (no language model)."""
    rng = random.Random(f"{name}:{kind}:{n}")
    used: set[str] = set()
    items: list[QuizItem] = []
    chunks_by_file = {f.path: services.index.file_chunks(f.path) for f in files}
    share = quotas(n, len(files))
    shared, asked_last = boilerplate(services), same_wording(services)
    for file, quota in zip(files, share, strict=True):
        items += offline_items(chunks_by_file[file.path], quota, kind, rng, used, shared, asked_last)
    if len(items) < n and len(files) > 1:  # documents with few good sentences leave room for the others
        for file in files:
            got = sum(1 for i in items if i.source.path == file.path)
            asked = {(i.source.passage_id, i.source.start) for i in items}
            items += [item for item in offline_items(chunks_by_file[file.path], got + n - len(items), kind, rng,
                                                     used, shared, asked_last)
                      if (item.source.passage_id, item.source.start) not in asked]  # one question per sentence
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


def make_quiz(services: Services, subject: str, n: int = 10, kind: QuizKind = "mcq",
              should_stop: Callable[[], bool] | None = None) -> Quiz:
    """A quiz of `n` questions of `kind` about `subject` (a path, file name or title of an indexed document,
    or a collection name), each cited to the passage and sentence that answers it.

    Raises QuizError (with what to do next) for an unknown subject, a bad kind or count, or a document with
    nothing to ask about; QuizCancelled when `should_stop()` turns true while a language model writes it."""
    if kind not in QUIZ_KINDS:
        raise QuizError(f"unknown kind '{kind}': use {', '.join(QUIZ_KINDS)}")
    if not 1 <= n <= MAX_QUESTIONS:
        raise QuizError(f"ask for between 1 and {MAX_QUESTIONS} questions (got {n})")
    name, files = resolve_subject(services.index, subject)
    if services.llm is not None:
        from app.quiz.llm_quiz import llm_quiz

        return llm_quiz(services, name, files, n, kind, should_stop)
    return offline_quiz(services, name, files, n, kind)
