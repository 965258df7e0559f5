"""The query library as RDF: one SPARQL example per .rq file, the SIB `sparql-examples` way (SHACL executables)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg.paths import QUERIES_DIR
from b12kg.sparql.engines import dataset_query
from b12kg.sparql.library import library_queries, needs_inferred, query_edition, query_question, query_question_ar
from b12kg.vocab import ID, NS

__all__ = ["EXAMPLES_FILE", "EXAMPLE_BASE", "SH", "SCHEMA", "EXECUTABLES", "example_iri",
           "example_text", "example_keywords", "example_quads"]

EXAMPLES_FILE = "b12kg.examples.ttl"  # written by `b12kg build` into graphs/, loaded into its own named graph
EXAMPLE_BASE = ID + "sparql-examples/"
# The convention (https://github.com/sib-swiss/sparql-examples, README): each query is an sh:SPARQLExecutable and
# an sh:SPARQLSelectExecutable (or Ask/Construct/Describe) with its text in sh:select (sh:ask, sh:construct), its
# question in rdfs:comment, schema:keywords, schema:target the endpoint, and sh:prefixes its prefix declarations
# (SHACL §5.2.1: sh:declare nodes with sh:prefix and sh:namespace). SIB declares the prefixes on a blank node;
# here it is an IRI, because a release graph holds no blank nodes (b12kg.store.release).
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
# query form -> (executable class, property holding the text); DESCRIBE as SIB's spex:describe
_SPEX = "https://purl.expasy.org/sparql-examples/ontology#"
EXECUTABLES = {"SELECT": (SH + "SPARQLSelectExecutable", SH + "select"),
               "ASK": (SH + "SPARQLAskExecutable", SH + "ask"),
               "CONSTRUCT": (SH + "SPARQLConstructExecutable", SH + "construct"),
               "DESCRIBE": (_SPEX + "SPARQLDescribeExecutable", _SPEX + "describe")}
_PREFIX = re.compile(r"^PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]+)>", re.I | re.M)
_FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I | re.M)
# schema:keywords: a topic for each vocabulary term the query uses (b12kg's ontology, Web Annotation, HPO ...)
_TOPICS = (("AgeGroup", "age group"), ("concernsAgeGroup", "age group"), ("population", "population"),
           ("modality", "modality"), ("hedgeText", "hedge"), ("onsetWindow", "time window"),
           ("resolutionWindow", "time window"), ("frequency", "frequency"), ("oa:", "exact quote"),
           ("hasEvidence", "evidence"), ("evidenceCode", "evidence"), ("attributedTo", "source"),
           ("JournalIssue", "cited journal issue"), ("statedInSentence", "source sentence"),
           ("b12o:Sentence", "source sentence"), ("Manifestation", "manifestation"), ("HP_", "HPO"),
           ("bodySite", "body site"), ("UBERON_", "anatomy"), ("flag", "curator flag"),
           ("CuratorInference", "curator inference"), ("curatorInference", "curator inference"),
           ("RO_0002200", "has phenotype"), ("rdfs:subClassOf", "class hierarchy"), ("altLabel", "Arabic phrasing"),
           ("conditionSeverity", "severity"), ("conditionDuration", "duration"), ("qualifierText", "qualifier"),
           ("editorialNote", "curator note"), ("curatorReference", "curator reference"), ("hasComponent", "cause"),
           ("setting", "setting"))


def example_iri(path: Path) -> str:
    """The example's IRI: https://w3id.org/b12kg/id/sparql-examples/NN-slug."""
    return EXAMPLE_BASE + path.stem


def example_text(sparql: str) -> str:
    """The query as an example carries it: without its header comments, with FROM clauses naming the graphs of
    the store layout (so it answers the same on every store `b12kg load` or `b12kg serve` filled)."""
    body = sparql.split("\n")
    while body and body[0].startswith("#"):
        body.pop(0)
    return dataset_query("\n".join(body).strip() + "\n", inferred=needs_inferred(sparql))


def example_keywords(sparql: str) -> list[str]:
    """schema:keywords: the topics of the vocabulary terms the query uses, and what it needs (inferred graph,
    RDF 1.2 edition)."""
    code = "\n".join(line.split("#", 1)[0] for line in sparql.splitlines())
    words = {topic for term, topic in _TOPICS if term in code}
    if needs_inferred(sparql):
        words.add("inferred graph")
    if query_edition(sparql) == "rdf12":
        words |= {"RDF 1.2", "triple term"}
    return sorted(words)


def example_quads(queries_dir: Path = QUERIES_DIR, *, endpoint: str) -> Iterator[Quad]:
    """Every library query as a SPARQL example, and the prefix declarations they share."""
    g = DefaultGraph()
    rdf_type, comment = NamedNode(NS["rdf"] + "type"), NamedNode(NS["rdfs"] + "comment")
    prefixes_node = NamedNode(EXAMPLE_BASE + "prefixes")
    declared: dict[str, str] = {}
    for path in library_queries(queries_dir, rdf12=True):
        sparql = path.read_text(encoding="utf-8")
        text = example_text(sparql)
        form = _FORM.search("\n".join(line.split("#", 1)[0] for line in text.splitlines()))
        if form is None:
            raise ValueError(f"{path}: no SELECT, ASK, CONSTRUCT or DESCRIBE")
        cls, prop = EXECUTABLES[form.group(1).upper()]
        example = NamedNode(example_iri(path))
        yield Quad(example, rdf_type, NamedNode(SH + "SPARQLExecutable"), g)
        yield Quad(example, rdf_type, NamedNode(cls), g)
        yield Quad(example, NamedNode(prop), Literal(text), g)
        yield Quad(example, NamedNode(NS["dcterms"] + "identifier"), Literal(path.stem), g)
        yield Quad(example, comment, Literal(query_question(sparql), language="en"), g)
        arabic = query_question_ar(sparql)
        if arabic:
            yield Quad(example, comment, Literal(arabic, language="ar"), g)
        for word in example_keywords(sparql):
            yield Quad(example, NamedNode(SCHEMA + "keywords"), Literal(word), g)
        yield Quad(example, NamedNode(SCHEMA + "target"), NamedNode(endpoint), g)
        yield Quad(example, NamedNode(SH + "prefixes"), prefixes_node, g)
        for prefix, namespace in _PREFIX.findall(sparql):
            if declared.setdefault(prefix, namespace) != namespace:
                raise ValueError(f"{path}: PREFIX {prefix}: <{namespace}> differs from another query's "
                                 f"<{declared[prefix]}> (the examples share one set of prefix declarations)")
    for prefix, namespace in sorted(declared.items()):
        node = NamedNode(f"{EXAMPLE_BASE}prefixes/{prefix or 'default'}")
        yield Quad(prefixes_node, NamedNode(SH + "declare"), node, g)
        yield Quad(node, NamedNode(SH + "prefix"), Literal(prefix), g)
        yield Quad(node, NamedNode(SH + "namespace"), Literal(namespace, datatype=NamedNode(NS["xsd"] + "anyURI")), g)
