"""Run the b12kg command line as ``python -m b12kg``."""

from b12kg.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
