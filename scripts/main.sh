#!/usr/bin/env bash
# The main job on the embedded store: set up, then build the graph, validate it (IDs, HermiT), print its
# figures and answer a few example questions. Usage: bash scripts/main.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/b12kg" all
