"""Find the passages that answer a query: dense (Chroma) + BM25 (FTS5), fused, deduplicated, diversified.

Fusion is a convex combination of normalised scores (dense cosine as is, BM25 divided by the list's best
score), which beat reciprocal rank fusion on the SciFact train split (see docs/DESIGN.md). Both input
lists and the fused scores are kept on the result for the admin console's "why this passage" view.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from app.embeddings import MiniLMEmbedder
from app.index import STOPWORDS, ChunkHit, KeywordSearchError, KnowledgeIndex, VectorStoreError
from app.settings import Settings
from app.text import question_years

Mode = Literal["hybrid", "dense", "keyword"]
CANDIDATES = 100  # depth of each list before fusion
DENSE_WEIGHT = 0.55  # tuned on SciFact train (make eval); BM25 gets the rest
BRUTE_FORCE_LIMIT = 20000  # filtered dense search scores the filtered set exactly below this size
_WORD = re.compile(r"\w+")
GREY_ZONE = 0.2  # below min_relevance by at most this, term coverage decides
MIN_COVERAGE = 0.45
NAMED_MIN = 1.0  # name score (see Catalog.named_files) that makes a file "named" by the question
NAMED_SHARE = 0.5  # ...and at least this share of the best-named file's name + detail score
NAMED_BOOST = 0.3  # added to a named file's passages' fused score (times its share); 0.15, 0.5 tried
ANSWER_POOL = 30  # fused candidates the answer's selection may quote from (the shown passages are the top k)
FOCUS_DEPTH = 20  # ...plus the best keyword matches inside the documents the answer is about
FOCUS_SCAN = 500  # keyword matches looked through for them
NEIGHBOUR_REACH = 2  # ...plus the chunks next to a table passage on its page (the rest of the table)
NEIGHBOUR_SHARE = 0.9  # a neighbour's score, as a share of the passage it was found next to
TITLE_LINES = 12  # lines at the top of a page or section read as its title (up to a table row or prose)
TITLE_WORDS = 20  # ...each at most this long
TITLE_MIN = 0.3  # how well a page's title must match the question for the page to join the answer's pool
TITLE_SHARE = 0.75  # ...and at least this share of the best-matching title's score
TITLE_PAGES = 3  # at most this many titled pages (a question may name two statements)
TITLE_REACH = 8  # chunks of a titled page read from its first one
TITLE_SCORE = 2.0  # a titled page's passages score this times the pool's best times the title's match
TITLE_SHOWN = 2  # titled pages whose best passage is among the shown ones


@dataclass
class Filters:
    collection: str | None = None
    path_glob: str | None = None
    file_type: str | None = None
    exclude_glob: str | None = None  # leave out files whose path matches (leave-one-out evaluation)

    def active(self) -> bool:
        return bool(self.collection or self.path_glob or self.file_type or self.exclude_glob)

    def as_kwargs(self) -> dict[str, str | None]:
        return {"collection": self.collection, "path_glob": self.path_glob, "file_type": self.file_type,
                "exclude_glob": self.exclude_glob}


@dataclass
class Passage:
    """A retrieved chunk: the index's own record (`chunk`, not a copy), its scores and its number [n].

    The same object travels from retrieval to the prompt, the offline answer and the citation."""

    chunk: ChunkHit
    score: float
    dense_score: float | None
    keyword_score: float | None
    n: int = 0

    @property
    def passage_id(self) -> str:
        return self.chunk.passage_id

    @property
    def chunk_id(self) -> int:
        return self.chunk.chunk_id

    @property
    def path(self) -> str:
        return self.chunk.path

    @property
    def collection(self) -> str:
        return self.chunk.collection

    @property
    def file_type(self) -> str:
        return self.chunk.file_type

    @property
    def title(self) -> str | None:
        return self.chunk.title

    @property
    def page(self) -> int | None:
        return self.chunk.page

    @property
    def headings(self) -> list[str]:
        return self.chunk.headings

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def context(self) -> str:
        return self.chunk.context

    @property
    def char_start(self) -> int:
        return self.chunk.char_start

    @property
    def char_end(self) -> int:
        return self.chunk.char_end

    @property
    def flags(self) -> list[str]:
        return self.chunk.flags

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    @property
    def label(self) -> str:
        """Human label: 'guide.md, p. 3 > Install'."""
        parts = [self.file_name]
        if self.page is not None:
            parts[0] += f", p. {self.page}"
        if self.headings:
            parts.append(" > ".join(self.headings))
        return " > ".join(parts)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        """A passage from `as_dict()` output (a saved answer); missing fields get empty values."""
        chunk = ChunkHit(
            chunk_id=int(data.get("chunk_id") or 0), passage_id=str(data.get("passage_id") or ""),
            path=str(data.get("path") or ""), collection=str(data.get("collection") or ""),
            file_type=str(data.get("file_type") or ""), title=data.get("title"), page=data.get("page"),
            headings=list(data.get("headings") or []), char_start=int(data.get("char_start") or 0),
            char_end=int(data.get("char_end") or 0), text=str(data.get("text") or ""),
            context=str(data.get("context") or ""), token_count=int(data.get("token_count") or 0),
            flags=list(data.get("flags") or []),
        )
        return cls(chunk, float(data.get("score") or 0.0), data.get("dense_score"), data.get("keyword_score"),
                   int(data.get("n") or 0))

    def as_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "n": self.n, "passage_id": c.passage_id, "chunk_id": c.chunk_id, "path": c.path,
            "collection": c.collection, "file_type": c.file_type, "title": c.title, "page": c.page,
            "headings": c.headings, "text": c.text, "context": c.context, "char_start": c.char_start,
            "char_end": c.char_end, "score": self.score, "dense_score": self.dense_score,
            "keyword_score": self.keyword_score, "flags": c.flags, "file_name": self.file_name,
            "label": self.label,
        }


@dataclass
class Ranking:
    """Fused ranking of passage ids, with the two input lists."""

    fused: list[tuple[str, float]]
    dense: list[tuple[str, float]]
    keyword: list[tuple[str, float]]
    timings: dict[str, float]
    degraded: str | None = None  # why one half of hybrid search was left out, for the answer's notice
    used: Mode | None = None  # the mode that actually ran (differs from the asked one when degraded)
    named: dict[str, float] = field(default_factory=dict)  # files the question names -> share 0..1
    # A subject with several documents (one company's reports of several years): its files within the
    # filters -> the years each is about (its period first); empty when the question names no such series.
    series: dict[str, list[str]] = field(default_factory=dict)
    # The keyword matches FOCUS_SCAN deep when the search ran over the whole index (`keyword` is their
    # head): the answer's look inside its documents (`Retriever._inside`) reads them instead of searching again.
    keyword_scan: list[tuple[str, float]] | None = None


@dataclass
class Retrieval:
    query: str
    passages: list[Passage]
    possibly_related: list[Passage]
    no_answer: bool
    best_dense: float
    ranking: Ranking
    mode: Mode
    # A wider pool than `passages` (the top ANSWER_POOL fused candidates and more, passages first): the
    # answer's selection looks for the row or sentence that answers in all of them, and the
    # passage holding it moves into the shown ones (`offline_answerer.order_passages`).
    candidates: list[Passage] = field(default_factory=list)
    # The files the answer is about: those the question names, else the top passage's file.
    focus: set[str] = field(default_factory=set)


def content_words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOPWORDS]


def _title_stem(word: str) -> str:
    """Singular of a title word, enough for "Balance Sheets" to meet "balance sheet"."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _title_words(text: str) -> set[str]:
    return {_title_stem(w) for w in content_words(text) if w.isalpha() and len(w) > 3}


def opening_title(hit: ChunkHit) -> set[str]:
    """The words of a page's or section's title (stems): its last heading and the short lines at the top
    of its first chunk, up to the first table row, figure or line of prose ("CONSOLIDATED BALANCE SHEETS",
    "(In millions)"; a running head such as the company name is there too, and weighs little because
    most pages repeat it)."""
    words = _title_words(hit.headings[-1]) if hit.headings else set()
    lines = [line.strip() for line in hit.text.split("\n") if line.strip()]
    for line in lines[:TITLE_LINES]:
        if re.fullmatch(r"[^\W\d_]{1,3}", line):  # a short word of a title set one word per line ("OF")
            continue
        if not _is_title_line(line):
            break
        words |= _title_words(line)
    return words


def _is_title_line(line: str) -> bool:
    """A line set as a title: short, no table cells or trailing figure, and its longer words capitalised
    ("Consolidated Statements of Cash Flows", "LIQUIDITY AND CAPITAL RESOURCES"; not "(In millions)" or a
    line of prose)."""
    if "\t" in line or len(line.split()) > TITLE_WORDS or re.search(r"\d[\d,.]*\)?$", line):
        return False
    longer = [w for w in re.findall(r"[^\W\d_]+", line) if len(w) > 3]
    return bool(longer) and 3 * sum(w[0].isupper() for w in longer) >= 2 * len(longer)


def titled_openings(question: str, openings: list[ChunkHit]) -> list[tuple[ChunkHit, float]]:
    """The openings (first chunks of a document's pages or sections) whose titles name what the question
    names, best first, each with its match 0..1: the IDF-weighted share of the title's words the question
    uses times the square root of the share of the question's title words (those any title of the
    document uses) the title holds; at least two words must be shared. "... in the cash flow statement"
    meets "CONSOLIDATED STATEMENTS OF CASH FLOWS" rather than a "Cash Flows" section of the discussion,
    and a manual's question naming a chapter meets its heading. Words of the document's header (its
    subject) name the document, not a page of it."""
    titles = [opening_title(hit) for hit in openings]
    if not titles:
        return []
    df: dict[str, int] = {}
    for title in titles:
        for word in title:
            df[word] = df.get(word, 0) + 1
    subject = _title_words(openings[0].context.split(" > ")[0])
    asked = (_title_words(question) - subject) & df.keys()
    if not asked:
        return []
    weight = {w: math.log((len(titles) + 1) / (df[w] + 0.5)) for w in df}
    asked_weight = sum(weight[w] for w in asked)
    out = []
    for hit, title in zip(openings, titles, strict=True):
        matched = sum(weight[w] for w in title & asked)
        if len(title & asked) >= 2:  # one shared word ("Adjusted") does not name a section
            whole = sum(weight[w] for w in title - subject) or 1.0
            out.append((hit, (matched / whole) * math.sqrt(matched / asked_weight)))
    return sorted(out, key=lambda kv: kv[1], reverse=True)


def fuse(
    dense: list[tuple[str, float]], keyword: list[tuple[str, float]], dense_weight: float = DENSE_WEIGHT
) -> list[tuple[str, float]]:
    """Convex combination of dense cosine and max-normalised BM25; ids missing from a list score 0 there."""
    top_kw = keyword[0][1] if keyword and keyword[0][1] > 0 else 1.0
    scores: dict[str, float] = {}
    for pid, score in dense:
        scores[pid] = dense_weight * max(score, 0.0)
    for pid, score in keyword:
        scores[pid] = scores.get(pid, 0.0) + (1 - dense_weight) * max(score, 0.0) / top_kw
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def _shingles(text: str) -> set[str]:
    words = content_words(text)
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def near_duplicate(a: str, b: str, threshold: float = 0.8) -> bool:
    return _similar(_shingles(a), _shingles(b), a, b, threshold)


def _similar(sa: set[str], sb: set[str], a: str, b: str, threshold: float = 0.8) -> bool:
    if not sa or not sb:
        return a.strip() == b.strip()
    return len(sa & sb) / len(sa | sb) >= threshold


class Retriever:
    """Hybrid retrieval over one index; cheap to call from many threads."""

    def __init__(self, index: KnowledgeIndex, embedder: MiniLMEmbedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.embedder.embed_texts([text])[0]  # the quote selection reuses it
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > 512:
                self._cache.popitem(last=False)
        return vector

    def dense(self, vector: np.ndarray, k: int, allowed: set[str] | None) -> list[tuple[str, float]]:
        if allowed is None:
            return self.index.vectors.query(vector, k)
        if not allowed:
            return []
        if len(allowed) <= BRUTE_FORCE_LIMIT:
            ids = sorted(allowed)
            vecs = self.index.vectors.vectors(ids)
            if not vecs:
                return []
            keys = list(vecs)
            sims = np.stack([vecs[i] for i in keys]) @ vector
            order = np.argsort(-sims)[:k]
            return [(keys[i], float(sims[i])) for i in order]
        hits = self.index.vectors.query(vector, k * 20)
        return [(pid, s) for pid, s in hits if pid in allowed][:k]

    def rank(
        self, query: str, mode: Mode | None = None, depth: int = CANDIDATES, filters: Filters | None = None,
        dense_weight: float = DENSE_WEIGHT,
    ) -> Ranking:
        """Fused ranking of passages for `query` (no filtering by relevance, no diversity)."""
        mode = mode or self.settings.retrieval_mode
        filters = filters or Filters()
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        excluded: set[str] = set()
        if filters.exclude_glob and not (filters.collection or filters.path_glob or filters.file_type):
            # Leaving a few files out: search everything a little deeper and drop theirs (an allow-list of
            # nearly every passage would make both searches scan it).
            excluded = self.index.passage_filter(path_glob=filters.exclude_glob) or set()
            allowed = None
            depth += len(excluded) and min(len(excluded), depth)
        else:
            allowed = self.index.passage_filter(**filters.as_kwargs()) if filters.active() else None
        degraded: str | None = None
        dense: list[tuple[str, float]] = []
        keyword: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            vector = self.embed_query(query)
            timings["embed_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            try:
                dense = self.dense(vector, depth, allowed)
            except VectorStoreError as exc:
                if mode != "hybrid":
                    raise
                degraded = f"Keyword search only: the vector store failed ({exc})."
                mode = "keyword"
            timings["dense_ms"] = (time.perf_counter() - t) * 1000
        keyword_scan: list[tuple[str, float]] | None = None
        if mode in ("hybrid", "keyword"):
            t = time.perf_counter()
            try:
                if allowed is None:  # one search serves the ranking and the look inside the documents
                    keyword_scan = self.index.keyword_search(query, max(depth, FOCUS_SCAN), None)
                    keyword = keyword_scan[:depth]
                else:
                    keyword = self.index.keyword_search(query, depth, allowed)
            except KeywordSearchError as exc:
                if mode != "hybrid":
                    raise
                degraded = f"Meaning-based search only: the keyword index failed ({exc})."
                mode = "dense"
            timings["keyword_ms"] = (time.perf_counter() - t) * 1000
        if excluded:
            dense = [(pid, sc) for pid, sc in dense if pid not in excluded]
            keyword = [(pid, sc) for pid, sc in keyword if pid not in excluded]
        if mode == "dense":
            fused = dense
        elif mode == "keyword":
            top = keyword[0][1] if keyword else 1.0
            fused = [(pid, s / top) for pid, s in keyword]
        else:
            fused = fuse(dense, keyword, dense_weight)
        found = self.index.named_files(query)
        named = self.named_files(query, found)
        series = self._series(query, filters, found)
        if filters.active() and named:
            in_scope = self.index.paths_matching(list(named), **filters.as_kwargs())
            named = {path: share for path, share in named.items() if path in in_scope}
        if named and fused:
            fused = self._boost_named(fused, named)
        timings["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        return Ranking(fused=fused, dense=dense, keyword=keyword, timings=timings, degraded=degraded,
                       used=mode, named=named, series=series, keyword_scan=keyword_scan)

    def _series(
        self, query: str, filters: Filters, found: dict[str, tuple[float, float]] | None = None,
    ) -> dict[str, list[str]]:
        """The files of the subject the question names, when it has documents about several periods
        (`found`: the index's `named_files` of the query, when already looked up)."""
        found = self.index.named_files(query) if found is None else found
        paths = [path for path, (name, _) in found.items() if name >= NAMED_MIN]
        if len(paths) < 2:
            return {}
        periods = self.index.file_periods(paths)
        if len({max(p) for p in periods.values() if p}) < 2:
            return {}
        if filters.active():
            in_scope = self.index.paths_matching(paths, **filters.as_kwargs())
            periods = {path: years for path, years in periods.items() if path in in_scope}
        return {path: sorted(years, reverse=True) for path, years in periods.items()}

    def named_files(self, query: str, found: dict[str, tuple[float, float]] | None = None) -> dict[str, float]:
        """The files a question names through their document headers (company, title, file name), each
        with its share of the best one's score; empty when no header word of the question is rare enough
        for a file to be clearly the subject (`found`: the index's `named_files`, when already looked up)."""
        found = self.index.named_files(query) if found is None else found
        scores = {path: name + detail for path, (name, detail) in found.items() if name >= NAMED_MIN}
        scores = self._of_the_period(query, scores)
        top = max(scores.values(), default=0.0)
        if not top:
            return {}
        return {path: s / top for path, s in scores.items() if s >= NAMED_SHARE * top}

    def _of_the_period(self, query: str, scores: dict[str, float]) -> dict[str, float]:
        """Among several named files, those about the period the question asks for.

        When the question names years and the named files share a subject (one company's reports of
        several years), only the files about the latest year asked that some of them are about stay
        named (an annual report also holds the years before it: "from FY2015 to FY2016" is answered by
        the 2016 report). A year no file is about is read in the next file after it (its comparative
        year), or, after every file ("forecast for 2023"), in the latest one. Files are about the years
        of their header and the year their passages mention most (`Catalog.file_periods`).
        """
        years = question_years(query)
        if len(scores) < 2 or not years:
            return scores
        periods = self.index.file_periods(list(scores))
        covered = [y for y in years if any(y in periods.get(path, ()) for path in scores)]
        later = [y for path in scores for y in periods.get(path, ()) if y > max(years)]
        earlier = [y for path in scores for y in periods.get(path, ()) if y < max(years)]
        if covered:
            target = max(covered)
        elif later:  # the next report holds the year asked as its comparative
            target = min(later)
        elif earlier:
            target = max(earlier)
        else:
            return scores
        return {path: s for path, s in scores.items() if target in periods.get(path, ())}

    def _boost_named(self, fused: list[tuple[str, float]], named: dict[str, float]) -> list[tuple[str, float]]:
        files = self.index.passage_files([pid for pid, _ in fused])
        boosted = [
            (pid, score + NAMED_BOOST * max((named.get(path, 0.0) for path in files.get(pid, ())), default=0.0))
            for pid, score in fused
        ]
        return sorted(boosted, key=lambda kv: kv[1], reverse=True)

    def search(
        self, query: str, k: int | None = None, mode: Mode | None = None, filters: Filters | None = None
    ) -> Retrieval:
        """The top passages for a question, near-duplicates collapsed, no file taking every slot unless
        the question names it (see `named_files`)."""
        k = k or self.settings.top_k
        mode = mode or self.settings.retrieval_mode
        filters = filters or Filters()
        ranking = self.rank(query, mode, depth=max(CANDIDATES // 2, k * 5), filters=filters)
        t = time.perf_counter()
        dense_scores = dict(ranking.dense)
        kw_scores = dict(ranking.keyword)
        candidates = ranking.fused[: max(k * 4, ANSWER_POOL)]
        chunks = self.index.chunks_for([pid for pid, _ in candidates], **filters.as_kwargs())
        chosen: list[Passage] = []
        held_back: list[Passage] = []
        pool: list[Passage] = []
        kept: list[tuple[set[str], str]] = []  # shingles of the passages kept so far, for near-duplicates
        per_file: dict[str, int] = {}
        cap = max(2, math.ceil(k / 2))
        for rank, (pid, score) in enumerate(candidates):
            hits = chunks.get(pid) or []
            if not hits:
                continue
            hit = max(hits, key=lambda h: ranking.named.get(h.path, 0.0))  # the named file's copy first
            passage = _passage(hit, score, dense_scores.get(pid), kw_scores.get(pid))
            shingles = _shingles(passage.text)
            if any(_similar(shingles, other, passage.text, text) for other, text in kept):
                continue
            kept.append((shingles, passage.text))
            if len(chosen) == k or rank >= k * 4:
                pool.append(passage)
                continue
            # Spread over files only when the question names none: a named file may fill every slot.
            if passage.path not in ranking.named and per_file.get(passage.path, 0) >= cap:
                held_back.append(passage)
                continue
            per_file[passage.path] = per_file.get(passage.path, 0) + 1
            chosen.append(passage)
        chosen += held_back[: k - len(chosen)]
        chosen.sort(key=lambda p: p.score, reverse=True)
        # The wider pool looks further into the documents the answer is about (the files the question
        # names, else the top passage's file), never at other documents that the top k did not hold.
        about = set(ranking.named) or {p.path for p in chosen[:1]}
        pool = chosen + [p for p in held_back + pool if p not in chosen and p.path in about]
        pool += self._inside(query, about, pool, ranking.named, ranking.keyword_scan)
        titled, pages = self._titled(query, about, pool)
        pool += titled
        pool += self._table_neighbours(pool)
        chosen = _show_titled(chosen, pool, pages, k)
        shown = {id(p) for p in chosen}
        pool = chosen + [p for p in pool if id(p) not in shown]
        for n, passage in enumerate(chosen, start=1):
            passage.n = n
        mode = ranking.used or mode
        best_dense = self._best_dense(query, ranking, mode)
        no_answer = not chosen or not self._relevant(best_dense, query, chosen, mode)
        ranking.timings["select_ms"] = (time.perf_counter() - t) * 1000
        if no_answer:
            return Retrieval(query, [], chosen[:3], True, best_dense, ranking, mode)
        return Retrieval(query, chosen, [], False, best_dense, ranking, mode, candidates=pool, focus=about)

    def _inside(
        self, query: str, about: set[str], pool: list[Passage], named: dict[str, float],
        scan: list[tuple[str, float]] | None = None,
    ) -> list[Passage]:
        """The best keyword matches of the query inside the documents the answer is about, not already
        in the pool: in a long report the statement page that answers competes with every other
        document's pages for the top ranks, but it is near the top within its own report. (One deeper
        keyword search, kept to those documents: an allow-list of a report's passages would make SQLite
        score every match of the query against it, ~20x slower.)"""
        if not about:
            return []
        seen = {p.passage_id for p in pool}
        try:
            if scan is None:
                scan = self.index.catalog.keyword_search(query, FOCUS_SCAN)
        except KeywordSearchError:
            return []
        hits = [pid for pid, _ in scan[:FOCUS_SCAN] if pid not in seen]
        files = self.index.catalog.passage_files(hits)
        inside = [pid for pid in hits if files.get(pid, set()) & about][:FOCUS_DEPTH]
        if not inside:
            return []
        chunks = self.index.chunks_for(inside)
        floor = min((p.score for p in pool), default=0.0)
        out = []
        for pid in inside:
            in_focus = [h for h in chunks.get(pid) or [] if h.path in about]
            if in_focus:
                hit = max(in_focus, key=lambda h: named.get(h.path, 0.0))
                out.append(_passage(hit, floor, None, None))
        return out

    def _titled(
        self, query: str, about: set[str], pool: list[Passage],
    ) -> tuple[list[Passage], list[tuple[str, int | None, tuple[str, ...]]]]:
        """The passages of the pages (or sections) whose titles name what the question names, inside the
        documents the answer is about, not already in the pool, and those pages (path, page, headings),
        best first: "per the balance sheet" points at the balance sheet's page, whose rows may share few
        words with the question (`titled_openings`). Their passages score as much as the pool's best
        times the title's match."""
        if not about:
            return [], []
        found: list[tuple[ChunkHit, float]] = []
        for openings in self.index.section_openings(sorted(about)).values():
            found += titled_openings(query, openings)
        found.sort(key=lambda kv: kv[1], reverse=True)
        best = found[0][1] if found else 0.0
        chosen = [(hit, score) for hit, score in found if score >= max(TITLE_MIN, TITLE_SHARE * best)]
        if not chosen:
            return [], []
        top = max((p.score for p in pool), default=0.0)
        seen = {p.passage_id: p for p in pool}
        following = self.index.page_neighbours([hit.chunk_id for hit, _ in chosen[:TITLE_PAGES]], TITLE_REACH)
        out: list[Passage] = []
        for hit, score in chosen[:TITLE_PAGES]:
            for chunk in [hit, *(h for h in following.get(hit.chunk_id, []) if h.page == hit.page)]:
                if chunk.headings != hit.headings:
                    continue
                if chunk.passage_id in seen:  # already in the pool: it counts as much as a titled page's
                    seen[chunk.passage_id].score = max(seen[chunk.passage_id].score, TITLE_SCORE * top * score)
                    continue
                seen[chunk.passage_id] = passage = _passage(chunk, TITLE_SCORE * top * score, None, None)
                out.append(passage)
        return out, [(hit.path, hit.page, tuple(hit.headings)) for hit, _ in chosen[:TITLE_PAGES]]

    def _table_neighbours(self, pool: list[Passage]) -> list[Passage]:
        """The chunks next to the pool's table passages on the same page, not already in the pool: a
        statement split over several chunks is found by one of them, and the row that answers may sit in
        the next. They carry a share of the found passage's score."""
        tables = [p for p in pool if "\t" in p.text]
        if not tables:
            return []
        found = self.index.page_neighbours([p.chunk_id for p in tables], NEIGHBOUR_REACH)
        seen = {p.passage_id for p in pool}
        out: list[Passage] = []
        for passage in tables:
            for hit in found.get(passage.chunk_id, []):
                if hit.passage_id not in seen:
                    seen.add(hit.passage_id)
                    out.append(_passage(hit, passage.score * NEIGHBOUR_SHARE, None, None))
        return out

    def _best_dense(self, query: str, ranking: Ranking, mode: Mode) -> float:
        if ranking.dense:
            return ranking.dense[0][1]
        if mode == "keyword" and ranking.keyword:
            vector = self.embed_query(query)
            try:
                return max((s for _, s in self.dense(vector, 1, {ranking.keyword[0][0]})), default=0.0)
            except VectorStoreError:  # degraded to keywords: let term coverage decide (the grey zone)
                return self.settings.min_relevance - GREY_ZONE
        return 0.0

    def _relevant(self, best_dense: float, query: str, chosen: list[Passage], mode: Mode) -> bool:
        """The relevance floor.

        A passage close enough in meaning (dense cosine >= min_relevance) answers. Below that, in a grey
        zone, a passage still counts when it holds most of the question's rare words (IDF-weighted
        coverage), which catches short questions about names the embedder does not know ("Ollama").
        """
        if best_dense >= self.settings.min_relevance:
            return True
        if best_dense < self.settings.min_relevance - GREY_ZONE:
            return False
        top = [p.passage_id for p in chosen[:3]]
        try:
            coverage = self.index.term_coverage(query, top)
        except KeywordSearchError:  # degraded to meaning only: the grey zone cannot be checked
            return False
        return max(coverage.values(), default=0.0) >= MIN_COVERAGE


def _show_titled(
    chosen: list[Passage], pool: list[Passage], pages: list[tuple[str, int | None, tuple[str, ...]]], k: int,
) -> list[Passage]:
    """The shown passages with the best passage of each titled page (`Retriever._titled`) among them, at
    most TITLE_SHOWN, each in place of the last shown one: a question naming the balance sheet is shown
    the balance sheet, not only the pages that repeat its words."""
    shown = list(chosen)
    for path, page, headings in pages[:TITLE_SHOWN]:
        on_page = [p for p in pool if p.path == path and p.page == page and tuple(p.headings) == headings]
        if not on_page or any(p is q for p in on_page for q in shown):
            continue
        best = max(on_page, key=lambda p: p.score)
        shown = [*shown[: k - 1], best] if len(shown) >= k else [*shown, best]
    shown.sort(key=lambda p: p.score, reverse=True)
    return shown


def _passage(hit: ChunkHit, score: float, dense: float | None, keyword: float | None) -> Passage:
    return Passage(hit, score, dense, keyword)
