"""Read stage: a curated claims file and its source text, loaded, validated by the schema, checked, as records."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from b12kg.curation.checks import (
    TREATMENT_EMERGENT,
    Where,
    check_coverage,
    check_invisible,
    check_terms_used,
    claim_record,
    claim_terms,
)
from b12kg.curation.located import validate
from b12kg.curation.records import (
    CitedIssue,
    Claim,
    Curated,
    Document,
    Flag,
    Frequency,
    Journal,
    NonClaim,
    Reference,
    Section,
    Sentence,
    Span,
    Term,
    Text2,
    Window,
    build,
)
from b12kg.curation.scalars import (
    ANCHORS,
    FLAG_KINDS,
    MAX_BOUND,
    MAX_ID_LENGTH,
    MODALITIES,
    POPULATION_BASES,
    SCHEMA,
    TERM_KINDS,
    UNITS,
)
from b12kg.curation.schema import FIELD_KINDS, QUALIFIERS, ClaimsFile, SectionEntry
from b12kg.curation.text import Locator, near_match, occurrences, split_sentences
from b12kg.curation.yamlsafe import BIDI_CONTROLS, YamlMap, char_name, load_yaml
from b12kg.errors import CurationError
from b12kg.vocab import parse_curie

__all__ = [
    # records (b12kg.curation.records) and the format's values (b12kg.curation.scalars, .schema)
    "Span", "Sentence", "Window", "Frequency", "Text2", "Term", "Journal", "CitedIssue", "Reference", "Section",
    "Claim", "NonClaim", "Document", "Flag", "Curated", "TERM_KINDS", "MODALITIES", "POPULATION_BASES",
    "FLAG_KINDS", "ANCHORS", "UNITS", "MAX_ID_LENGTH", "MAX_BOUND", "SCHEMA", "QUALIFIERS", "FIELD_KINDS",
    "TREATMENT_EMERGENT",
    # reading
    "read_document", "claim_files", "split_sentences", "near_match", "claim_terms",
]


def claim_files(directory: Path) -> list[Path]:
    """The curated claims files in a folder, one per source document, in name order."""
    return sorted(directory.glob("*.claims.yaml"))


def read_document(path: Path) -> Document:
    """Read and check one curated claims file (and the source text it names).

    Three steps: the line-aware YAML loader (b12kg.curation.yamlsafe), the schema (b12kg.curation.schema: types,
    enums, patterns, required fields), then what a schema cannot say (b12kg.curation.checks). Every problem is a
    CurationError naming the file, line, claim and fix."""
    with _gc_paused():
        return _read(Where(path))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read: the loader and the schema allocate dozens of
    small containers per claim, none in a reference cycle, and each collection rescans them all (reading 5,000
    claims takes half the CPU time without it; bench/build_scaling.py). Reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(where: Where) -> Document:
    path = where.path
    data, invisible = load_yaml(path)
    if not isinstance(data, YamlMap):
        raise where.error("the file must be a mapping", fix="start from an existing claims file", line=1)
    file: ClaimsFile = validate(ClaimsFile, data, path=path)
    meta, raw_meta = file.document, data["document"]
    text_path, text = _read_source(where, meta.text, line=raw_meta.key_lines["text"])
    check_invisible(where, invisible, text, data)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != meta.sha256:
        raise where.error(f"the source text has sha256 {digest}, the claims file expects {meta.sha256!r}",
                          fix="restore the source text, or re-check every quote and update 'sha256'",
                          line=raw_meta.key_lines["sha256"])
    sentences = split_sentences(text)
    locator = Locator(path, text, sentences)

    journals = {key: build(Journal, key=key, **dict(entry)) for key, entry in file.journals.items()}
    sources = _sources(where, file, data, journals, locator)
    references = {key: build(Reference, key=key, **dict(entry)) for key, entry in file.references.items()}
    terms = _terms(where, file, data, text)
    non_claims = [build(NonClaim, reason=entry.reason,
                        span=locator.find(entry.quote, entry.occurrence, line=raw.line, claim=None,
                                          what="non-claim quote"))
                  for entry, raw in zip(file.non_claims, data.get("non_claims") or [], strict=True)]

    lines = text.split("\n")
    sections: list[Section] = []
    claims: list[Claim] = []
    seen_ids: dict[str, int] = {}
    for entry, raw in zip(file.sections, data["sections"], strict=True):
        section = build(Section, id=entry.id, heading=_heading(where, entry, raw, lines, sentences),
                        heading_gloss=entry.heading_gloss, population=entry.population)
        sections.append(section)
        for claim_entry, raw_claim in zip(entry.claims, raw["claims"], strict=True):
            claim = claim_record(where, claim_entry, raw_claim, section=section, locator=locator, sources=sources,
                                 references=references)
            if claim.id in seen_ids:
                raise where.error(f"duplicate claim id {claim.id!r} (first at line {seen_ids[claim.id]})",
                                  fix="give each claim a unique id", line=claim.line, claim=claim.id)
            seen_ids[claim.id] = claim.line
            claims.append(claim)

    document = Document.model_construct(
        id=meta.id, path=path, text_path=text_path, text=text, sha256=digest, language=meta.language,
        title=meta.title, translation_of=dict(meta.translation_of), author=meta.author, note=meta.note,
        journals=journals, sources=sources, references=references, terms=terms, sections=sections, claims=claims,
        non_claims=non_claims, sentences=sentences, lines=len(lines),
        term_lines={curie: term.line for curie, term in terms.items()}, title_note=meta.title_note)
    check_terms_used(where, document)
    check_coverage(where, document, line=data.key_lines.get("non_claims", data.key_lines["sections"]))
    return document


def _heading(where: Where, entry: SectionEntry, raw: YamlMap, lines: list[str],
             sentences: list[Sentence]) -> Sentence | None:
    """The sentence that is the section's heading: one whole line of the source."""
    if entry.heading is None:
        return None
    numbers = [n for n, line in enumerate(lines, start=1) if line.strip() == entry.heading]
    if len(numbers) != 1:
        raise where.error(f"heading {entry.heading!r} is not exactly one whole line of the source",
                          fix="copy the heading line exactly", line=raw.key_lines["heading"])
    return next(s for s in sentences if s.line == numbers[0])


def _sources(where: Where, file: ClaimsFile, data: YamlMap, journals: dict[str, Journal],
             locator: Locator) -> dict[str, CitedIssue]:
    """The cited journal issues: each of a declared journal, each citing phrase found in the text."""
    found = {}
    for key, entry in file.sources.items():
        raw = data["sources"][key]
        if entry.journal not in journals:
            raise where.error(f"source {key!r} names journal {entry.journal!r}, which is not declared",
                              fix=f"declare it under 'journals' (known: {', '.join(journals) or 'none'})",
                              line=raw.key_lines["journal"])
        cited: list[Span] = []
        for phrase in entry.cited_as:
            hits = occurrences(locator.text, phrase)
            if not hits:
                raise where.error(f"source {key!r}: cited_as {phrase!r} is not in the source text",
                                  fix="copy the citation's words exactly from the source",
                                  line=raw.key_lines["cited_as"])
            cited.extend(build(Span, start=h, end=h + len(phrase), text=phrase) for h in hits)
        found[key] = build(CitedIssue, key=key, journal=journals[entry.journal], year=entry.year, month=entry.month,
                           cited_as=tuple(cited))
    return found


def _terms(where: Where, file: ClaimsFile, data: YamlMap, text: str) -> dict[str, Term]:
    """The declared terms: text labels found in the text; only age groups lie within other age groups."""
    terms = {}
    block = data["terms"]
    for key, entry in file.terms.items():
        raw = block[key]
        for phrase in entry.text_labels:
            if phrase not in text:
                raise where.error(f"term {key}: text label {phrase!r} is not in the source text",
                                  fix="text_labels must be the text's own words, copied exactly",
                                  line=raw.key_lines["text_labels"])
        if entry.within and entry.kind != "age-group":
            raise where.error(f"term {key}: only an age group lies within another age group",
                              fix="remove 'within', or make the term kind age-group", line=raw.key_lines["within"])
        terms[key] = build(Term, curie=parse_curie(key), line=block.key_lines[key], **dict(entry))
    return terms


def _read_source(where: Where, relative: str, *, line: int) -> tuple[Path, str]:
    """The source text named by 'document: text:': a file inside the claims file's folder, UTF-8, no BOM, no
    bidirectional controls."""
    folder = where.path.parent.resolve()
    fix = ("write a path relative to the claims file, inside its folder (e.g. sources/NAME.txt); put the text "
           "there rather than pointing outside")
    if Path(relative).is_absolute() or "\0" in relative:
        raise where.error(f"the source text path {relative!r} is absolute", fix=fix, line=line)
    text_path = (where.path.parent / relative).resolve()  # follows symbolic links: a link out is caught below
    if not text_path.is_relative_to(folder):
        raise where.error(f"the source text path {relative!r} leads outside the folder of the claims file "
                          f"({text_path})", fix=fix, line=line)
    if not text_path.is_file():
        raise where.error(f"the source text {relative!r} is missing or not a regular file",
                          fix="check 'document: text:' (a path relative to the claims file)", line=line)
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise where.error(f"cannot read the source text {text_path}: {exc}",
                          fix="check 'document: text:' (a path relative to the claims file) and that it is UTF-8",
                          line=line) from exc
    if text.startswith("\ufeff"):
        raise CurationError("the source text starts with a byte order mark (U+FEFF), which would shift every "
                            "offset by one", fix="save the text as UTF-8 without BOM (remove its first three "
                            "bytes EF BB BF) and update 'sha256'", file=text_path, line=1)
    bidi = BIDI_CONTROLS.search(text)
    if bidi:
        source_line = text.count("\n", 0, bidi.start()) + 1
        column = bidi.start() - (text.rfind("\n", 0, bidi.start()) + 1) + 1
        raise CurationError(f"the source text holds the bidirectional control {char_name(bidi.group())} at "
                            f"column {column} (offset {bidi.start()}): it makes the displayed text differ from the "
                            "stored characters, so quotes copied from the screen cannot match",
                            fix="remove it from the source text and update 'sha256' in the claims file",
                            file=text_path, line=source_line)
    return text_path, text
