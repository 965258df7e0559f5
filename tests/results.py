"""The query library's manifest entries, and comparing SPARQL results across engines (b12kg.sparql.compare)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import rdflib
import rdflib.collection

from b12kg.paths import QUERIES_DIR
from b12kg.sparql.compare import normalise_results

__all__ = ["ManifestEntry", "manifest_entries", "normalise"]

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")


class ManifestEntry(NamedTuple):
    """One mf:QueryEvaluationTest of queries/manifest.ttl: its name, query file, data file names and result file."""

    name: str
    query: Path
    data: tuple[str, ...]
    result: Path


def manifest_entries() -> list[ManifestEntry]:
    """The entries of queries/manifest.ttl (W3C SPARQL test-manifest vocabulary), in manifest order."""
    base = QUERIES_DIR.as_uri() + "/"
    graph = rdflib.Graph().parse(QUERIES_DIR / "manifest.ttl", format="turtle", publicID=base + "manifest.ttl")
    (manifest,) = graph.subjects(rdflib.RDF.type, MF.Manifest)
    entries = []
    for entry in rdflib.collection.Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        entries.append(ManifestEntry(
            str(graph.value(entry, MF.name)),
            Path(str(graph.value(action, QT.query)).removeprefix("file://")),
            tuple(sorted(Path(str(d)).name for d in graph.objects(action, QT.data))),
            Path(str(graph.value(entry, MF.result)).removeprefix("file://"))))
    return entries


def normalise(bindings: list[dict[str, dict[str, str]]], variables: list[str]) -> list[tuple]:
    return normalise_results({"results": {"bindings": bindings}}, variables)
