"""Run the PyPI kgx package's own validator on KGX files, offline (run by the kgx tools venv, .venv-kgx/).

Usage: .venv-kgx/bin/python scripts/kgx_validate.py NODES.tsv EDGES.tsv  →  prints the validator's errors as JSON
({level: {error type: {message: [entities]}}}; {} when it reports nothing) and exits 0.

kgx 2.7.0 fetches what it validates against from GitHub when it is imported (bmt's Toolkit: the Biolink model
YAML and predicate_mapping.yaml; kgx.config: Biolink's JSON-LD context). The tests run without internet access,
so the same documents come from the biolink-model package kgx itself installs (its schema/biolink_model.yaml):
the Toolkit reads that file, the JSON-LD context is built from it as Biolink's context.jsonld is generated (its
`default_curi_maps`, from prefixcommons' registry, then its `prefixes`), and the predicate mapping, which only
`Toolkit.get_element_by_mapping` uses and validation does not, is empty. Nothing else of kgx is changed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

SCHEMA = resources.files("biolink_model").joinpath("schema/biolink_model.yaml")


def _offline() -> str:
    import bmt.toolkit
    from linkml_runtime.utils.schemaview import SchemaView

    def __init__(self: Any, schema: Any = str(SCHEMA), predicate_map: Any = None) -> None:
        self.view = SchemaView(str(SCHEMA) if isinstance(schema, str) and schema.startswith("http") else schema)
        self.pmap = {}

    bmt.toolkit.Toolkit.__init__ = __init__  # type: ignore[method-assign]
    model = yaml.load(SCHEMA.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    import kgx.config
    from prefixcommons.curie_util import read_biocontext

    # As LinkML's JSON-LD context generator builds Biolink's context.jsonld: the prefix maps the model names in
    # `default_curi_maps` (kept in prefixcommons' registry), then the model's own `prefixes` over them.
    context: dict[str, str] = {}
    for name in model.get("default_curi_maps", []):
        context.update(read_biocontext(name))
    context.update(model["prefixes"])
    kgx.config.jsonld_context_map["biolink"] = context
    return str(model["version"])


def main(argv: list[str]) -> int:
    version = _offline()
    from kgx.cli.cli_utils import validate

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        errors = validate(inputs=argv, input_format="tsv", input_compression=None, output=str(report))
    print(json.dumps({"biolink_model": version, "errors": errors}, default=str, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
