"""RDF stage: IRIs and terms, one claim to quads, and the import modules of the external terms."""
