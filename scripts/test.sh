#!/usr/bin/env bash
# The whole test suite: set up (with the test extras), lint (ruff) and type-check (mypy, strict on the package; both
# configured in pyproject.toml), then run pytest. Extra arguments go to pytest.
# Usage: bash scripts/test.sh [PYTEST ARGS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" '[test]'
cd "$ROOT"
.venv/bin/ruff check loader tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
