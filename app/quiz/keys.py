"""Key terms a question can blank or ask for: dates, figures, names and terms, found by pattern.

A key is a span of one sentence, so an answer taken from it is by construction a verbatim part of the
quoted sentence. `answer_kind` tells what kind a string is, so distractors can be of the same kind as
the answer, and `same_answer` compares two answers as a reader would (case, spacing, "1,577" = "1577").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.quiz.model import _normal

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December"
          "|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?")
_DATE = re.compile(
    rf"\b(?:(?:{MONTHS})\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}"  # March 3, 2021
    rf"|\d{{1,2}}\s+(?:{MONTHS})\s+(?:19|20)\d{{2}}"  # 3 March 2021
    rf"|(?:{MONTHS})\s+(?:19|20)\d{{2}}"  # March 2021
    r"|(?:19|20)\d{2}-\d{2}-\d{2})(?![\w-])"  # 2021-03-03
)
_YEAR = re.compile(r"(?<![\w.,$/-])(?:19|20)\d{2}(?![\w%]|[.,/-]\d)")
_NUMBER = re.compile(
    r"(?<![\w.,/-])(?P<cur>[$€£]\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit>\s?%|\s(?:percent|million|billion|thousand|trillion)\b)?(?![\w(-]|[.,]\d)"
)
# Numbers that are identifiers, not facts: "Item 7", "Note 12", "page 4", "Section 2.1".
_ID_BEFORE = re.compile(r"(?:item|note|notes|section|part|page|pages|figure|fig\.|table|no\.|chapter|step|rule|level"
                        r"|version|exhibit|schedule|article|form)\s*$", re.IGNORECASE)
_NAME = re.compile(r"(?<![\w./-])[A-Z][A-Za-z0-9&'’.-]*[A-Za-z0-9]"
                   r"(?:\s+(?:of\s+|&\s+)?[A-Z][A-Za-z0-9&'’.-]*[A-Za-z0-9])*(?![\w/-])")
_TERM = re.compile(r"\b[a-z][a-z-]{5,}[a-z]\b")
_LEADING_WORDS = frozenset({
    "the", "a", "an", "in", "on", "at", "for", "to", "of", "by", "as", "if", "when", "our", "we", "all",
    "each", "every", "no", "not", "any", "some", "most", "many", "after", "before", "during", "since",
    "until", "from", "with", "without", "under", "over", "i", "you", "your", "its", "their", "this", "that",
    "these", "those", "there", "here", "it", "they", "he", "she", "what", "which", "who", "how", "why",
    "where", "use", "run", "see", "click", "open", "set", "note", "only", "also", "total", "net",
})
_NOT_NAMES = frozenset(m.lower() for m in (
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday I").split())
STOPWORDS = frozenset(
    "a an the and or but if then than that this these those there here of in on at to for from by with "
    "without as is are was were be been being has have had do does did can could may might must shall "
    "should will would it its they them their we our us you your he she his her not no nor so such also "
    "into onto over under about after before during between through each every any all some most more "
    "other which who whom whose what when where why how both either neither only own same too very just "
    "per via upon within".split()
)


@dataclass(frozen=True)
class Key:
    """A span of a sentence a question can ask for (`start`/`end` are offsets in the sentence)."""

    start: int
    end: int
    text: str
    kind: str  # date, number, name or term
    shape: str  # finer kind for distractors: "year", "$|million", "%", "2 words", ...


def number_shape(match: re.Match[str]) -> str:
    cur = "$" if match["cur"] else ""
    unit = (match["unit"] or "").strip().lower().replace("percent", "%")
    return f"{cur}|{unit}"


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in spans)


# A word used as a noun somewhere in the document: after a determiner and before a verb, preposition or
# punctuation ("the catalog is", "a backup of"). Terms asked for are such words, not verbs or adverbs.
_NOUN_USE = re.compile(
    r"\b(?:the|a|an|its|their|your|our|this|that|each|every|any|no)\s+([a-z][a-z-]{4,}[a-z])"
    r"(?=\s*[,.;:)]|\s+(?:is|are|was|were|has|have|had|of|in|on|for|to|and|or|with|from|by|at|as|that"
    r"|which|can|will|may|must|should)\b)"
)


def noun_terms(text: str) -> frozenset[str]:
    """Words `text` uses as nouns (see `_NOUN_USE`), with their plurals."""
    found = {m.lower() for m in _NOUN_USE.findall(text)}
    return frozenset(found | {w + "s" for w in found} | {w + "es" for w in found})


def lower_words(text: str) -> frozenset[str]:
    """Words `text` also writes in lower case: a capitalised "Company" or "Other" is then no name."""
    return frozenset(re.findall(r"(?<![\w-])[a-z][a-z'-]+", text))


def find_keys(
    sentence: str, common: frozenset[str] = frozenset(), nouns: frozenset[str] | None = None,
    lower: frozenset[str] = frozenset(),
) -> list[Key]:
    """Every key of a sentence: dates first, then figures, names and (rarer) terms; spans never overlap.

    `common` lists words too frequent in the document to be a good term to ask for; `nouns`, when given,
    the words that may be asked for as terms (see `noun_terms`); `lower`, words the document also writes
    in lower case (see `lower_words`), which are not names on their own."""
    keys: list[Key] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str, shape: str) -> None:
        if sentence.count("`", 0, start) % 2:  # inside inline code: a command, not a fact
            return
        if not _overlaps(taken, start, end):
            taken.append((start, end))
            keys.append(Key(start, end, sentence[start:end], kind, shape))

    for m in _DATE.finditer(sentence):
        add(m.start(), m.end(), "date", "date" if re.search(r"\d{1,2}\D+\d{4}|\d{4}-", m[0]) else "month")
    years = list(_YEAR.finditer(sentence))
    for m in years:
        # a year in a run of years ("2022, 2021 and 2020") is guessed from its neighbours, not known
        if not any(o is not m and abs(o.start() - m.start()) <= 12 for o in years):
            add(m.start(), m.end(), "date", "year")
    for m in _NUMBER.finditer(sentence):
        if _ID_BEFORE.search(sentence[: m.start()]) or _overlaps(taken, m.start(), m.end()):
            continue
        if _YEAR.fullmatch(m[0]):
            continue  # a year is a date (kept out above when it is guessable)
        if sentence[m.start() - 1: m.start()] == "(" and sentence[m.end(): m.end() + 1] == ")":
            continue  # an enumeration "(1)" or a footnote mark
        add(m.start(), m.end(), "number", number_shape(m))
    for m in _NAME.finditer(sentence):
        start, text = m.start(), m[0]
        words = text.split()
        while words and (words[0].lower() in _LEADING_WORDS or words[0].lower() in _NOT_NAMES):
            start += len(words[0])
            start += len(sentence[start:]) - len(sentence[start:].lstrip())
            words = words[1:]
        if not words or (start == 0 and len(words) == 1) or any(ch.isdigit() for ch in words[0][:1]):
            continue
        text = re.sub(r"['’]s$", "", sentence[start:m.end()])
        end = start + len(text)
        if (len(text) < 3 or "." in text or len(words) > 4 or text.lower() in _NOT_NAMES
                or (len(words) == 1 and text.lower() in lower) or (len(words) > 1 and text.isupper())):
            continue
        add(start, end, "name", "acronym" if text.isupper() else f"{len(words)} words")
    for m in _TERM.finditer(sentence):
        word = m[0]
        if word in STOPWORDS or word in common or (nouns is not None and word not in nouns):
            continue
        add(m.start(), m.end(), "term", "plural" if word.endswith("s") and not word.endswith("ss") else "singular")
    return keys


def answer_kind(text: str) -> str:
    """What kind of answer a string is: date, number, name or term."""
    text = text.strip()
    if _DATE.fullmatch(text) or _YEAR.fullmatch(text):
        return "date"
    if _NUMBER.fullmatch(text):
        return "number"
    words = text.split()
    if words and all(w[:1].isupper() or w in ("of", "&") for w in words):
        return "name"
    return "term"


def answer_form(text: str) -> str:
    """The form two answers are compared in: figures by their digits, words by their letters."""
    normal = _normal(text)
    if _NUMBER.fullmatch(text.strip()):
        digits = re.sub(r"[^\d.]", "", normal).rstrip(".")
        unit = re.sub(r"[\d.,\s$€£]", "", normal).replace("percent", "%")
        return f"{digits}{unit}"
    return re.sub(r"[\s\W_]+", " ", normal).strip()


def same_answer(a: str, b: str) -> bool:
    """Whether two answers are the same answer for a reader ("1,577" and "1577"; case and spaces ignored)."""
    return answer_form(a) == answer_form(b)


def supported(answer: str, quote: str) -> bool:
    """Whether `answer` occurs verbatim in `quote` (case, spacing and figure separators ignored)."""
    needle, hay = _normal(answer), _normal(quote)
    if needle and needle in hay:
        return True
    if answer_kind(answer) == "number":
        digits = re.sub(r"[^\d.]", "", needle).strip(".")
        plain = re.sub(r"(?<=\d),(?=\d{3})", "", hay)
        return bool(digits) and re.search(rf"(?<![\d.]){re.escape(digits)}(?!\d)", plain) is not None
    return False
