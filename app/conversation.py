"""Conversations: follow-ups rewritten into standalone questions, and saved sessions for `app ask --session`.

Without an LLM, `rule_rewrite` keeps the subject and the intent of the previous standalone question and
changes only what the follow-up changes:

- a pronoun stands for the previous subject: "When was Abraham Lincoln born?" + "When did he die?" →
  "When did Abraham Lincoln die?";
- a new year replaces the year: "What was Nike's revenue in 2019?" + "and in 2018?" → "… in 2018?";
- a new name replaces the subject: + "what about Adobe?" → "What was Adobe's revenue in 2019?";
- anything else after "what about" replaces what was asked about: + "what about net income?" →
  "What was Nike's net income in 2019?"; "What about his wife?" → "When did Abraham Lincoln's wife die?".

A question that names its own subject is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from app.retrieval import content_words

MAX_SAVED_TURNS = 20
SESSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

_YEAR = re.compile(r"\b(?:FY\s?|fiscal(?: year)?\s)?((?:19|20)\d{2})\b", re.IGNORECASE)
_LEAD = re.compile(
    r"^\s*(?:(?:and|but|also|so|then|ok(?:ay)?|now)\b[\s,]*)*"
    r"(?:(?:what|how)\s+about|what\s+of|same\s+(?:for|with)|and\s+for|and\s+of|and\s+in|and)?\s*",
    re.IGNORECASE,
)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+|^\s*(?:and|same)\s+(?:for|with)\s+|^\s*and\s+",
                    re.IGNORECASE)
_SUBJECT_PRONOUN = re.compile(r"\b(he|she|they|it)\b", re.IGNORECASE)
_OBJECT_PRONOUN = re.compile(r"\b(him|them)\b", re.IGNORECASE)
_POSSESSIVE_PRONOUN = re.compile(r"\b(his|her|its|their)\b", re.IGNORECASE)
_POSSESSOR = re.compile(r"\b([A-Z0-9][\w&.-]*(?:\s+[A-Z][\w&.-]*)*)(?:'s|’s|'|’)(?=\s)")
_CAPITAL_RUN = re.compile(r"\b[A-Z][\w&.-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&.-]*)*")
_NOT_NAMES = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were",
    "do", "does", "did", "can", "could", "should", "would", "will", "has", "have", "had", "the", "a", "an",
    "and", "in", "of", "for", "i", "tell", "give", "show", "list", "please", "fy", "q1", "q2", "q3", "q4",
}
_PREPOSITIONS = {"on", "in", "for", "at", "of", "with", "by", "from", "to", "under", "about"}
_PERIOD_WORDS = {"fiscal", "year", "fy", "quarter", "q1", "q2", "q3", "q4", "end", "during", "annual"}
# Words of how a question asks ("how much", "how often"), not of what it asks about.
_ASKING_WORDS = {"much", "many", "often", "long"}
# A question without a subject of its own is a fragment of the conversation ("how often?", "what was the
# net income?") when it names at most this many things; with more it asks about something of its own.
FRAGMENT_WORDS = 2


@dataclass
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str
    standalone: str | None = None


def subject(question: str) -> str | None:
    """The named subject of a question: 'Adobe' in "What is Adobe's revenue?", 'Abraham Lincoln' in
    'When was Abraham Lincoln born?'; None when it names nothing."""
    possessor = _POSSESSOR.search(question)
    if possessor and possessor.group(1).lower() not in _NOT_NAMES:
        return _trim_name(possessor.group(1))
    names = []
    for match in _CAPITAL_RUN.finditer(question):
        name = _trim_name(match.group(0))
        if name and not _YEAR.fullmatch(name):
            names.append(name)
    if not names:
        return None
    return names[0]  # the first name is the subject more often than not ("Does Adobe report its Digital Media…")


def _trim_name(text: str) -> str | None:
    words = text.split()
    while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _PREPOSITIONS):
        words.pop(0)
    while words and words[-1].lower() in _NOT_NAMES:
        words.pop()
    name = " ".join(words).strip(".,;:'’")
    if not name or _YEAR.fullmatch(name) or re.fullmatch(r"(?:FY|Q[1-4])?\d+", name, re.IGNORECASE):
        return None
    return name


def _resolve_pronouns(text: str, entity: str, thing: str | None = None) -> str:
    """'his'/'its' → "Entity's"; 'he'/'him' → Entity; 'it'/'they' → the thing asked about, if any."""
    text = _POSSESSIVE_PRONOUN.sub(f"{entity}'s", text)
    text = _SUBJECT_PRONOUN.sub(lambda m: thing if thing and m.group(1).lower() in ("it", "they") else entity, text)
    return _OBJECT_PRONOUN.sub(lambda m: thing if thing and m.group(1).lower() == "them" else entity, text)


def _thing(previous: str, entity: str) -> str | None:
    """What the previous question asked about, with its owner: "Adobe's subscription revenue"."""
    match = re.search(rf"{re.escape(entity)}(?:['’]s|['’])\s+(.+?)(?=\s+(?:in|at|for|during|of|from|on|by)\b|\?|$)",
                      previous)
    if match:
        return match.group(0).strip()
    owned = re.search(r"\b(?:its|their)\s+(.+?)(?=\s+(?:in|at|for|during|of|from|on|by)\b|\?|$)", previous)
    return f"{entity}'s {owned.group(1).strip()}" if owned else None


def _replace_years(previous: str, years: list[str]) -> str:
    found = list(_YEAR.finditer(previous))
    if not found:
        return f"{previous.rstrip(' ?')} in {' and '.join(years)}?"
    out = previous
    for match, year in zip(reversed(found[: len(years)]), reversed(years[: len(found)]), strict=False):
        out = out[: match.start(1)] + year + out[match.end(1):]
    if len(years) > len(found):  # "and in 2017 and 2016?"
        out = out.replace(years[0], " and ".join(years[: len(years) - len(found) + 1]), 1)
    return out


def _replace_topic(previous: str, entity: str | None, topic: str) -> str:
    """Put `topic` in place of what `previous` asked about (its words other than the subject and period)."""
    skip = set((entity or "").lower().split()) | _PERIOD_WORDS
    words = [m for m in re.finditer(r"[\w&-]+(?:['’]s)?", previous)
             if m.group(0).lower() in content_words(m.group(0)) and m.group(0).lower() not in skip
             and not _YEAR.fullmatch(m.group(0)) and not (entity and m.group(0) in entity.split())]
    words = [m for m in words if m.group(0).lower() not in _NOT_NAMES]
    if not words:
        return f"{previous.rstrip(' ?')}: {topic}?"
    first, last = words[0], words[-1]
    return previous[: first.start()] + topic + previous[last.end():]


def _own_subject(question: str, entity: str | None) -> bool:
    """The follow-up names its own subject and asks a full question: it stands alone."""
    own = subject(question)
    return own is not None and (entity is None or own.lower() != entity.lower()) and len(content_words(question)) >= 2 \
        and _ABOUT.match(question) is None


def rule_rewrite(question: str, history: Sequence[Turn]) -> str | None:
    """Standalone question for a follow-up, without an LLM (None when the question stands alone)."""
    if not history:
        return None
    previous = history[-1].standalone or history[-1].question
    entity = subject(previous)
    text = question.strip()
    years = [m.group(1) for m in _YEAR.finditer(text)]
    about = _ABOUT.match(text)
    rest = text[about.end():] if about else _LEAD.sub("", text, count=1)
    rest_words = [w for w in content_words(_YEAR.sub(" ", rest)) if w not in _PERIOD_WORDS]

    # "and in 2017?", "what about FY2019?": the same question for another period
    if years and not rest_words:
        return _replace_years(previous, years)
    has_pronoun = bool(_SUBJECT_PRONOUN.search(text) or _OBJECT_PRONOUN.search(text)
                       or _POSSESSIVE_PRONOUN.search(text))
    if about and rest.strip(" ?"):
        topic = rest.strip().rstrip("?").strip()
        if entity and has_pronoun:
            topic = _resolve_pronouns(topic, entity)
        new_name = subject(topic[:1].upper() + topic[1:]) if topic else None
        base = _replace_years(previous, years) if years else previous
        topic_words = " ".join(re.sub(r"(?:\b(?:in|for|during|of)\s+)?" + _YEAR.pattern, " ", topic,
                                      flags=re.IGNORECASE).split())
        topic = topic_words or topic
        head = topic.split()[0].lower() if topic.split() else ""
        slot = rf"\b{head}\s+(?!(?:fiscal\s+|FY\s?)?\d)[\w&.-]+(?:\s+[A-Z][\w&.-]*)*"
        if head in _PREPOSITIONS and len(topic.split()) > 1:
            same_slot = re.search(slot, base, re.IGNORECASE)
            if same_slot:  # "and on Windows?" after "… on Linux?": the same slot, another value
                return base[: same_slot.start()] + topic + base[same_slot.end():]
            return f"{base.rstrip(' ?')} {topic}?"  # "and in Asia?": a further condition
        possessed = re.match(rf"{re.escape(entity)}['’]s\s+(.+)$", topic) if entity else None
        if possessed and re.search(rf"{re.escape(entity)}['’]s", base):  # "its inventories" after "Nike's revenue"
            return _replace_topic(base, entity, possessed.group(1))
        if entity and entity.lower() in topic.lower() and topic.lower() != entity.lower():
            return base.replace(entity, topic, 1)  # "his wife" after "When did Abraham Lincoln die?"
        if new_name and entity and new_name.lower() != entity.lower() and topic_words[:1].isupper() | (
                topic_words.lower().split()[0] in _PREPOSITIONS):
            return base.replace(entity, new_name)
        if entity and topic_words:
            return _replace_topic(base, entity, topic_words)
        return f"{topic} ({previous.rstrip(' ?')})?" if not entity else None
    if entity and has_pronoun:
        resolved = _resolve_pronouns(text, entity, _thing(previous, entity))
        return resolved if resolved != text else None
    own_words = [w for w in content_words(_YEAR.sub(" ", text)) if w not in _PERIOD_WORDS | _ASKING_WORDS]
    if _own_subject(text, entity) or len(own_words) > FRAGMENT_WORDS:
        return None  # "Who leads the zebra project?" asks about something of its own
    # A short follow-up with no subject of its own ("how often?"): ask it of the previous subject (and
    # period, unless it names its own).
    if entity and entity.lower() not in text.lower():
        period = [] if years else [m.group(0) for m in _YEAR.finditer(previous)]
        return f"{text.rstrip(' ?')} for {entity}{' in ' + ' and '.join(period) if period else ''}?"
    return None


# --- saved sessions (`python -m app ask --session NAME`) --------------------------------------------
def session_path(sessions_dir: Path, name: str) -> Path:
    """Where a named session is stored; the name must be a plain word (letters, digits, - _ .)."""
    if not SESSION_NAME.match(name):
        raise ValueError(f"'{name}' is not a valid session name: use letters, digits, '-', '_' or '.'")
    return sessions_dir / f"{name}.json"


def load_session(sessions_dir: Path, name: str) -> list[Turn]:
    """The turns of a saved session (none for a new one)."""
    path = session_path(sessions_dir, name)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Turn(str(t["question"]), str(t["answer"]), t.get("standalone")) for t in data.get("turns", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(f"session file {path} is damaged: delete it to start the session again") from None


def save_turn(sessions_dir: Path, name: str, turn: Turn) -> None:
    """Append a turn to a saved session (the last MAX_SAVED_TURNS are kept)."""
    turns = [*load_session(sessions_dir, name), turn][-MAX_SAVED_TURNS:]
    path = session_path(sessions_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"turns": [asdict(t) for t in turns]}, indent=1), encoding="utf-8")
    tmp.replace(path)
