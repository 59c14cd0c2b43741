"""Quizzes written by the configured language model, every item checked against its passage.

Passages are chosen as the offline generator chooses sentences (spread over the document) and sent in
small batches with the `quiz` prompt (A/B variants through CITEWISE_PROMPT_AB). The model answers
through LangChain's structured output (`with_structured_output(QuizDraft, method="json_schema")`), so
its reply is parsed into the pydantic schema below. An item is kept only when its quote occurs in the
passage it names, its answer occurs in its quote, a cloze blank hides the answer and a short question
does not give it away, and (mcq) it has three distractors of the answer's kind that differ from the
answer (the model's, topped up from the document's own keys). Others are dropped and counted. When
the model fails, or keeps nothing, the quiz is made offline with a note saying why.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from app.index.catalog import ChunkHit, FileRow
from app.quiz.generate import boilerplate, offline_quiz, quotas
from app.quiz.keys import Key, answer_form, answer_kind, same_answer, supported
from app.quiz.model import BLANK, Quiz, QuizCancelled, QuizItem, QuizKind, QuizSource
from app.quiz.offline import CHOICES, distractors, key_pool
from app.quiz.sentences import Candidate, candidates, spread

if TYPE_CHECKING:
    from app.services import Services

log = logging.getLogger(__name__)
BATCH = 5  # passages per request: short prompts, and one bad reply costs little
_BLANK_RUN = re.compile(r"_{3,}")


class DraftItem(BaseModel):
    """One question as the model writes it."""

    passage: int = Field(description="The number [n] of the passage the question comes from.")
    question: str = Field(description="The question; for cloze and mcq the quote with the answer as _____.")
    answer: str = Field(description="A short answer copied word for word from the quote.")
    quote: str = Field(description="One sentence copied exactly from the passage that states the answer.")
    page: int | None = Field(default=None, description="The page of the passage, as its label shows.")
    distractors: list[str] = Field(default_factory=list,
                                   description="mcq only: three wrong answers of the same kind as the answer.")


class QuizDraft(BaseModel):
    """The model's reply: the questions it wrote."""

    items: list[DraftItem]


def _label(chunk: ChunkHit) -> str:
    name = chunk.path.rsplit("/", 1)[-1]
    return name + (f" p. {chunk.page}" if chunk.page else "") + (f" · {chunk.headings[-1]}" if chunk.headings else "")


def choose_passages(
    chunks_by_file: dict[str, list[ChunkHit]], n: int, shared: Callable[[Candidate], bool] | None = None,
) -> list[ChunkHit]:
    """About `n` passages spread over the documents: those holding the sentences the offline generator
    would ask about (self-contained, with a key)."""
    chosen: list[ChunkHit] = []
    files = [path for path, chunks in chunks_by_file.items() if chunks]
    for path, quota in zip(files, quotas(n, len(files)) if files else [], strict=True):
        chunks = chunks_by_file[path]
        seen: set[str] = set()
        for cand in spread(candidates(chunks), quota, shared):
            if cand.chunk.passage_id not in seen:
                seen.add(cand.chunk.passage_id)
                chosen.append(cand.chunk)
    return chosen


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """The span of `quote` in `text`, white space and (failing that) case ignored; None when absent."""
    words = quote.strip().strip('"“”').split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


def check_item(
    draft: DraftItem, batch: list[ChunkHit], kind: QuizKind, pool: dict[str, dict[str, list[Key]]],
    used: set[str], rng: random.Random,
) -> QuizItem | None:
    """The draft as a quiz item when it holds up against its passage, else None (see the module doc)."""
    if not 1 <= draft.passage <= len(batch):
        return None
    chunk = batch[draft.passage - 1]
    span = locate(draft.quote, chunk.text)
    answer = " ".join(draft.answer.split()).strip(" .")
    question = " ".join(draft.question.split())
    if span is None or not answer or not question or answer_form(answer) in used:
        return None
    quote = chunk.text[span[0]:span[1]]
    if not supported(answer, quote):
        return None
    if kind == "short":
        if supported(answer, question):
            return None
    else:
        question = _BLANK_RUN.sub(BLANK, question)
        if BLANK not in question or supported(answer, question.replace(BLANK, " ")):
            return None
    kind_of = answer_kind(answer)
    choices: tuple[str, ...] = ()
    if kind == "mcq":
        wrong: list[str] = []
        for option in (" ".join(d.split()) for d in draft.distractors):
            if option and not same_answer(option, answer) and answer_kind(option) == kind_of \
                    and not any(same_answer(option, w) for w in wrong):
                wrong.append(option)
        if len(wrong) < CHOICES - 1:  # top up from the document's own keys of the same kind
            key = Key(0, len(answer), answer, kind_of, "")
            extra = distractors(key, question + " " + " ".join(wrong), pool[chunk.path], rng)
            wrong += extra[: CHOICES - 1 - len(wrong)]
        if len(wrong) < CHOICES - 1:
            return None
        order = [answer, *wrong[: CHOICES - 1]]
        rng.shuffle(order)
        choices = tuple(order)
    used.add(answer_form(answer))
    source = QuizSource(passage_id=chunk.passage_id, path=chunk.path, file_name=chunk.path.rsplit("/", 1)[-1],
                        page=chunk.page, headings=tuple(chunk.headings), text=chunk.text,
                        start=span[0], end=span[1])
    return QuizItem(kind=kind, question=question, answer=answer, source=source, choices=choices,
                    answer_kind=kind_of)


def llm_quiz(services: Services, name: str, files: list[FileRow], n: int, kind: QuizKind,
             should_stop: Callable[[], bool] | None = None) -> Quiz:
    """A quiz written by the configured LLM and checked item by item; offline (with a note) when it fails.
    Raises QuizCancelled, before its next request, once `should_stop()` is true."""
    from langchain_core.messages import HumanMessage

    from app.prompts import choose_variant, format_passages

    settings, prompts = services.settings, services.prompts
    variant = choose_variant(settings.prompt_ab, "quiz", name)
    template = prompts.get("quiz", variant)
    chunks_by_file = {f.path: services.index.file_chunks(f.path) for f in files}
    passages = choose_passages(chunks_by_file, n, boilerplate(services))
    if not passages:
        return offline_quiz(services, name, files, n, kind)
    pool = {path: key_pool(chunks) for path, chunks in chunks_by_file.items()}
    rng = random.Random(f"{name}:{kind}:{n}")
    items: list[QuizItem] = []
    dropped = 0
    used: set[str] = set()
    try:
        model = services.llm.model.with_structured_output(QuizDraft, method="json_schema")
        for start in range(0, len(passages), BATCH):
            if should_stop is not None and should_stop():
                raise QuizCancelled(f"the quiz on {name} was cancelled")
            batch = passages[start:start + BATCH]
            numbered = [(i, _label(c), c.text) for i, c in enumerate(batch, start=1)]
            prompt = template.render(count=len(batch), kind=kind, passages=format_passages(numbered))
            draft = model.invoke([HumanMessage(prompt)])
            if not isinstance(draft, QuizDraft):
                raise ValueError("the reply was not a quiz")
            for proposed in draft.items:
                item = check_item(proposed, batch, kind, pool, used, rng)
                if item is None:
                    dropped += 1
                elif len(items) < n:
                    items.append(item)
    except QuizCancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the model means the offline quiz, with the reason
        reason = _reason(exc)
        log.warning("quiz by the language model failed: %s", reason)
        notice = prompts.get("quiz_fallback_notice").render(reason=reason)
        return offline_quiz(services, name, files, n, kind, notes=(notice,))
    if not items:
        notice = prompts.get("quiz_fallback_notice").render(
            reason=f"none of its {dropped} questions matched the passage it cited")
        return offline_quiz(services, name, files, n, kind, notes=(notice,))
    notes: tuple[str, ...] = ()
    if dropped:
        notes = (f"{dropped} question(s) the language model wrote were left out: their quote or answer was not "
                 "found in the passage they cited.",)
    items.sort(key=lambda i: (i.source.path, i.source.page or 0, i.source.start))
    return Quiz(subject=name, kind=kind, items=tuple(items), generator="llm", dropped=dropped, notes=notes,
                prompt=template.label)


def _reason(exc: Exception) -> str:
    try:
        import openai

        from app.llm import describe_error

        if isinstance(exc, openai.OpenAIError):
            return describe_error(exc)
    except ImportError:  # pragma: no cover - openai ships with the app
        pass
    return "its reply was not a valid quiz" if not isinstance(exc, AttributeError) else "no chat model"

