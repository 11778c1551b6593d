"""Benchmark section: faithfulness of the model briefs, before and after the guard.

It reads the briefs that the quality section generated (see
:func:`benchmarks.quality.model_runs`), so nothing is generated twice.  For each
brief:

* what the guard did to the model's own sentences (``Brief.stats``): how many
  it let stand as written, caught, replaced with pool text, dropped, and the
  repeats it dropped.  The share supported after the guard is not a result: a
  replacement is a pool sentence, supported by construction;
* names, numbers and dates that occur in no source article (``extract_facts``
  on each sentence against the facts and words of all the story's articles,
  read after ``normalize_text`` as the pipeline reads them),
  in the raw model output and in the final brief.  The raw output is rebuilt
  from the brief: ``BriefSentence.generated`` where the guard replaced a
  sentence, the sentence itself where it kept it, and ``Brief.dropped``.

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
        "written": len(written),
        "written_supported": sum(
            s.generated is None and s.supported and s.text not in pool_texts for s in brief.sentences
        ),
        "invented_raw": [f for s in raw for f in invented_facts(s, sources, words)],
        "invented_final": [f for s in final for f in invented_facts(s, sources, words)],
    }


#: The sets of ``guard_labels.jsonl``, by what the guard's settings saw of them.
LABEL_SETS = {
    "design": "seen while the structure checks were written",
    "tuning": "the clause check's context and threshold were set on these",
    "held out": "labelled and scored only after the settings were fixed",
}
#: The guard's reasons, by the check that gave them (``Verdict.reason`` prefixes).
GUARD_CHECKS = {
    "not in the sources": "invented name, number or date",
    "only ": "words not in the sources",
    "no pool sentence is close enough": "far from every source sentence",
    "swaps who did what": "roles swapped",
    "adds a negation": "negation",
    "drops a negation": "negation",
    "puts ": "number on another noun",
    "adds a clause": "invented clause",
    "the sources do not entail": "guard model",
}


def guard_kind(reason: str | None) -> str | None:
    """The check behind a guard reason (the first, when several checks failed)."""
    if reason is None:
        return None
    return next((kind for prefix, kind in GUARD_CHECKS.items() if reason.startswith(prefix)), "other")


def _precision_recall(truth: list[bool], flagged: list[bool]) -> dict[str, Any]:
    tp = sum(t and f for t, f in zip(truth, flagged))
    fp = sum(f and not t for t, f in zip(truth, flagged))
    fn = sum(t and not f for t, f in zip(truth, flagged))
    return {
        "labelled": len(truth), "truly_unsupported": tp + fn, "flagged": tp + fp,
        "true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": len(truth) - tp - fp - fn,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
    }


def guard_check(config: BriefConfig = BriefConfig()) -> dict[str, Any]:
    """Re-judge the hand-labelled sentences and compare with the labels.

    Precision and recall over all labels, over each ``set`` of them (see
    :data:`LABEL_SETS`), the recall of each labelled ``kind`` of error, and the
    precision of each of the guard's checks.
    """
    from summarizer.attribution import judge
    from summarizer.document import PoolSentence
    from summarizer.embedding import embed, load_embedder

    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = load_embedder()
    reasons, disagreements = [], []
    for row in rows:
        pool = [PoolSentence(t, [("a", i)]) for i, t in enumerate(row["candidates"])]
        verdict = judge(
            row["sentence"], embed(embedder, [row["sentence"]])[0], pool, embed(embedder, row["candidates"]), config
        )
        reasons.append(None if verdict.supported else verdict.reason)
        if (verdict.supported) != (row["label"] == "supported"):
            disagreements.append((row["sentence"], row["label"], verdict.reason or "passed", row.get("note", "")))
    truth = [row["label"] == "unsupported" for row in rows]
    flagged = [r is not None for r in reasons]
    out = _precision_recall(truth, flagged)
    out["by_set"] = {
        name: _precision_recall([t for t, r in zip(truth, rows) if r["set"] == name],
                                [f for f, r in zip(flagged, rows) if r["set"] == name])
        for name in LABEL_SETS
    }
    out["by_model"] = {
        name: _precision_recall([t for t, r in zip(truth, rows) if r.get("model") == name],
                                [f for f, r in zip(flagged, rows) if r.get("model") == name])
        for name in sorted({r.get("model", "") for r in rows})
    }
    kinds = sorted({r["kind"] for r in rows if r["label"] == "unsupported"})
    out["recall_by_kind"] = {
        kind: {"labelled": sum(r["kind"] == kind for r in rows),
               "flagged": sum(r["kind"] == kind and f for r, f in zip(rows, flagged))}
        for kind in kinds
    }
    checks = sorted({guard_kind(r) for r in reasons if r})
    out["precision_by_check"] = {
        check: {"flagged": sum(guard_kind(r) == check for r in reasons),
                "truly_unsupported": sum(guard_kind(r) == check and t for r, t in zip(reasons, truth))}
        for check in checks
    }
    out["disagreements"] = disagreements
    return out


#: ``Brief.stats`` keys of what the guard did to the generator's own sentences.
GUARD_KEYS = ("drafted", "drafted_supported", "replaced", "dropped", "repeats_dropped", "kept_unsupported",
              "unsupported_caught")


def _model_drafted(brief: Brief) -> bool:
    """Whether the guard's counts of ``brief`` are of a model's sentences (not of an extractive fallback after a failure)."""
    return brief.model != "extractive" or any("wrote no supported sentence" in w for w in brief.warnings)


def guard_totals(briefs: list[Brief]) -> dict[str, Any]:
    """What the guard did to the model's sentences, summed over ``briefs`` from ``Brief.stats``.

    A replaced sentence becomes pool text, supported by construction, so the
    share that counts is ``drafted_supported`` over ``drafted``: the model's own
    sentences that stood as written.
    """
    totals = {key: sum(int(b.stats.get(key, 0)) for b in briefs if _model_drafted(b)) for key in GUARD_KEYS}
    drafted = max(1, totals["drafted"])
    totals["drafted_supported_share"] = totals["drafted_supported"] / drafted
    totals["caught_share"] = totals["unsupported_caught"] / drafted
    return totals


def run(quick: bool = False, model: str | None = None) -> SectionResult:
    from benchmarks.quality import model_runs

    sections: list[str] = []
    metrics: dict[str, Any] = {}
    rows = []
    for run_ in model_runs(quick, model):
        all_briefs = [b for briefs in run_.briefs for b in briefs]
        figures = [brief_figures(b) for b in all_briefs if b.model != "extractive"]
        fallback = sum(b.model == "extractive" for b in all_briefs)
        if not figures:
            rows.append([run_.label, "no model brief", *[""] * 8])
            continue
        total = lambda key: sum(f[key] for f in figures)  # noqa: E731
        guard = guard_totals(all_briefs)
        inv_raw = [len(f["invented_raw"]) for f in figures]
        inv_final = [len(f["invented_final"]) for f in figures]
        m = {
            "briefs": len(figures),
            "briefs_fallen_back_to_extractive": fallback,
            "guard": guard,
            # After the guard every replacement is a pool sentence: high by construction, not a result.
            "final_supported_share": total("final_supported") / max(1, total("final_sentences")),
            "written_sentences": total("written"),
            "written_supported_share": total("written_supported") / max(1, total("written")),
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
            run_.label, f"{len(figures)} ({len(run_.clusters)} clusters)", guard["drafted"],
            f"{100 * guard['drafted_supported_share']:.1f}%",
            f"{guard['unsupported_caught']} ({100 * guard['caught_share']:.1f}%)",
            guard["replaced"], guard["dropped"], guard["repeats_dropped"],
            f"{m['invented_raw_per_brief']:.2f} ({m['invented_raw_total']})",
            f"{m['invented_final_per_brief']:.2f} ({m['invented_final_total']})",
        ])
    header = [
        "model", "briefs", "sentences the model wrote", "supported as written", "caught by the guard",
        "replaced by a pool sentence", "dropped (unsupported)", "dropped (repeats)",
        "invented facts per brief, raw (total)", "after the guard (total)",
    ]
    sections.append(
        "What the guard does to the model's own sentences (counts from `Brief.stats`).  \"Supported as written\" is "
        "the share of the model's sentences the guard let stand unchanged; a caught sentence is replaced by the pool "
        "sentence it was written from (supported by construction, so the brief's share of supported sentences after "
        "the guard is no measure of the model) or dropped.  Invented = a name, number or date of the sentence found in "
        "no source article (any case), in the raw output and in the final brief.\n\n" + markdown_table(header, rows)
    )
    for label, m in metrics.items():
        if m["invented_raw_examples"]:
            sections.append(f"Invented in {label}'s raw output (sample): " + ", ".join(m["invented_raw_examples"]))
        if m["invented_final_examples"]:
            sections.append(f"**Left after the guard in {label}:** " + ", ".join(m["invented_final_examples"]))

    targets = []
    if EMB := metrics.get("newsbrief embedded"):
        targets = [
            ["brief sentences supported after the guard >= 98% (replacements are pool text: by construction)",
             f"{'met' if EMB['final_supported_share'] >= 0.98 else 'MISSED'} ({100 * EMB['final_supported_share']:.1f}%)"],
            ["zero invented names/numbers after the guard", f"{'met' if EMB['invented_final_total'] == 0 else 'MISSED'} "
             f"({EMB['invented_final_total']})"],
        ]

    if LABELS.exists():
        g = guard_check()
        metrics["guard_labels"] = {k: v for k, v in g.items() if k != "disagreements"}
        # The same guard without the dependency-parse checks, for comparison.
        plain = guard_check(BriefConfig(guard_structure=False))
        metrics["guard_labels_without_structure"] = {k: v for k, v in plain.items() if k != "disagreements"}
        models = ", ".join(f"{name or 'embedded'} {m['labelled']}" for name, m in g["by_model"].items())
        sections.append(
            f"**The guard against hand labels** ({g['labelled']} raw model sentences on the dev data, "
            f"`benchmarks/guard_labels.jsonl`: {models}; {g['truly_unsupported']} labelled unsupported): precision "
            f"{g['precision']:.2f} ({g['true_positive']} of {g['flagged']} flagged are truly unsupported), recall "
            f"{g['recall']:.2f} ({g['true_positive']} of {g['truly_unsupported']} unsupported are flagged); without the "
            f"parse checks (`guard_structure=False`) precision {plain['precision']:.2f}, recall {plain['recall']:.2f}.\n\n"
            + markdown_table(
                ["labels", "sentences", "unsupported", "precision", "recall"],
                [[f"{name} ({LABEL_SETS[name]})", m["labelled"], m["truly_unsupported"], f"{m['precision']:.2f}",
                  f"{m['recall']:.2f}"]
                 for name, m in g["by_set"].items()],
            )
        )
        sections.append(
            "Recall by the kind of error (the label's), and precision by the guard's check that flagged it:\n\n"
            + markdown_table(["labelled kind", "unsupported sentences", "flagged", "recall"],
                             [[k, v["labelled"], v["flagged"], f"{v['flagged'] / v['labelled']:.2f}"]
                              for k, v in g["recall_by_kind"].items()])
            + "\n\n"
            + markdown_table(["guard check", "flagged", "truly unsupported", "precision"],
                             [[k, v["flagged"], v["truly_unsupported"], f"{v['truly_unsupported'] / v['flagged']:.2f}"]
                              for k, v in g["precision_by_check"].items()])
        )
        targets.append(["guard on the hand labels: recall >= 0.8 at precision >= 0.8",
                        f"{'met' if g['recall'] >= 0.8 and g['precision'] >= 0.8 else 'MISSED'} "
                        f"(recall {g['recall']:.2f}, precision {g['precision']:.2f})"])
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
