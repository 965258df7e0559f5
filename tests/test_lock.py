"""requirements.lock pins every dependency pyproject.toml declares (with the test extras), at versions it allows."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from b12kg.paths import PROJECT

REGENERATE = ("regenerate it with `.venv/bin/pip-compile --extra test --strip-extras --no-emit-index-url "
              "--no-emit-find-links --output-file requirements.lock pyproject.toml`")


def _pins() -> dict[str, str]:
    text = (PROJECT / "requirements.lock").read_text(encoding="utf-8")
    assert "--index-url" not in text and "--find-links" not in text and "file://" not in text, \
        f"requirements.lock names a machine's own package index: {REGENERATE}"
    pins = re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", text, re.M)
    return {canonicalize_name(m.group(1)): m.group(2) for m in pins}


def test_every_declared_dependency_is_pinned_at_an_allowed_version() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is declared in pyproject.toml but not pinned: {REGENERATE}"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"requirements.lock pins {requirement.name}=={pins[name]}, outside {requirement.specifier}: {REGENERATE}"
