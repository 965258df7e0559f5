"""Line-aware, alias-free YAML loading: mappings that remember their key lines, and the invisible characters found."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from b12kg.errors import CurationError

__all__ = ["YamlMap", "Invisible", "load_yaml", "char_name", "INVISIBLE", "BIDI_CONTROLS", "MAX_DEPTH"]

# libyaml's loader where PyYAML was built with it (several times faster); both keep line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = yaml.constructor.SafeConstructor()  # turns resolved scalar nodes into Python values


class YamlMap(dict[str, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    end_line: int = 0
    key_lines: dict[str, int]


_NO_ALIAS = "write the value out; aliases are not allowed in curated files"
MAX_DEPTH = 32  # the curated schema nests 8 levels deep; deeper is a mistake (and recursion a risk)
# The tags plain YAML values resolve to. Everything else (!foo, !!python/..., !!binary, !!set, dates) is refused:
# the curated schema has text, numbers, true/false, lists and mappings only.
_TAG = "tag:yaml.org,2002:"
_VALUE_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
# Characters that are invisible or reorder how text displays (Unicode: zero-width space/joiners and
# directional marks U+200B-200F, bidi embeddings and overrides U+202A-202E, word joiner U+2060, bidi isolates
# U+2066-2069, BOM U+FEFF), and control characters other than tab and line feed. In a claims file they are
# refused unless the source text itself uses that character (ZWNJ U+200C is orthography in Persian and Urdu,
# for instance; the Arabic source here has none of them).
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
                       "\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Refused in a source text (the Trojan Source problem, CVE-2021-42574): they make the displayed text differ
# from the stored characters, so a quote copied from the screen cannot match. The real source has none.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Invisible:
    """An invisible character found in a claims-file string, kept until the source text is known."""

    line: int
    char: str


def char_name(char: str) -> str:
    """A character as Unicode names it, with its code point (for messages)."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'CONTROL CHARACTER')}"


def load_yaml(path: Path) -> tuple[Any, list[Invisible]]:
    """The file's data (mappings remember their lines) and the invisible characters its strings hold."""
    if not path.is_file():
        raise CurationError("the claims file is not a regular file", fix="use a plain file", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"cannot read the claims file: {exc}", fix="check the path and that it is UTF-8",
                            file=path) from exc
    invisible: list[Invisible] = []
    try:
        data = _load(text, path, invisible)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CurationError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                            fix="correct the YAML syntax at that line (indentation, quotes, colons)",
                            file=path, line=line) from exc
    if data is _NOTHING:
        raise CurationError("the claims file is empty", fix="start from an existing claims file", file=path)
    return data, invisible


_NOTHING = object()  # a stream with no document in it
_RESOLVER = yaml.resolver.Resolver()  # the tags plain scalars resolve to (YAML 1.1, as PyYAML's safe loader does)


class _Open:
    """A mapping or sequence being filled while the events stream past, and its mapping's pending key."""

    __slots__ = ("value", "key", "key_line")

    def __init__(self, value: YamlMap | list[Any]) -> None:
        self.value: YamlMap | list[Any] = value
        self.key: str | None = None
        self.key_line = 0


def _load(text: str, path: Path, invisible: list[Invisible]) -> Any:
    """The file's one document built from the parser's events in one pass (no node tree is composed first).

    Anchors, aliases, explicit tags other than the plain value ones and nesting deeper than MAX_DEPTH are refused
    at the event that has them, before anything is built from it: an alias repeats a node (nine levels of nine
    aliases expand to 9**9 values, the "billion laughs"; an alias inside its own anchor is a cycle), and plain
    values need none of them. Built with a stack, not recursion.
    """
    stack: list[_Open] = []
    result: Any = _NOTHING
    documents = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise CurationError("more than one YAML document in the file (a second '---')",
                                    fix="keep one document per claims file", file=path, line=line)
            continue
        if isinstance(event, yaml.AliasEvent):
            raise CurationError(f"YAML alias *{event.anchor}", fix=_NO_ALIAS, file=path, line=line)
        if not isinstance(event, yaml.NodeEvent):
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                if isinstance(done.value, YamlMap):
                    done.value.end_line = event.end_mark.line + 1 if event.end_mark else line
                value: Any = done.value
            else:
                continue  # stream and document start and end
        else:
            if event.anchor is not None:
                raise CurationError(f"YAML anchor &{event.anchor}", fix=_NO_ALIAS, file=path, line=line)
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!" and tag not in _VALUE_TAGS:
                raise CurationError(f"YAML tag {tag!r} is not allowed in curated files",
                                    fix="remove the tag: write plain text, numbers, lists and mappings", file=path,
                                    line=line)
            if isinstance(event, yaml.ScalarEvent):
                value = _scalar(event, path, line, invisible)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise CurationError(f"the YAML nests more than {MAX_DEPTH} levels deep",
                                        fix="flatten the structure as in the existing claims file", file=path,
                                        line=line)
                if isinstance(event, yaml.MappingStartEvent):
                    mapping = YamlMap()
                    mapping.line, mapping.key_lines = line, {}
                    stack.append(_Open(mapping))
                else:
                    stack.append(_Open([]))
                continue
        if not stack:
            result = value
            continue
        top = stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is None:
            if not isinstance(value, str):
                raise CurationError(f"mapping key {value!r} is not a string", fix="quote the key",
                                    file=path, line=line)
            if value in top.value:
                raise CurationError(f"duplicate key {value!r}", fix="remove or rename one of them",
                                    file=path, line=line)
            top.key, top.key_line = value, line
        else:
            top.value[top.key] = value
            top.value.key_lines[top.key] = top.key_line
            top.key = None
    return result


def _scalar(event: yaml.ScalarEvent, path: Path, line: int, invisible: list[Invisible]) -> Any:
    """A scalar's Python value, by the tag it has or resolves to; only plain values' tags are accepted."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag not in _VALUE_TAGS:
        what = "a date" if tag == _TAG + "timestamp" else f"a value tagged {tag!r}"
        raise CurationError(f"{event.value!r} reads as {what}, which curated files do not use",
                            fix="quote it to make it text, or write a plain number", file=path, line=line)
    if tag == _TAG + "str":
        value: Any = event.value
    else:
        try:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,  # type: ignore[arg-type]
                                   event.style)
            value = _SCALARS.yaml_constructors[tag](_SCALARS, node)
        except (ValueError, TypeError, yaml.YAMLError) as exc:  # e.g. an integer beyond Python's 4300-digit limit
            raise CurationError(f"cannot read the value {event.value[:40]!r}: {exc}",
                                fix="write a plain number or quote the text", file=path, line=line) from exc
    if isinstance(value, str):
        for char in sorted(set(INVISIBLE.findall(value))):
            invisible.append(Invisible(line, char))
    return value
