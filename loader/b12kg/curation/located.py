"""Schema errors in the curator's terms: each pydantic error becomes FILE:LINE (claim ID): message, fix."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from b12kg.curation.scalars import MAX_ID_LENGTH, SLUG_PATTERN
from b12kg.curation.schemafile import SCHEMA_PATH
from b12kg.curation.yamlsafe import YamlMap
from b12kg.errors import CurationError

__all__ = ["validate", "located_error"]

Loc = tuple[Any, ...]
# Keyed blocks of the file: what one entry is called in messages.
_KEYED = {"journals": "journal", "sources": "source", "references": "reference", "terms": "term"}
_LISTED = {"claims": "a claim", "sections": "a section", "non_claims": "a non_claims entry", "flags": "a flag"}


def validate(model: type[BaseModel], data: Any, *, path: Path) -> Any:
    """``model`` validated from the loaded file, or the CurationError of its first problem in file order."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [located_error(model, data, error, path=path) for error in exc.errors()]
        raise min(errors, key=lambda e: e.line or 0) from None


def located_error(model: type[BaseModel], data: Any, error: Any, *, path: Path) -> CurationError:
    """One pydantic error as a CurationError: the line from the loaded mappings' key lines, the claim, a fix."""
    loc: Loc = tuple(error["loc"])
    context = error.get("ctx") or {}
    if "key" in context:  # a mapping's own validator naming one of its keys
        loc += (context["key"],)
    is_key = bool(loc) and loc[-1] == "[key]"
    field_loc = loc[:-1] if is_key else loc
    line, claim = _line_and_claim(data, field_loc)
    key = next((str(step) for step in reversed(field_loc) if isinstance(step, str)), "the file")
    owner = _owner(loc[:-2] if is_key else loc[:-1], data)
    kind = error["type"]
    shown = _shown(error.get("input"))
    if is_key:
        subject = f"{_KEYED.get(str(loc[-3]), 'key')} id" if len(loc) >= 3 else "key"
    elif key == "id" and owner in ("a claim", "a section", "document"):
        subject = f"{owner.removeprefix('a ')} id"
    elif field_loc and isinstance(field_loc[-1], int) and isinstance(error.get("input"), dict):
        subject = _owner(field_loc, data)  # a list item's own rule: "a section: ..."
    else:
        subject = f"field {key!r}"
    structural = kind in ("missing", "extra_forbidden", "model_type", "model_attributes_type", "dict_type")
    inside = len(loc) > 2 and loc[0] in _KEYED and not is_key and not structural
    prefix = f"{_KEYED[loc[0]]} {loc[1]}: " if inside else ""  # e.g. "term HP:0001337: "
    if kind == "b12kg":
        message, fix = subject + context["tail"], context["fix"].replace("{key}", key)
        _, info = _field_at(model, field_loc)
        if info is not None and info.description and not is_key:
            fix += f"; {key} is {info.description}"
    elif kind == "missing":
        message, fix = f"missing field {key!r} in {owner}", f"add '{key}: ...' to {owner}"
    elif kind == "extra_forbidden":
        allowed = ", ".join(sorted(_allowed_fields(model, loc[:-1])))
        message, fix = f"unknown field {key!r} in {owner}", f"remove it or use one of: {allowed}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        this = _owner(loc, data)
        message, fix = f"{this} must be a mapping", f"write {this} as 'key: value' lines"
    elif kind in ("list_type", "tuple_type"):
        message = f"{subject} must be a list, not {shown}"
        fix = f"write {key} as a list: [first, second] or '- ...' lines (a list, even of one)"
    elif kind == "too_short":
        message, fix = f"{subject} must not be empty", f"write at least one item under {key}"
    elif kind in ("literal_error", "enum"):
        message = f"unknown {_noun(model, field_loc, key)} {shown}"
        fix = f"use one of: {context.get('expected', '')}"
    else:
        message, fix = f"{subject}: {error['msg']}", f"see the field in {SCHEMA_PATH.name}, the claims file schema"
    return CurationError(prefix + message, fix=fix, file=path, line=line or 1, claim=claim)


def _shown(value: Any) -> str:
    return repr(value) if not isinstance(value, str) or len(value) <= 60 else repr(value[:60] + "…")


def _line_and_claim(data: Any, loc: Loc) -> tuple[int | None, str | None]:
    """The line of the innermost key or list item the location reaches, and the claim it lies in."""
    node, line, claim = data, getattr(data, "line", None), None
    for depth, step in enumerate(loc):
        if isinstance(node, YamlMap) and isinstance(step, str) and step in node:
            line, node = node.key_lines[step], node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            line = node.line if isinstance(node, YamlMap) else line
            if depth >= 1 and loc[depth - 1] == "claims" and isinstance(node, YamlMap):
                claim_id = node.get("id")
                if isinstance(claim_id, str) and len(claim_id) <= MAX_ID_LENGTH and re.fullmatch(SLUG_PATTERN,
                                                                                                  claim_id):
                    claim = claim_id
        else:
            break
    return line, claim


def _owner(loc: Loc, data: Any) -> str:
    """How messages name the mapping at ``loc``: 'the file', 'a claim', "term HP:0001337", "'frequency'"."""
    if not loc:
        return "the file"
    last = loc[-1]
    if isinstance(last, int):
        return _LISTED.get(str(loc[-2]) if len(loc) >= 2 else "", "an item")
    if len(loc) == 2 and loc[0] in _KEYED:
        return f"{_KEYED[loc[0]]} {last}" if loc[0] == "terms" else f"{_KEYED[loc[0]]} {last!r}"
    if loc == ("document",):
        return "document"
    if loc == ("document", "translation_of"):
        return "document.translation_of"
    return repr(last)


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _field_at(model: type[BaseModel], loc: Loc) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model that holds the field ``loc`` ends at (or the model ``loc`` reaches), and that field."""
    current: Any = model
    owner: type[BaseModel] | None = None
    info: FieldInfo | None = None
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = next((f for name, f in current.model_fields.items() if step in (name, f.alias)), None)
            if info is None:
                return current, None
            owner, current = current, info.annotation
        elif typing.get_origin(current) in (tuple, list):
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[0 if step == "[key]" else 1]
        else:
            return None, None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current, None
    return owner, info


def _allowed_fields(model: type[BaseModel], loc: Loc) -> Sequence[str]:
    found, _ = _field_at(model, loc)
    return [f.alias or name for name, f in found.model_fields.items()] if found else []


def _noun(model: type[BaseModel], loc: Loc, key: str) -> str:
    """A field's name in messages: its title where the schema gives one ("flag kind"), else its key."""
    _, info = _field_at(model, loc)
    return info.title if info is not None and info.title else key.replace("_", " ")
