"""`b12kg export-load-script --store qlever`: the Qleverfile's shape and load.sh's refusals.

QLever itself cannot run here: PyPI `qlever` is its control script only (the compiled `qlever-index` and
`qlever-server`, or a Docker image, are not in any registry this project reaches), so the index is not built in
these tests. They check what can be checked without it: the Qleverfile reads as QLever's control script reads it
(configparser with extended interpolation), names the recipe's N-Quads file as N-Quads, and that file holds every
graph at the size expected-counts.tsv gives; load.sh says what is missing and exits 5.
"""

from __future__ import annotations

import configparser
import subprocess
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from pyoxigraph import RdfFormat, parse

from b12kg.cli import main
from b12kg.store.release import release_checksum, release_graphs


def _recipe(inferred_build: Path, out: Path) -> Path:
    result = CliRunner().invoke(main, ["export-load-script", "--store", "qlever", "--out", str(out),
                                       "--graphs", str(inferred_build)])
    assert result.exit_code == 0, result.output
    assert f"bash {out.resolve() / 'load.sh'} [native|docker [PORT]]" in result.output
    return out


def test_the_qleverfile_names_the_release_nquads_and_every_graph_is_in_them(inferred_build: Path,
                                                                           tmp_path: Path) -> None:
    folder = _recipe(inferred_build, tmp_path / "qlever")
    config = configparser.ConfigParser(interpolation=configparser.ExtendedInterpolation())
    config.read(folder / "Qleverfile", encoding="utf-8")
    assert {"data", "index", "server", "runtime"} <= set(config.sections())
    assert config["data"]["NAME"] == "b12kg" and config["data"]["FORMAT"] == "nq"
    assert config["index"]["CAT_INPUT_FILES"] == "cat b12kg-store.nq"  # ${INPUT_FILES}, interpolated
    assert config["runtime"]["SYSTEM"] == "native"
    assert int(config["server"]["PORT"]) > 0
    assert release_checksum(release_graphs(inferred_build))[:12] in config["data"]["DESCRIPTION"]
    sizes = Counter(quad.graph_name.value for quad in parse(path=str(folder / config["index"]["INPUT_FILES"]),
                                                            format=RdfFormat.N_QUADS))
    expected = {line.split("\t")[0]: int(line.split("\t")[1])
                for line in (folder / "expected-counts.tsv").read_text(encoding="utf-8").splitlines()}
    assert dict(sizes) == {graph: size for graph, size in expected.items() if size}


def test_load_sh_says_what_to_install_and_refuses_bad_arguments(inferred_build: Path, tmp_path: Path) -> None:
    folder = _recipe(inferred_build, tmp_path / "qlever")
    missing = subprocess.run(["/bin/bash", str(folder / "load.sh")], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert missing.returncode == 5, missing.stderr
    assert "pip install qlever" in missing.stderr
    usage = subprocess.run(["/bin/bash", str(folder / "load.sh"), "native", "not-a-port"], capture_output=True,
                           text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert usage.returncode == 2 and "not a port number" in usage.stderr
