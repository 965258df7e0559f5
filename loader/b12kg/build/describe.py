"""Describe stage: VoID, DCAT 3 and SPARQL Service Description of the built dataset, with computed figures."""

from __future__ import annotations

import datetime
import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg import __version__
from b12kg.build.parts import merge_lines
from b12kg.build.stream import Figures
from b12kg.build.writers import SORT_CHUNK, Row, SortedLines, spilled_rows, write_turtle
from b12kg.errors import B12kgError
from b12kg.paths import PROJECT
from b12kg.vocab import ASSERTED_GRAPH, BASE, ID, NS, ONTOLOGY_IRI

__all__ = ["Release", "FileFacts", "read_release", "describe", "named_graph_quads", "distribution",
           "UNREGISTERED_FORMATS", "DESCRIPTION_FILE", "MEDIA_TYPES", "DOWNLOAD_BASE", "SERVE_ENDPOINT",
           "write_description"]

DESCRIPTION_FILE = "b12kg.void.ttl"
CHANGELOG = PROJECT / "CHANGELOG.md"
# Where a release's files are published: the dated release folder under the project's w3id base.
DOWNLOAD_BASE = BASE + "releases/"
# The query URL `b12kg serve` prints with its defaults (127.0.0.1, port 7878; see cli.serve).
SERVE_ENDPOINT = "http://127.0.0.1:7878/query"

VOID, DCAT, SD, SPDX = NS["void"], NS["dcat"], NS["sd"], NS["spdx"]
FORMATS = "http://www.w3.org/ns/formats/"
IANA = "https://www.iana.org/assignments/media-types/"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
MIT = "http://spdx.org/licenses/MIT"  # SPDX licence list IRI for the MIT licence

# Registered media types (IANA) of the files the build writes.
MEDIA_TYPES = {
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".ttl": "text/turtle",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".owl": "application/rdf+xml",
    ".tsv": "text/tab-separated-values",
    ".html": "text/html",
    ".hpoa": "text/tab-separated-values",
    ".md": "text/markdown",
    ".json": "application/json",  # the build record (b12kg.build.manifest), described in a release
}
UNREGISTERED_FORMATS = {".jsonl": "JSON Lines (https://jsonlines.org/)"}

# ASCII digits only ([0-9]: Python's \d also matches Arabic-Indic and other Unicode digits).
_RELEASE_LINE = re.compile(r"^## \[(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\] - (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})\s*$")
_ANY_VERSION_LINE = re.compile(r"^## \[")


@dataclass(frozen=True)
class Release:
    """The newest released version in CHANGELOG.md and its date: the version and issued date of the graph."""

    version: str
    date: str

    @property
    def folder(self) -> str:
        """The release folder's name: dated (so folders sort by time) and versioned (two a day stay apart)."""
        return f"{self.date}-v{self.version}"

    @property
    def download_base(self) -> str:
        return f"{DOWNLOAD_BASE}{self.folder}/"


def read_release(changelog: Path = CHANGELOG, *, ontology_version: str | None = None) -> Release:
    """The first `## [X.Y.Z] - YYYY-MM-DD` heading of the changelog, checked against the release's version.

    pyproject.toml's [project] version is the one source (b12kg.__version__ derives from it); the changelog's
    newest heading and the ontology's owl:versionInfo are checked against it here.
    """
    try:
        lines = changelog.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        at = changelog.read_bytes()[:exc.start].count(b"\n") + 1
        raise B12kgError(f"{changelog}:{at}: the changelog is not UTF-8 ({exc.reason} at byte {exc.start})",
                         fix="save CHANGELOG.md as UTF-8") from exc
    except OSError as exc:
        raise B12kgError(f"{changelog}: cannot read the changelog: {exc}",
                         fix="keep CHANGELOG.md (Keep a Changelog form) at the project root") from exc
    for number, line in enumerate(lines, start=1):
        if not _ANY_VERSION_LINE.match(line) or line.startswith("## [Unreleased]"):
            continue
        match = _RELEASE_LINE.match(line)
        if match is None:
            raise B12kgError(f"{changelog}:{number}: release heading {line!r} is not `## [X.Y.Z] - YYYY-MM-DD`",
                             fix="write the heading as in Keep a Changelog, e.g. `## [0.1.0] - 2026-11-27`")
        try:
            datetime.date.fromisoformat(match["date"])
        except ValueError as exc:
            raise B12kgError(f"{changelog}:{number}: release date {match['date']} is not a calendar date ({exc})",
                             fix="write the release date as YYYY-MM-DD, a real day") from exc
        release = Release(match["version"], match["date"])
        pyproject = changelog.parent / "pyproject.toml"
        for what, version in ((f"{pyproject}:{_version_line(pyproject)}: [project] version",
                               _pyproject_version(pyproject)),
                              ("b12kg.__version__ (the installed package's metadata)", __version__),
                              ("the ontology's owl:versionInfo", ontology_version)):
            if version is not None and version != release.version:
                raise B12kgError(f"{changelog}:{number}: newest release {release.version} but {what} is {version}",
                                 fix="pyproject.toml's [project] version is the release's version: give the "
                                     "changelog's newest heading and ontology/b12kg.ttl (owl:versionInfo, "
                                     "owl:versionIRI) the same one (and reinstall an installed package)")
        return release
    raise B12kgError(f"{changelog}: no release heading `## [X.Y.Z] - YYYY-MM-DD`",
                     fix="add the release being built to CHANGELOG.md")


def _pyproject_version(path: Path) -> str | None:
    """The [project] version of the pyproject.toml beside the changelog (a checkout), or None (an installed
    wheel carries no pyproject.toml)."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise B12kgError(f"{path}: cannot read it: {exc}", fix="correct pyproject.toml (TOML, UTF-8)") from exc
    version = data.get("project", {}).get("version") if isinstance(data.get("project"), dict) else None
    if not isinstance(version, str):
        raise B12kgError(f"{path}: no [project] version", fix="set version = \"X.Y.Z\" under [project]")
    return version


def _version_line(path: Path) -> int:
    """The line of the `version =` key in pyproject.toml's [project] table (1 when it cannot be found)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    table = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped
        elif table == "[project]" and re.match(r"version\s*=", stripped):
            return number
    return 1


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_n(NS["xsd"] + "integer"))


def _vocabulary(iri: str) -> str | None:
    """The vocabulary an IRI belongs to: a known namespace, an OBO ontology PURL, or None for our own data."""
    if iri.startswith(NS["obo"]):
        local = iri[len(NS["obo"]):]
        return f"{NS['obo']}{local.split('_', 1)[0].lower()}.owl" if "_" in local else None
    if iri.startswith(ID):
        return None
    if iri.startswith(NS["b12o"]):
        return ONTOLOGY_IRI
    for ns in NS.values():
        if iri.startswith(ns):
            return ns
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else None


def _key(iri: str) -> str:
    return hashlib.sha256(iri.encode("utf-8")).hexdigest()[:12]


def describe(figures: Figures, *, objects: SortedLines, release: Release, files: dict[str, FileFacts],
             named_graphs: Iterable[tuple[str, int | None]]) -> Iterator[Quad]:
    """VoID + DCAT + SD quads for the default graph's figures (counted by b12kg.build.stream while it wrote the
    graph), its distinct objects (sorted, in memory or on disk), the files written and the named graphs."""
    rdf_type, g = _n(NS["rdf"] + "type"), DefaultGraph()
    dataset = _n(ID + "dataset")

    def q(s: NamedNode, p: str, o: NamedNode | Literal) -> Quad:
        return Quad(s, _n(p), o, g)

    triple_count, subject_count, entity_count = figures.triples, figures.subjects, figures.entities
    properties, classes, examples = figures.properties, figures.classes, figures.examples

    yield q(dataset, rdf_type.value, _n(VOID + "Dataset"))
    yield q(dataset, rdf_type.value, _n(DCAT + "Dataset"))
    yield q(dataset, NS["dcterms"] + "title", Literal("b12kg: claims of a health article on vitamin B12 deficiency "
                                                      "and involuntary movements", language="en"))
    yield q(dataset, NS["dcterms"] + "title", Literal("b12kg: ادعاءات مقالة صحية عن نقص فيتامين ب 12 والحركات "
                                                      "غير الطوعية", language="ar"))
    yield q(dataset, NS["dcterms"] + "description", Literal(
        "Every claim of the source article as a statement node with its qualifiers (age group, frequency, time "
        "windows, body sites, modality), who asserts it, and the exact Arabic quote behind it.", language="en"))
    yield q(dataset, NS["dcterms"] + "license", _n(CC_BY))
    yield q(dataset, NS["dcterms"] + "rights", Literal(
        "Graph data and ontology: CC BY 4.0. Code (b12kg): MIT. The quoted Arabic source text is third-party text, "
        "quoted for provenance only; its rights stay with its publisher (graphs/curated/sources/README.md).",
        language="en"))
    yield q(dataset, NS["dcterms"] + "issued", Literal(release.date, datatype=_n(NS["xsd"] + "date")))
    yield q(dataset, DCAT + "version", Literal(release.version))
    yield q(dataset, NS["dcterms"] + "conformsTo", _n(ONTOLOGY_IRI))
    yield q(dataset, NS["rdfs"] + "comment", Literal(
        "The VoID figures count the default graph (b12kg.nt); the N-Quads and TriG dumps add two named graphs per "
        "claim (assertion and provenance), listed with their sizes in the service description.", language="en"))
    yield q(dataset, VOID + "uriSpace", Literal(ID))
    yield q(dataset, VOID + "triples", _int(triple_count))
    yield q(dataset, VOID + "distinctSubjects", _int(subject_count))
    yield q(dataset, VOID + "distinctObjects", _int(len(objects)))
    yield q(dataset, VOID + "properties", _int(len(properties)))
    yield q(dataset, VOID + "classes", _int(len(classes)))
    yield q(dataset, VOID + "entities", _int(entity_count))
    for example in examples:
        yield q(dataset, VOID + "exampleResource", _n(example))
    # vocabularies of the properties and classes, and the OBO ontologies whose terms are values (HPO, UBERON ...)
    vocabularies = {_vocabulary(p[1:-1]) for p in properties} | {_vocabulary(c[1:-1]) for c in classes} | \
        {_vocabulary(o[1:-1]) for o in objects if o.startswith(f"<{NS['obo']}")}  # sorted: one pass
    for vocabulary in sorted(v for v in vocabularies if v):
        yield q(dataset, VOID + "vocabulary", _n(vocabulary))
    for cls, members in classes.items():
        part = _n(f"{ID}dataset/class-partition/{_key(cls)}")
        yield q(dataset, VOID + "classPartition", part)
        yield q(part, VOID + "class", _n(cls[1:-1]))
        yield q(part, VOID + "entities", _int(members))
    for prop, count in properties.items():
        part = _n(f"{ID}dataset/property-partition/{_key(prop)}")
        yield q(dataset, VOID + "propertyPartition", part)
        yield q(part, VOID + "property", _n(prop[1:-1]))
        yield q(part, VOID + "triples", _int(count))

    software = _n(ID + "software/b12kg")
    yield q(software, rdf_type.value, _n(NS["prov"] + "SoftwareAgent"))
    yield q(software, NS["rdfs"] + "label", Literal(f"b12kg {__version__} (the build software)", language="en"))
    yield q(software, NS["dcterms"] + "license", _n(MIT))
    yield q(dataset, NS["prov"] + "wasAttributedTo", software)

    for name, facts in sorted(files.items()):
        yield from distribution(name, facts, release=release)
        if name.endswith((".nt", ".nq")) and ".rdf12." not in name:  # RDF 1.1 dumps (VoID readers parse them)
            yield q(dataset, VOID + "dataDump", _n(release.download_base + name))

    service = _n(ID + "dataset/service")
    yield q(service, rdf_type.value, _n(SD + "Service"))
    yield q(service, NS["rdfs"] + "comment", Literal(
        "The read-only SPARQL 1.1 endpoint of `b12kg serve` (Oxigraph server) with its default host and port; "
        "--host/--port change the URL. It holds the store layout every engine holds: the named graphs "
        f"<{ASSERTED_GRAPH}> (the release's default graph), <…/graph/inferred> "
        "(b12kg-inferred.nt), <…/graph/catalog> and each claim's assertion and provenance graphs; its default graph "
        "is the asserted graph alone.", language="en"))
    yield q(service, SD + "endpoint", _n(SERVE_ENDPOINT))
    yield q(service, SD + "supportedLanguage", _n(SD + "SPARQL11Query"))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "N-Triples", "Turtle"):
        yield q(service, SD + "resultFormat", _n(FORMATS + fmt))
    served = _n(ID + "dataset/service/dataset")
    yield q(service, SD + "defaultDataset", served)
    yield q(served, rdf_type.value, _n(SD + "Dataset"))
    default = _n(ID + "dataset/service/default-graph")
    yield q(served, SD + "defaultGraph", default)
    yield q(default, rdf_type.value, _n(SD + "Graph"))
    yield q(default, NS["prov"] + "wasDerivedFrom", dataset)
    yield from named_graph_quads(named_graphs)


def named_graph_quads(named_graphs: Iterable[tuple[str, int | None]]) -> Iterator[Quad]:
    """The service description's entry for each named graph (its IRI and, when known, its size); `describe` gives
    them too, and a build writes most of them apart (on another core) and merges them in."""
    g, rdf_type = DefaultGraph(), _n(NS["rdf"] + "type")
    served = _n(ID + "dataset/service/dataset")
    has_graph, graph_type, named_type = _n(SD + "namedGraph"), _n(SD + "Graph"), _n(SD + "NamedGraph")
    name_of, graph_of, triples = _n(SD + "name"), _n(SD + "graph"), _n(VOID + "triples")
    for name, size in named_graphs:
        key = _key(name)
        entry = _n(f"{ID}dataset/service/named-graph/{key}")
        graph = _n(f"{ID}dataset/service/named-graph/{key}/graph")
        yield Quad(served, has_graph, entry, g)
        yield Quad(entry, rdf_type, named_type, g)
        yield Quad(entry, name_of, _n(name), g)
        yield Quad(entry, graph_of, graph, g)
        yield Quad(graph, rdf_type, graph_type, g)
        if size is not None:
            yield Quad(graph, triples, _int(size), g)


@dataclass(frozen=True)
class FileFacts:
    """What a distribution states about its file: size in bytes and SHA-256."""

    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileFacts:
        """Read in blocks, so that describing a large dump does not hold it in memory."""
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        return cls(size, digest.hexdigest())


def distribution(name: str, facts: FileFacts, *, release: Release) -> Iterator[Quad]:
    """One DCAT distribution of the dataset: a file of the release, its size, checksum, type and licence."""
    g, rdf_type = DefaultGraph(), NS["rdf"] + "type"
    dist = _n(f"{ID}dataset/distribution/{name}")
    xsd = NS["xsd"]
    yield Quad(_n(ID + "dataset"), _n(DCAT + "distribution"), dist, g)
    yield Quad(dist, _n(rdf_type), _n(DCAT + "Distribution"), g)
    yield Quad(dist, _n(NS["dcterms"] + "title"), Literal(name), g)
    yield Quad(dist, _n(DCAT + "downloadURL"), _n(release.download_base + name), g)
    inner = Path(name[:-3]) if name.endswith(".gz") else Path(name)
    if name.endswith(".gz"):
        yield Quad(dist, _n(DCAT + "compressFormat"), _n(IANA + "application/gzip"), g)
    if inner.suffix in MEDIA_TYPES:
        yield Quad(dist, _n(DCAT + "mediaType"), _n(IANA + MEDIA_TYPES[inner.suffix]), g)
    else:  # no registered media type (JSON Lines): say the format in words
        yield Quad(dist, _n(NS["dcterms"] + "format"), Literal(UNREGISTERED_FORMATS[inner.suffix]), g)
    yield Quad(dist, _n(DCAT + "byteSize"), Literal(str(facts.size), datatype=_n(xsd + "nonNegativeInteger")), g)
    yield Quad(dist, _n(NS["dcterms"] + "license"), _n(CC_BY), g)
    yield Quad(dist, _n(NS["dcterms"] + "issued"), Literal(release.date, datatype=_n(xsd + "date")), g)
    checksum = _n(f"{ID}dataset/distribution/{name}/sha256")
    yield Quad(dist, _n(SPDX + "checksum"), checksum, g)
    yield Quad(checksum, _n(rdf_type), _n(SPDX + "Checksum"), g)
    yield Quad(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256"), g)
    yield Quad(checksum, _n(SPDX + "checksumValue"), Literal(facts.sha256, datatype=_n(xsd + "hexBinary")), g)


def write_description(out: IO[str], quads: Iterable[Quad], header: Sequence[str], *,
                      workdir: Path | None = None, chunk: int = SORT_CHUNK, sorted_lines: Path | None = None) -> None:
    """Turtle of the description in canonical order (two builds give the same bytes), sorted within the budget;
    `sorted_lines`: more of it, already sorted as "s p o g" lines (the named graphs' entries, made apart)."""
    rows: Iterable[Row] = spilled_rows(quads, workdir=workdir, chunk=chunk)
    if sorted_lines is not None:
        mine = (f"{row.s} {row.p} {row.o} {row.g}\n" for row in rows)
        rows = (_row(line) for line in merge_lines([sorted_lines], first=mine))
    write_turtle(out, rows, header)


def _row(line: str) -> Row:
    s, p, rest = line.split(" ", 2)
    o, g = rest[:-1].rsplit(" ", 1)
    return Row(s, p, o, g)
