"""Choosing what a brief says: pool sentences in rank order, each fact once.

The pool already merges sentences that say the same thing.  What it keeps
apart are sentences that overlap: two outlets' lines that share most of their
words but each add something ("A 5.4-magnitude earthquake hit Kessling,
cracking the wall of the town hall." / "The quake was felt as far away as
Brandt and cracked the wall of the Kessling town hall.").  Placed side by side
in a brief they say one fact twice.  :func:`select_sentences` keeps the first
and names the second as its *partner*: a model fuses the two into one
sentence, and a brief written without a model leaves the partner out.

:func:`repeated_pairs` is the measure: two brief sentences repeat a fact when
most of the shorter one's content words are in the other.  The benchmark
reports it per brief.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .cleaning import boilerplate_kind
from .config import BriefConfig
from .document import PoolSentence
from .facts import content_words, extract_facts, missing_facts, stems

#: A candidate sharing at least this Jaccard share of content words with a sentence
#: already chosen adds little: skip it (MMR-style redundancy; the pool merges only
#: sentences that say the same thing, not ones that overlap).  Tuned on Multi-News dev.
REDUNDANT_OVERLAP = 0.35
#: Two sentences repeat a fact when this share of the shorter one's content
#: words (stemmed) is in the other: "most of their content words".  The
#: selection and the guard read it from ``BriefConfig.fuse_overlap``.
REPEAT_SHARE = BriefConfig.fuse_overlap
#: A pool sentence shorter than this many words is a fragment ("Tina Fey",
#: "Saddened by it."), not a line of a brief.
MIN_BRIEF_WORDS = 4
#: The end of a complete sentence: a full stop, question or exclamation mark,
#: then at most closing quotes and brackets.  Headlines, labels, picture
#: credits and link lines end otherwise.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
#: A link or an address: a tweet's "Help him win at https://t.co/...", "visit
#: www....", "please contact licensing@break.com".
_LINK = re.compile(r"https?://|\bwww\.|pic\.twitter\.com/|\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b", re.IGNORECASE)
#: A teaser or quote cut short: "Researchers have discovered ...", "He was so special to teach....".
_CUT_SHORT = re.compile(r"(\.\.\.|\u2026)[.\"')\]]*$")
_WEEKDAY = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.|January|February|March|April|May|June|July|August|September|October|November|December)"
#: A picture's caption that a page runs in among its sentences, where the line
#: cleaning (which removes captions with a credit) cannot see it.  Agency
#: captions end on the day the picture was taken ("..., in Rome, Friday, Oct.
#: 14, 2011.", where prose says "on Friday"), say who stands where ("Pope
#: Francis, left, and Pope emeritus Benedict XVI pray ..."), or open on the
#: picture ("In this photo provided by ...", "This image released by ...").
_CAPTION_SHAPE = re.compile(
    rf",\s+(on\s+)?{_WEEKDAY},?\s+{_MONTH}\s+\d{{1,2}},\s+\d{{4}}\s*[.!]?[\"')]*$|"
    r"\b[A-Z][\w.'-]*, (left|right|center|centre|second from (left|right)|(top|bottom|front) (left|right|row)), (and\b|[a-z]+s\b)|"
    r"^In this ([\w.]+,? ){0,4}(photo|image|picture|photograph|frame grab|video grab)\b|"
    r"^This ([\w.]+,? ){0,3}(photo|image|picture|photograph)s?,? (released|provided|taken|made available|obtained|from|shows?)\b|"
    r"^An? ([\w.,]+ ){0,4}(photo|image|picture|photograph)\b[^.]{0,120}\bshows\b|"
    # A caption that opens on its credit or the page's button: "AFP/Getty Images NBA
    # Finals MVP LeBron James holds ...", "Buy Photo Genesee County health official ...".
    r"^(Buy Photo\b|[\w .'-]{0,40}/(Getty Images|AP|AFP|Reuters|EPA)\b)"
)


@dataclass(frozen=True)
class Pick:
    """One pool sentence chosen for the brief, and the sentence to fuse into it."""

    #: Index of the chosen pool sentence.
    index: int
    #: Index of a lower-ranked pool sentence that repeats part of it and adds
    #: something; ``None`` when there is nothing to fuse.
    partner: int | None = None

    @property
    def inputs(self) -> list[int]:
        """The pool sentences a draft written from this pick draws on, the chosen one first."""
        return [self.index] if self.partner is None else [self.index, self.partner]


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of two sentences' content words."""
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def repeat_share(a: str, b: str) -> float:
    """The share of the shorter sentence's content words (stemmed) that the other has.

    "cracking the wall" and "cracked the wall" share "crack" and "wall".
    """
    sa, sb = stems(a), stems(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def repeats(a: str, b: str, share: float = REPEAT_SHARE) -> bool:
    """Whether sentences ``a`` and ``b`` say one fact twice (see :func:`repeat_share`).

    The same sentence twice always does, content words or not.
    """
    return a == b or repeat_share(a, b) >= share


def repeated_pairs(sentences: Sequence[str], share: float = REPEAT_SHARE) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, of ``sentences`` that repeat a fact."""
    return [
        (i, j)
        for i in range(len(sentences))
        for j in range(i + 1, len(sentences))
        if repeats(sentences[i], sentences[j], share)
    ]


def adds_to(candidate: str, chosen: str) -> bool:
    """Whether ``candidate`` has a name, number or date that ``chosen`` lacks.

    Only such a repeat is worth fusing: one that adds only words is left out.
    On the tuning half of the first 60 Multi-News dev clusters the embedded
    model's ROUGE-1/2 was 46.98 / 15.83 when a partner needed a fact or three
    new content words, 47.05 / 15.90 with ten, and 47.11 / 15.89 with a fact
    alone: a fusion that only adds words loses more of the outlets' wording
    than it gains.
    """
    return bool(missing_facts(extract_facts(candidate), extract_facts(chosen)))


def is_brief_sentence(text: str) -> bool:
    """Whether a pool sentence reads as a whole sentence a brief can quote.

    Pages pasted or scraped whole carry headlines ("Mobb Deep's Prodigy Dies
    At 42"), labels ("Local News More>>"), credits, the tail of a quote the
    splitter cut off ('" she recalled.'), teasers cut short ("Researchers have
    discovered ..."), links and picture captions: the pool keeps them, as every
    stage numbers the same sentences, but a brief leaves them out.
    """
    text = text.strip()
    first = next((c for c in text if c.isalnum()), "")
    return (
        len(text.split()) >= MIN_BRIEF_WORDS
        # Not the rest of a sentence cut in two ('. a great literary property'), a page's
        # separator ("| AP Photo Trump picks ..."), a handle or a hashtag.
        and (text[0].isalnum() or text[0] in "\"'([$\u00a3\u20ac")
        and bool(_SENTENCE_END.search(text))
        and (first.isupper() or first.isdigit())
        and not _CUT_SHORT.search(text)
        and not _LINK.search(text)
        and not _shouted(text)
        and not _CAPTION_SHAPE.search(text)
        # A sentence that would be boilerplate as a line of its own: "Please sign up here."
        and boilerplate_kind(text) is None
    )


def _shouted(text: str) -> bool:
    # A teaser in capitals ("A LOCAL SEX PREDATOR IS FLORIDA'S NEWEST MULTIMILLIONAIRE ..."):
    # most letters upper case, where a sentence's acronyms ("U.S.", "NATO") are a few.
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def select_sentences(
    pool: Sequence[PoolSentence], words: int, fuse: bool, share: float = REPEAT_SHARE
) -> list[Pick]:
    """Pool sentences in rank order until about ``words`` words, each fact said once.

    A candidate that repeats a chosen sentence (``share``, see :func:`repeats`)
    is never chosen on its own.  With ``fuse`` (a model will write the brief),
    the first such candidate that adds a fact (:func:`adds_to`) becomes the chosen
    sentence's partner, to be fused into it.  A candidate that overlaps a
    chosen sentence less but still by :data:`REDUNDANT_OVERLAP` is skipped.
    Only :func:`is_brief_sentence` sentences are chosen, unless the pool has
    none (a paste of headlines only).  The picks come in rank order.
    """
    eligible = [is_brief_sentence(sentence.text) for sentence in pool]
    if not any(eligible):
        eligible = [True] * len(pool)
    picks: list[Pick] = []
    total = 0
    for i, sentence in enumerate(pool):
        if total >= words:
            break
        if not eligible[i]:
            continue
        repeated = next(
            (k for k, pick in enumerate(picks) if any(repeats(sentence.text, pool[m].text, share) for m in pick.inputs)),
            None,
        )
        if repeated is not None:
            pick = picks[repeated]
            if fuse and pick.partner is None and adds_to(sentence.text, pool[pick.index].text):
                picks[repeated] = Pick(pick.index, i)
            continue
        if any(overlap(sentence.text, pool[m].text) >= REDUNDANT_OVERLAP for pick in picks for m in pick.inputs):
            continue
        picks.append(Pick(i))
        total += len(sentence.text.split())
    return picks


def fill_to(
    pool: Sequence[PoolSentence], written: Sequence[str], picks: Sequence[Pick], words: int,
    share: float = REPEAT_SHARE,
) -> list[Pick]:
    """The ``picks``, in their order, that bring ``written`` up to about ``words`` words without repeating it.

    A model asked for a brief of some length often writes far less
    (Qwen2.5-Coder-1.5B about 80 words when asked for 235).  The rest of the
    length is filled with pool sentences as the outlets wrote them, skipping
    any that repeats (``share``) or overlaps (:data:`REDUNDANT_OVERLAP`) a
    sentence already in the brief.
    """
    said = list(written)
    total = sum(len(text.split()) for text in said)
    filled: list[Pick] = []
    for pick in picks:
        if total >= words:
            break
        text = pool[pick.index].text
        if any(repeats(text, other, share) or overlap(text, other) >= REDUNDANT_OVERLAP for other in said):
            continue
        filled.append(pick)
        said.append(text)
        total += len(text.split())
    return filled


def story_position(sentence: PoolSentence) -> tuple[int, int]:
    """Where ``sentence`` sat in the story: its smallest index in any article (near the top first)."""
    return (min(index for _, index in sentence.occurrences), 0)


def in_story_order(pool: Sequence[PoolSentence], picks: list[Pick]) -> list[Pick]:
    """``picks`` in the order the story tells them (stable for ties)."""
    return sorted(picks, key=lambda pick: story_position(pool[pick.index]))
