"""Benchmark section: faithfulness of the model briefs, before and after the guard.

It reads the briefs that the quality section generated (see
:func:`benchmarks.quality.model_runs`), so nothing is generated twice.  For each
brief:

* the share of its sentences that the guard counts as supported, in the final
  brief and in the model's raw output;
* names, numbers and dates that occur in no source article (``extract_facts``
  on each sentence against the facts and words of all the story's articles,
  read after ``normalize_text`` as the pipeline reads them),
  in the raw model output and in the final brief.  The raw output is rebuilt
  from the brief: ``BriefSentence.generated`` where the guard replaced a
  sentence, the sentence itself where it kept it, and ``Brief.dropped``;
* how many sentences the guard replaced or dropped.

The guard itself is checked against hand labels: ``guard_labels.jsonl`` holds
raw model sentences from the embedded model on the dev data, each with the
pool sentences nearest to it (enough for :func:`summarizer.attribution.judge`
to give the same verdict as in the pipeline) and a human label (supported by
those sentences or not).  The guard is re-run on them with the current
settings, and its precision (of the sentences it flags, the share truly
unsupported) and recall (of the truly unsupported, the share it flags) reported.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

from benchmarks.common import SectionResult, markdown_table
from summarizer.cleaning import normalize_text
from summarizer.config import BriefConfig
from summarizer.document import Brief
from summarizer.facts import Facts, extract_facts, name_matches

LABELS = Path(__file__).resolve().parent / "guard_labels.jsonl"
_WORD = re.compile(r"[a-z0-9]+")


def _source_facts(brief: Brief) -> tuple[Facts, set[str]]:
    names: set[str] = set()
    numbers: set[str] = set()
    dates: set[str] = set()
    words: set[str] = set()
    for article in brief.articles:
        # As the pipeline reads it: "A\u200brwa" in a source is the "Arwa" of its pool.
        text = normalize_text(article.text)
        for line in text.splitlines():
            f = extract_facts(line)
            names |= f.names
            numbers |= f.numbers
            dates |= f.dates
        words |= set(_WORD.findall(text.lower()))
    return Facts(frozenset(names), frozenset(numbers), frozenset(dates)), words


def invented_facts(sentence: str, sources: Facts, words: set[str]) -> list[str]:
    """Facts of ``sentence`` that no source article has, in any case or spelling of a name."""
    facts = extract_facts(sentence)
    out = []
    for name in sorted(facts.names):
        parts = _WORD.findall(name)
        if name_matches(name, sources.names) or (parts and all(p in words for p in parts)):
            continue
        out.append(name)
    out += [n for n in sorted(facts.numbers) if n not in sources.numbers and n not in words]
    out += [d for d in sorted(facts.dates) if d not in sources.dates and d not in words]
    return out


def raw_output(brief: Brief) -> list[str]:
    """The model's own sentences: what the guard replaced, what it kept, what it dropped."""
    return [s.generated or s.text for s in brief.sentences] + [s.text for s in brief.dropped]


def brief_figures(brief: Brief) -> dict[str, Any]:
    sources, words = _source_facts(brief)
    pool_texts = {p.text for p in brief.pool}
    raw = raw_output(brief)
    final = [s.text for s in brief.sentences]
    written = [s for s in raw if s not in pool_texts]  # the model's rewrites, not pool sentences passed through
    return {
        "final_sentences": len(final),
        "final_supported": sum(s.supported for s in brief.sentences),
        "raw_sentences": len(raw),
        "raw_supported": sum(s.generated is None and s.supported for s in brief.sentences),
        "written": len(written),
        "written_supported": sum(
            s.generated is None and s.supported and s.text not in pool_texts for s in brief.sentences
        ),
        "replaced": sum(s.generated is not None for s in brief.sentences),
        "dropped": len(brief.dropped),
        "invented_raw": [f for s in raw for f in invented_facts(s, sources, words)],
        "invented_final": [f for s in final for f in invented_facts(s, sources, words)],
    }


def guard_check(config: BriefConfig = BriefConfig()) -> dict[str, Any]:
    """Re-judge the hand-labelled sentences and compare with the labels."""
    from summarizer.attribution import judge
    from summarizer.document import PoolSentence
    from summarizer.embedding import embed, load_embedder

    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = load_embedder()
    tp = fp = fn = tn = 0
    disagreements = []
    for row in rows:
        pool = [PoolSentence(t, [("a", i)]) for i, t in enumerate(row["candidates"])]
        verdict = judge(
            row["sentence"], embed(embedder, [row["sentence"]])[0], pool, embed(embedder, row["candidates"]), config
        )
        flagged = not verdict.supported
        truly_unsupported = row["label"] == "unsupported"
        tp += flagged and truly_unsupported
        fp += flagged and not truly_unsupported
        fn += (not flagged) and truly_unsupported
        tn += (not flagged) and not truly_unsupported
        if flagged != truly_unsupported:
            disagreements.append((row["sentence"], row["label"], verdict.reason or "passed", row.get("note", "")))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return {
        "labelled": len(rows),
        "truly_unsupported": tp + fn,
        "flagged": tp + fp,
        "true_positive": tp,
        "false_positive": fp,
        "false_negative": fn,
        "true_negative": tn,
        "precision": precision,
        "recall": recall,
        "disagreements": disagreements,
    }


def run(quick: bool = False, model: str | None = None) -> SectionResult:
    from benchmarks.quality import model_runs

    sections: list[str] = []
    metrics: dict[str, Any] = {}
    rows = []
    for run_ in model_runs(quick, model):
        figures = [brief_figures(b) for briefs in run_.briefs for b in briefs if b.model != "extractive"]
        fallback = sum(b.model == "extractive" for briefs in run_.briefs for b in briefs)
        if not figures:
            rows.append([run_.label, "no model brief", "", "", "", "", "", "", ""])
            continue
        total = lambda key: sum(f[key] for f in figures)  # noqa: E731
        final_share = total("final_supported") / max(1, total("final_sentences"))
        raw_share = total("raw_supported") / max(1, total("raw_sentences"))
        written_share = total("written_supported") / max(1, total("written"))
        inv_raw = [len(f["invented_raw"]) for f in figures]
        inv_final = [len(f["invented_final"]) for f in figures]
        m = {
            "briefs": len(figures),
            "briefs_fallen_back_to_extractive": fallback,
            "final_supported_share": final_share,
            "raw_supported_share": raw_share,
            "written_sentences": total("written"),
            "written_supported_share": written_share,
            "replaced": total("replaced"),
            "dropped": total("dropped"),
            "invented_raw_per_brief": statistics.mean(inv_raw),
            "invented_raw_total": sum(inv_raw),
            "briefs_with_invented_raw": sum(x > 0 for x in inv_raw),
            "invented_final_per_brief": statistics.mean(inv_final),
            "invented_final_total": sum(inv_final),
            "invented_final_examples": sorted({x for f in figures for x in f["invented_final"]})[:20],
            "invented_raw_examples": sorted({x for f in figures for x in f["invented_raw"]})[:20],
        }
        metrics[run_.label] = m
        rows.append([
            run_.label, f"{len(figures)} ({len(run_.clusters)} clusters)",
            f"{100 * final_share:.1f}%", f"{100 * raw_share:.1f}%",
            f"{100 * written_share:.1f}% of {m['written_sentences']}",
            f"{m['invented_raw_per_brief']:.2f} ({m['invented_raw_total']})",
            f"{m['invented_final_per_brief']:.2f} ({m['invented_final_total']})",
            m["replaced"], m["dropped"],
        ])
    header = [
        "model", "briefs", "supported, final", "supported, raw model output", "of those rewritten by the model",
        "invented facts per brief, raw (total)", "after the guard (total)", "replaced", "dropped",
    ]
    sections.append(
        "Raw output = the model's own sentences before the guard; \"rewritten\" excludes pool sentences the "
        "chunked strategy passed through unchanged.  Invented = a name, number or date of the sentence found "
        "in no source article (any case).\n\n" + markdown_table(header, rows)
    )
    for label, m in metrics.items():
        if m["invented_raw_examples"]:
            sections.append(f"Invented in {label}'s raw output (sample): " + ", ".join(m["invented_raw_examples"]))
        if m["invented_final_examples"]:
            sections.append(f"**Left after the guard in {label}:** " + ", ".join(m["invented_final_examples"]))

    targets = []
    if EMB := metrics.get("newsbrief embedded"):
        targets = [
            ["brief sentences supported >= 98%", f"{'met' if EMB['final_supported_share'] >= 0.98 else 'MISSED'} "
             f"({100 * EMB['final_supported_share']:.1f}%)"],
            ["zero invented names/numbers after the guard", f"{'met' if EMB['invented_final_total'] == 0 else 'MISSED'} "
             f"({EMB['invented_final_total']})"],
        ]

    if LABELS.exists():
        g = guard_check()
        metrics["guard_labels"] = {k: v for k, v in g.items() if k != "disagreements"}
        sections.append(
            f"**The guard against hand labels** ({g['labelled']} raw sentences of the embedded model on the dev data, "
            f"`benchmarks/guard_labels.jsonl`, {g['truly_unsupported']} labelled unsupported): precision "
            f"{g['precision']:.2f} ({g['true_positive']} of {g['flagged']} flagged are truly unsupported), recall "
            f"{g['recall']:.2f} ({g['true_positive']} of {g['truly_unsupported']} unsupported are flagged)."
        )
        if g["disagreements"]:
            sections.append(
                "Where the guard and the label differ:\n\n"
                + markdown_table(
                    ["sentence", "label", "guard", "note"],
                    [[s.replace("|", "/")[:160], lab, r.replace("|", "/"), n] for s, lab, r, n in g["disagreements"]],
                )
            )
    if targets:
        sections.append("**Targets**\n\n" + markdown_table(["target", "result"], targets))
        metrics["targets"] = {t: r for t, r in targets}
    return SectionResult("Faithfulness and the guard", "\n\n".join(sections), metrics, [])
