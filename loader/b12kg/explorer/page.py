"""The explorer's index.html: filters, source, cards, claim list, timeline (log days) and the query library."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from b12kg import __version__
from b12kg.explorer.cards import card_html, claim_name, marked_runs, term_html, text_html
from b12kg.explorer.extract import Explorer, Window, curie
from b12kg.explorer.source import source_html
from b12kg.vocab import ID, NS

__all__ = ["Question", "page_html", "facet_key", "AXIS_DAYS", "ANCHOR_ORDER"]

AXIS_DAYS = 730  # the timeline's right end: two years, above every window the article gives
_TICKS = ((1, "1 day"), (7, "1 week"), (30, "1 month"), (365, "1 year"))
# the anchor events in the order a course of illness runs (b12o: Birth, TreatmentStart, TreatmentEnd); others after
ANCHOR_ORDER = [NS["b12o"] + name for name in ("Birth", "TreatmentStart", "TreatmentEnd")]


@dataclass(frozen=True)
class Question:
    name: str  # the library name, e.g. 02-frequency-by-age-group
    english: str
    arabic: str
    sparql: str  # runnable as is on `b12kg serve` (parameters bound, FROM clauses naming the release's graphs)


def facet_key(iri: str) -> str:
    """The short form a filter value takes in the page's URL: a CURIE, or the path under /id/."""
    short = curie(iri)
    return iri[len(ID):] if short == iri and iri.startswith(ID) else short


def _label(iri: str, ex: Explorer) -> str:
    labels = ex.labels.get(iri, {})
    return labels.get("en") or labels.get("") or facet_key(iri)


def _select(name: str, legend: str, options: list[tuple[str, str, int]]) -> str:
    indent = "\u00a0\u00a0"  # the hierarchy, shown by indenting (an option holds text only)
    items = "".join(f'<option value="{escape(value)}">{indent * depth}{escape(text)}</option>'
                    for value, text, depth in options)
    return (f'<div class="facet"><label for="f-{name}">{escape(legend)}</label>'
            f'<select id="f-{name}" name="{name}" data-facet="{name}"><option value="">any</option>{items}</select>'
            "</div>")


def _manifestation_options(ex: Explorer) -> list[tuple[str, str, int]]:
    """Every manifestation term the claims use and their superclasses, as a tree (each term once, under its first
    parent), children by label."""
    terms = sorted({t for ts in ex.manifestations.values() for t in ts})
    children: dict[str, list[str]] = {}
    for term in terms:
        for parent in ex.parents.get(term, [])[:1]:
            children.setdefault(parent, []).append(term)
    roots = [t for t in terms if not ex.parents.get(t)]
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()

    def walk(term: str, depth: int) -> None:
        if term in seen:
            return
        seen.add(term)
        out.append((facet_key(term), f"{_label(term, ex)} ({curie(term)})", depth))
        for child in sorted(children.get(term, []), key=lambda t: (_label(t, ex), t)):
            walk(child, depth + 1)
    for root in sorted(roots, key=lambda t: (_label(t, ex), t)):
        walk(root, 0)
    return out


def _filters(ex: Explorer) -> str:
    def flat(values: set[str]) -> list[tuple[str, str, int]]:
        # by label, then by IRI: two sources may share a label (two documents translated from one article)
        return [(facet_key(v), _label(v, ex), 0) for v in sorted(values, key=lambda v: (_label(v, ex), v))]
    ages = {a for v in ex.age_groups.values() for a in v}
    return ('<form id="filters" lang="en" role="search" aria-label="filter the claims">'
            + _select("age", "Age group", flat(ages))
            + _select("man", "Manifestation (with its subclasses)", _manifestation_options(ex))
            + _select("mod", "Modality", flat(set(ex.modality.values())))
            + _select("src", "Source", flat(set(ex.sources.values())))
            + '<button type="reset" id="f-clear">Clear filters</button>'
            + '<output id="f-count" aria-live="polite"></output></form>')


def _facets(ex: Explorer) -> str:
    facets = {c.id: {"age": [facet_key(a) for a in ex.age_groups.get(c.id, [])],
                     "man": [facet_key(m) for m in ex.manifestations.get(c.id, [])],
                     "mod": [facet_key(ex.modality[c.id])] if c.id in ex.modality else [],
                     "src": [facet_key(ex.sources[c.id])] if c.id in ex.sources else []} for c in ex.claims}
    text = json.dumps(facets, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="facets">{text}</script>'


def _x(days: Decimal) -> float:
    """Where a number of days sits on the log axis, in percent (1 day at 0, AXIS_DAYS at 100)."""
    return round(100 * math.log10(max(float(days), 1.0)) / math.log10(AXIS_DAYS), 2)


def _bar(window: Window, ex: Explorer) -> str:
    label = (f'{text_html(window.text_en, "en")} · {text_html(window.text_ar, "ar")} '
             f'<span class="bar-kind">({window.kind})</span>')
    if window.lower is None and window.upper is None:
        style, days, shown = "left:0;width:100%", "", "no time stated"
    else:
        low = window.lower if window.lower is not None else window.upper
        high = window.upper if window.upper is not None else window.lower
        assert low is not None and high is not None
        start, end = _x(low), _x(high)
        style, days = f"left:{start}%;width:{max(end - start, 0.8):.2f}%", str(low)
        shown = f"{low:.0f}–{high:.0f} days" if low != high else f"{low:.0f} days"
    open_class = " open" if not days else ""
    return (f'<li class="bar-row" data-claim="{window.claim}" data-days="{days}" data-window="{escape(window.iri)}">'
            f'<a class="bar{open_class}" href="#claim={window.claim}" data-claim-link="{window.claim}" '
            f'style="{style}" aria-label="{escape(window.text_en)}: {shown}"></a>'
            f'<span class="bar-label">{label} <span class="days">{shown}</span></span></li>')


def _timeline(ex: Explorer) -> str:
    anchors = sorted({w.anchor for w in ex.windows},
                     key=lambda a: (ANCHOR_ORDER.index(a) if a in ANCHOR_ORDER else len(ANCHOR_ORDER), a))
    ticks = "".join(f'<span class="tick" style="left:{_x(Decimal(d))}%">{t}</span>' for d, t in _TICKS)
    groups = []
    for anchor in anchors:
        bars = "".join(_bar(w, ex) for w in ex.windows if w.anchor == anchor)
        groups.append(f'<section class="anchor" data-anchor="{escape(facet_key(anchor))}"><h3>after '
                      f'{term_html(anchor, ex)}</h3><ol class="bars">{bars}</ol></section>')
    return (f'<section id="timeline" lang="en" aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline: '
            f'onset and resolution windows, in days after their anchor event (log scale)</h2>'
            f'<div class="axis" aria-hidden="true">{ticks}</div>{"".join(groups)}</section>')


def _questions(questions: list[Question]) -> str:
    items = []
    for q in questions:
        items.append(
            f'<li class="question" data-query="{escape(q.name)}"><p class="q-en">{marked_runs(q.english)}</p>'
            f'<p class="q-ar" lang="ar" dir="rtl">{escape(q.arabic)}</p>'
            f'<details><summary><code>{escape(q.name)}.rq</code></summary>'
            f'<pre class="sparql" lang="zxx" translate="no">{marked_runs(q.sparql)}</pre></details>'
            f'<button type="button" class="run" data-query="{escape(q.name)}" hidden>Run on the live endpoint'
            f'</button><div class="answer" aria-live="polite"></div></li>')
    return ('<section id="questions" lang="en" aria-labelledby="questions-title"><h2 id="questions-title">Questions '
            '(the query library)</h2>'
            '<p class="offline-note">Opened from files: the questions and their SPARQL are shown; run '
            '<code>b12kg serve</code> and open the address it prints to get live answers.</p>'
            f'<ol class="library">{"".join(items)}</ol>'
            '<div id="own" hidden><label for="own-query">Your own query (SPARQL, sent to this endpoint\'s '
            '<code>/query</code>)</label><textarea id="own-query" lang="zxx" rows="6" spellcheck="false">'
            'SELECT ?claim ?label WHERE {\n  ?claim a &lt;https://w3id.org/b12kg/ontology#HealthClaim&gt; ; '
            '&lt;http://www.w3.org/2000/01/rdf-schema#label&gt; ?label .\n  FILTER(LANG(?label) = "en")\n} '
            'LIMIT 5</textarea><button type="button" id="own-run">Run</button>'
            '<div class="answer" id="own-answer" aria-live="polite"></div></div></section>')


def page_html(ex: Explorer, questions: list[Question]) -> str:
    """The whole page; every piece of text carries its language (lang on the element or an ancestor)."""
    documents = []
    for doc in ex.documents:
        others = "".join(f'<li><a href="#s-{doc.id}-{s.index}">sentence {s.index}</a> ({s.kind}): '
                         f'{marked_runs(s.reason or "section heading")}</li>'
                         for s in doc.sentences if s.kind != "claims")
        documents.append(
            f'<section class="document" id="doc-{doc.id}" aria-labelledby="doc-title-{doc.id}">'
            f'<h2 id="doc-title-{doc.id}">{text_html(doc.title_en, "en")} · {text_html(doc.title_ar, "ar")}</h2>'
            f'<div class="source" lang="ar" dir="rtl">{source_html(doc, ex.claims)}</div>'
            f'<details class="non-claims" lang="en"><summary>Sentences that carry no claim</summary><ul>{others}</ul>'
            f'</details></section>')
    cards = "".join(card_html(c, ex) for c in ex.claims)
    listing = "".join(
        f'<li data-claim="{c.id}"><button type="button" data-claim="{c.id}" id="claim-name-{c.id}">'
        f'{marked_runs(claim_name(c))}</button></li>' for c in ex.claims)
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="b12kg {escape(__version__)} (b12kg build)">
<title>b12kg explorer: every claim in its source</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="explorer.css">
</head>
<body>
<a class="skip" href="#source-view">Skip to the source text</a>
<header><h1>b12kg explorer</h1><p>Every claim of the article, highlighted in its own Arabic words: choose a highlight
(click, or Tab and Enter) to see what the graph makes of it. Generated by <code>b12kg build</code> from the graph;
do not edit.</p></header>
{_filters(ex)}
<main>
<div id="source-view">{"".join(documents)}</div>
<aside id="card-panel" lang="en" aria-live="polite" aria-label="the chosen claim">
<p id="no-card">No claim chosen yet: choose a highlighted quote or a claim in the list.</p>
<nav id="also" hidden aria-label="other claims quoting these words"><p>Other claims quoting these words:</p>
<ul></ul></nav>
{cards}
</aside>
</main>
<section id="claims" lang="en" aria-labelledby="claims-title"><h2 id="claims-title">Claims</h2>
<ol id="claim-list">{listing}</ol></section>
{_timeline(ex)}
{_questions(questions)}
<footer lang="en"><p>Code: MIT. Graph data: CC BY 4.0. The Arabic source text is third-party, quoted for provenance.
Font: Noto Naskh Arabic (SIL Open Font License 1.1, <a href="assets/OFL.txt">assets/OFL.txt</a>).</p></footer>
{_facets(ex)}
<script src="explorer.js"></script>
</body>
</html>
"""
