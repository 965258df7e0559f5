"""The one-pass YAML loader (b12kg.curation.yamlsafe) gives what PyYAML's safe loader gives, with the lines of the
composed node tree: the curated article, and a document with every kind of plain value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from b12kg.curation.yamlsafe import YamlMap, load_yaml
from b12kg.paths import CURATED_DIR

VALUES = """\
text: plain text
quoted: "x: y"
folded: >
  two
  lines
literal: |
  kept
  as is
int: 12
negative: -3
hex: 0x1F
float: 1.5e3
bool: [true, false, yes, no]
null_values: [null, ~, ]
nested:
  - {a: 1, b: [2, 3]}
  - - deep
    - {c: "ٱلعربية"}
empty_map: {}
empty_list: []
"""


def _lines(node: yaml.Node) -> Any:
    """What load_yaml remembers of a composed tree: each mapping's (line, end_line, key lines), recursively."""
    if isinstance(node, yaml.MappingNode):
        return (node.start_mark.line + 1, node.end_mark.line + 1,
                {k.value: (k.start_mark.line + 1, _lines(v)) for k, v in node.value})
    if isinstance(node, yaml.SequenceNode):
        return [_lines(item) for item in node.value]
    return None


def _remembered(data: Any) -> Any:
    if isinstance(data, YamlMap):
        return (data.line, data.end_line, {k: (data.key_lines[k], _remembered(v)) for k, v in data.items()})
    if isinstance(data, list):
        return [_remembered(item) for item in data]
    return None


@pytest.mark.parametrize("name", ["article", "values"])
def test_the_one_pass_loader_equals_the_safe_loader_and_the_composed_lines(name: str, tmp_path: Path) -> None:
    if name == "article":
        (path,) = sorted(CURATED_DIR.glob("*.claims.yaml"))
    else:
        path = tmp_path / "values.yaml"
        path.write_text(VALUES, encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    data, invisible = load_yaml(path)
    assert data == yaml.safe_load(text) and invisible == []
    assert _remembered(data) == _lines(yaml.compose(text, Loader=yaml.SafeLoader))
    if name == "values":
        assert data["nested"][1][1] == {"c": "ٱلعربية"} and data["null_values"] == [None, None]
