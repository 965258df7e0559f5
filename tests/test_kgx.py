"""KGX that its own tools accept: PyPI kgx's validator, and Biolink's text-mining slots filled from the quote."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from b12kg.curation.read import Document
from b12kg.export.kgx import kgx_edges, location_in_text
from b12kg.export.run import export
from b12kg.paths import PROJECT
from stores import require_store

KGX_PYTHON = PROJECT / ".venv-kgx" / "bin" / "python"
RUNNER = PROJECT / "scripts" / "kgx_validate.py"
# What kgx 2.7.0's validator reports on our export, each a limitation of the validator or of Biolink's prefix
# map rather than of the rows (docs/publishing.md, "KGX"): ONS (the Ontology for Nutritional Studies, an OBO
# ontology) is not among the prefixes of Biolink's JSON-LD context; and kgx's CURIE test
# (kgx.prefix_manager.PrefixManager.is_curie, `^[^ <()>:]*:[^/ :]+$`) refuses a '/' in a CURIE's local part, which
# our own terms have (b12:population/people) and W3C CURIE syntax allows.
LIMITATIONS = (
    re.compile(r"(Edge property '(subject|object)'|Node property 'id') has a value 'ONS:[0-9]{7}' with a CURIE "
               r"prefix 'ONS' (that )?is not represented in Biolink Model JSON-LD context"),
    re.compile(r"Edge property '(subject|object)' has a value 'b12:[a-z]+/[a-z0-9-]+' which is not a proper CURIE"),
    re.compile(r"Node property 'id' is expected to be of type 'CURIE'"),
)


@pytest.fixture(scope="module")
def kgx_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    export(out_dir=out)
    return out / "kgx"


def _validate(nodes: Path, edges: Path) -> dict[str, dict[str, dict[str, list[str]]]]:
    require_store("PyPI kgx (the kgx tools venv)", KGX_PYTHON.is_file(),
                  install="scripts/setup.sh '[test]' (it makes .venv-kgx/ from requirements-kgx.lock)")
    done = subprocess.run([str(KGX_PYTHON), str(RUNNER), str(nodes), str(edges)], capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["biolink_model"] == "4.4.3"  # the model kgx 2.7.0 installs (biolink-model on PyPI)
    errors: dict[str, dict[str, dict[str, list[str]]]] = report["errors"]
    return errors


def _messages(errors: dict[str, dict[str, dict[str, list[str]]]]) -> dict[str, list[str]]:
    return {message: entities for types in errors.values() for messages in types.values()
            for message, entities in messages.items()}


@pytest.mark.slow  # kgx loads the Biolink model YAML with LinkML: about ten seconds
def test_kgx_own_validator_reports_only_the_documented_limitations(kgx_files: Path, tmp_path: Path) -> None:
    messages = _messages(_validate(kgx_files / "b12kg_nodes.tsv", kgx_files / "b12kg_edges.tsv"))
    unexplained = [m for m in messages if not any(rule.fullmatch(m) for rule in LIMITATIONS)]
    assert not unexplained, unexplained
    not_curies = messages.get("Node property 'id' is expected to be of type 'CURIE'", [])
    assert all(entity.startswith("b12:") and "/" in entity for entity in not_curies), not_curies
    # The validator does run on the rows: a predicate Biolink does not have and a node without a category are
    # reported in a copy.
    broken = tmp_path / "broken"
    shutil.copytree(kgx_files, broken)
    edges = (broken / "b12kg_edges.tsv").read_text(encoding="utf-8")
    (broken / "b12kg_edges.tsv").write_text(edges.replace("biolink:has_phenotype", "biolink:has_phenotypes", 1),
                                            encoding="utf-8")
    nodes = (broken / "b12kg_nodes.tsv").read_text(encoding="utf-8")
    (broken / "b12kg_nodes.tsv").write_text(nodes.replace("\tbiolink:Disease\t", "\t\t", 1), encoding="utf-8")
    reported = _messages(_validate(broken / "b12kg_nodes.tsv", broken / "b12kg_edges.tsv"))
    assert any("has_phenotypes" in m for m in reported), list(reported)
    assert len(reported) > len(messages)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_locations_in_text_are_the_terms_own_words_in_the_quote(kgx_files: Path, document: Document) -> None:
    claims = {c.id: c for c in document.claims}
    located = 0
    for edge in _rows(kgx_files / "b12kg_edges.tsv"):
        claim = claims[edge["id"].rsplit("/", 1)[1]]
        quote = edge["supporting_text"]
        assert quote == claim.quote.text
        for end, curie in (("subject", claim.subject), ("object", claim.object)):
            term = document.terms[str(curie)]
            value = edge[f"{end}_location_in_text"]
            offsets = [int(n) for n in value.split("|")] if value else []
            assert len(offsets) % 2 == 0
            words = {*term.text_labels, term.label.ar}
            for start, stop in zip(offsets[::2], offsets[1::2], strict=True):
                assert quote[start:stop] in words, (claim.id, end, quote[start:stop])
            # left out exactly when none of the term's words is in the quote
            assert bool(offsets) == any(w in quote for w in words), (claim.id, end)
            located += bool(offsets)
    assert located >= 40  # most ends are named in their quote
    edge = next(e for e in kgx_edges([document]) if e["id"].endswith("/adults-involuntary-movements-rare"))
    # "بين البالغين، أعراض الحركات اللاإرادية نادرا ما تحدث أثناء نقص فيتامين ب 12": "الحركات اللاإرادية" at
    # 20–38 (a text label of HP:0004305), "نقص فيتامين ب 12" at 59–75 (of MONDO:0020696)
    assert edge["object_location_in_text"] == [20, 38] and edge["subject_location_in_text"] == [59, 75]


def test_location_in_text_keeps_every_span_and_drops_spans_inside_longer_ones(document: Document) -> None:
    term = document.terms["HP:0004305"]  # text labels include "حركات لا إرادية" and "الحركات اللاإرادية"
    quote = "حركات لا إرادية ثم الحركات اللاإرادية"
    assert location_in_text(quote, term) == [0, 15, 19, 37]
    assert location_in_text("لا شيء هنا", term) == []


def test_section_type_is_the_heading_the_claim_stands_under(kgx_files: Path, document: Document) -> None:
    claims = {c.id: c for c in document.claims}
    seen = set()
    for edge in _rows(kgx_files / "b12kg_edges.tsv"):
        section = claims[edge["id"].rsplit("/", 1)[1]].section
        expected = section.heading_gloss if section.heading is not None else ""
        assert edge["supporting_text_section_type"] == expected
        seen.add(expected)
    assert "" in seen and "Involuntary movements in adults" in seen
