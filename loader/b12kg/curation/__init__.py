"""Curation stage: the curated claims files, read and checked (the records the rest of the pipeline uses)."""
