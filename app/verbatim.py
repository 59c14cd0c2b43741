"""Quoted text shown as text: the one escaping step the chat, the CLI and the console share.

An offline answer is made of sentences and table rows copied from documents. A quoted "3.6%*" must not
turn into italics, a line starting with "* " or "1." must not become a list, "#" must not become a
heading, and "<b>" must stay four characters. `quoted_markdown` escapes every Markdown-significant
character so any CommonMark renderer shows the text exactly; line breaks (a table row under its header)
stay line breaks. `terminal_text` does the same job for a terminal: it drops control characters and escape
sequences a document could use to drive the terminal.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def quoted_markdown(text: str) -> str:
    """Markdown source that renders as exactly `text`: punctuation escaped, line breaks kept as breaks."""
    lines = [_PUNCTUATION.sub(r"\\\1", line.strip()) for line in terminal_text(text).split("\n")]
    lines = [line for line in lines if line]
    return "\\\n".join(lines)


def terminal_text(text: str) -> str:
    """`text` without terminal escape sequences or control characters (tabs and newlines kept)."""
    return _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
