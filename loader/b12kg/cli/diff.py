"""The `diff` command: claims added, removed and changed between two releases or revisions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from b12kg.cli.group import fail, main
from b12kg.errors import B12kgError
from b12kg.paths import PROJECT

__all__ = ["diff_cmd"]


@main.command(name="diff")
@click.argument("old")
@click.argument("new", required=False)
@click.option("--git", "use_git", is_flag=True,
              help="OLD and NEW are git revisions (commits, tags, branches) of the curated files, read with "
                   "`git show` without checking anything out; without NEW, the working tree's curated folder.")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=PROJECT,
              show_default=True, help="The git repository (with --git).")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the Markdown report to this file instead of standard output.")
@click.option("--rdf", "rdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the RDF report (N-Triples: prov:wasRevisionOf between claim versions) to this file.")
def diff_cmd(*, old: str, new: str | None, use_git: bool, repo: Path, markdown_path: Path | None,
             rdf_path: Path | None) -> None:
    """Which claims were added, removed or changed from OLD to NEW, and which fields of each changed.

    \b
    OLD and NEW are release folders (releases/DATE-vVERSION/, which hold b12kg.claims.tsv) or folders of
    *.claims.yaml files; with --git, git revisions. Fields are named as in the claims file (quote, population,
    frequency.category, curated.date, ...) and grouped: quote, IDs, modality, attribution, qualifiers, text,
    place (document, section). The Markdown suits the changelog; the RDF gives each claim version an IRI (the
    claim's IRI + /version/ + a hash of its content) and links a changed claim's new version to its old one.
    `b12kg release` writes the same diff against the previous release into the release folder.
    Exit codes: 0 compared (whether or not anything changed); 1 a claims file or snapshot is invalid (the
    message names file and line); 2 an argument names no release, curated folder or revision; 5 an output could
    not be written.
    """
    from b12kg.build.outputs import output_set
    from b12kg.diff.run import diff
    from b12kg.diff.sides import CURATED_IN_REPO, side_of_git, side_of_path

    try:
        if use_git:
            old_side = side_of_git(old, repo=repo)
            new_side = side_of_git(new, repo=repo) if new else side_of_path(repo / CURATED_IN_REPO)
        else:
            if new is None:
                raise click.UsageError("NEW is missing: give two release or curated folders (or use --git)")
            old_side, new_side = side_of_path(Path(old)), side_of_path(Path(new))
        targets = [p for p in (markdown_path, rdf_path) if p is not None]
        if not targets:
            tally = diff(old_side, new_side, markdown=sys.stdout)
        else:  # the report files are replaced together, or neither is (b12kg.build.outputs)
            with output_set(files=targets) as staged:
                markdown = staged.open(markdown_path) if markdown_path else sys.stdout
                rdf = staged.open(rdf_path) if rdf_path else None
                tally = diff(old_side, new_side, markdown=markdown, rdf=rdf)
    except B12kgError as exc:
        fail(exc)
        return
    click.echo(f"{tally.added} added, {tally.removed} removed, {tally.changed} changed, {tally.unchanged} unchanged",
               err=True)
