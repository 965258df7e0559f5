"""b12kg: a knowledge graph of the claims a health document makes, with exact-quote provenance."""

from __future__ import annotations

__all__ = ["__version__"]


def _version() -> str:
    """The release's version, whose one source is pyproject.toml's [project] version.

    In a checkout it is read from the file (an editable install's metadata is only as new as its last install); an
    installed wheel carries it in its metadata, written from the same field. The build checks CHANGELOG.md's newest
    heading and the ontology's owl:versionInfo against it (b12kg.build.describe.read_release).
    """
    from importlib import metadata

    from b12kg.paths import PROJECT, in_checkout

    if in_checkout():
        import tomllib

        try:
            version = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
            version = None  # a damaged pyproject.toml: the build's version check names the file and line
        if isinstance(version, str):
            return version
    try:
        return metadata.version("b12kg")
    except metadata.PackageNotFoundError:
        return "0+unknown"  # neither a checkout nor an installed distribution (the build refuses to run)


__version__ = _version()
