"""Nanopublications as the network checks them: Trusty URIs, signatures, the official test suite, supersession.

Three implementations judge our nanopublications: ours (b12kg.export.npcheck), nanopub-py (PyPI `nanopub`,
rdflib + pycryptodome) and nanopub-sign (PyPI `nanopub-sign`, the Rust toolkit).
"""

from __future__ import annotations

import io
import subprocess
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from nanopub_sign import KeyPair
from nanopub_sign import Nanopub as RustNanopub
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from b12kg.build.writers import canonical_rows, write_trig
from b12kg.cli import main
from b12kg.curation.read import Document
from b12kg.export.nanopub import NP_BASE, NP_PLACEHOLDER, NPX, Signing, nanopub_quads, seal
from b12kg.export.npcheck import check_file
from b12kg.export.npindex import INDEX_NAME, read_index
from b12kg.export.npsig import new_private_key_pem, public_key_of
from b12kg.export.run import export
from b12kg.export.trustify import make_trusty
from b12kg.export.trusty import ARTIFACT_CODE, substitute
from b12kg.paths import GRAPHS_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from nanopub import Nanopub as PyNanopub

SUITE = Path(__file__).parent / "nanopub-testsuite"
SUITE_ORCID = "https://orcid.org/0000-0000-0000-0000"  # the signer the suite's README says it used
SIGNER = "https://orcid.org/0000-0002-1825-0097"  # ORCID's documented example iD (a valid check digit), not a person
COMMITTED = GRAPHS_DIR / "exports" / "nanopubs"
CLAIMS = 35


def _suite_files(kind: str) -> list[Path]:
    return sorted(p for p in (SUITE / kind).rglob("*") if p.is_file())


# ------------------------------------------------------------------ the official test suite


@pytest.mark.parametrize("path", _suite_files("valid"), ids=lambda p: p.relative_to(SUITE).as_posix())
def test_our_checker_accepts_every_valid_file_of_the_suite(path: Path) -> None:
    reports = check_file(path)
    assert reports and all(r.valid for r in reports), [r.problems for r in reports]
    if "trusty" in path.parts or "signed" in path.parts:
        assert all(r.trusty for r in reports)
    if "signed" in path.parts:
        assert all(r.signed for r in reports)


@pytest.mark.parametrize("path", _suite_files("invalid"), ids=lambda p: p.relative_to(SUITE).as_posix())
def test_our_checker_rejects_every_invalid_file_of_the_suite(path: Path) -> None:
    assert any(not r.valid for r in check_file(path))


def _transform_cases() -> list[tuple[str, Path]]:
    return [(key, plain) for key in ("rsa-key1", "rsa-key2")
            for plain in sorted((SUITE / "transform" / "plain").glob("*.in.trig"))]


@pytest.mark.parametrize(("key", "plain"), _transform_cases(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_our_signing_gives_the_suites_artifact_codes(key: str, plain: Path) -> None:
    """All 23 plain nanopublications, with both keys: the code nanopub-java gave (the suite's README: its signer)."""
    private = (SUITE / "transform" / "signed" / key / "key" / "id_rsa").read_text(encoding="ascii").strip()
    iri, quads = make_trusty(list(parse(path=str(plain), format=RdfFormat.TRIG)),
                             signing=Signing(private, public_key_of(private), SUITE_ORCID))
    expected = (SUITE / "transform" / "signed" / key / plain.name.replace(".in.trig", ".out.code")).read_text().strip()
    assert iri.endswith(expected)
    assert ARTIFACT_CODE.fullmatch(expected)


def test_public_key_of_the_suites_key_is_the_one_it_publishes() -> None:
    folder = SUITE / "transform" / "signed" / "rsa-key1" / "key"
    public = "".join(line for line in (folder / "id_rsa.pub").read_text().split() if not line.startswith("-"))
    assert public_key_of((folder / "id_rsa").read_text().strip()) == public


def test_check_nanopubs_command_classifies_the_suite_folders() -> None:
    runner = CliRunner()
    valid = runner.invoke(main, ["check-nanopubs", str(SUITE / "valid")])
    assert valid.exit_code == 0, valid.output
    assert "invalid" not in valid.output and " 0 valid" not in valid.output
    invalid = runner.invoke(main, ["check-nanopubs", str(SUITE / "invalid" / "trusty" / "trusty1.trig")])
    assert invalid.exit_code == 3 and "is not the hash" in invalid.output


# ------------------------------------------------------------------ our nanopublications, three checkers


def _pycheck(path: Path, *, signed: bool) -> tuple[bool, bool]:
    """(trusty, signed) by nanopub-py; each raises on failure, so a failure is False."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        publication = PyNanopub(rdf=path)
        try:
            trusty = publication.has_valid_trusty
        except Exception:  # nanopub-py raises MalformedNanopubError (or worse) for a bad hash
            trusty = False
        try:
            good = publication.has_valid_signature if signed else False
        except Exception:
            good = False
    return trusty, good


def _rustcheck(text: str) -> tuple[bool, bool]:
    """(trusty, signed) by nanopub-sign; its check raises on any failure."""
    try:
        info = RustNanopub(text).check().info()
    except Exception:  # nanopub-sign raises a plain Exception with its message
        return False, False
    return bool(info["trusty_hash"]), bool(info["signature"])


@pytest.mark.slow  # nanopub-py parses each file with rdflib (over 2 s for 35)
def test_committed_nanopublications_are_trusty_for_two_checkers() -> None:
    files = sorted(COMMITTED.glob("*.trig"))
    assert len(files) == CLAIMS
    ours = [r for f in files for r in check_file(f)]
    assert sum(r.valid and r.trusty and not r.signed for r in ours) == CLAIMS
    assert [_pycheck(f, signed=False) for f in files] == [(True, False)] * CLAIMS
    for report in ours:
        assert report.iri.startswith(NP_BASE) and ARTIFACT_CODE.fullmatch(report.iri.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def throwaway_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "signing-key.pem"
    path.write_text(new_private_key_pem(), encoding="ascii")
    return path


@pytest.fixture(scope="module")
def signed_export(throwaway_key: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("signed")
    result = export(out_dir=out, signing=Signing.from_pem(throwaway_key, signer=SIGNER, signer_name="Example"))
    assert result.signed and result.nanopubs == CLAIMS
    return out


@pytest.mark.slow  # nanopub-py parses each file with rdflib (over 2 s for 35)
def test_signed_nanopublications_are_trusty_and_signed_for_two_checkers(signed_export: Path,
                                                                        throwaway_key: Path) -> None:
    files = sorted((signed_export / "nanopubs").glob("*.trig"))
    assert len(files) == CLAIMS
    ours = [r for f in files for r in check_file(f)]
    assert sum(r.valid and r.trusty and r.signed for r in ours) == CLAIMS
    assert [_pycheck(f, signed=True) for f in files] == [(True, True)] * CLAIMS
    public = public_key_of(Signing.from_pem(throwaway_key).private_key)
    for path in files:
        quads = list(parse(path=str(path), format=RdfFormat.TRIG))
        assert any(q.predicate.value == NPX + "signedBy" and q.object == NamedNode(SIGNER) for q in quads)
        assert any(q.predicate.value == NPX + "hasPublicKey" and q.object == Literal(public) for q in quads)
        assert all(q.graph_name.value.endswith("#pubinfo") for q in quads if q.predicate.value.startswith(NPX))


def test_signing_is_deterministic_and_the_key_is_in_the_iri(document: Document, throwaway_key: Path) -> None:
    claim = document.claims[0]
    signing = Signing.from_pem(throwaway_key)
    signed, _ = nanopub_quads(document, claim, signing=signing)
    assert nanopub_quads(document, claim, signing=signing)[0] == signed
    unsigned, _ = nanopub_quads(document, claim)
    assert signed != unsigned and signed.rsplit("/", 1)[0] == unsigned.rsplit("/", 1)[0]


def _one_literal_per_language_set(iri: str, quads: list[Quad], signing: Signing) -> str:
    """The nanopublication re-sealed with one language-tagged literal per graph, subject and predicate."""
    code = iri.rsplit("/", 1)[1]
    kept, seen = [], set()
    for quad in substitute(quads, code, NP_PLACEHOLDER):
        if isinstance(quad.object, Literal) and quad.object.language:
            key = (quad.graph_name, quad.subject, quad.predicate)
            if key in seen:
                continue
            seen.add(key)
        kept.append(quad)
    base = iri.rsplit("/", 1)[0] + "/"
    _, sealed = seal(kept, base, signing)
    out = io.StringIO()
    write_trig(out, canonical_rows(sealed), ["test"])
    return out.getvalue()


@pytest.mark.slow  # nanopub-py parses each file with rdflib (over 2 s for 35)
def test_nanopub_sign_accepts_our_nanopublications_but_for_its_language_order(document: Document,
                                                                              throwaway_key: Path,
                                                                              tmp_path: Path) -> None:
    """nanopub-sign 0.2.0 sorts language-tagged literals of one subject and predicate by language first;
    the reference (trustyuri-java's StatementComparator) and nanopub-py sort them by text first. Our claims all
    have such pairs (an English and an Arabic label), so nanopub-sign rejects their hash; with one such literal
    per subject and predicate it accepts every one of them as trusty and signed, with the same signatures."""
    signing = Signing.from_pem(throwaway_key, signer=SIGNER)
    accepted = 0
    for claim in document.claims:
        iri, quads = nanopub_quads(document, claim)  # unsigned; signed below, after the literals are thinned
        text = _one_literal_per_language_set(iri, quads, signing)
        assert _rustcheck(text) == (True, True), claim.id
        path = tmp_path / f"{claim.id}.trig"
        path.write_text(text, encoding="utf-8")
        assert all(r.valid and r.trusty and r.signed for r in check_file(path))
        assert _pycheck(path, signed=True) == (True, True)
        accepted += 1
    assert accepted == CLAIMS


def test_nanopub_sign_orders_language_tags_unlike_the_reference(tmp_path: Path, throwaway_key: Path) -> None:
    """The one disagreement, in its smallest form ("b"@en and "a"@fr on one subject and predicate)."""
    base = NP_BASE + "example/"
    iri = NamedNode(base + NP_PLACEHOLDER)
    head, assertion, provenance, pubinfo = (NamedNode(f"{iri.value}#{g}")
                                            for g in ("Head", "assertion", "provenance", "pubinfo"))
    np = "http://www.nanopub.org/nschema#"
    ex = "http://example.org/"
    quads = [Quad(iri, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(np + "Nanopublication"),
                  head),
             Quad(iri, NamedNode(np + "hasAssertion"), assertion, head),
             Quad(iri, NamedNode(np + "hasProvenance"), provenance, head),
             Quad(iri, NamedNode(np + "hasPublicationInfo"), pubinfo, head),
             Quad(assertion, NamedNode(ex + "p"), NamedNode(ex + "o"), provenance),
             Quad(iri, NamedNode(ex + "p"), NamedNode(ex + "o"), pubinfo)]
    verdicts = {}
    for first, second in ((("a", "en"), ("b", "fr")), (("b", "en"), ("a", "fr"))):
        labels = [Quad(NamedNode(ex + "s"), NamedNode(ex + "label"), Literal(text, language=lang), assertion)
                  for text, lang in (first, second)]
        _, sealed = seal(quads + labels, base, Signing.from_pem(throwaway_key))
        path = tmp_path / f"{first[0]}.trig"
        with path.open("w", encoding="utf-8") as out:
            write_trig(out, canonical_rows(sealed), ["test"])
        ours = check_file(path)[0]
        verdicts[first[0]] = ((ours.trusty, ours.signed), _pycheck(path, signed=True),
                              _rustcheck(path.read_text(encoding="utf-8")))
    assert verdicts["a"] == ((True, True), (True, True), (True, True))  # text order = language order: all agree
    assert verdicts["b"] == ((True, True), (True, True), (False, False))  # they differ: nanopub-sign alone rejects


# ------------------------------------------------------------------ supersession and retraction


def _edit(curated: Path, old: str, new: str) -> None:
    path = next(curated.glob("*.claims.yaml"))
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_claim_supersedes_and_a_gone_claim_is_retracted(curated_copy: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    export(curated_dir=curated_copy, out_dir=first)
    before = read_index(first / INDEX_NAME)
    assert len(before) == CLAIMS and all(row.kind == "claim" and not row.previous for row in before.values())
    # a changed gloss (provenance) for one claim; and a claim the previous release had that is gone now
    _edit(curated_copy, "gloss: Vitamin B12 belongs to the B-complex group of vitamins.",
          "gloss: Vitamin B12 is one of the B-complex vitamins.")
    gone = "a-claim-of-the-previous-release"
    gone_iri = f"{NP_BASE}{gone}/RA{'A' * 43}"
    with (first / INDEX_NAME).open("a", encoding="utf-8") as index:
        index.write(f"{gone}\tclaim\t{gone_iri}\t\n")
    second = tmp_path / "second"
    result = export(curated_dir=curated_copy, out_dir=second, previous=read_index(first / INDEX_NAME))
    assert result.changes == {"new": 0, "kept": CLAIMS - 1, "superseding": 1, "retracting": 1}
    after = read_index(second / INDEX_NAME)
    changed = [row for row in after.values() if row.kind == "claim" and row.previous]
    assert [(row.claim, row.previous) for row in changed] == [("b12-is-a-b-vitamin",
                                                              before["b12-is-a-b-vitamin"].nanopub)]
    assert changed[0].nanopub != before["b12-is-a-b-vitamin"].nanopub
    for claim_id, row in before.items():
        if claim_id != "b12-is-a-b-vitamin":
            assert after[claim_id] == row, claim_id  # unchanged claims keep their IRIs
    new_quads = list(parse(path=str(second / "nanopubs" / "b12-is-a-b-vitamin.trig"), format=RdfFormat.TRIG))
    assert [(q.subject.value, q.object.value) for q in new_quads if q.predicate.value == NPX + "supersedes"] == \
        [(changed[0].nanopub, before["b12-is-a-b-vitamin"].nanopub)]
    retraction = after[gone]
    assert retraction.kind == "retraction" and retraction.previous == gone_iri
    retract_file = second / "nanopubs" / f"{gone}.retraction.trig"
    assert [q.object.value for q in parse(path=str(retract_file), format=RdfFormat.TRIG)
            if q.predicate.value == NPX + "retracts"] == [gone_iri]
    assert all(r.valid and r.trusty for f in (second / "nanopubs").glob("*.trig") for r in check_file(f))
    # the release after: nothing changed, so every nanopublication (the superseding one, the retraction) stays
    third = tmp_path / "third"
    again = export(curated_dir=curated_copy, out_dir=third, previous=after)
    assert again.changes == {"new": 0, "kept": CLAIMS, "superseding": 0, "retracting": 1}
    assert read_index(third / INDEX_NAME) == after


def test_a_malformed_previous_index_is_located(tmp_path: Path) -> None:
    bad = tmp_path / INDEX_NAME
    bad.write_text("claim\tkind\tnanopub\tprevious\nx\tmaybe\thttps://e/x\t\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "out"), "--previous-index", str(bad)])
    assert result.exit_code == 1 and f"{bad}:2" in result.output


# ------------------------------------------------------------------ the commands


def test_export_without_a_key_says_it_is_unsigned(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "unsigned (no --key given)" in result.stderr and "35 unsigned nanopublications" in result.stdout


def test_export_with_a_key_and_signer(tmp_path: Path, throwaway_key: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path), "--key", str(throwaway_key),
                                       "--signer", SIGNER.rsplit("/", 1)[1]])
    assert result.exit_code == 0, result.output
    assert "35 signed nanopublications" in result.stdout and "unsigned" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--signer", SIGNER], "--signer needs --key"),
    (["--key", "KEY", "--signer", "0000-0002-1825-0098"], "check digit is wrong"),
    (["--key", "KEY", "--signer", "someone"], "is not an ORCID iD"),
    (["--key", "KEY", "--signer-name", "A Name"], "--signer-name needs --signer"),
])
def test_signing_options_are_checked(tmp_path: Path, throwaway_key: Path, args: list[str], message: str) -> None:
    args = [str(throwaway_key) if a == "KEY" else a for a in args]
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path), *args])
    assert result.exit_code == 1 and message in result.output


def test_a_key_that_is_not_pem_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("not a key", encoding="ascii")
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "out"), "--key", str(key)])
    assert result.exit_code == 1 and "holds no PEM RSA private key" in result.output


@pytest.mark.parametrize(("make", "message"), [
    (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "holds no PEM RSA private key"),
    (["genrsa", "-aes256", "-passout", "pass:secret"], "is an encrypted private key"),
])
def test_a_key_we_cannot_sign_with_is_refused(tmp_path: Path, make: list[str], message: str) -> None:
    """An EC key (nanopublications here are signed with RSA) and a password-protected key: a located error."""
    key = tmp_path / "key.pem"
    subprocess.run(["openssl", *make, "-out", str(key)], check=True, capture_output=True)
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "out"), "--key", str(key)])
    assert result.exit_code == 1 and message in result.output and str(key) in result.output


def test_a_key_pair_of_nanopub_sign_gives_its_public_key_and_a_signature_it_verifies() -> None:
    """The Rust toolkit's own key pair: our public key encoding is its, and it verifies what we sign with it."""
    pair = KeyPair()
    signing = Signing(pair.private, public_key_of(pair.private))
    assert signing.public_key == pair.public
    plain = sorted((SUITE / "transform" / "plain").glob("*.in.trig"))[0]
    _, quads = make_trusty(list(parse(path=str(plain), format=RdfFormat.TRIG)), signing=signing)
    out = io.StringIO()
    write_trig(out, canonical_rows(quads), ["test"])
    assert _rustcheck(out.getvalue()) == (True, True)


def test_keygen_writes_a_private_key_outside_the_checkout(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"
    result = CliRunner().invoke(main, ["keygen", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600
    assert Signing.from_pem(path).public_key in result.output
    assert CliRunner().invoke(main, ["keygen", str(path)]).exit_code == 1  # no silent overwrite
    inside = CliRunner().invoke(main, ["keygen", str(GRAPHS_DIR / "key.pem")])
    assert inside.exit_code == 1 and "inside the b12kg checkout" in inside.output
    assert not (GRAPHS_DIR / "key.pem").exists()


def test_openssl_keys_sign_too(tmp_path: Path, document: Document) -> None:
    """`openssl genrsa` writes PKCS #1 (-traditional) or PKCS #8: both are read."""
    for flag in ([], ["-traditional"]):
        key = tmp_path / f"key{len(flag)}.pem"
        subprocess.run(["openssl", "genrsa", *flag, "-out", str(key), "2048"], check=True, capture_output=True)
        iri, quads = nanopub_quads(document, document.claims[0], signing=Signing.from_pem(key))
        path = tmp_path / f"np{len(flag)}.trig"
        with path.open("w", encoding="utf-8") as out:
            write_trig(out, canonical_rows(quads), ["test"])
        assert [(r.trusty, r.signed) for r in check_file(path)] == [(True, True)]
