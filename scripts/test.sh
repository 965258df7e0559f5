#!/usr/bin/env bash
# The whole test suite: set up (with the test extras), then run pytest. Extra arguments go to pytest.
# Usage: bash scripts/test.sh [PYTEST ARGS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" '[test]'
cd "$ROOT"
exec .venv/bin/python -m pytest "$@"
