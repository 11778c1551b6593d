"""The web demo: HTML rendering, the API through gradio_client, and the page in headless Chromium.

The browser test drives Debian's ``/usr/bin/chromium`` with Playwright (its own
browser download cannot work offline); it is skipped when that is absent.  It
saves a screenshot to ``test-artifacts/webapp.png``.
"""

from __future__ import annotations

import html
import json
import re
import socket
from html.parser import HTMLParser
from pathlib import Path

import gradio as gr
import pytest

from summarizer import (
    Article,
    Brief,
    BriefConfig,
    BriefSentence,
    NewsBriefer,
    PoolSentence,
    Skipped,
    webapp,
)
from summarizer.examples import EXAMPLE_ARTICLES, example_text
from summarizer.inputs import parse_articles

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Markup a user might paste; none of it may render or run.
EVIL_TEXT = """Source: <img src=x onerror="window.__pwned='source';alert('source')">
Title: <script>window.__pwned='title'</script>Council backs bridge
URL: javascript:window.__pwned='url'

The city council of Brandvik approved a new harbour bridge on Monday <script>window.__pwned='body';alert('body')</script> after a long debate.
Officials said construction <img src=x onerror="window.__pwned='img';alert('img')"> will start next spring and cost 40 million euros.
---
Source: Brandvik Post
Title: Brandvik council approves harbour bridge

The Brandvik city council approved a new harbour bridge on Monday after a long debate.
Construction will start next spring and cost 40 million euros, officials said.
"""

# Tags and attributes the renderer may emit; anything else means user markup leaked through.
ALLOWED_TAGS = {
    "div", "span", "p", "b", "a", "s", "q", "ul", "ol", "li", "section", "h3", "h4", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRS = {
    "class", "title", "id", "href", "target", "rel", "tabindex", "role", "aria-label", "open",
    "data-source", "data-stat", "data-seconds", "data-story", "data-pool",
}


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _TagCollector()
    collector.feed(page)
    return collector.tags


def evil_brief() -> Brief:
    """A brief whose every user-supplied field carries markup."""
    a1 = Article(
        "Body one.", source='<img src=x onerror="window.__pwned=1">', title="<script>alert(1)</script>",
        url="javascript:alert(1)", published="<i>today</i>",
    )
    a2 = Article("Body two.", source="Good & Co", title='He said "hi"', url="https://example.org/a?b=1&c=2")
    pool = [
        PoolSentence("<b>Bold</b> claim & more.", [(a1.id, 0), (a2.id, 0)], 1.0, ["<i>variant</i>"]),
        PoolSentence("Second <script>x()</script>.", [(a2.id, 1)], 0.5),
    ]
    sentences = [
        BriefSentence("<b>Bold</b> claim & more.", [a1.id, a2.id], [0], True),
        BriefSentence("Second <script>x()</script>.", [a2.id], [1], True,
                      generated="Invented <img src=x onerror=alert(2)>", reason="replaced: not in the sources: <X>"),
    ]
    dropped = [BriefSentence("Dropped <svg onload=alert(3)>", [], [], False, reason="dropped: <no> support")]
    skipped = [Skipped(2, "the article is empty <u>", Article("", source="<u>S</u>"))]
    stats = {
        "articles": 2, "sentences": 4, "pool_sentences": 2, "multi_source_sentences": 1,
        "boilerplate_lines_removed": 3, "unsupported_caught": 2, "words": 7,
        "seconds": {"cleaning": 0.01, "clustering": 0.02, "pooling": 0.03, "generation": 1.5, "attribution": 0.04},
    }
    return Brief(
        text=" ".join(s.text for s in sentences), sentences=sentences, articles=[a1, a2], pool=pool,
        skipped=skipped, dropped=dropped, model="<model>", warnings=["careful <b>now</b>"], stats=stats,
    )


@pytest.fixture(scope="module")
def example_briefs() -> list[Brief]:
    return NewsBriefer(model="extractive").summarize(parse_articles(example_text()))


# --------------------------------------------------------------------------- rendering


def test_user_markup_is_escaped_never_rendered():
    page = webapp.render_results([evil_brief()], inputs=3, notes=["bad<script>.txt was not used"])
    for raw in ("<script", "<img", "<svg", "<b>Bold", "<i>", "<u>", "<model>", "<X>", "<no>"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in page  # Jinja2 writes " as &#34;
    assert "&lt;b&gt;Bold&lt;/b&gt; claim &amp; more." in page
    for tag, attrs in tags_of(page):
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= ALLOWED_ATTRS, attrs
        assert not (attrs.get("href") or "").lower().startswith("javascript"), attrs
    hrefs = [attrs["href"] for tag, attrs in tags_of(page) if tag == "a"]
    assert hrefs and set(hrefs) == {"https://example.org/a?b=1&c=2"}


def test_guard_work_is_shown_struck_through_with_reason():
    page = webapp.render_story(evil_brief(), 1)
    assert '<tr class="nb-guard-replaced"><td><s>Invented &lt;img src=x onerror=alert(2)&gt;</s>' in page
    assert "not in the sources: &lt;X&gt;" in page
    assert '<tr class="nb-guard-dropped"><td><s>Dropped &lt;svg onload=alert(3)&gt;</s>' in page
    assert "&lt;no&gt; support" in page
    assert 'class="nb-sent nb-replaced"' in page
    assert "careful &lt;b&gt;now&lt;/b&gt;" in page  # warnings shown, escaped


def test_skipped_inputs_and_file_notes_are_listed():
    page = webapp.render_overview([evil_brief()], inputs=3, notes=["notes.bin was not used: not a text file"])
    assert "Input 3 (&lt;u&gt;S&lt;/u&gt;) was not used: the article is empty &lt;u&gt;" in page
    assert "notes.bin was not used: not a text file" in page


def _stories(page: str) -> list[str]:
    return re.findall(r'<section class="nb-story".*?</section>', page, flags=re.DOTALL)


def _stat_values(fragment: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'data-stat="([^"]+)">([^<]*)<', fragment)}


def _seconds_values(fragment: str) -> dict[str, str]:
    return dict(re.findall(r'data-seconds="([^"]+)">[^<]*<b>([^<]*)</b>', fragment))


def test_citations_match_citation_numbers(example_briefs):
    page = webapp.render_results(example_briefs, inputs=6)
    sections = _stories(page)
    assert len(sections) == len(example_briefs) == 3
    for brief, section in zip(example_briefs, sections):
        numbers = brief.citation_numbers()
        paragraph = re.search(r'<p class="nb-brief">.*?</p>', section, flags=re.DOTALL).group(0)
        shown = [int(n) for n in re.findall(r'class="nb-cite"[^>]*data-source="(\d+)"', paragraph)]
        expected = [numbers[a] for s in brief.sentences for a in s.sources]
        assert shown == expected and shown
        titles = [html.unescape(t) for t in re.findall(r'class="nb-cite"[^>]*title="([^"]*)"', paragraph)]
        by_number = {n: a for a, n in numbers.items()}
        articles = {a.id: a for a in brief.articles}
        for n, title in zip(shown, titles):
            article = articles[by_number[n]]
            assert title.startswith(f"[{n}] {article.label}")
            if article.title:
                assert article.title in title
        source_list = re.search(r'<ol class="nb-sources">.*?</ol>', section, flags=re.DOTALL).group(0)
        listed = [int(n) for n in re.findall(r'<li id="[^"]+" data-source="(\d+)"', source_list)]
        assert listed == [numbers[a.id] for a in brief.articles] == list(range(1, len(brief.articles) + 1))
        for article in brief.articles:
            assert html.escape(article.label) in source_list
        for sentence in brief.sentences:
            assert html.escape(sentence.text) in paragraph


def test_every_figure_matches_the_brief_stats(example_briefs):
    page = webapp.render_results(example_briefs, inputs=6)
    for brief, section in zip(example_briefs, _stories(page)):
        stats = brief.stats
        assert _stat_values(section) == {
            "articles": str(stats["articles"]),
            "sentences": f'{stats["sentences"]} → {stats["pool_sentences"]}',
            "multi_source_sentences": str(stats["multi_source_sentences"]),
            "boilerplate_lines_removed": str(stats["boilerplate_lines_removed"]),
            "unsupported_caught": str(stats["unsupported_caught"]),
            "words": str(stats["words"]),
        }
        assert _seconds_values(section) == {
            stage: webapp.format_seconds(stats["seconds"][stage]) for stage in ("pooling", "generation", "attribution")
        }
        assert len(re.findall(r"<tr class=\"(?:nb-multi)?\" data-pool=", section)) == len(brief.pool)
        assert section.count('class="nb-multi"') == stats["multi_source_sentences"]
    overview = page.split('<section class="nb-story"')[0]
    values = _stat_values(overview)
    total = lambda key: sum(b.stats[key] for b in example_briefs)
    assert values == {
        "inputs": "6",
        "stories": "3",
        "articles": str(total("articles")),
        "sentences": f'{total("sentences")} → {total("pool_sentences")}',
        "multi_source_sentences": str(total("multi_source_sentences")),
        "boilerplate_lines_removed": str(total("boilerplate_lines_removed")),
        "unsupported_caught": str(total("unsupported_caught")),
    }
    first = example_briefs[0].stats["seconds"]
    seconds = _seconds_values(overview)
    assert seconds["cleaning"] == webapp.format_seconds(first["cleaning"])
    assert seconds["clustering"] == webapp.format_seconds(first["clustering"])
    for stage in ("pooling", "generation", "attribution"):
        assert seconds[stage] == webapp.format_seconds(sum(b.stats["seconds"][stage] for b in example_briefs))


def test_markdown_and_json_exports(example_briefs):
    markdown = webapp.briefs_markdown(example_briefs)
    for n, brief in enumerate(example_briefs, start=1):
        assert f"## Story {n}: " in markdown
        assert brief.to_markdown() in markdown
    path = Path(webapp.write_json(example_briefs))
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps([b.to_dict() for b in example_briefs]))


def test_safe_url_only_links_http():
    assert webapp.safe_url("https://example.org/x") == "https://example.org/x"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//evil", "example.org", None, ""):
        assert webapp.safe_url(bad) is None


# --------------------------------------------------------------------------- input and errors


def test_collect_articles_from_paste_and_files(tmp_path):
    (tmp_path / "one.txt").write_text("Source: A\n\nFirst article text here.\n---\nSecond article text.", encoding="utf-8")
    (tmp_path / "two.json").write_text(json.dumps([{"text": "Third.", "source": "C"}]), encoding="utf-8")
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    files = [str(tmp_path / n) for n in ("one.txt", "two.json", "blob.txt", "bad.json")]
    articles, notes = webapp.collect_articles("Pasted article.", files)
    assert [a.text for a in articles] == ["Pasted article.", "First article text here.", "Second article text.", "Third."]
    assert articles[1].source == "A" and articles[3].source == "C"
    assert len(notes) == 2
    assert notes[0].startswith("blob.txt was not used") and "not a text file" in notes[0]
    assert notes[1].startswith("bad.json was not used") and "not valid JSON" in notes[1]


def test_model_menu_values():
    assert webapp.model_argument("embedded") == webapp.model_argument(" Embedded ") == "embedded"
    for default in ("", None, "default", "none"):
        assert webapp.model_argument(default) == "extractive"
    assert webapp.model_argument(" extractive ") == "extractive"
    assert webapp.model_argument("org/model") == "org/model"
    assert webapp.model_display_name(None) == "Extractive"
    assert webapp.model_display_name("embedded") == "SmolLM2-135M-Instruct (embedded)"


def test_the_page_defaults_to_the_extractive_mode_with_smollm2_one_choice_away(monkeypatch):
    # Issue #15: the extractive mode scores level with the embedded model and is faster, so it is the page's default.
    monkeypatch.delenv("NEWSBRIEF_MODEL", raising=False)
    assert webapp.build_parser().parse_args([]).model == "extractive"
    assert webapp.build_parser().parse_args(["--model", "embedded"]).model == "embedded"
    assert [value for _, value in webapp.MODEL_CHOICES] == ["extractive", "embedded"]
    assert webapp.BriefService().default_model == "extractive"
    for model, shown in ((None, "extractive"), ("embedded", "embedded")):
        demo = webapp.build_app(model, preload=False)
        [menu] = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "nb-model"]
        assert menu.value == shown
        assert [value for _, value in menu.choices] == ["extractive", "embedded"]
    # The default choice writes extractive briefs: nothing in them is marked as a model's rewrite.
    service = webapp.BriefService(BriefConfig())
    briefs = webapp.run_briefs(service, list(EXAMPLE_ARTICLES[:3]), None, 60, lambda fraction, message: None)
    assert briefs[0].model == "extractive" and not any(s.rewritten for b in briefs for s in b.sentences)
    assert 'nb-rewritten' not in webapp.render_results(briefs, 3, [])


def test_bad_input_gives_a_plain_error():
    service = webapp.BriefService(BriefConfig(max_articles=2), default_model="extractive")
    noop = lambda fraction, message: None
    with pytest.raises(gr.Error, match="Nothing to summarise"):
        webapp.run_briefs(service, [], "extractive", 80, noop)
    with pytest.raises(gr.Error, match="max_articles=2"):
        webapp.run_briefs(service, [Article(f"Article {i} says something.") for i in range(3)], "extractive", 80, noop)
    with pytest.raises(gr.Error, match="number of words"):
        webapp.run_briefs(service, [Article("Text.")], "extractive", "many", noop)
    with pytest.raises(gr.Error) as info:
        webapp.run_briefs(service, [Article("A sentence about <b>things</b>.")], "/no/such/<model>.gguf", 80, noop)
    assert "&lt;model&gt;" in info.value.message and "<model>" not in info.value.message
    assert service.state("/no/such/<model>.gguf")[0] == "failed"
    status = webapp.status_html(service, "/no/such/<model>.gguf")
    assert "could not be loaded" in status and "&lt;model&gt;" in status and "<model>" not in status
    assert "loads on first use" in webapp.status_html(service, "some/other-model")
    with pytest.raises(gr.Error, match="does not look like text"):
        webapp.run_briefs(service, [Article("\x00\x01\x02\x03 \ufffd\ufffd")], "extractive", 80, noop)


def test_flags_and_environment(monkeypatch):
    monkeypatch.setenv("NEWSBRIEF_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSBRIEF_PORT", "8123")
    monkeypatch.setenv("NEWSBRIEF_MODEL", "extractive")
    args = webapp.build_parser().parse_args([])
    assert (args.host, args.port, args.model, args.share) == ("0.0.0.0", 8123, "extractive", False)
    args = webapp.build_parser().parse_args(["--host", "127.0.0.1", "--port", "9000", "--max-articles", "5", "--share"])
    assert (args.host, args.port, args.max_articles, args.share) == ("127.0.0.1", 9000, 5, True)
    monkeypatch.delenv("NEWSBRIEF_HOST")
    monkeypatch.delenv("NEWSBRIEF_PORT")
    args = webapp.build_parser().parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 7860)


# --------------------------------------------------------------------------- the running app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    demo = webapp.build_app("extractive", concurrency=1, queue_size=8)
    _, url, share_url = webapp.launch(demo, "127.0.0.1", _free_port(), prevent_thread_lock=True, quiet=True)
    assert share_url is None
    yield url
    demo.close()


def test_api_endpoint_with_gradio_client(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict(example_text(), "extractive", 80, api_name="/brief")
    expected = NewsBriefer(model="extractive").summarize(parse_articles(example_text()))
    assert [b["text"] for b in result] == [b.text for b in expected]
    assert [b["stats"]["pool_sentences"] for b in result] == [b.stats["pool_sentences"] for b in expected]
    assert [[a["id"] for a in b["articles"]] for b in result] == [[a.id for a in b.articles] for b in expected]
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Nothing to summarise"):
        client.predict("", "extractive", 80, api_name="/brief")
    # All one story: one brief of every article, as NewsBriefer(one_story=True) writes it.
    [one] = client.predict(example_text(), "extractive", 80, True, api_name="/brief")
    [expected_one] = NewsBriefer(model="extractive", one_story=True).summarize(parse_articles(example_text()))
    assert one["text"] == expected_one.text and len(one["articles"]) == 6


# A loopback link: the server's address guard refuses it, so it fails without any network.
REFUSED_LINK = "http://127.0.0.1:9/harbour-bridge.html"


def _bank_article_and_refused_link() -> str:
    return example_text().split("\n---\n")[-1] + f"\n---\n{REFUSED_LINK}\n"


def test_api_reports_a_link_it_could_not_fetch(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict(_bank_article_and_refused_link(), "extractive", 80, api_name="/brief")
    assert [b["articles"][0]["source"] for b in result] == ["Business Ledger"]
    [brief] = result
    assert len(brief["skipped"]) == 1, "the failed link is missing from the answer"
    skipped = brief["skipped"][0]
    assert skipped["index"] == 1 and skipped["article"] is None
    assert skipped["reason"].startswith(f"the link could not be read: refusing to fetch {REFUSED_LINK}")
    assert "loopback" in skipped["reason"]
    assert f"input 2 was not used: {skipped['reason']}" in brief["warnings"]
    # With no usable article the call fails, and its message still names the link.
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=re.escape(f"A link was not used: refusing to fetch {REFUSED_LINK}")):
        client.predict("\x00\x01\x02\x03 \ufffd\ufffd\n---\n" + REFUSED_LINK, "extractive", 80, api_name="/brief")


def test_page_lists_a_failed_link_once():
    inputs = webapp.read_inputs(_bank_article_and_refused_link(), None)
    assert len(inputs.articles) == 1 and inputs.count == 2
    briefs = NewsBriefer(model="extractive").summarize(inputs.articles)
    page = webapp.render_results(webapp.add_failed_links(briefs, inputs, warn=False), inputs.count, inputs.file_notes)
    assert _stat_values(page)["inputs"] == "2"
    assert page.count(REFUSED_LINK) == 1
    assert f"Input 2 was not used: the link could not be read: refusing to fetch {REFUSED_LINK}" in page
    assert "nb-warnings" not in page


def test_page_in_headless_chromium(server, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium); CI installs it")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    from playwright.sync_api import expect, sync_playwright

    expected = NewsBriefer(model="extractive").summarize(parse_articles(example_text()))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(server, wait_until="domcontentloaded")

            # A first visit: add the example, write the briefs.
            page.get_by_role("button", name="Add example").click()
            expect(page.locator("#nb-input textarea")).to_have_value(re.compile("Harbour Herald"))
            page.get_by_role("button", name="Write briefs").click()
            stories = page.locator(".nb-story")
            expect(stories).to_have_count(len(expected), timeout=120_000)
            first = stories.first
            expect(first.locator(".nb-brief")).to_be_visible()
            expect(page.locator(".nb-grouping")).to_contain_text("All one story")
            expect(first.locator(".nb-brief")).to_contain_text(expected[0].sentences[0].text)
            markers = first.locator(".nb-brief .nb-cite")
            numbers = expected[0].citation_numbers()
            expect(markers).to_have_count(sum(len(s.sources) for s in expected[0].sentences))
            expect(markers.first).to_be_visible()
            expect(markers.first).to_have_attribute("title", re.compile(re.escape(expected[0].articles[0].label)))
            expect(first.locator(".nb-sources li")).to_have_count(len(numbers))
            expect(first.locator(".nb-sources")).to_be_visible()
            expect(first.locator("table.nb-pool")).to_be_visible()
            expect(first.locator("table.nb-pool tbody tr")).to_have_count(len(expected[0].pool))
            expect(first.locator("tr.nb-multi").first).to_be_visible()
            expect(first.locator('[data-stat="sentences"]')).to_have_text(
                f'{expected[0].stats["sentences"]} → {expected[0].stats["pool_sentences"]}'
            )
            # Clicking a marker opens its source with the link.
            markers.first.click()
            popover = markers.first.locator(".nb-pop")
            expect(popover).to_be_visible()
            expect(popover.locator("a")).to_have_attribute("href", expected[0].articles[0].url)
            expect(page.locator("#nb-download")).to_be_visible()
            page.mouse.click(5, 5)
            page.screenshot(path=str(ARTIFACTS / "webapp.png"), full_page=True)

            # "All one story": the same articles in one brief that cites all six; unticked, the stories come back.
            one_story = page.locator("#nb-one-story input[type=checkbox]")
            one_story.check()
            page.get_by_role("button", name="Write briefs").click()
            expect(stories).to_have_count(1, timeout=120_000)
            expect(stories.first.locator(".nb-sources li")).to_have_count(6)
            expect(page.locator(".nb-grouping")).to_have_count(0)  # the hint shows only where stories were parted
            one_story.uncheck()
            page.get_by_role("button", name="Write briefs").click()
            expect(stories).to_have_count(len(expected), timeout=120_000)

            # Uploads: a file that is not text is reported on the page, the others are used.
            page.locator("#nb-clear").click()
            expect(page.locator(".nb-empty")).to_be_visible()
            good, blob = tmp_path / "bank.txt", tmp_path / "scan.txt"
            good.write_text(example_text().split("\n---\n")[-1], encoding="utf-8")
            blob.write_bytes(bytes(range(256)) * 8)
            page.locator("#nb-files input[type=file]").set_input_files([str(good), str(blob)])
            expect(page.locator("#nb-files")).to_contain_text(re.compile(r"scan\s*\.txt"))
            page.get_by_role("button", name="Write briefs").click()
            expect(page.locator("[data-testid='toast-body']").first).to_contain_text("scan.txt was not used", timeout=60_000)
            expect(page.locator(".nb-skipped")).to_contain_text("not a text file")
            expect(page.locator(".nb-story")).to_have_count(1)
            expect(page.locator(".nb-story h3")).to_have_text("Northgate Bank raises rates to 4.25%")

            # Pasted markup shows as text and never runs.
            page.locator("#nb-clear").click()
            expect(page.locator(".nb-empty")).to_be_visible()
            page.locator("#nb-input textarea").fill(EVIL_TEXT)
            page.get_by_role("button", name="Write briefs").click()
            story = page.locator(".nb-story").first
            expect(story).to_be_visible(timeout=120_000)
            results = page.locator("#nb-results")
            expect(results).to_contain_text("<script>window.__pwned='title'</script>Council backs bridge")
            expect(results).to_contain_text("<img src=x onerror=")
            expect(story).to_contain_text("<script>window.__pwned='body';alert('body')</script>")
            assert results.locator("script, img, iframe, svg").count() == 0
            assert not results.locator("a[href^='javascript']").count()
            page.wait_for_timeout(500)
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert dialogs == []
            page.screenshot(path=str(ARTIFACTS / "webapp-escaping.png"), full_page=True)
        finally:
            browser.close()
