"""The README shows real output: every `b12kg query` example in it answers exactly as printed."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.paths import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```bash\n\.venv/bin/b12kg (query [^\n]*)\n```\n```\n(.*?)```", README, re.S)


def test_the_readme_has_query_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("command,shown", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example_output_is_real(command: str, shown: str) -> None:
    result = CliRunner().invoke(main, shlex.split(command))
    assert result.exit_code == 0, result.output
    assert result.output == shown, f"README.md shows stale output for `b12kg {command}`: update it"


def test_the_readme_names_the_two_commands() -> None:
    assert "bash scripts/main.sh" in README and "bash scripts/test.sh" in README
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


def test_the_readme_query_table_is_generated_from_the_query_headers() -> None:
    from b12kg.sparql.library import library_table

    block = re.search(r"<!-- query-table:[^\n]*-->\n(.*?)<!-- /query-table -->", README, re.S)
    assert block, "README.md lost its query-table markers"
    assert block.group(1) == library_table(), (
        "README.md's query table is stale: regenerate it with "
        "`.venv/bin/python -c 'from b12kg.sparql.library import library_table; print(library_table(), end=\"\")'` "
        "and paste it between the markers")
