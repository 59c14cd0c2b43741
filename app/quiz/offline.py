"""Questions made without a language model: a sentence of the document with one key blanked or asked for.

The answer is the key's text, cut from the quoted sentence, so it is supported by the quote by
construction (and checked again). Multiple-choice distractors are keys of the same kind (a figure for a
figure, a year for a year, a name for a name) found elsewhere in the same document, never the answer
itself and never a word already shown in the question.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from pathlib import Path

from app.index.catalog import ChunkHit
from app.quiz.keys import Key, answer_form, find_keys, lower_words, noun_terms, supported
from app.quiz.model import BLANK, QuizItem, QuizKind, QuizSource, _normal
from app.quiz.sentences import Candidate
from app.text import sentence_spans

CHOICES = 4


def key_pool(chunks: Sequence[ChunkHit]) -> dict[str, list[Key]]:
    """Every key of a document by kind, each answer once (the pool distractors are drawn from)."""
    pool: dict[str, list[Key]] = {}
    seen: set[tuple[str, str]] = set()
    whole = "\n".join(chunk.text for chunk in chunks)
    nouns, lower = noun_terms(whole), lower_words(whole)
    for chunk in chunks:
        for start, end in sentence_spans(chunk.text):
            flat = " ".join(chunk.text[start:end].split())
            for key in find_keys(flat, nouns=nouns, lower=lower):
                form = (key.kind, answer_form(key.text))
                if form not in seen:
                    seen.add(form)
                    pool.setdefault(key.kind, []).append(key)
    return pool


def _magnitude(text: str) -> float:
    digits = re.sub(r"[^\d.]", "", text).strip(".")
    try:
        return math.log10(float(digits) + 1.0)
    except ValueError:
        return 0.0


def _singular(form: str) -> str:
    return form[:-1] if form.endswith("s") and not form.endswith("ss") else form


def distractors(key: Key, stem: str, pool: dict[str, list[Key]], rng: random.Random) -> list[str]:
    """Three keys of the answer's kind from the same document, none equal to (or inside) the answer and
    none already shown in the question; same shape first (a percentage for a percentage)."""
    answer, shown = _normal(key.text), _normal(stem)
    options: list[Key] = []
    forms = {_singular(answer_form(key.text))}
    for other in pool.get(key.kind, []):
        text = _normal(other.text)
        form = _singular(answer_form(other.text))  # "setting" and "settings" are one option, not two
        if form in forms or text in answer or answer in text or text in shown:
            continue
        forms.add(form)
        options.append(other)
    rng.shuffle(options)
    if key.kind == "number":  # figures of the same unit and size are the plausible ones
        size = _magnitude(key.text)
        options.sort(key=lambda o: (o.shape != key.shape, round(abs(_magnitude(o.text) - size))))
    elif key.shape == "year":  # and years close to the answer
        year = int(key.text)
        options.sort(key=lambda o: abs(int(o.text) - year) if o.shape == "year" else 10**6)
    else:
        options.sort(key=lambda o: o.shape != key.shape)
    return [o.text for o in options[: CHOICES - 1]]


def _wh(key: Key, sentence: str) -> str:
    """The question words that replace a key in a short-answer question."""
    if key.kind == "date":
        return {"year": "which year", "month": "which month"}.get(key.shape, "what date")
    if key.kind == "number":
        if "%" in key.shape:
            return "what percentage"
        if key.shape.startswith("$") or key.shape.split("|")[1]:
            return "how much"
        after = sentence[key.end:].split()
        return "how many" if after and after[0][:1].isalpha() and after[0][:1].islower() else "what number"
    return "what"


# Words after which a term is the noun a short question can ask "what" about.
_NOUN_BEFORE = frozenset("the a an its their our your his her this these those each every any no all some of in "
                         "from for with by on at about into within between".split())


def _noun_slot(sentence: str, key: Key) -> bool:
    before = sentence[: key.start].split()
    return bool(before) and before[-1].lower().strip("(\"'“") in _NOUN_BEFORE


def question_for(kind: QuizKind, key: Key, sentence: str) -> str:
    """The question a reader sees: the sentence with the key blanked (cloze, mcq) or asked for (short)."""
    before, after = sentence[: key.start], sentence[key.end:]
    if kind != "short":
        return f"{before}{BLANK}{after}"
    wh = _wh(key, sentence)
    if not before:
        wh = wh[0].upper() + wh[1:]
    return f"{before}{wh}{after}".rstrip(" .!") + "?"


def source_of(cand: Candidate) -> QuizSource:
    chunk = cand.chunk
    return QuizSource(passage_id=chunk.passage_id, path=chunk.path, file_name=Path(chunk.path).name,
                      page=chunk.page, headings=tuple(chunk.headings), text=chunk.text,
                      start=cand.start, end=cand.end)


def make_item(
    cand: Candidate, kind: QuizKind, pool: dict[str, list[Key]], used: set[str], rng: random.Random
) -> QuizItem | None:
    """One question from a sentence (the best key that is not an answer yet and, for mcq, has three
    distractors), or None when no key fits."""
    source = source_of(cand)
    for key in cand.keys:  # best first (see sentences.candidates)
        if answer_form(key.text) in used or not supported(key.text, source.quote):
            continue
        if kind == "short" and key.kind == "term" and not _noun_slot(cand.flat, key):
            continue  # "what" stands in for a noun, not a verb ("To what a backup, ...")
        question = question_for(kind, key, cand.flat)
        if supported(key.text, question.replace(BLANK, " ")):
            continue  # the answer shows elsewhere in the sentence: the question would give it away
        choices: tuple[str, ...] = ()
        if kind == "mcq":
            wrong = distractors(key, question, pool, rng)
            if len(wrong) < CHOICES - 1:
                continue
            order = [key.text, *wrong]
            rng.shuffle(order)
            choices = tuple(order)
        used.add(answer_form(key.text))
        return QuizItem(kind=kind, question=question, answer=key.text, source=source, choices=choices,
                        answer_kind=key.kind)
    return None
