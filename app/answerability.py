"""Does the selected text answer the question? The no-answer decision that checks the answer, not the topic.

The relevance floor in `app/retrieval.py` asks "is anything about this subject?"; cosine similarity cannot
tell "about the same subject" from "answers the question" ("How many moons does Neptune have?" is close to
an article on Uranus). This module asks, per question, of the text the answer would quote:

- **names**: does it mention what the question names (capitalised words, acronyms)?
- **years**: does it speak of the year the question asks about ("in 2018", "FY2022")?
- **distinctive terms**: does it hold most of the question's information, each term weighted by its IDF in
  the index (a word the collection never uses weighs most), as written or in another spelling?
- **what is requested**: instructions for "How can I …?", a definition for "What is an X?", a reason for
  "Why …?", contact details for "the email address of …", from a passage about the question?
- **kind of answer**: "how much" needs a figure, "when" a date, "who" a name.

`assess()` returns the decision with a reason a reader understands; the pipeline then says plainly that
the documents do not cover the question, lists the possibly related passages, and never calls the LLM.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.retrieval import MIN_COVERAGE as RELEVANCE_FLOOR_COVERAGE
from app.retrieval import Passage
from app.text import YEAR as _YEAR
from app.text import question_years

Kind = Literal["amount", "date", "person", "other"]


class IndexStatistics(Protocol):
    """What the decision reads from the keyword index (`app.index.catalog.Catalog` provides it)."""

    def file_frequency(self, term: str) -> tuple[int, int, int]: ...

    def files_named_for(self, term: str) -> int: ...

    def term_statistics(
        self, text: str, passage_ids: Sequence[str], paths: Sequence[str] = (),
    ) -> dict[str, dict[str, Any]]: ...


MIN_COVERAGE = RELEVANCE_FLOOR_COVERAGE  # share of the question's IDF-weighted terms the passages must hold…
CLOSE_COVERAGE = 0.20  # …or this share when a selected passage is close in meaning (cosine >= CLOSE_MEANING):
CLOSE_MEANING = 0.40  # the relevance floor's default; below it (its grey zone) the terms must carry the decision
MIN_NAME_SHARE = 0.5  # share of the question's names (by IDF) that must appear in the selected passages
SELECTED_PASSAGES = 5  # the passages the answer quotes from, then the best retrieved ones

_NUMBER = re.compile(r"(?<![\w.])[$€£]?\(?\d[\d,]*(?:\.\d+)?\)?%?")
_DATE = re.compile(
    r"\b\d{3,4}\b|\b\d{1,2}[:.]\d{2}\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun|week)days?\b|\b(?:daily|weekly|monthly|yearly|annually|"
    r"hourly|nightly|tonight|today|tomorrow|yesterday|noon|midnight|morning|evening|night|century|decade|"
    r"season|spring|summer|autumn|fall|winter|before|after|until|since|during|once|every|whenever|when|"
    r"ago|later|earlier|(?:minute|hour|day|week|month|quarter|year)s?)\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    r"thousand|million|billion|trillion|dozen|half|double|twice|triple|single|once|none|no|several|few|"
    r"many|all|each|every|percent|unlimited)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-zA-Z&'’.-]*[A-Za-z]\b|\b[A-Z]{2,}\b")
_CAPITAL_RUN = re.compile(r"(?<![.!?]\s)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")
_QUESTION_WORDS = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were", "do",
    "does", "did", "can", "could", "should", "would", "will", "has", "have", "had", "the", "a", "an", "in",
    "of", "and", "or", "for", "to", "on", "at", "by", "i", "my", "me", "we", "our", "you", "your", "it",
    "please", "tell", "give", "show", "list", "explain", "describe", "name", "according", "based",
    "among", "between", "from", "as", "if", "then", "that", "this", "there", "here", "q1", "q2", "q3", "q4",
}


@dataclass
class Decision:
    """Whether the selected text answers the question, and why (shown in the answer's details)."""

    answerable: bool
    reason: str
    kind: Kind = "other"
    coverage: float = 0.0
    missing_names: list[str] = field(default_factory=list)
    missing_years: list[str] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def answer_kind(question: str) -> Kind:
    """The kind of answer a question asks for: a figure, a date, a name, or anything else."""
    q = question.lower()
    if re.search(r"\bhow (much|many)\b|\bwhat (was|is|were|are) (the )?(total |net |gross )?"
                 r"(amount|value|number|revenue|sales|income|cost|price|rate|percentage|ratio|margin|"
                 r"cash|debt|expense|expenses|assets|liabilities|earnings)\b", q):
        return "amount"
    if re.search(r"^\s*(when|what year|what date|in which year|in what year)\b|\bwhen (was|did|is|were)\b", q):
        return "date"
    if re.search(r"^\s*(who|whom|whose)\b(?!\s+(can|could|should|may|must|will|would|has access|needs?|gets?))",
                 q) or re.search(r"\bwho (is|was|are|were|founded|invented|wrote)\b", q):
        return "person"
    return "other"


def question_names(question: str) -> list[str]:
    """Names in the question: capitalised words past its first word and acronyms, lower-cased."""
    words = list(_NAME.finditer(question))
    names: list[str] = []
    for match in words:
        word = match.group(0).strip("'’.-")
        start = match.start()
        before = question[:start].rstrip()
        sentence_start = not before or before[-1] in ".!?:\"“(" or before.endswith("question is")
        lower = word.lower()
        if sentence_start and not word.isupper():
            continue
        if lower in _QUESTION_WORDS or _YEAR.fullmatch(word):
            continue
        # "C-terminal", "N-tail", "G-rich": only the capitalised parts of a joined word are names.
        for part in re.findall(r"[A-Za-z0-9]+", word):
            if part[:1].islower() and "-" in word:
                continue
            part = part.lower()
            if len(part) > 1 and part not in _QUESTION_WORDS and not part.isdigit() and part not in ("s",):
                names.append(part)
    return list(dict.fromkeys(names))


_INSTRUCTION = re.compile(
    r"\bround(?:ed|ing)?\b|\bdecimal places?\b|\bsignificant (?:figures|digits)\b|\bin units of\b|"
    r"\banswer (?:in|with|using|format)\b|\b(?:respond|reply) (?:in|with)\b|\bstep[- ]by[- ]step\b|"
    r"\bshow (?:your|the) (?:work|calculation)|\bexplain why\b|\bstate that\b|\byou are an?\b|"
    r"\byour only resources?\b|\bgive a solution\b|"
    r"\bin (?:USD|US\$|\$|dollars|euros?) (?:millions|billions|thousands)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"\([^()]*\)|[^.?!;()]+[.?!;]?")


def asked_part(question: str) -> str:
    """The question without requests about the answer's form: clauses on rounding, units, answer
    format or the reader's role ("Round your answer to two decimal places.", "(in units of percents)",
    "You are an investment banker ...") ask nothing of the documents, so they count for nothing."""
    kept = [m.group(0) for m in _CLAUSE.finditer(question) if not _INSTRUCTION.search(m.group(0))]
    return " ".join(" ".join(kept).split()) or question


def real_names(question: str, catalog: IndexStatistics) -> list[str]:
    """The question's names that the index knows as names: a word of some documents' headers (title,
    file name, cover) that few headers hold, or a capitalised word (not an all-capitals acronym like
    USD or FY) that at most half the documents use. Anything else weighs in the coverage instead."""
    acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{2,}\b", question)}
    names = []
    for name in question_names(question):
        headers, mentioning, total = catalog.file_frequency(name)
        header_name = headers > 0 and headers * 2 <= total
        used_name = name not in acronyms and mentioning > 0 and mentioning * 2 <= total
        if header_name or used_name:
            names.append(name)
    return names


def _share(weights: dict[str, float], words: set[str]) -> float:
    """The share of the question's IDF-weighted terms that a text with these words holds."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if holds_term(t, words)) / total if total else 1.0


def close_meaning(passages: Sequence[Passage]) -> float:
    """The best cosine between the question and the passages (0 when none was found by meaning)."""
    return max((p.dense_score or 0.0 for p in passages), default=0.0)


def unknown_names(question: str) -> list[str]:
    """The question's capitalised names written as words (not acronyms, not codes with digits), lower-cased:
    the candidates for a name the collection may never use."""
    codes = {w.lower() for w in re.findall(r"[^\W_]+", question) if any(c.isupper() or c.isdigit() for c in w[1:])}
    return [n for n in question_names(question) if n not in codes and n.isalpha() and len(n) > 2]


def has_kind(kind: Kind, text: str) -> bool:
    """Whether `text` holds the kind of thing the question asks for."""
    if kind == "amount":
        return any(not _YEAR.fullmatch(m.group(0).strip("()$")) for m in _NUMBER.finditer(text)) \
            or _NUMBER_WORD.search(text) is not None
    if kind == "date":
        return _DATE.search(text) is not None
    if kind == "person":
        return _CAPITAL_RUN.search(text) is not None
    return True


Request = Literal["instructions", "definition", "reason", "contact"]

_ASKS_INSTRUCTIONS = re.compile(
    r"^\s*(?:how|where|what)\b[^?]*?\b(?:can|do|does|should|could|would|might|may|must)\s+(?:i|we|you|one|someone)\b|"
    r"^\s*how to\b|\bwhat(?:'s| is| are)? (?:the )?(?:best |general |right |easiest |proper )?"
    r"(?:way|ways|process|procedure|steps|method) (?:to|for|of)\b", re.IGNORECASE)
_ASKS_DEFINITION = re.compile(
    r"^\s*what (?:is|are|was|were) (?:a |an |the )?[\w'\-\"“”]+(?: [\w'\-\"“”]+)?\s*\?\s*$|"
    r"\bwhat does (?:it|the word|the term)?\s*[\w\"“”'\- ]* mean\b|\bdefinition of\b|\bmeaning of\b|"
    r"^\s*what (?:kind|type|sort) of\b", re.IGNORECASE)
_ASKS_REASON = re.compile(r"^\s*why\b", re.IGNORECASE)
_ASKS_CONTACT = re.compile(r"\b(?:e-?mail|phone|telephone|fax|postal|street|mailing|web) ?(?:address|number)\b|"
                           r"\baddress of\b|\bcontact details\b", re.IGNORECASE)

# Text that tells how to do something: addressed to the reader, a command, an imperative, a numbered step.
_INSTRUCTIONS = re.compile(
    r"\b(?:you|your|yourself)\b|`[^`]+`|(?:^|\s)--?[a-z][\w-]+|\$ \w|^\s*(?:\d+[.)]|[-*•]|step \d+)\s|"
    r"(?:^|[.!:;]\s+)(?:use|run|click|open|select|press|type|go|install|set|add|remove|delete|copy|make|keep|"
    r"try|avoid|follow|check|enter|choose|start|stop|turn|put|take|call|ask|contact|visit|see|read|"
    r"write|save|edit|change|create|never|always)\b",
    re.IGNORECASE | re.MULTILINE)
_REASON = re.compile(r"\b(?:because|due to|owing to|since|as a result|therefore|thus|hence|so that|"
                     r"in order to|caused? by|causes?|leads? to|results? (?:in|from)|reasons?|explains?|why)\b",
                     re.IGNORECASE)
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{7,}\d|https?://\S+|www\.\S+|"
                      r"\b\d+ [A-Z][a-z]+ (?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Drive|Way)\b")


def requested(question: str) -> Request | None:
    """What a question asks the documents to do, beyond naming a figure, date or person: tell how to do
    something ("How can I ...?", "What is the process for ...?"), define a word ("What is an X?"),
    give a reason ("Why ...?"), or give contact details ("the email address of ...")."""
    if _ASKS_CONTACT.search(question):
        return "contact"
    if _ASKS_INSTRUCTIONS.search(question):
        return "instructions"
    if _ASKS_DEFINITION.search(question):
        return "definition"
    if _ASKS_REASON.search(question):
        return "reason"
    return None


def gives(request: Request, text: str, subject_words: Sequence[str] = ()) -> bool:
    """Whether `text` does what the question requests: instructions, a definition of the subject (the
    subject's word followed by "is a", "refers to", "means", ...), a reason, or contact details."""
    if request == "instructions":
        return _INSTRUCTIONS.search(text) is not None
    if request == "reason":
        return _REASON.search(text) is not None
    if request == "contact":
        return _CONTACT.search(text) is not None
    lowered = text.lower()
    for word in subject_words:
        stem = re.escape(word[:max(SHARED_PREFIX, len(word) - 2)])
        if re.search(rf"\b{stem}\w*\s*(?:\([^)]*\)\s*)?(?:,\s*(?:a|an|the)\b|(?:is|are|was|were) (?:a|an|the|defined|"
                     rf"known|called|used)\b|refers? to|means?\b|(?:is|are) (?:the )?(?:term|name|word)|"
                     rf"[:—–-]\s+(?:a|an|the)\b)|(?:called|termed|known as|defined as|named)\s+(?:an? |the )?\W?{stem}",
                     lowered):
            return True
    return False


def _names_in(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text.lower()))


SHARED_PREFIX = 4  # spelling variants share at least this many first letters…
SHARED_SHARE = 0.75  # …and this share of the shorter word ("chemoprophylactic" / "chemoprophylaxis")


def same_word(term: str, word: str) -> bool:
    """Whether `word` is a spelling variant of `term`: equal, a plural ("ORFs" / "ORF"), or the same
    stem written differently ("retinal" / "retina", "overexpressors" / "overexpression"); a word of
    SHARED_PREFIX letters or fewer only as written or as a plural ("EBIT" is not "EBITDA")."""
    if term == word or (len(term) > 2 and len(word) > 2 and term.rstrip("s") == word.rstrip("s")):
        return True
    if min(len(term), len(word)) <= SHARED_PREFIX:  # a short word (an acronym) is not a longer one's stem:
        return False  # "EBIT" is not "EBITDA"
    shared = len(os.path.commonprefix([term, word]))
    return shared >= SHARED_PREFIX and shared >= SHARED_SHARE * min(len(term), len(word))


def holds_term(term: str, words: set[str], depth: int = 0) -> bool:
    """Whether a text whose words are `words` holds `term`, as written, as a spelling variant, or
    written apart ("lipid-rich" asked, "lipid rich" written; "15-ket-PGE" asked, "15 keto PGE" written)."""
    if term in words or any(same_word(term, w) for w in words):
        return True
    if depth < 2:
        for cut in range(2, len(term) - 1):
            head, rest = term[:cut], term[cut:]
            if (head in words or (len(head) >= SHARED_PREFIX and any(same_word(head, w) for w in words))) \
                    and holds_term(rest, words, depth + 1):
                return True
    return False


REPORT_SPAN = 2  # a periodic report covers its own year and the two before it (its comparatives)…
BALANCE_SPAN = 1  # …but amounts at a date (a balance sheet) only for its own year-end and the one before
_AT_A_DATE = re.compile(
    r"\bbalance sheets?\b|\bstatements? of financial position\b|\b(?:current |total |net )?(?:assets|liabilities)\b|"
    r"\b(?:shareholders|stockholders)['’]? equity\b|\baccounts (?:payable|receivable)\b|\binventor(?:y|ies)\b|"
    r"\bat the (?:end|close) of\b", re.IGNORECASE)
_AS_OF = re.compile(r"\bas of (?:the )?(?:FY\s?|fiscal(?: year)? )?((?:19|20)\d{2})\b", re.IGNORECASE)
# A question about what was expected, forecast or planned: only the report written then says it.
_FORWARD = re.compile(r"\b(?:forecast\w*|expect(?:s|ed|ing)? to|expectations?|anticipat\w* to|outlook|guidance|"
                      r"projected to|projections?)\b", re.IGNORECASE)  # not "expected return on plan assets"
FORWARD_SPAN = 1  # a report states expectations for the year after its own (a forecast for 2023 in 2022's)


def dated_years(question: str) -> list[str]:
    """The years a question asks about: the year of "as of 2021" when it has one (the date of the report
    asked for, not the years it asks about), else every year it names."""
    as_of = _AS_OF.search(question)
    return [as_of.group(1)] if as_of else question_years(question)


def period_gap(question: str, series: dict[str, list[str]]) -> list[str]:
    """Years the question asks about that no available document of its subject's series reports on.

    `series` maps the subject's files (several periods, within the filters) to their years, period first.
    A report covers its period and the REPORT_SPAN years before it (amounts over a year: income, cash
    flows), or only the BALANCE_SPAN year before it when the question asks for amounts at a date (a
    balance sheet shows two year-ends); "as of 2021" sets the year asked. What was expected or forecast
    is only in the report written then: "as of 2021, what did it expect to pay in 2024?" needs the 2021
    report (a later one states later expectations), "the forecast for 2023" a report of 2022 or 2023.
    """
    if not series:
        return []
    as_of = _AS_OF.search(question)
    years = dated_years(question)
    if not years:
        return []
    before, after = (BALANCE_SPAN if _AT_A_DATE.search(question) else REPORT_SPAN), 0
    if _FORWARD.search(question):
        before, after = (0, 0) if as_of else (0, FORWARD_SPAN)
    for periods in series.values():
        if periods and all(int(periods[0]) - before <= int(y) <= int(periods[0]) + after for y in years):
            return []
    return years


def assess(
    question: str, selected: Sequence[Passage], catalog: IndexStatistics, quoted: Sequence[str] = (),
    series: dict[str, list[str]] | None = None, named: Sequence[str] = (),
    columns: Sequence[Sequence[str] | None] = (), quoted_in: Sequence[Passage] = (),
) -> Decision:
    """Decide whether `selected` (the passages the answer would quote, best first) answers `question`.

    `quoted` are the sentences or rows the answerer picked; the kind of answer is checked on them (or on
    the passages when nothing was picked). `columns` are, per quote, the years of a quoted row's columns
    (None for a sentence): when every quote is such a row and none has a column of the year asked, the
    figures are another year's (a later report's comparatives do not reach back that far, an earlier
    report's columns stop before it). `quoted_in` are the passages the quotes come from: the year asked
    must be in them (another passage's mention of it does not date the quote). `catalog` gives the
    index's term statistics.
    """
    kind = answer_kind(question)
    question = asked_part(question)
    passages = list(selected[:SELECTED_PASSAGES])
    if not passages:
        return Decision(False, "no passage was retrieved", kind)
    # What a passage is about includes the document it is in: its title and file name ("ACME_2018_10K").
    text = "\n".join(f"{p.title or ''}\n{p.file_name.replace('_', ' ')}\n{p.context}\n{p.text}" for p in passages)
    words = _names_in(text)

    if series is not None:
        gap = period_gap(question, series)
        if gap:
            return Decision(False, f"no document of the subject asked about reports on {', '.join(gap)}", kind,
                            missing_years=gap)
        # Documents named for the subject ("BOEING_2018_10K") answer about it; a subject only found in
        # titles (a topic several papers share) may well be answered by another paper.
        named_for = series and any(catalog.files_named_for(n) for n in question_names(question))
        if named_for and not any(p.path in series for p in passages):
            return Decision(False, "the passages come from other documents than the ones the question names",
                            kind)
    years = question_years(question)
    column_years = dated_years(question)
    if column_years and columns and all(c for c in columns) \
            and not any(y in c for c in columns if c for y in column_years):
        shown = sorted({y for c in columns if c for y in c}, reverse=True)
        return Decision(False, f"the quoted figures are for {', '.join(shown)}, not {', '.join(column_years)}",
                        kind, missing_years=column_years)
    # The year must be in what is quoted: the passages the quotes come from, with their column headers.
    quoted_text = "\n".join([*(f"{p.title or ''}\n{p.file_name}\n{p.context}\n{p.text}" for p in quoted_in),
                             *(" ".join(c) for c in columns if c)]) if quoted_in else text
    missing_years = [y for y in years if y not in quoted_text]
    if years and len(missing_years) == len(years):
        return Decision(False, f"the passages do not mention {', '.join(missing_years)}, the year asked about",
                        kind, missing_years=missing_years)

    # When the answer quotes a document the question names, what that document holds counts: the
    # selected passages are a sample of it, and a figure's definition may sit on another page.
    own = [path for path in named if any(p.path == path for p in passages)]
    stats = catalog.term_statistics(question, [p.passage_id for p in passages], own)
    weights: dict[str, float] = {t: s["idf"] for t, s in stats.items()}
    found = {t for t, s in stats.items() if s["found"] or s.get("in_files") or holds_term(t, words)}
    total = sum(weights.values())
    coverage = sum(weights[t] for t in found) / total if total else 1.0
    missing_terms = sorted((t for t in weights if t not in found), key=lambda t: -weights[t])

    # Names the collection knows but the passages never mention: the passages are about something else.
    # So is a capitalised name the collection never uses at all ("Neptune" asked of texts on Uranus); an
    # acronym or a code the collection never uses weighs in the coverage instead (texts spell them out).
    names = [n for n in real_names(question, catalog) if len(n) > 2 and stats.get(n, {}).get("df", 1) > 0]
    names += [n for n in unknown_names(question) if stats.get(n, {}).get("df", 1) == 0 and n not in names]
    missing_names = [n for n in names if n not in found and not holds_term(n, words)]
    if names:
        name_weight = {n: weights.get(n, max(weights.values(), default=1.0)) for n in names}
        share = sum(name_weight[n] for n in names if n not in missing_names) / (sum(name_weight.values()) or 1.0)
        # Passages close in meaning may speak of the same thing under another name ("CREs" / "cis-regulatory
        # elements"): a name the collection uses elsewhere then weighs as a term. A name some documents are
        # named for (their file name: a company, a product) stays required, as does a name the collection
        # never uses ("Neptune" asked of texts on Uranus).
        spelled_out = close_meaning(passages) >= CLOSE_MEANING and coverage >= CLOSE_COVERAGE \
            and all(stats.get(n, {}).get("df", 0) > 0 for n in missing_names) \
            and not any(catalog.files_named_for(n) for n in missing_names)
        if share < MIN_NAME_SHARE and not spelled_out:
            return Decision(False, f"the passages do not mention {', '.join(missing_names)}, named in the question",
                            kind, round(coverage, 3), missing_names=missing_names, missing_terms=missing_terms)

    close = close_meaning(passages) >= CLOSE_MEANING
    if coverage < (CLOSE_COVERAGE if close else MIN_COVERAGE):
        return Decision(False, "the passages hold too little of what the question asks about (missing: "
                        f"{', '.join(missing_terms[:4])})", kind, round(coverage, 3), missing_names,
                        missing_years, missing_terms)

    evidence = "\n".join(quoted) if quoted else text
    request = requested(question)
    if request is not None:
        # The passage that does it must be about the question: it holds some of its distinctive terms.
        subject = [t for t in sorted(weights, key=lambda t: -weights[t])][:2]
        if not any(gives(request, f"{p.context}\n{p.text}", subject)
                   and _share(weights, _names_in(f"{p.title or ''}\n{p.context}\n{p.text}")) >= CLOSE_COVERAGE
                   for p in passages):
            what = {"instructions": "how to do something", "definition": "what a word means",
                    "reason": "a reason", "contact": "contact details"}[request]
            return Decision(False, f"the question asks {what} and the passages do not say it", kind,
                            round(coverage, 3), missing_names, missing_years, missing_terms)
    if not has_kind(kind, evidence):
        what = {"amount": "a figure", "date": "a date", "person": "a name"}.get(kind, "an answer")
        return Decision(False, f"the question asks for {what} and the passages give none", kind,
                        round(coverage, 3), missing_names, missing_years, missing_terms)
    return Decision(True, f"the passages cover {coverage:.0%} of the question's distinctive terms", kind,
                    round(coverage, 3), missing_names, missing_years, missing_terms)
