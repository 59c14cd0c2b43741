"""Does a claim say the same thing as its source, or something that shares its words but not its facts?

Word overlap and embedding similarity cannot tell "The tension is 40 newtons" from "The tension is 400
newtons" or "... is not 40 newtons". `disagreement(claim, source)` looks at what those scores miss:

- numbers: every number in the claim (digits or number words, "thirty" = 30) must be in the source;
- units: a number the source gives with a unit must not come with another unit in the claim
  ("30 days" vs "30 hours"; "40 N" and "40 newtons" agree);
- negation: the claim and the source must agree on whether they deny ("not", "never", "no", "none",
  "n't", "without", ...);
- quantifiers: "all/every/each/always" against "some/few/most/rarely/sometimes" (either way round) is
  a contradiction.

It returns the reason for the first disagreement found, or None. Times like 02:00 count as their parts
(2 and 0), so "2 am" agrees with "02:00".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[$€£%]|\d+(?:[.,]\d+)*|[^\W\d_]+")
_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_UNITS: dict[str, str] = {}
for _canonical, _names in {
    "millisecond": "ms millisecond milliseconds",
    "second": "s sec secs second seconds",
    "minute": "min mins minute minutes",
    "hour": "h hr hrs hour hours",
    "day": "day days",
    "week": "week weeks wk wks",
    "month": "month months",
    "year": "year years yr yrs",
    "byte": "b byte bytes",
    "kb": "kb kib kilobyte kilobytes",
    "mb": "mb mib megabyte megabytes",
    "gb": "gb gib gigabyte gigabytes",
    "tb": "tb tib terabyte terabytes",
    "usd": "$ usd dollar dollars",
    "eur": "€ eur euro euros",
    "gbp": "£ gbp",
    "percent": "% percent pct",
    "newton": "n newton newtons",
    "kilonewton": "kn kilonewton kilonewtons",
    "gram": "g gram grams",
    "kilogram": "kg kilogram kilograms kilo kilos",
    "milligram": "mg milligram milligrams",
    "metre": "m metre metres meter meters",
    "kilometre": "km kilometre kilometres kilometer kilometers",
    "centimetre": "cm centimetre centimetres centimeter centimeters",
    "millimetre": "mm millimetre millimetres millimeter millimeters",
    "mile": "mile miles mi",
    "volt": "v volt volts",
    "watt": "w watt watts",
    "kilowatt": "kw kilowatt kilowatts",
    "hertz": "hz hertz",
    "kilohertz": "khz", "megahertz": "mhz", "gigahertz": "ghz",
    "litre": "l litre litres liter liters",
    "millilitre": "ml millilitre millilitres milliliter milliliters",
    "celsius": "celsius °c",
    "fahrenheit": "fahrenheit °f",
    "pascal": "pa pascal pascals", "kilopascal": "kpa", "bar": "bar bars", "psi": "psi",
}.items():
    for _name in _names.split():
        _UNITS[_name] = _canonical
_PREFIX_UNITS = {"$", "€", "£"}

NEGATIONS = frozenset("not no never none nobody nothing neither nor without cannot".split())
UNIVERSAL = frozenset("all every each always everyone everything everybody".split())
PARTIAL = frozenset("some sometimes several few many most often usually occasionally rarely seldom".split())


@dataclass(frozen=True)
class Reading:
    """What a text asserts in numbers, units, negation and quantifiers."""

    numbers: dict[float, set[str]]  # value -> units it is given with ("" when none)
    negations: int
    quantifiers: frozenset[str]


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    text = re.sub(r"n't\b", " not", text).replace("cannot", "can not")
    return _TOKEN.findall(text)


def _digits(token: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        token = token.replace(",", "")
    return float(token.replace(",", "."))


def _number_at(tokens: list[str], i: int) -> tuple[float, int] | None:
    """The number starting at token i (digits, or number words like "thirty five"), and its length."""
    token = tokens[i]
    if token[0].isdigit():
        try:
            return _digits(token), 1
        except ValueError:
            return None
    if token not in _ONES and token not in _TENS:
        return None
    if token == "one" and (i + 1 >= len(tokens) or tokens[i + 1] not in _UNITS):
        return None  # "one of the tools", "each one": not a quantity unless a unit follows ("one day")
    value, j = 0.0, i
    while j < len(tokens):
        word = tokens[j]
        if word in _TENS:
            value += _TENS[word]
        elif word in _ONES:
            value += _ONES[word]
        elif word in _SCALES and j > i:
            value = max(value, 1) * _SCALES[word]
        elif word == "and" and j > i and j + 1 < len(tokens) and (tokens[j + 1] in _ONES or tokens[j + 1] in _TENS):
            pass
        else:
            break
        j += 1
    return value, j - i


def read(text: str) -> Reading:
    """The numbers (with units), negations and quantifiers of `text`."""
    tokens = _tokens(text)
    numbers: dict[float, set[str]] = {}
    i = 0
    while i < len(tokens):
        found = _number_at(tokens, i)
        if found is None:
            i += 1
            continue
        value, length = found
        after = tokens[i + length] if i + length < len(tokens) else ""
        before = tokens[i - 1] if i > 0 else ""
        unit = _UNITS.get(after, "") if after not in _PREFIX_UNITS else ""
        if before in _PREFIX_UNITS:
            unit = _UNITS[before]
        numbers.setdefault(value, set()).add(unit)
        i += length
    negations = sum(1 for t in tokens if t in NEGATIONS)
    quantifiers = frozenset(t for t in tokens if t in UNIVERSAL or t in PARTIAL)
    return Reading(numbers, negations, quantifiers)


def disagreement(claim: str, source: str, whole_passage: bool = False) -> str | None:
    """Why `claim` contradicts `source` (numbers, units, negation, quantifiers), or None if it does not.

    With `whole_passage`, `source` is a passage of several sentences, so a negation elsewhere in it does
    not count against a claim without one (a claim that denies still needs a denial in the passage).
    """
    said, src = read(claim), read(source)
    for value, units in said.numbers.items():
        if value not in src.numbers:
            return f"the number {value:g} is not in the passage"
        given = src.numbers[value] - {""}
        claimed = units - {""}
        if given and claimed and not claimed & given:
            return f"{value:g} {'/'.join(sorted(claimed))} where the passage says {value:g} {'/'.join(sorted(given))}"
    if said.negations % 2 != src.negations % 2 and (not whole_passage or said.negations % 2 == 1):
        return "the claim denies what the passage affirms" if said.negations % 2 else (
            "the passage denies what the claim affirms")
    if said.quantifiers & UNIVERSAL and src.quantifiers & PARTIAL and not src.quantifiers & UNIVERSAL:
        return "the claim says all/always where the passage says only some/sometimes"
    if said.quantifiers & PARTIAL and src.quantifiers & UNIVERSAL and not src.quantifiers & PARTIAL:
        return "the claim says some/sometimes where the passage says all/always"
    return None
