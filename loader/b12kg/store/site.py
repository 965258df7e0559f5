"""The files `b12kg serve` answers itself: the explorer at `/`, and the nanopublications its cards link to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["StaticSite", "StaticFile", "site_for"]

# what each file of the site is (RFC 9239 for JavaScript); the claims' Turtle and TriG open in the browser as text
# unless the client asks for RDF (Accept: text/turtle or application/trig)
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8",
          ".md": "text/plain; charset=utf-8", ".json": "application/json"}
_RDF_TYPES = {".ttl": "text/turtle", ".trig": "application/trig"}
# The page loads only its own files and queries only its own endpoint (W3C Content Security Policy Level 3); the
# timeline's bars are placed with style attributes, hence 'unsafe-inline' for styles only.
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
NANOPUBS_PREFIX = "/exports/nanopubs/"  # where the cards' nanopublication links (../exports/nanopubs/CLAIM.trig) land


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str


@dataclass(frozen=True)
class StaticSite:
    """URL path prefixes mapped to folders; the first prefix is "/" (the explorer, index.html at "/")."""

    roots: tuple[tuple[str, Path], ...]

    def find(self, target: str, accept: str | None) -> StaticFile | None:
        """The file a GET of `target` names, or None (then the request goes to the SPARQL endpoint)."""
        path = unquote(urlsplit(target).path)
        for prefix, folder in sorted(self.roots, key=lambda r: -len(r[0])):
            if not path.startswith(prefix):
                continue
            relative = path[len(prefix):] or "index.html"
            candidate = (folder / relative).resolve()
            base = folder.resolve()
            if prefix == NANOPUBS_PREFIX and not candidate.is_file() and "/" not in relative:
                candidate = _sharded(base, relative) or candidate
            if base not in candidate.parents or not candidate.is_file() or "\x00" in relative:
                return None  # outside the folder (../), or not a file of it
            suffix = candidate.suffix.lower()
            if suffix in _RDF_TYPES:
                wanted = _RDF_TYPES[suffix] in (accept or "")
                kind = f"{_RDF_TYPES[suffix]}; charset=utf-8" if wanted else "text/plain; charset=utf-8"
            elif suffix in _TYPES:
                kind = _TYPES[suffix]
            else:
                return None
            return StaticFile(candidate.read_bytes(), kind)
        return None


def _sharded(base: Path, name: str) -> Path | None:
    """A nanopublication an export of more than SHARD_SIZE claims moved into a numbered sub-folder
    (b12kg.export.shards: nanopubs/000000/CLAIM.trig …), which the cards' flat links do not name."""
    if not name.endswith(".trig") or name.startswith("."):
        return None
    return next((path.resolve() for path in sorted(base.glob(f"[0-9][0-9][0-9][0-9][0-9][0-9]/{name}"))), None)


def site_for(graphs_dir: Path) -> StaticSite | None:
    """The explorer built beside the graphs (graphs/explorer/) at "/", its nanopublication links at
    "/exports/nanopubs/" (a card links to ../exports/nanopubs/CLAIM.trig); None when no explorer was built."""
    explorer = graphs_dir / "explorer"
    if not (explorer / "index.html").is_file():
        return None
    return StaticSite((("/", explorer), (NANOPUBS_PREFIX, graphs_dir / "exports" / "nanopubs")))
