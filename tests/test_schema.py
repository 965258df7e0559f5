"""The claims-file schema: the committed JSON Schema is current, the real file conforms to it, it and the Python
checks agree, curator and date are checked and stated, and the qualifier table drives checks and RDF."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import rdflib
import yaml
from pydantic import ValidationError

from b12kg.build.describe import CHANGELOG, read_release
from b12kg.curation.read import FIELD_KINDS, QUALIFIERS, TERM_KINDS, Curated, Document, claim_files, read_document
from b12kg.curation.schema import ClaimsFile
from b12kg.curation.schemafile import SCHEMA_COMMAND, SCHEMA_PATH, main, schema_text
from b12kg.errors import CurationError
from b12kg.export.run import hpoa_rows
from b12kg.paths import CURATED_DIR, ONTOLOGY_DIR
from b12kg.rdf.claims import claim_quads
from b12kg.rdf.hpo import hpo_release
from b12kg.vocab import NS, parse_curie

CLAIMS = CURATED_DIR / "b12-involuntary-movements.claims.yaml"
FIRST_LINE = "# yaml-language-server: $schema=claims.schema.json"
EXAMPLE_ORCID = "https://orcid.org/0000-0002-1825-0097"  # ORCID's documented example iD (Josiah Carberry)


def test_the_committed_json_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), \
        f"{SCHEMA_PATH} is stale: run `{SCHEMA_COMMAND}` and commit the result"


def test_the_schema_command_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "claims.schema.json"
    assert main(["--out", str(out), "--check"]) == 1
    assert SCHEMA_COMMAND in capsys.readouterr().out
    assert main(["--out", str(out)]) == 0 and main(["--out", str(out), "--check"]) == 0
    assert out.read_bytes() == SCHEMA_PATH.read_bytes()


def test_every_claims_file_names_the_schema_on_its_first_line() -> None:
    for path in claim_files(CURATED_DIR):
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == FIRST_LINE, path


def _json_schema_errors(data: Any) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    schema = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_the_real_claims_file_conforms_to_the_json_schema() -> None:
    data = yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))
    assert _json_schema_errors(data) == []


def _claim(data: dict[str, Any]) -> dict[str, Any]:
    return data["sections"][1]["claims"][0]


def _window(data: dict[str, Any]) -> dict[str, Any]:
    return next(c for s in data["sections"] for c in s["claims"] if "onset" in c and "lower" in c["onset"])["onset"]


def _frequency(data: dict[str, Any]) -> dict[str, Any]:
    return next(c for s in data["sections"] for c in s["claims"] if "category" in c.get("frequency", {}))["frequency"]


# Breakages both the JSON Schema (in an editor) and the Python checks (in `b12kg build`) refuse.
BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "unknown-modality": lambda d: _claim(d).update(modality="certain"),
    "malformed-curie": lambda d: _claim(d).update(object="HP:1337"),
    "unknown-prefix": lambda d: _claim(d).update(object="HPO:0001337"),
    "relation-not-ro-or-b12o": lambda d: _claim(d).update(relation="HP:0001337"),
    "id-not-a-slug": lambda d: _claim(d).update(id="Not A Slug"),
    "id-too-long": lambda d: _claim(d).update(id="a" * 101),
    "unknown-field": lambda d: _claim(d).update(certainty="high"),
    "key-without-value": lambda d: _claim(d).update(note=None),
    "missing-curator": lambda d: _claim(d).pop("curated"),
    "date-not-iso": lambda d: _claim(d)["curated"].update(date="27/11/2026"),
    "impossible-date": lambda d: _claim(d)["curated"].update(date="2026-02-30"),
    "curator-iri-not-orcid": lambda d: _claim(d)["curated"].update(by="https://example.org/curator"),
    "bound-without-unit": lambda d: _window(d).pop("unit"),
    "bound-as-text": lambda d: _window(d).update(upper="5"),
    "unknown-anchor": lambda d: _window(d).update(anchor="diagnosis"),
    "category-without-proportion": lambda d: _frequency(d).pop("proportion"),
    "proportion-above-one": lambda d: _frequency(d).update(proportion=1.5),
    "heading-without-gloss": lambda d: d["sections"][1].pop("heading_gloss"),
    "year-out-of-range": lambda d: d["sources"]["pediatrics-1997-02"].update(year=1700),
    "issn-malformed": lambda d: d["journals"]["pediatrics"].update(issn="31-4005"),
    "source-key-document": lambda d: d["sources"].update(document=d["sources"]["pediatrics-1997-02"]),
    "unknown-term-kind": lambda d: d["terms"]["HP:0001337"].update(kind="symptom"),
    "text-labels-not-a-list": lambda d: d["terms"]["HP:0001337"].update(text_labels="الهزات"),
    "wrong-schema-version": lambda d: d.update(schema="b12kg-claims/2"),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_json_schema_and_python_checks_agree(name: str) -> None:
    data = yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    BREAKAGES[name](broken)
    assert _json_schema_errors(broken), f"{name}: the JSON Schema accepts it"
    with pytest.raises(ValidationError):
        ClaimsFile.model_validate(broken)


def test_an_empty_block_is_no_block_for_both() -> None:
    data = yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))
    data["references"] = None
    for section in data["sections"]:
        for claim in section["claims"]:
            claim.pop("references", None)
            for flag in claim.get("flags", []):
                flag.pop("references", None)
    assert _json_schema_errors(data) == []
    assert ClaimsFile.model_validate(data).references == {}


def _edit_first_claim(folder: Path, old: str, new: str) -> tuple[Path, int]:
    path = folder / CLAIMS.name
    text = path.read_text(encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, line


CURATED_LINE = 'curated: {by: "b12kg curators", date: "2026-11-27"}'


@pytest.mark.parametrize("new,message", [
    ('curated: {by: "b12kg curators", date: "%s"}' % (date.today() + timedelta(days=1)), "is in the future"),
    ('curated: {by: "b12kg curators", date: "2026-02-30"}', "is not a calendar date"),
    ('curated: {by: "b12kg curators", date: 2026-11-27}', "reads as a date"),
    ('curated: {by: "https://orcid.org/0000-0002-1825-0098", date: "2026-11-27"}', "valid check digit"),
    ('curated: {by: "", date: "2026-11-27"}', "must be non-empty text"),
    ('curated: {by: "b12kg curators"}', "missing field 'date'"),
])
def test_a_bad_curator_or_date_is_located(curated_copy: Path, new: str, message: str) -> None:
    path, line = _edit_first_claim(curated_copy, CURATED_LINE, new)
    with pytest.raises(CurationError) as caught:
        read_document(path)
    error = caught.value
    assert message in str(error) and error.line == line and error.fix, str(error)
    if "reads as a date" not in message:  # the YAML loader knows no claim yet
        assert error.claim == "b12-is-a-b-vitamin"


def test_an_orcid_curator_is_stated_as_its_iri_and_in_hpoa(curated_copy: Path, document: Document) -> None:
    path = curated_copy / CLAIMS.name
    path.write_text(path.read_text(encoding="utf-8").replace('by: "b12kg curators"', f'by: "{EXAMPLE_ORCID}"'),
                    encoding="utf-8")
    changed = read_document(path)
    claim = changed.claims[0]
    assert claim.curated == Curated(by=EXAMPLE_ORCID, date=date(2026, 11, 27)) and claim.curated.orcid
    quads = {(q.predicate.value, q.object.value) for q in _quads(changed, claim)}
    assert (NS["dcterms"] + "creator", EXAMPLE_ORCID) in quads
    assert (NS["dcterms"] + "created", "2026-11-27") in quads
    release, hpo = read_release(CHANGELOG), hpo_release()
    assert {row[-1] for row in hpoa_rows([document], release=release, hpo=hpo)} == {"B12KG:curators[2026-11-27]"}
    assert {row[-1] for row in hpoa_rows([changed], release=release, hpo=hpo)} == \
        {"ORCID:0000-0002-1825-0097[2026-11-27]"}


def _quads(document: Document, claim: Any) -> list[Any]:
    from pyoxigraph import NamedNode

    subject = f"https://w3id.org/b12kg/id/claim/{claim.id}"
    return [q for q in claim_quads(document, NamedNode(f"https://w3id.org/b12kg/id/document/{document.id}"), claim)
            if q.subject.value == subject]


# ---------------------------------------------------------------- the declarative table of qualifiers


def test_every_qualifier_is_an_object_property_of_the_ontology() -> None:
    ontology = rdflib.Graph().parse(ONTOLOGY_DIR / "b12kg.ttl", format="turtle")
    for qualifier in QUALIFIERS.values():
        prop = rdflib.URIRef(NS["b12o"] + qualifier.rdf)
        assert (prop, rdflib.RDF.type, rdflib.OWL.ObjectProperty) in ontology, qualifier
        assert set(qualifier.kinds) <= set(TERM_KINDS), qualifier
    assert set(FIELD_KINDS) == set(QUALIFIERS) | {"frequency", "resembles"}


@pytest.mark.parametrize("name", QUALIFIERS)
def test_each_qualifier_is_stated_from_the_table(document: Document, name: str) -> None:
    qualifier = QUALIFIERS[name]
    value = parse_curie("UBERON:0001016")
    claim = document.claims[0].model_copy(update={name: (value,) if qualifier.many else value})
    stated = {(q.predicate.value, q.object.value) for q in _quads(document, claim)}
    assert (NS["b12o"] + qualifier.rdf, value.iri) in stated


def test_a_qualifier_of_the_wrong_kind_is_refused_with_its_line(curated_copy: Path) -> None:
    path, line = _edit_first_claim(curated_copy, "        modality: definition\n",
                                   "        modality: definition\n        setting: HP:0001337\n")
    with pytest.raises(CurationError) as caught:
        read_document(path)
    assert re.search(r"setting HP:0001337 is a manifestation term", str(caught.value))
    assert caught.value.claim == "b12-is-a-b-vitamin" and "use a term of kind setting" in caught.value.fix
    claim_line = path.read_text(encoding="utf-8").split("\n").index("      - id: b12-is-a-b-vitamin") + 1
    assert caught.value.line == claim_line < line  # the claim's own line, as for every check of its terms
