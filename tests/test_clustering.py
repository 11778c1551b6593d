"""Story clustering: small realistic inputs, edge cases, the pair model, and ECB+ and Multi-News floors."""

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


# One factory fire told by two outlets in their own words, each quoting other people.
FIRE_CHIEF = """A fire tore through the Dunmore Plastics factory in Fenwick on Tuesday night, sending thick black smoke over the town and forcing about 200 homes to be evacuated.
Fire chief Tom Reyes said 60 firefighters from four stations fought the blaze for more than five hours before bringing it under control shortly after 3 a.m.
Three workers were treated for smoke inhalation, Reyes said, and the cause of the fire at the Dunmore plant is under investigation.
"The roof of the main warehouse collapsed, so crews had to fight it from the outside," Reyes told reporters at the scene on Wednesday morning."""
FIRE_WORKER = """Residents of Fenwick were allowed back into their homes on Wednesday after Tuesday's blaze at the Dunmore Plastics works on the edge of town.
Ana Kowalski, a machine operator who was on the night shift, said alarms sounded in the packing hall and staff ran out through a loading bay as flames spread across the ceiling.
"Everyone got out, but the smoke was so heavy you could not see your hand," Kowalski said.
Fenwick Mayor Linda Marsh said the council would open the leisure centre for evacuated families and urged Dunmore to explain how the fire started."""
# Two bridge collapses in one state, in two towns, four days apart: two stories.
BRIDGE_ELKTON = """A road bridge over the Tarran River collapsed in Elkton, Ohio, on Monday morning, sending two cars into the water.
Both drivers were pulled out alive and taken to hospital, county sheriff Dale Whitford said.
The steel bridge, built in 1958, had been rated in poor condition by the Ohio Department of Transportation in an inspection last year.
Engineers said corrosion of a support beam was the likely cause of the collapse, and the state ordered checks on bridges of the same design."""
BRIDGE_BRAYFORD = """A bridge carrying Route 9 over Mill Creek collapsed in Brayford, Ohio, on Friday evening, leaving a pickup truck hanging over the gap.
The driver climbed out with minor injuries, police chief Omar Haddad said, and a second vehicle stopped just short of the edge.
The Ohio Department of Transportation said the concrete bridge, built in 1971, had passed its last inspection in the spring.
Engineers were examining whether heavy rain this week had washed away the soil under one of its supports."""
SCHOOL_BUDGET = """The Eastvale school board voted 5-2 on Thursday to approve a $48 million budget that adds 30 teaching posts and a new reading programme for primary pupils.
Board chair Gloria Mendes said the plan was paid for by a rise in state funding and savings on transport contracts.
Two members voted against it, arguing that the district should first repair its ageing school buildings."""

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



def test_one_fire_two_bridge_collapses_and_a_budget_are_four_stories() -> None:
    texts = (BRIDGE_ELKTON, FIRE_CHIEF, SCHOOL_BUDGET, BRIDGE_BRAYFORD, FIRE_WORKER)
    labels = cluster_articles([Article(text=t) for t in texts])
    # The fire reports share the town, the company and the date, not their words or the people quoted.
    # The two collapses share their kind, their state and its transport department, not the town or day.
    assert _groups(labels) == {frozenset({1, 4}), frozenset({0}), frozenset({3}), frozenset({2})}
    assert labels == [0, 1, 2, 3, 1]


def test_one_fire_pasted_alone_is_one_story() -> None:
    assert cluster_articles([Article(text=FIRE_CHIEF), Article(text=FIRE_WORKER)]) == [0, 0]
    assert cluster_articles([Article(text=BRIDGE_ELKTON), Article(text=BRIDGE_BRAYFORD)]) == [0, 1]


def _pair_probabilities(token_lists):
    import numpy as np

    from summarizer.pairs import StoryModel, pair_matrices, probabilities

    matrices = pair_matrices(token_lists)
    rows = np.arange(len(token_lists))
    return probabilities(matrices, StoryModel.bundled(), rows)


def test_pair_model_probabilities() -> None:
    import numpy as np

    from summarizer.clustering import article_sentences

    texts = (FIRE_CHIEF, FIRE_WORKER, BRIDGE_ELKTON, BRIDGE_BRAYFORD, SCHOOL_BUDGET)
    p = _pair_probabilities([article_tokens(article_sentences(Article(text=t))) for t in texts])
    assert p.shape == (5, 5)
    assert np.allclose(p, p.T)
    assert ((p > 0) & (p < 1)).all()
    cut = BriefConfig().cluster_probability
    assert p[0, 1] >= cut > p[2, 3]  # one event in two reports; two incidents of one kind
    assert p[0, 1] > p[2, 3] > max(p[2, 4], p[3, 4], p[0, 4])  # same kind beats unrelated


@pytest.mark.parametrize("prefix", ["P", "R", "T"])
def test_a_conflict_lowers_the_probability(prefix) -> None:
    """Both leads name a place (a person, a date) and share none: the pair is less probably one story."""
    import numpy as np

    from summarizer.pairs import CONFLICTS, StoryModel, log_odds, pair_features, pair_matrices

    one = ["n:kessling", "n:okafor", "n:varnholt", "n:tourian", "n:qeshm", "w:quake", "w:rubble"]
    other = ["n:kessling", "n:brandt", "n:whitford", "n:haddad", "n:natarajan", "w:quake", "w:aftershock"]
    lists = [
        one + [f"{prefix}:kessling"],
        other + [f"{prefix}:brandt"],  # a conflict with the first
        other,  # the same facts and words, no lead entity: no conflict
        other + [f"{prefix}:kessling", f"{prefix}:brandt"],  # one lead entity shared: no conflict
    ]
    p = _pair_probabilities(lists)
    assert 0.5 < p[0, 1] < p[0, 2] < 1
    assert p[0, 1] < p[0, 3]
    assert np.isclose(p[0, 2], p[0, 3])
    matrices = pair_matrices(lists)
    rows = np.arange(4)
    features = pair_features(matrices, rows)
    conflict = features[CONFLICTS[prefix]]
    assert conflict[0, 1] == conflict[1, 0] == 1 and conflict[0, 2] == 0 and conflict[0, 3] == 0
    assert np.isclose(features["facts"][0, 1], features["facts"][0, 2])
    assert np.isclose(features["words"][0, 1], features["words"][0, 2])
    # The conflict takes exactly its (negative) weight off the log-odds.
    model = StoryModel.bundled()
    weight = getattr(model, CONFLICTS[prefix])
    odds = log_odds(matrices, model, rows)
    assert weight < 0 and np.isclose(odds[0, 1] - odds[0, 2], weight)

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
    """All of ECB+ dev in one call: 462 articles, 40 incidents (two of one kind per topic).

    Measured with the bundled pair model and cut 0.1: BCubed P 0.789, R 0.979,
    F1 0.874, 34 stories.  The floors sit a little under that.
    """
    from benchmarks.common import bcubed

    with (DATA / "ecbplus" / "ecbplus_dev.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    labels = cluster_articles([Article(text=r["text"]) for r in rows])
    precision, recall, f1 = bcubed(labels, [r["subtopic"] for r in rows])
    stories = len(set(labels))
    print(f"\nECB+ dev whole: BCubed P {precision:.3f} R {recall:.3f} F1 {f1:.3f}, {stories} stories "
          f"(gold {len({r['subtopic'] for r in rows})})")
    assert f1 >= 0.845, (precision, recall, f1)
    assert recall >= 0.95, (precision, recall, f1)
    assert 28 <= stories <= 42, stories


@pytest.mark.skipif(not (DATA / "multinews" / "multinews_dev.jsonl").exists(), reason="../shared/data is absent")
def test_multinews_held_out_clusters_pasted_alone_stay_one_story() -> None:
    """Each held-out Multi-News dev cluster (one story, 2-10 articles of 50+ words) clustered alone.

    Measured: 82 of 118 clusters kept as one story (0.695).
    """
    from benchmarks.story_data import alone_clusters, dev_articles, split

    articles = dev_articles()
    clusters = alone_clusters(split("mn")["held out"])
    assert len(clusters) >= 100
    kept = 0
    for members in clusters:
        labels = cluster_articles([Article(text=articles[i].text) for i in members])
        assert len(labels) == len(members) and labels[0] == 0
        kept += len(set(labels)) == 1
    share = kept / len(clusters)
    print(f"\nMulti-News held out, pasted alone: {kept} of {len(clusters)} kept as one story ({share:.3f})")
    assert share >= 0.65, (kept, len(clusters))


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
