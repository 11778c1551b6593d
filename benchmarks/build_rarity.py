"""Build ``summarizer/data/word_frequency.tsv.gz``: how common each English word is.

Story clustering weighs a shared name or word by how rare it is in English at
large, not in the articles of one call (two or three pasted articles say
nothing about what is rare).  The background is wordfreq's English list
(Robyn Speer et al., https://github.com/rspeer/wordfreq; data CC BY-SA 4.0,
which the built file keeps): its most frequent ``WORDS`` words with their
Zipf frequency (log10 of uses per billion words) to one decimal, and the
numbers that news repeats (integers to 2100, so every year; decimals to 99.9;
times of day), which wordfreq's word list leaves out.  A word or number
outside the table is rarer than its last entry.

Run ``python -m benchmarks.build_rarity`` after ``pip install wordfreq``; the
product reads the built file and never needs wordfreq.
"""

from __future__ import annotations

import gzip
import sys

from benchmarks.common import ROOT

WORDS = 200_000
TARGET = ROOT / "summarizer" / "data" / "word_frequency.tsv.gz"


def build(words: int = WORDS) -> int:
    """Write the table; return the number of words written."""
    import wordfreq

    listed = [w for w in wordfreq.top_n_list("en", words) if "\t" not in w and "\n" not in w]
    numbers = [str(i) for i in range(2101)] + [f"{i / 10:.1f}" for i in range(1000)]
    numbers += [f"{h}:{m:02d}" for h in range(24) for m in range(60)]
    rows = []
    for word in dict.fromkeys(listed + numbers):
        rows.append(f"{word}\t{wordfreq.zipf_frequency(word, 'en'):.1f}")
    header = (
        f"# wordfreq {getattr(wordfreq, '__version__', '3')} English, top {len(rows)} words, Zipf frequency; "
        "data (c) Robyn Speer, CC BY-SA 4.0, https://github.com/rspeer/wordfreq\n"
    )
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same list always gives the same bytes.
    with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write((header + "\n".join(rows) + "\n").encode("utf-8"))
    return len(rows)


if __name__ == "__main__":
    print(f"{build(int(sys.argv[1]) if len(sys.argv) > 1 else WORDS)} words written to {TARGET}")
