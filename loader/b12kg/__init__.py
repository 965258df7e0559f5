"""b12kg: a knowledge graph of the claims a health document makes, with exact-quote provenance."""

__all__ = ["__version__"]

__version__ = "0.1.0"
