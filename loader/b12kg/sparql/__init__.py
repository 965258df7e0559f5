"""SPARQL stage: the query library, parameters, engines, results and look-ups."""
