"""What the chat page shows, as plain data and escaped HTML: answers, sources, retrieval facts.

Everything that comes from a document, a question or a model is treated as untrusted text. The only
HTML built here is the answer body: Markdown rendered with raw HTML, links and images switched off (so
`<script>` stays text and no answer can load an outside URL), then [n] markers turned into source links.
The other pieces are plain strings that the browser components insert with `textContent`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

from markdown_it import MarkdownIt

from app.assistant import Answer
from app.citations import MARKER, Citation
from app.retrieval import Passage
from app.verbatim import quoted_markdown

# (timing key, label) in pipeline order; keys the pipeline did not run are left out.
STAGES = [
    ("moderation_in_ms", "Question check"),
    ("rewrite_ms", "Follow-up rewrite"),
    ("embed_ms", "Embed the query"),
    ("dense_ms", "Vector search"),
    ("keyword_ms", "Keyword search"),
    ("select_ms", "Choose passages"),
    ("first_token_ms", "First token"),
    ("answer_ms", "Write the answer"),
    ("verify_ms", "Check citations"),
    ("moderation_out_ms", "Answer check"),
]
SNIPPET_CHARS = 220
_TAG = re.compile(r"(<[^>]*>)")
_SOFT_BREAK = re.compile(r"(?<!\n)\n(?![\n\-*•]|\d+[.)]\s)")

FileUrl = Callable[[str, int | None], str | None]


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable(["image", "link", "autolink", "reference", "html_inline", "html_block"])
    return md


_MD = _markdown()


def _link_markers(fragment: str, known: set[int] | None) -> str:
    def replace(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        if known is not None and not any(n in known for n in numbers):
            return match.group(0)
        links = [
            f'<a class="cite" href="#source-{n}" data-n="{n}" title="Show source {n}">[{n}]</a>'
            if known is None or n in known else f"[{n}]"
            for n in numbers
        ]
        return "".join(links)

    return MARKER.sub(replace, fragment)


QUOTED_MODES = ("offline", "llm-fallback")  # answers made of verbatim quotes


def answer_html(text: str, known: set[int] | None = None, verbatim: bool = False) -> str:
    """The answer as safe HTML: escaped Markdown, [n] markers as links (only to `known` numbers if given).

    `verbatim` (quoted answers) shows the text exactly as written: no Markdown is interpreted.
    """
    if not text.strip():
        return ""
    rendered = _MD.render(quoted_markdown(text) if verbatim else text)
    parts = _TAG.split(rendered)
    inside_code = 0
    out = []
    for part in parts:
        if part.startswith("<"):
            if part.startswith(("<code", "<pre")):
                inside_code += 1
            elif part.startswith(("</code", "</pre")):
                inside_code = max(0, inside_code - 1)
            out.append(part)
        else:
            out.append(part if inside_code else _link_markers(part, known))
    return "".join(out)


def escape(text: str) -> str:
    """Untrusted text for an HTML context."""
    return html.escape(text, quote=True)


def place(file_name: str, page: int | None, headings: Iterable[str]) -> str:
    """'guide.md · Install' or 'manual.pdf, p. 3 · Backups': where a passage is, in a few words."""
    where = file_name + (f", p. {page}" if page else "")
    headings = list(headings)
    return f"{where} · {headings[-1]}" if headings else where


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + " …"


def reflow(text: str) -> str:
    """Join lines a file wrapped for width; keep paragraph breaks and list items."""
    return _SOFT_BREAK.sub(" ", text)


def citation_source(citation: Citation, collection: str | None, url: str | None) -> dict[str, Any]:
    """The source panel for a citation: the passage with its best-supporting sentence highlighted."""
    start, end = citation.span
    text = citation.text
    if not (0 <= start <= end <= len(text)):
        start = end = 0
    if citation.supported:
        note = "The highlighted sentence is the one that best supports the answer."
    else:
        note = ("This citation could not be verified: the highlighted sentence is the closest match in the "
                "passage, but it may not say what the answer says.")
    return {
        "title": f"[{citation.n}] {citation.file_name}", "file_name": citation.file_name,
        "page": citation.page, "heading": " › ".join(citation.headings), "collection": collection,
        "before": reflow(text[:start]), "highlight": reflow(text[start:end]), "after": reflow(text[end:]),
        "supported": citation.supported, "note": note, "url": url,
        "url_label": _url_label(citation.file_name, citation.page),
    }


def passage_source(passage: Passage, url: str | None, note: str) -> dict[str, Any]:
    """The source panel for a passage that no sentence cites (shown without a highlight)."""
    return {
        "title": passage.file_name, "file_name": passage.file_name, "page": passage.page,
        "heading": " › ".join(passage.headings), "collection": passage.collection,
        "before": reflow(passage.text), "highlight": "", "after": "", "supported": None, "note": note,
        "url": url, "url_label": _url_label(passage.file_name, passage.page),
    }


def _url_label(file_name: str, page: int | None) -> str:
    return f"Open {file_name} at page {page}" if page else f"Open {file_name}"


def timing_rows(timings: dict[str, float], rewritten: bool = True) -> list[list[Any]]:
    """[label, milliseconds] for each stage that ran, in pipeline order."""
    return [
        [label, _ms(timings[key])] for key, label in STAGES
        if key in timings and not (key == "rewrite_ms" and not rewritten and timings[key] < 1)
    ]


def _ms(value: float) -> float | int:
    return round(value, 1) if value < 10 else int(round(value))


def retrieval_info(
    question: str, rewritten: str | None, passages: int, timings: dict[str, float], collection: str | None,
    cache_hit: bool = False,
) -> dict[str, Any]:
    """The 'retrieval step' under an answer: what was searched, how many passages, time per stage."""
    total = timings.get("total_ms")
    return {
        "query": rewritten or question, "original": question, "rewritten": bool(rewritten),
        "passages": passages, "timings": timing_rows(timings, bool(rewritten)), "collection": collection,
        "total_ms": _ms(total) if total is not None else None, "cache_hit": cache_hit,
    }


def moderation_info(answer: Answer) -> dict[str, Any] | None:
    """What moderation blocked and why, in words a reader understands."""
    if answer.mode != "blocked":
        return None
    at_output = "moderation_out_ms" in answer.timings
    title = "The answer was withheld by moderation" if at_output else "This question was not answered"
    findings = [f for f in answer.moderation if f.get("action") == "block"] or list(answer.moderation)
    reasons: list[str] = []
    for finding in findings:
        category = str(finding.get("category") or "policy").replace("_", " ")
        detail = str(finding.get("detail") or "").strip()
        reason = f"{category}: {detail}" if detail else category
        if reason not in reasons:
            reasons.append(reason)
    return {"title": title, "message": answer.text, "reasons": reasons[:5]}


def answer_info(answer: Answer, collection: str | None, file_url: FileUrl) -> dict[str, Any]:
    """Everything under the answer text, for the answer card."""
    info: dict[str, Any] = {
        "mode": answer.mode, "done": True, "query_id": answer.query_id, "text": answer.text,
    }
    blocked = moderation_info(answer)
    if blocked:
        info["moderation"] = blocked
        return info
    if answer.notice:
        info["notice"] = answer.notice
        info["notice_kind"] = "warn" if answer.mode == "llm-fallback" else "info"
    if answer.mode == "no-answer":
        reason = (answer.decision or {}).get("reason")
        info["no_answer_message"] = f"{answer.text} Why: {reason}." if reason else answer.text
        info["decision"] = answer.decision
    elif answer.no_answer:
        info["no_answer_message"] = ("Nothing in your documents was cited for this answer, so it could not "
                                     "be checked. The closest passages are listed below.")
    info["citations"] = [
        {"n": c.n, "label": place(c.file_name, c.page, c.headings),
         "quote": snippet(c.text[c.span[0]:c.span[1]]), "supported": c.supported}
        for c in answer.citations
    ]
    info["unverified"] = list(answer.unverified)
    related = related_passages(answer)
    info["possibly_related"] = [
        {"label": place(p.file_name, p.page, p.headings), "snippet": snippet(p.text, 160)} for p in related
    ]
    info["retrieval"] = retrieval_info(
        answer.question, answer.rewritten_query, len(answer.passages), answer.timings, collection,
        answer.cache_hit,
    )
    return info


def related_passages(answer: Answer) -> list[Passage]:
    """The 'possibly related' passages shown when nothing relevant answered the question."""
    if answer.possibly_related:
        return list(answer.possibly_related)
    if answer.no_answer and not answer.citations:
        return list(answer.passages[:3])
    return []


def welcome_html(mode_label: str, documents: int, collections: list[str], sample_hint: str) -> str:
    """The card shown before the first question (all values escaped)."""
    if documents == 0:
        return (
            '<div class="welcome"><h2>Ask your documents</h2>'
            '<div class="empty"><strong>No documents are indexed yet.</strong> Index a folder, then reload '
            f"this page: <code>{escape(sample_hint)}</code></div></div>"
        )
    names = ", ".join(collections)
    plural = "s" if documents != 1 else ""
    return (
        '<div class="welcome"><h2>Ask your documents</h2>'
        "<p>Every answer cites the passages it comes from: click a marker such as "
        '<span class="cite-sample">[1]</span> to read the passage, with the supporting sentence '
        "highlighted.</p>"
        f'<p class="stats">{documents} document{plural} indexed'
        f"{' in ' + escape(names) if names else ''} · answers: {escape(mode_label)}</p></div>"
    )
