"""Export stage: HPO annotations, KGX (Biolink) and nanopublications."""
