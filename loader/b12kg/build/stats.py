"""Stats stage: figures about the built graph, computed by SPARQL on the embedded store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Store

from b12kg.paths import GRAPHS_DIR
from b12kg.rdf.terms import value_of
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, EXAMPLES_GRAPH, INFERRED_GRAPH, sparql_prefixes

__all__ = ["GraphStats", "graph_stats", "format_stats"]

_PREFIXES = sparql_prefixes(("b12o", "rdfs", "obo"))  # from the one prefix map


@dataclass
class GraphStats:
    triples: int
    quads: int
    named_graphs: int
    claims: int
    by_modality: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    terms_by_ontology: dict[str, int] = field(default_factory=dict)


def _pairs(store: Store, sparql: str) -> dict[str, int]:
    answer = run_sparql(store, _PREFIXES + sparql)
    return {value_of(row[0]): int(value_of(row[1])) for row in answer.rows}


def graph_stats(graphs_dir: Path = GRAPHS_DIR) -> GraphStats:
    store = open_store(graphs_dir)
    count = run_sparql(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    # the release's own quads and named graphs (b12kg.nq), not the store layout's copies of them (b12kg.vocab)
    layout = {ASSERTED_GRAPH, INFERRED_GRAPH, CATALOG_GRAPH, EXAMPLES_GRAPH}
    own = [g for g in store.named_graphs() if value_of(g) not in layout]
    quads = int(value_of(count)) + sum(len(list(store.quads_for_pattern(None, None, None, g))) for g in own)
    graphs = len(own)
    claims = run_sparql(store, _PREFIXES + "SELECT (COUNT(?c) AS ?n) WHERE { ?c a b12o:HealthClaim }").rows[0][0]
    by_modality = _pairs(store, """SELECT ?label (COUNT(?c) AS ?n) WHERE {
        ?c b12o:modality ?m . ?m rdfs:label ?label . FILTER(LANG(?label) = "en") } GROUP BY ?label ORDER BY ?label""")
    by_source = _pairs(store, """SELECT ?label (COUNT(?c) AS ?n) WHERE {
        ?c b12o:attributedTo ?s . ?s rdfs:label ?label . FILTER(LANG(?label) = "en") }
        GROUP BY ?label ORDER BY ?label""")
    terms = _pairs(store, """SELECT ?ontology (COUNT(DISTINCT ?t) AS ?n) WHERE {
        ?t a ?class .
        FILTER(STRSTARTS(STR(?class), STR(b12o:)))
        FILTER(?class NOT IN (b12o:HealthClaim, b12o:Sentence, b12o:TextEvidence, b12o:TimeWindow, b12o:Frequency,
               b12o:DocumentSection, b12o:CuratorInference, b12o:SourceDocument, b12o:JournalIssue, b12o:Journal,
               b12o:Modality, b12o:AnchorEvent, b12o:IdentificationStatus, b12o:Relation, b12o:EvidenceType))
        BIND(IF(STRSTARTS(STR(?t), STR(obo:)),
                STRBEFORE(STRAFTER(STR(?t), STR(obo:)), "_"),
                "b12 (local, no verified ID)") AS ?ontology)
    } GROUP BY ?ontology ORDER BY ?ontology""")
    return GraphStats(int(value_of(count)), quads, graphs, int(value_of(claims)), by_modality, by_source, terms)


def format_stats(stats: GraphStats) -> str:
    lines = [f"triples (default graph): {stats.triples}", f"quads (all graphs):      {stats.quads}",
             f"named graphs:            {stats.named_graphs}", f"claims:                  {stats.claims}"]
    for title, table in (("claims by modality", stats.by_modality), ("claims by source", stats.by_source),
                         ("terms by ontology", stats.terms_by_ontology)):
        lines.append(f"{title}:")
        width = max((len(k) for k in table), default=0)
        lines += [f"  {k.ljust(width)}  {v}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
