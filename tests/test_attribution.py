"""Attribution and the guard: every sentence the generator wrote is kept, replaced or dropped, and said so."""

from __future__ import annotations

from summarizer.attribution import attribute_sentences
from summarizer.config import BriefConfig
from summarizer.document import PoolSentence
from summarizer.pipeline import guard_counts

POOL = [
    PoolSentence("A magnitude 6.1 earthquake struck Port Alden on Saturday, killing two people.", [("a1", 0), ("a2", 0)]),
    PoolSentence("Rescue teams pulled 14 people from collapsed homes, Mayor Ines Okafor said.", [("a1", 2)]),
    PoolSentence("The quake hit at a depth of 10 kilometres, the National Seismic Centre said.", [("a2", 1)]),
]


def test_a_repeated_sentence_is_dropped_with_its_reason(embedder):
    claims = [POOL[0].text, POOL[1].text, POOL[0].text]
    kept, dropped = attribute_sentences(claims, POOL, embedder, BriefConfig())
    assert [s.text for s in kept] == [POOL[0].text, POOL[1].text]
    [repeat] = dropped
    assert repeat.text == POOL[0].text and repeat.supported
    assert repeat.reason == "dropped: repeats an earlier sentence of the brief"
    assert repeat.sources == ["a1", "a2"]


def test_every_claim_is_accounted_for(embedder):
    invented = "A magnitude 6.1 earthquake struck Port Alden on Saturday, killing 40 people, Governor Max Brandt said."
    claims = [POOL[0].text, invented, POOL[0].text, POOL[2].text]
    for guard in ("replace", "drop", "keep"):
        kept, dropped = attribute_sentences(claims, POOL, embedder, BriefConfig(guard=guard), fallbacks=[[0], [1], [0], [2]])
        counts = guard_counts(len(claims), kept, dropped)
        accounted = counts["drafted_supported"] + counts["replaced"] + counts["dropped"] + counts["kept_unsupported"]
        assert accounted == len(claims), (guard, counts)
        assert counts["drafted_supported"] == 3 and counts["repeats_dropped"] == 1
        caught = [s for s in kept + dropped if s.text == invented or s.generated == invented]
        [sentence] = caught
        assert "40" in sentence.reason or "Brandt" in sentence.reason
        if guard == "replace":
            assert sentence.text == POOL[1].text and sentence.generated == invented and counts["replaced"] == 1
        elif guard == "drop":
            assert sentence in dropped and not sentence.supported and counts["dropped"] == 1
        else:
            assert sentence in kept and not sentence.supported and counts["kept_unsupported"] == 1
