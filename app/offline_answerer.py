"""The embedded default: an extractive answer that quotes the text that carries what the question asks for.

It never generates: every quote is a sentence, or a table row with the header line that gives its columns
meaning, copied verbatim from a cited passage, so it cannot state anything the documents do not say.
Candidates are scored by meaning (embedding similarity to the question, read under their section heading),
term overlap, the passage's retrieval score, and whether they hold the kind of answer asked for: a figure
in the year asked about for "how much / what was … in 2018", a date for "when", a name for "who".
The same ranking orders the passages an LLM reads (`order_passages`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.answerability import answer_kind, asked_part, has_kind, question_years
from app.citations import lexical_overlap
from app.index.catalog import STOPWORDS
from app.retrieval import Passage, content_words, near_duplicate
from app.text import sentence_spans

MAX_SENTENCES = 3
PASSAGES_SCANNED = 4
MIN_WORDS = 4
MAX_SENTENCE_WORDS = 80  # longer "sentences" are runs of table text: their rows are candidates instead
PASSAGE_WEIGHT = 0.25  # how much the passage's retrieval score counts for its sentences
RELATIVE_FLOOR = 0.85  # further quotes must score at least this share of the best one
KIND_BONUS = 0.12  # the quote holds the kind of answer asked for (figure, date, name)
YEAR_BONUS = 0.12  # the quote (or its header) holds the year asked about
HEADER_LOOKBACK = 40  # lines above a row searched for its header (the nearest header line wins)
ROW_WEIGHT = 0.8  # how much a row whose label the question names counts (see `label_match`)
PAGE_WEIGHT = 1.0  # a row's match grows by this times the share of the question its page's title names
ROW_REFERENCE = 0.15  # a best row match below this gets a share of ROW_WEIGHT only
POOL_SCANNED = 4  # passages of the wider pool, besides the top PASSAGES_SCANNED, scanned for their rows

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_FIGURE = re.compile(r"(?<![\w.])\(?\$?\d[\d,]*(?:\.\d+)?\)?%?")
_LETTERS = re.compile(r"[A-Za-z]{3,}")
_LABEL_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Words that ask rather than name what is asked (stopwords are dropped too).
_ASKING_WORDS = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "much", "many", "fy", "please",
    "tell", "give", "show", "list", "explain", "describe", "accord", "bas", "based", "according", "among",
})
# A question asking for a reason or a judgement is answered by prose, not by a row of figures.
_ASKS_REASON = re.compile(r"^\s*why\b|\bwhat (?:drove|drives|caused|causes|led to|explains?)\b|\breasons?\b",
                          re.IGNORECASE)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "es", "ed", "s")


@dataclass(frozen=True)
class Quote:
    """A verbatim piece of a passage: a sentence, or a table row with its header line."""

    passage: Passage
    span: tuple[int, int]
    score: float
    header: tuple[int, int] | None = None

    @property
    def sentence(self) -> str:
        return self.passage.text[self.span[0] : self.span[1]]

    @property
    def text(self) -> str:
        """What is quoted: the sentence, or the header line and the row on two lines."""
        if self.header is None:
            return self.sentence
        return f"{self.passage.text[self.header[0]:self.header[1]].strip()}\n{self.sentence.strip()}"


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(stripped)))
        pos += len(line) + 1
    return out


def _figures(text: str) -> list[str]:
    return [f for f in _FIGURE.findall(text) if not _YEAR.fullmatch(f.strip("()$"))]


@lru_cache(maxsize=65536)  # lines of the passages read for recent questions
def _is_row(line: str) -> bool:
    """A table row: a label (words) followed by figures, like 'Total revenue $ 32,765 $ 31,657'."""
    tokens = line.split()
    if not tokens or len(tokens) > 40 or not _LETTERS.search(line):
        return False
    last = tokens[-1].strip("$€£")
    return bool(_figures(line)) and (bool(_FIGURE.fullmatch(last)) or last in ("—", "-", "–"))


def _is_reference(line: str) -> bool:
    """A contents or index line ('Item 3. Legal Proceedings 18', 'Note 11 - Property 81'): one or two small
    plain numbers (an item, a note, a page), which name where something is, not a value of it."""
    figures = _figures(line)
    return 0 < len(figures) <= 2 and all(f.isdigit() and len(f) <= 3 for f in figures)


def _is_header(line: str) -> bool:
    """A column header line: years and no more other figures than years ("2022  2021  22 vs. 21")."""
    years = _YEAR.findall(line)
    return len(years) >= 1 and len(_figures(line)) <= max(1, len(years)) and len(line.split()) <= 30


def _candidates(passages: Sequence[Passage]) -> list[tuple[Passage, tuple[int, int], tuple[int, int] | None]]:
    return [(passage, span, header) for passage in passages for span, header in _candidate_spans(passage.text)]


@lru_cache(maxsize=4096)  # a passage is read for every question that retrieves it, and twice per question
def _candidate_spans(text: str) -> tuple[tuple[tuple[int, int], tuple[int, int] | None], ...]:
    """The quotable pieces of a passage's text: (sentence span, None) and (row span, its header's span)."""
    out: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        words = len(sentence.split())
        if "\n" not in sentence and _is_row(sentence):
            continue  # a one-line row: quoted as a row, with its header
        if len(content_words(sentence)) >= MIN_WORDS - 1 and MIN_WORDS <= words <= MAX_SENTENCE_WORDS:
            out.append(((start, end), None))
    lines = _lines(text)
    for i, (start, end) in enumerate(lines):
        if not _is_row(text[start:end]):
            continue
        header = None
        for j in range(i - 1, max(-1, i - 1 - HEADER_LOOKBACK), -1):
            if _is_header(text[lines[j][0]:lines[j][1]]):
                header = lines[j]
                break
        out.append(((start, end), header))
    return tuple(out)


def asks_for_row(question: str) -> bool:
    """Whether a table row can answer: not for "who" (a name) or "when" (a date), nor for a reason
    ("why", "what drove ..."), which prose gives."""
    return answer_kind(question) in ("amount", "other") and not _ASKS_REASON.search(question)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude stem, enough to match a row label to a question: 'operations'/'operating' -> 'operat'."""
    word = word.lower().strip("'’-")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@lru_cache(maxsize=8192)  # the same passages' lines are read for every question about them
def _label_stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _LABEL_WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1)


def question_terms(question: str, passages: Sequence[Passage], subject: bool = False) -> dict[str, float]:
    """The question's words (stems) that could name a row, each weighted by how rare it is among the
    candidate passages: what is asked ('total current assets'), not how ('round to one decimal'). Words
    no candidate uses cannot name a row, and words of the documents' headers name the document (its
    subject), not a row of it; both are left out (the subject's words are kept with `subject`: a page
    title that names the company asked about, not an affiliate's, tells the pages apart)."""
    terms = _label_stems(asked_part(question)) - _ASKING_WORDS
    if not terms or not passages:
        return {}
    texts = [_label_stems(p.text) for p in passages]
    headers = set().union(*(_label_stems(p.context.split(" > ")[0]) for p in passages))
    n = len(texts)
    out = {}
    for term in terms if subject else terms - headers:
        df = sum(term in words for words in texts)
        if df:
            out[term] = math.log(1.0 + (n + 1) / (1 + df))
    return out


def label_match(row: str, terms: dict[str, float]) -> float:
    """How well a table row's label names what the question asks, 0..1: the share of the label's words the
    question uses (precision) times the share of the question's weight they carry (recall).
    'Total current assets' for "how much total current assets ..." scores high, 'Total assets' less,
    'Net earnings' for "... net property, plant and equipment" low."""
    label = _label_stems(row)
    if not label or not terms:
        return 0.0
    matched = label & terms.keys()
    if not matched:
        return 0.0
    return (len(matched) / len(label)) ** 1.5 * (sum(terms[t] for t in matched) / sum(terms.values()))


def _page_years(passages: Sequence[Passage]) -> dict[tuple[str, int | None], set[str]]:
    """The years of the column headers on each page the passages come from: a table split over several
    chunks keeps its header in the first one only, and its rows are still in those columns."""
    years: dict[tuple[str, int | None], set[str]] = {}
    for passage in passages:
        for start, end in _lines(passage.text):
            line = passage.text[start:end]
            if _is_header(line):
                years.setdefault((passage.path, passage.page), set()).update(_YEAR.findall(line))
    return years


def _page_words(passages: Sequence[Passage]) -> dict[tuple[str, int | None], set[str]]:
    """The words (stems) of each page's lines that are not table rows: its title, column headers and notes,
    which say what the page's table is ("Consolidated Balance Sheets", "In millions")."""
    words: dict[tuple[str, int | None], set[str]] = {}
    for passage in passages:
        page = words.setdefault((passage.path, passage.page), set())
        for start, end in _lines(passage.text):
            line = passage.text[start:end]
            if not _is_row(line):
                page.update(_label_stems(line))
    return words


def _row_scores(
    passages: Sequence[Passage], terms: dict[str, float], years: list[str], focus: Collection[str] = (),
    page_terms: dict[str, float] | None = None,
) -> dict[tuple[int, int, int], float]:
    """Each table row's label match (keyed by passage position and row span), halved when the question
    asks about a year the columns of its page do not hold, relative to the best row's but never above
    ROW_REFERENCE: the row that best names what is asked gets the full ROW_WEIGHT, while a weak best (a
    contents line sharing one word) stays weak. Only rows of the `focus` files (the documents the answer
    is about, when known) count: another report's row of the same name does not answer."""
    scores: dict[tuple[int, int, int], float] = {}
    if not terms:
        return scores
    page_years = _page_years(passages) if years else {}
    page_words = _page_words(passages)
    page_terms = page_terms or terms
    total = sum(page_terms.values())
    for i, passage in enumerate(passages):
        if focus and passage.path not in focus:
            continue
        in_columns = page_years.get((passage.path, passage.page), set())
        on_page = page_words.get((passage.path, passage.page), set())
        for _, span, header in _candidates([passage]):
            row = passage.text[span[0]:span[1]]
            if (header is None and not _is_row(row)) or _is_reference(row):
                continue
            match = label_match(row, terms)
            if match and years and not any(y in in_columns or y in row for y in years):
                match *= 0.5
            if match:  # the rest of what is asked named by the page around the table (its title)
                rest = (page_terms.keys() & on_page) - _label_stems(row)
                match *= 1.0 + PAGE_WEIGHT * sum(page_terms[t] for t in rest) / total
            if match > 0:
                scores[(i, span[0], span[1])] = match
    best = max(max(scores.values(), default=0.0), ROW_REFERENCE)
    return {key: score / best for key, score in scores.items()}


def _scanned(passages: Sequence[Passage], rows: dict[tuple[int, int, int], float]) -> list[Passage]:
    """The top passages, and those of the wider pool whose table rows best name what is asked."""
    best: dict[int, float] = {}
    for (i, _, _), score in rows.items():
        if i >= PASSAGES_SCANNED:
            best[i] = max(best.get(i, 0.0), score)
    extra = sorted(best, key=lambda i: best[i], reverse=True)[:POOL_SCANNED]
    return list(passages[:PASSAGES_SCANNED]) + [passages[i] for i in sorted(extra)]


def _kind_score(question: str, candidate: str, header: str) -> float:
    kind = answer_kind(question)
    score = KIND_BONUS if kind != "other" and has_kind(kind, candidate) else 0.0
    years = question_years(question)
    if years and any(y in candidate or y in header for y in years):
        score += YEAR_BONUS
    return score


def select_quotes(
    question: str, passages: Sequence[Passage], embed_array: object, focus: Collection[str] = (),
) -> list[Quote]:
    """The best quotes (at most MAX_SENTENCES), the best one's passage first.

    `passages` are ranked best first; the top PASSAGES_SCANNED are read, and from the rest (a wider pool)
    the few whose table rows best name what the question asks."""
    terms = question_terms(question, passages) if asks_for_row(question) else {}
    years = question_years(question)
    rows = _row_scores(passages, terms, years, focus, question_terms(question, passages, subject=True))
    scanned = _scanned(passages, rows)
    position = {id(p): i for i, p in enumerate(passages)}
    top = {id(p) for p in passages[:PASSAGES_SCANNED]}
    # From the wider pool only the rows that name what is asked are read (and embedded).
    candidates = [c for c in _candidates(scanned)
                  if id(c[0]) in top or rows.get((position[id(c[0])], *c[1]), 0.0) > 0]
    if not candidates:
        return []
    texts = []
    for p, (s, e), header in candidates:
        body = p.text[s:e] if header is None else f"{p.text[header[0]:header[1]]} {p.text[s:e]}"
        texts.append(" ".join(body.split()))
    # A sentence is read in its section: "Nothing leaves your machine" answers "does it send my data?"
    # only under the heading that asks it. The heading helps score the sentence; only the sentence is quoted.
    in_context = [f"{' > '.join(p.headings)}: {t}" if p.headings else t
                  for (p, _, _), t in zip(candidates, texts, strict=True)]
    vectors = embed_array([question, *in_context])  # type: ignore[operator]
    similarity = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    best_passage = max(p.score for p in scanned) or 1.0
    page_years = _page_years(passages) if years else {}
    scored = []
    for (passage, span, header), text, sim in zip(candidates, in_context, similarity, strict=True):
        overlap = lexical_overlap(question, text)
        relevance = PASSAGE_WEIGHT * passage.score / best_passage
        header_text = passage.text[header[0]:header[1]] if header else ""
        if header is None and _is_row(passage.text[span[0]:span[1]]):  # the page's columns name its years
            header_text = " ".join(sorted(page_years.get((passage.path, passage.page), ())))
        bonus = _kind_score(question, passage.text[span[0]:span[1]], header_text)
        bonus += ROW_WEIGHT * rows.get((position[id(passage)], *span), 0.0)
        scored.append(Quote(passage, span, float(sim) + 0.35 * overlap + relevance + bonus, header))
    scored.sort(key=lambda q: q.score, reverse=True)
    chosen: list[Quote] = []
    for quote in scored:
        if chosen and quote.score < RELATIVE_FLOOR * chosen[0].score:
            break
        if any(near_duplicate(quote.text, c.text, 0.6) or _overlaps(quote, c) for c in chosen):
            continue
        chosen.append(quote)
        if len(chosen) == MAX_SENTENCES:
            break
    # Read like the document: passages in the order of their best quote, quotes in text order.
    first_seen = {id(q.passage): i for i, q in reversed(list(enumerate(chosen)))}
    return sorted(chosen, key=lambda q: (first_seen[id(q.passage)], q.span[0]))


def _overlaps(a: Quote, b: Quote) -> bool:
    return a.passage is b.passage and a.span[0] < b.span[1] and b.span[0] < a.span[1]


def order_passages(passages: Sequence[Passage], quotes: Sequence[Quote]) -> list[Passage]:
    """Passages holding the chosen quotes first (best quote first), the rest after, renumbered 1..n.

    A quote may come from the wider pool (`Retrieval.candidates`): its passage then takes the place of
    the last shown one, so as many passages are shown as before."""
    ranked = sorted(quotes, key=lambda q: q.score, reverse=True)
    quoted = list({id(q.passage): q.passage for q in ranked}.values())
    quoted_ids = {p.passage_id for p in quoted}
    rest = [p for p in passages if p.passage_id not in quoted_ids]
    ordered = (quoted + rest)[: max(len(passages), len(quoted))]
    for n, passage in enumerate(ordered, start=1):
        passage.n = n
    return ordered


def compose(quotes: Sequence[Quote]) -> str:
    """Join the quotes into one answer, each followed by its marker; table rows keep their own lines."""
    parts = []
    for quote in quotes:
        if quote.header is not None or _is_row(quote.sentence):
            parts.append(f"\n{quote.text.strip()} [{quote.passage.n}]\n")
            continue
        sentence = " ".join(quote.sentence.split())
        if sentence[-1:] not in ".!?:":
            sentence += "."
        parts.append(f"{sentence} [{quote.passage.n}]")
    return re.sub(r"\n{2,}", "\n", " ".join(parts)).replace(" \n", "\n").replace("\n ", "\n").strip()
