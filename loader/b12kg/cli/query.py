"""The query-stage commands: query (the library, a .rq file or inline SPARQL) and describe (one term or claim)."""

from __future__ import annotations

from pathlib import Path

import click

from b12kg.cli.group import fail, main, seconds
from b12kg.errors import B12kgError
from b12kg.paths import GRAPHS_DIR

__all__ = ["query", "describe_command"]


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """--param NAME=VALUE pairs as a mapping; a malformed pair or a name given twice is a usage error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        if name in values:
            raise click.BadParameter(f"{name} is given twice ({values[name]!r} and {value!r}); give each parameter "
                                     "once", param_hint="--param")
        values[name] = value
    return values


@main.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for a parameter the query declares ('# Param:' in its header); bound as an RDF term "
                   "through VALUES, never pasted into the query. Repeat for several.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "turtle", "ntriples", "jsonld"]),
              default="table", show_default=True,
              help="SELECT/ASK: table (aligned, IRIs shortened), csv, or json (SPARQL 1.1 results JSON); "
                   "CONSTRUCT/DESCRIBE: turtle (also for table), ntriples or jsonld.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Send the query to this SPARQL 1.1 endpoint (through SPARQLWrapper) instead of the embedded store.")
@click.option("--timeout", type=float, default=60.0, show_default=True, callback=seconds,
              help="Seconds to wait for an endpoint (at least 1).")
@click.option("--inferred/--asserted", "inferred", default=None,
              help="Add the reasoner's inferences (graphs/b12kg-inferred.nt) to the embedded store, or not "
                   "[default: as the query's 'Needs:' header says].")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="In-process engine: pyoxigraph (fast), or rdflib (slow; keeps literals as the data writes them, "
                   "used to compute the library's expected .srj files).")
@click.option("--edition", type=click.Choice(["rdf11", "rdf12"]), default=None,
              help="Which edition of the graph the embedded store holds: rdf11 (b12kg.nq) or rdf12 (b12kg.rdf12.nq: "
                   "each direct triple reified by its claim, Arabic literals with @ar--rtl; pyoxigraph only) "
                   "[default: rdf12 for a query whose header says '# Edition: RDF 1.2', else rdf11].")
@click.option("--store-location", "location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the embedded store on disk in this folder instead of in memory (for releases too large for "
                   "memory): loaded from the graphs on first use, reused while they are unchanged.")
def query(*, query: str, params: tuple[str, ...], fmt: str, endpoint: str | None, timeout: float,
          inferred: bool | None, graphs_dir: Path, engine: str, edition: str | None, location: Path | None) -> None:
    """Run QUERY on the built graph in the embedded store (pyoxigraph), or on a SPARQL endpoint.

    QUERY is a .rq file, the name or number of a query in queries/ (e.g. 01), or inline SPARQL.

    \b
    Examples:
      b12kg query 04 --param age_group=obo:NCIT_C27956
      b12kg query 05 --param within_days=30 --format csv
      b12kg query queries/01-manifestations.rq --endpoint http://127.0.0.1:7878/query
    """
    from b12kg.sparql.answers import format_answer
    from b12kg.sparql.engines import dataset_query, open_store, run_rdflib, run_remote, run_sparql
    from b12kg.sparql.library import prepare, query_edition

    try:
        name, text, needs = prepare(query, _parse_params(params))
        edition = edition or query_edition(text)
        if edition == "rdf12" and engine == "rdflib" and not endpoint:
            raise B12kgError("rdflib cannot read the RDF 1.2 edition (triple terms, base directions)",
                             fix="use --engine oxigraph, or --edition rdf11 for a query that does not need RDF 1.2")
        if name != "inline" and (endpoint or engine == "oxigraph"):
            # a library or .rq file: the one text that answers alike on every engine holding the store layout
            text = dataset_query(text, inferred=needs if inferred is None else inferred)
        if endpoint:
            answer = run_remote(endpoint, text, timeout=timeout)
        elif engine == "rdflib":
            answer = run_rdflib(graphs_dir, text, inferred=needs if inferred is None else inferred)
        else:
            answer = run_sparql(open_store(graphs_dir, inferred=needs if inferred is None else inferred,
                                           edition=edition, location=location), text)
        output = format_answer(answer, fmt)
    except B12kgError as exc:
        fail(exc)
        return
    click.echo(output, nl=False)


@main.command(name="describe")
@click.argument("subject")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "ntriples", "jsonld"]), default="text",
              show_default=True, help="text: a readable card per claim; or the statements as RDF.")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def describe_command(*, subject: str, fmt: str, graphs_dir: Path) -> None:
    """Everything the graph says about SUBJECT: a term (CURIE or IRI) with its labels, IDs and every claim about
    it, quote and qualifiers included; or one claim (its id).

    \b
    Examples:
      b12kg describe HP:0001337
      b12kg describe children-tremors
      b12kg describe obo:NCIT_C27956 --format turtle
    """
    from b12kg.sparql.lookup import describe_subject, format_description

    try:
        click.echo(format_description(describe_subject(subject, graphs_dir=graphs_dir), fmt), nl=False)
    except B12kgError as exc:
        fail(exc)
