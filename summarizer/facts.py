"""Names, numbers and dates in a sentence: the facts that must not be lost or invented.

There is no offline named-entity model on this stack, so names are read off
capitalisation: a capitalised word that is not the sentence's first word, or a
first word that is not a common English word.  That over-collects a little,
which errs on the safe side for the guard (a fact it cannot find in the support
marks a sentence unsupported) and for the pool (a sentence with an extra name
is kept apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_MONTHS = {
    "january": "jan", "february": "feb", "march": "mar", "april": "apr", "may": "may",
    "june": "jun", "july": "jul", "august": "aug", "september": "sep", "october": "oct",
    "november": "nov", "december": "dec", "jan": "jan", "feb": "feb", "mar": "mar",
    "apr": "apr", "jun": "jun", "jul": "jul", "aug": "aug", "sep": "sep", "sept": "sep",
    "oct": "oct", "nov": "nov", "dec": "dec",
}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
    "thousand": "1000", "million": "million", "billion": "billion", "trillion": "trillion",
    "dozen": "12", "half": "half", "first": "1st", "second": "2nd", "third": "3rd",
    "fourth": "4th", "fifth": "5th",
}
# Capitalised words that start sentences or headlines without naming anything.
_COMMON_CAPS = set(ENGLISH_STOP_WORDS) | {
    "but", "however", "meanwhile", "earlier", "later", "recently", "according", "after",
    "before", "during", "while", "although", "despite", "still", "yet", "also", "now",
    "today", "yesterday", "tomorrow", "tonight", "this", "that", "these", "those", "there",
    "here", "it", "its", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our",
    "in", "on", "at", "for", "with", "from", "by", "as", "of", "to", "and", "or", "the", "a",
    "an", "if", "when", "where", "why", "how", "what", "who", "which", "officials", "police",
    "authorities", "reports", "report", "residents", "witnesses", "mr", "mrs", "ms", "dr",
    "last", "next", "some", "many", "most", "several", "both", "all", "one", "two", "three",
    "several", "no", "not", "more", "less", "about", "around", "nearly", "almost", "over",
    "under", "more", "such", "so", "then", "though", "instead", "indeed", "further",
    "additionally", "similarly", "overall", "finally", "first", "second", "people",
}

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'.-]*[A-Za-z]|[A-Za-z]|\d[\d,.]*\d|\d")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Facts:
    """The names, numbers and dates of a text, each normalised to lower case."""

    names: frozenset[str]
    numbers: frozenset[str]
    dates: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.names | self.numbers | self.dates

    def __bool__(self) -> bool:
        return bool(self.names or self.numbers or self.dates)


def _normalise_number(token: str) -> str:
    token = token.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
        token = token.replace(",", "")
    if "." in token:
        token = token.rstrip("0").rstrip(".") or "0"
    return token


@lru_cache(maxsize=65536)
def extract_facts(sentence: str) -> Facts:
    """Return the names, numbers and dates in ``sentence``."""
    names: set[str] = set()
    numbers: set[str] = set()
    dates: set[str] = set()
    tokens = _TOKEN.findall(sentence)
    for position, token in enumerate(tokens):
        low = token.lower().strip(".'")
        if token[0].isdigit():
            numbers.add(_normalise_number(token))
            continue
        if low in _MONTHS and (token[0].isupper() and low != "may"):
            dates.add(_MONTHS[low])
            continue
        if low in _WEEKDAYS:
            dates.add(low)
            continue
        if low in _NUMBER_WORDS and low not in {"first", "second", "half", "one"}:
            numbers.add(_NUMBER_WORDS[low])
            continue
        if not token[0].isupper() or low in _COMMON_CAPS:
            continue
        if position == 0 and low in _COMMON_CAPS:
            continue
        # Possessives and plural demonyms name the same thing: "India's", "Russians".
        low = re.sub(r"'s?$", "", low)
        if len(low) > 1:
            names.add(low)
    return Facts(frozenset(names), frozenset(numbers), frozenset(dates))


def name_matches(name: str, known: frozenset[str] | set[str]) -> bool:
    """Whether ``name`` is one of ``known``, allowing the stems of demonyms.

    "Russian" matches "Russia" and "Indian" matches "India": a brief that says
    "the Russian president" is supported by "Russia's president".
    """
    if name in known:
        return True
    for other in known:
        shorter, longer = sorted((name, other), key=len)
        if len(shorter) >= 4 and longer.startswith(shorter[:-1]) and len(longer) - len(shorter) <= 3:
            return True
    return False


def missing_facts(claim: Facts, support: Facts) -> list[str]:
    """The facts of ``claim`` that ``support`` does not have."""
    missing = [n for n in sorted(claim.names) if not name_matches(n, support.names)]
    missing += [n for n in sorted(claim.numbers) if n not in support.numbers]
    missing += [d for d in sorted(claim.dates) if d not in support.dates]
    return missing


def content_words(text: str) -> set[str]:
    """Lower-case words of ``text`` without English stop words."""
    return {w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 1}
