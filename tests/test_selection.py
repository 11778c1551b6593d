"""Choosing a brief's sentences: each fact once, overlapping sentences fused or left out."""

from __future__ import annotations

import pytest

from summarizer.config import BriefConfig
from summarizer.document import PoolSentence
from summarizer.generation import ExtractiveGenerator
from summarizer.selection import Pick, fill_to, is_brief_sentence, repeat_share, repeated_pairs, repeats, select_sentences

# The example stories' Kessling quake, as two outlets wrote it: the pool keeps the
# two apart (each adds a fact), and a brief that holds both says "cracked the
# wall of the town hall" twice.
QUAKE = "A 5.4-magnitude earthquake hit Kessling on Wednesday, cracking the wall of the town hall."
FELT = "The quake was felt as far away as Brandt, 80 kilometres to the north, and cracked the wall of the Kessling town hall."
NO_INJURIES = "No injuries were reported, the regional fire service said."
HALL_AGAIN = "The wall of the Kessling town hall cracked."


def _pool(*texts: str) -> list[PoolSentence]:
    # Rank order is pool order; each sentence sits at its own place in one article.
    return [PoolSentence(t, [("a1", i)]) for i, t in enumerate(texts)]


def test_two_outlets_lines_on_one_fact_repeat_it():
    assert repeat_share(QUAKE, FELT) >= 0.5 and repeats(QUAKE, FELT)
    # "cracking" / "cracked": stems count, so a change of tense is no new fact.
    assert repeat_share("The quake cracked the wall.", "The quake was cracking the wall.") == 1.0
    assert not repeats(QUAKE, NO_INJURIES)
    assert repeated_pairs([QUAKE, NO_INJURIES, FELT]) == [(0, 2)]
    assert repeated_pairs([QUAKE, NO_INJURIES]) == []
    # A sentence with no content words still repeats itself (the guard dropped exact copies before).
    assert repeats("It is.", "It is.") and not repeats("It is.", "It was.")
    assert repeated_pairs([]) == []


def test_without_a_model_the_repeating_sentence_is_left_out():
    pool = _pool(QUAKE, NO_INJURIES, FELT)
    assert select_sentences(pool, 200, fuse=False) == [Pick(0), Pick(1)]
    drafts = ExtractiveGenerator().draft(pool, BriefConfig(target_words=200))
    assert [d.text for d in drafts] == [QUAKE, NO_INJURIES]
    assert repeated_pairs([d.text for d in drafts]) == []


def test_with_a_model_a_repeating_sentence_that_adds_a_fact_is_fused_into_the_first():
    pool = _pool(QUAKE, NO_INJURIES, FELT)
    picks = select_sentences(pool, 200, fuse=True)
    # "Brandt" and "80 kilometres" are only in the second: it becomes the partner.
    assert picks == [Pick(0, partner=2), Pick(1)]
    assert picks[0].inputs == [0, 2]


def test_a_sentence_that_adds_nothing_is_no_partner():
    # Everything of HALL_AGAIN is in QUAKE or FELT: no model call is worth it.
    pool = _pool(QUAKE, HALL_AGAIN, NO_INJURIES)
    assert select_sentences(pool, 200, fuse=True) == [Pick(0), Pick(2)]


def test_a_repeat_that_adds_words_but_no_fact_is_no_partner():
    # New words ("residents", "ran", "streets", "shook"), but every name and date is in QUAKE.
    words_only = "Residents ran into the streets when the earthquake shook Kessling on Wednesday and cracked the town hall wall."
    assert repeats(QUAKE, words_only)
    assert select_sentences(_pool(QUAKE, words_only, NO_INJURIES), 200, fuse=True) == [Pick(0), Pick(2)]


def test_a_chosen_sentence_takes_one_partner_and_a_third_repeat_is_left_out():
    third = "Kessling's town hall wall cracked in the quake on Wednesday, felt in Brandt and in Ostheim."
    pool = _pool(QUAKE, FELT, third, NO_INJURIES)
    assert select_sentences(pool, 200, fuse=True) == [Pick(0, partner=1), Pick(3)]


def test_the_word_budget_stops_the_selection():
    pool = _pool(QUAKE, NO_INJURIES, "Residents were told to stay away from old buildings for two days.")
    assert [p.index for p in select_sentences(pool, 10, fuse=False)] == [0]
    assert [p.index for p in select_sentences(pool, 20, fuse=False)] == [0, 1]


def test_a_short_brief_is_filled_to_the_target_with_sentences_it_does_not_repeat():
    stay_away = "Residents were told to stay away from old buildings for two days."
    pool = _pool(QUAKE, NO_INJURIES, stay_away)
    picks = select_sentences(pool, 200, fuse=False)
    # A model's brief that tells the quake in its own words: the pool's quake
    # sentence would say it twice, the other two add to it, best-ranked first.
    written = ["An earthquake of magnitude 5.4 cracked the wall of Kessling's town hall on Wednesday."]
    assert repeats(QUAKE, written[0])
    assert fill_to(pool, written, picks, 30) == [Pick(1), Pick(2)]
    # Filling stops once the brief reaches the target.
    assert fill_to(pool, written, picks, 20) == [Pick(1)]
    assert fill_to(pool, written, picks, 10) == []
    # Nothing written: the picks in their order, as the extractive brief takes them.
    assert fill_to(pool, [], picks, 200) == picks
    # A pick that the brief already says in other words is left out whatever the target.
    assert fill_to(pool, ["Residents must stay away from old buildings."], picks[2:], 200) == []


def test_the_share_is_a_setting_and_checked():
    pool = _pool(QUAKE, NO_INJURIES, FELT)
    # At a share above this pair's, the two stand side by side again.
    share = repeat_share(QUAKE, FELT)
    assert [p.index for p in select_sentences(pool, 200, fuse=False, share=min(1.0, share + 0.01))] == [0, 1, 2]
    with pytest.raises(ValueError, match="fuse_overlap"):
        BriefConfig(fuse_overlap=0)
    with pytest.raises(ValueError, match="fuse_overlap"):
        BriefConfig(fuse_overlap=1.5)


@pytest.mark.parametrize(
    "fragment",
    [
        "Kessling earthquake cracks town hall",  # a headline
        "Local News More>>",  # a link label
        "(Jan Ott/Reuters)",  # a picture credit
        '" she recalled.',  # the tail of a quote the splitter cut off
        "Saddened by it.",  # too short to say anything alone
        "Researchers in Kessling have discovered ...",  # a teaser cut short
        '"He was so special to teach....',  # a quote cut short
        "Help the Kessling families at https://t.co/ctCcRiYcdL.",  # a tweet's link
        "| AP Photo Kessling counts the cost The quake cracked the town hall.",  # a page's separator
        "Buy Photo Kessling's mayor Ana Ruiz visits the town hall on Wednesday.",  # a caption's button
        "Please sign up here.",  # boilerplate run into a paragraph
        ". a great literary property and we must have it .",  # the rest of a sentence cut in two
        "KESSLING MAYOR SAYS THE TOWN HALL WILL BE REBUILT!",  # a teaser in capitals
        "For pictures of the Kessling quake, please contact photos@kessling-news.com.",  # an address
        # Picture captions run in among the sentences, with no credit for the cleaning to see:
        "Rescuers search the rubble of the town hall, in Kessling, Wednesday, March 4, 2015.",
        "In this March 4, 2015, file photo, Mayor Ana Ruiz visits the town hall in Kessling.",
        "Mayor Ana Ruiz, left, and fire chief Jan Ott inspect the cracked wall in Kessling.",
        "This photo released by the Kessling fire service shows the cracked wall of the town hall.",
    ],
)
def test_fragments_ranked_first_are_passed_over(fragment):
    pool = _pool(fragment, QUAKE, NO_INJURIES)
    assert select_sentences(pool, 200, fuse=False) == [Pick(1), Pick(2)]


@pytest.mark.parametrize(
    "sentence",
    [
        "The hearing is set for Monday, June 5, 2017.",
        "This was her last public photograph.",
        "This is a combat picture, pure and simple, led from the front.",
        "There was no correlation between AI, left, or right hand length in the group.",
        'He said: "We will see," and left.',
        "$13 million was raised for the families in a week.",
        "NATO and the U.S. sent help to the UN mission in Kessling.",
    ],
)
def test_news_sentences_that_look_like_captions_can_be_quoted(sentence):
    assert is_brief_sentence(sentence)


def test_a_pool_of_headlines_only_still_gives_a_brief():
    pool = _pool("Kessling earthquake cracks town hall", "No injuries in Kessling quake")
    assert select_sentences(pool, 200, fuse=False) == [Pick(0), Pick(1)]
