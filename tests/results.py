"""Comparing SPARQL results across engines: the package's own rule (b12kg.sparql.compare.normalise_results)."""

from __future__ import annotations

from b12kg.sparql.compare import normalise_results

__all__ = ["normalise"]


def normalise(bindings: list[dict[str, dict[str, str]]], variables: list[str]) -> list[tuple]:
    return normalise_results({"results": {"bindings": bindings}}, variables)
