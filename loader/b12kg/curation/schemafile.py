"""The committed JSON Schema of claims files, generated from the pydantic models; `python -m` writes or checks it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from b12kg.curation.scalars import NAMED_SCHEMAS
from b12kg.curation.schema import ClaimsFile
from b12kg.paths import CURATED_DIR

__all__ = ["SCHEMA_PATH", "SCHEMA_COMMAND", "json_schema", "schema_text", "main"]

SCHEMA_PATH = CURATED_DIR / "claims.schema.json"
SCHEMA_COMMAND = "python -m b12kg.curation.schemafile"


class _Generator(GenerateJsonSchema):
    """JSON Schema as editors read it: dictionary keys by `propertyNames`, no auto-generated titles."""

    def dict_schema(self, schema: Any) -> dict[str, Any]:
        keys = self.generate_inner(schema["keys_schema"])
        values = self.generate_inner(schema["values_schema"])
        return {"type": "object", "propertyNames": keys, "additionalProperties": values}

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _tidy(node: Any) -> Any:
    """Optional fields as absent-or-a-value (a key with no value is refused, see Model), and the shared scalar
    schemas by reference."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    for name, shared in NAMED_SCHEMAS.items():
        if node == shared:
            return {"$ref": f"#/$defs/{name}"}
    node = {key: _tidy(value) for key, value in node.items() if not (key == "default" and value is None)}
    if "anyOf" in node and {"type": "null"} in node["anyOf"]:
        rest = [alternative for alternative in node.pop("anyOf") if alternative != {"type": "null"}]
        node = {**rest[0], **node} if len(rest) == 1 else {**node, "anyOf": rest}
    return node


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a claims file (draft 2020-12), generated from ClaimsFile."""
    generated = _tidy(ClaimsFile.model_json_schema(by_alias=True, schema_generator=_Generator))
    for key in ClaimsFile.may_be_empty:  # `non_claims:` with nothing after it is an empty block
        generated["properties"][key] = {"anyOf": [generated["properties"][key], {"type": "null"}]}
    generated["$defs"].update(NAMED_SCHEMAS)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://w3id.org/b12kg/claims.schema.json",
            "$comment": f"GENERATED from loader/b12kg/curation/schema.py by `{SCHEMA_COMMAND}`; do not edit.",
            **generated}


def schema_text() -> str:
    """The committed file's exact text: sorted keys, two-space indent, a final newline."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write graphs/curated/claims.schema.json (or with --check, say whether it is current)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[args.index("--out") + 1]) if "--out" in args else SCHEMA_PATH
    text = schema_text()
    if "--check" in args:
        current = path.is_file() and path.read_text(encoding="utf-8") == text
        print(f"{path}: {'current' if current else f'stale; run `{SCHEMA_COMMAND}`'}")
        return 0 if current else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
