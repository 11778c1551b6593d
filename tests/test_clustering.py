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
# An analysis piece on that fire: it names the town once, among other towns, and none of the people.
FIRE_ANALYSIS = """Insurers count the cost of factory fires
The fire in Fenwick was the latest in a run of industrial fires across the Midwest, after others in Akron, Dayton and Toledo, insurers say.
Claims from such fires keep rising, according to Harlow Mutual, which covers about 400 factories.
Fires at plants in Fort Wayne and Grand Rapids each cost more than $20 million. Older sheds often lack sprinklers.
"We keep seeing the same pattern: old sheds, no sprinklers, too much stock," said Priya Nair, an engineer at Carden University.
The National Fire Protection Association is drafting a new standard, but it will not bind existing sites."""
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

# Two title fights of one champion, a day and an ocean apart, each told by two outlets:
# every cross pair shares the champion and the kind of story, so a pairwise cut joins them.
FIGHT_SHEFFIELD_A = """Marek Varga kept his heavyweight title on Saturday, stopping Danny Okafor in the seventh round at the Hallam Arena in Sheffield.
Varga dropped Okafor with a left hook in the sixth round and the referee waved the fight off 40 seconds into the seventh.
It was the champion's ninth straight title defence, in front of a crowd of 11,000.
Okafor, who had never been stopped before, said he wanted a rematch."""
FIGHT_SHEFFIELD_B = """Danny Okafor's bid for the world heavyweight title ended in the seventh round in Sheffield on Saturday night, when Marek Varga's left hook proved too much.
Varga forced the referee to stop the bout at the Hallam Arena after a knockdown in the sixth, his ninth defence of the belt.
"He hits harder than anyone I have faced," Okafor said afterwards.
Varga's promoter, Ilse Brandt, said the champion would fight again in the spring."""
FIGHT_NEWYORK_A = """Marek Varga defended his heavyweight title at Madison Square Garden in New York on Sunday with a unanimous points win over Luis Ortega.
The judges scored the 12-round fight 117-111, 116-112 and 118-110 for the champion, who boxed behind his jab for most of the night.
Ortega, from Puerto Rico, cut Varga above the right eye in the fourth round but could not stop him.
It was Varga's first fight in the United States."""
FIGHT_NEWYORK_B = """Luis Ortega lost on points to Marek Varga at Madison Square Garden on Sunday, going the full 12 rounds in New York.
The three judges scored it 117-111, 116-112 and 118-110.
A cut over the champion's right eye in the fourth round gave Ortega's corner hope, but the jab kept him away.
"I came to win, not to survive," Ortega said."""


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


def test_a_weak_link_joins_when_the_few_articles_pasted_are_mostly_one_story() -> None:
    fire = [Article(text=t) for t in (FIRE_CHIEF, FIRE_WORKER, FIRE_ANALYSIS)]
    # At the model's training share of one-story pairs (about 3%) the analysis piece stands alone.
    assert cluster_articles(fire, config=BriefConfig(cluster_prior_max_articles=0)) == [0, 0, 1]
    assert cluster_articles(fire) == [0, 0, 0]
    # Among other stories too; the two bridge collapses name different days, so their odds are not raised.
    others = [Article(text=t) for t in (BRIDGE_ELKTON, SCHOOL_BUDGET, BRIDGE_BRAYFORD)]
    assert cluster_articles(fire + others) == [0, 0, 0, 1, 2, 3]


def test_same_story_share_recovers_the_share_of_one_story_pairs() -> None:
    import numpy as np

    from summarizer.pairs import logit, same_story_share

    rng = np.random.default_rng(0)
    prior = 0.03
    for share in (0.01, 0.03, 0.3, 0.7):
        same = rng.random(4000) < share
        score = rng.normal(np.where(same, 2.0, -2.0), 1.0)
        # A model calibrated at the training share: log-odds = logit(prior) + the log-likelihood ratio, 4 * score.
        probability = 1.0 / (1.0 + np.exp(-(logit(prior) + 4.0 * score)))
        assert abs(same_story_share(probability, prior) - same.mean()) < 0.02


@pytest.mark.parametrize(
    "date, days",
    [("tuesday night", {"tuesday"}), ("monday, march 3, 2014", {"monday", "mar 3"}), ("20 june 2017", {"jun 20", "tuesday"}),
     ("sept. 5", {"sep 5"}), ("last year", set()), ("2015", set()), ("may", set()), ("16-year-old", set()),
     # With its year a calendar day names its weekday too, so "Monday" and "July 29, 2013" agree.
     ("july 29, 2013", {"jul 29", "monday"}), ("feb 30, 2013", {"feb 30"})],
)
def test_event_days_are_weekdays_and_calendar_days(date, days) -> None:
    from summarizer.pairs import event_days

    assert event_days(date) == days


def test_one_pair_is_one_story_when_above_the_training_share() -> None:
    import numpy as np

    from summarizer.pairs import MAX_SHARE, same_story_share

    assert same_story_share(np.array([0.05]), 0.03) == MAX_SHARE
    assert same_story_share(np.array([0.01]), 0.03) < 0.001
    assert same_story_share(np.array([]), 0.03) == 0.03


def test_input_model_raises_odds_but_not_across_different_days() -> None:
    import numpy as np

    from summarizer.clustering import article_sentences, input_model
    from summarizer.pairs import StoryModel, pair_matrices, probabilities

    texts = (FIRE_CHIEF, FIRE_WORKER, FIRE_ANALYSIS, BRIDGE_ELKTON, BRIDGE_BRAYFORD)
    matrices = pair_matrices([article_tokens(article_sentences(Article(text=t))) for t in texts])
    bundled = StoryModel.bundled()
    raised = input_model(matrices, bundled, BriefConfig())
    before, after = (probabilities(matrices, m, np.arange(5)) for m in (bundled, raised))
    assert after[0, 2] > before[0, 2] and after[1, 2] > before[1, 2]
    assert after[3, 4] == pytest.approx(before[3, 4])  # Monday in Elkton, Friday in Brayford
    # Inputs over the limit, and a model with no training share, keep the model's odds.
    assert input_model(matrices, bundled, BriefConfig(cluster_prior_max_articles=4)) is bundled
    unknown = StoryModel(**{**vars(bundled), "prior": None})
    assert input_model(matrices, unknown, BriefConfig()) is unknown


def test_two_fights_of_one_champion_each_told_twice_are_two_stories() -> None:
    texts = (FIGHT_SHEFFIELD_A, FIGHT_NEWYORK_A, FIGHT_SHEFFIELD_B, FIGHT_NEWYORK_B)
    articles = [Article(text=t) for t in texts]
    assert cluster_articles(articles) == [0, 1, 0, 1]
    # The pairwise cut alone joins them: the seam between the two groups is what splits them.
    assert cluster_articles(articles, config=BriefConfig(cluster_split_ratio=0.0)) == [0, 0, 0, 0]
    # With one report of each fight there is no group to see; the pair decides (a known limit).
    assert cluster_articles(articles[:2]) == [0, 0]


def _split_by_brute_force(probability, cut: float, ratio: float) -> set[frozenset[int]]:
    """The seam rule computed from the matrix itself: re-link each cluster and compare the means directly."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    def tree(members):
        return linkage(squareform(1.0 - probability[np.ix_(members, members)], checks=False), method="average")

    def mean_within(members):
        block = probability[np.ix_(members, members)]
        return (block.sum() - np.trace(block)) / (len(members) * (len(members) - 1))

    found: set[frozenset[int]] = set()
    flat = fcluster(tree(np.arange(len(probability))), t=1.0 - cut, criterion="distance")
    stack = [np.flatnonzero(flat == label) for label in np.unique(flat)]
    while stack:
        members = stack.pop()
        if len(members) >= 4:
            halves = fcluster(tree(members), t=2, criterion="maxclust")
            a, b = members[halves == 1], members[halves == 2]
            between = probability[np.ix_(a, b)].mean()
            if len(a) >= 2 and len(b) >= 2 and between < ratio * min(mean_within(a), mean_within(b)):
                stack += [a, b]
                continue
        found.add(frozenset(int(m) for m in members))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_split_groups_reads_the_means_off_the_tree(seed) -> None:
    """The tree-only computation equals re-linking each cluster and averaging its pairs."""
    import numpy as np

    from summarizer.linkage import average_linkage

    rng = np.random.default_rng(seed)
    # Planted incidents of a few articles each, in two or three "kinds" whose incidents share a lot.
    n = 18
    incident = rng.integers(0, 6, n)
    kind = incident % 2 + (seed % 2) * (incident % 3)
    probability = np.where(incident[:, None] == incident[None, :], 0.9, np.where(kind[:, None] == kind[None, :], 0.35, 0.02))
    probability = np.clip(probability + rng.normal(0, 0.05, (n, n)), 0.001, 0.999)
    probability = (probability + probability.T) / 2
    np.fill_diagonal(probability, 1.0)
    for ratio in (0.3, 0.6, 0.9):
        labels = average_linkage(probability.copy(), 0.1, ratio)
        assert _groups(labels.tolist()) == _split_by_brute_force(probability, 0.1, ratio)
        assert sorted(set(labels.tolist())) == list(range(1, len(set(labels.tolist())) + 1))
    plain = average_linkage(probability.copy(), 0.1)
    assert len(set(average_linkage(probability.copy(), 0.1, 0.6).tolist())) >= len(set(plain.tolist()))


def test_a_story_with_no_seam_is_not_split() -> None:
    import numpy as np

    from summarizer.linkage import average_linkage

    # Five reports that all link loosely and evenly: one story, however loose.
    loose = np.full((5, 5), 0.3)
    loose[0, 1] = loose[1, 0] = loose[2, 3] = loose[3, 2] = 0.4
    np.fill_diagonal(loose, 1.0)
    assert len(set(average_linkage(loose.copy(), 0.1, 0.6).tolist())) == 1
    # Two tight pairs that link to each other at a third of their own strength: two stories.
    seam = np.array([[1, .9, .3, .3], [.9, 1, .3, .3], [.3, .3, 1, .9], [.3, .3, .9, 1]])
    assert _groups(average_linkage(seam.copy(), 0.1, 0.6).tolist()) == {frozenset({0, 1}), frozenset({2, 3})}
    assert len(set(average_linkage(seam.copy(), 0.1, 0.0).tolist())) == 1


def test_split_ratio_is_validated() -> None:
    with pytest.raises(ValueError, match="cluster_split_ratio"):
        BriefConfig(cluster_split_ratio=-0.1)
    with pytest.raises(ValueError, match="cluster_split_ratio"):
        BriefConfig(cluster_split_ratio=1.0)


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


@pytest.mark.parametrize("prefix", ["P", "R", "T", "O", "D"])
def test_a_conflict_lowers_the_probability(prefix) -> None:
    """Both leads name a place (a person, a date, an organisation, a day) and share none: the pair is less probably one story."""
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

    Measured with the bundled pair model, cut 0.1 and split ratio 0.6:
    BCubed F1 0.941, 41 stories (2026-12-07, the model with organisation and
    day conflicts, at regularisation C = 10 and at C = 1); 0.934, 39 stories with the model refitted after cleaning
    began to drop picture captions; the same at cut 0.075 with the model
    before that, and at cut 0.1 with the one before it;
    0.918 and 37 stories with the model trained before the debris cleaning.
    The floors sit a little under that.
    """
    from benchmarks.common import bcubed

    with (DATA / "ecbplus" / "ecbplus_dev.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    labels = cluster_articles([Article(text=r["text"]) for r in rows])
    precision, recall, f1 = bcubed(labels, [r["subtopic"] for r in rows])
    stories = len(set(labels))
    print(f"\nECB+ dev whole: BCubed P {precision:.3f} R {recall:.3f} F1 {f1:.3f}, {stories} stories "
          f"(gold {len({r['subtopic'] for r in rows})})")
    assert f1 >= 0.9, (precision, recall, f1)
    assert recall >= 0.93, (precision, recall, f1)
    assert 32 <= stories <= 48, stories


@pytest.mark.skipif(
    not (DATA / "multinews" / "multinews_dev.jsonl").exists() or not (DATA / "ecbplus" / "ecbplus_dev.jsonl").exists(),
    reason="../shared/data is absent",
)
def test_the_shipped_pair_model_is_what_its_script_fits_on_the_text_as_cleaned_today() -> None:
    """``data/story_model.json`` must be reproducible by ``benchmarks/train_story_model.py``.

    The model is fitted on the cleaned dev text, so a change to cleaning (or to
    the pair tokens) changes what the script fits; twice the shipped
    coefficients drifted from it unnoticed (facts 25.0 against 21.0 once, 20.99
    against 20.91 the next time).  The fit alone is checked here, not the cut
    sweep, which takes minutes.
    """
    from benchmarks.story_data import dev_tokens, split
    from benchmarks.train_story_model import fit
    from summarizer.pairs import FEATURES, StoryModel

    fitted, _ = fit(dev_tokens(), {"ecb": split("ecb"), "mn": split("mn")})
    shipped = StoryModel.bundled()
    for name in (*FEATURES, "bias", "prior"):
        assert getattr(fitted, name) == pytest.approx(getattr(shipped, name), rel=1e-3, abs=1e-3), (
            f"{name}: the script fits {getattr(fitted, name):.4f}, the shipped model says {getattr(shipped, name):.4f}; "
            "run python -m benchmarks.train_story_model"
        )


@pytest.mark.skipif(not (DATA / "multinews" / "multinews_dev.jsonl").exists(), reason="../shared/data is absent")
def test_multinews_held_out_clusters_pasted_alone_stay_one_story() -> None:
    """Each held-out Multi-News dev cluster (one story, 2-10 articles of 50+ words) clustered alone.

    Measured: 101 of 118 clusters kept as one story (0.856) with the pair
    model refitted at regularisation C = 1 (2026-12-07); 100 (0.847) with the pair
    model's organisation and day conflicts at C = 10; 101 (0.856) once cleaning
    dropped a staff photographer's caption (mn-validation-187, a page looked
    at first); 100 (0.847) with the pair model refitted after cleaning began
    to drop crawl seed lists, galleries and video blurbs, at cut 0.1; 99 (0.839) with the model refitted after
    cleaning began to drop picture captions (100 at 0.075); 101 (0.856) with the model before
    that at 0.075; 100 (0.847) with the one before it at 0.1; 103
    (0.873) with the model trained before cleaning removed the crawl notes;
    82 (0.695) before the input's own share of one-story pairs raised the
    odds.  A cluster whose other pages are only crawl notes
    counts as split, as the issue allows for debris.  The floor sits under the
    measured share; the issue's target (0.85) is the benchmark's to report.
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
    assert share >= 0.82, (kept, len(clusters))


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
