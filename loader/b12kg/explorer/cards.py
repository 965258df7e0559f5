"""One card per claim: subject – relation – object, modality and hedge, then every triple of the claim's own nodes."""

from __future__ import annotations

import re
from html import escape

from b12kg.explorer.extract import CLAIM_BASE, Claim, Explorer, Value, curie
from b12kg.vocab import NS

__all__ = ["card_html", "term_html", "text_html", "marked_runs", "lang_of", "claim_name"]

_LETTERS = "\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF"
_ARABIC = re.compile(f"[{_LETTERS}]")
# a run of Arabic words inside text in another language (an English note quoting the source), kept whole
_ARABIC_RUN = re.compile(f"[{_LETTERS}]+(?:[\\s\u060c\u061b]+[{_LETTERS}]+)*")
_B12O = NS["b12o"]
_RDFS_LABEL = NS["rdfs"] + "label"
# shown in the card's head, not again among its rows
_HEAD = {_B12O + p for p in ("subject", "relation", "object", "modality", "hedgeText", "hasDirectTriple")} | {
    _RDFS_LABEL, NS["dcterms"] + "identifier", NS["rdf"] + "type"}
# the order of a claim's rows: the qualifiers first (population … setting), then where it comes from
_FIRST = [_B12O + p for p in (
    "population", "populationText", "populationBasis", "populationInference", "concernsAgeGroup", "frequency",
    "onsetWindow", "resolutionWindow", "onsetCategory", "bodySite", "conditionSeverity", "conditionDuration",
    "conditionContext", "setting", "intervention", "qualifierText", "objectDescription", "attributedTo",
    "paragraphAttributedTo", "attributionInference", "hasEvidence", "curatorInference", "flag", "resembles",
    "resemblanceInference", "statedInSentence", "inSection")]


def lang_of(value: Value) -> str:
    """A literal's language: its tag, else "ar" for Arabic script (the quotes), else "" (the page's English)."""
    if value.lang:
        return value.lang
    return "ar" if value.text and _ARABIC.search(value.text) else ""


def marked_runs(text: str) -> str:
    """Escaped text whose Arabic runs are marked as Arabic and isolated for bidi (<bdi lang="ar">)."""
    out, at = [], 0
    for run in _ARABIC_RUN.finditer(text):
        out += [escape(text[at:run.start()]), f'<bdi lang="ar">{escape(run.group())}</bdi>']
        at = run.end()
    return "".join(out) + escape(text[at:])


def text_html(text: str, lang: str) -> str:
    if lang == "ar":
        return f'<span lang="ar" dir="rtl">{escape(text)}</span>'
    shown = marked_runs(text)
    return f'<span lang="{lang}">{shown}</span>' if lang else shown


def term_html(iri: str, ex: Explorer) -> str:
    """An IRI as its English and Arabic labels with its short ID, linked to the IRI (PURLs resolve)."""
    labels = ex.labels.get(iri, {})
    parts = []
    if labels.get("en") or labels.get(""):
        parts.append(text_html(labels.get("en") or labels[""], "en"))
    if labels.get("ar"):
        parts.append(text_html(labels["ar"], "ar"))
    short = curie(iri)
    if short == iri and iri.startswith(CLAIM_BASE[: -len("claim/")]):
        short = iri[len(CLAIM_BASE) - len("claim/"):]  # an instance: its path under /id/
    shown = " · ".join(parts)
    code = f"<code>{escape(short)}</code>"
    if iri.startswith(CLAIM_BASE) and "/" not in iri[len(CLAIM_BASE):]:
        target = iri[len(CLAIM_BASE):]  # another claim: open its card here
        return f'<a class="term" href="#claim={escape(target)}" data-claim-link="{escape(target)}">{shown} {code}</a>'
    return f'<a class="term" href="{escape(iri)}">{shown}{" " if shown else ""}{code}</a>'


def _value_html(value: Value, claim: Claim, ex: Explorer, depth: int) -> str:
    if value.iri is not None:
        if value.iri in claim.nodes and value.iri != claim.iri and depth < 4:
            return _rows_html(value.iri, claim, ex, depth + 1, skip=set())
        return term_html(value.iri, ex)
    assert value.text is not None
    if value.datatype == NS["xsd"] + "boolean":
        return "yes" if value.text == "true" else "no"
    return text_html(value.text, lang_of(value))


def _predicate_label(predicate: str, ex: Explorer) -> str:
    label = ex.labels.get(predicate, {}).get("en")
    if label:
        return escape(label)
    short = curie(predicate)  # no label in the graph (oa:, skos:, time: terms): its local name, its CURIE on hover
    return f'<span title="{escape(short)}">{escape(short.rsplit(":", 1)[-1])}</span>'


def _rows_html(subject: str, claim: Claim, ex: Explorer, depth: int, *, skip: set[str]) -> str:
    pairs = [(p, v) for p, v in claim.nodes.get(subject, []) if p not in skip]
    order = {p: i for i, p in enumerate(_FIRST)}
    predicates = sorted({p for p, _ in pairs}, key=lambda p: (order.get(p, len(order)), curie(p)))
    rows = []
    for predicate in predicates:
        values = [v for p, v in pairs if p == predicate]
        cells = [_value_html(v, claim, ex, depth) for v in values]
        shown = cells[0] if len(cells) == 1 else "<ul>" + "".join(f"<li>{c}</li>" for c in cells) + "</ul>"
        rows.append(f"<dt>{_predicate_label(predicate, ex)}</dt><dd>{shown}</dd>")
    return f'<dl class="rows depth{depth}">{"".join(rows)}</dl>'


def claim_name(claim: Claim) -> str:
    """The claim's English label (its gloss), else its id."""
    english = [v.text for v in claim.values(_RDFS_LABEL) if v.lang == "en" and v.text]
    return english[0] if english else claim.id


def card_html(claim: Claim, ex: Explorer) -> str:
    """The claim's card (hidden until its quote or list entry is chosen)."""
    one = {p: claim.values(_B12O + p) for p in ("subject", "relation", "object", "modality", "hedgeText",
                                                  "hasDirectTriple")}
    triple = " – ".join(term_html(v.iri, ex) for key in ("subject", "relation", "object") for v in one[key]
                        if v.iri)
    modality = ", ".join(term_html(v.iri, ex) for v in one["modality"] if v.iri)
    hedges = ", ".join(text_html(v.text or "", lang_of(v)) for v in one["hedgeText"])
    direct = any(v.text == "true" for v in one["hasDirectTriple"])
    said_by = []
    for source in (v.iri for v in claim.values(_B12O + "attributedTo") if v.iri):
        facts = "".join(f"; {_predicate_label(p, ex)}: {_value_html(v, claim, ex, 9)}"
                        for p, v in sorted(ex.source_facts.get(source, []), key=lambda pv: pv[0].endswith("note")))
        said_by.append(f"{term_html(source, ex)}{facts}")
    quotes = "".join(f'<blockquote lang="ar" dir="rtl" class="exact">{escape(q.exact)}</blockquote>'
                     f'<p class="offsets">characters {q.start}–{q.end} (Unicode code points)</p>'
                     for q in claim.quotes)
    return (
        f'<article class="card" id="card-{claim.id}" data-claim="{claim.id}" hidden tabindex="-1" '
        f'aria-labelledby="card-title-{claim.id}">'
        f'<h3 id="card-title-{claim.id}">{marked_runs(claim_name(claim))}</h3>'
        f'<p class="claim-id"><a href="{escape(claim.iri)}"><code>claim:{escape(claim.id)}</code></a></p>'
        f"{quotes}"
        f'<p class="triple">{triple}</p>'
        f'<p class="modality"><strong>Modality:</strong> {modality}'
        f'{"; <strong>hedge words:</strong> " + hedges if hedges else ""}</p>'
        f'<p class="said-by"><strong>Who asserts it:</strong> {"; ".join(said_by)}</p>'
        f'<p class="direct"><strong>Direct triple:</strong> '
        f'{"yes — subject, relation and object are also stated as one plain triple" if direct else "no — only the claim node says it (hedged, conditional or not a plain fact)"}</p>'  # noqa: E501
        f'{_rows_html(claim.iri, claim, ex, 0, skip=_HEAD)}'
        f'<p class="links"><a href="claims/{claim.id}.ttl" type="text/turtle">the claim’s triples (Turtle)</a> · '
        f'<a href="../exports/nanopubs/{claim.id}.trig" type="application/trig">its nanopublication (TriG)</a>'
        f"</p></article>"
    )
