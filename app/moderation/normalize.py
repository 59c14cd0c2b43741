"""Undo the usual disguises before rules look at a text.

Attackers hide instructions from keyword filters with look-alike letters, invisible characters,
s p a c e d  letters, leetspeak, reversed text, or an encoding (base64, hex, rot13, URL or unicode
escapes). `variants()` returns the plain text plus every readable form it can recover, each labelled with
how it was found, so a rule match can say "hidden in base64".
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
import urllib.parse

# Zero-width and formatting characters that render as nothing but split words for a regex.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Cyrillic and Greek letters that look like Latin ones (the common homoglyph attacks).
_HOMOGLYPHS = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "һ": "h", "ԁ": "d", "ɡ": "g", "ո": "n", "ν": "v", "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k",
    "τ": "t", "ρ": "p",
})
_SPACES = re.compile(r"\s+")
_LEET = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
})
_SPACED = re.compile(r"(?<![^\s])(?:[^\W_][.\-_*]?[ .\-_*]){2,}[^\W_](?![^\s])")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])(?:[A-Za-z0-9+/]{4}){3,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_BASE64_URL = re.compile(r"(?<![A-Za-z0-9_\-=])[A-Za-z0-9_\-]{16,}={0,2}")
_HEX = re.compile(r"(?<![0-9a-fA-F])(?:(?:0x)?[0-9a-fA-F]{2}[\s:,\\x]*){8,}")
_UNICODE_ESCAPE = re.compile(r"(?:\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}){4,}")
_PERCENT = re.compile(r"(?:%[0-9a-fA-F]{2}){3,}")
_ENCODING_HINT = re.compile(r"\b(rot-?13|caesar|decode|decipher|entschlüssel|décode|decodifica|reverse|"
                            r"backwards)",
                            re.IGNORECASE)


def clean(text: str) -> str:
    """NFKC-normalised, lower-cased, single-spaced; invisible characters gone, look-alike letters mapped."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return text.lower().translate(_HOMOGLYPHS).replace("’", "'").replace("`", "'")


def _mostly_text(decoded: str) -> bool:
    """True when decoded bytes look like words, not binary noise."""
    if len(decoded) < 6:
        return False
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in decoded)
    letters = sum(ch.isalpha() or ch == " " for ch in decoded)
    return printable / len(decoded) > 0.95 and letters / len(decoded) > 0.6


def _utf8(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _mostly_text(text) else None


def decode_base64(text: str) -> list[str]:
    """Readable strings hidden as base64 (standard or URL-safe) runs in `text`."""
    found: list[str] = []
    for pattern, decoder in ((_BASE64, base64.b64decode), (_BASE64_URL, base64.urlsafe_b64decode)):
        for match in pattern.finditer(text):
            chunk = match.group(0)
            if len(chunk) < 12 or chunk.isalpha() and chunk.islower():
                continue  # an ordinary long word
            try:
                decoded = _utf8(decoder(chunk + "=" * (-len(chunk) % 4)))
            except (binascii.Error, ValueError):
                continue
            if decoded and decoded not in found:
                found.append(decoded)
    return found


def decode_hex(text: str) -> list[str]:
    """Readable strings hidden as hex bytes ('69676e6f7265', '0x69 0x67', '\\x69\\x67')."""
    found: list[str] = []
    for match in _HEX.finditer(text):
        digits = re.sub(r"0x|\\x|[\s:,]", "", match.group(0))
        if len(digits) % 2:
            digits = digits[:-1]
        try:
            decoded = _utf8(bytes.fromhex(digits))
        except ValueError:
            continue
        if decoded:
            found.append(decoded)
    return found


def decode_escapes(text: str) -> list[str]:
    """Strings written as \\u0069 / \\x69 escapes or %69 URL escapes."""
    found: list[str] = []
    for match in _UNICODE_ESCAPE.finditer(text):
        try:
            decoded = codecs.decode(match.group(0), "unicode_escape")
        except (UnicodeDecodeError, ValueError):
            continue
        if _mostly_text(decoded):
            found.append(decoded)
    if _PERCENT.search(text):
        decoded = urllib.parse.unquote(text)
        if decoded != text:
            found.append(decoded)
    return found


def unspace(text: str) -> str:
    """'i g n o r e  a l l' -> 'ignore all': runs of single characters are joined (a double space stays a
    word break), so call it before whitespace is collapsed."""
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)


def variants(text: str, deep: bool = True) -> list[tuple[str, str]]:
    """(how, text) pairs to check: the cleaned text first, then each recovered hidden form.

    `deep=False` gives only the cleaned text and cheap de-obfuscations (no decoding), for streaming checks.
    """
    cleaned = clean(text)
    out: list[tuple[str, str]] = [("plain", cleaned)]
    seen = {cleaned}

    def add(how: str, value: str) -> None:
        value = clean(value)
        if value and value not in seen:
            seen.add(value)
            out.append((how, value))

    add("spaced letters", unspace(unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))))
    if any(ch.isdigit() or ch in "@$!" for ch in cleaned):
        add("leetspeak", unspace(cleaned.translate(_LEET)))
    if not deep:
        return out
    for decoded in decode_base64(text):
        add("base64", decoded)
    for decoded in decode_hex(text):
        add("hex", decoded)
    for decoded in decode_escapes(text):
        add("escaped characters", decoded)
    if _ENCODING_HINT.search(text) or len(cleaned) < 400:
        add("rot13", codecs.encode(cleaned, "rot13"))
        add("reversed text", cleaned[::-1])
    return out
