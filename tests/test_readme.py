"""The README and the docs/ pages show real output and stay true: every `b12kg query` example answers exactly as
printed, the query table is the one the .rq headers give, and every property a claim uses is documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.paths import PROJECT

PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
TEXT = {page.relative_to(PROJECT).as_posix(): page.read_text(encoding="utf-8") for page in PAGES}
README = TEXT["README.md"]
QUERYING = TEXT["docs/querying.md"]
EXAMPLES = [(name, command, shown) for name, text in TEXT.items() for command, shown in
            re.findall(r"```bash\n\.venv/bin/b12kg (query [^\n]*)\n```\n```\n(.*?)```", text, re.S)]


def test_the_pages_have_query_examples() -> None:
    assert len(EXAMPLES) >= 2 and any(name == "README.md" for name, _, _ in EXAMPLES)


@pytest.mark.parametrize("page,command,shown", EXAMPLES, ids=[f"{p}: {c}" for p, c, _ in EXAMPLES])
def test_example_output_is_real(page: str, command: str, shown: str) -> None:
    result = CliRunner().invoke(main, shlex.split(command))
    assert result.exit_code == 0, result.output
    assert result.output == shown, f"{page} shows stale output for `b12kg {command}`: update it"


def test_the_readme_names_the_two_commands() -> None:
    assert "bash scripts/main.sh" in README and "bash scripts/test.sh" in README
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


def test_every_docs_link_points_at_a_file() -> None:
    for name, text in TEXT.items():
        base = (PROJECT / name).parent
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
            assert (base / target).exists(), f"{name} links to {target}, which does not exist"


def test_the_query_table_is_generated_from_the_query_headers() -> None:
    from b12kg.sparql.library import library_table

    block = re.search(r"<!-- query-table:[^\n]*-->\n(.*?)<!-- /query-table -->", QUERYING, re.S)
    assert block, "docs/querying.md lost its query-table markers"
    assert block.group(1) == library_table().replace("](queries/", "](../queries/"), (
        "docs/querying.md's query table is stale: regenerate it with "
        "`.venv/bin/python -c 'from b12kg.sparql.library import library_table; print(library_table(), end=\"\")'` "
        "(links prefixed ../) and paste it between the markers")


def test_every_property_a_claim_uses_is_in_the_qualifier_table(fresh_build: Path) -> None:
    graph = rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")
    b12o = rdflib.Namespace("https://w3id.org/b12kg/ontology#")
    used = {p for c in graph.subjects(rdflib.RDF.type, b12o.HealthClaim) for p in graph.predicates(c, None)}
    table = QUERYING[QUERYING.index("## How each qualifier is recorded"):QUERYING.index("## One graph contract")]
    shape = QUERYING[QUERYING.index("## The graph's shape"):QUERYING.index("## How each qualifier is recorded")]
    missing = sorted(str(p) for p in used if str(p).startswith(str(b12o))
                     and f"b12o:{str(p)[len(str(b12o)):]}" not in table + shape)
    assert missing == [], f"docs/querying.md does not document these claim properties: {missing}"
