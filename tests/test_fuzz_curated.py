"""Random YAML-level mutations of the real curated file: each is refused with a located message, or builds a graph
that passes SHACL."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from b12kg.build.pipeline import OUTPUT_NAMES
from b12kg.cli import main
from b12kg.paths import CURATED_DIR, GRAPHS_DIR
from b12kg.qc.validate import run_shacl

# Hypothesis: a fixed number of mutated files, each built.
pytestmark = pytest.mark.slow

# Hypothesis keeps a cache (<cwd>/.hypothesis/constants) even without an example database, and writes it when
# this module's tests are collected: point it at a temporary folder, removed when the run ends.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="b12kg-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)
set_hypothesis_home_dir(_HYPOTHESIS_HOME)

CLAIMS = CURATED_DIR / "b12-involuntary-movements.claims.yaml"
ORIGINAL: Any = yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))  # the real file has no anchors or tags
# Bounded for CI (under a minute here): a fixed number of examples, derandomized so that every run tries the same
# mutations (a failure found once is found again); raise B12KG_FUZZ_EXAMPLES locally to search longer.
EXAMPLES = int(os.environ.get("B12KG_FUZZ_EXAMPLES", "60"))

# Characters a mutation inserts: the ones the loader must notice (tatweel, zero-width and bidi controls, a BOM, a
# combining mark, an Arabic-Indic digit) and some that YAML or the sentence splitter care about.
INSERTED = ["\u0640", "\u200b", "\u200c", "\u200f", "\u202e", "\u2067", "\ufeff", "\u064e", "\u0663", "x", " ", ".",
            "\n", '"', ":", "#", "-", "0", "A"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**25), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["", "asserted", "document", "HP:0004305", "UBERON:٠٠٠١٠١٦", "b12:x/y"]),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.sampled_from(["ar", "en", "a"]), st.text(max_size=4),
                                                             max_size=2),
)
NUMBERS = st.one_of(st.integers(-10**6, 10**25), st.floats(allow_nan=True, allow_infinity=True),
                    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float))
_CURIE_OR_SLUG = re.compile(r"[A-Za-z0-9]+:[^\s]+|[a-z0-9]+(?:-[a-z0-9]+)+")
OPERATIONS = ["delete", "duplicate-item", "retype", "number", "swap-chars", "insert-char", "change-id", "rename-key",
              "duplicate-line", "delete-line"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document: mapping keys and list indices down to the leaves."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1 << 20)


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, str]:
    """(what was done, the mutated claims file's text)."""
    doc = yaml.safe_load(_dump(ORIGINAL))  # a fresh deep copy
    operation = draw(st.sampled_from(OPERATIONS))
    places = [p for p in _paths(doc) if p]
    if operation in ("duplicate-line", "delete-line"):
        lines = _dump(doc).split("\n")
        index = draw(st.integers(0, len(lines) - 1))
        lines[index:index + 1] = [lines[index]] * (2 if operation == "duplicate-line" else 0)
        return f"{operation} {index + 1}: {lines[index] if index < len(lines) else ''!r}"[:200], "\n".join(lines)
    if operation == "delete":
        path = draw(st.sampled_from(places))
        del _get(doc, path[:-1])[path[-1]]
    elif operation == "duplicate-item":
        path = draw(st.sampled_from([p for p in places if isinstance(p[-1], int)]))
        parent = _get(doc, path[:-1])
        parent.insert(path[-1], yaml.safe_load(_dump(parent[path[-1]])))
    elif operation == "retype":
        path = draw(st.sampled_from(places))
        _set(doc, path, draw(VALUES))
    elif operation == "number":
        path = draw(st.sampled_from([p for p in places if type(_get(doc, p)) in (int, float)]))
        _set(doc, path, draw(NUMBERS))
    elif operation in ("swap-chars", "insert-char", "change-id"):
        strings = [p for p in places if isinstance(_get(doc, p), str)]
        if operation == "change-id":
            strings = [p for p in strings if _CURIE_OR_SLUG.fullmatch(_get(doc, p))]
        path = draw(st.sampled_from(strings))
        text = _get(doc, path)
        if operation == "swap-chars" and len(text) >= 2:
            i = draw(st.integers(0, len(text) - 2))
            j = draw(st.integers(i + 1, len(text) - 1))
            text = text[:i] + text[j] + text[i + 1:j] + text[i] + text[j + 1:]
        elif operation == "insert-char" or operation == "swap-chars":
            i = draw(st.integers(0, len(text)))
            text = text[:i] + draw(st.sampled_from(INSERTED)) + text[i:]
        else:
            i = draw(st.integers(0, len(text) - 1))
            text = text[:i] + draw(st.sampled_from(["0", "9", "٣", "X", "-", "a", ""])) + text[i + 1:]
        _set(doc, path, text)
    else:  # rename-key
        path = draw(st.sampled_from([p for p in places if isinstance(p[-1], str)]))
        parent = _get(doc, path[:-1])
        new_key = draw(st.sampled_from(["id", "note", "quote", "lower", "kind", "HP:0004305", "x", "claims"]))
        renamed = {(new_key if k == path[-1] else k): v for k, v in parent.items()}
        parent.clear()
        parent.update(renamed)
    return f"{operation} at {'/'.join(map(str, path))}"[:200], _dump(doc)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for the examples; the build's pyLODE page of the (never mutated) ontology is made once and reused,
    as it takes most of a build's time and depends on ontology/b12kg.ttl alone."""
    import b12kg.build.pipeline

    html = functools.lru_cache(maxsize=1)(b12kg.build.pipeline.ontology_html)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(b12kg.build.pipeline, "ontology_html", html)
        yield tmp_path_factory.mktemp("fuzz")


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(mutation=mutated_files())
def test_a_mutated_file_is_refused_with_a_located_message_or_builds_a_conforming_graph(
        workspace: Path, mutation: tuple[str, str]) -> None:
    what, text = mutation
    root = Path(tempfile.mkdtemp(dir=workspace))
    curated, out = root / "curated", root / "out"
    shutil.copytree(CURATED_DIR, curated)
    (curated / CLAIMS.name).write_text(text, encoding="utf-8")
    out.mkdir()
    for name in OUTPUT_NAMES.values():  # the committed outputs, which a refused build must leave as they are
        shutil.copyfile(GRAPHS_DIR / name, out / name)
    before = _snapshot(out)
    result = CliRunner().invoke(main, ["build", "--curated", str(curated), "--out", str(out)])
    event("refused" if result.exit_code == 1 else "accepted" if result.exit_code == 0 else "other")  # statistics
    event(what.split(" ", 1)[0])
    assert result.exit_code in (0, 1), f"{what}: exit {result.exit_code}\n{result.output[-2000:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{what}: {result.exception!r} (a traceback, not a message)"
    if result.exit_code == 1:
        claims = re.escape(str(curated / CLAIMS.name))
        assert re.search(rf"error: {claims}:[0-9]+", result.output), f"{what}: not located\n{result.output[-2000:]}"
        assert "\n  fix: " in result.output, f"{what}: no fix\n{result.output[-2000:]}"
        assert _snapshot(out) == before, f"{what}: a refused build changed or added files"
    else:
        violations = run_shacl(out / "b12kg.nt")
        assert violations == [], f"{what}: accepted, but SHACL finds {violations[:5]}"
    shutil.rmtree(root)


def test_the_unmutated_dump_builds(workspace: Path) -> None:
    """The control case: the file as the mutations see it (dumped without comments) is accepted."""
    curated, out = workspace / "control" / "curated", workspace / "control" / "out"
    shutil.copytree(CURATED_DIR, curated)
    (curated / CLAIMS.name).write_text(_dump(ORIGINAL), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--curated", str(curated), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "b12kg.nt").read_bytes() == (GRAPHS_DIR / "b12kg.nt").read_bytes()
