#!/usr/bin/env bash
# Set up what b12kg needs on a fresh machine that has Python and apt: a virtual environment in .venv holding
# b12kg and its dependencies (from PyPI, the Oxigraph server among them), a Java runtime for the HermiT
# reasoner (from Debian), and with the test extras Virtuoso Open Source 7 (for the store tests), Raptor's rapper (an
# independent RDF parser) and Chromium (for the explorer's browser tests), all from Debian.
# Safe to run again: it adds only what is missing. Usage: scripts/setup.sh [EXTRAS], e.g. scripts/setup.sh '[test]'
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EXTRAS="${1:-}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "setup: root is needed for: $*" >&2; return 1; fi
}
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PY"
  "$PY" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$PY" -m venv .venv; }
fi
if ! command -v java >/dev/null 2>&1; then
  echo "setup: installing a Java runtime for HermiT (Debian default-jre-headless)"
  apt_install default-jre-headless
fi
if [[ "$EXTRAS" == *test* ]] && ! command -v virtuoso-t >/dev/null 2>&1; then
  echo "setup: installing Virtuoso Open Source 7 for the store tests (Debian virtuoso-opensource)"
  apt_install virtuoso-opensource
fi
if [[ "$EXTRAS" == *test* ]] && [ ! -f /usr/share/java/jena-cmds.jar ]; then
  echo "setup: installing Apache Jena (Debian libapache-jena-java) for the TDB2 recipe and the Jena query tests"
  apt_install libapache-jena-java
fi
if [[ "$EXTRAS" == *test* ]] && ! command -v openssl >/dev/null 2>&1; then
  echo "setup: installing OpenSSL (Debian openssl): the tests sign nanopublications with keys it makes"
  apt_install openssl
fi
if [[ "$EXTRAS" == *test* ]] && ! command -v rapper >/dev/null 2>&1; then
  echo "setup: installing Raptor (Debian raptor2-utils), the independent RDF parser the tests compare against"
  apt_install raptor2-utils
fi
if [[ "$EXTRAS" == *test* ]] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Chromium (Debian chromium) for the explorer's browser tests (Playwright drives it)"
  apt_install chromium
fi
# The venv's own pip and setuptools come from the Python that made it (pip 23.2, setuptools 65.5 here, both with
# published CVEs): bring them up to date before anything else is installed with them.
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=25" "setuptools>=78.1.1" \
  2> >(grep -v "^WARNING: Location" >&2)
# Dependencies come from requirements.lock (pip-tools, every version pinned, the test extras included): the tests
# compare outputs of pyLODE, pyoxigraph and owlready2 byte for byte, so every machine gets the same versions.
echo "setup: installing the locked dependencies (requirements.lock) and b12kg${EXTRAS} into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock \
  2> >(grep -v "^WARNING: Location" >&2)
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e ".${EXTRAS}" \
  2> >(grep -v "^WARNING: Location" >&2)
# With the test extras: PyPI kgx's own validator, in a venv of its own (.venv-kgx/) because kgx 2.7.0 pins older
# click, biolink-model and linkml-runtime than .venv holds; the tests run it by subprocess (scripts/kgx_validate.py).
if [[ "$EXTRAS" == *test* ]] && ! cmp -s requirements-kgx.lock .venv-kgx/requirements-kgx.lock 2>/dev/null; then
  echo "setup: installing PyPI kgx and its pinned dependencies (requirements-kgx.lock) into .venv-kgx"
  [ -x .venv-kgx/bin/python ] || "$PY" -m venv .venv-kgx
  .venv-kgx/bin/python -m pip install -q --disable-pip-version-check -r requirements-kgx.lock \
    2> >(grep -v "^WARNING: Location" >&2)
  cp requirements-kgx.lock .venv-kgx/requirements-kgx.lock
fi
