"""The embedded default: an extractive answer that quotes the text that carries what the question asks for.

It never generates: every quote is a sentence, or a table row with the header line that gives its columns
meaning, copied verbatim from a cited passage, so it cannot state anything the documents do not say.
Candidates are scored by meaning (embedding similarity to the question, read under their section heading),
term overlap, the passage's retrieval score, and whether they hold the kind of answer asked for: a figure
in the year asked about for "how much / what was … in 2018", a date for "when", a name for "who".
A question that wants prose (a reason, a yes/no question, a list of things) is answered by sentences, a
defined computation by the row of each of its parts (`asks_for_prose`, `defined_parts`).
The same ranking orders the passages an LLM reads (`order_passages`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Sequence
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
REASON_BONUS = 0.25  # a sentence giving a reason, for a question asking for one (nothing else answers it)
YEAR_BONUS = 0.12  # the quote (or its header) holds the year asked about
HEADER_LOOKBACK = 40  # lines above a row searched for its header (the nearest header line wins)
ROW_WEIGHT = 0.8  # how much a row whose label the question names counts (see `label_match`)
PAGE_WEIGHT = 1.0  # a row's match grows by this times the share of the question its page's title names
ROW_REFERENCE = 0.15  # a best row match below this gets a share of ROW_WEIGHT only
PARALLEL_SHARE = 0.5  # a row's match when its label stands in several tables of its page (`_parallel_rows`)
PART_SHARE = 0.8  # a row names a part of a defined computation when it scores this share of the part's best
OTHER_FILE_PENALTY = 0.15  # taken from quotes of other documents than those the question names
POOL_SCANNED = 4  # passages of the wider pool, besides the top PASSAGES_SCANNED, scanned for their rows
PART_ROW_SHARE = 0.5  # a row's match when its label stands in its document with a larger, other figure (`_part_rows`)
FULLEST_TABLE_BONUS = 0.1  # a row repeated in several places: its copy in the fullest table (`_fullest_copies`)

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_FIGURE = re.compile(r"(?<![\w.])\(?\$?\d[\d,]*(?:\.\d+)?\)?%?")
_LETTERS = re.compile(r"[A-Za-z]{3,}")
_LABEL_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Words that ask rather than name what is asked (stopwords are dropped too).
_ASKING_WORDS = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "much", "many", "fy", "please",
    "tell", "give", "show", "list", "explain", "describe", "accord", "bas", "based", "according", "among",
    "per", "report", "reported", "shown", "stated", "using",
})
# A question asking for a reason or a judgement is answered by prose, not by a row of figures.
_ASKS_REASON = re.compile(r"^\s*why\b|\bwhat (?:drove|drives|caused|causes|led to|explains?)\b|\breasons?\b",
                          re.IGNORECASE)
# So is a yes/no question ("Does the company ...?", "Has it paid ...?", "Did X increase or decrease?") and one
# asking for a list of things that are not figures ("What are the geographies ...?").
_ASKS_YES_NO = re.compile(r"^\s*(?:does|do|did|has|have|had|is|are|was|were|can|could|will|would|should)\b",
                          re.IGNORECASE)
_ASKS_LIST = re.compile(r"^\s*what (?:are|were) (?:the )?(?:main |primary |principal |key |major )?[a-z]+s\b",
                        re.IGNORECASE)
# A sentence that gives a reason: what a "why" / "what drove" question wants quoted.
_GIVES_REASON = re.compile(
    r"\b(?:because|due to|owing to|driven by|drove|as a result|result(?:ed|ing)? (?:of|from)|caused by|"
    r"attributable to|primarily (?:by|from|reflect\w*)|reflect(?:s|ed|ing)|offset by|led by|thanks to)\b",
    re.IGNORECASE)
# A question about whether something changed, and a sentence that says how it changed.
_ASKS_CHANGE = re.compile(r"\b(?:increase|decrease|change|grow|grew|decline|improv\w*|rise|fall|higher|lower)\b",
                          re.IGNORECASE)
_GIVES_CHANGE = re.compile(r"\b(?:increased|decreased|rose|fell|declined|grew|improved|deteriorated|"
                           r"(?:higher|lower) than)\b", re.IGNORECASE)
# A computation the question defines ("... is defined as: cash from operations / total current liabilities"):
# its parts name the rows that hold the figures.
_DEFINED_AS = re.compile(r"\b(?:defined|calculated|computed|measured) as\s*:?\s*(.+?)(?:[.?!;](?:\s|$)|$)",
                         re.IGNORECASE | re.DOTALL)
_OPERATOR = re.compile(r"\s[/*+÷×-]\s|[/*+÷×]|\bdivided by\b|\btimes\b|\bplus\b|\bminus\b|"
                       r"\bless\b", re.IGNORECASE)
# Words of a computation's part that say what is done with a figure, not which row holds it.
_OPERATION_WORDS = frozenset({"average", "change", "increase", "decrease", "difference", "growth", "sum",
                              "between", "annual", "beginning", "ending", "year", "period"})
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


def _is_table_run(sentence: str) -> bool:
    """Table text read as a sentence ("Cash distributions — — (221,690) Dividends declared ..."): at least
    four of its tokens, and a third or more, are empty cells or figures other than years ("Net sales were
    $32.8 billion in 2018, up 4% from $31.7 billion" is prose). Its rows are candidates, with their header."""
    tokens = sentence.split()
    cells = sum(1 for t in tokens if t in ("—", "–", "-", "$") or bool(_figures(t.strip(",;:"))))
    return cells >= 4 and cells * 3 >= len(tokens)


def _says_something(sentence: str, subject: set[str]) -> bool:
    """Whether a sentence says something beyond naming the document's subject: "American Express Europe,
    S.A." (a line of a list of subsidiaries) only names it."""
    return len([w for w in content_words(sentence) if w not in subject]) >= MIN_WORDS - 1


def _candidates(passages: Sequence[Passage]) -> list[tuple[Passage, tuple[int, int], tuple[int, int] | None]]:
    return [(passage, span, header) for passage in passages
            for span, header in _candidate_spans(passage.text, passage.context.split(" > ")[0])]


@lru_cache(maxsize=4096)  # a passage is read for every question that retrieves it, and twice per question
def _candidate_spans(text: str, title: str) -> tuple[tuple[tuple[int, int], tuple[int, int] | None], ...]:
    """The quotable pieces of a passage's text: (sentence span, None) and (row span, its header's span).
    `title` is the passage's document header: a sentence that only names the document's subject is left out."""
    out: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
    subject = set(content_words(title))
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        words = len(sentence.split())
        if "\n" not in sentence and _is_row(sentence):
            continue  # a one-line row: quoted as a row, with its header
        if MIN_WORDS <= words <= MAX_SENTENCE_WORDS and _says_something(sentence, subject) \
                and not _is_table_run(sentence):
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


def asked_sentence(question: str) -> str:
    """The sentence that asks (the first one ending in "?"), without requests about the answer's form:
    "Here's the question: what is ...?" asks what follows the colon."""
    asked = asked_part(question)
    for sentence in re.findall(r"[^.?!]*\?", asked):
        return sentence.split(":")[-1].strip()
    return asked.strip()


def asks_for_prose(question: str) -> bool:
    """Whether sentences answer rather than a table row: a reason ("why", "what drove ..."), a yes/no
    question ("Does the company ...?", "Has it paid dividends ...?") or a list of things that are not
    figures ("What are the geographies ...?")."""
    asked = asked_sentence(question)
    if _ASKS_REASON.search(asked):
        return True
    if _ASKS_YES_NO.search(asked):
        return True
    return answer_kind(asked) == "other" and bool(_ASKS_LIST.search(asked))


def asks_for_row(question: str) -> bool:
    """Whether a table row can answer: not for "who" (a name) or "when" (a date), nor for what prose
    answers (`asks_for_prose`)."""
    return answer_kind(question) in ("amount", "other") and not asks_for_prose(question)


def defined_parts(question: str) -> list[str]:
    """The parts of a computation the question defines, in order: "DPO is defined as: 365 * (average
    accounts payable) / (COGS + change in inventory)" -> ["average accounts payable", "COGS", "change in
    inventory"]. Parts without words (a constant) are dropped; empty when nothing is defined."""
    match = _DEFINED_AS.search(question)
    if not match:
        return []
    parts = [" ".join(p.strip(" ()[]").split()) for p in _OPERATOR.split(match.group(1))]
    parts = [p for p in parts if _LETTERS.search(p)]
    return parts if len(parts) >= 2 else []


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude stem, enough to match a row label to a question: 'operating'/'operated' -> 'operat',
    'provide'/'provided' -> 'provid', "Nike's" -> 'nike' (a possessive names its owner)."""
    word = re.sub(r"['’]s$", "", word.lower()).strip("'’-")  # "Nike's" names Nike
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) >= 5 else word  # "provide" meets "provided"


_OPERATION_STEMS = frozenset(_stem(w) for w in _OPERATION_WORDS)
_ASKING_STEMS = frozenset(_stem(w) for w in _ASKING_WORDS) | _ASKING_WORDS


@lru_cache(maxsize=8192)  # the same passages' lines are read for every question about them
def _label_stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _LABEL_WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1)


def question_terms(question: str, passages: Sequence[Passage], subject: bool = False) -> dict[str, float]:
    """The question's words (stems) that could name a row, each weighted by how rare it is among the
    candidate passages: what is asked ('total current assets'), not how ('round to one decimal'). Words
    no candidate uses cannot name a row, and words of the documents' headers name the document (its
    subject), not a row of it; both are left out (the subject's words are kept with `subject`: a page
    title that names the company asked about, not an affiliate's, tells the pages apart)."""
    terms = _label_stems(asked_part(question)) - _ASKING_STEMS
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


def _table_lines(passages: Sequence[Passage], references: bool = True) -> Iterator[tuple[Passage, str]]:
    """Each passage's table rows with the passage they stand in (without `references`: cross-references such
    as "see Note 7" left out)."""
    for passage in passages:
        for start, end in _lines(passage.text):
            line = passage.text[start:end]
            if _is_row(line) and (references or not _is_reference(line)):
                yield passage, line


def _parallel_rows(passages: Sequence[Passage]) -> set[tuple[str, int | None, tuple[str, ...], str]]:
    """The row labels that stand in several tables of one page and section with other figures (path,
    page, headings, label): the same line item of each segment or region ("Casino revenue" of three
    resorts), none of which is the whole. Overlapping chunks repeating one row with its figures do not count."""
    figures: dict[tuple[str, int | None, tuple[str, ...], str], set[tuple[str, ...]]] = {}
    for passage, line in _table_lines(passages):
        key = (passage.path, passage.page, tuple(passage.headings), _row_label(line))
        figures.setdefault(key, set()).add(tuple(_figures(line)))
    return {key for key, seen in figures.items() if len(seen) > 1}


def _magnitude(line: str) -> float | None:
    """The size of a row's first figure ('(1,234)' -> 1234.0); None when it has none or it is a percentage."""
    figures = _figures(line)
    if not figures or figures[0].endswith("%"):
        return None
    try:
        return abs(float(figures[0].strip("()$").replace(",", "")))
    except ValueError:
        return None


def _part_rows(passages: Sequence[Passage]) -> set[tuple[str, str, float]]:
    """(path, label, first figure) of rows whose label stands elsewhere in the same document with a larger
    first figure, the largest of the label's, and none of that row's figures: a segment's, a quarter's or
    a change's figure, while the whole ("Total operating revenues" of the consolidated statement against
    each segment's) is the largest. A row sharing a figure with it is the same series in another layout
    or period (a five-year summary, a quarterly table with the year's total, last year's balance
    restated), not a part of it."""
    rows: dict[tuple[str, str], set[tuple[float, frozenset[str]]]] = {}
    for passage, line in _table_lines(passages, references=False):
        size = _magnitude(line)
        label = _row_label(line)
        if size is not None and label:
            values = frozenset(f.strip("()$").replace(",", "") for f in _figures(line))
            rows.setdefault((passage.path, label), set()).add((size, values))
    parts = set()
    for (path, label), group in rows.items():
        largest = max(size for size, _ in group)
        wholes = [values for size, values in group if size == largest]
        parts |= {(path, label, size) for size, values in group
                  if size < largest and not any(values & whole for whole in wholes)}
    return parts


def _fullest_copies(passages: Sequence[Passage]) -> set[tuple[str, int | None, tuple[str, ...], str]]:
    """(path, page, headings, row) of a row that stands with the same figures in several places (pages, or
    sections) of its document, in the place whose table holds the most rows among the passages: the
    statement that the summaries and the discussion repeat."""
    rows_in: dict[tuple[str, int | None, tuple[str, ...]], set[str]] = {}
    places_of: dict[tuple[str, str], set[tuple[int | None, tuple[str, ...]]]] = {}
    for passage, line in _table_lines(passages, references=False):
        place = (passage.page, tuple(passage.headings))
        rows_in.setdefault((passage.path, *place), set()).add(line)
        places_of.setdefault((passage.path, _row_key(line)), set()).add(place)
    out = set()
    for (path, row), places in places_of.items():
        if len(places) > 1:
            sizes = {place: len(rows_in[(path, *place)]) for place in places}
            most = max(sizes.values())
            out |= {(path, *place, row) for place, size in sizes.items() if size == most}
    return out


def _row_key(line: str) -> str:
    """A row's label and figures, the same however its cells are set ('$1,577' and '1,577' alike)."""
    return _row_label(line) + "|" + " ".join(_figures(line)).replace("$", "")


def _row_label(line: str) -> str:
    """A row's label: its words before the first figure, lower-cased."""
    return " ".join(_LABEL_WORD.findall(line.split("\t")[0])).lower()


def _row_scores(
    passages: Sequence[Passage], terms: dict[str, float], years: list[str], focus: Collection[str] = (),
    page_terms: dict[str, float] | None = None, complete: bool = False,
) -> dict[tuple[int, int, int], float]:
    """Each table row's label match (keyed by passage position and row span), halved when the question
    asks about a year the columns of its page do not hold (nil, with `complete`, when the label misses
    one of the terms), relative to the best row's but never above ROW_REFERENCE: the row that best names
    what is asked gets the full ROW_WEIGHT, while a weak best (a contents line sharing one word) stays weak.
    Only rows of the `focus` files (the documents the answer is about, when known) count: another report's
    row of the same name does not answer."""
    scores: dict[tuple[int, int, int], float] = {}
    if not terms:
        return scores
    page_years = _page_years(passages) if years else {}
    page_words = _page_words(passages)
    parallel = _parallel_rows(passages)
    parts = _part_rows(passages)
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
            if match and complete and not terms.keys() <= _label_stems(row):
                match = 0.0
            if match and years and not any(y in in_columns or y in row for y in years):
                match *= 0.5
            if match and (passage.path, passage.page, tuple(passage.headings), _row_label(row)) in parallel:
                match *= PARALLEL_SHARE
            if match and parts and (passage.path, _row_label(row), _magnitude(row)) in parts:
                match *= PART_ROW_SHARE
            if match:  # the rest of what is asked named by the page around the table (its title)
                rest = (page_terms.keys() & on_page) - _label_stems(row)
                match *= 1.0 + PAGE_WEIGHT * sum(page_terms[t] for t in rest) / total
            if match > 0:
                scores[(i, span[0], span[1])] = match
    best = max(max(scores.values(), default=0.0), ROW_REFERENCE)
    return {key: score / best for key, score in scores.items()}


def _top(passages: Sequence[Passage], named: Collection[str] = ()) -> list[int]:
    """Positions of the PASSAGES_SCANNED passages read in full: the best ones, those of the documents the
    question names first (when it names some)."""
    top = list(range(len(passages)))
    if named:
        top = [i for i in top if passages[i].path in named] + [i for i in top if passages[i].path not in named]
    return sorted(top[:PASSAGES_SCANNED])


def _scanned(
    passages: Sequence[Passage], rows: dict[tuple[int, int, int], float], named: Collection[str] = (),
) -> list[Passage]:
    """The top passages (of the documents the question names, when it names some and the pool holds
    enough of them), and those of the wider pool whose table rows best name what is asked."""
    top = _top(passages, named)
    best: dict[int, float] = {}
    for (i, _, _), score in rows.items():
        if i not in top:
            best[i] = max(best.get(i, 0.0), score)
    extra = sorted(best, key=lambda i: best[i], reverse=True)[:POOL_SCANNED]
    return [passages[i] for i in sorted(top + extra)]


def _kind_score(question: str, candidate: str, header: str, prose: str = "") -> float:
    """Bonuses for holding what is asked: the kind of answer, the year, and for a prose question (`prose`:
    its asking sentence) a reason when it asks for one, a change when it asks whether something changed."""
    kind = answer_kind(question)
    score = KIND_BONUS if kind != "other" and has_kind(kind, candidate) else 0.0
    if prose and _ASKS_REASON.search(prose) and _GIVES_REASON.search(candidate):
        score += REASON_BONUS
    if prose and _ASKS_CHANGE.search(prose) and _GIVES_CHANGE.search(candidate):
        score += KIND_BONUS
    years = question_years(question)
    if years and any(y in candidate or y in header for y in years):
        score += YEAR_BONUS
    return score


def select_quotes(
    question: str, passages: Sequence[Passage], embed_array: object, focus: Collection[str] = (),
    named: Collection[str] = (),
) -> list[Quote]:
    """The best quotes (at most MAX_SENTENCES), the best one's passage first.

    `passages` are ranked best first; the top PASSAGES_SCANNED are read, and from the rest (a wider pool)
    the few whose table rows best name what the question asks. A computation the question defines is
    answered by the row of each of its parts, in the definition's order. When the question names
    documents (`named`), quotes from other documents weigh less."""
    terms = question_terms(question, passages) if asks_for_row(question) else {}
    years = question_years(question)
    page_terms = question_terms(question, passages, subject=True)
    rows = _row_scores(passages, terms, years, focus, page_terms)
    part_rows = []
    if terms:
        for part in defined_parts(question):
            part_terms = {t: w for t, w in question_terms(part, passages).items() if t not in _OPERATION_STEMS}
            if part_terms:
                part_rows.append(_row_scores(passages, part_terms, years, focus, page_terms, complete=True))
    for scores in part_rows:  # each part's best row counts as much as the best row overall
        for key, score in scores.items():
            rows[key] = max(rows.get(key, 0.0), score)
    scanned = _scanned(passages, rows, named)
    position = {id(p): i for i, p in enumerate(passages)}
    top = {id(passages[i]) for i in _top(passages, named)}
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
    best_passage = max(p.score for p in scanned) or 1.0
    page_years = _page_years(passages) if years else {}
    prose = asked_sentence(question) if asks_for_prose(question) else ""
    other_file = bool(named) and any(p.path in named for p in scanned)
    lexical = []  # everything but the similarity in meaning, known before anything is embedded
    fullest = _fullest_copies(passages)
    for (passage, span, header), text in zip(candidates, in_context, strict=True):
        overlap = lexical_overlap(question, text)
        relevance = PASSAGE_WEIGHT * passage.score / best_passage
        header_text = passage.text[header[0]:header[1]] if header else ""
        if header is None and _is_row(passage.text[span[0]:span[1]]):  # the page's columns name its years
            header_text = " ".join(sorted(page_years.get((passage.path, passage.page), ())))
        is_row = header is not None or _is_row(passage.text[span[0]:span[1]])
        bonus = _kind_score(question, passage.text[span[0]:span[1]], header_text, "" if is_row else prose)
        if prose and is_row:
            bonus -= KIND_BONUS  # a prose question wants the sentence that says it, not a row of figures
        bonus += ROW_WEIGHT * rows.get((position[id(passage)], *span), 0.0)
        if other_file and passage.path not in named:
            bonus -= OTHER_FILE_PENALTY
        place = (passage.path, passage.page, tuple(passage.headings))
        if is_row and (*place, _row_key(passage.text[span[0]:span[1]])) in fullest:
            bonus += FULLEST_TABLE_BONUS
        lexical.append(0.35 * overlap + relevance + bonus)
    vectors = embed_array([question, *in_context])  # type: ignore[operator]
    similarity = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    scored = [Quote(passage, span, float(sim) + rest, header)
              for (passage, span, header), sim, rest in zip(candidates, similarity, lexical, strict=True)]
    scored.sort(key=lambda q: q.score, reverse=True)
    chosen: list[Quote] = []
    # A defined computation: the best row of each part, in the definition's order (the first part first).
    for scores in part_rows:
        best = next((q for q in scored if scores.get((position[id(q.passage)], *q.span), 0.0) >= PART_SHARE
                     and not any(near_duplicate(q.text, c.text, 0.6) or _overlaps(q, c) for c in chosen)), None)
        if best is not None and len(chosen) < MAX_SENTENCES:
            chosen.append(best)
    if chosen:
        return chosen
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


def quoted_columns(quotes: Sequence[Quote], passages: Sequence[Passage]) -> list[list[str] | None]:
    """For each quote that is a table row, the years of its columns (its header line's, else those of its
    page's column headers, latest first), with the years whose column the row has no figure for left out;
    None for a sentence or a row whose columns name no year."""
    page_years = _page_years([*passages, *(q.passage for q in quotes)])
    out: list[list[str] | None] = []
    for quote in quotes:
        if quote.header is None and not _is_row(quote.sentence):
            out.append(None)
            continue
        if quote.header is not None:
            header = quote.passage.text[quote.header[0]:quote.header[1]]
            years = list(dict.fromkeys(_YEAR.findall(header)))
            years = years[: max(1, len(_figures(quote.sentence)))]  # a row with one figure fills one column
        else:
            years = sorted(page_years.get((quote.passage.path, quote.passage.page), ()), reverse=True)
        out.append(years or None)
    return out


def order_passages(passages: Sequence[Passage], quotes: Sequence[Quote]) -> list[Passage]:
    """Passages holding the chosen quotes first, in the order the answer quotes them (the best quote's, or
    a computation's first part's, first), the rest after, renumbered 1..n.

    A quote may come from the wider pool (`Retrieval.candidates`): its passage then takes the place of
    the last shown one, so as many passages are shown as before."""
    quoted = list({id(q.passage): q.passage for q in quotes}.values())
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
