"""Explorer stage: a static site showing every claim in its source text, built from the graph."""
