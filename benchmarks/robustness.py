"""Robustness: property tests, injected faults and a load test of the web app.

``python -m benchmarks.robustness`` writes ``results/robustness.md`` (``--quick``:
``results/robustness-quick.md``);
``run(quick)`` returns the same as a :class:`SectionResult`.  Three parts:

* every Hypothesis property of ``tests/test_properties.py``, run here with a
  counter so the report can say how many inputs each one tried;
* the fault tests of ``tests/test_faults.py`` (a damaged or unwritable model
  cache, a failing model, a generation time-out, a missing embedder), run
  through pytest so the report counts exactly what the test suite checks;
* a load run: the web app in its own process on loopback, several
  ``gradio_client`` clients sending a mix of good, bad and large input at once
  for a few rounds, with latency, refusals and the server's memory per round.

"Articles lost" sums, over the property runs, the pasted inputs (through
``summarizer.webapp.collect_articles`` and ``NewsBriefer``) and the load run, the
raw input articles that are not found exactly once among the briefs' articles
and ``skipped`` inputs, each found by a marker in its text and its source line
(by content, not by count); it must be 0.  Quick mode
(under 3 minutes on 2 cores) runs fewer examples, skips the two cache faults
(each converts the embedded model twice) and a smaller load.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import logging
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .common import RESULTS, ROOT, SectionResult, markdown_table

logger = logging.getLogger(__name__)

TESTS = ROOT / "tests"
REPORT = RESULTS / "robustness.md"
#: Quick runs write here, so they never replace the full report the README links.
QUICK_REPORT = RESULTS / "robustness-quick.md"

# --------------------------------------------------------------------------- load


#: What a refused request says: gradio_client's words for a full queue, and the page's.
BUSY_MARKERS = ("Queue is full", "currently busy")
#: The plain error each bad input must get (the start of ``run_briefs``'s messages).
INPUT_ERRORS = {"empty": "Nothing to summarise", "too_many": "max_articles="}


#: The marker word of raw article ``k`` is this prefix and letters: no capital, digit or date,
#: so it is no fact for clustering or pooling, and no word of a real article.
MARKER_PREFIX = "zqmark"
_MARKER = re.compile(rf"\b{MARKER_PREFIX}[a-z]+\b")


@dataclass(frozen=True)
class Paste:
    """Pasted text whose raw articles each carry a marker, so each can be found again by content.

    ``identities[i]`` is raw article ``i``'s (marker word in its text, its
    ``Source:`` line).  Copies of one article share the word (they stay
    duplicates) and differ in the source line.
    """

    text: str
    identities: tuple[tuple[str, str], ...]


def _marker(k: int) -> str:
    letters = ""
    k += 26 * 26  # three letters at least
    while k:
        k, r = divmod(k, 26)
        letters = chr(ord("a") + r) + letters
    return MARKER_PREFIX + letters


def marked_paste(copies: int = 1) -> Paste:
    """The example stories as pasted text, ``copies`` times over, every raw article marked."""
    from summarizer.examples import EXAMPLE_ARTICLES

    blocks, identities = [], []
    for copy in range(copies):
        for k, article in enumerate(EXAMPLE_ARTICLES):
            source = f"{article.source} (copy {copy + 1})" if copies > 1 else article.source
            header = [f"Source: {source}", f"Title: {article.title}"]
            header += [f"URL: {article.url}"] * bool(article.url) + [f"Date: {article.published}"] * bool(article.published)
            blocks.append("\n".join(header) + f"\n\n{article.text}\nThe archive keeps this report as {_marker(k)}.")
            identities.append((_marker(k), source))
    return Paste("\n---\n".join(blocks), tuple(identities))


def load_inputs() -> dict[str, Paste]:
    """The request mix: the example, an empty paste, one article too many, and a large legal paste.

    The large paste is the example fifteen times over: 90 articles and about
    49,000 characters, under the default limits (100 articles, 1,000,000
    characters); 84 of them are duplicates, which must come back in ``skipped``.
    Every raw article is marked (see :func:`marked_paste`).
    """
    return {
        "example": marked_paste(),
        "empty": Paste("", ()),
        "large": marked_paste(15),
        "too_many": Paste("\n---\n".join(f"Article {i} says the council met on Monday." for i in range(101)), ()),
    }


def comparable(briefs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Briefs without their timings, which differ between runs of the same input."""
    out = []
    for brief in briefs:
        stats = {k: v for k, v in brief.get("stats", {}).items() if k != "seconds"}
        out.append({**brief, "stats": stats})
    return out


@dataclass
class Accounting:
    """Where each raw article of a paste ended up, found by its markers."""

    articles: int = 0
    lost: int = 0  # raw articles in no brief and not skipped
    doubled: int = 0  # raw articles found more than once
    unknown: int = 0  # articles in briefs or skipped that match no raw article

    def __iadd__(self, other: Accounting) -> Accounting:
        self.articles += other.articles
        self.lost += other.lost
        self.doubled += other.doubled
        self.unknown += other.unknown
        return self

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.unknown)


def account(paste: Paste, briefs: list[dict[str, Any]]) -> Accounting:
    """Find every raw article of ``paste`` among the briefs' articles and skipped inputs, by content.

    Each must be there exactly once: in one brief's ``articles`` or among the
    ``skipped`` inputs (the same on every brief).  A loss and a double count
    of different articles do not cancel out, and a skipped input without its
    article counts as lost.
    """
    skipped = {(s["index"], s["reason"]): s for b in briefs for s in b.get("skipped", [])}
    homes = [a for b in briefs for a in b["articles"]] + [s["article"] for s in skipped.values() if s.get("article")]
    found: Counter[tuple[str, str]] = Counter()
    known = set(paste.identities)
    unknown = 0
    for article in homes:
        words = set(_MARKER.findall(article.get("text") or ""))
        identity = (next(iter(words)), article.get("source") or "") if len(words) == 1 else None
        if identity in known:
            found[identity] += 1
        else:
            unknown += 1
    return Accounting(
        articles=len(paste.identities),
        lost=sum(found[i] == 0 for i in paste.identities),
        doubled=sum(found[i] > 1 for i in known),
        unknown=unknown,
    )


def paste_path(inputs: dict[str, Paste]) -> Accounting:
    """The pasted inputs through the web app's ``collect_articles`` and ``NewsBriefer``, in this process."""
    from summarizer import InputError, NewsBriefer
    from summarizer.webapp import collect_articles

    briefer = NewsBriefer(model="extractive")
    total = Accounting()
    for paste in inputs.values():
        if not paste.identities:  # the empty and the over-limit paste: refused, nothing to find
            continue
        articles, _ = collect_articles(paste.text, None)
        try:
            briefs = [b.to_dict() for b in briefer.summarize(articles)]
        except InputError as error:
            briefs = [{"articles": [], "skipped": [s.to_dict() for s in error.skipped]}]
        total += account(paste, briefs)
    return total


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``python app.py`` in a child process on 127.0.0.1, so its memory and its life can be watched."""

    def __init__(self, *flags: str, start_timeout: float = 120.0) -> None:
        self.port = free_port()
        command = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(self.port), *flags]
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self.output: deque[str] = deque(maxlen=200)  # the tail, for the error message if it dies
        self.url: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._drain, name="newsbrief-server-log", daemon=True).start()
        if not self._ready.wait(start_timeout) or self.url is None:
            self.stop()
            raise RuntimeError(f"the web app did not start within {start_timeout:g} s:\n" + self.log())

    def _drain(self) -> None:
        # Reading the pipe all the time keeps a chatty server from blocking on a full pipe.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip())
            if self.url is None and "newsbrief is running at" in line:
                self.url = line.split("running at", 1)[1].split()[0].rstrip("/")
                self._ready.set()
        self._ready.set()  # the process ended before saying where it runs

    def log(self) -> str:
        """The last lines the server printed."""
        return "\n".join(self.output)

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.process.poll() is None

    def rss_mb(self) -> float:
        """Resident memory of the server and its children, in MB."""
        import psutil

        process = psutil.Process(self.process.pid)
        members = [process, *process.children(recursive=True)]
        return sum(p.memory_info().rss for p in members) / 1e6

    def stop(self) -> None:
        """Stop the server: terminate, then kill if it does not go within 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Outcome:
    """One request of the load run."""

    client: int
    round: int
    kind: str
    status: str  # brief | input error | busy | error
    seconds: float
    message: str = ""
    accounting: Accounting = field(default_factory=Accounting)  # a request answered with briefs
    matches: bool = True


def classify(kind: str, error: BaseException) -> tuple[str, str]:
    """``(status, message)`` of a failed request: the expected input error, a busy refusal, or an error."""
    message = str(error)
    if any(marker in message for marker in BUSY_MARKERS):
        return "busy", message
    expected = INPUT_ERRORS.get(kind)
    if expected is not None and expected in message:
        return "input error", message
    return "error", f"{type(error).__name__}: {message}"


def call_brief(client: Any, text: str, timeout: float) -> list[dict[str, Any]]:
    """One ``/brief`` call with the extractive model, bounded by ``timeout`` seconds."""
    return client.submit(text, "extractive", 80, api_name="/brief").result(timeout=timeout)


@dataclass
class LoadReport:
    """What the load run saw."""

    clients: int
    rounds: int
    per_round: int
    queue_size: int
    outcomes: list[Outcome] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    seconds: float = 0.0
    alive_after: bool = False
    answers_after: bool = False
    log_tail: str = ""

    def count(self, status: str) -> int:
        """Requests with this status."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def answered(self) -> list[Outcome]:
        """Requests the server finished: a brief or the plain input error."""
        return [o for o in self.outcomes if o.status in {"brief", "input error"}]

    def latency(self, quantile: float) -> float:
        """A latency quantile over answered requests, queueing included, in seconds."""
        values = sorted(o.seconds for o in self.answered)
        if not values:
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[round(quantile * 100) - 1]

    @property
    def per_minute(self) -> float:
        """Answered requests per minute of the rounds."""
        return len(self.answered) / (self.seconds / 60) if self.seconds else 0.0

    @property
    def briefs_per_minute(self) -> float:
        """Requests answered with briefs per minute of the rounds."""
        return self.count("brief") / (self.seconds / 60) if self.seconds else 0.0

    @property
    def accounting(self) -> Accounting:
        """Raw articles of the requests answered with briefs, and where they ended up."""
        total = Accounting()
        for o in self.outcomes:
            total += o.accounting
        return total

    @property
    def mismatches(self) -> int:
        """Briefs under load that differ from the brief of the same input run alone."""
        return sum(not o.matches for o in self.outcomes)


def _client_round(
    client: Any, index: int, round_: int, per_round: int, inputs: dict[str, Paste],
    expected: dict[str, list[dict[str, Any]]], start: threading.Barrier, timeout: float, out: list[Outcome],
) -> None:
    kinds = list(inputs)
    start.wait(timeout)  # every client sends at the same moment, so the queue fills
    for j in range(per_round):
        kind = kinds[(index + round_ + j) % len(kinds)]
        clock = time.perf_counter()
        try:
            briefs = call_brief(client, inputs[kind].text, timeout)
        except Exception as exc:  # sorted into input error, busy or error below
            status, message = classify(kind, exc)
            out.append(Outcome(index, round_, kind, status, time.perf_counter() - clock, message))
            continue
        seconds = time.perf_counter() - clock
        matches = kind in expected and comparable(briefs) == expected[kind]
        out.append(Outcome(index, round_, kind, "brief", seconds, accounting=account(inputs[kind], briefs), matches=matches))


def load_run(
    clients: int = 5, rounds: int = 3, per_round: int = 1, queue_size: int = 2, timeout: float = 60.0
) -> LoadReport:
    """Start the app (extractive, one brief at a time, a small queue) and load it from ``clients`` threads.

    Before the rounds each input is sent alone, which also waits for the model
    to load; under load, every brief must equal its input's brief alone.  The
    server's memory is read after each round; afterwards it must still answer.
    """
    from gradio_client import Client

    inputs = load_inputs()
    report = LoadReport(clients, rounds, per_round, queue_size)
    flags = ["--model", "extractive", "--concurrency", "1", "--queue-size", str(queue_size)]
    with AppServer(*flags) as server:
        try:
            assert server.url is not None
            alone = Client(server.url, verbose=False)
            expected = {kind: comparable(call_brief(alone, inputs[kind].text, timeout * 2)) for kind in ("example", "large")}
            pool = [Client(server.url, verbose=False) for _ in range(clients)]
            started = time.perf_counter()
            for round_ in range(rounds):
                barrier = threading.Barrier(clients)
                outcomes: list[Outcome] = []
                threads = [
                    threading.Thread(target=_client_round, name=f"load-client-{i}",
                                     args=(c, i, round_, per_round, inputs, expected, barrier, timeout, outcomes))
                    for i, c in enumerate(pool)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout * per_round + 30)
                report.outcomes += sorted(outcomes, key=lambda o: (o.client, o.kind))
                report.rss_mb.append(server.rss_mb() if server.alive() else float("nan"))
                logger.info("Round %d: %s; server RSS %.0f MB", round_ + 1,
                            ", ".join(f"{s} {sum(o.status == s for o in outcomes)}" for s in ("brief", "input error", "busy", "error")),
                            report.rss_mb[-1])
            report.seconds = time.perf_counter() - started
            report.alive_after = server.alive()
            if report.alive_after:
                report.answers_after = comparable(call_brief(alone, inputs["example"].text, timeout)) == expected["example"]
        finally:
            report.log_tail = server.log()
    return report


def load_markdown(report: LoadReport) -> str:
    """The load tables: totals, latency, memory per round."""
    totals = markdown_table(
        ["clients", "rounds", "requests", "briefs", "input errors (expected)", "refused busy", "other errors",
         "briefs ≠ alone", "articles lost", "server alive after", "answers after"],
        [[report.clients, report.rounds, len(report.outcomes), report.count("brief"), report.count("input error"),
          report.count("busy"), report.count("error"), report.mismatches, report.accounting.lost,
          "yes" if report.alive_after else "NO", "yes" if report.answers_after else "NO"]],
    )
    speed = markdown_table(
        ["answered per minute", "briefs per minute", "p50 latency (s)", "p95 latency (s)", "wall (s)", "queue size",
         "concurrency"],
        [[f"{report.per_minute:.1f}", f"{report.briefs_per_minute:.1f}", f"{report.latency(0.5):.2f}", f"{report.latency(0.95):.2f}",
          f"{report.seconds:.1f}", report.queue_size, 1]],
    )
    kinds = sorted({o.kind for o in report.outcomes})
    mix = markdown_table(
        ["input", "sent", "briefs", "input errors", "refused busy", "other errors"],
        [[k, sum(o.kind == k for o in report.outcomes)] +
         [sum(o.kind == k and o.status == s for o in report.outcomes) for s in ("brief", "input error", "busy", "error")]
         for k in kinds],
    )
    memory = markdown_table(
        ["after round", "server RSS (MB)", "change from round 1 (MB)"],
        [[i + 1, f"{mb:.0f}", f"{mb - report.rss_mb[0]:+.0f}"] for i, mb in enumerate(report.rss_mb)],
    )
    errors = [f"- {o.kind}: {o.message}" for o in report.outcomes if o.status == "error"]
    return "\n\n".join([totals, speed, mix, memory] + (["Other errors:\n" + "\n".join(errors)] if errors else []))


# --------------------------------------------------------------------------- properties


@dataclass
class PropertyRun:
    """One Hypothesis property and what it tried."""

    name: str
    inputs: int
    articles: int
    lost: int | None  # None: the property does not check whole-pipeline accounting
    doubled: int | None
    seconds: float
    error: str = ""


@contextlib.contextmanager
def _tests_on_path() -> Iterator[None]:
    # tests/ is not a package; its modules import each other by plain name, as pytest runs them.
    sys.path.insert(0, str(TESTS))
    try:
        yield
    finally:
        sys.path.remove(str(TESTS))


def _fixtures() -> dict[str, Callable[[], Any]]:
    """The pytest fixtures the properties take, built the same way as in ``tests/``."""
    from summarizer import NewsBriefer
    from summarizer.embedding import load_embedder

    return {"embedder": functools.cache(load_embedder), "briefer": functools.cache(lambda: NewsBriefer(model="extractive"))}


def run_properties(scale: float = 1.0) -> list[PropertyRun]:
    """Run every Hypothesis test of ``tests/test_properties.py``, counting its inputs.

    ``scale`` multiplies each test's own ``max_examples``.  The lost-article
    count comes from the invariant check of ``test_summarize_never_loses_an_article``,
    which runs with a counting wrapper around it.
    """
    from hypothesis import settings

    with _tests_on_path():
        import test_properties as tp

    fixtures = _fixtures()
    seen = {"articles": 0, "lost": 0, "doubled": 0, "checked": 0}
    original_check = tp.check_invariants

    def counting_check(briefs: list[Any], articles: list[Any]) -> None:
        seen["checked"] += 1
        skipped = {s.index for s in briefs[0].skipped}
        for i, article in enumerate(articles):
            homes = sum(any(a is article for a in b.articles) for b in briefs) + (i in skipped)
            seen["lost"] += homes == 0
            seen["doubled"] += homes > 1
        original_check(briefs, articles)

    tp.check_invariants = counting_check  # the property looks it up as a module global
    runs = []
    try:
        for name, test in inspect.getmembers(tp, inspect.isfunction):
            if not name.startswith("test_") or not hasattr(test, "hypothesis"):
                continue
            runs.append(_run_property(name, test, scale, fixtures, seen, settings))
    finally:
        tp.check_invariants = original_check
    return runs


def _run_property(
    name: str, test: Any, scale: float, fixtures: dict[str, Callable[[], Any]], seen: dict[str, int], settings: Any
) -> PropertyRun:
    calls = {"n": 0}
    inner = test.hypothesis.inner_test

    @functools.wraps(inner)
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        texts = kwargs.get("texts")
        if isinstance(texts, list):
            seen["articles"] += len(texts)
        return inner(*args, **kwargs)

    # Hypothesis documents ``inner_test`` as replaceable; the settings live on the
    # test, so a runner can change the example count without restating strategies.
    test.hypothesis.inner_test = counted
    old = test._hypothesis_internal_use_settings
    test._hypothesis_internal_use_settings = settings(
        old, max_examples=max(1, round(old.max_examples * scale)), database=None, print_blob=False
    )
    args = {p: fixtures[p]() for p in inspect.signature(test).parameters if p in fixtures}
    before = dict(seen)
    clock = time.perf_counter()
    error = ""
    try:
        test(**args)
    except Exception as exc:  # a failing property is reported, not fatal to the report
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        logger.error("Property %s failed: %s", name, error)
    finally:
        test.hypothesis.inner_test = inner
        test._hypothesis_internal_use_settings = old
    checked = seen["checked"] > before["checked"]
    lost = seen["lost"] - before["lost"] if checked else None
    doubled = seen["doubled"] - before["doubled"] if checked else None
    return PropertyRun(name, calls["n"], seen["articles"] - before["articles"], lost, doubled,
                       time.perf_counter() - clock, error)


# --------------------------------------------------------------------------- faults

#: What each fault test injects and what surviving it means.
FAULTS = {
    "test_truncated_cache_is_detected_and_rebuilt": ("model cache file cut in half", "detected, rebuilt, loads"),
    "test_unwritable_cache_loads_without_caching": ("cache folder is a file (unwritable)", "loads without caching, warns"),
    "test_failing_model_falls_back_to_extractive_for_that_story": (
        "model raises MemoryError on one story", "that story extractive with a warning, others untouched"),
    "test_generation_timeout_falls_back_to_extractive": (
        "generation time limit of 1 ns (embedded model)", "every story extractive with the reason"),
    "test_missing_embedder_says_what_to_install": ("bundled embedder absent", "EmbedderError naming the pip command"),
    "test_broken_embedder_path_is_a_clear_error": ("embedder path that does not exist", "EmbedderError saying what to pass"),
}
#: Fault tests left out of quick mode: each converts the embedded model twice (about 40 s).
SLOW_FAULTS = ("cache",)


@dataclass
class FaultRun:
    """One fault test's outcome."""

    name: str
    outcome: str  # passed | failed | skipped | not run
    seconds: float
    detail: str = ""


class _Collector:
    """A pytest plugin that keeps each test's outcome."""

    def __init__(self) -> None:
        self.runs: dict[str, FaultRun] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        name = report.nodeid.split("::")[-1]
        if report.when == "call" or report.outcome != "passed":
            detail = str(report.longrepr).splitlines()[-1] if report.longrepr else ""
            self.runs[name] = FaultRun(name, report.outcome, report.duration, detail)


def run_faults(quick: bool = False) -> list[FaultRun]:
    """Run ``tests/test_faults.py`` with pytest; in quick mode without the two cache conversions."""
    import pytest

    collector = _Collector()
    args = ["-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT), str(TESTS / "test_faults.py")]
    if quick:
        args += ["-k", " and ".join(f"not {word}" for word in SLOW_FAULTS)]
    with _tests_on_path():
        pytest.main(args, plugins=[collector])
    names = list(dict.fromkeys([*FAULTS, *collector.runs]))
    return [collector.runs.get(n, FaultRun(n, "not run", 0.0, "left out of quick mode" if quick else "")) for n in names]


# --------------------------------------------------------------------------- report


def machine() -> str:
    """One line about where this ran."""
    import psutil

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}")


def run(quick: bool = False) -> SectionResult:
    """Properties, faults and load; returns the report as a section."""
    clock = time.perf_counter()
    # Faults first: pytest must import Hypothesis itself to rewrite its asserts and load its plugin.
    faults = run_faults(quick)
    properties = run_properties(scale=0.25 if quick else 1.0)
    load = load_run(clients=4 if quick else 6, rounds=2 if quick else 3, per_round=1 if quick else 2,
                    queue_size=2 if quick else 4)
    direct = paste_path(load_inputs())
    checked = [p for p in properties if p.lost is not None]
    prop = Accounting(sum(p.articles for p in checked), sum(p.lost for p in checked), sum(p.doubled for p in checked))
    held = load.accounting
    total = Accounting()
    for part in (prop, direct, held):
        total += part
    lost = total.lost + total.doubled + total.unknown
    injected = [f for f in faults if f.outcome != "not run"]
    survived = [f for f in injected if f.outcome == "passed"]

    prop_table = markdown_table(
        ["property", "inputs tried", "articles checked", "articles lost", "seconds", "result"],
        [[p.name.removeprefix("test_").replace("_", " "), p.inputs, p.articles or "–",
          "–" if p.lost is None else p.lost, f"{p.seconds:.1f}",
          "holds" if not p.error else f"FAILS: {p.error}"] for p in properties],
    )
    fault_table = markdown_table(
        ["fault injected", "survived means", "result", "seconds"],
        [[*FAULTS.get(f.name, (f.name, "")), {"passed": "survived"}.get(f.outcome, f.outcome)
          + (f" ({f.detail})" if f.detail and f.outcome != "passed" else ""), f"{f.seconds:.1f}"] for f in faults],
    )
    headline = (
        f"**{sum(p.inputs for p in properties):,} generated inputs** over {len(properties)} properties "
        f"({sum(not p.error for p in properties)} hold); **{len(survived)} of {len(injected)} faults survived**; "
        f"load: {load.clients} clients, {len(load.outcomes)} requests, {load.count('error')} errors, "
        f"{load.count('busy')} refused busy, {load.per_minute:.0f} answered/min, "
        f"p50 {load.latency(0.5):.2f} s, p95 {load.latency(0.95):.2f} s; **articles lost: {lost}**."
    )
    markdown = "\n\n".join([
        (f"Written by `python -m benchmarks.robustness{' --quick' if quick else ''}` on "
         f"{time.strftime('%Y-%m-%d %H:%M')}; {machine()}. "
         f"{'Quick mode: fewer examples, no cache faults, a smaller load. ' if quick else ''}"
         f"Took {time.perf_counter() - clock:.0f} s."),
        headline,
        "### Properties (Hypothesis, `tests/test_properties.py`)",
        ("Each property runs on generated text: unicode of every sort, control characters, right-to-left "
         "scripts, emoji, very long tokens, markup, binary bytes and real news sentences, mixed."),
        prop_table,
        "### Faults (`tests/test_faults.py`)",
        fault_table,
        "### Load (the web app on 127.0.0.1, `gradio_client`)",
        (f"The app runs the extractive model, one brief at a time, with a queue of {load.queue_size}. "
        f"Each round, {load.clients} clients send {load.per_round} request(s) each at the same moment, cycling "
        "through the example stories, an empty paste, 101 articles (over the limit) and the example 15 times "
        "over (90 articles, about 49,000 characters). A request is answered with briefs, refused with the plain "
        "input error, or refused as busy when the queue is full; every brief must equal the brief of the same "
        "input sent alone. Latency counts the wait in the queue."),
        load_markdown(load),
        "### Articles lost",
        ("Counted by content, not by number: every raw article of a pasted input carries a marker word and its "
         "own `Source:` line, and must be found exactly once among all the briefs' articles and skipped inputs; "
         "a loss and a double count of different articles cannot cancel out, and a skipped input that does not "
         "carry its article counts as lost. The properties hand `NewsBriefer` Article objects and find each by "
         "identity. \"Articles lost\" in the headline sums every column."),
        markdown_table(
            ["where", "input articles checked", "lost", "found twice or more", "found but not in the input"],
            [[name, a.articles, a.lost, a.doubled, a.unknown] for name, a in [
                ("property runs (Article objects, by identity)", prop),
                ("pasted text: collect_articles + NewsBriefer, in process", direct),
                ("load run: pasted text through the app", held), ("total", total)]],
        ),
    ])
    metrics = {
        "properties": {p.name: {"inputs": p.inputs, "articles": p.articles, "lost": p.lost, "holds": not p.error}
                       for p in properties},
        "faults": {f.name: f.outcome for f in faults},
        "faults_injected": len(injected), "faults_survived": len(survived),
        "load": {"clients": load.clients, "requests": len(load.outcomes), "briefs": load.count("brief"),
                 "input_errors": load.count("input error"), "busy": load.count("busy"), "errors": load.count("error"),
                 "per_minute": load.per_minute, "briefs_per_minute": load.briefs_per_minute, "p50_s": load.latency(0.5), "p95_s": load.latency(0.95),
                 "rss_mb": load.rss_mb, "mismatches": load.mismatches, "alive_after": load.alive_after},
        "accounting": {name: vars(a) for name, a in [("properties", prop), ("paste", direct), ("load", held)]},
        "articles_lost": lost,
    }
    return SectionResult("Robustness", markdown, metrics)


def main(argv: list[str] | None = None) -> int:
    """Run the section and write ``results/robustness.md`` (``robustness-quick.md`` with ``--quick``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.robustness", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer examples, no cache faults, a smaller load (< 3 min)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request of the load run
    result = run(quick=args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = QUICK_REPORT if args.quick else REPORT
    report.write_text(f"# {result.title}\n\n{result.markdown}\n", encoding="utf-8")
    print(f"Wrote {report}")
    print(result.markdown.split("\n\n")[1])
    return 0 if result.metrics["articles_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
