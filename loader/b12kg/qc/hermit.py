"""The one HermiT path: its command line (the jar owlready2 ships) on a graph with its imports closed offline."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse, serialize

from b12kg.errors import B12kgError, MissingPrerequisite
from b12kg.paths import ONTOLOGY_DIR
from b12kg.vocab import NS

__all__ = ["HermitReport", "run_hermit", "HERMIT_TIMEOUT"]

HERMIT_TIMEOUT = 600  # seconds; the release graph takes about two
_IMPORTS = NS["owl"] + "imports"
_ONTOLOGY = NS["owl"] + "Ontology"
_TYPE = NS["rdf"] + "type"
_FORMATS = {".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS, ".ttl": RdfFormat.TURTLE, ".owl": RdfFormat.RDF_XML}
# HermiT's CLI output (org.semanticweb.HermiT.cli.CommandLine): -c and -I write the taxonomy as functional-syntax
# axioms; -U writes "Classes equivalent to 'owl:Nothing':" and one tab-indented class per line.
_AXIOM = re.compile(r"^(SubClassOf|Type)\( <([^>]+)> <([^>]+)> \)$")
_NOTHING_HEADER = "Classes equivalent to 'owl:Nothing':"


@dataclass(frozen=True)
class HermitReport:
    """What HermiT found: consistency, unsatisfiable classes, and the direct taxonomy (empty if inconsistent)."""

    consistent: bool
    unsatisfiable: tuple[str, ...]
    seconds: float
    subclass: frozenset[tuple[str, str]] = field(default=frozenset())  # direct SubClassOf(child, parent)
    types: frozenset[tuple[str, str]] = field(default=frozenset())  # direct ClassAssertion(individual, class)


def _closed_input(graph_file: Path, imports_dir: Path, target: Path) -> None:
    """The graph as N-Triples without owl:imports, each imported module merged from imports_dir unless the graph
    holds it already (a release graph merges its modules; ontology/b12kg.owl only names them). HermiT would
    otherwise fetch the import IRIs from the web."""
    fmt = _FORMATS.get(graph_file.suffix)
    if fmt is None:
        raise B12kgError(f"{graph_file}: HermiT is run on N-Triples, N-Quads, Turtle or RDF/XML files",
                         fix=f"give a file ending in one of {', '.join(_FORMATS)}")
    quads = list(parse(path=str(graph_file), format=fmt))
    present = {q.subject.value for q in quads if q.predicate.value == _TYPE and q.object == NamedNode(_ONTOLOGY)}
    wanted = sorted({q.object.value for q in quads if q.predicate.value == _IMPORTS} - present)
    triples = [q.triple for q in quads if q.predicate.value != _IMPORTS]
    for iri in wanted:
        name = iri.rstrip("/").rsplit("/", 1)[-1]
        module = next((imports_dir / f"{name}{ext}" for ext in (".owl", ".ttl")
                       if (imports_dir / f"{name}{ext}").is_file()), None)
        if module is None:
            raise MissingPrerequisite(f"{graph_file} imports <{iri}>, and {imports_dir} has no {name}.owl or "
                                      f"{name}.ttl", fix="run `b12kg build` (it writes the import modules)")
        triples += [q.triple for q in parse(path=str(module), format=_FORMATS[module.suffix])
                    if q.predicate.value != _IMPORTS]
    with target.open("wb") as out:
        serialize(triples, out, format=RdfFormat.N_TRIPLES)


def _unsatisfiable(lines: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    if _NOTHING_HEADER in lines:
        for line in lines[lines.index(_NOTHING_HEADER) + 1:]:
            if not line.startswith("\t"):
                break
            name = line.strip()
            if name.startswith("<") and name.endswith(">") and name[1:-1] != NS["owl"] + "Nothing":
                found.append(name[1:-1])
    return tuple(sorted(found))


def run_hermit(graph_file: Path, imports_dir: Path | None = None) -> HermitReport:
    """Check consistency (-k), list unsatisfiable classes (-U) and classify classes and instances (-c -I).

    The command line of the HermiT jar that owlready2 ships, on an N-Triples copy of the graph with its imports
    closed from ``imports_dir`` (default ontology/imports). Both `b12kg validate` and `b12kg reason` use it.
    (owlready2's own Python view cannot hold terms used both as class and as individual — OWL 2 punning, which the
    graph uses for HPO terms — so HermiT's output is read directly.)
    """
    import owlready2

    java = shutil.which(owlready2.JAVA_EXE)
    if java is None:
        raise MissingPrerequisite("Java is not installed, and HermiT needs it",
                                  fix="apt-get install -y default-jre-headless, or use --engine owl-rl")
    hermit = Path(owlready2.__file__).parent / "hermit"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="b12kg-hermit-") as tmp:
        source, output = Path(tmp) / "input.nt", Path(tmp) / "hermit.txt"
        _closed_input(graph_file, imports_dir or ONTOLOGY_DIR / "imports", source)
        command = [java, "-Xmx2000M", "-cp", f"{hermit}:{hermit / 'HermiT.jar'}",
                   "org.semanticweb.HermiT.cli.CommandLine", "-k", "-U", "-c", "-I", "-o", str(output),
                   source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=HERMIT_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise B12kgError(f"HermiT took more than {HERMIT_TIMEOUT} s on {graph_file}",
                             fix="use --engine owl-rl, or look for a construct that makes the graph hard") from exc
        if done.returncode != 0:
            if "InconsistentOntologyException" in done.stderr:
                return HermitReport(False, (), time.monotonic() - started)
            raise B12kgError(f"HermiT failed on {graph_file}: {done.stderr.strip()[-800:]}",
                             fix="run `b12kg validate` to see whether the graph is inconsistent")
        lines = output.read_text(encoding="utf-8").splitlines()
    subclass: set[tuple[str, str]] = set()
    types: set[tuple[str, str]] = set()
    for line in lines:
        match = _AXIOM.match(line.strip())
        if match:
            (subclass if match.group(1) == "SubClassOf" else types).add((match.group(2), match.group(3)))
    return HermitReport(True, _unsatisfiable(lines), time.monotonic() - started, frozenset(subclass),
                        frozenset(types))
