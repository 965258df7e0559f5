"""Notebook API: open the built graph, run a library query by name with parameters, get rows or a DataFrame.

>>> from b12kg.api import open_graph
>>> kg = open_graph()
>>> rows = kg.query("04-manifestations-by-age-group", age_group="NCIT:C27956")
>>> [(row["age_group_label"], row["hpo"], row["claims"]) for row in rows]
[('Infant', 'HP:0004305', 6), ('Infant', 'HP:0002310', 1)]
>>> kg.query("05", within_days=7)[0]["claim_id"]
'children-involuntary-movements-3-to-5-days-after-treatment'
>>> kg.query("05", within_days=7)[0]["lower_days"]
Decimal('3')
>>> "14-kinds-of-involuntary-movement" in kg.queries()
True
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from b12kg.errors import B12kgError
from b12kg.paths import GRAPHS_DIR, QUERIES_DIR
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.sparql.library import library_queries, prepare, query_edition, query_question
from b12kg.vocab import NS

__all__ = ["KnowledgeGraph", "Rows", "open_graph"]

_XSD = NS["xsd"]
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}


def _python(term: Any) -> Any:
    """An RDF term as a Python value: IRIs and strings as str, integers as int, decimals as Decimal, booleans."""
    if term is None:
        return None
    datatype = getattr(getattr(term, "datatype", None), "value", None)
    if datatype in _INTEGERS:
        return int(term.value)
    if datatype == _XSD + "decimal":
        return Decimal(term.value)
    if datatype == _XSD + "boolean":
        return term.value == "true"
    return term.value


class Rows(list[dict[str, Any]]):
    """Query answers: a list of {variable: value} dicts, in the query's order."""

    def __init__(self, variables: list[str], rows: list[dict[str, Any]]) -> None:
        super().__init__(rows)
        self.variables = variables

    def to_dataframe(self) -> Any:  # a pandas.DataFrame (pandas ships no types; pandas-stubs is separate)
        """The rows as a pandas DataFrame (pip install pandas, or b12kg[notebook]).

        >>> frame = open_graph().query("01").to_dataframe()
        >>> frame.loc[0, "hpo"], frame.loc[0, "label_en"], int(frame.loc[0, "claims"]), len(frame)
        ('HP:0004305', 'Involuntary movements', 7, 5)
        """
        try:
            import pandas
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe needs pandas: pip install pandas (or b12kg[notebook])") from exc
        return pandas.DataFrame(list(self), columns=self.variables)


class KnowledgeGraph:
    """The built graph in an embedded pyoxigraph store (with the inferred graph, for hierarchy questions)."""

    def __init__(self, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, edition: str = "rdf11",
                 location: Path | None = None) -> None:
        self._store = open_store(graphs_dir, inferred=inferred, edition=edition, location=location)
        self.edition = edition

    def queries(self) -> dict[str, str]:
        """Library query names and the question each answers.

        >>> open_graph().queries()["01-manifestations"][:40]
        'Which manifestations does the article li'
        """
        return {p.stem: query_question(p.read_text(encoding="utf-8")) for p in library_queries(QUERIES_DIR)}

    def query(self, query: str, **params: object) -> Rows:
        """Run a library query (name or number), a .rq file, or inline SPARQL; parameters bind as RDF terms.

        >>> open_graph().query("SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/b12kg/ontology#HealthClaim> }")
        [{'n': 35}]
        """
        _, sparql, _ = prepare(query, {name: str(value) for name, value in params.items()})
        if query_edition(sparql) == "rdf12" and self.edition != "rdf12":
            raise B12kgError("this query needs the RDF 1.2 edition (its header says '# Edition: RDF 1.2')",
                             fix="open_graph(edition='rdf12')")
        answer = run_sparql(self._store, sparql)
        if answer.boolean is not None:
            return Rows(["boolean"], [{"boolean": answer.boolean}])
        return Rows(answer.variables,
                    [dict(zip(answer.variables, map(_python, row), strict=True)) for row in answer.rows])


def open_graph(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, edition: str = "rdf11",
               location: Path | None = None) -> KnowledgeGraph:
    """Open the built graph (the project's graphs/, or the copy inside an installed package); ``edition="rdf12"``
    opens the RDF 1.2 edition (each direct triple reified by its claim), which queries 29-31 need. The store is in
    memory, or on disk in the folder ``location`` (for releases too large for memory: loaded once, then reused)."""
    return KnowledgeGraph(graphs_dir, inferred=inferred, edition=edition, location=location)
