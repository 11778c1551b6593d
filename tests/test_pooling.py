"""The deduplicated sentence pool: paraphrases merge, facts never get lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.clustering import article_sentences
from summarizer.config import BriefConfig
from summarizer.document import Article, PoolSentence
from summarizer.embedding import embed, load_embedder
from summarizer.pooling import build_pool, lost_facts, sentences_match

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEEDS = DATA / "seeds"

WIRE = """\
Floodwaters forced more than 3,000 residents of Riverton to leave their homes on Sunday, officials said.
The Kaw River rose above its banks after three days of heavy rain.
Emergency crews used boats to reach families trapped on rooftops.
Governor Laura Kelly declared a state of emergency for five counties.
Shelters at two local schools were expected to stay open through the week.
"""

REWRITE = """\
Floodwaters forced more than 3,000 Riverton residents from their homes on Sunday, officials said.
The Kaw River burst its banks following three days of torrential rain.
Rescue teams took boats out to families stuck on the roofs of their houses.
Governor Laura Kelly declared a state of emergency for five counties.
Shelters set up at two local schools should remain open all week.
"""


@pytest.fixture(scope="module")
def embedder():
    return load_embedder()


def _similarity(embedder, a: str, b: str) -> float:
    vectors = embed(embedder, [a, b])
    return float(vectors[0] @ vectors[1])


def _group_of(pool: list[PoolSentence], text: str) -> PoolSentence:
    return next(p for p in pool if text == p.text or text in p.variants)


def _check_occurrences(pool: list[PoolSentence], articles: list[Article]) -> None:
    by_id = {a.id: article_sentences(a) for a in articles}
    seen = set()
    for pool_sentence in pool:
        for article_id, index in pool_sentence.occurrences:
            assert by_id[article_id][index] in {pool_sentence.text, *pool_sentence.variants}
            assert (article_id, index) not in seen
            seen.add((article_id, index))
    # Every sentence of every article is in the pool exactly once.
    assert seen == {(a.id, i) for a in articles for i in range(len(by_id[a.id]))}


def test_two_outlets_paraphrases_merge_and_keep_every_occurrence(embedder):
    articles = [Article(WIRE, source="Wire"), Article(REWRITE, source="Local")]
    pool = build_pool(articles, embedder)
    _check_occurrences(pool, articles)
    assert len(pool) < sum(len(article_sentences(a)) for a in articles)
    for wire_sentence in article_sentences(articles[0]):
        group = _group_of(pool, wire_sentence)
        assert group.article_ids == [articles[0].id, articles[1].id], wire_sentence
    governor = _group_of(pool, "Governor Laura Kelly declared a state of emergency for five counties.")
    assert governor.occurrences == [(articles[0].id, 3), (articles[1].id, 3)]


def test_wire_copy_in_many_outlets_is_one_pool_sentence_per_wording(embedder):
    # Syndicated copy: the wire story word for word in several outlets, one of
    # them cut by a line and reordered, plus one outlet's own rewrite.
    lines = WIRE.splitlines()
    cut = "\n".join([lines[0], lines[2], lines[1], *lines[4:]])
    articles = [Article(WIRE, source=f"Outlet {n}") for n in range(6)] + [
        Article(cut, source="Cut"),
        Article(REWRITE, source="Local"),
    ]
    pool = build_pool(articles, embedder)
    _check_occurrences(pool, articles)
    assert len(pool) <= len(lines)
    for wire_sentence in lines:
        group = _group_of(pool, wire_sentence)
        outlets = set(group.article_ids)
        assert {a.id for a in articles[:6]} <= outlets, wire_sentence
        assert (articles[6].id in outlets) == (wire_sentence != lines[3]), wire_sentence
    assert all(len(p.variants) <= 1 for p in pool)


def test_a_different_number_keeps_sentences_apart(embedder):
    a = "The blast killed 12 people at the market in Peshawar, police said."
    b = "The blast killed 15 people at the market in Peshawar, police said."
    assert not sentences_match(a, b, _similarity(embedder, a, b))
    articles = [
        Article(f"Police sealed off the area.\n{a}\nThe market was closed.", source="One"),
        Article(f"Police sealed off the area.\n{b}\nThe market was closed.", source="Two"),
    ]
    pool = build_pool(articles, embedder)
    _check_occurrences(pool, articles)
    texts = [p.text for p in pool]
    assert a in texts and b in texts
    # The neighbours merged, yet context never merges a changed number.
    assert len(_group_of(pool, "The market was closed.").article_ids) == 2


def test_a_sentence_that_adds_a_name_is_the_representative_or_stays(embedder):
    short = "The minister resigned on Friday after the report was published."
    longer = "The minister, Ana Ruiz, resigned on Friday after the report was published."
    articles = [
        Article(f"The report criticised the ministry.\n{short}\nElections are due in May.", source="One"),
        Article(f"The report criticised the ministry.\n{longer}\nElections are due in May.", source="Two"),
    ]
    pool = build_pool(articles, embedder)
    _check_occurrences(pool, articles)
    for pool_sentence in pool:
        for variant in pool_sentence.variants:
            assert not lost_facts(variant, pool_sentence.text), (variant, pool_sentence.text)
    assert any("Ana Ruiz" in p.text for p in pool)


def test_sentences_match_needs_more_than_similar_wording(embedder):
    base = "The company said profit rose in the second quarter."
    clause = "The company said profit rose in the second quarter, driven by strong sales in China and a weaker dollar."
    paraphrase = "Profit rose in the second quarter, the company said."
    assert sentences_match(base, paraphrase, _similarity(embedder, base, paraphrase))
    assert not sentences_match(base, clause, _similarity(embedder, base, clause))
    assert sentences_match(base, base, 1.0)


def test_lost_facts_reads_names_leniently_and_numbers_exactly():
    assert lost_facts("Revenue in the quarter dropped 15 percent.", "Their revenue in the quarter dropped 15 percent.") == []
    assert lost_facts("U.S. officials met on Monday.", "American officials met on Monday.") == []
    assert lost_facts("Rebels killed 12 soldiers.", "Rebels killed 15 soldiers.") == ["12"]


def test_empty_input_gives_empty_pool(embedder):
    assert build_pool([], embedder) == []


def test_context_threshold_can_be_switched_off(embedder):
    articles = [Article(WIRE, source="Wire"), Article(REWRITE, source="Local")]
    strict = build_pool(articles, embedder, BriefConfig(dedup_context_threshold=1.01))
    loose = build_pool(articles, embedder)
    # The boat sentences are worded too freely to merge on their own; only their
    # neighbours, merged in both articles, tell that they are one sentence.
    wire_boats = "Emergency crews used boats to reach families trapped on rooftops."
    local_boats = "Rescue teams took boats out to families stuck on the roofs of their houses."
    wire, local = articles[0].id, articles[1].id
    assert _group_of(strict, wire_boats).occurrences == [(wire, 2)]
    assert _group_of(strict, local_boats).occurrences == [(local, 2)]
    merged = _group_of(loose, wire_boats)
    assert merged is _group_of(loose, local_boats)
    assert sorted(merged.occurrences) == sorted([(wire, 2), (local, 2)])
    # That is the only difference the switch makes.
    assert len(loose) == len(strict) - 1
    groups = lambda pool: {frozenset(p.occurrences) for p in pool}
    assert groups(strict) - groups(loose) == {frozenset({(wire, 2)}), frozenset({(local, 2)})}
    assert groups(loose) - groups(strict) == {frozenset(merged.occurrences)}
    _check_occurrences(strict, articles)
    _check_occurrences(loose, articles)


# --- the seed articles ----------------------------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/data is not beside the project")


@pytest.fixture(scope="module")
def seed_pool(embedder):
    articles = [Article(p.read_text(encoding="utf-8"), source=p.name) for p in sorted(SEEDS.glob("*.txt"))]
    return articles, build_pool(articles, embedder)


@needs_seeds
def test_seed_ukraine_pair_merges(seed_pool):
    _, pool = seed_pool
    group = _group_of(pool, "But Ukraine has complicated ties.")
    assert "But the war has complicated relations." in {group.text, *group.variants}
    assert len(group.article_ids) == 2


@needs_seeds
def test_seed_pool_keeps_rostec_and_drops_the_appeal(seed_pool):
    articles, pool = seed_pool
    _check_occurrences(pool, articles)
    texts = [t for p in pool for t in (p.text, *p.variants)]
    assert any("Rostec" in p.text for p in pool)
    assert not any("Moscow Times" in t or "Dear readers" in t for t in texts)


@needs_seeds
def test_seed_pool_is_clearly_smaller(seed_pool):
    articles, pool = seed_pool
    total = sum(len(article_sentences(a)) for a in articles)
    assert len(pool) <= total - 10
    assert sum(1 for p in pool if len(p.article_ids) == 2) >= 10


def test_sentences_given_by_the_caller_are_the_ones_pooled(embedder):
    # The pipeline splits each article once and hands the sentences to every stage.
    articles = [Article(WIRE, source="Wire"), Article(REWRITE, source="Local")]
    split = [article_sentences(a) for a in articles]
    pooled = build_pool(articles, embedder, sentences=split)
    assert [(p.text, p.occurrences) for p in pooled] == [(p.text, p.occurrences) for p in build_pool(articles, embedder)]
    # Only what the caller gave is pooled: the wire's last line dropped is gone.
    shorter = build_pool(articles, embedder, sentences=[split[0][:-1], split[1]])
    assert (articles[0].id, len(split[0]) - 1) not in {o for p in shorter for o in p.occurrences}
    with pytest.raises(ValueError, match="2 articles but 1 sentence lists"):
        build_pool(articles, embedder, sentences=split[:1])


def test_vectors_embedded_once_for_a_call_give_the_same_pool(embedder, monkeypatch):
    # The pipeline embeds every story's sentences in one batch and hands the
    # vectors to each pool: the pools are those that embedding per story gives,
    # and no sentence is encoded twice.
    from summarizer import embedding

    flood = [Article(WIRE, source="Wire"), Article(REWRITE, source="Rewrite")]
    quake = [Article("A magnitude 5.4 earthquake struck Kessling on Wednesday. No injuries were reported.")]
    sentences = [article_sentences(a) for a in flood + quake]
    encoded: list[str] = []
    real = embedder.encode

    def counting(texts, *args, **kwargs):
        encoded.extend(texts)
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(embedder, "encode", counting)
    vectors = embedding.embed_distinct(embedder, [s for per in sentences for s in per] + sentences[0])
    distinct = {s for per in sentences for s in per}
    assert sorted(encoded) == sorted(distinct) and set(vectors) == distinct
    for story, story_sentences in ((flood, sentences[:2]), (quake, sentences[2:])):
        encoded.clear()
        batched = build_pool(story, embedder, sentences=story_sentences, vectors=vectors)
        assert encoded == []  # every wording was looked up
        alone = build_pool(story, embedder, sentences=story_sentences)
        assert [(p.text, p.occurrences, p.variants) for p in batched] == [(p.text, p.occurrences, p.variants) for p in alone]
        assert [p.score for p in batched] == pytest.approx([p.score for p in alone], abs=1e-4)
    # A sentence missing from the vectors is embedded on the spot.
    encoded.clear()
    other = embedding.lookup(embedder, ["Shelters stay open.", sentences[2][0]], vectors)
    assert encoded == ["Shelters stay open."] and other.shape == (2, vectors[sentences[2][0]].shape[0])
