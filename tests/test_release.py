"""`b12kg release`: a dated, immutable, checksummed folder whose description and version IRI match its content."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from b12kg.build.describe import DOWNLOAD_BASE, read_release
from b12kg.build.release import CHECKSUMS, GZIPPED, RELEASE_DESCRIPTION, make_release
from b12kg.errors import B12kgError
from b12kg.paths import CURATED_DIR

# A release is a whole build, HermiT's inferences (a JVM) and exports.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("releases")
    result = make_release(releases_dir=root)
    assert result.created
    return result.folder


def test_the_release_folder_is_dated_and_holds_every_artefact(released: Path) -> None:
    release = read_release()
    assert released.name == f"{release.date}-v{release.version}"
    for name in ("b12kg.nt", "b12kg.nq", "b12kg.ttl", "b12kg.trig", "b12kg.jsonld", "b12kg.void.ttl",
                 "b12kg-inferred.nt", "b12kg.coverage.tsv", "CHANGELOG.md", CHECKSUMS, "ontology/b12kg.ttl",
                 "ontology/b12kg.owl", "ontology/shapes.ttl", "ontology/docs/b12kg.html",
                 "ontology/imports/hp_import.owl", "ontology/imports/anatomy_import.owl",
                 "ontology/imports/anatomy_edges.tsv", "exports/b12kg.phenotype.hpoa", "exports/kgx/b12kg_edges.tsv",
                 *(f"{name}.gz" for name in GZIPPED)):
        assert (released / name).is_file(), name
    assert len(list((released / "exports" / "nanopubs").glob("*.trig"))) >= 35


def test_checksums_verify_with_sha256sum_and_dumps_unzip_to_the_files(released: Path) -> None:
    done = subprocess.run(["sha256sum", "--check", "--strict", CHECKSUMS], cwd=released, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = {line.split("  ", 1)[1] for line in (released / CHECKSUMS).read_text(encoding="utf-8").splitlines()}
    present = {p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()} - {CHECKSUMS}
    assert listed == present
    for name in GZIPPED:
        assert gzip.decompress((released / f"{name}.gz").read_bytes()) == (released / name).read_bytes()


def test_files_are_read_only(released: Path) -> None:
    assert all(not p.stat().st_mode & 0o222 for p in released.rglob("*") if p.is_file())


def test_version_iri_and_description_match_the_release(released: Path) -> None:
    release = read_release()
    ontology = Store()
    ontology.load(path=str(released / "ontology" / "b12kg.ttl"), format=RdfFormat.TURTLE)
    (row,) = ontology.query("SELECT ?v ?i { <https://w3id.org/b12kg/ontology> "
                            "<http://www.w3.org/2002/07/owl#versionIRI> ?v ; "
                            "<http://www.w3.org/2002/07/owl#versionInfo> ?i }")
    assert row[0].value == f"https://w3id.org/b12kg/ontology/{release.version}" and row[1].value == release.version
    description = Store()
    description.load(path=str(released / "b12kg.void.ttl"), format=RdfFormat.TURTLE)
    description.load(path=str(released / RELEASE_DESCRIPTION), format=RdfFormat.TURTLE)
    rows = list(description.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?url ?sum { ?d dcat:downloadURL ?url ; spdx:checksum/spdx:checksumValue ?sum }"""))
    assert len(rows) >= 10
    described = set()
    for url, digest in rows:
        prefix = f"{DOWNLOAD_BASE}{release.folder}/"
        assert url.value.startswith(prefix)
        path = released / url.value[len(prefix):]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest.value, url.value
        described.add(url.value[len(prefix):])
    # every file is a described distribution (the build's own description too, listed by the release's), but
    # the release description and checksum list themselves, the nanopublications and the explorer's files (listed
    # in SHA256SUMS)
    files = {p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()}
    assert files - described == {RELEASE_DESCRIPTION, CHECKSUMS} | \
        {f for f in files if f.startswith(("exports/nanopubs/", "explorer/"))}
    assert "explorer/index.html" in files
    assert {"b12kg-inferred.nt", "b12kg.nt.gz", "exports/kgx/b12kg_edges.jsonl", "CHANGELOG.md"} <= described


def test_releasing_again_is_a_no_op_and_changed_sources_are_refused(released: Path, tmp_path: Path) -> None:
    before = (released / CHECKSUMS).read_bytes()
    again = make_release(releases_dir=released.parent)
    assert not again.created and (released / CHECKSUMS).read_bytes() == before
    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    claims = next(curated.glob("*.claims.yaml"))
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("gloss: ", "gloss: (revised) ", 1), encoding="utf-8")
    with pytest.raises(B12kgError, match="immutable") as caught:
        make_release(releases_dir=released.parent, curated_dir=curated)
    assert "CHANGELOG.md" in caught.value.fix
    assert (released / CHECKSUMS).read_bytes() == before
    assert [p.name for p in released.parent.iterdir()] == [released.name], "staging left behind"


def test_the_release_carries_its_claims_and_their_diff(released: Path) -> None:
    from b12kg.diff.run import DIFF_MARKDOWN, DIFF_RDF
    from b12kg.diff.snapshot import SNAPSHOT_FILE

    lines = (released / SNAPSHOT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 35 and lines[0].startswith("# b12kg-claims-snapshot/1 ")
    # the first release (no earlier one in this folder): every claim added
    markdown = (released / DIFF_MARKDOWN).read_text(encoding="utf-8")
    assert "35 added, 0 removed, 0 changed, 0 unchanged." in markdown
    rdf = (released / DIFF_RDF).read_text(encoding="utf-8")
    assert rdf.count("<http://www.w3.org/ns/prov#wasGeneratedBy>") == 35
    same = subprocess.run([sys.executable, "-m", "b12kg", "diff", str(released), str(released)],
                          capture_output=True, text=True, check=False)
    assert same.returncode == 0 and "No claim was added, removed or changed (35 unchanged)." in same.stdout


def test_a_signed_release_supersedes_the_previous_release(tmp_path: Path) -> None:
    """`release --key` signs; the newest earlier release's nanopublication index is found and superseded."""
    from b12kg.export.nanopub import Signing
    from b12kg.export.npcheck import check_file
    from b12kg.export.npindex import INDEX_NAME, read_index
    from b12kg.export.npsig import new_private_key_pem
    from b12kg.paths import GRAPHS_DIR

    key = tmp_path / "key.pem"
    key.write_text(new_private_key_pem(), encoding="ascii")
    signing = Signing.from_pem(key, signer="https://orcid.org/0000-0002-1825-0097")
    releases = tmp_path / "releases"
    earlier = releases / "2000-01-01-v0.0.1" / "exports"  # an earlier release: only its index matters here
    earlier.mkdir(parents=True)
    rows = (GRAPHS_DIR / "exports" / INDEX_NAME).read_text(encoding="utf-8").splitlines(keepends=True)
    rows.append("gone-claim\tclaim\thttps://w3id.org/b12kg/np/gone-claim/RA" + "A" * 43 + "\t\n")
    (earlier / INDEX_NAME).write_text("".join(rows), encoding="utf-8")
    result = make_release(releases_dir=releases, reasoner="owl-rl", signing=signing)
    exports = result.folder / "exports"
    index = read_index(exports / INDEX_NAME)
    previous = read_index(earlier / INDEX_NAME)
    # signed, so every claim's nanopublication is new content: each supersedes its unsigned predecessor
    assert {row.claim: row.previous for row in index.values() if row.kind == "claim"} == \
        {claim: row.nanopub for claim, row in previous.items() if claim != "gone-claim"}
    assert index["gone-claim"].kind == "retraction" and index["gone-claim"].previous == previous["gone-claim"].nanopub
    reports = [r for f in (exports / "nanopubs").glob("*.trig") for r in check_file(f)]
    assert len(reports) == 36 and all(r.valid and r.trusty and r.signed for r in reports)
    assert f"exports/{INDEX_NAME}" in (result.folder / CHECKSUMS).read_text(encoding="utf-8")
