"""Nanopublication commands: `keygen` and `check-nanopubs`, and the signing options of export and release."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from b12kg.cli.group import fail, main
from b12kg.errors import B12kgError
from b12kg.paths import PROJECT, in_checkout

if TYPE_CHECKING:
    from b12kg.export.nanopub import Signing

__all__ = ["keygen", "check_nanopubs", "signing_options", "signing_from", "orcid_iri"]

F = TypeVar("F", bound=Callable[..., object])
_ORCID = re.compile(r"(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")


def orcid_iri(value: str) -> str:
    """`https://orcid.org/…` for an ORCID iD given bare or as an IRI, its check digit verified (ISO 7064 11,2)."""
    match = _ORCID.fullmatch(value.strip())
    if not match:
        raise B12kgError(f"--signer {value!r} is not an ORCID iD",
                         fix="give your ORCID iD, e.g. --signer https://orcid.org/0000-0002-1825-0097")
    digits = match.group(1).replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise B12kgError(f"--signer {value!r}: the ORCID iD's check digit is wrong", fix="copy the iD from orcid.org")
    return "https://orcid.org/" + match.group(1)


def signing_options(command: F) -> F:
    """--key, --signer and --signer-name, for the commands that write nanopublications."""
    command = click.option("--signer-name", default=None,
                           help="The signer's name, written beside the ORCID iD (foaf:name); needs --signer.")(command)
    command = click.option("--signer", default=None,
                           help="The signer's ORCID iD (https://orcid.org/… or the bare iD), written as npx:signedBy "
                                "in each nanopublication's signature. Only what you give is written.")(command)
    command = click.option("--key", "key", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
                           help="Sign every nanopublication (RSA) with this PEM private key, kept outside the "
                                "repository (make one with `b12kg keygen PATH`). Without it nanopublications are "
                                "trusty but unsigned.")(command)
    return command


def signing_from(key: Path | None, signer: str | None, signer_name: str | None) -> Signing | None:
    """The Signing the options describe, or None (and a note on stderr) when no key is given."""
    from b12kg.export.nanopub import Signing

    if signer_name and not signer:
        raise B12kgError("--signer-name needs --signer (the ORCID iD it names)", fix="add --signer YOUR-ORCID-ID")
    if key is None:
        if signer:
            raise B12kgError("--signer needs --key: only a signed nanopublication names its signer",
                             fix="add --key PATH (make a key with `b12kg keygen PATH`)")
        click.secho("nanopublications: unsigned (no --key given); their Trusty URIs are real, but nothing says who "
                    "published them — sign releases with --key PATH", fg="yellow", err=True)
        return None
    return Signing.from_pem(key, signer=orcid_iri(signer) if signer else None, signer_name=signer_name)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing file at PATH.")
def keygen(*, path: Path, force: bool) -> None:
    """Make an RSA signing key for nanopublications: a PEM private key at PATH (readable by you only).

    \b
    Keep it outside the repository (b12kg refuses to write it inside the checkout) and back it up: the
    nanopublications it signs carry its public key, and a later release signed with another key gives every
    nanopublication a new IRI. The same key with OpenSSL: openssl genrsa -out PATH 2048
    """
    from b12kg.export.npsig import new_private_key_pem, private_key_pkcs8, public_key_of

    try:
        target = path.resolve()
        if in_checkout() and target.is_relative_to(PROJECT.resolve()):
            raise B12kgError(f"{path} is inside the b12kg checkout; a private key must not be committed",
                             fix="write it outside the repository, e.g. b12kg keygen ~/.b12kg/signing-key.pem")
        if target.exists() and not force:
            raise B12kgError(f"{path} already exists", fix="choose another path, or pass --force to replace it")
        pem = new_private_key_pem()
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(pem)
        os.chmod(target, 0o600)
    except (B12kgError, OSError) as exc:
        fail(exc if isinstance(exc, B12kgError) else B12kgError(f"cannot write {path}: {exc}", fix="check the path"))
        return
    click.echo(f"wrote the private key {target} (mode 600); its public key, which signed nanopublications carry:")
    click.echo(public_key_of(private_key_pkcs8(target)))  # read back: what was written is a usable key


def _files(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".trig", ".nq", ".xml"))
        else:
            out.append(path)
    return out


@main.command(name="check-nanopubs")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--require-trusty", is_flag=True, help="Also fail when a nanopublication has no Trusty URI.")
@click.option("--require-signed", is_flag=True, help="Also fail when a nanopublication is not signed.")
def check_nanopubs(*, paths: tuple[Path, ...], require_trusty: bool, require_signed: bool) -> None:
    """Check nanopublication files (TriG, N-Quads, TriX; folders are searched): structure, literals, Trusty URI,
    signature.

    \b
    Each nanopublication must have its four graphs linked as the guidelines say, well-typed literals, an artifact
    code that is the hash of its content (when its IRI ends with one) and a signature that verifies (when it
    has one). Exit code 3 when any is invalid.
    """
    from b12kg.export.npcheck import check_file

    total = trusty = signed = bad = 0
    for path in _files(paths):
        for report in check_file(path):
            total += 1
            trusty += report.trusty
            signed += report.signed
            problems = list(report.problems)
            if require_trusty and not report.trusty and not problems:
                problems.append("no Trusty URI")
            if require_signed and not report.signed and not problems:
                problems.append("not signed")
            if problems:
                bad += 1
                click.secho(f"{path}: <{report.iri}>: " + "; ".join(problems), fg="red", err=True)
    click.echo(f"{total} nanopublications: {total - bad} valid, {trusty} trusty, {signed} signed")
    if bad:
        sys.exit(3)
