"""Build stage: writers of every format, atomic outputs, the dataset description, the ontology docs, releases."""
