"""Articles from HTML, URLs and feeds, against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from summarizer import Article, FetchError, article_from_html, article_from_url, articles_from_feed, fetching, ingest
from summarizer.fetching import check_url
from summarizer.ingest import articles_from_pasted_urls, is_url_list

AEB = Path(__file__).resolve().parents[2] / "shared" / "data" / "aeb"


def _page(title: str, site: str, paragraphs: list[str], date: str = "2026-03-14") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title} | {site}</title>"
        f'<meta property="og:site_name" content="{site}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{date}T08:30:00Z">'
        f"</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright {site}. All rights reserved.</footer></body></html>"
    ).encode()


QUAKE = [
    "A magnitude 6.1 earthquake struck the coastal city of Port Alden early on Saturday, damaging "
    "dozens of buildings and cutting power to thousands of homes.",
    "The quake hit at 4:12 a.m. local time about 14 kilometres off the coast, the national seismology "
    "office said, and was followed by several aftershocks.",
    "Mayor Ilse Varga said emergency crews were searching two collapsed apartment blocks in the old "
    "harbour district and that three people had been taken to hospital.",
]
FLOOD = [
    "Heavy rain flooded the river town of Kessel on Tuesday, forcing the evacuation of 1,200 residents "
    "as the Wend river rose above its banks.",
    "Regional governor Tomas Brandt declared a state of emergency and asked the army to help build "
    "sandbag walls along the embankment.",
    "Forecasters said more rain was expected through Thursday across the Kessel valley.",
]
#: A 2008-style ASP.NET page: the whole body in one <form>, the story as <font>
#: text broken by <br> in a <div> its template calls a comment.  Neither
#: trafilatura (in any mode) nor readability finds any text in it.
OLD_PAGE = (
    "<html><head><title>Earthquake shakes Port Alden - Harbour Herald</title>"
    "<script type='text/javascript'>var s_account = 'harbourherald';</script></head>"
    "<body><form name='aspnetForm' method='post' action='story.aspx?id=1187' id='aspnetForm'>"
    "<input type='hidden' name='__VIEWSTATE' id='__VIEWSTATE' value='/wEPDwUKMTY1NDU2MTA1Mg9kFgJmD2QWAgIDD2Q=' />"
    "<script type='text/javascript'>document.write('<img src=\"/count.gif\">');</script>"
    "<div class='comment'><font face='Verdana' size='2'>" + "<br><br>".join(QUAKE) + "</font></div>"
    "</form></body></html>"
)
#: A 2008-style page whose template never closes its <div> and <font> tags, so
#: the story sits 300 elements deep: past libxml2's default limit of 256, below
#: which the parser drops everything (and every extractor saw an empty page).
DEEP_PAGE = (
    "<html><head><title>Floods force Kessel evacuation - Valley Times</title></head><body>"
    + "<div class='row'><font size='2'>" * 150
    + "".join(f"<p>{p}</p>" for p in FLOOD)
    + "</body></html>"
)
PAGES = {
    "/quake.html": _page("Earthquake shakes Port Alden", "Harbour Herald", QUAKE),
    "/flood.html": _page("Floods force Kessel evacuation", "Valley Times", FLOOD, "2026-03-17"),
    "/old.html": OLD_PAGE.encode(),
}


def _rss(port: int) -> bytes:
    items = [
        ("Earthquake shakes Port Alden", f"http://127.0.0.1:{port}/quake.html", "Quake summary."),
        ("Floods force Kessel evacuation", f"http://127.0.0.1:{port}/flood.html", "Flood summary."),
        ("Gone page", f"http://127.0.0.1:{port}/missing.html",
         "Officials in Port Alden said on Sunday that the harbour would reopen on Monday after inspections."),
        ("Picture only", f"http://127.0.0.1:{port}/image.png", ""),
    ]
    xml = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        "<pubDate>Sat, 14 Mar 2026 09:00:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title>'
        f"<link>http://127.0.0.1:{port}/</link><description>news</description>{xml}</channel></rss>"
    ).encode()


def _atom(port: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom Wire</title><id>urn:x</id><updated>2026-03-17T10:00:00Z</updated>"
        f'<entry><title>Floods force Kessel evacuation</title><link href="http://127.0.0.1:{port}/flood.html"/>'
        "<id>urn:1</id><updated>2026-03-17T10:00:00Z</updated><summary>Flood.</summary></entry>"
        "</feed>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", length: bool = True, **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        path = self.path
        type(self).requests.append(path)
        if path in PAGES:
            self._send(200, PAGES[path])
        elif path == "/quake.gz":
            self._send(200, gzip.compress(PAGES["/quake.html"]), Content_Encoding="gzip")
        elif path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png")
        elif path == "/data.json":
            self._send(200, json.dumps({"a": 1}).encode(), "application/json")
        elif path == "/empty.html":
            self._send(200, b"<html><body><script>var x = 1;</script></body></html>")
        elif path == "/huge.html":
            self._send(200, b"<html><body>" + b"<p>word word word</p>" * 20_000 + b"</body></html>")
        elif path == "/huge-stream.html":  # no Content-Length: only counting the bytes read stops it
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(2_000):
                    self.wfile.write(b"<p>word word word word word</p>" * 100)
            except OSError:
                pass
        elif path == "/slow.html":
            time.sleep(2)
            try:
                self._send(200, PAGES["/quake.html"])
            except OSError:  # the client gave up, as it should
                pass
        elif path == "/trickle.html":  # each byte in time for the socket timeout, the whole far too slow
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(15):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif path == "/redirect":
            self._send(302, b"", Location="/quake.html")
        elif path == "/redirect-loopback":
            self._send(302, b"", Location=f"http://127.0.0.2:{port}/quake.html")
        elif path == "/loop":
            self._send(302, b"", Location="/loop")
        elif path == "/feed.rss":
            self._send(200, _rss(port), "application/rss+xml")
        elif path == "/feed.atom":
            self._send(200, _atom(port), "application/atom+xml")
        else:
            self._send(404, b"not found", "text/plain")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# --- article_from_html / article_from_url ------------------------------------------------


def test_article_from_html_reads_text_and_metadata():
    article = article_from_html(PAGES["/quake.html"], url="https://www.harbourherald.example/quake")
    assert article.title == "Earthquake shakes Port Alden"
    assert article.source == "Harbour Herald"
    assert article.published == "2026-03-14"
    assert article.url == "https://www.harbourherald.example/quake"
    assert "magnitude 6.1 earthquake" in article.text and "Mayor Ilse Varga" in article.text
    assert "All rights reserved" not in article.text and "Home" not in article.text


def test_article_from_html_outlet_falls_back_to_host():
    article = article_from_html("<html><head><title>T</title></head><body><p>" + QUAKE[0] + "</p></body></html>",
                                url="https://www.example.org/a")
    assert article.source == "example.org"


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_page_the_extractors_give_up_on_gives_its_body_text_with_a_warning():
    article = article_from_html(OLD_PAGE, url="https://www.harbourherald.example/story.aspx?id=1187")
    assert _lines(article.text) == QUAKE
    assert article.warnings == [ingest.FALLBACK_WARNINGS["body"]]
    assert "visible text of <body>" in article.warnings[0]
    assert article.title == "Earthquake shakes Port Alden"  # the metadata still come from the page
    # The fallback is said in the article's data too.
    assert article.to_dict()["warnings"] == article.warnings


def test_saved_page_is_read_like_a_fetched_one_and_its_warning_reaches_the_brief(tmp_path):
    from summarizer import NewsBriefer
    from summarizer.inputs import read_articles_file

    path = tmp_path / "story.html"
    path.write_text(OLD_PAGE, encoding="utf-8")
    [article] = read_articles_file(path)
    assert _lines(article.text) == QUAKE and article.title == "Earthquake shakes Port Alden"
    assert article.warnings == [ingest.FALLBACK_WARNINGS["body"]]
    [brief] = NewsBriefer(model="extractive").summarize([article])
    assert any("visible text of <body>" in w for w in brief.warnings)


def test_page_nested_past_the_parser_depth_limit_keeps_its_article():
    article = article_from_html(DEEP_PAGE)
    assert _lines(article.text) == FLOOD
    assert article.warnings == []  # an extractor found the text, in the tree parsed without the limit


def test_normal_page_has_no_warning():
    article = article_from_html(PAGES["/quake.html"])
    assert "Mayor Ilse Varga" in article.text
    assert article.warnings == [] and article.to_dict()["warnings"] == []


def test_page_without_readable_text_gives_empty_text():
    # The <head> is not text: the title goes to the title, the text stays empty.
    page = "<html><head><title>Budget vote tonight</title></head><body><script>var s = 1;</script><div> </div></body></html>"
    article = article_from_html(page)
    assert article.text == "" and article.title == "Budget vote tonight" and article.warnings == []


def test_article_warnings_are_not_content():
    plain = Article(QUAKE[0], source="Harbour Herald")
    warned = Article(QUAKE[0], source="Harbour Herald", warnings=["the page's main text could not be found"])
    assert warned.id == plain.id
    with pytest.raises(TypeError, match="list of str"):
        Article(QUAKE[0], warnings="one warning")


def test_article_from_url_reads_article(server):
    article = article_from_url(f"{server}/quake.html", allow_private=True)
    assert article.title == "Earthquake shakes Port Alden" and article.source == "Harbour Herald"
    assert article.url == f"{server}/quake.html"
    assert "Port Alden" in article.text


def test_fetched_and_feed_articles_carry_the_fallback_warning(server):
    assert article_from_url(f"{server}/old.html", allow_private=True).warnings == [ingest.FALLBACK_WARNINGS["body"]]
    xml = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title>'
        f"<item><title>Quake</title><link>{server}/old.html</link></item>"
        f"<item><title>Flood</title><link>{server}/flood.html</link></item></channel></rss>"
    )
    old, flood = articles_from_feed(xml, allow_private=True)
    assert old.warnings == [ingest.FALLBACK_WARNINGS["body"]] and _lines(old.text) == QUAKE
    assert flood.warnings == []


def test_article_from_url_follows_redirects_and_gzip(server):
    assert article_from_url(f"{server}/redirect", allow_private=True).url == f"{server}/quake.html"
    assert "Port Alden" in article_from_url(f"{server}/quake.gz", allow_private=True).text


@pytest.mark.parametrize(
    "path, message",
    [
        ("/image.png", "not an article page"),
        ("/data.json", "not an article page"),
        ("/empty.html", "no article text"),
        ("/missing.html", "HTTP 404"),
        ("/huge.html", "over the limit"),
        ("/huge-stream.html", "larger than the limit"),
        ("/loop", "redirects more than 5 times"),
    ],
)
def test_article_from_url_errors(server, path, message):
    with pytest.raises(FetchError, match=message):
        article_from_url(f"{server}{path}", allow_private=True, max_bytes=100_000)


def test_article_from_url_times_out(server):
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        article_from_url(f"{server}/slow.html", allow_private=True, timeout=0.5)
    assert time.monotonic() - start < 1.9
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        article_from_url(f"{server}/trickle.html", allow_private=True, timeout=0.8)
    assert time.monotonic() - start < 1.9


def test_redirect_target_is_checked(server, monkeypatch):
    # Treat 127.0.0.1 as public so the first hop passes; the redirect to 127.0.0.2 must still be refused.
    real = fetching._refusal
    monkeypatch.setattr(fetching, "_refusal", lambda ip: None if str(ip) == "127.0.0.1" else real(ip))
    _Handler.requests.clear()
    with pytest.raises(FetchError, match="127.0.0.2.*loopback"):
        article_from_url(f"{server}/redirect-loopback")
    assert _Handler.requests == ["/redirect-loopback"]


# --- the address guard ----------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the guard let a request through")

    monkeypatch.setattr(fetching, "_open", refuse)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://localhost:8080/admin", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one number
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/router", "private"),
        ("https://172.16.5.4/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://100.64.0.1/", "non-global"),
    ],
)
def test_guard_refuses_non_public_addresses(no_network, url, reason):
    with pytest.raises(FetchError, match=f"{reason} address"):
        article_from_url(url)
    with pytest.raises(FetchError, match="allow_private"):
        check_url(url)


@pytest.mark.parametrize("url", ["ftp://example.org/a.html", "file:///etc/passwd", "javascript:alert(1)", "example.org/a"])
def test_guard_refuses_other_schemes(no_network, url):
    with pytest.raises(FetchError, match="only http and https"):
        article_from_url(url, allow_private=True)


def test_guard_allows_public_address(monkeypatch):
    monkeypatch.setattr(fetching.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 80))])
    assert check_url("http://news.example/") == ["93.184.215.14"]


def test_guard_refuses_when_any_address_is_private(monkeypatch):
    monkeypatch.setattr(
        fetching.socket, "getaddrinfo",
        lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 80)), (2, 1, 6, "", ("10.0.0.7", 80))],
    )
    with pytest.raises(FetchError, match="10.0.0.7"):
        check_url("http://news.example/")


# --- feeds --------------------------------------------------------------------------------


def test_rss_feed_fetches_pages_and_falls_back(server, caplog):
    articles = articles_from_feed(f"{server}/feed.rss", allow_private=True)
    assert [a.title for a in articles] == ["Earthquake shakes Port Alden", "Floods force Kessel evacuation", "Gone page"]
    quake, flood, gone = articles
    assert quake.source == "Harbour Herald" and "Mayor Ilse Varga" in quake.text
    assert quake.published == "2026-03-14T09:00:00Z"  # the feed's date, with its time
    assert flood.url == f"{server}/flood.html"
    # The gone page falls back to the feed's summary, with a warning and a record.
    assert "harbour would reopen" in gone.text and gone.source == "Local Wire"
    assert [f.link for f in articles.fallbacks] == [f"{server}/missing.html"]
    assert "HTTP 404" in articles.fallbacks[0].reason
    # The picture-only item is listed, not lost silently.
    assert [f.title for f in articles.failures] == ["Picture only"]
    assert "not an article page" in articles.failures[0].reason
    assert "Picture only" in caplog.text or f"{server}/image.png" in caplog.text


def test_atom_feed_and_limit(server):
    articles = articles_from_feed(f"{server}/feed.atom", allow_private=True)
    assert len(articles) == 1 and articles[0].source == "Valley Times" and "Wend river" in articles[0].text
    assert len(articles_from_feed(f"{server}/feed.rss", allow_private=True, limit=1)) == 1


def test_feed_xml_without_fetching(server):
    _Handler.requests.clear()
    articles = articles_from_feed(_rss(1), fetch=False)
    assert _Handler.requests == []
    assert [a.text for a in articles] == ["Quake summary.", "Flood summary.", articles[2].text]
    assert articles.failures[0].title == "Picture only" and not articles.fallbacks


def test_feed_guard_and_errors(server, no_network):
    with pytest.raises(FetchError, match="loopback"):
        articles_from_feed(f"{server}/feed.rss")
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        articles_from_feed("<html><body>hello</body></html>")
    with pytest.raises(FetchError, match="no item"):
        articles_from_feed(
            '<rss version="2.0"><channel><title>x</title><item><title>a</title></item></channel></rss>', fetch=False
        )


def test_feed_items_are_guarded_too(server):
    # The feed is given as XML, its items point at loopback: each is refused, then the summary stands in.
    articles = articles_from_feed(_rss(int(server.rsplit(":", 1)[1])), limit=2)
    assert [a.text for a in articles] == ["Quake summary.", "Flood summary."]
    assert all("loopback" in f.reason for f in articles.fallbacks)


# --- pasted URL lists -----------------------------------------------------------------------


def test_is_url_list():
    assert is_url_list("https://a.example/x\n\n  http://b.example/y?z=1  \n")
    assert is_url_list("- https://a.example/x\n- <https://b.example/y>")
    assert not is_url_list("")
    assert not is_url_list("https://a.example/x\nSome article text follows here.")
    assert not is_url_list("A magnitude 6.1 earthquake struck https://a.example/x")


def test_articles_from_pasted_urls(server):
    text = f"{server}/quake.html\n{server}/flood.html\n{server}/quake.html\n{server}/image.png\n"
    articles, errors = articles_from_pasted_urls(text, allow_private=True)
    assert [a.title for a in articles] == ["Earthquake shakes Port Alden", "Floods force Kessel evacuation"]
    assert len(errors) == 1 and "image.png" in errors[0]
    articles, errors = articles_from_pasted_urls(f"{server}/quake.html")
    assert articles == [] and "loopback" in errors[0]


def test_web_page_fetches_pasted_links_behind_the_guard(server):
    from summarizer import webapp

    paste = f"Source: Pasted\n\nA pasted article about the harbour.\n---\n{server}/quake.html\n{server}/image.png\n"
    articles, notes = webapp.collect_articles(paste, None, allow_private_urls=True)
    assert [a.source for a in articles] == ["Pasted", "Harbour Herald"]
    assert articles[1].title == "Earthquake shakes Port Alden" and articles[1].url.endswith("/quake.html")
    assert len(notes) == 1 and notes[0].startswith("A link was not used") and "image.png" in notes[0]
    # By default the page refuses loopback links: each one is named, none is fetched.
    articles, notes = webapp.collect_articles(paste, None)
    assert [a.source for a in articles] == ["Pasted"]
    assert len(notes) == 2 and all("loopback" in n for n in notes)


# --- a real page ------------------------------------------------------------------------------


def test_article_from_html_on_a_real_page():
    if not AEB.exists():
        pytest.skip("../shared/data/aeb is absent")
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    key = sorted(truth)[0]
    html = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())
    article = article_from_html(html, url=truth[key].get("url"))
    assert article.title and len(article.title) > 5
    assert len(article.text.split()) >= 0.5 * len(truth[key]["articleBody"].split())
    first_words = " ".join(truth[key]["articleBody"].split()[:6])
    assert first_words[:20] in " ".join(article.text.split())
    assert article.warnings == []


# --- the command line ----------------------------------------------------------------------------


def test_cli_reads_urls_and_feeds(server, capsys):
    from summarizer.cli import main

    args = ["--url", f"{server}/quake.html", "--feed", f"{server}/feed.atom", "--model", "extractive", "--json"]
    assert main(args + ["--allow-private"]) == 0
    briefs = json.loads(capsys.readouterr().out)
    assert sorted(a["source"] for b in briefs for a in b["articles"]) == ["Harbour Herald", "Valley Times"]
    # Without --allow-private both are refused (a warning each), and nothing is left to summarise.
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("loopback") == 2 and "No articles" in err


def test_cli_needs_some_input(capsys):
    from summarizer.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--model", "extractive"])
    assert exc.value.code == 2 and "at least one FILE, --url or --feed" in capsys.readouterr().err
