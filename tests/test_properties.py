"""Property-based tests: whatever text comes in, the documented invariants hold."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer import (
    Article,
    InputError,
    NewsBriefer,
    build_pool,
    clean_text,
    cluster_articles,
    split_sentences,
)
from summarizer.clustering import article_sentences
from summarizer.examples import EXAMPLE_ARTICLES
from summarizer.inputs import parse_articles

ROOT = Path(__file__).resolve().parents[1]

NEWS_SENTENCES = [a for article in EXAMPLE_ARTICLES for a in split_sentences(clean_text(article.text))]

# The kinds of text people paste: unicode of every sort, control characters,
# right-to-left scripts, emoji, very long tokens, bare punctuation, markup,
# binary bytes read as latin-1, and real news sentences, mixed and repeated.
_fragments = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
    st.sampled_from(["مرحبا بالعالم. هذا خبر.", "שלום עולם.", "地震が発生した。", "🔥🔥 breaking 🚨", "\u202eevil\u202c"]),
    st.text(alphabet="abcdefghij", min_size=200, max_size=600),
    st.text(alphabet=".,!?;:'\"-—()[]", max_size=40),
    st.sampled_from(["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<p>Para</p><br/>"]),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from(NEWS_SENTENCES),
)
article_text = st.lists(_fragments, max_size=8).map(lambda parts: "\n".join(parts))

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FAST
@given(article_text)
def test_clean_text_is_total_and_idempotent(text):
    cleaned = clean_text(text)
    assert isinstance(cleaned, str)
    assert clean_text(cleaned) == cleaned
    assert not any(ch in cleaned for ch in "\x00\x1b\u200b\u202e")


@FAST
@given(article_text)
def test_split_sentences_keeps_words_in_order(text):
    cleaned = clean_text(text)
    sentences = split_sentences(cleaned)
    assert all(s and s == s.strip() and "\n" not in s for s in sentences)
    flat = " ".join(cleaned.split())
    position = 0
    for sentence in sentences:  # sentences are pieces of the text, in order
        found = flat.find(sentence, position)
        assert found >= 0, sentence
        position = found + len(sentence)


@SLOW
@given(st.lists(article_text, min_size=1, max_size=4))
def test_cluster_articles_labels_every_article(embedder, texts):
    articles = [Article(t) for t in texts]
    labels = cluster_articles(articles, embedder)
    assert len(labels) == len(articles)
    assert sorted(set(labels)) == list(range(len(set(labels))))


@SLOW
@given(st.lists(article_text, min_size=1, max_size=3))
def test_build_pool_occurrences_point_at_real_sentences(embedder, texts):
    articles = [Article(t) for t in texts]
    pool = build_pool(articles, embedder)
    by_id = {a.id: a for a in articles}
    seen = set()
    for sentence in pool:
        for article_id, index in sentence.occurrences:
            real = article_sentences(by_id[article_id])[index]
            assert real == sentence.text or real in sentence.variants
            assert (article_id, index) not in seen  # every sentence in exactly one pool entry
            seen.add((article_id, index))
    assert seen == {(a.id, i) for a in articles for i in range(len(article_sentences(a)))}


@pytest.fixture(scope="module")
def briefer():
    return NewsBriefer(model="extractive")


def check_invariants(briefs, articles):
    skipped = {s.index for s in briefs[0].skipped}
    for i, article in enumerate(articles):
        homes = sum(any(a is article for a in b.articles) for b in briefs)
        assert homes + (i in skipped) == 1, f"input {i} lost or counted twice"
    for brief in briefs:
        ids = {a.id for a in brief.articles}
        for s in brief.sentences:
            assert set(s.sources) <= ids
            assert all(0 <= k < len(brief.pool) for k in s.support)
            assert s.sources == list(dict.fromkeys(a for k in s.support for a in brief.pool[k].article_ids))
        json.dumps(brief.to_dict())


@SLOW
@given(st.lists(st.one_of(article_text, st.sampled_from([a.text for a in EXAMPLE_ARTICLES])), min_size=1, max_size=5))
def test_summarize_never_loses_an_article(briefer, texts):
    articles = [Article(t) for t in texts]
    try:
        briefs = briefer.summarize(articles)
    except InputError as error:  # documented: nothing usable; every article has its reason
        assert len(error.skipped) == len(articles)
        return
    check_invariants(briefs, articles)
    again = briefer.summarize(articles)
    assert [b.text for b in again] == [b.text for b in briefs]


# What the documented text format can carry (README, "On the command line"):
# articles separated by a line of dashes, each opening with optional header lines.
# A body line that is itself a line of dashes would split the article, a header-less
# body whose first line reads "Word: ..." would be taken for a header, CR LF is read
# as LF, and surrounding whitespace is not kept; such bodies are not generated.
_DASHES_LINE = re.compile(r"\s*-{3,}\s*")
_HEADER_LIKE = re.compile(r"\s*[A-Za-z]+\s*:")
HEADERS = {"Source": "source", "Title": "title", "URL": "url", "Date": "published"}


def _writable_body(text: str, headed: bool) -> str:
    lines = [line.rstrip("\r") for line in text.split("\n")]
    body = "\n".join(line for line in lines if not _DASHES_LINE.fullmatch(line)).strip()
    while not headed and _HEADER_LIKE.match(body):
        body = body.partition("\n")[2].strip()
    return body


_header_value = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=40)
_headers = st.lists(
    st.tuples(st.sampled_from(list(HEADERS)), _header_value.map(str.strip).filter(bool)),
    unique_by=lambda kv: kv[0],
    max_size=4,
)
_document = (
    st.tuples(_headers, article_text)
    .map(lambda d: (d[0], _writable_body(d[1], headed=bool(d[0]))))
    .filter(lambda d: d[0] or d[1])  # a blank block with no header is no article (documented)
)


def write_articles(documents, separator: str = "---") -> str:
    """Articles in the documented text format, as a user would paste them."""
    blocks = []
    for headers, body in documents:
        top = "\n".join(f"{key}: {value}" for key, value in headers)
        blocks.append(f"{top}\n\n{body}" if top else body)
    return f"\n{separator}\n".join(blocks)


@FAST
@given(st.lists(_document, max_size=5), st.from_regex(r"[ \t]*-{3,6}[ \t]*", fullmatch=True))
def test_parse_articles_round_trips_bodies(documents, separator):
    articles = parse_articles(write_articles(documents, separator))
    assert len(articles) == len(documents)
    for article, (headers, body) in zip(articles, documents):
        assert article.text == body
        fields = {HEADERS[key]: value for key, value in headers}
        for name in HEADERS.values():
            assert getattr(article, name) == fields.get(name), name


def test_parse_articles_reads_the_documented_example():
    # The README's example, with a header the parser must not read into the body.
    text = (
        "Source: Harbour Herald\nTitle: Magnitude 6.1 earthquake shakes Port Alden\n"
        "URL: https://example.org/harbour-herald/port-alden-quake\n\n"
        "A magnitude 6.1 earthquake struck the coastal city of Port Alden.\n  ---  \n"
        "Source: Coastline Daily\n\nA 6.1-magnitude earthquake hit Port Alden early Saturday.\n---\n\n"
    )
    first, second = parse_articles(text)
    assert (first.source, first.title, first.url) == (
        "Harbour Herald", "Magnitude 6.1 earthquake shakes Port Alden",
        "https://example.org/harbour-herald/port-alden-quake",
    )
    assert first.text == "A magnitude 6.1 earthquake struck the coastal city of Port Alden."
    assert (second.source, second.title, second.text) == (
        "Coastline Daily", None, "A 6.1-magnitude earthquake hit Port Alden early Saturday."
    )


def test_same_output_in_two_processes():
    code = (
        "import json,sys; from summarizer import NewsBriefer; from summarizer.examples import EXAMPLE_ARTICLES;"
        "b=NewsBriefer(model='extractive').summarize(EXAMPLE_ARTICLES);"
        "print(json.dumps([{k:v for k,v in x.to_dict().items() if k!='stats'} for x in b], sort_keys=True))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
        for _ in range(2)
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
