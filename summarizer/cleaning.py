"""Stage 1: strip from an article what is not news, and normalise the text.

Cleaning works line by line because boilerplate comes in lines: a share bar, a
"Read more" link, a byline, a donation appeal of several paragraphs.  An appeal
is removed as a block: its opening line ("A Message from ...", "Dear readers")
starts it and it runs while the lines keep speaking to the reader about support.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
    }
)
# Zero-width and bidi-control characters carry no text and break matching.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t]+")

_I = re.IGNORECASE

#: A line that opens a reader appeal; it and the appeal lines after it go.
_APPEAL_START = re.compile(
    r"^(a message from\b|a note from\b|dear (readers?|friends?|subscribers?)\b|"
    r"(please )?support (us|our|independent|quality)\b|"
    r"before you go\b|we have a small favou?r to ask|"
    r"(help|join) us\b.{0,40}\b(journalism|reporting|newsroom)|"
    r"(make a )?(donate|donation|contribute)\b|if you value (our|this)\b)",
    _I,
)
#: Words that keep an appeal block going.
_APPEAL_WORDS = re.compile(
    r"\b(we|our|us|you|your|support\w*|donat\w*|contribut\w*|journalism|"
    r"subscri\w*|thank you|independent|reader\w*|help)\b",
    _I,
)

#: Lines that are boilerplate on their own, whatever surrounds them.
_BOILERPLATE_LINE = re.compile(
    r"^("
    r"read (more|next|also|the full story)\b.*|"
    r"(related|recommended|more from|most read|trending|see also|also read|watch)( (stories|articles|coverage|content|now|video))?\s*:?.{0,120}$|"
    r"share (this|on|via)\b.*|(share|tweet|email|print|comment|save)s?(\s*[|/·•]\s*\w+)*\s*$|"
    r"(click|tap) here\b.*|"
    r"(sign up|subscribe)\b.{0,120}(newsletter|inbox|updates|email|free|today|now).*|"
    r".{0,60}\bnewsletter\b.{0,80}(sign up|subscribe|inbox|delivered).*|"
    r"(we use cookies|this (site|website) uses cookies|by (continuing|using) (to use )?this (site|website)).*|"
    r"(accept|manage) (all )?cookies.*|cookie (policy|settings).*|"
    r"remind me later\.?|maybe later\.?|no,? thanks\.?|"
    r"advertisement|sponsored( content)?|story continues below( advertisement)?|"
    r"(photo|image|picture|video|graphic|illustration)s?\s*(credit)?\s*:.{0,150}|"
    r"\((photo|image|picture)s?:?\s.{0,100}\)|"
    r"(photo|image|picture)s?\s*(by|courtesy of)\s.{0,100}|"
    r".{0,80}/\s*(getty images|reuters|ap photo|afp|epa|shutterstock|alamy)\b.{0,40}|"
    r"(getty images|ap photo|afp via getty images|shutterstock)\s*\.?|"
    r"(published|updated|posted|last updated|first published)\s*(on|:)?\s*.{0,60}\d.{0,40}|"
    r"(copyright|©|\(c\))\s.{0,150}|all rights reserved\.?.*|"
    r"follow (us|me|\w+) on\b.{0,120}|"
    r"(listen to|download) (this|the|our) (article|story|app|podcast).{0,80}|"
    r"\d+\s*(min|minute)s?\s*read|"
    r"(skip to (main )?content|back to top|close|menu|toggle navigation)\s*"
    r")$",
    _I,
)

#: "By Jane Doe", "By Jane Doe and John Roe, Reuters": case matters, so "By then, ..." stays.
_BYLINE = re.compile(
    r"^(By|BY|Written by|Reporting by|Edited by)\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}"
    r"(\s*(,|and|&)\s*[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3})*(\s*[,|;]\s*[^.!?]{0,60})?\.?$"
)

#: A dateline that opens the first paragraph: "LONDON (Reuters) -", "KYIV, Ukraine (AP) —".
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,40}(,\s*[A-Z][\w .'-]{1,40})?\s*(\((AP|AFP|Reuters|CNN|UPI|dpa|Xinhua|Bloomberg)\)\s*)?[-\u2013\u2014]+\s+"
)
_AGENCY_DATELINE = re.compile(r"^[A-Z][\w .,'-]{1,60}\((AP|AFP|Reuters|CNN|UPI|dpa|Xinhua|Bloomberg)\)\s*[-\u2013\u2014:]+\s+")

_NEWS_END = re.compile(r"[.!?\"')\]]\s*$")


@dataclass
class CleanedText:
    """The cleaned text and the lines that were removed from it."""

    text: str
    removed: list[str] = field(default_factory=list)


def normalize_text(text: str) -> str:
    """Unicode NFKC, straight quotes, no invisible or control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_QUOTES)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return text


def _is_appeal_line(line: str) -> bool:
    # Appeal prose addresses the reader: count the words that do so.
    words = max(1, len(line.split()))
    hits = len(_APPEAL_WORDS.findall(line))
    return hits >= 2 or (hits >= 1 and words <= 12) or bool(_BOILERPLATE_LINE.match(line))


def clean_lines(text: str) -> CleanedText:
    """Clean ``text`` and report the lines that were removed."""
    text = normalize_text(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    kept: list[str] = []
    removed: list[str] = []
    in_appeal = False
    for line in lines:
        if not line:
            in_appeal = False if not kept or kept[-1] else in_appeal
            kept.append("")
            continue
        if _APPEAL_START.match(line):
            in_appeal = True
            removed.append(line)
            continue
        if in_appeal:
            if _is_appeal_line(line):
                removed.append(line)
                continue
            in_appeal = False
        if _BOILERPLATE_LINE.match(line) or _BYLINE.match(line):
            removed.append(line)
            continue
        if not any(k for k in kept):
            line = _AGENCY_DATELINE.sub("", line)
            line = _DATELINE.sub("", line)
        kept.append(line)
    cleaned = "\n".join(kept)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned).strip()
    return CleanedText(cleaned, removed)


def clean_text(text: str) -> str:
    """Return ``text`` without boilerplate, with unicode, quotes and spaces normalised.

    >>> clean_text("Rates rose.\\nRead more: Why rates rose\\nShare this article")
    'Rates rose.'
    """
    if not isinstance(text, str):
        raise TypeError(f"clean_text expects str, got {type(text).__name__}")
    return clean_lines(text).text
