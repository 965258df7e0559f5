"""Quality-control stage: IDs, SHACL shapes, HermiT reasoning and staleness of the committed outputs."""
