"""Whether two articles tell one story: pair features and a calibrated model.

Each article becomes a set of tokens (:func:`article_tokens`), and a pair of
articles gets seven features from them:

- **facts**: cosine of the names, specific numbers and dates both carry
  (spaCy's named entities, see :mod:`summarizer.facts`);
- **words**: cosine of the content words both use;
- **place, person, date and organisation conflicts**: both leads name a place
  (a person, a date, an organisation) and they share none.  Two earthquakes of
  one week differ here;
- **day conflict**: both leads name a day (a weekday or a calendar day, see
  :func:`event_days`) and they share none.

Names and words are weighed by how rare they are in English at large
(``7 - Zipf frequency``, from the wordfreq table shipped in ``data/``), never
by statistics of the articles at hand: the same pair scores the same in a
paste of two articles and in a feed of two thousand.  A logistic regression
trained on development pairs (``benchmarks/train_story_model.py``, ECB+ and
Multi-News, the tuning halves only) turns the features into the probability
that the two articles report one event; its coefficients ship in
``data/story_model.json``.

The conflicts only lower the log-odds, so a pair can reach a probability only
if its facts and words alone can: :func:`sparse_parts` gives that bound as
sparse matrices, which the clustering uses to avoid forming all pairs.

The probabilities assume the share of same-story pairs the model was trained
on (``StoryModel.prior``, about 3%).  A few articles pasted together are far
more often one story than that; :func:`same_story_share` estimates an
input's own share from its pairs, and the clustering raises the pairs'
log-odds by the difference (see :func:`summarizer.clustering.input_model`).
"""

from __future__ import annotations

import datetime
import gzip
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .facts import content_words, extract_facts_many

#: Sentences (title first) whose places, people and dates stand for the event.
LEAD_SENTENCES = 5
#: Rarity is this less the Zipf frequency, and at least ``MIN_RARITY``.
RARITY_CAP = 7.0
MIN_RARITY = 0.5
#: Content words at least this common (Zipf; "said", "people", "year") are
#: left out of the word feature: they weigh little and would link every pair.
COMMON_ZIPF = 5.0
#: Numbers that recur in every kind of story ("two people", "$3 million", "5th")
#: and so link unrelated incidents; years, counts and scores above a dozen stay.
_GENERIC_NUMBERS = frozenset({"0", "00", "000", "100", "1000", "million", "billion", "trillion", "half"})
#: spaCy labels of the lead entities compared for conflicts, by token prefix.
CONFLICT_LABELS = {"P": ("GPE", "LOC", "FAC"), "R": ("PERSON",), "T": ("DATE",), "O": ("ORG",)}
#: The conflict features by token prefix; ``D:`` holds the days the lead's dates and times name (:func:`event_days`).
CONFLICTS = {"P": "place_conflict", "R": "person_conflict", "T": "date_conflict", "O": "org_conflict", "D": "day_conflict"}
#: In calendar order: a date's month number and weekday index these.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = rf"({'|'.join(_MONTHS)})[a-z]*\.?"
_WEEKDAY_NAME = re.compile(rf"\b({'|'.join(_WEEKDAYS)})\b")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}(?!\w)")
#: A calendar day with its year, whose weekday is known: "july 29, 2013", "29 july 2013".
_DATED = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b|\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})\b")


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    path = resources.files("summarizer") / "data" / "word_frequency.tsv.gz"
    table: dict[str, float] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            word, _, zipf = line.rstrip("\n").partition("\t")
            table[word] = float(zipf)
    return table


def zipf(word: str) -> float:
    """How common ``word`` is in English: log10 of its uses per billion words, 0 if unlisted."""
    return _zipf_table().get(word, 0.0)


def rarity(word: str) -> float:
    """The weight of a shared ``word`` or name: higher for rarer words."""
    return max(MIN_RARITY, RARITY_CAP - zipf(word))


def specific_number(number: str) -> bool:
    """Whether ``number`` tells one incident from another (not "2", "5th" or "100")."""
    if number in _GENERIC_NUMBERS:
        return False
    ordinal = number.rstrip("stndrh")
    return not (ordinal.isdigit() and int(ordinal) <= 12)


def event_days(date: str) -> set[str]:
    """The days a lower-case date names: weekdays and calendar days ("tuesday", "jun 20"), not years or spans."""
    days = set(_WEEKDAY_NAME.findall(date))
    days.update(f"{month} {int(day)}" for month, day in _MONTH_DAY.findall(date))
    days.update(f"{month} {int(day)}" for day, month in _DAY_MONTH.findall(date))
    # One report says "Monday", another "July 29, 2013": with the year, the day names its weekday.
    for month, day, year, day_first, month_second, year_second in _DATED.findall(date):
        try:
            weekday = datetime.date(int(year or year_second), _MONTHS.index(month or month_second) + 1, int(day or day_first)).weekday()
        except ValueError:  # "feb 30, 2013"
            continue
        days.add(_WEEKDAYS[weekday])
    return days


def article_tokens(sentences: Sequence[str]) -> list[str]:
    """The tokens the pair features are read from, sorted.

    ``n:`` names, ``#:`` specific numbers and ``d:`` dates of the whole text,
    ``w:`` its content words, ``P:``/``R:``/``T:``/``O:`` the places, people,
    dates and organisations its first :data:`LEAD_SENTENCES` sentences name,
    and ``D:`` the days those dates name.
    """
    facts = extract_facts_many(list(sentences))
    tokens: set[str] = set()
    for position, found in enumerate(facts):
        tokens.update(f"n:{x}" for x in found.names)
        tokens.update(f"#:{x}" for x in found.numbers if specific_number(x))
        tokens.update(f"d:{x}" for x in found.dates)
        if position < LEAD_SENTENCES:
            for prefix, labels in CONFLICT_LABELS.items():
                tokens.update(f"{prefix}:{text}" for label, text in found.entities if label in labels and text)
            for label, text in found.entities:
                if label in ("DATE", "TIME"):  # "Saturday night" is a time to spaCy
                    tokens.update(f"D:{day}" for day in event_days(text))
    for sentence in sentences:
        tokens.update(f"w:{w}" for w in content_words(sentence) if zipf(w) < COMMON_ZIPF)
    return sorted(tokens)


@dataclass(frozen=True)
class StoryModel:
    """Coefficients of the pair model: log-odds = bias + sum of weight * feature.

    ``prior`` is the share of same-story pairs among the (weighted) training
    pairs, which the probabilities assume; ``None`` when unknown, and then no
    input raises the odds.  ``day_conflict`` (both leads name a day, a weekday
    or a calendar day, and share none) is fitted with the rest; it also marks
    the pairs whose odds an input's share does not raise
    (:func:`summarizer.clustering.input_model`).
    """

    facts: float
    words: float
    place_conflict: float
    person_conflict: float
    date_conflict: float
    org_conflict: float
    bias: float
    day_conflict: float = 0.0
    prior: float | None = None

    def __post_init__(self) -> None:
        if self.facts < 0 or self.words < 0:
            raise ValueError("the facts and words weights must not be negative")
        if max(getattr(self, name) for name in CONFLICTS.values()) > 0:
            raise ValueError("conflict weights must not be positive (they only lower the log-odds)")
        if self.prior is not None and not 0.0 < self.prior < 1.0:
            raise ValueError(f"the training share of same-story pairs must be between 0 and 1, got {self.prior}")

    @classmethod
    def bundled(cls) -> StoryModel:
        """The model trained on the development pairs (``data/story_model.json``)."""
        return _bundled_model()

    def min_score(self, probability: float) -> float:
        """The facts-and-words score a pair needs to reach ``probability`` (conflicts at zero)."""
        return logit(probability) - self.bias


@lru_cache(maxsize=1)
def _bundled_model() -> StoryModel:
    record = json.loads((resources.files("summarizer") / "data" / "story_model.json").read_text(encoding="utf-8"))
    return StoryModel(**record["coefficients"], prior=record["trained_on"]["same_story_share"])


@dataclass(frozen=True)
class PairMatrices:
    """Sparse rows of every article's tokens, from which any pair's features are products."""

    facts: sp.csr_matrix
    words: sp.csr_matrix
    conflicts: dict[str, sp.csr_matrix]

    def __len__(self) -> int:
        return self.facts.shape[0]


#: Which token prefixes make up each matrix of :class:`PairMatrices`.
_MATRIX_PREFIXES = {"facts": ("n", "#", "d"), "words": ("w",), **{prefix: (prefix,) for prefix in CONFLICTS}}


def _token_matrices(token_lists: Sequence[Sequence[str]]) -> dict[str, sp.csr_matrix]:
    """One sparse row per article for each of :data:`_MATRIX_PREFIXES`: rarity-weighted for facts and words, 1 for leads.

    One pass over the tokens, and each distinct token's rarity looked up once:
    at hundreds of thousands of articles this is most of the clustering's time.
    """
    matrix_of = {prefix: name for name, prefixes in _MATRIX_PREFIXES.items() for prefix in prefixes}
    vocabularies: dict[str, dict[str, int]] = {name: {} for name in _MATRIX_PREFIXES}
    indices: dict[str, list[int]] = {name: [] for name in _MATRIX_PREFIXES}
    indptrs: dict[str, list[int]] = {name: [0] for name in _MATRIX_PREFIXES}
    for tokens in token_lists:
        for token in tokens:
            name = matrix_of.get(token[:1]) if token[1:2] == ":" else None
            if name is not None:
                vocabulary = vocabularies[name]
                indices[name].append(vocabulary.setdefault(token, len(vocabulary)))
        for name, indptr in indptrs.items():
            indptr.append(len(indices[name]))
    out = {}
    for name, vocabulary in vocabularies.items():
        columns = np.asarray(indices[name], dtype=np.int64)
        if name in ("facts", "words"):
            data = np.fromiter((rarity(token[2:]) for token in vocabulary), dtype=np.float64, count=len(vocabulary))[columns]
        else:
            data = np.ones(len(columns))
        shape = (len(token_lists), max(1, len(vocabulary)))
        out[name] = sp.csr_matrix((data, columns, np.asarray(indptrs[name], dtype=np.int64)), shape=shape)
    return out


def pair_matrices(token_lists: Sequence[Sequence[str]]) -> PairMatrices:
    """The :class:`PairMatrices` of articles given as :func:`article_tokens` lists."""
    matrices = _token_matrices(token_lists)
    return PairMatrices(
        facts=normalize(matrices["facts"]).tocsr(),
        words=normalize(matrices["words"]).tocsr(),
        conflicts={prefix: matrices[prefix] for prefix in CONFLICTS},
    )


def sparse_parts(matrices: PairMatrices, model: StoryModel) -> list[tuple[float, sp.csr_matrix]]:
    """Weighted matrices whose products sum to a pair's facts-and-words score."""
    return [(w, m) for w, m in ((model.facts, matrices.facts), (model.words, matrices.words)) if w > 0]


#: The model's features, in the order of its coefficients.
FEATURES = ("facts", "words", *CONFLICTS.values())


def _products(matrices: PairMatrices, rows: np.ndarray, cols: np.ndarray) -> dict[str, sp.csr_matrix]:
    """The facts and words cosines of ``rows`` x ``cols``, sparse."""
    return {name: getattr(matrices, name)[rows] @ getattr(matrices, name)[cols].T for name in ("facts", "words")}


def _conflicts(matrices: PairMatrices, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """For each conflict feature, which pairs both name one of its kind in their leads and share none."""
    out = {}
    for prefix, matrix in matrices.conflicts.items():
        a, b = matrix[rows], matrix[cols]
        conflict = np.outer(np.diff(a.indptr) > 0, np.diff(b.indptr) > 0)
        shared = (a @ b.T).tocoo()
        conflict[shared.row, shared.col] = False
        out[CONFLICTS[prefix]] = conflict
    return out


def pair_features(matrices: PairMatrices, rows: np.ndarray, cols: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each feature of the pairs ``rows`` x ``cols`` (``cols`` defaults to ``rows``), as dense matrices."""
    cols = rows if cols is None else cols
    features = {name: product.toarray() for name, product in _products(matrices, rows, cols).items()}
    features.update({name: mask.astype(np.float64) for name, mask in _conflicts(matrices, rows, cols).items()})
    return features


def log_odds(matrices: PairMatrices, model: StoryModel, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Dense log-odds that article ``rows[a]`` and ``cols[b]`` tell one story.

    The same sum as :func:`pair_features` weighted by ``model``, built in one
    array: a block of thousands of articles must not hold five dense copies.
    """
    cols = rows if cols is None else cols
    score = np.full((len(rows), len(cols)), model.bias)
    for name, product in _products(matrices, rows, cols).items():
        if getattr(model, name):
            score += getattr(model, name) * product.toarray()
    for name, conflict in _conflicts(matrices, rows, cols).items():
        score[conflict] += getattr(model, name)
    return score


def probabilities(matrices: PairMatrices, model: StoryModel, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """The model's probability that each pair of ``rows`` x ``cols`` tells one story."""
    return sigmoid(log_odds(matrices, model, rows, cols))


#: The most an input's share of same-story pairs is taken to be: at 1 the
#: odds would be infinite.
MAX_SHARE = 0.999


def same_story_share(probability: np.ndarray, prior: float, iterations: int = 200) -> float:
    """The share of same-story pairs among pairs whose model probabilities are ``probability``.

    The model's probabilities assume the share ``prior`` it was trained on; on
    an input where the share is another, each probability's odds change by the
    ratio of the two shares' odds.  The share is the fixed point of "the mean
    of the probabilities so corrected" (expectation-maximisation, Saerens,
    Latinne and Decaestecker, *Neural Computation* 14, 2002).  With one pair
    it is :data:`MAX_SHARE` when the pair's probability is above ``prior`` and
    0 below.
    """
    p = np.clip(np.asarray(probability, dtype=np.float64), 1e-12, 1.0 - 1e-12)
    if p.size == 0:
        return prior
    likelihood_ratio = p / (1.0 - p) * (1.0 - prior) / prior
    share = prior
    for _ in range(iterations):
        odds = share / (1.0 - share) * likelihood_ratio
        new = min(float(np.mean(odds / (1.0 + odds))), MAX_SHARE)
        if abs(new - share) < 1e-9:
            return new
        share = new
    return share


def logit(probability: float) -> float:
    """``log(p / (1 - p))``."""
    return math.log(probability / (1.0 - probability))


def sigmoid(score: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-score))``, computed in ``score``'s own memory."""
    np.negative(score, out=score)
    np.exp(score, out=score)
    score += 1.0
    return np.reciprocal(score, out=score)
