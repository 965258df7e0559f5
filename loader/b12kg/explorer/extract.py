"""What the explorer shows, read from the built graph with SPARQL (pyoxigraph): documents, claims, terms, windows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Store

from b12kg.errors import MissingPrerequisite
from b12kg.vocab import NS, compact, sparql_prefixes

__all__ = ["Value", "Sentence", "Quote", "Claim", "Window", "SourceDoc", "Explorer", "read_explorer", "open_graph",
           "CLAIM_BASE", "curie"]

CLAIM_BASE = NS["claim"]
_PREFIXES = sparql_prefixes(["b12o", "rdfs", "oa", "dcterms", "rdf", "skos"])


@dataclass(frozen=True)
class Value:
    """One object of a triple: an IRI (`iri`) or a literal (`text`, with its language tag or datatype)."""

    iri: str | None = None
    text: str | None = None
    lang: str = ""
    datatype: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.iri or "", self.text or "", self.lang)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    line: int
    kind: str  # "claims", "heading" or "no-claim"
    reason: str  # why it carries no claim (English), or ""


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    exact: str


@dataclass
class Claim:
    id: str
    iri: str
    document: str
    quotes: list[Quote]
    # every triple about the claim and its own nodes (IRIs under the claim's IRI): subject -> [(predicate, value)]
    nodes: dict[str, list[tuple[str, Value]]] = field(default_factory=dict)

    def values(self, predicate: str, subject: str | None = None) -> list[Value]:
        return [v for p, v in self.nodes.get(subject or self.iri, []) if p == predicate]


@dataclass(frozen=True)
class Window:
    claim: str
    iri: str
    kind: str  # "onset" or "resolution"
    anchor: str
    lower: Decimal | None
    upper: Decimal | None
    text_en: str
    text_ar: str


@dataclass(frozen=True)
class SourceDoc:
    id: str
    iri: str
    text: str
    title_en: str
    title_ar: str
    sentences: list[Sentence]


@dataclass
class Explorer:
    documents: list[SourceDoc]
    claims: list[Claim]
    labels: dict[str, dict[str, str]]  # IRI -> {language: label}
    windows: list[Window]
    age_groups: dict[str, list[str]]  # claim id -> age group IRIs (b12o:concernsAgeGroup)
    manifestations: dict[str, list[str]]  # claim id -> its object and every superclass (rdfs:subClassOf*)
    parents: dict[str, list[str]]  # manifestation term -> its direct superclasses (among those above)
    modality: dict[str, str]  # claim id -> modality IRI
    sources: dict[str, str]  # claim id -> b12o:attributedTo IRI
    source_facts: dict[str, list[tuple[str, Value]]]  # source IRI -> what the graph says of who it is (status, note)


def curie(iri: str) -> str:
    """The short form shown for an IRI: HP:0004305 for OBO terms, prefix:local where the prefix map has one."""
    short = compact(iri)
    if short is None:
        return iri
    if short.startswith("obo:") and "_" in short:
        return short[4:].replace("_", ":", 1)
    return short


def open_graph(path: Path) -> Store:
    """A built graph in memory: graphs/b12kg.nt (N-Triples, what the build passes: the explorer asks the default
    graph only) or b12kg.nq (N-Quads: its default graph is the same graph)."""
    if not path.is_file():
        raise MissingPrerequisite(f"the built graph {path} is missing", fix="run `b12kg build` first")
    store = Store()
    store.bulk_load(path=str(path), format=RdfFormat.N_TRIPLES if path.suffix == ".nt" else RdfFormat.N_QUADS)
    return store


def _rows(store: Store, query: str) -> Iterator[dict[str, NamedNode | Literal]]:
    result = store.query(_PREFIXES + query)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    for solution in result:
        yield {name: solution[name] for name in names if solution[name] is not None}


def _value(term: NamedNode | Literal) -> Value:
    if isinstance(term, NamedNode):
        return Value(iri=term.value)
    return Value(text=term.value, lang=term.language or "", datatype=term.datatype.value)


def _documents(store: Store) -> list[SourceDoc]:
    headings = {row["s"].value for row in _rows(store, "SELECT ?s WHERE { ?section b12o:heading ?s }")}
    sentences: dict[str, list[Sentence]] = defaultdict(list)
    for row in _rows(store, """SELECT ?doc ?s ?i ?start ?end ?line ?reason WHERE {
            ?s a b12o:Sentence ; dcterms:isPartOf ?doc ; b12o:sentenceIndex ?i ; b12o:startOffset ?start ;
               b12o:endOffset ?end ; b12o:lineNumber ?line .
            OPTIONAL { ?s b12o:nonClaimReason ?reason FILTER(LANG(?reason) = "en") } }"""):
        reason = row["reason"].value if "reason" in row else ""
        kind = "heading" if row["s"].value in headings else "no-claim" if reason else "claims"
        sentences[row["doc"].value].append(Sentence(int(row["i"].value), int(row["start"].value),
                                                    int(row["end"].value), int(row["line"].value), kind, reason))
    docs = []
    for row in _rows(store, """SELECT ?doc ?id ?text ?en ?ar WHERE {
            ?doc a b12o:SourceDocument ; dcterms:identifier ?id ; b12o:fullText ?text ;
                 rdfs:label ?en , ?ar . FILTER(LANG(?en) = "en" && LANG(?ar) = "ar") } ORDER BY ?id"""):
        iri = row["doc"].value
        docs.append(SourceDoc(row["id"].value, iri, row["text"].value, row["en"].value, row["ar"].value,
                              sorted(sentences[iri], key=lambda s: s.index)))
    return docs


def _claims(store: Store) -> list[Claim]:
    claims: dict[str, Claim] = {}
    for row in _rows(store, """SELECT ?c ?id ?doc ?start ?end ?exact WHERE {
            ?c a b12o:HealthClaim ; dcterms:identifier ?id ; b12o:hasEvidence ?e .
            ?e oa:hasSource ?doc ; oa:hasSelector ?pos , ?quote .
            ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
            ?quote a oa:TextQuoteSelector ; oa:exact ?exact . }"""):
        claim = claims.setdefault(row["c"].value, Claim(row["id"].value, row["c"].value, row["doc"].value, []))
        claim.quotes.append(Quote(int(row["start"].value), int(row["end"].value), row["exact"].value))
    for row in _rows(store, f"""SELECT ?s ?p ?o WHERE {{ ?s ?p ?o .
            FILTER(STRSTARTS(STR(?s), "{CLAIM_BASE}")) }}"""):
        subject = row["s"].value
        # a claim's own nodes sit under its IRI (claim/ID/evidence, claim/ID/onset/lower …); ids hold no "/"
        owner = claims.get(CLAIM_BASE + subject[len(CLAIM_BASE):].split("/", 1)[0])
        if owner is not None:
            owner.nodes.setdefault(subject, []).append((row["p"].value, _value(row["o"])))
    for claim in claims.values():
        claim.quotes.sort(key=lambda q: (q.start, q.end))
        for pairs in claim.nodes.values():
            pairs.sort(key=lambda pv: (pv[0], pv[1].key))
    return sorted(claims.values(), key=lambda c: (c.document, c.quotes[0].start if c.quotes else 0, c.id))


def _labels(store: Store) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _rows(store, "SELECT ?x ?l WHERE { ?x rdfs:label ?l FILTER(isIRI(?x)) } ORDER BY ?x ?l"):
        label = row["l"]
        assert isinstance(label, Literal)
        labels[row["x"].value].setdefault(label.language or "", label.value)
    return dict(labels)


def _windows(store: Store) -> list[Window]:
    out = []
    for row in _rows(store, """SELECT ?c ?id ?kind ?w ?anchor ?lower ?upper ?en ?ar WHERE {
            ?c a b12o:HealthClaim ; dcterms:identifier ?id ; ?kind ?w .
            VALUES ?kind { b12o:onsetWindow b12o:resolutionWindow }
            ?w b12o:anchorEvent ?anchor .
            OPTIONAL { ?w b12o:windowText ?en FILTER(LANG(?en) = "en") }
            OPTIONAL { ?w b12o:windowText ?ar FILTER(LANG(?ar) = "ar") }
            OPTIONAL { ?w b12o:lowerBound/b12o:approximateDays ?lower }
            OPTIONAL { ?w b12o:upperBound/b12o:approximateDays ?upper } }"""):
        def days(name: str, row: dict[str, NamedNode | Literal] = row) -> Decimal | None:
            return Decimal(row[name].value) if name in row else None
        out.append(Window(row["id"].value, row["w"].value,
                          "onset" if row["kind"].value.endswith("onsetWindow") else "resolution",
                          row["anchor"].value, days("lower"), days("upper"),
                          row["en"].value if "en" in row else "", row["ar"].value if "ar" in row else ""))
    return sorted(out, key=lambda w: (w.anchor, w.lower is None, w.lower or 0, w.upper or 0, w.claim, w.kind))


def _pairs(store: Store, query: str) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, query):
        found[row["a"].value].add(row["b"].value)
    return {key: sorted(values) for key, values in sorted(found.items())}


def read_explorer(store: Store) -> Explorer:
    """Everything the page shows, from the graph in `store` (its default graph)."""
    modality = {k: v[0] for k, v in _pairs(store, """SELECT ?a ?b WHERE {
        ?c a b12o:HealthClaim ; dcterms:identifier ?a ; b12o:modality ?b }""").items()}
    sources = {k: v[0] for k, v in _pairs(store, """SELECT ?a ?b WHERE {
        ?c a b12o:HealthClaim ; dcterms:identifier ?a ; b12o:attributedTo ?b }""").items()}
    manifestations = _pairs(store, """SELECT ?a ?b WHERE {
        ?c a b12o:HealthClaim ; dcterms:identifier ?a ; b12o:object ?o . ?o a b12o:Manifestation ;
           rdfs:subClassOf* ?b . FILTER(isIRI(?b)) }""")
    used = sorted({term for terms in manifestations.values() for term in terms})
    values = " ".join(f"<{term}>" for term in used)
    parents = _pairs(store, f"""SELECT ?a ?b WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }}
        ?a rdfs:subClassOf ?b . FILTER(?a != ?b) }}""") if used else {}
    source_facts: dict[str, list[tuple[str, Value]]] = defaultdict(list)
    for row in _rows(store, """SELECT DISTINCT ?s ?p ?o WHERE { ?c a b12o:HealthClaim ; b12o:attributedTo ?s .
            ?s ?p ?o . VALUES ?p { b12o:citedArticleStatus b12o:authorStatus skos:note } } ORDER BY ?s ?p ?o"""):
        source_facts[row["s"].value].append((row["p"].value, _value(row["o"])))
    return Explorer(
        documents=_documents(store), claims=_claims(store), labels=_labels(store), windows=_windows(store),
        age_groups=_pairs(store, """SELECT ?a ?b WHERE {
            ?c a b12o:HealthClaim ; dcterms:identifier ?a ; b12o:concernsAgeGroup ?b }"""),
        manifestations=manifestations, parents=parents, modality=modality, sources=sources,
        source_facts=dict(source_facts))
