"""`b12kg diff`: controlled edits of a copy of the curated file give exactly the expected claim diff."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat, Store

from b12kg.build.describe import Release
from b12kg.cli import main
from b12kg.curation.schema import ClaimEntry
from b12kg.diff.compare import FIELD_GROUPS, Tally, compare
from b12kg.diff.report import version_iri
from b12kg.diff.run import DIFF_MARKDOWN, DIFF_RDF, diff, previous_release, release_diff
from b12kg.diff.sides import NANOPUB_INDEX, BadSide, Side, side_of_git, side_of_path
from b12kg.diff.snapshot import SNAPSHOT_FILE, Row, folder_rows, sorted_rows, write_snapshot
from b12kg.errors import B12kgError

CLAIMS = "b12-involuntary-movements.claims.yaml"
PROV = "http://www.w3.org/ns/prov#"
# The controlled edits: claim → (line in its block, replacement); each changes exactly one field.
EDITS = {
    "children-tremors": ('quote: "وتشمل الحركات غير الطوعية الهزات"', 'quote: "الحركات غير الطوعية الهزات"'),
    "infants-about-half-have-involuntary-movements": ("population: NCIT:C27956", "population: NCIT:C16423"),
    "adults-involuntary-movements-rare": ("object: HP:0004305", "object: HP:0002072"),
    "adequate-b12-usually-from-normal-diet": ("modality: hedged", "modality: asserted"),
    "children-involuntary-movements-common-sign": ("source: document", "source: pediatrics-1997-02"),
}
EXPECTED_FIELDS = {
    "children-tremors": ("quote",),
    "infants-about-half-have-involuntary-movements": ("population",),
    "adults-involuntary-movements-rare": ("object",),
    "adequate-b12-usually-from-normal-diet": ("modality",),
    "children-involuntary-movements-common-sign": ("source",),
}
REMOVED = "deficiency-is-serious"
ADDED = "children-tremors-again"


def _block(text: str, claim_id: str) -> tuple[int, int]:
    """Where a claim's block starts and ends in the claims file's text."""
    start = text.index(f"      - id: {claim_id}\n")
    following = re.compile(r"^(      - id: |  - id: )", re.M).search(text, start + 1)
    return start, following.start() if following else len(text)


def _edited(curated: Path) -> Path:
    """Apply the controlled edits to the copy: one field of five claims, one claim removed, one added."""
    path = curated / CLAIMS
    text = path.read_text(encoding="utf-8")
    for claim_id, (old, new) in EDITS.items():
        start, end = _block(text, claim_id)
        block = text[start:end]
        assert block.count(old) == 1, (claim_id, old)
        text = text[:start] + block.replace(old, new) + text[end:]
    start, end = _block(text, REMOVED)
    text = text[:start] + text[end:]
    start, end = _block(text, "children-tremors")
    copy = text[start:end].replace("id: children-tremors\n", f"id: {ADDED}\n")
    text = text[:end] + copy + text[end:]
    path.write_text(text, encoding="utf-8")
    return curated


def _run(old: Side, new: Side) -> tuple[Tally, str, str]:
    from io import StringIO

    markdown, rdf = StringIO(), StringIO()
    tally = diff(old, new, markdown=markdown, rdf=rdf)
    return tally, markdown.getvalue(), rdf.getvalue()


def _snapshot_folder(curated: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    with (folder / SNAPSHOT_FILE).open("w", encoding="utf-8") as out:
        write_snapshot(out, folder_rows(curated))
    return folder


def _triples(rdf: str) -> Store:
    store = Store()
    store.load(rdf.encode("utf-8"), format=RdfFormat.N_TRIPLES)
    return store


def _subjects_with(store: Store, predicate: str) -> set[str]:
    return {str(q.subject.value) for q in store.quads_for_pattern(None, _node(predicate), None)}


def _node(iri: str):  # type: ignore[no-untyped-def]
    from pyoxigraph import NamedNode

    return NamedNode(iri)


def test_controlled_edits_give_exactly_the_expected_diff(curated_copy: Path, tmp_path: Path) -> None:
    old = side_of_path(_snapshot_folder(curated_copy, tmp_path / "old-release"))
    new = side_of_path(_edited(curated_copy))
    tally = Tally()
    changes = list(compare(old.rows(), new.rows(), tally))
    assert {c.id: c.fields for c in changes if c.kind == "changed"} == EXPECTED_FIELDS
    assert [c.id for c in changes if c.kind == "added"] == [ADDED]
    assert [c.id for c in changes if c.kind == "removed"] == [REMOVED]
    assert (tally.added, tally.removed, tally.changed) == (1, 1, 5) and tally.unchanged == 35 - 1 - 5
    assert tally.groups == {"quote": 1, "qualifiers": 1, "IDs": 1, "modality": 1, "attribution": 1}

    _, markdown, rdf = _run(old, new)
    assert "1 added, 1 removed, 5 changed (1 quote, 1 IDs, 1 modality, 1 attribution, 1 qualifiers), " \
           "29 unchanged." in markdown
    assert f"- `{ADDED}` — The involuntary movements include tremors." in markdown
    assert "- `infants-about-half-have-involuntary-movements` — qualifiers (population)\n" \
           "  - `population`: `NCIT:C27956` → `NCIT:C16423`\n" in markdown
    assert "  - `modality`: `hedged` → `asserted`\n" in markdown

    store = _triples(rdf)
    revised = {(str(q.subject.value), str(q.object.value))
               for q in store.quads_for_pattern(None, _node(PROV + "wasRevisionOf"), None)}
    old_rows = {r.id: r for r in old.rows()}
    new_rows = {r.id: r for r in new.rows()}
    assert revised == {(version_iri(i, new_rows[i].sha256), version_iri(i, old_rows[i].sha256))
                       for i in EXPECTED_FIELDS}
    assert _subjects_with(store, PROV + "wasInvalidatedBy") == \
        {version_iri(i, old_rows[i].sha256) for i in [*EXPECTED_FIELDS, REMOVED]}
    assert _subjects_with(store, PROV + "wasGeneratedBy") == \
        {version_iri(i, new_rows[i].sha256) for i in [*EXPECTED_FIELDS, ADDED]}


def test_a_release_against_itself_and_a_snapshot_against_its_sources_are_empty(curated_copy: Path,
                                                                               tmp_path: Path) -> None:
    release = side_of_path(_snapshot_folder(curated_copy, tmp_path / "release"))
    tally, markdown, rdf = _run(release, release)
    assert tally.empty and tally.unchanged == 35 and rdf == ""
    assert "No claim was added, removed or changed (35 unchanged)." in markdown
    tally, _, rdf = _run(release, side_of_path(curated_copy))  # same claims read from YAML: same digests
    assert tally.empty and rdf == ""


def test_nested_fields_are_named_by_their_dotted_path(curated_copy: Path, tmp_path: Path) -> None:
    old = side_of_path(_snapshot_folder(curated_copy, tmp_path / "old"))
    path = curated_copy / CLAIMS
    text = path.read_text(encoding="utf-8")
    start, end = _block(text, "infants-about-half-have-involuntary-movements")
    block = text[start:end].replace("category: HP:0040282, proportion: 0.5", "category: HP:0040282, proportion: 0.4")
    block = block.replace('date: "2026-11-27"', 'date: "2026-11-30"')
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    tally, markdown, _ = _run(old, side_of_path(curated_copy))
    assert tally.changed == 1 and tally.groups == {"qualifiers": 1, "attribution": 1}
    assert "— attribution (curated.date), qualifiers (frequency.proportion)" in markdown
    assert "  - `frequency.proportion`: `0.5` → `0.4`" in markdown


def test_every_claim_field_has_a_group() -> None:
    assert set(ClaimEntry.model_fields) <= FIELD_GROUPS.keys()


def test_the_external_sort_merges_runs_and_refuses_a_duplicate_id() -> None:
    rows = [Row.of({"id": f"c-{n % 7}-{n}", "n": n}) for n in range(20)]
    assert [r.id for r in sorted_rows(rows, chunk=3)] == sorted(r.id for r in rows)
    with pytest.raises(B12kgError, match="'c-1' occurs twice"):
        list(sorted_rows([Row.of({"id": "c-1", "document": "a"}), *rows[:5],
                          Row.of({"id": "c-1", "document": "b"})], chunk=2))


def test_release_writes_its_snapshot_and_diff_against_the_previous_version(curated_copy: Path,
                                                                           tmp_path: Path) -> None:
    from b12kg.paths import CURATED_DIR

    releases = tmp_path / "releases"
    _snapshot_folder(_edited(curated_copy), releases / "2026-01-01-v0.0.9")
    (releases / "2026-01-02-v0.0.10").mkdir()  # no snapshot, but the newest below: it is the previous one
    (releases / "2027-01-01-v0.2.0").mkdir()  # a later version: never the previous one
    release = Release("0.1.0", "2026-11-27")
    assert previous_release(releases, release) == releases / "2026-01-02-v0.0.10"
    staging = tmp_path / "staging"
    staging.mkdir()
    said = release_diff(staging, curated_dir=CURATED_DIR, releases_dir=releases, release=release)
    assert "has no b12kg.claims.tsv" in said and not (staging / DIFF_MARKDOWN).exists()
    (releases / "2026-01-02-v0.0.10").rmdir()
    said = release_diff(staging, curated_dir=CURATED_DIR, releases_dir=releases, release=release)
    assert said == "claims against 2026-01-01-v0.0.9: 1 added, 1 removed, 5 changed, 29 unchanged"
    markdown = (staging / DIFF_MARKDOWN).read_text(encoding="utf-8")
    assert markdown.startswith("## Claims: 2026-01-01-v0.0.9 → 2026-11-27-v0.1.0\n")
    store = _triples((staging / DIFF_RDF).read_text(encoding="utf-8"))
    used = {str(q.object.value) for q in store.quads_for_pattern(None, _node(PROV + "used"), None)}
    generated = {str(q.object.value) for q in store.quads_for_pattern(None, _node(PROV + "generated"), None)}
    assert used == {"https://w3id.org/b12kg/releases/2026-01-01-v0.0.9/"}
    assert generated == {"https://w3id.org/b12kg/releases/2026-11-27-v0.1.0/"}


def test_the_first_release_lists_every_claim_as_added(tmp_path: Path) -> None:
    from b12kg.paths import CURATED_DIR

    staging = tmp_path / "staging"
    staging.mkdir()
    said = release_diff(staging, curated_dir=CURATED_DIR, releases_dir=tmp_path / "none",
                        release=Release("0.1.0", "2026-11-27"))
    assert said == "claims against no earlier release: 35 added, 0 removed, 0 changed, 0 unchanged"


def test_nanopublication_indexes_link_versions_supersessions_and_retractions(curated_copy: Path,
                                                                            tmp_path: Path) -> None:
    old_folder = _snapshot_folder(curated_copy, tmp_path / "2026-01-01-v0.0.9")
    new_folder = _snapshot_folder(_edited(curated_copy), tmp_path / "2026-11-27-v0.1.0")
    np = "https://w3id.org/b12kg/np/{}/RA{}".format
    header = "claim\tkind\tnanopub\tprevious\n"
    old_rows = [f"{c}\tclaim\t{np(c, 'old')}\t\n" for c in [*EXPECTED_FIELDS, REMOVED]]
    # the new release's index, as the nanopublication export writes it given the previous one
    new_rows = [f"{c}\tclaim\t{np(c, 'new')}\t{np(c, 'old')}\n" for c in EXPECTED_FIELDS]
    new_rows += [f"{ADDED}\tclaim\t{np(ADDED, 'new')}\t\n",
                 f"{REMOVED}\tretraction\t{np(REMOVED, 'retraction')}\t{np(REMOVED, 'old')}\n"]
    for folder, rows in ((old_folder, old_rows), (new_folder, new_rows)):
        index = folder / NANOPUB_INDEX
        index.parent.mkdir(parents=True, exist_ok=True)
        index.write_text(header + "".join(rows), encoding="utf-8")
    _, markdown, rdf = _run(side_of_path(old_folder), side_of_path(new_folder))
    store = _triples(rdf)
    npx = "http://purl.org/nanopub/x/"
    pairs = {(str(q.subject.value), str(q.predicate.value), str(q.object.value))
             for q in store.quads_for_pattern(None, None, None) if str(q.predicate.value).startswith(npx)}
    assert pairs == {(np(c, "new"), npx + "supersedes", np(c, "old")) for c in EXPECTED_FIELDS} | \
        {(np(REMOVED, "retraction"), npx + "retracts", np(REMOVED, "old"))}
    alternates = {str(q.object.value) for q in store.quads_for_pattern(None, _node(PROV + "alternateOf"), None)}
    assert alternates == {np(c, "old") for c in [*EXPECTED_FIELDS, REMOVED]} | \
        {np(c, "new") for c in [*EXPECTED_FIELDS, ADDED]}
    assert f"  - nanopublication: <{np('children-tremors', 'new')}> supersedes " \
           f"<{np('children-tremors', 'old')}>" in markdown
    assert f"  - nanopublication: <{np(REMOVED, 'retraction')}> retracts <{np(REMOVED, 'old')}>" in markdown
    (new_folder / NANOPUB_INDEX).write_text("claim\tnanopub\n", encoding="utf-8")
    with pytest.raises(B12kgError, match="b12kg.nanopubs.tsv:1: not a b12kg nanopublication index"):
        _run(side_of_path(old_folder), side_of_path(new_folder))


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_git_revisions_are_read_with_git_show_never_checked_out(curated_copy: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "graphs").mkdir(parents=True)
    shutil.copytree(curated_copy, repo / "graphs" / "curated")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    _edited(repo / "graphs" / "curated")
    _git(repo, "commit", "-qam", "two")
    (repo / "graphs" / "curated" / CLAIMS).write_text("the working tree, untouched by diff", encoding="utf-8")
    tally, markdown, _ = _run(side_of_git("HEAD~1", repo=repo), side_of_git("HEAD", repo=repo))
    assert (tally.added, tally.removed, tally.changed) == (1, 1, 5)
    assert markdown.startswith(f"## Claims: HEAD~1 ({_git(repo, 'rev-parse', 'HEAD~1')[:12]}) → HEAD (")
    assert (repo / "graphs" / "curated" / CLAIMS).read_text(encoding="utf-8") == "the working tree, untouched by diff"
    with pytest.raises(BadSide, match="no-such-tag"):
        side_of_git("no-such-tag", repo=repo)
    assert BadSide("x").exit_code == 2


def test_cli_exit_codes_and_located_errors(curated_copy: Path, tmp_path: Path) -> None:
    release = _snapshot_folder(curated_copy, tmp_path / "release")
    md, nt = tmp_path / "out" / "diff.md", tmp_path / "out" / "diff.nt"
    ok = CliRunner().invoke(main, ["diff", str(release), str(_edited(curated_copy)), "--markdown", str(md),
                                   "--rdf", str(nt)])
    assert ok.exit_code == 0, ok.output
    assert "1 added, 1 removed, 5 changed, 29 unchanged" in ok.output and md.is_file() and nt.is_file()
    missing = CliRunner().invoke(main, ["diff", str(tmp_path / "nowhere"), str(release)])
    assert missing.exit_code == 2 and "nowhere: no such folder" in missing.output
    empty = tmp_path / "empty"
    empty.mkdir()
    neither = CliRunner().invoke(main, ["diff", str(release), str(empty)])
    assert neither.exit_code == 2 and "neither a release folder" in neither.output
    one = CliRunner().invoke(main, ["diff", str(release)])
    assert one.exit_code == 2 and "NEW is missing" in one.output
    snapshot = release / SNAPSHOT_FILE
    lines = snapshot.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("الحركات", "الحركة")
    snapshot.write_text("".join(lines), encoding="utf-8")
    damaged = CliRunner().invoke(main, ["diff", str(release), str(release)])
    assert damaged.exit_code == 1 and f"{snapshot}:4: claim" in damaged.output and "does not match" in damaged.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / CLAIMS).write_text((curated_copy / CLAIMS).read_text(encoding="utf-8").replace(
        "modality: asserted", "modality: certain", 1), encoding="utf-8")
    bad = CliRunner().invoke(main, ["diff", str(broken), str(release)])
    assert bad.exit_code == 1 and re.search(rf"{CLAIMS}:\d+ \(claim [a-z0-9-]+\): ", bad.output), bad.output

