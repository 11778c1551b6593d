"""Story clustering: small realistic inputs, edge cases and an ECB+ floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.clustering import cluster_articles
from summarizer.pairs import article_tokens
from summarizer.config import BriefConfig
from summarizer.document import Article

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Two different earthquakes, each reported by two outlets, and one unrelated story.
QUAKE_IRAN_A = """A magnitude 6.1 earthquake struck Qeshm island off southern Iran on Sunday, killing 10 people and injuring 50, state television said.
The quake razed mud-brick homes in the villages of Tourian and Ramkan, Hormozgan province governor Ahmad Khorram said.
Rescue teams from the Red Crescent were sent to the island from Bandar Abbas."""
QUAKE_IRAN_B = """Ten people were killed when a 6.1-magnitude quake hit Qeshm island in the Gulf on Sunday, Iranian officials said.
The Red Crescent said villages around Tourian were badly damaged and 50 people were taken to hospital in Bandar Abbas.
Governor Ahmad Khorram said the death toll could rise."""
QUAKE_CHILE_A = """A 7.7 magnitude earthquake hit northern Chile on Wednesday near the mining town of Tocopilla, killing two people.
President Michelle Bachelet flew to Antofagasta to see the damage, and Codelco said its copper mines were working.
The US Geological Survey said the quake was centred 40 km east of Tocopilla."""
QUAKE_CHILE_B = """Two people died and 150 were injured after a powerful earthquake of magnitude 7.7 struck Tocopilla in northern Chile on Wednesday.
Michelle Bachelet declared a state of emergency in Antofagasta region.
Copper producer Codelco reported no damage at its Chuquicamata mine, the US Geological Survey said."""
ELECTION = """Voters in Norway re-elected Prime Minister Jens Stoltenberg's Labour Party on Monday.
The Labour-led coalition won 86 of 169 seats in the Storting, the electoral commission in Oslo said.
Opposition leader Siv Jensen of the Progress Party conceded defeat."""


def _groups(labels: list[int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def test_two_quakes_and_an_election_are_three_stories() -> None:
    articles = [Article(text=t) for t in (QUAKE_IRAN_A, QUAKE_CHILE_A, ELECTION, QUAKE_IRAN_B, QUAKE_CHILE_B)]
    labels = cluster_articles(articles)
    assert _groups(labels) == {frozenset({0, 3}), frozenset({1, 4}), frozenset({2})}
    assert labels[0] == 0  # numbered in order of first appearance


def test_one_article_is_one_story() -> None:
    assert cluster_articles([Article(text=QUAKE_IRAN_A)]) == [0]


def test_no_articles_no_stories() -> None:
    assert cluster_articles([]) == []


def test_two_clearly_different_stories_are_split() -> None:
    assert cluster_articles([Article(text=QUAKE_CHILE_A), Article(text=ELECTION)]) == [0, 1]


def test_two_reports_of_one_story_are_joined() -> None:
    assert cluster_articles([Article(text=QUAKE_IRAN_A), Article(text=QUAKE_IRAN_B)]) == [0, 0]


def test_articles_without_facts_stay_apart() -> None:
    articles = [Article(text="it rained a lot today."), Article(text="the cat sat on the mat.")]
    assert cluster_articles(articles) == [0, 1]


def test_fact_tokens_drop_generic_numbers() -> None:
    tokens = article_tokens(["Two people died and 150 were hurt in Tocopilla on Wednesday, a $3 million loss."])
    assert "#:150" in tokens and "n:tocopilla" in tokens and "d:wednesday" in tokens
    assert "#:2" not in tokens and "#:3" not in tokens and "#:million" not in tokens


def test_embedding_blend_uses_given_vectors(embedder) -> None:
    from summarizer.clustering import article_sentences, article_vectors

    articles = [Article(text=t) for t in (QUAKE_IRAN_A, QUAKE_CHILE_A, ELECTION, QUAKE_IRAN_B, QUAKE_CHILE_B)]
    vectors = article_vectors([article_sentences(a) for a in articles], [None] * 5, embedder)
    config = BriefConfig(cluster_embedding_weight=0.5)
    labels = cluster_articles(articles, embedder, config, vectors=vectors)
    assert _groups(labels) == {frozenset({0, 3}), frozenset({1, 4}), frozenset({2})}


@pytest.fixture(scope="module")
def embedder():
    from summarizer.embedding import load_embedder

    return load_embedder()


@pytest.mark.skipif(not (DATA / "ecbplus" / "ecbplus_dev.jsonl").exists(), reason="../shared/data is absent")
def test_ecbplus_dev_floor() -> None:
    from benchmarks.common import bcubed

    with (DATA / "ecbplus" / "ecbplus_dev.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    labels = cluster_articles([Article(text=r["text"]) for r in rows])
    precision, recall, f1 = bcubed(labels, [r["subtopic"] for r in rows])
    assert f1 >= 0.88, (precision, recall, f1)
    assert 30 <= len(set(labels)) <= 60


def test_sentences_given_by_the_caller_are_the_ones_clustered() -> None:
    from summarizer.clustering import article_sentences

    articles = [Article(text=t) for t in (QUAKE_IRAN_A, QUAKE_CHILE_A, QUAKE_IRAN_B, ELECTION)]
    split = [article_sentences(a) for a in articles]
    assert cluster_articles(articles, sentences=split) == cluster_articles(articles)
    # An article whose given sentences are another story's is clustered with that story.
    swapped = cluster_articles(articles, sentences=[split[0], split[1], split[3], split[3]])
    assert swapped[2] == swapped[3] != swapped[0]
    with pytest.raises(ValueError, match="4 articles but 3 sentence lists"):
        cluster_articles(articles, sentences=split[:3])
